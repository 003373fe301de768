// SPDX-License-Identifier: GPL-2.0
/*
 * PMM allocator core: free extents, their indexes and the placement policies.
 */
#include "pmm_alloc_internal.h"

/**
 * DOC: Allocator core
 *
 * A pool is the free space of one memory type: a set of free extents, each a
 * range of page frames inside one of the type's regions. Every free extent
 * sits in two red-black trees:
 *
 * - &pmm_pool.free_by_addr, ordered by address, finds the free neighbours of
 *   a block when it is freed, so that a freed block always coalesces with
 *   both of them and the free space stays a set of maximal extents;
 * - &pmm_pool.index, ordered by the policy, finds the extent a request goes
 *   to.
 *
 * Best fit orders the index by (length, address); first fit by address. Each
 * node of the index is augmented with &struct pmm_fit: for every alignment
 * order k up to %PMM_MAX_ALIGN_ORDER, the largest request that some extent of
 * the subtree can hold at an alignment of 2^k pages. For an extent starting
 * at s of length l that is l - (-s mod 2^k). A search for n pages at order k
 * walks down from the root, going left whenever the left subtree can hold
 * the request, else taking the node itself when it can, else going right.
 * It returns the first extent in the index's order that holds the request:
 * for best fit the smallest such extent, the lowest-addressed among equals;
 * for first fit the lowest-addressed. The block is placed at the lowest
 * aligned address of that extent, which leaves at most two remainders.
 *
 * Bound: with n the number of free extents (never more than the number of
 * blocks plus the number of regions), both trees have height O(log n). A
 * search is one walk from root to leaf, O(1) per level. Inserting or erasing
 * an index node rebalances and propagates the augmented value up one path,
 * O(%PMM_FIT_ORDERS) per level, a constant. An allocation is one search and
 * at most one index update and one insertion; a free is one walk of the
 * address tree and at most two erasures and one insertion. Both are
 * therefore O(log n) in the worst case, alignment included, which is what
 * keeping one augmented value per alignment order buys over a search by
 * size + alignment - 1 (which is not best fit) or a scan (which is O(n)).
 *
 * The core never allocates with the owner's lock held: the nodes an
 * allocation may need are taken from a &struct pmm_preload filled
 * beforehand, and a free reuses the block's own node, so freeing cannot fail.
 */

static __always_inline struct pmm_extent *addr_entry(struct rb_node *node)
{
	return rb_entry(node, struct pmm_extent, addr_node);
}

static __always_inline struct pmm_extent *index_entry(struct rb_node *node)
{
	return rb_entry(node, struct pmm_extent, index_node);
}

/* Largest request @ext can hold when it must start at a multiple of 2^k. */
static __always_inline unsigned long extent_room(const struct pmm_extent *ext,
						 unsigned int k)
{
	unsigned long waste = -ext->start & ((1UL << k) - 1);

	return ext->nr_pages > waste ? ext->nr_pages - waste : 0;
}

static __always_inline void fit_of_subtree(struct pmm_extent *ext,
					   struct pmm_fit *fit)
{
	struct rb_node *left = ext->index_node.rb_left;
	struct rb_node *right = ext->index_node.rb_right;
	unsigned int k;

	for (k = 0; k < PMM_FIT_ORDERS; k++)
		fit->room[k] = extent_room(ext, k);
	if (left)
		for (k = 0; k < PMM_FIT_ORDERS; k++)
			fit->room[k] = max(fit->room[k],
					   index_entry(left)->fit.room[k]);
	if (right)
		for (k = 0; k < PMM_FIT_ORDERS; k++)
			fit->room[k] = max(fit->room[k],
					   index_entry(right)->fit.room[k]);
}

static __always_inline bool fit_equal(const struct pmm_fit *a,
				      const struct pmm_fit *b)
{
	unsigned int k;

	for (k = 0; k < PMM_FIT_ORDERS; k++)
		if (a->room[k] != b->room[k])
			return false;
	return true;
}

