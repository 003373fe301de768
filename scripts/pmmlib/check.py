# SPDX-License-Identifier: GPL-2.0
"""scripts/pmm check: the submission gates, each one a line of the check
suite's TAP in scripts/pmm test."""
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import paths, tap
from .arch import Arch
from .kbuild import build_kernel, kmake, selftest_build, verify_config
from .log import GREEN, OFF, RED, YELLOW, Fail, Timer, err, fmt_secs, info, stamp, warn
from .paths import BUILD, MIRROR, OUTROOT, ROOT, SELFTESTS_MIRROR, TREE, rel
from .proc import git, run
from .tree import (BASE_TAG, BRANCH, need_tree, on_branch, patches_changed_since_tree,
                   series_commits, series_files, series_patches, tree_has_unexported)

# checkpatch.pl --strict must report nothing. An exception names the exact
# message checkpatch prints (after "WARNING: " / "CHECK: " / "ERROR: ")
# and, in the comment above it, why the series is right to differ.
CHECKPATCH_EXCEPTIONS = {
    # A new file under tools/testing/selftests/pmm/, which the PMM entry
    # of MAINTAINERS already covers with an F: line for the directory;
    # checkpatch asks on every added file of a patch that leaves
    # MAINTAINERS alone.
    "added, moved or deleted file(s), does MAINTAINERS need updating?",
    # The kselftest harness ends a test from FIXTURE_SETUP only by
    # returning, in its own ASSERT_*() and SKIP() macros; pmm_util.h's
    # setup macros (PMM_CTX_SETUP, PMM_SETUP_BLOCK) are built on them.
    "Macros with flow control statements should be avoided",
    # The kernel's page type helpers (include/linux/page-flags.h) and C99's
    # <inttypes.h> format macros are named so; the series only calls them.
    "Avoid CamelCase: <__SetPageOffline>",
    "Avoid CamelCase: <__ClearPageOffline>",
    "Avoid CamelCase: <SCNx64>",
    "Avoid CamelCase: <PRIx64>",
}


@dataclass
class Gate:
    status: str                 # pass, fail or skip
    message: str
    details: list[str] = field(default_factory=list)    # printed under the gate's line
    name: str = ""
    seconds: float = 0


def checkpatch(quick: bool) -> Gate:
    patches = series_patches()
    if not patches:
        return Gate("skip", "no patches in patches/")
    details = []
    for p in patches:
        out = run(["perl", "scripts/checkpatch.pl", "--strict", "--no-summary", "--color=never",
                   str(p)], cwd=TREE, check=False)
        # Blocks are separated by blank lines; a block starts with TYPE: msg.
        bad = [b for b in re.split(r"\n\s*\n", out.stdout + out.stderr)
               if (m := re.match(r"(ERROR|WARNING|CHECK): (.*)", b.strip()))
               and m.group(2) not in CHECKPATCH_EXCEPTIONS]
        if bad:
            details += [f"checkpatch.pl --strict {rel(p)}:", *("  " + ln for b in bad for ln in b.strip().splitlines())]
    if details:
        n = sum(1 for d in details if re.match(r"  (ERROR|WARNING|CHECK):", d))
        return Gate("fail", f"{n} problem(s) in {len(patches)} patch(es) (fix them in build/linux, "
                    "then scripts/pmm export)", details)
    return Gate("pass", f"{len(patches)} patch(es), 0 errors, 0 warnings, 0 checks")


def kernel_doc(quick: bool) -> Gate:
    files = series_files("A", "*.c", "*.h", ":!tools")
    if not files:
        return Gate("skip", "the series adds no .c/.h files")
    out = run(["perl", "scripts/kernel-doc", "-none", "-Wall", *files], cwd=TREE, check=False)
    text = (out.stdout + out.stderr).strip()
    n = len(re.findall(r"warning|error", text, re.I))
    if n:
        return Gate("fail", f"{n} warning(s) in new files", text.splitlines())
    return Gate("pass", f"{len(files)} new file(s), no warnings")


DT_STANDIN = ROOT / "scripts/tests/dt-schema"
# What a binding's example must never pass: each is a line of the example
# rewritten, and the error dt-validate must report for it.
DT_BAD_EXAMPLES = [
    ('linux,pmm-type = "video";', 'linux,pmm-type = "Video!";', "does not match"),
    ('linux,pmm-type = "video";', 'linux,pmm-type = "video"; no-map;', "no-map"),
    ('linux,pmm-type = "video";', 'linux,pmm-type = "video"; reusable;', "reusable"),
    ('linux,pmm-type = "video";', "", "linux,pmm-type' is a required property"),
]


