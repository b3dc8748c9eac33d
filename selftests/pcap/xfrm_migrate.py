#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Send one XFRM_MSG_MIGRATE (what libreswan does per policy direction;
iproute2 has no command for it) in the current network namespace: the
policy named by its selector and direction gets its templates moved, and
the ESP state of that reqid at the old addresses, if any, is moved too.

  xfrm_migrate.py DIR SEL_SRC SEL_DST OLD_SRC OLD_DST NEW_SRC NEW_DST REQID [MODE]

DIR is in, out or fwd; the selector addresses are host addresses (full
prefix, any upper protocol); the outer addresses are IPv4 or IPv6 (one
family); MODE is tunnel (default) or transport. Prints "OK" or the errno
name and the kernel's message, and exits 0 only on success.
"""

import errno
import ipaddress
import os
import socket
import struct
import sys

NETLINK_XFRM = 6
XFRM_MSG_MIGRATE = 0x21
XFRMA_MIGRATE = 17
NLM_F_REQUEST = 1
NLM_F_ACK = 4
NLMSG_ERROR = 2
NLMSGERR_ATTR_MSG = 1
NLM_F_ACK_TLVS = 0x200
IPSEC_ULPROTO_ANY = 255
DIRS = {"in": 0, "out": 1, "fwd": 2}
MODES = {"transport": 0, "tunnel": 1}


def addr(text):
    a = ipaddress.ip_address(text)
    fam = socket.AF_INET if a.version == 4 else socket.AF_INET6
    return a.packed.ljust(16, b"\0"), fam, a.max_prefixlen


def selector(src, dst):
    s, fam, bits = addr(src)
    d, _, _ = addr(dst)
    # daddr saddr dport dport_mask sport sport_mask family
    # prefixlen_d prefixlen_s proto ifindex user
    return struct.pack("=16s16sHHHHHBBBxxxiI", d, s, 0, 0, 0, 0, fam,
                       bits, bits, IPSEC_ULPROTO_ANY, 0, 0)


def main():
    if len(sys.argv) not in (9, 10):
        sys.exit(__doc__)
    d, ss, sd, os_, od, ns, nd, reqid = sys.argv[1:9]
    mode = MODES[sys.argv[9] if len(sys.argv) == 10 else "tunnel"]
    o_s, fam, _ = addr(os_)
    o_d, _, _ = addr(od)
    n_s, _, _ = addr(ns)
    n_d, _, _ = addr(nd)
    # xfrm_userpolicy_id: selector, index, dir
    body = selector(ss, sd) + struct.pack("=IB3x", 0, DIRS[d])
    # xfrm_user_migrate: old_daddr old_saddr new_daddr new_saddr proto
    # mode reserved reqid old_family new_family
    um = struct.pack("=16s16s16s16sBBHIHH", o_d, o_s, n_d, n_s,
                     socket.IPPROTO_ESP, mode, 0, int(reqid, 0), fam, fam)
    a = struct.pack("=HH", 4 + len(um), XFRMA_MIGRATE) + um
    a += b"\0" * (-len(a) % 4)
    msg = body + a
    hdr = struct.pack("=IHHII", 16 + len(msg), XFRM_MSG_MIGRATE,
                      NLM_F_REQUEST | NLM_F_ACK, 1, 0)
    sk = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_XFRM)
    sk.setsockopt(270, 11, 1)  # SOL_NETLINK, NETLINK_EXT_ACK
    sk.send(hdr + msg)
    reply = sk.recv(65536)
    ln, typ, flags = struct.unpack_from("=IHH", reply)
    if typ != NLMSG_ERROR:
        sys.exit("unexpected reply type %d" % typ)
    err = -struct.unpack_from("=i", reply, 16)[0]
    if not err:
        print("OK")
        return
    text = ""
    if flags & NLM_F_ACK_TLVS:
        off = 16 + 4 + 16 + len(msg)	# error, then the request echoed
        while off + 4 <= ln:
            alen, atyp = struct.unpack_from("=HH", reply, off)
            if alen < 4:
                break
            if atyp == NLMSGERR_ATTR_MSG:
                text = reply[off + 4:off + alen].rstrip(b"\0").decode()
            off += (alen + 3) & ~3
    print(errno.errorcode.get(err, str(err)), os.strerror(err), text)
    sys.exit(1)


if __name__ == "__main__":
    main()
