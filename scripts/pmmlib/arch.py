# SPDX-License-Identifier: GPL-2.0
"""What differs between target architectures, in one table: how the kernel
is built (make ARCH, cross compiler, image) and how QEMU boots it (binary,
machine, console, how the guest gets its root file system). Another
architecture is another entry here."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Arch:
    name: str
    make_arch: str
    cross_compile: str          # CROSS_COMPILE prefix; "" builds natively
    image_target: str           # make target of the boot image
    image: str                  # the boot image, relative to the build directory
    qemu: str
    machine: tuple[str, ...]    # QEMU's machine and CPU options
    console: str                # the kernel's serial console device
    append: str                 # kernel parameters every guest of this architecture gets
    root: str                   # how the guest's / arrives: "9p" = the host's /, read-only;
                                # "initramfs" = a busybox initramfs of this arch's programs
    srcarch: str = ""           # arch/<srcarch>/ in the kernel tree (default: make_arch)
    fragment: str = ""          # its scripts/config fragment, merged after pmm.config
    dtb: bool = False           # boots with a device tree: QEMU's own plus overlays
    share: str = "virtio-9p-pci"  # the QEMU device of the 9p shares

    @property
    def kconfig_dir(self) -> str:
        return self.srcarch or self.make_arch


ARCHES = {
    # acpi=noirq: PCI interrupts from the BIOS's PIRQ table, not ACPI's _PRT,
    # whose AML loop under TCG on a loaded host (KASAN most of all) overruns
    # ACPICA's 30 s loop timeout; the virtio devices then get no interrupt
    # and the 9p root never mounts.
    "x86_64": Arch(name="x86_64", make_arch="x86_64", cross_compile="",
                   image_target="bzImage", image="arch/x86/boot/bzImage",
                   qemu="qemu-system-x86_64", machine=(), console="ttyS0",
                   append="acpi=noirq", root="9p", srcarch="x86"),
    # QEMU's virt board: PL011 console, virtio-mmio transports, its own
    # device tree (dumped, merged with overlays: vm.py). earlycon (the DT's
    # stdout-path): a crash while the reserved-memory nodes are read, before
    # the console exists, is in the console log too. cortex-a57: TCG
    # emulates it faster than "max" (no pointer authentication to emulate).
    "arm64": Arch(name="arm64", make_arch="arm64", cross_compile="aarch64-linux-gnu-",
                  image_target="Image", image="arch/arm64/boot/Image",
                  qemu="qemu-system-aarch64", machine=("-M", "virt", "-cpu", "cortex-a57"),
                  console="ttyAMA0", append="earlycon", root="initramfs", fragment="arm64.config",
                  dtb=True, share="virtio-9p-device"),
}
HOST_ARCH = ARCHES["x86_64"]
