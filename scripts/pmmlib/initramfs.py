# SPDX-License-Identifier: GPL-2.0
"""The initramfs of a guest whose architecture is not the host's (arm64):
busybox-static of that architecture (taken out of Debian's package, never
installed: it would replace the host's /bin/busybox), /init a link to
scripts/guest/initramfs-init.sh, and at their host paths the repository's
scripts/guest/ and scripts/tests/ (so $PMM_ROOT/scripts/... commands run
unchanged) and what was built for the flavour's guest: its kselftests and
the static userspace-cxx programs. Written in the cpio "newc" format with
fixed owners and times, and cached by content in build/initramfs/."""
import hashlib
import os
import stat
from pathlib import Path

from . import paths
from .kbuild import arch_of
from .log import Fail, info, stamp
from .paths import BUILD, ROOT, rel
from .proc import run

CACHE = BUILD / "initramfs"
INIT = ROOT / "scripts/guest/initramfs-init.sh"
# Directories every guest needs before busybox --install fills them.
DIRS = ("bin", "sbin", "usr", "usr/bin", "usr/sbin", "dev", "proc", "sys", "tmp", "run", "root",
        "etc", "var", "var/tmp", "mnt")


def busybox(arch: str) -> Path:
    """busybox-static for arch, out of Debian's package (apt-get download
    with the architecture added to dpkg, then dpkg-deb -x)."""
    top = BUILD / f"{arch}-busybox"
    binary = top / "root/bin/busybox"
    if binary.is_file():
        return binary
    top.mkdir(parents=True, exist_ok=True)
    paths.make_build_dirs()
    log = paths.LOGS / f"busybox-{arch}-{stamp()}.log"
    info(f"  busybox-static:{arch}: apt-get download, dpkg-deb -x into {rel(top)}")
    run(["apt-get", "download", f"busybox-static:{arch}"], cwd=top, log=log)
    debs = sorted(top.glob(f"busybox-static_*_{arch}.deb"))
    if not debs:
        raise Fail(f"busybox-static:{arch}: apt-get download gave no package (log: {rel(log)})")
    run(["dpkg-deb", "-x", str(debs[-1]), str(top / "root")], log=log)
    return binary


class Cpio:
    """A cpio archive in the kernel's "newc" format, built in memory."""

    def __init__(self) -> None:
        self.data, self.ino, self.names = bytearray(), 1, set()

    def _entry(self, name: str, mode: int, body: bytes = b"", rdev: tuple[int, int] = (0, 0)) -> None:
        name = name.strip("/")
        if name in self.names:
            return
        self.names.add(name)
        fields = (self.ino, mode, 0, 0, 1, 0, len(body), 0, 0, rdev[0], rdev[1], len(name) + 1, 0)
        self.ino += 1
        self.data += b"070701" + b"".join(b"%08X" % f for f in fields) + name.encode() + b"\0"
        self.data += b"\0" * (-len(self.data) % 4) + body
        self.data += b"\0" * (-len(self.data) % 4)

    def dir(self, name: str) -> None:
        parts = name.strip("/").split("/")
        for i in range(1, len(parts) + 1):
            self._entry("/".join(parts[:i]), stat.S_IFDIR | 0o755)

    def file(self, name: str, src: Path) -> None:
        if parent := os.path.dirname(name.strip("/")):
            self.dir(parent)
        executable = os.access(src, os.X_OK)
        self._entry(name, stat.S_IFREG | (0o755 if executable else 0o644), src.read_bytes())

    def tree(self, src: Path) -> None:
        """src and everything below it, at its own (absolute) path."""
        for d, subdirs, files in os.walk(src):
            subdirs.sort()
            self.dir(d)
            for f in sorted(files):
                p = Path(d) / f
                if p.is_file():
                    self.file(str(p), p)

    def symlink(self, name: str, target: str) -> None:
        self._entry(name, stat.S_IFLNK | 0o777, target.encode())

    def node(self, name: str, kind: int, major: int, minor: int) -> None:
        self._entry(name, kind | 0o600, rdev=(major, minor))

    def bytes(self) -> bytes:
        trailer = Cpio()
        trailer.ino = self.ino
        trailer._entry("TRAILER!!!", 0)
        return bytes(self.data + trailer.data)


def guest_programs(flavour: str) -> list[Path]:
    """What was built on the host for the flavour's guest: the kselftest
    installs, and the static programs of userspace-cxx."""
    from .cxx import cross_dir
    found = []
    ks = BUILD / "kselftest" / flavour
    if ks.is_dir():
        found.append(ks)
    libpmm = cross_dir(flavour) / "libpmm"
    if libpmm.is_dir():
        found += sorted(p for p in libpmm.rglob("pmm*") if p.is_file() and os.access(p, os.X_OK)
                        and "CMakeFiles" not in p.parts and p.read_bytes()[:4] == b"\x7fELF")
    return found


def build(flavour: str) -> Path:
    """The flavour's initramfs, from what exists now; the same content gives
    the same file, written once."""
    arch = arch_of(flavour).name
    c = Cpio()
    for d in DIRS:
        c.dir(d)
    c.node("dev/console", stat.S_IFCHR, 5, 1)
    c.node("dev/null", stat.S_IFCHR, 1, 3)
    c.file("bin/busybox", busybox(arch))
    c.symlink("bin/sh", "busybox")
    for sub in ("scripts/guest", "scripts/tests"):
        c.tree(ROOT / sub)
    c.symlink("init", str(INIT))        # beside the scripts it sources
    for p in guest_programs(flavour):
        c.tree(p) if p.is_dir() else c.file(str(p), p)
    data = c.bytes()
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{flavour}-{hashlib.sha256(data).hexdigest()[:16]}.cpio"
    if not path.is_file():
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_bytes(data)
        tmp.rename(path)
        # Keep the newest few: another boot may still be reading an older one.
        for old in sorted(CACHE.glob(f"{flavour}-*.cpio"), key=lambda p: p.stat().st_mtime)[:-4]:
            old.unlink(missing_ok=True)
    return path
