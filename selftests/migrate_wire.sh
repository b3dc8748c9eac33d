#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftest-timeout: 2400
#
# migrate_wire.sh: what a migration looks like on the wire, under traffic.
#
# For tunnel and transport mode, IPv4 and IPv6, and a tunnel whose outer
# family changes between IPv4 and IPv6, a terminal T moves A->B->A->B
# while a UDP stream runs in both directions (S->T and T->S); after each
# move T, then S, run `espmob migrate`. Captures of everything T and S
# send must show:
#   - no duplicate (SPI, seq): a migrated SA continues its numbering;
#   - sequence numbers increasing within each SPI;
#   - no cleartext of the stream (its marker or ports outside ESP);
#   - no ACQUIRE (`ip xfrm monitor acquire` in T and S prints nothing);
#   - both receivers get the stream, with no duplicate datagram;
#   - no datagram is lost outside the move windows: a window runs from
#     T's address change to the end of S's migration and, in transport
#     mode, until S's sender uses T's new address (the stream itself
#     follows T). Each lost datagram is placed in time between the send
#     times of the datagrams that frame it (pcap/stream.py windows); at
#     most MAX_LOSS_PER_MOVE per move may fall outside (in flight when a
#     window opened, or slack of the interpolation).
# In the IPv4 tunnel, ESP packets captured before the migrations are then
# replayed at T's new address: all must be dropped (XfrmInStateSeqError
# grows by their number, the receiver sees no duplicate).
#
# Checker demonstration (always run, needs no module): on one stream,
# doing what a key manager without the module does must trip each check:
# a deleted policy leaks the stream in clear, a deleted SA raises an
# ACQUIRE, its re-added copy reuses (SPI, seq) pairs, and a re-added
# inbound SA accepts replayed packets. A capture of the clean first phase
# must show no violation (no false positive).
#
# Nothing is paced by the clock: each phase waits until an SA has sent
# XF_PHASE (default 200) more packets at XF_RATE (default 1000/s).
# WIRE_ONLY="demo" or "module" runs one half; WIRE_CASES selects the
# module scenarios (t4 p4 p6 t6x by default; also t6, t4x).
set -u
# Senders stop on their own after XF_SEND_MAX s: a loaded TCG guest can
# take minutes for the three moves.
XF_SEND_MAX=${XF_SEND_MAX:-900}
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_xfrm.sh"

require_root
require_cmd tcpdump

P_ST=5001	# stream S -> T
P_TS=5002	# stream T -> S
MAX_LOSS_PER_MOVE=${MAX_LOSS_PER_MOVE:-20}

# wire_setup F MODE OUTER_F: topology, one CHILD SA pair (T->S SPI
# 0x1001, S->T 0x2001), acquire listeners, captures of what each netns
# sends. Sets the streams' addresses: ST_SRC ST_DST TS_SRC TS_DST and
# the receivers' TRECV SRECV.
wire_setup() {
	local f=$1 mode=$2 of=$3 sv=S$3
	xf_topo || return 1
	if [ "$mode" = tunnel ]; then
		local bits=32 ti=TI$f si=SI$f
		[ "$f" = 6 ] && bits=128
		xf_pair mode=tunnel t="$(xf_taddr a "$of")" s="${!sv}" \
			tsel="${!ti}/$bits" ssel="${!si}/$bits" \
			spi_ts=0x1001 spi_st=0x2001 reqid=1 || return 1
		ST_SRC=${!si} ST_DST=${!ti} TS_SRC=${!ti} TS_DST=${!si}
		TRECV=${!ti} SRECV=${!si}
	else
		xf_transport "$f" proto=udp || return 1
		xf_block "$f" || return 1
		ST_SRC=${!sv} ST_DST=$(xf_taddr a "$f") TS_SRC= TS_DST=${!sv}
		TRECV=0.0.0.0 SRECV=${!sv}
		[ "$f" = 6 ] && TRECV=::
	fi
	echo "$ST_DST" >"$XF_TMP/st_dst"
	xf_acquire_start "$NS_T" && xf_acquire_start "$NS_S" &&
	xf_capture_start s "$NS_S" any -Q out &&
	xf_capture_start t "$NS_T" any -Q out &&
	xf_recv_start st "$NS_T" "$TRECV" $P_ST &&
	xf_recv_start ts "$NS_S" "$SRECV" $P_TS || return 1
	# S->T follows T's address in transport mode (the file changes)
	xf_send_start st "$NS_S" "$ST_SRC" "$ST_DST" $P_ST "$XF_RATE" \
		--dst-file "$XF_TMP/st_dst"
	# T->S: in transport mode the kernel picks T's current address
	xf_send_start ts "$NS_T" "$TS_SRC" "$TS_DST" $P_TS
}

