#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build-only checks, as TAP: esp_mobility builds without a warning (W=1)
# against every Debian 12 kernel flavour scripts/setup-kernels installs
# headers for: generic, cloud and rt, of the 6.1 and the 6.12 series the
# guest suite boots (scripts/guest-kernels); sparse finds nothing against
# each generic one. Each build has its own directory, build/kernel-KVER/
# (scripts/build-module); the generic ones are the modules the guest suite
# loads. The compat probes' findings (generated/compat.h) are shown per
# build.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)

kernels=()
for kver in $("$top/scripts/guest-kernels"); do
	base=${kver%-amd64}
	for flavour in amd64 cloud-amd64 rt-amd64; do
		kernels+=("$base-$flavour")
	done
done

generic=$("$top/scripts/guest-kernels")
echo "TAP version 13"
echo "1..$((${#kernels[@]} + $(echo $generic | wc -w)))"
n=0
status=0
for kver in "${kernels[@]}"; do
	n=$((n + 1))
	if [ ! -d "/usr/src/linux-headers-$kver" ]; then
		echo "not ok $n - W=1 build against $kver # no linux-headers-$kver (run scripts/setup-deps)"
		status=1
		continue
	fi
	log=$top/build/kernel-$kver.log
	mkdir -p "$top/build"
	start=$(date +%s)
	"$top/scripts/build-module" "$kver" W=1 >"$log" 2>&1
	rc=$?
	took=$(($(date +%s) - start))
	if [ $rc -eq 0 ] && ! grep -qE 'warning:|error:' "$log"; then
		echo "ok $n - W=1 build against $kver (${took}s)"
	else
		echo "not ok $n - W=1 build against $kver (exit $rc, ${took}s)"
		grep -E 'warning:|error:' "$log" | head -20 | sed 's/^/# /'
		status=1
	fi
	sed -n 's/^#define \(ESPMOB_HAVE_[A-Z_]*\) 1$/# \1/p' \
		"$top/build/kernel-$kver/generated/compat.h" 2>/dev/null
done

# sparse on every file (C=2 checks even up-to-date objects)
for kver in $generic; do
	n=$((n + 1))
	log=$top/build/kernel-$kver.sparse.log
	if ! command -v sparse >/dev/null; then
		echo "ok $n - sparse against $kver # SKIP sparse not installed"
		continue
	fi
	make -s -C "/usr/src/linux-headers-$kver" M="$top/build/kernel-$kver" \
		C=2 W=1 modules >"$log" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && ! grep -qE 'warning:|error:' "$log"; then
		echo "ok $n - sparse against $kver"
	else
		echo "not ok $n - sparse against $kver (exit $rc)"
		grep -E 'warning:|error:' "$log" | head -20 | sed 's/^/# /'
		status=1
	fi
done
exit $status
