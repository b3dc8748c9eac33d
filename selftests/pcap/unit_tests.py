#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The analysers' unit tests in one TAP stream: espcheck.py on synthetic
captures, stream.py's loss accounting on loopback."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_espcheck  # noqa: E402
import test_stream  # noqa: E402
import tap  # noqa: E402

if __name__ == '__main__':
    sys.exit(tap.run([test_espcheck, test_stream]))
