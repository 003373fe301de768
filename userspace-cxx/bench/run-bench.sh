#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run-bench.sh BUILD_DIR [OUT_DIR]
#
# Run pmm_bench from a Release build of userspace-cxx and turn its output
# into CSV, PNG plots and BENCHMARKS.md under OUT_DIR (default: the
# committed bench/results/). scripts/pmm bench builds and calls this.
# Extra pmm_bench/Google Benchmark flags can be passed in PMM_BENCH_ARGS,
# e.g. PMM_BENCH_ARGS=--benchmark_filter=pmm_ for a quick run.
set -eu

src=$(cd "$(dirname "$0")" && pwd)
build=$1
out=${2:-$src/results}
mkdir -p "$out"

bench="$build/pmm_bench"
[ -x "$bench" ] || { echo "run-bench.sh: $bench not found; build target pmm_bench first" >&2; exit 1; }

# shellcheck disable=SC2086 # PMM_BENCH_ARGS is a list of flags
"$bench" --trace="$src/traces/pipeline.trace" --frag-out="$out" \
	--benchmark_out="$out/bench.json" --benchmark_out_format=json \
	${PMM_BENCH_ARGS:-}

python3 "$src/report.py" "$out"
echo "run-bench.sh: results in $out (BENCHMARKS.md, *.csv, *.png)"
