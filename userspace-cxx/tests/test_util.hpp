// SPDX-License-Identifier: GPL-2.0
//
// Helpers for the GoogleTest suites: a fixture owning one pool per test,
// run once per policy, that checks the pool's invariants after each test.
#pragma once

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "pmm_core.hpp"

namespace pmm {

inline std::ostream &operator<<(std::ostream &os, const Extent &e)
{
    return os << '[' << e.start << ", +" << e.nr_pages << ")#" << e.region;
}

namespace test {

enum class Which { best_fit, first_fit };

inline const pmm_policy &policy_of(Which w)
{
    return w == Which::best_fit ? pmm_policy_best_fit : pmm_policy_first_fit;
}

inline void PrintTo(Which w, std::ostream *os)
{
    *os << (w == Which::best_fit ? "best_fit" : "first_fit");
}

inline std::string name_of(const ::testing::TestParamInfo<Which> &info)
{
    return info.param == Which::best_fit ? "best_fit" : "first_fit";
}

// The pool must be declared before any Block of it (see pmm_core.hpp);
// PoolTest owns it, tests own their Blocks as locals.
class PoolTest : public ::testing::TestWithParam<Which> {
protected:
    void SetUp() override
    {
        pmm_shim_reset();
        nodes_before_ = pmm_shim_nodes_live;
    }

    void TearDown() override
    {
        EXPECT_STREQ(pool_.check(), nullptr);
        EXPECT_EQ(pmm_shim_warnings, expected_warnings_) << "unexpected WARN_ON in the core";
        pmm_shim_fail_off();
    }

    bool best() const { return GetParam() == Which::best_fit; }

    void add(unsigned long start, unsigned long nr, unsigned int region = 0)
    {
        ASSERT_EQ(pool_.add_free(start, nr, region), 0);
        ASSERT_STREQ(pool_.check(), nullptr);
    }

    Block alloc(unsigned long nr, unsigned int order = 0)
    {
        Block b = pool_.alloc(nr, order);
        EXPECT_STREQ(pool_.check(), nullptr);
        return b;
    }

    // The free extents, by address.
    std::vector<Extent> free_list() { return pool_.free_extents(); }

    const pmm_pool &raw() { return *pool_.get(); }

    Pool pool_{policy_of(GetParam())};
    long nodes_before_ = 0;
    unsigned long expected_warnings_ = 0;
};

} // namespace test
} // namespace pmm
