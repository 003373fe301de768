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
    root: str                   # how the guest's / arrives: "9p" = the host's /, read-only


ARCHES = {
    "x86_64": Arch(name="x86_64", make_arch="x86_64", cross_compile="",
                   image_target="bzImage", image="arch/x86/boot/bzImage",
                   qemu="qemu-system-x86_64", machine=(), console="ttyS0", root="9p"),
}
HOST_ARCH = ARCHES["x86_64"]
