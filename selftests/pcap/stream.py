#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A bounded, sequence-numbered UDP stream and its receiver.

  stream.py send --dst ADDR --port P [--src ADDR] [--rate PPS]
                 [--count N] [--duration S] [--dst-file FILE]
  stream.py recv --bind ADDR --port P [--ready FILE] [--idle S]
                 [--timeout S] [--json FILE]
  stream.py windows --recv JSON --windows FILE [--slack-ms MS]

Every datagram is MARKER + 8-byte sequence number + 8-byte send time in
ns + padding, so a capture can spot the flow outside ESP by its marker.
The sender stops after --count packets, --duration seconds or SIGTERM,
whichever comes first, then sends nothing more. With --dst-file it re-reads the
destination address from FILE (when its mtime changes), for transport
mode, where the flow itself follows the moving peer, and writes the
address it now sends to into FILE.seen.

The receiver stops --idle seconds after the last datagram (once one has
arrived), after --timeout seconds or on SIGTERM, and writes JSON (and
NAME=VALUE lines to FILE.vars): received, unique,
duplicates, lost (highest seq + 1 - unique), longest_gap_pkts (most
consecutive missing numbers), longest_gap_ms (largest arrival gap), and
lost_runs: [first, last, t_before, t_after] for each run of missing
numbers, with the send times (CLOCK_REALTIME, ns) of the numbers that
frame it.

windows places every lost number in time, by interpolating between the
send times that frame its run, and counts those sent outside the time
windows listed in FILE (one "START END" per line, CLOCK_REALTIME ns,
widened by --slack-ms), in NAME=VALUE lines: lost, lost_outside,
outside (the first runs outside, "FIRST-LAST@MS" after the first window's
start).
"""

import argparse
import json
import os
import signal
import socket
import struct
import sys
import time

MARKER = b'ESPMOBSTREAM'
HDR = struct.Struct('!QQ')


def family_of(addr):
    return socket.AF_INET6 if ':' in addr else socket.AF_INET


def send(a):
    fam = family_of(a.dst)
    s = socket.socket(fam, socket.SOCK_DGRAM)
    if a.src:
        s.bind((a.src, 0))
    pad = b'\0' * max(0, a.size - len(MARKER) - HDR.size)
    dst, mtime = a.dst, None
    interval = 1.0 / a.rate if a.rate > 0 else 0
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    start = time.monotonic()
    deadline = start + a.duration
    sent = errors = 0
    nxt = start
    while sent < a.count and not stop:
        now = time.monotonic()
        if now >= deadline:
            break
        if a.dst_file and sent % 8 == 0:
            try:
                m = os.stat(a.dst_file).st_mtime_ns
                if m != mtime:
                    mtime = m
                    with open(a.dst_file) as f:
                        dst = f.read().strip() or dst
                    replace_file(a.dst_file + '.seen', dst + '\n')
            except OSError:
                pass
        if now < nxt:
            time.sleep(nxt - now)
        elif now - nxt > 0.05:
            # starved (slow guest): do not burst to catch up, which would
            # crowd many numbers into a moment and skew loss figures
            nxt = now
        nxt += interval
        msg = MARKER + HDR.pack(sent, time.monotonic_ns()) + pad
        try:
            s.sendto(msg, (dst, a.port))
        except OSError:
            # EAGAIN/EHOSTUNREACH while the path changes is expected
            errors += 1
        sent += 1
    r = {'sent': sent, 'send_errors': errors,
         'seconds': round(time.monotonic() - start, 3)}
    write_result(a.json, r)
    return 0


def replace_file(path, text):
    with open(path + '.tmp', 'w') as f:
        f.write(text)
    os.rename(path + '.tmp', path)


def write_result(path, r):
    """JSON to PATH and, for shell scripts, NAME=VALUE lines of its
    scalars to PATH.vars."""
    print(json.dumps(r))
    if not path:
        return
    replace_file(path, json.dumps(r))
    replace_file(path + '.vars', ''.join('%s=%s\n' % kv for kv in r.items()
                                         if not isinstance(kv[1], list)))


def recv(a):
    fam = family_of(a.bind)
    s = socket.socket(fam, socket.SOCK_DGRAM)
    # A starved receiver (slow guest) must not turn into stream loss:
    # root may exceed net.core.rmem_max.
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUFFORCE, 1 << 23)
    except (OSError, AttributeError):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 21)
    s.bind((a.bind, a.port))
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    if a.ready:
        with open(a.ready, 'w') as f:
            f.write('ready\n')
    # The sender stamps CLOCK_MONOTONIC: the same clock in every netns
    # of this kernel. Lost runs are reported in CLOCK_REALTIME, which a
    # shell can read ($EPOCHREALTIME).
    to_real = time.time_ns() - time.monotonic_ns()
    sent_at = {}
    received = dups = 0
    max_seq = -1
    last_arrival = None
    longest_ms = 0.0
    start = time.monotonic()
    s.settimeout(0.05)
    while not stop:
        now = time.monotonic()
        if now - start > a.timeout:
            break
        if last_arrival is not None and now - last_arrival > a.idle:
            break
        try:
            data = s.recv(65536)
        except socket.timeout:
            continue
        except InterruptedError:
            continue
        if not data.startswith(MARKER) or len(data) < len(MARKER) + 16:
            continue
        seq, stamp = HDR.unpack_from(data, len(MARKER))
        t = time.monotonic()
        if last_arrival is not None:
            longest_ms = max(longest_ms, (t - last_arrival) * 1000.0)
        last_arrival = t
        received += 1
        if seq in sent_at:
            dups += 1
        else:
            sent_at[seq] = stamp + to_real
        max_seq = max(max_seq, seq)
    gap = run = 0
    for i in range(max_seq + 1):
        if i in sent_at:
            run = 0
        else:
            run += 1
            gap = max(gap, run)
    r = {'received': received, 'unique': len(sent_at), 'duplicates': dups,
         'max_seq': max_seq, 'lost': max_seq + 1 - len(sent_at),
         'longest_gap_pkts': gap, 'longest_gap_ms': round(longest_ms, 3),
         'lost_runs': lost_runs(sent_at)}
    write_result(a.json, r)
    return 0


def lost_runs(sent_at):
    """[first, last, t_before, t_after] per run of missing numbers; a run
    before the first number received is framed by that number's time."""
    runs = []
    prev = -1
    for seq in sorted(sent_at):
        if seq > prev + 1:
            before = sent_at[prev] if prev >= 0 else sent_at[seq]
            runs.append([prev + 1, seq - 1, before, sent_at[seq]])
        prev = seq
    return runs


