# SPDX-License-Identifier: GPL-2.0
"""scripts/pmm test: every suite of the table, in both x86_64 kernel
flavours and then the arm64 one; a line per suite and "N passed, N failed,
N skipped". For each flavour: the kernel, the guest suites' host builds,
ONE boot that runs all the flavour's guest suites, then every suite's TAP
is counted by tap.count."""
import re
from dataclasses import dataclass
from pathlib import Path

from . import kbuild, paths, setup, tap, tree, vm
from .log import BOLD, OFF, Fail, Timer, err, fmt_secs, info, note, step
from .paths import GUEST, rel
from .suites import BY_NAME, SUITES, TRINITY_SECONDS, Suite

# tools/testing/selftests/dmabuf-heaps holds 32 x 1 MiB at once in every heap:
# pmm-fast and CMA's "reserved" heap need 33 MiB or more, so fast is 40M (not
# 8M) and cma=64M overrides the config's 32 MiB.
# vivid.allocators=1: vivid imports dma-bufs through vb2-dma-contig, a real
# DMA API user of PMM blocks (pmm_media_tests).
TEST_CMDLINE = "pmm=general:64M,fast:40M cma=64M vivid.allocators=1"
# arm64 has no vivid (its media suites are x86's).
CMDLINES = {"arm64-default": "pmm=general:64M,fast:40M cma=64M"}
# KASAN, ACPI setup and the kmemleak scan make the debug boot slow under TCG;
# a whole arm64 CPU emulated, the arm64 guest's too.
BOOT_TIMEOUT = {"default": 300, "debug": 900, "arm64-default": 600, "kcsan": 900}


@dataclass
class SuiteResult:
    name: str
    passed: int
    failed: int
    skipped: int
    seconds: float
    note: str
    tap_path: Path

    def line(self) -> str:
        return (f"{self.name:<26} {self.passed:3d} passed, {self.failed:3d} failed, "
                f"{self.skipped:3d} skipped  {fmt_secs(self.seconds):>7}  {self.note}")


def label(suite: Suite, flavour: str) -> str:
    return f"{suite.name} {flavour}" if suite.flavours else suite.name


def record(suite: Suite, flavour: str, tap_text: str, seconds: float, log: str = "") -> SuiteResult:
    """Write the suite's TAP under build/results, count it, print its line."""
    path = suite.tap_path(flavour)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(tap_text)
    c = tap.count(tap_text)
    if suite.show:
        for line in (log + "\n" + tap_text).splitlines():
            if re.search(suite.show, line):
                info(f"  {line}")
    for line in c.failures[:20]:
        info(f"  {line}")
    if suite.note and not c.failed:
        c.note = suite.note(tap_text, log)
    elif c.failures:
        c.note = "; ".join(filter(None, [tap.RESULT.match(c.failures[-1]).group(3), c.note]))
    r = SuiteResult(label(suite, flavour), c.passed, c.failed, c.skipped, seconds, c.note, path)
    note(f"--- {r.line()}")
    return r


def guest_list(ready: list[tuple[Suite, Path | None]]) -> str:
    """The runner's input: NAME TAB COMMAND a line."""
    return "".join(f"{s.name}\t{s.guest.format(built=built)}\n" for s, built in ready)


def guest_result(suite: Suite, boot: vm.VmResult) -> tuple[str, float, str]:
    """A guest suite's TAP, time and log, from what its run left in $PMM_OUT."""
    status = boot.outdir / f"{suite.name}.status"
    log_file, result = boot.outdir / f"{suite.name}.log", boot.outdir / f"{suite.name}.result"
    log = log_file.read_text(errors="replace") if log_file.is_file() else ""
    if not status.is_file():
        started = "did not finish" if log_file.is_file() else "did not run"
        return tap.failed(suite.name, f"{started}: {boot.reason or 'the guest runner stopped'}"), 0, log
    rc, seconds = map(int, status.read_text().split())
    if not result.is_file():
        return tap.failed(suite.name, f"no result: exited with status {rc}"), seconds, log
    try:
        text = suite.parse(result.read_text(errors="replace"))
    except (ValueError, KeyError) as e:
        return tap.failed(suite.name, f"unreadable result ({e}), exit status {rc}"), seconds, log
    # A signal (a crash), or a failure status that no result line explains.
    if rc >= 128 or (rc != 0 and not tap.count(text).failures):
        text += f"not ok - {suite.name} exited with status {rc}\n"
    return text, seconds, log


def attempt(suite: Suite, fn):
    """(fn(), None); or (None, the TAP of a suite that cannot run: skipped
    when the tree lacks what it needs, failed when that does not build)."""
    try:
        return fn(), None
    except kbuild.NotApplicable as e:
        return None, tap.skipped(str(e))
    except Fail as e:
        err(str(e))
        return None, tap.failed(suite.name, str(e).splitlines()[0])


