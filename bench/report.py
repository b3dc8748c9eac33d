#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench/report.py DIR: turn the raw data bench/guest.sh wrote in DIR into
DIR/results.md (tables and the bars), DIR/results.json, and, if gnuplot is
installed, DIR/latency.png and DIR/scale.png."""

import csv
import json
import os
import re
import shutil
import subprocess
import sys

METHODS = ["libreswan", "strongswan", "espmob", "espmob-S", "espmob-E"]
LABEL = {
    "libreswan": "XFRM_MSG_MIGRATE (libreswan sequence)",
    "strongswan": "delete + re-add (strongSwan 5.9 sequence)",
    "espmob": "esp_mobility, SAs and policies named",
    "espmob-S": "esp_mobility, SPIs only",
    "espmob-E": "esp_mobility, endpoints only",
}
ESPMOB = ["espmob", "espmob-S", "espmob-E"]
SHORT = {"espmob": "named", "espmob-S": "SPIs only",
         "espmob-E": "endpoints only"}


def key_of(row):
    if row["method"] == "espmob" and row["variant"] == "endpoints":
        return "espmob-E"
    if row["method"] == "espmob" and row["variant"] == "spis":
        return "espmob-S"
    return row["method"]


def stats(ns):
    ns = sorted(ns)
    n = len(ns)
    return {
        "n": n,
        "median_us": ns[n // 2] / 1e3,
        "p99_us": ns[min(n - 1, (n * 99) // 100)] / 1e3,
        "min_us": ns[0] / 1e3,
        "mean_us": sum(ns) / n / 1e3,
    }


def load_csv(path):
    groups = {}
    if not os.path.exists(path):
        return groups
    with open(path) as f:
        for row in csv.DictReader(f):
            k = (row["mode"], int(row["children"]), int(row["others"]),
                 int(row["peers"]), key_of(row))
            g = groups.setdefault(k, {"ns": [], "kns": [],
                                      "msgs": int(row["msgs"])})
            g["ns"].append(int(row["ns"]))
            g["kns"].append(int(row.get("kernel_ns") or 0))
    out = {}
    for k, v in groups.items():
        kern = sorted(v["kns"])[len(v["kns"]) // 2] / 1e3
        out[k] = dict(stats(v["ns"]), msgs=v["msgs"],
                      kernel_median_us=kern or None)
    return out


def kv_lines(path):
    out = []
    if not os.path.exists(path):
        return out
    for line in open(path):
        d = dict(re.findall(r"(\w+)=(\S+)", line))
        if d:
            d["_line"] = line.strip()
            out.append(d)
    return out


def fmt(x, digits=1):
    return "-" if x is None else f"{x:.{digits}f}"


def ratio(a, b):
    return a / b if a is not None and b else None


def main():
    d = sys.argv[1]
    lat = load_csv(os.path.join(d, "latency.csv"))
    scale = load_csv(os.path.join(d, "scale.csv"))
    mass = load_csv(os.path.join(d, "mass.csv"))
    dp = kv_lines(os.path.join(d, "datapath.txt"))
    mem = kv_lines(os.path.join(d, "memory.txt"))
    info = open(os.path.join(d, "info.txt")).read() if os.path.exists(
        os.path.join(d, "info.txt")) else ""
    res = {"info": info, "latency": [], "scale": [], "mass": [],
           "datapath": dp, "memory": mem, "bars": []}
    md = []
    w = md.append

    w("# esp_mobility benchmark results\n")
    w("The guest is **emulated (qemu TCG)** on a shared host, so absolute "
      "times mean little: they are tens of times slower than on hardware "
      "and noisy. The methods run side by side in one guest and take turns "
      "migration by migration, so their **ratios** are what to read.\n")
    w("```\n" + info.strip() + "\n```\n")

    # Figure 1
    w("## 1. Latency of one peer's migration (no other peers)\n")
    w("Request(s) sent to last reply received, per migration, moving the "
      "local address back and forth between 192.0.2.1 and 198.51.100.1.\n")
    w("| configuration | method | migrations | requests | median µs | p99 µs "
      "| min µs | esp_mobility / this (median) | (min) |")
    w("|---|---|---|---|---|---|---|---|---|")
    configs = [("tunnel", 1), ("tunnel", 4), ("transport", 1)]
    for mode, ch in configs:
        em = lat.get((mode, ch, 0, 1, "espmob"))
        for m in METHODS:
            s = lat.get((mode, ch, 0, 1, m))
            if not s:
                continue
            r = ratio(em and em["median_us"], s["median_us"])
            rmin = ratio(em and em["min_us"], s["min_us"])
            res["latency"].append(dict(s, mode=mode, children=ch, method=m,
                                       espmob_ratio=r, espmob_ratio_min=rmin))
            w(f"| {mode}, {ch} CHILD SA{'s' if ch > 1 else ''} | {LABEL[m]} "
              f"| {s['n']} | {s['msgs']} | {fmt(s['median_us'])} "
              f"| {fmt(s['p99_us'])} | {fmt(s['min_us'])} | {fmt(r, 2)} "
              f"| {fmt(rmin, 2)} |")
    w("")

    kern = [(mode, ch, m, lat[(mode, ch, 0, 1, m)]["kernel_median_us"])
            for mode, ch in configs for m in ESPMOB
            if (mode, ch, 0, 1, m) in lat]
    if kern:
        w("Time esp_mobility itself reports for the request "
          "(ESPMOB_RESULT_A_DURATION_NS, median): " + "; ".join(
              f"{mode} {ch}, {SHORT[m]}: "
              f"{fmt(k)} µs" for mode, ch, m, k in kern) + ".\n")
    w("### Transport mode: what each method leaves behind\n")
    w("One migration per method, then a check that every SA and policy is "
      "where a correct migration puts it (bench/transport-*.txt hold the "
      "`ip xfrm` output):\n")
    for m in METHODS:
        p = os.path.join(d, f"transport-{m}.txt")
        if not os.path.exists(p):
            continue
        text = open(p).read()
        problems = sorted(set(re.findall(r"verify: peer \d+ CHILD \d+: (.*)",
                                         text)))
        res.setdefault("transport", {})[m] = problems
        w(f"- {LABEL[m]}: " + ("correct" if not problems
                              else "**broken**: " + "; ".join(problems)))
    w("\nXFRM_MSG_MIGRATE rewrites neither the SAs' selectors nor the "
      "policies' selectors: after the call the transport-mode SAs are at the "
      "new addresses but select traffic of the old one, and the policies "
      "still match only the old address, so traffic from the new address "
      "leaves without IPsec (no policy matches it) and inbound packets fail "
      "the selector check. (For the timing above the libreswan sequence is "
      "given the selectors the kernel holds, so that its calls succeed.)\n")

    # Figure 2
    w("## 2. Scale\n")
    w("One peer's migration (1 CHILD SA, tunnel) with N other peers "
      "installed (each 2 SAs, 3 policies). Kernel µs: what esp_mobility "
      "reports for the request (ESPMOB_RESULT_A_DURATION_NS, median), the "
      "request's own cost; / N=%d: the median (wall, kernel) against the "
      "same method's at the smallest N of this run.\n" % (
          min({k[2] for k in scale}) if scale else 0))
    w("| other peers N | method | migrations | median µs | p99 µs | min µs "
      "| kernel µs | / smallest N (wall) | (kernel) |")
    w("|---|---|---|---|---|---|---|---|---|")
    ns_list = sorted({k[2] for k in scale})
    for n in ns_list:
        for m in METHODS:
            s = scale.get(("tunnel", 1, n, 1, m))
            if not s:
                continue
            base = scale.get(("tunnel", 1, ns_list[0], 1, m))
            r = ratio(s["median_us"], base and base["median_us"])
            rk = ratio(s["kernel_median_us"],
                       base and base["kernel_median_us"])
            res["scale"].append(dict(s, others=n, method=m,
                                     ratio_to_smallest=r,
                                     kernel_ratio_to_smallest=rk))
            w(f"| {n} | {LABEL[m]} | {s['n']} | {fmt(s['median_us'])} "
              f"| {fmt(s['p99_us'])} | {fmt(s['min_us'])} "
              f"| {fmt(s['kernel_median_us'])} | {fmt(r, 2)} "
              f"| {fmt(rk, 2)} |")
    w("")
    w("Mass move: every one of K peers moves (the host's address changes), "
      "one request sequence per peer, the methods in turn.\n")
    w("| peers K | method | moves | seconds per move | peers/s |")
    w("|---|---|---|---|---|")
    for k in sorted({k[3] for k in mass}):
        for m in METHODS:
            s = next((v for kk, v in mass.items() if kk[3] == k and kk[4] == m),
                     None)
            if not s:
                continue
            pps = k / (s["mean_us"] / 1e6)
            res["mass"].append(dict(s, peers=k, method=m, peers_per_s=pps))
            w(f"| {k} | {LABEL[m]} | {s['n']} | {fmt(s['mean_us'] / 1e6, 2)} "
              f"| {fmt(pps, 0)} |")
    w("")

    # Figure 3
    w("## 3. Datapath during migrations\n")
    w("A UDP stream (64-byte datagrams) through peer 0's tunnel-mode CHILD SA "
      "while the method moves it back and forth (20 ms pause between "
      "migrations). Lost = datagrams the application sent (or tried to) that "
      "did not arrive; duplicates and cleartext are counted on the sender's "
      "wire (AF_PACKET, outgoing); ACQUIREs on the XFRMNLGRP_ACQUIRE group. "
      "`none` is the same run without migrations. The rate is what the "
      "emulated guest reached (the target is BENCH_RATE): the lower it is, "
      "the fewer packets fall into a migration's window, so read losses "
      "together with the rate; the outage (lost / migrations / rate) does "
      "not depend on it. datapath-xfrm_stat.txt has the kernel's counters "
      "(XfrmOutNoStates, XfrmOutStateInvalid, XfrmInStateSeqError: replayed "
      "sequence numbers, XfrmOutPolBlock) that say where packets went.\n")
    w("| method | migrations | rate pkt/s | sent | lost | lost per migration "
      "| outage ms per migration | dup (SPI, seq) | cleartext | ACQUIREs "
      "| send errors | capture drops |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in dp:
        sent = int(r.get("attempted", 0))
        lost = sent - int(r.get("unique", 0))
        mig = int(r.get("migrations", 0))
        r["lost"] = lost
        r["lost_per_migration"] = lost / mig if mig else None
        rate = float(r.get("rate", 0))
        r["outage_ms"] = (lost / mig / rate * 1e3) if mig and rate else None
        name = LABEL.get(r["method"], r["method"])
        w(f"| {name} | {mig} | {r.get('rate', '-')} | {sent} | {lost} "
          f"| {fmt(r['lost_per_migration'], 2)} | {fmt(r['outage_ms'], 2)} "
          f"| {r.get('dup_spi_seq', '-')} "
          f"| {r.get('cleartext', '-')} | {r.get('acquires', '-')} "
          f"| {r.get('errors', '-')} | {r.get('capture_drops', '-')} |")
    w("")

    # Figure 4
    w("## 4. Memory\n")
    for r in mem:
        w(f"- `{r['_line']}`")
    w("\nper_peer_bytes: unreclaimable slab + per-cpu growth per installed "
      "peer (2 AES-GCM SAs, 3 policies). A migration holds clones of the "
      "peer's SAs and copies of its policies until it commits, so the "
      "kernel memory of one in-flight migration is at most one peer's "
      "footprint, and less when the clones keep their SAs' crypto "
      "transforms (same outer family and encapsulation: no new AES-GCM "
      "transform is allocated); residual lines: slab growth over that many "
      "migrations (0 or noise: nothing kept).\n")

    # Bars
    def lat_ratio(base):
        a = lat.get(("tunnel", 4, 0, 1, "espmob"))
        b = lat.get(("tunnel", 4, 0, 1, base))
        return ratio(a and a["median_us"], b and b["median_us"])

    bars = []
    r = lat_ratio("libreswan")
    bars.append(("latency, 4 CHILD SAs: esp_mobility / libreswan sequence "
                 "<= 0.5", r, r is not None and r <= 0.5))
    r = lat_ratio("strongswan")
    bars.append(("latency, 4 CHILD SAs: esp_mobility / strongSwan sequence "
                 "<= 0.25", r, r is not None and r <= 0.25))
    # the request's cost is what the module reports for it; the wall
    # time adds the emulated machine's own growth with the working set
    for m in ESPMOB:
        worst = None
        for n in ns_list[1:]:
            lo = scale.get(("tunnel", 1, ns_list[0], 1, m))
            hi = scale.get(("tunnel", 1, n, 1, m))
            r = ratio(hi and hi["kernel_median_us"],
                      lo and lo["kernel_median_us"])
            if r is not None and (worst is None or r > worst[1]):
                worst = (n, r)
        if worst:
            bars.append((f"{SHORT[m]} request: kernel cost at every N / "
                         f"N={ns_list[0]} <= 2 (worst: N={worst[0]})",
                         worst[1], worst[1] <= 2))
    big = max((k[3] for k in mass), default=None)
    if big:
        rate = {}
        for m in ("espmob", "espmob-E"):
            s = next((v for kk, v in mass.items()
                      if kk[3] == big and kk[4] == m), None)
            rate[m] = s and big / (s["mean_us"] / 1e6)
        r = ratio(rate["espmob-E"], rate["espmob"])
        bars.append((f"mass move of {big} peers: endpoints-only peers/s / "
                     "named peers/s >= 1", r, r is not None and r >= 1))
    e = next((x for x in dp if x["method"] == "espmob"), None)
    if e:
        for what, k, lim in [("duplicates", "dup_spi_seq", 0),
                             ("cleartext", "cleartext", 0),
                             ("ACQUIREs", "acquires", 0)]:
            v = int(e.get(k, -1))
            bars.append((f"datapath {what} == {lim}", v, v == lim))
        v = e["lost_per_migration"]
        bars.append(("datapath lost per migrated SA <= 1 (per migration "
                     "of the SA carrying the stream)", v,
                     v is not None and v <= 1))
    w("## Bars (esp_mobility against the baselines, same run)\n")
    w("| bar | measured | met |")
    w("|---|---|---|")
    for name, v, ok in bars:
        val = "-" if v is None else (f"{v:.3f}" if isinstance(v, float) else v)
        w(f"| {name} | {val} | {'yes' if ok else '**no**'} |")
        res["bars"].append({"bar": name, "value": v, "met": bool(ok)})
    w("")

    open(os.path.join(d, "results.md"), "w").write("\n".join(md) + "\n")
    json.dump(res, open(os.path.join(d, "results.json"), "w"), indent=1,
              default=str)
    plot(d, lat, scale, ns_list)


def plot(d, lat, scale, ns_list):
    if not shutil.which("gnuplot"):
        return
    with open(os.path.join(d, "latency.dat"), "w") as f:
        f.write("config " + " ".join(METHODS) + "\n")
        for mode, ch in [("tunnel", 1), ("tunnel", 4), ("transport", 1)]:
            vals = [lat.get((mode, ch, 0, 1, m)) for m in METHODS]
            f.write(f"{mode}-{ch} " + " ".join(
                fmt(v and v["median_us"]).replace("-", "NaN") for v in vals)
                + "\n")
    with open(os.path.join(d, "scale.dat"), "w") as f:
        f.write("N " + " ".join(METHODS) + "\n")
        for n in ns_list:
            vals = [scale.get(("tunnel", 1, n, 1, m)) for m in METHODS]
            f.write(f"{n} " + " ".join(
                fmt(v and v["median_us"]).replace("-", "NaN") for v in vals)
                + "\n")
    gp = f"""
set terminal pngcairo size 900,500 noenhanced
set datafile missing 'NaN'
set output '{d}/latency.png'
set title 'One peer migration, median (qemu TCG: compare ratios)'
set ylabel 'microseconds'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key top left
plot for [i=2:{len(METHODS) + 1}] '{d}/latency.dat' using i:xtic(1) title columnheader(i)
set output '{d}/scale.png'
set title 'One peer migration with N other peers, median'
set logscale xy
set xlabel 'other peers N'
set style data linespoints
plot for [i=2:{len(METHODS) + 1}] '{d}/scale.dat' using 1:i title columnheader(i)
"""
    try:
        subprocess.run(["gnuplot"], input=gp, text=True, check=True,
                       capture_output=True)
    except (subprocess.CalledProcessError, OSError) as e:
        print(f"report.py: gnuplot failed: {e}", file=sys.stderr)


if __name__ == "__main__":
    main()