def windows(a):
    with open(a.recv) as f:
        runs = json.load(f).get('lost_runs', [])
    slack = int(a.slack_ms * 1e6)
    wins = []
    with open(a.windows) as f:
        for line in f:
            w = line.split()
            if len(w) == 2:
                wins.append((int(w[0]) - slack, int(w[1]) + slack))
    origin = wins[0][0] + slack if wins else 0
    lost = outside = 0
    where = []
    for first, last, t0, t1 in runs:
        out_first = None
        for seq in range(first, last + 1):
            # first - 1 was sent at t0, last + 1 at t1
            t = t0 + (t1 - t0) * (seq - first + 1) // (last - first + 2)
            lost += 1
            if any(lo <= t <= hi for lo, hi in wins):
                continue
            outside += 1
            if out_first is None:
                out_first = (seq, t)
        if out_first is not None and len(where) < 5:
            where.append('%d-%d@%d' % (out_first[0], last,
                                       (out_first[1] - origin) // 1000000))
    print('lost=%d' % lost)
    print('lost_outside=%d' % outside)
    print('outside=%s' % (','.join(where) or 'none'))
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest='cmd', required=True)
    p = sub.add_parser('send')
    p.add_argument('--dst', required=True)
    p.add_argument('--dst-file')
    p.add_argument('--src')
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--rate', type=float, default=1000)
    p.add_argument('--count', type=int, default=5000)
    p.add_argument('--duration', type=float, default=5)
    p.add_argument('--size', type=int, default=64)
    p.add_argument('--json')
    p = sub.add_parser('recv')
    p.add_argument('--bind', required=True)
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--ready')
    p.add_argument('--idle', type=float, default=2)
    p.add_argument('--timeout', type=float, default=30)
    p.add_argument('--json')
    p = sub.add_parser('windows')
    p.add_argument('--recv', required=True)
    p.add_argument('--windows', required=True)
    p.add_argument('--slack-ms', type=float, default=100)
    a = ap.parse_args()
    return {'send': send, 'recv': recv, 'windows': windows}[a.cmd](a)


if __name__ == '__main__':
    sys.exit(main())
