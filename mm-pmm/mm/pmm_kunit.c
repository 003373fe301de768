// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for PMM.
 *
 * The pool tests run the allocator core over made-up page frame numbers, so
 * they need no reserve and touch no memory. The block tests use the memory
 * types of the pmm= parameter and are skipped when it declared none.
 */

#include <kunit/device.h>
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/dma-mapping.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/pmm.h>
#include <linux/random.h>
#include <linux/sizes.h>
#include <linux/sort.h>

#include "pmm.h"

/* Where the made-up regions start: any page frame number will do. */
#define BASE	1000UL

struct pool_test {
	struct pmm_pool pool;
	unsigned int nr_regions;
};

static void expect_consistent(struct kunit *test, struct pmm_pool *pool)
{
	const char *err = pmm_pool_check(pool);

	KUNIT_EXPECT_NULL_MSG(test, err, "pool invariant broken: %s", err);
	KUNIT_EXPECT_LE(test, pmm_pool_largest_free(pool), pool->free_pages);
	KUNIT_EXPECT_EQ(test, !pool->free_pages, !pool->nr_free_extents);
}

static void add_region(struct kunit *test, unsigned long start,
		       unsigned long nr_pages)
{
	struct pool_test *pt = test->priv;
	struct pmm_preload pre = {};

	KUNIT_ASSERT_EQ(test, pmm_preload_fill(&pre, GFP_KERNEL), 0);
	pmm_pool_add_free(&pt->pool, start, nr_pages, pt->nr_regions++, &pre);
	pmm_preload_drain(&pre);
	expect_consistent(test, &pt->pool);
}

static struct pmm_extent *alloc(struct kunit *test, unsigned long nr_pages,
				unsigned int align_order)
{
	struct pool_test *pt = test->priv;
	struct pmm_preload pre = {};
	struct pmm_extent *ext;

	KUNIT_ASSERT_EQ(test, pmm_preload_fill(&pre, GFP_KERNEL), 0);
	ext = pmm_pool_alloc(&pt->pool, nr_pages, align_order, &pre);
	pmm_preload_drain(&pre);
	expect_consistent(test, &pt->pool);
	return ext;
}

/* Allocate and expect the block at @start. */
static struct pmm_extent *alloc_at(struct kunit *test, unsigned long nr_pages,
				   unsigned int align_order,
				   unsigned long start)
{
	struct pmm_extent *ext = alloc(test, nr_pages, align_order);

	KUNIT_ASSERT_NOT_NULL(test, ext);
	KUNIT_EXPECT_EQ(test, ext->start, start);
	KUNIT_EXPECT_EQ(test, ext->nr_pages, nr_pages);
	return ext;
}

static void release(struct kunit *test, struct pmm_extent *ext)
{
	struct pool_test *pt = test->priv;

	pmm_pool_free(&pt->pool, ext);
	expect_consistent(test, &pt->pool);
}

/* Expect exactly these free extents, as (start, nr_pages) pairs. */
static void expect_free(struct kunit *test, unsigned int n,
			const unsigned long *extents)
{
	struct pool_test *pt = test->priv;
	struct pmm_extent *ext = pmm_pool_first_free(&pt->pool);
	unsigned int i;

	for (i = 0; i < n; i++, ext = pmm_pool_next_free(ext)) {
		KUNIT_ASSERT_NOT_NULL(test, ext);
		KUNIT_EXPECT_EQ(test, ext->start, extents[2 * i]);
		KUNIT_EXPECT_EQ(test, ext->nr_pages, extents[2 * i + 1]);
	}
	KUNIT_EXPECT_NULL(test, ext);
	KUNIT_EXPECT_EQ(test, pt->pool.nr_free_extents, n);
}

#define EXPECT_FREE(test, ...) do {					\
	static const unsigned long extents[] = { __VA_ARGS__ };		\
	expect_free(test, ARRAY_SIZE(extents) / 2, extents);		\
} while (0)

static const struct pmm_policy *const policies[] = {
	&pmm_policy_best_fit,
	&pmm_policy_first_fit,
};

