#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Sourced by the guest test scripts: run_cxx_test NAME TITLE LOG runs the
# GoogleTest program NAME that scripts/pmm test built somewhere under
# build/userspace-cxx, its output to the console and to LOG; without it,
# says so (the host then counts the stage as skipped).
run_cxx_test() {
	local name=$1 title=$2 log=$3 bin
	bin=$(find "$PMM_ROOT/build/userspace-cxx" -name "$name" -type f -perm -u+x 2>/dev/null | head -1)
	if [ -n "$bin" ]; then
		echo "== $title ($bin)"
		"$bin" 2>&1 | tee "$log"
	else
		echo "== $title: no $name binary"
	fi
}
