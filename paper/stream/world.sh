# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# world.sh: the network of the paper reproduction, in three netns, without
# IPsec (the host kernel has no ESP). Sourced by paper/stream/run.
#
#   T (terminal) wlan1 --- ap1 \
#                               R (router) s0 --- eth0 S (server)
#                wlan2 --- ap2 /
#
#   S eth0 10.0.0.2/24 (server), R s0 10.0.0.1, ap1 10.1.0.1, ap2 10.2.0.1
#   T wlan1 10.1.0.2/24 behind AP1 (at the start), wlan2 10.2.0.2/24
#   behind AP2 (after the move)
#
# The two access points are R's two links toward T: moving from AP1 to
# AP2 changes T's address, as in the paper where the terminal gets a new
# address from the second WLAN. Link rates can be shaped with tbf on R's
# egress toward T; delay cannot be added on the host (its kernel has no
# sch_netem: `tc qdisc add ... netem` answers "Specified qdisc kind is
# unknown").

IP=${IP:-/usr/sbin/ip}
SERVER_ADDR=10.0.0.2
T_ADDR1=10.1.0.2
T_ADDR2=10.2.0.2

world_build() {	# S R T [RATE [BURST]]: tc tbf, e.g. 7mbit 64kb; no RATE: unshaped
	local s=$1 r=$2 t=$3 rate=${4-} burst=${5:-64kb}
	"$IP" -n "$s" link add eth0 type veth peer name s0 netns "$r" &&
	"$IP" -n "$t" link add wlan1 type veth peer name ap1 netns "$r" &&
	"$IP" -n "$t" link add wlan2 type veth peer name ap2 netns "$r" || return 1
	"$IP" -n "$s" addr add "$SERVER_ADDR/24" dev eth0
	"$IP" -n "$r" addr add 10.0.0.1/24 dev s0
	"$IP" -n "$r" addr add 10.1.0.1/24 dev ap1
	"$IP" -n "$r" addr add 10.2.0.1/24 dev ap2
	"$IP" -n "$t" addr add "$T_ADDR1/24" dev wlan1
	local ns dev
	for ns in "$s" "$r" "$t"; do
		"$IP" -n "$ns" link set lo up
	done
	while read -r ns dev; do
		"$IP" -n "$ns" link set "$dev" up || return 1
	done <<-EOF
		$s eth0
		$r s0
		$r ap1
		$r ap2
		$t wlan1
		$t wlan2
	EOF
	"$IP" netns exec "$r" sysctl -qw net.ipv4.ip_forward=1
	"$IP" -n "$s" route add default via 10.0.0.1
	"$IP" -n "$t" route add default via 10.1.0.1
	if [ -n "$rate" ]; then
		# a queue of at most 2 s at that rate: the link is slow, it
		# does not drop what a slow link would deliver late
		for dev in ap1 ap2; do
			"$IP" netns exec "$r" tc qdisc add dev "$dev" root tbf \
				rate "$rate" burst "$burst" latency 2000ms || return 1
		done
	fi
}

# T leaves AP1 and joins AP2, break before make, as a WLAN terminal that
# walks out of AP1's range: AP1's link goes down with its address, then
# AP2's address and the default route through it come up.
world_move() {	# T
	local t=$1
	"$IP" -n "$t" addr flush dev wlan1 &&
	"$IP" -n "$t" link set wlan1 down &&
	"$IP" -n "$t" addr add "$T_ADDR2/24" dev wlan2 &&
	"$IP" -n "$t" route replace default via 10.2.0.1
}