static void policy_desc(const struct pmm_policy *const *policy, char *desc)
{
	strscpy(desc, (*policy)->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(policy, policies, policy_desc);

static const struct pmm_policy *test_policy(struct kunit *test)
{
	return *(const struct pmm_policy *const *)test->param_value;
}

static int pool_test_init(struct kunit *test)
{
	struct pool_test *pt = kunit_kzalloc(test, sizeof(*pt), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, pt);
	pmm_pool_init(&pt->pool, test->param_value ? test_policy(test) :
			      &pmm_policy_best_fit);
	test->priv = pt;
	return 0;
}

static void pool_test_exit(struct kunit *test)
{
	struct pool_test *pt = test->priv;

	pmm_pool_destroy(&pt->pool);
}

/* |  16  |  ->  | block 16 | */
static void pmm_test_exact_fit(struct kunit *test)
{
	struct pool_test *pt = test->priv;
	struct pmm_extent *a;

	add_region(test, BASE, 16);
	a = alloc_at(test, 16, 0, BASE);
	EXPECT_FREE(test);
	KUNIT_EXPECT_EQ(test, pmm_pool_largest_free(&pt->pool), 0);
	release(test, a);
	EXPECT_FREE(test, BASE, 16);
}

/* |  16  |  ->  | a 4 | free 12 | */
static void pmm_test_split(struct kunit *test)
{
	struct pmm_extent *a;

	add_region(test, BASE, 16);
	a = alloc_at(test, 4, 0, BASE);
	EXPECT_FREE(test, BASE + 4, 12);
	release(test, a);
	EXPECT_FREE(test, BASE, 16);
}

/* | a | b | c | 4 |: free a, then b joins it on its left. */
static void pmm_test_coalesce_left(struct kunit *test)
{
	struct pmm_extent *a, *b, *c;

	add_region(test, BASE, 16);
	a = alloc_at(test, 4, 0, BASE);
	b = alloc_at(test, 4, 0, BASE + 4);
	c = alloc_at(test, 4, 0, BASE + 8);
	release(test, a);
	EXPECT_FREE(test, BASE, 4, BASE + 12, 4);
	release(test, b);
	EXPECT_FREE(test, BASE, 8, BASE + 12, 4);
	release(test, c);
	EXPECT_FREE(test, BASE, 16);
}

/* | a | b | c |: free c, then b joins it on its right. */
static void pmm_test_coalesce_right(struct kunit *test)
{
	struct pmm_extent *a, *b, *c;

	add_region(test, BASE, 12);
	a = alloc_at(test, 4, 0, BASE);
	b = alloc_at(test, 4, 0, BASE + 4);
	c = alloc_at(test, 4, 0, BASE + 8);
	release(test, c);
	EXPECT_FREE(test, BASE + 8, 4);
	release(test, b);
	EXPECT_FREE(test, BASE + 4, 8);
	release(test, a);
	EXPECT_FREE(test, BASE, 12);
}

/* | a | b | c |: free a and c, then b joins both. */
static void pmm_test_coalesce_both(struct kunit *test)
{
	struct pmm_extent *a, *b, *c;

	add_region(test, BASE, 12);
	a = alloc_at(test, 4, 0, BASE);
	b = alloc_at(test, 4, 0, BASE + 4);
	c = alloc_at(test, 4, 0, BASE + 8);
	release(test, a);
	release(test, c);
	EXPECT_FREE(test, BASE, 4, BASE + 8, 4);
	release(test, b);
	EXPECT_FREE(test, BASE, 12);
}

/*
 * A region at an odd page frame: an 8-aligned block goes to the first
 * multiple of 8 and leaves a head and a tail.
 *
 *   | 1001 .. 1007 | 1008 a 1011 | 1012 .. 1064 |
 */
static void pmm_test_alignment(struct kunit *test)
{
	struct pmm_extent *a, *b;

	add_region(test, BASE + 1, 64);
	a = alloc_at(test, 4, 3, BASE + 8);
	EXPECT_FREE(test, BASE + 1, 7, BASE + 12, 53);
	/* 16-aligned: 1008 is taken, 1024 is next. */
	b = alloc_at(test, 16, 4, BASE + 24);
	EXPECT_FREE(test, BASE + 1, 7, BASE + 12, 12, BASE + 40, 25);
	/* Nothing 64-aligned has 16 pages free. */
	KUNIT_EXPECT_NULL(test, alloc(test, 16, 6));
	release(test, a);
	release(test, b);
	EXPECT_FREE(test, BASE + 1, 64);
	/* No multiple of the largest alignment lies in the region. */
	KUNIT_EXPECT_NULL(test, alloc(test, 1, PMM_MAX_ALIGN_ORDER));
}

/*
 * | a 4 | b 4 | c 4 | d 4 | 16 |: with a and c freed, both policies pick a,
 * the lowest of two equal extents; the 16-page tail is bigger.
 */
static void pmm_test_ties_lowest(struct kunit *test)
{
	struct pmm_extent *a, *b, *c, *d;

	add_region(test, BASE, 32);
	a = alloc_at(test, 4, 0, BASE);
	b = alloc_at(test, 4, 0, BASE + 4);
	c = alloc_at(test, 4, 0, BASE + 8);
	d = alloc_at(test, 4, 0, BASE + 12);
	release(test, c);
	release(test, a);
	a = alloc_at(test, 4, 0, BASE);
	c = alloc_at(test, 4, 0, BASE + 8);
	release(test, a);
	release(test, b);
	release(test, c);
	release(test, d);
	EXPECT_FREE(test, BASE, 32);
}

/*
 * | free 8 | b 4 | free 4 | d 16 |: a 4-page request goes to the 4-page hole
 * under best fit and to the lowest hole under first fit.
 */
static void pmm_test_policies_differ(struct kunit *test)
{
	struct pmm_extent *a, *b, *c, *d, *e;
	bool best = test_policy(test) == &pmm_policy_best_fit;

	add_region(test, BASE, 32);
	a = alloc_at(test, 8, 0, BASE);
	b = alloc_at(test, 4, 0, BASE + 8);
	c = alloc_at(test, 4, 0, BASE + 12);
	d = alloc_at(test, 16, 0, BASE + 16);
	release(test, a);
	release(test, c);
	e = alloc_at(test, 4, 0, best ? BASE + 12 : BASE);
	release(test, e);
	release(test, b);
	release(test, d);
	EXPECT_FREE(test, BASE, 32);
}

static void pmm_test_exhaustion(struct kunit *test)
{
	struct pmm_extent *blocks[16];
	unsigned int i;

	add_region(test, BASE, 16);
	for (i = 0; i < 16; i++)
		blocks[i] = alloc_at(test, 1, 0, BASE + i);
	KUNIT_EXPECT_NULL(test, alloc(test, 1, 0));
	for (i = 0; i < 16; i++)
		release(test, blocks[i]);
	EXPECT_FREE(test, BASE, 16);
	blocks[0] = alloc_at(test, 16, 0, BASE);
	release(test, blocks[0]);
}

/* Free every other block: 32 holes of 4 pages, then all of it again. */
static void pmm_test_fragmentation(struct kunit *test)
{
	struct pool_test *pt = test->priv;
	struct pmm_extent *blocks[64];
	unsigned int i;

	add_region(test, BASE, 256);
	for (i = 0; i < 64; i++)
		blocks[i] = alloc_at(test, 4, 0, BASE + 4 * i);
	for (i = 0; i < 64; i += 2)
		release(test, blocks[i]);
	KUNIT_EXPECT_EQ(test, pt->pool.nr_free_extents, 32);
	KUNIT_EXPECT_EQ(test, pt->pool.free_pages, 128);
	KUNIT_EXPECT_EQ(test, pmm_pool_largest_free(&pt->pool), 4);
	KUNIT_EXPECT_NULL(test, alloc(test, 5, 0));
	for (i = 1; i < 64; i += 2)
		release(test, blocks[i]);
	EXPECT_FREE(test, BASE, 256);
	KUNIT_EXPECT_EQ(test, pmm_pool_largest_free(&pt->pool), 256);
}

/* Two regions that touch never become one extent. */
static void pmm_test_regions(struct kunit *test)
{
	struct pool_test *pt = test->priv;
	struct pmm_extent *a, *b;

	add_region(test, BASE, 8);
	add_region(test, BASE + 8, 8);
	EXPECT_FREE(test, BASE, 8, BASE + 8, 8);
	KUNIT_EXPECT_EQ(test, pt->pool.total_pages, 16);
	KUNIT_EXPECT_NULL(test, alloc(test, 9, 0));
	a = alloc_at(test, 8, 0, BASE);
	b = alloc_at(test, 8, 0, BASE + 8);
	KUNIT_EXPECT_EQ(test, a->region, 0);
	KUNIT_EXPECT_EQ(test, b->region, 1);
	release(test, a);
	release(test, b);
	EXPECT_FREE(test, BASE, 8, BASE + 8, 8);
}

/* Changing the policy re-indexes the free extents: | 8 | b | 4 | d 16 | */
static void pmm_test_set_policy(struct kunit *test)
{
	struct pool_test *pt = test->priv;
	struct pmm_extent *a, *b, *c, *d;

	add_region(test, BASE, 32);
	a = alloc_at(test, 8, 0, BASE);
	b = alloc_at(test, 4, 0, BASE + 8);
	c = alloc_at(test, 4, 0, BASE + 12);
	d = alloc_at(test, 16, 0, BASE + 16);
	release(test, a);
	release(test, c);
	pmm_pool_set_policy(&pt->pool, &pmm_policy_first_fit);
	expect_consistent(test, &pt->pool);
	a = alloc_at(test, 4, 0, BASE);
	release(test, a);
	pmm_pool_set_policy(&pt->pool, &pmm_policy_best_fit);
	expect_consistent(test, &pt->pool);
	a = alloc_at(test, 4, 0, BASE + 12);
	release(test, a);
	release(test, b);
	release(test, d);
	EXPECT_FREE(test, BASE, 32);
}

/*
 * The longest time the type lock is held with interrupts off, on a pool of
 * 100000 free extents (a badly fragmented type): one allocation or one
 * free, O(log n). A policy change would re-index every extent, O(n log n),
 * which is why the policy is chosen at boot; its time is printed too.
 */
#define IRQOFF_EXTENTS	100000
#define IRQOFF_SAMPLES	1000

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

KUNIT_DEFINE_ACTION_WRAPPER(kvfree_action, kvfree, const void *);

static void pmm_test_irqoff_bound(struct kunit *test)
{
	struct pool_test *pt = test->priv;
	u64 t, reindex, *alloc_ns, *free_ns;
	unsigned int n = 0;
	struct pmm_extent **blocks, *ext;
	struct pmm_preload pre = {};
	unsigned long flags, i;

	blocks = kvcalloc(2 * IRQOFF_EXTENTS, sizeof(*blocks), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, blocks);
	KUNIT_ASSERT_EQ(test,
			kunit_add_action_or_reset(test, kvfree_action, blocks),
			0);
	add_region(test, BASE, 2 * IRQOFF_EXTENTS);
	for (i = 0; i < 2 * IRQOFF_EXTENTS; i++) {
		KUNIT_ASSERT_EQ(test, pmm_preload_fill(&pre, GFP_KERNEL), 0);
		blocks[i] = pmm_pool_alloc(&pt->pool, 1, 0, &pre);
		KUNIT_ASSERT_NOT_NULL(test, blocks[i]);
	}
	/* Every other page free: 100000 free extents of one page. */
	for (i = 0; i < 2 * IRQOFF_EXTENTS; i += 2)
		pmm_pool_free(&pt->pool, blocks[i]);
	KUNIT_ASSERT_EQ(test, pt->pool.nr_free_extents, IRQOFF_EXTENTS);

	alloc_ns = kunit_kcalloc(test, IRQOFF_SAMPLES, sizeof(*alloc_ns),
				 GFP_KERNEL);
	free_ns = kunit_kcalloc(test, IRQOFF_SAMPLES, sizeof(*free_ns),
				GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, alloc_ns);
	KUNIT_ASSERT_NOT_NULL(test, free_ns);
	for (i = 1; n < IRQOFF_SAMPLES; i += 2 * 97, n++) {
		KUNIT_ASSERT_EQ(test, pmm_preload_fill(&pre, GFP_KERNEL), 0);
		local_irq_save(flags);
		t = ktime_get_ns();
		pmm_pool_free(&pt->pool, blocks[i]);
		free_ns[n] = ktime_get_ns() - t;
		t = ktime_get_ns();
		ext = pmm_pool_alloc(&pt->pool, 3, 0, &pre);
		alloc_ns[n] = ktime_get_ns() - t;
		local_irq_restore(flags);
		KUNIT_ASSERT_NOT_NULL(test, ext);
		blocks[i] = ext;
	}
	t = ktime_get_ns();
	pmm_pool_set_policy(&pt->pool, &pmm_policy_first_fit);
	reindex = ktime_get_ns() - t;
	expect_consistent(test, &pt->pool);
	sort(alloc_ns, n, sizeof(*alloc_ns), cmp_u64, NULL);
	sort(free_ns, n, sizeof(*free_ns), cmp_u64, NULL);
	kunit_info(test, "%d free extents, %u samples: irq-off alloc median %llu ns, max %llu ns; free median %llu ns, max %llu ns; re-indexing for a policy change %llu ns\n",
		   IRQOFF_EXTENTS, n, alloc_ns[n / 2], alloc_ns[n - 1],
		   free_ns[n / 2], free_ns[n - 1], reindex);

	for (i = 1; i < 2 * IRQOFF_EXTENTS; i += 2)
		pmm_pool_free(&pt->pool, blocks[i]);
	pmm_preload_drain(&pre);
}

/* Block tests: the memory types of the running kernel. */

/* What every type held when the suite started, by type id. */
static struct pmm_type_stats types_at_start[PMM_MAX_TYPES];

static int block_suite_init(struct kunit_suite *suite)
{
	unsigned int i;

	for (i = 0; i < pmm_nr_types(); i++)
		pmm_type_stats(pmm_type_by_id(i), &types_at_start[i]);
	return 0;
}

static void expect_type_stats(struct kunit *test, struct pmm_type *type)
{
	struct pmm_type_stats s;
	unsigned long flags;
	const char *err;

	pmm_type_stats(type, &s);
	KUNIT_EXPECT_LE(test, s.free_pages, s.total_pages);
	KUNIT_EXPECT_LE(test, s.largest_free_pages, s.free_pages);
	KUNIT_EXPECT_EQ(test, !s.free_pages, !s.nr_free_extents);

	spin_lock_irqsave(&type->lock, flags);
	err = pmm_pool_check(&type->pool);
	spin_unlock_irqrestore(&type->lock, flags);
	KUNIT_EXPECT_NULL_MSG(test, err, "%s: %s", type->name, err);
}

static void expect_all_types_stats(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < pmm_nr_types(); i++)
		expect_type_stats(test, pmm_type_by_id(i));
}

/* The most the cases hold of type 0 at once, but for the one that fills it. */
#define BLOCK_TEST_ROOM	SZ_1M

static int block_test_init(struct kunit *test)
{
	struct pmm_type_stats s;

	if (!pmm_nr_types())
		kunit_skip(test, "no memory types: boot with pmm=");
	pmm_type_stats(pmm_type_by_id(0), &s);
	if (s.largest_free_pages < BLOCK_TEST_ROOM / PAGE_SIZE)
		kunit_skip(test, "type 0 has no free extent of %d KiB",
			   BLOCK_TEST_ROOM / SZ_1K);
	return 0;
}

KUNIT_DEFINE_ACTION_WRAPPER(put_block, pmm_block_put, struct pmm_block *);

/*
 * A block the test owns: put by the test with drop_block(), or by KUnit
 * when the test ends early, so that a failed test leaves the types as it
 * found them.
 */
static struct pmm_block *test_alloc(struct kunit *test, u32 mask, u64 size,
				    u64 align, unsigned int flags)
{
	struct pmm_block *block = pmm_alloc(mask, size, align, flags);

	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(block), "pmm_alloc: %ld",
			       PTR_ERR(block));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, put_block, block),
			0);
	return block;
}

