#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in the guest: stress-ng's System V and POSIX shared memory stressors,
# PMM_STRESS_SECONDS (15) each, a TAP line each, their output as comments.
# stress-ng's exit status: 0 pass; 3 (no resources) and 4 (not implemented) skip.
seconds=${PMM_STRESS_SECONDS:-15}
if ! command -v stress-ng >/dev/null; then
	echo "1..0 # SKIP stress-ng is not installed"
	exit 0
fi
echo "1..2"
n=0
for s in shm-sysv shm; do
	n=$((n + 1))
	o=$(timeout $((seconds + 120)) stress-ng --"$s" 2 --timeout "${seconds}s" \
		--verify --metrics-brief </dev/null 2>&1)
	rc=$?
	printf '%s\n' "$o" | grep -vE '^stress-ng: (debug|info: .*(setting to|dispatching))' | sed 's/^/# /'
	case $rc in
	0) echo "ok $n stress-ng --$s" ;;
	3 | 4) echo "ok $n stress-ng --$s # SKIP exit status $rc" ;;
	*) echo "not ok $n stress-ng --$s (exit status $rc)" ;;
	esac
done
