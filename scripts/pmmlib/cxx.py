# SPDX-License-Identifier: GPL-2.0
"""userspace-cxx (CMake): the host build and ctest, and the programs the
guest runs (libpmm's tests, pmmctl), built against the kernel's uapi."""
import functools
from pathlib import Path

from . import paths, tap
from .arch import HOST_ARCH
from .kbuild import NotApplicable, arch_of
from .log import Fail, info, stamp
from .paths import BUILD, CXX_SRC, JOBS, rel
from .proc import run, tail

DEBUG_BUILD = BUILD / "userspace-cxx"
RELEASE_BUILD = BUILD / "userspace-cxx-release"


def uapi_include() -> Path:
    """libpmm compiles against a kernel's installed uapi headers. They do not
    depend on the config: both flavours use the default flavour's, so the
    second flavour's build is a no-op rather than a rebuild."""
    return paths.out_dir("default") / "usr/include"


@functools.cache
def configure(build_dir: Path, build_type: str) -> Path:
    if not (CXX_SRC / "CMakeLists.txt").is_file():
        raise NotApplicable("userspace-cxx/CMakeLists.txt does not exist yet")
    log = paths.LOGS / f"cmake-{build_dir.name}-{stamp()}.log"
    paths.make_build_dirs()
    try:
        run(["cmake", "-S", str(CXX_SRC), "-B", str(build_dir), f"-DCMAKE_BUILD_TYPE={build_type}",
             f"-DPMM_UAPI_INCLUDE={uapi_include()}"], log=log)
    except Fail:
        raise Fail(f"userspace-cxx does not configure (log: {rel(log)})\n{tail(log)}")
    return build_dir


def build(*targets: str, build_dir: Path = DEBUG_BUILD, build_type: str = "Debug") -> Path:
    """Build targets (all without any) in a configured build directory."""
    configure(build_dir, build_type)
    log = paths.LOGS / f"cxx-build-{'-'.join(targets) or 'all'}-{stamp()}.log"
    try:
        run(["cmake", "--build", str(build_dir), f"-j{JOBS}",
             *(["--target", *targets] if targets else [])], log=log)
    except Fail:
        raise Fail(f"userspace-cxx {' '.join(targets) or 'build'} failed (log: {rel(log)})\n{tail(log)}")
    return build_dir


# Another architecture's guest programs: GoogleTest (Debian's source in
# /usr/src/googletest) and libpmm on its own, static, with the toolchain file
# userspace-cxx/cmake/<triplet>.cmake, against that architecture's headers.
GOOGLETEST_SRC = Path("/usr/src/googletest")


def cross_dir(flavour: str) -> Path:
    return BUILD / f"userspace-cxx-{arch_of(flavour).name}"


def _cmake(log: Path, what: str, *args: str) -> None:
    try:
        run(["cmake", *args], log=log)
    except Fail:
        raise Fail(f"{what} failed (log: {rel(log)})\n{tail(log)}")


HOST_CLI11 = Path("/usr/include/CLI")


def cli11_headers(top: Path) -> Path:
    """pmmctl's CLI11 is header-only and the same for every architecture, but
    the host's /usr/include must not reach a cross build: a directory holding
    only a link to the host's CLI/."""
    d = top / "cli11-include"
    d.mkdir(parents=True, exist_ok=True)
    link = d / "CLI"
    if not link.is_symlink():
        link.symlink_to(HOST_CLI11)
    return d


@functools.cache
def cross_configure(flavour: str) -> Path:
    arch = arch_of(flavour)
    toolchain = CXX_SRC / "cmake" / f"{arch.cross_compile.rstrip('-')}.cmake"
    if not (CXX_SRC / "libpmm/CMakeLists.txt").is_file():
        raise NotApplicable("userspace-cxx/libpmm/CMakeLists.txt does not exist yet")
    top = cross_dir(flavour)
    log = paths.LOGS / f"cmake-{arch.name}-{stamp()}.log"
    paths.make_build_dirs()
    gtest = top / "googletest"
    common = [f"--toolchain={toolchain}", "-DCMAKE_BUILD_TYPE=Release", "-DCMAKE_INSTALL_LIBDIR=lib"]
    if not (gtest / "lib/cmake/GTest/GTestConfig.cmake").is_file():
        info(f"  GoogleTest for {arch.name} from {GOOGLETEST_SRC} into {rel(gtest)}")
        _cmake(log, f"GoogleTest for {arch.name}", "-S", str(GOOGLETEST_SRC),
               "-B", str(top / "googletest-build"), *common, "-DBUILD_GMOCK=OFF",
               f"-DCMAKE_INSTALL_PREFIX={gtest}")
        _cmake(log, f"GoogleTest for {arch.name}", "--build", str(top / "googletest-build"),
               f"-j{JOBS}")
        _cmake(log, f"GoogleTest for {arch.name}", "--install", str(top / "googletest-build"))
    include = paths.out_dir(flavour) / "usr/include"
    _cmake(log, f"libpmm for {arch.name}", "-S", str(CXX_SRC / "libpmm"), "-B", str(top / "libpmm"),
           *common, "-DPMM_SANITIZE=OFF", "-DPMM_SHARED=OFF", f"-DGTest_DIR={gtest}/lib/cmake/GTest",
           f"-DPMM_UAPI_INCLUDE={include}", f"-DPMM_CLI11_INCLUDE={cli11_headers(top)}")
    return top / "libpmm"


def program(name: str, flavour: str = "default") -> Path:
    """Build one program of userspace-cxx for the flavour's architecture and
    return its path; NotApplicable when this configuration has no such target
    (no uapi headers with linux/pmm.h yet, or a library CMake did not find)."""
    cross = arch_of(flavour) is not HOST_ARCH
    build_dir = cross_configure(flavour) if cross else configure(DEBUG_BUILD, "Debug")
    targets = run(["cmake", "--build", str(build_dir), "--target", "help"]).stdout
    if f"... {name}" not in targets:
        raise NotApplicable(f"userspace-cxx has no {name} target here (no uapi headers with "
                            "linux/pmm.h, or a library CMake did not find)")
    if cross:
        log = paths.LOGS / f"cxx-build-{arch_of(flavour).name}-{name}-{stamp()}.log"
        _cmake(log, f"userspace-cxx {name} for {arch_of(flavour).name}", "--build", str(build_dir),
               f"-j{JOBS}", "--target", name)
    else:
        build(name)
    found = [p for p in build_dir.rglob(name) if p.is_file() and "CMakeFiles" not in p.parts]
    if not found:
        raise Fail(f"{name} built, but no such file in {rel(build_dir)}")
    return found[0]


def ctest() -> str:
    """The host build and its ctest, as TAP (skipped ctest cases are skips)."""
    build_dir = build()
    junit = build_dir / "ctest-junit.xml"
    junit.unlink(missing_ok=True)
    log = paths.LOGS / f"ctest-{stamp()}.log"
    info(f"  ctest in {rel(build_dir)} (log: {rel(log)})")
    run(["ctest", "--test-dir", str(build_dir), "--output-on-failure", "--output-junit", str(junit)],
        log=log, check=False)
    if not junit.is_file():
        return tap.failed("ctest", f"ctest wrote no JUnit file (log: {rel(log)})")
    return tap.from_junit(junit.read_text())
