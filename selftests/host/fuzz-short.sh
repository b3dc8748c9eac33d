#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A short libFuzzer run of every espmob fuzz target (command lines, netlink
# replies, VICI messages), as TAP: one line per target, failing on any
# crash, sanitizer report or leak. The long run is `make -C userspace fuzz`.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top/userspace" || exit 1

echo "TAP version 13"
if ! command -v clang >/dev/null; then
	echo "1..0 # SKIP clang not installed (run scripts/setup-deps)"
	exit 0
fi

targets=$(ls fuzz/*.c 2>/dev/null | xargs -n1 basename | sed 's/\.c$//')
n=$(echo "$targets" | wc -w)
echo "1..$((n + 1))"

# crash files of earlier runs must not count against this one
rm -f "$top"/build/userspace/fuzz/crash-* "$top"/build/userspace/fuzz/leak-*
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if make -s fuzz-short >"$log" 2>&1; then
	echo "ok 1 - fuzz targets build and run"
	build_ok=1
else
	echo "not ok 1 - fuzz targets build and run"
	sed 's/^/# /' "$log" | tail -30
	build_ok=0
fi

i=1
for t in $targets; do
	i=$((i + 1))
	runs=$(awk -v t="$t" '$0 ~ "^fuzz: " t " " {on=1; next}
		/^fuzz: / {on=0}
		on && /stat::number_of_executed_units/ {print $2}' "$log")
	if [ "$build_ok" = 1 ] && [ -n "$runs" ] && [ "$runs" -gt 0 ] &&
		! ls "$top"/build/userspace/fuzz/crash-* \
			"$top"/build/userspace/fuzz/leak-* >/dev/null 2>&1; then
		echo "ok $i - fuzz $t: $runs inputs, no crash"
	else
		echo "not ok $i - fuzz $t: ${runs:-no} inputs"
	fi
done
