#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Print the table of one round of the demo (demo/world) and its facts.

  report.py --mode MODE --rate PPS --port P --send JSON --recv JSON
            --pcap PCAP --mig-t JSON --mig-s JSON --handover-ms MS
            [--note TEXT] [--facts FILE]

Reads what selftests/pcap/stream.py (sender and receiver) and espmob -j
migrate wrote, analyses the capture of S's link with the migration tests'
checker (selftests/pcap/espcheck.py), prints the table, and writes FILE
as shell assignments: cleartext=N duplicates=N resumed=0|1.
"""

import argparse
import json
import os
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, 'selftests', 'pcap'))
import espcheck  # noqa: E402
import pcapio  # noqa: E402

MARKER = b'ESPMOBSTREAM'


def load(path):
    try:
        with open(path) as f:
            return json.loads(f.read() or '{}')
    except (OSError, ValueError):
        return {}


def esp_runs(path):
    """{spi: ([(dst, first seq, last seq, packets)], duplicates)}: each
    SPI's packets in capture order, one entry per run of consecutive
    packets to the same address, and its repeated sequence numbers."""
    out = {}
    seen = set()
    for _ts, lt, frame in pcapio.read_pcap(path):
        p = pcapio.dissect(lt, frame)
        if p is None or not p.esp:
            continue
        runs, dups = out.get(p.spi, ([], 0))
        if (p.spi, p.seq) in seen:
            dups += 1
        seen.add((p.spi, p.seq))
        if runs and runs[-1][0] == p.dst:
            d, first, _last, n = runs[-1]
            runs[-1] = (d, first, p.seq, n + 1)
        else:
            runs.append((p.dst, p.seq, p.seq, 1))
        out[p.spi] = (runs, dups)
    return out


def mig_text(m):
    if 'duration_ns' not in m:
        return 'FAILED', ''
    return ('%.0f us' % (m['duration_ns'] / 1000.0),
            '(%d states, %d policies)' % (m.get('states', 0),
                                          m.get('policies', 0)))


def main():
    ap = argparse.ArgumentParser()
    for o in ('mode', 'send', 'recv', 'pcap', 'mig-t', 'mig-s', 'facts'):
        ap.add_argument('--' + o)
    ap.add_argument('--note', default='')
    ap.add_argument('--new-t', default='')
    ap.add_argument('--rate', type=int, required=True)
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('--handover-ms', type=int, default=0)
    a = ap.parse_args()

    snd, rcv = load(a.send), load(a.recv)
    sent = snd.get('sent', 0)
    unique = rcv.get('unique', 0)
    max_seq = rcv.get('max_seq', -1)
    # the verdict is the migration tests' checker's; esp_runs() only adds
    # the per-SPI, per-address view
    chk = espcheck.analyse([a.pcap], MARKER, {a.port})
    per_spi = esp_runs(a.pcap)
    spis = sorted(per_spi)
    to_new = sum(n for r, _d in per_spi.values() for d, _f, _l, n in r
                 if d == a.new_t)
    # the stream resumed: S sent ESP to T's new address, and T got the
    # packets of the stream's last half second
    resumed = int(to_new > 0 and sent > 0 and
                  max_seq >= sent - 1 - a.rate // 2)
    secs = snd.get('seconds', 0) or 1
    refused = snd.get('send_errors', 0)

    rows = [
        ('packets sent by S', '%d' % sent,
         '(in %.1f s: %.0f pkt/s)' % (secs, sent / secs)),
        ('packets received by T', '%d' % unique, ''),
        ('packets lost', '%d' % (sent - unique),
         '(%.1f%%%s)' % (100.0 * (sent - unique) / sent,
                         ': %d refused by S\'s kernel, %d on the way' % (
                             refused, sent - refused - unique)
                         if refused else '') if sent else ''),
        ('longest gap in the stream at T',
         '%.1f ms' % rcv.get('longest_gap_ms', 0),
         '(%d packets in a row)' % rcv.get('longest_gap_pkts', 0)),
        ('duplicate datagrams received by T', '%d' % rcv.get('duplicates', 0),
         ''),
        ('cleartext packets of the stream on S\'s link',
         '%d' % chk['cleartext'], ''),
        ('duplicate (SPI, seq) on S\'s link', '%d' % chk['duplicate_count'],
         ', '.join('SPI 0x%08x: %d' % (s, per_spi[s][1]) for s in spis)),
        ('ESP packets on S\'s link', '%d' % chk['esp_packets'], ''),
    ]
    for s in spis:
        for dst, first, last, n in per_spi[s][0]:
            rows.append(('  SPI 0x%08x to %s' % (s, dst), '%d' % n,
                         'seq %d..%d' % (first, last)))
    for who, path in (('T', a.mig_t), ('S', a.mig_s)):
        v, extra = mig_text(load(path))
        rows.append(('espmob migrate on %s (kernel time)' % who, v, extra))
    rows.append(('handover: move + both migrations', '%d ms' % a.handover_ms,
                 '(wall, shell commands under qemu TCG)'))

    bad = []
    if chk['cleartext']:
        bad.append('cleartext')
    if chk['duplicate_count']:
        bad.append('duplicate sequence numbers')
    if not resumed:
        bad.append('the stream did not resume')
    if any('duration_ns' not in load(p) for p in (a.mig_t, a.mig_s)):
        bad.append('a migration failed')
    rows.append(('result', 'PASS' if not bad else 'FAIL', ', '.join(bad)))

    w = max(len(r[0]) for r in rows)
    line = '-' * (w + 40)
    print('%s mode, stream S -> T' % a.mode)
    print(line)
    for name, val, extra in rows:
        print('%-*s  %10s  %s' % (w, name, val, extra))
    print(line)
    if a.note:
        print(a.note)
    if a.facts:
        with open(a.facts, 'w') as f:
            f.write('cleartext=%d\nduplicates=%d\nresumed=%d\n' %
                    (chk['cleartext'], chk['duplicate_count'], resumed))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