def dt_bindings(quick: bool) -> Gate:
    """The series' DT bindings and their examples, validated with Debian's
    dt-schema (older than 6.12's dt_binding_check asks for, so directly,
    with a stand-in for the reserved-memory schema it lacks); a broken copy
    of each example must fail."""
    files = series_files("A", "Documentation/devicetree/bindings/*.yaml")
    if not files:
        return Gate("skip", "the series adds no DT binding")
    if not shutil.which("dt-validate"):
        return Gate("fail", "no dt-validate (dt-schema): run scripts/pmm setup")
    details, problems = [], []
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        bindings = t / "bindings"
        for f in files:
            dest = bindings / Path(f).relative_to("Documentation/devicetree/bindings")
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(TREE / f, dest)
        for stand_in in DT_STANDIN.glob("*.yaml"):
            shutil.copy(stand_in, bindings / "reserved-memory" / stand_in.name)
        schema = t / "processed.json"
        mk = run(["dt-mk-schema", "-j", str(bindings)], check=False)
        if mk.returncode:
            return Gate("fail", "dt-mk-schema failed", mk.stderr.splitlines()[-5:])
        schema.write_text(mk.stdout)

        def validate(dts: str, name: str) -> list[str]:
            src, dtb = t / f"{name}.dts", t / f"{name}.dtb"
            src.write_text(dts)
            c = run(["dtc", "-q", "-@", "-I", "dts", "-O", "dtb", "-o", str(dtb), str(src)],
                    check=False)
            if c.returncode:
                return [f"dtc: {line}" for line in c.stderr.splitlines()] or ["dtc failed"]
            v = run(["dt-validate", "-s", str(schema), str(dtb)], check=False)
            return [line for line in (v.stdout + v.stderr).splitlines() if line.strip()]

        for f in files:
            # dt-doc-validate checks $id against the path below bindings/.
            copy = bindings / Path(f).relative_to("Documentation/devicetree/bindings")
            doc = run(["dt-doc-validate", "-u", str(bindings), str(copy)], check=False)
            problems += [f"{f}: {line}" for line in (doc.stdout + doc.stderr).splitlines()]
            example = run(["dt-extract-example", str(TREE / f)], check=False).stdout
            problems += [f"{f} example: {line}" for line in validate(example, "example")]
            for i, (line, broken, expect) in enumerate(DT_BAD_EXAMPLES):
                if line not in example:
                    continue
                out = validate(example.replace(line, broken, 1), f"bad{i}")
                if not any(expect in o for o in out):
                    problems.append(f"{f}: an example with {broken or 'no ' + line!r} passes")
            details.append(f"{f}: doc, example and {len(DT_BAD_EXAMPLES)} broken examples checked")
    if problems:
        return Gate("fail", f"{len(problems)} problem(s)", details + problems)
    return Gate("pass", f"{len(files)} binding(s) and examples valid, broken ones refused",
                details)


def mirrors(quick: bool) -> Gate:
    """mm-pmm/ and selftests/ must be byte-identical to what patches/ creates."""
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        env = dict(os.environ, GIT_INDEX_FILE=str(t / "index"))
        git("read-tree", BASE_TAG, env=env)
        for p in series_patches():
            a = subprocess.run(["git", "-C", str(TREE), "apply", "--cached", str(p)], env=env,
                               capture_output=True, text=True)
            if a.returncode != 0:
                return Gate("fail", f"{p.name} does not apply on {BASE_TAG}", a.stderr.splitlines())
        added = git("diff-index", "--cached", "--name-only", "--no-renames", "--diff-filter=A",
                    BASE_TAG, env=env).split()
        if added:
            git("checkout-index", f"--prefix={t}/tree/", "--", *added, env=env)
        for f in added:
            if f.startswith("tools/testing/selftests/pmm/"):
                dest = t / "selftests" / f.removeprefix("tools/testing/selftests/pmm/")
            elif f.startswith("tools/"):
                continue
            else:
                dest = t / "mm-pmm" / f
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(t / "tree" / f, dest)
        diffs = []
        for made, kept in ((t / "mm-pmm", MIRROR), (t / "selftests", SELFTESTS_MIRROR)):
            made.mkdir(exist_ok=True)
            d = run(["diff", "-rq", "-x", ".keep", str(made), str(kept)], check=False)
            diffs += [ln.replace(f"{t}/", "(from patches/) ").replace(f"{ROOT}/", "")
                      for ln in (d.stdout + d.stderr).splitlines()]
    if diffs:
        return Gate("fail", "mm-pmm/ or selftests/ differ from what patches/ creates "
                    "(run scripts/pmm export, or undo the edit)", diffs)
    return Gate("pass", f"mm-pmm/ and selftests/ match patches/ ({len(added)} added file(s))")


