# SPDX-License-Identifier: GPL-2.0
"""Messages, timing and the one way a subcommand gives up (Fail)."""
import sys
import time
from datetime import datetime

_TTY = sys.stdout.isatty()
BOLD, RED, GREEN, YELLOW, OFF = (
    ("\033[1m", "\033[31m", "\033[32m", "\033[33m", "\033[0m") if _TTY else ("",) * 5)


class Fail(Exception):
    """A subcommand cannot go on; the message says why and what to do."""


def info(msg: str = "") -> None:
    print(msg, flush=True)


def note(msg: str) -> None:
    print(f"{BOLD}{msg}{OFF}", flush=True)


def warn(msg: str) -> None:
    print(f"{YELLOW}warning:{OFF} {msg}", file=sys.stderr, flush=True)


def err(msg: str) -> None:
    print(f"{RED}error:{OFF} {msg}", file=sys.stderr, flush=True)


def fmt_secs(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 60}m{s % 60:02d}s" if s >= 60 else f"{s}s"


def stamp() -> str:
    """For log file names: build/logs/build-default-<stamp>.log."""
    return datetime.now().strftime("%Y%m%d-%H%M%S")


class Timer:
    def __init__(self) -> None:
        self.t0 = time.monotonic()

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.t0

    def __str__(self) -> str:
        return fmt_secs(self.seconds)


def step(name: str, fn) -> bool:
    """A named step of run or test: prints its time, or why it failed."""
    note(f"=== {name}")
    t = Timer()
    try:
        fn()
    except Fail as e:
        err(str(e))
        err(f"{name} failed after {t}")
        return False
    note(f"--- {name}: {t}")
    return True
