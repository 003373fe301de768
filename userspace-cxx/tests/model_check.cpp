// SPDX-License-Identifier: GPL-2.0
//
// The model check: the core and the reference run the same random stream of
// realistic requests, and must agree on every placement, every failure and
// every statistic, with all invariants checked after every operation.
//
//   PMM_MODEL_OPS    allocations + frees per seed (default 1,000,000)
//   PMM_MODEL_SEEDS  comma-separated seeds (default 1,2,3,4)
//   PMM_MODEL_SHRINK_SECONDS  time allowed to shrink a failure (default 45)
//
// Seeds alternate the mix (pipeline, control-heavy) and the initial policy;
// every stream also switches policy now and then.
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "model.hpp"

namespace {

using namespace pmm::model;

unsigned long env_ulong(const char *name, unsigned long fallback)
{
    const char *v = std::getenv(name);
    return v && *v ? std::strtoul(v, nullptr, 0) : fallback;
}

std::vector<uint64_t> seeds()
{
    std::vector<uint64_t> out;
    const char *v = std::getenv("PMM_MODEL_SEEDS");
    std::stringstream s(v && *v ? v : "1,2,3,4");
    for (std::string item; std::getline(s, item, ',');)
        if (!item.empty())
            out.push_back(std::strtoull(item.c_str(), nullptr, 0));
    return out;
}

struct Setup {
    MixKind mix;
    Policy policy;
};

Setup setup_of(uint64_t seed)
{
    return {seed % 2 ? MixKind::pipeline : MixKind::control_heavy,
            (seed / 2) % 2 ? Policy::best_fit : Policy::first_fit};
}

// Run @ops_wanted allocations and frees; on a mismatch, shrink and report.
void model_check(uint64_t seed, unsigned int inject_permille, unsigned long ops_wanted)
{
    const Setup setup = setup_of(seed);
    const std::vector<Region> layout = standard_layout();
    GeneratorOptions gopt;
    gopt.mix = setup.mix;
    gopt.inject_permille = inject_permille;
    Generator gen(seed, gopt);
    std::vector<Op> ops;
    ops.reserve(ops_wanted + ops_wanted / 8);

    Runner runner(layout, setup.policy);
    ASSERT_EQ(runner.check(), "");
    unsigned long done = 0;
    while (done < ops_wanted) {
        ops.push_back(gen.next(runner));
        const Op &op = ops.back();
        if (op.kind != Op::Kind::set_policy)
            done++;
        if (std::string e = runner.step(op); !e.empty()) {
            const Failure failure{ops.size() - 1, e};
            const auto budget = std::chrono::seconds(env_ulong("PMM_MODEL_SHRINK_SECONDS", 45));
            std::vector<Op> minimal = shrink(layout, setup.policy, ops, budget);
            FAIL() << report("seed " + std::to_string(seed) +
                                 " (rerun: PMM_MODEL_SEEDS=" + std::to_string(seed % 1000) + ")",
                             layout, setup.policy, failure, minimal);
        }
    }
    const Runner::Stats &st = runner.stats();
    std::cout << "seed " << seed << " ("
              << (setup.mix == MixKind::pipeline ? "pipeline" : "control-heavy")
              << " mix, starting " << name_of(setup.policy) << "): " << st.allocs
              << " allocations (" << st.alloc_failures << " failed), " << st.frees << " frees, "
              << st.injected << " injected node failures, " << st.policy_switches
              << " policy switches\n";
    // A long stream must have exercised what it is meant to (short ones,
    // run by hand with a small PMM_MODEL_OPS, need not).
    if (ops_wanted >= 100000) {
        EXPECT_GT(st.alloc_failures, 0UL) << "the pool was never exhausted";
        EXPECT_GT(st.frees, ops_wanted / 3);
    }
    if (ops_wanted >= 1000000) {
        EXPECT_GT(st.policy_switches, 0UL); // ~20 per million operations
    }
    if (inject_permille) {
        EXPECT_GT(st.injected, 0UL);
    }
}

class ModelCheck : public ::testing::TestWithParam<uint64_t> {};

TEST_P(ModelCheck, CoreAgreesWithReference)
{
    model_check(GetParam(), 0, env_ulong("PMM_MODEL_OPS", 1000000));
}

// The same with node allocation failures injected into 2% of the preload
// fills: each is reported as -ENOMEM and leaves the pool as the reference,
// which did nothing.
TEST_P(ModelCheck, NodeAllocationFailuresChangeNothing)
{
    model_check(GetParam() + 1000, 20, env_ulong("PMM_MODEL_OPS", 1000000) / 10);
}

INSTANTIATE_TEST_SUITE_P(Seeds, ModelCheck, ::testing::ValuesIn(seeds()),
                         [](const ::testing::TestParamInfo<uint64_t> &info) {
                             return "seed" + std::to_string(info.param);
                         });

} // namespace
