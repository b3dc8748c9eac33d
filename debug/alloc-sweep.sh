#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Allocation-failure sweep of a MIGRATE request, run inside the debug guest
# by debug/check-debug (needs root, esp_mobility.ko loaded, fault injection
# and debugfs). Fails allocation 1, 2, 3, ... of one request (fail-nth on
# the requesting thread: every slab allocation the request makes, in the
# netlink core, genetlink, the module and XFRM), and then step 1, 2, 3, ...
# through the test flavour's per-netns fail_step file, until a request runs clean;
# after each failed request the XFRM tables must be as before
# (debug/alloc_sweep.py). Prints TAP 13. The kmemleak scan afterwards is
# check-debug's.
#
#   debug/alloc-sweep.sh [MAX]     MAX injections per sweep (default 400)
set -u
here=$(cd "$(dirname "$0")" && pwd)
max=${1:-400}

echo "TAP version 13"
if [ "$(id -u)" != 0 ] || ! grep -q '^esp_mobility ' /proc/modules; then
	echo "1..0 # SKIP needs root and esp_mobility loaded"
	exit 4
fi

runs=("--mode failnth --family 4" "--mode failnth --family 6")
if [ -w /proc/net/esp_mobility_fail_step ]; then
	runs+=("--mode step --family 4" "--mode step --family 6")
else
	echo "# no /proc/net/esp_mobility_fail_step (not the test flavour): step sweep not run"
fi
[ -e /proc/self/fail-nth ] || echo "# no fail-nth (CONFIG_FAULT_INJECTION off?)"

n=0 rc=0
for r in "${runs[@]}"; do
	case $r in
	*failnth*)
		if [ ! -e /proc/self/fail-nth ]; then
			n=$((n + 1))
			echo "ok $n - alloc sweep ($r) # SKIP no fail-nth"
			continue
		fi
		;;
	esac
	# shellcheck disable=SC2086
	out=$(python3 "$here/alloc_sweep.py" $r --max "$max" --first $((n + 1)) \
		--log "${VM_OUT:-/tmp}/alloc-sweep.log")
	st=$?
	echo "$out"
	n=$((n + $(grep -cE '^(not )?ok ' <<<"$out")))
	if [ $st != 0 ]; then
		rc=1
		# a crash must not pass for a sweep that found nothing
		if ! grep -q '^not ok ' <<<"$out"; then
			n=$((n + 1))
			echo "not ok $n - alloc sweep ($r): alloc_sweep.py exited $st (its stderr: alloc-sweep.err)"
		fi
	fi
done
echo "1..$n"
exit $rc
