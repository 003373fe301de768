#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs in the guest for scripts/pmm run: shows what PMM did at boot.
# demo.sh PMMCTL KSELFTEST_DIR: the programs scripts/pmm run built, or ""
# where the tree has none yet.
pmmctl=$1 ks=$2
echo "== kernel command line"
cat /proc/cmdline
echo
echo "== PMM boot messages (dmesg)"
dmesg | grep -iE '(^|[^a-z])pmm' | grep -vE 'Command line:|command line:|Linux version' || echo "(none: this kernel has no PMM messages)"
echo
echo "== statistics under /sys/kernel/mm/pmm/"
root=/sys/kernel/mm/pmm
if [ -d "$root" ]; then
	for f in "$root"/*; do
		[ -f "$f" ] && printf '%-24s %s\n' "${f##*/}" "$(tr '\n' ' ' <"$f" 2>/dev/null)"
	done
	dirs=()
	for d in "$root"/*/; do [ -d "$d" ] && dirs+=("$d"); done
	if [ ${#dirs[@]} -gt 0 ]; then
		cols=()
		for f in "${dirs[0]}"*; do [ -f "$f" ] && cols+=("${f##*/}"); done
		{
			printf 'type'; printf ' %s' "${cols[@]}"; echo
			for d in "${dirs[@]}"; do
				d=${d%/}
				printf '%s' "${d##*/}"
				for c in "${cols[@]}"; do printf ' %s' "$(tr -d '\n ' <"$d/$c" 2>/dev/null || echo -)"; done
				echo
			done
		} | { command -v column >/dev/null && column -t || cat; }
	fi
else
	echo "(absent: this kernel has no PMM sysfs interface yet)"
fi
echo
echo "== /dev/pmm"
if [ -e /dev/pmm ]; then
	ls -l /dev/pmm
	echo "dma-heaps: $(ls /dev/dma_heap 2>/dev/null | tr '\n' ' ')"
	if [ -n "$pmmctl" ]; then
		echo "\$ pmmctl types"
		"$pmmctl" types
		echo "\$ pmmctl alloc 8M --type general"
		"$pmmctl" alloc 8M --type general
		echo
		bash "$PMM_ROOT/scripts/guest/demo-shm.sh" "$pmmctl"
	else
		echo "(no pmmctl: build userspace-cxx against the kernel's headers)"
	fi
else
	echo "(absent: this kernel has no /dev/pmm yet)"
fi
echo
echo "== kselftests (tools/testing/selftests/pmm)"
if [ -n "$ks" ]; then
	out=$(sh "$PMM_ROOT/scripts/guest/run-kselftests.sh" "$ks" 2>&1)
	printf '%s\n' "$out" | grep -E '^(ok|not ok) |# Totals' || true
	printf 'kselftest summary: %s ok, %s not ok\n' \
		"$(printf '%s\n' "$out" | grep -cE '^ok ')" "$(printf '%s\n' "$out" | grep -cE '^not ok ')"
else
	echo "(no kselftests: tools/testing/selftests/pmm does not exist yet)"
fi
