# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# scripts/pmm test: the System V shared memory stages of a flavour. Before
# the boot, build the MIT-SHM test (pmm_x11_tests) and the kernel's ipc
# kselftest; after it, count what scripts/guest/sysv-tests.sh reported:
# the MIT-SHM test, the ipc kselftest, stress-ng's shm stressors.

# ipc_kselftest_build FLAVOUR: tools/testing/selftests/ipc against the
# tree's exported headers, installed in build/kselftest-ipc/<flavour>
# (apart from build/kselftest, which holds PMM's own).
ipc_kselftest_build() { selftest_build "$1" ipc "$BUILD/kselftest-ipc/$1"; }

# pmm_x11_tests, in the tree cxx_guest_build configured: 2 when there is
# none (no libpmm yet) or CMake found no libX11/libXext.
x11_guest_build() {
	local b="$BUILD/userspace-cxx" log="$LOGS/cxx-x11-build-$(ts).log"
	[[ -f $b/CMakeCache.txt && -f $b/libpmm/Makefile ]] || return 2
	grep -q 'pmm_x11_tests' "$b/libpmm/Makefile" || return 2
	cmake --build "$b" -j"$JOBS" --target pmm_x11_tests >"$log" 2>&1 ||
		{ tail -20 "$log"; err "pmm_x11_tests does not build (log: ${log#"$PMM_ROOT"/})"; return 1; }
}

st_sysv_build() {
	local rc=0 notes=()
	ipc_kselftest_build "$1" || rc=$?
	case $rc in
	0) sres 1 0 0; notes+=("build/kselftest-ipc/$1") ;;
	2) sres 0 0 1; notes+=("no tools/testing/selftests/ipc") ;;
	*) sres 0 1 0; notes+=("ipc kselftest does not build") ;;
	esac
	rc=0
	x11_guest_build || rc=$?
	case $rc in
	0) sres 1 0 0; notes+=("pmm_x11_tests") ;;
	2) sres 0 0 1; notes+=("no pmm_x11_tests (no libpmm build, or no libX11/libXext)") ;;
	*) sres 0 1 0; notes+=("pmm_x11_tests does not build") ;;
	esac
	local joined
	joined=$(printf '%s, ' "${notes[@]}")
	S_NOTE=${joined%, }
	((S_FAIL == 0))
}

st_cxx_x11() {
	local log="$BOOT_DIR/cxx-x11.log"
	[[ -n $BOOT_DIR && -r $log ]] || { skip_stage "no pmm_x11_tests output (not built, or no boot)"; return 0; }
	grep -E '^\[ +(PASSED|FAILED|SKIPPED) +\]|pixels compared|^MIT-SHM hand-off|^(frame|1080p|4K) ' "$log" | sed 's/^/  /' | tail -30
	count_gtest_log "$log" || { sres 0 1 0 "no gtest summary (crashed?)"; return 1; }
	((S_FAIL == 0))
}

st_ipc_kselftest() {
	local tap="$BOOT_DIR/ipc-kselftest.tap"
	[[ -d $BUILD/kselftest-ipc/$1 ]] || { skip_stage "ipc kselftest not built"; return 0; }
	[[ -n $BOOT_DIR && -r $tap ]] || { sres 0 1 0 "no ipc kselftest output from the guest"; return 1; }
	count_tap "$tap"
}

st_stress_ng() {
	local tap="$BOOT_DIR/stress-ng.tap"
	[[ -n $BOOT_DIR && -r $tap ]] || { skip_stage "no stress-ng output (stress-ng not installed, or no boot)"; return 0; }
	grep -E '^# stress-ng: (metrc: .*(shm|bogo)|fail|error)' "$tap" | sed 's/^# /  /' | head -12
	count_tap "$tap"
}

# Called by flavour_stages: before the boot, and after the C++ in-guest stage.
sysv_build_stages() { stage "sysv build $1" st_sysv_build "$1" || true; }
sysv_result_stages() {
	stage "c++ x11 $1" st_cxx_x11 || true
	stage "ipc kselftest $1" st_ipc_kselftest "$1" || true
	stage "stress-ng shm $1" st_stress_ng || true
}
