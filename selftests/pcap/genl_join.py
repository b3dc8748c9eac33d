#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Join a generic netlink family's multicast group and leave: prints "ok",
or the errno name the join failed with (EPERM when the group asks for a
capability the caller lacks).

  genl_join.py FAMILY GROUP

Raw netlink, so that what is tested is the kernel's check, not espmob's.
"""

import errno
import socket
import struct
import sys

NETLINK_GENERIC, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP = 16, 270, 1
GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 0x10, 3
CTRL_ATTR_FAMILY_NAME, CTRL_ATTR_MCAST_GROUPS = 2, 7
CTRL_ATTR_MCAST_GRP_NAME, CTRL_ATTR_MCAST_GRP_ID = 1, 2


def attrs(buf):
    while len(buf) >= 4:
        alen, atype = struct.unpack_from('HH', buf)
        if alen < 4:
            return
        yield atype & 0x3fff, buf[4:alen]
        buf = buf[(alen + 3) & ~3:]


def group_id(sock, family, group):
    name = family.encode() + b'\0'
    a = struct.pack('HH', 4 + len(name), CTRL_ATTR_FAMILY_NAME) + name
    a += b'\0' * (-len(a) % 4)
    msg = struct.pack('BBH', CTRL_CMD_GETFAMILY, 1, 0) + a
    sock.send(struct.pack('IHHII', 16 + len(msg), GENL_ID_CTRL, 1, 1, 0) + msg)
    data = sock.recv(65536)
    mlen, mtype = struct.unpack_from('IH', data)
    if mtype == 2:
        raise OSError(-struct.unpack_from('i', data, 16)[0], 'GETFAMILY')
    for t, v in attrs(data[20:mlen]):
        if t != CTRL_ATTR_MCAST_GROUPS:
            continue
        for _, grp in attrs(v):
            g = dict(attrs(grp))
            if g[CTRL_ATTR_MCAST_GRP_NAME].rstrip(b'\0').decode() == group:
                return struct.unpack('I', g[CTRL_ATTR_MCAST_GRP_ID])[0]
    raise LookupError('%s has no group %s' % (family, group))


def main():
    family, group = sys.argv[1:3]
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    try:
        gid = group_id(s, family, group)
        s.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, gid)
    except OSError as e:
        print(errno.errorcode.get(e.errno, str(e.errno)))
        return
    print('ok')


if __name__ == '__main__':
    main()
