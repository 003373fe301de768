# SPDX-License-Identifier: GPL-2.0
"""THE table of test suites: what each one proves, the kernel flavours it
runs with, what it builds on the host, what it runs in the guest (or on
the host), how its result becomes TAP. Every suite's TAP lands in
build/results/<flavour or host>/<name>.tap. Adding a suite is one line.

A suite is one of three kinds:
  guest: build(flavour) makes what the guest needs on the host (its path
         is {built} in the command); the guest runner
         (scripts/guest/run-suites.sh) runs the command in the suite's boot,
         the command writes its result to $PMM_RESULT, and parse turns that
         into TAP;
  boot:  read from the boot itself (the console, the runner's leak check);
  host:  runs on the host and returns TAP.
"""
import argparse
import os
import re
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import check, cxx, kbuild, tap, vm
from .kbuild import NotApplicable
from .log import info
from .paths import CMDLINE_CASES, DT_CASES, DT_DIR, GUEST, RESULTS, TREE, out_dir

BOTH = ("default", "debug")     # the x86_64 kernels
# KCSAN (a kernel of its own, not in the default run): the suites that race.
KCSAN = ("kcsan",)
DEFAULT = ("default",)
ARM64 = ("arm64-default",)      # cross-compiled, booted on QEMU's virt board with a device tree
HOST = ()       # no kernel flavour: runs once on the host


@dataclass(frozen=True)
class Suite:
    name: str
    proves: str
    flavours: tuple[str, ...]
    build: Callable[[str], Path] | None = None
    guest: str = ""
    parse: Callable[[str], str] = lambda text: text
    boot: Callable[[vm.VmResult], str] | None = None
    host: Callable[[], str] | None = None
    show: str = ""                                  # lines of its log and TAP worth printing
    note: Callable[[str, str], str] | None = None   # (TAP, log) -> the summary line's note

    @property
    def phases(self) -> tuple[str, ...]:
        """The flavours whose pass runs it: host suites run in the default
        flavour's, which builds what they check (sparse, uapi headers)."""
        return self.flavours or DEFAULT

    def where(self, flavour: str) -> str:
        return flavour if self.flavours else "host"

    def tap_path(self, flavour: str) -> Path:
        return RESULTS / self.where(flavour) / f"{self.name}.tap"


# --- guest commands: each writes its result to $PMM_RESULT ---
KSELFTEST = f'sh {GUEST}/run-kselftests.sh {{built}} >"$PMM_RESULT"'
# O_DIRECT into PMM mappings wants a file system that does it for real:
# the 9p out share (tmpfs copies).
PMM_KSELFTEST = 'PMM_TEST_DIR="$PMM_OUT" ' + KSELFTEST
IPC_KSELFTEST = f'sh {GUEST}/run-kselftests.sh --per-program {{built}} >"$PMM_RESULT"'
GTEST = '{built} --gtest_output=json:"$PMM_RESULT"'
# The debug kernel's hand-off figures mean little: fewer frames there.
X11 = 'if [ "$PMM_FLAVOUR" = debug ]; then export PMM_X11_BENCH_ITERS=5; fi; ' + GTEST
STRESS = f'sh {GUEST}/stress-shm.sh >"$PMM_RESULT"'
TAP_PROGRAM = '{built} >"$PMM_RESULT"'
# Seconds of each trinity run (root, then uid 65534); longer before closing
# the hardening issue: PMM_TRINITY_SECONDS=1800 scripts/pmm test --only trinity.
# (The host's environment does not reach the guest: the number is put in
# the command here.)
TRINITY_SECONDS = int(os.environ.get("PMM_TRINITY_SECONDS", "30"))
TRINITY = f'bash {GUEST}/trinity.sh {TRINITY_SECONDS} >"$PMM_RESULT"'
OBSERVE = f'sh {GUEST}/observe.sh {{built}} >"$PMM_RESULT"'


def kselftest(target: str) -> Callable[[str], Path]:
    return lambda flavour: kbuild.selftest_build(flavour, target)


def cxx_program(name: str) -> Callable[[str], Path]:
    return lambda flavour: cxx.program(name, flavour)


def kunit(boot: vm.VmResult) -> str:
    """The KTAP that the kernel's KUnit tests printed at boot, through
    kunit.py parse --json."""
    out = boot.outdir / "kunit.json"
    subprocess.run(["python3", str(TREE / "tools/testing/kunit/kunit.py"), "parse",
                    f"--json={out}", str(boot.console)], capture_output=True)
    return tap.from_kunit_json(out.read_text()) if out.is_file() else \
        tap.failed("kunit", "kunit.py parse wrote no JSON")


