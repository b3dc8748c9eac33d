#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftest-timeout: 900
#
# charon_mobike.sh: a real strongSwan charon on each side, MOBIKE in tunnel
# mode, `espmob vici` on each side, a UDP stream from the server to the
# terminal, and the terminal's address moved (192.0.2.10 -> 192.0.2.20).
# Checks that the tunnel follows, that the SAs and policies end at the new
# addresses on both sides, what each bridge did with its ike-update, and on
# the wire (the server's egress) that no (SPI, sequence number) repeats and
# nothing of the stream leaves in clear.
#
#   netns T (terminal)                         netns S (server)
#   lo 10.1.0.1  t0 192.0.2.10 -> .20 ==veth== s0 192.0.2.1  lo 10.2.0.1
#
# Documentation/strongswan.rst explains what the bridge and charon each do.
# Environment: VICI_RECORD=DIR records every VICI segment both bridges
# receive (tests/data/vici material); CHARON_LOG_DIR keeps charon's logs
# (default: vm-run's VM_OUT when there is one); MOBIKE_ENCAP=yes makes
# both charons encapsulate ESP in UDP (swanctl encap = yes: NAT faked).
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/charon_lib.sh"

require_root
require_module
require_cmd python3 tcpdump
charon_require
[ -x "$ESPMOB" ] || skip_all "espmob not built ($ESPMOB)"
"$ESPMOB" vici bogus-argument 2>&1 | grep -q Usage ||
	skip_all "espmob built without the VICI bridge"

OUT=${VM_OUT:-$CHARON_DIR}/charon_mobike
mkdir -p "$OUT"
export CHARON_LOG_DIR=${CHARON_LOG_DIR:-$OUT}
PCAP=$SELFTESTS/pcap
REC=${VICI_RECORD:-}
T_OLD=192.0.2.10 T_NEW=192.0.2.20 S_ADDR=192.0.2.1
T_IN=10.1.0.1 S_IN=10.2.0.1 PORT=5001

ns_new T term
ns_new S srv
# deleting the primary address must not take the new secondary along
ns_exec "$T" sysctl -qw net.ipv4.conf.default.promote_secondaries=1
check "veth pair and addresses" sh -e -c "
	$IP link add t0 netns $T type veth peer name s0 netns $S
	$IP -n $T addr add $T_OLD/24 dev t0
	$IP -n $T link set t0 up
	$IP -n $S addr add $S_ADDR/24 dev s0
	$IP -n $S link set s0 up
	$IP -n $T addr add $T_IN/32 dev lo
	$IP -n $S addr add $S_IN/32 dev lo
	$IP -n $T route add $S_IN/32 dev t0 src $T_IN
	$IP -n $S route add $T_IN/32 dev s0 src $S_IN"

extra=()
[ "${MOBIKE_ENCAP:-no}" = yes ] && extra=(encap=yes)
charon_mobike_conf term %any "$S_ADDR" "$T_IN/32" "$S_IN/32" terminal server \
	"${extra[@]}"
charon_mobike_conf srv "$S_ADDR" %any "$S_IN/32" "$T_IN/32" server terminal \
	"${extra[@]}"
diag "ESP in UDP: ${MOBIKE_ENCAP:-no}"
charon_pair_start "$T" "$S"
check "connections and PSK loaded (term)" charon_load term
check "connections and PSK loaded (srv)" charon_load srv

# The bridges: one per side, each in its charon's netns.
bridge() {
	local name=$1 ns=$2 extra=()
	[ -n "$REC" ] && mkdir -p "$REC/$name" && extra=(record "$REC/$name")
	ns_exec "$ns" "$ESPMOB" vici socket "$(charon_sock "$name")" verbose \
		"${extra[@]}" >"$OUT/bridge-$name.log" 2>&1 &
	at_exit "kill $! 2>/dev/null"
}
bridge term "$T"
bridge srv "$S"
if wait_for 30 grep -q following "$OUT/bridge-term.log" &&
   wait_for 30 grep -q following "$OUT/bridge-srv.log"; then
	ok "espmob vici follows both charons"
