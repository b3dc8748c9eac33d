#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""paper/stream/analyze.py [--bitrate B] [--proto rtsp|hls] RUNDIR
VOICEDIR: the figures of one run of paper/stream/run, printed and
written to RUNDIR/result.json.

The stream's packets are, for rtsp, the RTP datagrams from the server
(by SSRC and sequence number), for hls the TCP segments with data from
the server's HTTP port (by connection and sequence number). From the
captures (terminal.pcap at T, server.pcap at S; both stamped by the same
host clock, since netns share it):
  switching_time_s  the longest interval in which T received no packet
                    of the stream: with a move, among the intervals that
                    overlap [move - 1 s, move + 10 s] (a stream that does
                    not come back counts as one gap up to the window's end,
                    or the server's last datagram if earlier); without a
                    move, over the whole stream (first to last datagram);
  gap_from_move_s   where that interval starts, relative to the move;
  sent, received    packets the server sent / T received (the difference
                    went to T's old address after the move, or was dropped
                    on the way);
  delay_ms          one-way delay, mean over packets seen at both ends;
  jitter_ms         rtsp: RFC 3550 interarrival jitter at T, the largest
                    of the sessions' final estimates; hls: not defined (0).
From the recordings (rec-N.nut):
  programme_loss_pct  share of the programme's AAC frames that no session
                    recorded (what the listener missed); the recordings'
                    frame numbers are matched to the file's with the shift
                    of -3..3 frames that matches most, the smallest on a
                    tie (MPEG-TS, for hls, moves everything by the priming
                    frame);
  burst_ratio       G.107's BurstR of that loss pattern (emodel.py);
  capture_dropped   packets the kernel dropped before tcpdump read them
                    (must be 0 for the figures above to hold);
  quality           paper/quality/score on all recordings, with the
                    E-model fed programme_loss_pct, burst_ratio,
                    delay_ms, jitter_ms.
"""

import argparse
import glob
import json
import os
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
top = os.path.dirname(os.path.dirname(here))
sys.path.insert(0, os.path.join(top, "selftests", "pcap"))

sys.path.insert(0, os.path.join(top, "paper", "quality"))

import emodel  # noqa: E402
import pcapio  # noqa: E402

SERVER = "10.0.0.2"
RTP_PT = 96             # rtsp-server's payload type
HTTP_PORT = 8080        # hls-server's


def from_server(path, proto):
    """(time, packet) for each packet of protocol proto the server sent
    in the capture at path (none if there is no capture)."""
    if not os.path.exists(path):
        return
    for t, lt, frame in pcapio.read_pcap(path):
        p = pcapio.dissect(lt, frame)
        if p is not None and p.proto == proto and p.src == SERVER:
            yield t, p


def rtp_datagrams(path):
    """[(time, dst, (ssrc, seq), rtp_ts)] of the RTP datagrams from the
    server (version 2, payload type RTP_PT), in capture order."""
    out = []
    for t, p in from_server(path, pcapio.IPPROTO_UDP):
        b = p.payload
        if len(b) < 12 or b[0] >> 6 != 2 or b[1] & 0x7f != RTP_PT:
            continue
        seq = int.from_bytes(b[2:4], "big")
        ts = int.from_bytes(b[4:8], "big")
        ssrc = int.from_bytes(b[8:12], "big")
        out.append((t, p.dst, (ssrc, seq), ts))
    return out


def tcp_segments(path):
    """[(time, dst, key, None)] of the TCP segments with data from the
    server's HTTP port; key = (client address, port, length, hash of the
    data): the same segment in both captures (pcapio does not give TCP
    sequence numbers; MPEG-TS data does not repeat)."""
    return [(t, p.dst, (p.dst, p.dport, len(p.payload), hash(p.payload)), None)
            for t, p in from_server(path, pcapio.IPPROTO_TCP)
            if p.sport == HTTP_PORT and p.payload]


def capture_drops(run):
    """Packets the kernel dropped before tcpdump read them, both captures
    together (tcpdump's last words): a figure from an incomplete capture
    is not one."""
    n = 0
    for name in ("terminal.pcap.log", "server.pcap.log"):
        try:
            with open(os.path.join(run, name)) as f:
                for line in f:
                    if line.endswith("packets dropped by kernel\n"):
                        n += int(line.split()[0])
        except FileNotFoundError:
            pass
    return n


def longest_gap(times, lo=None, hi=None):
    """(length, start) of the longest interval between consecutive times
    that overlaps [lo, hi] (all of them when not given)."""
    best = (0.0, times[0] if times else 0.0)
    for a, b in zip(times, times[1:]):
        if (lo is not None and b < lo) or (hi is not None and a > hi):
            continue
        if b - a > best[0]:
            best = (b - a, a)
    return best


def jitter_s(datagrams, clock):
    """RFC 3550 6.4.1 interarrival jitter, per SSRC, in seconds: the
    largest final estimate."""
    last, j = {}, {}
    for t, _, (ssrc, _), ts in datagrams:
        if ssrc in last:
            t0, ts0 = last[ssrc]
            d = (t - t0) - ((ts - ts0) & 0xffffffff) / clock
            j[ssrc] = j.get(ssrc, 0.0) + (abs(d) - j.get(ssrc, 0.0)) / 16
        last[ssrc] = (t, ts)
    return max(j.values()) if j else 0.0


def packet_pts(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "a:0",
                          "-show_entries", "packet=pts_time", "-of", "default=nw=1:nk=1",
                          path], stdout=subprocess.PIPE, check=True).stdout
    return [float(x) for x in out.split() if x.strip() not in (b"", b"N/A")]


def sample_rate(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "a:0",
                          "-show_entries", "stream=sample_rate", "-of", "csv=p=0",
                          path], stdout=subprocess.PIPE, check=True).stdout
    return int(out.split()[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bitrate", default="96k")
    ap.add_argument("--proto", default="rtsp", choices=("rtsp", "hls"))
    ap.add_argument("rundir")
    ap.add_argument("voicedir")
    a = ap.parse_args()
    run = a.rundir
    source = os.path.join(a.voicedir, "aac-%s.m4a" % a.bitrate)
    clock = sample_rate(source)     # MPEG4-GENERIC: RTP clock = sample rate

    packets = rtp_datagrams if a.proto == "rtsp" else tcp_segments
    at_t = packets(os.path.join(run, "terminal.pcap"))
    at_s = packets(os.path.join(run, "server.pcap"))
    times = sorted(d[0] for d in at_t)
    move = None
    if os.path.exists(os.path.join(run, "move")):
        with open(os.path.join(run, "move")) as f:
            move = int(f.read()) / 1e9
    if move is None:
        gap, gap_at = longest_gap(times)
    else:
        # a stream that never came back is one gap to the window's end,
        # or to the server's last datagram if the programme ended before
        hi = move + 10.0
        if at_s:
            hi = min(hi, max(d[0] for d in at_s))
        if not times or times[-1] < hi:
            times = times + [hi]
        gap, gap_at = longest_gap(times, move - 1.0, hi)

    sent = {d[2]: d[0] for d in at_s}
    got = {d[2]: d[0] for d in at_t}
    delays = [got[k] - sent[k] for k in got if k in sent]

    # the programme's frames, by position, and those some session recorded
    frame = 1024 / clock
    # (the encoder's priming frame has a negative PTS: not heard, not counted)
    programme = {round(p / frame) for p in packet_pts(source) if p >= 0}
    recs = sorted(glob.glob(os.path.join(run, "rec-*.nut")),
                  key=lambda p: int(p.rsplit("-", 1)[1].split(".")[0]))
    recorded = set()
    for r in recs:
        recorded |= {round(p / frame) for p in packet_pts(r)}
    # (ties, as when the first and the last frame are missing, go to the
    # smallest shift)
    shift = max(range(-3, 4), key=lambda k: (len(programme & {f + k for f in recorded}),
                                              -abs(k)))
    recorded = {f + shift for f in recorded}
    loss = 100.0 * len(programme - recorded) / max(1, len(programme))
    burst = emodel.burst_ratio([f not in recorded for f in sorted(programme)])

    sessions = []
    with open(os.path.join(run, "client.log")) as f:
        for line in f:
            n, start, end, pos, how = line.split()
            sessions.append(dict(n=int(n), start_s=int(start) / 1e9,
                                 end_s=int(end) / 1e9, from_s=float(pos), how=how))

    res = dict(
        bitrate=a.bitrate,
        proto=a.proto,
        move_s=move,
        switching_time_s=gap,
        gap_from_move_s=None if move is None else gap_at - move,
        sent=len(sent), received=len(got),
        received_after_move_at_new_address=sum(
            1 for d in at_t if move is not None and d[0] > move and d[1] != at_t[0][1]),
        delay_ms=1000 * sum(delays) / len(delays) if delays else None,
        jitter_ms=1000 * jitter_s(at_t, clock) if a.proto == "rtsp" else 0.0,
        programme_frames=len(programme),
        programme_loss_pct=loss,
        burst_ratio=burst,
        sessions=sessions,
        capture_dropped=capture_drops(run),
    )
    if recs:
        cmd = [os.path.join(top, "paper", "quality", "score"),
               os.path.join(a.voicedir, "voice.wav")] + recs + [
               "--loss", "%.3f" % loss, "--delay", "%.3f" % (res["delay_ms"] or 0),
               "--jitter", "%.3f" % res["jitter_ms"], "--codec", "aac-" + a.bitrate,
               "--burst-ratio", "%.3f" % burst]
        res["quality"] = json.loads(subprocess.run(
            cmd, stdout=subprocess.PIPE, check=True).stdout)
    with open(os.path.join(run, "result.json"), "w") as f:
        json.dump(res, f, indent=1, sort_keys=True)

    q = res.get("quality", {})
    print("%s, bitrate %s, %d session(s) (%s)" % (a.proto, a.bitrate, len(sessions),
          ", ".join(s["how"] for s in sessions)))
    if move is not None:
        print("move at %.3f s after the client started" % (move - sessions[0]["start_s"]))
    print("switching time %.3f s%s" % (gap, "" if move is None else
          " (from %+.3f s after the move)" % res["gap_from_move_s"]))
    print("packets sent %d, received %d; delay %s ms, jitter %.2f ms" % (
          res["sent"], res["received"],
          "%.3f" % res["delay_ms"] if delays else "?", res["jitter_ms"]))
    if res["capture_dropped"]:
        print("WARNING: the captures missed %d packets (dropped by kernel)"
              % res["capture_dropped"])
    print("programme frames lost %.2f %% of %d (BurstR %.2f)" % (
          loss, len(programme), burst))
    if q:
        e = q.get("emodel", {})
        print("STOI %.3f, fwSNRseg %.1f dB, speech missing %.3f, offset %.3f s"
              % (q["stoi"], q["fwsnrseg_db"], q["missing"], q["lag_s"]))
        print("E-model R %.1f MOS %.2f (without delay: R %.1f)" % (
              e.get("R", 0), e.get("MOS", 0), e.get("R_without_delay", 0)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
