#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# migrate_badinput.sh: malformed or unauthorised MIGRATE requests are
# refused with a message, and change nothing.
#
# T holds one tunnel-mode CHILD SA with S. Requests built by hand over raw
# generic netlink (pcap/espmob_raw.py, bypassing espmob's parser) break
# one thing each: missing/partial/mixed-family endpoints, wrong attribute
# sizes, an unnested nest, new == old, empty/zero/too many SPIs, zero
# reqid or if_id, a mark without value, bad encapsulation modes and ports,
# unknown flag bits, bad policy references, no such peer, an SPI not
# between the peers, a truncated attribute. Each must fail with an errno
# and an extack message; a valid dry run (the control) must succeed.
# espmob's own usage errors exit 2. A caller without CAP_NET_ADMIN gets
# EPERM (espmob exits 1). After all of it, T's SAD and SPD are identical
# to before and the module counted no migration.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_xfrm.sh"

require_root
require_cmd setpriv
xf_require_migrate

if ! xf_topo || ! xf_tunnel 4; then
	not_ok "setup"
	tap_finish
fi
before=$(xf_sorted_dump "$NS_T")

out=$("$IP" netns exec "$NS_T" "$XF_PY" -S "$XF_PCAP/espmob_raw.py" \
	"$TA4" "$S4" "$TB4" "$S4" 2>&1)
if ! grep -q '^valid-dry-run ' <<<"$out"; then
	not_ok "raw requests sent" "$out"
fi
while read -r name err msg; do
	[ -n "$name" ] || continue
	if [ "$name" = valid-dry-run ]; then
		if [ "$err" = OK ]; then
			ok "raw: the valid control request (dry run) succeeds"
		else
			not_ok "raw: the valid control request (dry run) succeeds" "$err $msg"
		fi
	elif [ "$err" != OK ] && [ "$msg" != - ]; then
		ok "raw: $name refused: $err, \"$msg\""
	else
		not_ok "raw: $name refused with a message" "got: $err $msg"
	fi
done <<<"$out"

# espmob's usage errors (exit 2)
usage() {
	local name=$1 rc
	shift
	"$ESPMOB" -n "$NS_T" migrate "$@" >/dev/null 2>"$XF_TMP/usage.err"
	rc=$?
	if [ $rc = 2 ] && [ -s "$XF_TMP/usage.err" ]; then
		ok "espmob: $name: usage error (exit 2)"
	else
		not_ok "espmob: $name: usage error (exit 2)" "exit $rc: $(cat "$XF_TMP/usage.err")"
	fi
}
usage "no 'to'" from "$TA4" "$S4" "$TB4" "$S4"
usage "three addresses" from "$TA4" "$S4" to "$TB4"
usage "not an address" from "$TA4" "$S4" to "$TB4" 10.0.0.x
usage "mixed families in a pair" from "$TA4" "$S6" to "$TB4" "$S4"
usage "spi 0" from "$TA4" "$S4" to "$TB4" "$S4" spi 0
usage "spi not a number" from "$TA4" "$S4" to "$TB4" "$S4" spi x12
usage "encap with one port" from "$TA4" "$S4" to "$TB4" "$S4" encap espinudp 4500
usage "unknown keyword" from "$TA4" "$S4" to "$TB4" "$S4" frobnicate

# the kernel's refusals through espmob (exit 1, its message on stderr)
if xf_migrate "$NS_T" "$TA4" "$S4" "$TA4" "$S4"; then
	not_ok "espmob: new == old refused (exit 1, message)" "$XF_OUT"
elif [ -n "$XF_ERR" ]; then
	ok "espmob: new == old refused (exit 1): $XF_ERR"
else
	not_ok "espmob: new == old refused (exit 1, message)" "no message"
fi

# no CAP_NET_ADMIN
err=$("$IP" netns exec "$NS_T" setpriv --inh-caps=-all --bounding-set=-net_admin \
	"$ESPMOB" migrate from "$TA4" "$S4" to "$TB4" "$S4" 2>&1)
rc=$?
if [ $rc = 1 ] && grep -q 'Operation not permitted' <<<"$err"; then
	ok "without CAP_NET_ADMIN: EPERM, exit 1"
else
	not_ok "without CAP_NET_ADMIN: EPERM, exit 1" "exit $rc: $err"
fi

after=$(xf_sorted_dump "$NS_T")
if xf_dumps_full && [ "$before" = "$after" ]; then
	ok "after all refused requests, SAD and SPD are unchanged"
else
	not_ok "after all refused requests, SAD and SPD are unchanged" ${XF_EMPTY:+"$XF_EMPTY"} \
		"$(diff <(echo "$before") <(echo "$after") | head -40)"
fi
st=$("$ESPMOB" -n "$NS_T" -j stats 2>&1)
if [ "$(xf_jget migrations "$st")" = 0 ] && [ "$(xf_jget states_moved "$st")" = 0 ]; then
	ok "no migration counted ($st)"
else
	not_ok "no migration counted" "$st"
fi
tap_finish
