#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build-only checks, as TAP: esp_mobility builds without a warning (W=1)
# against every Debian 12 kernel flavour scripts/setup-kernels installs
# headers for: generic, cloud and rt, of the 6.1 and the 6.12 series the
# guest suite boots (scripts/guest-kernels). Each build has its own
# directory, build/kernel-KVER/ (scripts/build-module); the generic ones
# are the modules the guest suite loads. The compat probes' findings
# (generated/compat.h) are shown per build.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)

kernels=()
for kver in $("$top/scripts/guest-kernels"); do
	base=${kver%-amd64}
	for flavour in amd64 cloud-amd64 rt-amd64; do
		kernels+=("$base-$flavour")
	done
done

echo "TAP version 13"
echo "1..${#kernels[@]}"
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
exit $status