def object_warnings(src: Path, out: Path, mode: str, files: list[str]) -> dict[str, int]:
    """The warnings W=1 or sparse (C=2) prints for files, as "file: message"
    (no line and column, which the series moves) with the line it was
    reported at. The objects are removed first: make prints nothing for an
    object it finds up to date; -k goes on past one that does not build."""
    for f in files:
        (out / (f[:-2] + ".o")).unlink(missing_ok=True)
    p = subprocess.run(kmake(src, out, "-k", mode, *(f[:-2] + ".o" for f in files)),
                       capture_output=True, text=True, errors="replace")
    pat = "|".join(re.escape(f) for f in files)
    found = {}
    for line in (p.stdout + p.stderr).splitlines():
        if m := re.search(rf"(?:^|/)({pat}):(\d+)(?::\d+)?: ((?:warning|error):.*)$", line):
            # C=2 also compiles: keep sparse's own warnings, not gcc's [-W...].
            if not (mode.startswith("C=") and re.search(r"\[-W[^]]*\]$", line)):
                found[f"{m.group(1)}: {m.group(3)}"] = int(m.group(2))
    return found


def changed_lines(f: str) -> set[int]:
    """The lines of f that the series adds or changes."""
    diff = git("diff", "-U0", BASE_TAG, BRANCH, "--", f)
    lines = set()
    for m in re.finditer(r"^@@ -\S+ \+(\d+)(?:,(\d+))? @@", diff, re.M):
        start, n = int(m.group(1)), int(m.group(2) or 1)
        lines.update(range(start, start + n))
    return lines


def base_warnings(mode: str, files: list[str]) -> tuple[set[str], set[str]]:
    """The same files at the base with the same config, in the worktree
    build/base: new warnings are told from old ones. build/base/linux and
    build/base/out/default mirror build/linux's paths, so ccache hits.
    Returns the warnings and the files whose objects could be built there
    (the decompressor's need the whole kernel first)."""
    wt, out = BUILD / "base/linux", BUILD / "base/out/default"
    if not wt.is_dir():
        wt.parent.mkdir(parents=True, exist_ok=True)
        git("worktree", "add", "-q", "-f", "--detach", str(wt), BASE_TAG)
    out.mkdir(parents=True, exist_ok=True)
    shutil.copy(OUTROOT / "default/.config", out / ".config")
    run(kmake(wt, out, "-s", "olddefconfig"), check=False)
    found = set(object_warnings(wt, out, mode, files))
    return found, {f for f in files if (out / (f[:-2] + ".o")).is_file()}


def warnings_gate(mode: str) -> Callable[[bool], Gate]:
    def gate(quick: bool) -> Gate:
        out = OUTROOT / "default"
        touched = series_files("AM", "*.c", ":!tools")
        if not touched:
            return Gate("skip", "the series touches no .c files")
        built = [f for f in touched if (out / (f[:-2] + ".o")).exists()]
        details = [f"not compiled in this config: {' '.join(sorted(set(touched) - set(built)))}"] \
            if len(built) < len(touched) else []
        if not built:
            return Gate("skip", "no touched .c file is compiled in this config", details)
        found = object_warnings(TREE, out, mode, built)
        new = set(found)
        old_files = [f for f in built if subprocess.run(
            ["git", "-C", str(TREE), "cat-file", "-e", f"{BASE_TAG}:{f}"],
            capture_output=True).returncode == 0]
        if new and old_files:
            details.append(f"comparing with the warnings at {BASE_TAG} for {' '.join(old_files)}")
            at_base, built_at_base = base_warnings(mode, old_files)
            new -= at_base
            # Where the base cannot build a file alone, a warning on a line
            # the series did not touch is the base's.
            for f in set(old_files) - built_at_base:
                same = [w for w in new if w.startswith(f + ": ") and found[w] not in changed_lines(f)]
                new -= set(same)
                if same:
                    details.append(f"{f}: not built alone at {BASE_TAG}; {len(same)} warning(s) "
                                   "on lines the series leaves alone")
        if new:
            return Gate("fail", f"{len(new)} new warning(s) in {' '.join(built)}", details + sorted(new))
        return Gate("pass", f"no new warnings in {' '.join(built)}", details)
    return gate


