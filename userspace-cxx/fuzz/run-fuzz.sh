#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Bounded libFuzzer run for CTest: run-fuzz.sh FUZZER CORPUS_DIR SECONDS
#
# Works on a copy of the committed seed corpus so the run never modifies it;
# a crash leaves the failing input in the temporary directory, printed below.
set -eu

fuzzer=$1
corpus=$2
seconds=$3

work=$(mktemp -d "${TMPDIR:-/tmp}/pmm-fuzz.XXXXXX")
mkdir "$work/corpus"
cp "$corpus"/* "$work/corpus/"
echo "pmm_fuzz: ${seconds}s on a copy of $corpus ($(ls "$work/corpus" | wc -l) inputs) in $work"

status=0
# libFuzzer exits with 77 on a crash by default, which is CTest's "skipped"
# code here: make every failure exit 1.
"$fuzzer" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 \
	-error_exitcode=1 -timeout_exitcode=1 \
	-print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" || status=$?

if [ "$status" -ne 0 ]; then
	echo "pmm_fuzz FAILED (exit $status); reproducer(s):"
	ls "$work"/crash-* "$work"/timeout-* "$work"/oom-* 2>/dev/null || true
	echo "rerun one with: $fuzzer <file>"
	exit 1
fi
rm -rf "$work"
