# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Shared helpers for scripts/pmm: paths, messages, timing.

BUILD="$PMM_ROOT/build"
TREE="$BUILD/linux"
OUTROOT="$BUILD/out"
LOGS="$BUILD/logs"
PATCHES="$PMM_ROOT/patches"
MIRROR="$PMM_ROOT/mm-pmm"
SELFTESTS_MIRROR="$PMM_ROOT/selftests"
BASE_TAG=pmm-base
BRANCH=pmm
JOBS="${PMM_JOBS:-2}"
DEB_SOURCE_PKG=linux-source-6.12
DEB_TARBALL=/usr/src/linux-source-6.12.tar.xz
NEUTRAL_NAME="PMM project"
NEUTRAL_EMAIL="pmm@invalid"

if [[ -t 1 ]]; then
	C_BOLD=$'\e[1m' C_RED=$'\e[31m' C_GREEN=$'\e[32m' C_YELLOW=$'\e[33m' C_OFF=$'\e[0m'
else
	C_BOLD='' C_RED='' C_GREEN='' C_YELLOW='' C_OFF=''
fi

info() { printf '%s\n' "$*"; }
note() { printf '%s%s%s\n' "$C_BOLD" "$*" "$C_OFF"; }
warn() { printf '%swarning:%s %s\n' "$C_YELLOW" "$C_OFF" "$*" >&2; }
err() { printf '%serror:%s %s\n' "$C_RED" "$C_OFF" "$*" >&2; }
die() { err "$*"; exit 1; }

now() { date +%s; }

# fmt_secs SECONDS -> "1m23s" / "45s"
fmt_secs() {
	local s=$1
	if ((s >= 60)); then printf '%dm%02ds' $((s / 60)) $((s % 60)); else printf '%ds' "$s"; fi
}

# Run a subcommand body and print its elapsed time, keeping its status.
timed() {
	local name=$1 t0 rc=0
	shift
	t0=$(now)
	# As a background job, so that set -e still applies inside (it is
	# ignored in a function called from an || list).
	"$@" &
	wait $! || rc=$?
	if ((rc == 0)); then
		note "$name: done in $(fmt_secs $(($(now) - t0)))"
	else
		err "$name: failed (status $rc) after $(fmt_secs $(($(now) - t0)))"
	fi
	return "$rc"
}

# The identity used for commits in the work tree: the repository's git
# configuration, else a neutral project identity (never a made-up person).
git_identity() {
	local name email
	name=$(git -C "$PMM_ROOT" config user.name 2>/dev/null || true)
	email=$(git -C "$PMM_ROOT" config user.email 2>/dev/null || true)
	if [[ -z $name || -z $email ]]; then
		name=$NEUTRAL_NAME email=$NEUTRAL_EMAIL
	fi
	printf '%s\n%s\n' "$name" "$email"
}

tgit() { git -C "$TREE" "$@"; }

need_tree() {
	[[ -d $TREE/.git ]] || die "no kernel work tree in build/linux: run scripts/pmm tree first"
	tgit rev-parse -q --verify "refs/tags/$BASE_TAG" >/dev/null ||
		die "build/linux has no $BASE_TAG tag: run scripts/pmm tree --force"
}

# Commits of the series in the work tree, oldest first.
series_commits() { tgit rev-list --reverse "$BASE_TAG..$BRANCH"; }

# Series patch files in patches/, in order (no cover letter).
series_patches() {
	local f
	for f in "$PATCHES"/[0-9][0-9][0-9][0-9]-*.patch; do
		[[ -e $f ]] || continue
		[[ $(basename "$f") == 0000-cover-letter.patch ]] && continue
		printf '%s\n' "$f"
	done
}

mkdir_build() { mkdir -p "$BUILD" "$LOGS"; }
ts() { date +%Y%m%d-%H%M%S; }
