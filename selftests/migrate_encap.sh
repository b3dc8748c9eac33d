#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# migrate_encap.sh: NAT traversal (ESP in UDP, RFC 3948) across migrations.
#
# A tunnel-mode CHILD SA between T and S, UDP-encapsulated 4500 <-> 4500,
# with UDP_ENCAP_ESPINUDP sockets on 4500 and 4501 in both netns. T moves
# between links A and B; each step migrates both ends and checks the SAs'
# encapsulation and that traffic flows both ways (packet counters of the
# receiving SAs grow; captures show the expected UDP ports):
#   1. no encap option: the encapsulation is kept (4500/4500);
#   2. encap espinudp: T's port changes to 4501 (T: 4501->4500, S:
#      4500->4501, outbound and inbound SAs alike);
#   3. encap none: plain ESP;
#   4. encap espinudp 4500 4500 on an SA without encapsulation: set again.
# Everything else of the SAs stays (compared without the encap line).
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_xfrm.sh"

require_root
require_cmd tcpdump
xf_require_migrate

if ! xf_topo || ! xf_tunnel 4 encap=4500:4500 ||
	! xf_encap_sockets "$NS_T" 4500 4501 || ! xf_encap_sockets "$NS_S" 4500 4501; then
	not_ok "setup"
	tap_finish
fi

# encap_of NS SPI DADDR: "sport dport" of the SA's encapsulation, or "none"
encap_of() {
	local l
	l=$(xf_sa "$@" | grep -Eo 'encap type espinudp sport [0-9]+ dport [0-9]+')
	if [ -n "$l" ]; then set -- $l; echo "$5 $7"; else echo none; fi
}

# flows T_ADDR WHAT: bursts both ways, packets must arrive; the capture
# on T's side shows WHAT ("udp 4501" etc.: the port T's SAs use, or
# "esp") for the ESP packets.
flows() {
	local ta=$1 want=$2 n_t n_s o_t o_s pat
	o_t=$(xf_sa_packets "$NS_T" 0x2001 "$ta") o_s=$(xf_sa_packets "$NS_S" 0x1001 "$S4")
	case $want in
	esp) pat="> $S4: ESP\\(spi=0x00001001" ;;
	*) pat="\\.${want#udp } > $S4\\.[0-9]+: " ;;
	esac
	xf_capture_start e "$NS_T" any -Q out
	xf_burst "$NS_S" "$TI4" 5001 10
	xf_burst "$NS_T" "$SI4" 5002 10
	# tcpdump may lag behind a slow guest: wait until it wrote them
	_seen() { tcpdump -nr "$XF_TMP/e.pcap" 2>/dev/null | grep -Eq "$pat"; }
	wait_for 30 _seen
	xf_capture_stop e
	n_t=$(xf_sa_packets "$NS_T" 0x2001 "$ta") n_s=$(xf_sa_packets "$NS_S" 0x1001 "$S4")
	if [ $((n_t - o_t)) -ge 10 ] && [ $((n_s - o_s)) -ge 10 ] && _seen; then
		return 0
	fi
	FLOW_ERR="T got $o_t -> $n_t, S got $o_s -> $n_s; T sent: $(tcpdump -nr "$XF_TMP/e.pcap" 2>/dev/null | grep -m 3 -E 'ESP|UDP')"
	return 1
}

# step NAME FROM TO T_ENC S_ENC WANT_T_OUT WANT_T_IN [espmob encap args]:
# move T, migrate both ends, check encapsulation of T's SAs and traffic.
step() {
	local name=$1 from=$2 to=$3 want_out=$4 want_in=$5 t_args=$6 s_args=$7
	local ot nt bt bs before after got_out got_in sub
	ot=$(xf_taddr "$from" 4) nt=$(xf_taddr "$to" 4)
	bt=$(xf_sorted_dump "$NS_T" norm) bs=$(xf_sorted_dump "$NS_S" norm)
	xf_move_t "$to"
	# shellcheck disable=SC2086
	if ! xf_migrate "$NS_T" "$ot" "$S4" "$nt" "$S4" $t_args ||
		! xf_migrate "$NS_S" "$S4" "$ot" "$S4" "$nt" $s_args; then
		not_ok "$name: migrated" "$XF_OUT $XF_ERR"
		return
	fi
	got_out=$(encap_of "$NS_T" 0x1001 "$S4") got_in=$(encap_of "$NS_T" 0x2001 "$nt")
	if [ "$got_out" = "$want_out" ] && [ "$got_in" = "$want_in" ]; then
		ok "$name: T's SAs: out $want_out, in $want_in"
	else
		not_ok "$name: T's SAs: out $want_out, in $want_in" "got out $got_out, in $got_in" \
			"$(xf_sa "$NS_T" 0x1001 "$S4")"
	fi
	sub=$(xf_subst "$ot" "$nt")
	before=$(sed -E "$sub" <<<"$bt" | grep -v 'encap type'; sed -E "$sub" <<<"$bs" | grep -v 'encap type')
	after=$(xf_sorted_dump "$NS_T" norm | grep -v 'encap type'; xf_sorted_dump "$NS_S" norm | grep -v 'encap type')
	if xf_dumps_full && [ "$before" = "$after" ]; then
		ok "$name: all else kept"
	else
		not_ok "$name: all else kept" ${XF_EMPTY:+"$XF_EMPTY"} "$(diff <(echo "$before") <(echo "$after") | head -40)"
	fi
	local what=esp
	[ "$want_out" != none ] && what="udp ${want_out% *}"
	if flows "$nt" "$what"; then
		ok "$name: traffic flows both ways ($what)"
	else
		not_ok "$name: traffic flows both ways ($what)" "$FLOW_ERR"
	fi
}

if flows "$TA4" "udp 4500"; then
	ok "ESP in UDP 4500 works before any migration"
else
	not_ok "ESP in UDP 4500 works before any migration" "$FLOW_ERR"
fi
step "encap kept" a b "4500 4500" "4500 4500" "" ""
step "encap port changed" b a "4501 4500" "4500 4501" \
	"encap espinudp 4501 4500" "encap espinudp 4500 4501"
step "encap removed" a b none none "encap none" "encap none"
step "encap set" b a "4500 4500" "4500 4500" \
	"encap espinudp 4500 4500" "encap espinudp 4500 4500"
tap_finish
