# SPDX-License-Identifier: GPL-2.0
"""scripts/pmm vm: boot a built kernel in QEMU with the host's root file
system shared read-only over 9p (x86_64), or an initramfs and a device tree
(arm64: QEMU's own, merged with overlays), run a command in the guest,
return its status: the command's; 124 when the guest timed out; 125 when
the kernel crashed or printed a splat, or the guest reported no status."""
import argparse
import hashlib
import os
import random
import re
import shlex
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import initramfs, kbuild, paths
from .arch import ARCHES, HOST_ARCH, Arch
from .log import Fail, Timer, err, stamp
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
    dt_overlays: list[str] = field(default_factory=list)    # .dtso files, merged in order
    env: dict[str, str] = field(default_factory=dict)       # more variables for the guest
    qemu_args: list[str] = field(default_factory=list)      # more QEMU options (devices)

    @property
    def arch(self) -> str:
        return kbuild.arch_of(self.flavour).name


@dataclass
class VmResult:
    status: int                 # the command's, or TIMEOUT / CRASH
    reason: str                 # why the guest did not give the command's status; "" when it did
    outdir: Path                # the guest's $PMM_OUT on the host
    console: Path


# Splats of upstream code that PMM's tests provoke and PMM cannot fix: each
# is reported (a skip with its reason), never silently dropped, and a splat
# whose report names a PMM function is never one of them.
KNOWN_SPLATS = ROOT / "scripts/tests/known-splats.txt"
PMM_FRAME = re.compile(r"\bpmm_|\[pmm")
KCSAN_RACE = re.compile(r"BUG: KCSAN: ")


@dataclass
class Splat:
    header: str                 # the line that makes it a splat, without its timestamp
    report: str                 # the lines around it, up to the end of its trace
    known: str = ""             # why it is a known upstream splat; "" when it is not


def _known_splats() -> list[tuple[re.Pattern, re.Pattern, str]]:
    """(header, report, why) of scripts/tests/known-splats.txt: blocks of
    'header: RE', 'report: RE' and 'why: TEXT' lines."""
    known, entry = [], {}
    for ln in KNOWN_SPLATS.read_text().splitlines() + [""]:
        if ln.startswith("#"):
            continue
        if not ln.strip():
            if entry:
                known.append((re.compile(entry["header"]), re.compile(entry["report"]), entry["why"]))
            entry = {}
            continue
        key, _, val = ln.partition(":")
        entry[key.strip()] = val.strip()
    return known


def splats(console: Path) -> list[Splat]:
    """Every splat in a console log, each with its report and, if it is a
    known upstream one, why."""
    if not console.is_file():
        return []
    lines = [re.sub(r"^\[[^]]*\] ", "", ln.rstrip("\r"))
             for ln in console.read_text(errors="replace").splitlines()]
    known = _known_splats()
    found = []
    for i, ln in enumerate(lines):
        if not SPLAT.search(ln):
            continue
        end = next((j for j in range(i, min(i + 80, len(lines))) if "---[ end trace" in lines[j]),
                   min(i + 80, len(lines)))
        report = "\n".join(lines[max(0, i - 3):end + 1])
        why = "" if PMM_FRAME.search(report) or FATAL.search(ln) else next(
            (w for h, r, w in known if h.search(ln) and r.search(report)), "")
        if not why and KCSAN_RACE.search(ln) and not PMM_FRAME.search(report):
            why = "a data race KCSAN found outside PMM's code"
        found.append(Splat(ln, report, why))
    return found


def splat_lines(console: Path) -> list[str]:
    """The header line of every splat in a console log that is not a known
    upstream one, without its timestamp."""
    return [s.header for s in splats(console) if not s.known]


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
    parser.add_argument("--arch", choices=list(ARCHES), default=HOST_ARCH.name,
                        help="the target architecture's kernel (arm64: QEMU's virt board, "
                             "an initramfs and a device tree)")
    parser.add_argument("--dt-overlay", action="append", default=[], metavar="FILE",
                        help="a device tree overlay source (.dtso) merged into QEMU's device "
                             "tree (arm64; may be repeated, applied in order)")


def options(args: argparse.Namespace) -> VmOptions:
    return VmOptions(flavour=kbuild.flavour_name(args.flavour, args.arch), cmdline=args.cmdline,
                     timeout=args.timeout, mem=args.mem, smp=args.smp, numa=args.numa,
                     verbose=args.verbose, dt_overlays=[str(Path(f).resolve()) for f in args.dt_overlay])


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
    if arch is not HOST_ARCH:
        return "tcg"        # no KVM for another architecture
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


def out_share(arch: Arch, outdir: Path) -> list[str]:
    """The writable 9p share that the guest mounts at $PMM_OUT."""
    return ["-fsdev", f"local,id=out,path={outdir},security_model=none",
            "-device", f"{arch.share},fsdev=out,mount_tag=pmmout"]


def root_9p(arch: Arch, opts: VmOptions, outdir: Path) -> tuple[list[str], str]:
    """QEMU options and kernel command line for the host's / as the guest's
    root, read-only over 9p, and the writable share at $PMM_OUT."""
    append = ("root=/dev/root rootfstype=9p rootflags=trans=virtio,version=9p2000.L,msize=512000 ro"
              f" init={ROOT}/scripts/guest/init.sh")
    qemu = ["-fsdev", "local,id=root,path=/,readonly=on,security_model=none",
            "-device", f"{arch.share},fsdev=root,mount_tag=/dev/root", *out_share(arch, outdir)]
    return qemu, append


