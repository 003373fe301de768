#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn pmm_bench's and pmm_latency's output into CSV, gnuplot plots and
BENCHMARKS.md.

report.py OUT_DIR

PMM_BENCH_NOTE_FILE, if set, names a Markdown file appended as notes.
PMM_BENCH_CONDITIONS, if set, is a sentence on the machine's state during
the run (other jobs, say), printed with the machine description.

Reads OUT_DIR/bench.json (Google Benchmark JSON), OUT_DIR/fragmentation.csv
and OUT_DIR/fragmentation-summary.csv, and pmm_latency's OUT_DIR/latency*.csv
when present; writes OUT_DIR/scaling.csv, OUT_DIR/scaling.png,
OUT_DIR/fragmentation.png, OUT_DIR/latency-sweep.{svg,png} and
OUT_DIR/BENCHMARKS.md. Standard library only; plots need gnuplot (without
it, tables only).
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


def cpu_description():
    """Model, logical CPUs, MHz and cache size from /proc/cpuinfo."""
    info, cpus = {}, 0
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "processor":
                    cpus += 1
                elif key in ("model name", "cpu MHz", "cache size") and key not in info:
                    info[key] = value.strip()
    except OSError:
        pass
    return "%s, %d logical CPUs at %s MHz, %s cache" % (
        info.get("model name", platform.processor() or "unknown"), cpus,
        info.get("cpu MHz", "?"), info.get("cache size", "?"))


LAT_ALLOCATORS = ["pmm_best_fit", "pmm_first_fit", "genalloc_best_fit", "cma_first_fit",
                  "tlsf_overask"]


