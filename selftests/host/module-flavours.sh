#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module's two flavours, as TAP. The user flavour (`make module-user`,
# what `make install`, DKMS and the Debian package build) must build
# without warnings and carry no fault injection: no fail_step parameter,
# no /proc/net/esp_mobility_fail_step file name, no fault.c symbols. The
# test flavour (`make module`, the esp_mobility.ko the guest suites load)
# must have the file. The guest side (no file once the user flavour is
# loaded) is checked by the package install test, selftests/vm/install-debs.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
user=$top/build/module-user/esp_mobility.ko
test_ko=$top/esp_mobility.ko
log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "TAP version 13"
echo "1..3"

# no fault injection in a module: nothing of fault.c, no knob of any kind
hooks() {	# KO: prints what fault injection it carries
	modinfo -F parm "$1" | grep fail_step
	grep -ao esp_mobility_fail_step "$1" | head -n 1
	nm "$1" | grep -E ' espmob_fault(_arm|_init|_exit)?$'
}

make -s -C "$top" module-user >"$log" 2>&1
rc=$?
if [ $rc = 0 ] && [ -f "$user" ] && ! grep -qE 'warning:|error:' "$log"; then
	echo "ok 1 - the user flavour builds warning-free (W=1)"
else
	echo "not ok 1 - the user flavour builds warning-free (W=1)"
	sed 's/^/# /' "$log" | tail -30
fi

found=$([ -f "$user" ] && hooks "$user")
if [ -f "$user" ] && [ -z "$found" ]; then
	echo "ok 2 - the user flavour has no fault injection"
else
	echo "not ok 2 - the user flavour has no fault injection"
	echo "# ${found:-not built}" | head -5
fi

found=$([ -f "$test_ko" ] && hooks "$test_ko")
if [[ $found == *esp_mobility_fail_step* && $found == *espmob_fault_arm* ]]; then
	echo "ok 3 - the test flavour (make module) has /proc/net/esp_mobility_fail_step"
else
	echo "not ok 3 - the test flavour (make module) has /proc/net/esp_mobility_fail_step"
	echo "# ${found:-$test_ko not built (run make)}"
fi
