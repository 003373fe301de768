# SPDX-License-Identifier: GPL-2.0
"""scripts/pmm bench --guest: allocation latency in a guest, /dev/pmm and
the PMM heap against CMA's heap and the system heap in one boot
(userspace-cxx/libpmm/tools/pmm_alloc_latency.cpp). The table and CSV go
to userspace-cxx/bench/results/guest/, under a header that says when,
where and with what kernel they were measured. Figures, not assertions."""
import datetime
import platform
import shutil
import subprocess

from . import cxx, kbuild, vm
from .log import Fail, info
from .paths import BUILD, CXX_SRC, rel

RESULTS = CXX_SRC / "bench/results/guest"
QUICK_RESULTS = BUILD / "bench-quick/guest"
# The setup: a 256 MiB PMM type and a 256 MiB CMA area, 2 GiB of
# RAM so that shmem pressure has room to be most of it.
CMDLINE = "pmm=general:256M cma=256M"
MEM = "2G"


def _cpu() -> str:
    for ln in open("/proc/cpuinfo"):
        if ln.startswith("model name"):
            return ln.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def main(quick: bool = False) -> int:
    """quick: fewer samples, results under build/ (the committed ones untouched)."""
    kbuild.build("default")
    prog = cxx.program("pmm_alloc_latency")
    samples = "--spaced 50 --back-to-back 100" if quick else "--spaced 300 --back-to-back 600"
    results = QUICK_RESULTS if quick else RESULTS
    opts = vm.VmOptions(flavour="default", cmdline=CMDLINE, mem=MEM, timeout=3600)
    info(f"bench: booting with {CMDLINE}, {MEM}: pmm_alloc_latency {samples}")
    r = vm.run(["sh", "-c", f'{prog} {samples} --csv "$PMM_OUT/alloc-latency.csv" '
                            f'>"$PMM_OUT/alloc-latency.txt"'], opts, echo="  guest")
    table, csv = r.outdir / "alloc-latency.txt", r.outdir / "alloc-latency.csv"
    if r.reason or r.status or not csv.is_file():
        raise Fail(f"bench: the guest run failed: {r.reason or f'status {r.status}'} "
                   f"(output in {rel(r.outdir)})")
    results.mkdir(parents=True, exist_ok=True)
    kernel = subprocess.run(["git", "-C", str(kbuild.TREE), "log", "-1", "--format=%h %s"],
                            capture_output=True, text=True).stdout.strip()
    accel = vm.accel(kbuild.arch_of("default"))
    header = (f"# pmm_alloc_latency {samples}, {datetime.date.today()}, host {_cpu()}, "
              f"{subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} CPUs; "
              f"guest: QEMU {accel}, 2 vCPUs, {MEM}, {CMDLINE}; kernel {kernel}\n")
    (results / "alloc-latency.txt").write_text(header + table.read_text())
    shutil.copy(csv, results / "alloc-latency.csv")
    print((results / "alloc-latency.txt").read_text())
    info(f"bench: results in {rel(results)}")
    return 0