# wire_stop T_ADDR: stop both senders, let the last packets land, stop
# the receivers (figures in RECV_ST / RECV_TS).
wire_stop() {
	xf_send_stop st
	ST_SENT=$SEND_sent ST_SECS=$SEND_seconds ST_ERRS=$SEND_send_errors
	xf_send_stop ts
	TS_SENT=$SEND_sent TS_SECS=$SEND_seconds TS_ERRS=$SEND_send_errors
	xf_wait_stable "$NS_T" 0x2001 "$1"
	xf_recv_stop st
	RECV_ST=$XF_RECV ST_DUP=$RECV_duplicates ST_LOST=$RECV_lost ST_N=$RECV_unique
	xf_recv_stop ts
	RECV_TS=$XF_RECV TS_DUP=$RECV_duplicates TS_LOST=$RECV_lost TS_N=$RECV_unique
}

wire_cleanup() {
	_xf_kill_all
	"$IP" netns del "$NS_T" 2>/dev/null
	"$IP" netns del "$NS_S" 2>/dev/null
	rm -f "$XF_TMP"/*.pcap "$XF_TMP"/children.* "$XF_TMP"/acquire.*
}

# wire_replay_at NS_FROM DEV T_ADDR: replays the first 200 S->T ESP
# packets captured (s.pcap copy) at T_ADDR; sets REPLAYED.
wire_replay_at() {
	local dmac
	dmac=$(xf_mac "$NS_T" "t${2#s}")
	REPLAYED=$("$IP" netns exec "$1" "$XF_PY" -S "$XF_PCAP/replay.py" \
		--pcap "$XF_TMP/replay.pcap" --iface "$2" --dmac "$dmac" \
		--spi 0x2001 --dst "$3" --max 200 2>&1)
	[[ $REPLAYED =~ ^[0-9]+$ ]] || { diag "replay: $REPLAYED"; REPLAYED=0; }
}

# ---- the module's migration, under traffic ---------------------------

# wire_module NAME F MODE REPLAY OUTER_F...: T moves A->B->A->B; OUTER_F
# gives the outer family at A and after each move ("4 6 4 6" changes the
# tunnel's outer family at every move).
wire_module() {
	local name=$1 f=$2 mode=$3 replay=$4
	shift 4
	local fams=("$@") to from=a moves=0 migfail= i=0 ot nt t0 t1
	WINDOW_MS=0
	: >"$XF_TMP/windows"
	if ! wire_setup "$f" "$mode" "${fams[0]}"; then
		not_ok "$name: setup"
		wire_cleanup
		return
	fi
	for to in b a b; do
		local of=${fams[i]} nf=${fams[i + 1]}
		local os="S$of" ns="S$nf"
		ot=$(xf_taddr "$from" "$of") nt=$(xf_taddr "$to" "$nf")
		# S's outbound SA (SPI 0x2001) goes to T's current address
		xf_wait_more "$NS_S" 0x2001 "$ot" "$XF_PHASE" ||
			diag "$name: no S->T traffic before move $((i + 1))"
		[ $i = 0 ] && cp "$XF_TMP/s.pcap" "$XF_TMP/replay.pcap"
		t0=$(xf_now_ns)
		xf_move_t "$to"
		if xf_migrate_both "$ot" "${!os}" "$nt" "${!ns}"; then
			moves=$((moves + 1))
		else
			migfail+="move to $to: $XF_ERR $XF_OUT; "
		fi
		if [ "$mode" = transport ]; then
			echo "$nt" >"$XF_TMP/st_dst.new"
			mv "$XF_TMP/st_dst.new" "$XF_TMP/st_dst"
			wait_for 30 grep -qx "$nt" "$XF_TMP/st_dst.seen" ||
				diag "$name: S's sender did not follow T to $nt"
		fi
		t1=$(xf_now_ns)
		echo "$t0 $t1" >>"$XF_TMP/windows"
		WINDOW_MS=$((WINDOW_MS + (t1 - t0) / 1000000))
		from=$to
		i=$((i + 1))
	done
	xf_wait_more "$NS_S" 0x2001 "$nt" "$XF_PHASE" ||
		diag "$name: no S->T traffic after the last move"
	wire_stop "$nt"
	if [ $moves = 3 ]; then
		ok "$name: 3 migrations of T and S under traffic"
	else
		not_ok "$name: 3 migrations of T and S under traffic" "$migfail"
	fi
	xf_capture_stop s
	xf_capture_stop t
	xf_espcheck --port $P_ST --port $P_TS --min-esp 100 \
		"$XF_TMP/s.pcap" "$XF_TMP/t.pcap"
	wire_report "$name" "$moves"
	if [ "$replay" = 1 ]; then
		local before after
		before=$(xf_stat "$NS_T" XfrmInStateSeqError)
		xf_recv_start st "$NS_T" "$TRECV" $P_ST
		wire_replay_at "$NS_S" sb "$nt"
		_xf_replayed() {
			after=$(xf_stat "$NS_T" XfrmInStateSeqError)
			[ $((after - before)) -ge "$REPLAYED" ]
		}
		wait_for 30 _xf_replayed
		xf_recv_stop st
		diag "$name: replayed $REPLAYED, XfrmInStateSeqError +$((after - before)), received $RECV_received"
		if [ "$REPLAYED" -ge 50 ] && [ $((after - before)) -ge "$REPLAYED" ] &&
			[ "$RECV_received" = 0 ]; then
			ok "$name: replayed pre-migration packets are dropped at the new address"
		else
			not_ok "$name: replayed pre-migration packets are dropped at the new address" \
				"replayed $REPLAYED, XfrmInStateSeqError +$((after - before)), datagrams delivered $RECV_received"
		fi
	fi
	wire_cleanup
}

# wire_report NAME MOVES: the wire and stream checks.
wire_report() {
	local name=$1 moves=$2 acq lim
	diag "$name: ESP $CHK_esp_packets ($CHK_summary), dup $CHK_duplicate_count, reorder $CHK_reorders, clear $CHK_cleartext"
	if [ "$CHK_duplicate_count" = 0 ] && [ "$CHK_violations" != error ]; then
		ok "$name: no duplicate (SPI, seq) on the wire"
	else
		not_ok "$name: no duplicate (SPI, seq) on the wire" "$XF_CHK"
	fi
	if [ "$CHK_reorders" = 0 ] && [ "$CHK_violations" != error ]; then
		ok "$name: sequence numbers increase per SPI"
	else
		not_ok "$name: sequence numbers increase per SPI" "$XF_CHK"
	fi
	if [ "$CHK_cleartext" = 0 ] && [ "$CHK_esp_packets" -ge 100 ]; then
		ok "$name: no cleartext of the stream (ESP only)"
	else
		not_ok "$name: no cleartext of the stream (ESP only)" "$XF_CHK"
	fi
	acq=$(($(xf_acquires "$NS_T") + $(xf_acquires "$NS_S")))
	if [ "$acq" = 0 ]; then
		ok "$name: no ACQUIRE in T or S"
	else
		not_ok "$name: no ACQUIRE in T or S" \
			"$(cat "$XF_TMP/acquire.$NS_T" "$XF_TMP/acquire.$NS_S" | head -20)"
	fi
	# Packets are lost between T's move and the end of S's migration
	# (the old address is gone, the peer has not caught up): that window
	# is the commands' time, not the module's. Outside the windows
	# nothing may be lost beyond MAX_LOSS_PER_MOVE per move.
	local lim=$((MAX_LOSS_PER_MOVE * moves)) out_st out_ts
	out_st=$(xf_lost_outside st) out_ts=$(xf_lost_outside ts)
	diag "$name: S->T $RECV_ST (sent $ST_SENT in $ST_SECS s, $ST_ERRS send errors)"
	diag "$name: T->S $RECV_TS (sent $TS_SENT in $TS_SECS s, $TS_ERRS send errors)"
	diag "$name: $moves moves: windows ${WINDOW_MS} ms in all; lost outside them: S->T $out_st, T->S $out_ts"
	diag "$name: drops in T: $(xf_drops "$NS_T")"
	diag "$name: drops in S: $(xf_drops "$NS_S")"
	if [ "$ST_DUP" = 0 ] && [ "$TS_DUP" = 0 ] && [ "$ST_N" -gt 0 ] && [ "$TS_N" -gt 0 ]; then
		ok "$name: both streams arrive, no duplicate datagram"
	else
		not_ok "$name: both streams arrive, no duplicate datagram" \
			"S->T $RECV_ST" "T->S $RECV_TS"
	fi
	if [ "${out_st%% *}" -le $lim ] && [ "${out_ts%% *}" -le $lim ]; then
		ok "$name: no loss outside the move windows"
	else
		not_ok "$name: no loss outside the move windows" \
			"S->T $out_st, T->S $out_ts (limit $lim)"
	fi
}

# ---- checker demonstration (baseline) ---------------------------------

demo() {
	local name="checker" acq before
	if ! wire_setup 4 tunnel 4; then
		not_ok "$name: setup"
		wire_cleanup
		return
	fi
	# phase 0: a clean stream; the analyser must find nothing
	xf_wait_more "$NS_S" 0x2001 "$TA4" "$XF_PHASE"
	cp "$XF_TMP/s.pcap" "$XF_TMP/clean.pcap"
	cp "$XF_TMP/s.pcap" "$XF_TMP/replay.pcap"
	# phase 1: S's outbound policy deleted until T sees cleartext
	before=$(xf_stat "$NS_T" XfrmInTmplMismatch)
	"$IP" -n "$NS_S" xfrm policy delete src "$SI4/32" dst "$TI4/32" dir out
	_xf_leaked() { [ "$(xf_stat "$NS_T" XfrmInTmplMismatch)" -gt "$before" ]; }
	wait_for 30 _xf_leaked || diag "$name: T saw no cleartext"
	"$IP" -n "$NS_S" xfrm policy add src "$SI4/32" dst "$TI4/32" dir out \
		tmpl src "$S4" dst "$TA4" proto esp reqid 1 mode tunnel
	# phase 2: S's outbound SA deleted (ACQUIRE), then added again from
	# scratch: its sequence numbers start over
	"$IP" -n "$NS_S" xfrm state delete src "$S4" dst "$TA4" proto esp spi 0x2001
	wait_for 30 test -s "$XF_TMP/acquire.$NS_S" || diag "$name: no ACQUIRE"
	_xf_child_cmds add mode=tunnel local="$S4" remote="$TA4" \
		lsel="$SI4/32" rsel="$TI4/32" spi_out=0x2001 spi_in=0x1001 |
		head -n 1 | "$IP" -n "$NS_S" -batch -
	xf_wait_more "$NS_S" 0x2001 "$TA4" "$XF_PHASE"
	wire_stop "$TA4"
	# phase 3: T's inbound SA re-added (a fresh replay window), then the
	# first captured packets replayed
	_xf_child_cmds delsa mode=tunnel local="$TA4" remote="$S4" \
		spi_out=0x1001 spi_in=0x2001 | tail -n 1 | "$IP" -n "$NS_T" -batch -
	_xf_child_cmds add mode=tunnel local="$TA4" remote="$S4" \
		lsel="$TI4/32" rsel="$SI4/32" spi_out=0x1001 spi_in=0x2001 |
		sed -n 2p | "$IP" -n "$NS_T" -batch -
	xf_recv_start st "$NS_T" "$TI4" $P_ST
	wire_replay_at "$NS_S" sa "$TA4"
	xf_wait_stable "$NS_T" 0x2001 "$TA4"
	xf_recv_stop st
	xf_capture_stop s
	xf_capture_stop t

	xf_espcheck --port $P_ST --port $P_TS "$XF_TMP/clean.pcap"
	if [ -z "$CHK_violations" ] && [ "$CHK_esp_packets" -gt 0 ]; then
		ok "$name: a clean stream shows no violation ($CHK_esp_packets ESP)"
	else
		not_ok "$name: a clean stream shows no violation" "$XF_CHK"
	fi
	xf_espcheck --port $P_ST --port $P_TS "$XF_TMP/s.pcap"
	diag "$name: ESP $CHK_esp_packets ($CHK_summary), dup $CHK_duplicate_count, clear $CHK_cleartext"
	if [[ " $CHK_violations " == *" cleartext "* ]] && [ "$CHK_cleartext" -gt 0 ]; then
		ok "$name: a deleted policy is flagged: $CHK_cleartext cleartext packets"
	else
		not_ok "$name: a deleted policy is flagged: cleartext" "$XF_CHK"
	fi
	acq=$(xf_acquires "$NS_S")
	if [ "${acq:-0}" -gt 0 ]; then
		ok "$name: a deleted SA is flagged: $acq ACQUIRE"
	else
		not_ok "$name: a deleted SA is flagged: ACQUIRE" "$(cat "$XF_TMP/acquire.$NS_S")"
	fi
	if [[ " $CHK_violations " == *" duplicate_seq "* ]] && [ "$CHK_duplicate_count" -gt 0 ]; then
		ok "$name: a re-added SA is flagged: $CHK_duplicate_count duplicate (SPI, seq)"
	else
		not_ok "$name: a re-added SA is flagged: duplicate (SPI, seq)" "$XF_CHK"
	fi
	diag "$name: replayed $REPLAYED into a fresh SA: receiver $XF_RECV; T's SA: $(xf_sa_packets "$NS_T" 0x2001 "$TA4") packets, XfrmInStateSeqError $(xf_stat "$NS_T" XfrmInStateSeqError)"
	if [ "$REPLAYED" -gt 0 ] && [ "$RECV_received" -gt 0 ]; then
		ok "$name: replay into a re-added SA is flagged: $RECV_received datagrams delivered again"
	else
		not_ok "$name: replay into a re-added SA is flagged" \
			"replayed $REPLAYED, receiver: $XF_RECV"
	fi
	wire_cleanup
}

only=${WIRE_ONLY:-}
[ "$only" != module ] && demo
if [ "$only" != demo ]; then
	if xf_have_migrate; then
		for c in ${WIRE_CASES:-t4 p4 p6 t6x}; do
			case $c in
			t4) wire_module "tunnel v4" 4 tunnel 1 4 4 4 4 ;;
			p4) wire_module "transport v4" 4 transport 0 4 4 4 4 ;;
			p6) wire_module "transport v6" 6 transport 0 6 6 6 6 ;;
			t6) wire_module "tunnel v6" 6 tunnel 0 6 6 6 6 ;;
			t6x) wire_module "tunnel v6, outer v6/v4 alternating" 6 tunnel 0 6 4 6 4 ;;
			t4x) wire_module "tunnel v4, outer v4/v6 alternating" 4 tunnel 0 4 6 4 6 ;;
			esac
		done
	else
		skip "migrations under traffic" "the module does not implement MIGRATE yet"
	fi
fi
tap_finish
