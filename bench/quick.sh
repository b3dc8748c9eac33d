#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/quick.sh: every benchmark in miniature, as a TAP test for the guest
# suite (selftests/Makefile), so that the benchmarks cannot rot. No timing
# is judged: it checks that every method ran and produced samples, that the
# esp_mobility path migrated correctly (tunnel with 4 CHILD SAs and
# transport), and that the report is generated. Needs root, the bench tools
# (make -C bench) and, for the esp_mobility checks, the module loaded.
# About 5 minutes in the emulated guest; more on a loaded host:
# selftest-timeout: 1200
set -u

top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
B=$top/build/bench
n=0
failed=0

ok() {	# CONDITION-STATUS NAME
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=1
	fi
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

echo "TAP version 13"
for t in setup migrate stream sink; do
	if [ ! -x "$B/$t" ]; then
		echo "1..0 # SKIP bench tools not built (make -C bench)"
		exit 4
	fi
done
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root"
	exit 4
fi

work=$(mktemp -d)
cleanup() {
	ip netns del "bq-$$" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
espmob=0
[ -d /sys/module/esp_mobility ] && espmob=1
methods="libreswan strongswan"
[ $espmob = 1 ] && methods+=" espmob espmob-S espmob-E"

bash "$top/bench/guest.sh" "$work/data" quick >"$work/log" 2>&1
rc=$?
[ $rc = 0 ] || sed 's/^/# /' "$work/log" | tail -n 30
ok $rc "bench/guest.sh quick runs every benchmark"

# samples METHOD VARIANT FILE [MORE AWK CONDITION]: lines of that method
samples() {
	awk -F, -v m="$1" -v v="$2" "NR > 1 && \$1 == m && \$5 == v ${4:+&& $4} { c++ }
		END { print c + 0 }" "$3" 2>/dev/null
}
for m in $methods; do
	meth=${m%-[ES]} var=-
	[ "$meth" = espmob ] && var=named
	[ "$m" = espmob-S ] && var=spis
	[ "$m" = espmob-E ] && var=endpoints
	for cfg in "tunnel 1" "tunnel 4" "transport 1"; do
		set -- $cfg
		c=$(samples "$meth" "$var" "$work/data/latency.csv" "\$2 == \"$1\" && \$3 == $2")
		[ "$c" -gt 0 ]
		ok $? "latency: $m, $1, $2 CHILD SA(s): $c samples"
	done
	c=$(samples "$meth" "$var" "$work/data/scale.csv")
	[ "$c" -gt 0 ]
	ok $? "scale: $m: $c samples"
	c=$(samples "$meth" "$var" "$work/data/mass.csv")
	[ "$c" -gt 0 ]
	ok $? "mass move: $m: $c samples"
	c=$(grep -c "^residual method=$m " "$work/data/memory.txt" 2>/dev/null)
	[ "${c:-0}" -gt 0 ]
	ok $? "memory: $m measured"
done
for m in none libreswan strongswan espmob; do
	if [ $m = espmob ] && [ $espmob = 0 ]; then
		skip "datapath: espmob" "module not loaded"
		continue
	fi
	line=$(grep "^method=$m " "$work/data/datapath.txt" 2>/dev/null)
	sent=$(echo "$line" | grep -o 'attempted=[0-9]*' | cut -d= -f2)
	got=$(echo "$line" | grep -o 'unique=[0-9]*' | cut -d= -f2)
	esp=$(echo "$line" | grep -o 'esp=[0-9]*' | cut -d= -f2)
	[ "${sent:-0}" -gt 0 ] && [ "${got:-0}" -gt 0 ] && [ "${esp:-0}" -gt 0 ]
	ok $? "datapath: $m: sent ${sent:-?}, received ${got:-?}, ${esp:-?} ESP on the wire"
done
grep -q '^per_peer_bytes=' "$work/data/memory.txt" 2>/dev/null
ok $? "memory: per-peer footprint measured"

# The baseline's known transport-mode breakage is detected (documents it).
grep -q 'selector names the old address' "$work/data/transport-libreswan.txt" 2>/dev/null
ok $? "transport: the XFRM_MSG_MIGRATE sequence leaves selectors at the old address (detected)"
grep -q 'verify_failures=0' "$work/data/transport-strongswan.txt" 2>/dev/null
ok $? "transport: the strongSwan sequence moves selectors"

# The esp_mobility path migrates correctly.
if [ $espmob = 1 ]; then
	ns=bq-$$
	for cfg in "tunnel 4" "transport 1"; do
		set -- $cfg
		ip netns add $ns
		ip netns exec $ns "$B/setup" -t "$1" -c "$2" -n 2 >/dev/null &&
			ip netns exec $ns "$B/migrate" -m espmob,espmob-E -t "$1" \
				-c "$2" -n 6 -V >"$work/v" 2>&1
		rc=$?
		[ $rc = 0 ] || sed 's/^/# /' "$work/v"
		ok $rc "esp_mobility: $1, $2 CHILD SA(s): every migration verified"
		ip netns del $ns
	done
	grep -q 'verify_failures=0' "$work/data/transport-espmob.txt" 2>/dev/null
	ok $? "transport: esp_mobility moves selectors"
else
	skip "esp_mobility: tunnel, 4 CHILD SAs" "module not loaded"
	skip "esp_mobility: transport" "module not loaded"
	skip "transport: esp_mobility moves selectors" "module not loaded"
fi

python3 "$top/bench/report.py" "$work/data" >"$work/report.log" 2>&1 &&
	grep -q '^## Bars' "$work/data/results.md"
ok $? "report: results.md written"

echo "1..$n"
exit $failed
