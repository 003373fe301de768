#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs in the guest for scripts/pmm test, from test-suite.sh before its
# "after" snapshot of the pmm statistics: System V shared memory with and
# without PMM. Results on the out share, counted by scripts/lib/sysv.sh:
#   cxx-x11.log        pmm_x11_tests (MIT-SHM on PMM segments, Xvfb), gtest output
#   ipc-kselftest.tap  tools/testing/selftests/ipc, one TAP line per program
#   stress-ng.tap      stress-ng's shm-sysv and shm stressors, one TAP line each
out=${PMM_OUT:?}
stress_seconds=${PMM_STRESS_SECONDS:-15}
cd /tmp || exit 1

# shellcheck source=scripts/guest/cxx-test.sh
. "$PMM_ROOT/scripts/guest/cxx-test.sh"
# The debug kernel's figures mean little: fewer frames there.
[ "$PMM_FLAVOUR" = debug ] && export PMM_X11_BENCH_ITERS=${PMM_X11_BENCH_ITERS:-5}
run_cxx_test pmm_x11_tests "MIT-SHM on PMM segments" "$out/cxx-x11.log"

# One TAP line per program: ksft programs such as msgque print no line of
# their own when they pass, only their exit status (0 pass, 4 skip).
ks="$PMM_ROOT/build/kselftest-ipc/$PMM_FLAVOUR"
if [ -r "$ks/kselftest-list.txt" ]; then
	echo "== kselftests (tools/testing/selftests/ipc)"
	n=0
	while IFS=: read -r collection test; do
		n=$((n + 1))
		o=$(cd "$ks/$collection" && timeout 300 "./$test" </dev/null 2>&1)
		rc=$?
		printf '%s\n' "$o" | sed 's/^/# /'
		case $rc in
		0) echo "ok $n $collection/$test" ;;
		4) echo "ok $n $collection/$test # SKIP" ;;
		*) echo "not ok $n $collection/$test (exit status $rc)" ;;
		esac
	done <"$ks/kselftest-list.txt" | tee "$out/ipc-kselftest.tap"
else
	echo "== kselftests (tools/testing/selftests/ipc): not built"
fi

# stress-ng exit status: 0 pass, 3 (resources) and 4 (not implemented) skip.
if command -v stress-ng >/dev/null; then
	echo "== stress-ng: System V and POSIX shared memory, ${stress_seconds} s each"
	n=0
	for s in shm-sysv shm; do
		n=$((n + 1))
		o=$(timeout $((stress_seconds + 120)) stress-ng --"$s" 2 --timeout "${stress_seconds}s" \
			--verify --metrics-brief </dev/null 2>&1)
		rc=$?
		printf '%s\n' "$o" | grep -vE '^stress-ng: (debug|info: .*(setting to|dispatching))' | sed 's/^/# /'
		case $rc in
		0) echo "ok $n stress-ng --$s" ;;
		3 | 4) echo "ok $n stress-ng --$s # SKIP exit status $rc" ;;
		*) echo "not ok $n stress-ng --$s (exit status $rc)" ;;
		esac
	done | tee "$out/stress-ng.tap"
else
	echo "== stress-ng: not installed"
fi
exit 0
