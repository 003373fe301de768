// SPDX-License-Identifier: GPL-2.0
/*
 * PMM: Physical Memory Management.
 *
 * Memory types and the reference-counted, physically contiguous blocks
 * allocated from them. mm/pmm_boot.c declares the types and reserves their
 * regions at boot.
 */

#define pr_fmt(fmt) "pmm: " fmt

#include <linux/dma-map-ops.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/init.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>

#include "pmm.h"
#include "pmm_alloc_internal.h"

#define CREATE_TRACE_POINTS
#include <trace/events/pmm.h>

/**
 * DOC: Overview
 *
 * Devices such as cameras, codecs, scalers and displays need large
 * physically contiguous buffers, often shared: a decoder writes a frame that
 * a scaler reads and a display shows. PMM reserves memory for all of them
 * once, at boot, with the ``pmm=`` parameter, instead of one carve-out per
 * driver, and hands it out as reference-counted blocks.
 *
 * The reserve is split into memory types, each with a name and an id (its
 * position in the order the command line declared the types). A type may
 * have several regions; a block always lies inside one region. Allocation
 * takes a mask of acceptable types and tries them in declaration order.
 *
 * A block lives as long as a reference to it does: pmm_block_get() and
 * pmm_block_put() count them, and whoever keeps the block's pages in use (a
 * mapping, a dma-buf, a SysV segment) holds one. Only the last put gives the
 * range back to the type's free space, so a block's pages are never handed
 * out again while anyone can still reach them.
 */

struct kmem_cache *pmm_extent_cachep;

static struct pmm_type pmm_types[PMM_MAX_TYPES];
static unsigned int pmm_types_count;

static const struct pmm_policy *const pmm_policies[] = {
	&pmm_policy_best_fit,
	&pmm_policy_first_fit,
};

/**
 * pmm_type_declare() - declare a memory type, or find the one declared
 * @name: the type's name, checked by the caller.
 *
 * Ids follow the order of declaration, so a type mask computed from the
 * boot parameters selects the types they name, whether their regions could
 * be reserved or not.
 *
 * Context: early boot, before pmm_init().
 * Return: the type, or ERR_PTR(-ENOSPC) when %PMM_MAX_TYPES exist.
 */
struct pmm_type *__init pmm_type_declare(const char *name)
{
	struct pmm_type *type;
	unsigned int i;

	for (i = 0; i < pmm_types_count; i++)
		if (!strcmp(pmm_types[i].name, name))
			return &pmm_types[i];
	if (pmm_types_count == PMM_MAX_TYPES)
		return ERR_PTR(-ENOSPC);

	type = &pmm_types[pmm_types_count];
	strscpy(type->name, name);
	snprintf(type->iomem_name, sizeof(type->iomem_name), "PMM %s", name);
	snprintf(type->exp_name, sizeof(type->exp_name), "pmm-%s", name);
	INIT_LIST_HEAD(&type->pinned);
	INIT_LIST_HEAD(&type->poison_pending);
	type->id = pmm_types_count++;
	spin_lock_init(&type->lock);
	pmm_pool_init(&type->pool, &pmm_policy_best_fit);
	pmm_clear_type_init(type);
	return type;
}

/**
 * pmm_type_add_region() - give a reserved range to a memory type
 * @type: the type.
 * @base: the range's first byte, page aligned.
 * @size: its length, a multiple of PAGE_SIZE.
 *
 * The range joins the type's free space in pmm_init().
 *
 * Context: early boot, before pmm_init().
 */
void __init pmm_type_add_region(struct pmm_type *type, phys_addr_t base,
				phys_addr_t size)
{
	/* pmm= parsing refuses more regions than a type can hold. */
	if (WARN_ON(type->nr_regions == PMM_MAX_TYPE_REGIONS))
		return;
	type->regions[type->nr_regions++] = (struct pmm_region) {
		.base = base,
		.size = size,
	};
}

/*
 * Free reserve is marked PageOffline, as a balloon marks the pages it took:
 * hibernation does not save such pages (saveable_page()), makedumpfile
 * leaves them out of a crash dump, /proc/kcore reads them as zeroes.
 * Allocated blocks are not marked, so they are saved and dumped. The marks
 * are set and cleared outside the type lock, for a block's pages only
 * while the block is the caller's alone.
 */
