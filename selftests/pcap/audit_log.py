#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Read the kernel's audit records of IPsec changes (AUDIT_MAC_IPSEC_EVENT),
as auditd would, without auditd.

  audit_log.py listen OUT READY   enables auditing (remembering whether it
                                  was on), joins the audit read-log group,
                                  appends each IPsec record to OUT, one per
                                  line, touches READY when listening; on
                                  SIGTERM restores the previous setting
  audit_log.py status             prints 1 or 0: is auditing enabled

Needs CAP_AUDIT_CONTROL and CAP_AUDIT_READ, and the initial network
namespace (audit netlink lives there).
"""

import signal
import socket
import struct
import sys

NETLINK_AUDIT = 9
AUDIT_GET, AUDIT_SET = 1000, 1001
AUDIT_STATUS_ENABLED = 1
AUDIT_NLGRP_READLOG = 1
AUDIT_MAC_IPSEC_EVENT = 1415
NLM_F_REQUEST, NLM_F_ACK = 1, 4
SOL_NETLINK, NETLINK_ADD_MEMBERSHIP = 270, 1
# struct audit_status up to backlog_wait_time: 9 u32
STATUS = struct.Struct('9I')


def talk(sock, msg_type, payload=b''):
    sock.send(struct.pack('IHHII', 16 + len(payload), msg_type,
                          NLM_F_REQUEST | NLM_F_ACK, 1, 0) + payload)
    reply = None
    while True:
        data = sock.recv(65536)
        mlen, mtype = struct.unpack_from('IH', data)
        if mtype == 2:
            err = struct.unpack_from('i', data, 16)[0]
            if err:
                raise OSError(-err, 'audit request %d' % msg_type)
            if msg_type == AUDIT_SET or reply is not None:
                return reply
            continue
        reply = data[16:mlen]
        if msg_type == AUDIT_GET:
            return reply


def enabled(sock):
    st = talk(sock, AUDIT_GET)
    return STATUS.unpack_from(st.ljust(STATUS.size, b'\0'))[1]


def set_enabled(sock, on):
    talk(sock, AUDIT_SET, STATUS.pack(AUDIT_STATUS_ENABLED, on, 0, 0, 0, 0,
                                      0, 0, 0))


def main():
    ctl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_AUDIT)
    if sys.argv[1] == 'status':
        print(enabled(ctl))
        return
    out, ready = sys.argv[2:4]
    was = enabled(ctl)
    log = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_AUDIT)
    log.bind((0, 0))
    log.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, AUDIT_NLGRP_READLOG)
    set_enabled(ctl, 1)

    def stop(*_):
        set_enabled(ctl, was)
        sys.exit(0)
    signal.signal(signal.SIGTERM, stop)
    with open(ready, 'w'):
        pass
    with open(out, 'a') as f:
        while True:
            data = log.recv(65536)
            off = 0
            while off + 16 <= len(data):
                mlen, mtype = struct.unpack_from('IH', data, off)
                if mlen < 16:
                    break
                if mtype == AUDIT_MAC_IPSEC_EVENT:
                    text = data[off + 16:off + mlen].rstrip(b'\0')
                    f.write(text.decode(errors='replace') + '\n')
                    f.flush()
                off += (mlen + 3) & ~3


if __name__ == '__main__':
    main()
