// SPDX-License-Identifier: GPL-2.0
//
// Unit tests of the PMM core's placement policy, one case at a time. Each
// test runs once per policy (best fit, first fit); where they differ the
// test says which answer each must give. Diagrams show page frame numbers;
// "#" is allocated, "." free, "|" a region boundary.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <vector>

#include "test_util.hpp"

namespace pmm::test {
namespace {

using Extents = std::vector<Extent>;

class Policy : public PoolTest {};

/*
 * Exact fit: the block is the free extent itself; no node is taken from
 * the preload.
 *
 *   100                164        100                164
 *   |.................|     ->   |##################|
 */
TEST_P(Policy, ExactFitTakesTheWholeExtent)
{
    add(100, 64);
    ASSERT_EQ(pool_.preload().fill(), 0);
    Block b = alloc(64);
    ASSERT_TRUE(b);
    EXPECT_EQ(b.start(), 100UL);
    EXPECT_EQ(b.nr_pages(), 64UL);
    EXPECT_EQ(free_list(), Extents{});
    EXPECT_EQ(raw().nr_free_extents, 0UL);
    EXPECT_EQ(raw().free_pages, 0UL);
    EXPECT_EQ(raw().nr_blocks, 1UL);
    EXPECT_EQ(pool_.largest_free(), 0UL);
    EXPECT_EQ(pool_.preload().nodes(), PMM_PRELOAD_NODES) << "exact fit must not use a node";
    b.reset();
    EXPECT_EQ(free_list(), (Extents{{100, 64, 0}}));
}

/*
 * Split: the block goes at the start of the extent, the rest stays free.
 *
 *   100                164        100  110           164
 *   |.................|     ->   |####|.............|
 */
TEST_P(Policy, SplitLeavesTheTail)
{
    add(100, 64);
    Block b = alloc(10);
    ASSERT_TRUE(b);
    EXPECT_EQ(b.start(), 100UL);
    EXPECT_EQ(free_list(), (Extents{{110, 54, 0}}));
    EXPECT_EQ(raw().free_pages, 54UL);
    EXPECT_EQ(pool_.preload().nodes(), PMM_PRELOAD_NODES - 1);
    EXPECT_EQ(pool_.largest_free(), 54UL);
}

/*
 * Split on both sides: an aligned block in the middle of an extent leaves a
 * head and a tail, and takes both preloaded nodes.
 *
 *   1001                1101       1001 1008 1016     1101
 *   |..................|     ->   |....|####|........|
 */
TEST_P(Policy, AlignedSplitLeavesHeadAndTail)
{
    add(1001, 100);
    Block b = alloc(8, 3);
    ASSERT_TRUE(b);
    EXPECT_EQ(b.start(), 1008UL);
    EXPECT_EQ(free_list(), (Extents{{1001, 7, 0}, {1016, 85, 0}}));
    EXPECT_EQ(pool_.preload().nodes(), 0);
    EXPECT_EQ(raw().nr_free_extents, 2UL);
}

/*
 * Coalescing, in every order of freeing three adjacent blocks A B C: the
 * free space always ends as one extent, whichever side the neighbour is on.
 *
 *   0    16   32   48                       0                       64
 *   |AAAA|BBBB|CCCC|....|   -> ... ->       |.......................|
 */
TEST_P(Policy, CoalescesInEveryFreeOrder)
{
    add(0, 64);
    std::array<int, 3> order = {0, 1, 2};
    do {
        std::array<Block, 3> blk = {alloc(16), alloc(16), alloc(16)};
        ASSERT_EQ(blk[0].start(), 0UL);
        ASSERT_EQ(blk[1].start(), 16UL);
        ASSERT_EQ(blk[2].start(), 32UL);
        for (int i : order) {
            blk[i].reset();
            ASSERT_STREQ(pool_.check(), nullptr);
        }
        EXPECT_EQ(free_list(), (Extents{{0, 64, 0}}))
            << "order " << order[0] << order[1] << order[2];
    } while (std::next_permutation(order.begin(), order.end()));
}

/*
 * Each coalescing case on its own: left neighbour only, right only, both,
 * neither.
 *
 *   0   8   16  24  32  40  48  56  64
 *   |A  |.. |B  |C  |.. |D  |E  |.. |      A..E 8 pages each, ".." free
 */
TEST_P(Policy, CoalescesLeftRightBothAndNeither)
{
    add(0, 64);
    std::vector<Block> b;
    for (int i = 0; i < 8; i++)
        b.push_back(alloc(8));
    // Free 8, 32 and 56 first: no free neighbour, three separate holes.
    b[1].reset();
    b[4].reset();
    b[7].reset();
    EXPECT_EQ(free_list(), (Extents{{8, 8, 0}, {32, 8, 0}, {56, 8, 0}}));
    b[0].reset(); // right neighbour only (the hole at 8)
    EXPECT_EQ(free_list(), (Extents{{0, 16, 0}, {32, 8, 0}, {56, 8, 0}}));
    b[5].reset(); // left neighbour only (the hole at 32)
    EXPECT_EQ(free_list(), (Extents{{0, 16, 0}, {32, 16, 0}, {56, 8, 0}}));
    b[3].reset(); // right neighbour only (16..24 is still b[2])
    EXPECT_EQ(free_list(), (Extents{{0, 16, 0}, {24, 24, 0}, {56, 8, 0}}));
    b[2].reset(); // both sides: 0..16 and 24..48 merge through 16..24
    EXPECT_EQ(free_list(), (Extents{{0, 48, 0}, {56, 8, 0}}));
    b[6].reset(); // both sides again, to the end
    EXPECT_EQ(free_list(), (Extents{{0, 64, 0}}));
}

/*
 * Alignment: the block starts at a multiple of 2^order, even when the
 * region does not; orders up to PMM_MAX_ALIGN_ORDER.
 *
 *   4095 4096                    8192                    12288 12289
 *   |.. |########################|.......................|..|
 */
TEST_P(Policy, AlignsUpToTheMaximumOrder)
{
    add(4095, 8194);
    Block b = alloc(4096, PMM_MAX_ALIGN_ORDER);
    ASSERT_TRUE(b);
    EXPECT_EQ(b.start(), 4096UL);
    Block c = alloc(100, PMM_MAX_ALIGN_ORDER);
    ASSERT_TRUE(c);
    EXPECT_EQ(c.start(), 8192UL);
    // 12288 is aligned but only 1 page follows it: 2 pages cannot be had.
    EXPECT_FALSE(alloc(4000, PMM_MAX_ALIGN_ORDER));
    EXPECT_EQ(free_list(), (Extents{{4095, 1, 0}, {8292, 3997, 0}}));
    for (unsigned int k = 0; k <= PMM_MAX_ALIGN_ORDER; k++) {
        Block d = alloc(1, k);
        ASSERT_TRUE(d) << "order " << k;
        EXPECT_EQ(d.start() % (1UL << k), 0UL) << "order " << k;
    }
}

// An order above the maximum is a caller bug: NULL and one WARN.
TEST_P(Policy, RejectsAnOrderAboveTheMaximum)
{
    add(0, 1UL << 16);
    EXPECT_FALSE(alloc(1, PMM_MAX_ALIGN_ORDER + 1));
    EXPECT_EQ(pmm_shim_warnings, 1UL);
    expected_warnings_ = 1;
    EXPECT_EQ(free_list(), (Extents{{0, 1UL << 16, 0}}));
}

/*
 * The extent too short once aligned is passed over.
 *
 *   0                   50   1001 1008 1011    2000          2016
 *   |...................|    |....|...|        |.............|
 *   C: 50 pages              A: 10 pages       B: 16 pages
 *   room at order 3: 50      3 (from 1008)     16
 *
 * 8 pages at order 3: A is the shortest extent but holds only 3 pages once
 * aligned, so best fit takes B; first fit takes C, the lowest.
 */
TEST_P(Policy, SkipsExtentsTooShortOnceAligned)
{
    add(0, 50, 0);
    add(1001, 10, 1);
    add(2000, 16, 2);
    Block b = alloc(8, 3);
    ASSERT_TRUE(b);
    EXPECT_EQ(b.start(), best() ? 2000UL : 0UL);
    Block c = alloc(4, 3); // A cannot hold 4 at 1008 (3 left)
    ASSERT_TRUE(c);
    EXPECT_EQ(c.start(), best() ? 2008UL : 8UL);
}

/*
 * Best fit takes the smallest hole, first fit the lowest.
 *
 *   0        20   30       40   50         100
 *   |.. 20 ..|####|.. 10 ..|####|##########|
 */
TEST_P(Policy, BestFitTakesTheSmallestHoleFirstFitTheLowest)
{
    add(0, 100);
    Block a = alloc(20), b = alloc(10), c = alloc(10), d = alloc(10), e = alloc(50);
    a.reset();
    c.reset();
    ASSERT_EQ(free_list(), (Extents{{0, 20, 0}, {30, 10, 0}}));
    Block f = alloc(8);
    ASSERT_TRUE(f);
    EXPECT_EQ(f.start(), best() ? 30UL : 0UL);
}

/*
 * Ties go to the lowest address, under both policies.
 *
 *   0     10   15    25   30   40              100
 *   |. 10 .|###|. 10 .|###|. 10 .|#############|
 */
TEST_P(Policy, TiesGoToTheLowestAddress)
{
    add(0, 100);
    Block h1 = alloc(10), x = alloc(5), h2 = alloc(10), y = alloc(5), h3 = alloc(10), z = alloc(60);
    h3.reset();
    h1.reset();
    h2.reset();
    ASSERT_EQ(free_list(), (Extents{{0, 10, 0}, {15, 10, 0}, {30, 10, 0}}));
    Block a = alloc(10);
    EXPECT_EQ(a.start(), 0UL);
    Block b = alloc(7);
    EXPECT_EQ(b.start(), 15UL);
    Block c = alloc(3);
    EXPECT_EQ(c.start(), 22UL); // the 3 pages left at 22: smallest and lowest
}

/*
 * Exhaustion: when nothing fits the allocation fails and changes nothing;
 * one free later it succeeds again.
 */
TEST_P(Policy, ExhaustionFailsAndChangesNothing)
{
    add(0, 64);
    std::vector<Block> b;
    for (int i = 0; i < 4; i++)
        b.push_back(alloc(16));
    EXPECT_EQ(pool_.largest_free(), 0UL);
    EXPECT_FALSE(alloc(1));
    EXPECT_EQ(raw().nr_blocks, 4UL);
    EXPECT_EQ(raw().free_pages, 0UL);
    b[2].reset();
    EXPECT_FALSE(alloc(17));
    EXPECT_FALSE(alloc(16, 6)); // 32 is not a multiple of 64
    Block c = alloc(16, 5);
    ASSERT_TRUE(c);
    EXPECT_EQ(c.start(), 32UL);
}

/*
 * Several regions: extents of different regions never coalesce, even when
 * they touch, and a block never straddles two regions.
 *
 *   0         64         128        1000       1032
 *   |.. r0 ..|.. r1 ..|             |.. r2 ..|
 */
TEST_P(Policy, RegionsNeverCoalesce)
{
    add(0, 64, 0);
    add(64, 64, 1);
    add(1000, 32, 2);
    EXPECT_EQ(free_list(), (Extents{{0, 64, 0}, {64, 64, 1}, {1000, 32, 2}}));
    EXPECT_EQ(raw().total_pages, 160UL);
    EXPECT_FALSE(alloc(100)) << "128 pages touch but belong to two regions";
    Block a = alloc(64), b = alloc(64);
    ASSERT_TRUE(a);
    ASSERT_TRUE(b);
    EXPECT_NE(a.region(), b.region());
    Block c = alloc(32);
    ASSERT_TRUE(c);
    EXPECT_EQ(c.start(), 1000UL);
    EXPECT_EQ(c.region(), 2U);
    a.reset();
    b.reset();
    EXPECT_EQ(free_list(), (Extents{{0, 64, 0}, {64, 64, 1}}));
    // A block next to a foreign region's free extent stays separate too.
    Block d = alloc(60); // best fit and first fit: region 0 at 0
    ASSERT_TRUE(d);
    EXPECT_EQ(d.start(), 0UL);
    d.reset();
    EXPECT_EQ(free_list(), (Extents{{0, 64, 0}, {64, 64, 1}}));
}

/*
 * Coalescing on both sides must leave the index's augmented values right.
 * A fill of 25 blocks, then frees in this order; the last free (block 18)
 * joins the free blocks 17 and 19 on either side. Found by the model check
 * (first fit): the core grew the left neighbour before erasing the right
 * one, whose rebalancing then copied the grown node's stale augmented value
 * to a rotated parent (see pool_release() in mm/pmm_alloc.c).
 */
TEST_P(Policy, CoalescingBothSidesKeepsTheIndexConsistent)
{
    static constexpr unsigned long sizes[] = {4, 2, 4, 2, 1, 4, 7, 7, 4, 8, 9, 7, 9,
                                              3, 6, 5, 6, 7, 4, 3, 6, 5, 4, 2, 2};
    static constexpr int frees[] = {12, 14, 21, 7, 23, 17, 10, 1, 5, 19, 0, 13, 24, 3, 18};
    add(0, 121);
    std::vector<Block> b;
    for (unsigned long n : sizes)
        b.push_back(alloc(n));
    for (int i : frees) {
        b[i].reset();
        ASSERT_STREQ(pool_.check(), nullptr) << "after freeing block " << i;
    }
}

// Ranges of one region added separately merge like freed blocks do.
TEST_P(Policy, AddingAdjacentRangesOfOneRegionMerges)
{
    add(0, 32, 7);
    add(64, 32, 7);
    add(32, 32, 7);
    EXPECT_EQ(free_list(), (Extents{{0, 96, 7}}));
    EXPECT_EQ(raw().total_pages, 96UL);
    EXPECT_EQ(pool_.largest_free(), 96UL);
}

// Switching policy re-indexes the free extents; decisions follow the new one.
TEST_P(Policy, SetPolicyReindexes)
{
    add(0, 100);
    Block a = alloc(20), b = alloc(10), c = alloc(10), d = alloc(10), e = alloc(50);
    a.reset();
    c.reset();
    const bool now_best = !best();
    pool_.set_policy(now_best ? pmm_policy_best_fit : pmm_policy_first_fit);
    ASSERT_STREQ(pool_.check(), nullptr);
    EXPECT_EQ(pool_.largest_free(), 20UL);
    Block f = alloc(8);
    ASSERT_TRUE(f);
    EXPECT_EQ(f.start(), now_best ? 30UL : 0UL);
    pool_.set_policy(policy_of(GetParam()));
}

// Statistics and the largest free extent follow every operation.
TEST_P(Policy, StatisticsFollowOperations)
{
    add(0, 1000);
    add(5000, 300, 1);
    EXPECT_EQ(raw().total_pages, 1300UL);
    EXPECT_EQ(raw().free_pages, 1300UL);
    EXPECT_EQ(pool_.largest_free(), 1000UL);
    Block a = alloc(600);
    EXPECT_EQ(raw().free_pages, 700UL);
    EXPECT_EQ(raw().nr_blocks, 1UL);
    EXPECT_EQ(pool_.largest_free(), best() ? 400UL : 400UL);
    Block b = alloc(300);
    EXPECT_EQ(b.start(), best() ? 5000UL : 600UL);
    EXPECT_EQ(pool_.largest_free(), best() ? 400UL : 300UL);
    EXPECT_EQ(raw().nr_free_extents, best() ? 1UL : 2UL);
}

// Iteration lists free extents by address, whatever the policy's order.
TEST_P(Policy, IteratesByAddress)
{
    add(5000, 10, 1);
    add(0, 300, 0);
    add(1000, 5, 2);
    std::vector<unsigned long> starts;
    for (pmm_extent *e = pmm_pool_first_free(pool_.get()); e; e = pmm_pool_next_free(e))
        starts.push_back(e->start);
    EXPECT_EQ(starts, (std::vector<unsigned long>{0, 1000, 5000}));
}

// A pool destroyed with everything freed gives back every node.
TEST_P(Policy, DestroyFreesEveryNode)
{
    const long before = pmm_shim_nodes_live;
    {
        Pool p(policy_of(GetParam()));
        ASSERT_EQ(p.add_free(0, 1000, 0), 0);
        std::vector<Block> blocks;
        for (int i = 0; i < 50; i++)
            blocks.push_back(p.alloc(7, static_cast<unsigned int>(i % 4)));
        for (size_t i = 0; i < blocks.size(); i += 2)
            blocks[i].reset();
        EXPECT_STREQ(p.check(), nullptr);
        blocks.clear();
    }
    EXPECT_EQ(pmm_shim_nodes_live, before);
}

INSTANTIATE_TEST_SUITE_P(Both, Policy, ::testing::Values(Which::best_fit, Which::first_fit),
                         name_of);

} // namespace
} // namespace pmm::test