/* RBCOMPUTE for the index: returns true when @exit and nothing changed. */
static __always_inline bool fit_compute(struct pmm_extent *ext, bool exit)
{
	struct pmm_fit fit;

	fit_of_subtree(ext, &fit);
	if (exit && fit_equal(&fit, &ext->fit))
		return true;
	ext->fit = fit;
	return false;
}

RB_DECLARE_CALLBACKS(static, fit_callbacks, struct pmm_extent, index_node,
		     fit, fit_compute);

typedef bool (*index_less_t)(const struct pmm_extent *a,
			     const struct pmm_extent *b);

static __always_inline void index_insert(struct pmm_pool *pool,
					 struct pmm_extent *ext,
					 index_less_t less)
{
	struct rb_node **link = &pool->index.rb_node, *parent = NULL;

	while (*link) {
		parent = *link;
		if (less(ext, index_entry(parent)))
			link = &parent->rb_left;
		else
			link = &parent->rb_right;
	}
	rb_link_node(&ext->index_node, parent, link);
	fit_compute(ext, false);
	fit_callbacks_propagate(parent, NULL);
	rb_insert_augmented(&ext->index_node, &pool->index, &fit_callbacks);
}

static void index_erase(struct pmm_pool *pool, struct pmm_extent *ext)
{
	rb_erase_augmented(&ext->index_node, &pool->index, &fit_callbacks);
	RB_CLEAR_NODE(&ext->index_node);
}

/* The first extent in index order that can hold @nr pages at order @k. */
static struct pmm_extent *index_find(struct pmm_pool *pool,
				     unsigned long nr, unsigned int k)
{
	struct rb_node *node = pool->index.rb_node;

	while (node) {
		if (node->rb_left &&
		    index_entry(node->rb_left)->fit.room[k] >= nr) {
			node = node->rb_left;
			continue;
		}
		if (extent_room(index_entry(node), k) >= nr)
			return index_entry(node);
		if (node->rb_right &&
		    index_entry(node->rb_right)->fit.room[k] >= nr) {
			node = node->rb_right;
			continue;
		}
		break;
	}
	return NULL;
}

static unsigned long index_largest(struct pmm_pool *pool)
{
	struct rb_node *root = pool->index.rb_node;

	return root ? index_entry(root)->fit.room[0] : 0;
}

/* Best fit: the index is ordered by (length, address). */
static bool best_fit_less(const struct pmm_extent *a,
			  const struct pmm_extent *b)
{
	if (a->nr_pages != b->nr_pages)
		return a->nr_pages < b->nr_pages;
	return a->start < b->start;
}

static void best_fit_insert(struct pmm_pool *pool, struct pmm_extent *ext)
{
	index_insert(pool, ext, best_fit_less);
}

/* A new length is a new key: the node moves. */
static void best_fit_update(struct pmm_pool *pool, struct pmm_extent *ext)
{
	index_erase(pool, ext);
	index_insert(pool, ext, best_fit_less);
}

static const char *best_fit_check_order(const struct pmm_extent *prev,
					const struct pmm_extent *ext)
{
	return best_fit_less(prev, ext) ? NULL : "best fit index out of order";
}

/* First fit: the index is ordered by address. */
static bool first_fit_less(const struct pmm_extent *a,
			   const struct pmm_extent *b)
{
	return a->start < b->start;
}

static void first_fit_insert(struct pmm_pool *pool, struct pmm_extent *ext)
{
	index_insert(pool, ext, first_fit_less);
}

/*
 * The pool changes an extent's range only where no other free extent lies
 * in between, so its place in address order stays: refresh the augmented
 * values on the way up.
 */
static void first_fit_update(struct pmm_pool *pool, struct pmm_extent *ext)
{
	fit_callbacks_propagate(&ext->index_node, NULL);
}

static const char *first_fit_check_order(const struct pmm_extent *prev,
					 const struct pmm_extent *ext)
{
	return first_fit_less(prev, ext) ? NULL : "first fit index out of order";
}

const struct pmm_policy pmm_policy_best_fit = {
	.name = "best_fit",
	.insert = best_fit_insert,
	.erase = index_erase,
	.update = best_fit_update,
	.find = index_find,
	.largest = index_largest,
	.check_order = best_fit_check_order,
};