static void pmm_pages_set_offline(unsigned long pfn, unsigned long nr_pages,
				  bool offline)
{
	struct page *page = pfn_to_page(pfn);
	unsigned long i;

	for (i = 0; i < nr_pages; i++) {
		if (offline)
			__SetPageOffline(nth_page(page, i));
		else
			__ClearPageOffline(nth_page(page, i));
	}
}

/* Set by pmm_init(): the pools hold the regions and can allocate. */
static bool pmm_ready;

/* A region the pool cannot take goes to the page allocator, not to waste. */
static void __init pmm_region_give_up(struct pmm_type *type,
				      struct pmm_region *region)
{
	unsigned long pfn = PHYS_PFN(region->base);
	unsigned long end = PHYS_PFN(region->base + region->size);

	pr_err("%s: no memory to set up the region at %pa: giving it to the page allocator\n",
	       type->name, &region->base);
	for (; pfn < end; pfn++)
		free_reserved_page(pfn_to_page(pfn));
	region->size = 0;
}

/* Give the reserved regions to their pools, now that slab works. */
static int __init pmm_init(void)
{
	struct pmm_preload pre = {};
	struct pmm_region *region;
	struct pmm_type *type;
	unsigned long flags;
	unsigned int i, r;

	/* As for the other caches of mm/: nothing works without it. */
	pmm_extent_cachep = KMEM_CACHE(pmm_extent, SLAB_PANIC);

	for (i = 0; i < pmm_types_count; i++) {
		type = &pmm_types[i];
		for (r = 0; r < type->nr_regions; r++) {
			region = &type->regions[r];
			if (pmm_preload_fill(&pre, GFP_KERNEL) ||
			    pmm_clear_region_init(type, region)) {
				pmm_region_give_up(type, region);
				continue;
			}
			region->res = (struct resource) {
				.name = type->iomem_name,
				.start = region->base,
				.end = region->base + region->size - 1,
				.flags = IORESOURCE_MEM | IORESOURCE_BUSY,
			};
			/* Inside its "System RAM"; only a message if that fails. */
			if (insert_resource(&iomem_resource, &region->res))
				pr_warn("%s: region at %pa not in /proc/iomem\n",
					type->name, &region->base);
			pmm_pages_set_offline(PHYS_PFN(region->base),
					      region->size >> PAGE_SHIFT, true);
			flags = pmm_type_lock(type);
			pmm_pool_add_free(&type->pool, PHYS_PFN(region->base),
					  region->size >> PAGE_SHIFT, r, &pre);
			pmm_type_unlock(type, flags);
		}
	}
	pmm_preload_drain(&pre);
	/* Pairs with pmm_alloc()'s acquire: the pools are set up before. */
	smp_store_release(&pmm_ready, true);
	return 0;
}
core_initcall(pmm_init);

/**
 * pmm_nr_types() - number of memory types
 *
 * Context: any context.
 * Return: the number of memory types; ids run from 0 to this minus 1.
 */
unsigned int pmm_nr_types(void)
{
	return pmm_types_count;
}
EXPORT_SYMBOL_GPL(pmm_nr_types);

/**
 * pmm_type_by_id() - look a memory type up by id
 * @id: the id, the type's position in the pmm= parameter.
 *
 * Context: any context.
 * Return: the type, or ERR_PTR(-ENOENT) if there is no such id.
 */
struct pmm_type *pmm_type_by_id(unsigned int id)
{
	/* @id may come from user space: no speculative read past the end. */
	if (id >= pmm_types_count)
		return ERR_PTR(-ENOENT);
	return &pmm_types[array_index_nospec(id, pmm_types_count)];
}
EXPORT_SYMBOL_GPL(pmm_type_by_id);

/**
 * pmm_type_by_name() - look a memory type up by name
 * @name: the name the pmm= parameter gave the type.
 *
 * Context: any context.
 * Return: the type, or ERR_PTR(-ENOENT) if there is no such name.
 */
struct pmm_type *pmm_type_by_name(const char *name)
{
	unsigned int i;

	for (i = 0; i < pmm_types_count; i++)
		if (!strcmp(pmm_types[i].name, name))
			return &pmm_types[i];
	return ERR_PTR(-ENOENT);
}
EXPORT_SYMBOL_GPL(pmm_type_by_name);

