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
    root: str                   # how the guest's / arrives: "9p" = the host's /, read-only


ARCHES = {
    # acpi=noirq: PCI interrupts from the BIOS's PIRQ table, not ACPI's _PRT,
    # whose AML loop under TCG on a loaded host (KASAN most of all) overruns
    # ACPICA's 30 s loop timeout; the virtio devices then get no interrupt
    # and the 9p root never mounts.
    "x86_64": Arch(name="x86_64", make_arch="x86_64", cross_compile="",
                   image_target="bzImage", image="arch/x86/boot/bzImage",
                   qemu="qemu-system-x86_64", machine=(), console="ttyS0",
                   append="acpi=noirq", root="9p"),
}
HOST_ARCH = ARCHES["x86_64"]
