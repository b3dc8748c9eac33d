#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fuzzes the esp_mobility generic netlink family while ping flows through an
# ESP tunnel between two network namespaces, as root and as an unprivileged
# user at the same time, then checks that the SA and policy tables are what
# they were (every policy template still resolves to a state) and that the
# tunnel still carries traffic. Runs in the debug guest (check-debug: 60 s);
# the long run is the same with a larger SECONDS. Prints TAP 13.
#
#   debug/fuzz-genl/run.sh [SECONDS] [SEED]
set -u
here=$(cd "$(dirname "$0")" && pwd)
snap="python3 $here/../xfrm_snapshot.py"
secs=${1:-60}
seed=${2:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
out=${VM_OUT:-$(mktemp -d)}/fuzz-genl
mkdir -p "$out"
a=fza$$
b=fzb$$
n=0
rc=0

ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); rc=1; echo "not ok $n - $*"; }

cleanup() {
	[ -n "${ping_pid-}" ] && kill "$ping_pid" 2>/dev/null
	ip netns del "$a" 2>/dev/null
	ip netns del "$b" 2>/dev/null
}
trap cleanup EXIT

echo "TAP version 13"
if [ "$(id -u)" != 0 ] || ! grep -q '^esp_mobility ' /proc/modules; then
	echo "1..0 # SKIP needs root and esp_mobility loaded"
	exit 4
fi
echo "# seed $seed, $secs s, logs in $out"

# Two peers: outer 10.0.0.1 <-> 10.0.0.2 over veth, inner 192.168.1.1 and
# 192.168.2.1 on dummies, tunnel-mode ESP (AES-GCM) between them.
key=0x0123456789abcdef0123456789abcdef01234567
gcm="aead rfc4106(gcm(aes)) $key 128"
ip netns add "$a" && ip netns add "$b" || exit 1
ip -n "$a" link add veth0 type veth peer name veth0 netns "$b"
for ns in "$a" "$b"; do
	ip -n "$ns" link set lo up
	ip -n "$ns" link set veth0 up
	ip -n "$ns" link add dummy0 type dummy
	ip -n "$ns" link set dummy0 up
done
peer() { # ns local remote lnet rnet laddr
	local ns=$1 l=$2 r=$3 ln=$4 rn=$5 la=$6 lspi=$7 rspi=$8
	ip -n "$ns" addr add "$l/24" dev veth0
	ip -n "$ns" addr add "$la/32" dev dummy0
	ip -n "$ns" route add "$rn" dev veth0 src "$la"
	# shellcheck disable=SC2086
	ip -n "$ns" xfrm state add src "$l" dst "$r" proto esp spi "$lspi" \
		reqid 1 mode tunnel $gcm
	# shellcheck disable=SC2086
	ip -n "$ns" xfrm state add src "$r" dst "$l" proto esp spi "$rspi" \
		reqid 1 mode tunnel $gcm
	ip -n "$ns" xfrm policy add src "$ln" dst "$rn" dir out \
		tmpl src "$l" dst "$r" proto esp reqid 1 mode tunnel
	ip -n "$ns" xfrm policy add src "$rn" dst "$ln" dir in \
		tmpl src "$r" dst "$l" proto esp reqid 1 mode tunnel
	ip -n "$ns" xfrm policy add src "$rn" dst "$ln" dir fwd \
		tmpl src "$r" dst "$l" proto esp reqid 1 mode tunnel
}
peer "$a" 10.0.0.1 10.0.0.2 192.168.1.0/24 192.168.2.0/24 192.168.1.1 0x1001 0x1002
peer "$b" 10.0.0.2 10.0.0.1 192.168.2.0/24 192.168.1.0/24 192.168.2.1 0x1002 0x1001

# Decoy peers in A that the fuzzer may really move (fuzz.py's address
# pool): tunnel and transport mode, IPv4 and IPv6, one in UDP.
decoy() { # local remote spi-base [ip xfrm state options...]
	local l=$1 r=$2 s=$3
	shift 3
	ip -n "$a" xfrm state add src "$l" dst "$r" proto esp spi $((s + 1)) \
		reqid $((s >> 8)) mode tunnel "$@" $gcm
	ip -n "$a" xfrm state add src "$r" dst "$l" proto esp spi $((s + 2)) \
		reqid $((s >> 8)) mode tunnel "$@" $gcm
	ip -n "$a" xfrm state add src "$l" dst "$r" proto esp spi $((s + 3)) \
		reqid $((s >> 8 | 1)) mode transport $gcm
	ip -n "$a" xfrm state add src "$r" dst "$l" proto esp spi $((s + 4)) \
		reqid $((s >> 8 | 1)) mode transport $gcm
}
decoy 10.9.0.1 10.9.0.2 0x2000 encap espinudp 4500 4500 0.0.0.0
decoy 10.9.1.1 10.9.1.2 0x3000
decoy fd09::1 fd09::2 0x4000
ip -n "$a" xfrm policy add src 172.16.1.0/24 dst 172.16.2.0/24 dir out \
	tmpl src 10.9.0.1 dst 10.9.0.2 proto esp reqid 32 mode tunnel
