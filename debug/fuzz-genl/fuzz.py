#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Generic netlink fuzzer for the esp_mobility family (debug lane).

Sends random and mutated requests for a bounded time: valid MIGRATE and
GET_INFO skeletons built from the uapi, then corrupted (missing, duplicated,
truncated, oversized, wrongly typed or wrongly nested attributes), random
commands, versions and netlink flags, and some raw garbage. A second socket
listens on the "migrate" multicast group. Every request must get an answer
(an ack or an error): a request that hangs is reported. Requests that moved
states for real (non-dry-run MIGRATE acked with success) are written to
--moves so the caller can account for them.

  fuzz.py --seconds 60 [--seed N] [--netns NS] [--real OLD_L,OLD_R]
          [--moves FILE] [--summary FILE]
"""
import argparse
import collections
import ctypes
import errno
import json
import os
import random
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import espmob_genl as g  # noqa: E402

C = g.C
CTRL_ATTR_MCAST_GROUPS = 7
CTRL_ATTR_MCAST_GRP_NAME = 1
CTRL_ATTR_MCAST_GRP_ID = 2
NETLINK_ADD_MEMBERSHIP = 1


class Fuzzer:
    def __init__(self, rnd, real):
        self.r = rnd
        self.real = real  # (local, remote) of the real SAs, or None
        # The decoy peers' addresses (run.sh): requests may move those.
        # The real SAs' addresses only ever appear in dry runs.
        self.pool4 = ["10.9.0.1", "10.9.0.2", "10.9.1.1", "10.9.1.2",
                      "0.0.0.0", "255.255.255.255", "224.0.0.1",
                      "127.0.0.1", "192.0.2.7"]
        self.pool6 = ["fd09::1", "fd09::2", "fd09:1::1", "::", "ff02::1",
                      "::1", "::ffff:10.9.0.1", "2001:db8::7"]

    # -- values ---------------------------------------------------------
    def rand_u32(self):
        return self.r.choice([0, 1, 2, 0x7fffffff, 0x80000000, 0xffffffff,
                              self.r.getrandbits(32), self.r.randrange(64)])

    def addr(self, v6):
        r = self.r
        if r.random() < 0.2:
            return os.urandom(16 if v6 else 4)
        pool = self.pool6 if v6 else self.pool4
        return socket.inet_pton(socket.AF_INET6 if v6 else socket.AF_INET,
                                r.choice(pool))

    def endpoints(self, atype, use_real=False):
        r = self.r
        if use_real and self.real:
            return g.endpoints(atype, *self.real)
        v6 = r.random() < 0.4
        kinds = [("LOCAL", v6), ("REMOTE", v6)]
        if r.random() < 0.15:  # mixed families
            kinds[1] = ("REMOTE", not v6)
        parts = []
        for side, six in kinds:
            if r.random() < 0.08:
                continue  # missing address
            t = C["ESPMOB_EP_A_%s_IPV%d" % (side, 6 if six else 4)]
            parts.append(g.nla(t, self.addr(six)))
        if r.random() < 0.1:
            parts.append(r.choice(parts) if parts else b"")  # duplicate
        return g.nest(atype, *parts)

    # Where run.sh's decoy peers start, and where they may be moved.
    DECOYS = {4: [("10.9.0.1", "10.9.0.2"), ("10.9.1.1", "10.9.1.2"),
                  ("10.9.2.1", "10.9.2.2"), ("10.9.0.1", "10.9.3.2")],
              6: [("fd09::1", "fd09::2"), ("fd09:1::1", "fd09:1::2")]}

    def decoy_move(self):
        """A well-formed migration of decoy SAs (which may not be there)."""
        r = self.r
        pairs = self.DECOYS[r.choice([4, 4, 6])]
        old, new = r.sample(pairs, 2)
        attrs = [g.endpoints(C["ESPMOB_A_OLD"], *old),
                 g.endpoints(C["ESPMOB_A_NEW"], *new)]
        if r.random() < 0.2:
            attrs.append(g.u32(C["ESPMOB_A_FLAGS"], C["ESPMOB_F_DRY_RUN"]))
        if r.random() < 0.2:
            attrs.append(g.u32(C["ESPMOB_A_REQID"], r.choice([32, 33, 48])))
        if r.random() < 0.15:
            mode = r.randrange(2)
            e = [g.u8(C["ESPMOB_ENCAP_A_MODE"], mode)]
            if mode:
                e += [g.u16(C["ESPMOB_ENCAP_A_LOCAL_PORT"], 4500),
                      g.u16(C["ESPMOB_ENCAP_A_REMOTE_PORT"],
                            r.choice([4500, 4501]))]
            attrs.append(g.nest(C["ESPMOB_A_ENCAP"], *e))
        return attrs, False

    # -- skeletons ------------------------------------------------------
    def migrate_skeleton(self):
        r = self.r
        if r.random() < 0.25:
            return self.decoy_move()
        use_real = self.real and r.random() < 0.3
        attrs = []
        if r.random() < 0.95:
            attrs.append(self.endpoints(C["ESPMOB_A_OLD"], use_real))
        if r.random() < 0.95:
            attrs.append(self.endpoints(C["ESPMOB_A_NEW"]))
        if r.random() < 0.3:
            n = r.choice([0, 1, 2, 5, 64, 65, 200])
            attrs += [g.u32(C["ESPMOB_A_SPI"],
                            r.choice([0, 0x1001, 0x1002, self.rand_u32()]))
                      for _ in range(n)]
        if r.random() < 0.3:
            attrs.append(g.u32(C["ESPMOB_A_REQID"], self.rand_u32()))
        if r.random() < 0.2:
            m = [g.u32(C["ESPMOB_MARK_A_VALUE"], self.rand_u32())]
            if r.random() < 0.5:
                m.append(g.u32(C["ESPMOB_MARK_A_MASK"], self.rand_u32()))
            attrs.append(g.nest(C["ESPMOB_A_MARK"], *m))
        if r.random() < 0.2:
            attrs.append(g.u32(C["ESPMOB_A_IF_ID"], self.rand_u32()))
        if r.random() < 0.3:
            e = [g.u8(C["ESPMOB_ENCAP_A_MODE"], r.randrange(4))]
            for a in ("ESPMOB_ENCAP_A_LOCAL_PORT",
                      "ESPMOB_ENCAP_A_REMOTE_PORT"):
                if r.random() < 0.7:
                    e.append(g.u16(C[a], r.choice([0, 1, 4500, 65535])))
            attrs.append(g.nest(C["ESPMOB_A_ENCAP"], *e))
        if not use_real and r.random() < 0.5:
            dry = r.random() < 0.4
            attrs.append(g.u32(C["ESPMOB_A_FLAGS"],
                               C["ESPMOB_F_DRY_RUN"] if dry
                               else self.rand_u32()))
        if r.random() < 0.25:
            for _ in range(r.choice([0, 1, 3, 64, 65])):
                p = []
                if r.random() < 0.9:
                    p.append(g.u32(C["ESPMOB_POL_A_INDEX"],
                                   r.choice([0, 1, 8, 9, 16, 17,
                                             self.rand_u32()])))
                if r.random() < 0.9:
                    p.append(g.u8(C["ESPMOB_POL_A_DIR"], r.randrange(6)))
                if r.random() < 0.2:
                    p.append(g.u8(C["ESPMOB_POL_A_TYPE"], r.randrange(3)))
                attrs.append(g.nest(C["ESPMOB_A_POLICY"], *p))
        if r.random() < 0.05:  # attributes only replies may carry
            attrs.append(g.u32(r.choice([C["ESPMOB_A_ABI_VERSION"],
                                         C["ESPMOB_A_STATS"],
                                         C["ESPMOB_A_RESULT"]]), 1))
        r.shuffle(attrs)
        return attrs, use_real

    # -- mutations ------------------------------------------------------
    def mutate_attr(self, a):
        r = self.r
        if len(a) < 4:
            return a
        alen, atype = struct.unpack_from("=HH", a)
        payload = a[4:alen]
        k = r.randrange(9)
        if k == 0:  # truncate the payload
            payload = payload[:r.randrange(len(payload) + 1)]
        elif k == 1:  # oversize
            payload += os.urandom(r.choice([1, 3, 4, 100, 4000]))
        elif k == 2:  # flip the nested flag
            atype ^= g.NLA_F_NESTED
        elif k == 3:  # other type
            atype = (atype & g.NLA_F_NESTED) | r.choice(
                [0, r.randrange(1, 16), 0x3fff, 0x7fff])
        elif k == 4:  # corrupt bytes
            if payload:
                b = bytearray(payload)
                for _ in range(r.randrange(1, 4)):
                    b[r.randrange(len(b))] = r.randrange(256)
                payload = bytes(b)
        elif k == 5:  # lie about the length
            hdr = struct.pack("=HH", r.choice(
                [0, 1, 3, 4, min(alen + 4, 0xffff), 0xffff]), atype)
            return hdr + payload
        elif k == 6:  # mutate the children of a nest
            kids = self.split(payload)
            if kids:
                i = r.randrange(len(kids))
                kids[i] = self.mutate_attr(kids[i])
                payload = b"".join(kids)
        elif k == 7:  # nest it one level deeper
            return g.nest(atype & ~g.NLA_F_NESTED, a)
        else:  # empty
            payload = b""
        return g.nla(atype, payload)

    @staticmethod
    def split(buf):
        out, off = [], 0
        while off + 4 <= len(buf):
            alen = struct.unpack_from("=H", buf, off)[0]
            if alen < 4:
                break
            step = (alen + 3) & ~3
            out.append(buf[off:off + step])
            off += step
        return out

    def attrs(self, cmd):
        r = self.r
        attrs, use_real = [], False
        if cmd == C["ESPMOB_CMD_MIGRATE"] or r.random() < 0.3:
            attrs, use_real = self.migrate_skeleton()
        for _ in range(r.choice([0, 0, 1, 1, 2, 4])):
            if not attrs:
                break
            k = r.randrange(4)
            i = r.randrange(len(attrs))
            if k == 0:
                del attrs[i]
            elif k == 1:
                attrs.insert(i, attrs[i])
            else:
                attrs[i] = self.mutate_attr(attrs[i])
        if r.random() < 0.03 and not use_real:
            attrs.append(os.urandom(r.randrange(1, 64)))
        if use_real:
            # Never a real move: the dry-run flag goes last, unmutated
            # (a later duplicate would override an earlier one).
            attrs.append(g.u32(C["ESPMOB_A_FLAGS"], C["ESPMOB_F_DRY_RUN"]))
        return b"".join(attrs)

    def message(self, family, seq):
        r = self.r
        cmd = r.choices([C["ESPMOB_CMD_MIGRATE"], C["ESPMOB_CMD_GET_INFO"],
                         C["ESPMOB_CMD_MIGRATE_NTF"], 0, r.randrange(256)],
                        [60, 15, 5, 5, 15])[0]
        body = struct.pack("=BBH", cmd, r.choice([1, 1, 1, 0, 2, 255]),
                           0) + self.attrs(cmd)
        flags = g.NLM_F_REQUEST | g.NLM_F_ACK
        if r.random() < 0.1:
            flags = r.choice([g.NLM_F_REQUEST, g.NLM_F_REQUEST | g.NLM_F_DUMP
                              | g.NLM_F_ACK, r.getrandbits(16)
                              | g.NLM_F_REQUEST | g.NLM_F_ACK])
        mtype = family if r.random() > 0.02 else r.randrange(0x10, 0x40)
        msg = struct.pack("=IHHII", 16 + len(body), mtype, flags, seq,
                          0) + body
        if r.random() < 0.02:
            # Lie in nlmsg_len or cut the message: the kernel drops
            # what does not fit without an answer.
            flags = 0
            if r.random() < 0.5:
                msg = struct.pack("=I", r.choice([0, 15, 17, len(msg) + 8,
                                                  0xffffffff])) + msg[4:]
            else:
                msg = msg[:r.randrange(len(msg))]
        return cmd, flags, msg


def enter_netns(netns):
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open("/run/netns/" + netns, os.O_RDONLY)
    if libc.setns(fd, 0x40000000) != 0:
        raise OSError(ctypes.get_errno(), "setns " + netns)
    os.close(fd)


def mcast_group(sock, name):
    msgs = sock.request(g.GENL_ID_CTRL, g.CTRL_CMD_GETFAMILY,
                        g.nla(g.CTRL_ATTR_FAMILY_NAME,
                              b"esp_mobility\0"))
    for _, payload in msgs:
        for atype, data in g.parse_attrs(payload[4:]):
            if atype != CTRL_ATTR_MCAST_GROUPS:
                continue
            for _, grp in g.parse_attrs(data):
                d = dict(g.parse_attrs(grp))
                gname = d.get(CTRL_ATTR_MCAST_GRP_NAME, b"").rstrip(b"\0")
                if gname == name.encode():
                    return struct.unpack("=I", d[CTRL_ATTR_MCAST_GRP_ID])[0]
    return None


def wait_ack(sock, seq, timeout):
    """errno of the answer to seq (0: ack), or None on timeout."""
    end = time.monotonic() + timeout
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return None
        ready, _, _ = select.select([sock], [], [], left)
        if not ready:
            return None
        try:
            data = sock.recv(1 << 16)
        except OSError as e:
            return e.errno
        off = 0
        while off + 16 <= len(data):
            mlen, mtype, _, mseq, _ = struct.unpack_from("=IHHII", data, off)
            if mlen < 16:
                break
            if mseq == seq and mtype in (g.NLMSG_ERROR, g.NLMSG_DONE):
                if mtype == g.NLMSG_DONE:
                    return 0
                return -struct.unpack_from("=i", data, off + 16)[0]
            off += (mlen + 3) & ~3


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--netns")
    ap.add_argument("--real", help="OLD_LOCAL,OLD_REMOTE of the real SAs")
    ap.add_argument("--moves", help="append accidental migrations here")
    ap.add_argument("--summary", help="write a JSON summary here")
    args = ap.parse_args()
    if args.netns:
        enter_netns(args.netns)
    seed = args.seed if args.seed is not None else int.from_bytes(
        os.urandom(4), "little")
    rnd = random.Random(seed)
    real = tuple(args.real.split(",")) if args.real else None
    fz = Fuzzer(rnd, real)

    ctl = g.Genl()
    family = ctl.resolve("esp_mobility")
    mon = None
    try:
        grp = mcast_group(ctl, "migrate")
        if grp:
            mon = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                g.NETLINK_GENERIC)
            mon.bind((0, 0))
            mon.setsockopt(g.SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, grp)
            mon.setblocking(False)
    except OSError:
        mon = None  # unprivileged: joining needs CAP_NET_ADMIN
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                         g.NETLINK_GENERIC)
    sock.bind((0, 0))
    for opt in (g.NETLINK_CAP_ACK, g.NETLINK_EXT_ACK):
        sock.setsockopt(g.SOL_NETLINK, opt, 1)

    outcomes = collections.Counter()
    hangs, moves, notifications = 0, 0, 0
    seq = 1000
    sent = 0
    end = time.monotonic() + args.seconds
    movelog = open(args.moves, "a") if args.moves else None
    while time.monotonic() < end:
        seq += 1
        cmd, flags, msg = fz.message(family, seq)
        try:
            sock.send(msg)
        except OSError as e:
            outcomes["send:" + errno.errorcode.get(e.errno, str(e.errno))] += 1
            continue
        sent += 1
        if flags & g.NLM_F_ACK and flags & g.NLM_F_REQUEST:
            err = wait_ack(sock, seq, 5.0)
        else:
            err = wait_ack(sock, seq, 0.05)
            if err is None:
                err = "noack"
        if err is None:
            hangs += 1
            outcomes["timeout"] += 1
        else:
            outcomes[errno.errorcode.get(err, str(err))] += 1
        if err == 0 and cmd == C["ESPMOB_CMD_MIGRATE"] and len(msg) > 20:
            body = msg[20:]
            dry = any(t == C["ESPMOB_A_FLAGS"] and len(d) >= 4 and
                      struct.unpack("=I", d[:4])[0] & C["ESPMOB_F_DRY_RUN"]
                      for t, d in g.parse_attrs(body))
            if not dry:
                moves += 1
                if movelog:
                    movelog.write(body.hex() + "\n")
                    movelog.flush()
        if mon:
            try:
                while mon.recv(1 << 16, socket.MSG_DONTWAIT):
                    notifications += 1
            except (BlockingIOError, OSError):
                pass
    summary = {"seed": seed, "uid": os.getuid(), "sent": sent,
               "seconds": args.seconds, "timeouts": hangs,
               "moves": moves, "notifications": notifications,
               "outcomes": dict(outcomes.most_common())}
    print(json.dumps(summary))
    if args.summary:
        with open(args.summary, "w") as f:
            json.dump(summary, f)
    return 1 if hangs else 0


if __name__ == "__main__":
    sys.exit(main())
