#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Check captured traffic for the properties a migration must keep.

Usage: espcheck.py [options] CAPTURE.pcap...

Reports, as one JSON object on stdout:
  esp            per SPI: packets, first/last sequence number, numbers
                 missing between them, UDP-encapsulated or not
  duplicates     (SPI, seq) pairs seen more than once
  reorders       packets whose seq is lower than an earlier one of the SPI
  cleartext      packets outside ESP that carry the protected flow: a
                 payload containing the marker, or UDP/TCP to a --port
  violations     the list of properties broken

Exit status: 0 no violation, 1 violation, 2 usage or file error.
Several captures are read in order, as one stream per SPI (use one
capture per direction/interface; a packet seen on two interfaces would
count twice).
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcapio  # noqa: E402

SAMPLES = 10


def analyse(paths, marker=b'ESPMOBSTREAM', ports=(), allow_reorder=False,
            min_esp=0, spis=None):
    per_spi = {}
    seen = {}
    dups = []
    dup_count = 0
    reorders = 0
    reorder_samples = []
    clear = 0
    clear_samples = []
    total = 0
    for path in paths:
        for ts, lt, frame in pcapio.read_pcap(path):
            p = pcapio.dissect(lt, frame)
            if p is None:
                continue
            total += 1
            if p.esp:
                if spis is not None and p.spi not in spis:
                    continue
                st = per_spi.get(p.spi)
                if st is None:
                    st = per_spi[p.spi] = {
                        'packets': 0, 'first': p.seq, 'last': p.seq,
                        'max': p.seq, 'min': p.seq, 'udp_encap': p.udp_encap,
                        'distinct': 0, 'addresses': set()}
                st['packets'] += 1
                st['addresses'].add((p.src, p.dst))
                key = (p.spi, p.seq)
                if key in seen:
                    dup_count += 1
                    if len(dups) < SAMPLES:
                        dups.append({'spi': '0x%08x' % p.spi, 'seq': p.seq,
                                     'first_ts': seen[key], 'ts': ts})
                else:
                    seen[key] = ts
                    st['distinct'] += 1
                if p.seq < st['max']:
                    reorders += 1
                    if len(reorder_samples) < SAMPLES:
                        reorder_samples.append({'spi': '0x%08x' % p.spi,
                                                'seq': p.seq,
                                                'after': st['max'], 'ts': ts})
                st['max'] = max(st['max'], p.seq)
                st['min'] = min(st['min'], p.seq)
                st['last'] = p.seq
                continue
            hit = marker and marker in p.payload
            if not hit and p.proto in (pcapio.IPPROTO_UDP,
                                       pcapio.IPPROTO_TCP):
                hit = p.dport in ports or p.sport in ports
            if hit:
                clear += 1
                if len(clear_samples) < SAMPLES:
                    clear_samples.append({'src': p.src, 'dst': p.dst,
                                          'proto': p.proto, 'sport': p.sport,
                                          'dport': p.dport, 'ts': ts})
    esp = {}
    esp_total = 0
    for spi, st in sorted(per_spi.items()):
        esp_total += st['packets']
        esp['0x%08x' % spi] = {
            'packets': st['packets'], 'first': st['first'],
            'last': st['last'], 'max': st['max'],
            'missing': st['max'] - st['min'] + 1 - st['distinct'],
            'udp_encap': st['udp_encap'],
            'addresses': sorted('%s>%s' % a for a in st['addresses'])}
    violations = []
    if dup_count:
        violations.append('duplicate_seq')
    if reorders and not allow_reorder:
        violations.append('reorder')
    if clear:
        violations.append('cleartext')
    if esp_total < min_esp:
        violations.append('too_few_esp')
    return {
        'packets': total, 'esp_packets': esp_total, 'esp': esp,
        'duplicate_count': dup_count, 'duplicates': dups,
        'reorders': reorders, 'reorder_samples': reorder_samples,
        'cleartext': clear, 'cleartext_samples': clear_samples,
        'violations': violations,
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('captures', nargs='+')
    ap.add_argument('--marker', default='ESPMOBSTREAM',
                    help='payload bytes of the protected flow ("" for none)')
    ap.add_argument('--port', type=int, action='append', default=[],
                    help='UDP/TCP port of the protected flow (repeatable)')
    ap.add_argument('--encap-port', type=int, action='append', default=[],
                    help='extra UDP port carrying ESP in UDP (besides 4500)')
    ap.add_argument('--spi', action='append', default=[],
                    help='only count these SPIs (hex or decimal)')
    ap.add_argument('--allow-reorder', action='store_true')
    ap.add_argument('--min-esp', type=int, default=0,
                    help='violation if fewer ESP packets were seen')
    ap.add_argument('--vars', help='also write NAME=VALUE lines (numbers, '
                    'violations as a space-separated word list) to VARS')
    a = ap.parse_args(argv)
    pcapio.ENCAP_PORTS.update(a.encap_port)
    spis = {int(s, 0) for s in a.spi} or None
    try:
        r = analyse(a.captures, a.marker.encode(), set(a.port),
                    a.allow_reorder, a.min_esp, spis)
    except (OSError, pcapio.PcapError) as e:
        print('espcheck: %s' % e, file=sys.stderr)
        return 2
    json.dump(r, sys.stdout, sort_keys=True)
    sys.stdout.write('\n')
    if a.vars:
        with open(a.vars, 'w') as f:
            for k in ('packets', 'esp_packets', 'duplicate_count',
                      'reorders', 'cleartext'):
                f.write('%s=%d\n' % (k, r[k]))
            f.write("violations='%s'\n" % ' '.join(r['violations']))
            f.write("summary='%s'\n" % ' '.join(
                '%s:%d(+%d)' % (k, v['packets'], v['missing'])
                for k, v in r['esp'].items()))
    return 1 if r['violations'] else 0


if __name__ == '__main__':
    sys.exit(main())
