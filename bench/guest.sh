#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/guest.sh OUTDIR [full|quick]: every benchmark, run inside the guest
# (bench/run boots it). Writes raw data to OUTDIR:
#   latency.csv  one line per migration, one peer, no other peers (figure 1)
#   scale.csv    the same with N other peers installed (figure 2)
#   mass.csv     one line per mass move of many peers (figure 2)
#   datapath.txt key=value lines per method (figure 3)
#   memory.txt   key=value lines (figure 4)
#   transport-*.txt what each method leaves behind in transport mode
#   info.txt     kernel, module, parameters
# "quick" runs a few iterations of each, for the test suite.
set -u

top=${BENCH_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
B=$top/build/bench
out=${1:?usage: guest.sh OUTDIR [full|quick]}
size=${2:-full}
mkdir -p "$out"

if [ "$size" = quick ]; then
	N1=10 NS=10 SCALE="10 50" MASS="20" DP_MIG=10 DP_RATE=2000 MEM_PEERS=20 MEM_MIG=4
else
	N1=${BENCH_N:-1000} NS=${BENCH_NS:-200}
	SCALE=${BENCH_SCALE:-"10 1000 10000 100000"}
	MASS=${BENCH_MASS:-"1000 10000"} DP_MIG=100 DP_RATE=${BENCH_RATE:-20000}
	MEM_PEERS=1000 MEM_MIG=200
fi

parts=${BENCH_PARTS:-latency scale datapath memory}
want() { case " $parts " in *" $1 "*) return 0 ;; esac; return 1; }

methods=libreswan,strongswan
if [ -d /sys/module/esp_mobility ]; then
	methods+=,espmob,espmob-S,espmob-E
	espmob=1
else
	espmob=0
	echo "guest.sh: esp_mobility is not loaded: baselines only" >&2
fi
nmethods=$(echo "$methods" | tr ',' '\n' | wc -l)
header=method,mode,children,others,variant,peers,iter,ns,msgs,kernel_ns
suffix=$$-$RANDOM
failed=0

log() { printf '[%(%T)T] %s\n' -1 "$*" >&2; }
fail() { echo "guest.sh: FAILED: $*" >&2; failed=1; }
ns_new() { ip netns add "$1" && ip -n "$1" link set lo up; }
in_ns() { local n=$1; shift; ip netns exec "$n" "$@"; }

modprobe -q esp4
modprobe -q xfrm_user
{
	echo "kernel=$(uname -r)"
	echo "size=$size methods=$methods"
	echo "latency_migrations=$N1 scale_migrations=$NS scale_n=\"$SCALE\" mass=\"$MASS\""
	echo "cpus=$(nproc) mem_kb=$(awk '/MemTotal/ { print $2 }' /proc/meminfo)"
	echo "cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
} >"$out/info.txt"

# The first AES-GCM SA loads and self-tests the crypto modules: not ours to
# time.
log "warm-up"
ns_new warm-$suffix
in_ns warm-$suffix "$B/setup" -n 1 >/dev/null || fail "warm-up setup"
ip netns del warm-$suffix

