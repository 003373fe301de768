# SPDX-License-Identifier: GPL-2.0
"""scripts/pmm build: configure (tinyconfig + scripts/config fragments,
verified) and build a minimal kernel per flavour into build/out/<flavour>,
with ccache and a progress line; kselftests against its headers."""
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from . import paths
from .arch import ARCHES, HOST_ARCH, Arch
from .log import Fail, Timer, err, info, stamp, warn
from .paths import JOBS, ROOT, TREE, rel
from .proc import run, tail

# A flavour is a kernel configuration: "default" and "debug" for the host's
# architecture (x86_64), "<arch>-<flavour>" for another one (arm64-default:
# cross-compiled, booted on QEMU's virt board). Its build is build/out/<flavour>.
FLAVOURS = ("default", "debug", "arm64-default", "kcsan")
# Flavours a full scripts/pmm test leaves out unless asked for by name.
OPTIONAL_FLAVOURS = ("kcsan",)
# First-build object counts for the progress line, until a complete build
# has recorded the real one in <out>/.pmm-nobjs.
NOBJS_ESTIMATE = {"default": 1450, "debug": 1550, "bisect": 1450, "arm64-default": 1150,
                  "kcsan": 1550}


def arch_of(flavour: str) -> Arch:
    """The target architecture of a flavour ("arm64-default": arm64)."""
    prefix = flavour.split("-", 1)[0]
    return ARCHES[prefix] if "-" in flavour and prefix in ARCHES else HOST_ARCH


def base_flavour(flavour: str) -> str:
    """The configuration without its architecture: default, debug or kcsan."""
    return flavour.split("-", 1)[1] if arch_of(flavour) is not HOST_ARCH else flavour


def flavour_name(base: str, arch: str) -> str:
    """The flavour of a configuration (default, debug) on an architecture."""
    return base if arch == HOST_ARCH.name else f"{arch}-{base}"

os.environ.setdefault("CCACHE_MAXSIZE", "5G")
# Relative paths below build/ in ccache's keys: clones share the cache.
os.environ.setdefault("CCACHE_BASEDIR", str(paths.BUILD))
os.environ.setdefault("KBUILD_BUILD_TIMESTAMP", "2024-11-17")
os.environ.update(KBUILD_BUILD_USER="pmm", KBUILD_BUILD_HOST="pmm")


class NotApplicable(Exception):
    """What a suite would build does not exist in this tree (yet)."""


def kmake(src: Path, out: Path, *args: str, arch: Arch = HOST_ARCH) -> list[str]:
    """The make command line for an out-of-tree build of src into out."""
    cc = f"ccache {arch.cross_compile}gcc"
    return ["make", "-C", str(src), f"O={out}", f"ARCH={arch.make_arch}", f"CC={cc}",
            "HOSTCC=ccache gcc", *([f"CROSS_COMPILE={arch.cross_compile}"] if arch.cross_compile else []),
            *args]


def fragments(flavour: str) -> list[Path]:
    """pmm.config, debug.config or kcsan.config for those flavours, then the
    architecture's own fragment (which may turn off what does not apply there)."""
    config, arch = ROOT / "scripts/config", arch_of(flavour)
    base = base_flavour(flavour)
    return [config / "pmm.config",
            *([config / f"{base}.config"] if base in ("debug", "kcsan") else []),
            *([config / arch.fragment] if arch.fragment else [])]


def kconfig_symbols(src: Path, arch: Arch | None = None) -> set[str]:
    """The symbols the Kconfig files define (for arch, when given: those
    under another architecture's arch/ directory do not count)."""
    found = set()
    for k in src.rglob("Kconfig*"):
        parts = k.relative_to(src).parts
        if ".git" in parts or (arch and parts[0] == "arch" and len(parts) > 2
                               and parts[1] != arch.kconfig_dir):
            continue
        found.update("CONFIG_" + m for m in re.findall(
            r"^[ \t]*(?:menu)?config[ \t]+([A-Za-z0-9_]+)", k.read_text(errors="replace"), re.M))
    return found


