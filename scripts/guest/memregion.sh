#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The memory-region device test, in the arm64 guest (suite memregion): the
# virtio-mmio device DEV (a platform device, e.g. a003c00.virtio_mmio) has
# memory-region = <&NODE> in its device tree node, NODE being a PMM node of
# the type TYPE that only this device uses. Its driver (virtio-rng) allocates
# its rings with the DMA API (VIRTIO_F_ACCESS_PLATFORM): those must be blocks
# of TYPE while it is bound, given back at unbind, taken again at bind, and
# the device must work. TAP on stdout.
#
#   memregion.sh TYPE DEV NODE
type=${1:?usage: memregion.sh TYPE DEV NODE} dev=${2:?} node=${3:?}
d=/sys/kernel/mm/pmm/$type
drv=/sys/bus/platform/drivers/virtio-mmio
n=0

result() {	# DESCRIPTION COMMAND...: a TAP line from the command's status
	desc=$1
	shift
	n=$((n + 1))
	if "$@"; then echo "ok $n $desc"; else echo "not ok $n $desc"; fi
}

stats() {
	echo "# $type: nr_blocks $(cat "$d/nr_blocks") used_bytes $(cat "$d/used_bytes") free_bytes $(cat "$d/free_bytes") total_bytes $(cat "$d/total_bytes")"
}

rng_reads() {	# 64 bytes from /dev/hwrng, twice, and the two differ
	a=$(head -c 64 /dev/hwrng | od -An -tx1 | tr -d ' \n')
	b=$(head -c 64 /dev/hwrng | od -An -tx1 | tr -d ' \n')
	echo "# /dev/hwrng ($(cat /sys/class/misc/hw_random/rng_current 2>/dev/null)): $a"
	[ ${#a} = 128 ] && [ ${#b} = 128 ] && [ "$a" != "$b" ]
}

virtio_dir() {	# the virtio device below the platform device
	for v in /sys/bus/platform/devices/"$dev"/virtio*; do
		[ -d "$v" ] && echo "$v" && return 0
	done
	return 1
}

dmesg | grep -E "memory node|pmm: " | sed 's/^/# /'
result "memory type $type exists" test -d "$d"
result "$dev: assigned reserved memory node $node (boot line)" \
	sh -c "dmesg | grep -qF '$dev: assigned reserved memory node $node'"
v=$(virtio_dir)
echo "# $dev: ${v:-no virtio device}, driver $(basename "$(readlink "$v/driver" 2>/dev/null)" 2>/dev/null)"
result "$dev holds the virtio-rng device" test "$(basename "$(readlink "$v/driver" 2>/dev/null)")" = virtio_rng
# features: a character per feature bit, bit 0 first; 33 is VIRTIO_F_ACCESS_PLATFORM.
echo "# features: $(cat "$v/features" 2>/dev/null)"
result "VIRTIO_F_ACCESS_PLATFORM negotiated (the rings come from the DMA API)" \
	test "$(cut -c34 "$v/features" 2>/dev/null)" = 1
stats
blocks=$(cat "$d/nr_blocks") used=$(cat "$d/used_bytes")
result "bound: the device's DMA buffers are blocks of $type ($blocks blocks, $used bytes)" \
	test "$blocks" -gt 0 -a "$used" -gt 0
result "data flows from /dev/hwrng" rng_reads
echo "$dev" >"$drv/unbind"
stats
result "unbound: $type back to no block, nothing used" \
	test "$(cat "$d/nr_blocks")" = 0 -a "$(cat "$d/used_bytes")" = 0 -a "$(cat "$d/free_bytes")" = "$(cat "$d/total_bytes")"
echo "$dev" >"$drv/bind"
stats
result "bound again: the same $blocks blocks, $used bytes" \
	test "$(cat "$d/nr_blocks")" = "$blocks" -a "$(cat "$d/used_bytes")" = "$used"
result "data flows again" rng_reads
echo "1..$n"
