#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs in the guest for scripts/pmm test (KUnit has already run at boot):
# the kselftests and the C++ in-guest tests, results on the out share.
ks="$PMM_ROOT/build/kselftest/$PMM_FLAVOUR"
if [ -x "$ks/run_kselftest.sh" ]; then
	echo "== kselftests (tools/testing/selftests/pmm)"
	(cd "$ks" && ./run_kselftest.sh) 2>&1 | tee "$PMM_OUT/kselftest.tap"
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
exit 0