def uapi_c90(quick: bool) -> Gate:
    """Each uapi header the series adds or changes compiles as C90, twice in
    a row (the include guard), with the flags and headers_check.pl that
    usr/include/Makefile uses for CONFIG_UAPI_HEADER_TEST."""
    headers = series_files("AM", "include/uapi/*.h")
    if not headers:
        return Gate("skip", "the series touches no uapi header")
    out = OUTROOT / "default"
    log = paths.LOGS / f"uapi-headers-{stamp()}.log"
    if run(kmake(TREE, out, "headers"), log=log, check=False).returncode != 0:
        return Gate("fail", f"make headers failed (log: {rel(log)})")
    include, bad = out / "usr/include", []
    for h in headers:
        hdr = include / h.removeprefix("include/uapi/")
        compiles = run(["gcc", "-std=c90", "-Wall", "-Werror", "-Werror=implicit-function-declaration",
                        "-m64", "-I", str(include), "-fsyntax-only", "-x", "c", "/dev/null",
                        "-include", str(hdr), "-include", str(hdr)], log=log, check=False)
        checked = run(["perl", str(TREE / "usr/include/headers_check.pl"), str(include), "x86",
                       str(hdr)], log=log, check=False)
        if compiles.returncode or checked.returncode:
            bad.append(h.removeprefix("include/uapi/"))
    if bad:
        return Gate("fail", " ".join(bad), log.read_text(errors="replace").splitlines()[-20:])
    return Gate("pass", f"{' '.join(h.removeprefix('include/uapi/') for h in headers)} compile as C90")


# What the kernel build does not read: a commit that changes only these
# leaves the previous commit's kernel build standing for its own.
NOT_KERNEL = ("Documentation/", "tools/", "MAINTAINERS")


def bisect(quick: bool) -> Gate:
    """Every commit builds on its own: the newest is the default build, the
    others are built in the worktree build/bisect/linux into
    build/bisect/out/default (paths that mirror build/linux's, for ccache).
    A commit is built as far as what it changes: vmlinux (the boot image
    when it changes arch/*/boot), the kselftests it changes, nothing when
    it only changes documentation."""
    if quick:
        return Gate("skip", "--quick")
    commits = series_commits()
    if len(commits) <= 1:
        return Gate("pass", f"{len(commits)} commit(s): the newest is the default build")
    wt, out = BUILD / "bisect/linux", BUILD / "bisect/out/default"
    if not wt.is_dir():
        wt.parent.mkdir(parents=True, exist_ok=True)
        git("worktree", "add", "-q", "-f", "--detach", str(wt), commits[0])
    kernel = selftests = 0
    for i, c in enumerate(commits[:-1], 1):
        subject = git("log", "-1", "--format=%s", c)
        files = git("diff-tree", "--no-commit-id", "--name-only", "-r", c).split()
        targets = sorted({f.split("/")[3] for f in files
                          if f.startswith("tools/testing/selftests/") and f.count("/") > 3})
        builds_kernel = any(not f.startswith(NOT_KERNEL) for f in files)
        what = " and ".join(filter(None, ["the kernel" if builds_kernel else "",
                                          " ".join(f"{t} kselftest" for t in targets)]))
        info(f"    bisect build {i}/{len(commits)}: {subject}: {what or 'nothing to build: documentation only'}")
        git("checkout", "-q", "-f", "--detach", c, tree=wt)
        try:
            if builds_kernel or not (out / "vmlinux").is_file():
                boot = any(re.match(r"arch/[^/]+/boot/", f) for f in files)
                build_kernel(wt, out, "bisect", indent="      ", target="" if boot else "vmlinux")
                kernel += 1
            if targets:
                run(kmake(wt, out, "headers"), log=paths.LOGS / f"bisect-headers-{stamp()}.log")
            for t in targets:
                selftest_build("default", t, src=wt, out=out, dest=BUILD / "bisect/kselftest" / t)
                selftests += 1
        except Fail as e:
            return Gate("fail", f"patch {i} ({subject}) does not build on its own", str(e).splitlines())
    return Gate("pass", f"patches 1-{len(commits) - 1} build on their own ({kernel} kernel builds, "
                f"{selftests} kselftest builds; a commit that changes only Documentation/, tools/ or "
                "MAINTAINERS builds only its kselftests); the last is the default build")


