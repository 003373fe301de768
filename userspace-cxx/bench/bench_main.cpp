// SPDX-License-Identifier: GPL-2.0
//
// pmm_bench: figures, not assertions. Build in Release (-O2, no sanitizers).
//
// 1. Scaling (Google Benchmark, BM_AllocFree/<allocator>/<n>): with n live
//    blocks, the time of one "free a random live block, allocate a new one"
//    pair, for PMM best fit, PMM first fit and a genalloc-style bitmap best
//    fit (bitmap_best_fit.hpp). All three see the same address space and the
//    same operation stream (seeded by n): block sizes 1-64 pages, no
//    alignment (gen_pool_best_fit has none), a pool sized for ~60% use.
//    Each (allocator, n) is set up once, filled with n blocks and churned
//    with n pairs to reach a steady state before timing; the timed pairs
//    continue that churn. Medians of 5 repetitions.
//
// 2. Fragmentation (--trace=FILE): replay a recorded camera -> codec ->
//    display trace per policy; report the highest utilisation reached before
//    the first failed allocation and the largest free extent over time
//    (--frag-out=DIR writes fragmentation.csv and fragmentation-summary.csv).
//    --frag-only skips the Google Benchmark part.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "bitmap_best_fit.hpp"
#include "mix.hpp"
#include "pmm_core.hpp"
#include "trace.hpp"

namespace {

using pmm::model::Rng;

constexpr unsigned long kBase = 1UL << 20; // pfn of the pool's first page
constexpr unsigned long kMaxBlock = 64;    // pages

unsigned long pool_pages_for(unsigned long n)
{
    // Mean block (1 + 64) / 2 = 32.5 pages; n blocks fill ~60% of the pool.
    return std::max(4096UL, n * 65 / 2 * 10 / 6);
}

// --- the allocators behind one interface -------------------------------
// alloc(nr, slot) puts a new block in @slot (which is empty) or leaves it
// empty on failure; free(slot) empties it (nothing if already empty).

class PmmAllocator {
public:
    PmmAllocator(const pmm_policy &policy, unsigned long pages, size_t slots)
        : pool_(policy), slots_(slots)
    {
        if (pool_.add_free(kBase, pages, 0) != 0)
            throw std::runtime_error("add_free");
    }
    bool alloc(unsigned long nr, size_t slot)
    {
        slots_[slot] = pool_.alloc(nr, 0);
        return bool(slots_[slot]);
    }
    void free(size_t slot) { slots_[slot].reset(); }
    unsigned long free_extents() const { return pool_.get()->nr_free_extents; }
    unsigned long address(size_t slot) const { return slots_[slot] ? slots_[slot].start() : 0; }

private:
    pmm::Pool pool_; // before the blocks
    std::vector<pmm::Block> slots_;
};

class BitmapAllocator {
public:
    BitmapAllocator(unsigned long pages, size_t slots) : map_(kBase, pages), slots_(slots) {}
    bool alloc(unsigned long nr, size_t slot)
    {
        std::optional<unsigned long> s = map_.alloc(nr);
        slots_[slot] = s ? std::make_pair(*s, nr) : std::make_pair(0UL, 0UL);
        return s.has_value();
    }
    void free(size_t slot)
    {
        map_.free(slots_[slot].first, slots_[slot].second);
        slots_[slot] = {0, 0};
    }
    unsigned long free_extents() const { return 0; }
    unsigned long address(size_t slot) const { return slots_[slot].first; }

private:
    pmm::bench::BitmapBestFit map_;
    std::vector<std::pair<unsigned long, unsigned long>> slots_;
};

enum Kind { kPmmBest = 0, kPmmFirst = 1, kBitmap = 2 };

// One allocator with n live blocks and its operation stream, seeded by n
// only, so every allocator sees the same requests and the same victims.
class Churn {
public:
    Churn(Kind kind, unsigned long n) : n_(n), rng_(n * 7919 + 1)
    {
        const unsigned long pages = pool_pages_for(n);
        if (kind == kBitmap)
            alloc_.emplace<BitmapAllocator>(pages, n);
        else
            alloc_.emplace<PmmAllocator>(
                kind == kPmmBest ? pmm_policy_best_fit : pmm_policy_first_fit, pages, n);
        for (size_t i = 0; i < n; i++)
            if (!do_alloc(i))
                throw std::runtime_error("initial fill failed");
        for (unsigned long i = 0; i < n; i++)
            pair();
    }

    // Free a random live block and allocate a new one in its place.
    void pair()
    {
        const size_t slot = rng_.below(n_);
        std::visit([&](auto &a) { a.free(slot); }, alloc_);
        if (!do_alloc(slot))
            failures_++;
    }

