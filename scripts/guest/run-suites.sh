#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The guest runner of scripts/pmm test: runs the suites listed in
# $PMM_OUT/suites (NAME, a TAB, a shell command: a line each, from the
# host's table in scripts/pmmlib/suites.py), in order. Each command writes its
# result to $PMM_RESULT; its output goes to $PMM_OUT/NAME.log, its exit
# status and seconds to $PMM_OUT/NAME.status. After each suite, PMM's
# statistics are compared with their values before the first one: a line
# each of the "leaks" suite, $PMM_OUT/leaks.tap.
out=${PMM_OUT:?}
tab=$(printf '\t')

# What every memory type holds; back to this after each suite, or it leaked.
stats() {
	for d in /sys/kernel/mm/pmm/*/; do
		[ -d "$d" ] || continue
		t=${d%/}
		echo "${t##*/} free $(cat "$d/free_bytes") blocks $(cat "$d/nr_blocks") extents $(cat "$d/nr_free_extents")"
	done
}

# How long the boot took: the time of the suites read from it (KUnit among them).
cut -d' ' -f1 /proc/uptime >"$out/booted"
before=$(stats)
echo "TAP version 13" >"$out/leaks.tap"
n=0
while IFS=$tab read -r name command; do
	n=$((n + 1))
	echo "== $name"
	t0=$(date +%s)
	PMM_RESULT=$out/$name.result
	export PMM_RESULT
	(cd /tmp && sh -c "$command") </dev/null >"$out/$name.log" 2>&1
	rc=$?
	echo "$rc $(($(date +%s) - t0))" >"$out/$name.status"
	echo "== $name: exit status $rc"
	after=$(stats)
	if [ "$after" = "$before" ]; then
		echo "ok $n statistics back after $name"
	else
		echo "# before the first suite:"
		printf '%s\n' "$before" | sed 's/^/#   /'
		echo "# after $name:"
		printf '%s\n' "$after" | sed 's/^/#   /'
		echo "not ok $n statistics differ after $name"
	fi >>"$out/leaks.tap"
done <"$out/suites"
if [ "$n" = 0 ]; then
	echo "1..0 # SKIP no guest suite ran" >>"$out/leaks.tap"
else
	echo "1..$n" >>"$out/leaks.tap"
fi
