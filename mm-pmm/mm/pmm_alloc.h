/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PMM allocator core: free extents, their indexes and the placement policy.
 *
 * This header and mm/pmm_alloc.c know nothing about pages, locks or memory
 * types: they manage ranges of page frame numbers. That is what lets
 * userspace-cxx compile the very same file outside the kernel.
 */
#ifndef _MM_PMM_ALLOC_H
#define _MM_PMM_ALLOC_H

#include <linux/rbtree.h>
#include <linux/types.h>

/*
 * Largest alignment a request may ask for, as an order of pages: 2^12 pages
 * is 16 MiB with 4 KiB pages, the upper bound CMA puts on CMA_ALIGNMENT.
 */
#define PMM_MAX_ALIGN_ORDER	12
#define PMM_FIT_ORDERS		(PMM_MAX_ALIGN_ORDER + 1)

/**
 * struct pmm_fit - what the extents of a subtree can hold
 * @room: @room[k] is the largest number of pages that some extent of the
 *	subtree can hold at an alignment of 2^k pages.
 *
 * This is the augmented value of the policy index; it is what makes every
 * search a single walk from the root to a leaf.
 */
struct pmm_fit {
	unsigned long room[PMM_FIT_ORDERS];
};

/**
 * struct pmm_extent - a range of page frames, free or allocated
 * @start: first page frame number of the range.
 * @nr_pages: length of the range in pages.
 * @region: index of the region the range lies in; extents of different
 *	regions never coalesce, even when they touch.
 * @addr_node: node in &pmm_pool.free_by_addr while the extent is free.
 * @index_node: node in &pmm_pool.index (the policy's index) while free.
 * @fit: the augmented value of @index_node's subtree, kept by the policy.
 *
 * A free extent sits in both trees. An allocated extent sits in neither and
 * belongs to the caller of pmm_pool_alloc() until pmm_pool_free(); freeing
 * reuses it as a free extent, so that freeing never has to allocate.
 */
struct pmm_extent {
	unsigned long start;
	unsigned long nr_pages;
	unsigned int region;
	struct rb_node addr_node;
	struct rb_node index_node;
	struct pmm_fit fit;
};

struct pmm_pool;

/**
 * struct pmm_policy - a placement policy
 * @name: name shown in sysfs, at most 15 characters.
 * @insert: add a free extent to the policy's index, &pmm_pool.index.
 * @erase: remove a free extent from the index.
 * @update: the range of a free extent in the index has changed, but no other
 *	free extent has come between it and its neighbours by address.
 * @find: return the free extent the policy chooses for @nr_pages pages at
 *	an alignment of 2^@align_order pages, or NULL when none can hold them.
 *	The block is placed at the lowest suitably aligned address of the
 *	extent returned.
 * @largest: return the largest number of pages a single unaligned request
 *	could get, 0 when the pool is full.
 * @check_order: for pmm_pool_check(): NULL if @prev may come before @ext in
 *	the index, else what is wrong.
 *
 * Every operation must be O(log n) or better in the number of free extents.
 * The pool calls them with its lock held, so they must neither sleep nor
 * allocate.
 */
struct pmm_policy {
	const char *name;
	void (*insert)(struct pmm_pool *pool, struct pmm_extent *ext);
	void (*erase)(struct pmm_pool *pool, struct pmm_extent *ext);
	void (*update)(struct pmm_pool *pool, struct pmm_extent *ext);
	struct pmm_extent *(*find)(struct pmm_pool *pool,
				   unsigned long nr_pages,
				   unsigned int align_order);
	unsigned long (*largest)(struct pmm_pool *pool);
	const char *(*check_order)(const struct pmm_extent *prev,
				   const struct pmm_extent *ext);
};

extern const struct pmm_policy pmm_policy_best_fit;
extern const struct pmm_policy pmm_policy_first_fit;

/**
 * struct pmm_pool - the free space of one memory type
 * @free_by_addr: free extents by address, to find the neighbours of a
 *	block when it is freed.
 * @index: free extents as the policy orders them.
 * @policy: the placement policy.
 * @total_pages: pages given to the pool by pmm_pool_add_free().
 * @free_pages: pages in free extents.
 * @nr_free_extents: number of free extents.
 * @nr_blocks: number of allocated extents.
 *
 * The pool has no lock of its own: its owner serialises every call.
 */
struct pmm_pool {
	struct rb_root free_by_addr;
	struct rb_root index;
	const struct pmm_policy *policy;
	unsigned long total_pages;
	unsigned long free_pages;
	unsigned long nr_free_extents;
	unsigned long nr_blocks;
};

/*
 * The extent nodes a single pool operation may need, allocated before the
 * owner takes its lock: one for the block and one for the far side of a
 * split.
 */
#define PMM_PRELOAD_NODES	2

/**
 * struct pmm_preload - extent nodes allocated ahead of a pool operation
 * @node: the nodes; an operation takes what it needs and sets it to NULL.
 */
struct pmm_preload {
	struct pmm_extent *node[PMM_PRELOAD_NODES];
};

int pmm_preload_fill(struct pmm_preload *pre, gfp_t gfp);
void pmm_preload_drain(struct pmm_preload *pre);

void pmm_pool_init(struct pmm_pool *pool, const struct pmm_policy *policy);
void pmm_pool_add_free(struct pmm_pool *pool, unsigned long start,
		       unsigned long nr_pages, unsigned int region,
		       struct pmm_preload *pre);
struct pmm_extent *pmm_pool_alloc(struct pmm_pool *pool,
				  unsigned long nr_pages,
				  unsigned int align_order,
				  struct pmm_preload *pre);
void pmm_pool_free(struct pmm_pool *pool, struct pmm_extent *block);
struct pmm_extent *pmm_pool_claim(struct pmm_pool *pool, unsigned long start,
				  unsigned long nr_pages,
				  struct pmm_preload *pre);
unsigned long pmm_pool_largest_free(struct pmm_pool *pool);
void pmm_pool_set_policy(struct pmm_pool *pool,
			 const struct pmm_policy *policy);
void pmm_pool_destroy(struct pmm_pool *pool);
const char *pmm_pool_check(struct pmm_pool *pool);

struct pmm_extent *pmm_pool_first_free(struct pmm_pool *pool);
struct pmm_extent *pmm_pool_next_free(struct pmm_extent *ext);

#endif /* _MM_PMM_ALLOC_H */