def splats(boot: vm.VmResult) -> str:
    found = vm.splats(boot.console)
    known = [tap.Case(f"known upstream splat: {s.header}", "skip", s.known) for s in found if s.known]
    unknown = [tap.Case(s.header, "fail") for s in found if not s.known]
    if not unknown:
        return tap.render([tap.Case("no KASAN, lockdep, kmemleak, WARN, BUG, UBSAN or hung task "
                                    "report in the console but known upstream ones")] + known)
    return tap.render(unknown + known, [f"console: {boot.console}"])


def leaks(boot: vm.VmResult) -> str:
    f = boot.outdir / "leaks.tap"
    return f.read_text() if f.is_file() else tap.failed("leaks", "the guest runner wrote no leaks.tap")


def gate_tap() -> str:
    return check.as_tap(check.run_gates(quick=False))


def boot_case(name: str, command: str, opts: vm.VmOptions) -> tuple[tap.Case, vm.VmResult]:
    """One boot that runs command; the case passes when it exits 0 (and the
    kernel printed no splat)."""
    r = vm.run(["sh", "-c", command], opts, echo=None)
    ok = r.status == 0
    info(f"  {'PASS' if ok else 'FAIL'} {name}" + ("" if ok else f" (status {r.status}{': ' + r.reason if r.reason else ''})"))
    output = [] if ok else (r.outdir / "output").read_text(errors="replace").splitlines()[-20:]
    return tap.Case(name, "ok" if ok else "fail", r.reason or ("" if ok else f"status {r.status}"), output), r


def case_lines(path: Path, fields: int) -> list[tuple[list[str], list[str]]]:
    """The cases of a file: FIELDS tab-separated fields and optionally a field
    of scripts/pmm vm options, a line each (# comments and empty lines
    skipped); the last field is the guest command."""
    found = []
    for line in path.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        found.append((parts[:fields], shlex.split(parts[fields]) if len(parts) > fields else []))
    return found


def case_options(vm_args: list[str], flavour: str, timeout: int = 120) -> vm.VmOptions:
    parser = argparse.ArgumentParser(prog="cases", add_help=False)
    vm.add_options(parser)
    opts = vm.options(parser.parse_args(["--timeout", str(timeout), *vm_args]))
    opts.flavour = flavour
    return opts


def cmdline_cases() -> str:
    """One boot of the default kernel per line of scripts/tests/cmdline-cases.txt:
    CMDLINE, a TAB, a guest command that exits 0 when the kernel behaved
    right, and optionally a TAB and scripts/pmm vm options (--mem 6G --smp 4)."""
    cases = []
    for (cmdline, command), vm_args in case_lines(CMDLINE_CASES, 2):
        opts = case_options(vm_args, "default")
        opts.cmdline = f"{cmdline} {opts.cmdline}".strip()
        name = cmdline + (f" [{shlex.join(vm_args)}]" if vm_args else "")
        cases.append(boot_case(name, command, opts)[0])
    return tap.render(cases)


def need_pmm_of(flavour: str) -> None:
    config = out_dir(flavour) / ".config"
    if "CONFIG_PMM_OF=y" not in (config.read_text() if config.is_file() else ""):
        raise NotApplicable(f"the {flavour} kernel has no CONFIG_PMM_OF (reserved-memory nodes): "
                            "not in this tree yet")


# The guest booted with no PMM node at all: the MemTotal that every refused
# node must leave as it is (pmm-expect.sh --memtotal-less).
DT_BASELINE = '"$PMM_ROOT"/scripts/guest/pmm-expect.sh --types 0 --dt-reserved 0 --dt-errors 0 --kunit-ok'


