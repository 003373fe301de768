// SPDX-License-Identifier: GPL-2.0
/*
 * PMM: clearing free space in the background.
 */

/**
 * DOC: Clearing in the background
 *
 * A block that user space gets must hold zeroes, and clearing 32 MiB takes
 * longer than PMM's allocator by three orders of magnitude. So freed pages
 * are cleared after the free, by a low-priority worker, and an allocation
 * clears only what the worker has not reached yet.
 *
 * Every page of a region has a bit in the region's dirty bitmap, set when
 * the page is freed and cleared under the type lock when the page is
 * cleared or leaves the free space. A set bit is always a free page: an
 * allocation takes the bits of its range with the range, and then clears
 * those pages outside the lock. The allocator itself never sees the
 * bitmap: its extents coalesce and split as before, each operation stays
 * O(log n), and an allocation pays O(size / BITS_PER_LONG pages) word
 * reads for the bitmap, against O(size) for the memset it saves.
 *
 * The free is never deferred: a freed range is back in the free space at
 * once, merged with its neighbours, and dirty. The reserve starts dirty,
 * as it is after a resume from hibernation, and the worker clears it then.
 */

#define pr_fmt(fmt) "pmm: " fmt

#include <linux/bitmap.h>
#include <linux/dma-map-ops.h>
#include <linux/highmem.h>
#include <linux/init.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/suspend.h>
#include <linux/workqueue.h>

#include <trace/events/pmm.h>

#include "pmm.h"

/* Pages the worker clears in one run, with preemption off: 64 KiB. */
#define PMM_CLEAR_CHUNK_PAGES	16UL
/* Pages the worker clears before it yields to other work: 4 MiB. */
#define PMM_CLEAR_BATCH_PAGES	1024UL

static struct workqueue_struct *pmm_clear_wq;

static void pmm_clear_work_fn(struct work_struct *work);

/**
 * pmm_clear_type_init() - set up the clearing of a new type
 * @type: the type.
 *
 * Context: early boot, from pmm_type_declare().
 */
void __init pmm_clear_type_init(struct pmm_type *type)
{
	INIT_WORK(&type->clear.work, pmm_clear_work_fn);
	type->clear.enabled = true;
}

/**
 * pmm_clear_region_init() - set up the dirty bitmap of a new region
 * @type: the region's type.
 * @region: the region, not yet in the type's free space.
 *
 * The reserve starts dirty: what was in memory before the kernel owned it
 * must reach no block. The worker clears it once after boot.
 *
 * Context: process context, before the region joins the free space.
 * Return: 0, or -ENOMEM.
 */
int pmm_clear_region_init(struct pmm_type *type, struct pmm_region *region)
{
	unsigned long nr_pages = region->size >> PAGE_SHIFT;

	region->dirty = bitmap_zalloc(nr_pages, GFP_KERNEL);
	if (!region->dirty)
		return -ENOMEM;
	bitmap_fill(region->dirty, nr_pages);
	type->clear.dirty_pages += nr_pages;
	return 0;
}

static unsigned long *pmm_clear_map(struct pmm_type *type,
				    const struct pmm_extent *ext,
				    unsigned long *first)
{
	struct pmm_region *region = &type->regions[ext->region];

	*first = ext->start - PHYS_PFN(region->base);
	return region->dirty;
}

/**
 * pmm_clear_mark_dirty() - a range has come back to the free space
 * @type: its type.
 * @range: the range, as it was as a block.
 *
 * Context: the type lock held.
 */
void pmm_clear_mark_dirty(struct pmm_type *type,
			  const struct pmm_extent *range)
{
	unsigned long first, *map = pmm_clear_map(type, range, &first);

	lockdep_assert_held(&type->lock);
	/* A block's bits are clear: each of its pages becomes dirty. */
	bitmap_set(map, first, range->nr_pages);
	type->clear.dirty_pages += range->nr_pages;
}

/**
 * pmm_clear_take() - take the dirty pages of a range leaving the free space
 * @type: its type.
 * @ext: the range, just allocated or claimed.
 * @ticket: where to note the runs of dirty pages for pmm_clear_block(), or
 *	NULL if the pages need no clearing (a poisoned page, a block whose
 *	owner did not ask for zeroes).
 *
 * Past %PMM_CLEAR_MAX_RUNS runs, the last run noted stretches to the end
 * of the last dirty page: clearing a clean page again costs time, never
 * correctness.
 *
 * Context: the type lock held.
 */
void pmm_clear_take(struct pmm_type *type, const struct pmm_extent *ext,
		    struct pmm_clear_ticket *ticket)
{
	unsigned long first, *map = pmm_clear_map(type, ext, &first);
	unsigned long end = first + ext->nr_pages, start, stop;
	struct pmm_clear *clear = &type->clear;
	struct pmm_clear_run *run;