static void drop_block(struct kunit *test, struct pmm_block *block)
{
	kunit_release_action(test, put_block, block);
}

static void fill_block(struct pmm_block *block, int c)
{
	unsigned long i;

	for (i = 0; i < pmm_block_size(block) >> PAGE_SHIFT; i++)
		memset_page(nth_page(pmm_block_page(block), i), 0, c,
			    PAGE_SIZE);
}

/* Whether every byte of the block is @c; the block may be in highmem. */
static bool block_is(struct pmm_block *block, int c)
{
	unsigned long i;
	bool same;
	void *p;

	for (i = 0; i < pmm_block_size(block) >> PAGE_SHIFT; i++) {
		p = kmap_local_page(nth_page(pmm_block_page(block), i));
		same = !memchr_inv(p, c, PAGE_SIZE);
		kunmap_local(p);
		if (!same)
			return false;
	}
	return true;
}

static void pmm_test_block_errors(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, PTR_ERR(pmm_alloc(0, SZ_4K, 0, BIT(31))), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(pmm_alloc(0, 0, 0, 0)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(pmm_alloc(0, SIZE_MAX, 0, 0)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(pmm_alloc(0, U64_MAX, 0, 0)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(pmm_alloc(0, SZ_4K, 3 * PAGE_SIZE, 0)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(pmm_alloc(0, SZ_4K, PAGE_SIZE / 2, 0)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test,
			PTR_ERR(pmm_alloc(0, SZ_4K,
					  PAGE_SIZE << (PMM_MAX_ALIGN_ORDER + 1),
					  0)), -EINVAL);
	/* A power of two only once truncated to 32 bits. */
	KUNIT_EXPECT_EQ(test, PTR_ERR(pmm_alloc(0, SZ_4K, BIT_ULL(32) + PAGE_SIZE,
						0)), -EINVAL);
	if (pmm_nr_types() < 32)
		KUNIT_EXPECT_EQ(test,
				PTR_ERR(pmm_alloc(BIT(pmm_nr_types()), SZ_4K, 0, 0)),
				-ENOENT);
	KUNIT_EXPECT_EQ(test, PTR_ERR(pmm_alloc(0, SIZE_MAX / 2, 0, 0)),
			-ENOMEM);
	KUNIT_EXPECT_TRUE(test, IS_ERR(pmm_type_by_name("no_such_type")));
	KUNIT_EXPECT_TRUE(test, IS_ERR(pmm_type_by_id(pmm_nr_types())));
	KUNIT_EXPECT_TRUE(test, IS_ERR(pmm_type_by_id(UINT_MAX)));
	expect_all_types_stats(test);
}

static void pmm_test_block_get_put(struct kunit *test)
{
	struct pmm_type *type = pmm_type_by_id(0);
	struct pmm_type_stats before, during, after;
	struct pmm_block *block;

	pmm_type_stats(type, &before);
	block = test_alloc(test, BIT(0), SZ_64K + 1, SZ_64K, 0);
	KUNIT_EXPECT_EQ(test, pmm_block_size(block), SZ_64K + PAGE_SIZE);
	KUNIT_EXPECT_PTR_EQ(test, pmm_block_type(block), type);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED(pmm_block_phys(block), SZ_64K));
	KUNIT_EXPECT_EQ(test, PFN_PHYS(page_to_pfn(pmm_block_page(block))),
			pmm_block_phys(block));

	KUNIT_EXPECT_PTR_EQ(test, pmm_block_get(block), block);
	pmm_block_put(block);
	pmm_type_stats(type, &during);
	KUNIT_EXPECT_EQ(test, during.nr_blocks, before.nr_blocks + 1);
	KUNIT_EXPECT_EQ(test, during.free_pages,
			before.free_pages - (SZ_64K / PAGE_SIZE + 1));
	KUNIT_EXPECT_EQ(test, during.alloc_success, before.alloc_success + 1);

	drop_block(test, block);
	pmm_type_stats(type, &after);
	KUNIT_EXPECT_EQ(test, after.nr_blocks, before.nr_blocks);
	KUNIT_EXPECT_EQ(test, after.free_pages, before.free_pages);
	KUNIT_EXPECT_EQ(test, after.free_success, before.free_success + 1);
	expect_type_stats(test, type);
}

static void pmm_test_block_zero(struct kunit *test)
{
	struct pmm_block *block;
	phys_addr_t phys;

	block = test_alloc(test, BIT(0), SZ_16K, 0, 0);
	phys = pmm_block_phys(block);
	fill_block(block, 0xa5);
	drop_block(test, block);

	/* Best fit gives the same range back; it must come back zeroed. */
	block = test_alloc(test, BIT(0), SZ_16K, 0, PMM_ALLOC_ZERO);
	KUNIT_EXPECT_EQ(test, pmm_block_phys(block), phys);
	KUNIT_EXPECT_TRUE(test, block_is(block, 0));
}

/* With init_on_alloc, a block is zeroed even without PMM_ALLOC_ZERO. */
static void pmm_test_block_init_on_alloc(struct kunit *test)
{
	struct pmm_block *block;
	phys_addr_t phys;

	if (!want_init_on_alloc(GFP_KERNEL))
		kunit_skip(test, "init_on_alloc is off: boot with init_on_alloc=1");
	block = test_alloc(test, BIT(0), SZ_16K, 0, 0);
	phys = pmm_block_phys(block);
	fill_block(block, 0x5a);
	drop_block(test, block);

	block = test_alloc(test, BIT(0), SZ_16K, 0, 0);
	KUNIT_EXPECT_EQ(test, pmm_block_phys(block), phys);
	KUNIT_EXPECT_TRUE(test, block_is(block, 0));
}

/* Fill type 0, then a mask of types 0 and 1 falls back to type 1. */
static void pmm_test_block_mask_order(struct kunit *test)
{
	struct pmm_type *t0 = pmm_type_by_id(0), *t1;
	struct pmm_type_stats s0;
	struct pmm_block *block;
	unsigned int n = 0;

	if (pmm_nr_types() < 2)
		kunit_skip(test, "needs two memory types");
	t1 = pmm_type_by_id(1);

	block = test_alloc(test, 0, PAGE_SIZE, 0, 0);
	KUNIT_EXPECT_PTR_EQ(test, pmm_block_type(block), t0);
	drop_block(test, block);

	block = test_alloc(test, BIT(1), PAGE_SIZE, 0, 0);
	KUNIT_EXPECT_PTR_EQ(test, pmm_block_type(block), t1);
	drop_block(test, block);

	/* Each filler is put by KUnit at the end of the test, pass or fail. */
	for (pmm_type_stats(t0, &s0); s0.free_pages && n < 64;
	     pmm_type_stats(t0, &s0), n++)
		test_alloc(test, BIT(0), s0.largest_free_pages << PAGE_SHIFT, 0,
			   0);
	KUNIT_ASSERT_EQ(test, s0.free_pages, 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR(pmm_alloc(BIT(0), PAGE_SIZE, 0, 0)),
			-ENOMEM);

	block = test_alloc(test, 0, PAGE_SIZE, 0, 0);
	KUNIT_EXPECT_PTR_EQ(test, pmm_block_type(block), t1);
}

#if IS_ENABLED(CONFIG_PMM_DMA)
static void expect_dma_blocks(struct kunit *test, struct pmm_type *type,
			      const struct pmm_type_stats *before,
			      unsigned long nr_blocks, unsigned long nr_pages)
{
	struct pmm_type_stats now;

	pmm_type_stats(type, &now);
	KUNIT_EXPECT_EQ(test, now.nr_blocks, before->nr_blocks + nr_blocks);
	KUNIT_EXPECT_EQ(test, now.free_pages, before->free_pages - nr_pages);
}

/* A device bound to a type gets its DMA buffers from it, freed back. */
static void pmm_test_block_dma(struct kunit *test)
{
	struct pmm_type *type = pmm_type_by_id(0);
	const size_t size = SZ_64K;
	struct pmm_type_stats before;
	struct device *dev;
	dma_addr_t handle;
	void *cpu;

	dev = kunit_device_register(test, "pmm-dma-test");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	KUNIT_ASSERT_EQ(test, dma_coerce_mask_and_coherent(dev,
							   DMA_BIT_MASK(64)), 0);
	pmm_dma_set_type(dev, type);
	KUNIT_EXPECT_PTR_EQ(test, pmm_dma_type(dev), type);
	pmm_type_stats(type, &before);
	if (before.largest_free_pages < size >> PAGE_SHIFT)
		kunit_skip(test, "needs 64 KiB free in type 0");

	cpu = dma_alloc_coherent(dev, size, &handle, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, cpu);
	expect_dma_blocks(test, type, &before, 1, size >> PAGE_SHIFT);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED(handle, size));
	KUNIT_EXPECT_NULL(test, memchr_inv(cpu, 0, size));
	dma_free_coherent(dev, size, cpu, handle);
	expect_dma_blocks(test, type, &before, 0, 0);

	/* Without a kernel mapping the buffer is freed by another path. */
	cpu = dma_alloc_attrs(dev, size, &handle, GFP_KERNEL,
			      DMA_ATTR_NO_KERNEL_MAPPING);
	KUNIT_ASSERT_NOT_NULL(test, cpu);
	expect_dma_blocks(test, type, &before, 1, size >> PAGE_SHIFT);
	dma_free_attrs(dev, size, cpu, handle, DMA_ATTR_NO_KERNEL_MAPPING);
	expect_dma_blocks(test, type, &before, 0, 0);

	/* PMM may sleep: an atomic allocation is the page allocator's. */
	cpu = dma_alloc_coherent(dev, PAGE_SIZE, &handle, GFP_ATOMIC);
	expect_dma_blocks(test, type, &before, 0, 0);
	if (cpu)
		dma_free_coherent(dev, PAGE_SIZE, cpu, handle);

	/* Unbound, the device allocates as any other. */
	pmm_dma_set_type(dev, NULL);
	cpu = dma_alloc_coherent(dev, size, &handle, GFP_KERNEL);
	expect_dma_blocks(test, type, &before, 0, 0);
	if (cpu)
		dma_free_coherent(dev, size, cpu, handle);
}
#else
static void pmm_test_block_dma(struct kunit *test)
{
	kunit_skip(test, "CONFIG_PMM_DMA is off");
}
#endif

/* Background clearing off for the test, back on after it. */
static void clear_on(void *type)
{
	pmm_clear_set_enabled(type, true);
}

static void test_clear_off(struct kunit *test, struct pmm_type *type)
{
	pmm_clear_set_enabled(type, false);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, clear_on, type),
			0);
}