def dt_cases() -> str:
    """One boot of the arm64 kernel per line of scripts/tests/dt-cases.txt:
    overlays (.dtso files in scripts/tests/dt/, space-separated), a TAB, the
    extra kernel command line, a TAB, a guest command that exits 0 when the
    kernel behaved right, optionally a TAB and scripts/pmm vm options. A
    first boot without any node gives $PMM_BASE_MEMTOTAL to the others."""
    flavour = ARM64[0]
    need_pmm_of(flavour)
    kbuild.selftest_build(flavour, "pmm")   # the memory failure case runs pmm_hwpoison_test
    base, r = boot_case("baseline: no PMM node", DT_BASELINE, case_options([], flavour))
    m = re.search(r"^MemTotal:\s+(\d+) kB", (r.outdir / "output").read_text(errors="replace"), re.M)
    cases, env = [base], {"PMM_BASE_MEMTOTAL": m.group(1)} if m else {}
    for (overlays, cmdline, command), vm_args in case_lines(DT_CASES, 3):
        opts = case_options(vm_args, flavour)
        opts.cmdline = f"{cmdline} {opts.cmdline}".strip()
        opts.dt_overlays += [str(DT_DIR / f) for f in overlays.split()]
        opts.env.update(env)
        name = " ".join([overlays or "no overlay", cmdline if len(cmdline) < 60 else cmdline[:57] + "...",
                         f"[{shlex.join(vm_args)}]" if vm_args else ""]).strip()
        cases.append(boot_case(name, command, opts)[0])
    return tap.render(cases)


# The memory-region device: virtio-rng on virtio-mmio with VIRTIO_F_ACCESS_PLATFORM
# (iommu_platform=on), so that its rings come from the DMA API; memregion.dtso
# gives its transport's node memory-region = <&a PMM node>. QEMU fills the
# virt board's 32 transports from the top: the $PMM_OUT share takes
# virtio_mmio@a003e00, this device the next one down. QEMU's virtio-mmio is
# legacy (version 1) unless told otherwise, and a legacy device has no
# feature bit above 31: ACCESS_PLATFORM is bit 33.
MEMREGION_DEVICE = ["-global", "virtio-mmio.force-legacy=false",
                    "-device", "virtio-rng-device,iommu_platform=on"]
MEMREGION = f'sh {GUEST}/memregion.sh rng a003c00.virtio_mmio pmm@5c000000'


def memregion() -> str:
    """A boot with a device whose DMA buffers come from a PMM type: data flows,
    the type accounts for them, and they are freed at unbind."""
    flavour = ARM64[0]
    need_pmm_of(flavour)
    opts = case_options([], flavour, timeout=180)
    opts.dt_overlays.append(str(DT_DIR / "memregion.dtso"))
    opts.qemu_args += MEMREGION_DEVICE
    r = vm.run(["sh", "-c", MEMREGION], opts, echo=None)
    text = (r.outdir / "output").read_text(errors="replace") if (r.outdir / "output").is_file() else ""
    text = "".join(ln + "\n" for ln in text.splitlines()
                   if tap.RESULT.match(ln) or tap.PLAN.match(ln) or ln.startswith("#"))
    if r.reason or r.status:
        text += f"not ok - memregion: {r.reason or f'exited with status {r.status}'}\n"
    return text or tap.failed("memregion", "no output")


def hwpoison_debug() -> str:
    """pmm_hwpoison_test in a boot of the debug kernel of its own, with
    pmm=poison:4M: the pages it poisons stay out of use, so no other suite
    may share that boot (the default kernel's run is a cmdline case)."""
    built = kbuild.selftest_build("debug", "pmm") / "pmm/pmm_hwpoison_test"
    opts = vm.VmOptions(flavour="debug", cmdline="pmm=poison:4M", timeout=600)
    r = vm.run(["sh", "-c", f'{built} >"$PMM_OUT/hwpoison.tap"'], opts, echo=None)
    result = r.outdir / "hwpoison.tap"
    if r.reason or not result.is_file():
        return tap.failed("hwpoison", r.reason or "pmm_hwpoison_test wrote no TAP")
    splat = [tap.Case(f"no splat: {line}", "fail") for line in vm.splat_lines(r.console)]
    return result.read_text() if not splat else tap.render(splat, [f"console: {r.console}"])


def media_note(tap_text: str, log: str) -> str:
    m = re.search(r"^frame check: vicodec decoded .* vs source.*max error (\d+).*PSNR ([0-9.]+) dB", log, re.M)
    return f"decoded vs source: max error {m.group(1)}, PSNR {m.group(2)} dB" if m else ""


def heaps_note(tap_text: str, log: str) -> str:
    """The dmabuf-heaps kselftest's results per heap ("# Testing heap: NAME" starts each)."""
    parts = re.split(r"^# Testing heap: (\S+)$", tap_text, flags=re.M)
    counts = [(heap, tap.count(body)) for heap, body in zip(parts[1::2], parts[2::2])]
    return f"{len(counts)} heaps: " + ", ".join(
        f"{h} {c.passed}/{c.failed}/{c.skipped}" for h, c in counts) if counts else "no heap tested"


