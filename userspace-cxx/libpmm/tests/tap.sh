#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by libpmm's shell tests (pmmctl-cli.sh, m32.sh, consumer/run.sh): their TAP lines and
# the count, so that the project's test runner reads them all alike.
tap_n=0 tap_failed=0

# tap_result STATUS NAME [OUTPUT]: "ok N NAME" for STATUS 0, else "not ok N NAME (exit status
# STATUS)" with OUTPUT's last lines as comments.
tap_result() {
	tap_n=$((tap_n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $tap_n $2"
	else
		echo "not ok $tap_n $2 (exit status $1)"
		[ -n "${3:-}" ] && printf '%s\n' "$3" | tail -30 | sed 's/^/# /'
		tap_failed=$((tap_failed + 1))
	fi
}

# tap_skip NAME REASON
tap_skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n $1 # SKIP $2"
}

# tap_step NAME COMMAND...: runs COMMAND, one TAP line; returns its status.
tap_step() {
	local name=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	tap_result "$rc" "$name" "$out"
	return "$rc"
}

# tap_end: the plan line; fails if any test did.
tap_end() {
	echo "1..$tap_n"
	[ "$tap_failed" = 0 ]
}
