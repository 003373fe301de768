#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs in the guest: Debian's trinity, the system call fuzzer, against
# /dev/pmm and every PMM dma-heap (its victim files), with the calls that
# reach a file and its mappings, several children, first as root, then as
# uid 65534 with the nodes opened up to it. Prints TAP; the host's splat
# check reads the console. Every type's statistics must be back after.
#   trinity.sh [SECONDS_EACH]   (default 30)
secs=${1:-30}
# Only the files under test, no sockets (its socket cache takes long).
fds="--disable-fds=sockets,perf,drm,pseudo,timerfd,eventfd,epoll"
calls="-c ioctl -c mmap -c munmap -c mremap -c mprotect -c madvise -c close -c dup -c dup2 -c dup3 -c read -c write"

snapshot() {
	for d in /sys/kernel/mm/pmm/*/; do
		[ -d "$d" ] && echo "$(basename "$d") $(cat "$d/free_bytes") $(cat "$d/nr_blocks")"
	done
}

# Blocks freed with a page still referenced come back within seconds.
wait_back() {
	local i
	for i in $(seq 1 100); do
		[ "$(snapshot)" = "$1" ] && return 0
		sleep 0.2
	done
	return 1
}

echo "1..3"
if ! command -v trinity >/dev/null; then
	for n in 1 2 3; do echo "ok $n trinity # SKIP trinity is not installed"; done
	exit 0
fi
victims=$(mktemp -d /tmp/pmm-victims.XXXXXX)
ln -s /dev/pmm "$victims/pmm"
for h in /dev/dma_heap/pmm-*; do
	[ -e "$h" ] && ln -s "$h" "$victims/$(basename "$h")"
done
chmod 755 "$victims"
before=$(snapshot)

# run N NAME TRINITY_OPTION [PREFIX...]: trinity for $secs seconds; "ok"
# when it ran calls and exited on SIGINT, whatever the calls returned.
run() {
	local n=$1 name=$2 option=$3 out ran
	shift 3
	# Root's run starts after trinity's own 10 s warning.
	out=$(cd /tmp && timeout -s INT -k 30 $((secs + 12)) "$@" trinity $option -q \
		-l off -C 4 $fds -V "$victims" $calls 2>&1)
	printf '%s\n' "$out" | grep -E 'Ran [0-9]+ syscalls|exit_reason' | sed 's/^/# /'
	ran=$(printf '%s\n' "$out" | sed -nE 's/.*Ran ([0-9]+) syscalls.*/\1/p' | tail -1)
	if [ -n "$ran" ] && [ "$ran" -gt 0 ]; then
		echo "ok $n trinity as $name: $ran calls in $secs s"
	else
		echo "not ok $n trinity as $name did not run"
		printf '%s\n' "$out" | tail -5 | sed 's/^/# /'
	fi
}

run 1 root --dangerous
chmod 666 /dev/pmm /dev/dma_heap/pmm-* 2>/dev/null
run 2 "uid 65534" "" setpriv --reuid=65534 --regid=65534 --clear-groups
chmod 600 /dev/pmm /dev/dma_heap/pmm-* 2>/dev/null
rm -rf "$victims"

if wait_back "$before"; then
	echo "ok 3 every type's statistics back after trinity"
else
	echo "not ok 3 statistics differ after trinity"
	printf 'before:\n%s\nafter:\n%s\n' "$before" "$(snapshot)" | sed 's/^/# /'
fi
