# SPDX-License-Identifier: GPL-2.0
"""Where everything is: the repository, build/ and what lies in it."""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"
TREE = BUILD / "linux"
OUTROOT = BUILD / "out"
LOGS = BUILD / "logs"
RESULTS = BUILD / "results"
PATCHES = ROOT / "patches"
MIRROR = ROOT / "mm-pmm"
SELFTESTS_MIRROR = ROOT / "selftests"
COVER_LETTER = ROOT / "scripts" / "cover-letter.txt"
GUEST = ROOT / "scripts" / "guest"
CMDLINE_CASES = ROOT / "scripts" / "tests" / "cmdline-cases.txt"
DT_CASES = ROOT / "scripts" / "tests" / "dt-cases.txt"
DT_DIR = ROOT / "scripts" / "tests" / "dt"
CXX_SRC = ROOT / "userspace-cxx"
JOBS = os.environ.get("PMM_JOBS", "2")


def out_dir(flavour: str) -> Path:
    """The kernel build directory of a flavour (default, debug)."""
    return OUTROOT / flavour


def rel(path) -> str:
    """A path as the user sees it: relative to the repository when inside it."""
    try:
        return str(Path(path).relative_to(ROOT))
    except ValueError:
        return str(path)


def make_build_dirs() -> None:
    LOGS.mkdir(parents=True, exist_ok=True)