@dataclass(frozen=True)
class CrossConfig:
    """A configuration kernel robots build: an architecture, a base config,
    and what is set on top of it."""
    name: str
    arch: str                   # make ARCH
    cross: str                  # CROSS_COMPILE
    base: str                   # the config target it starts from
    options: tuple[str, ...]
    pmm: bool = True            # the PMM options on top (PMM needs an MMU)
    user: bool = False          # also build scripts/tests/pmm_api_user as a module


# What every configuration with PMM sets on top of its base.
PMM_OPTIONS = ("CONFIG_PMM=y", "CONFIG_DMA_SHARED_BUFFER=y", "CONFIG_PMM_DMABUF=y",
               "CONFIG_PMM_DEV=y", "CONFIG_DMABUF_HEAPS=y", "CONFIG_DMABUF_HEAPS_PMM=y",
               "CONFIG_SYSVIPC=y", "CONFIG_SYSFS=y", "CONFIG_KUNIT=y", "CONFIG_PMM_KUNIT_TEST=y",
               "CONFIG_PMM_DMABUF_KUNIT_TEST=y", "CONFIG_PMM_DMA=y")

CROSS_CONFIGS = [
    # 32-bit phys_addr_t and size_t, then 64-bit phys_addr_t with 32-bit size_t
    CrossConfig("i386", "i386", "i686-linux-gnu-", "tinyconfig", ("CONFIG_HIGHMEM4G=y",)),
    CrossConfig("i386 PAE", "i386", "i686-linux-gnu-", "tinyconfig", ("CONFIG_HIGHMEM64G=y",)),
    CrossConfig("arm64 4K", "arm64", "aarch64-linux-gnu-", "tinyconfig",
                ("CONFIG_ARM64_4K_PAGES=y", "CONFIG_MEMORY_FAILURE=y")),
    # with 64 KiB pages the largest alignment is 256 MiB
    CrossConfig("arm64 64K", "arm64", "aarch64-linux-gnu-", "tinyconfig", ("CONFIG_ARM64_64K_PAGES=y",)),
    CrossConfig("arm LPAE", "arm", "arm-linux-gnueabihf-", "vexpress_defconfig", ("CONFIG_ARM_LPAE=y",)),
    # SysV without an MMU: ipc/shm.c must build (PMM itself needs an MMU)
    CrossConfig("riscv NOMMU", "riscv", "riscv64-linux-gnu-", "nommu_virt_defconfig",
                ("CONFIG_SYSVIPC=y",), pmm=False),
    # a driver that uses the API builds against a kernel without PMM
    CrossConfig("PMM off", "x86_64", "", "tinyconfig",
                ("CONFIG_64BIT=y", "CONFIG_MODULES=y", "CONFIG_DMABUF_HEAPS=y",
                 "# CONFIG_PMM is not set"), pmm=False, user=True),
]
PMM_API_USER = ROOT / "scripts/tests/pmm_api_user"


def cross_arch(c: CrossConfig) -> Arch:
    return Arch(name=c.arch, make_arch=c.arch, cross_compile=c.cross, image_target="", image="",
                qemu="", machine=(), console="", append="", root="")


def enabled_files(src: Path, c: CrossConfig, config: str, files: list[str]) -> list[str]:
    """The files the configuration builds, from the obj-$(CONFIG_...) line of
    their directory's Makefile that names them (and only its own arch/)."""
    srcarch = "x86" if c.arch in ("i386", "x86_64") else c.arch
    enabled = []
    for f in files:
        if f.startswith("arch/") and not f.startswith(f"arch/{srcarch}/"):
            continue
        makefile = src / os.path.dirname(f) / "Makefile"
        if not makefile.is_file():
            continue
        obj = os.path.basename(f)[:-2] + ".o"
        text = makefile.read_text().replace("\\\n", " ")
        for m in re.finditer(r"^obj-(y|\$\(CONFIG_(\w+)\))\s*[:+]?=(.*)$", text, re.M):
            if obj in m.group(3).split() and (m.group(1) == "y" or
                                               re.search(rf"^CONFIG_{m.group(2)}=y$", config, re.M)):
                enabled.append(f)
                break
    return enabled