/* Let the worker clear every dirty page of @type. */
static void wait_clean(struct kunit *test, struct pmm_type *type)
{
	struct pmm_type_stats s;
	unsigned int tries;

	for (tries = 0; tries < 10000; tries++) {
		pmm_type_stats(type, &s);
		if (!s.dirty_pages)
			return;
		pmm_clear_kick(type);
		flush_work(&type->clear.work);
	}
	KUNIT_FAIL(test, "%lu pages still dirty", s.dirty_pages);
}

/* With the worker off, an allocation clears exactly what was freed. */
static void pmm_test_clear_on_alloc(struct kunit *test)
{
	struct pmm_type *type = pmm_type_by_id(0);
	struct pmm_type_stats before, freed, after;
	struct pmm_block *block;
	phys_addr_t phys;

	wait_clean(test, type);
	test_clear_off(test, type);
	block = test_alloc(test, BIT(0), SZ_256K, 0, PMM_ALLOC_ZERO);
	phys = pmm_block_phys(block);
	fill_block(block, 0xa5);
	pmm_type_stats(type, &before);
	drop_block(test, block);
	pmm_type_stats(type, &freed);
	KUNIT_EXPECT_EQ(test, freed.dirty_pages,
			before.dirty_pages + SZ_256K / PAGE_SIZE);

	block = test_alloc(test, BIT(0), SZ_256K, 0, PMM_ALLOC_ZERO);
	pmm_type_stats(type, &after);
	KUNIT_EXPECT_EQ(test, pmm_block_phys(block), phys);
	KUNIT_EXPECT_TRUE(test, block_is(block, 0));
	KUNIT_EXPECT_EQ(test, after.dirty_pages, before.dirty_pages);
	KUNIT_EXPECT_EQ(test, after.cleared_on_alloc_pages,
			before.cleared_on_alloc_pages + SZ_256K / PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, after.cleared_background_pages,
			before.cleared_background_pages);
}

