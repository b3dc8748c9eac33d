#!/usr/bin/python3 -S
# SPDX-License-Identifier: GPL-2.0
"""A scripted stand-in for charon's VICI socket, for selftests/charon_bridge.sh.

Usage: fake_vici.py SOCKET SPI_IN SPI_OUT REQID OLD_LOCAL OLD_REMOTE < CONTROL

Answers what `espmob vici` asks when it starts (version, event
registrations, list-sas with one IKE_SA "mob" holding one tunnel-mode ESP
CHILD_SA with the given SPIs, reqid and endpoints), then acts on lines read
from CONTROL:

  update NEW_LOCAL NEW_REMOTE NAT   raise ike-update (NAT: yes or no); the
                                    IKE_SA's current hosts are the old ones
  garbage                           send a segment with a malformed message
  cut                               announce 100 bytes, send 10, hang up
  huge                              announce a 1 MiB segment
  quit                              exit

After garbage, cut and huge the connection is closed and the next one
accepted. Prints one line per thing done on stdout.
"""

import os
import select
import socket
import struct
import sys

CMD_REQUEST, CMD_RESPONSE, CMD_UNKNOWN = 0, 1, 2
EVENT_REGISTER, EVENT_UNREGISTER, EVENT_CONFIRM, EVENT_UNKNOWN, EVENT = \
    3, 4, 5, 6, 7
KNOWN_EVENTS = {'ike-update', 'ike-updown', 'ike-rekey', 'child-updown',
                'child-rekey', 'list-sa', 'log'}


def name(s):
    b = s.encode()
    return bytes([len(b)]) + b


def kv(k, v):
    b = str(v).encode()
    return b'\x03' + name(k) + struct.pack('!H', len(b)) + b


def section(n, body):
    return b'\x01' + name(n) + body + b'\x02'


def packet(ptype, pname=None, msg=b''):
    data = bytes([ptype]) + (name(pname) if pname is not None else b'') + msg
    return struct.pack('!I', len(data)) + data


class State:
    def __init__(self, argv):
        (self.sock, spi_in, spi_out, self.reqid, self.local,
         self.remote) = argv
        self.spi_in, self.spi_out = int(spi_in, 0), int(spi_out, 0)
        self.nat = 'no'

    def ike_keys(self):
        return (kv('uniqueid', 1) + kv('version', 2) +
                kv('state', 'ESTABLISHED') +
                kv('local-host', self.local) + kv('local-port', 4500) +
                kv('remote-host', self.remote) + kv('remote-port', 4500) +
                (kv('nat-any', 'yes') if self.nat == 'yes' else b''))

    def list_sa(self):
        child = (kv('name', 'net') + kv('uniqueid', 1) +
                 kv('reqid', self.reqid) + kv('state', 'INSTALLED') +
                 kv('mode', 'TUNNEL') + kv('protocol', 'ESP') +
                 kv('spi-in', '%08x' % self.spi_in) +
                 kv('spi-out', '%08x' % self.spi_out))
        return section('mob', self.ike_keys() +
                       section('child-sas', section('net-1', child)))


def read_exact(conn, n):
    buf = b''
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def serve_request(st, conn):
    """Reads one segment from the bridge and answers it; False on EOF."""
    hdr = read_exact(conn, 4)
    if hdr is None:
        return False
    data = read_exact(conn, struct.unpack('!I', hdr)[0])
    if data is None:
        return False
    ptype = data[0]
    pname = data[2:2 + data[1]].decode() if ptype in (0, 3, 4) else ''
    if ptype == CMD_REQUEST and pname == 'version':
        conn.sendall(packet(CMD_RESPONSE, None, kv('daemon', 'charon') +
                            kv('version', 'fake')))
    elif ptype == CMD_REQUEST and pname == 'list-sas':
        conn.sendall(packet(EVENT, 'list-sa', st.list_sa()) +
                     packet(CMD_RESPONSE))
    elif ptype == CMD_REQUEST:
        conn.sendall(packet(CMD_UNKNOWN))
    elif ptype in (EVENT_REGISTER, EVENT_UNREGISTER):
        conn.sendall(packet(EVENT_CONFIRM if pname in KNOWN_EVENTS
                            else EVENT_UNKNOWN))
    print('request %d %s' % (ptype, pname), flush=True)
    return True


def control(st, conn, line):
    """Acts on one control line; returns False when conn must be closed."""
    words = line.split()
    if not words:
        return True
    if words[0] == 'update':
        new_local, new_remote, st.nat = words[1:4]
        msg = (kv('local-host', new_local) + kv('local-port', 4500) +
               kv('remote-host', new_remote) + kv('remote-port', 4500) +
               section('mob', st.ike_keys()))
        conn.sendall(packet(EVENT, 'ike-update', msg))
        st.local, st.remote = new_local, new_remote
    elif words[0] == 'garbage':
        conn.sendall(packet(EVENT, 'ike-update', b'\x05\x00\x00'))
        return False
    elif words[0] == 'cut':
        conn.sendall(struct.pack('!I', 100) + bytes([EVENT]) + b'\x01x' +
                     b'\x00' * 7)
        return False
    elif words[0] == 'huge':
        conn.sendall(struct.pack('!I', 1 << 20) + bytes([EVENT]))
        return False
    elif words[0] == 'quit':
        sys.exit(0)
    print('done %s' % words[0], flush=True)
    return True


def main():
    st = State(sys.argv[1:])
    try:
        os.unlink(st.sock)
    except OSError:
        pass
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(st.sock)
    srv.listen(1)
    print('listening', flush=True)
    pending = b''
    while True:
        conn, _ = srv.accept()
        print('connected', flush=True)
        alive = True
        while alive:
            r, _, _ = select.select([conn, 0], [], [])
            if conn in r and not serve_request(st, conn):
                alive = False
            if 0 in r:
                chunk = os.read(0, 4096)
                if not chunk:
                    sys.exit(0)
                pending += chunk
            while alive and b'\n' in pending:
                line, pending = pending.split(b'\n', 1)
                line = line.decode()
                if not control(st, conn, line):
                    print('done %s' % line.split()[0], flush=True)
                    alive = False
        conn.close()


if __name__ == '__main__':
    main()
