# SPDX-License-Identifier: GPL-2.0
"""scripts/pmm tree / export: the kernel work tree in build/linux and the
patches/, mm-pmm/ and selftests/ directories generated from it.

build/linux is a git repository: the pristine Debian source is one commit,
tagged pmm-base (made with a fixed identity and date, so its hash is the
same on every machine for the same Debian version); the series is the
branch pmm on top of it. The cover letter is the branch description
(branch.pmm.description), kept in scripts/cover-letter.txt.
"""
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from . import paths
from .log import Fail, info, warn
from .paths import BUILD, COVER_LETTER, MIRROR, PATCHES, ROOT, SELFTESTS_MIRROR, TREE
from .proc import git, run

BASE_TAG = "pmm-base"
BRANCH = "pmm"
DEB_SOURCE_PKG = "linux-source-6.12"
DEB_TARBALL = Path("/usr/src/linux-source-6.12.tar.xz")
NEUTRAL_NAME = "PMM project"
NEUTRAL_EMAIL = "pmm@invalid"
# The base commit's fixed date: its hash depends only on the Debian source.
BASE_DATE = "2024-11-17T00:00:00Z"


def need_tree() -> None:
    if not (TREE / ".git").is_dir():
        raise Fail("no kernel work tree in build/linux: run scripts/pmm tree first")
    if git("rev-parse", "-q", "--verify", f"refs/tags/{BASE_TAG}", check=False) == "":
        raise Fail(f"build/linux has no {BASE_TAG} tag: run scripts/pmm tree --force")


def series_commits() -> list[str]:
    """The series' commits in the work tree, oldest first."""
    return git("rev-list", "--reverse", f"{BASE_TAG}..{BRANCH}").split()


def series_patches() -> list[Path]:
    """patches/NNNN-*.patch in order, without the cover letter."""
    return sorted(p for p in PATCHES.glob("[0-9][0-9][0-9][0-9]-*.patch")
                  if p.name != "0000-cover-letter.patch")


def series_files(diff_filter: str, *pathspec: str) -> list[str]:
    """Files the series adds (A) or adds and modifies (AM), under pathspec."""
    out = git("diff", "--name-only", "--no-renames", f"--diff-filter={diff_filter}",
              BASE_TAG, BRANCH, "--", *pathspec)
    return out.split("\n") if out else []


def git_identity() -> tuple[str, str]:
    """The repository's configured identity, else the neutral project one
    (never a made-up person)."""
    name = git("config", "user.name", tree=ROOT, check=False)
    email = git("config", "user.email", tree=ROOT, check=False)
    return (name, email) if name and email else (NEUTRAL_NAME, NEUTRAL_EMAIL)


def format_series(dest: Path) -> None:
    """The series as git format-patch files (cover letter first) in dest."""
    if int(git("rev-list", "--count", f"{BASE_TAG}..{BRANCH}")) == 0:
        return
    git("-c", "core.abbrev=12", "-c", "diff.noprefix=false", "-c", "diff.mnemonicPrefix=false",
        "-c", "format.signOff=false", "-c", "format.coverLetter=false",
        "format-patch", "-q", "--cover-letter", "--cover-from-description=subject",
        "--numbered", "--zero-commit", "--no-signature", "--no-thread", "--no-attach",
        "--subject-prefix=PATCH", f"--base={BASE_TAG}", "-o", str(dest), f"{BASE_TAG}..{BRANCH}")
    # The cover letter carries the time of the export; make it the date of
    # the newest commit, so exporting twice gives the same bytes.
    date = git("log", "-1", "--format=%aD", BRANCH)
    cover = dest / "0000-cover-letter.patch"
    cover.write_text(re.sub(r"^Date: .*$", f"Date: {date}", cover.read_text(), count=1,
                            flags=re.M))


def _hash_files(files: list[Path]):
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode() + b"\n" + f.read_bytes())
    return h


def tree_series_hash() -> str:
    """The series as the work tree holds it now, and its cover letter."""
    with tempfile.TemporaryDirectory() as d:
        format_series(Path(d))
        series = _hash_files(sorted(Path(d).iterdir())).hexdigest()
    desc = git("config", f"branch.{BRANCH}.description", check=False)
    desc_hash = hashlib.sha256(b"description\n" + (desc.encode() + b"\n" if desc else b""))
    return f"{series} {desc_hash.hexdigest()[:16]} "


