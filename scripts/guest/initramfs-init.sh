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

say() { echo "pmm-guest: $*" >/dev/console; }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
for d in /dev/shm /tmp /run /var/tmp; do
	mount -t tmpfs -o mode=1777 tmpfs "$d"
done
chmod 700 /root
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
# What user space expects to find: a root entry for id and the harness.
echo 'root:x:0:0:root:/root:/bin/sh' >/etc/passwd
echo 'root:x:0:' >/etc/group
export PMM_OUT=/run/pmm-out
mkdir -p "$PMM_OUT"
if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 pmmout "$PMM_OUT"; then
	say "cannot mount the pmmout share"
	poweroff -f
fi
# shellcheck source=/dev/null
[ -r "$PMM_OUT/guest.env" ] && . "$PMM_OUT/guest.env"

say "running command"
cd "$(cat "$PMM_OUT/cwd" 2>/dev/null)" 2>/dev/null || cd /
sh "$PMM_OUT/cmd.sh" </dev/null >>"$PMM_OUT/output" 2>&1
rc=$?
cd /
say "command exited with status $rc"
echo "$rc" >"$PMM_OUT/status"
sync
say "powering off"
poweroff -f
sleep 10
