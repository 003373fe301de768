#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run in a guest booted with some pmm= command line or device tree nodes:
# check the memory types that exist and the errors the boot reported.
# Prints what it saw and every mismatch; exits non-zero on any mismatch.
# POSIX sh: runs under bash (the x86 guests' host root) and busybox sh (the
# arm64 initramfs).
#
#   pmm-expect.sh [--types N] [--type NAME:TOTAL_BYTES:NR_REGIONS]...
#                 [--errors N] [--error 'TEXT']... [--reserved N]
#                 [--region NAME:BASE:SIZE]... [--region-within NAME:LOW:HIGH:ALIGN]...
#                 [--id NAME:ID]... [--heap NAME]...
#                 [--dt-reserved N] [--dt-node NODE:NAME]...
#                 [--dt-errors N] [--dt-error 'NODE:TEXT']...
#                 [--iomem NAME:N]... [--memtotal-less KIB:TOLERANCE_KIB] [--kunit-ok]
#
# --types N      exactly N directories under /sys/kernel/mm/pmm/
# --type ...     that type exists with that total and that many regions
# --errors N     exactly N "pmm: ignoring" lines in the kernel log
# --error TEXT   some "pmm: ignoring" line contains TEXT
# --reserved N   exactly N "pmm: ...: reserved" lines in the kernel log
# --region ...   the type has a region of SIZE bytes at BASE (its regions file)
# --region-within ...  every region of the type lies in [LOW, HIGH), its
#                base a multiple of ALIGN
# --id NAME:ID   the type's id
# --heap NAME    /dev/dma_heap/pmm-NAME exists
# Device tree (reserved-memory nodes, compatible = "linux,pmm"):
# --dt-reserved N     exactly N "pmm: NODE: SIZE for TYPE at BASE" lines
# --dt-node NODE:NAME the node NODE was reserved for type NAME
# --dt-errors N       exactly N "pmm: NODE: ...; nothing reserved" lines
# --dt-error N:TEXT   the node N was refused, the reason containing TEXT
# --iomem NAME:N      exactly N "PMM NAME" lines in /proc/iomem
# --memtotal-less KIB:TOL  MemTotal is KIB less than $PMM_BASE_MEMTOTAL (kB:
#                     the same guest booted without any PMM node), give or
#                     take TOL: what the kernel kept, and nothing more
# --kunit-ok     no KUnit case failed in this boot (PMM's KUnit suites run at
#                boot and check every type's pool and statistics)
set -u
sys=/sys/kernel/mm/pmm
fail=0
log=$(dmesg | sed 's/^\[[^]]*\] //')

bad() {
	echo "MISMATCH: $*"
	fail=1
}

lines() {	# the kernel log lines matching an extended regexp
	printf '%s\n' "$log" | grep -E -- "$1"
}

count() {	# how many kernel log lines match an extended regexp
	printf '%s\n' "$log" | grep -cE -- "$1"
}

expect_count() {	# REGEXP N WHAT: exactly N kernel log lines match
	n=$(count "$1")
	[ "$n" = "$2" ] || bad "expected $2 $3, found $n"
}

expect_node() {	# REGEXP NODE TEXT: a line matching REGEXP names NODE and holds TEXT
	lines "$1" | grep -F -- "pmm: $2: " | grep -qF -- "$3" ||
		bad "no line \"pmm: $2: ...$3...\" (matching $1)"
}

# pmm: <node>: <size> for <type> at <base> / pmm: <node>: <reason>; nothing reserved
DT_OK=' for [a-z0-9_]+ at '
DT_REFUSED='; nothing reserved$'

