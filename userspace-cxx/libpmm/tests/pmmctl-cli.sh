#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# pmmctl's command line, without a device: help exits 0, usage errors exit 2 with a message,
# a missing /dev/pmm exits 1 (or the command runs, on a PMM kernel). Prints TAP.
pmmctl=${1:?usage: pmmctl-cli.sh PMMCTL}
# shellcheck source=tap.sh
. "$(dirname "$0")/tap.sh"
# expect STATUS NAME ARGS...: pmmctl ARGS exits with STATUS.
expect() {
	local want=$1 name=$2 out rc
	shift 2
	out=$("$pmmctl" "$@" 2>&1)
	rc=$?
	if [ "$rc" = "$want" ]; then
		tap_result 0 "$name"
	else
		tap_result "$rc" "$name (wanted $want)" "$out"
	fi
}
expect 0 "--help" --help
expect 0 "help" help
for cmd in types alloc info shmget; do
	expect 0 "$cmd --help" "$cmd" --help
done
expect 2 "no command" 
expect 2 "unknown command" frobnicate
expect 2 "alloc without SIZE" alloc
expect 2 "alloc with a bad SIZE" alloc 12X
expect 2 "alloc with a negative SIZE" alloc -4K
expect 2 "--type and --mask together" alloc 4K --type general --mask 1
expect 2 "a mask beyond 32 bits" alloc 4K --mask 0x100000000
expect 2 "an unknown option" alloc 4K --colour
expect 2 "types takes no SIZE" types 4K
expect 2 "info --fd with a SIZE" info 4K --fd 3
expect 2 "shmget without SIZE or --fd" shmget
expect 2 "shmget with SIZE and --fd" shmget 4K --fd 3
expect 2 "shmget --fd with --type" shmget --fd 3 --type general
expect 2 "shmget --excl without --key" shmget 4K --excl
expect 2 "shmget with a bad mode" shmget 4K --mode 999
if [ -e /dev/pmm ]; then
	tap_skip "types without a device" "/dev/pmm exists"
else
	expect 1 "types without a device" types
	# shellcheck disable=SC2016 # $1 is sh -c's
	tap_step "the error names the device and the errno" \
		sh -c '"$1" types 2>&1 | grep "^pmmctl: cannot open /dev/pmm \[ENOENT\]"' sh "$pmmctl"
fi
tap_end
