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
# migrations of reqid 2, of two listed SPIs, and of the rest: each moves
# exactly what it selected (new address), leaves every other SA and
# policy identical (full dump), and never touches P's child.
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

# moved NAME SPIS_RE [filters]: migrates T with the filters; the SAs
# whose SPI matches SPIS_RE must be at TB4 afterwards and all other SA
# and policy blocks must be unchanged
moved() {
	local name=$1 re=$2 b_other a_other left
	shift 2
	b_other=$(blocks "$NS_T" . | grep -Ev "spi 0x0000($re)")
	if ! xf_migrate "$NS_T" "$TA4" "$S4" "$TB4" "$S4" "$@"; then
		not_ok "migrate $name" "$XF_ERR"
		return
	fi
	left=$("$IP" -n "$NS_T" xfrm state | awk '/^src/ { a = $0 } /spi/ { print a, $4 }' |
		grep -E "0x0000($re)" | grep -c "$TA4")
	a_other=$(blocks "$NS_T" . | grep -Ev "spi 0x0000($re)")
	# policies of moved children change: compare only SAs not selected
	# and policies not referring to a moved reqid (passed as RQ)
	if xf_dumps_full && [ "$left" = 0 ] &&
		[ "$(grep -v 'tmpl' <<<"$b_other" | grep -v '^src.*dir')" = "$(grep -v 'tmpl' <<<"$a_other" | grep -v '^src.*dir')" ]; then
		ok "migrate $name: selected SAs moved, other SAs unchanged"
	else
		not_ok "migrate $name: selected SAs moved, other SAs unchanged" "$left left at $TA4" \
			${XF_EMPTY:+"$XF_EMPTY"} \
			"$(diff <(echo "$b_other") <(echo "$a_other") | head -30)"
	fi
}

p_before=$(blocks "$NS_T" "$P4")
moved "reqid 2" "1002|2002" reqid 2
moved "spi 0x1003 0x2003 mark 7/0xff" "1003|2003" spi 0x1003 spi 0x2003 mark 7/0xff
moved "the rest" "1001|2001|1004|2004"
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
tap_finish
