# SPDX-License-Identifier: GPL-2.0
"""Minimal classic-pcap reading, writing and packet dissection.

Only what the migration tests need: the pcap file format (both byte
orders, micro- and nanosecond timestamps), the link types tcpdump writes
on Linux (Ethernet, Linux cooked v1 and v2, raw IP), IPv4 and IPv6 (with
extension headers), ESP, and ESP in UDP (RFC 3948). No third-party
modules, so it runs wherever python3 does.
"""

import struct

LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_LINUX_SLL = 113
LINKTYPE_IPV4 = 228
LINKTYPE_IPV6 = 229
LINKTYPE_LINUX_SLL2 = 276

MAGIC_US = 0xa1b2c3d4
MAGIC_NS = 0xa1b23c4d

IPPROTO_UDP = 17
IPPROTO_TCP = 6
IPPROTO_ESP = 50
IPPROTO_ICMP = 1
IPPROTO_ICMPV6 = 58
NAT_T_PORTS = (4500,)

# IPv6 extension headers we step over to find the transport protocol.
_V6_EXT = {0, 43, 60, 135, 139, 140}
_V6_FRAG = 44


class PcapError(Exception):
    pass


def read_pcap(path):
    """Yield (timestamp_seconds, linktype, frame_bytes) for each record."""
    with open(path, 'rb') as f:
        hdr = f.read(24)
        if len(hdr) < 24:
            # tcpdump killed before its first flush: an empty capture.
            return
        for endian in ('<', '>'):
            magic = struct.unpack(endian + 'I', hdr[:4])[0]
            if magic in (MAGIC_US, MAGIC_NS):
                break
        else:
            raise PcapError('%s: not a classic pcap file' % path)
        scale = 1e-9 if magic == MAGIC_NS else 1e-6
        linktype = struct.unpack(endian + 'I', hdr[20:24])[0] & 0x0fffffff
        rec = struct.Struct(endian + 'IIII')
        while True:
            rh = f.read(16)
            if len(rh) < 16:
                return  # a truncated trailing record is normal mid-capture
            sec, frac, incl, _orig = rec.unpack(rh)
            data = f.read(incl)
            if len(data) < incl:
                return
            yield sec + frac * scale, linktype, data


class PcapWriter:
    """Writes a microsecond pcap; used by the unit tests and tools."""

    def __init__(self, path, linktype=LINKTYPE_ETHERNET):
        self.f = open(path, 'wb')
        self.f.write(struct.pack('<IHHiIII', MAGIC_US, 2, 4, 0, 0,
                                 262144, linktype))

    def write(self, frame, ts=0.0):
        sec = int(ts)
        usec = int(round((ts - sec) * 1e6))
        self.f.write(struct.pack('<IIII', sec, usec, len(frame), len(frame)))
        self.f.write(frame)

    def close(self):
        self.f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def l3_of(linktype, frame):
    """Return (ethertype, l3_bytes) or (None, None) for other traffic."""
    if linktype == LINKTYPE_ETHERNET:
        off, etype = 14, None
        if len(frame) < 14:
            return None, None
        etype = struct.unpack('!H', frame[12:14])[0]
        while etype in (0x8100, 0x88a8) and len(frame) >= off + 4:
            etype = struct.unpack('!H', frame[off + 2:off + 4])[0]
            off += 4
        return etype, frame[off:]
    if linktype == LINKTYPE_LINUX_SLL:
        if len(frame) < 16:
            return None, None
        return struct.unpack('!H', frame[14:16])[0], frame[16:]
    if linktype == LINKTYPE_LINUX_SLL2:
        if len(frame) < 20:
            return None, None
        return struct.unpack('!H', frame[0:2])[0], frame[20:]
    if linktype in (LINKTYPE_RAW, LINKTYPE_IPV4, LINKTYPE_IPV6):
        if not frame:
            return None, None
        v = frame[0] >> 4
        return (0x0800 if v == 4 else 0x86dd if v == 6 else None), frame
    raise PcapError('unsupported link type %d' % linktype)


