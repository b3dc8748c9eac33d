# SPDX-License-Identifier: GPL-2.0
"""Unit tests of espcheck.py on synthetic captures it writes itself.

Each case builds a pcap with a known defect (or none) and checks that
the analyser finds exactly that: a checker that cannot fail proves
nothing. Run by unit_tests.py.
"""

import ipaddress
import json
import os
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import pcapio  # noqa: E402
import espcheck  # noqa: E402
from tap import case  # noqa: E402

ETH = b'\x02\0\0\0\0\x02' + b'\x02\0\0\0\0\x01'


def ip4(src, dst, proto, body, frag=0):
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(body), 1, frag, 64,
                    proto, 0, ipaddress.IPv4Address(src).packed,
                    ipaddress.IPv4Address(dst).packed)
    h = h[:10] + struct.pack('!H', pcapio.ip_checksum(h)) + h[12:]
    return h + body


def ip6(src, dst, proto, body, ext=b''):
    nxt = proto
    if ext:
        nxt, ext = 0, bytes([proto]) + ext  # hop-by-hop header first
    return (struct.pack('!IHBB16s16s', 0x60000000, len(ext) + len(body),
                        nxt, 64, ipaddress.IPv6Address(src).packed,
                        ipaddress.IPv6Address(dst).packed) + ext + body)


def esp(spi, seq, n=32):
    return struct.pack('!II', spi, seq) + b'\xaa' * n


def udp(sport, dport, data):
    return struct.pack('!HHHH', sport, dport, 8 + len(data), 0) + data


def eth(l3):
    return ETH + struct.pack('!H', 0x0800 if l3[0] >> 4 == 4 else 0x86dd) + l3


def sll2(l3):
    et = 0x0800 if l3[0] >> 4 == 4 else 0x86dd
    return struct.pack('!HHIHBB8s', et, 0, 2, 1, 4, 6, b'\0' * 8) + l3


def write(path, frames, linktype=pcapio.LINKTYPE_ETHERNET):
    with pcapio.PcapWriter(path, linktype) as w:
        for i, f in enumerate(frames):
            w.write(f, 1000 + i * 0.001)


def run(args, subproc=False):
    """espcheck's main() in this process (python starts slowly in the
    guest), or as a command when the exit status path itself is tested."""
    if subproc:
        p = subprocess.run([sys.executable, '-S',
                            os.path.join(HERE, 'espcheck.py')] + args,
                           stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True)
        return p.returncode, (json.loads(p.stdout) if p.stdout.strip()
                              else {})
    import contextlib
    import io
    out = io.StringIO()
    pcapio.ENCAP_PORTS.clear()
    with contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(io.StringIO()):
        rc = espcheck.main(args)
    text = out.getvalue()
    return rc, (json.loads(text) if text.strip() else {})


def stream_payload(seq):
    return b'ESPMOBSTREAM' + struct.pack('!QQ', seq, 0) + b'\0' * 20


@case
def clean_v4_esp(d):
    f = [eth(ip4('10.0.0.1', '10.0.1.2', 50, esp(0x100, s))) for s in
         range(1, 101)]
    write(d + '/a.pcap', f)
    rc, r = run([d + '/a.pcap', '--min-esp', '100', '--vars', d + '/v'],
                subproc=True)
    v = open(d + '/v').read()
    if 'esp_packets=100\n' not in v or "violations=''" not in v:
        return False
    return rc == 0 and r['esp']['0x00000100']['packets'] == 100 and \
        r['esp']['0x00000100']['missing'] == 0 and not r['violations']


@case
def duplicate_seq_v4(d):
    # delete-and-re-add restarts the sequence at 1
    seqs = list(range(1, 51)) + list(range(1, 11))
    write(d + '/a.pcap', [eth(ip4('10.0.0.1', '10.0.1.2', 50, esp(0x100, s)))
                          for s in seqs])
    rc, r = run([d + '/a.pcap'], subproc=True)
    return rc == 1 and r['duplicate_count'] == 10 and \
        'duplicate_seq' in r['violations'] and r['duplicates'][0]['seq'] == 1


