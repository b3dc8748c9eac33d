#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The paper reproduction's stream pipeline end to end on the host, without
# IPsec (paper/stream/run: GStreamer RTSP server or ffmpeg HLS with busybox
# httpd, ffmpeg clients, tcpdump, netns): RTSP once without a move, once
# with the terminal moving from AP1 to AP2 ten seconds in, then HLS with
# the move. About a minute and a half (the voice is played in real time,
# three times). Needs root for the netns; TAP.
set -u
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"

require_root
require_cmd tcpdump ffmpeg ffprobe espeak-ng tc
/usr/bin/python3 -c 'import gi; gi.require_version("GstRtspServer", "1.0")
from gi.repository import GstRtspServer' 2>/dev/null ||
	skip_all "no GStreamer RTSP server bindings (scripts/setup-deps installs them)"

tmp=$(mktemp -d)
at_exit "rm -rf '$tmp'"

# KEY of RUN's result.json, e.g. quality.stoi, sessions
val() {	# RUN KEY
	/usr/bin/python3 -c 'import json, sys
v = json.load(open(sys.argv[1] + "/result.json"))
for k in sys.argv[2].split("."):
    v = v[k]
print(" ".join(s["how"] for s in v) if isinstance(v, list) else v)' "$tmp/$1" "$2"
}
# is the arithmetic (awk) expression true? e.g. lt "$(val a b)" 0.5
# shellcheck disable=SC2317 # called through check
is() { awk "BEGIN { exit !($1) }"; }

# one run of paper/stream/run into $tmp/NAME, its figures as comments
runs() {	# NAME WHAT [RUN OPTIONS]
	local name=$1 what=$2 rc
	shift 2
	"$TOP/paper/stream/run" "$@" "$tmp/$name" >"$tmp/$name.out" 2>&1
	rc=$?
	sed "s/^/# $name: /" "$tmp/$name.out"
	if [ $rc -ne 0 ] || [ ! -s "$tmp/$name/result.json" ]; then
		not_ok "a run $what completes (status $rc)"
		return 1
	fi
	ok "a run $what completes"
	check "$name: the captures are complete (nothing dropped by the kernel)" \
		test "$(val "$name" capture_dropped)" = 0
}

if runs still "without a move"; then
	gap=$(val still switching_time_s)
	check "one session, ended by the programme's end" test "$(val still sessions)" = end
	check "switching time without a move < 0.5 s ($gap s)" is "$gap < 0.5"
	check "every datagram the server sent reached the terminal" \
		test "$(val still sent)" = "$(val still received)"
	check "programme frames lost < 1 % ($(val still programme_loss_pct))" \
		is "$(val still programme_loss_pct) < 1"
	check "STOI near the best, > 0.95 ($(val still quality.stoi))" \
		is "$(val still quality.stoi) > 0.95"
	check "speech missing < 1 % ($(val still quality.missing))" \
		is "$(val still quality.missing) < 0.01"
fi

if runs move "with a move" --move-at 10; then
	gap=$(val move switching_time_s)
	check "the client lost its session at the move, then ended normally" \
		test "$(val move sessions)" = "lost end"
	check "the stream reached the terminal's new address after the move" \
		is "$(val move received_after_move_at_new_address) > 500"
	# at least the client's 0.3 s timeout: the move really cut the stream
	check "switching time with a move in 0.3..1.5 s ($gap s)" is "$gap >= 0.3 && $gap < 1.5"
	check "the longest gap starts at the move ($(val move gap_from_move_s) s)" \
		is "$(val move gap_from_move_s) > -0.1 && $(val move gap_from_move_s) < 0.1"
	check "programme frames lost in 0.5..5 % ($(val move programme_loss_pct))" \
		is "$(val move programme_loss_pct) > 0.5 && $(val move programme_loss_pct) < 5"
	check "speech missing > 0 ($(val move quality.missing))" is "$(val move quality.missing) > 0"
	if [ -s "$tmp/still/result.json" ]; then
		check "STOI with the move below the one without, still > 0.9" \
			is "$(val move quality.stoi) < $(val still quality.stoi) && $(val move quality.stoi) > 0.9"
		check "fwSNRseg with the move below the one without" \
			is "$(val move quality.fwsnrseg_db) < $(val still quality.fwsnrseg_db)"
		check "E-model R with the move below the one without" \
			is "$(val move quality.emodel.R) < $(val still quality.emodel.R)"
	fi
fi
# HLS: every request is a new TCP connection, so the move is only seen
# if it catches one in flight (rarely: a segment takes milliseconds)
if runs hls "over HLS with a move" --proto hls --move-at 10; then
	check "HLS: one session, ended by the programme's end" test "$(val hls sessions)" = end
	check "HLS: segments reached the terminal's new address after the move" \
		is "$(val hls received_after_move_at_new_address) > 10"
	check "HLS: switching time < 2.5 s, about a 1 s segment ($(val hls switching_time_s) s)" \
		is "$(val hls switching_time_s) < 2.5"
	check "HLS: STOI > 0.9 ($(val hls quality.stoi))" is "$(val hls quality.stoi) > 0.9"
fi
check "no netns of the runs is left" bash -c '! ip netns list | grep -q "^paper-[srt]-"'
tap_finish