else
	not_ok "espmob vici follows both charons" \
		"$(cat "$OUT/bridge-term.log" "$OUT/bridge-srv.log")"
fi

if charon_swanctl term --initiate --child net --ike mob >"$OUT/initiate.log" 2>&1 &&
   wait_for 30 charon_child_installed srv; then
	ok "IKE_SA and CHILD_SA established (PSK, MOBIKE, tunnel)"
else
	not_ok "IKE_SA and CHILD_SA established (PSK, MOBIKE, tunnel)" \
		"$(tail -20 "$OUT/initiate.log")"
	tap_finish
fi

# The stream, and both egresses on the wire (the server's is checked).
charon_stream_start "$T" "$S" "$T_IN" "$S_IN" $PORT "$OUT"
inbound_used() {	# the terminal only receives: any packet is inbound
	"$IP" -s -n "$T" xfrm state | grep -qE '(^|[^0-9])[1-9][0-9]*\(packets\)'
}
if wait_for 60 inbound_used; then
	ok "the stream flows through the tunnel"
else
	not_ok "the stream flows through the tunnel"
fi

# Move: the new address first, then the old one goes; charon notices,
# MOBIKE tells the server, both charons raise ike-update.
sleep 1
ns_exec "$T" ip addr add "$T_NEW/24" dev t0
ns_exec "$T" ip addr del "$T_OLD/24" dev t0
for side in term srv; do
	if wait_for 60 grep -q "^.* ike-update mob" "$OUT/bridge-$side.log"; then
		ok "$side bridge handled ike-update"
		diag "$(grep "ike-update mob" "$OUT/bridge-$side.log")"
	else
		not_ok "$side bridge handled ike-update" \
			"$(tail -20 "$OUT/bridge-$side.log")"
	fi
done
charon_stream_wait

# End state: every SA and policy template at the new addresses.
sas_moved() {
	local ns=$1 x
	x=$("$IP" -n "$ns" xfrm state; "$IP" -n "$ns" xfrm policy)
	grep -q "$T_NEW" <<<"$x" && ! grep -q "$T_OLD" <<<"$x"
}
check "terminal: SAs and policies at the new address" sas_moved "$T"
check "server: SAs and policies at the new address" sas_moved "$S"
sees_new() { charon_swanctl "$1" --list-sas | grep -q "$T_NEW"; }
check "charon (terminal) sees the new address" sees_new term
check "charon (server) sees the new address" sees_new srv

# The stream: it went on after the move.
read -r sent < <(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sent"])' "$OUT/send.json" 2>/dev/null)
read -r got max lost < <(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["unique"], r["max_seq"], r["lost"])' "$OUT/recv.json" 2>/dev/null)
diag "stream: sent ${sent:-?}, received ${got:-?}, highest ${max:-?}, lost ${lost:-?}"
if [ -n "${sent:-}" ] && [ -n "${max:-}" ] && [ "$max" -ge $((sent - 5)) ]; then
	ok "the stream reaches the terminal after the move"
else
	not_ok "the stream reaches the terminal after the move"
fi

# On the wire: no sequence number twice, nothing of the stream in clear.
if python3 "$PCAP/espcheck.py" --allow-reorder --min-esp 100 \
	--port $PORT "$OUT/s0.pcap" >"$OUT/espcheck.json" 2>&1; then
	ok "wire: no duplicate (SPI, seq), no cleartext"
else
	not_ok "wire: no duplicate (SPI, seq), no cleartext" \
		"$(cat "$OUT/espcheck.json")"
fi

if [ -n "$REC" ]; then
	mkdir -p "$REC/list"
	ns_exec "$S" "$ESPMOB" vici socket "$(charon_sock srv)" list \
		record "$REC/list" >"$OUT/list.log" 2>&1
fi
for side in term srv; do
	ns=$T; [ $side = srv ] && ns=$S
	diag "$side: $(ns_exec "$ns" "$ESPMOB" stats 2>&1)"
done
tap_finish
