#!/usr/bin/env python3
"""Prints Google Benchmark results as a markdown table of ours-vs-reference ratios.

Pairs are BM_<what>_ours/<args> with BM_<what>_raw/<args> (or _ref, _rows). The ratio uses the median
real time: ratio = raw_time / ours_time (1.00 = same speed; 0.95 = ours is 5% slower).
"""
import json
import re
import sys


def main(path):
    data = json.load(open(path))
    medians = {}
    for b in data["benchmarks"]:
        if b.get("aggregate_name") != "median":
            continue
        medians[b["run_name"]] = b["real_time"], b["time_unit"], b.get("items_per_second")
    print(f"\n### {data['context'].get('executable', path).split('/')[-1]}\n")
    print("| benchmark | ours | reference | ours/reference throughput |")
    print("|---|---|---|---|")
    for name, (t, unit, _) in sorted(medians.items()):
        m = re.match(r"BM_(.+)_ours(/.*)?$", name)
        if not m:
            continue
        for ref_kind in ("raw", "ref", "rows"):
            ref = f"BM_{m.group(1)}_{ref_kind}{m.group(2) or ''}"
            if ref in medians:
                rt = medians[ref][0]
                print(f"| {m.group(1)}{m.group(2) or ''} | {t:.1f} {unit} | {rt:.1f} {unit} "
                      f"({ref_kind}) | {rt / t:.3f} |")
    others = [n for n in medians if not re.search(r"_(ours|raw|ref|rows)(/|$)", n)]
    for n in sorted(others):
        t, unit, ips = medians[n]
        print(f"| {n} | {t:.1f} {unit} | — | {'%.0f items/s' % ips if ips else ''} |")


if __name__ == "__main__":
    for p in sys.argv[1:]:
        main(p)