/**
 * pmm_type_id() - a memory type's id
 * @type: the type.
 *
 * Context: any context.
 * Return: the id; bit @id of a type mask selects the type.
 */
unsigned int pmm_type_id(const struct pmm_type *type)
{
	return type->id;
}
EXPORT_SYMBOL_GPL(pmm_type_id);

/**
 * pmm_type_name() - a memory type's name
 * @type: the type.
 *
 * Context: any context.
 * Return: the name, valid for as long as the kernel runs.
 */
const char *pmm_type_name(const struct pmm_type *type)
{
	return type->name;
}
EXPORT_SYMBOL_GPL(pmm_type_name);

/**
 * pmm_type_stats() - take a consistent snapshot of a type's statistics
 * @type: the type.
 * @stats: where to store them.
 *
 * Context: any context; takes the type's lock.
 */
void pmm_type_stats(struct pmm_type *type, struct pmm_type_stats *stats)
{
	unsigned long flags;

	flags = pmm_type_lock(type);
	stats->total_pages = type->pool.total_pages;
	stats->free_pages = type->pool.free_pages;
	stats->largest_free_pages = pmm_pool_largest_free(&type->pool);
	stats->nr_blocks = type->pool.nr_blocks;
	stats->nr_free_extents = type->pool.nr_free_extents;
	stats->alloc_success = type->alloc_success;
	stats->alloc_fail = type->alloc_fail;
	stats->free_success = type->free_success;
	stats->poisoned_pages = type->poisoned_pages;
	stats->pinned_pages = type->pinned_pages;
	stats->dirty_pages = type->clear.dirty_pages;
	pmm_type_unlock(type, flags);
	stats->cleared_background_pages =
		atomic_long_read(&type->clear.background_pages);
	stats->cleared_on_alloc_pages =
		atomic_long_read(&type->clear.on_alloc_pages);
}

/**
 * pmm_hist_add() - count a duration in a histogram
 * @hist: the histogram.
 * @ns: the duration in nanoseconds.
 *
 * Context: any context.
 */
void pmm_hist_add(struct pmm_hist *hist, u64 ns)
{
	unsigned int bucket = ns ? min(fls64(ns) - 1, PMM_HIST_BUCKETS - 1) : 0;
	s64 max = atomic64_read(&hist->max_ns);

	atomic_long_inc(&hist->count[bucket]);
	while ((u64)max < ns &&
	       !atomic64_try_cmpxchg(&hist->max_ns, &max, ns))
		;
}

/**
 * pmm_hist_reset() - empty a histogram
 * @hist: the histogram.
 *
 * Context: any context.
 */
void pmm_hist_reset(struct pmm_hist *hist)
{
	unsigned int i;

	for (i = 0; i < PMM_HIST_BUCKETS; i++)
		atomic_long_set(&hist->count[i], 0);
	atomic64_set(&hist->max_ns, 0);
}

/**
 * pmm_policy_by_name() - look a placement policy up by name
 * @name: "best_fit" or "first_fit"; a trailing newline is ignored.
 *
 * Return: the policy, or NULL if there is none of that name.
 */
const struct pmm_policy *pmm_policy_by_name(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pmm_policies); i++)
		if (sysfs_streq(name, pmm_policies[i]->name))
			return pmm_policies[i];
	return NULL;
}

/**
 * pmm_type_policy_name() - the name of a type's placement policy
 * @type: the type.
 *
 * Return: the policy's name.
 */
const char *pmm_type_policy_name(struct pmm_type *type)
{
	return type->pool.policy->name;
}

/**
 * pmm_type_set_policy() - choose a type's placement policy
 * @type: the type, which has no free space yet.
 * @policy: the policy.
 *
 * The policy is chosen once, at boot, before the type has free space: a
 * change later would re-index every free extent with the type's lock held
 * and interrupts off, O(n log n) in the number of free extents.
 *
 * Context: early boot, before pmm_init().
 */
void __init pmm_type_set_policy(struct pmm_type *type,
				const struct pmm_policy *policy)
{
	if (WARN_ON(type->pool.nr_free_extents))
		return;
	type->pool.policy = policy;
}

static bool pmm_recheck_pinned(unsigned long mask);

/*
 * The range comes with its dirty pages, noted in @ticket to be cleared;
 * without @zero they are only taken, and the block keeps what they hold.
 */
