#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# migrate_sa_binding.sh: what newer kernels (6.12) bind an SA to survives
# a migration: its direction (XFRMA_SA_DIR), the CPU of a per-CPU SA
# (XFRMA_SA_PCPU) and the NAT keepalives the kernel sends for an outbound
# UDP-encapsulated SA (XFRMA_NAT_KEEPALIVE_INTERVAL).
#
# A tunnel-mode CHILD SA between T and S, ESP in UDP 4500 <-> 4500. T's
# two SAs are installed over raw netlink (pcap/xfrm_sa.py; Debian 12's
# iproute2 knows none of these attributes): out with dir out and a 1 s
# keepalive interval, in with dir in and pcpu 0. T moves from link A to B
# and both ends migrate. Then T's SAs at the new address have the same
# direction, CPU and interval, traffic flows both ways through them (an
# inbound SA bound to "in" accepts; a wrong direction would drop), and
# T sends NAT keepalives (UDP 4500 -> 4500, one 0xff byte) from its new
# address. Skipped on a kernel without SA directions (6.1).
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_xfrm.sh"

require_root
require_cmd tcpdump
xf_require_migrate

sa_py() { "$IP" netns exec "$NS_T" "$XF_PY" -S "$XF_PCAP/xfrm_sa.py" "$@"; }

if ! xf_topo || ! xf_tunnel 4 encap=4500:4500 ||
	! xf_encap_sockets "$NS_T" 4500 || ! xf_encap_sockets "$NS_S" 4500; then
	not_ok "setup"
	tap_finish
fi

# T's SAs again, with what only raw netlink can set.
"$IP" -n "$NS_T" xfrm state deleteall
# A kernel that does not know XFRMA_SA_DIR (6.1) ignores it: the SA then
# shows no direction.
if out=$(sa_py add "$TA4" "$S4" 0x1001 1 "$TI4/32" "$SI4/32" \
	"$(xf_key 0x1001)" dir out encap 4500 4500 keepalive 1 2>&1) &&
	[ "$(sa_py show "$S4" 0x1001 2>&1)" = "dir=none keepalive=0 pcpu=none" ]; then
	skip_all "the kernel ignores XFRMA_SA_DIR (no SA directions)"
fi
if [ -n "$out" ] || ! out=$(sa_py add "$S4" "$TA4" 0x2001 1 "$SI4/32" \
	"$TI4/32" "$(xf_key 0x2001)" dir in encap 4500 4500 pcpu 0 2>&1); then
	not_ok "setup: T's SAs with direction, keepalive and CPU" "$out"
	tap_finish
fi
ok "setup: T's SAs with direction, keepalive and CPU"

# bursts both ways; T's inbound SA and S's must count them
flows() {
	local o_t o_s
	o_t=$(xf_sa_packets "$NS_T" 0x2001 "$1") o_s=$(xf_sa_packets "$NS_S" 0x1001 "$S4")
	xf_burst "$NS_S" "$TI4" 5001 10
	xf_burst "$NS_T" "$SI4" 5002 10
	_grown() {
		[ $(($(xf_sa_packets "$NS_T" 0x2001 "$1") - o_t)) -ge 10 ] &&
			[ $(($(xf_sa_packets "$NS_S" 0x1001 "$S4") - o_s)) -ge 10 ]
	}
	wait_for 30 _grown "$1"
}

check "traffic flows both ways before the move" flows "$TA4"
want_out="dir=out keepalive=1 pcpu=none"
want_in="dir=in keepalive=0 pcpu=0"
for sa in "$S4 0x1001 $want_out" "$TA4 0x2001 $want_in"; do
	set -- $sa
	got=$(sa_py show "$1" "$2" 2>&1)
	[ "$got" = "${sa#* * }" ] || diag "before the move, T's SA $1 $2: $got"
done

xf_capture_start ka "$NS_T" any -Q out udp port 4500 and 'udp[8] = 0xff' and 'udp[4:2] = 9'
xf_move_t b
if ! xf_migrate "$NS_T" "$TA4" "$S4" "$TB4" "$S4" ||
	! xf_migrate "$NS_S" "$S4" "$TA4" "$S4" "$TB4"; then
	not_ok "migrated" "$XF_OUT $XF_ERR"
	tap_finish
fi
ok "migrated"

got=$(sa_py show "$S4" 0x1001 2>&1)
if [ "$got" = "$want_out" ]; then
	ok "out SA keeps its direction and keepalive interval ($got)"
else
	not_ok "out SA keeps its direction and keepalive interval" \
		"want $want_out, got $got"
fi
got=$(sa_py show "$TB4" 0x2001 2>&1)
if [ "$got" = "$want_in" ]; then
	ok "in SA keeps its direction and CPU ($got)"
else
	not_ok "in SA keeps its direction and CPU" "want $want_in, got $got"
fi
check "traffic flows both ways after the move" flows "$TB4"

# the keepalive work runs once a second: wait for one from the new address
_keepalive() {
	tcpdump -nr "$XF_TMP/ka.pcap" 2>/dev/null |
		grep -q "$TB4\\.4500 > $S4\\.4500: "
}
if wait_for 30 _keepalive; then
	ok "NAT keepalives leave from the new address"
else
	not_ok "NAT keepalives leave from the new address" \
		"$(tcpdump -nr "$XF_TMP/ka.pcap" 2>/dev/null | tail -n 5)"
fi
xf_capture_stop ka
tap_finish
