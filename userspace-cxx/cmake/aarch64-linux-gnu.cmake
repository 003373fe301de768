# SPDX-License-Identifier: GPL-2.0
# CMake toolchain file: static aarch64 programs with Debian's cross compilers
# (gcc-aarch64-linux-gnu, g++-aarch64-linux-gnu), for the arm64 guest's
# initramfs, which has no C library. scripts/pmm builds libpmm's guest tests
# with it (scripts/pmmlib/cxx.py):
#   cmake -S userspace-cxx/libpmm -B DIR --toolchain userspace-cxx/cmake/aarch64-linux-gnu.cmake \
#         -DCMAKE_BUILD_TYPE=Release -DPMM_SANITIZE=OFF -DPMM_SHARED=OFF \
#         -DGTest_DIR=<GoogleTest built with this file>/lib/cmake/GTest -DPMM_UAPI_INCLUDE=...
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
find_program(PMM_CCACHE ccache)
if(PMM_CCACHE)
  set(CMAKE_C_COMPILER_LAUNCHER "${PMM_CCACHE}")
  set(CMAKE_CXX_COMPILER_LAUNCHER "${PMM_CCACHE}")
endif()

# Libraries and headers of the target only; programs (ccache) of the host.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

set(CMAKE_EXE_LINKER_FLAGS_INIT -static)
# gtest_discover_tests() cannot run aarch64 programs at build time.
set(CMAKE_GTEST_DISCOVER_TESTS_DISCOVERY_MODE PRE_TEST)