def root_initramfs(arch: Arch, opts: VmOptions, outdir: Path) -> tuple[list[str], str]:
    """An initramfs of the flavour's guest programs (initramfs.py) as the
    root, and the writable share at $PMM_OUT."""
    return ["-initrd", str(initramfs.build(opts.flavour)), *out_share(arch, outdir)], "rdinit=/init"


ROOTS = {"9p": root_9p, "initramfs": root_initramfs}

# QEMU's virt device tree has no /reserved-memory: this overlay makes the
# empty node that PMM's (and the tests') overlays add to, by path:
# &{/reserved-memory} { pmm@50000000 { ... }; };
RESERVED_MEMORY = """/dts-v1/;
/plugin/;

&{/} {
	reserved-memory {
		#address-cells = <2>;
		#size-cells = <2>;
		ranges;
	};
};
"""


def _dt(*cmd: str) -> None:
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise Fail(f"{cmd[0]}: {(p.stderr or p.stdout).strip()} ({' '.join(cmd)})")


def device_tree(arch: Arch, machine: list[str], overlays: list[str], outdir: Path) -> Path:
    """QEMU's own device tree for these machine options (dumped once with
    -machine dumpdtb, cached in build/dtb/), with /reserved-memory added when
    it has none and the overlays merged (dtc -@, fdtoverlay): outdir/board.dtb,
    and its source outdir/board.dts for reading."""
    cache = BUILD / "dtb"
    cache.mkdir(parents=True, exist_ok=True)
    version = subprocess.run([arch.qemu, "--version"], capture_output=True, text=True).stdout
    key = hashlib.sha256("\0".join([version, *machine]).encode()).hexdigest()[:16]
    qemu_dtb = cache / f"qemu-{arch.name}-{key}.dtb"
    if not qemu_dtb.is_file():
        tmp = qemu_dtb.with_suffix(f".tmp{os.getpid()}")
        _dt(arch.qemu, *machine, "-machine", f"dumpdtb={tmp}", "-nodefaults", "-display", "none")
        tmp.rename(qemu_dtb)
    dtbos = []
    nodes = subprocess.run(["fdtget", "-l", str(qemu_dtb), "/"], capture_output=True, text=True).stdout
    sources = [] if "reserved-memory" in nodes.split() else [outdir / "reserved-memory.dtso"]
    if sources:
        sources[0].write_text(RESERVED_MEMORY)
    for n, src in enumerate([*sources, *map(Path, overlays)]):
        if not src.is_file():
            raise Fail(f"device tree overlay {src} does not exist")
        dtbo = outdir / f"overlay-{n}-{src.stem}.dtbo"
        _dt("dtc", "-@", "-q", "-I", "dts", "-O", "dtb", "-o", str(dtbo), str(src))
        dtbos.append(str(dtbo))
    board = outdir / "board.dtb"
    if dtbos:
        _dt("fdtoverlay", "-i", str(qemu_dtb), "-o", str(board), *dtbos)
    else:
        board.write_bytes(qemu_dtb.read_bytes())
    subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", "-o", str(outdir / "board.dts"), str(board)],
                   capture_output=True)
    return board


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
        build = "scripts/pmm build" + (" --debug" if kbuild.base_flavour(opts.flavour) == "debug" else "") \
            + (f" --arch {arch.name}" if arch is not HOST_ARCH else "")
        return VmResult(CRASH, f"no {opts.flavour} kernel: run {build} first", outdir, console)
    accelerator = accelerator or accel(arch)
    outdir.mkdir(parents=True)
    paths.make_build_dirs()
    files = {"cmd.sh": shlex.join(command) + "\n", "cwd": os.getcwd() + "\n", "output": "",
             "guest.env": ("export PMM_KMEMLEAK_SCAN=1\n" if opts.flavour == "debug" else "")
             + f"export PMM_ROOT={shlex.quote(str(ROOT))} PMM_FLAVOUR={opts.flavour}"
             f" PMM_ARCH={arch.name}\n"
             + "".join(f"export {k}={shlex.quote(v)}\n" for k, v in opts.env.items()),
             **(share or {})}
    for name, text in files.items():
        (outdir / name).write_text(text)
    (outdir / "console.log").symlink_to(console)
    machine = ["-accel", accelerator, *arch.machine, "-m", opts.mem, *numa_options(opts)]
    try:
        root_qemu, root_append = ROOTS[arch.root](arch, opts, outdir)
        dtb = ["-dtb", str(device_tree(arch, machine, opts.dt_overlays, outdir))] if arch.dtb else []
    except Fail as e:
        return VmResult(CRASH, f"cannot prepare the guest: {e}", outdir, console)
    if opts.dt_overlays and not arch.dtb:
        return VmResult(CRASH, f"--dt-overlay: {arch.name} guests boot without a device tree",
                        outdir, console)
    append = " ".join(filter(None, [f"console={arch.console} panic=-1", arch.append, root_append,
                                    opts.cmdline]))
    qemu = [arch.qemu, *machine, "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
            "-serial", f"file:{console}", "-kernel", str(kernel), *dtb, "-append", append,
            *root_qemu, *opts.qemu_args]
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
        # A kernel that died before it could reboot (early in the boot) hangs.
        fatal = [s for s in splat_lines(console) if FATAL.search(s)]
        return VmResult(TIMEOUT, f"guest timed out after {opts.timeout} s"
                        f"{f' (the kernel crashed: {fatal[0]})' if fatal else ''} {where}", outdir, console)
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
