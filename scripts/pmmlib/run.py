# SPDX-License-Identifier: GPL-2.0
"""scripts/pmm run: the main job for a newcomer: build PMM's kernel, boot
it, show what PMM does (scripts/guest/demo.sh)."""
from . import cxx, kbuild, setup, tree, vm
from .log import Fail, Timer, info, note, step
from .paths import GUEST, rel

RUN_CMDLINE = "pmm=general:64M,fast:8M"


def optional(what: str, build):
    """What build returns, or "" when the tree has no such thing yet."""
    try:
        path = build()
        info(f"{what}: {rel(path)}")
        return str(path)
    except kbuild.NotApplicable as e:
        info(f"no {what} yet ({e})")
        return ""


def boot(kselftests: str, pmmctl: str) -> None:
    info(f"booting the default kernel with {RUN_CMDLINE} (TCG: the first command runs a few "
         "seconds after QEMU starts)")
    r = vm.run(["bash", str(GUEST / "demo.sh"), pmmctl, kselftests], vm.VmOptions(cmdline=RUN_CMDLINE))
    if r.reason:
        raise Fail(r.reason)
    info(f"console log: {rel(r.console)}")


def main() -> int:
    t = Timer()
    built = {}
    steps = [
        ("setup", setup.setup),
        ("tree (build/linux)", tree.tree),
        ("build (default kernel)", lambda: (kbuild.build("default"), kbuild.headers("default"))),
        ("kselftests (build)", lambda: built.update(
            kselftests=optional("kselftests", lambda: kbuild.selftest_build("default", "pmm")))),
        ("pmmctl (build)", lambda: built.update(pmmctl=optional("pmmctl", lambda: cxx.program("pmmctl")))),
        (f"boot with {RUN_CMDLINE}", lambda: boot(built["kselftests"], built["pmmctl"])),
    ]
    if not all(step(name, fn) for name, fn in steps):
        return 1
    note(f"run: done in {t}")
    return 0
