#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Allocation-failure sweep of one MIGRATE request (debug lane).

Sets up a peer's SAs and policies in a fresh netns, then makes allocation
1, 2, 3, ... of the same MIGRATE request fail until a request runs without
an injected failure:
  --mode failnth  /proc/self/task/<tid>/fail-nth (failslab, every slab
                  allocation of the request's syscall: netlink core,
                  genetlink, the module, XFRM)
  --mode step     the test flavour's own fail_step file in the sweep's
                  netns (its Nth fallible step fails with -ENOMEM)
After each failed request the normalised `ip -s xfrm state/policy` must
equal the snapshot taken before it; a request that succeeded although a
failure was injected must leave the same tables as the final, clean
request. Prints TAP lines (numbering starts at --first).
"""
import argparse
import ctypes
import errno
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import espmob_genl as g  # noqa: E402
import xfrm_snapshot as xs  # noqa: E402

CLONE_NEWNET = 0x40000000
GCM = "aead 'rfc4106(gcm(aes))' 0x%040x 128"
CBC = "enc 'cbc(aes)' 0x%032x auth-trunc 'hmac(sha256)' 0x%064x 128" % (
    0x00112233445566778899aabbccddeeff, 0x0123456789abcdef << 192 | 1)

PEERS = {
    4: (("10.0.0.1", "10.0.0.2"), ("10.0.1.1", "10.0.1.2"), "10.0.0.3",
        ("192.168.1.0/24", "192.168.2.0/24", "192.168.4.0/24"), "24"),
    6: (("fd00::1", "fd00::2"), ("fd01::1", "fd01::2"), "fd00::3",
        ("fd10:1::/64", "fd10:2::/64", "fd10:4::/64"), "64"),
}


def setup_batch(family):
    (ol, orr), (nl, nr), other, (lnet, rnet, onet), plen = PEERS[family]
    key = 0x0123456789abcdef0123456789abcdef01234567
    b = ["link add dummy0 type dummy", "link set dummy0 up",
         "addr add %s/%s dev dummy0" % (ol, plen),
         "addr add %s/%s dev dummy0" % (nl, plen)]
    sa = "xfrm state add src %s dst %s proto esp spi %#x reqid %d mode %s %s"
    # CHILD SA 1: tunnel mode, AES-GCM
    b.append(sa % (ol, orr, 0x1001, 1, "tunnel", GCM % key))
    b.append(sa % (orr, ol, 0x1002, 1, "tunnel", GCM % (key + 1)))
    # CHILD SA 2: transport mode, AES-CBC + HMAC-SHA256
    b.append(sa % (ol, orr, 0x2001, 2, "transport", CBC))
    b.append(sa % (orr, ol, 0x2002, 2, "transport", CBC))
    # CHILD SA 3: tunnel mode in UDP (NAT-T)
    if family == 4:
        nat = "encap espinudp 4500 4500 0.0.0.0 " + GCM % key
        b.append(sa % (ol, orr, 0x3001, 3, "tunnel", nat))
        b.append(sa % (orr, ol, 0x3002, 3, "tunnel", nat))
    # another peer: must never move
    b.append(sa % (ol, other, 0x4001, 4, "tunnel", GCM % key))
    b.append(sa % (other, ol, 0x4002, 4, "tunnel", GCM % key))
    pol = "xfrm policy add src %s dst %s %sdir %s tmpl src %s dst %s " \
          "proto esp reqid %d mode %s"
    b.append(pol % (lnet, rnet, "", "out", ol, orr, 1, "tunnel"))
    b.append(pol % (rnet, lnet, "", "in", orr, ol, 1, "tunnel"))
    b.append(pol % (rnet, lnet, "", "fwd", orr, ol, 1, "tunnel"))
    b.append(pol % (ol, orr, "proto udp ", "out", ol, orr, 2, "transport"))
    b.append(pol % (orr, ol, "proto udp ", "in", orr, ol, 2, "transport"))
    b.append(pol % (lnet, onet, "", "out", ol, other, 4, "tunnel"))
    b.append(pol % (onet, lnet, "", "in", other, ol, 4, "tunnel"))
    return "\n".join(b) + "\n"


def ip(netns, *args, stdin=None):
    p = subprocess.run(["ip", "-n", netns] + list(args), input=stdin,
                       text=True, capture_output=True)
    if p.returncode:
        raise RuntimeError("ip -n %s %s: %s" % (netns, " ".join(args),
                                                 p.stderr.strip()))
    return p


def reset_tables(netns, batch):
    # one ip process: each exec costs about a second in the debug guest
    cmds = ["xfrm policy flush", "xfrm state flush"]
    cmds += [ln for ln in batch.splitlines() if ln.startswith("xfrm")]
    ip(netns, "-batch", "-", stdin="\n".join(cmds) + "\n")


def enter_netns(netns):
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open("/run/netns/" + netns, os.O_RDONLY)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns " + netns)
    os.close(fd)


class FailNth:
    """fail-nth of the calling thread: arm(N) fails its Nth fault point."""

    def __init__(self):
        path = "/proc/self/task/%d/fail-nth" % threading.get_native_id()
        # One descriptor for both directions: opening the file allocates,
        # and while armed those allocations would count (and could fail).
        # It has no llseek in 6.1, but pread at offset 0 works.
        self.fd = os.open(path, os.O_RDWR)

    def arm(self, n):
        os.write(self.fd, b"%d" % n)

    def left(self):
        val = int(os.pread(self.fd, 32, 0) or b"0")
        self.arm(0)
        return val


class FailStep:
    # the calling thread's netns: armed after enter_netns()
    PATH = "/proc/thread-self/net/esp_mobility_fail_step"

    def arm(self, n):
        with open(self.PATH, "w") as f:
            f.write("%d" % n)

    def left(self):
        return None  # known from the request's outcome only


def debugfs_write(path, val):
    try:
        with open("/sys/kernel/debug/" + path, "w") as f:
            f.write(val)
    except OSError as e:
        print("# cannot set %s: %s" % (path, e))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=("failnth", "step"), default="failnth")
    ap.add_argument("--family", type=int, choices=(4, 6), default=4)
    ap.add_argument("--max", type=int, default=400)
    ap.add_argument("--first", type=int, default=1)
    ap.add_argument("--log", default=None)
    args = ap.parse_args()

    netns = "sweep%d-%d" % (args.family, os.getpid())
    subprocess.run(["ip", "netns", "add", netns], check=True)
    n_test = args.first
    log = open(args.log, "a", buffering=1) if args.log else sys.stdout
    name = "alloc sweep (%s, IPv%d)" % (args.mode, args.family)
    try:
        batch = setup_batch(args.family)
        ip(netns, "-batch", "-", stdin=batch)
        enter_netns(netns)
        sock = g.Genl("esp_mobility")
        old, new = PEERS[args.family][0], PEERS[args.family][1]
        req = g.migrate_attrs(old, new)
        if args.mode == "failnth":
            # Slab allocations that may sleep are exempt by default; a
            # stack dump per injected failure would fail the dmesg check.
            debugfs_write("failslab/ignore-gfp-wait", "N")
            debugfs_write("failslab/verbose", "0")
            debugfs_write("fail_page_alloc/verbose", "0")
            inj = FailNth()
        else:
            inj = FailStep()

        before = xs.snapshot(keep_index=True)
        problems, points = [], 0
        injected_ok = []
        final = None
        t0 = time.monotonic()
        for n in range(1, args.max + 1):
            err, msg = 0, ""
            inj.arm(n)
            try:
                sock.do(g.C["ESPMOB_CMD_MIGRATE"], req)
            except g.NetlinkError as e:
                err, msg = e.errno, e.msg
            except OSError as e:  # ENOBUFS: the ack could not be sent
                err, msg = e.errno, "socket error"
            left = inj.left()
            if left is None:  # step mode: an injected step fails ENOMEM
                injected = err == errno.ENOMEM and n > 0
            else:
                injected = left == 0
            after = xs.snapshot(keep_index=True)
            print("# n=%d injected=%s err=%s %s" % (n, injected,
                  errno.errorcode.get(err, err), msg), file=log)
            if not injected:
                final = (err, msg, after)
                break
            points += 1
            if err and err != errno.ENOBUFS:
                if after != before:
                    problems.append((n, err, msg, xs.diff(before, after)))
                    reset_tables(netns, batch)
                    before = xs.snapshot(keep_index=True)
            else:
                # Succeeded (or outcome unknown) despite the failure:
                # compare with the clean request's result at the end.
                if after != before:
                    injected_ok.append((n, err, after))
                    reset_tables(netns, batch)
                    before = xs.snapshot(keep_index=True)
                elif not err:
                    problems.append((n, 0, "reported success but nothing "
                                     "changed", []))
        secs = time.monotonic() - t0

        if final is None:
            print("not ok %d - %s: no clean request within %d injections"
                  % (n_test, name, args.max))
            return 1
        ferr, fmsg, fafter = final
        if ferr == errno.EOPNOTSUPP:
            print("ok %d - %s # SKIP MIGRATE not implemented" % (n_test, name))
            return 0
        rc = 0
        orph = xs.orphans(fafter)
        if ferr or orph or fafter == before:
            print("not ok %d - %s: clean request: %s %s%s" % (
                n_test, name, errno.errorcode.get(ferr, ferr), fmsg,
                " (nothing moved)" if fafter == before else ""))
            for o in orph:
                print("#   orphan policy: " + o)
            rc = 1
        else:
            print("ok %d - %s: clean request migrates, no orphan policy"
                  % (n_test, name))
        n_test += 1
        ref = {w: xs.normalise("\n".join(v), False) for w, v in fafter.items()}
        for n, err, after in injected_ok:
            cmp = {w: xs.normalise("\n".join(v), False)
                   for w, v in after.items()}
            if cmp != ref:
                problems.append((n, err, "succeeded with an injected failure "
                                 "but the tables differ from a clean run",
                                 xs.diff(ref, cmp)))
        if problems:
            print("not ok %d - %s: %d of %d injected failures left the "
                  "tables changed" % (n_test, name, len(problems), points))
            for n, err, msg, d in problems:
                print("#   failure at allocation/step %d: %s %s" % (
                    n, errno.errorcode.get(err, err), msg))
                for line in d[:20]:
                    print("#     " + line)
            rc = 1
        else:
            print("ok %d - %s: %d injected failures, tables unchanged after "
                  "each (%d succeeded anyway, as a clean run) in %.0f s"
                  % (n_test, name, points, len(injected_ok), secs))
        return rc
    finally:
        if args.mode == "failnth":
            debugfs_write("failslab/ignore-gfp-wait", "Y")
        subprocess.run(["ip", "netns", "del", netns])


if __name__ == "__main__":
    sys.exit(main())
