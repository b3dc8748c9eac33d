#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Who may hear migrations. A notification on the "migrate" group carries a
# peer's old and new addresses (a road warrior's location trail), so only
# a listener with CAP_NET_ADMIN over the namespace's user namespace may
# join it -- the same rule as for the commands, and xfrm_user's:
#   - root in a netns joins, and receives a migration's notification;
#   - uid 65534 without capabilities is refused (EPERM), by the kernel
#     (raw netlink) and through `espmob monitor` (exit 1, says why);
#   - uid 0 without CAP_NET_ADMIN is refused;
#   - the root of a user namespace joins in a netns that namespace owns,
#     and is refused in the initial netns, which it does not own.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_xfrm.sh"

require_root
require_cmd python3 setpriv unshare
require_module

join=("$XF_PY" -S "$XF_PCAP/genl_join.py" esp_mobility migrate)
nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)
no_net_admin=(setpriv --inh-caps=-all --bounding-set=-net_admin)

ns_new ns_a listen

# expect NAME WANT CMD...: CMD prints WANT ("ok" or an errno name)
expect() {
	local name=$1 want=$2 out
	shift 2
	out=$("$@" 2>&1)
	if [ "$out" = "$want" ]; then
		ok "$name"
	else
		not_ok "$name" "want: $want" "got: $out"
	fi
}

expect "root in a netns joins the migrate group" ok \
	"$IP" netns exec "$ns_a" "${join[@]}"
expect "uid 65534 cannot join the migrate group (EPERM)" EPERM \
	"$IP" netns exec "$ns_a" "${nobody[@]}" "${join[@]}"
expect "uid 0 without CAP_NET_ADMIN cannot join the migrate group (EPERM)" EPERM \
	"$IP" netns exec "$ns_a" "${no_net_admin[@]}" "${join[@]}"

out=$("$IP" netns exec "$ns_a" "${nobody[@]}" "$ESPMOB" monitor 2>&1)
rc=$?
if [ $rc = 1 ] && grep -q 'joining group "migrate": Operation not permitted' <<<"$out" &&
	grep -q CAP_NET_ADMIN <<<"$out"; then
	ok "espmob monitor as uid 65534 exits 1 and says it needs CAP_NET_ADMIN"
else
	not_ok "espmob monitor as uid 65534 exits 1 and says it needs CAP_NET_ADMIN" \
		"exit $rc: $out"
fi

# A user namespace's root (made by root here: what counts is the user
# namespace that owns the netns, not who made it): its own netns is its to
# watch, the initial one is not.
if unshare -Ur true 2>/dev/null; then
	expect "a user namespace's root joins in a netns it owns" ok \
		unshare -Urn "${join[@]}"
	expect "a user namespace's root cannot join in the initial netns (EPERM)" EPERM \
		unshare -Ur "${join[@]}"
elif [ "$(stat -Lc %d:%i /)" != "$(stat -Lc %d:%i /proc/1/root)" ]; then
	# vm-run's guest runs the tests chrooted into the shared root, and
	# the kernel gives no new user namespace to a chrooted process
	why="chrooted (vm-run): the kernel refuses CLONE_NEWUSER here"
	skip "a user namespace's root joins in a netns it owns" "$why"
	skip "a user namespace's root cannot join in the initial netns (EPERM)" "$why"
else
	not_ok "a user namespace's root joins in a netns it owns" \
		"unshare -Ur: $(unshare -Ur true 2>&1)"
fi

# The privileged listener still hears a migration.
if xf_topo && xf_tunnel 4; then
	if xf_monitor_start "$NS_T" "$XF_TMP/mon"; then
		xf_move_t b
		if xf_migrate "$NS_T" "$TA4" "$S4" "$TB4" "$S4" &&
			wait_for 30 grep -q "$TB4" "$XF_TMP/mon"; then
			ok "root's monitor receives the migration"
		else
			not_ok "root's monitor receives the migration" \
				"$XF_OUT $XF_ERR" "monitor: $(cat "$XF_TMP/mon")"
		fi
	else
		not_ok "root's monitor receives the migration" "monitor did not join"
	fi
else
	not_ok "root's monitor receives the migration" "setup"
fi

tap_finish
