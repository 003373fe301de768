// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for PMM.
 *
 * The pool tests run the allocator core over made-up page frame numbers, so
 * they need no reserve and touch no memory. The block tests use the memory
 * types of the pmm= parameter and are skipped when it declared none.
 */

#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/pmm.h>
#include <linux/sizes.h>

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

/* Block tests: the memory types of the running kernel. */

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

static int block_test_init(struct kunit *test)
{
	if (!pmm_nr_types())
		kunit_skip(test, "no memory types: boot with pmm=");
	return 0;
}

static void pmm_test_block_errors(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, PTR_ERR(pmm_alloc(0, SZ_4K, 0, BIT(31))), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(pmm_alloc(0, 0, 0, 0)), -ERANGE);
	KUNIT_EXPECT_EQ(test, PTR_ERR(pmm_alloc(0, SIZE_MAX, 0, 0)), -EOVERFLOW);
	KUNIT_EXPECT_EQ(test, PTR_ERR(pmm_alloc(0, SZ_4K, 3 * PAGE_SIZE, 0)),
			-EDOM);
	KUNIT_EXPECT_EQ(test, PTR_ERR(pmm_alloc(0, SZ_4K, PAGE_SIZE / 2, 0)),
			-EDOM);
	KUNIT_EXPECT_EQ(test,
			PTR_ERR(pmm_alloc(0, SZ_4K,
					  PAGE_SIZE << (PMM_MAX_ALIGN_ORDER + 1),
					  0)), -EDOM);
	if (pmm_nr_types() < 32)
		KUNIT_EXPECT_EQ(test,
				PTR_ERR(pmm_alloc(BIT(pmm_nr_types()), SZ_4K, 0, 0)),
				-ENOENT);
	KUNIT_EXPECT_EQ(test, PTR_ERR(pmm_alloc(0, SIZE_MAX / 2, 0, 0)),
			-ENOMEM);
	KUNIT_EXPECT_TRUE(test, IS_ERR(pmm_type_by_name("no_such_type")));
	KUNIT_EXPECT_TRUE(test, IS_ERR(pmm_type_by_id(pmm_nr_types())));
	expect_all_types_stats(test);
}

static void pmm_test_block_get_put(struct kunit *test)
{
	struct pmm_type *type = pmm_type_by_id(0);
	struct pmm_type_stats before, during, after;
	struct pmm_block *block;

	pmm_type_stats(type, &before);
	block = pmm_alloc(BIT(0), SZ_64K + 1, SZ_64K, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(block));
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

	pmm_block_put(block);
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
	u8 *p;
	size_t i;

	block = pmm_alloc(BIT(0), SZ_16K, 0, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(block));
	phys = pmm_block_phys(block);
	memset(page_address(pmm_block_page(block)), 0xa5, SZ_16K);
	pmm_block_put(block);

	/* Best fit gives the same range back; it must come back zeroed. */
	block = pmm_alloc(BIT(0), SZ_16K, 0, PMM_ALLOC_ZERO);
	KUNIT_ASSERT_FALSE(test, IS_ERR(block));
	KUNIT_EXPECT_EQ(test, pmm_block_phys(block), phys);
	p = page_address(pmm_block_page(block));
	for (i = 0; i < SZ_16K; i++)
		if (p[i])
			break;
	KUNIT_EXPECT_EQ(test, i, SZ_16K);
	pmm_block_put(block);
}

/* Fill type 0, then a mask of types 0 and 1 falls back to type 1. */
static void pmm_test_block_mask_order(struct kunit *test)
{
	struct pmm_type *t0 = pmm_type_by_id(0), *t1;
	struct pmm_block *filler[PMM_MAX_TYPE_REGIONS * 4] = {};
	struct pmm_type_stats s0;
	struct pmm_block *block;
	unsigned int i, n = 0;

	if (pmm_nr_types() < 2)
		kunit_skip(test, "needs two memory types");
	t1 = pmm_type_by_id(1);

	block = pmm_alloc(0, PAGE_SIZE, 0, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(block));
	KUNIT_EXPECT_PTR_EQ(test, pmm_block_type(block), t0);
	pmm_block_put(block);

	block = pmm_alloc(BIT(1), PAGE_SIZE, 0, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(block));
	KUNIT_EXPECT_PTR_EQ(test, pmm_block_type(block), t1);
	pmm_block_put(block);

	for (pmm_type_stats(t0, &s0); s0.free_pages && n < ARRAY_SIZE(filler);
	     pmm_type_stats(t0, &s0)) {
		filler[n] = pmm_alloc(BIT(0), s0.largest_free_pages << PAGE_SHIFT,
				      0, 0);
		KUNIT_ASSERT_FALSE(test, IS_ERR(filler[n]));
		n++;
	}
	KUNIT_ASSERT_EQ(test, s0.free_pages, 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR(pmm_alloc(BIT(0), PAGE_SIZE, 0, 0)),
			-ENOMEM);

	block = pmm_alloc(0, PAGE_SIZE, 0, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(block));
	KUNIT_EXPECT_PTR_EQ(test, pmm_block_type(block), t1);
	pmm_block_put(block);

	for (i = 0; i < n; i++)
		pmm_block_put(filler[i]);
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
	KUNIT_CASE(pmm_test_block_mask_order),
	{}
};

static struct kunit_suite pmm_block_suite = {
	.name = "pmm_block",
	.init = block_test_init,
	.test_cases = pmm_block_cases,
};

kunit_test_suites(&pmm_pool_suite, &pmm_block_suite);

MODULE_DESCRIPTION("KUnit tests for PMM");
MODULE_LICENSE("GPL");
