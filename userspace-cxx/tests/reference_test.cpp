// SPDX-License-Identifier: GPL-2.0
//
// The oracle is only as good as its own correctness: a few hand-computed
// cases for the reference allocator of the model check, and a brute-force
// cross-check of its placement against an exhaustive page-by-page search.
#include <gtest/gtest.h>

#include <vector>

#include "mix.hpp"
#include "reference.hpp"

namespace pmm::model {
namespace {

TEST(Reference, BestFitAndFirstFitByHand)
{
    for (Policy p : {Policy::best_fit, Policy::first_fit}) {
        Reference r(p);
        r.add_free(0, 100, 0);
        ASSERT_EQ(r.alloc(20, 0), 0UL);
        ASSERT_EQ(r.alloc(10, 0), 20UL);
        ASSERT_EQ(r.alloc(10, 0), 30UL);
        ASSERT_EQ(r.alloc(60, 0), 40UL);
        r.free(0);
        r.free(30);
        EXPECT_EQ(r.nr_free_extents(), 2UL);
        EXPECT_EQ(r.alloc(8, 0), p == Policy::best_fit ? 30UL : 0UL);
        EXPECT_EQ(r.alloc(8, 3), p == Policy::best_fit ? 0UL : 8UL);
        EXPECT_FALSE(r.alloc(50, 0));
    }
}

TEST(Reference, CoalescesWithinARegionOnly)
{
    Reference r(Policy::best_fit);
    r.add_free(0, 10, 0);
    r.add_free(10, 10, 1);
    ASSERT_EQ(r.alloc(10, 0), 0UL);
    ASSERT_EQ(r.alloc(10, 0), 10UL);
    r.free(10);
    r.free(0);
    EXPECT_EQ(r.nr_free_extents(), 2UL);
    EXPECT_EQ(r.largest_free(), 10UL);
    EXPECT_EQ(r.free_pages(), 20UL);
}

// Page-by-page brute force of the same contract: the candidate extents are
// the maximal free runs of a page map; no containers shared with Reference.
TEST(Reference, AgreesWithBruteForce)
{
    constexpr unsigned long kPages = 700;
    for (Policy p : {Policy::best_fit, Policy::first_fit}) {
        Reference r(p);
        r.add_free(3, kPages - 3, 0);
        std::vector<int> owner(kPages, -1); // -1 free, else block id; [0, 3) unmanaged
        std::vector<std::pair<unsigned long, unsigned long>> live;
        Rng rng(7);
        for (int op = 0; op < 20000; op++) {
            if (live.empty() || rng.chance(3, 5)) {
                const unsigned long n = rng.between(1, 40);
                const unsigned int k = static_cast<unsigned int>(rng.below(6));
                // Brute force: scan maximal free runs in address order.
                std::optional<unsigned long> want;
                unsigned long want_len = 0;
                for (unsigned long s = 3; s < kPages;) {
                    if (owner[s] != -1) {
                        s++;
                        continue;
                    }
                    unsigned long e = s;
                    while (e < kPages && owner[e] == -1)
                        e++;
                    const unsigned long a = (s + (1UL << k) - 1) & ~((1UL << k) - 1);
                    if (a + n <= e) {
                        if (!want || (p == Policy::best_fit && e - s < want_len)) {
                            want = a;
                            want_len = e - s;
                        }
                        if (p == Policy::first_fit)
                            break;
                    }
                    s = e;
                }
                const std::optional<unsigned long> got = r.alloc(n, k);
                ASSERT_EQ(got, want) << "operation " << op;
                if (got) {
                    for (unsigned long i = *got; i < *got + n; i++)
                        owner[i] = op;
                    live.emplace_back(*got, n);
                }
            } else {
                const size_t i = rng.below(live.size());
                r.free(live[i].first);
                for (unsigned long j = live[i].first; j < live[i].first + live[i].second; j++)
                    owner[j] = -1;
                live[i] = live.back();
                live.pop_back();
            }
        }
    }
}

} // namespace
} // namespace pmm::model
