#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Send hand-made (mostly malformed) ESPMOB_CMD_MIGRATE requests over raw
generic netlink, bypassing espmob's own checks, and print one line per
case: NAME ERRNO-NAME|OK MESSAGE (the extack message, or -).

  espmob_raw.py OLD_LOCAL OLD_REMOTE NEW_LOCAL NEW_REMOTE [CASE...]

The addresses are IPv4 and name an existing peer, so that a request
differs from a valid one only by what each case breaks. Without CASE,
every case runs; "valid-dry-run" is the control that must succeed.
"""

import errno
import ipaddress
import socket
import struct
import sys

NETLINK_GENERIC = 16
NETLINK_EXT_ACK = 11
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR = 2
NLA_F_NESTED = 0x8000
GENL_ID_CTRL, CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_ID = 0x10, 3, 1
CTRL_ATTR_FAMILY_NAME = 2
CMD_MIGRATE = 2
A_OLD, A_NEW, A_SPIS, A_REQID, A_MARK, A_IF_ID, A_ENCAP, A_FLAGS, \
    A_POLICIES = range(3, 12)
EP_L4, EP_L6, EP_R4, EP_R6 = 1, 2, 3, 4
F_DRY_RUN = 1


def attr(t, payload):
    a = struct.pack('HH', 4 + len(payload), t) + payload
    return a + b'\0' * (-len(a) % 4)


def nest(t, *attrs):
    return attr(t | NLA_F_NESTED, b''.join(attrs))


def u8(t, v):
    return attr(t, struct.pack('B', v))


def u16(t, v):
    return attr(t, struct.pack('H', v))


def u32(t, v):
    return attr(t, struct.pack('I', v))


def ip4(a):
    return ipaddress.IPv4Address(a).packed


class Genl:
    def __init__(self):
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                               NETLINK_GENERIC)
        self.s.setsockopt(270, NETLINK_EXT_ACK, 1)  # SOL_NETLINK
        self.seq = 0
        err, msg, body = self.request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                                      attr(CTRL_ATTR_FAMILY_NAME,
                                           b'esp_mobility\0'))
        if err:
            raise OSError(-err, 'resolving esp_mobility: %s' % msg)
        self.fid = None
        while len(body) >= 4:
            alen, atype = struct.unpack_from('HH', body)
            if atype == CTRL_ATTR_FAMILY_ID:
                self.fid = struct.unpack_from('H', body, 4)[0]
            body = body[(alen + 3) & ~3:]

    def request(self, family, cmd, payload):
        self.seq += 1
        msg = struct.pack('BBH', cmd, 1, 0) + payload
        self.s.send(struct.pack('IHHII', 16 + len(msg), family,
                                NLM_F_REQUEST | NLM_F_ACK, self.seq, 0) + msg)
        body = b''
        while True:
            data = self.s.recv(65536)
            off = 0
            while off + 16 <= len(data):
                mlen, mtype, mflags = struct.unpack_from('IHH', data, off)
                if mtype == NLMSG_ERROR:
                    err = struct.unpack_from('i', data, off + 16)[0]
                    return err, self.extack(data[off:off + mlen], mflags), body
                body = data[off + 20:off + mlen]
                off += (mlen + 3) & ~3

    @staticmethod
    def extack(m, flags):
        # nlmsghdr, error, then the request's header (and its payload
        # unless NLM_F_CAPPED), then NLMSGERR_ATTR_* when NLM_F_ACK_TLVS
        # NLMSGERR_ATTR_MSG (1), or NLMSGERR_ATTR_MISS_TYPE (5): the kernel
        # names a missing attribute by its type instead of a text
        if not flags & 0x200:
            return '-'
        off = 20
        olen = struct.unpack_from('I', m, off)[0]
        off += 16 if flags & 0x100 else (olen + 3) & ~3
        msg = miss = None
        while off + 4 <= len(m):
            alen, atype = struct.unpack_from('HH', m, off)
            if alen < 4:
                break
            if atype == 1:
                msg = m[off + 4:off + alen].rstrip(b'\0').decode()
            elif atype == 5 and alen >= 8:
                miss = struct.unpack_from('I', m, off + 4)[0]
            off += (alen + 3) & ~3
        if msg:
            return msg
        if miss is not None:
            return 'missing attribute type %d' % miss
        return '-'


def cases(ol, orr, nl, nr):
    old = nest(A_OLD, attr(EP_L4, ip4(ol)), attr(EP_R4, ip4(orr)))
    new = nest(A_NEW, attr(EP_L4, ip4(nl)), attr(EP_R4, ip4(nr)))
    dry = u32(A_FLAGS, F_DRY_RUN)
    spi = nest(A_SPIS, u32(1, 0x1001))
    v6 = ipaddress.IPv6Address('fd00::1').packed
    return [
        ('valid-dry-run', old + new + dry),
        ('no-attributes', b''),
        ('old-only', old + dry),
        ('new-only', new + dry),
        ('old-without-remote', nest(A_OLD, attr(EP_L4, ip4(ol))) + new + dry),
        ('old-mixed-families', nest(A_OLD, attr(EP_L4, ip4(ol)),
                                    attr(EP_R6, v6)) + new + dry),
        ('address-3-bytes', nest(A_OLD, attr(EP_L4, ip4(ol)[:3]),
                                 attr(EP_R4, ip4(orr))) + new + dry),
        ('old-not-nested', attr(A_OLD, ip4(ol)) + new + dry),
        ('new-equals-old', old + nest(A_NEW, attr(EP_L4, ip4(ol)),
                                      attr(EP_R4, ip4(orr))) + dry),
        ('spi-list-empty', old + new + nest(A_SPIS) + dry),
        ('spi-zero', old + new + nest(A_SPIS, u32(1, 0)) + dry),
        ('spi-65', old + new + nest(A_SPIS, *[u32(1, 0x1001 + i)
                                              for i in range(65)]) + dry),
        ('spi-twice', old + new + nest(A_SPIS, u32(1, 0x1001),
                                       u32(1, 0x1001)) + dry),
        ('spi-u16', old + new + nest(A_SPIS, u16(1, 0x1001)) + dry),
        ('reqid-zero', old + new + u32(A_REQID, 0) + dry),
        ('if-id-zero', old + new + u32(A_IF_ID, 0) + dry),
        ('mark-without-value', old + new + nest(A_MARK, u32(2, 0xff)) + dry),
        ('encap-mode-7', old + new + nest(A_ENCAP, u8(1, 7)) + dry),
        ('encap-udp-no-ports', old + new + nest(A_ENCAP, u8(1, 1)) + dry),
        ('encap-none-with-ports', old + new + nest(A_ENCAP, u8(1, 0),
                                                   u16(2, 4500),
                                                   u16(3, 4500)) + dry),
        ('encap-port-zero', old + new + nest(A_ENCAP, u8(1, 1), u16(2, 0),
                                             u16(3, 4500)) + dry),
        ('flags-unknown-bit', old + new + u32(A_FLAGS, 0x80)),
        ('policy-missing-index', old + new +
         nest(A_POLICIES, nest(1, u8(2, 1))) + dry),
        ('policy-dir-5', old + new +
         nest(A_POLICIES, nest(1, u32(1, 1), u8(2, 5))) + dry),
        ('policy-unknown-index', old + new +
         nest(A_POLICIES, nest(1, u32(1, 0x7ffff0), u8(2, 1))) + dry),
        ('no-such-peer', nest(A_OLD, attr(EP_L4, ip4('192.0.2.1')),
                              attr(EP_R4, ip4('192.0.2.2'))) + new + dry),
        ('spi-not-between-peers', old + new + nest(A_SPIS, u32(1, 0xdead))
         + dry),
        # the last attribute claims 12 bytes, the message ends after 4
        ('truncated-attribute', old + new + spi + dry +
         struct.pack('HH', 12, A_REQID)),
    ]


def main():
    g = Genl()
    want = set(sys.argv[5:])
    for c in cases(*sys.argv[1:5]):
        name, payload = c
        if want and name not in want:
            continue
        err, msg, _ = g.request(g.fid, CMD_MIGRATE, payload)
        print('%s %s %s' % (name, errno.errorcode.get(-err, 'OK')
                            if err else 'OK', msg or '-'))
    return 0


if __name__ == '__main__':
    sys.exit(main())
