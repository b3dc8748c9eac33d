#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# migrate_stress.sh: migrations racing with traffic and with other
# writers of the same SAs.
#
# A tunnel-mode CHILD SA carries a stream both ways while T moves back and
# forth STRESS_MOVES times (default 8), each move migrating both ends, as
# fast as the commands go. Meanwhile a second writer keeps updating the
# same SAs (`ip xfrm state update` of their lifetimes, at whichever
# address they have) and dumping the tables, and a third keeps creating
# and deleting a netns holding the same SAs while migrating in it. The
# harness fails the run on any kernel warning. The test asserts:
#   - every migration of the mover succeeds (the writers hold no lock
#     that makes MIGRATE fail);
#   - no duplicate (SPI, seq) and no cleartext on the wire;
#   - afterwards each end has exactly its 2 SAs, at T's last address, and
#     traffic still flows both ways.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_xfrm.sh"

require_root
require_cmd tcpdump
xf_require_migrate

MOVES=${STRESS_MOVES:-8}

if ! xf_topo || ! xf_tunnel 4; then
	not_ok "setup"
	tap_finish
fi
xf_capture_start s "$NS_S" any -Q out
xf_capture_start t "$NS_T" any -Q out
xf_recv_start st "$NS_T" "$TI4" 5001
xf_recv_start ts "$NS_S" "$SI4" 5002
xf_send_start st "$NS_S" "$SI4" "$TI4" 5001
xf_send_start ts "$NS_T" "$TI4" "$SI4" 5002
xf_wait_more "$NS_S" 0x2001 "$TA4" "$XF_PHASE"

stop=$XF_TMP/stop
# writer: lifetime updates of T's SAs wherever they are, and dumps
writer() {
	local k1 k2 a
	k1=$(xf_key 0x1001) k2=$(xf_key 0x2001)
	while [ ! -e "$stop" ]; do
		for a in "$TA4" "$TB4"; do
			printf '%s\n' \
				"xfrm state update src $a dst $S4 proto esp spi 0x1001 reqid 1 mode tunnel flag af-unspec aead rfc4106(gcm(aes)) $k1 128 limit time-soft 100000" \
				"xfrm state update src $S4 dst $a proto esp spi 0x2001 reqid 1 mode tunnel flag af-unspec aead rfc4106(gcm(aes)) $k2 128 limit time-soft 100000"
		done | "$IP" -n "$NS_T" -force -batch - >/dev/null 2>&1
		"$IP" -n "$NS_T" xfrm state >/dev/null
		"$IP" -n "$NS_T" xfrm policy >/dev/null
	done
}
# churn: a netns with the same SAs, migrated while it is deleted
churn() {
	local n=0 ns
	while [ ! -e "$stop" ]; do
		n=$((n + 1))
		ns=espmob-churn-$$-$n
		"$IP" netns add "$ns" || break
		_xf_child_cmds add mode=tunnel local="$TA4" remote="$S4" \
			lsel="$TI4/32" rsel="$SI4/32" spi_out=0x1001 spi_in=0x2001 |
			"$IP" -n "$ns" -batch - 2>/dev/null
		"$ESPMOB" -n "$ns" migrate from "$TA4" "$S4" to "$TB4" "$S4" >/dev/null 2>&1 &
		"$IP" netns del "$ns"
		wait
	done
	echo "$n" >"$XF_TMP/churns"
}
writer &
w=$!
churn &
c=$!
_xf_pids+=($w $c)
at_exit 'touch "$stop"'

from=a fails=
for ((i = 0; i < MOVES; i++)); do
	to=$([ $from = a ] && echo b || echo a)
	ot=$(xf_taddr $from 4) nt=$(xf_taddr $to 4)
	xf_move_t $to
	xf_migrate_both "$ot" "$S4" "$nt" "$S4" || fails+="move $((i + 1)): $XF_ERR; "
	from=$to
done
touch "$stop"
wait $w $c
xf_wait_more "$NS_S" 0x2001 "$nt" "$XF_PHASE"
xf_send_stop st
xf_send_stop ts
xf_wait_stable "$NS_T" 0x2001 "$nt"
xf_recv_stop st
diag "S->T: $XF_RECV"
xf_recv_stop ts
diag "T->S: $XF_RECV"
xf_capture_stop s
xf_capture_stop t
diag "netns churned while migrating: $(cat "$XF_TMP/churns" 2>/dev/null)"

if [ -z "$fails" ]; then
	ok "$MOVES moves, each migrating both ends, all succeed under contention"
else
	not_ok "$MOVES moves, each migrating both ends, all succeed under contention" "$fails"
fi
xf_espcheck --port 5001 --port 5002 --min-esp 100 "$XF_TMP/s.pcap" "$XF_TMP/t.pcap"
diag "wire: ESP $CHK_esp_packets ($CHK_summary), dup $CHK_duplicate_count, clear $CHK_cleartext"
if [ "$CHK_duplicate_count" = 0 ] && [ "$CHK_cleartext" = 0 ] && [ "$CHK_esp_packets" -ge 100 ]; then
	ok "no duplicate (SPI, seq), no cleartext on the wire"
else
	not_ok "no duplicate (SPI, seq), no cleartext on the wire" "$XF_CHK"
fi
if [ "$(xf_count "$NS_T" state)" = 2 ] && [ "$(xf_count "$NS_S" state)" = 2 ] &&
	[ "$(xf_count "$NS_T" state "$nt")" = 2 ] && [ "$(xf_count "$NS_S" state "$nt")" = 2 ]; then
	ok "each end has exactly its 2 SAs, at T's last address"
else
	not_ok "each end has exactly its 2 SAs, at T's last address" \
		"$("$IP" -n "$NS_T" xfrm state | grep '^src')" "$("$IP" -n "$NS_S" xfrm state | grep '^src')"
fi
o_t=$(xf_sa_packets "$NS_T" 0x2001 "$nt") o_s=$(xf_sa_packets "$NS_S" 0x1001 "$S4")
xf_burst "$NS_S" "$TI4" 5001 10
xf_burst "$NS_T" "$SI4" 5002 10
p_t=$(xf_sa_packets "$NS_T" 0x2001 "$nt") p_s=$(xf_sa_packets "$NS_S" 0x1001 "$S4")
if [ $((p_t - o_t)) -ge 10 ] && [ $((p_s - o_s)) -ge 10 ]; then
	ok "traffic flows both ways afterwards"
else
	not_ok "traffic flows both ways afterwards" "T got $o_t -> $p_t, S got $o_s -> $p_s"
fi
tap_finish
