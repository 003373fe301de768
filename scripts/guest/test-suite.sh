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
# shellcheck source=scripts/guest/cxx-test.sh
. "$PMM_ROOT/scripts/guest/cxx-test.sh"
run_cxx_test pmm_guest_tests "C++ in-guest tests" "$PMM_OUT/cxx-guest.log"
# PMM blocks through real drivers (vicodec -> vim2m over DMABUF, vgem PRIME),
# then tools/testing/selftests/dmabuf-heaps on every heap, PMM's among them.
run_cxx_test pmm_media_tests "C++ media tests" "$PMM_OUT/cxx-media.log"
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
