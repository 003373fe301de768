/* SPDX-License-Identifier: GPL-2.0 */
/*
 * userspace-cxx's replacement for mm/pmm_alloc_internal.h.
 *
 * mm/pmm_alloc.c includes "pmm_alloc_internal.h" and nothing else. This
 * header carries the kernel header's include guard, and core/pmm_alloc_user.c
 * includes it before it includes mm/pmm_alloc.c, so the kernel's own header
 * is skipped and the core is built on the user-space facilities below (the
 * same trick tools/testing/vma plays with mm/vma_internal.h).
 *
 * The two node hooks allocate with malloc() and fail when the shim's fault
 * injection says so (see pmm_shim.h).
 */
#ifndef __MM_PMM_ALLOC_INTERNAL_H
#define __MM_PMM_ALLOC_INTERNAL_H

#include <stdlib.h>

#include <linux/bug.h>
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/rbtree_augmented.h>
#include <linux/slab.h>

#include "pmm_alloc.h"
#include "pmm_shim.h"

/* What SLUB writes over a freed object; a fresh node is not zeroed either. */
#define PMM_SHIM_POISON	0x6b

static inline struct pmm_extent *pmm_extent_node_alloc(gfp_t gfp)
{
	struct pmm_extent *ext;

	(void)gfp;
	if (pmm_shim_should_fail()) {
		return NULL;
	}
	ext = (struct pmm_extent *)malloc(sizeof(*ext));
	if (!ext)
		return NULL;
	__builtin_memset(ext, PMM_SHIM_POISON, sizeof(*ext));
	pmm_shim_nodes_live++;
	return ext;
}

static inline void pmm_extent_node_free(struct pmm_extent *ext)
{
	if (!ext)
		return;
	pmm_shim_nodes_live--;
	free(ext);
}

#endif /* __MM_PMM_ALLOC_INTERNAL_H */
