#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run in a guest booted with some pmm= command line: check the memory types
# that exist and the errors the boot reported. Prints what it saw and every
# mismatch; exits non-zero on any mismatch.
#
#   pmm-expect.sh [--types N] [--type NAME:TOTAL_BYTES:NR_REGIONS]...
#                 [--errors N] [--error 'TEXT']... [--reserved N]
#
# --types N      exactly N directories under /sys/kernel/mm/pmm/
# --type ...     that type exists with that total and that many regions
# --errors N     exactly N "pmm: ignoring" lines in the kernel log
# --error TEXT   some "pmm: ignoring" line contains TEXT
# --reserved N   exactly N "pmm: ...: reserved" lines in the kernel log
set -u
sys=/sys/kernel/mm/pmm
fail=0
log=$(dmesg)

bad() {
	echo "MISMATCH: $*"
	fail=1
}

echo "kernel command line: $(cat /proc/cmdline)"
echo "pmm messages:"
grep -E 'pmm: ' <<<"$log" | sed 's/^\[[^]]*\] /  /'
echo "memory types:"
for d in "$sys"/*/; do
	[ -d "$d" ] || continue
	t=$(basename "$d")
	echo "  $t: id $(cat "$d/id") total $(cat "$d/total_bytes") free $(cat "$d/free_bytes") regions $(wc -l <"$d/regions")"
done

while (($#)); do
	case $1 in
	--types)
		n=$(find "$sys" -mindepth 1 -maxdepth 1 -type d | wc -l)
		[ "$n" = "$2" ] || bad "expected $2 memory types, found $n"
		shift 2 ;;
	--type)
		IFS=: read -r name total regions <<<"$2"
		d=$sys/$name
		if [ ! -d "$d" ]; then
			bad "memory type $name does not exist"
		else
			got=$(cat "$d/total_bytes")
			[ "$got" = "$total" ] || bad "$name: total_bytes $got, expected $total"
			got=$(wc -l <"$d/regions")
			[ "$got" = "$regions" ] || bad "$name: $got regions, expected $regions"
			used=$(cat "$d/used_bytes")
			free=$(cat "$d/free_bytes")
			((used + free == total)) || bad "$name: used $used + free $free != total $total"
		fi
		shift 2 ;;
	--errors)
		n=$(grep -c 'pmm: ignoring' <<<"$log")
		[ "$n" = "$2" ] || bad "expected $2 rejected tokens, found $n"
		shift 2 ;;
	--error)
		grep 'pmm: ignoring' <<<"$log" | grep -qF -- "$2" || bad "no rejection mentions: $2"
		shift 2 ;;
	--reserved)
		n=$(grep -cE 'pmm: [a-z0-9_]+: reserved ' <<<"$log")
		[ "$n" = "$2" ] || bad "expected $2 reserved regions in the log, found $n"
		shift 2 ;;
	*)
		bad "unknown option $1"
		shift ;;
	esac
done
if ((fail)); then
	echo "pmm-expect: FAILED"
else
	echo "pmm-expect: ok"
fi
exit $fail
