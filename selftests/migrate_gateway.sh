#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# migrate_gateway.sh: the side whose own address does not change (a
# security gateway when a road warrior moves) keeps receiving while it
# migrates, and a request that fails is invisible to its traffic.
#
# There the inbound clone has the old SA's (daddr, SPI): hashed early, it
# would catch the old SA's packets (and drop them, being in ERROR) from
# the start of the commit, also in a request that is then rolled back.
# T streams to S through the CHILD SA from its address on link A and does
# not move; S migrates its view of T (A -> B and back), which changes
# nothing for T's packets in tunnel mode (the SA's destination and SPI
# stay, the outer source is not checked).
#  1. Transport and tunnel mode: S's fail_step fails each fallible step
#     of a request in turn (transport mode has a fallible commit step, the
#     insert of the rewritten-selector policies, after clones are hashed);
#     over all the failed requests S counts no XfrmInStateInvalid and no
#     XfrmInNoStates, and its inbound SA at the old pair keeps counting.
#  2. Tunnel mode: 100 successful migrations of S under a 3000 packet/s
#     stream: S's XfrmInStateInvalid grows by at most 2 (a packet that
#     looked the old SA up just before it retired); hashing the inbound
#     clones at the start of the commit dropped the packets that arrived
#     until the switch (about one per 10 migrations at this rate). Every
#     datagram the receiver lost is accounted for by S's XfrmInStateInvalid,
#     XfrmInTmplMismatch (packets the old SA decrypted after the policy
#     swap fail the new template: design.rst's table) and
#     XfrmInStateSeqError (a packet being decrypted by the old SA when it
#     retired fails the recheck of its closed replay window), give or take
#     the 2 a stopped stream may leave in flight.
# selftest-timeout: 900
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_xfrm.sh"

require_root
xf_require_migrate

RATE=${GATEWAY_RATE:-3000}
MOVES=${GATEWAY_MOVES:-100}
PORT=7100

s_receives() { [ "$(xf_sa_packets "$NS_S" "$1" "$S4")" -gt 0 ]; }
invalid() { echo $(($(xf_stat "$NS_S" XfrmInStateInvalid) + 0)); }
mismatch() { echo $(($(xf_stat "$NS_S" XfrmInTmplMismatch) + 0)); }
seqerrs() { echo $(($(xf_stat "$NS_S" XfrmInStateSeqError) + 0)); }
nostates() { echo $(($(xf_stat "$NS_S" XfrmInNoStates) + 0)); }

# sweep MODE: fail each step of S's request in turn, under T's stream
sweep() {
	local mode=$1 n failures=0 inv=0 nos=0 i0 n0 done= before after
	local spi=$2
	before=$(xf_sa_packets "$NS_S" "$spi" "$S4")
	for ((n = 1; n < 200; n++)); do
		i0=$(invalid) n0=$(nostates)
		xf_fail_step "$NS_S" "$n"
		if XF_SETTLE=0 xf_migrate "$NS_S" "$S4" "$TA4" "$S4" "$TB4"; then
			done=$n
			break
		fi
		failures=$((failures + 1))
		inv=$((inv + $(invalid) - i0)) nos=$((nos + $(nostates) - n0))
	done
	xf_fail_step "$NS_S" 0
	after=$(xf_sa_packets "$NS_S" "$spi" "$S4")
	diag "$mode: $failures failed requests, success at step ${done:-never};" \
		"XfrmInStateInvalid +$inv, XfrmInNoStates +$nos; inbound SA packets $before -> $after"
	if [ -n "$done" ] && [ "$failures" -gt 0 ] && [ "$inv" = 0 ] && [ "$nos" = 0 ]; then
		ok "$mode: $failures failed requests on S drop none of T's packets"
	else
		not_ok "$mode: $failures failed requests on S drop none of T's packets" \
			"XfrmInStateInvalid +$inv, XfrmInNoStates +$nos, success at ${done:-never}"
	fi
}

if ! xf_fail_step_available; then
	skip_all "no fault injection knob at $XF_FAIL_STEP"
fi

for mode in transport tunnel; do
	if ! xf_topo || ! "xf_$mode" 4; then
		not_ok "$mode: setup"
		continue
	fi
	if [ "$mode" = transport ]; then
		src=$TA4 dst=$S4
	else
		src=$TI4 dst=$SI4
	fi
	xf_recv_start "$mode" "$NS_S" "$dst" $PORT
	xf_send_start "$mode" "$NS_T" "$src" "$dst" $PORT "$RATE"
	spi_in=$("$IP" -n "$NS_S" xfrm state | awk -v s="$S4" '$1 == "src" && $4 == s { getline; print $4; exit }')
	if ! wait_for 30 s_receives "$spi_in"; then
		not_ok "$mode: T's stream reaches S" "$("$IP" -n "$NS_S" -s xfrm state)"
		xf_send_stop "$mode"
		continue
	fi
	sweep "$mode" "$spi_in"
	if [ "$mode" = tunnel ]; then
		# S now has T at B: back and forth while T keeps sending from A
		i0=$(invalid) t0=$(mismatch) q0=$(seqerrs) ok_moves=0
		for ((m = 0; m < MOVES; m += 2)); do
			XF_SETTLE=0 xf_migrate "$NS_S" "$S4" "$TB4" "$S4" "$TA4" && ok_moves=$((ok_moves + 1))
			XF_SETTLE=0 xf_migrate "$NS_S" "$S4" "$TA4" "$S4" "$TB4" && ok_moves=$((ok_moves + 1))
		done
		inv=$(($(invalid) - i0)) tmm=$(($(mismatch) - t0)) sqe=$(($(seqerrs) - q0))
	fi
	xf_send_stop "$mode"
	xf_recv_stop "$mode"
	if [ "$mode" = tunnel ]; then
		diag "tunnel: $ok_moves migrations; XfrmInStateInvalid +$inv, XfrmInTmplMismatch +$tmm," \
			"XfrmInStateSeqError +$sqe;" \
			"sent $SEND_sent, received $RECV_unique, lost $RECV_lost, longest gap ${RECV_longest_gap_ms} ms"
		if [ "$ok_moves" = "$MOVES" ] && [ "$inv" -le 2 ]; then
			ok "tunnel: $MOVES migrations of S under T's stream: XfrmInStateInvalid +$inv (at most 2)"
		else
			not_ok "tunnel: $MOVES migrations of S under T's stream: XfrmInStateInvalid at most +2" \
				"$ok_moves migrations, XfrmInStateInvalid +$inv" \
				"$XF_ERR" "S: $(xf_drops "$NS_S")"
		fi
		if [ "$RECV_lost" -le $((inv + tmm + sqe + 2)) ]; then
			ok "tunnel: every lost datagram is one S counted ($RECV_lost lost)"
		else
			not_ok "tunnel: every lost datagram is one S counted" \
				"lost $RECV_lost, invalid $inv, template mismatch $tmm, seq error $sqe" \
				"S: $(xf_drops "$NS_S")"
		fi
	fi
done

tap_finish
