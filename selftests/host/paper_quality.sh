#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The paper reproduction's quality metric (paper/quality: STOI, alignment,
# G.107 E-model) against the reference voice, which paper/voice makes
# afresh in a temporary directory (espeak-ng and ffmpeg, well under a
# second). TAP from paper/quality/test_quality.py. Host only, no root.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "TAP version 13"
missing=
for c in espeak-ng ffmpeg; do
	command -v "$c" >/dev/null || missing+=" $c"
done
/usr/bin/python3 -c 'import numpy, scipy' 2>/dev/null || missing+=" python3-numpy/python3-scipy"
if [ -n "$missing" ]; then
	echo "1..1"
	echo "not ok 1 - missing:$missing (scripts/setup-deps installs them)"
	exit 1
fi
if ! "$top/paper/voice" "$tmp/voice" >"$tmp/voice.log" 2>&1; then
	echo "1..1"
	echo "not ok 1 - paper/voice makes the reference voice"
	sed 's/^/# /' "$tmp/voice.log"
	exit 1
fi
# the tests print their own plan and TAP version; drop the second header
"$top/paper/quality/test_quality.py" "$tmp/voice/voice.wav" | grep -v '^TAP version'
exit "${PIPESTATUS[0]}"
