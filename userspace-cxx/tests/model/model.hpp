// SPDX-License-Identifier: GPL-2.0
//
// The model check: run the PMM core and the reference on the same
// operation stream and compare everything after every operation.
//
//   Runner     one core pool + one Reference; step() applies an operation to
//              both and then check()s them against each other.
//   Generator  draws a realistic random stream, one operation at a time
//              (frees pick a random live block, so it looks at the Runner).
//   run()      replays a recorded stream from scratch.
//   shrink()   cuts a failing stream down to a short one that still fails
//              (ddmin over operations; frees of blocks that no longer exist
//              are skipped, so every subsequence is a valid stream).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "mix.hpp"
#include "pmm_core.hpp"
#include "reference.hpp"

namespace pmm::model {

struct Op {
    enum class Kind : uint8_t { alloc, free, set_policy };

    Kind kind = Kind::alloc;
    uint32_t id = 0;                  // alloc: the new block's id; free: the block to free
    unsigned long nr_pages = 0;       // alloc
    unsigned int order = 0;           // alloc
    Policy policy = Policy::best_fit; // set_policy
    // alloc: 0, or fail the n-th node allocation of the preload fill (1-based).
    uint8_t inject = 0;
};

std::string to_string(const Op &op);
std::string_view name_of(Policy p);
const pmm_policy &core_policy(Policy p);

struct Region {
    unsigned long start;
    unsigned long nr_pages;
    unsigned int id;
};

// Four regions: two touching each other (they must never coalesce), one at
// an odd start (alignment heads), one small. ~53,000 pages, 208 MiB.
std::vector<Region> standard_layout();

class Runner {
public:
    Runner(std::vector<Region> layout, Policy policy);
    ~Runner();
    Runner(const Runner &) = delete;
    Runner &operator=(const Runner &) = delete;

    // Apply @op to the core and the reference, then check(). Returns "" or
    // what went wrong.
    std::string step(const Op &op);
    // Every comparison and invariant; "" when all hold.
    std::string check();

    [[nodiscard]] size_t live_count() const { return live_.size(); }
    [[nodiscard]] uint32_t live_id(size_t i) const { return live_[i]; }
    [[nodiscard]] const Reference &ref() const { return ref_; }
    [[nodiscard]] Pool &pool() { return pool_; }

    struct Stats {
        unsigned long allocs = 0, alloc_failures = 0, frees = 0, injected = 0, policy_switches = 0;
    };
    [[nodiscard]] const Stats &stats() const { return stats_; }

private:
    std::string check_augmented();
    void forget(uint32_t id);

    std::vector<Region> layout_;
    long nodes_base_;
    unsigned long warnings_base_;
    Pool pool_; // before the blocks: they go back to it first
    Reference ref_;
    std::unordered_map<uint32_t, Block> blocks_;
    std::map<unsigned long, const pmm_extent *> by_addr_; // the core's blocks
    std::vector<uint32_t> live_;
    std::unordered_map<uint32_t, size_t> live_pos_;
    Stats stats_;
};

struct GeneratorOptions {
    MixKind mix = MixKind::pipeline;
    unsigned long phase_ops = 50000; // allocations per resolution phase
    unsigned int policy_switch_per_million = 20;
    unsigned int inject_permille = 0; // allocations whose preload fill fails
};

class Generator {
public:
    Generator(uint64_t seed, GeneratorOptions opt) : rng_(seed), opt_(opt) {}
    Op next(const Runner &runner);

private:
    Rng rng_;
    GeneratorOptions opt_;
    uint32_t next_id_ = 0;
    unsigned long allocs_ = 0;
};

struct Failure {
    size_t op_index;
    std::string what;
};

std::optional<Failure> run(const std::vector<Region> &layout, Policy policy,
                           std::span<const Op> ops);

// ddmin: the shortest stream found within @budget that still fails.
std::vector<Op> shrink(const std::vector<Region> &layout, Policy policy, std::vector<Op> ops,
                       std::chrono::seconds budget);

// "where from, failure, minimal stream" as text, for test output; @origin
// says how to reproduce (the seed, or the fuzz input).
std::string report(const std::string &origin, const std::vector<Region> &layout, Policy policy,
                   const Failure &failure, const std::vector<Op> &minimal);

} // namespace pmm::model