def read_csv(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def num(v, fmt="%.0f"):
    return "—" if v in (None, "") else fmt % float(v)


def latency_plots(out, summary):
    """p50 and p99.9 of allocations against n, unaligned and aligned."""
    sweep = {}
    for r in summary:
        if r["status"] != "ok" or not r["workload"].startswith("sweep-n"):
            continue
        name = r["workload"][len("sweep-n"):]
        aligned = name.endswith("-aligned")
        n = int(name.split("-")[0])
        sweep.setdefault((aligned, r["allocator"]), []).append(
            (n, float(r["alloc_p50_ns"]), float(r["alloc_p999_ns"])))
    if not sweep:
        return False
    for (aligned, a), pts in sweep.items():
        with open(os.path.join(out, "lat-%s-%d.dat" % (a, aligned)), "w") as f:
            for n, p50, p999 in sorted(pts):
                f.write("%d %.1f %.1f\n" % (n, max(p50, 1), max(p999, 1)))

    def plot(col, aligned):
        return ", ".join(
            "'%s/lat-%s-%d.dat' using 1:%d with linespoints lw 2 title '%s'" % (
                out, a, aligned, col, a)
            for a in LAT_ALLOCATORS if (aligned, a) in sweep)
    body = """set multiplot layout 2,2 title 'Allocation latency vs live blocks n (sweep, pool ~60%% used)'
set logscale xy
set grid
set xlabel 'live blocks n'
set ylabel 'ns'
set key top left font ',8'
set title 'p50, no alignment'
plot %s
set title 'p99.9, no alignment'
plot %s
set title 'p50, aligned'
plot %s
set title 'p99.9, aligned'
plot %s
unset multiplot
""" % (plot(2, False), plot(3, False), plot(2, True), plot(3, True))
    gnuplot("set terminal svg size 1100,800 dynamic noenhanced\nset output '%s/latency-sweep.svg'\n%s"
            % (out, body))
    gnuplot("set terminal pngcairo size 1100,800 noenhanced\nset output '%s/latency-sweep.png'\n%s"
            % (out, body))
    for (aligned, a) in sweep:
        os.remove(os.path.join(out, "lat-%s-%d.dat" % (a, aligned)))
    return shutil.which("gnuplot") is not None


def latency_section(out):
    """BENCHMARKS.md's part for pmm_latency, or [] when it did not run."""
    path = os.path.join(out, "latency-summary.csv")
    if not os.path.exists(path):
        return []
    summary = read_csv(path)
    latency = read_csv(os.path.join(out, "latency.csv"))
    meta = {r["key"]: r["value"] for r in read_csv(os.path.join(out, "latency-meta.csv"))}
    by = {(r["workload"], r["allocator"]): r for r in summary}
    lat = {(r["workload"], r["allocator"], r["op"], r["outcome"]): r for r in latency}
    workloads = []
    for r in summary:
        if r["workload"] not in workloads:
            workloads.append(r["workload"])

    L = []
    L.append("## Per-operation latency (pmm_latency)\n")
    L.append("Every allocation and free timed on its own: %s, resolution %s ns; the timer's"
             " median empty interval (%s ns) is subtracted from every sample. Seeds: %s per"
             " workload; %s; %s. %s timed operations per seed (%s in the adversarial cases)"
             " after the warm-up (at least 8n operations and a stationary free-extent count;"
             " `latency-summary.csv` has the seeds that got there). Build: %s.\n" % (
                 meta.get("timer", "?"), num(meta.get("timer_resolution_ns"), "%.1f"),
                 meta.get("timer_overhead_median_ns", "?").split()[0],
                 meta.get("seeds", "?"), meta.get("large_seeds", "?"),
                 meta.get("largest_seeds", "?"),
                 meta.get("timed_ops_per_seed", "?"), meta.get("adv_timed_ops_per_seed", "?"),
                 meta.get("build", "?")))
    L.append("**Compare figures only within this run**: the machine was shared (see above), so"
             " absolute values, and tails most of all, carry the other jobs' noise.\n")
    if meta.get("preempt_check", "").startswith("yes"):
        L.append("Samples during which the thread was switched out involuntarily (its"
                 " `ru_nivcsw` moved since the previous operation) are left out of the"
                 " percentiles and counted under `preempted`: that is scheduler time, and the"
                 " kernel calls the allocator under the pool's spinlock, preemption off."
                 " `latency-summary.csv` also has p99.9 and max with them"
                 " (`p999_with_preempted_ns`, `max_with_preempted_ns`). Time stolen by the"
                 " hypervisor is not seen and stays in.\n")

    sweep_keys = [w for w in workloads if w.startswith("sweep-n") and not w.endswith("aligned")]
    head = "sweep-n100000" if "sweep-n100000" in workloads else (sweep_keys[-1] if sweep_keys else None)
    if head and ("trace", "pmm_best_fit") in by:
        L.append("### Headline\n")
        L.append("PMM best fit against each allocator: allocation p50 / p99.9 at n = %s live"
                 " blocks (the %s sweep), the highest utilisation the recorded pipeline trace"
                 " reaches before its first failed allocation, and internal waste (pages"
                 " granted beyond those asked, over all timed allocations of the trace).\n"
                 % (head[len("sweep-n"):], head))
        L.append("| allocator | alloc p50 (ns) | alloc p99.9 (ns) | p50 vs PMM best fit |"
                 " p99.9 vs PMM best fit | trace utilisation before first failure |"
                 " trace failures per replay | internal waste |")
        L.append("|---|---:|---:|---:|---:|---:|---:|---:|")
        ref = by.get((head, "pmm_best_fit"))
        for a in LAT_ALLOCATORS:
            s_ = by.get((head, a))
            t = by.get(("trace", a))
            ok = s_ is not None and s_["status"] == "ok" and ref is not None
            def ratio(k):
                if not ok or float(ref[k]) <= 0:
                    return "—"
                return "%.1fx" % (float(s_[k]) / float(ref[k]))
            L.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
                a, num(s_["alloc_p50_ns"]) if ok else "not run",
                num(s_["alloc_p999_ns"]) if ok else "not run",
                ratio("alloc_p50_ns"), ratio("alloc_p999_ns"),
                num(float(t["utilisation"]) * 100, "%.1f%%") if t else "—",
                num(int(t["failures"]) / max(int(t["seeds"]), 1)) if t else "—",
                num(t["internal_waste_pct"], "%.2f%%") if t else "—"))
        L.append("")

    L.append("### All workloads\n")
    L.append("Per workload and allocator: allocation and free percentiles in ns, timed"
             " operations, failed allocations, utilisation (trace: highest before the first"
             " failure; otherwise the mean occupancy at the timed allocations, in requested"
             " pages) and internal waste. Operations and failures are totals over all seeds."
             " `tree h`: PMM's index height at the end of a seed (trace: the highest, sampled"
             " every 1000 operations of the untimed replay).\n")
    L.append("| workload | allocator | alloc p50 | p99 | p99.9 | max | free p50 | p99 | p99.9 |"
             " max | ops | preempted | failures | util | waste | tree h |")
    L.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for w in workloads:
        for a in LAT_ALLOCATORS:
            r = by.get((w, a))
            if r is None:
                continue
            if r["status"] != "ok":
                L.append("| %s | %s | skipped ||||||||||||||" % (w, a))
                continue
            al = lat.get((w, a, "alloc", "all"), {})
            fr = lat.get((w, a, "free", "all"), {})
            L.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |"
                     % (w, a, num(al.get("p50_ns")), num(al.get("p99_ns")),
                        num(al.get("p999_ns")), num(al.get("max_ns")), num(fr.get("p50_ns")),
                        num(fr.get("p99_ns")), num(fr.get("p999_ns")), num(fr.get("max_ns")),
                        r["ops"], r.get("preempted", ""), r["failures"], num(float(r["utilisation"]) * 100, "%.1f%%"),
                        num(r["internal_waste_pct"], "%.2f%%"),
                        r["tree_height"] if a.startswith("pmm") else ""))
    L.append("")

    L.append("### Outcome split\n")
    L.append("Share of the operations and their p50 / p99.9 in ns, by what the operation did"
             " to the free extents (read from the pool before and after: PMM's"
             " `nr_free_extents`, the baselines' neighbouring free pages). split2: a head and a"
             " tail remain; mergeK: the freed block joined K free neighbours.\n")
    outcomes = ["exact", "split", "split2", "fail", "merge0", "merge1", "merge2"]
    for w in [x for x in ("trace", "sessions8", "occupancy95", head) if x in workloads]:
        L.append("**%s**\n" % w)
        L.append("| allocator | " + " | ".join(outcomes) + " |")
        L.append("|---|" + "---:|" * len(outcomes))
        for a in LAT_ALLOCATORS:
            if (w, a) not in by or by[(w, a)]["status"] != "ok":
                continue
            total = {op: int(lat[(w, a, op, "all")]["count"]) for op in ("alloc", "free")}
            cells = []
            for o in outcomes:
                op = "alloc" if o in outcomes[:4] else "free"
                x = lat.get((w, a, op, o))
                if not x or int(x["count"]) == 0:
                    cells.append("—")
                    continue
                cells.append("%.1f%%: %s / %s" % (100.0 * int(x["count"]) / max(total[op], 1),
                                                  num(x["p50_ns"]), num(x["p999_ns"])))
            L.append("| %s | %s |" % (a, " | ".join(cells)))
        L.append("")

    if latency_plots(out, summary):
        L.append("![latency sweep](latency-sweep.svg)\n")
    L.append("Raw data: `latency.csv` (every workload, allocator, operation and outcome),"
             " `latency-summary.csv`, `latency-meta.csv`, `latency-table.txt`. What each"
             " workload and baseline is: the header comments of `bench/latency_main.cpp` and"
             " `bench/baselines.hpp`.\n")
    # Reading the figures (and what they leave out) is kept by hand.
    notes = os.path.join(os.path.dirname(os.path.abspath(__file__)), "LATENCY-NOTES.md")
    if os.path.exists(notes):
        with open(notes) as f:
            L.append(f.read().rstrip() + "\n")
    return L


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
    lines.append("Machine: %s; build: %s; load average at the start: %s%s.%s\n" % (
        cpu_description(), context.get("pmm_build_type", "?"),
        ", ".join("%.2f" % x for x in load) if load else "?",
        " (other jobs were running: wall-clock times are inflated, CPU times less so)"
        if load and load[0] > 1.0 else "",
        (" " + os.environ["PMM_BENCH_CONDITIONS"]) if os.environ.get("PMM_BENCH_CONDITIONS")
        else ""))
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
    lines.extend(latency_section(out))
    # The analysis of the figures lives in bench/NOTES.md, kept by hand.
    note = os.environ.get("PMM_BENCH_NOTE_FILE",
                          os.path.join(os.path.dirname(os.path.abspath(__file__)), "NOTES.md"))
    if os.path.exists(note):
        with open(note) as f:
            lines.append(f.read().rstrip() + "\n")
    lines.append("Raw data: `bench.json` (Google Benchmark), `scaling.csv`, `fragmentation.csv`,"
                 " `fragmentation-summary.csv`, `latency*.csv`.")
    with open(os.path.join(out, "BENCHMARKS.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