static struct pmm_extent *pmm_type_alloc(struct pmm_type *type,
					 unsigned long nr_pages,
					 unsigned int align_order,
					 struct pmm_preload *pre,
					 struct pmm_clear_ticket *ticket,
					 bool zero)
{
	struct pmm_extent *ext;
	unsigned long flags;

	flags = pmm_type_lock(type);
	ext = pmm_pool_alloc(&type->pool, nr_pages, align_order, pre);
	if (ext) {
		type->alloc_success++;
		pmm_clear_take(type, ext, ticket);
		if (!zero) {
			ticket->nr_runs = 0;
			ticket->nr_pages = 0;
		}
	} else {
		type->alloc_fail++;
	}
	pmm_type_unlock(type, flags);
	return ext;
}

/**
 * pmm_alloc() - allocate a physically contiguous block
 * @type_mask: the acceptable memory types, bit i for the type of id i; 0
 *	for every type. They are tried in id order, the order in which they
 *	were declared.
 * @size: the size in bytes, rounded up to a multiple of PAGE_SIZE.
 * @align: the alignment of the block's physical address in bytes: 0 for
 *	PAGE_SIZE, else a power of two from PAGE_SIZE up to
 *	PAGE_SIZE << %PMM_MAX_ALIGN_ORDER.
 * @flags: %PMM_ALLOC_ZERO to zero the block. Without it the block holds
 *	what its previous owner left, unless init_on_alloc is on: then every
 *	block is zeroed, as every page from the page allocator is. Free
 *	space is cleared in the background, so that zeroes normally cost
 *	the allocation nothing.
 *
 * This is where every allocation request is checked, from the kernel and,
 * through /dev/pmm and the dma-buf heaps, from user space: @size and
 * @align are u64 so that the 64-bit fields of a request reach it unchanged
 * on every architecture.
 *
 * The block comes from the smallest free extent of the first acceptable
 * type that can hold it (with the default best fit policy).
 *
 * Context: process context; may sleep.
 * Return: the block, holding one reference, or an ERR_PTR(): %-EPROBE_DEFER
 * before PMM has set up its types (early in boot); %-EINVAL for
 * unknown @flags, a @size of 0 or one that rounded up to pages does not fit
 * in a size_t, or an @align that is not 0 or a power of two in range;
 * %-ENOENT when @type_mask names a type that does not exist, or no type
 * exists; %-ENOMEM when no acceptable type has room (or memory for the
 * block's bookkeeping ran out); %-EINTR when a fatal signal arrived while
 * the block was being zeroed (nothing is allocated then).
 */