/* With the worker on, a freed block is cleared before it is reused. */
static void pmm_test_clear_background(struct kunit *test)
{
	struct pmm_type *type = pmm_type_by_id(0);
	struct pmm_type_stats before, after;
	struct pmm_block *block;
	phys_addr_t phys;

	block = test_alloc(test, BIT(0), SZ_256K, 0, PMM_ALLOC_ZERO);
	phys = pmm_block_phys(block);
	fill_block(block, 0x5a);
	pmm_type_stats(type, &before);
	drop_block(test, block);
	wait_clean(test, type);

	block = test_alloc(test, BIT(0), SZ_256K, 0, PMM_ALLOC_ZERO);
	pmm_type_stats(type, &after);
	KUNIT_EXPECT_EQ(test, pmm_block_phys(block), phys);
	KUNIT_EXPECT_TRUE(test, block_is(block, 0));
	/* No memset on the allocation path. */
	KUNIT_EXPECT_EQ(test, after.cleared_on_alloc_pages,
			before.cleared_on_alloc_pages);
	KUNIT_EXPECT_GE(test, after.cleared_background_pages,
			before.cleared_background_pages + SZ_256K / PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, after.dirty_pages, 0);
}

/*
 * Allocations race the worker, which every free wakes: a zeroed block is
 * all zeroes, and a block filled by its owner keeps what the owner wrote
 * (the worker never writes to a block).
 *
 * At most three blocks are held while the next is allocated, so blocks of
 * at most an eighth of BLOCK_TEST_ROOM always fit: the free space left,
 * at least five eighths, lies in at most four extents.
 */
