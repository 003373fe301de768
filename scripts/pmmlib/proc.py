# SPDX-License-Identifier: GPL-2.0
"""Running programs: output captured, or sent to a log file."""
import subprocess
from pathlib import Path

from .log import Fail
from .paths import TREE, rel


def run(cmd, *, cwd=None, log: Path | None = None, env=None,
        check=True) -> subprocess.CompletedProcess:
    """Run cmd; stdout and stderr go to log (appended) or are captured as text.
    With check, a non-zero status raises Fail naming the log."""
    if log is not None:
        with open(log, "a") as f:
            p = subprocess.run(cmd, cwd=cwd, env=env, stdout=f, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, text=True)
    else:
        p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                           stdin=subprocess.DEVNULL, errors="replace")
    if check and p.returncode != 0:
        where = f" (log: {rel(log)})" if log else f": {(p.stderr or p.stdout).strip()[-2000:]}"
        raise Fail(f"{cmd[0]} {' '.join(map(str, cmd[1:3]))}... failed with status {p.returncode}{where}")
    return p


def tail(log: Path, n: int = 20) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-n:])


def git(*args, tree: Path = TREE, check=True, env=None) -> str:
    """git -C tree ARGS; its stdout without the last newline."""
    return run(["git", "-C", str(tree), *args], check=check, env=env).stdout.rstrip("\n")
