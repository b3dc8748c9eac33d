#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Static checks of the kernel code, as TAP: a W=1 build without warnings,
# sparse without findings, checkpatch --strict without findings, of the
# test flavour (the user flavour minus fault.c: module-flavours.sh). Builds a
# scratch copy under build/static so the tree's own objects are untouched.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
kver=${KVER:-$("$top/scripts/kver" 2>/dev/null)}
kdir=${KDIR:-/usr/src/linux-headers-$kver}
checkpatch=$top/build/linux-source/scripts/checkpatch.pl
scratch=$top/build/static

echo "TAP version 13"
echo "1..3"

rm -rf "$scratch"
mkdir -p "$scratch"
cp -r "$top/Kbuild" "$top/module" "$top/uapi" "$scratch/"
find "$scratch" -name '*.o' -o -name '.*.cmd' | xargs -r rm -f

report() { # n name log
	local n=$1 name=$2 log=$3
	if [ -s "$log" ]; then
		echo "not ok $n - $name"
		sed 's/^/# /' "$log" | head -40
	else
		echo "ok $n - $name"
	fi
}

# 1. W=1: any compiler warning or error fails.
make -s -C "$kdir" M="$scratch" W=1 ESPMOB_FAULT_INJECTION=1 modules \
	>"$scratch/w1.out" 2>&1
rc=$?
grep -E 'warning:|error:' "$scratch/w1.out" >"$scratch/w1.log"
[ $rc -eq 0 ] || echo "build failed (exit $rc)" >>"$scratch/w1.log"
report 1 "W=1 build is warning-free" "$scratch/w1.log"

# 2. sparse on every file (C=2 checks even up-to-date objects).
if command -v sparse >/dev/null; then
	make -s -C "$kdir" M="$scratch" C=2 W=1 ESPMOB_FAULT_INJECTION=1 modules \
		>"$scratch/sparse.out" 2>&1
	grep -E 'warning:|error:' "$scratch/sparse.out" >"$scratch/sparse.log"
	report 2 "sparse finds nothing" "$scratch/sparse.log"
else
	echo "ok 2 - sparse finds nothing # SKIP sparse not installed"
fi

# 3. checkpatch --strict on module and uapi sources.
if [ -f "$checkpatch" ]; then
	(cd "$top" && perl "$checkpatch" --no-tree --strict --terse \
		--ignore SPDX_LICENSE_TAG -f module/*.c module/*.h module/compat/probes/*.c \
		uapi/linux/*.h) >"$scratch/cp.out" 2>&1
	grep -E 'ERROR|WARNING|CHECK' "$scratch/cp.out" >"$scratch/cp.log"
	report 3 "checkpatch --strict is clean" "$scratch/cp.log"
else
	echo "ok 3 - checkpatch --strict is clean # SKIP no checkpatch.pl (run scripts/setup-deps)"
fi