struct pmm_block *pmm_alloc(u32 type_mask, u64 size, u64 align,
			    unsigned int flags)
{
	bool zero = (flags & PMM_ALLOC_ZERO) || want_init_on_alloc(GFP_KERNEL);
	unsigned long mask, nr_pages, id;
	struct pmm_clear_ticket ticket;
	struct pmm_extent *ext = NULL;
	struct pmm_preload pre = {};
	unsigned int align_order = 0;
	struct pmm_block *block;
	u64 start_ns;
	int ret;

	might_sleep();
	trace_pmm_alloc_start(type_mask, size, align, flags);
	start_ns = local_clock();

	if (flags & ~PMM_ALLOC_VALID_FLAGS)
		return ERR_PTR(-EINVAL);
	if (!size || size > SIZE_MAX - PAGE_SIZE + 1)
		return ERR_PTR(-EINVAL);
	nr_pages = PAGE_ALIGN(size) >> PAGE_SHIFT;
	if (align) {
		/* The range first: is_power_of_2() takes an unsigned long. */
		if (align < PAGE_SIZE ||
		    align > PAGE_SIZE << PMM_MAX_ALIGN_ORDER ||
		    !is_power_of_2(align))
			return ERR_PTR(-EINVAL);
		align_order = ilog2(align) - PAGE_SHIFT;
	}
	/* A driver probing this early tries again later. */
	if (!smp_load_acquire(&pmm_ready))
		return ERR_PTR(-EPROBE_DEFER);
	if (!pmm_types_count)
		return ERR_PTR(-ENOENT);
	mask = GENMASK(pmm_types_count - 1, 0);
	if (type_mask & ~mask)
		return ERR_PTR(-ENOENT);
	if (type_mask)
		mask = type_mask;

	block = kmalloc(sizeof(*block), GFP_KERNEL);
	if (!block)
		return ERR_PTR(-ENOMEM);
	if (pmm_preload_fill(&pre, GFP_KERNEL))
		goto fail;

	for_each_set_bit(id, &mask, pmm_types_count) {
		ext = pmm_type_alloc(&pmm_types[id], nr_pages, align_order,
				     &pre, &ticket, zero);
		if (ext)
			break;
	}
	/* Blocks that waited for page references may be free by now. */
	if (!ext && pmm_recheck_pinned(mask)) {
		for_each_set_bit(id, &mask, pmm_types_count) {
			ext = pmm_type_alloc(&pmm_types[id], nr_pages,
					     align_order, &pre, &ticket, zero);
			if (ext)
				break;
		}
	}
	pmm_preload_drain(&pre);
	if (!ext)
		goto fail;

	pmm_pages_set_offline(ext->start, ext->nr_pages, false);
	kref_init(&block->ref);
	block->type = &pmm_types[id];
	block->extent = ext;
	block->file = NULL;
	block->user_mapped = false;
	INIT_LIST_HEAD(&block->pinned_node);
	/* Even without zeroes: the worker may still write to the range. */
	ret = pmm_clear_block(block->type, &ticket);
	if (ret) {
		trace_pmm_alloc_finish(block->type->name, 0, nr_pages,
				       align_order, 0,
				       local_clock() - start_ns, ret);
		pmm_block_put(block);
		return ERR_PTR(ret);
	}
	start_ns = local_clock() - start_ns;
	pmm_hist_add(&block->type->alloc_hist, start_ns);
	trace_pmm_alloc_finish(block->type->name, ext->start, nr_pages,
			       align_order, ticket.nr_pages, start_ns, 0);
	return block;

fail:
	pmm_preload_drain(&pre);
	kfree(block);
	trace_pmm_alloc_finish("", 0, nr_pages, align_order, 0,
			       local_clock() - start_ns, -ENOMEM);
	return ERR_PTR(-ENOMEM);
}
EXPORT_SYMBOL_GPL(pmm_alloc);

/**
 * pmm_block_get() - take a reference to a block
 * @block: the block; the caller already holds a reference.
 *
 * Context: any context.
 * Return: @block.
 */
struct pmm_block *pmm_block_get(struct pmm_block *block)
{
	kref_get(&block->ref);
	return block;
}
EXPORT_SYMBOL_GPL(pmm_block_get);

/**
 * struct pmm_poison - a poisoned page inside an allocated block
 * @pfn: the page.
 * @pre: the nodes that taking the page out of the free space needs,
 *	allocated when the poison was found: the block may be freed where
 *	nothing can be allocated.
 * @node: entry in &pmm_type.poison_pending.
 */
struct pmm_poison {
	unsigned long pfn;
	struct pmm_preload pre;
	struct list_head node;
};

/* The pages of @ext poisoned while it was a block: out of the free space. */
static void pmm_take_out_poison(struct pmm_type *type, struct pmm_extent *ext,
				struct list_head *done)
{
	struct pmm_poison *poison, *next;
	struct pmm_extent *claimed;

	lockdep_assert_held(&type->lock);
	list_for_each_entry_safe(poison, next, &type->poison_pending, node) {
		if (poison->pfn < ext->start ||
		    poison->pfn >= ext->start + ext->nr_pages)
			continue;
		claimed = pmm_pool_claim(&type->pool, poison->pfn, 1,
					 &poison->pre);
		if (claimed) {
			pmm_clear_take(type, claimed, NULL);
			type->poisoned_pages++;
		}
		list_move(&poison->node, done);
	}
}

/* The range goes back to the free space at once, never later. */
static void pmm_block_free(struct pmm_block *block)
{
	struct pmm_type *type = block->type;
	struct pmm_extent *ext = block->extent;
	struct pmm_poison *poison, *next;
	LIST_HEAD(done);
	unsigned long flags;

	pmm_pages_set_offline(ext->start, ext->nr_pages, true);
	flags = pmm_type_lock(type);
	/* Before the free: the extent merges with its neighbours there. */
	{
		struct pmm_extent range = *ext;

		pmm_pool_free(&type->pool, ext);
		pmm_clear_mark_dirty(type, &range);
		pmm_take_out_poison(type, &range, &done);
		trace_pmm_free(type->name, range.start, range.nr_pages);
	}
	type->free_success++;
	pmm_type_unlock(type, flags);
	pmm_clear_kick(type);
	list_for_each_entry_safe(poison, next, &done, node) {
		pmm_preload_drain(&poison->pre);
		kfree(poison);
	}
	if (block->file)
		fput(block->file);
	kfree(block);
}

