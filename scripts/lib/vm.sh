# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# scripts/pmm vm: boot a built kernel in QEMU with the host's root file
# system shared read-only over 9p, run a command, return its status.
#
# Exit status: the command's, when the guest ran it and the console shows
# no problem; 124 when the guest timed out; 125 when the kernel panicked,
# oopsed or printed a splat (WARN, BUG, KASAN, lockdep, kmemleak), or did
# not report a status.

VM_TIMEOUT_DEFAULT=300

# Console lines that mean the kernel died, and lines that are splats.
SPLAT_FATAL='Kernel panic - not syncing|Oops: |kernel BUG at|BUG: unable to handle|general protection fault|BUG: kernel NULL pointer'
SPLAT_ANY="$SPLAT_FATAL|BUG: |WARNING: |UBSAN: |unreferenced object 0x|new suspected memory leaks|INFO: task .* blocked|watchdog: .*lockup|Call Trace:"

# splat_scan CONSOLE: print the splat lines of a console log (one per
# splat: the header line, not the trace) and return the count on stdout's
# last line as "splats: N".
splat_lines() {
	grep -aE "$SPLAT_ANY" "$1" | grep -avE 'Call Trace:' | sed 's/\r$//' || true
}

splat_count() {
	local n
	n=$(splat_lines "$1" | wc -l)
	echo "$n"
}

# Choose the accelerator: KVM only after a probe showed a guest boots with it.
vm_accel() {
	if [[ -n ${PMM_ACCEL:-} ]]; then
		echo "$PMM_ACCEL"
		return
	fi
	local probe="$BUILD/kvm-probe" key
	key="$(uname -r) $(qemu-system-x86_64 --version | head -1)"
	if [[ -r $probe && $(sed -n 2p "$probe") == "$key" ]]; then
		head -1 "$probe"
		return
	fi
	local result=tcg kernel="$OUTROOT/default/arch/x86/boot/bzImage"
	if [[ -w /dev/kvm && -r $kernel ]]; then
		info "vm: probing KVM (a 20 s boot of the default kernel; cached in build/kvm-probe)" >&2
		if PMM_ACCEL=kvm vm_run default "" 20 1G 0 true >/dev/null 2>&1; then
			result=kvm
		fi
		info "vm: KVM probe: $([[ $result == kvm ]] && echo "guest boots, using KVM" || echo "guest did not boot, using TCG")" >&2
	elif [[ ! -r $kernel ]]; then
		echo tcg
		return
	fi
	printf '%s\n%s\n' "$result" "$key" >"$probe"
	echo "$result"
}

