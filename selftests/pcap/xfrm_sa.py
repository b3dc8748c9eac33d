#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Add an IPv4 ESP tunnel-mode SA with the attributes Debian 12's iproute2
(6.1) cannot set, and print them back, over raw XFRM netlink.

  xfrm_sa.py add SRC DST SPI REQID TSRC/LEN TDST/LEN KEYHEX [dir in|out]
             [encap SPORT DPORT] [keepalive SECONDS] [pcpu CPU]
  xfrm_sa.py show DST SPI

"add" installs an AES-GCM (rfc4106, 128-bit ICV) SA with the selector
TSRC/LEN -> TDST/LEN, flag af-unspec, replay window 32 (0 for dir out,
as the kernel requires) and the optional direction (XFRMA_SA_DIR), UDP
encapsulation (espinudp), NAT keepalive interval
(XFRMA_NAT_KEEPALIVE_INTERVAL) and CPU (XFRMA_SA_PCPU). On failure it
prints "ERRNO_NAME message" (the kernel's extack) and exits 1.

"show" prints one line, "dir=D keepalive=K pcpu=P": D is in, out or none,
K the keepalive interval (0 when absent), P the CPU or none. Exits 1 with
"ERRNO_NAME message" when there is no such SA.
"""

import errno
import ipaddress
import os
import socket
import struct
import sys

NETLINK_XFRM = 6
XFRM_MSG_NEWSA = 0x10
XFRM_MSG_GETSA = 0x12
NLM_F_REQUEST, NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL = 1, 4, 0x400, 0x200
NLMSG_ERROR = 2
NLM_F_CAPPED = 0x100
NLM_F_ACK_TLVS = 0x200
NLMSGERR_ATTR_MSG = 1
NETLINK_EXT_ACK = 11

XFRMA_ENCAP = 4
XFRMA_ALG_AEAD = 18
XFRMA_SA_DIR = 33
XFRMA_NAT_KEEPALIVE_INTERVAL = 34
XFRMA_SA_PCPU = 35
XFRM_SA_DIR = {"in": 1, "out": 2}
UDP_ENCAP_ESPINUDP = 2
XFRM_STATE_AF_UNSPEC = 32
XFRM_INF = (1 << 64) - 1
USERSA_INFO_LEN = 224


def addr16(a):
    return ipaddress.IPv4Address(a).packed + bytes(12)


def attr(kind, payload):
    n = 4 + len(payload)
    return struct.pack("=HH", n, kind) + payload + bytes((4 - n % 4) % 4)


def selector(src, dst):
    s = ipaddress.IPv4Network(src, strict=False)
    d = ipaddress.IPv4Network(dst, strict=False)
    # daddr saddr dport dport_mask sport sport_mask family prefixlen_d
    # prefixlen_s proto ifindex user
    return struct.pack("=16s16sHHHHHBBB3xiI", addr16(str(d.network_address)),
                       addr16(str(s.network_address)), 0, 0, 0, 0,
                       socket.AF_INET, d.prefixlen, s.prefixlen, 0, 0, 0)


def usersa_info(src, dst, spi, reqid, tsrc, tdst, replay):
    sel = selector(tsrc, tdst)
    xid = struct.pack("=16sIB3x", addr16(dst), socket.htonl(spi),
                      socket.IPPROTO_ESP)
    lft = struct.pack("=8Q", XFRM_INF, XFRM_INF, XFRM_INF, XFRM_INF,
                      0, 0, 0, 0)
    body = (sel + xid + addr16(src) + lft + bytes(32) + bytes(12) +
            struct.pack("=IIHBBB", 0, reqid, socket.AF_INET, 1, replay,
                        XFRM_STATE_AF_UNSPEC))
    return body + bytes(USERSA_INFO_LEN - len(body))


def request(kind, flags, payload):
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_XFRM)
    sock.setsockopt(270, NETLINK_EXT_ACK, 1)  # SOL_NETLINK
    sock.bind((0, 0))
    msg = struct.pack("=IHHII", 16 + len(payload), kind,
                      NLM_F_REQUEST | flags, 1, 0) + payload
    sock.send(msg)
    data = sock.recv(65536)
    sock.close()
    return data


def error_of(data):
    """(errno, message) of an NLMSG_ERROR reply, or None for another one."""
    _, kind, flags, _, _ = struct.unpack_from("=IHHII", data)
    if kind != NLMSG_ERROR:
        return None
    err = -struct.unpack_from("=i", data, 16)[0]
    msg = ""
    if flags & NLM_F_ACK_TLVS:
        # the request comes back after the error: its header only when
        # the reply says so (NLM_F_CAPPED), else all of it
        echoed = 16 if flags & NLM_F_CAPPED else \
            struct.unpack_from("=I", data, 20)[0]
        off = 16 + 4 + ((echoed + 3) & ~3)
        while off + 4 <= len(data):
            n, t = struct.unpack_from("=HH", data, off)
            if n < 4:
                break
            if t == NLMSGERR_ATTR_MSG:
                msg = data[off + 4:off + n].rstrip(b"\0").decode()
            off += (n + 3) & ~3
    return err, msg


def fail(err, msg):
    print(errno.errorcode.get(err, str(err)), msg or "no message")
    sys.exit(1)


def add(argv):
    src, dst, spi, reqid, tsrc, tdst, key = argv[:7]
    opts = argv[7:]
    direction = keepalive = pcpu = None
    encap = None
    while opts:
        word = opts.pop(0)
        if word == "dir":
            direction = XFRM_SA_DIR[opts.pop(0)]
        elif word == "encap":
            encap = (int(opts.pop(0)), int(opts.pop(0)))
        elif word == "keepalive":
            keepalive = int(opts.pop(0))
        elif word == "pcpu":
            pcpu = int(opts.pop(0))
        else:
            sys.exit("xfrm_sa.py: unknown option " + word)
    replay = 0 if direction == XFRM_SA_DIR["out"] else 32
    keyb = bytes.fromhex(key[2:] if key.startswith("0x") else key)
    payload = usersa_info(src, dst, int(spi, 0), int(reqid, 0), tsrc, tdst,
                          replay)
    payload += attr(XFRMA_ALG_AEAD,
                    struct.pack("=64sII", b"rfc4106(gcm(aes))",
                                len(keyb) * 8, 128) + keyb)
    if encap:
        payload += attr(XFRMA_ENCAP,
                        struct.pack("=H2s2s2x16s", UDP_ENCAP_ESPINUDP,
                                    struct.pack("!H", encap[0]),
                                    struct.pack("!H", encap[1]), bytes(16)))
    if direction:
        payload += attr(XFRMA_SA_DIR, struct.pack("=B", direction))
    if keepalive is not None:
        payload += attr(XFRMA_NAT_KEEPALIVE_INTERVAL,
                        struct.pack("=I", keepalive))
    if pcpu is not None:
        payload += attr(XFRMA_SA_PCPU, struct.pack("=I", pcpu))
    res = error_of(request(XFRM_MSG_NEWSA,
                           NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, payload))
    if res is None or res[0] != 0:
        fail(*(res or (errno.EPROTO, "unexpected reply")))


def show(argv):
    dst, spi = argv
    payload = struct.pack("=16sIHB1x", addr16(dst), socket.htonl(int(spi, 0)),
                          socket.AF_INET, socket.IPPROTO_ESP)
    data = request(XFRM_MSG_GETSA, 0, payload)
    res = error_of(data)
    if res is not None:
        fail(*res)
    found = {}
    off = 16 + USERSA_INFO_LEN
    end = struct.unpack_from("=I", data)[0]
    while off + 4 <= end:
        n, t = struct.unpack_from("=HH", data, off)
        if n < 4:
            break
        found[t & 0x3fff] = data[off + 4:off + n]
        off += (n + 3) & ~3
    d = found.get(XFRMA_SA_DIR)
    names = {v: k for k, v in XFRM_SA_DIR.items()}
    ka = found.get(XFRMA_NAT_KEEPALIVE_INTERVAL)
    cpu = found.get(XFRMA_SA_PCPU)
    print("dir=%s keepalive=%d pcpu=%s" % (
        names.get(d[0], str(d[0])) if d else "none",
        struct.unpack("=I", ka)[0] if ka else 0,
        struct.unpack("=I", cpu)[0] if cpu else "none"))


def main():
    if len(sys.argv) >= 9 and sys.argv[1] == "add":
        add(sys.argv[2:])
    elif len(sys.argv) == 4 and sys.argv[1] == "show":
        show(sys.argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    main()
