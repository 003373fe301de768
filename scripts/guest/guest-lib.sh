# SPDX-License-Identifier: GPL-2.0
# Sourced by the guests' inits (init.sh: the host's root over 9p;
# initramfs-init.sh: the arm64 initramfs), which define give_up().

say() { echo "pmm-guest: $*" >/dev/console; }

# /proc, /sys, /dev and /dev/pts.
mount_basics() {
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev
	mkdir -p /dev/pts /dev/shm
	mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
}

# run_command SHELL: mounts the writable share "pmmout" at $PMM_OUT, reads
# its guest.env, runs its cmd.sh with SHELL in the directory the host gave
# (cwd), output appended to $PMM_OUT/output; its exit status is left in rc.
run_command() {
	export PMM_OUT=/run/pmm-out
	mkdir -p "$PMM_OUT"
	if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 pmmout "$PMM_OUT"; then
		say "cannot mount the pmmout share"
		give_up
	fi
	# shellcheck source=/dev/null
	[ -r "$PMM_OUT/guest.env" ] && . "$PMM_OUT/guest.env"

	say "running command"
	cd "$(cat "$PMM_OUT/cwd" 2>/dev/null)" 2>/dev/null || cd /
	"$1" "$PMM_OUT/cmd.sh" </dev/null >>"$PMM_OUT/output" 2>&1
	rc=$?
	cd /
	say "command exited with status $rc"
}