    unsigned long failures() const { return failures_; }
    unsigned long free_extents() const
    {
        return std::visit([](const auto &a) { return a.free_extents(); }, alloc_);
    }
    unsigned long address(size_t slot) const
    {
        return std::visit([&](const auto &a) { return a.address(slot); }, alloc_);
    }

private:
    bool do_alloc(size_t slot)
    {
        const unsigned long nr = rng_.between(1, kMaxBlock);
        return std::visit([&](auto &a) { return a.alloc(nr, slot); }, alloc_);
    }

    unsigned long n_;
    Rng rng_;
    std::variant<PmmAllocator, BitmapAllocator> alloc_{std::in_place_type<BitmapAllocator>, 64, 0};
    unsigned long failures_ = 0;
};

// Set up once per (allocator, n) and reused by the repetitions: the setup
// (n allocations, then n pairs) dwarfs the measurement at large n.
std::unique_ptr<Churn> current;
std::pair<int, long> current_key{-1, -1};

Churn &churn_for(Kind kind, unsigned long n)
{
    if (current_key != std::pair<int, long>(kind, long(n))) {
        current.reset();
        current = std::make_unique<Churn>(kind, n);
        current_key = {kind, long(n)};
    }
    return *current;
}

void BM_AllocFree(benchmark::State &state, Kind kind)
{
    const unsigned long n = static_cast<unsigned long>(state.range(0));
    Churn &c = churn_for(kind, n);
    const unsigned long failures_before = c.failures();
    for (auto _ : state)
        c.pair();
    state.counters["live_blocks"] = double(n);
    state.counters["free_extents"] = double(c.free_extents());
    state.counters["failed_allocs"] = double(c.failures() - failures_before);
}

// Timed pairs per repetition: enough for ~50 ms at the expected speed.
int64_t iterations_for(Kind kind, long n)
{
    if (kind != kBitmap)
        return 200000;
    return n <= 100 ? 100000 : n <= 1000 ? 20000 : n <= 10000 ? 2000 : 200;
}

void register_scaling()
{
    const long sizes[] = {100, 1000, 10000, 100000, 1000000};
    const char *const names[] = {"pmm_best_fit", "pmm_first_fit", "bitmap_best_fit"};
    for (int k = 0; k < 3; k++) {
        for (long n : sizes) {
            // The bitmap scan costs ~1-2 ms per allocation at n = 1e6; the
            // setup alone (1e6 pairs) would take over half an hour.
            if (k == kBitmap && n > 100000)
                continue;
            benchmark::RegisterBenchmark((std::string("BM_AllocFree/") + names[k]).c_str(),
                                         BM_AllocFree, Kind(k))
                ->Arg(n)
                ->Iterations(iterations_for(Kind(k), n))
                ->Repetitions(5)
                ->ReportAggregatesOnly(true)
                ->Unit(benchmark::kNanosecond);
        }
    }
}

// --- fragmentation ---------------------------------------------------------

struct FragResult {
    std::string policy;
    unsigned long total_pages = 0;
    double util_before_first_failure = 0; // highest utilisation before it
    long first_failure_op = -1;
    unsigned long first_failure_pages = 0;
    unsigned long failures = 0;
    unsigned long allocs = 0;
    unsigned long min_largest_free = 0;
    double mean_largest_free = 0;
};

FragResult replay(const pmm::bench::Trace &t, const char *name, const pmm_policy &policy,
                  std::ostream *series)
{
    FragResult r;
    r.policy = name;
    pmm::Pool pool(policy);
    for (size_t i = 0; i < t.regions.size(); i++) {
        if (pool.add_free(t.regions[i].start, t.regions[i].nr_pages, unsigned(i)) != 0)
            throw std::runtime_error("add_free");
        r.total_pages += t.regions[i].nr_pages;
    }
    std::unordered_map<unsigned long, pmm::Block> live;
    double largest_sum = 0;
    r.min_largest_free = r.total_pages;
    unsigned long used = 0;
    for (size_t i = 0; i < t.ops.size(); i++) {
        const pmm::bench::TraceOp &op = t.ops[i];
        if (op.alloc) {
            r.allocs++;
            pmm::Block b = pool.alloc(op.nr_pages, op.order);
            if (b) {
                used += op.nr_pages;
                live.emplace(op.id, std::move(b));
            } else {
                r.failures++;
                if (r.first_failure_op < 0) {
                    r.first_failure_op = long(i);
                    r.first_failure_pages = op.nr_pages;
                }
            }
        } else {
            auto it = live.find(op.id);
            if (it != live.end()) {
                used -= it->second.nr_pages();
                live.erase(it);
            }
        }
        const double util = double(used) / double(r.total_pages);
        if (r.first_failure_op < 0)
            r.util_before_first_failure = std::max(r.util_before_first_failure, util);
        const unsigned long largest = pool.largest_free();
        largest_sum += double(largest);
        r.min_largest_free = std::min(r.min_largest_free, largest);
        if (series && i % 10 == 0)
            *series << name << ',' << i << ',' << util << ',' << largest << ','
                    << pool.get()->nr_free_extents << '\n';
    }
    r.mean_largest_free = largest_sum / double(t.ops.size());
    live.clear();
    return r;
}

int run_fragmentation(const std::string &trace_path, const std::string &out_dir)
{
    const pmm::bench::Trace t = pmm::bench::read_trace(trace_path);
    std::unique_ptr<std::ofstream> series;
    if (!out_dir.empty()) {
        series = std::make_unique<std::ofstream>(out_dir + "/fragmentation.csv");
        *series << "policy,op,utilisation,largest_free_pages,free_extents\n";
    }
    std::vector<FragResult> results;
    results.push_back(replay(t, "pmm_best_fit", pmm_policy_best_fit, series.get()));
    results.push_back(replay(t, "pmm_first_fit", pmm_policy_first_fit, series.get()));

    std::printf("Fragmentation on %s (%zu operations, %lu pages):\n", trace_path.c_str(),
                t.ops.size(), results[0].total_pages);
    std::printf("  %-14s %10s %12s %10s %14s %14s\n", "policy", "util@fail", "first fail",
                "failures", "min largest", "mean largest");
    for (const FragResult &r : results)
        std::printf("  %-14s %9.1f%% %12ld %10lu %14lu %14.0f\n", r.policy.c_str(),
                    100 * r.util_before_first_failure, r.first_failure_op, r.failures,
                    r.min_largest_free, r.mean_largest_free);
    if (!out_dir.empty()) {
        std::ofstream sum(out_dir + "/fragmentation-summary.csv");
        sum << "policy,total_pages,allocs,util_before_first_failure,first_failure_op,"
               "first_failure_pages,failures,min_largest_free,mean_largest_free\n";
        for (const FragResult &r : results)
            sum << r.policy << ',' << r.total_pages << ',' << r.allocs << ','
                << r.util_before_first_failure << ',' << r.first_failure_op << ','
                << r.first_failure_pages << ',' << r.failures << ',' << r.min_largest_free << ','
                << r.mean_largest_free << '\n';
    }
    for (const FragResult &r : results)
        if (r.first_failure_op < 0) {
            std::fprintf(stderr, "%s never failed: the trace does not reach exhaustion\n",
                         r.policy.c_str());
            return 1;
        }
    return 0;
}

// Prove the baseline is doing the same job before timing it: PMM best fit
// and the bitmap must agree on every address of the stream.
int cross_check()
{
    for (unsigned long n : {100UL, 1000UL, 10000UL}) {
        Churn a(kPmmBest, n), b(kBitmap, n);
        for (int i = 0; i < 20000; i++) {
            a.pair();
            b.pair();
        }
        for (size_t s = 0; s < n; s++)
            if (a.address(s) != b.address(s)) {
                std::fprintf(stderr, "bitmap baseline and PMM best fit differ at n=%lu\n", n);
                return 1;
            }
    }
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    std::string trace, out_dir;
    bool frag_only = false;
    std::vector<char *> rest = {argv[0]};
    for (int i = 1; i < argc; i++) {
        if (!std::strncmp(argv[i], "--trace=", 8))
            trace = argv[i] + 8;
        else if (!std::strncmp(argv[i], "--frag-out=", 11))
            out_dir = argv[i] + 11;
        else if (!std::strcmp(argv[i], "--frag-only"))
            frag_only = true;
        else
            rest.push_back(argv[i]);
    }
    try {
        if (!trace.empty())
            if (int err = run_fragmentation(trace, out_dir))
                return err;
        if (frag_only)
            return 0;
        if (int err = cross_check())
            return err;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "pmm_bench: %s\n", e.what());
        return 1;
    }
    int bargc = int(rest.size());
    benchmark::AddCustomContext("pmm_build_type",
                                std::string(PMM_BUILD_TYPE) +
                                    (PMM_SANITIZED ? " with ASan/UBSan" : ", no sanitizers"));
    benchmark::Initialize(&bargc, rest.data());
    if (benchmark::ReportUnrecognizedArguments(bargc, rest.data()))
        return 1;
    register_scaling();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    current.reset();
    return 0;
}
