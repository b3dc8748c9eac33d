#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# migrate_replay.sh: across a migration no (SPI, sequence number) is
# accepted twice, also for packets that were being decrypted when the SA
# moved.
#
# 6.1's xfrm_input() checks an inbound SA's replay window, releases the
# SA's lock to decrypt and advances the window afterwards. A packet in
# that gap when the module snapshots the window used to advance the old
# SA's window only; the clone never recorded its number and accepted it
# again. The module now closes the retired window, so that such a packet
# fails its recheck (and counts as XfrmInStateSeqError).
#
# To make the gap wide, ESP's AEAD is made asynchronous for this test:
# a pcrypt instance of rfc4106(gcm(aes)) is registered (crypto user
# netlink), and T's SAs, created afterwards, decrypt in pcrypt's
# parallel workers. S streams to T; in each of ROUNDS rounds T migrates
# its SAs from its address on link A to its address on link B while the
# stream still arrives at A, and the stream stops. The clone's window
# top is where the old SA's window stood at the switch; the ESP packets
# captured at A with sequence numbers within 32 of it -- those the old SA
# accepted before the switch, any that were being decrypted then, and
# those the retired SA dropped after it -- are re-injected at B (outer
# addresses rewritten, as an on-path attacker would); then T moves back.
# Then:
#   - no receiver saw a datagram twice;
#   - every re-injected packet either failed the replay check
#     (XfrmInStateSeqError) or was accepted by the clone, so the two add
#     up to the number injected: those the clone accepted are datagrams
#     never delivered before (no duplicate), the ones the retired SA
#     dropped.
# selftest-timeout: 900
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_xfrm.sh"

require_root
require_cmd tcpdump
xf_require_migrate

ROUNDS=${REPLAY_ROUNDS:-20}
AROUND=${REPLAY_AROUND:-32}
RATE=${REPLAY_RATE:-3000}
PORT=7200
ALG='rfc4106(gcm(aes))'

crypto() { "$XF_PY" -S "$XF_PCAP/crypto_alg.py" "$@" 2>&1; }
pcrypt_driver() {
	awk -v a="$ALG" '$1 == "name" { n = $3 } $1 == "driver" && n == a && $3 ~ /^pcrypt\(/ { print $3; exit }' /proc/crypto
}
pcrypt_refcnt() {
	awk -v d="$1" '$1 == "driver" { cur = $3 } $1 == "refcnt" && cur == d { print $3; exit }' /proc/crypto
}
pcrypt_remove() {
	local d
	d=$(pcrypt_driver)
	[ -z "$d" ] || [ "$(crypto del "$d")" = ok ]
}

# SAs hold pcrypt's transforms: flush them first (the namespaces go later)
pcrypt_cleanup() {
	"$IP" -n "${NS_T:-none}" xfrm state flush 2>/dev/null
	"$IP" -n "${NS_S:-none}" xfrm state flush 2>/dev/null
	wait_for 30 pcrypt_remove
}
at_exit pcrypt_cleanup
# Once only: the kernel registers the instance even when it answers
# ENOENT (its self-test is still running), and a second request would
# wrap pcrypt around the new instance, the best of that name by then.
out=$(crypto add "pcrypt($ALG)")
driver=$(pcrypt_driver)
[ -n "$driver" ] || skip_all "cannot instantiate pcrypt($ALG): $out"
pcrypt_tested() {
	awk -v d="$driver" '$1 == "driver" { cur = $3 } $1 == "selftest" && cur == d { print $3; exit }' /proc/crypto | grep -qx passed
}
wait_for 60 pcrypt_tested || diag "$driver: self-test not passed yet"
refs0=$(pcrypt_refcnt "$driver")

if ! xf_topo || ! xf_tunnel 4 ||
	! "$IP" -n "$NS_T" addr add "$TB4/24" dev tb; then
	not_ok "setup"
	tap_finish
fi
refs=$(pcrypt_refcnt "$driver")
if [ "${refs:-0}" -ge $((refs0 + 4)) ]; then
	ok "T's and S's 4 SAs use $driver (refcnt $refs0 -> $refs)"
else
	not_ok "T's and S's 4 SAs use $driver" "refcnt $refs0 -> $refs" \
		"$(grep -B1 -A4 pcrypt /proc/crypto | head -20)"
fi

