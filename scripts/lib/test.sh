# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# scripts/pmm test: every stage a reviewer runs, with a summary per stage
# and a last line "N passed, N failed, N skipped".

# The test boot. tools/testing/selftests/dmabuf-heaps holds 32 x 1 MiB at once
# in every heap of /dev/dma_heap: pmm-fast and CMA's "reserved" heap need 33 MiB
# or more, so fast is 40M (not 8M) and cma=64M overrides the config's 32 MiB.
PMM_TEST_CMDLINE="pmm=general:64M,fast:40M cma=64M"
CMDLINE_CASES="$PMM_ROOT/scripts/tests/cmdline-cases.txt"

T_PASS=0 T_FAIL=0 T_SKIP=0
T_SUMMARY=()
# Set by each stage function: its counts and a one-line note.
S_PASS=0 S_FAIL=0 S_SKIP=0 S_NOTE=''

sres() { S_PASS=$((S_PASS + $1)) S_FAIL=$((S_FAIL + $2)) S_SKIP=$((S_SKIP + $3)); [[ -n ${4:-} ]] && S_NOTE=$4; return 0; }

# stage NAME FUNCTION ARGS...: run a stage, print and record its summary.
stage() {
	local name=$1 t0 rc=0 line
	shift
	S_PASS=0 S_FAIL=0 S_SKIP=0 S_NOTE=''
	note "=== $name"
	t0=$(now)
	"$@" || rc=$?
	((rc != 0 && S_FAIL == 0)) && S_FAIL=1
	T_PASS=$((T_PASS + S_PASS)) T_FAIL=$((T_FAIL + S_FAIL)) T_SKIP=$((T_SKIP + S_SKIP))
	line=$(printf '%-22s %3d passed, %3d failed, %3d skipped  %7s  %s' "$name" "$S_PASS" "$S_FAIL" "$S_SKIP" "$(fmt_secs $(($(now) - t0)))" "$S_NOTE")
	T_SUMMARY+=("$line")
	note "--- $line"
	((S_FAIL == 0))
}

skip_stage() { sres 0 0 1 "$1"; info "  skipped: $1"; }

# In background jobs: set -e applies inside and a die() ends only the stage.
st_setup() { cmd_setup & wait $! && sres 1 0 0; }
st_tree() { cmd_tree & wait $! && sres 1 0 0; }
st_check() {
	GATE_PASS=0 GATE_FAIL=0 GATE_SKIP=0 GATE_FAILED=()
	local rc=0
	run_gates 0 || rc=$?
	sres "$GATE_PASS" "$GATE_FAIL" "$GATE_SKIP" "${GATE_FAILED[*]:+failed: ${GATE_FAILED[*]}}"
	return "$rc"
}

# ctest's summary -> counts.
count_ctest() {
	local log=$1 total failed skipped
	total=$(sed -nE 's/.*tests passed, ([0-9]+) tests failed out of ([0-9]+).*/\2/p' "$log" | tail -1)
	failed=$(sed -nE 's/.*tests passed, ([0-9]+) tests failed out of ([0-9]+).*/\1/p' "$log" | tail -1)
	skipped=$(grep -cE '\(Skipped\)|\(Not Run\)|\(Disabled\)' "$log" || true)
	[[ -n $total ]] || return 1
	sres $((total - failed - skipped)) "$failed" "$skipped"
}

st_cxx() {
	local src="$PMM_ROOT/userspace-cxx" b="$BUILD/userspace-cxx" log="$LOGS/userspace-cxx-$(ts).log"
	if [[ ! -f $src/CMakeLists.txt ]]; then
		skip_stage "userspace-cxx/CMakeLists.txt does not exist yet"
		return 0
	fi
	info "  cmake + ctest in ${b#"$PMM_ROOT"/} (log: ${log#"$PMM_ROOT"/})"
	if ! { cmake -S "$src" -B "$b" -DCMAKE_BUILD_TYPE=Debug && cmake --build "$b" -j"$JOBS"; } >"$log" 2>&1; then
		tail -20 "$log"
		sres 0 1 0 "userspace-cxx does not build"
		return 1
	fi
	ctest --test-dir "$b" --output-on-failure >>"$log" 2>&1 || true
	grep -E 'tests passed|\*\*\*Failed|Skipped' "$log" | sed 's/^/  /' || true
	count_ctest "$log" || { sres 0 1 0 "no ctest summary"; return 1; }
}

