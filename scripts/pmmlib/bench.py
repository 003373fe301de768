# SPDX-License-Identifier: GPL-2.0
"""scripts/pmm bench: userspace-cxx's pmm_bench and pmm_latency from a Release
build, through userspace-cxx/bench/run-bench.sh (results in bench/results/;
--quick: a short run into build/bench-quick/, the committed results left
alone). Figures only: nothing here passes or fails on a time."""
import subprocess

from . import cxx
from .log import Fail, info
from .paths import BUILD, CXX_SRC, rel

QUICK_OUT = BUILD / "bench-quick"


def main(quick: bool = False) -> int:
    info(f"bench: building userspace-cxx (Release) in {rel(cxx.RELEASE_BUILD)}")
    try:
        build_dir = cxx.build("pmm_bench", "pmm_latency", build_dir=cxx.RELEASE_BUILD,
                              build_type="Release")
    except cxx.NotApplicable as e:
        raise Fail(f"bench: {e}")
    for prog in ("pmm_bench", "pmm_latency"):
        if not (build_dir / prog).is_file():
            raise Fail(f"bench: userspace-cxx has no {prog} target")
    script = str(CXX_SRC / "bench/run-bench.sh")
    if quick:
        info(f"bench: quick run of run-bench.sh (results in {rel(QUICK_OUT)})")
        return subprocess.run([script, "--quick", str(build_dir), str(QUICK_OUT)]).returncode
    info("bench: running userspace-cxx/bench/run-bench.sh (results in userspace-cxx/bench/results/)")
    return subprocess.run([script, str(build_dir)]).returncode
