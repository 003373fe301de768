/* SPDX-License-Identifier: GPL-2.0 */
/* PMM internals shared by mm/pmm*.c. */
#ifndef __MM_PMM_H__
#define __MM_PMM_H__

#include <linux/atomic.h>
#include <linux/ioport.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/pmm.h>
#include <linux/sched/clock.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "pmm_alloc.h"

/* Most regions one memory type may have. */
#define PMM_MAX_TYPE_REGIONS	16

/**
 * struct pmm_region - one range of memory reserved at boot for a type
 * @base: physical address of the first byte.
 * @size: length in bytes, a multiple of PAGE_SIZE.
 * @res: the range in /proc/iomem, as "PMM <type>".
 * @dirty: bit i set: page i is free and not cleared yet (mm/pmm_clear.c).
 */
struct pmm_region {
	phys_addr_t base;
	phys_addr_t size;
	struct resource res;
	unsigned long *dirty;
};

/*
 * Histograms of durations in log2 buckets: bucket 0 counts [0, 2) ns,
 * bucket i [2^i, 2^(i+1)) ns, the last one everything longer.
 */
#define PMM_HIST_BUCKETS	40

/**
 * struct pmm_hist - a histogram of durations
 * @count: the buckets.
 * @max_ns: the longest duration seen.
 *
 * Updated without a lock; a reset races with updates, and is exact only
 * when nothing happens meanwhile.
 */
struct pmm_hist {
	atomic_long_t count[PMM_HIST_BUCKETS];
	atomic64_t max_ns;
};

void pmm_hist_add(struct pmm_hist *hist, u64 ns);
void pmm_hist_reset(struct pmm_hist *hist);

/**
 * struct pmm_clear - background clearing of a type's free space
 * @work: the worker, on the pmm_clear workqueue.
 * @enabled: the worker may run; off, allocations clear what they take.
 * @busy_start: first page frame of the run the worker clears now.
 * @busy_end: the page frame after it; both 0 when the worker clears none.
 * @seq: bumped when the worker finishes a run.
 * @dirty_pages: free pages not cleared yet.
 * @cursor_region: the region the worker looks at next.
 * @cursor: the page of that region it looks from.
 * @background_pages: pages the worker cleared.
 * @on_alloc_pages: pages allocations cleared themselves.
 *
 * The type lock protects the fields from @busy_start to @cursor.
 */
struct pmm_clear {
	struct work_struct work;
	bool enabled;
	unsigned long busy_start;
	unsigned long busy_end;
	unsigned long seq;
	unsigned long dirty_pages;
	unsigned int cursor_region;
	unsigned long cursor;
	atomic_long_t background_pages;
	atomic_long_t on_alloc_pages;
};

/* Runs of dirty pages one allocation notes; more are cleared as one. */
#define PMM_CLEAR_MAX_RUNS	4

/**
 * struct pmm_clear_run - a run of dirty pages
 * @start: the first page frame.
 * @nr_pages: its length in pages.
 */
struct pmm_clear_run {
	unsigned long start;
	unsigned long nr_pages;
};

/**
 * struct pmm_clear_ticket - what an allocation has to clear
 * @nr_runs: entries of @run.
 * @run: the runs of dirty pages, by address.
 * @nr_pages: dirty pages among them.
 * @wait: the worker was clearing a part of the range.
 * @seq: &pmm_clear.seq then; the worker is done when it changes.
 */
struct pmm_clear_ticket {
	unsigned int nr_runs;
	struct pmm_clear_run run[PMM_CLEAR_MAX_RUNS];
	unsigned long nr_pages;
	bool wait;
	unsigned long seq;
};

/**
 * struct pmm_type - a memory type: named regions and their free space
 * @name: the name given on the command line.
 * @iomem_name: "PMM <name>", the name of its regions in /proc/iomem.
 * @exp_name: "pmm-<name>", the exporter name of its dma-bufs.
 * @id: index in declaration order; bit @id of a type mask selects it.
 * @lock: protects @pool and the counters and lists below it.
 * @pool: the free space of all the type's regions.
 * @alloc_success: allocations this type satisfied.
 * @alloc_fail: allocations this type was asked for and could not satisfy.
 * @free_success: blocks given back to this type.
 * @poisoned_pages: pages taken out of use for a memory failure.
 * @poison_pending: &struct pmm_poison of poisoned pages in blocks, to take
 *	out when their block is freed.
 * @pinned_pages: pages of freed blocks that wait for page references.
 * @pinned: blocks freed while some page reference to them lived on.
 * @nr_regions: number of entries of @regions.
 * @regions: the ranges reserved at boot; region i of @pool is @regions[i].
 * @clear: the clearing of its free space.
 * @locked_at: local_clock() when @lock was taken.
 * @lock_hist: how long @lock was held.
 * @alloc_hist: how long its successful allocations took.
 */
