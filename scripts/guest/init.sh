#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# PID 1 of a scripts/pmm vm guest. The root file system is the host's /
# over 9p, read-only; the writable share "pmmout" holds cmd.sh (the command
# to run), cwd and guest.env, and receives output and status.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LANG=C.UTF-8

say() { echo "pmm-guest: $*" >/dev/console; }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
# The repository this init comes from may lie below one of the directories
# that get a tmpfs (a clone in /tmp or /root, say): carry it across, at the
# same path, so that the guest still sees its scripts and build products.
repo=$(cd "$(dirname "$0")/../.." && pwd)
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
export PMM_OUT=/run/pmm-out
mkdir -p "$PMM_OUT"
if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 pmmout "$PMM_OUT"; then
	say "cannot mount the pmmout share"
	echo o >/proc/sysrq-trigger
fi
# shellcheck source=/dev/null
[ -r "$PMM_OUT/guest.env" ] && . "$PMM_OUT/guest.env"

say "running command"
cd "$(cat "$PMM_OUT/cwd" 2>/dev/null)" 2>/dev/null || cd /
bash "$PMM_OUT/cmd.sh" </dev/null >>"$PMM_OUT/output" 2>&1
rc=$?
cd /
say "command exited with status $rc"

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
