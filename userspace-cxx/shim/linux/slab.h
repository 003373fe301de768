/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-in for <linux/slab.h>. The core allocates extent nodes
 * only through pmm_extent_node_alloc()/pmm_extent_node_free(), which
 * pmm_alloc_internal.h defines; this header only has to exist, with the gfp
 * flags.
 */
#ifndef _PMM_SHIM_LINUX_SLAB_H
#define _PMM_SHIM_LINUX_SLAB_H

#include <linux/types.h>

#endif /* _PMM_SHIM_LINUX_SLAB_H */