	lockdep_assert_held(&type->lock);
	if (ticket) {
		ticket->nr_runs = 0;
		ticket->nr_pages = 0;
		/* What the worker clears now, it may still write to. */
		ticket->wait = clear->busy_end > ext->start &&
			       clear->busy_start < ext->start + ext->nr_pages;
		ticket->seq = clear->seq;
	}
	for (start = find_next_bit(map, end, first); start < end;
	     start = find_next_bit(map, end, stop)) {
		stop = find_next_zero_bit(map, end, start);
		bitmap_clear(map, start, stop - start);
		clear->dirty_pages -= stop - start;
		if (!ticket)
			continue;
		ticket->nr_pages += stop - start;
		if (ticket->nr_runs == PMM_CLEAR_MAX_RUNS) {
			run = &ticket->run[PMM_CLEAR_MAX_RUNS - 1];
			run->nr_pages = ext->start - first + stop - run->start;
			continue;
		}
		run = &ticket->run[ticket->nr_runs++];
		run->start = ext->start - first + start;
		run->nr_pages = stop - start;
	}
}

/*
 * Clear pages where every device will see the zeroes: through the CPU
 * cache, then out to memory for devices that do not snoop it, before any
 * of them can map the pages. A device mapping made later for
 * DMA_FROM_DEVICE only invalidates the cache on some architectures (ARMv7),
 * which would drop zeroes still in it and leave the previous owner's data
 * under what the device does not write.
 */
static void pmm_clear_pages(unsigned long pfn, unsigned long nr_pages)
{
	unsigned long i;

	for (i = 0; i < nr_pages; i++)
		clear_highpage(pfn_to_page(pfn + i));
#ifdef CONFIG_ARCH_HAS_SYNC_DMA_FOR_DEVICE
	arch_sync_dma_for_device(PFN_PHYS(pfn), PFN_PHYS(nr_pages),
				 DMA_TO_DEVICE);
#endif
}

/**
 * pmm_clear_block() - clear what an allocation took dirty
 * @type: the block's type.
 * @ticket: what pmm_clear_take() noted.
 *
 * First waits for the worker if it was clearing a part of the block: it
 * clears at most %PMM_CLEAR_CHUNK_PAGES pages, with preemption off, so the
 * wait is as short as that. A fatal signal ends the work: the caller is
 * dying, and clearing 32 MiB should not delay that. Its block then goes
 * back to the free space, dirty as a whole.
 *
 * Context: process context; may sleep.
 * Return: 0, or -EINTR if a fatal signal arrived.
 */
int pmm_clear_block(struct pmm_type *type, struct pmm_clear_ticket *ticket)
{
	struct pmm_clear *clear = &type->clear;
	unsigned long pfn, end, n;
	unsigned int r;

	/* Pairs with the worker's release: its zeroes come first. */
	while (ticket->wait && smp_load_acquire(&clear->seq) == ticket->seq)
		cpu_relax();

	for (r = 0; r < ticket->nr_runs; r++) {
		pfn = ticket->run[r].start;
		end = pfn + ticket->run[r].nr_pages;
		for (; pfn < end; pfn += n) {
			if (fatal_signal_pending(current))
				return -EINTR;
			n = min(end - pfn, PMM_CLEAR_CHUNK_PAGES);
			pmm_clear_pages(pfn, n);
			atomic_long_add(n, &clear->on_alloc_pages);
			cond_resched();
		}
	}
	return 0;
}

/*
 * The next run of dirty pages from the worker's cursor on, its bits taken;
 * false when the type has none.
 */
static bool pmm_clear_next_run(struct pmm_type *type, unsigned long *pfn,
			       unsigned long *nr_pages)
{
	struct pmm_clear *clear = &type->clear;
	unsigned int r, tries;

	lockdep_assert_held(&type->lock);
	if (!clear->dirty_pages)
		return false;
	r = clear->cursor_region;
	for (tries = 0; tries <= type->nr_regions; tries++) {
		struct pmm_region *region = &type->regions[r];
		unsigned long n = region->size >> PAGE_SHIFT, start, stop;

		start = region->dirty ?
			find_next_bit(region->dirty, n, clear->cursor) : n;
		if (start < n) {
			stop = find_next_zero_bit(region->dirty,
						  min(n, start +
							 PMM_CLEAR_CHUNK_PAGES),
						  start);
			bitmap_clear(region->dirty, start, stop - start);
			clear->dirty_pages -= stop - start;
			clear->cursor_region = r;
			clear->cursor = stop;
			*pfn = PHYS_PFN(region->base) + start;
			*nr_pages = stop - start;
			return true;
		}
		r = (r + 1) % type->nr_regions;
		clear->cursor = 0;
	}
	/* dirty_pages says there are some: only a bug gets here. */
	WARN_ON_ONCE(1);
	return false;
}