def patches_hash() -> str:
    h = _hash_files(sorted(PATCHES.glob("*.patch")))
    if COVER_LETTER.exists():
        h.update(COVER_LETTER.read_bytes())
    return h.hexdigest()


def record_sync() -> None:
    git("config", "pmm.synced", tree_series_hash())
    git("config", "pmm.patcheshash", patches_hash())


def tree_has_unexported() -> bool:
    """True when the tree holds commits (or a description) not yet exported."""
    return tree_series_hash() != git("config", "pmm.synced", check=False)


def patches_changed_since_tree() -> bool:
    return git("config", "pmm.patcheshash", check=False) != patches_hash()


def on_branch() -> bool:
    return git("symbolic-ref", "-q", "--short", "HEAD", check=False) == BRANCH


def tree_dirty() -> bool:
    if (TREE / ".git/rebase-apply").is_dir() or (TREE / ".git/rebase-merge").is_dir():
        return True
    return git("status", "--porcelain", check=False) != ""


def installed_source_version() -> str:
    return run(["dpkg-query", "-W", "-f=${Version}", DEB_SOURCE_PKG], check=False).stdout


def extract_tree(version: str) -> None:
    new = BUILD / "linux.new"
    info(f"tree: extracting {DEB_TARBALL} (Debian {version}) into build/linux")
    shutil.rmtree(new, ignore_errors=True)
    new.mkdir(parents=True)
    run(["tar", "-I", "xz -T0", "-xf", str(DEB_TARBALL), "-C", str(new), "--strip-components=1"])
    upstream = run(["make", "-s", "-C", str(new), "kernelversion"], check=False).stdout.strip() or "6.12"
    info(f"tree: committing the pristine source (Linux {upstream}) as {BASE_TAG}")
    git("init", "-q", "-b", BRANCH, tree=new)
    git("config", "gc.auto", "0", tree=new)
    git("config", "core.autocrlf", "false", tree=new)
    # Debian's top-level .gitignore ignores every top-level path ("/*"),
    # which would hide new files of the series from git: drop those two
    # lines. Everything else is Debian's source, byte for byte.
    ignore = new / ".gitignore"
    ignore.write_text("".join(line for line in ignore.read_text().splitlines(keepends=True)
                              if line.rstrip("\n") not in ("/*", "!/debian/")))
    git("add", "-A", "-f", ".", tree=new)
    env = dict(os.environ, GIT_AUTHOR_NAME=NEUTRAL_NAME, GIT_AUTHOR_EMAIL=NEUTRAL_EMAIL,
               GIT_COMMITTER_NAME=NEUTRAL_NAME, GIT_COMMITTER_EMAIL=NEUTRAL_EMAIL,
               GIT_AUTHOR_DATE=BASE_DATE, GIT_COMMITTER_DATE=BASE_DATE)
    git("commit", "-q", "--no-verify", "-m",
        f"Linux {upstream} (Debian {DEB_SOURCE_PKG} {version})", tree=new, env=env)
    git("tag", BASE_TAG, tree=new)
    git("config", "pmm.debianversion", version, tree=new)
    # Worktrees of the old tree (check's bisect and base builds) go too.
    for d in (TREE, BUILD / "bisect", BUILD / "base"):
        shutil.rmtree(d, ignore_errors=True)
    new.rename(TREE)


def apply_series() -> None:
    name, email = git_identity()
    git("config", "user.name", name)
    git("config", "user.email", email)
    git("checkout", "-q", "-f", "-B", BRANCH, BASE_TAG)
    git("config", f"branch.{BRANCH}.description", COVER_LETTER.read_text().rstrip("\n"))
    patches = series_patches()
    if patches:
        info(f"tree: applying {len(patches)} patch(es) from patches/ with git am")
        am = subprocess.run(["git", "-C", str(TREE), "am", "-q", "--3way",
                             "--committer-date-is-author-date", *map(str, patches)])
        if am.returncode != 0:
            nxt = TREE / ".git/rebase-apply/next"
            failed = patches[int(nxt.read_text()) - 1].name if nxt.exists() else "?"
            git("am", "--abort", check=False)
            raise Fail(f"tree: patch {failed} does not apply on Debian "
                       f"{git('config', 'pmm.debianversion', check=False)}; fix it in build/linux "
                       "(git am), then scripts/pmm export")
    record_sync()
    info(f"tree: build/linux branch {BRANCH} = {BASE_TAG} + {len(patches)} patch(es)")