/*
 * Whether no page of a block mapped into user space is referenced any more
 * but by PMM (each holds one reference of its own, from boot). What
 * get_user_pages() took (O_DIRECT, io_uring, a vmsplice() into a pipe) may
 * outlive every mapping; until it is gone, the range must not be reused or
 * it would reach the next owner's data. The pages also leave the block's
 * address space, whatever the answer.
 */
static bool pmm_block_pages_idle(struct pmm_block *block)
{
	struct page *page = pmm_block_page(block);
	unsigned long i, n = block->extent->nr_pages;
	bool idle = true;

	for (i = 0; i < n; i++) {
		struct page *p = nth_page(page, i);

		if (page_ref_count(p) != 1)
			idle = false;
		WRITE_ONCE(p->mapping, NULL);
		p->index = 0;
		ClearPageDirty(p);
	}
	return idle;
}

static void pmm_pinned_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(pmm_pinned_work, pmm_pinned_fn);
/* Grows while nothing comes back, from 100 ms to 10 s. */
static unsigned long pmm_pinned_delay = HZ / 10;

static void pmm_block_park(struct pmm_block *block)
{
	struct pmm_type *type = block->type;
	unsigned long flags;

	flags = pmm_type_lock(type);
	list_add_tail(&block->pinned_node, &type->pinned);
	type->pinned_pages += block->extent->nr_pages;
	pmm_type_unlock(type, flags);
	WRITE_ONCE(pmm_pinned_delay, HZ / 10);
	mod_delayed_work(system_wq, &pmm_pinned_work, HZ / 10);
}

/*
 * Free the waiting blocks of the types in @mask whose pages are idle now.
 * The pages are looked at without the type lock: interrupts stay on.
 */
static bool pmm_recheck_pinned(unsigned long mask)
{
	struct pmm_block *block, *next;
	struct pmm_type *type;
	unsigned long flags, id;
	bool freed = false;
	LIST_HEAD(check);

	for_each_set_bit(id, &mask, pmm_types_count) {
		type = &pmm_types[id];
		flags = pmm_type_lock(type);
		list_splice_init(&type->pinned, &check);
		pmm_type_unlock(type, flags);

		list_for_each_entry_safe(block, next, &check, pinned_node) {
			if (!pmm_block_pages_idle(block))
				continue;
			list_del(&block->pinned_node);
			flags = pmm_type_lock(type);
			type->pinned_pages -= block->extent->nr_pages;
			pmm_type_unlock(type, flags);
			pmm_block_free(block);
			freed = true;
		}

		flags = pmm_type_lock(type);
		list_splice_init(&check, &type->pinned);
		pmm_type_unlock(type, flags);
	}
	return freed;
}

static void pmm_pinned_fn(struct work_struct *work)
{
	unsigned long delay = READ_ONCE(pmm_pinned_delay);
	bool waiting = false;
	unsigned int i;

	if (!pmm_recheck_pinned(GENMASK(PMM_MAX_TYPES - 1, 0)))
		delay = min(2 * delay, 10UL * HZ);
	for (i = 0; i < pmm_types_count; i++)
		waiting |= READ_ONCE(pmm_types[i].pinned_pages) != 0;
	if (waiting) {
		WRITE_ONCE(pmm_pinned_delay, delay);
		schedule_delayed_work(&pmm_pinned_work, delay);
	}
}

static void pmm_block_release(struct kref *ref)
{
	struct pmm_block *block = container_of(ref, struct pmm_block, ref);
	bool park;

	/*
	 * Looking at every page of a block is for a caller that can afford
	 * it; one in interrupt context leaves it to the work item.
	 */
	park = READ_ONCE(block->user_mapped) &&
	       (!in_task() || irqs_disabled() || !pmm_block_pages_idle(block));

	trace_pmm_release(block->type->name, block->extent->start,
			  block->extent->nr_pages, park);
	if (park)
		return pmm_block_park(block);
	pmm_block_free(block);
}

