#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Instantiate or remove a crypto template instance through the kernel's
crypto user netlink interface (NETLINK_CRYPTO), as crconf would.

  crypto_alg.py add NAME       e.g. "pcrypt(rfc4106(gcm(aes)))": the
                               instance is built and registered; prints ok
  crypto_alg.py del DRIVER     unregisters the instance with that driver
                               name (EBUSY while a transform uses it)

Prints "ok" or the errno name. The test uses pcrypt to make ESP's AEAD
asynchronous: pcrypt registers under the same algorithm name with a
higher priority, so SAs created afterwards decrypt in parallel workers.
"""

import errno
import socket
import struct
import sys

NETLINK_CRYPTO = 21
CRYPTO_MSG_NEWALG, CRYPTO_MSG_DELALG = 0x10, 0x11
NLM_F_REQUEST, NLM_F_ACK = 1, 4
CRYPTO_ALG_TYPE_AEAD, CRYPTO_ALG_TYPE_MASK = 0x3, 0xf
NAME_MAX = 64


def request(msg_type, name, driver):
    alg = struct.pack('64s64s64sIIII', name.encode(), driver.encode(), b'',
                      CRYPTO_ALG_TYPE_AEAD, CRYPTO_ALG_TYPE_MASK, 0, 0)
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_CRYPTO)
    s.send(struct.pack('IHHII', 16 + len(alg), msg_type,
                       NLM_F_REQUEST | NLM_F_ACK, 1, 0) + alg)
    data = s.recv(65536)
    mtype = struct.unpack_from('IH', data)[1]
    if mtype != 2:
        return 'EPROTO'
    err = struct.unpack_from('i', data, 16)[0]
    return 'ok' if err == 0 else errno.errorcode.get(-err, str(-err))


def main():
    op, arg = sys.argv[1:3]
    if op == 'add':
        print(request(CRYPTO_MSG_NEWALG, arg, ''))
    else:
        print(request(CRYPTO_MSG_DELALG, '', arg))


if __name__ == '__main__':
    main()
