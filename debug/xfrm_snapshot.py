# SPDX-License-Identifier: GPL-2.0
"""Normalised snapshots of the XFRM tables (ip xfrm state / policy).

Each entry (a block of `ip xfrm` output) is reduced to what a migration is
allowed to change or must keep: counters, lifetimes in use, timestamps and
the replay state of live SAs are dropped. Blocks are sorted, so order does
not matter."""
import re
import subprocess

_VOLATILE = re.compile(
    r"^\s*(lifetime current:|\d+\(bytes\), \d+\(packets\)|add \d{4}-|"
    r"stats:|replay-window \d+ replay \d+ failed|anti-replay|seq 0x|"
    r"lastused)")


def _blocks(text):
    blocks, cur = [], []
    for line in text.splitlines():
        if line and not line[0].isspace() and cur:
            blocks.append(cur)
            cur = []
        if line.strip():
            cur.append(line.rstrip())
    if cur:
        blocks.append(cur)
    return blocks


def normalise(text, keep_index=True):
    out = []
    for blk in _blocks(text):
        lines = [ln.strip() for ln in blk if not _VOLATILE.match(ln)]
        joined = " | ".join(lines)
        if not keep_index:
            joined = re.sub(r"\bindex \d+", "index _", joined)
        out.append(joined)
    return sorted(out)


def ip_xfrm(what, netns=None):
    cmd = ["ip", "-s"] + (["-n", netns] if netns else []) + ["xfrm", what]
    return subprocess.run(cmd, check=True, capture_output=True,
                          text=True).stdout


def snapshot(netns=None, keep_index=True):
    return {w: normalise(ip_xfrm(w, netns), keep_index)
            for w in ("state", "policy")}


def diff(a, b):
    """Human-readable differences between two snapshots."""
    lines = []
    for w in ("state", "policy"):
        for e in sorted(set(a[w]) - set(b[w])):
            lines.append("- %s: %s" % (w, e))
        for e in sorted(set(b[w]) - set(a[w])):
            lines.append("+ %s: %s" % (w, e))
    return lines


_TMPL = re.compile(r"tmpl src (\S+) dst (\S+) \| proto (\w+) (?:spi (\S+) )?"
                   r"reqid (\d+)\S* mode (\w+)")
_STATE = re.compile(r"^src (\S+) dst (\S+) \| proto (\w+) spi (\S+) "
                    r"reqid (\d+)\S* mode (\w+)")


def orphans(snap):
    """Policy templates that no state satisfies (an empty list is good).

    A template matches a state with the same destination, protocol and
    mode, the same source unless the template's is a wildcard, and the same
    reqid unless the template's is 0. A wildcard template address (transport
    mode) stands for the policy selector's address."""
    states = []
    for s in snap["state"]:
        m = _STATE.match(s)
        if m:
            states.append(m.groups())
    wild = ("0.0.0.0", "::")
    bad = []
    for p in snap["policy"]:
        sel = re.match(r"src (\S+?)(?:/\d+)? dst (\S+?)(?:/\d+)? ", p)
        for t in _TMPL.finditer(p):
            src, dst, proto, _, reqid, mode = t.groups()
            if dst in wild and sel:
                src, dst = sel.groups()
            ok = any(s[1] == dst and s[2] == proto and s[5] == mode and
                     (src in wild or s[0] == src) and
                     (reqid == "0" or s[4] == reqid) for s in states)
            if not ok:
                bad.append("%s (template %s)" % (p, t.group(0)))
    return bad


def only(snap, regex):
    """The entries of a snapshot that match regex."""
    rx = re.compile(regex)
    return {w: [e for e in v if rx.search(e)] for w, v in snap.items()}


def _main(argv):
    """save NETNS FILE | compare NETNS FILE [--loose] [--match RE] |
    orphans NETNS [--match RE]"""
    import json
    import sys
    match = argv[argv.index("--match") + 1] if "--match" in argv else None
    if len(argv) >= 3 and argv[0] == "save":
        with open(argv[2], "w") as f:
            json.dump(snapshot(argv[1]), f)
        return 0
    if len(argv) >= 3 and argv[0] == "compare":
        with open(argv[2]) as f:
            before = json.load(f)
        after = snapshot(argv[1])
        if match:
            before, after = only(before, match), only(after, match)
        if "--loose" in argv:  # ignore policy indexes
            before = {w: normalise("\n".join(v), False)
                      for w, v in before.items()}
            after = {w: normalise("\n".join(v), False)
                     for w, v in after.items()}
        d = diff(before, after)
        for line in d:
            print(line)
        return 1 if d else 0
    if len(argv) >= 2 and argv[0] == "orphans":
        snap = snapshot(argv[1])
        bad = orphans(only(snap, match) if match else snap)
        for b in bad:
            print(b)
        return 1 if bad else 0
    print("usage: xfrm_snapshot.py " + _main.__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    import sys
    sys.exit(_main(sys.argv[1:]))
