# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# scripts/pmm run: the main job for a newcomer, and scripts/pmm bench.

PMM_RUN_CMDLINE="pmm=general:64M,fast:8M"

run_step() {
	local name=$1 t0 rc=0
	shift
	note "=== $name"
	t0=$(now)
	"$@" || rc=$?
	if ((rc == 0)); then
		note "--- $name: $(fmt_secs $(($(now) - t0)))"
	else
		err "$name failed after $(fmt_secs $(($(now) - t0)))"
	fi
	return "$rc"
}

run_kselftest_build() {
	local rc=0
	kselftest_build default || rc=$?
	case $rc in
	0) info "kselftests installed in build/kselftest/default" ;;
	2) info "no kselftests yet (tools/testing/selftests/pmm does not exist)" ;;
	*) return 1 ;;
	esac
}

run_pmmctl_build() {
	local rc=0
	cxx_guest_build default || rc=$?
	case $rc in
	0) info "pmmctl built in build/userspace-cxx/libpmm" ;;
	2) info "no pmmctl yet (userspace-cxx/libpmm or the uapi headers are missing)" ;;
	*) return 1 ;;
	esac
}

run_boot() {
	local rc=0
	info "booting the default kernel with $PMM_RUN_CMDLINE (TCG: the first command runs a few seconds after QEMU starts)"
	vm_run default "$PMM_RUN_CMDLINE" 300 1G 0 bash "$PMM_ROOT/scripts/guest/demo.sh" || rc=$?
	if [[ -n $VM_REASON ]]; then
		err "$VM_REASON"
	else
		info "console log: ${VM_CONSOLE#"$PMM_ROOT"/}"
	fi
	return "$rc"
}

cmd_run() {
	(($# == 0)) || die "run: takes no arguments"
	local t0
	t0=$(now)
	run_step setup cmd_setup
	run_step "tree (build/linux)" cmd_tree
	run_step "build (default kernel)" build_kernel "$TREE" "$OUTROOT/default" default
	run_step "kselftests (build)" run_kselftest_build
	run_step "pmmctl (build)" run_pmmctl_build
	run_step "boot with $PMM_RUN_CMDLINE" run_boot
	note "run: done in $(fmt_secs $(($(now) - t0)))"
}

cmd_bench() {
	(($# == 0)) || die "bench: takes no arguments"
	local src="$PMM_ROOT/userspace-cxx" b="$BUILD/userspace-cxx-release" bin
	[[ -f $src/CMakeLists.txt ]] || die "bench: userspace-cxx/CMakeLists.txt does not exist yet"
	info "bench: building userspace-cxx (Release) in ${b#"$PMM_ROOT"/}"
	cmake -S "$src" -B "$b" -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build "$b" -j"$JOBS" >/dev/null
	[[ -x $b/pmm_bench ]] || die "bench: userspace-cxx has no pmm_bench target yet"
	info "bench: running userspace-cxx/bench/run-bench.sh (results in userspace-cxx/bench/results/)"
	"$src/bench/run-bench.sh" "$b"
}
