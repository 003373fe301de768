# SPDX-License-Identifier: GPL-2.0
"""scripts/pmm vm: boot a built kernel in QEMU with the host's root file
system shared read-only over 9p, run a command in the guest, return its
status: the command's; 124 when the guest timed out; 125 when the kernel
crashed or printed a splat, or the guest reported no status."""
import argparse
import os
import random
import re
import shlex
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from . import paths
from .arch import ARCHES, Arch
from .log import Timer, err, stamp
from .paths import BUILD, LOGS, ROOT, rel

TIMEOUT = 124
CRASH = 125

# Console lines that mean the kernel died, and lines that are splats.
FATAL = re.compile(r"Kernel panic - not syncing|Oops: |kernel BUG at|BUG: unable to handle"
                   r"|general protection fault|BUG: kernel NULL pointer")
SPLAT = re.compile(FATAL.pattern + r"|BUG: |WARNING: |UBSAN: |unreferenced object 0x"
                   r"|new suspected memory leaks|INFO: task .* blocked|watchdog: .*lockup")


@dataclass
class VmOptions:
    flavour: str = "default"
    cmdline: str = ""
    timeout: int = 300
    mem: str = "1G"
    smp: int = 2
    numa: int = 0               # NUMA nodes, the memory and CPUs split evenly; 0: none
    verbose: bool = False
    arch: str = "x86_64"


@dataclass
class VmResult:
    status: int                 # the command's, or TIMEOUT / CRASH
    reason: str                 # why the guest did not give the command's status; "" when it did
    outdir: Path                # the guest's $PMM_OUT on the host
    console: Path


def splat_lines(console: Path) -> list[str]:
    """The header line of every splat in a console log, without its timestamp."""
    if not console.is_file():
        return []
    return [re.sub(r"^\[[^]]*\] ", "", ln.rstrip("\r"))
            for ln in console.read_text(errors="replace").splitlines() if SPLAT.search(ln)]


def add_options(parser: argparse.ArgumentParser) -> None:
    """The vm options, shared by scripts/pmm vm and the per-case options of
    scripts/tests/cmdline-cases.txt."""
    parser.add_argument("--debug", dest="flavour", action="store_const", const="debug",
                        default="default", help="boot the debug kernel (KASAN, lockdep, kmemleak)")
    parser.add_argument("--cmdline", default="", help='extra kernel command line, e.g. "pmm=general:64M"')
    parser.add_argument("--timeout", type=int, default=300, metavar="S",
                        help="seconds before the guest is stopped (status 124; default 300)")
    parser.add_argument("--mem", default="1G", metavar="SIZE", help="guest memory (default 1G)")
    parser.add_argument("--smp", type=int, default=2, metavar="N", help="virtual CPUs (default 2)")
    parser.add_argument("--numa", type=int, default=0, metavar="N",
                        help="N NUMA nodes, memory and CPUs split evenly, a socket each (default: none)")
    parser.add_argument("--verbose", action="store_true", help="stream the kernel console too")


def options(args: argparse.Namespace) -> VmOptions:
    return VmOptions(flavour=args.flavour, cmdline=args.cmdline, timeout=args.timeout,
                     mem=args.mem, smp=args.smp, numa=args.numa, verbose=args.verbose)


def numa_options(opts: VmOptions) -> list[str]:
    """-smp and -numa for opts.numa nodes: a socket per node, so that no
    cache is shared across nodes (the kernel warns of such a topology)."""
    if not opts.numa:
        return ["-smp", str(opts.smp)]
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    mem = opts.mem.upper()
    total = int(mem[:-1]) * units[mem[-1]] if mem[-1] in units else int(mem) << 20
    args = ["-smp", f"{opts.smp},sockets={opts.numa},cores={opts.smp // opts.numa},threads=1"]
    for n in range(opts.numa):
        cpus = f"{n * opts.smp // opts.numa}-{(n + 1) * opts.smp // opts.numa - 1}"
        args += ["-object", f"memory-backend-ram,id=mem{n},size={total // opts.numa}",
                 "-numa", f"node,nodeid={n},cpus={cpus},memdev=mem{n}"]
    return args


def kernel_image(flavour: str, arch: Arch) -> Path:
    return paths.out_dir(flavour) / arch.image


def accel(arch: Arch) -> str:
    """tcg, or kvm once a probe (cached in build/kvm-probe) showed that a
    guest boots with it: on some hosts /dev/kvm exists but guests hang."""
    if os.environ.get("PMM_ACCEL"):
        return os.environ["PMM_ACCEL"]
    probe = BUILD / "kvm-probe"
    version = subprocess.run([arch.qemu, "--version"], capture_output=True, text=True).stdout
    key = f"{os.uname().release} {version.splitlines()[0] if version else ''}"
    if probe.is_file() and probe.read_text().splitlines()[1:2] == [key]:
        return probe.read_text().splitlines()[0]
    kernel = kernel_image("default", arch)
    if not kernel.is_file():
        return "tcg"
    result = "tcg"
    if os.access("/dev/kvm", os.W_OK):
        print("vm: probing KVM (a 20 s boot of the default kernel; cached in build/kvm-probe)",
              file=sys.stderr, flush=True)
        if run(["true"], VmOptions(timeout=20), accelerator="kvm", echo=None).status == 0:
            result = "kvm"
        print(f"vm: KVM probe: {'guest boots, using KVM' if result == 'kvm' else 'guest did not boot, using TCG'}",
              file=sys.stderr, flush=True)
    probe.write_text(f"{result}\n{key}\n")
    return result