# Figure 1: one peer's migration, no other peers.
latency() { # MODE CHILDREN
	local n=lat-$suffix
	ns_new $n
	in_ns $n "$B/setup" -t "$1" -c "$2" -n "$nmethods" >/dev/null || fail "setup $1 $2"
	in_ns $n "$B/migrate" -m "$methods" -t "$1" -c "$2" -n "$N1" -L 0 \
		-o "$out/latency.csv" || fail "latency $1 $2"
	if [ "$1" = transport ]; then
		local k=0 m
		for m in ${methods//,/ }; do
			{
				echo "# $m: one migration $ADDR_L1 -> $ADDR_L2, then its check"
				in_ns $n "$B/migrate" -m "$m" -t transport -f $k -n 1 -V 2>&1
				echo "# ip xfrm state / policy of peer $k afterwards"
				in_ns $n ip xfrm state list spi $((0x10000000 + k * 8))
				in_ns $n ip xfrm state list spi $((0x10000000 + k * 8 + 1))
				in_ns $n ip xfrm policy list | grep -B1 -A3 "100.64.0.$((k + 1))/32"
			} >"$out/transport-$m.txt"
			k=$((k + 1))
		done
	fi
	ip netns del $n
}
ADDR_L1=192.0.2.1 ADDR_L2=198.51.100.1
echo "$header" >"$out/latency.csv"
for cfg in "tunnel 1" "tunnel 4" "transport 1"; do
	want latency || break
	log "latency: $cfg"
	latency $cfg
done

# Figure 2: N other peers, then mass moves of the others.
# add_peers NS FROM TO: installs peers FROM..TO-1 (after the methods' own),
# 10000 at a time with a progress line each: 100 000 take minutes
add_peers() {
	local n=$1 from=$2 to=$3 k
	for ((k = from; k < to; k += 10000)); do
		local c=$((to - k < 10000 ? to - k : 10000))
		[ "$to" -gt 10000 ] && log "scale: peers $k..$((k + c - 1)) of $to"
		in_ns $n "$B/setup" -f $((nmethods + k)) -n $c >/dev/null || return 1
	done
}
scale() {
	local n=scale-$suffix have=0 N K rounds t0
	ns_new $n
	in_ns $n "$B/setup" -n "$nmethods" >/dev/null || fail "scale setup"
	for N in $SCALE; do
		log "scale: $N other peers"
		t0=$(date +%s%N)
		add_peers $n "$have" "$N" || { fail "setup of $N peers"; break; }
		awk -v n="$N" -v a="$t0" -v b="$(date +%s%N)" \
			'BEGIN { printf "setup_peers=%d seconds=%.2f\n", n, (b - a) / 1e9 }' >>"$out/info.txt"
		have=$N
		in_ns $n "$B/migrate" -m "$methods" -n "$NS" -L "$N" -o "$out/scale.csv" ||
			fail "scale $N"
	done
	for K in $MASS; do
		[ "$K" -le "$have" ] || { log "mass: skip $K (only $have peers)"; continue; }
		# above 1000 peers, without strongSwan's sequence (14 requests
		# per peer: minutes)
		local ms=$methods rounds=2
		if [ "$K" -gt 1000 ]; then
			ms=${BENCH_MASS_BIG:-libreswan$([ $espmob = 1 ] && echo ,espmob,espmob-S,espmob-E)}
		fi
		log "mass move: $K peers ($ms)"
		in_ns $n "$B/migrate" -m "$ms" -S -f "$nmethods" -p "$K" -n $rounds \
			-L "$have" -o "$out/mass.csv" || fail "mass $K"
	done
	ip netns del $n
}
echo "$header" >"$out/scale.csv"
echo "$header" >"$out/mass.csv"
want scale && scale

# Figure 3: a stream through peer 0's CHILD SA while it moves back and
# forth; A is the moving host, B the peer.
datapath() { # METHOD (or none)
	local a=dpa-$suffix b=dpb-$suffix m=$1 st
	# every exec costs seconds in the emulated guest: one ip per namespace
	ip netns add $a && ip netns add $b &&
		ip link add va netns $a address 02:00:00:00:00:0a type veth \
			peer name vb netns $b address 02:00:00:00:00:0b ||
		fail "datapath namespaces"
	in_ns $a ip -batch - <<-EOB || fail "datapath addresses A"
		link set lo up
		address add 192.0.2.1/24 dev va
		address add 198.51.100.1/24 dev va
		address add 10.0.0.1/32 dev lo
		link set va up
		route add 100.64.0.0/10 dev va
		route add 172.16.0.0/12 dev va src 10.0.0.1
		neigh replace 100.64.0.1 lladdr 02:00:00:00:00:0b dev va nud permanent
	EOB
	in_ns $b ip -batch - <<-EOB || fail "datapath addresses B"
		link set lo up
		address add 100.64.0.1/10 dev vb
		address add 172.16.0.1/32 dev lo
		link set vb up
		route add 192.0.2.0/24 dev vb
		route add 198.51.100.0/24 dev vb
	EOB
	log "datapath: $m: namespaces ready"
	in_ns $a "$B/setup" -n 1 >/dev/null || fail "datapath setup A"
	in_ns $b "$B/setup" -n 1 -M >/dev/null || fail "datapath setup B"

	# not through in_ns: $! must be the tool itself (ip netns exec execs it)
	ip netns exec $b "$B/sink" recv 9000 >"$out/dp-recv-$m.txt" &
	local recv=$!
	ip netns exec $a "$B/sink" wire va 9000 >"$out/dp-wire-$m.txt" &
	local wire=$!
	for st in recv wire; do
		local tries=0
		until [ -s "$out/dp-$st-$m.txt" ]; do	# "ready"
			sleep 0.5
			tries=$((tries + 1))
			[ $tries -lt 60 ] || { fail "sink $st did not start"; break; }
		done
	done
	ip netns exec $a "$B/stream" 10.0.0.1 172.16.0.1 9000 "$DP_RATE" 600 \
		>"$out/dp-stream-$m.txt" &
	local stream=$!
	sleep 1
	log "datapath: $m: streaming"
	if [ "$m" != none ]; then
		in_ns $a "$B/migrate" -m "$m" -n "$DP_MIG" -i 20000 -a -w 200 \
			>"$out/dp-migrate-$m.txt" || fail "datapath $m"
	else
		sleep 2
	fi
	sleep 1
	kill -TERM $stream
	wait $stream
	log "datapath: $m: stream stopped"
	sleep 3		# let the receiver catch up
	kill -TERM $recv $wire
	wait $recv $wire
	{
		echo "== $m: xfrm_stat, sender then receiver"
		ip netns exec $a cat /proc/net/xfrm_stat
		echo "--"
		ip netns exec $b cat /proc/net/xfrm_stat
	} >>"$out/datapath-xfrm_stat.txt"
	# builtins only from here: every exec costs seconds in the guest
	local f acq=acquires=0 line all="method=$m migrations=$DP_MIG"
	[ $m = none ] && all="method=$m migrations=0"
	for f in stream recv wire; do
		while read -r line; do
			[ "$line" = ready ] || all+=" $line"
		done <"$out/dp-$f-$m.txt"
	done
	if [ -f "$out/dp-migrate-$m.txt" ]; then
		while read -r line; do
			[[ $line =~ (acquires=[0-9]+) ]] && acq=${BASH_REMATCH[1]}
		done <"$out/dp-migrate-$m.txt"
	fi
	echo "$all $acq" >>"$out/datapath.txt"
	ip netns del $a
	ip netns del $b
}
: >"$out/datapath.txt"
: >"$out/datapath-xfrm_stat.txt"
# the receiver's backlog must not be what loses packets
sysctl -qw net.core.netdev_max_backlog=10000
want datapath &&
for m in none libreswan strongswan $([ $espmob = 1 ] && echo espmob); do
	log "datapath: $m"
	datapath "$m"
done

# Figure 4: memory.
meminfo() {
	local k v rest
	while read -r k v rest; do
		[ "$k" = "$1:" ] && { echo "$v"; return; }
	done </proc/meminfo
}
settle() { sync; sleep 1; }
memory() {
	log "memory"
	if [ $espmob = 1 ]; then
		for f in coresize initsize; do
			echo "module_$f=$(cat /sys/module/esp_mobility/$f 2>/dev/null || echo 0)"
		done
	fi
	n=mem-$suffix
	ns_new $n
	settle
	s0=$(meminfo SUnreclaim) p0=$(meminfo Percpu)
	in_ns $n "$B/setup" -f 100 -n "$MEM_PEERS" >/dev/null || fail "memory setup"
	settle
	s1=$(meminfo SUnreclaim) p1=$(meminfo Percpu)
	echo "peers=$MEM_PEERS unreclaimable_slab_kb=$((s1 - s0)) percpu_kb=$((p1 - p0))"
	echo "per_peer_bytes=$(( ((s1 - s0) + (p1 - p0)) * 1024 / MEM_PEERS ))"
	in_ns $n "$B/setup" -n "$nmethods" >/dev/null || fail "memory setup 2"
	k=0
	for m in ${methods//,/ }; do
		settle
		s0=$(meminfo SUnreclaim)
		in_ns $n "$B/migrate" -m "$m" -f $k -n "$MEM_MIG" >/dev/null || fail "memory $m"
		settle
		s1=$(meminfo SUnreclaim)
		echo "residual method=$m migrations=$MEM_MIG slab_delta_kb=$((s1 - s0))"
		k=$((k + 1))
	done
	ip netns del $n
}
want memory && memory >"$out/memory.txt"

log "done"
exit $failed