@case
def duplicate_across_addresses(d):
    # the same SA number used on the old and the new path is a duplicate
    f = [eth(ip4('10.0.0.1', '10.0.1.2', 50, esp(0x100, s)))
         for s in range(1, 11)]
    f += [eth(ip4('10.0.0.1', '10.0.2.2', 50, esp(0x100, s)))
          for s in range(10, 21)]
    write(d + '/a.pcap', f)
    rc, r = run([d + '/a.pcap'])
    st = r['esp']['0x00000100']
    return rc == 1 and r['duplicate_count'] == 1 and \
        len(st['addresses']) == 2


@case
def gap_is_not_violation(d):
    seqs = list(range(1, 11)) + list(range(15, 21))
    write(d + '/a.pcap', [eth(ip4('10.0.0.1', '10.0.1.2', 50, esp(7, s)))
                          for s in seqs])
    rc, r = run([d + '/a.pcap'])
    return rc == 0 and r['esp']['0x00000007']['missing'] == 4


@case
def reorder_flagged(d):
    seqs = [1, 2, 3, 5, 4, 6]
    write(d + '/a.pcap', [eth(ip4('10.0.0.1', '10.0.1.2', 50, esp(7, s)))
                          for s in seqs])
    rc, r = run([d + '/a.pcap'])
    rc2, r2 = run([d + '/a.pcap', '--allow-reorder'])
    return rc == 1 and r['reorders'] == 1 and rc2 == 0 and \
        r2['reorders'] == 1


@case
def cleartext_marker_v4(d):
    f = [eth(ip4('10.0.0.1', '10.0.1.2', 50, esp(9, s))) for s in
         range(1, 6)]
    f.append(eth(ip4('172.16.2.1', '172.16.1.1', 17,
                     udp(40000, 5001, stream_payload(6)))))
    write(d + '/a.pcap', f)
    rc, r = run([d + '/a.pcap'])
    return rc == 1 and r['cleartext'] == 1 and \
        r['cleartext_samples'][0]['dport'] == 5001


@case
def cleartext_by_port(d):
    f = [eth(ip4('10.0.0.1', '10.0.1.2', 17, udp(1, 7777, b'x' * 30)))]
    write(d + '/a.pcap', f)
    rc, r = run([d + '/a.pcap', '--port', '7777', '--marker', ''])
    rc2, r2 = run([d + '/a.pcap', '--port', '7778', '--marker', ''])
    return rc == 1 and r['cleartext'] == 1 and rc2 == 0


@case
def marker_inside_esp_is_fine(d):
    # ciphertext that happens to hold the bytes is not cleartext
    body = struct.pack('!II', 5, 1) + b'ESPMOBSTREAM' + b'\0' * 20
    write(d + '/a.pcap', [eth(ip4('10.0.0.1', '10.0.1.2', 50, body))])
    rc, r = run([d + '/a.pcap'])
    return rc == 0 and r['esp_packets'] == 1


@case
def v6_ext_headers_and_sll2(d):
    hbh = b'\0' + b'\x01\x04\0\0\0\0'  # Hdr Ext Len 0, PadN
    f = [sll2(ip6('fd00::1', 'fd00:a::2', 50, esp(0x200, s), ext=hbh))
         for s in (1, 2, 2)]
    f.append(sll2(ip6('fd10:2::1', 'fd10:1::1', 17,
                      udp(1, 5001, stream_payload(1)))))
    write(d + '/a.pcap', f, pcapio.LINKTYPE_LINUX_SLL2)
    rc, r = run([d + '/a.pcap'])
    return rc == 1 and r['duplicate_count'] == 1 and r['cleartext'] == 1 \
        and r['esp']['0x00000200']['packets'] == 3