#define CLEAR_RACE_MAX_PAGES	(BLOCK_TEST_ROOM / PAGE_SIZE / 8)

static void pmm_test_clear_race(struct kunit *test)
{
	struct pmm_type *type = pmm_type_by_id(0);
	struct pmm_block *block, *held[4] = {};
	unsigned int i, slot, size;

	for (i = 0; i < 400; i++) {
		slot = i % ARRAY_SIZE(held);
		if (held[slot]) {
			KUNIT_EXPECT_TRUE_MSG(test, block_is(held[slot], slot + 1),
					      "round %u", i);
			drop_block(test, held[slot]);
		}
		size = (get_random_u32_below(CLEAR_RACE_MAX_PAGES) + 1) *
		       PAGE_SIZE;
		block = test_alloc(test, BIT(0), size, 0,
				   i & 1 ? PMM_ALLOC_ZERO : 0);
		if (i & 1)
			KUNIT_EXPECT_TRUE_MSG(test, block_is(block, 0),
					      "round %u", i);
		fill_block(block, slot + 1);
		held[slot] = block;
		if (!(i % 16))
			cond_resched();
	}
	for (slot = 0; slot < ARRAY_SIZE(held); slot++)
		KUNIT_EXPECT_TRUE(test, block_is(held[slot], slot + 1));
	expect_type_stats(test, type);
}

/* Allocations and lock holds are counted in the type's histograms. */
static void pmm_test_histograms(struct kunit *test)
{
	struct pmm_type *type = pmm_type_by_id(0);
	unsigned long allocs = 0, holds = 0;
	unsigned int i;

	test_clear_off(test, type);
	pmm_hist_reset(&type->alloc_hist);
	pmm_hist_reset(&type->lock_hist);
	for (i = 0; i < 3; i++)
		drop_block(test, test_alloc(test, BIT(0), SZ_64K, 0,
					    PMM_ALLOC_ZERO));
	for (i = 0; i < PMM_HIST_BUCKETS; i++) {
		allocs += atomic_long_read(&type->alloc_hist.count[i]);
		holds += atomic_long_read(&type->lock_hist.count[i]);
	}
	KUNIT_EXPECT_EQ(test, allocs, 3);
	/* Each allocation and each free takes the lock once. */
	KUNIT_EXPECT_EQ(test, holds, 6);
	KUNIT_EXPECT_GT(test, atomic64_read(&type->alloc_hist.max_ns), 0);

	pmm_hist_add(&type->alloc_hist, 0);
	pmm_hist_add(&type->alloc_hist, 1500);
	pmm_hist_add(&type->alloc_hist, U64_MAX);
	KUNIT_EXPECT_GE(test, atomic_long_read(&type->alloc_hist.count[0]), 1);
	KUNIT_EXPECT_GE(test, atomic_long_read(&type->alloc_hist.count[10]), 1);
	KUNIT_EXPECT_EQ(test,
			atomic_long_read(&type->alloc_hist.count[PMM_HIST_BUCKETS - 1]),
			1);
	KUNIT_EXPECT_EQ(test, (u64)atomic64_read(&type->alloc_hist.max_ns),
			U64_MAX);
	pmm_hist_reset(&type->alloc_hist);
	KUNIT_EXPECT_EQ(test, atomic64_read(&type->alloc_hist.max_ns), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&type->alloc_hist.count[10]), 0);
}