struct pmm_type {
	char name[PMM_TYPE_NAME_MAX + 1];
	char iomem_name[PMM_TYPE_NAME_MAX + 5];
	char exp_name[PMM_TYPE_NAME_MAX + 5];
	unsigned int id;
	spinlock_t lock; /* taken with interrupts off: put works anywhere */
	struct pmm_pool pool;
	unsigned long alloc_success;
	unsigned long alloc_fail;
	unsigned long free_success;
	unsigned long poisoned_pages;
	struct list_head poison_pending;
	unsigned long pinned_pages;
	struct list_head pinned;
	unsigned int nr_regions;
	struct pmm_region regions[PMM_MAX_TYPE_REGIONS];
	struct pmm_clear clear;
	u64 locked_at;
	struct pmm_hist lock_hist;
	struct pmm_hist alloc_hist;
};

/* The type lock, timed for &pmm_type.lock_hist. */
static inline unsigned long pmm_type_lock(struct pmm_type *type)
	__acquires(&type->lock)
{
	unsigned long flags;

	spin_lock_irqsave(&type->lock, flags);
	type->locked_at = local_clock();
	return flags;
}

static inline void pmm_type_unlock(struct pmm_type *type, unsigned long flags)
	__releases(&type->lock)
{
	pmm_hist_add(&type->lock_hist, local_clock() - type->locked_at);
	spin_unlock_irqrestore(&type->lock, flags);
}

/**
 * struct pmm_block - a physically contiguous block of one memory type
 * @ref: references; the range goes back to the type when the last one goes.
 * @type: the memory type the block came from.
 * @extent: the block's range of page frames, as the type's pool knows it.
 * @file: the file whose address space the block's pages belong to while
 *	they are mapped into user space, made when the block is first
 *	exported; every dma-buf and SysV segment of the block maps through
 *	it, so that futexes and reverse mapping see one object.
 * @user_mapped: a page of the block was mapped into user space: page
 *	references may outlive the block's own.
 * @pinned_node: entry in &pmm_type.pinned while the block waits.
 */
struct pmm_block {
	struct kref ref;
	struct pmm_type *type;
	struct pmm_extent *extent;
	struct file *file;
	bool user_mapped;
	struct list_head pinned_node;
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
 * @poisoned_pages: see &struct pmm_type.
 * @pinned_pages: see &struct pmm_type.
 * @dirty_pages: free pages not cleared yet.
 * @cleared_background_pages: pages the background worker cleared.
 * @cleared_on_alloc_pages: pages allocations cleared themselves.
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
	unsigned long poisoned_pages;
	unsigned long pinned_pages;
	unsigned long dirty_pages;
	unsigned long cleared_background_pages;
	unsigned long cleared_on_alloc_pages;
};

const char *pmm_check_name(const char *name);
struct pmm_type *pmm_type_declare(const char *name);
void pmm_type_add_region(struct pmm_type *type, phys_addr_t base,
			 phys_addr_t size);

void pmm_type_stats(struct pmm_type *type, struct pmm_type_stats *stats);
const struct pmm_policy *pmm_policy_by_name(const char *name);
const char *pmm_type_policy_name(struct pmm_type *type);
void pmm_type_set_policy(struct pmm_type *type,
			 const struct pmm_policy *policy);

void pmm_clear_type_init(struct pmm_type *type);
int pmm_clear_region_init(struct pmm_type *type, struct pmm_region *region);
void pmm_clear_mark_dirty(struct pmm_type *type,
			  const struct pmm_extent *range);
void pmm_clear_take(struct pmm_type *type, const struct pmm_extent *ext,
		    struct pmm_clear_ticket *ticket);
int pmm_clear_block(struct pmm_type *type, struct pmm_clear_ticket *ticket);
void pmm_clear_kick(struct pmm_type *type);
void pmm_clear_set_enabled(struct pmm_type *type, bool enabled);

#ifdef CONFIG_PMM_OF
void pmm_of_reserve(void);
#else
static inline void pmm_of_reserve(void)
{
}
#endif

struct vm_area_struct;
int pmm_block_mmap(struct pmm_block *block, struct vm_area_struct *vma);
struct dma_buf *pmm_dmabuf_get(int fd);
struct address_space *pmm_block_mapping(struct pmm_block *block);

struct file;

/**
 * struct pmm_ioctl_ctx - what a /dev/pmm ioctl handler hands back
 * @new_file: a file the handler made for user space, or NULL. pmm_ioctl()
 *	installs it as @new_fd once the result, which names @new_fd, has
 *	reached user space, and releases both if it cannot get there: no
 *	descriptor ever appears for a request that failed.
 * @new_fd: the descriptor reserved for @new_file.
 */
struct pmm_ioctl_ctx {
	struct file *new_file;
	int new_fd;
};

#ifdef CONFIG_PMM_SYSV
long pmm_ioctl_shmget(struct pmm_ioctl_ctx *ctx, void *arg);
#else
static inline long pmm_ioctl_shmget(struct pmm_ioctl_ctx *ctx, void *arg)
{
	return -ENOTTY;
}
#endif

#endif /* __MM_PMM_H__ */
