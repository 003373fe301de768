#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# PID 1 of a scripts/pmm vm guest. The root file system is the host's /
# over 9p, read-only; the writable share "pmmout" holds cmd.sh (the command
# to run), cwd and guest.env, and receives output and status.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LANG=C.UTF-8

repo=$(cd "$(dirname "$0")/../.." && pwd)
give_up() { echo o >/proc/sysrq-trigger; }
# shellcheck source=guest-lib.sh
. "$repo/scripts/guest/guest-lib.sh"
mount_basics
# The repository this init comes from may lie below one of the directories
# that get a tmpfs (a clone in /tmp or /root, say): carry it across, at the
# same path, so that the guest still sees its scripts and build products.
hold=/dev/.pmm-repo
for d in /dev/shm /tmp /run /root /var/tmp; do
	[ -d "$d" ] || continue
	case $repo/ in
	"$d"/*)
		mkdir -p "$hold"
		mount --bind "$repo" "$hold"
		mount -t tmpfs -o mode=1777 tmpfs "$d"
		mkdir -p "$repo"
		mount --move "$hold" "$repo"
		;;
	*)
		mount -t tmpfs -o mode=1777 tmpfs "$d"
		;;
	esac
done
chmod 700 /root
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
run_command bash

if [ "${PMM_KMEMLEAK_SCAN:-0}" = 1 ] && [ -w /sys/kernel/debug/kmemleak ]; then
	say "kmemleak scan"
	echo scan >/sys/kernel/debug/kmemleak
	# Reports go to the console ("... new suspected memory leaks") and here.
	cat /sys/kernel/debug/kmemleak >"$PMM_OUT/kmemleak" 2>/dev/null
fi

echo "$rc" >"$PMM_OUT/status"
sync
say "powering off"
# busybox (busybox-static) when present, else the reboot(2) system call via
# perl, else sysrq: systemd's poweroff does not work without systemd.
busybox poweroff -f 2>/dev/null
perl -e 'syscall(169, 0xfee1dead, 672274793, 0x4321fedc)' 2>/dev/null
echo o >/proc/sysrq-trigger
sleep 10
