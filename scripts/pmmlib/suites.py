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
from .log import info
from .paths import CMDLINE_CASES, GUEST, RESULTS, TREE

BOTH = kbuild.FLAVOURS
DEFAULT = ("default",)
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


def kselftest(target: str) -> Callable[[str], Path]:
    return lambda flavour: kbuild.selftest_build(flavour, target)


def cxx_program(name: str) -> Callable[[str], Path]:
    return lambda flavour: cxx.program(name)


def kunit(boot: vm.VmResult) -> str:
    """The KTAP that the kernel's KUnit tests printed at boot, through
    kunit.py parse --json."""
    out = boot.outdir / "kunit.json"
    subprocess.run(["python3", str(TREE / "tools/testing/kunit/kunit.py"), "parse",
                    f"--json={out}", str(boot.console)], capture_output=True)
    return tap.from_kunit_json(out.read_text()) if out.is_file() else \
        tap.failed("kunit", "kunit.py parse wrote no JSON")


def splats(boot: vm.VmResult) -> str:
    lines = vm.splat_lines(boot.console)
    if not lines:
        return tap.render([tap.Case("no KASAN, lockdep, kmemleak, WARN, BUG, UBSAN or hung task "
                                    "report in the console")])
    return tap.render([tap.Case(line, "fail") for line in lines], [f"console: {boot.console}"])


def leaks(boot: vm.VmResult) -> str:
    f = boot.outdir / "leaks.tap"
    return f.read_text() if f.is_file() else tap.failed("leaks", "the guest runner wrote no leaks.tap")


def gate_tap() -> str:
    return check.as_tap(check.run_gates(quick=False))


def cmdline_cases() -> str:
    """One boot of the default kernel per line of scripts/tests/cmdline-cases.txt:
    CMDLINE, a TAB, a guest command that exits 0 when the kernel behaved
    right, and optionally a TAB and scripts/pmm vm options (--mem 6G --smp 4)."""
    parser = argparse.ArgumentParser(prog="cmdline-cases.txt", add_help=False)
    vm.add_options(parser)
    cases = []
    for line in CMDLINE_CASES.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cmdline, command, *vm_args = line.split("\t")
        args = parser.parse_args(["--timeout", "120", *shlex.split(vm_args[0] if vm_args else "")])
        opts = vm.options(args)
        opts.cmdline = f"{cmdline} {opts.cmdline}".strip()
        r = vm.run(["sh", "-c", command], opts, echo=None)
        name = cmdline + (f" [{vm_args[0]}]" if vm_args else "")
        ok = r.status == 0
        info(f"  {'PASS' if ok else 'FAIL'} {name}" + ("" if ok else f" (status {r.status}{': ' + r.reason if r.reason else ''})"))
        output = [] if ok else (r.outdir / "output").read_text(errors="replace").splitlines()[-20:]
        cases.append(tap.Case(name, "ok" if ok else "fail", r.reason or ("" if ok else f"status {r.status}"), output))
    return tap.render(cases)


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
    Suite("kunit", "the KUnit tests built into the kernel, run at boot", BOTH, boot=kunit),
    Suite("kselftest", "tools/testing/selftests/pmm: /dev/pmm, dma-bufs, SysV segments, page "
          "references, races", BOTH, kselftest("pmm"), PMM_KSELFTEST),
    Suite("cxx-guest", "libpmm (pmm_guest_tests) on the kernel's /dev/pmm", BOTH,
          cxx_program("pmm_guest_tests"), GTEST, tap.from_gtest_json),
    Suite("cxx-noexcept", "libpmm's exception-free API, built with -fno-exceptions", BOTH,
          cxx_program("pmm_noexcept_tests"), GTEST, tap.from_gtest_json),
    Suite("cxx-c-api", "libpmm's C API (pmm/pmm.h)", BOTH, cxx_program("pmm_c_api_test"),
          TAP_PROGRAM),
    Suite("cxx-media", "PMM blocks through vicodec, vim2m and vgem, frames checked (pmm_media_tests)",
          BOTH, cxx_program("pmm_media_tests"), GTEST, tap.from_gtest_json,
          show=r"^frame check:|^\[ (pipeline|vgem) +\]|# SKIP", note=media_note),
    Suite("dmabuf-heaps", "tools/testing/selftests/dmabuf-heaps on every heap, PMM's among them",
          BOTH, kselftest("dmabuf-heaps"), KSELFTEST, note=heaps_note),
    Suite("cxx-x11", "MIT-SHM with an unmodified Xvfb on PMM segments, and a hand-off benchmark",
          BOTH, cxx_program("pmm_x11_tests"), X11, tap.from_gtest_json,
          show=r"pixels compared|^MIT-SHM hand-off|^(frame|1080p|4K) "),
    Suite("ipc", "the kernel's tools/testing/selftests/ipc (SysV message queues)", BOTH,
          kselftest("ipc"), IPC_KSELFTEST),
    Suite("stress-ng", "stress-ng's shm-sysv and shm stressors", BOTH, guest=STRESS,
          show=r"^# stress-ng: (metrc: .*(shm|bogo)|fail|error)"),
    Suite("trinity", "trinity, the syscall fuzzer, on /dev/pmm and the PMM heaps, as root and "
          "as uid 65534", ("debug",), guest=TRINITY, show=r"^# \[main\] Ran|^(not )?ok"),
    Suite("hwpoison", "memory failure in the reserve under KASAN and lockdep: pmm_hwpoison_test "
          "in a debug boot of its own", ("debug",), host=hwpoison_debug),
    Suite("leaks", "PMM's statistics back to their boot values after every guest suite", BOTH, boot=leaks),
    Suite("splats", "no KASAN, lockdep, kmemleak, WARN, BUG, UBSAN or hung task report", BOTH, boot=splats),
    Suite("cmdline", "boot-time pmm= parsing: a boot per line of scripts/tests/cmdline-cases.txt",
          DEFAULT, host=cmdline_cases),
]
BY_NAME = {s.name: s for s in SUITES}
