# SPDX-License-Identifier: GPL-2.0
"""scripts/pmm bench: userspace-cxx's pmm_bench from a Release build,
through userspace-cxx/bench/run-bench.sh (results in bench/results/)."""
import subprocess

from . import cxx
from .log import Fail, info
from .paths import CXX_SRC, rel


def main() -> int:
    info(f"bench: building userspace-cxx (Release) in {rel(cxx.RELEASE_BUILD)}")
    try:
        build_dir = cxx.build(build_dir=cxx.RELEASE_BUILD, build_type="Release")
    except cxx.NotApplicable as e:
        raise Fail(f"bench: {e}")
    if not (build_dir / "pmm_bench").is_file():
        raise Fail("bench: userspace-cxx has no pmm_bench target yet")
    info("bench: running userspace-cxx/bench/run-bench.sh (results in userspace-cxx/bench/results/)")
    return subprocess.run([str(CXX_SRC / "bench/run-bench.sh"), str(build_dir)]).returncode
