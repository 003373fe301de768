#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in the guest: the kselftest programs installed in INSTALL_DIR (by
# run_kselftest.sh's install), one after the other, as one TAP stream.
# Each program runs directly, not through run_kselftest.sh, whose TAP has a
# line per program: this way every harness case is counted, and a program
# that fails without saying which case (a crash) adds a "not ok" line of
# its own. --per-program gives a line per program from its exit status
# (0 pass, 4 skip) with its output as comments: for programs such as ipc's
# msgque that print no result line when they pass.
per_program=0
if [ "$1" = --per-program ]; then
	per_program=1
	shift
fi
ks=${1:?usage: run-kselftests.sh [--per-program] INSTALL_DIR}
output=$(mktemp)
n=0
while IFS=: read -r collection test; do
	n=$((n + 1))
	(cd "$ks/$collection" && timeout 600 "./$test") </dev/null >"$output" 2>&1
	rc=$?
	if [ "$per_program" = 1 ]; then
		sed 's/^/# /' "$output"
		case $rc in
		0) echo "ok $n $collection/$test" ;;
		4) echo "ok $n $collection/$test # SKIP" ;;
		*) echo "not ok $n $collection/$test (exit status $rc)" ;;
		esac
	else
		echo "# kselftest $collection/$test"
		cat "$output"
		if [ "$rc" != 0 ] && [ "$rc" != 4 ] && ! grep -q '^not ok ' "$output"; then
			echo "not ok - $collection/$test exited with status $rc"
		fi
	fi
done <"$ks/kselftest-list.txt"
[ "$per_program" = 1 ] && echo "1..$n"
rm -f "$output"
exit 0
