#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# migrate_select.sh: which SAs and policies a request selects.
#
# T holds four tunnel-mode CHILD SAs with S and one with another peer P:
#   c1 reqid 1 SPIs 0x1001/0x2001   any protocol
#   c2 reqid 2 SPIs 0x1002/0x2002   UDP 6000 <-> 7000
#   c3 reqid 3 SPIs 0x1003/0x2003   mark 0x7/0xff, TCP
#   c4 reqid 4 SPIs 0x1004/0x2004   if_id 9, ICMP
#   p  reqid 1 SPIs 0x1010/0x2010   with P (10.0.1.3), same selectors as c1
# Dry runs count: all of S's children (8 states, 12 policies), reqid 2,
# mark 7/0xff, if_id 9, one SPI, two SPIs (2 states). Then real
# migrations of reqid 2, of two listed SPIs, and of the rest: after each,
# every selected SPI names exactly one SA, at the new address in its
# direction, and T holds as many SAs at the new address as have moved so
# far (2, 4, 8); every other SA and policy is identical (full dump), and
# P's child is never touched. P's sub-type policy is found by reference
# with "ptype sub" and not without. Finally, with one SA deleted, the same
# check must fail.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_xfrm.sh"

require_root
xf_require_migrate

if ! xf_topo ||
	! xf_tunnel 4 reqid=1 ||
	! xf_tunnel 4 reqid=2 proto=udp tport=6000 sport=7000 spi_ts=0x1002 spi_st=0x2002 ||
	! xf_tunnel 4 reqid=3 proto=tcp mark=0x7/0xff spi_ts=0x1003 spi_st=0x2003 ||
	! xf_tunnel 4 reqid=4 proto=icmp if_id=9 spi_ts=0x1004 spi_st=0x2004 ||
	! xf_child "$NS_T" mode=tunnel local="$TA4" remote="$P4" lsel="$TI4/32" \
		rsel="$SI4/32" spi_out=0x1010 spi_in=0x2010 reqid=1 ptype=sub; then
	not_ok "setup"
	tap_finish
fi

# dry NAME STATES POLICIES [filters]: a dry run on T counts
dry() {
	local name=$1 s=$2 p=$3 label
	shift 3
	label="dry run, $name: $s states"
	[ "$p" = - ] || label+=", $p policies"
	if xf_migrate "$NS_T" "$TA4" "$S4" "$TB4" "$S4" "$@" dry-run &&
		[ "$(xf_jget states)" = "$s" ] &&
		{ [ "$p" = - ] || [ "$(xf_jget policies)" = "$p" ]; }; then
		ok "$label"
	else
		not_ok "$label" "$XF_OUT $XF_ERR"
	fi
}
dry "no filter" 8 12
dry "reqid 2" 2 3 reqid 2
dry "mark 7/0xff" 2 3 mark 7/0xff
dry "if_id 9" 2 3 if_id 9
dry "spi 0x1002" 1 - spi 0x1002
dry "spi 0x1002 0x2004" 2 - spi 0x1002 spi 0x2004

# blocks NS REGEX: the SA blocks (one line each) whose text matches
# REGEX, and the policy blocks likewise, sorted
blocks() {
	xf_sorted_dump "$1" | awk '/^(src |---)/ { if (b != "") print b; b = $0; next }
		{ b = b " | " $0 } END { if (b != "") print b }' | grep -E -- "$2" | sort
}

# sas NS: "SPI SRC DST" for each SA of NS (SPI as ip prints it)
sas() {
	"$IP" -n "$1" xfrm state |
		awk '/^src / { s = $2; d = $4 } /^\tproto esp spi / { print $4, s, d }'
}