# vm_run FLAVOUR CMDLINE TIMEOUT MEM VERBOSE CMD...
# Sets VM_DIR, VM_CONSOLE, VM_REASON; returns the status described above.
vm_run() {
	local flavour=$1 extra=$2 timeout=$3 mem=$4 verbose=$5
	shift 5
	local out="$OUTROOT/$flavour" kernel accel id rc=0 qpid tpid=''
	kernel="$out/arch/x86/boot/bzImage"
	VM_REASON=''
	[[ -r $kernel ]] || { VM_REASON="no $flavour kernel: run scripts/pmm build$([[ $flavour == debug ]] && echo ' --debug') first"; return 125; }
	accel=${PMM_ACCEL:-$(vm_accel)}
	mkdir_build
	id="$(ts)-$flavour-$$-$RANDOM"
	VM_DIR="$BUILD/vm/$id"
	VM_CONSOLE="$LOGS/console-$id.log"
	mkdir -p "$VM_DIR"
	printf '%q ' "$@" >"$VM_DIR/cmd.sh"
	echo >>"$VM_DIR/cmd.sh"
	pwd >"$VM_DIR/cwd"
	: >"$VM_DIR/output"
	{
		[[ $flavour == debug ]] && echo "export PMM_KMEMLEAK_SCAN=1"
		echo "export PMM_ROOT=$(printf '%q' "$PMM_ROOT") PMM_FLAVOUR=$flavour"
	} >"$VM_DIR/guest.env"
	ln -sfn "$VM_CONSOLE" "$VM_DIR/console.log"

	local append="console=ttyS0 panic=-1 root=/dev/root rootfstype=9p"
	append+=" rootflags=trans=virtio,version=9p2000.L,msize=512000 ro"
	append+=" init=$PMM_ROOT/scripts/guest/init.sh"
	[[ -n $extra ]] && append+=" $extra"
	local qemu=(qemu-system-x86_64 -accel "$accel" -m "$mem" -smp 2
		-nodefaults -no-user-config -display none -no-reboot
		-serial "file:$VM_CONSOLE" -kernel "$kernel" -append "$append"
		-fsdev "local,id=root,path=/,readonly=on,security_model=none"
		-device "virtio-9p-pci,fsdev=root,mount_tag=/dev/root"
		-fsdev "local,id=out,path=$VM_DIR,security_model=none"
		-device "virtio-9p-pci,fsdev=out,mount_tag=pmmout")
	echo "${qemu[*]}" >"$VM_DIR/qemu-cmdline"

	timeout --kill-after=5 "$timeout" "${qemu[@]}" </dev/null >"$VM_DIR/qemu.log" 2>&1 &
	qpid=$!
	if ((verbose)); then
		tail -n +1 -F --pid="$qpid" "$VM_CONSOLE" 2>/dev/null &
	else
		tail -n +1 -F --pid="$qpid" "$VM_DIR/output" 2>/dev/null &
	fi
	tpid=$!
	wait "$qpid" || rc=$?
	wait "$tpid" 2>/dev/null || true
	local console=${VM_CONSOLE#"$PMM_ROOT"/}
	if ((rc == 124 || rc == 137)); then
		VM_REASON="guest timed out after ${timeout} s (console: $console)"
		return 124
	fi
	if ((rc != 0)); then
		VM_REASON="qemu failed with status $rc: $(tail -3 "$VM_DIR/qemu.log" | tr '\n' ' ') (console: $console)"
		return 125
	fi
	local fatal splats
	fatal=$(grep -aE -m1 "$SPLAT_FATAL" "$VM_CONSOLE" | sed 's/\r$//' || true)
	if [[ -n $fatal ]]; then
		VM_REASON="guest kernel crashed: ${fatal#*] } (console: $console)"
		return 125
	fi
	splats=$(splat_count "$VM_CONSOLE")
	if ((splats > 0)); then
		VM_REASON="guest kernel printed $splats splat(s): $(splat_lines "$VM_CONSOLE" | head -1 | sed 's/^\[[^]]*\] //') (console: $console)"
		return 125
	fi
	if [[ ! -s $VM_DIR/status ]]; then
		VM_REASON="guest did not report an exit status (init failed?) (console: $console)"
		return 125
	fi
	return "$(cat "$VM_DIR/status")"
}

cmd_vm() {
	local flavour=default cmdline='' timeout=$VM_TIMEOUT_DEFAULT mem=1G verbose=0
	while (($#)); do
		case $1 in
		--debug) flavour=debug ;;
		--cmdline) cmdline=${2?--cmdline needs a value}; shift ;;
		--cmdline=*) cmdline=${1#*=} ;;
		--timeout) timeout=${2?--timeout needs a value}; shift ;;
		--mem) mem=${2?--mem needs a value}; shift ;;
		--verbose) verbose=1 ;;
		--) shift; break ;;
		*) die "vm: unknown option $1 (usage: scripts/pmm vm [--debug] [--cmdline STR] [--timeout S] [--mem SIZE] [--verbose] -- COMMAND...)" ;;
		esac
		shift
	done
	(($#)) || die "vm: no command given (usage: scripts/pmm vm [options] -- COMMAND...)"
	local t0 rc=0
	t0=$(now)
	info "vm: booting the $flavour kernel ($(vm_accel), ${cmdline:-no extra cmdline}), running: $*" >&2
	vm_run "$flavour" "$cmdline" "$timeout" "$mem" "$verbose" "$@" || rc=$?
	if [[ -n $VM_REASON ]]; then
		err "vm: $VM_REASON"
	else
		info "vm: command exited with status $rc ($(fmt_secs $(($(now) - t0))), console: ${VM_CONSOLE#"$PMM_ROOT"/})" >&2
	fi
	return "$rc"
}
