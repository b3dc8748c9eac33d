#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Send hand-made (mostly malformed) ESPMOB_CMD_MIGRATE requests over raw
generic netlink, bypassing espmob's own checks, and print one line per
case, three fields separated by tabs:

  NAME<TAB>GOT<TAB>WANT

GOT is what the kernel answered and WANT what the case expects, both in
the same form: the errno name (or OK), then the extack message in double
quotes or "no message", then ", missing attribute type N" when the ack
names a missing attribute (NLMSGERR_ATTR_MISS_TYPE) instead of or beside
a text. A case passes when GOT equals WANT exactly. The last line is
"end N", N the number of cases run, so that a script dying half-way shows.

  espmob_raw.py OLD_LOCAL OLD_REMOTE NEW_LOCAL NEW_REMOTE [CASE...]

The addresses are IPv4 and name an existing peer, so that a request
differs from a valid one only by what each case breaks. Without CASE,
every default case runs; "valid-dry-run" is the control that must
succeed. "unprivileged-migrate" (a valid, real migration) runs only when
named: it expects EPERM, so run it without CAP_NET_ADMIN.

Where the expected messages come from: "esp_mobility: ..." and the other
texts of the module are in module/netlink.c and module/collect.c; the
others are the kernel's policy validation (lib/nlattr.c), which runs
before the module sees the request: "integer out of range" and "binary
attribute size out of range" (ERANGE, NLA_POLICY_MIN/MAX/EXACT_LEN),
"invalid attribute length" (a u32 of the wrong size), "NLA_F_NESTED is
missing", "reserved bit set" (NLA_POLICY_MASK) and "bytes leftover after
parsing attributes" (EINVAL). A required attribute the module finds
missing (GENL_REQ_ATTR_CHECK, NL_REQ_ATTR_CHECK) is reported as its type,
with no text unless the module adds one.
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
            raise OSError(-err, 'resolving esp_mobility: %s' % (msg,))
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
        # unless NLM_F_CAPPED), then NLMSGERR_ATTR_* when NLM_F_ACK_TLVS:
        # NLMSGERR_ATTR_MSG (1) and NLMSGERR_ATTR_MISS_TYPE (5), with which
        # the kernel names a missing attribute by its type. Returns
        # (message or None, missing type or None).
        if not flags & 0x200:
            return None, None
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
        return msg or None, miss


def result(err, msg=None, miss=None):
    """The form GOT and WANT are printed in (see the module docstring)."""
    out = errno.errorcode.get(err, str(err)) if err else 'OK'
    out += ' "%s"' % msg if msg else ', no message'
    if miss is not None:
        out += ', missing attribute type %d' % miss
    return out


# Texts the kernel's policy validation (lib/nlattr.c) sends.
RANGE = 'integer out of range'
MOD = 'esp_mobility: '       # NL_SET_ERR_MSG_MOD's prefix (KBUILD_MODNAME)
ENDPOINTS = 'endpoints need one local and one remote address of one family'


