# SPDX-License-Identifier: GPL-2.0
"""Minimal generic netlink client for the esp_mobility family.

Used by the debug lane (alloc-sweep, fuzz-genl): raw AF_NETLINK sockets and
hand-built attributes, so that requests can be malformed on purpose. The
numbers come from the family's YNL spec (scripts/espmob_spec.py), which
scripts/ynl-check holds the uapi header and the module to.
"""
import errno
import os
import socket
import struct
import sys

NETLINK_GENERIC = 16
SOL_NETLINK = 270
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11
NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLM_F_DUMP = 0x300
NLMSG_ERROR = 2
NLMSG_DONE = 3
NLA_F_NESTED = 0x8000
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
NLMSGERR_ATTR_MSG = 1

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "scripts"))
import espmob_spec  # noqa: E402

# Every number of the family, by its uapi C name, from the YNL spec.
C = espmob_spec.spec().c_names()


def nla(atype, payload):
    """One attribute, padded to 4 bytes."""
    hdr = struct.pack("=HH", min(4 + len(payload), 0xffff), atype)
    pad = (-len(payload)) % 4
    return hdr + payload + b"\0" * pad


def nest(atype, *children):
    return nla(atype | NLA_F_NESTED, b"".join(children))


def u8(atype, v):
    return nla(atype, struct.pack("=B", v))


def u16(atype, v):
    return nla(atype, struct.pack("=H", v))


def u32(atype, v):
    return nla(atype, struct.pack("=I", v))


def addr(atype, text):
    fam = socket.AF_INET6 if ":" in text else socket.AF_INET
    return nla(atype, socket.inet_pton(fam, text))


def parse_attrs(buf):
    """[(type, payload)] of a flat attribute stream."""
    out = []
    off = 0
    while off + 4 <= len(buf):
        alen, atype = struct.unpack_from("=HH", buf, off)
        if alen < 4:
            break
        out.append((atype & ~NLA_F_NESTED, buf[off + 4:off + alen]))
        off += (alen + 3) & ~3
    return out


def endpoints(atype, local, remote):
    """ESPMOB_A_OLD / ESPMOB_A_NEW nest for one address pair."""
    v6 = ":" in local
    la = C["ESPMOB_EP_A_LOCAL_IPV6" if v6 else "ESPMOB_EP_A_LOCAL_IPV4"]
    ra = C["ESPMOB_EP_A_REMOTE_IPV6" if v6 else "ESPMOB_EP_A_REMOTE_IPV4"]
    return nest(atype, addr(la, local), addr(ra, remote))


class NetlinkError(Exception):
    def __init__(self, err, msg=""):
        super().__init__(err, msg)
        self.errno = err
        self.msg = msg


