#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs in the guest for scripts/pmm run (from demo.sh): a PMM block becomes a
# System V shared memory segment (PMM_IOCTL_SHMGET), shows up in ipcs -m with
# the block's size, is removed with ipcrm -m, and the memory type's
# statistics come back.
pmmctl=${1:?usage: demo-shm.sh PMMCTL}
type=general size=8M
d=/sys/kernel/mm/pmm/$type
usage() { echo "free $(cat "$d/free_bytes") used $(cat "$d/used_bytes") blocks $(cat "$d/nr_blocks")"; }

echo "== a PMM block as a System V shared memory segment"
[ -d "$d" ] || { echo "(no memory type $type)"; exit 0; }
before=$(usage)
echo "\$ pmmctl shmget $size --type $type"
out=$("$pmmctl" shmget "$size" --type "$type" 2>&1)
rc=$?
printf '%s\n' "$out"
id=$(sed -n 's/^shmid \([0-9][0-9]*\)$/\1/p' <<<"$out")
if [ "$rc" != 0 ] || [ -z "$id" ]; then
	if grep -q ENOTTY <<<"$out"; then
		echo "(this kernel has no PMM_IOCTL_SHMGET yet)"
	else
		echo "pmmctl shmget failed (status $rc)"
	fi
	exit 0
fi
held=$(usage)
echo "\$ ipcs -m"
ipcs -m
bytes=$(ipcs -m | awk -v id="$id" '$2 == id { print $5 }')
echo "segment $id: ${bytes:-not listed} bytes in ipcs -m; the block: $(cat "$d/used_bytes") bytes used in $type"
echo "\$ ipcrm -m $id"
ipcrm -m "$id"
echo "\$ ipcs -m"
ipcs -m
if ipcs -m | awk '{ print $2 }' | grep -qx "$id"; then
	echo "segment $id is still listed"
else
	echo "segment $id is gone"
fi
after=$(usage)
printf '%-24s %s\n' "$type before:" "$before" "$type with the segment:" "$held" "$type after ipcrm:" "$after"
if [ "$after" = "$before" ]; then
	echo "statistics back to their values before the block was allocated"
else
	echo "statistics differ from before: the block was not freed"
fi
