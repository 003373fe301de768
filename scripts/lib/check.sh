# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# scripts/pmm check: the submission gates. Each gate is one test for
# scripts/pmm test; results land in GATE_PASS / GATE_FAIL / GATE_SKIP.

# checkpatch.pl --strict must report nothing. An exception names the exact
# message checkpatch prints (after "WARNING: " / "CHECK: " / "ERROR: ")
# and, in the comment above it, why the series is right to differ.
CHECKPATCH_EXCEPTIONS=(
	# A new file under tools/testing/selftests/pmm/, which the PMM entry
	# of MAINTAINERS already covers with an F: line for the directory;
	# checkpatch asks on every added file of a patch that leaves
	# MAINTAINERS alone.
	'added, moved or deleted file(s), does MAINTAINERS need updating?'
)

GATE_PASS=0 GATE_FAIL=0 GATE_SKIP=0
GATE_FAILED=()

gate_result() {
	local name=$1 result=$2 msg=${3:-}
	case $result in
	pass) GATE_PASS=$((GATE_PASS + 1)); info "  ${C_GREEN}PASS${C_OFF} $name${msg:+: $msg}" ;;
	skip) GATE_SKIP=$((GATE_SKIP + 1)); info "  ${C_YELLOW}SKIP${C_OFF} $name${msg:+: $msg}" ;;
	*) GATE_FAIL=$((GATE_FAIL + 1)); GATE_FAILED+=("$name"); info "  ${C_RED}FAIL${C_OFF} $name${msg:+: $msg}" ;;
	esac
}

is_checkpatch_exception() {
	local m=$1 e
	for e in "${CHECKPATCH_EXCEPTIONS[@]}"; do
		[[ $m == "$e" ]] && return 0
	done
	return 1
}