/**
 * pmm_block_put() - drop a reference to a block
 * @block: the block.
 *
 * The last put gives the block's range back to its memory type.
 *
 * Context: any context; does not sleep.
 */
void pmm_block_put(struct pmm_block *block)
{
	kref_put(&block->ref, pmm_block_release);
}
EXPORT_SYMBOL_GPL(pmm_block_put);

/**
 * pmm_block_size() - a block's size
 * @block: the block.
 *
 * Context: any context.
 * Return: the size in bytes, a multiple of PAGE_SIZE.
 */
size_t pmm_block_size(const struct pmm_block *block)
{
	return block->extent->nr_pages << PAGE_SHIFT;
}
EXPORT_SYMBOL_GPL(pmm_block_size);

/**
 * pmm_block_type() - the memory type a block came from
 * @block: the block.
 *
 * Context: any context.
 * Return: the type.
 */
struct pmm_type *pmm_block_type(const struct pmm_block *block)
{
	return block->type;
}
EXPORT_SYMBOL_GPL(pmm_block_type);

/**
 * pmm_block_page() - a block's first page
 * @block: the block.
 *
 * The block's pages are physically contiguous; walk them by page frame
 * number (nth_page()), not by pointer arithmetic.
 *
 * Context: any context.
 * Return: the page.
 */
struct page *pmm_block_page(const struct pmm_block *block)
{
	return pfn_to_page(block->extent->start);
}
EXPORT_SYMBOL_GPL(pmm_block_page);

/**
 * pmm_block_phys() - a block's physical address, for kernel users
 * @block: the block.
 *
 * Context: any context.
 * Return: the physical address of the block's first byte.
 */
phys_addr_t pmm_block_phys(const struct pmm_block *block)
{
	return PFN_PHYS(block->extent->start);
}
EXPORT_SYMBOL_GPL(pmm_block_phys);

/* The type and region a page frame of the reserve belongs to, if any. */
static struct pmm_type *pmm_type_of_pfn(unsigned long pfn)
{
	phys_addr_t addr = PFN_PHYS(pfn);
	struct pmm_region *region;
	unsigned int i, r;

	for (i = 0; i < pmm_types_count; i++)
		for (r = 0; r < pmm_types[i].nr_regions; r++) {
			region = &pmm_types[i].regions[r];
			if (addr >= region->base &&
			    addr - region->base < region->size)
				return &pmm_types[i];
		}
	return NULL;
}

/**
 * pmm_memory_failure() - take a poisoned page of the reserve out of use
 * @pfn: the page memory_failure() found poisoned; PageHWPoison() is set.
 *
 * A free page leaves the free space at once, so that no allocation (and no
 * zeroing) touches it. A page of a block stays with the block, whose users
 * learn of it as users of any page do (a user mapping faults with SIGBUS),
 * and leaves the free space when the block is freed. Either way it is never
 * handed out again, and counts in the type's poisoned_bytes.
 *
 * Context: process context, from memory_failure(); may sleep.
 * Return: true if @pfn belongs to the reserve: memory_failure() then leaves
 * it to PMM.
 */
bool pmm_memory_failure(unsigned long pfn)
{
	struct pmm_type *type = pmm_type_of_pfn(pfn);
	struct pmm_poison *poison;
	struct pmm_extent *ext;
	unsigned long flags;

	if (!type)
		return false;
	poison = kzalloc(sizeof(*poison), GFP_KERNEL);
	if (!poison || pmm_preload_fill(&poison->pre, GFP_KERNEL)) {
		pr_err("%s: no memory to take poisoned page %#lx out of use\n",
		       type->name, pfn);
		if (poison)
			pmm_preload_drain(&poison->pre);
		kfree(poison);
		return true;
	}
	poison->pfn = pfn;

	flags = pmm_type_lock(type);
	ext = pmm_pool_claim(&type->pool, pfn, 1, &poison->pre);
	if (ext) {
		pmm_clear_take(type, ext, NULL);
		type->poisoned_pages++;
	} else {
		list_add(&poison->node, &type->poison_pending);
	}
	pmm_type_unlock(type, flags);

	pr_warn("%s: page %#lx poisoned: %s\n", type->name, pfn,
		ext ? "out of the free space" :
		      "in a block, out of use once the block is freed");
	if (ext) {
		pmm_preload_drain(&poison->pre);
		kfree(poison);
	}
	return true;
}
