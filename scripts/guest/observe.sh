#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in the guest: PMM's trace events, recorded with Debian's trace-cmd
# (or through tracefs itself where there is none) around pmmctl ($1), and
# the latency histograms of the first memory type in debugfs. One TAP line
# per check.
pmmctl=$1
sysfs=/sys/kernel/mm/pmm
type=$(ls "$sysfs" 2>/dev/null | head -n 1)
if [ -z "$type" ]; then
	echo "1..0 # SKIP no PMM memory type"
	exit 0
fi
n=0
check() { # WHAT, then a command that must succeed
	what=$1
	shift
	n=$((n + 1))
	if "$@"; then echo "ok $n $what"; else echo "not ok $n $what"; fi
}
has() { grep -qE "$1" "$report"; }

echo "1..11"
report=$PMM_OUT/pmm-trace.txt
# A 1 MiB block, one that cannot be had, and time for the worker.
workload="$pmmctl alloc 1M --type $type >/dev/null; $pmmctl alloc 64G >/dev/null 2>&1; sleep 2"
tracefs=/sys/kernel/tracing
[ -d $tracefs/events ] || mount -t tracefs tracefs $tracefs 2>/dev/null
if command -v trace-cmd >/dev/null; then
	tracer="trace-cmd"
	dat=$PMM_OUT/pmm-trace.dat
	trace-cmd record -q -o "$dat" -e pmm -- sh -c "$workload" \
		>"$PMM_OUT/trace-cmd.log" 2>&1
	trace-cmd report -i "$dat" >"$report" 2>>"$PMM_OUT/trace-cmd.log"
elif [ -w $tracefs/events/pmm/enable ]; then
	# The arm64 guest's initramfs has no trace-cmd: tracefs itself.
	tracer="tracefs"
	echo 0 >$tracefs/tracing_on
	echo >$tracefs/trace
	echo 1 >$tracefs/events/pmm/enable
	echo 1 >$tracefs/tracing_on
	sh -c "$workload"
	echo 0 >$tracefs/tracing_on
	echo 0 >$tracefs/events/pmm/enable
	cat $tracefs/trace >"$report"
fi
if [ -n "$tracer" ]; then
	echo "# recorded with $tracer"
	grep -E 'pmm_' "$report" | head -n 8 | sed 's/^/# /'
	check "pmm_alloc_start: the request, size 1048576" has "pmm_alloc_start: +.*size=1048576 "
	check "pmm_alloc_finish: 256 pages of $type, errorno 0, a latency" \
		has "pmm_alloc_finish: +name=$type .*count=256 .*ns=[0-9]+ errorno=0"
	check "pmm_alloc_finish: the impossible request fails with -ENOMEM" \
		has "pmm_alloc_finish: +.*errorno=-12"
	check "pmm_release: the last put, not parked" has "pmm_release: +name=$type .*count=256 parked=0"
	check "pmm_free: the range back in the free space" has "pmm_free: +name=$type .*count=256"
	check "pmm_clear: the worker cleared freed pages" has "pmm_clear: +name=$type "
else
	for w in pmm_alloc_start pmm_alloc_finish pmm_alloc_finish pmm_release pmm_free pmm_clear; do
		n=$((n + 1))
		echo "ok $n $w # SKIP neither trace-cmd nor a writable $tracefs/events/pmm"
	done
fi

hist=/sys/kernel/debug/pmm/$type
count() { awk '$1 ~ /-/ { s += $2 } END { print s + 0 }' "$1"; }
if [ -r "$hist/alloc_latency" ]; then
	check "writing 0 empties alloc_latency" sh -c "echo 0 >$hist/alloc_latency"
	for i in 1 2 3; do "$pmmctl" alloc 64K --type "$type" >/dev/null; done
	sed 's/^/# alloc_latency: /' "$hist/alloc_latency"
	check "alloc_latency counts the 3 allocations" test "$(count "$hist/alloc_latency")" -eq 3
	check "lock_hold counts at least 6 holds" test "$(count "$hist/lock_hold")" -ge 6
	check "writing 1 is refused" sh -c "! echo 1 2>/dev/null >$hist/alloc_latency"
	check "max_ns is the largest bucket's range" awk '
		/^max_ns/ { max = $2 } $1 ~ /-/ { split($1, r, "-"); hi = r[1] }
		END { exit !(max >= hi) }' "$hist/alloc_latency"
else
	for w in reset count holds refuse max; do
		n=$((n + 1))
		echo "ok $n histogram $w # SKIP no $hist/alloc_latency (CONFIG_PMM_DEBUGFS)"
	done
fi