def boot_suites(flavour: str, suites: list[Suite]) -> list[SuiteResult]:
    """The host builds of the flavour's guest suites, one boot that runs them,
    then the results of every guest and boot suite."""
    ready, build_seconds, done = [], {}, {}
    for s in (s for s in suites if s.guest):
        t = Timer()
        built, cannot_run = attempt(s, lambda: s.build(flavour) if s.build else None)
        if cannot_run:
            done[s.name] = record(s, flavour, cannot_run, t.seconds)
        else:
            ready.append((s, built))
            build_seconds[s.name] = t.seconds
    cmdline = CMDLINES.get(flavour, TEST_CMDLINE)
    timeout = BOOT_TIMEOUT[flavour]
    if any(s.name == "trinity" for s, _ in ready):
        # Two runs (root, then uid 65534) of PMM_TRINITY_SECONDS each.
        timeout += 2 * TRINITY_SECONDS
    info(f"  booting {flavour} with {cmdline}: {' '.join(s.name for s, _ in ready) or 'no guest suite'}"
         f" (timeout {timeout} s)")
    opts = vm.VmOptions(flavour=flavour, cmdline=cmdline, timeout=timeout)
    t = Timer()
    boot = vm.run(["sh", str(GUEST / "run-suites.sh")], opts, share={"suites": guest_list(ready)},
                  echo="  | ")
    info(f"  boot: {fmt_secs(t.seconds)}, console: {rel(boot.console)}" + (f"; {boot.reason}" if boot.reason else ""))
    # A boot suite's time is the boot's, up to the guest runner (KUnit runs then).
    booted = boot.outdir / "booted"
    boot_seconds = float(booted.read_text()) if booted.is_file() else t.seconds
    results = []
    for s in suites:
        if s.name in done:
            results.append(done[s.name])
        elif s.guest:
            text, seconds, log = guest_result(s, boot)
            results.append(record(s, flavour, text, build_seconds[s.name] + seconds, log))
        else:
            results.append(record(s, flavour, s.boot(boot), boot_seconds))
    return results


def run_flavour(flavour: str, suites: list[Suite]) -> list[SuiteResult]:
    if not step(f"{flavour} kernel", lambda: (kbuild.build(flavour), kbuild.headers(flavour))):
        return [record(s, flavour, tap.failed(s.name, f"the {flavour} kernel did not build"), 0)
                for s in suites]
    results, booted = [], False
    for s in suites:
        if s.host:
            note(f"=== {s.name}")
            t = Timer()
            text, cannot_run = attempt(s, s.host)
            results.append(record(s, flavour, text or cannot_run, t.seconds))
        elif not booted:
            note(f"=== boot {flavour}")
            booted = True
            results += boot_suites(flavour, [x for x in suites if not x.host])
    return results


def built_flavours() -> list[str]:
    return [f for f in kbuild.FLAVOURS if (paths.out_dir(f) / "vmlinux").is_file()] or ["default"]


def main(only: list[str] | None, flavours: list[str] | None, arch: str | None = None) -> int:
    """All suites after setup and tree; or only these suites (with leaks and
    splats when they boot) against the built kernels, no setup or tree.
    arch: only the flavours of that architecture (arm64: the arm64 part)."""
    t = Timer()
    paths.make_build_dirs()
    of_arch = [f for f in kbuild.FLAVOURS if (arch is None or kbuild.arch_of(f).name == arch)
               and (f not in kbuild.OPTIONAL_FLAVOURS or f in (flavours or []))]
    if flavours and arch:
        flavours = [f for f in flavours if f in of_arch]
    if only:
        wanted = set(only) | ({"leaks", "splats"} if any(not BY_NAME[n].host for n in only) else set())
        chosen = [s for s in SUITES if s.name in wanted]
        phases = {f for s in chosen for f in s.phases}
        flavours = flavours or [f for f in built_flavours() if f in phases and f in of_arch] \
            or [f for f in of_arch if f in phases]
    else:
        chosen, flavours = SUITES, flavours or of_arch
        if not (step("setup", setup.setup) and step("tree", tree.tree)):
            info("nothing was tested\n0 passed, 1 failed, 0 skipped")
            return 1
    results = []
    for f in flavours:
        results += run_flavour(f, [s for s in chosen if f in s.phases])
    note(f"=== summary ({t})")
    for r in results:
        info(r.line())
    total = sum((tap.Counts(r.passed, r.failed, r.skipped) for r in results), tap.Counts())
    info(f"{total.passed} passed, {total.failed} failed, {total.skipped} skipped")
    return 1 if total.failed else 0


def list_suites() -> int:
    info(f"{BOLD}{'suite':<13} {'flavours':<27} {'TAP':<41} proves{OFF}")
    for s in SUITES:
        info(f"{s.name:<13} {','.join(s.flavours) or 'host':<27} {rel(s.tap_path('<flavour>')):<41} {s.proves}")
    return 0