def cross_configure(c: CrossConfig, src: Path, out: Path) -> str:
    """Configure out for c (again only when the options or Kconfig files
    changed) and prepare it; returns the .config."""
    arch, options = cross_arch(c), (*c.options, *(PMM_OPTIONS if c.pmm else ()))
    want = "\n".join([c.base, *options, git("rev-parse", "HEAD", tree=src)]) + "\n"
    stamp_file = out / ".pmm-cross-stamp"
    log = paths.LOGS / f"cross-{c.name.replace(' ', '-')}-{stamp()}.log"
    out.mkdir(parents=True, exist_ok=True)
    if not stamp_file.is_file() or stamp_file.read_text() != want:
        fragment = out / "pmm-cross.config"
        fragment.write_text("\n".join(options) + "\n")
        try:
            run(kmake(src, out, "-s", c.base, arch=arch), log=log)
            run(["scripts/kconfig/merge_config.sh", "-m", "-O", str(out), str(out / ".config"),
                 str(fragment)], cwd=src, log=log, env=dict(os.environ, ARCH=c.arch))
            run(kmake(src, out, "-s", "olddefconfig", arch=arch), log=log)
        except Fail:
            raise Fail(f"{c.name}: config failed (log: {rel(log)})")
        verify_config(src, out / ".config", [fragment])
        stamp_file.write_text(want)
    try:
        run(kmake(src, out, "-s", "modules_prepare" if c.user else "prepare", arch=arch), log=log)
    except Fail:
        raise Fail(f"{c.name}: make prepare failed (log: {rel(log)})")
    return (out / ".config").read_text()


def cross_warnings(c: CrossConfig, src: Path, out: Path, files: list[str]) -> set[str]:
    """W=1 warnings and errors of files in configuration c."""
    found = set()
    for f in files:
        (out / (f[:-2] + ".o")).unlink(missing_ok=True)
    if files:
        p = subprocess.run(kmake(src, out, "W=1", *(f[:-2] + ".o" for f in files), arch=cross_arch(c)),
                           capture_output=True, text=True, errors="replace")
        pat = "|".join(re.escape(f) for f in files)
        for line in (p.stdout + p.stderr).splitlines():
            if m := re.search(rf"(?:^|/)({pat}):\d+(?::\d+)?: ((?:warning|error):.*)$", line):
                found.add(f"{m.group(1)}: {m.group(2)}")
        if p.returncode and not found:
            found.add(f"make failed: {(p.stdout + p.stderr).strip().splitlines()[-1:]}")
    if c.user:
        # A copy: an external module is built in its own directory.
        user = out / "pmm_api_user"
        shutil.rmtree(user, ignore_errors=True)
        shutil.copytree(PMM_API_USER, user)
        p = subprocess.run(kmake(src, out, "W=1", f"M={user}", "modules", arch=cross_arch(c)),
                           capture_output=True, text=True, errors="replace")
        for line in (p.stdout + p.stderr).splitlines():
            if re.search(r"(warning|error)[: ]", line, re.I) and "pmm_api_user" in line:
                found.add(line.strip())
        if p.returncode:
            found.add(f"pmm_api_user does not build: {(p.stdout + p.stderr).strip().splitlines()[-1:]}")
    return found