def verify_config(src: Path, config: Path, frags: list[Path], arch: Arch | None = None) -> None:
    """Every option the fragments set (a later fragment's value wins, as in
    merge_config.sh) must have survived olddefconfig; one that no Kconfig
    defines (for arch, when given) is only a warning."""
    have = dict(re.findall(r"^(CONFIG_[A-Za-z0-9_]+)=(.*)$", config.read_text(), re.M))
    wanted = {}
    for frag in frags:
        for line in frag.read_text().splitlines():
            if m := re.match(r"^(CONFIG_[A-Za-z0-9_]+)=(.*)$", line):
                wanted[m.group(1)] = m.group(2)
            elif m := re.match(r"^# (CONFIG_[A-Za-z0-9_]+) is not set", line):
                wanted[m.group(1)] = "n"
    lost = [(sym, want) for sym, want in wanted.items() if have.get(sym, "n") != want]
    if not lost:
        return
    defined = kconfig_symbols(src, arch)
    undefined = [s for s, _ in lost if s not in defined]
    bad = [f"{s}: fragment wants {w}, .config has {have.get(s, 'not set')}"
           for s, w in lost if s in defined]
    if undefined:
        warn(f"config: not defined by any Kconfig in this tree (ignored): {' '.join(undefined)}")
    if bad:
        raise Fail("config: options lost by olddefconfig (a missing dependency?):\n  " + "\n  ".join(bad))


def config_stamp(src: Path, flavour: str) -> str:
    """Changes when a fragment or a Kconfig file does."""
    def g(*args):
        return subprocess.run(["git", "-C", str(src), *args], capture_output=True).stdout
    status = b"".join(line + b"\n" for line in g("status", "--porcelain").splitlines()
                      if b"Kconfig" in line)
    data = b"".join(f.read_bytes() for f in fragments(flavour))
    return hashlib.sha256(data + g("rev-parse", "HEAD") + status
                          + g("diff", "HEAD", "--", "*Kconfig*")).hexdigest()


def configure(src: Path, out: Path, flavour: str, log: Path) -> None:
    frags, arch = fragments(flavour), arch_of(flavour)
    try:
        run(kmake(src, out, "-s", "tinyconfig", arch=arch), log=log)
        run(["scripts/kconfig/merge_config.sh", "-m", "-O", str(out), str(out / ".config"),
             *map(str, frags)], cwd=src, log=log,
            env=dict(os.environ, ARCH=arch.make_arch, CROSS_COMPILE=arch.cross_compile))
        run(kmake(src, out, "-s", "olddefconfig", arch=arch), log=log)
    except Fail:
        raise Fail(f"config: failed (log: {rel(log)})\n{tail(log)}")
    verify_config(src, out / ".config", frags, arch)


