# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# scripts/pmm setup: install the Debian packages the project needs.

# One package a line; later issues append here.
SETUP_PACKAGES=(
	linux-source-6.12
	build-essential flex bison bc libelf-dev libssl-dev cpio xz-utils
	git perl python3 python3-ply python3-git rsync
	qemu-system-x86 busybox-static
	sparse ccache
	cmake g++ libgtest-dev libbenchmark-dev
	clang libclang-rt-14-dev gnuplot-nox
	b4
	libx11-dev libxext-dev xvfb stress-ng
)

cmd_setup() {
	local missing=() p
	for p in "${SETUP_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	if ((${#missing[@]} == 0)); then
		info "setup: all ${#SETUP_PACKAGES[@]} packages present"
		return 0
	fi
	local sudo=()
	if ((EUID != 0)); then
		command -v sudo >/dev/null ||
			die "setup: missing packages (${missing[*]}) and not root; install them as root"
		sudo=(sudo)
	fi
	info "setup: installing ${missing[*]}"
	local log="$LOGS/setup-$(ts).log"
	mkdir_build
	if ! { "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q &&
		"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends "${missing[@]}"; } >"$log" 2>&1 </dev/null; then
		tail -20 "$log" >&2
		die "setup: apt-get failed (log: ${log#"$PMM_ROOT"/})"
	fi
	info "setup: installed ${#missing[@]} package(s) (log: ${log#"$PMM_ROOT"/})"
}
