#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Hold UDP sockets with UDP_ENCAP_ESPINUDP set, so that the kernel
decapsulates RFC 3948 ESP-in-UDP arriving on their ports (an IKE daemon
does this with its port-4500 socket).

  udpencap.py --ready FILE PORT... : binds each PORT on 0.0.0.0 and ::
  (IPV6_V6ONLY), writes FILE, then sleeps until SIGTERM/SIGINT.
"""

import argparse
import signal
import socket
import sys

UDP_ENCAP = 100
UDP_ENCAP_ESPINUDP = 2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--ready')
    ap.add_argument('ports', type=int, nargs='+')
    a = ap.parse_args()
    socks = []
    for port in a.ports:
        for fam, addr in ((socket.AF_INET, '0.0.0.0'),
                          (socket.AF_INET6, '::')):
            s = socket.socket(fam, socket.SOCK_DGRAM)
            if fam == socket.AF_INET6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s.bind((addr, port))
            s.setsockopt(socket.IPPROTO_UDP, UDP_ENCAP, UDP_ENCAP_ESPINUDP)
            socks.append(s)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if a.ready:
        with open(a.ready, 'w') as f:
            f.write('ready\n')
    while True:
        signal.pause()


if __name__ == '__main__':
    main()