def cross_gate(c: CrossConfig) -> Callable[[bool], Gate]:
    def gate(quick: bool) -> Gate:
        if not shutil.which(f"{c.cross}gcc"):
            return Gate("fail", f"no {c.cross}gcc: run scripts/pmm setup")
        out = BUILD / "cross" / c.name.replace(" ", "-")
        try:
            config = cross_configure(c, TREE, out)
        except Fail as e:
            return Gate("fail", str(e).splitlines()[0], str(e).splitlines()[1:])
        files = enabled_files(TREE, c, config, series_files("AM", "*.c", ":!tools"))
        new = cross_warnings(c, TREE, out, files)
        details = [f"built: {' '.join(files) or 'nothing of the series'}"
                   + (" and scripts/tests/pmm_api_user" if c.user else "")]
        old = [f for f in files if subprocess.run(
            ["git", "-C", str(TREE), "cat-file", "-e", f"{BASE_TAG}:{f}"],
            capture_output=True).returncode == 0]
        if new and old:
            # Warnings the base already has in the files the series changes.
            wt, base_out = BUILD / "base/linux", BUILD / "base/cross" / c.name.replace(" ", "-")
            if not wt.is_dir():
                wt.parent.mkdir(parents=True, exist_ok=True)
                git("worktree", "add", "-q", "-f", "--detach", str(wt), BASE_TAG)
            base = c if not c.pmm else CrossConfig(c.name, c.arch, c.cross, c.base, c.options, pmm=False)
            cross_configure(base, wt, base_out)
            new -= cross_warnings(CrossConfig(c.name, c.arch, c.cross, c.base, c.options, pmm=False),
                                  wt, base_out, old)
        if new:
            return Gate("fail", f"{len(new)} warning(s) or error(s)", details + sorted(new))
        return Gate("pass", f"{len(files)} file(s) W=1-clean" + (", the API user builds" if c.user else ""),
                    details)
    return gate


# name, gate, whether it needs the built default kernel. In this order.
GATES: list[tuple[str, Callable[[bool], Gate], bool]] = [
    ("checkpatch", checkpatch, False),
    ("kernel-doc", kernel_doc, False),
    ("mirrors", mirrors, False),
    ("dt bindings", dt_bindings, False),
    ("sparse", warnings_gate("C=2"), True),
    ("W=1", warnings_gate("W=1"), True),
    ("uapi C90", uapi_c90, True),
    *((f"cross {c.name}", cross_gate(c), False) for c in CROSS_CONFIGS),
    ("bisect", bisect, False),
]


def run_gates(quick: bool) -> list[Gate]:
    """Every gate, printed as it finishes, with its name and time."""
    need_tree()
    if not on_branch():
        raise Fail(f"check: build/linux is not on branch {BRANCH}: run scripts/pmm tree")
    if tree_has_unexported():
        warn("build/linux has commits not exported yet: checkpatch and mirrors check patches/, "
             "the builds check build/linux (run scripts/pmm export)")
    elif patches_changed_since_tree():
        warn("patches/ changed since build/linux was made: the builds check build/linux "
             "(run scripts/pmm tree)")
    gates, kernel = [], None
    colour = {"pass": f"{GREEN}PASS{OFF}", "fail": f"{RED}FAIL{OFF}", "skip": f"{YELLOW}SKIP{OFF}"}
    for name, gate, needs_kernel in GATES:
        t = Timer()
        if needs_kernel and kernel is None:
            kernel = ""
            if not (OUTROOT / "default/vmlinux").exists() or not quick:
                info("    building the default kernel for the sparse, W=1 and uapi gates")
                try:
                    build_kernel(TREE, OUTROOT / "default", "default", indent="      ")
                except Fail as e:
                    kernel = str(e).splitlines()[0]
        if needs_kernel and kernel:
            result = Gate("fail", f"the default kernel does not build: {kernel}")
        else:
            try:
                result = gate(quick)
            except Fail as e:
                result = Gate("fail", str(e).splitlines()[0], str(e).splitlines()[1:])
        result.name, result.seconds = name, t.seconds
        for d in result.details:
            info(f"      {d}")
        info(f"  {colour[result.status]} {name} ({t}){': ' + result.message if result.message else ''}")
        gates.append(result)
    return gates


def as_tap(gates: list[Gate]) -> str:
    status = {"pass": "ok", "fail": "fail", "skip": "skip"}
    return tap.render([tap.Case(f"{g.name} ({fmt_secs(g.seconds)})", status[g.status], g.message)
                       for g in gates])


def main(quick: bool) -> int:
    info(f"check: running the submission gates{' (--quick: no bisect build)' if quick else ''}")
    gates = run_gates(quick)
    c = tap.count(as_tap(gates))
    info(f"check: {c.passed} passed, {c.failed} failed, {c.skipped} skipped")
    if c.failed:
        err(f"check: failed gates: {' '.join(g.name for g in gates if g.status == 'fail')}")
        return 1
    return 0
