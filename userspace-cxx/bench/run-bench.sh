#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run-bench.sh [--quick] BUILD_DIR [OUT_DIR]
#
# Run pmm_bench (Google Benchmark scaling, fragmentation on the trace) and
# pmm_latency (per-operation latency against genalloc, CMA and TLSF) from a
# Release build of userspace-cxx and turn their output into CSV, plots and
# BENCHMARKS.md under OUT_DIR (default: the committed bench/results/).
# scripts/pmm bench builds and calls this; about 10 minutes on 2 cores.
#
# --quick: about 2 minutes (small n, 3 seeds); give it an OUT_DIR other than
# the committed results. Extra flags: PMM_BENCH_ARGS for pmm_bench/Google
# Benchmark, PMM_LATENCY_ARGS for pmm_latency (e.g. --only=sweep, --full).
set -eu

quick=
if [ "${1:-}" = --quick ]; then
	quick=1
	shift
fi
src=$(cd "$(dirname "$0")" && pwd)
build=$1
out=${2:-$src/results}
mkdir -p "$out"

for prog in pmm_bench pmm_latency; do
	[ -x "$build/$prog" ] || { echo "run-bench.sh: $build/$prog not found; build it first" >&2; exit 1; }
done

gb_quick=
latency_quick=
if [ -n "$quick" ]; then
	gb_quick='--benchmark_filter=BM_AllocFree/[a-z_]+/(100|1000|10000)/'
	latency_quick=--quick
fi

# shellcheck disable=SC2086 # the *_ARGS are lists of flags
"$build/pmm_bench" --trace="$src/traces/pipeline.trace" --frag-out="$out" \
	--benchmark_out="$out/bench.json" --benchmark_out_format=json \
	$gb_quick ${PMM_BENCH_ARGS:-}

# shellcheck disable=SC2086
"$build/pmm_latency" --trace="$src/traces/pipeline.trace" --out="$out" \
	$latency_quick ${PMM_LATENCY_ARGS:-} | tee "$out/latency-table.txt"

python3 "$src/report.py" "$out"
echo "run-bench.sh: results in $out (BENCHMARKS.md, *.csv, *.png, *.svg, latency-table.txt)"
