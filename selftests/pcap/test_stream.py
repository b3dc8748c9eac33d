# SPDX-License-Identifier: GPL-2.0
"""Unit tests of stream.py's loss accounting: the receiver's lost runs
and the windows check that places each lost number in time. Datagrams
with chosen numbers and send times go to a real receiver on loopback.
Run by unit_tests.py.
"""

import contextlib
import io
import json
import os
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import stream  # noqa: E402
from tap import case  # noqa: E402

MS = 1000000
STREAM = os.path.join(HERE, 'stream.py')


def receive(d, datagrams):
    """Runs stream.py recv on 127.0.0.1, sends DATAGRAMS ((seq, stamp)
    pairs, stamp in CLOCK_MONOTONIC ns) and returns its JSON."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    ready, out = d + '/ready', d + '/recv.json'
    p = subprocess.Popen([sys.executable, '-S', STREAM, 'recv',
                          '--bind', '127.0.0.1', '--port', str(port),
                          '--ready', ready, '--idle', '0.5', '--timeout', '30',
                          '--json', out], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while not os.path.exists(ready) and time.monotonic() < deadline:
        time.sleep(0.01)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for seq, stamp in datagrams:
        s.sendto(stream.MARKER + stream.HDR.pack(seq, stamp),
                 ('127.0.0.1', port))
    p.wait(timeout=60)
    with open(out) as f:
        return json.load(f)


def windows(d, recv, wins, slack_ms=0):
    with open(d + '/recv.json', 'w') as f:
        json.dump(recv, f)
    with open(d + '/windows', 'w') as f:
        f.write(''.join('%d %d\n' % w for w in wins))
    out = io.StringIO()
    args = ['windows', '--recv', d + '/recv.json', '--windows',
            d + '/windows', '--slack-ms', str(slack_ms)]
    with contextlib.redirect_stdout(out):
        sys.argv = ['stream.py'] + args
        rc = stream.main()
    v = dict(line.split('=', 1) for line in out.getvalue().split())
    return rc, v


def run_of(first, last, t0, t1):
    """A receiver result with one lost run."""
    return {'lost_runs': [[first, last, t0, t1]]}


@case
def lost_runs_framed_by_send_times(d):
    base = time.monotonic_ns()
    seqs = [s for s in range(100) if not 40 <= s <= 49 and s != 70]
    r = receive(d, [(s, base + s * MS) for s in seqs])
    off = r['lost_runs'][0][2] - (base + 39 * MS)
    # times come back in CLOCK_REALTIME: one offset for all of them
    runs = [[a, b, t0 - off, t1 - off] for a, b, t0, t1 in r['lost_runs']]
    return r['lost'] == 11 and r['unique'] == 89 and runs == [
        [40, 49, base + 39 * MS, base + 50 * MS],
        [70, 70, base + 69 * MS, base + 71 * MS]] and \
        abs(off - (time.time_ns() - time.monotonic_ns())) < 1000 * MS


@case
def duplicates_do_not_hide_loss(d):
    base = time.monotonic_ns()
    r = receive(d, [(0, base), (1, base + MS), (1, base + MS),
                    (3, base + 3 * MS)])
    return r['duplicates'] == 1 and r['lost'] == 1 and \
        r['lost_runs'][0][:2] == [2, 2]


@case
def leading_loss_is_a_run(d):
    base = time.monotonic_ns()
    r = receive(d, [(5, base + 5 * MS), (6, base + 6 * MS)])
    return r['lost'] == 5 and r['lost_runs'][0][:2] == [0, 4]


@case
def loss_inside_window_is_not_outside(d):
    # numbers 10..19 sent between 1000 ms and 1110 ms; window covers it
    rc, v = windows(d, run_of(10, 19, 1000 * MS, 1110 * MS),
                    [(990 * MS, 1200 * MS)])
    return rc == 0 and v == {'lost': '10', 'lost_outside': '0',
                             'outside': 'none'}


@case
def loss_after_window_is_outside(d):
    # 10 numbers 10 ms apart from 1010 ms; the window ends at 1055 ms:
    # 1010..1050 inside (5), 1060..1100 outside (5)
    rc, v = windows(d, run_of(10, 19, 1000 * MS, 1110 * MS),
                    [(900 * MS, 1055 * MS)])
    return rc == 0 and v['lost'] == '10' and v['lost_outside'] == '5' and \
        v['outside'] == '15-19@160'


@case
def loss_between_windows_is_outside(d):
    rc, v = windows(d, run_of(100, 109, 5000 * MS, 5110 * MS),
                    [(1000 * MS, 2000 * MS), (8000 * MS, 9000 * MS)])
    return v['lost_outside'] == '10' and v['outside'] == '100-109@4010'


@case
def slack_widens_windows(d):
    run = run_of(10, 19, 1000 * MS, 1110 * MS)
    _, tight = windows(d, run, [(1120 * MS, 1300 * MS)])
    _, slack = windows(d, run, [(1120 * MS, 1300 * MS)], slack_ms=200)
    return tight['lost_outside'] == '10' and slack['lost_outside'] == '0'


@case
def no_window_means_all_outside(d):
    rc, v = windows(d, run_of(3, 4, 10 * MS, 40 * MS), [])
    return v['lost'] == '2' and v['lost_outside'] == '2'


@case
def dst_file_followed_and_acknowledged(d):
    # the sender switches destination when the file changes and says so
    # in FILE.seen; a receiver on the new address gets the rest
    dst = d + '/dst'
    with open(dst, 'w') as f:
        f.write('127.0.0.2\n')
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('127.0.0.3', 0))
    s.settimeout(10)
    port = s.getsockname()[1]
    p = subprocess.Popen([sys.executable, '-S', STREAM, 'send',
                          '--dst', '127.0.0.2', '--dst-file', dst,
                          '--port', str(port), '--rate', '200',
                          '--duration', '20', '--count', '4000'],
                         stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not os.path.exists(dst + '.seen') and \
                time.monotonic() < deadline:
            time.sleep(0.01)
        first = open(dst + '.seen').read()
        time.sleep(0.01)
        with open(dst + '.new', 'w') as f:
            f.write('127.0.0.3\n')
        os.rename(dst + '.new', dst)
        data = s.recv(100)
        second = open(dst + '.seen').read()
    finally:
        p.terminate()
        p.wait()
    return first == '127.0.0.2\n' and second == '127.0.0.3\n' and \
        data.startswith(stream.MARKER)