class Genl:
    """A generic netlink socket bound to one family."""

    def __init__(self, family=None, timeout=10.0):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                  NETLINK_GENERIC)
        # A kernel-side receive timeout: with settimeout() Python would
        # poll() before every send and recv, and the fault-injection sweep
        # wants the request's sendmsg() to be the next system call.
        sec = int(timeout)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO,
                             struct.pack("=qq", sec,
                                         int((timeout - sec) * 1e6)))
        for opt in (NETLINK_CAP_ACK, NETLINK_EXT_ACK):
            try:
                self.sock.setsockopt(SOL_NETLINK, opt, 1)
            except OSError:
                pass
        self.sock.bind((0, 0))
        self.seq = 1
        self.family = None
        if family:
            self.family = self.resolve(family)

    def close(self):
        self.sock.close()

    def resolve(self, name):
        msgs = self.request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                            nla(CTRL_ATTR_FAMILY_NAME, name.encode() + b"\0"))
        for _, payload in msgs:
            for atype, data in parse_attrs(payload[4:]):
                if atype == CTRL_ATTR_FAMILY_ID:
                    return struct.unpack("=H", data[:2])[0]
        raise NetlinkError(errno.ENOENT, "family %s not found" % name)

    def build(self, mtype, cmd, attrs=b"", flags=NLM_F_REQUEST | NLM_F_ACK,
              version=1, seq=None):
        if seq is None:
            seq = self.seq
            self.seq += 1
        body = struct.pack("=BBH", cmd, version, 0) + attrs
        return struct.pack("=IHHII", 16 + len(body), mtype, flags, seq,
                           0) + body

    def send_raw(self, data):
        self.sock.send(data)

    def recv_until_ack(self, want_seq=None):
        """Reads replies up to the ack (or error) of the request.

        Returns the [(nlmsg_type, payload)] before the ack. Raises
        NetlinkError on an error ack or a socket error (ENOBUFS...)."""
        msgs = []
        while True:
            data = self.sock.recv(65536)
            off = 0
            while off + 16 <= len(data):
                mlen, mtype, mflags, mseq, _ = struct.unpack_from(
                    "=IHHII", data, off)
                if mlen < 16:
                    raise NetlinkError(errno.EPROTO, "short message")
                payload = data[off + 16:off + mlen]
                off += (mlen + 3) & ~3
                if want_seq is not None and mseq != want_seq:
                    continue
                if mtype == NLMSG_ERROR:
                    err = -struct.unpack_from("=i", payload)[0]
                    if err:
                        raise NetlinkError(err, self._extack(payload,
                                                             mflags))
                    return msgs
                if mtype == NLMSG_DONE:
                    return msgs
                msgs.append((mtype, payload))

    @staticmethod
    def _extack(payload, mflags):
        # struct nlmsgerr: error + the request's header (capped: CAP_ACK),
        # then TLVs when NLM_F_ACK_TLVS (0x200) is set.
        if not mflags & 0x200:
            return ""
        for atype, data in parse_attrs(payload[4 + 16:]):
            if atype == NLMSGERR_ATTR_MSG:
                return data.rstrip(b"\0").decode(errors="replace")
        return ""

    def request(self, mtype, cmd, attrs=b"", flags=NLM_F_REQUEST | NLM_F_ACK):
        seq = self.seq
        self.send_raw(self.build(mtype, cmd, attrs, flags))
        return self.recv_until_ack(seq)

    def do(self, cmd, attrs=b"", flags=NLM_F_REQUEST | NLM_F_ACK):
        return self.request(self.family, cmd, attrs, flags)


def migrate_attrs(old, new, spis=(), reqid=None, dry_run=False, encap=None):
    """A MIGRATE request's attributes. old/new: (local, remote)."""
    a = endpoints(C["ESPMOB_A_OLD"], *old) + endpoints(C["ESPMOB_A_NEW"],
                                                       *new)
    if spis:
        a += b"".join(u32(C["ESPMOB_A_SPI"], s) for s in spis)
    if reqid:
        a += u32(C["ESPMOB_A_REQID"], reqid)
    if dry_run:
        a += u32(C["ESPMOB_A_FLAGS"], C["ESPMOB_F_DRY_RUN"])
    if encap is not None:
        mode, lport, rport = encap
        parts = [u8(C["ESPMOB_ENCAP_A_MODE"], mode)]
        if lport:
            parts.append(u16(C["ESPMOB_ENCAP_A_LOCAL_PORT"], lport))
        if rport:
            parts.append(u16(C["ESPMOB_ENCAP_A_REMOTE_PORT"], rport))
        a += nest(C["ESPMOB_A_ENCAP"], *parts)
    return a


def parse_result(msgs):
    """{states, policies, duration_ns, dry_run} of a MIGRATE reply."""
    res = {}
    for _, payload in msgs:
        for atype, data in parse_attrs(payload[4:]):
            if atype != C["ESPMOB_A_RESULT"]:
                continue
            for rtype, rdata in parse_attrs(data):
                if rtype == C["ESPMOB_RESULT_A_STATES"]:
                    res["states"] = struct.unpack("=I", rdata[:4])[0]
                elif rtype == C["ESPMOB_RESULT_A_POLICIES"]:
                    res["policies"] = struct.unpack("=I", rdata[:4])[0]
                elif rtype == C["ESPMOB_RESULT_A_DURATION_NS"]:
                    res["duration_ns"] = struct.unpack("=Q", rdata[:8])[0]
                elif rtype == C["ESPMOB_RESULT_A_DRY_RUN"]:
                    res["dry_run"] = True
    return res