const struct pmm_policy pmm_policy_first_fit = {
	.name = "first_fit",
	.insert = first_fit_insert,
	.erase = index_erase,
	.update = first_fit_update,
	.find = index_find,
	.largest = index_largest,
	.check_order = first_fit_check_order,
};

/**
 * pmm_preload_fill() - allocate the extent nodes one pool operation may need
 * @pre: the preload; slots already filled are kept.
 * @gfp: allocation flags for the nodes.
 *
 * Context: may sleep if @gfp allows it; call it without the pool's lock.
 * Return: 0, or -ENOMEM if a node could not be allocated. The nodes already
 * in @pre stay there either way; pmm_preload_drain() frees them.
 */
int pmm_preload_fill(struct pmm_preload *pre, gfp_t gfp)
{
	unsigned int i;

	for (i = 0; i < PMM_PRELOAD_NODES; i++) {
		if (pre->node[i])
			continue;
		pre->node[i] = pmm_extent_node_alloc(gfp);
		if (!pre->node[i])
			return -ENOMEM;
	}
	return 0;
}

/**
 * pmm_preload_drain() - free the nodes a pool operation did not use
 * @pre: the preload.
 *
 * Context: any context the node cache's free function allows.
 */
void pmm_preload_drain(struct pmm_preload *pre)
{
	unsigned int i;

	for (i = 0; i < PMM_PRELOAD_NODES; i++) {
		if (pre->node[i])
			pmm_extent_node_free(pre->node[i]);
		pre->node[i] = NULL;
	}
}

static unsigned int preload_count(const struct pmm_preload *pre)
{
	unsigned int i, n = 0;

	for (i = 0; i < PMM_PRELOAD_NODES; i++)
		n += !!pre->node[i];
	return n;
}

static struct pmm_extent *preload_take(struct pmm_preload *pre)
{
	struct pmm_extent *ext;
	unsigned int i;

	for (i = 0; i < PMM_PRELOAD_NODES; i++) {
		ext = pre->node[i];
		if (ext) {
			pre->node[i] = NULL;
			return ext;
		}
	}
	return NULL;
}

/**
 * pmm_pool_init() - initialise an empty pool
 * @pool: the pool.
 * @policy: its placement policy.
 */
void pmm_pool_init(struct pmm_pool *pool, const struct pmm_policy *policy)
{
	pool->free_by_addr = RB_ROOT;
	pool->index = RB_ROOT;
	pool->policy = policy;
	pool->total_pages = 0;
	pool->free_pages = 0;
	pool->nr_free_extents = 0;
	pool->nr_blocks = 0;
}

static void addr_insert(struct pmm_pool *pool, struct pmm_extent *ext)
{
	struct rb_node **link = &pool->free_by_addr.rb_node, *parent = NULL;

	while (*link) {
		parent = *link;
		if (ext->start < addr_entry(parent)->start)
			link = &parent->rb_left;
		else
			link = &parent->rb_right;
	}
	rb_link_node(&ext->addr_node, parent, link);
	rb_insert_color(&ext->addr_node, &pool->free_by_addr);
}

static void extent_forget(struct pmm_pool *pool, struct pmm_extent *ext)
{
	pool->policy->erase(pool, ext);
	rb_erase(&ext->addr_node, &pool->free_by_addr);
	RB_CLEAR_NODE(&ext->addr_node);
	pool->nr_free_extents--;
}

/*
 * Make the range of @ext free, merging it with the free extents of the same
 * region that touch it. Either @ext becomes a free extent, or it is merged
 * into a neighbour and its node is freed.
 *
 *   |  prev  |  ext  |  next  |   ->   |           prev            |
 */
