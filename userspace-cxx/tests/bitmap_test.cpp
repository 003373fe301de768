// SPDX-License-Identifier: GPL-2.0
//
// The benchmark's baseline must do the same work as PMM's best fit, or the
// comparison means nothing: gen_pool_best_fit() in one region without
// alignment places every block where the reference's best fit does.
#include <gtest/gtest.h>

#include <vector>

#include "bitmap_best_fit.hpp"
#include "mix.hpp"
#include "reference.hpp"

namespace pmm::bench {
namespace {

TEST(BitmapBaseline, PlacesLikeBestFit)
{
    constexpr unsigned long kBase = 1000, kPages = 50000;
    BitmapBestFit bitmap(kBase, kPages);
    model::Reference ref(model::Policy::best_fit);
    ref.add_free(kBase, kPages, 0);
    model::Rng rng(99);
    std::vector<std::pair<unsigned long, unsigned long>> live;
    unsigned long failures = 0;
    for (int op = 0; op < 50000; op++) {
        if (live.empty() || rng.chance(11, 20)) {
            const unsigned long n = rng.between(1, 200);
            const auto want = ref.alloc(n, 0);
            const auto got = bitmap.alloc(n);
            ASSERT_EQ(got, want) << "operation " << op;
            if (got)
                live.emplace_back(*got, n);
            else
                failures++;
        } else {
            const size_t i = rng.below(live.size());
            ref.free(live[i].first);
            bitmap.free(live[i].first, live[i].second);
            live[i] = live.back();
            live.pop_back();
        }
    }
    EXPECT_GT(failures, 0UL) << "the stream should reach exhaustion";
}

} // namespace
} // namespace pmm::bench