@case
def udp_encap_esp(d):
    f = [eth(ip4('10.0.0.1', '10.0.1.2', 17, udp(4500, 4500, esp(0x300, s))))
         for s in (1, 2, 3, 3)]
    # IKE on 4500 (non-ESP marker) and a NAT keepalive are not ESP
    f.append(eth(ip4('10.0.0.1', '10.0.1.2', 17,
                     udp(4500, 4500, b'\0\0\0\0' + b'i' * 40))))
    f.append(eth(ip4('10.0.0.1', '10.0.1.2', 17, udp(4500, 4500, b'\xff'))))
    f.append(eth(ip4('10.0.0.1', '10.0.1.2', 17, udp(4501, 4501,
                                                     esp(0x301, 1)))))
    write(d + '/a.pcap', f)
    rc, r = run([d + '/a.pcap', '--encap-port', '4501'])
    e = r['esp']
    return rc == 1 and r['duplicate_count'] == 1 and \
        e['0x00000300']['udp_encap'] and e['0x00000300']['packets'] == 4 \
        and '0x00000301' in e and r['esp_packets'] == 5


@case
def v4_fragment_cleartext(d):
    # a non-first fragment has no UDP header: the marker still shows
    f = [eth(ip4('10.0.0.1', '10.0.1.2', 17, b'....ESPMOBSTREAM....',
                 frag=185))]
    write(d + '/a.pcap', f)
    rc, r = run([d + '/a.pcap'])
    return rc == 1 and r['cleartext'] == 1


@case
def too_few_esp(d):
    write(d + '/a.pcap', [eth(ip4('10.0.0.1', '10.0.1.2', 50, esp(1, 1)))])
    rc, r = run([d + '/a.pcap', '--min-esp', '2'])
    return rc == 1 and r['violations'] == ['too_few_esp']


@case
def several_files_one_stream(d):
    write(d + '/a.pcap', [eth(ip4('10.0.0.1', '10.0.1.2', 50, esp(1, s)))
                          for s in (1, 2)])
    write(d + '/b.pcap', [eth(ip4('10.0.0.1', '10.0.2.2', 50, esp(1, s)))
                          for s in (2, 3)])
    rc, r = run([d + '/a.pcap', d + '/b.pcap'])
    return rc == 1 and r['duplicate_count'] == 1


@case
def spi_filter(d):
    write(d + '/a.pcap', [eth(ip4('10.0.0.1', '10.0.1.2', 50, esp(spi, 1)))
                          for spi in (1, 1, 2)])
    rc, r = run([d + '/a.pcap', '--spi', '2'])
    return rc == 0 and r['esp_packets'] == 1


@case
def empty_and_bad_files(d):
    open(d + '/empty.pcap', 'wb').close()
    with open(d + '/bad.pcap', 'wb') as f:
        f.write(b'not a pcap at all, really not')
    rc, r = run([d + '/empty.pcap'])
    rc2, _ = run([d + '/bad.pcap'], subproc=True)
    rc3, _ = run([d + '/missing.pcap'])
    return rc == 0 and r['packets'] == 0 and rc2 == 2 and rc3 == 2


@case
def truncated_tail_tolerated(d):
    write(d + '/a.pcap', [eth(ip4('10.0.0.1', '10.0.1.2', 50, esp(1, s)))
                          for s in (1, 2, 3)])
    with open(d + '/a.pcap', 'r+b') as f:
        f.truncate(os.path.getsize(d + '/a.pcap') - 10)
    rc, r = run([d + '/a.pcap'])
    return rc == 0 and r['esp_packets'] == 2


@case
def replay_rewrite(d):
    import replay
    l3 = ip4('10.0.0.1', '10.0.1.2', 17, udp(4500, 4500, esp(1, 1)))
    out, et = replay.rewrite(l3, None, '10.0.2.2')
    ok4 = et == 0x0800 and out[16:20] == bytes([10, 0, 2, 2]) and \
        pcapio.ip_checksum(out[:20]) == 0 and out[26:28] == b'\0\0'
    l3 = ip6('fd00::1', 'fd00:a::2', 17, udp(4500, 4500, esp(1, 1)))
    out, et = replay.rewrite(l3, None, 'fd00:b::2')
    ph = out[8:40] + struct.pack('!IxxxB', len(out) - 40, 17)
    ok6 = et == 0x86dd and pcapio.ip_checksum(ph + out[40:]) == 0
    return ok4 and ok6
