#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# migrate_checker.sh: unit tests of the analysers the wire tests judge
# with. The capture analyser (pcap/espcheck.py), on synthetic captures:
# every property judged on the wire (duplicate (SPI, seq), reordering,
# cleartext by marker or port, ESP in UDP, IPv6 extension headers, cooked
# captures, truncated files) must be detected when present and not
# reported when absent. The stream's loss accounting (pcap/stream.py), on
# loopback: lost runs and their send times, loss placed inside or outside
# the move windows, a sender following its destination file. Needs no
# root, no netns and no module; runs on the host too.
set -u
XF_PY=${XF_PY:-/usr/bin/python3}
export PYTHONDONTWRITEBYTECODE=1
exec "$XF_PY" -S "$(dirname "$0")/pcap/unit_tests.py"
