#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/consumer/run.sh PREFIX: builds libpmm on its own (Release, no sanitizer), installs it
# into PREFIX with cmake --install, then builds the C++ and the C consumer out of the tree,
# each with pkg-config --cflags --libs libpmm and with find_package(pmm), and runs them.
# Prints TAP. A consumer that finds no /dev/pmm reports "# SKIP" (it still ran, and checked
# what needs no device); the exit status is 1 if anything failed, else 0.
#
# The uapi headers: PMM_UAPI_INCLUDE (a directory holding linux/pmm.h), as for CMake.
# Compilers: CC and CXX, as for CMake. Build parallelism: PMM_JOBS (default 2).
set -u
prefix=${1:?usage: run.sh PREFIX}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
uapi=${PMM_UAPI_INCLUDE:-$src/../../build/out/default/usr/include}
jobs=${PMM_JOBS:-2}
cc=${CC:-cc} cxx=${CXX:-c++}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$prefix" && prefix=$(cd "$prefix" && pwd)

# shellcheck source=SCRIPTDIR/../tap.sh
. "$here/../tap.sh"
# run NAME PROGRAM: runs a consumer; its exit status 77 is a skip (no /dev/pmm).
run() {
	local out rc
	[ -x "$2" ] || { tap_result 1 "$1 (not built)"; return; }
	out=$("$2" 2>&1)
	rc=$?
	if [ "$rc" = 77 ]; then
		tap_skip "$1" "$(printf '%s' "$out" | tail -1)"
	else
		tap_result "$rc" "$1" "$out"
	fi
}

install_libpmm() {
	cmake -S "$src" -B "$work/libpmm" -DCMAKE_BUILD_TYPE=Release -DPMM_BUILD_TESTS=OFF \
		-DPMM_UAPI_INCLUDE="$uapi" -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" &&
		cmake --build "$work/libpmm" -j"$jobs" &&
		cmake --install "$work/libpmm" --prefix "$prefix"
}

# What an installed libpmm must look like: a versioned SONAME, the headers, the uapi header,
# both package files, and no C++ library templates among its exports.
check_layout() {
	local lib
	lib=$(find "$prefix" -name 'libpmm.so.0.*' -type f | head -1)
	[ -n "$lib" ] || { echo "no libpmm.so.0.* under $prefix"; return 1; }
	readelf -d "$lib" | grep -q 'SONAME.*\[libpmm\.so\.0\]' || { echo "SONAME is not libpmm.so.0"; return 1; }
	for f in include/pmm/device.h include/pmm/pmm.h include/pmm/uapi/linux/pmm.h; do
		[ -f "$prefix/$f" ] || { echo "no $f"; return 1; }
	done
	[ -n "$(find "$prefix" -name libpmm.pc)" ] || { echo "no libpmm.pc"; return 1; }
	[ -n "$(find "$prefix" -name pmmConfig.cmake)" ] || { echo "no pmmConfig.cmake"; return 1; }
	[ -n "$(find "$prefix" -name pmmConfigVersion.cmake)" ] || { echo "no pmmConfigVersion.cmake"; return 1; }
	# Defined dynamic symbols, demangled, less the version node: pmm's only.
	if nm -D --defined-only "$lib" | c++filt | cut -d' ' -f3- | grep -vxF LIBPMM_0 |
		grep -vE '^(pmm::|pmm_|typeinfo (name )?for pmm::|vtable for pmm::)'; then
		echo "exports symbols that are not libpmm's"; return 1
	fi
}

pkgconfig_path() {
	dirname "$(find "$prefix" -name libpmm.pc | head -1)"
}

# pkg-config's flags only, and the run-time path of the library it names.
build_with_pkgconfig() {
	local compiler=$1 source=$2 out=$3 flags
	shift 3
	flags=$(PKG_CONFIG_PATH=$(pkgconfig_path) pkg-config --cflags --libs libpmm) || return 1
	libdir=$(PKG_CONFIG_PATH=$(pkgconfig_path) pkg-config --variable=libdir libpmm) || return 1
	# shellcheck disable=SC2086 # flags are words
	"$compiler" "$@" -Wall -Wextra -Werror -o "$out" "$source" $flags -Wl,-rpath,"$libdir"
}

build_with_cmake() {
	local dir=$1 out=$2
	cmake -S "$here/$dir" -B "$work/$out" -DCMAKE_PREFIX_PATH="$prefix" \
		-DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_COMPILE_WARNING_AS_ERROR=ON &&
		cmake --build "$work/$out"
}

if tap_step "libpmm builds and installs into $prefix" install_libpmm; then
	tap_step "installed layout: SONAME libpmm.so.0, headers, uapi header, libpmm.pc, pmmConfig.cmake" check_layout
	tap_step "installed pmmctl runs" "$prefix/bin/pmmctl" --help
	tap_step "C++ consumer builds with pkg-config" \
		build_with_pkgconfig "$cxx" "$here/cxx/consumer.cpp" "$work/cxx-pkgconfig" -std=c++20
	run "C++ consumer (pkg-config) runs" "$work/cxx-pkgconfig"
	tap_step "C consumer builds with pkg-config" \
		build_with_pkgconfig "$cc" "$here/c/consumer.c" "$work/c-pkgconfig" -std=c99
	run "C consumer (pkg-config) runs" "$work/c-pkgconfig"
	tap_step "C++ consumer builds with find_package(pmm)" build_with_cmake cxx cxx-cmake
	run "C++ consumer (find_package) runs" "$work/cxx-cmake/consumer_cxx"
	tap_step "C consumer builds with find_package(pmm)" build_with_cmake c c-cmake
	run "C consumer (find_package) runs" "$work/c-cmake/consumer_c"
fi
tap_end