def _ntop4(b):
    return '.'.join(str(x) for x in b)


def _ntop6(b):
    import ipaddress
    return str(ipaddress.IPv6Address(bytes(b)))


class Packet:
    """The parts of one IP packet the checks look at."""
    __slots__ = ('family', 'src', 'dst', 'proto', 'sport', 'dport',
                 'esp', 'spi', 'seq', 'udp_encap', 'payload', 'fragment')

    def __init__(self):
        self.family = None
        self.src = self.dst = None
        self.proto = None
        self.sport = self.dport = None
        self.esp = False
        self.udp_encap = False
        self.spi = self.seq = None
        self.payload = b''
        self.fragment = False


def dissect(linktype, frame):
    """Parse one frame into a Packet, or None if it is not IP."""
    etype, l3 = l3_of(linktype, frame)
    if etype == 0x0800 and len(l3) >= 20:
        p = Packet()
        p.family = 4
        ihl = (l3[0] & 0x0f) * 4
        total = struct.unpack('!H', l3[2:4])[0]
        frag = struct.unpack('!H', l3[6:8])[0]
        p.proto = l3[9]
        p.src, p.dst = _ntop4(l3[12:16]), _ntop4(l3[16:20])
        end = min(len(l3), total) if total >= ihl else len(l3)
        body = l3[ihl:end]
        if frag & 0x1fff:
            # Non-first fragment: no transport header; the body is
            # still searched for cleartext markers.
            p.fragment = True
            p.payload = body
            return p
        p.fragment = bool(frag & 0x2000)
    elif etype == 0x86dd and len(l3) >= 40:
        p = Packet()
        p.family = 6
        plen = struct.unpack('!H', l3[4:6])[0]
        nxt = l3[6]
        p.src, p.dst = _ntop6(l3[8:24]), _ntop6(l3[24:40])
        body = l3[40:40 + plen] if plen else l3[40:]
        while nxt in _V6_EXT or nxt == _V6_FRAG:
            if len(body) < 8:
                break
            if nxt == _V6_FRAG:
                p.fragment = True
                offset = struct.unpack('!H', body[2:4])[0] >> 3
                nxt, body = body[0], body[8:]
                if offset:
                    p.proto = nxt
                    p.payload = body
                    return p
                continue
            hlen = (body[1] + 1) * 8
            nxt, body = body[0], body[hlen:]
        p.proto = nxt
    else:
        return None

    if p.proto == IPPROTO_ESP and len(body) >= 8:
        p.esp = True
        p.spi, p.seq = struct.unpack('!II', body[:8])
        p.payload = body[8:]
    elif p.proto in (IPPROTO_UDP, IPPROTO_TCP) and len(body) >= 8:
        p.sport, p.dport = struct.unpack('!HH', body[:4])
        hl = 8 if p.proto == IPPROTO_UDP else max(20, (body[12] >> 4) * 4)
        data = body[hl:]
        if (p.proto == IPPROTO_UDP and
                (p.sport in NAT_T_PORTS or p.dport in NAT_T_PORTS or
                 p.sport in ENCAP_PORTS or p.dport in ENCAP_PORTS) and
                len(data) >= 8 and data[:4] != b'\0\0\0\0'):
            # RFC 3948: a non-zero first word is an ESP SPI.
            p.esp = True
            p.udp_encap = True
            p.spi, p.seq = struct.unpack('!II', data[:8])
            p.payload = data[8:]
        else:
            p.payload = data
    else:
        p.payload = body
    return p


# Extra UDP ports carrying ESP in UDP (set by tools from the command line).
ENCAP_PORTS = set()


def ip_checksum(hdr):
    if len(hdr) % 2:
        hdr += b'\0'
    s = sum(struct.unpack('!%dH' % (len(hdr) // 2), hdr))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff
