/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel facilities mm/pmm_alloc.c uses, and nothing else.
 *
 * mm/pmm_alloc.c includes this header only. userspace-cxx/ provides its own
 * header under the same include guard, so that the same allocator core is
 * built and tested in user space (as tools/testing/vma does with mm/vma.c).
 */
#ifndef __MM_PMM_ALLOC_INTERNAL_H
#define __MM_PMM_ALLOC_INTERNAL_H

#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/minmax.h>
#include <linux/rbtree_augmented.h>
#include <linux/slab.h>

#include "pmm_alloc.h"

extern struct kmem_cache *pmm_extent_cachep;

static inline struct pmm_extent *pmm_extent_node_alloc(gfp_t gfp)
{
	return kmem_cache_alloc(pmm_extent_cachep, gfp);
}

static inline void pmm_extent_node_free(struct pmm_extent *ext)
{
	kmem_cache_free(pmm_extent_cachep, ext);
}

#endif /* __MM_PMM_ALLOC_INTERNAL_H */
