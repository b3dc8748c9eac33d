#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Re-inject captured ESP packets, as an on-path attacker would.

  replay.py --pcap FILE --iface IF --dmac MAC [--smac MAC] [--spi SPI]...
            [--src ADDR] [--dst ADDR] [--max N] [--last N] [--before NS]
            [--seq-min N] [--seq-max N]

Sends the ESP (and ESP-in-UDP) packets of FILE out of IF in fresh
Ethernet frames. --src/--dst rewrite the outer addresses (the IPv4
header checksum is recomputed; ESP does not authenticate the outer
header, and a UDP-encapsulated packet gets a zero UDP checksum), which
is how old packets are aimed at an SA after it moved. Prints the number
of packets sent.
"""

import argparse
import ipaddress
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcapio  # noqa: E402


def mac(s):
    return bytes(int(x, 16) for x in s.split(':'))


def rewrite(l3, src, dst):
    b = bytearray(l3)
    if b[0] >> 4 == 4:
        ihl = (b[0] & 0x0f) * 4
        if src:
            b[12:16] = ipaddress.IPv4Address(src).packed
        if dst:
            b[16:20] = ipaddress.IPv4Address(dst).packed
        b[10:12] = b'\0\0'
        b[10:12] = struct.pack('!H', pcapio.ip_checksum(bytes(b[:ihl])))
        if b[9] == pcapio.IPPROTO_UDP:
            b[ihl + 6:ihl + 8] = b'\0\0'
        return bytes(b), 0x0800
    if src:
        b[8:24] = ipaddress.IPv6Address(src).packed
    if dst:
        b[24:40] = ipaddress.IPv6Address(dst).packed
    if b[6] == pcapio.IPPROTO_UDP:
        # IPv6 UDP needs a checksum: recompute it over the new addresses.
        plen = struct.unpack('!H', b[4:6])[0]
        udp = b[40:40 + plen]
        udp[6:8] = b'\0\0'
        ph = bytes(b[8:40]) + struct.pack('!IxxxB', len(udp), 17)
        c = pcapio.ip_checksum(ph + bytes(udp)) or 0xffff
        b[46:48] = struct.pack('!H', c)
    return bytes(b), 0x86dd


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--pcap', required=True)
    ap.add_argument('--iface', required=True)
    ap.add_argument('--dmac', required=True)
    ap.add_argument('--smac', default='02:00:00:00:00:01')
    ap.add_argument('--spi', action='append', default=[])
    ap.add_argument('--src')
    ap.add_argument('--dst')
    ap.add_argument('--encap-port', type=int, action='append', default=[])
    ap.add_argument('--max', type=int, default=1 << 30)
    ap.add_argument('--last', type=int, default=0,
                    help='send only the last N matching packets')
    ap.add_argument('--seq-min', type=int, default=0,
                    help='only packets with an ESP sequence number >= this')
    ap.add_argument('--seq-max', type=int, default=1 << 32,
                    help='only packets with an ESP sequence number <= this')
    ap.add_argument('--before', type=int, default=0,
                    help='only packets captured before this time '
                    '(CLOCK_REALTIME, ns)')
    a = ap.parse_args()
    pcapio.ENCAP_PORTS.update(a.encap_port)
    spis = {int(s, 0) for s in a.spi}
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.iface, 0))
    picked = []
    for ts, lt, frame in pcapio.read_pcap(a.pcap):
        if a.before and ts * 1e9 >= a.before:
            break
        p = pcapio.dissect(lt, frame)
        if p is None or not p.esp or (spis and p.spi not in spis):
            continue
        if not a.seq_min <= p.seq <= a.seq_max:
            continue
        _, l3 = pcapio.l3_of(lt, frame)
        if l3[0] >> 4 == 4:
            whole = struct.unpack('!H', l3[2:4])[0]
        else:
            whole = 40 + struct.unpack('!H', l3[4:6])[0]
        if whole > len(l3):
            continue  # cut by the capture's snap length: not replayable
        picked.append(l3[:whole])
        if not a.last and len(picked) >= a.max:
            break
    if a.last:
        picked = picked[-a.last:]
    for l3 in picked[:a.max]:
        l3, etype = rewrite(l3, a.src, a.dst)
        s.send(mac(a.dmac) + mac(a.smac) + struct.pack('!H', etype) + l3)
    print(min(len(picked), a.max))
    return 0


if __name__ == '__main__':
    sys.exit(main())
