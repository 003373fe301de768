// SPDX-License-Identifier: GPL-2.0
/*
 * The PMM allocator core, mm/pmm_alloc.c, compiled in user space.
 *
 * Our pmm_alloc_internal.h (shim/) comes first and takes the include guard
 * of the kernel's mm/pmm_alloc_internal.h, so the #include of the latter in
 * mm/pmm_alloc.c finds it already done. The core file itself is compiled
 * exactly as it is in the kernel tree: PMM_KERNEL_SRC points at it.
 */
#include "pmm_alloc_internal.h"

#include "mm/pmm_alloc.c"