ip -n "$a" xfrm policy add src 172.16.2.0/24 dst 172.16.1.0/24 dir in \
	tmpl src 10.9.0.2 dst 10.9.0.1 proto esp reqid 32 mode tunnel
ip -n "$a" xfrm policy add src 10.9.1.1 dst 10.9.1.2 dir out \
	tmpl proto esp reqid 49 mode transport
ip -n "$a" xfrm policy add src fd09::1 dst fd09::2 dir out \
	tmpl proto esp reqid 65 mode transport
# What belongs to the real tunnel (the decoys never mention these).
real='10\.0\.0\.[12]\b|192\.168\.'

up=0
for _ in $(seq 20); do
	if ip netns exec "$a" ping -c 1 -W 1 -I 192.168.1.1 192.168.2.1 >/dev/null 2>&1; then
		up=1
		break
	fi
done
if [ $up = 1 ]; then ok "ESP tunnel carries ping before fuzzing"; else nok "ESP tunnel carries ping before fuzzing"; fi

$snap save "$a" "$out/before-a.json"
$snap save "$b" "$out/before-b.json"

ip netns exec "$a" ping -q -i 0.2 -w "$secs" -I 192.168.1.1 192.168.2.1 >"$out/ping.log" 2>&1 &
ping_pid=$!

rm -f "$out/moves"
ip netns exec "$a" python3 "$here/fuzz.py" --seconds "$secs" --seed "$seed" \
	--real 10.0.0.1,10.0.0.2 --moves "$out/moves" \
	--summary "$out/root.json" >"$out/root.log" 2>&1 &
root_pid=$!
ip netns exec "$a" setpriv --reuid=65534 --regid=65534 --clear-groups \
	python3 "$here/fuzz.py" --seconds "$secs" --seed "$((seed + 1))" \
	>"$out/nobody.log" 2>&1 &
nobody_pid=$!
wait "$root_pid"
root_rc=$?
wait "$nobody_pid"
nobody_rc=$?
tail -n 1 "$out/nobody.log" >"$out/nobody.json"
wait "$ping_pid" 2>/dev/null
ping_pid=

summ() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, d))' "$@" 2>/dev/null; }
if [ $root_rc = 0 ] && [ -s "$out/root.json" ]; then
	ok "fuzz as root: $(summ "$out/root.json" 'f"{sent} requests, {moves} real moves, {notifications} notifications, outcomes {outcomes}"')"
else
	nok "fuzz as root (exit $root_rc): $(tail -n 3 "$out/root.log" | tr '\n' ' ')"
fi
if [ $nobody_rc = 0 ] && [ -s "$out/nobody.json" ] &&
	[ "$(summ "$out/nobody.json" 'moves + outcomes.get("0", 0)')" = 0 ]; then
	ok "fuzz as nobody: $(summ "$out/nobody.json" 'f"{sent} requests, none accepted, outcomes {outcomes}"')"
else
	nok "fuzz as nobody (exit $nobody_rc): $(tail -n 3 "$out/nobody.log" | tr '\n' ' ')"
fi

moves=$(wc -l <"$out/moves" 2>/dev/null || echo 0)
echo "# $moves fuzzed requests moved decoy SAs (logged in $out/moves)"
for side in a b; do
	ns=${!side}
	if $snap compare "$ns" "$out/before-$side.json" --match "$real" >"$out/diff-$side" 2>&1; then
		ok "netns $side: the tunnel's states and policies are as before"
	else
		nok "netns $side: the tunnel's states and policies changed"
		sed 's/^/#   /' "$out/diff-$side" | head -n 20
	fi
	if $snap orphans "$ns" --match "$real" >"$out/orphans-$side" 2>&1; then
		ok "netns $side: every policy template of the tunnel resolves to a state"
	else
		nok "netns $side: policy templates of the tunnel without a state"
		sed 's/^/#   /' "$out/orphans-$side" | head -n 20
	fi
done
# The decoys may have moved in part (SPI or reqid filters): informational.
$snap orphans "$a" >"$out/orphans-all" 2>&1 ||
	echo "# decoy policy templates without a state after fuzzing: $(wc -l <"$out/orphans-all")"

rx=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$out/ping.log")
tx=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$out/ping.log")
if [ "${rx:-0}" -gt 0 ]; then
	ok "ping through the tunnel during fuzzing: ${rx}/${tx} replies"
else
	nok "ping through the tunnel during fuzzing: ${rx:-0}/${tx:-0} replies"
fi
echo "1..$n"
exit $rc