st_build() { build_kernel "$TREE" "$OUTROOT/$1" "$1" && sres 1 0 0; }

# selftest_build FLAVOUR TARGET DEST: tools/testing/selftests/TARGET built
# against the tree's exported headers and installed with run_kselftest.sh
# into DEST. Returns 2 when the tree has no such target.
selftest_build() {
	local flavour=$1 target=$2 dest=$3 out="$OUTROOT/$1" log
	log="$LOGS/kselftest-$target-build-$flavour-$(ts).log"
	rm -rf "$dest"
	[[ -d $TREE/tools/testing/selftests/$target ]] || return 2
	{
		kmake "$TREE" "$out" headers &&
			make -C "$TREE/tools/testing/selftests" O="$out" TARGETS="$target" \
				KHDR_INCLUDES="-isystem $out/usr/include" INSTALL_PATH="$dest" install
	} >"$log" 2>&1 || { tail -20 "$log"; err "$target kselftest build failed (log: ${log#"$PMM_ROOT"/})"; return 1; }
}

# PMM's own kselftests, in build/kselftest/<flavour>.
kselftest_build() { selftest_build "$1" pmm "$BUILD/kselftest/$1"; }

st_kselftest_build() {
	local rc=0
	kselftest_build "$1" || rc=$?
	case $rc in
	0) sres 1 0 0 "build/kselftest/$1" ;;
	2) skip_stage "tools/testing/selftests/pmm does not exist yet" ;;
	*) sres 0 1 0 "does not build"; return 1 ;;
	esac
}

# libpmm, pmmctl and pmm_guest_tests compile against the uapi headers that
# kselftest_build has just installed: configure userspace-cxx again, now
# that they exist, and build the programs the guest runs. The uapi does
# not depend on the kernel config, so both flavours use the default
# flavour's headers when they exist: the second build is then a no-op
# rather than a rebuild against another copy of the same headers.
# Returns 2 when there is nothing to build yet.
cxx_guest_build() {
	local src="$PMM_ROOT/userspace-cxx" b="$BUILD/userspace-cxx" log="$LOGS/cxx-guest-build-$(ts).log"
	local inc="$OUTROOT/default/usr/include"
	[[ -r $inc/linux/pmm.h ]] || inc="$OUTROOT/$1/usr/include"
	[[ -f $src/libpmm/CMakeLists.txt && -r $inc/linux/pmm.h ]] || return 2
	{
		cmake -S "$src" -B "$b" -DCMAKE_BUILD_TYPE=Debug \
			-DPMM_UAPI_INCLUDE="$inc" &&
			cmake --build "$b" -j"$JOBS" --target pmm_guest_tests pmmctl pmm_media_tests
	} >"$log" 2>&1 || { tail -20 "$log"; err "libpmm does not build (log: ${log#"$PMM_ROOT"/})"; return 1; }
}

st_cxx_guest_build() {
	local rc=0
	cxx_guest_build "$1" || rc=$?
	case $rc in
	0) sres 1 0 0 "build/userspace-cxx/libpmm" ;;
	2) skip_stage "no userspace-cxx/libpmm or no uapi headers yet" ;;
	*) sres 0 1 0 "does not build"; return 1 ;;
	esac
}

# tools/testing/selftests/dmabuf-heaps, built like the PMM kselftests, into
# build/kselftest/<flavour>-dmabuf-heaps. Returns 2 when the tree has none.
dmabuf_heaps_build() { selftest_build "$1" dmabuf-heaps "$BUILD/kselftest/$1-dmabuf-heaps"; }

