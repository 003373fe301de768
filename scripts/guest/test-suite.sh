#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs in the guest for scripts/pmm test (KUnit has already run at boot):
# the kselftests, the C++ in-guest and media tests and the dmabuf-heaps
# kselftest, results on the out share.
ks="$PMM_ROOT/build/kselftest/$PMM_FLAVOUR"

# What every memory type holds; equal before and after the suites, or a
# test leaked a block.
pmm_usage() {
	local d
	for d in /sys/kernel/mm/pmm/*/; do
		[ -d "$d" ] && echo "$(basename "$d") free $(cat "$d/free_bytes") blocks $(cat "$d/nr_blocks") extents $(cat "$d/nr_free_extents")"
	done
}
usage_at_start=$(pmm_usage)
if [ -r "$ks/kselftest-list.txt" ]; then
	echo "== kselftests (tools/testing/selftests/pmm)"
	bash "$PMM_ROOT/scripts/guest/run-kselftests.sh" "$ks" 2>&1 | tee "$PMM_OUT/kselftest.tap"
else
	echo "== kselftests: not built"
fi
cxx="$PMM_ROOT/build/userspace-cxx/pmm_guest_tests"
[ -x "$cxx" ] || cxx=$(find "$PMM_ROOT/build/userspace-cxx" -name pmm_guest_tests -type f -perm -u+x 2>/dev/null | head -1)
if [ -n "$cxx" ] && [ -x "$cxx" ]; then
	echo "== C++ in-guest tests ($cxx)"
	"$cxx" 2>&1 | tee "$PMM_OUT/cxx-guest.log"
else
	echo "== C++ in-guest tests: no pmm_guest_tests binary"
fi
# PMM blocks through real drivers (vicodec -> vim2m over DMABUF, vgem PRIME),
# then tools/testing/selftests/dmabuf-heaps on every heap, PMM's among them.
media="$PMM_ROOT/build/userspace-cxx/libpmm/tests/media/pmm_media_tests"
[ -x "$media" ] || media=$(find "$PMM_ROOT/build/userspace-cxx" -name pmm_media_tests -type f -perm -u+x 2>/dev/null | head -1)
if [ -n "$media" ] && [ -x "$media" ]; then
	echo "== C++ media tests ($media)"
	"$media" 2>&1 | tee "$PMM_OUT/cxx-media.log"
else
	echo "== C++ media tests: no pmm_media_tests binary"
fi
heaps="$PMM_ROOT/build/kselftest/$PMM_FLAVOUR-dmabuf-heaps"
if [ -r "$heaps/kselftest-list.txt" ]; then
	echo "== kselftests (tools/testing/selftests/dmabuf-heaps, every heap in /dev/dma_heap)"
	bash "$PMM_ROOT/scripts/guest/run-kselftests.sh" "$heaps" 2>&1 | tee "$PMM_OUT/dmabuf-heaps.tap"
else
	echo "== dmabuf-heaps kselftest: not built"
fi
# System V shared memory: MIT-SHM on PMM segments, the ipc kselftest, stress-ng.
bash "$PMM_ROOT/scripts/guest/sysv-tests.sh"
if [ -r "$PMM_OUT/kselftest.tap" ]; then
	usage_at_end=$(pmm_usage)
	if [ "$usage_at_end" = "$usage_at_start" ]; then
		echo "ok 0 pmm statistics back to their values before the suites" | tee -a "$PMM_OUT/kselftest.tap"
	else
		printf 'before:\n%s\nafter:\n%s\n' "$usage_at_start" "$usage_at_end"
		echo "not ok 0 pmm statistics differ from their values before the suites" | tee -a "$PMM_OUT/kselftest.tap"
	fi
fi
exit 0