/* Last: every case left every type as the suite found it. */
static void pmm_test_block_types_as_found(struct kunit *test)
{
	struct pmm_type_stats now;
	unsigned int i;

	for (i = 0; i < pmm_nr_types(); i++) {
		pmm_type_stats(pmm_type_by_id(i), &now);
		KUNIT_EXPECT_EQ_MSG(test, now.free_pages,
				    types_at_start[i].free_pages, "type %u", i);
		KUNIT_EXPECT_EQ_MSG(test, now.nr_blocks,
				    types_at_start[i].nr_blocks, "type %u", i);
		KUNIT_EXPECT_EQ_MSG(test, now.nr_free_extents,
				    types_at_start[i].nr_free_extents,
				    "type %u", i);
	}
	expect_all_types_stats(test);
}

static struct kunit_case pmm_pool_cases[] = {
	KUNIT_CASE_PARAM(pmm_test_exact_fit, policy_gen_params),
	KUNIT_CASE_PARAM(pmm_test_split, policy_gen_params),
	KUNIT_CASE_PARAM(pmm_test_coalesce_left, policy_gen_params),
	KUNIT_CASE_PARAM(pmm_test_coalesce_right, policy_gen_params),
	KUNIT_CASE_PARAM(pmm_test_coalesce_both, policy_gen_params),
	KUNIT_CASE_PARAM(pmm_test_alignment, policy_gen_params),
	KUNIT_CASE_PARAM(pmm_test_ties_lowest, policy_gen_params),
	KUNIT_CASE_PARAM(pmm_test_policies_differ, policy_gen_params),
	KUNIT_CASE_PARAM(pmm_test_exhaustion, policy_gen_params),
	KUNIT_CASE_PARAM(pmm_test_fragmentation, policy_gen_params),
	KUNIT_CASE_PARAM(pmm_test_regions, policy_gen_params),
	KUNIT_CASE(pmm_test_set_policy),
	KUNIT_CASE_SLOW(pmm_test_irqoff_bound),
	{}
};

static struct kunit_suite pmm_pool_suite = {
	.name = "pmm_pool",
	.init = pool_test_init,
	.exit = pool_test_exit,
	.test_cases = pmm_pool_cases,
};

static struct kunit_case pmm_block_cases[] = {
	KUNIT_CASE(pmm_test_block_errors),
	KUNIT_CASE(pmm_test_block_get_put),
	KUNIT_CASE(pmm_test_block_zero),
	KUNIT_CASE(pmm_test_block_init_on_alloc),
	KUNIT_CASE(pmm_test_block_mask_order),
	KUNIT_CASE(pmm_test_block_dma),
	KUNIT_CASE(pmm_test_clear_on_alloc),
	KUNIT_CASE(pmm_test_clear_background),
	KUNIT_CASE_SLOW(pmm_test_clear_race),
	KUNIT_CASE(pmm_test_histograms),
	KUNIT_CASE(pmm_test_block_types_as_found),
	{}
};

static struct kunit_suite pmm_block_suite = {
	.name = "pmm_block",
	.suite_init = block_suite_init,
	.init = block_test_init,
	.test_cases = pmm_block_cases,
};

kunit_test_suites(&pmm_pool_suite, &pmm_block_suite);

MODULE_DESCRIPTION("KUnit tests for PMM");
MODULE_LICENSE("GPL");