static void pool_release(struct pmm_pool *pool, struct pmm_extent *ext)
{
	struct rb_node *node = pool->free_by_addr.rb_node;
	struct pmm_extent *prev = NULL, *next = NULL;
	bool join_prev, join_next;

	while (node) {
		if (addr_entry(node)->start < ext->start) {
			prev = addr_entry(node);
			node = node->rb_right;
		} else {
			next = addr_entry(node);
			node = node->rb_left;
		}
	}

	join_prev = prev && prev->region == ext->region &&
		    prev->start + prev->nr_pages == ext->start;
	join_next = next && next->region == ext->region &&
		    ext->start + ext->nr_pages == next->start;

	pool->free_pages += ext->nr_pages;

	/*
	 * Each change of an indexed extent's range is followed by its update
	 * before the index changes in any other way: a rotation in between
	 * would copy the extent's stale augmented value to another node.
	 */
	if (join_prev && join_next) {
		extent_forget(pool, next);
		prev->nr_pages += ext->nr_pages + next->nr_pages;
		pmm_extent_node_free(next);
		pool->policy->update(pool, prev);
	} else if (join_prev) {
		prev->nr_pages += ext->nr_pages;
		pool->policy->update(pool, prev);
	} else if (join_next) {
		next->start = ext->start;
		next->nr_pages += ext->nr_pages;
		pool->policy->update(pool, next);
	} else {
		addr_insert(pool, ext);
		pool->policy->insert(pool, ext);
		pool->nr_free_extents++;
		return;
	}
	pmm_extent_node_free(ext);
}

/**
 * pmm_pool_add_free() - give a range of page frames to a pool
 * @pool: the pool.
 * @start: first page frame number of the range.
 * @nr_pages: length of the range; must not be 0.
 * @region: the region the range belongs to.
 * @pre: a filled preload; one node is taken from it.
 *
 * The range must not overlap anything the pool already manages.
 *
 * Context: the pool's owner serialises the call; does not sleep.
 */
void pmm_pool_add_free(struct pmm_pool *pool, unsigned long start,
		       unsigned long nr_pages, unsigned int region,
		       struct pmm_preload *pre)
{
	struct pmm_extent *ext;

	if (WARN_ON(!nr_pages))
		return;
	ext = preload_take(pre);
	if (WARN_ON(!ext))
		return;
	ext->start = start;
	ext->nr_pages = nr_pages;
	ext->region = region;
	pool->total_pages += nr_pages;
	pool_release(pool, ext);
}

/*
 * Take [start, start + nr_pages) out of the free extent @ext that holds it,
 * leaving at most two remainders:
 *
 *   |      free extent       |   ->   | head | block | tail |
 *
 * The head keeps the extent's node; the tail, when there is one besides a
 * head, takes a preloaded node; the block takes a preloaded node, or the
 * extent's own when it is the whole extent. NULL if @pre is short.
 */
static struct pmm_extent *extent_take(struct pmm_pool *pool,
				      struct pmm_extent *ext,
				      unsigned long start,
				      unsigned long nr_pages,
				      struct pmm_preload *pre)
{
	unsigned long head = start - ext->start;
	unsigned long tail = ext->start + ext->nr_pages - (start + nr_pages);
	struct pmm_extent *block;
	unsigned int needed;

	/* The block needs a node unless it fits exactly, a split one more. */
	needed = (head || tail) ? 1 : 0;
	if (head && tail)
		needed++;
	if (WARN_ON_ONCE(preload_count(pre) < needed))
		return NULL;

	if (!head && !tail) {
		extent_forget(pool, ext);
		block = ext;
	} else {
		block = preload_take(pre);
		block->start = start;
		block->nr_pages = nr_pages;
		block->region = ext->region;
		RB_CLEAR_NODE(&block->addr_node);
		RB_CLEAR_NODE(&block->index_node);
		if (head && tail) {
			struct pmm_extent *rest = preload_take(pre);

			rest->start = start + nr_pages;
			rest->nr_pages = tail;
			rest->region = ext->region;
			ext->nr_pages = head;
			pool->policy->update(pool, ext);
			addr_insert(pool, rest);
			pool->policy->insert(pool, rest);
			pool->nr_free_extents++;
		} else {
			if (!head)
				ext->start = start + nr_pages;
			ext->nr_pages = head ? head : tail;
			pool->policy->update(pool, ext);
		}
	}
	pool->free_pages -= nr_pages;
	return block;
}

