# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# scripts/pmm build: configure (tinyconfig + fragments, verified) and build
# a minimal x86_64 kernel per flavour into build/out/<flavour>.

# First-build object count estimates, used for the progress line until a
# complete build has recorded the real count in build/out/<flavour>/.pmm-nobjs.
declare -A NOBJS_ESTIMATE=([default]=1450 [debug]=1550 [bisect]=1450)

export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$BUILD}
export KBUILD_BUILD_TIMESTAMP=${KBUILD_BUILD_TIMESTAMP:-2024-11-17}
export KBUILD_BUILD_USER=pmm KBUILD_BUILD_HOST=pmm

# kmake SRC OUT ARGS...: make in an out-of-tree build directory.
kmake() {
	local src=$1 out=$2
	shift 2
	make -C "$src" O="$out" ARCH=x86_64 CC="ccache gcc" HOSTCC="ccache gcc" "$@"
}

fragments_for() {
	printf '%s\n' "$PMM_ROOT/scripts/config/pmm.config"
	[[ $1 == debug ]] && printf '%s\n' "$PMM_ROOT/scripts/config/debug.config"
	return 0
}

# verify_config CONFIG FRAGMENTS...: every option the fragments set must
# have survived olddefconfig. Options no Kconfig defines are warnings.
verify_config() {
	local src=$1 cfg=$2 line sym want got
	shift 2
	local bad=() undefined=() defined=''
	while IFS= read -r line; do
		if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
			sym=${BASH_REMATCH[1]} want=${BASH_REMATCH[2]}
			got=$(grep -m1 "^$sym=" "$cfg" | cut -d= -f2- || true)
			[[ $got == "$want" ]] && continue
		elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set ]]; then
			sym=${BASH_REMATCH[1]} want=n
			got=$(grep -m1 "^$sym=" "$cfg" | cut -d= -f2- || true)
			[[ -z $got || $got == n ]] && continue
		else
			continue
		fi
		if [[ -z $defined ]]; then
			defined=$(find "$src" -name 'Kconfig*' -not -path '*/.git/*' -print0 |
				xargs -0 grep -hoE '^[[:space:]]*(menu)?config[[:space:]]+[A-Za-z0-9_]+' |
				awk '{print "CONFIG_" $2}' | sort -u)
		fi
		if ! grep -qx "$sym" <<<"$defined"; then
			undefined+=("$sym")
		else
			bad+=("$sym: fragment wants ${want}, .config has ${got:-not set}")
		fi
	done < <(cat "$@")
	if ((${#undefined[@]})); then
		warn "config: not defined by any Kconfig in this tree (ignored): ${undefined[*]}"
	fi
	if ((${#bad[@]})); then
		err "config: options lost by olddefconfig (a missing dependency?):"
		printf '  %s\n' "${bad[@]}" >&2
		return 1
	fi
}

# config_stamp SRC FLAVOUR: changes when a fragment or a Kconfig file does.
config_stamp() {
	local src=$1
	{
		fragments_for "$2" | xargs cat
		git -C "$src" rev-parse HEAD 2>/dev/null
		git -C "$src" status --porcelain 2>/dev/null | grep -E 'Kconfig' || true
		git -C "$src" diff HEAD -- '*Kconfig*' 2>/dev/null || true
	} | sha256sum | cut -d' ' -f1
}

# configure_kernel SRC OUT FLAVOUR LOG
configure_kernel() {
	local src=$1 out=$2 flavour=$3 log=$4 frags
	mapfile -t frags < <(fragments_for "$flavour")
	mkdir -p "$out"
	{
		kmake "$src" "$out" -s tinyconfig &&
			(cd "$src" && ARCH=x86_64 scripts/kconfig/merge_config.sh -m -O "$out" "$out/.config" "${frags[@]}") &&
			kmake "$src" "$out" -s olddefconfig
	} >>"$log" 2>&1 || { tail -20 "$log" >&2; err "config: failed (log: $log)"; return 1; }
	verify_config "$src" "$out/.config" "${frags[@]}"
}

# build_kernel SRC OUT FLAVOUR: configure and build bzImage, with progress.
build_kernel() {
	local src=$1 out=$2 flavour=$3 log t0 total pid rc=0 n last=0
	mkdir_build
	mkdir -p "$out"
	# One build at a time per output directory (check, test and a user's
	# build may overlap); the lock goes with the shell that holds it.
	local lockfd
	exec {lockfd}>"$out/.pmm-lock"
	if ! flock -n "$lockfd"; then
		info "build: waiting for another build in ${out#"$PMM_ROOT"/}"
		flock "$lockfd"
	fi
	log="$LOGS/build-$flavour-$(ts).log"
	t0=$(now)
	info "build: configuring $flavour kernel (tinyconfig + $(fragments_for "$flavour" | xargs -n1 basename | tr '\n' ' ')) in ${out#"$PMM_ROOT"/}"
	# The config depends only on the fragments and the Kconfig files:
	# regenerate it when one of them changed (or the last attempt failed).
	local stamp
	stamp=$(config_stamp "$src" "$flavour")
	if [[ -s $out/.config && $(cat "$out/.pmm-config-stamp" 2>/dev/null) == "$stamp" ]]; then
		info "build: config unchanged (fragments and Kconfig files as last time)"
	else
		rm -f "$out/.pmm-config-stamp"
		configure_kernel "$src" "$out" "$flavour" "$log" || { exec {lockfd}>&-; return 1; }
		echo "$stamp" >"$out/.pmm-config-stamp"
	fi
	total=$(cat "$out/.pmm-nobjs" 2>/dev/null || echo "${NOBJS_ESTIMATE[$flavour]:-2000}")
	info "build: compiling with make -j$JOBS (log: ${log#"$PMM_ROOT"/})"
	kmake "$src" "$out" -j"$JOBS" bzImage >>"$log" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		n=$(grep -cE '^  (CC|AS) ' "$log" || true)
		if [[ -t 1 ]]; then
			printf '\r  %s: %d/~%d objects compiled, %s ' "$flavour" "$n" "$total" "$(fmt_secs $(($(now) - t0)))"
		elif (($(now) - last >= 30)); then
			last=$(now)
			printf '  %s: %d/~%d objects compiled, %s\n' "$flavour" "$n" "$total" "$(fmt_secs $(($(now) - t0)))"
		fi
	done
	wait "$pid" || rc=$?
	[[ -t 1 ]] && printf '\n'
	n=$(grep -cE '^  (CC|AS) ' "$log" || true)
	if ((rc != 0)); then
		grep -E 'error:|Error [0-9]+|undefined reference' "$log" | head -20 >&2 || true
		err "build: $flavour kernel failed to build (log: ${log#"$PMM_ROOT"/})"
		exec {lockfd}>&-
		return 1
	fi
	# What a build from scratch compiles, for the next progress line.
	find "$out" -name '*.o' -not -path '*/scripts/*' -not -path '*/tools/*' | wc -l >"$out/.pmm-nobjs"
	exec {lockfd}>&-
	info "build: $flavour kernel ready: ${out#"$PMM_ROOT"/}/arch/x86/boot/bzImage ($n objects compiled, $(fmt_secs $(($(now) - t0))))"
}

cmd_build() {
	local flavour=default
	while (($#)); do
		case $1 in
		--debug) flavour=debug ;;
		*) die "build: unknown option $1 (usage: scripts/pmm build [--debug])" ;;
		esac
		shift
	done
	need_tree
	build_kernel "$TREE" "$OUTROOT/$flavour" "$flavour"
}