echo "kernel command line: $(cat /proc/cmdline)"
echo "pmm messages:"
lines 'pmm: |reserved memory node' | sed 's/^/  /'
echo "memory types:"
for d in "$sys"/*/; do
	[ -d "$d" ] || continue
	t=$(basename "$d")
	echo "  $t: id $(cat "$d/id") total $(cat "$d/total_bytes") free $(cat "$d/free_bytes") regions $(wc -l <"$d/regions")"
	sed 's/^/    /' "$d/regions"
done
echo "/proc/iomem:"
grep 'PMM' /proc/iomem | sed 's/^/  /'
grep MemTotal /proc/meminfo

while [ $# -gt 0 ]; do
	case $1 in
	--types)
		n=$(find "$sys" -mindepth 1 -maxdepth 1 -type d | wc -l)
		[ "$n" = "$2" ] || bad "expected $2 memory types, found $n"
		shift 2 ;;
	--type)
		name=${2%%:*} rest=${2#*:}
		total=${rest%%:*} regions=${rest#*:}
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
			[ $((used + free)) = "$total" ] || bad "$name: used $used + free $free != total $total"
		fi
		shift 2 ;;
	--region)
		name=${2%%:*} rest=${2#*:}
		base=${rest%%:*} size=${rest#*:}
		found=0
		if [ -r "$sys/$name/regions" ]; then
			while IFS=- read -r s e; do
				[ $((s)) = $((base)) ] && [ $((e + 1 - s)) = $((size)) ] && found=1
			done <"$sys/$name/regions"
		fi
		[ "$found" = 1 ] || bad "$name: no region of $size bytes at $base"
		shift 2 ;;
	--region-within)
		name=${2%%:*} rest=${2#*:}
		low=${rest%%:*} rest=${rest#*:}
		high=${rest%%:*} align=${rest#*:}
		if [ ! -s "$sys/$name/regions" ]; then
			bad "$name: no region"
		else
			while IFS=- read -r s e; do
				if [ $((s)) -lt $((low)) ] || [ $((e)) -ge $((high)) ]; then
					bad "$name: region $s-$e not inside [$low, $high)"
				fi
				[ $((s % align)) = 0 ] || bad "$name: region at $s not aligned to $align"
			done <"$sys/$name/regions"
		fi
		shift 2 ;;
	--id)
		name=${2%%:*} id=${2#*:}
		got=$(cat "$sys/$name/id" 2>/dev/null)
		[ "$got" = "$id" ] || bad "$name: id ${got:-missing}, expected $id"
		shift 2 ;;
	--heap)
		[ -c "/dev/dma_heap/pmm-$2" ] || bad "no /dev/dma_heap/pmm-$2"
		shift 2 ;;
	--errors)
		expect_count 'pmm: ignoring' "$2" "rejected tokens"
		shift 2 ;;
	--error)
		lines 'pmm: ignoring' | grep -qF -- "$2" || bad "no rejection mentions: $2"
		shift 2 ;;
	--reserved)
		expect_count 'pmm: [a-z0-9_]+: reserved ' "$2" "reserved regions in the log"
		shift 2 ;;
	--dt-reserved)
		expect_count "^pmm: [^ ]+: .*$DT_OK" "$2" "device tree regions reserved"
		shift 2 ;;
	--dt-node)
		expect_node "$DT_OK" "${2%%:*}" " for ${2#*:} at "
		shift 2 ;;
	--dt-errors)
		expect_count "^pmm: [^ ]+: .*$DT_REFUSED" "$2" "device tree nodes refused"
		shift 2 ;;
	--dt-error)
		expect_node "$DT_REFUSED" "${2%%:*}" "${2#*:}"
		shift 2 ;;
	--iomem)
		name=${2%%:*} want=${2#*:}
		n=$(grep -c ": PMM $name\$" /proc/iomem)
		[ "$n" = "$want" ] || bad "expected $want \"PMM $name\" lines in /proc/iomem, found $n"
		shift 2 ;;
	--memtotal-less)
		less=${2%%:*} tol=${2#*:}
		got=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
		base=${PMM_BASE_MEMTOTAL:-}
		if [ -z "$base" ]; then
			bad "no \$PMM_BASE_MEMTOTAL to compare MemTotal ($got kB) with"
		else
			diff=$((base - got - less))
			[ "$diff" -lt 0 ] && diff=$((-diff))
			[ "$diff" -le "$tol" ] ||
				bad "MemTotal $got kB: $((base - got)) kB less than without PMM nodes ($base kB), expected $less (+-$tol)"
		fi
		shift 2 ;;
	--kunit-ok)
		n=$(count '^ *not ok [0-9]+ ')
		[ "$n" = 0 ] || bad "$n KUnit case(s) failed: $(lines '^ *not ok [0-9]+ ' | tr -s ' ' | tr '\n' ';')"
		shift ;;
	*)
		bad "unknown option $1"
		shift ;;
	esac
done
if [ "$fail" = 1 ]; then
	echo "pmm-expect: FAILED"
else
	echo "pmm-expect: ok"
fi
exit $fail