def cases(ol, orr, nl, nr):
    """(name, payload, expected result); defaults first, then named-only
    cases after None."""
    old = nest(A_OLD, attr(EP_L4, ip4(ol)), attr(EP_R4, ip4(orr)))
    new = nest(A_NEW, attr(EP_L4, ip4(nl)), attr(EP_R4, ip4(nr)))
    dry = u32(A_FLAGS, F_DRY_RUN)
    spi = nest(A_SPIS, u32(1, 0x1001))
    v6 = ipaddress.IPv6Address('fd00::1').packed
    EINVAL, ERANGE, ENOENT = errno.EINVAL, errno.ERANGE, errno.ENOENT
    return [
        ('valid-dry-run', old + new + dry, result(0)),
        # GENL_REQ_ATTR_CHECK: the type alone, no text
        ('no-attributes', b'', result(EINVAL, None, A_OLD)),
        ('old-only', old + dry, result(EINVAL, None, A_NEW)),
        ('new-only', new + dry, result(EINVAL, None, A_OLD)),
        # parse_endpoints()
        ('old-without-remote', nest(A_OLD, attr(EP_L4, ip4(ol))) + new + dry,
         result(EINVAL, ENDPOINTS)),
        ('old-mixed-families', nest(A_OLD, attr(EP_L4, ip4(ol)),
                                    attr(EP_R6, v6)) + new + dry,
         result(EINVAL, ENDPOINTS)),
        # NLA_POLICY_EXACT_LEN(4)
        ('address-3-bytes', nest(A_OLD, attr(EP_L4, ip4(ol)[:3]),
                                 attr(EP_R4, ip4(orr))) + new + dry,
         result(ERANGE, 'binary attribute size out of range')),
        ('old-not-nested', attr(A_OLD, ip4(ol)) + new + dry,
         result(EINVAL, 'NLA_F_NESTED is missing')),
        ('new-equals-old', old + nest(A_NEW, attr(EP_L4, ip4(ol)),
                                      attr(EP_R4, ip4(orr))) + dry,
         result(EINVAL, 'new endpoints equal the old ones')),
        # parse_spis() and the SPI policy (NLA_POLICY_MIN 1, u32)
        ('spi-list-empty', old + new + nest(A_SPIS) + dry,
         result(EINVAL, 'empty SPI list')),
        ('spi-zero', old + new + nest(A_SPIS, u32(1, 0)) + dry,
         result(ERANGE, RANGE)),
        ('spi-65', old + new + nest(A_SPIS, *[u32(1, 0x1001 + i)
                                              for i in range(65)]) + dry,
         result(errno.E2BIG, 'too many SPIs')),
        ('spi-twice', old + new + nest(A_SPIS, u32(1, 0x1001),
                                       u32(1, 0x1001)) + dry,
         result(EINVAL, 'SPI listed twice')),
        ('spi-u16', old + new + nest(A_SPIS, u16(1, 0x1001)) + dry,
         result(EINVAL, 'invalid attribute length')),
        ('reqid-zero', old + new + u32(A_REQID, 0) + dry,
         result(ERANGE, RANGE)),
        ('if-id-zero', old + new + u32(A_IF_ID, 0) + dry,
         result(ERANGE, RANGE)),
        # parse_mark(): NL_REQ_ATTR_CHECK names ESPMOB_MARK_A_VALUE (1)
        ('mark-without-value', old + new + nest(A_MARK, u32(2, 0xff)) + dry,
         result(EINVAL, MOD + 'a mark needs a value', 1)),
        # parse_encap() and NLA_POLICY_MAX/MIN on mode and ports
        ('encap-mode-7', old + new + nest(A_ENCAP, u8(1, 7)) + dry,
         result(ERANGE, RANGE)),
        ('encap-udp-no-ports', old + new + nest(A_ENCAP, u8(1, 1)) + dry,
         result(EINVAL, 'espinudp needs a local and a remote port')),
        ('encap-none-with-ports', old + new + nest(A_ENCAP, u8(1, 0),
                                                   u16(2, 4500),
                                                   u16(3, 4500)) + dry,
         result(EINVAL, 'ports given for removed encapsulation')),
        ('encap-port-zero', old + new + nest(A_ENCAP, u8(1, 1), u16(2, 0),
                                             u16(3, 4500)) + dry,
         result(ERANGE, RANGE)),
        # NLA_POLICY_MASK(ESPMOB_F_ALL)
        ('flags-unknown-bit', old + new + u32(A_FLAGS, 0x80),
         result(EINVAL, 'reserved bit set')),
        # parse_policy_ref(): NL_REQ_ATTR_CHECK names ESPMOB_POL_A_INDEX (1)
        ('policy-missing-index', old + new +
         nest(A_POLICIES, nest(1, u8(2, 1))) + dry,
         result(EINVAL, MOD + 'a policy needs an index and a direction', 1)),
        ('policy-dir-5', old + new +
         nest(A_POLICIES, nest(1, u32(1, 1), u8(2, 5))) + dry,
         result(ERANGE, RANGE)),
        # collect.c
        ('policy-unknown-index', old + new +
         nest(A_POLICIES, nest(1, u32(1, 0x7ffff0), u8(2, 1))) + dry,
         result(ENOENT, 'no policy with this index and direction')),
        ('no-such-peer', nest(A_OLD, attr(EP_L4, ip4('192.0.2.1')),
                              attr(EP_R4, ip4('192.0.2.2'))) + new + dry,
         result(ENOENT, MOD + 'no ESP SA between the old endpoints matches'
                ' the request')),
        ('spi-not-between-peers', old + new + nest(A_SPIS, u32(1, 0xdead))
         + dry,
         result(ENOENT, 'no ESP SA with this SPI between the old endpoints')),
        # the last attribute claims 12 bytes, the message ends after 4
        ('truncated-attribute', old + new + spi + dry +
         struct.pack('HH', 12, A_REQID),
         result(EINVAL, 'bytes leftover after parsing attributes')),
        None,
        # genl refuses it before the module sees it: no message
        ('unprivileged-migrate', old + new, result(errno.EPERM)),
    ]


def main():
    g = Genl()
    want = set(sys.argv[5:])
    named_only = False
    n = 0
    for c in cases(*sys.argv[1:5]):
        if c is None:
            named_only = True
            continue
        name, payload, expect = c
        if (want and name not in want) or (named_only and not want):
            continue
        err, (msg, miss), _ = g.request(g.fid, CMD_MIGRATE, payload)
        print('%s\t%s\t%s' % (name, result(-err, msg, miss), expect))
        n += 1
    print('end %d' % n)
    return 0


if __name__ == '__main__':
    sys.exit(main())
