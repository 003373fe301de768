#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn pmm_bench's output into CSV, gnuplot PNGs and BENCHMARKS.md.

report.py OUT_DIR

PMM_BENCH_NOTE_FILE, if set, names a Markdown file appended as notes.

Reads OUT_DIR/bench.json (Google Benchmark JSON), OUT_DIR/fragmentation.csv
and OUT_DIR/fragmentation-summary.csv; writes OUT_DIR/scaling.csv,
OUT_DIR/scaling.png, OUT_DIR/fragmentation.png and OUT_DIR/BENCHMARKS.md.
Standard library only; plots need gnuplot.
"""
import csv
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys

TARGET_NS_1E5 = 250.0
TARGET_RATIO = 2.5
TARGET_SPEEDUP = 50.0
ALLOCATORS = ["pmm_best_fit", "pmm_first_fit", "bitmap_best_fit"]


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load_scaling(path):
    with open(path) as f:
        data = json.load(f)
    rows = {}
    for b in data["benchmarks"]:
        if b.get("run_type") != "aggregate" or b.get("aggregate_name") != "median":
            continue
        m = re.match(r"BM_AllocFree/([a-z_]+)/(\d+)", b["name"])
        if not m:
            continue
        scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}[b.get("time_unit", "ns")]
        rows[(m.group(1), int(m.group(2)))] = {
            "ns": b["real_time"] * scale,
            "cpu_ns": b["cpu_time"] * scale,
            "free_extents": b.get("free_extents", 0),
            "failed": b.get("failed_allocs", 0),
        }
    return data.get("context", {}), rows


def gnuplot(script):
    if not shutil.which("gnuplot"):
        print("report.py: gnuplot not found, no PNG", file=sys.stderr)
        return
    subprocess.run(["gnuplot"], input=script.encode(), check=True)


def main():
    out = sys.argv[1]
    context, rows = load_scaling(os.path.join(out, "bench.json"))
    sizes = sorted({n for (_, n) in rows})

    with open(os.path.join(out, "scaling.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["allocator", "live_blocks", "median_ns_per_pair", "median_cpu_ns_per_pair",
                    "free_extents", "failed_allocs"])
        for a in ALLOCATORS:
            for n in sizes:
                if (a, n) in rows:
                    r = rows[(a, n)]
                    w.writerow([a, n, "%.1f" % r["ns"], "%.1f" % r["cpu_ns"], int(r["free_extents"]),
                                int(r["failed"])])

    # One data file per allocator for gnuplot.
    for a in ALLOCATORS:
        with open(os.path.join(out, "scaling-%s.dat" % a), "w") as f:
            for n in sizes:
                if (a, n) in rows:
                    f.write("%d %.1f\n" % (n, rows[(a, n)]["ns"]))
    plots = ", ".join(
        "'%s/scaling-%s.dat' using 1:2 with linespoints lw 2 title '%s'" % (out, a, a)
        for a in ALLOCATORS)
    gnuplot("""set terminal pngcairo size 900,600 noenhanced
set output '%s/scaling.png'
set title 'Alloc+free pair with n live blocks (median, 1-64 pages, no alignment)'
set xlabel 'live blocks n'
set ylabel 'ns per pair'
set logscale xy
set grid
set key top left
plot %s
""" % (out, plots))
    for a in ALLOCATORS:
        os.remove(os.path.join(out, "scaling-%s.dat" % a))

    # Fragmentation: one series file per policy.
    series = {}
    with open(os.path.join(out, "fragmentation.csv")) as f:
        for r in csv.DictReader(f):
            series.setdefault(r["policy"], []).append(r)
    for p, rs in series.items():
        with open(os.path.join(out, "frag-%s.dat" % p), "w") as f:
            for r in rs:
                f.write("%s %s %s\n" % (r["op"], r["largest_free_pages"], r["utilisation"]))
    summary = list(csv.DictReader(open(os.path.join(out, "fragmentation-summary.csv"))))
    total = int(summary[0]["total_pages"]) if summary else 1
    largest = ", ".join(
        "'%s/frag-%s.dat' using 1:2 with lines lw 1.5 title '%s'" % (out, p, p) for p in series)
    util = ", ".join(
        "'%s/frag-%s.dat' using 1:($3*100) with lines lw 1.5 title '%s'" % (out, p, p)
        for p in series)
    gnuplot("""set terminal pngcairo size 1000,800 noenhanced
