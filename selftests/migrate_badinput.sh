#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# migrate_badinput.sh: malformed or unauthorised MIGRATE requests are
# refused for the right reason, and change nothing.
#
# T holds one tunnel-mode CHILD SA with S. Requests built by hand over raw
# generic netlink (pcap/espmob_raw.py, bypassing espmob's parser) break
# one thing each: missing/partial/mixed-family endpoints, wrong attribute
# sizes, an unnested nest, new == old, empty/zero/too many/repeated SPIs,
# zero reqid or if_id, a mark without value, bad encapsulation modes and
# ports, unknown flag bits, bad policy references, no such peer, an SPI
# not between the peers, a truncated attribute. Each names the errno and
# the exact extack message (or missing attribute type) it expects, and
# passes only when the kernel answers exactly that; a valid dry run (the
# control) must succeed. espmob's own usage errors exit 2 and say what is
# wrong. A caller without CAP_NET_ADMIN gets EPERM (raw: no message;
# espmob exits 1) and changes neither the tables nor a counter. After all
# of it, T's SAD and SPD are identical to before and the module counted no
# migration.
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
# NAME<TAB>GOT<TAB>WANT per case, then "end N"
n=0
while IFS=$'\t' read -r name got want; do
	case $name in
	'' | end\ *) continue ;;
	esac
	n=$((n + 1))
	if [ -z "$want" ]; then
		not_ok "raw: $name" "unexpected line: $name $got"
	elif [ "$got" = "$want" ]; then
		ok "raw: $name: $got"
	else
		not_ok "raw: $name: $want" "got: $got"
	fi
done <<<"$out"
if grep -qx "end $n" <<<"$out" && [ "$n" -gt 1 ]; then
	ok "raw: all $n cases ran"
else
	not_ok "raw: all cases ran" "$n results" "$out"
fi

# espmob's usage errors: exit 2, and the first line on stderr says what
# is wrong (the usage text follows)
usage() {
	local name=$1 want=$2 rc first
	shift 2
	"$ESPMOB" -n "$NS_T" migrate "$@" >/dev/null 2>"$XF_TMP/usage.err"
	rc=$?
	first=$(head -n 1 "$XF_TMP/usage.err")
	if [ $rc = 2 ] && [ "$first" = "espmob: migrate: $want" ]; then
		ok "espmob: $name: usage error (exit 2): $want"
	else
		not_ok "espmob: $name: usage error (exit 2): $want" \
			"exit $rc: $(cat "$XF_TMP/usage.err")"
	fi
}
# without "to", the third address is where "to" was missing
usage "no 'to'" "missing \"to\" before \"$TB4\"" from "$TA4" "$S4" "$TB4" "$S4"
usage "three addresses" '"to" needs two addresses, local and remote' \
	from "$TA4" "$S4" to "$TB4"
usage "not an address" 'to: invalid address "10.0.0.x"' \
	from "$TA4" "$S4" to "$TB4" 10.0.0.x
usage "mixed families in a pair" \
	"from: $TA4 and $S6 are not of the same address family" \
	from "$TA4" "$S6" to "$TB4" "$S4"
usage "spi 0" 'invalid SPI "0" (1 to 0xffffffff, decimal or 0x hex)' \
	from "$TA4" "$S4" to "$TB4" "$S4" spi 0
usage "spi not a number" 'invalid SPI "x12" (1 to 0xffffffff, decimal or 0x hex)' \
	from "$TA4" "$S4" to "$TB4" "$S4" spi x12
usage "encap with one port" '"encap espinudp" needs SPORT and DPORT' \
	from "$TA4" "$S4" to "$TB4" "$S4" encap espinudp 4500
usage "unknown keyword" 'unknown keyword "frobnicate"' \
	from "$TA4" "$S4" to "$TB4" "$S4" frobnicate

# the kernel's refusals through espmob (exit 1, its message on stderr)
want="espmob: migrate: new endpoints equal the old ones (Invalid argument)"
if xf_migrate "$NS_T" "$TA4" "$S4" "$TA4" "$S4"; then
	not_ok "espmob: new == old refused (exit 1): $want" "$XF_OUT"
elif [ $? = 1 ] && [[ $XF_ERR == "$want"* ]]; then
	ok "espmob: new == old refused (exit 1): $XF_ERR"
else
	not_ok "espmob: new == old refused (exit 1): $want" "got: $XF_ERR"
fi

# no CAP_NET_ADMIN: a real (not dry-run) migration, raw and through
# espmob, is refused with EPERM before the module sees it: the tables and
# every counter stay as they were
drop=(setpriv --inh-caps=-all --bounding-set=-net_admin)
t_before=$(xf_sorted_dump "$NS_T")
st_before=$("$ESPMOB" -n "$NS_T" -j stats 2>&1)
out=$("$IP" netns exec "$NS_T" "${drop[@]}" "$XF_PY" -S "$XF_PCAP/espmob_raw.py" \
	"$TA4" "$S4" "$TB4" "$S4" unprivileged-migrate 2>&1)
IFS=$'\t' read -r name got want <<<"$out"
if [ "$name" = unprivileged-migrate ] && [ -n "$want" ] && [ "$got" = "$want" ]; then
	ok "raw: without CAP_NET_ADMIN: $got"
else
	not_ok "raw: without CAP_NET_ADMIN: EPERM, no message" "got: $out"
fi
err=$("$IP" netns exec "$NS_T" "${drop[@]}" \
	"$ESPMOB" migrate from "$TA4" "$S4" to "$TB4" "$S4" 2>&1)
rc=$?
if [ $rc = 1 ] && grep -qFx 'espmob: migrate: Operation not permitted: espmob needs CAP_NET_ADMIN in the network namespace' <<<"$err"; then
	ok "espmob without CAP_NET_ADMIN: EPERM, exit 1"
else
	not_ok "espmob without CAP_NET_ADMIN: EPERM, exit 1" "exit $rc: $err"
fi
t_after=$(xf_sorted_dump "$NS_T")
st_after=$("$ESPMOB" -n "$NS_T" -j stats 2>&1)
if xf_dumps_full && [ "$t_before" = "$t_after" ] &&
	[ -n "$(xf_jget failed "$st_before")" ] && [ "$st_before" = "$st_after" ]; then
	ok "without CAP_NET_ADMIN: SAD, SPD and counters unchanged"
else
	not_ok "without CAP_NET_ADMIN: SAD, SPD and counters unchanged" ${XF_EMPTY:+"$XF_EMPTY"} \
		"stats before $st_before" "stats after  $st_after" \
		"$(diff <(echo "$t_before") <(echo "$t_after") | head -40)"
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