static void pmm_clear_work_fn(struct work_struct *work)
{
	struct pmm_type *type = container_of(work, struct pmm_type,
					     clear.work);
	struct pmm_clear *clear = &type->clear;
	unsigned long done = 0, pfn, nr_pages, flags;

	while (done < PMM_CLEAR_BATCH_PAGES) {
		flags = pmm_type_lock(type);
		if (!READ_ONCE(clear->enabled) ||
		    !pmm_clear_next_run(type, &pfn, &nr_pages)) {
			pmm_type_unlock(type, flags);
			return;
		}
		clear->busy_start = pfn;
		clear->busy_end = pfn + nr_pages;
		/*
		 * An allocation that takes these pages now waits for them:
		 * keep that wait short.
		 */
		preempt_disable();
		pmm_type_unlock(type, flags);

		pmm_clear_pages(pfn, nr_pages);

		flags = pmm_type_lock(type);
		clear->busy_start = 0;
		clear->busy_end = 0;
		/* Pairs with pmm_clear_block()'s acquire. */
		smp_store_release(&clear->seq, clear->seq + 1);
		pmm_type_unlock(type, flags);
		preempt_enable();

		atomic_long_add(nr_pages, &clear->background_pages);
		trace_pmm_clear(type->name, pfn, nr_pages);
		done += nr_pages;
		cond_resched();
	}
	/* More to do: behind whatever else waits for this CPU. */
	queue_work(pmm_clear_wq, work);
}

/**
 * pmm_clear_kick() - let the worker clear what was freed
 * @type: the type.
 *
 * Context: any context.
 */
void pmm_clear_kick(struct pmm_type *type)
{
	/* Before pmm_clear_init(), boot's dirty pages wait for it. */
	if (READ_ONCE(type->clear.enabled) && READ_ONCE(pmm_clear_wq))
		queue_work(pmm_clear_wq, &type->clear.work);
}

/**
 * pmm_clear_set_enabled() - turn background clearing on or off
 * @type: the type.
 * @enabled: whether the worker clears the type's free space. Off, every
 *	allocation clears what it takes, as if there were no worker.
 *
 * Context: process context; may sleep (it waits for the worker to stop).
 */
void pmm_clear_set_enabled(struct pmm_type *type, bool enabled)
{
	WRITE_ONCE(type->clear.enabled, enabled);
	if (enabled)
		pmm_clear_kick(type);
	else
		flush_work(&type->clear.work);
}

#ifdef CONFIG_HIBERNATION
/*
 * Free space is not in a hibernation image (it is PageOffline), so after a
 * resume it holds what the kernel that loaded the image left there: dirty.
 */
static int pmm_clear_pm_notify(struct notifier_block *nb,
			       unsigned long action, void *data)
{
	struct pmm_extent *ext;
	struct pmm_type *type;
	unsigned long flags;
	unsigned int i;

	if (action != PM_POST_HIBERNATION)
		return NOTIFY_DONE;
	for (i = 0; i < pmm_nr_types(); i++) {
		type = pmm_type_by_id(i);
		flags = pmm_type_lock(type);
		for (ext = pmm_pool_first_free(&type->pool); ext;
		     ext = pmm_pool_next_free(ext)) {
			pmm_clear_take(type, ext, NULL);
			pmm_clear_mark_dirty(type, ext);
		}
		pmm_type_unlock(type, flags);
		pmm_clear_kick(type);
	}
	return NOTIFY_OK;
}

static struct notifier_block pmm_clear_pm_nb = {
	.notifier_call = pmm_clear_pm_notify,
};
#endif

/*
 * The worker runs at the lowest priority, unbound, frozen with user space
 * for suspend and hibernation. Its CPU time is the kernel's, not that of
 * the cgroup that freed the memory: the price of an allocation path free
 * of memsets.
 */
static int __init pmm_clear_init(void)
{
	struct workqueue_attrs *attrs;
	struct workqueue_struct *wq;
	unsigned int i;

	if (!pmm_nr_types())
		return 0;
	wq = alloc_workqueue("pmm_clear", WQ_UNBOUND | WQ_FREEZABLE, 0);
	attrs = alloc_workqueue_attrs();
	if (!wq || !attrs) {
		pr_err("no memory for the clearing worker: allocations clear\n");
		goto fail;
	}
	attrs->nice = MAX_NICE;
	if (apply_workqueue_attrs(wq, attrs))
		pr_warn("the clearing worker runs at normal priority\n");
	free_workqueue_attrs(attrs);
#ifdef CONFIG_HIBERNATION
	register_pm_notifier(&pmm_clear_pm_nb);
#endif
	WRITE_ONCE(pmm_clear_wq, wq);
	for (i = 0; i < pmm_nr_types(); i++)
		pmm_clear_kick(pmm_type_by_id(i));
	return 0;

fail:
	free_workqueue_attrs(attrs);
	if (wq)
		destroy_workqueue(wq);
	return -ENOMEM;
}
subsys_initcall(pmm_clear_init);