st_dmabuf_heaps_build() {
	local rc=0
	dmabuf_heaps_build "$1" || rc=$?
	case $rc in
	0) sres 1 0 0 "build/kselftest/$1-dmabuf-heaps" ;;
	2) skip_stage "no tools/testing/selftests/dmabuf-heaps in the tree" ;;
	*) sres 0 1 0 "does not build"; return 1 ;;
	esac
}

BOOT_DIR='' BOOT_CONSOLE=''
st_boot() {
	local flavour=$1 timeout=300 rc=0
	[[ $flavour == debug ]] && timeout=900
	info "  booting $flavour with $PMM_TEST_CMDLINE (timeout ${timeout} s)"
	vm_run "$flavour" "$PMM_TEST_CMDLINE" "$timeout" 1G 0 bash "$PMM_ROOT/scripts/guest/test-suite.sh" \
		> >(sed -u 's/^/  | /') || true
	BOOT_DIR=$VM_DIR BOOT_CONSOLE=$VM_CONSOLE
	[[ -n $VM_REASON ]] && info "  $VM_REASON"
	info "  console: ${BOOT_CONSOLE#"$PMM_ROOT"/}"
	if [[ -s $BOOT_DIR/status ]]; then
		sres 1 0 0 "guest ran the tests"
	elif grep -qaE "$SPLAT_FATAL" "$BOOT_CONSOLE"; then
		info "  $(grep -aE -m1 "$SPLAT_FATAL" "$BOOT_CONSOLE")"
		sres 0 1 0 "guest kernel crashed"; rc=1
	else
		sres 0 1 0 "guest timed out or did not finish"; rc=1
	fi
	return "$rc"
}

st_kunit() {
	local out n
	[[ -n $BOOT_CONSOLE && -r $BOOT_CONSOLE ]] || { skip_stage "no boot"; return 0; }
	out=$(python3 "$TREE/tools/testing/kunit/kunit.py" parse "$BOOT_CONSOLE" 2>&1 || true)
	printf '%s\n' "$out" | grep -E '\[(PASSED|FAILED|SKIPPED|CRASHED)\]|Testing complete|ERROR' | sed 's/^/  /' | tail -40
	if ! grep -q 'Testing complete' <<<"$out"; then
		skip_stage "no KUnit results in the console (no KUnit tests built in yet)"
		return 0
	fi
	local p f s c
	p=$(grep -oE 'passed: [0-9]+' <<<"$out" | tail -1 | grep -oE '[0-9]+' || echo 0)
	f=$(grep -oE 'failed: [0-9]+' <<<"$out" | tail -1 | grep -oE '[0-9]+' || echo 0)
	s=$(grep -oE 'skipped: [0-9]+' <<<"$out" | tail -1 | grep -oE '[0-9]+' || echo 0)
	c=$(grep -oE '(crashed|errors): [0-9]+' <<<"$out" | grep -oE '[0-9]+' | paste -sd+ | bc 2>/dev/null || echo 0)
	n=$(grep -oE 'Ran [0-9]+ tests' <<<"$out" | tail -1 | grep -oE '[0-9]+' || echo 0)
	((n > 0)) || { skip_stage "KUnit ran 0 tests"; return 0; }
	sres "$p" $((f + ${c:-0})) "$s"
	((f + ${c:-0} == 0))
}

st_kselftest() {
	local tap="$BOOT_DIR/kselftest.tap"
	if [[ ! -d $BUILD/kselftest/$1 ]]; then
		skip_stage "kselftests not built"
		return 0
	fi
	[[ -r $tap ]] || { sres 0 1 0 "no kselftest output from the guest"; return 1; }
	count_tap "$tap"
}