class BuildLock:
    """One build at a time per output directory (check, test and a user's
    build may overlap)."""

    def __init__(self, out: Path, indent: str = "") -> None:
        self.path, self.indent = out / ".pmm-lock", indent

    def __enter__(self):
        self.f = open(self.path, "w")
        try:
            fcntl.flock(self.f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            info(f"{self.indent}build: waiting for another build in {rel(self.path.parent)}")
            fcntl.flock(self.f, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        self.f.close()


def _compiled(log: Path) -> int:
    return len(re.findall(r"^  (?:CC|AS) ", log.read_text(errors="replace"), re.M))


def build_kernel(src: Path, out: Path, flavour: str, indent: str = "", target: str = "") -> Path:
    """Configure (when the fragments or Kconfig changed) and build the boot
    image (or another make target) with a progress line; returns the image
    (the target's file)."""
    paths.make_build_dirs()
    out.mkdir(parents=True, exist_ok=True)
    say = lambda msg: info(indent + msg)  # noqa: E731
    with BuildLock(out, indent):
        log = paths.LOGS / f"build-{flavour}-{stamp()}.log"
        t = Timer()
        say(f"build: configuring {flavour} kernel (tinyconfig + "
            f"{' '.join(f.name for f in fragments(flavour))}) in {rel(out)}")
        stamp_file = out / ".pmm-config-stamp"
        want = config_stamp(src, flavour)
        if (out / ".config").is_file() and stamp_file.is_file() and stamp_file.read_text().strip() == want:
            say("build: config unchanged (fragments and Kconfig files as last time)")
        else:
            stamp_file.unlink(missing_ok=True)
            configure(src, out, flavour, log)
            stamp_file.write_text(want + "\n")
        nobjs = out / ".pmm-nobjs"
        total = int(nobjs.read_text()) if nobjs.is_file() else NOBJS_ESTIMATE.get(flavour, 2000)
        say(f"build: compiling with make -j{JOBS} (log: {rel(log)})")
        with open(log, "a") as f:
            make = subprocess.Popen(kmake(src, out, f"-j{JOBS}", target or arch_of(flavour).image_target,
                                          arch=arch_of(flavour)),
                                    stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        tty, last = sys.stdout.isatty(), time.monotonic()
        while make.poll() is None:
            time.sleep(1)
            progress = f"{indent}  {flavour}: {_compiled(log)}/~{total} objects compiled, {t}"
            if tty:
                print(f"\r{progress} ", end="", flush=True)
            elif time.monotonic() - last >= 30:
                last = time.monotonic()
                info(progress)
        if tty:
            print()
        if make.returncode != 0:
            errors = [ln for ln in log.read_text(errors="replace").splitlines()
                      if re.search(r"error:|Error [0-9]+|undefined reference", ln)]
            for line in errors[:20]:
                err(line)
            raise Fail(f"build: {flavour} kernel failed to build (log: {rel(log)})")
        # What a build from scratch compiles, for the next progress line.
        nobjs.write_text(f"{sum(1 for o in out.rglob('*.o') if not {'scripts', 'tools'} & set(o.relative_to(out).parts))}\n")
        image = out / (target or arch_of(flavour).image)
        say(f"build: {flavour} kernel ready: {rel(image)} ({_compiled(log)} objects compiled, {t})")
        return image


def build(flavour: str) -> Path:
    """The work tree's kernel of a flavour, up to date."""
    from .tree import need_tree
    need_tree()
    return build_kernel(TREE, paths.out_dir(flavour), flavour)


def headers(flavour: str) -> Path:
    """The flavour's uapi headers, installed in <out>/usr/include."""
    out = paths.out_dir(flavour)
    log = paths.LOGS / f"headers-{flavour}-{stamp()}.log"
    run(kmake(TREE, out, "headers", arch=arch_of(flavour)), log=log)
    return out / "usr/include"


def selftest_build(flavour: str, target: str, src: Path = TREE, out: Path | None = None,
                   dest: Path | None = None) -> Path:
    """tools/testing/selftests/TARGET against the flavour's headers (as
    headers() installed them), installed with its run_kselftest.sh into
    build/kselftest/<flavour>/<target>; or from another source tree, with
    the headers of another kernel build directory, into dest."""
    if not (src / "tools/testing/selftests" / target).is_dir():
        raise NotApplicable(f"no tools/testing/selftests/{target} in the tree")
    out = out or paths.out_dir(flavour)
    dest = dest or paths.BUILD / "kselftest" / flavour / target
    shutil.rmtree(dest, ignore_errors=True)
    log = paths.LOGS / f"kselftest-{target}-build-{flavour}-{stamp()}.log"
    include, arch = out / "usr/include", arch_of(flavour)
    # Another architecture's guest has no C library: static programs.
    cross = [] if arch is HOST_ARCH else [
        f"ARCH={arch.make_arch}", f"CROSS_COMPILE={arch.cross_compile}",
        f"CC=ccache {arch.cross_compile}gcc -static"]
    try:
        run(["make", "-C", str(src / "tools/testing/selftests"), f"O={out}", f"TARGETS={target}",
             *cross, f"KHDR_INCLUDES=-isystem {include}", f"INSTALL_PATH={dest}", "install"], log=log)
    except Fail:
        raise Fail(f"{target} kselftest does not build (log: {rel(log)})\n{tail(log)}")
    return dest
