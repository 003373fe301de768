# SPDX-License-Identifier: GPL-2.0
"""scripts/pmm setup: install the Debian packages the project needs."""
import os
import shutil
import subprocess

from . import paths
from .log import Fail, info, stamp
from .proc import run, tail

# The one list of packages; later work appends here.
PACKAGES = [
    "linux-source-6.12",
    "build-essential", "flex", "bison", "bc", "libelf-dev", "libssl-dev", "cpio", "xz-utils",
    "git", "perl", "python3", "python3-ply", "python3-git", "rsync",
    "qemu-system-x86", "busybox-static",
    "sparse", "ccache",
    "cmake", "g++", "libgtest-dev", "libbenchmark-dev", "libcli11-dev",
    "clang", "libclang-rt-14-dev", "gnuplot-nox",
    "b4",
    "libx11-dev", "libxext-dev", "xvfb", "stress-ng",
    "gcc-aarch64-linux-gnu", "g++-aarch64-linux-gnu", "qemu-system-arm", "device-tree-compiler",
    # validates the series' DT binding (scripts/pmm check)
    "dt-schema",
    # the series' files built for the architectures kernel robots build
    "gcc-i686-linux-gnu", "gcc-arm-linux-gnueabihf", "gcc-riscv64-linux-gnu",
    # the syscall fuzzer, run on /dev/pmm in the debug guest
    "trinity",
    # PMM's trace events, recorded in the guest (the observe suite)
    "trace-cmd",
]


def installed(package: str) -> bool:
    p = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package],
                       capture_output=True, text=True)
    return "install ok installed" in p.stdout


# Architectures whose packages are downloaded, never installed: the arm64
# guest's busybox-static:arm64 (apt-get download; initramfs.py), which
# installed would replace the host's /bin/busybox.
FOREIGN_ARCHES = ["arm64"]


def foreign_missing() -> list[str]:
    have = subprocess.run(["dpkg", "--print-foreign-architectures"], capture_output=True,
                          text=True).stdout.split()
    return [a for a in FOREIGN_ARCHES if a not in have]


def setup() -> None:
    missing, foreign = [p for p in PACKAGES if not installed(p)], foreign_missing()
    if not missing and not foreign:
        info(f"setup: all {len(PACKAGES)} packages present")
        return
    sudo = []
    if os.geteuid() != 0:
        if not shutil.which("sudo"):
            raise Fail(f"setup: missing packages ({' '.join(missing + foreign)}) and not root; "
                       "install them as root")
        sudo = ["sudo"]
    paths.make_build_dirs()
    log = paths.LOGS / f"setup-{stamp()}.log"
    for arch in foreign:
        info(f"setup: dpkg --add-architecture {arch} (for apt-get download busybox-static:{arch})")
        run([*sudo, "dpkg", "--add-architecture", arch], log=log)
    if not missing:
        run([*sudo, "apt-get", "update", "-q"], log=log)
        return
    info(f"setup: installing {' '.join(missing)}")
    apt = [*sudo, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]
    for args in (["update", "-q"], ["install", "-y", "-q", "--no-install-recommends", *missing]):
        if run([*apt, *args], log=log, check=False).returncode != 0:
            raise Fail(f"setup: apt-get failed (log: {paths.rel(log)})\n{tail(log)}")
    info(f"setup: installed {len(missing)} package(s) (log: {paths.rel(log)})")
