#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# PID 1 of a scripts/pmm vm guest booted from an initramfs (arm64: the host's
# x86 root cannot serve): busybox's applets, proc, sysfs, devtmpfs, debugfs
# and tmpfs mounted, the writable 9p share "pmmout" at $PMM_OUT holding
# cmd.sh (the command), cwd and guest.env; output and status go back there.
# scripts/guest/ and scripts/tests/ are in the initramfs at their host paths
# ($PMM_ROOT), as are the guest programs the host built for this kernel.
/bin/busybox --install -s
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb

give_up() { poweroff -f; }
# /init is a link to this file, which lies beside guest-lib.sh at its host path.
# shellcheck source=guest-lib.sh
. "$(dirname "$(readlink -f "$0")")/guest-lib.sh"
mount_basics
# A tmpfs over each, but one that holds the scripts (a checkout under /tmp
# is in the initramfs at its host path): that stays on the writable rootfs.
for d in /dev/shm /tmp /run /var/tmp; do
	if [ -n "$(ls -A "$d" 2>/dev/null)" ]; then
		chmod 1777 "$d"
	else
		mount -t tmpfs -o mode=1777 tmpfs "$d"
	fi
done
chmod 700 /root
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
# What user space expects to find: a root entry for id and the harness.
echo 'root:x:0:0:root:/root:/bin/sh' >/etc/passwd
echo 'root:x:0:' >/etc/group
run_command sh
echo "$rc" >"$PMM_OUT/status"
sync
say "powering off"
poweroff -f
sleep 10