/**
 * pmm_pool_alloc() - allocate a range of page frames from a pool
 * @pool: the pool.
 * @nr_pages: length of the range; must not be 0.
 * @align_order: the range starts at a multiple of 2^@align_order pages; at
 *	most %PMM_MAX_ALIGN_ORDER.
 * @pre: a filled preload; the nodes the allocation needs are taken from it.
 *
 * The block is placed at the lowest aligned address of the extent the
 * pool's policy chooses.
 *
 * Context: the pool's owner serialises the call; does not sleep.
 * Return: the block, owned by the caller until pmm_pool_free(); NULL if no
 * free extent can hold it, or if the arguments or the preload are invalid.
 */
struct pmm_extent *pmm_pool_alloc(struct pmm_pool *pool,
				  unsigned long nr_pages,
				  unsigned int align_order,
				  struct pmm_preload *pre)
{
	struct pmm_extent *ext, *block;

	if (WARN_ON_ONCE(!nr_pages || align_order > PMM_MAX_ALIGN_ORDER))
		return NULL;

	ext = pool->policy->find(pool, nr_pages, align_order);
	if (!ext)
		return NULL;
	block = extent_take(pool, ext, ALIGN(ext->start, 1UL << align_order),
			    nr_pages, pre);
	if (block)
		pool->nr_blocks++;
	return block;
}

/**
 * pmm_pool_claim() - take a given range out of the free space for good
 * @pool: the pool.
 * @start: first page frame number of the range.
 * @nr_pages: length of the range; must not be 0.
 * @pre: a filled preload; the nodes the split needs are taken from it.
 *
 * For a range that must never be handed out, such as a poisoned page. The
 * range is not counted as a block, and is never given back.
 *
 * Context: the pool's owner serialises the call; does not sleep.
 * Return: the range as an extent, or NULL if it is not all in one free
 * extent.
 */
struct pmm_extent *pmm_pool_claim(struct pmm_pool *pool, unsigned long start,
				  unsigned long nr_pages,
				  struct pmm_preload *pre)
{
	struct rb_node *node = pool->free_by_addr.rb_node;
	struct pmm_extent *ext = NULL;

	/* The free extent starting at or before @start, the last such. */
	while (node) {
		if (addr_entry(node)->start <= start) {
			ext = addr_entry(node);
			node = node->rb_right;
		} else {
			node = node->rb_left;
		}
	}
	if (!nr_pages || !ext ||
	    start + nr_pages > ext->start + ext->nr_pages)
		return NULL;
	return extent_take(pool, ext, start, nr_pages, pre);
}

/**
 * pmm_pool_free() - give a block back to its pool
 * @pool: the pool the block was allocated from.
 * @block: the block; its node becomes a free extent or is freed.
 *
 * The block's range coalesces with the free extents on both sides of it
 * that belong to the same region.
 *
 * Context: the pool's owner serialises the call; does not sleep and never
 * fails.
 */
void pmm_pool_free(struct pmm_pool *pool, struct pmm_extent *block)
{
	pool->nr_blocks--;
	pool_release(pool, block);
}

/**
 * pmm_pool_largest_free() - the largest request the pool could satisfy now
 * @pool: the pool.
 *
 * Context: the pool's owner serialises the call; does not sleep.
 * Return: the length in pages of the largest free extent, 0 if none.
 */
unsigned long pmm_pool_largest_free(struct pmm_pool *pool)
{
	return pool->policy->largest(pool);
}

/**
 * pmm_pool_set_policy() - change a pool's placement policy
 * @pool: the pool.
 * @policy: the new policy.
 *
 * Rebuilds the index, O(n log n) in the number of free extents.
 *
 * Context: the pool's owner serialises the call; does not sleep.
 */
void pmm_pool_set_policy(struct pmm_pool *pool,
			 const struct pmm_policy *policy)
{
	struct rb_node *node;

	pool->index = RB_ROOT;
	pool->policy = policy;
	for (node = rb_first(&pool->free_by_addr); node; node = rb_next(node))
		policy->insert(pool, addr_entry(node));
}

