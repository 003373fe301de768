#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run in the guest: every kselftest binary installed in $1 (a
# run_kselftest.sh install), one after the other, printing their own TAP.
# Each binary runs directly, not through run_kselftest.sh, whose TAP has
# one line per binary: this way every harness case is counted. A binary
# that fails without saying which case failed (a crash) adds one
# "not ok" line of its own.
ks=${1:?usage: run-kselftests.sh INSTALL_DIR}
while IFS=: read -r collection test; do
	echo "# kselftest $collection/$test"
	out=$(cd "$ks/$collection" && timeout 600 "./$test" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	if [ "$rc" != 0 ] && [ "$rc" != 4 ] && ! grep -q '^not ok ' <<<"$out"; then
		echo "not ok 0 $collection/$test exited with status $rc"
	fi
done <"$ks/kselftest-list.txt"