def warn_about_versions(version: str) -> None:
    tested = (ROOT / "scripts/base-version").read_text().strip()
    policy = run(["apt-cache", "policy", DEB_SOURCE_PKG], check=False,
                 env=dict(os.environ, LC_ALL="C")).stdout
    m = re.search(r"Candidate: (\S+)", policy)
    if m and m.group(1) != "(none)" and run(
            ["dpkg", "--compare-versions", m.group(1), "gt", version], check=False).returncode == 0:
        warn(f"apt serves {DEB_SOURCE_PKG} {m.group(1)}, newer than the installed {version} "
             f"(apt-get install {DEB_SOURCE_PKG} to test on it)")
    if version != tested:
        warn(f"the series was last tested on Debian {tested}; applying it on {version} anyway "
             "(update scripts/base-version once scripts/pmm test passes)")


def tree(force: bool = False) -> None:
    """build/linux = Debian's source (tag pmm-base) + git am patches/; never
    discards work silently: without force, stops on uncommitted changes or
    commits that export has not written to patches/ yet."""
    paths.make_build_dirs()
    if not DEB_TARBALL.is_file():
        raise Fail(f"tree: {DEB_TARBALL} missing: run scripts/pmm setup")
    version = installed_source_version()
    warn_about_versions(version)
    extract = True
    if (TREE / ".git").is_dir():
        if not force:
            if tree_dirty():
                raise Fail("tree: build/linux has uncommitted changes or an unfinished git am; "
                           "commit them and run scripts/pmm export, or run scripts/pmm tree "
                           "--force to discard them")
            if tree_has_unexported():
                raise Fail("tree: build/linux has commits not exported to patches/; run "
                           "scripts/pmm export first, or scripts/pmm tree --force to discard them")
        extract = git("config", "pmm.debianversion", check=False) != version
        if not extract and not force and not patches_changed_since_tree() and on_branch():
            n = git("rev-list", "--count", f"{BASE_TAG}..{BRANCH}")
            info(f"tree: build/linux is up to date with patches/ (Debian {version}, {n} patch(es))")
            return
    if extract:
        extract_tree(version)
    elif force:
        git("am", "--abort", check=False)
        git("reset", "-q", "--hard")
        git("clean", "-q", "-fdx")
    apply_series()


def _mirror(dest: Path, files: list[str], strip: str = "") -> None:
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    for f in files:
        target = dest / f.removeprefix(strip)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(subprocess.run(["git", "-C", str(TREE), "show", f"{BRANCH}:{f}"],
                                          capture_output=True, check=True).stdout)
    # git does not keep empty directories; keep the layout visible.
    if not any(dest.iterdir()):
        (dest / ".keep").touch()


def export() -> None:
    """build/linux's commits -> patches/, mm-pmm/, selftests/, cover-letter.txt."""
    need_tree()
    if tree_dirty():
        warn("build/linux has uncommitted changes: only commits are exported")
    with tempfile.TemporaryDirectory() as d:
        format_series(Path(d))
        PATCHES.mkdir(exist_ok=True)
        for p in PATCHES.glob("*.patch"):
            p.unlink()
        for p in Path(d).glob("*.patch"):
            shutil.copy(p, PATCHES / p.name)
    n = git("rev-list", "--count", f"{BASE_TAG}..{BRANCH}")
    desc = git("config", f"branch.{BRANCH}.description", check=False)
    COVER_LETTER.write_text(desc + "\n" if desc else "")
    info(f"export: patches/: cover letter + {n} patch(es)")
    _mirror(MIRROR, series_files("A", ".", ":!tools"))
    _mirror(SELFTESTS_MIRROR, series_files("A", "tools/testing/selftests/pmm"),
            strip="tools/testing/selftests/pmm/")
    count = {d: sum(1 for f in d.rglob("*") if f.is_file() and f.name != ".keep")
             for d in (MIRROR, SELFTESTS_MIRROR)}
    info(f"export: mm-pmm/: {count[MIRROR]} file(s), selftests/: {count[SELFTESTS_MIRROR]} file(s)")
    record_sync()
    subprocess.run(["git", "-C", str(ROOT), "status", "--short", "--", "patches", "mm-pmm",
                    "selftests", "scripts/cover-letter.txt"])