# The TAP result lines in FILE -> counts, printed; false on a failure, or
# when there is no result at all.
count_tap() {
	local tap=$1 ok notok skip
	skip=$(grep -cE '^ok [0-9]+ .*# *SKIP' "$tap" || true)
	ok=$(grep -cE '^ok [0-9]+' "$tap" || true)
	notok=$(grep -cE '^not ok [0-9]+' "$tap" || true)
	grep -E '^(not )?ok [0-9]+' "$tap" | sed 's/^/  /'
	((ok + notok > 0)) || { sres 0 1 0 "no result lines"; return 1; }
	sres $((ok - skip)) "$notok" "$skip"
	((notok == 0))
}

st_cxx_guest() {
	local log="$BOOT_DIR/cxx-guest.log"
	[[ -r $log ]] || { skip_stage "no pmm_guest_tests binary from userspace-cxx"; return 0; }
	grep -E '^\[ +(PASSED|FAILED|SKIPPED) +\]' "$log" | sed 's/^/  /' | tail -20
	count_gtest_log "$log" || { sres 0 1 0 "no gtest summary (crashed?)"; return 1; }
	((S_FAIL == 0))
}

# gtest's summary in LOG -> counts; false when there is none.
count_gtest_log() {
	local log=$1 p f s
	p=$(sed -nE 's/^\[  PASSED  \] ([0-9]+) test.*/\1/p' "$log" | tail -1)
	f=$(sed -nE 's/^\[  FAILED  \] ([0-9]+) test.*/\1/p' "$log" | tail -1)
	s=$(sed -nE 's/^\[  SKIPPED \] ([0-9]+) test.*/\1/p' "$log" | tail -1)
	[[ -n $p || -n $f ]] || return 1
	sres "${p:-0}" "${f:-0}" "${s:-0}"
}

# pmm_media_tests: the V4L2 pipeline and vgem PRIME on PMM blocks.
st_cxx_media() {
	local log="$BOOT_DIR/cxx-media.log" fig
	[[ -r $log ]] || { skip_stage "no pmm_media_tests binary from userspace-cxx"; return 0; }
	grep -E '^(frame check:|\[ (pipeline|vgem) +\])' "$log" | sed 's/^/  /'
	grep -A1 -E ': Skipped$' "$log" | grep -vE ': Skipped$|^--$' | sort -u | sed 's/^/  skipped: /'
	grep -E '^\[ +(PASSED|FAILED|SKIPPED) +\]' "$log" | sed 's/^/  /' | tail -20
	count_gtest_log "$log" || { sres 0 1 0 "no gtest summary (crashed?)"; return 1; }
	fig=$(sed -nE 's/^frame check: vicodec decoded .* vs source.*max error ([0-9]+).*PSNR ([0-9.]+) dB.*/decoded vs source: max error \1, PSNR \2 dB/p' "$log")
	[[ -n $fig ]] && S_NOTE=$fig
	((S_FAIL == 0))
}

