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

Where the expected messages come from: the module's texts are in
module/netlink.c (its policies' reject messages included) and
module/collect.c; the
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
import os
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

# The family's numbers, from its YNL spec (scripts/espmob_spec.py)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', '..', 'scripts'))
import espmob_spec  # noqa: E402

C = espmob_spec.spec().c_names()
CMD_MIGRATE, CMD_GET_INFO = C['ESPMOB_CMD_MIGRATE'], C['ESPMOB_CMD_GET_INFO']
A_ABI_VERSION, A_OLD, A_NEW, A_SPI, A_REQID, A_MARK, A_IF_ID, A_ENCAP, \
    A_FLAGS, A_POLICY = (C['ESPMOB_A_' + n] for n in (
        'ABI_VERSION', 'OLD', 'NEW', 'SPI', 'REQID', 'MARK', 'IF_ID', 'ENCAP',
        'FLAGS', 'POLICY'))
EP_L4, EP_L6, EP_R4, EP_R6 = (C['ESPMOB_EP_A_' + n] for n in (
    'LOCAL_IPV4', 'LOCAL_IPV6', 'REMOTE_IPV4', 'REMOTE_IPV6'))
MARK_VALUE, MARK_MASK = C['ESPMOB_MARK_A_VALUE'], C['ESPMOB_MARK_A_MASK']
ENCAP_MODE, ENCAP_LPORT, ENCAP_RPORT = (C['ESPMOB_ENCAP_A_' + n] for n in (
    'MODE', 'LOCAL_PORT', 'REMOTE_PORT'))
POL_INDEX, POL_DIR, POL_TYPE = (C['ESPMOB_POL_A_' + n] for n in (
    'INDEX', 'DIR', 'TYPE'))
F_DRY_RUN = C['ESPMOB_F_DRY_RUN']


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
ENDPOINTS = 'endpoints need one local and one remote address of one family'


def cases(ol, orr, nl, nr):
    """(name, payload, expected result); defaults first, then named-only
    cases after None."""
    old = nest(A_OLD, attr(EP_L4, ip4(ol)), attr(EP_R4, ip4(orr)))
    new = nest(A_NEW, attr(EP_L4, ip4(nl)), attr(EP_R4, ip4(nr)))
    dry = u32(A_FLAGS, F_DRY_RUN)
    spi = u32(A_SPI, 0x1001)
    v6 = ipaddress.IPv6Address('fd00::1').packed
    EINVAL, ERANGE, ENOENT = errno.EINVAL, errno.ERANGE, errno.ENOENT
    REPLY_ONLY = 'a reply attribute, not part of a request'
    return [
        ('valid-dry-run', old + new + dry, result(0)),
        # GENL_REQ_ATTR_CHECK names the type, the module says what it is
        ('no-attributes', b'',
         result(EINVAL, 'the old endpoints are missing', A_OLD)),
        ('old-only', old + dry,
         result(EINVAL, 'the new endpoints are missing', A_NEW)),
        ('new-only', new + dry,
         result(EINVAL, 'the old endpoints are missing', A_OLD)),
        # parse_endpoints()
        ('old-without-remote', nest(A_OLD, attr(EP_L4, ip4(ol))) + new + dry,
         result(EINVAL, ENDPOINTS)),
        ('old-mixed-families', nest(A_OLD, attr(EP_L4, ip4(ol)),
                                    attr(EP_R6, v6)) + new + dry,
         result(EINVAL, ENDPOINTS)),
        # NLA_BE32: exactly 4 bytes
        ('address-3-bytes', nest(A_OLD, attr(EP_L4, ip4(ol)[:3]),
                                 attr(EP_R4, ip4(orr))) + new + dry,
         result(EINVAL, 'invalid attribute length')),
        ('old-not-nested', attr(A_OLD, ip4(ol)) + new + dry,
         result(EINVAL, 'NLA_F_NESTED is missing')),
        ('new-equals-old', old + nest(A_NEW, attr(EP_L4, ip4(ol)),
                                      attr(EP_R4, ip4(orr))) + dry,
         result(EINVAL, 'new endpoints equal the old ones')),
        # ESPMOB_A_SPI (NLA_POLICY_MIN 1, u32, repeated) and parse_spi()
        # the layout before ABI 1.0: a list nest of u32s
        ('spi-as-list-nest', old + new + nest(A_SPI, u32(1, 0x1001)) + dry,
         result(EINVAL, 'invalid attribute length')),
        ('spi-zero', old + new + u32(A_SPI, 0) + dry,
         result(ERANGE, RANGE)),
        ('spi-65', old + new + b''.join(u32(A_SPI, 0x1001 + i)
                                        for i in range(65)) + dry,
         result(errno.E2BIG, 'too many SPIs')),
        ('spi-twice', old + new + spi + spi + dry,
         result(EINVAL, 'SPI listed twice')),
        ('spi-u16', old + new + u16(A_SPI, 0x1001) + dry,
         result(EINVAL, 'invalid attribute length')),
        ('reqid-zero', old + new + u32(A_REQID, 0) + dry,
         result(ERANGE, RANGE)),
        ('if-id-zero', old + new + u32(A_IF_ID, 0) + dry,
         result(ERANGE, RANGE)),
        # parse_mark(): NL_REQ_ATTR_CHECK names ESPMOB_MARK_A_VALUE
        ('mark-without-value', old + new +
         nest(A_MARK, u32(MARK_MASK, 0xff)) + dry,
         result(EINVAL, 'a mark needs a value', MARK_VALUE)),
        # parse_encap() and NLA_POLICY_MAX/MIN on mode and ports
        ('encap-mode-7', old + new + nest(A_ENCAP, u8(ENCAP_MODE, 7)) + dry,
         result(ERANGE, RANGE)),
        ('encap-udp-no-ports', old + new +
         nest(A_ENCAP, u8(ENCAP_MODE, 1)) + dry,
         result(EINVAL, 'espinudp needs a local and a remote port')),
        ('encap-none-with-ports', old + new +
         nest(A_ENCAP, u8(ENCAP_MODE, 0), u16(ENCAP_LPORT, 4500),
              u16(ENCAP_RPORT, 4500)) + dry,
         result(EINVAL, 'ports given for removed encapsulation')),
        ('encap-port-zero', old + new +
         nest(A_ENCAP, u8(ENCAP_MODE, 1), u16(ENCAP_LPORT, 0),
              u16(ENCAP_RPORT, 4500)) + dry,
         result(ERANGE, RANGE)),
        # NLA_POLICY_MASK(ESPMOB_F_MASK)
        ('flags-unknown-bit', old + new + u32(A_FLAGS, 0x80),
         result(EINVAL, 'reserved bit set')),
        # parse_policy(): NL_REQ_ATTR_CHECK names ESPMOB_POL_A_INDEX
        ('policy-missing-index', old + new +
         nest(A_POLICY, u8(POL_DIR, 1)) + dry,
         result(EINVAL, 'a policy needs an index and a direction',
                POL_INDEX)),
        ('policy-dir-5', old + new +
         nest(A_POLICY, u32(POL_INDEX, 1), u8(POL_DIR, 5)) + dry,
         result(ERANGE, RANGE)),
        ('policy-type-2', old + new +
         nest(A_POLICY, u32(POL_INDEX, 1), u8(POL_DIR, 1),
              u8(POL_TYPE, 2)) + dry,
         result(ERANGE, RANGE)),
        ('policy-twice', old + new +
         2 * nest(A_POLICY, u32(POL_INDEX, 8), u8(POL_DIR, 1)) + dry,
         result(EINVAL, 'policy listed twice')),
        # collect.c
        ('policy-unknown-index', old + new +
         nest(A_POLICY, u32(POL_INDEX, 0x7ffff0), u8(POL_DIR, 1)) + dry,
         result(ENOENT, 'no policy with this index and direction')),
        ('policy-sub-type-unknown', old + new +
         nest(A_POLICY, u32(POL_INDEX, 8), u8(POL_DIR, 1),
              u8(POL_TYPE, 1)) + dry,
         result(ENOENT, 'no policy with this index and direction')),
        ('no-such-peer', nest(A_OLD, attr(EP_L4, ip4('192.0.2.1')),
                              attr(EP_R4, ip4('192.0.2.2'))) + new + dry,
         result(ENOENT, 'no ESP SA between the old endpoints matches'
                ' the request')),
        ('spi-not-between-peers', old + new + u32(A_SPI, 0xdead) + dry,
         result(ENOENT, 'no ESP SA with this SPI between the old endpoints')),
        # per-command policies: what is not a request attribute is refused
        ('reply-attribute', old + new + u32(A_ABI_VERSION, 1) + dry,
         result(EINVAL, REPLY_ONLY)),
        ('unknown-attribute', old + new + u32(C['ESPMOB_A_MAX'] + 1, 1) + dry,
         result(EINVAL, 'Unknown attribute type')),
        ('get-info-with-attribute', u32(A_REQID, 1),
         result(EINVAL, 'GET_INFO takes no attributes'), CMD_GET_INFO),
        ('get-info-plain', b'', result(0), CMD_GET_INFO),
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
        name, payload, expect = c[:3]
        cmd = c[3] if len(c) > 3 else CMD_MIGRATE
        if (want and name not in want) or (named_only and not want):
            continue
        err, (msg, miss), _ = g.request(g.fid, cmd, payload)
        print('%s\t%s\t%s' % (name, result(-err, msg, miss), expect))
        n += 1
    print('end %d' % n)
    return 0


if __name__ == '__main__':
    sys.exit(main())
