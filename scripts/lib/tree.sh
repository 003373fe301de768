# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# scripts/pmm tree / export: the kernel work tree in build/linux and the
# patches/, mm-pmm/ and selftests/ directories generated from it.
#
# build/linux is a git repository: the pristine Debian source is one commit,
# tagged pmm-base (made with a fixed identity and date, so its hash is the
# same on every machine for the same Debian version); the series is the
# branch pmm on top of it. The cover letter is the branch description
# (branch.pmm.description), kept in scripts/cover-letter.txt.

installed_source_version() {
	dpkg-query -W -f='${Version}' "$DEB_SOURCE_PKG" 2>/dev/null || true
}

# Write the series (cover letter + one file per commit) into $1.
format_series() {
	local dir=$1 n date
	n=$(tgit rev-list --count "$BASE_TAG..$BRANCH")
	((n > 0)) || return 0
	tgit -c core.abbrev=12 -c diff.noprefix=false -c diff.mnemonicPrefix=false \
		-c format.signOff=false -c format.coverLetter=false \
		format-patch -q --cover-letter --cover-from-description=subject \
		--numbered --zero-commit --no-signature --no-thread --no-attach \
		--subject-prefix=PATCH --base="$BASE_TAG" -o "$dir" \
		"$BASE_TAG..$BRANCH"
	# The cover letter carries the time of the export; make it the date of
	# the newest commit, so exporting twice gives the same bytes.
	date=$(tgit log -1 --format=%aD "$BRANCH")
	sed -i "0,/^Date: /s/^Date: .*/Date: $date/" "$dir/0000-cover-letter.patch"
}

# A hash of the series as the work tree holds it now.
tree_series_hash() {
	local dir
	dir=$(mktemp -d)
	format_series "$dir"
	(cd "$dir" && for f in *; do [[ -e $f ]] && printf '%s\n' "$f" && cat "$f"; done) | sha256sum | cut -d' ' -f1
	{ printf 'description\n'; tgit config "branch.$BRANCH.description" || true; } | sha256sum | cut -c1-16
	rm -rf "$dir"
}

# A hash of patches/ and scripts/cover-letter.txt.
patches_hash() {
	local f
	{
		for f in "$PATCHES"/*.patch; do
			[[ -e $f ]] && printf '%s\n' "${f##*/}" && cat "$f"
		done
		cat "$PMM_ROOT/scripts/cover-letter.txt" 2>/dev/null || true
	} | sha256sum | cut -d' ' -f1
}

record_sync() {
	tgit config pmm.synced "$(tree_series_hash | tr '\n' ' ')"
	tgit config pmm.patcheshash "$(patches_hash)"
}

# 0 when the tree holds commits (or a description) not yet exported.
tree_has_unexported() {
	local synced
	synced=$(tgit config pmm.synced || true)
	[[ $(tree_series_hash | tr '\n' ' ') != "$synced" ]]
}

tree_dirty() {
	[[ -d $TREE/.git/rebase-apply || -d $TREE/.git/rebase-merge ]] && return 0
	[[ -n $(tgit status --porcelain 2>/dev/null | head -1) ]]
}

extract_tree() {
	local ver=$1 new="$BUILD/linux.new" upstream
	info "tree: extracting $DEB_TARBALL (Debian $ver) into build/linux"
	rm -rf "$new"
	mkdir -p "$new"
	tar -I 'xz -T0' -xf "$DEB_TARBALL" -C "$new" --strip-components=1
	upstream=$(make -s -C "$new" kernelversion 2>/dev/null || echo 6.12)
	info "tree: committing the pristine source (Linux $upstream) as $BASE_TAG"
	git -C "$new" init -q -b "$BRANCH"
	git -C "$new" config gc.auto 0
	git -C "$new" config core.autocrlf false
	# Debian's top-level .gitignore ignores every top-level path ("/*"),
	# which would hide new files of the series from git: drop those two
	# lines. Everything else is Debian's source, byte for byte.
	sed -i -e '\#^/\*$#d' -e '\#^!/debian/$#d' "$new/.gitignore"
	git -C "$new" add -A -f .
	# Fixed identity and date: the base commit hash depends only on the
	# Debian source, so "base-commit:" in the cover letter is stable.
	GIT_AUTHOR_NAME=$NEUTRAL_NAME GIT_AUTHOR_EMAIL=$NEUTRAL_EMAIL \
	GIT_COMMITTER_NAME=$NEUTRAL_NAME GIT_COMMITTER_EMAIL=$NEUTRAL_EMAIL \
	GIT_AUTHOR_DATE='2024-11-17T00:00:00Z' GIT_COMMITTER_DATE='2024-11-17T00:00:00Z' \
		git -C "$new" commit -q --no-verify -m "Linux $upstream (Debian $DEB_SOURCE_PKG $ver)"
	git -C "$new" tag "$BASE_TAG"
	git -C "$new" config pmm.debianversion "$ver"
	# Worktrees of the old tree (check's bisect and base builds) go too.
	rm -rf "$TREE" "$BUILD/bisect" "$BUILD/base"
	mv "$new" "$TREE"
}