def root_9p(arch: Arch, outdir: Path) -> tuple[list[str], str]:
    """QEMU options and kernel command line for the host's / as the guest's
    root, read-only over 9p, and the writable share at $PMM_OUT."""
    append = ("root=/dev/root rootfstype=9p rootflags=trans=virtio,version=9p2000.L,msize=512000 ro"
              f" init={ROOT}/scripts/guest/init.sh")
    qemu = ["-fsdev", "local,id=root,path=/,readonly=on,security_model=none",
            "-device", "virtio-9p-pci,fsdev=root,mount_tag=/dev/root",
            "-fsdev", f"local,id=out,path={outdir},security_model=none",
            "-device", "virtio-9p-pci,fsdev=out,mount_tag=pmmout"]
    return qemu, append


ROOTS = {"9p": root_9p}


def _follow(path: Path, proc: subprocess.Popen, prefix: str) -> None:
    """Print what is appended to path until proc has ended."""
    with open(path, errors="replace") as f:
        while True:
            done = proc.poll() is not None
            for line in f.readlines():
                sys.stdout.write(prefix + line)
            sys.stdout.flush()
            if done:
                return
            time.sleep(0.2)


def run(command: list[str], opts: VmOptions, share: dict[str, str] | None = None,
        accelerator: str | None = None, echo: str | None = "") -> VmResult:
    """Boot, run command in the guest (in the current directory), return a
    VmResult. share: more files for the guest's $PMM_OUT. echo: the prefix
    for the guest's output (or the console with opts.verbose) as it comes;
    None keeps it quiet."""
    arch = ARCHES[opts.arch]
    kernel = kernel_image(opts.flavour, arch)
    vm_id = f"{stamp()}-{opts.flavour}-{os.getpid()}-{random.randrange(32768)}"
    outdir, console = BUILD / "vm" / vm_id, LOGS / f"console-{vm_id}.log"
    if not kernel.is_file():
        build = "scripts/pmm build" + (" --debug" if opts.flavour == "debug" else "")
        return VmResult(CRASH, f"no {opts.flavour} kernel: run {build} first", outdir, console)
    accelerator = accelerator or accel(arch)
    outdir.mkdir(parents=True)
    paths.make_build_dirs()
    files = {"cmd.sh": shlex.join(command) + "\n", "cwd": os.getcwd() + "\n", "output": "",
             "guest.env": ("export PMM_KMEMLEAK_SCAN=1\n" if opts.flavour == "debug" else "")
             + f"export PMM_ROOT={shlex.quote(str(ROOT))} PMM_FLAVOUR={opts.flavour}\n",
             **(share or {})}
    for name, text in files.items():
        (outdir / name).write_text(text)
    (outdir / "console.log").symlink_to(console)
    root_qemu, root_append = ROOTS[arch.root](arch, outdir)
    append = f"console={arch.console} panic=-1 {arch.append} {root_append}" + (
        f" {opts.cmdline}" if opts.cmdline else "")
    qemu = [arch.qemu, "-accel", accelerator, *arch.machine, "-m", opts.mem, *numa_options(opts),
            "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
            "-serial", f"file:{console}", "-kernel", str(kernel), "-append", append, *root_qemu]
    (outdir / "qemu-cmdline").write_text(" ".join(qemu) + "\n")
    console.touch()
    with open(outdir / "qemu.log", "w") as qlog:
        proc = subprocess.Popen(["timeout", "--kill-after=5", str(opts.timeout), *qemu],
                                stdin=subprocess.DEVNULL, stdout=qlog, stderr=subprocess.STDOUT)
    if echo is not None:
        follower = threading.Thread(target=_follow, daemon=True,
                                    args=(console if opts.verbose else outdir / "output", proc, echo))
        follower.start()
        follower.join()
    rc = proc.wait()
    where = f"(console: {rel(console)})"
    if rc in (124, 137):
        return VmResult(TIMEOUT, f"guest timed out after {opts.timeout} s {where}", outdir, console)
    if rc != 0:
        last = " ".join((outdir / "qemu.log").read_text(errors="replace").splitlines()[-3:])
        return VmResult(CRASH, f"qemu failed with status {rc}: {last} {where}", outdir, console)
    splats = splat_lines(console)
    fatal = [s for s in splats if FATAL.search(s)]
    if fatal:
        return VmResult(CRASH, f"guest kernel crashed: {fatal[0]} {where}", outdir, console)
    if splats:
        return VmResult(CRASH, f"guest kernel printed {len(splats)} splat(s): {splats[0]} {where}",
                        outdir, console)
    status = outdir / "status"
    if not status.is_file() or not status.read_text().strip():
        return VmResult(CRASH, f"guest did not report an exit status (init failed?) {where}",
                        outdir, console)
    return VmResult(int(status.read_text()), "", outdir, console)


def main(args: argparse.Namespace) -> int:
    if not args.command:
        err("vm: no command given (usage: scripts/pmm vm [options] -- COMMAND...)")
        return 2
    opts, t = options(args), Timer()
    print(f"vm: booting the {opts.flavour} kernel ({accel(ARCHES[opts.arch])}, "
          f"{opts.cmdline or 'no extra cmdline'}), running: {' '.join(args.command)}",
          file=sys.stderr, flush=True)
    result = run(args.command, opts)
    if result.reason:
        err(f"vm: {result.reason}")
    else:
        print(f"vm: command exited with status {result.status} ({t}, console: "
              f"{rel(result.console)})", file=sys.stderr)
    return result.status