/**
 * pmm_pool_destroy() - free the nodes of a pool's free extents
 * @pool: the pool; every block must have been freed.
 *
 * Context: the pool's owner serialises the call.
 */
void pmm_pool_destroy(struct pmm_pool *pool)
{
	struct rb_node *node;

	WARN_ON(pool->nr_blocks);
	while ((node = rb_first(&pool->free_by_addr))) {
		rb_erase(node, &pool->free_by_addr);
		pmm_extent_node_free(addr_entry(node));
	}
	pmm_pool_init(pool, pool->policy);
}

/**
 * pmm_pool_first_free() - the lowest-addressed free extent
 * @pool: the pool.
 *
 * Return: the extent, or NULL when nothing is free.
 */
struct pmm_extent *pmm_pool_first_free(struct pmm_pool *pool)
{
	struct rb_node *node = rb_first(&pool->free_by_addr);

	return node ? addr_entry(node) : NULL;
}

/**
 * pmm_pool_next_free() - the next free extent by address
 * @ext: a free extent.
 *
 * Return: the extent, or NULL after the last one.
 */
struct pmm_extent *pmm_pool_next_free(struct pmm_extent *ext)
{
	struct rb_node *node = rb_next(&ext->addr_node);

	return node ? addr_entry(node) : NULL;
}

static const char *index_check(struct pmm_pool *pool, unsigned long *count)
{
	struct pmm_extent *ext, *prev = NULL;
	struct rb_node *node;
	struct pmm_fit fit;
	const char *err;

	for (node = rb_first(&pool->index); node; node = rb_next(node)) {
		ext = index_entry(node);
		if (RB_EMPTY_NODE(&ext->addr_node))
			return "indexed extent missing from the address tree";
		if (prev) {
			err = pool->policy->check_order(prev, ext);
			if (err)
				return err;
		}
		fit_of_subtree(ext, &fit);
		if (!fit_equal(&fit, &ext->fit))
			return "augmented value differs from recomputation";
		prev = ext;
		(*count)++;
	}
	return NULL;
}

/**
 * pmm_pool_check() - verify every invariant of a pool
 * @pool: the pool.
 *
 * Walks both trees: free extents are non-empty, sorted, disjoint and fully
 * coalesced; their lengths add up to the free pages and their number to the
 * free extent count; the index holds the same extents in the policy's order,
 * each node's augmented value equal to its recomputation from its children;
 * free and allocated pages add up to the total. O(n); for tests.
 *
 * Context: the pool's owner serialises the call; does not sleep.
 * Return: NULL when the pool is consistent, else the invariant that failed.
 */
const char *pmm_pool_check(struct pmm_pool *pool)
{
	unsigned long count = 0, indexed = 0, free_pages = 0;
	struct pmm_extent *ext, *prev = NULL;
	const char *err;

	for (ext = pmm_pool_first_free(pool); ext;
	     ext = pmm_pool_next_free(ext)) {
		if (!ext->nr_pages)
			return "empty free extent";
		if (ext->start + ext->nr_pages < ext->start)
			return "free extent wraps around";
		if (prev && prev->start + prev->nr_pages > ext->start)
			return "free extents overlap or are out of order";
		if (prev && prev->region == ext->region &&
		    prev->start + prev->nr_pages == ext->start)
			return "adjacent free extents not coalesced";
		free_pages += ext->nr_pages;
		count++;
		prev = ext;
	}
	if (free_pages != pool->free_pages)
		return "free extents do not add up to the free pages";
	if (count != pool->nr_free_extents)
		return "free extent count is wrong";
	if (pool->free_pages > pool->total_pages)
		return "more pages free than in the pool";
	if (!pool->free_pages != !pool->nr_free_extents)
		return "free pages without free extents or the reverse";

	err = index_check(pool, &indexed);
	if (err)
		return err;
	if (indexed != count)
		return "index and address tree hold different extents";
	if (pool->policy->largest(pool) > pool->free_pages)
		return "largest free extent exceeds the free pages";
	return NULL;
}