seqerr() { echo $(($(xf_stat "$NS_T" XfrmInStateSeqError) + 0)); }
clone_pkts() { xf_sa_packets "$NS_T" 0x2001 "$TB4"; }
clone_top() {
	printf '%d' "$(xf_sa "$NS_T" 0x2001 "$TB4" |
		sed -nE 's/.*anti-replay context: seq (0x[0-9a-f]+),.*/\1/p')"
}
settled() {	# N: the N injected packets have been processed
	[ $(($(seqerr) - e0 + $(clone_pkts) - p0)) -ge "$1" ]
}
t_enough() { [ "$(xf_sa_packets "$NS_T" 0x2001 "$TA4")" -ge "$1" ]; }

dmac=$(xf_mac "$NS_T" tb)
injected=0 rejected=0 accepted=0 rounds=0 unsettled=0 unique=0 dups=0
for ((r = 0; r < ROUNDS; r++)); do
	# a receiver per round: each round's sender numbers its datagrams anew
	xf_recv_start rx "$NS_T" "$TI4" $((PORT + r)) 600 || break
	xf_capture_start cap "$NS_T" ta esp || break
	base=$(xf_sa_packets "$NS_T" 0x2001 "$TA4")
	xf_send_start tx "$NS_S" "$SI4" "$TI4" $((PORT + r)) "$RATE"
	wait_for 30 t_enough $((base + 300)) || { xf_send_stop tx; break; }
	XF_SETTLE=0 xf_migrate "$NS_T" "$TA4" "$S4" "$TB4" "$S4" || { xf_send_stop tx; break; }
	# the top of the window the clone took over (nothing reaches it yet)
	top=$(clone_top)
	xf_send_stop tx
	xf_capture_stop cap
	e0=$(seqerr) p0=$(clone_pkts)
	n=$("$IP" netns exec "$NS_S" "$XF_PY" -S "$XF_PCAP/replay.py" \
		--pcap "$XF_TMP/cap.pcap" --iface sb --dmac "$dmac" --spi 0x2001 \
		--dst "$TB4" --seq-min $((top - AROUND + 1)) --seq-max $((top + AROUND)) 2>&1)
	[[ $top =~ ^[0-9]+$ ]] && [[ $n =~ ^[0-9]+$ ]] || { diag "top '$top', replay: $n"; break; }
	wait_for 10 settled "$n" || unsettled=$((unsettled + 1))
	injected=$((injected + n))
	rejected=$((rejected + $(seqerr) - e0))
	accepted=$((accepted + $(clone_pkts) - p0))
	xf_recv_stop rx
	unique=$((unique + RECV_unique)) dups=$((dups + RECV_duplicates))
	xf_migrate "$NS_T" "$TB4" "$S4" "$TA4" "$S4" || break
	rounds=$((rounds + 1))
done
diag "$rounds rounds: injected $injected, XfrmInStateSeqError +$rejected," \
	"accepted by the clone $accepted; receivers: $unique unique," \
	"$dups duplicates; rounds not settled: $unsettled"

if [ "$rounds" = "$ROUNDS" ] && [ "$injected" -gt 0 ]; then
	ok "$ROUNDS rounds: migrate under the stream, re-inject the packets around the switch"
else
	not_ok "$ROUNDS rounds: migrate under the stream, re-inject the packets around the switch" \
		"$rounds rounds, $injected injected" "$XF_ERR"
fi
if [ "$dups" = 0 ] && [ "$unique" -gt 0 ]; then
	ok "no datagram delivered twice ($accepted re-injected packets accepted, each a first delivery)"
else
	not_ok "no datagram delivered twice" \
		"$dups duplicates of $unique; the clone accepted $accepted re-injected packets"
fi
if [ $((rejected + accepted)) = "$injected" ]; then
	ok "every re-injected packet was rejected as a replay or was a first delivery ($rejected + $accepted)"
else
	not_ok "every re-injected packet was rejected as a replay or was a first delivery" \
		"injected $injected, XfrmInStateSeqError +$rejected, clone accepted $accepted"
fi

if pcrypt_cleanup; then
	ok "the pcrypt instance is removed once no SA uses it"
else
	not_ok "the pcrypt instance is removed once no SA uses it" "$(grep -A6 "$driver" /proc/crypto)"
fi

tap_finish
