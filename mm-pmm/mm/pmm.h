/* SPDX-License-Identifier: GPL-2.0 */
/* PMM internals shared by mm/pmm*.c. */
#ifndef __MM_PMM_H__
#define __MM_PMM_H__

#include <linux/kref.h>
#include <linux/pmm.h>
#include <linux/spinlock.h>

#include "pmm_alloc.h"

/* Most regions one memory type may have. */
#define PMM_MAX_TYPE_REGIONS	16

/**
 * struct pmm_region - one range of memory reserved at boot for a type
 * @base: physical address of the first byte.
 * @size: length in bytes, a multiple of PAGE_SIZE.
 */
struct pmm_region {
	phys_addr_t base;
	phys_addr_t size;
};

/**
 * struct pmm_type - a memory type: named regions and their free space
 * @name: the name given on the command line.
 * @id: index in declaration order; bit @id of a type mask selects it.
 * @lock: protects @pool and the counters below it.
 * @pool: the free space of all the type's regions.
 * @alloc_success: allocations this type satisfied.
 * @alloc_fail: allocations this type was asked for and could not satisfy.
 * @free_success: blocks given back to this type.
 * @nr_regions: number of entries of @regions.
 * @regions: the ranges reserved at boot; region i of @pool is @regions[i].
 */
struct pmm_type {
	char name[PMM_TYPE_NAME_MAX + 1];
	unsigned int id;
	spinlock_t lock; /* taken with interrupts off: put works anywhere */
	struct pmm_pool pool;
	unsigned long alloc_success;
	unsigned long alloc_fail;
	unsigned long free_success;
	unsigned int nr_regions;
	struct pmm_region regions[PMM_MAX_TYPE_REGIONS];
};

/**
 * struct pmm_block - a physically contiguous block of one memory type
 * @ref: references; the range goes back to the type when the last one goes.
 * @type: the memory type the block came from.
 * @extent: the block's range of page frames, as the type's pool knows it.
 */
struct pmm_block {
	struct kref ref;
	struct pmm_type *type;
	struct pmm_extent *extent;
};

/**
 * struct pmm_type_stats - a consistent snapshot of a type's statistics
 * @total_pages: pages reserved for the type.
 * @free_pages: pages in free extents.
 * @largest_free_pages: pages in the largest free extent.
 * @nr_blocks: blocks allocated and not yet freed.
 * @nr_free_extents: free extents.
 * @alloc_success: see &struct pmm_type.
 * @alloc_fail: see &struct pmm_type.
 * @free_success: see &struct pmm_type.
 */
struct pmm_type_stats {
	unsigned long total_pages;
	unsigned long free_pages;
	unsigned long largest_free_pages;
	unsigned long nr_blocks;
	unsigned long nr_free_extents;
	unsigned long alloc_success;
	unsigned long alloc_fail;
	unsigned long free_success;
};

extern struct pmm_type pmm_types[PMM_MAX_TYPES];
extern unsigned int pmm_types_count;

void pmm_type_stats(struct pmm_type *type, struct pmm_type_stats *stats);
const struct pmm_policy *pmm_policy_by_name(const char *name);
const char *pmm_type_policy_name(struct pmm_type *type);
void pmm_type_set_policy(struct pmm_type *type,
			 const struct pmm_policy *policy);

#endif /* __MM_PMM_H__ */
