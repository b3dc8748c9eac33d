# SPDX-License-Identifier: GPL-2.0
"""A minimal TAP 13 runner for the analysers' unit tests.

A test module registers its cases with @case; run(modules) runs every
case of the modules given, each in a fresh temporary directory, and
prints one TAP line per case. A case returns True to pass; a crash is a
failure.
"""

import tempfile

CASES = []


def case(fn):
    CASES.append(fn)
    return fn


def run(modules):
    names = [m.__name__ for m in modules]
    cases = [fn for fn in CASES if fn.__module__ in names]
    print('TAP version 13')
    print('1..%d' % len(cases))
    failed = 0
    for i, fn in enumerate(cases, 1):
        with tempfile.TemporaryDirectory() as d:
            try:
                ok = fn(d)
            except Exception as e:  # a crash is a failure, with the reason
                print('# %s: %r' % (fn.__name__, e))
                ok = False
        failed += not ok
        area = fn.__module__.replace('test_', '')
        print('%s %d - %s %s' % ('ok' if ok else 'not ok', i, area,
                                 fn.__name__))
    return 1 if failed else 0
