// SPDX-License-Identifier: GPL-2.0
//
// Fault injection: the core allocates extent nodes only in
// pmm_preload_fill(). When a node allocation fails, the failure must reach
// the caller as -ENOMEM, leak nothing, and leave the pool exactly as it was;
// the same operation must then succeed and give the same answer as in a pool
// that never saw a failure. (The model check repeats this at random over a
// long stream: ModelCheck.NodeAllocationFailuresChangeNothing.)
#include <gtest/gtest.h>

#include <vector>

#include "test_util.hpp"

namespace pmm::test {
namespace {

using Extents = std::vector<Extent>;

struct Snapshot {
    Extents free;
    unsigned long total, free_pages, nr_free_extents, nr_blocks, largest;

    explicit Snapshot(Pool &p)
        : free(p.free_extents()), total(p.get()->total_pages), free_pages(p.get()->free_pages),
          nr_free_extents(p.get()->nr_free_extents), nr_blocks(p.get()->nr_blocks),
          largest(p.largest_free())
    {
    }
    bool operator==(const Snapshot &) const = default;
};

class Fault : public PoolTest {};

TEST_P(Fault, FillReportsTheFirstNodeFailing)
{
    Preload pre;
    const long before = pmm_shim_nodes_live;
    pmm_shim_fail_nth(0);
    EXPECT_EQ(pre.fill(), -ENOMEM);
    EXPECT_EQ(pre.nodes(), 0);
    EXPECT_EQ(pmm_shim_nodes_live, before);
    EXPECT_EQ(pre.fill(), 0) << "a later fill must work";
    EXPECT_EQ(pre.nodes(), PMM_PRELOAD_NODES);
}

// The node already allocated stays in the preload (see pmm_preload_fill());
// draining frees it, so nothing leaks.
TEST_P(Fault, FillKeepsWhatItGotWhenALaterNodeFails)
{
    const long before = pmm_shim_nodes_live;
    {
        Preload pre;
        pmm_shim_fail_nth(1);
        EXPECT_EQ(pre.fill(), -ENOMEM);
        EXPECT_EQ(pre.nodes(), 1);
        EXPECT_EQ(pmm_shim_nodes_live, before + 1);
        EXPECT_EQ(pre.fill(), 0);
        EXPECT_EQ(pre.nodes(), PMM_PRELOAD_NODES);
    }
    EXPECT_EQ(pmm_shim_nodes_live, before);
}

/*
 * An allocation whose preload cannot be filled is reported and changes
 * nothing, for every shape of split: exact fit, one remainder, two.
 *
 *   1      17     33         65      101          200
 *   |.. 16 .|#####|... 32 ...|#######|.... 99 .....|
 */
TEST_P(Fault, FailedFillLeavesThePoolUnchanged)
{
    add(1, 199);
    Block a = alloc(16), b = alloc(16), c = alloc(32), d = alloc(36);
    a.reset();
    c.reset();
    struct Case {
        unsigned long nr;
        unsigned int order;
    };
    // 16: exact fit at 1; 10: a tail; 4 at order 3 and 3 at order 2: a head
    // and a tail (at 8 and 4); 33: a tail of the last extent.
    const Case cases[] = {{16, 0}, {10, 0}, {4, 3}, {3, 2}, {33, 0}};
    for (const Case &k : cases) {
        for (unsigned long nth = 0; nth < PMM_PRELOAD_NODES; nth++) {
            pool_.preload().drain();
            const Snapshot before(pool_);
            const long nodes = pmm_shim_nodes_live;
            pmm_shim_fail_nth(nth);
            int err = 0;
            Block x = pool_.alloc(k.nr, k.order, &err);
            pmm_shim_fail_off();
            EXPECT_EQ(err, -ENOMEM) << k.nr << " pages, node " << nth;
            EXPECT_FALSE(x);
            EXPECT_EQ(Snapshot(pool_), before) << k.nr << " pages, node " << nth;
            EXPECT_STREQ(pool_.check(), nullptr);
            EXPECT_EQ(pmm_shim_nodes_live, nodes + long(nth)) << "only the nodes the fill kept";

            // The retry works and agrees with a pool that never failed.
            Pool twin(policy_of(GetParam()));
            ASSERT_EQ(twin.add_free(1, 199, 0), 0);
            Block ta = twin.alloc(16), tb = twin.alloc(16), tc = twin.alloc(32),
                  td = twin.alloc(36);
            ta.reset();
            tc.reset();
            Block y = pool_.alloc(k.nr, k.order, &err);
            Block ty = twin.alloc(k.nr, k.order);
            EXPECT_EQ(err, 0);
            ASSERT_EQ(bool(y), bool(ty));
            if (y) {
                EXPECT_EQ(y.start(), ty.start());
            }
            EXPECT_EQ(pool_.free_extents(), twin.free_extents());
        }
    }
}

// Adding a region needs one node too: a failed fill adds nothing.
TEST_P(Fault, FailedFillAddsNothing)
{
    add(0, 100);
    pool_.preload().drain();
    const Snapshot before(pool_);
    pmm_shim_fail_nth(0);
    EXPECT_EQ(pool_.add_free(1000, 100, 1), -ENOMEM);
    pmm_shim_fail_off();
    EXPECT_EQ(Snapshot(pool_), before);
}

// Called with too few preloaded nodes anyway (a caller bug), the core warns,
// fails the request and changes nothing.
TEST_P(Fault, AllocWithAnEmptyPreloadFailsSafely)
{
    add(1001, 100);
    pool_.preload().drain();
    const Snapshot before(pool_);
    EXPECT_EQ(pmm_pool_alloc(pool_.get(), 8, 3, pool_.preload().get()), nullptr);
    EXPECT_EQ(Snapshot(pool_), before);
    EXPECT_EQ(pmm_shim_warnings, 1UL);
    expected_warnings_ = 1;
    // An exact fit needs no node at all and still works.
    pmm_extent *e = pmm_pool_alloc(pool_.get(), 100, 0, pool_.preload().get());
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->start, 1001UL);
    pmm_pool_free(pool_.get(), e);
}

TEST_P(Fault, AddFreeWithAnEmptyPreloadFailsSafely)
{
    add(0, 100);
    pool_.preload().drain();
    const Snapshot before(pool_);
    pmm_pool_add_free(pool_.get(), 500, 10, 1, pool_.preload().get());
    EXPECT_EQ(Snapshot(pool_), before);
    EXPECT_EQ(pmm_shim_warnings, 1UL);
    expected_warnings_ = 1;
}

// Random failures over a mixed workload: every failure is reported, the
// pool stays consistent, and nothing leaks.
TEST_P(Fault, RandomFailuresNeverCorruptOrLeak)
{
    const long before = pmm_shim_nodes_live;
    {
        Pool p(policy_of(GetParam()));
        ASSERT_EQ(p.add_free(0, 1 << 16, 0), 0);
        pmm_shim_fail_random(100, 42);
        std::vector<Block> live;
        unsigned long failures = 0, x = 1;
        for (int i = 0; i < 20000; i++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            if (live.empty() || (x >> 33) % 3) {
                int err = 0;
                Block b = p.alloc(1 + (x >> 40) % 64, unsigned((x >> 20) % 5), &err);
                failures += err == -ENOMEM;
                if (b)
                    live.push_back(std::move(b));
            } else {
                const size_t i2 = (x >> 35) % live.size();
                std::swap(live[i2], live.back());
                live.pop_back();
            }
            ASSERT_STREQ(p.check(), nullptr) << "operation " << i;
        }
        pmm_shim_fail_off();
        EXPECT_GT(failures, 0UL);
        EXPECT_EQ(p.get()->nr_blocks, live.size());
        live.clear();
    }
    EXPECT_EQ(pmm_shim_nodes_live, before);
}

INSTANTIATE_TEST_SUITE_P(Both, Fault, ::testing::Values(Which::best_fit, Which::first_fit),
                         name_of);

} // namespace
} // namespace pmm::test