# The dmabuf-heaps kselftest's TAP, counted per heap ("# Testing heap: NAME"
# starts each). Results the plan (1..N) announces but that never came, as
# after a failed allocation, count as failures.
st_dmabuf_heaps() {
	local tap="$BOOT_DIR/dmabuf-heaps.tap" counts p f s n
	[[ -d $BUILD/kselftest/$1-dmabuf-heaps ]] || { skip_stage "dmabuf-heaps kselftest not built"; return 0; }
	[[ -r $tap ]] || { sres 0 1 0 "no dmabuf-heaps output from the guest"; return 1; }
	counts=$(awk '
		/^# Testing heap: / { heap = $4; if (!(heap in seen)) { seen[heap] = 1; order[n++] = heap } }
		/^1\.\.[0-9]+/ { sub(/^1\.\./, ""); plan += $0 }
		/^ok [0-9]+.*# *SKIP/ { s[heap]++; S++; next }
		/^ok [0-9]+/ { p[heap]++; P++ }
		/^not ok [0-9]+/ { f[heap]++; F++ }
		END {
			for (i = 0; i < n; i++)
				printf "  heap %-12s %2d passed, %d failed, %d skipped\n", order[i], p[order[i]], f[order[i]], s[order[i]]
			missing = plan - P - F - S
			if (missing < 0) missing = 0
			if (missing) printf "  %d result(s) of the plan never reported\n", missing
			printf "COUNTS %d %d %d %d\n", P, F + missing, S, n
		}' "$tap")
	grep -E '^not ok ' "$tap" | sed 's/^/  /'
	grep -v '^COUNTS' <<<"$counts"
	read -r _ p f s n < <(grep '^COUNTS' <<<"$counts")
	sres "$p" "$f" "$s" "$n heaps: $(grep -oE '^# Testing heap: .*' "$tap" | cut -d' ' -f4 | paste -sd' ')"
	((n > 0)) || { S_FAIL=$((S_FAIL + 1)) S_NOTE="no heap tested"; }
	((S_FAIL == 0))
}

st_splats() {
	[[ -n $BOOT_CONSOLE && -r $BOOT_CONSOLE ]] || { skip_stage "no boot"; return 0; }
	local n
	n=$(splat_count "$BOOT_CONSOLE")
	if ((n)); then
		splat_lines "$BOOT_CONSOLE" | head -20 | sed 's/^/  /'
		sres 0 "$n" 0 "$n splat(s) in ${BOOT_CONSOLE#"$PMM_ROOT"/}"
		return 1
	fi
	sres 1 0 0 "no KASAN/lockdep/kmemleak/WARN/BUG/oops"
}

# Boot-time pmm= parsing: one boot per line of scripts/tests/cmdline-cases.txt.
st_cmdline_tests() {
	local line cmdline command n=0 rc
	while IFS= read -r line || [[ -n $line ]]; do
		[[ -z $line || $line == \#* ]] && continue
		cmdline=${line%%$'\t'*} command=${line#*$'\t'}
		n=$((n + 1))
		rc=0
		vm_run default "$cmdline" 120 1G 0 bash -c "$command" >/dev/null 2>&1 || rc=$?
		if ((rc == 0)); then
			sres 1 0 0; info "  PASS $cmdline"
		else
			sres 0 1 0; info "  FAIL $cmdline (status $rc${VM_REASON:+: $VM_REASON})"
		fi
	done <"$CMDLINE_CASES"
	((n)) || skip_stage "no cases in scripts/tests/cmdline-cases.txt yet"
	((S_FAIL == 0))
}

flavour_stages() {
	local f=$1 built=0
	stage "build $f" st_build "$f" && built=1
	if ((built)); then
		stage "kselftest build $f" st_kselftest_build "$f" || true
		stage "c++ guest build $f" st_cxx_guest_build "$f" || true
		stage "heaps build $f" st_dmabuf_heaps_build "$f" || true
		sysv_build_stages "$f"
		BOOT_CONSOLE=''
		stage "boot $f" st_boot "$f" || true
		stage "kunit $f" st_kunit || true
		stage "kselftest $f" st_kselftest "$f" || true
		stage "c++ in-guest $f" st_cxx_guest || true
		stage "c++ media $f" st_cxx_media || true
		stage "dmabuf-heaps $f" st_dmabuf_heaps "$f" || true
		sysv_result_stages "$f"
		stage "splats $f" st_splats || true
		if [[ $f == default ]]; then
			stage "cmdline cases" st_cmdline_tests || true
		fi
	else
		T_SKIP=$((T_SKIP + 1))
		T_SUMMARY+=("$(printf '%-22s skipped: the %s kernel did not build' "boot $f" "$f")")
	fi
	return 0
}

cmd_test() {
	(($# == 0)) || die "test: takes no arguments"
	local t0
	t0=$(now)
	mkdir_build
	if stage setup st_setup && stage tree st_tree; then
		stage check st_check || true
		stage "c++ host (ctest)" st_cxx || true
		flavour_stages default
		flavour_stages debug
	fi
	note "=== summary ($(fmt_secs $(($(now) - t0))))"
	printf '%s\n' "${T_SUMMARY[@]}"
	echo "$T_PASS passed, $T_FAIL failed, $T_SKIP skipped"
	((T_FAIL == 0))
}