gate_checkpatch() {
	local p out n=0 bad=0 block line reported
	local list=()
	mapfile -t list < <(series_patches)
	if ((${#list[@]} == 0)); then
		gate_result checkpatch skip "no patches in patches/"
		return
	fi
	for p in "${list[@]}"; do
		out=$(cd "$TREE" && perl scripts/checkpatch.pl --strict --no-summary --color=never "$p" 2>&1 || true)
		reported=0
		# Blocks are separated by blank lines; a block starts with TYPE: msg.
		while IFS= read -r -d $'\x1e' block; do
			line=${block%%$'\n'*}
			[[ $line =~ ^(ERROR|WARNING|CHECK):\ (.*)$ ]] || continue
			is_checkpatch_exception "${BASH_REMATCH[2]}" && continue
			if ((!reported)); then
				info "    checkpatch.pl --strict ${p#"$PMM_ROOT"/}:"
				reported=1
			fi
			printf '%s\n' "$block" | sed 's/^/      /'
			bad=$((bad + 1))
		done < <(printf '%s\n' "$out" | awk 'BEGIN{RS=""; ORS="\x1e"} {print}')
		n=$((n + 1))
	done
	if ((bad)); then
		gate_result checkpatch fail "$bad problem(s) in ${#list[@]} patch(es) (fix them in build/linux, then scripts/pmm export)"
	else
		gate_result checkpatch pass "${#list[@]} patch(es), 0 errors, 0 warnings, 0 checks"
	fi
}

# Files the series adds (outside tools/) in the tree.
series_added() { tgit diff --name-only --no-renames --diff-filter=A "$BASE_TAG" "$BRANCH" -- "$@"; }
series_touched() { tgit diff --name-only --no-renames --diff-filter=AM "$BASE_TAG" "$BRANCH" -- "$@"; }

gate_kernel_doc() {
	local files=() out n
	mapfile -t files < <(series_added '*.c' '*.h' ':!tools')
	if ((${#files[@]} == 0)); then
		gate_result kernel-doc skip "the series adds no .c/.h files"
		return
	fi
	out=$(cd "$TREE" && perl scripts/kernel-doc -none -Wall "${files[@]}" 2>&1 || true)
	n=$(grep -ciE 'warning|error' <<<"$out" || true)
	if ((n)); then
		printf '%s\n' "$out" | sed 's/^/      /'
		gate_result kernel-doc fail "$n warning(s) in new files"
	else
		gate_result kernel-doc pass "${#files[@]} new file(s), no warnings"
	fi
}

# The warnings the compiler (W=1) or sparse (C=2) prints for the touched
# files, one per line, without line and column numbers.
object_warnings() {
	local src=$1 out=$2 mode=$3
	shift 3
	local objs=() f pat=''
	for f in "$@"; do
		objs+=("${f%.c}.o")
		pat+="${pat:+|}$(sed 's/[.[\*^$]/\\&/g' <<<"$f")"
	done
	kmake "$src" "$out" "$mode" "${objs[@]}" 2>&1 |
		grep -aE "(^|/)($pat):[0-9]+(:[0-9]+)?: (warning|error):" |
		sed -E "s#^.*(^|/)($pat):[0-9]+(:[0-9]+)?: #\2: #" |
		# C=2 also compiles: keep sparse's own warnings, not gcc's [-W...].
		if [[ $mode == C=* ]]; then grep -v '\[-W[^]]*\]$'; else cat; fi |
		sort -u || true
}

# Build the touched pre-existing files at the base with the same config,
# in the worktree build/base, to tell new warnings from old ones.
base_warnings() {
	local mode=$1
	shift
	# build/base/linux + build/base/out/default: the same relative paths as
	# build/linux + build/out/default, so ccache hits (CCACHE_BASEDIR).
	local wt="$BUILD/base/linux" out="$BUILD/base/out/default"
	if [[ ! -d $wt ]]; then
		mkdir -p "$(dirname "$wt")"
		tgit worktree add -q -f --detach "$wt" "$BASE_TAG" >/dev/null
	fi
	mkdir -p "$out"
	cp "$OUTROOT/default/.config" "$out/.config"
	kmake "$wt" "$out" -s olddefconfig >/dev/null 2>&1
	object_warnings "$wt" "$out" "$mode" "$@"
}

gate_warnings() {
	local name=$1 mode=$2 quick=$3 out="$OUTROOT/default"
	local touched=() built=() notbuilt=() f new base_files=() head msgs
	mapfile -t touched < <(series_touched '*.c' ':!tools')
	if ((${#touched[@]} == 0)); then
		gate_result "$name" skip "the series touches no .c files"
		return
	fi
	for f in "${touched[@]}"; do
		if [[ -e $out/${f%.c}.o ]]; then built+=("$f"); else notbuilt+=("$f"); fi
	done
	((${#notbuilt[@]})) && info "    not compiled in this config: ${notbuilt[*]}"
	if ((${#built[@]} == 0)); then
		gate_result "$name" skip "no touched .c file is compiled in this config"
		return
	fi
	head=$(object_warnings "$TREE" "$out" "$mode" "${built[@]}")
	new=$head
	if [[ -n $head ]]; then
		for f in "${built[@]}"; do
			tgit cat-file -e "$BASE_TAG:$f" 2>/dev/null && base_files+=("$f")
		done
		if ((${#base_files[@]})); then
			info "    comparing with the warnings at $BASE_TAG for ${base_files[*]}"
			new=$(comm -23 <(printf '%s\n' "$head") <(base_warnings "$mode" "${base_files[@]}"))
		fi
	fi
	if [[ -n $new ]]; then
		printf '%s\n' "$new" | sed 's/^/      /'
		gate_result "$name" fail "$(wc -l <<<"$new") new warning(s) in ${built[*]}"
	else
		gate_result "$name" pass "no new warnings in ${built[*]}"
	fi
}

# Each uapi header the series adds or changes must compile as C90, twice
# in a row (the include guard), with the flags and the headers_check.pl
# that usr/include/Makefile uses for CONFIG_UAPI_HEADER_TEST.
gate_uapi() {
	local out="$OUTROOT/default" hdrs=() h rel log bad=()
	mapfile -t hdrs < <(series_touched 'include/uapi/*.h')
	if ((${#hdrs[@]} == 0)); then
		gate_result "uapi C90" skip "the series touches no uapi header"
		return
	fi
	log="$LOGS/uapi-headers-$(ts).log"
	if ! kmake "$TREE" "$out" headers >"$log" 2>&1; then
		gate_result "uapi C90" fail "make headers failed (log: ${log#"$PMM_ROOT"/})"
		return
	fi
	for h in "${hdrs[@]}"; do
		rel=${h#include/uapi/}
		if ! gcc -std=c90 -Wall -Werror -Werror=implicit-function-declaration -m64 \
			-I "$out/usr/include" -fsyntax-only -x c /dev/null \
			-include "$out/usr/include/$rel" -include "$out/usr/include/$rel" >>"$log" 2>&1 ||
			! perl "$TREE/usr/include/headers_check.pl" "$out/usr/include" x86 \
				"$out/usr/include/$rel" >>"$log" 2>&1; then
			bad+=("$rel")
		fi
	done
	if ((${#bad[@]})); then
		sed 's/^/      /' "$log" | tail -20
		gate_result "uapi C90" fail "${bad[*]}"
	else
		gate_result "uapi C90" pass "${hdrs[*]#include/uapi/} compile as C90"
	fi
}

# mm-pmm/ and selftests/ must be byte-identical to what patches/ creates.
gate_mirror() {
	local idx tmp exp p f added=() diffs
	idx=$(mktemp) tmp=$(mktemp -d)
	GIT_INDEX_FILE=$idx tgit read-tree "$BASE_TAG"
	while IFS= read -r p; do
		if ! GIT_INDEX_FILE=$idx tgit apply --cached "$p" 2>"$tmp/apply.err"; then
			sed 's/^/      /' "$tmp/apply.err"
			gate_result mirrors fail "${p##*/} does not apply on $BASE_TAG"
			rm -rf "$idx" "$tmp"
			return
		fi
	done < <(series_patches)
	mapfile -t added < <(GIT_INDEX_FILE=$idx tgit diff-index --cached --name-only --no-renames --diff-filter=A "$BASE_TAG")
	mkdir -p "$tmp/tree" "$tmp/mm-pmm" "$tmp/selftests"
	((${#added[@]})) && GIT_INDEX_FILE=$idx tgit checkout-index --prefix="$tmp/tree/" -- "${added[@]}"
	for f in "${added[@]}"; do
		case $f in
		tools/testing/selftests/pmm/*) exp="$tmp/selftests/${f#tools/testing/selftests/pmm/}" ;;
		tools/*) continue ;;
		*) exp="$tmp/mm-pmm/$f" ;;
		esac
		mkdir -p "$(dirname "$exp")"
		cp "$tmp/tree/$f" "$exp"
	done
	diffs=$( {
		diff -rq -x .keep "$tmp/mm-pmm" "$MIRROR" 2>&1
		diff -rq -x .keep "$tmp/selftests" "$SELFTESTS_MIRROR" 2>&1
	} | sed -e "s#$tmp/#(from patches/) #g" -e "s#$PMM_ROOT/##g" || true)
	rm -rf "$idx" "$tmp"
	if [[ -n $diffs ]]; then
		printf '%s\n' "$diffs" | sed 's/^/      /'
		gate_result mirrors fail "mm-pmm/ or selftests/ differ from what patches/ creates (run scripts/pmm export, or undo the edit)"
	else
		gate_result mirrors pass "mm-pmm/ and selftests/ match patches/ (${#added[@]} added file(s))"
	fi
}

# Every commit builds on its own. The newest is the default build; the
# others are built in the worktree build/bisect/linux into build/bisect/out/default.
gate_bisect() {
	# As for the base: paths that mirror build/linux and build/out/default.
	local commits=() c i wt="$BUILD/bisect/linux" out="$BUILD/bisect/out/default" subj failed=''
	mapfile -t commits < <(series_commits)
	if ((${#commits[@]} <= 1)); then
		gate_result bisect pass "${#commits[@]} commit(s): the newest is the default build"
		return
	fi
	if [[ ! -d $wt ]]; then
		mkdir -p "$(dirname "$wt")"
		tgit worktree add -q -f --detach "$wt" "${commits[0]}" >/dev/null
	fi
	for ((i = 0; i < ${#commits[@]} - 1; i++)); do
		c=${commits[i]}
		subj=$(tgit log -1 --format=%s "$c")
		info "    bisect build $((i + 1))/${#commits[@]}: $subj"
		git -C "$wt" checkout -q -f --detach "$c"
		if ! build_kernel "$wt" "$out" bisect > >(sed -u 's/^/      /') 2>&1; then
			failed="$((i + 1)) ($subj)"
			break
		fi
	done
	if [[ -n $failed ]]; then
		gate_result bisect fail "patch $failed does not build on its own"
	else
		gate_result bisect pass "patches 1-$((${#commits[@]} - 1)) build on their own; the last is the default build"
	fi
}

run_gates() {
	local quick=$1
	need_tree
	[[ $(tgit symbolic-ref -q --short HEAD || true) == "$BRANCH" ]] ||
		die "check: build/linux is not on branch $BRANCH: run scripts/pmm tree"
	if tree_has_unexported; then
		warn "build/linux has commits not exported yet: checkpatch and mirrors check patches/, the builds check build/linux (run scripts/pmm export)"
	elif [[ $(tgit config pmm.patcheshash || true) != "$(patches_hash)" ]]; then
		warn "patches/ changed since build/linux was made: the builds check build/linux (run scripts/pmm tree)"
	fi
	gate_checkpatch
	gate_kernel_doc
	gate_mirror
	if [[ ! -e $OUTROOT/default/vmlinux ]] || ((!quick)); then
		info "    building the default kernel for the sparse and W=1 gates"
		if ! build_kernel "$TREE" "$OUTROOT/default" default > >(sed -u 's/^/      /') 2>&1; then
			gate_result build fail "the default kernel does not build"
			return
		fi
	fi
	gate_warnings sparse C=2 "$quick"
	gate_warnings W=1 W=1 "$quick"
	gate_uapi
	if ((quick)); then
		gate_result bisect skip "--quick"
	else
		gate_bisect
	fi
}

cmd_check() {
	local quick=0
	while (($#)); do
		case $1 in
		--quick) quick=1 ;;
		*) die "check: unknown option $1 (usage: scripts/pmm check [--quick])" ;;
		esac
		shift
	done
	info "check: running the submission gates$( ((quick)) && echo ' (--quick: no bisect build)')"
	run_gates "$quick"
	info "check: $GATE_PASS passed, $GATE_FAIL failed, $GATE_SKIP skipped"
	((GATE_FAIL == 0)) || { err "check: failed gates: ${GATE_FAILED[*]}"; return 1; }
}