SUITES = [
    Suite("check", "the submission gates: checkpatch, kernel-doc, mirrors, sparse, W=1, uapi C90, bisect",
          HOST, host=gate_tap),
    Suite("ctest", "userspace-cxx on the host: the allocator core's unit, model and fuzz tests, libpmm",
          HOST, host=cxx.ctest),
    Suite("kunit", "the KUnit tests built into the kernel, run at boot", BOTH + ARM64 + KCSAN, boot=kunit),
    Suite("kselftest", "tools/testing/selftests/pmm: /dev/pmm, dma-bufs, SysV segments, page "
          "references, races", BOTH + ARM64 + KCSAN, kselftest("pmm"), PMM_KSELFTEST),
    Suite("cxx-guest", "libpmm (pmm_guest_tests) on the kernel's /dev/pmm", BOTH + ARM64 + KCSAN,
          cxx_program("pmm_guest_tests"), GTEST, tap.from_gtest_json),
    Suite("cxx-noexcept", "libpmm's exception-free API, built with -fno-exceptions", BOTH + ARM64,
          cxx_program("pmm_noexcept_tests"), GTEST, tap.from_gtest_json),
    Suite("cxx-c-api", "libpmm's C API (pmm/pmm.h)", BOTH + ARM64, cxx_program("pmm_c_api_test"),
          TAP_PROGRAM),
    Suite("cxx-media", "PMM blocks through vicodec, vim2m and vgem, frames checked (pmm_media_tests)",
          BOTH, cxx_program("pmm_media_tests"), GTEST, tap.from_gtest_json,
          show=r"^frame check:|^\[ (pipeline|vgem) +\]|# SKIP", note=media_note),
    Suite("dmabuf-heaps", "tools/testing/selftests/dmabuf-heaps on every heap, PMM's among them",
          BOTH + ARM64 + KCSAN, kselftest("dmabuf-heaps"), KSELFTEST, note=heaps_note),
    Suite("cxx-x11", "MIT-SHM with an unmodified Xvfb on PMM segments, and a hand-off benchmark",
          BOTH, cxx_program("pmm_x11_tests"), X11, tap.from_gtest_json,
          show=r"pixels compared|^MIT-SHM hand-off|^(frame|1080p|4K) "),
    Suite("observe", "PMM's trace events through trace-cmd, its latency histograms in debugfs",
          BOTH + ARM64, cxx_program("pmmctl"), OBSERVE, show=r"^# pmm|^# alloc_latency|^not ok"),
    Suite("ipc", "the kernel's tools/testing/selftests/ipc (SysV message queues)", BOTH,
          kselftest("ipc"), IPC_KSELFTEST),
    Suite("stress-ng", "stress-ng's shm-sysv and shm stressors", BOTH, guest=STRESS,
          show=r"^# stress-ng: (metrc: .*(shm|bogo)|fail|error)"),
    Suite("trinity", "trinity, the syscall fuzzer, on /dev/pmm and the PMM heaps, as root and "
          "as uid 65534", ("debug",) + KCSAN, guest=TRINITY, show=r"^# \[main\] Ran|^(not )?ok"),
    Suite("hwpoison", "memory failure in the reserve under KASAN and lockdep: pmm_hwpoison_test "
          "in a debug boot of its own", ("debug",), host=hwpoison_debug),
    Suite("leaks", "PMM's statistics back to their boot values after every guest suite", BOTH + ARM64 + KCSAN,
          boot=leaks),
    Suite("splats", "no KASAN, lockdep, kmemleak, WARN, BUG, UBSAN or hung task report", BOTH + ARM64 + KCSAN,
          boot=splats),
    Suite("cmdline", "boot-time pmm= parsing: a boot per line of scripts/tests/cmdline-cases.txt",
          DEFAULT, host=cmdline_cases),
    Suite("dt-cases", "reserved-memory nodes (linux,pmm): a boot per line of scripts/tests/dt-cases.txt",
          ARM64, host=dt_cases),
    Suite("memregion", "a device with memory-region = <&pmm node> (virtio-rng, DMA API): data flows, "
          "its buffers are PMM blocks, freed at unbind", ARM64, host=memregion),
]
BY_NAME = {s.name: s for s in SUITES}