apply_series() {
	local name email p n=0
	{ read -r name; read -r email; } < <(git_identity)
	tgit config user.name "$name"
	tgit config user.email "$email"
	tgit checkout -q -f -B "$BRANCH" "$BASE_TAG"
	tgit config "branch.$BRANCH.description" "$(cat "$PMM_ROOT/scripts/cover-letter.txt")"
	local list=()
	mapfile -t list < <(series_patches)
	if ((${#list[@]})); then
		info "tree: applying ${#list[@]} patch(es) from patches/ with git am"
		if ! tgit am -q --3way --committer-date-is-author-date "${list[@]}"; then
			p=$(cat "$TREE/.git/rebase-apply/next" 2>/dev/null || echo '?')
			tgit am --abort || true
			die "tree: patch ${list[p - 1]##*/} does not apply on Debian $(tgit config pmm.debianversion); fix it in build/linux (git am), then scripts/pmm export"
		fi
		n=${#list[@]}
	fi
	record_sync
	info "tree: build/linux branch $BRANCH = $BASE_TAG + $n patch(es)"
}

cmd_tree() {
	local force=0
	while (($#)); do
		case $1 in
		--force) force=1 ;;
		*) die "tree: unknown option $1 (usage: scripts/pmm tree [--force])" ;;
		esac
		shift
	done
	mkdir_build
	[[ -r $DEB_TARBALL ]] || die "tree: $DEB_TARBALL missing: run scripts/pmm setup"
	local ver tested cand
	ver=$(installed_source_version)
	tested=$(cat "$PMM_ROOT/scripts/base-version")
	cand=$(LC_ALL=C apt-cache policy "$DEB_SOURCE_PKG" 2>/dev/null | awk '/Candidate:/ {print $2}')
	if [[ -n $cand && $cand != "(none)" ]] && dpkg --compare-versions "$cand" gt "$ver"; then
		warn "apt serves $DEB_SOURCE_PKG $cand, newer than the installed $ver (apt-get install $DEB_SOURCE_PKG to test on it)"
	fi
	if [[ $ver != "$tested" ]]; then
		warn "the series was last tested on Debian $tested; applying it on $ver anyway (update scripts/base-version once scripts/pmm test passes)"
	fi

	local rebuild=1
	if [[ -d $TREE/.git ]]; then
		if ((!force)); then
			tree_dirty && die "tree: build/linux has uncommitted changes or an unfinished git am; commit them and run scripts/pmm export, or run scripts/pmm tree --force to discard them"
			tree_has_unexported && die "tree: build/linux has commits not exported to patches/; run scripts/pmm export first, or scripts/pmm tree --force to discard them"
		fi
		[[ $(tgit config pmm.debianversion || true) == "$ver" ]] && rebuild=0
		if ((!rebuild && !force)) && [[ $(tgit config pmm.patcheshash || true) == "$(patches_hash)" ]] &&
			[[ $(tgit symbolic-ref -q --short HEAD || true) == "$BRANCH" ]]; then
			info "tree: build/linux is up to date with patches/ (Debian $ver, $(tgit rev-list --count "$BASE_TAG..$BRANCH") patch(es))"
			return 0
		fi
	fi
	if ((rebuild)); then
		extract_tree "$ver"
	elif ((force)); then
		tgit am --abort >/dev/null 2>&1 || true
		tgit reset -q --hard
		tgit clean -q -fdx
	fi
	apply_series
}

cmd_export() {
	(($# == 0)) || die "export: takes no arguments"
	need_tree
	tree_dirty && warn "build/linux has uncommitted changes: only commits are exported"
	local tmp f n
	tmp=$(mktemp -d)
	format_series "$tmp"
	mkdir -p "$PATCHES"
	rm -f "$PATCHES"/*.patch
	cp "$tmp"/*.patch "$PATCHES"/ 2>/dev/null || true
	rm -rf "$tmp"
	n=$(tgit rev-list --count "$BASE_TAG..$BRANCH")
	tgit config "branch.$BRANCH.description" >"$PMM_ROOT/scripts/cover-letter.txt" || true
	info "export: patches/: cover letter + $n patch(es)"

	rm -rf "$MIRROR" "$SELFTESTS_MIRROR"
	mkdir -p "$MIRROR" "$SELFTESTS_MIRROR"
	while IFS= read -r f; do
		[[ -n $f ]] || continue
		mkdir -p "$MIRROR/$(dirname "$f")"
		tgit show "$BRANCH:$f" >"$MIRROR/$f"
	done < <(tgit diff --name-only --no-renames --diff-filter=A "$BASE_TAG" "$BRANCH" -- . ':!tools')
	while IFS= read -r f; do
		[[ -n $f ]] || continue
		local rel=${f#tools/testing/selftests/pmm/}
		mkdir -p "$SELFTESTS_MIRROR/$(dirname "$rel")"
		tgit show "$BRANCH:$f" >"$SELFTESTS_MIRROR/$rel"
	done < <(tgit diff --name-only --no-renames --diff-filter=A "$BASE_TAG" "$BRANCH" -- tools/testing/selftests/pmm)
	# git does not keep empty directories; keep the layout visible.
	[[ -n $(ls -A "$MIRROR") ]] || touch "$MIRROR/.keep"
	[[ -n $(ls -A "$SELFTESTS_MIRROR") ]] || touch "$SELFTESTS_MIRROR/.keep"
	info "export: mm-pmm/: $(find "$MIRROR" -type f ! -name .keep | wc -l) file(s), selftests/: $(find "$SELFTESTS_MIRROR" -type f ! -name .keep | wc -l) file(s)"
	record_sync
	git -C "$PMM_ROOT" status --short -- patches mm-pmm selftests scripts/cover-letter.txt || true
}
