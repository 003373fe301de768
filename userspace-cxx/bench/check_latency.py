#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check the shape of pmm_latency's output (the ctest smoke test).

check_latency.py OUT_DIR [--strict]

Every allocator ran every workload (--strict: none skipped), percentiles are
monotonic (p50 <= p99 <= p99.9 <= max), the outcome counts add up to the
operation counts, and no sample was dropped. Overlapping or misaligned
blocks are caught by pmm_latency --verify itself. Figures are not judged.
"""
import csv
import os
import sys

ALLOCATORS = ["pmm_best_fit", "pmm_first_fit", "genalloc_best_fit", "cma_first_fit",
              "tlsf_overask"]
ALLOC_OUTCOMES = ["exact", "split", "split2", "fail"]
FREE_OUTCOMES = ["merge0", "merge1", "merge2"]


def main():
    out = sys.argv[1]
    strict = "--strict" in sys.argv[2:]
    errors = []
    if not os.path.exists(os.path.join(out, "latency-summary.csv")):
        print("check_latency: no latency-summary.csv in %s" % out, file=sys.stderr)
        return 1
    summary = list(csv.DictReader(open(os.path.join(out, "latency-summary.csv"))))
    latency = list(csv.DictReader(open(os.path.join(out, "latency.csv"))))
    workloads = sorted({r["workload"] for r in summary})
    if not workloads:
        errors.append("no workload in latency-summary.csv")
    for w in workloads:
        for a in ALLOCATORS:
            rows = [r for r in summary if r["workload"] == w and r["allocator"] == a]
            if len(rows) != 1:
                errors.append("%s/%s: %d summary rows" % (w, a, len(rows)))
                continue
            r = rows[0]
            if r["status"] == "skipped":
                if strict:
                    errors.append("%s/%s: skipped" % (w, a))
                continue
            if int(r["ops"]) <= 0 or int(r["allocs"]) <= 0:
                errors.append("%s/%s: no timed operation" % (w, a))
            if int(r["dropped_samples"]) != 0:
                errors.append("%s/%s: dropped samples" % (w, a))
            if not 0 <= float(r["utilisation"]) <= 1:
                errors.append("%s/%s: utilisation %s" % (w, a, r["utilisation"]))
            lat = {(x["op"], x["outcome"]): x for x in latency
                   if x["workload"] == w and x["allocator"] == a}
            for (op, outcomes) in (("alloc", ALLOC_OUTCOMES), ("free", FREE_OUTCOMES)):
                if (op, "all") not in lat:
                    errors.append("%s/%s: no %s row" % (w, a, op))
                    continue
                parts = sum(int(lat[(op, o)]["count"]) for o in outcomes if (op, o) in lat)
                if parts != int(lat[(op, "all")]["count"]):
                    errors.append("%s/%s: %s outcomes add up to %d, not %s" % (
                        w, a, op, parts, lat[(op, "all")]["count"]))
            # The percentile rows leave the preempted samples out; the
            # failure count has them all.
            fails = int(lat.get(("alloc", "fail"), {"count": 0})["count"])
            if not fails <= int(r["failures"]) <= fails + int(r["preempted"]):
                errors.append("%s/%s: failures differ from the fail outcome" % (w, a))
            clean = sum(int(lat[(op, "all")]["count"]) for op in ("alloc", "free")
                        if (op, "all") in lat)
            if clean + int(r["preempted"]) != int(r["ops"]):
                errors.append("%s/%s: clean + preempted samples != ops" % (w, a))
    for x in latency:
        if int(x["count"]) == 0:
            continue
        p = [float(x[k]) for k in ("p50_ns", "p99_ns", "p999_ns", "max_ns")]
        if not (0 <= p[0] <= p[1] <= p[2] <= p[3]):
            errors.append("%s/%s/%s/%s: percentiles not monotonic: %s" % (
                x["workload"], x["allocator"], x["op"], x["outcome"], p))
    for e in errors:
        print("check_latency: " + e, file=sys.stderr)
    if not errors:
        print("check_latency: %d workloads x %d allocators, shape OK" % (
            len(workloads), len(ALLOCATORS)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
