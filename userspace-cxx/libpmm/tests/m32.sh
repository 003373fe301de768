#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/m32.sh [WORKDIR]: libpmm and its host tests built 32-bit (g++ -m32, ASan and UBSan, a
# GoogleTest built -m32 from Debian's /usr/src/googletest), then the host tests run: sizes and
# offsets of 4 GiB and more must not be truncated (the Size32.* cases run, not skip). Needs
# g++-multilib; without it, or without /usr/src/googletest, the whole check is a TAP skip.
# (Debian's g++-multilib and its cross compilers, gcc-aarch64-linux-gnu, exclude each other.)
# PMM_UAPI_INCLUDE as for CMake; PMM_JOBS (default 2); PMM_M32_FLAGS, more compiler flags (for
# example -isystem DIR, DIR/asm a link to /usr/include/x86_64-linux-gnu/asm, where g++-multilib
# cannot be installed).
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
uapi=${PMM_UAPI_INCLUDE:-$src/../../build/out/default/usr/include}
jobs=${PMM_JOBS:-2}
work=${1:-$(mktemp -d)}
mkdir -p "$work"
# shellcheck source=tap.sh
. "$here/tap.sh"

# A probe that needs the 32-bit C library's and kernel's headers, not only the compiler:
# g++-multilib conflicts with Debian's cross compilers (gcc-aarch64-linux-gnu), whose
# installation removes it.
can_build_m32() {
	[ -f /usr/src/googletest/CMakeLists.txt ] || return 1
	# shellcheck disable=SC2086 # PMM_M32_FLAGS are words
	printf '#include <cerrno>\n#include <sys/mman.h>\nint main() { return errno; }\n' |
		g++ -m32 ${PMM_M32_FLAGS:-} -x c++ - -o "$work/probe" 2>/dev/null
}
if ! can_build_m32; then
	tap_skip "libpmm at -m32" "no g++ -m32 (g++-multilib) or no /usr/src/googletest"
	tap_end
	exit
fi

flags="-m32 ${PMM_M32_FLAGS:-}"
m32=(-DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++ "-DCMAKE_C_FLAGS=$flags" "-DCMAKE_CXX_FLAGS=$flags"
	-DCMAKE_EXE_LINKER_FLAGS=-m32 -DCMAKE_SHARED_LINKER_FLAGS=-m32)
gtest() {
	[ -f "$work/gtest/lib/libgtest.a" ] && return 0
	cmake -S /usr/src/googletest -B "$work/gtest-build" -DCMAKE_BUILD_TYPE=Release \
		-DCMAKE_INSTALL_PREFIX="$work/gtest" -DCMAKE_INSTALL_LIBDIR=lib "${m32[@]}" &&
		cmake --build "$work/gtest-build" -j"$jobs" && cmake --install "$work/gtest-build"
}
libpmm() {
	cmake -S "$src" -B "$work/libpmm" -DCMAKE_BUILD_TYPE=Debug -DPMM_SANITIZE=ON \
		-DGTest_ROOT="$work/gtest" -DPMM_UAPI_INCLUDE="$uapi" "${m32[@]}" &&
		cmake --build "$work/libpmm" -j"$jobs" --target pmm_guest_tests pmm_noexcept_tests pmm_c_api_test
}
is32() {
	file -L "$work/libpmm/libpmm.so.0" | grep -q 'ELF 32-bit'
}
host_tests() {
	ctest --test-dir "$work/libpmm" -L host -E 'consumer|pmmctl' --output-on-failure
}
size32_ran() {
	"$work/libpmm/pmm_guest_tests" --gtest_filter='Size32.*' | grep -q '^\[  PASSED  \] 3 tests'
}

if tap_step "GoogleTest built -m32" gtest && tap_step "libpmm and its tests built -m32" libpmm
then
	tap_step "libpmm.so.0 is a 32-bit ELF" is32
	tap_step "host tests pass at -m32" host_tests
	tap_step "the Size32 cases ran and passed (none skipped)" size32_ran
fi
tap_end