# at_new TOTAL SPI...: each SPI names exactly one SA of T, and it is at
# the new address in its direction (0x1... T->S: TB4 -> S4, 0x2... S->T:
# S4 -> TB4); T holds TOTAL SAs between TB4 and S4 in all. Each SPI is
# looked up by itself, so a missing SA fails. What is wrong: AT_NEW_ERR.
at_new() {
	local total=$1 got spi s want n
	shift
	AT_NEW_ERR=()
	got=$(sas "$NS_T")
	for spi in "$@"; do
		s=$(printf '0x%08x' "$spi")
		case $spi in
		0x1*) want="$s $TB4 $S4" ;;
		*) want="$s $S4 $TB4" ;;
		esac
		if [ "$(grep -c "^$s " <<<"$got")" != 1 ] || ! grep -qFx "$want" <<<"$got"; then
			AT_NEW_ERR+=("SPI $spi: want \"$want\", have: \"$(grep "^$s " <<<"$got" | paste -sd ',')\"")
		fi
	done
	n=$(awk -v t="$TB4" -v s="$S4" '($2 == t && $3 == s) || ($2 == s && $3 == t)' <<<"$got" | wc -l)
	[ "$n" = "$total" ] || AT_NEW_ERR+=("$n SAs between $TB4 and $S4, want $total")
	[ ${#AT_NEW_ERR[@]} = 0 ]
}

# moved NAME TOTAL "SPI..." [filters]: migrates T with the filters; each
# listed SPI's SA must be at TB4 afterwards and T must hold TOTAL SAs
# there (these and the ones moved before); all other SA and policy blocks
# must be unchanged
moved() {
	local name=$1 total=$2 spis=$3 re b_other a_other
	shift 3
	re=$(sed 's/0x//g; s/ /|/g' <<<"$spis")
	b_other=$(blocks "$NS_T" . | grep -Ev "spi 0x0000($re)")
	if ! xf_migrate "$NS_T" "$TA4" "$S4" "$TB4" "$S4" "$@"; then
		not_ok "migrate $name" "$XF_ERR"
		return
	fi
	# shellcheck disable=SC2086
	if at_new "$total" $spis; then
		ok "migrate $name: SPIs $spis at $TB4, $total SAs there"
	else
		not_ok "migrate $name: SPIs $spis at $TB4, $total SAs there" "${AT_NEW_ERR[@]}" \
			"$(sas "$NS_T")"
	fi
	a_other=$(blocks "$NS_T" . | grep -Ev "spi 0x0000($re)")
	# policies of moved children change: compare only SAs not selected
	# and policies not referring to a moved reqid (passed as RQ)
	if xf_dumps_full &&
		[ "$(grep -v 'tmpl' <<<"$b_other" | grep -v '^src.*dir')" = "$(grep -v 'tmpl' <<<"$a_other" | grep -v '^src.*dir')" ]; then
		ok "migrate $name: other SAs unchanged"
	else
		not_ok "migrate $name: other SAs unchanged" ${XF_EMPTY:+"$XF_EMPTY"} \
			"$(diff <(echo "$b_other") <(echo "$a_other") | head -30)"
	fi
}

p_before=$(blocks "$NS_T" "$P4")
moved "reqid 2" 2 "0x1002 0x2002" reqid 2
moved "spi 0x1003 0x2003 mark 7/0xff" 4 "0x1003 0x2003" spi 0x1003 spi 0x2003 mark 7/0xff
moved "the rest" 8 "0x1001 0x2001 0x1004 0x2004"
p_after=$(blocks "$NS_T" "$P4")
if xf_dumps_full && [ "$p_after" = "$p_before" ] && [ -n "$p_before" ]; then
	ok "the other peer's SAs and policy are untouched"
else
	not_ok "the other peer's SAs and policy are untouched" ${XF_EMPTY:+"$XF_EMPTY"} \
		"$(diff <(echo "$p_before") <(echo "$p_after"))"
fi
# all of S's policies (out, in, fwd of 4 children) now use TB4
n=$("$IP" -n "$NS_T" xfrm policy | grep -c "tmpl src $TB4 dst $S4\|tmpl src $S4 dst $TB4")
if [ "$n" = 12 ]; then
	ok "all 12 policies of the 4 children point to the new address"
else
	not_ok "all 12 policies of the 4 children point to the new address" "$n" \
		"$("$IP" -n "$NS_T" xfrm policy)"
fi
# P's child uses sub-type policies (ptype sub): a policy named by
# reference is looked up in the type the request gives, main by default
pidx=$("$IP" -s -n "$NS_T" xfrm policy get src "$TI4/32" dst "$SI4/32" dir out ptype sub |
	sed -nE 's/.* index ([0-9]+).*/\1/p')
if [ -z "$pidx" ]; then
	not_ok "named sub policy: setup" "no index for P's out policy"
else
	if xf_migrate "$NS_T" "$TA4" "$P4" "$TB4" "$P4" spi 0x1010 \
		policy index "$pidx" dir out ptype sub dry-run &&
		[ "$(xf_jget states),$(xf_jget policies)" = 1,1 ]; then
		ok "named policy with ptype sub: found (1 state, 1 policy)"
	else
		not_ok "named policy with ptype sub: found (1 state, 1 policy)" "$XF_OUT $XF_ERR"
	fi
	if xf_migrate "$NS_T" "$TA4" "$P4" "$TB4" "$P4" spi 0x1010 \
		policy index "$pidx" dir out dry-run; then
		not_ok "the same index as a main policy: refused" "$XF_OUT"
	elif [[ $XF_ERR == *"no policy with this index and direction (No such file or directory)"* ]]; then
		ok "the same index as a main policy: ENOENT, no such policy"
	else
		not_ok "the same index as a main policy: ENOENT, no such policy" "$XF_ERR"
	fi
fi

# at_new cannot pass without the SAs it names: with one deleted, it fails
# and says which
"$IP" -n "$NS_T" xfrm state delete src "$TB4" dst "$S4" proto esp spi 0x1004
if at_new 8 0x1001 0x2001 0x1004 0x2004; then
	not_ok "the check fails when an SA (0x1004) is missing" "$(sas "$NS_T")"
elif [[ ${AT_NEW_ERR[0]} == "SPI 0x1004: "* ]]; then
	ok "the check fails when an SA (0x1004) is missing: ${AT_NEW_ERR[*]}"
else
	not_ok "the check fails when an SA (0x1004) is missing" "${AT_NEW_ERR[@]}"
fi
tap_finish
