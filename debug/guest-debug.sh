#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The debug lane inside the guest (debug/check-debug boots the debug kernel
# with selftests/vm-run --no-module and runs this): loads the module, runs
# the selftest suite, the allocation-failure sweep and the genetlink fuzzer,
# unloads the module and asks kmemleak for a scan. TAP goes to
# $VM_OUT/results/*.tap, timings to $VM_OUT/times.
#
#   debug/guest-debug.sh MODULE.ko [FUZZ_SECONDS] [SUITE TESTS...]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
ko=$(realpath "$1")
fuzz_secs=${2:-60}
shift $(($# >= 2 ? 2 : $#))
out=${VM_OUT:?run through selftests/vm-run}
res=$out/results
mkdir -p "$res"
cd "$top" || exit 1
kml=/sys/kernel/debug/kmemleak
export ESPMOB_KO=$ko	# the suite's own rmmod/insmod use this module

kmsg() { echo "debug-lane: $*" >/dev/kmsg; }
phase_start=$(date +%s)
phase() { # NAME: time since the previous phase
	local now
	now=$(date +%s)
	echo "$1 $((now - phase_start))" >>"$out/times"
	phase_start=$now
}

n=0 rc=0
tap=$res/debug-lane.tap
ok() { n=$((n + 1)); echo "ok $n - $*" >>"$tap"; }
nok() { n=$((n + 1)); rc=1; echo "not ok $n - $*" >>"$tap"; }
echo "TAP version 13" >"$tap"

# What boot left for kmemleak is not ours: report it once, then hide it.
if [ -w "$kml" ]; then
	echo scan >"$kml"
	cat "$kml" >"$out/kmemleak-boot.txt"
	echo clear >"$kml"
	echo "# kmemleak: $(grep -c '^unreferenced object' "$out/kmemleak-boot.txt") objects reported after boot (before the module; cleared)" >>"$tap"
fi
phase boot-scan

# insmod does not resolve dependencies (none on the debug kernel, where
# XFRM is built in; xfrm_user and friends on a Debian kernel).
for dep in $(modinfo -F depends "$ko" | tr ',' ' '); do
	modprobe "$dep"
done
kmsg "insmod $ko"
if insmod "$ko" 2>"$out/insmod.err"; then
	ok "insmod $(basename "$ko") ($(uname -r))"
else
	nok "insmod $(basename "$ko"): $(cat "$out/insmod.err")"
	echo "1..$n" >>"$tap"
	exit 1
fi

# Everything runs several times slower than on Debian's kernel: a longer
# per-test timeout than run_tests' default.
tt=${TEST_TIMEOUT:-1800}
if [ $# -gt 0 ]; then
	make -s -C selftests run_tests RESULTS_DIR="$res" TEST_TIMEOUT="$tt" TESTS="$*"
else
	make -s -C selftests run_tests RESULTS_DIR="$res" TEST_TIMEOUT="$tt"
fi
suite_rc=$?
phase suite
if [ $suite_rc = 0 ]; then ok "selftest suite exits 0"; else nok "selftest suite exits 0 (status $suite_rc)"; fi

# The suite reloads the module: make sure it is there for what follows.
grep -q '^esp_mobility ' /proc/modules || insmod "$ko"

if [ "${DEBUG_SWEEP:-1}" != 0 ]; then
	debug/alloc-sweep.sh >"$res/alloc-sweep.tap" 2>"$out/alloc-sweep.err"
	phase alloc-sweep
fi
if [ "$fuzz_secs" != 0 ]; then
	debug/fuzz-genl/run.sh "$fuzz_secs" >"$res/fuzz-genl.tap" 2>"$out/fuzz-genl.err"
	phase fuzz
fi

# retired SAs hold the module until xfrm's gc frees them (transform.c)
for _ in $(seq 600); do
	[ "$(cat /sys/module/esp_mobility/refcnt)" = 0 ] && break
	sleep 0.1
done
kmsg "rmmod esp_mobility"
if rmmod esp_mobility 2>"$out/rmmod.err"; then
	ok "rmmod esp_mobility"
else
	nok "rmmod esp_mobility: $(cat "$out/rmmod.err")"
fi

# kmemleak only reports objects older than 5 s that two scans found
# unreferenced: let the unload settle, then scan twice.
if [ -w "$kml" ]; then
	sleep 6
	echo scan >"$kml"
	sleep 6
	echo scan >"$kml"
	cat "$kml" >"$out/kmemleak.txt"
	leaks=$(grep -c '^unreferenced object' "$out/kmemleak.txt")
	if [ "$leaks" = 0 ]; then
		ok "kmemleak: no leak after the suite, sweep, fuzzing and rmmod"
	else
		nok "kmemleak: $leaks unreferenced objects (kmemleak.txt)"
		head -n 40 "$out/kmemleak.txt" | sed 's/^/#   /' >>"$tap"
	fi
elif [ "${DEBUG_NEED_KMEMLEAK:-1}" = 0 ]; then
	n=$((n + 1))
	echo "ok $n - kmemleak # SKIP not in this kernel" >>"$tap"
else
	nok "kmemleak: $kml not available"
fi
phase kmemleak

# lockdep switches itself off after its first report: a report before
# ours would silently disable it.
if grep -q 'debug_locks: *1' /proc/lockdep_stats 2>/dev/null; then
	ok "lockdep still active at the end (debug_locks 1)"
elif [ ! -e /proc/lockdep_stats ] && [ "${DEBUG_NEED_KMEMLEAK:-1}" = 0 ]; then
	n=$((n + 1))
	echo "ok $n - lockdep # SKIP not in this kernel" >>"$tap"
else
	nok "lockdep not active at the end: $(grep debug_locks /proc/lockdep_stats 2>&1)"
fi
kmsg "done"
echo "1..$n" >>"$tap"
exit $rc