set output '%s/fragmentation.png'
set multiplot layout 2,1 title 'camera -> codec -> display trace, %d pages'
set xlabel 'operation'
set grid
set ylabel 'largest free extent (pages)'
set key top right
plot %s
set ylabel 'pool utilisation (%%)'
set yrange [0:100]
set key bottom right
plot %s
unset multiplot
""" % (out, total, largest, util))
    for p in series:
        os.remove(os.path.join(out, "frag-%s.dat" % p))

    # BENCHMARKS.md
    def ns(a, n, key="ns"):
        return rows[(a, n)][key] if (a, n) in rows else None

    def fmt(v):
        return "—" if v is None else ("%.0f" % v if v >= 100 else "%.1f" % v)

    lines = []
    lines.append("# PMM allocator benchmarks\n")
    lines.append("Generated by `bench/run-bench.sh` (pmm_bench + bench/report.py) on %s." %
                 datetime.date.today().isoformat())
    load = context.get("load_avg", [])
    lines.append("CPU: %s, %s CPUs; build: %s; load average at the start: %s%s.\n" % (
        cpu_model(), context.get("num_cpus", "?"), context.get("pmm_build_type", "?"),
        ", ".join("%.2f" % x for x in load) if load else "?",
        " (other jobs were running: wall-clock times are inflated, CPU times less so)"
        if load and load[0] > 1.0 else ""))
    lines.append("## Alloc+free pair vs live blocks (median ns per pair)\n")
    lines.append("Same address space and operation stream for all three: blocks of 1-64 pages,"
                 " no alignment, pool sized for ~60% use, steady state after n warm-up pairs."
                 " The bitmap baseline is genalloc's `gen_pool_best_fit()` algorithm"
                 " (bench/bitmap_best_fit.hpp); it is not run at n = 1e6, where its setup"
                 " alone would take over half an hour.\n")
    lines.append("Wall-clock median, with the CPU-time median in parentheses.\n")
    lines.append("| allocator | " + " | ".join("n = %d" % n for n in sizes) + " |")
    lines.append("|---|" + "---:|" * len(sizes))
    for a in ALLOCATORS:
        lines.append("| %s | " % a + " | ".join(
            "—" if ns(a, n) is None else "%s (%s)" % (fmt(ns(a, n)), fmt(ns(a, n, "cpu_ns")))
            for n in sizes) + " |")
    lines.append("\n![scaling](scaling.png)\n")

    lines.append("## Targets\n")
    lines.append("On wall-clock medians (CPU-time medians in the second pair of columns).\n")
    lines.append("| target | pmm_best_fit | pmm_first_fit | best fit, CPU time | first fit, CPU time |")
    lines.append("|---|---|---|---|---|")

    def verdict(v, ok):
        return "—" if v is None else ("%s (%s)" % (v, "met" if ok else "MISSED"))

    row1, row2, row3 = [], [], []
    for key in ("ns", "cpu_ns"):
        for a in ALLOCATORS[:2]:
            t = ns(a, 100000, key)
            row1.append(verdict(None if t is None else "%.0f ns" % t,
                                t is not None and t <= TARGET_NS_1E5))
            t6, t3 = ns(a, 1000000, key), ns(a, 1000, key)
            r = None if t6 is None or t3 is None else t6 / t3
            row2.append(verdict(None if r is None else "%.2f" % r,
                                r is not None and r <= TARGET_RATIO))
            tb = ns("bitmap_best_fit", 100000, key)
            s = None if t is None or tb is None else tb / t
            row3.append(verdict(None if s is None else "%.0fx" % s,
                                s is not None and s >= TARGET_SPEEDUP))
    lines.append("| median pair at n = 1e5 ≤ %d ns | %s |" % (TARGET_NS_1E5, " | ".join(row1)))
    lines.append("| time(1e6) / time(1e3) ≤ %.1f | %s |" % (TARGET_RATIO, " | ".join(row2)))
    lines.append("| ≥ %dx faster than the bitmap at n = 1e5 | %s |" %
                 (TARGET_SPEEDUP, " | ".join(row3)))

    lines.append("\n## Fragmentation on the recorded pipeline trace\n")
    lines.append("`bench/traces/pipeline.trace` (made by `pmm_tracegen`): camera rings and codec"
                 " DPBs of NV12 frames, codec bitstream buffers, triple-buffered XRGB8888 display"
                 " buffers and 4-64 KiB control buffers, sessions starting, stopping and switching"
                 " 720p/1080p/4K, in a 512 MiB pool of two regions.\n")
    lines.append("| policy | highest utilisation before the first failure | first failure at op |"
                 " failed allocations | smallest largest-free | mean largest-free (pages) |")
    lines.append("|---|---:|---:|---:|---:|---:|")
    for r in summary:
        lines.append("| %s | %.1f%% | %s | %s | %s | %.0f |" % (
            r["policy"], 100 * float(r["util_before_first_failure"]), r["first_failure_op"],
            r["failures"], r["min_largest_free"], float(r["mean_largest_free"])))
    lines.append("\n![fragmentation](fragmentation.png)\n")
    # The analysis of the figures lives in bench/NOTES.md, kept by hand.
    note = os.environ.get("PMM_BENCH_NOTE_FILE",
                          os.path.join(os.path.dirname(os.path.abspath(__file__)), "NOTES.md"))
    if os.path.exists(note):
        with open(note) as f:
            lines.append(f.read().rstrip() + "\n")
    lines.append("Raw data: `bench.json` (Google Benchmark), `scaling.csv`, `fragmentation.csv`,"
                 " `fragmentation-summary.csv`.")
    with open(os.path.join(out, "BENCHMARKS.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
