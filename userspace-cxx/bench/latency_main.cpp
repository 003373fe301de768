// SPDX-License-Identifier: GPL-2.0
//
// pmm_latency: what one allocation or free costs, operation by operation,
// for PMM and its baselines on the same operation streams. Figures, never
// assertions (except --verify's correctness checks, which the smoke test
// uses). Build in Release for numbers.
//
// Every timed operation is one call of the allocator, bracketed by
// OpTimer (op_timer.hpp; its median empty-interval cost is subtracted).
// Outside that bracket: the preload fill PMM's owner does before taking its
// lock, the outcome classification, the bookkeeping and the verifier. The
// sample arrays are sized before a workload starts; nothing the harness
// does allocates between the two timer reads.
//
// Outcomes are read from the pool, not from inside the allocator: for PMM
// the change of pmm_pool.nr_free_extents across the call (an allocation
// -1: exact fit, 0: split, +1: split with a head and a tail; a free +1:
// merged with no neighbour, 0: one, -1: two); for the baselines the free
// pages touching the block after the allocation or before the free.
//
// Workloads (each for every allocator, with --seeds seeds):
//   trace        bench/traces/pipeline.trace replayed from an empty pool
//   sessions8    8 interleaved camera/codec/display sessions, 4 GiB pool
//   occupancyNN  the trace's request mix held at NN% of its pool
//   adv-sorted, adv-misaligned, adv-largest   adversarial layouts
//   sweep-nN[-aligned]   N live blocks of 1-64 pages, free/alloc pairs
// Stream workloads warm up for at least 8n operations (n: live blocks) and
// until the mean free-extent count of a chunk of n operations is within 2%
// of the previous chunk's.
//
// Output (--out=DIR): latency.csv (percentiles per workload, allocator,
// operation and outcome), latency-summary.csv (one row per workload and
// allocator), latency-meta.csv (timer, machine); a table on stdout.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <sys/resource.h>

#include "baselines.hpp"
#include "mix.hpp"
#include "op_timer.hpp"
#include "pmm_core.hpp"
#include "trace.hpp"

namespace {

using namespace pmm::bench;
using pmm::model::Rng;

constexpr unsigned long kBase = 1UL << 20; // pfn of a synthetic pool's first page

// --- what is measured ------------------------------------------------------

enum Outcome : uint8_t {
    kExact,  // alloc: the extent was used whole
    kSplit,  // alloc: one remainder
    kSplit2, // alloc: a head and a tail remain
    kFail,   // alloc: nothing fits
    kMerge0, // free: no free neighbour
    kMerge1, // free: merged with one neighbour
    kMerge2, // free: merged with both
    kOutcomes
};
constexpr const char *kOutcomeNames[kOutcomes] = {"exact",  "split",  "split2", "fail",
                                                  "merge0", "merge1", "merge2"};
constexpr bool is_alloc(Outcome o)
{
    return o <= kFail;
}

enum AllocKind { kPmmBest, kPmmFirst, kGenpool, kCma, kTlsf, kAllocKinds };
constexpr const char *kAllocNames[kAllocKinds] = {
    "pmm_best_fit", "pmm_first_fit", "genalloc_best_fit", "cma_first_fit", "tlsf_overask"};
constexpr bool is_bitmap(AllocKind k)
{
    return k == kGenpool || k == kCma;
}

// Samples of one workload x allocator, over all its seeds; sized up front.
// A sample is "preempted" when the thread was switched out involuntarily
// around it: the scheduler's time, not the allocator's (the kernel calls
// the allocator with the pool's spinlock held, preemption off).
class SampleStore {
public:
    void reserve(size_t n)
    {
        ticks_.assign(n, 0);
        outcomes_.assign(n, 0);
    }
    void push(uint64_t ticks, Outcome o, bool preempted)
    {
        if (size_ == ticks_.size()) {
            dropped_++;
            return;
        }
        ticks_[size_] = uint32_t(std::min<uint64_t>(ticks, UINT32_MAX));
        outcomes_[size_++] = uint8_t(o | (preempted ? kPreempted : 0));
    }
    [[nodiscard]] size_t size() const { return size_; }
    [[nodiscard]] size_t dropped() const { return dropped_; }
    [[nodiscard]] uint32_t ticks(size_t i) const { return ticks_[i]; }
    [[nodiscard]] Outcome outcome(size_t i) const { return Outcome(outcomes_[i] & ~kPreempted); }
    [[nodiscard]] bool preempted(size_t i) const { return outcomes_[i] & kPreempted; }

private:
    static constexpr uint8_t kPreempted = 0x80;
    std::vector<uint32_t> ticks_;
    std::vector<uint8_t> outcomes_;
    size_t size_ = 0, dropped_ = 0;
};

struct Result {
    std::string workload, allocator, util_kind = "mean_occupancy", skipped;
    unsigned seeds = 0;
    SampleStore samples;
    unsigned long allocs = 0, failures = 0; // timed
    double requested = 0, granted = 0;      // pages of the timed successful allocations
    double util_sum = 0;                    // per seed: the workload's utilisation
    double warm_ops_sum = 0;
    unsigned stationary_seeds = 0;
    unsigned long tree_height = 0;               // PMM: the index's height, the highest seen
    unsigned long free_extents_end = 0;          // at the end of the last seed
    uint64_t placements = 0xcbf29ce484222325ULL; // FNV-1a over every placement, all seeds
};

// The defaults fit scripts/pmm bench's ~10 minutes on 2 cores: the warm-up
// (8n operations at least) is what costs at large n, so the large sizes get
// fewer seeds and the slowest combinations are skipped (with the reason in
// the output).
struct Config {
    unsigned seeds = 10;
    unsigned large_seeds = 2;   // sweep at n >= large_n
    unsigned largest_seeds = 1; // sweep at its largest n (of more than 2)
    unsigned long large_n = 100000;
    unsigned long timed_ops = 20000; // per seed, stream workloads
    unsigned long adv_timed_ops = 10000;
    std::vector<unsigned long> sweep = {100, 1000, 10000, 100000, 1000000};
    unsigned long aligned_max_n = 100000;       // aligned sweep skipped above
    unsigned long bitmap_max_n = 100000;        // bitmaps skipped above (O(pool) per op)
    unsigned long bitmap_aligned_max_n = 10000; // aligned bitmaps: ~3x slower still
    unsigned adv_extents = 4096;
    unsigned trace_replays_warm = 1;
    bool verify = false;
    bool tsc = true;
    bool preempt_check = true;
    std::string out_dir, trace_path, only;
};

// --- correctness, outside the timed region (--verify) -----------------------

// Every granted block lies in one region, is aligned as asked, holds what
// was asked and overlaps no live block.
class Verifier {
public:
    explicit Verifier(const std::vector<Region> &regions)
        : regions_(regions), span_start_(span_start(regions)),
          live_(span_end(regions) - span_start_)
    {
    }
    void on_alloc(Placement p, unsigned long nr, unsigned order, const char *who)
    {
        bool inside = false;
        for (const Region &r : regions_)
            inside |= p.start >= r.start && p.start + p.nr_pages <= r.end();
        if (!inside || p.nr_pages < nr || (p.start & ((1UL << order) - 1)))
            fail(who, "block outside its regions, short or misaligned", p);
        const unsigned long first = p.start - span_start_;
        if (live_.find_next_bit(first + p.nr_pages, first) < first + p.nr_pages)
            fail(who, "block overlaps a live block", p);
        live_.set(first, p.nr_pages);
    }
    void on_free(Placement p) { live_.clear(p.start - span_start_, p.nr_pages); }

private:
    static unsigned long span_start(const std::vector<Region> &rs)
    {
        unsigned long s = rs.front().start;
        for (const Region &r : rs)
            s = std::min(s, r.start);
        return s;
    }
    static unsigned long span_end(const std::vector<Region> &rs)
    {
        unsigned long e = 0;
        for (const Region &r : rs)
            e = std::max(e, r.end());
        return e;
    }
    [[noreturn]] static void fail(const char *who, const char *what, Placement p)
    {
        throw std::runtime_error(std::string(who) + ": " + what + " (pfn " +
                                 std::to_string(p.start) + ", " + std::to_string(p.nr_pages) +
                                 " pages)");
    }
    std::vector<Region> regions_;
    unsigned long span_start_;
    KernelBitmap live_;
};

// --- the allocators behind one interface ------------------------------------

unsigned long rb_height(const rb_node *n)
{
    return n ? 1 + std::max(rb_height(n->rb_left), rb_height(n->rb_right)) : 0;
}

class PmmAdapter {
public:
    PmmAdapter(AllocKind kind, const std::vector<Region> &regions, size_t slots)
        : pool_(kind == kPmmFirst ? pmm_policy_first_fit : pmm_policy_best_fit), slots_(slots)
    {
        for (size_t i = 0; i < regions.size(); i++)
            if (pool_.add_free(regions[i].start, regions[i].nr_pages, unsigned(i)) != 0)
                throw std::runtime_error("add_free");
    }
    // The owner's part before it takes the lock: fill the preload.
    void prepare()
    {
        if (pool_.preload().fill() != 0)
            throw std::runtime_error("preload");
        extents_before_ = pool_.get()->nr_free_extents;
    }
    void prepare_free(size_t) { prepare(); }
    bool alloc(size_t slot, unsigned long nr, unsigned order)
    {
        pmm_extent *e = pmm_pool_alloc(pool_.get(), nr, order, pool_.preload().get());
        if (!e)
            return false;
        slots_[slot] = pmm::Block(pool_.get(), e);
        return true;
    }
    void free(size_t slot) { slots_[slot].reset(); }
    [[nodiscard]] bool live(size_t slot) const { return bool(slots_[slot]); }
    [[nodiscard]] Placement placement(size_t slot) const
    {
        return {slots_[slot].start(), slots_[slot].nr_pages()};
    }
    [[nodiscard]] Outcome alloc_outcome(size_t) const
    {
        const long d = long(pool_.get()->nr_free_extents) - long(extents_before_);
        return d < 0 ? kExact : d == 0 ? kSplit : kSplit2;
    }
    [[nodiscard]] Outcome free_outcome() const
    {
        const long d = long(pool_.get()->nr_free_extents) - long(extents_before_);
        return d > 0 ? kMerge0 : d == 0 ? kMerge1 : kMerge2;
    }
    [[nodiscard]] unsigned long free_extents() const { return pool_.get()->nr_free_extents; }
    [[nodiscard]] unsigned long tree_height() const
    {
        return rb_height(pool_.get()->index.rb_node);
    }
    void self_check()
    {
        if (const char *err = pool_.check())
            throw std::runtime_error(std::string("pmm_pool_check(): ") + err);
    }

private:
    pmm::Pool pool_; // before the blocks, which it must outlive
    std::vector<pmm::Block> slots_;
    unsigned long extents_before_ = 0;
};

template <class Baseline> class BaselineAdapter {
public:
    BaselineAdapter(AllocKind, const std::vector<Region> &regions, size_t slots)
        : impl_(make(regions, slots)), slots_(slots)
    {
    }
    void prepare() {}
    void prepare_free(size_t slot) { merges_ = impl_.free_neighbours(slots_[slot]); }
    bool alloc(size_t slot, unsigned long nr, unsigned order)
    {
        slots_[slot] = impl_.alloc(nr, order);
        return bool(slots_[slot]);
    }
    void free(size_t slot)
    {
        impl_.free(slots_[slot]);
        slots_[slot] = {};
    }
    [[nodiscard]] bool live(size_t slot) const { return bool(slots_[slot]); }
    [[nodiscard]] Placement placement(size_t slot) const { return slots_[slot]; }
    [[nodiscard]] Outcome alloc_outcome(size_t slot) const
    {
        return Outcome(kExact + impl_.free_neighbours(slots_[slot]));
    }
    [[nodiscard]] Outcome free_outcome() const { return Outcome(kMerge0 + merges_); }
    [[nodiscard]] unsigned long free_extents() const { return impl_.free_extents(); }
    [[nodiscard]] unsigned long tree_height() const { return 0; }
    void self_check() {}

private:
    static Baseline make(const std::vector<Region> &regions, size_t slots)
    {
        if constexpr (std::is_same_v<Baseline, TlsfOverAsk>)
            return Baseline(regions, slots);
        else
            return Baseline(regions);
    }
    Baseline impl_;
    std::vector<Placement> slots_;
    unsigned merges_ = 0;
};

// --- the driver: one allocator, its accounting, timing and verification ------

template <class A> class Driver {
public:
    Driver(AllocKind kind, const std::vector<Region> &regions, size_t slots, const OpTimer &timer,
           Result &result, bool verify, bool preempt_check = true)
        : alloc_(kind, regions, slots), timer_(timer), result_(result), requested_(slots, 0),
          name_(kAllocNames[kind]), preempt_check_(preempt_check)
    {
        for (const Region &r : regions)
            total_ += r.nr_pages;
        if (verify)
            verifier_.emplace(regions);
    }

    bool alloc(size_t slot, unsigned long nr, unsigned order)
    {
        alloc_.prepare();
        const uint64_t t0 = timer_.start();
        const bool ok = alloc_.alloc(slot, nr, order);
        const uint64_t t1 = timer_.stop();
        ops_++;
        Placement p{};
        result_.placements =
            (result_.placements ^ (ok ? alloc_.placement(slot).start : 0)) * 0x100000001b3ULL;
        if (ok) {
            p = alloc_.placement(slot);
            used_ += nr;
            requested_[slot] = uint32_t(nr);
            if (verifier_)
                verifier_->on_alloc(p, nr, order, name_);
            if (!failed_)
                util_before_failure_ = std::max(util_before_failure_, occupancy());
        } else {
            failed_ = true;
        }
        if (timing_) {
            result_.samples.push(t1 - t0, ok ? alloc_.alloc_outcome(slot) : kFail, preempted());
            result_.allocs++;
            if (ok) {
                result_.requested += double(nr);
                result_.granted += double(p.nr_pages);
            } else {
                result_.failures++;
            }
            occupancy_sum_ += occupancy();
            occupancy_samples_++;
        }
        return ok;
    }

    // Nothing (and nothing timed) if the slot is empty: its allocation failed.
    void free(size_t slot)
    {
        if (!alloc_.live(slot))
            return;
        const Placement p = alloc_.placement(slot);
        alloc_.prepare_free(slot);
        const uint64_t t0 = timer_.start();
        alloc_.free(slot);
        const uint64_t t1 = timer_.stop();
        ops_++;
        used_ -= requested_[slot];
        if (verifier_)
            verifier_->on_free(p);
        if (timing_)
            result_.samples.push(t1 - t0, alloc_.free_outcome(), preempted());
    }

    void start_timing()
    {
        timing_ = true;
        failed_ = false;
        util_before_failure_ = occupancy();
        switches_ = involuntary_switches();
    }
    [[nodiscard]] bool live(size_t slot) const { return alloc_.live(slot); }
    [[nodiscard]] unsigned long ops() const { return ops_; }
    [[nodiscard]] unsigned long used() const { return used_; }
    [[nodiscard]] unsigned long total() const { return total_; }
    [[nodiscard]] double occupancy() const { return double(used_) / double(total_); }
    [[nodiscard]] double mean_occupancy() const
    {
        return occupancy_samples_ ? occupancy_sum_ / double(occupancy_samples_) : occupancy();
    }
    // Highest occupancy before the first failure since start_timing().
    [[nodiscard]] double util_before_failure() const { return util_before_failure_; }
    [[nodiscard]] unsigned long free_extents() const { return alloc_.free_extents(); }
    A &allocator() { return alloc_; }

private:
    static long involuntary_switches()
    {
        rusage ru{};
        getrusage(RUSAGE_THREAD, &ru);
        return ru.ru_nivcsw;
    }
    // Switched out since the previous timed operation ended? One system call
    // per operation, after its timer stops; it flags the harness's work
    // between two operations too (conservative).
    bool preempted()
    {
        if (!preempt_check_)
            return false;
        const long now = involuntary_switches();
        return std::exchange(switches_, now) != now;
    }

    A alloc_;
    const OpTimer &timer_;
    Result &result_;
    std::vector<uint32_t> requested_;
    const char *name_;
    std::optional<Verifier> verifier_;
    unsigned long total_ = 0, used_ = 0, ops_ = 0;
    bool preempt_check_;
    long switches_ = 0;
    bool timing_ = false, failed_ = false;
    double util_before_failure_ = 0, occupancy_sum_ = 0;
    unsigned long occupancy_samples_ = 0;
};

// Run @step (which does one or a few operations) for at least 8n operations
// and until the free-extent count is stationary: the mean of 16 samples
// over a chunk of max(n, 2000) operations differs from the previous chunk's
// by no more than 2%, 2 extents or twice the standard error of that
// difference (the count is noisy where it is small). Gives up after 16 more
// chunks, or when @more says the stream is spent. Returns whether it became
// stationary.
constexpr unsigned long kWarmChunks = 17;
unsigned long warm_chunk(unsigned long n)
{
    return std::max(n, 2000UL);
}

template <class D, class Step, class More> bool warm_up(D &d, unsigned long n, Step step, More more)
{
    const unsigned long start = d.ops();
    while (d.ops() - start < 8 * n && more())
        step();
    const unsigned long chunk = warm_chunk(n);
    double previous_mean = -1, previous_var = 0;
    for (unsigned long c = 0; c < kWarmChunks && more(); c++) {
        double sum = 0, sum_sq = 0;
        for (int s = 0; s < 16 && more(); s++) {
            const unsigned long until = d.ops() + chunk / 16;
            while (d.ops() < until && more())
                step();
            const double x = double(d.free_extents());
            sum += x;
            sum_sq += x * x;
        }
        const double mean = sum / 16, var = std::max(0.0, sum_sq / 16 - mean * mean);
        if (previous_mean >= 0) {
            const double se = std::sqrt((var + previous_var) / 16);
            if (std::fabs(mean - previous_mean) <= std::max({0.02 * previous_mean, 2.0, 2 * se}))
                return true;
        }
        previous_mean = mean;
        previous_var = var;
    }
    return false;
}

// --- operation streams ---------------------------------------------------

struct StreamOp {
    uint32_t slot;
    uint32_t nr_pages; // 0: free the slot
    uint8_t order;
};

struct Stream {
    std::vector<Region> regions;
    std::vector<StreamOp> ops;
    size_t slots = 0;
};

Stream stream_of_trace(const Trace &t)
{
    Stream s;
    for (const TraceRegion &r : t.regions)
        s.regions.push_back({r.start, r.nr_pages});
    s.ops.reserve(t.ops.size());
    for (const TraceOp &op : t.ops) {
        s.ops.push_back(
            {uint32_t(op.id), op.alloc ? uint32_t(op.nr_pages) : 0U, uint8_t(op.order)});
        s.slots = std::max(s.slots, size_t(op.id) + 1);
    }
    return s;
}

// (b): 8 capture sessions sharing a 4 GiB pool, each a camera ring (6 NV12
// frames), a codec DPB (4) and bitstreams (4 in flight), 1-2 control
// buffers per frame living 1-400 frames, 3 long-lived ones; one display of
// 3 XRGB8888 buffers. Per frame the sessions run in a shuffled order, so
// their streams interleave; a session changes resolution now and then
// (frees its frames, allocates new ones), stops and restarts. About 2.5K
// blocks are live.
Stream sessions_stream(uint64_t seed, unsigned long min_ops)
{
    using namespace pmm::model;
    Rng rng(seed * 0x9e37 + 17);
    Stream s;
    s.regions = {{kBase, 1UL << 20}};
    uint32_t next_slot = 0;
    auto alloc = [&](Request r) {
        s.ops.push_back({next_slot, uint32_t(r.nr_pages), uint8_t(r.align_order)});
        return next_slot++;
    };
    auto free = [&](uint32_t slot) { s.ops.push_back({slot, 0, 0}); };
    const Resolution kRes[] = {Resolution::hd720, Resolution::fhd1080, Resolution::uhd4k};

    struct Session {
        bool running = false;
        unsigned restart_at = 0;
        Resolution res = Resolution::hd720;
        std::vector<uint32_t> frames, long_lived;
        std::deque<uint32_t> bitstreams;
    };
    std::vector<Session> sessions(8);
    std::multimap<unsigned, uint32_t> controls; // frame to free at -> slot
    std::vector<uint32_t> display;
    auto start_frames = [&](Session &ss) {
        for (int i = 0; i < 6; i++)
            ss.frames.push_back(alloc(draw_request(rng, BufferKind::camera_nv12, ss.res)));
        const Frame f = frame_of(ss.res);
        for (int i = 0; i < 4; i++)
            ss.frames.push_back(alloc({nv12_pages(f.width, f.height), 8}));
    };
    auto stop_frames = [&](Session &ss) {
        for (uint32_t slot : ss.frames)
            free(slot);
        ss.frames.clear();
    };
    std::vector<size_t> order(sessions.size());
    for (size_t i = 0; i < order.size(); i++)
        order[i] = i;
    for (unsigned frame = 0; s.ops.size() < min_ops; frame++) {
        if (frame % 1500 == 0) {
            for (uint32_t slot : display)
                free(slot);
            display.clear();
            const Resolution r = kRes[rng.between(1, 2)];
            for (int i = 0; i < 3; i++)
                display.push_back(alloc(draw_request(rng, BufferKind::display_rgb, r)));
        }
        for (size_t i = order.size() - 1; i > 0; i--)
            std::swap(order[i], order[rng.below(i + 1)]);
        for (size_t idx : order) {
            Session &ss = sessions[idx];
            if (!ss.running) {
                if (frame < ss.restart_at)
                    continue;
                ss.running = true;
                ss.res = kRes[rng.below(3)];
                start_frames(ss);
                for (int i = 0; i < 3; i++)
                    ss.long_lived.push_back(alloc({rng.between(1, 16), 0}));
            } else if (rng.chance(1, 3000)) {
                stop_frames(ss);
                for (uint32_t slot : ss.bitstreams)
                    free(slot);
                for (uint32_t slot : ss.long_lived)
                    free(slot);
                ss.bitstreams.clear();
                ss.long_lived.clear();
                ss.running = false;
                ss.restart_at = frame + unsigned(rng.between(30, 300));
                continue;
            } else if (rng.chance(1, 600)) {
                stop_frames(ss);
                ss.res = kRes[rng.below(3)];
                start_frames(ss);
            }
            ss.bitstreams.push_back(alloc(draw_request(rng, BufferKind::bitstream, ss.res)));
            if (ss.bitstreams.size() > 4) {
                free(ss.bitstreams.front());
                ss.bitstreams.pop_front();
            }
            for (uint64_t c = rng.between(1, 2); c > 0; c--)
                controls.emplace(frame + unsigned(rng.between(1, 400)),
                                 alloc(draw_request(rng, BufferKind::control, ss.res)));
        }
        while (!controls.empty() && controls.begin()->first <= frame) {
            free(controls.begin()->second);
            controls.erase(controls.begin());
        }
    }
    s.slots = next_slot;
    return s;
}

// --- workloads --------------------------------------------------------------

struct Context {
    const Config &cfg;
    const OpTimer &timer;
    const Trace &trace;
};

enum class Type { kTrace, kSessions, kOccupancy, kSorted, kMisaligned, kLargest, kSweep };

struct Spec {
    std::string name;
    Type type;
    double occupancy = 0; // kOccupancy
    unsigned long n = 0;  // kSweep
    bool aligned = false; // kSweep
};

template <class A> void finish_seed(Driver<A> &d, Result &r, double util, bool stationary)
{
    r.util_sum += util;
    r.stationary_seeds += stationary;
    r.tree_height = std::max(r.tree_height, d.allocator().tree_height());
    r.free_extents_end = d.free_extents();
}

template <class A> void replay(Driver<A> &d, const Stream &s, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        const StreamOp &op = s.ops[i];
        if (op.nr_pages)
            d.alloc(op.slot, op.nr_pages, op.order);
        else
            d.free(op.slot);
    }
}

template <class A> void run_trace(const Context &ctx, AllocKind kind, Result &r)
{
    const Stream s = stream_of_trace(ctx.trace);
    r.util_kind = "util_before_first_failure";
    r.samples.reserve(ctx.cfg.seeds * s.ops.size());
    // An untimed replay first, for the caches and the branch predictors; the
    // pool starts empty on every replay, as the trace did.
    // It also samples PMM's index height every 1000 operations: the end of
    // the trace, where the other workloads take it, is an empty pool.
    for (unsigned w = 0; w < ctx.cfg.trace_replays_warm; w++) {
        Result scratch;
        Driver<A> d(kind, s.regions, s.slots, ctx.timer, scratch, false);
        for (size_t i = 0; i < s.ops.size(); i += 1000) {
            replay(d, s, i, std::min(s.ops.size(), i + 1000));
            r.tree_height = std::max(r.tree_height, d.allocator().tree_height());
        }
    }
    for (unsigned seed = 0; seed < ctx.cfg.seeds; seed++) {
        Driver<A> d(kind, s.regions, s.slots, ctx.timer, r, ctx.cfg.verify, ctx.cfg.preempt_check);
        d.start_timing();
        replay(d, s, 0, s.ops.size());
        finish_seed(d, r, d.util_before_failure(), true);
        d.allocator().self_check();
    }
}

template <class A> void run_sessions(const Context &ctx, AllocKind kind, Result &r)
{
    constexpr unsigned long kLive = 2500; // n, for the warm-up
    r.samples.reserve(ctx.cfg.seeds * ctx.cfg.timed_ops + 16);
    for (unsigned seed = 0; seed < ctx.cfg.seeds; seed++) {
        // Long enough for the longest warm-up, then the timed operations.
        const Stream s = sessions_stream(seed, 8 * kLive + kWarmChunks * warm_chunk(kLive) + 1000 +
                                                   ctx.cfg.timed_ops);
        Driver<A> d(kind, s.regions, s.slots, ctx.timer, r, ctx.cfg.verify, ctx.cfg.preempt_check);
        size_t pos = 0;
        const size_t warm_limit = s.ops.size() - ctx.cfg.timed_ops;
        auto step = [&] {
            replay(d, s, pos, pos + 1);
            pos++;
        };
        const bool stationary = warm_up(d, kLive, step, [&] { return pos < warm_limit; });
        r.warm_ops_sum += double(pos);
        d.start_timing();
        replay(d, s, pos, pos + ctx.cfg.timed_ops);
        finish_seed(d, r, d.mean_occupancy(), stationary);
        d.allocator().self_check();
    }
}

// (c): requests drawn from the trace's own (pages, alignment) pairs; before
// each one, random live blocks are freed until it fits under the target.
// A request that fails is dropped (counted) and the next one drawn.
template <class A>
void run_occupancy(const Context &ctx, AllocKind kind, const Spec &spec, Result &r)
{
    const Stream trace = stream_of_trace(ctx.trace);
    std::vector<std::pair<uint32_t, uint8_t>> mix;
    for (const StreamOp &op : trace.ops)
        if (op.nr_pages)
            mix.emplace_back(op.nr_pages, op.order);
    unsigned long total = 0;
    for (const Region &reg : trace.regions)
        total += reg.nr_pages;
    const size_t slots = total; // every block holds a page at least
    // A step frees until its request fits, a page at least per free: it
    // overshoots the timed operations by at most the largest request.
    unsigned long largest = 0;
    for (const auto &m : mix)
        largest = std::max<unsigned long>(largest, m.first);
    r.samples.reserve(ctx.cfg.seeds * (ctx.cfg.timed_ops + largest + 2));
    for (unsigned seed = 0; seed < ctx.cfg.seeds; seed++) {
        Rng rng(seed * 7919 + unsigned(spec.occupancy * 1000));
        Driver<A> d(kind, trace.regions, slots, ctx.timer, r, ctx.cfg.verify,
                    ctx.cfg.preempt_check);
        std::vector<uint32_t> live, spare;
        live.reserve(slots);
        spare.reserve(slots);
        for (size_t i = slots; i > 0; i--)
            spare.push_back(uint32_t(i - 1));
        const auto target = static_cast<unsigned long>(spec.occupancy * double(total));
        auto step = [&] {
            const auto &[nr, order] = mix[rng.below(mix.size())];
            while (!live.empty() && d.used() + nr > target) {
                const size_t i = rng.below(live.size());
                const uint32_t victim = live[i];
                live[i] = live.back();
                live.pop_back();
                d.free(victim);
                spare.push_back(victim);
            }
            const uint32_t slot = spare.back();
            spare.pop_back();
            if (d.alloc(slot, nr, order))
                live.push_back(slot);
            else
                spare.push_back(slot);
        };
        // Fill to the target, then warm up around it.
        for (unsigned long i = 0; d.used() + 4096 < target && i < 10 * slots; i++)
            step();
        const unsigned long n = std::max<size_t>(live.size(), 100);
        const bool stationary = warm_up(d, n, step, [] { return true; });
        r.warm_ops_sum += double(d.ops());
        d.start_timing();
        const unsigned long until = d.ops() + ctx.cfg.timed_ops;
        while (d.ops() < until)
            step();
        finish_seed(d, r, d.mean_occupancy(), stationary);
        d.allocator().self_check();
    }
}

// (d): a layout built by untimed allocations and frees from an empty pool,
// then a timed pattern of an allocation and its free, which puts the layout
// back as it was: the state is stationary by construction, so the warm-up
// is 1000 operations, for the caches.
struct Adversary {
    std::vector<Region> regions;
    std::vector<StreamOp> setup;
    size_t slots;
    uint32_t pattern_slot;
    std::function<std::pair<unsigned long, unsigned>(Rng &)> request;
};

Adversary adversary(Type type, unsigned k, uint64_t seed)
{
    Adversary a;
    Rng rng(seed * 31 + 5);
    uint32_t slot = 0;
    unsigned long pages = 0;
    auto put = [&](unsigned long nr) {
        a.setup.push_back({slot++, uint32_t(nr), 0});
        pages += nr;
        return slot - 1;
    };
    std::vector<uint32_t> holes;
    if (type == Type::kSorted) {
        // k/2 free extents of 1..k/2 pages, in ascending size and address,
        // between one-page blocks, freed (inserted) in that order: request
        // sizes hit every depth of the index.
        for (unsigned i = 1; i <= k / 2; i++) {
            holes.push_back(put(i));
            put(1);
        }
        a.request = [k](Rng &r) { return std::make_pair(r.between(1, k / 2), 0U); };
    } else if (type == Type::kMisaligned) {
        // k free extents of 510 pages starting 1 page past a 256-page
        // boundary: each holds only 255 pages at order 8, one short of the
        // request; only the last, large extent fits it.
        put(1);
        for (unsigned i = 0; i < k; i++) {
            holes.push_back(put(510));
            put(2);
        }
        a.request = [](Rng &) { return std::make_pair(256UL, 8U); };
    } else {
        // kLargest: k small free extents (1-64 pages) and one large one; the
        // requests (1024-8192 pages) fit only the large one, which is split
        // and merged back by every pair.
        for (unsigned i = 0; i < k; i++) {
            holes.push_back(put(rng.between(1, 64)));
            put(1);
        }
        a.request = [](Rng &r) { return std::make_pair(r.between(1024, 8192), 0U); };
    }
    for (uint32_t h : holes)
        a.setup.push_back({h, 0, 0});
    // The tail: room for the largest request, and for TLSF's over-asking
    // (at most 1/32) in the setup.
    const unsigned long tail = std::max<unsigned long>(16384, pages / 16) + 8192;
    a.regions = {{kBase, pages + tail}};
    a.pattern_slot = slot;
    a.slots = slot + 1;
    return a;
}

template <class A>
void run_adversary(const Context &ctx, AllocKind kind, const Spec &spec, Result &r)
{
    r.samples.reserve(ctx.cfg.seeds * ctx.cfg.adv_timed_ops + 16);
    for (unsigned seed = 0; seed < ctx.cfg.seeds; seed++) {
        const Adversary a = adversary(spec.type, ctx.cfg.adv_extents, seed);
        Driver<A> d(kind, a.regions, a.slots, ctx.timer, r, ctx.cfg.verify, ctx.cfg.preempt_check);
        Stream setup{a.regions, a.setup, a.slots};
        replay(d, setup, 0, setup.ops.size());
        Rng rng(seed * 104729 + 3);
        auto pair = [&] {
            const auto [nr, order] = a.request(rng);
            d.alloc(a.pattern_slot, nr, order);
            d.free(a.pattern_slot);
        };
        const unsigned long warm_until = d.ops() + 1000;
        while (d.ops() < warm_until)
            pair();
        r.warm_ops_sum += double(d.ops());
        d.start_timing();
        const unsigned long until = d.ops() + ctx.cfg.adv_timed_ops;
        while (d.ops() < until)
            pair();
        finish_seed(d, r, d.mean_occupancy(), true);
        d.allocator().self_check();
    }
}

// (e): n live blocks of 1-64 pages in a pool sized for ~60% use; each step
// frees a random live block and allocates a new one in its slot (the
// pmm_bench scaling stream). Aligned: order uniform in [0, log2(pages)].
unsigned long sweep_pool_pages(unsigned long n)
{
    return std::max(4096UL, n * 65 / 2 * 10 / 6);
}

template <class A>
void run_sweep(const Context &ctx, AllocKind kind, const Spec &spec, unsigned seeds, Result &r)
{
    const std::vector<Region> regions = {{kBase, sweep_pool_pages(spec.n)}};
    r.samples.reserve(seeds * (ctx.cfg.timed_ops + 2));
    for (unsigned seed = 0; seed < seeds; seed++) {
        Rng rng(seed * 1000003 + spec.n * 2 + spec.aligned);
        Driver<A> d(kind, regions, spec.n, ctx.timer, r, ctx.cfg.verify, ctx.cfg.preempt_check);
        auto draw_alloc = [&](size_t slot) {
            const unsigned long nr = rng.between(1, 64);
            const unsigned order =
                spec.aligned ? unsigned(rng.between(0, 63 - __builtin_clzl(nr))) : 0;
            d.alloc(slot, nr, order);
        };
        for (size_t slot = 0; slot < spec.n; slot++)
            draw_alloc(slot);
        auto pair = [&] {
            const size_t slot = rng.below(spec.n);
            d.free(slot);
            draw_alloc(slot);
        };
        const bool stationary = warm_up(d, spec.n, pair, [] { return true; });
        r.warm_ops_sum += double(d.ops());
        d.start_timing();
        const unsigned long until = d.ops() + ctx.cfg.timed_ops;
        while (d.ops() < until)
            pair();
        finish_seed(d, r, d.mean_occupancy(), stationary);
        d.allocator().self_check();
    }
}

template <class A> void run_spec(const Context &ctx, AllocKind kind, const Spec &spec, Result &r)
{
    switch (spec.type) {
    case Type::kTrace:
        r.seeds = ctx.cfg.seeds;
        return run_trace<A>(ctx, kind, r);
    case Type::kSessions:
        r.seeds = ctx.cfg.seeds;
        return run_sessions<A>(ctx, kind, r);
    case Type::kOccupancy:
        r.seeds = ctx.cfg.seeds;
        return run_occupancy<A>(ctx, kind, spec, r);
    case Type::kSorted:
    case Type::kMisaligned:
    case Type::kLargest:
        r.seeds = ctx.cfg.seeds;
        return run_adversary<A>(ctx, kind, spec, r);
    case Type::kSweep: {
        const bool largest = spec.n == ctx.cfg.sweep.back() && ctx.cfg.sweep.size() > 2;
        r.seeds = std::min(ctx.cfg.seeds, largest                     ? ctx.cfg.largest_seeds
                                          : spec.n >= ctx.cfg.large_n ? ctx.cfg.large_seeds
                                                                      : ctx.cfg.seeds);
        return run_sweep<A>(ctx, kind, spec, r.seeds, r);
    }
    }
}

void run_one(const Context &ctx, AllocKind kind, const Spec &spec, Result &r)
{
    switch (kind) {
    case kPmmBest:
    case kPmmFirst:
        return run_spec<PmmAdapter>(ctx, kind, spec, r);
    case kGenpool:
        return run_spec<BaselineAdapter<GenpoolBestFit>>(ctx, kind, spec, r);
    case kCma:
        return run_spec<BaselineAdapter<CmaFirstFit>>(ctx, kind, spec, r);
    case kTlsf:
    case kAllocKinds:
        return run_spec<BaselineAdapter<TlsfOverAsk>>(ctx, kind, spec, r);
    }
}

std::vector<Spec> specs(const Config &cfg)
{
    std::vector<Spec> s = {{"trace", Type::kTrace},
                           {"sessions8", Type::kSessions},
                           {"occupancy85", Type::kOccupancy, 0.85},
                           {"occupancy90", Type::kOccupancy, 0.90},
                           {"occupancy95", Type::kOccupancy, 0.95},
                           {"adv-sorted", Type::kSorted},
                           {"adv-misaligned", Type::kMisaligned},
                           {"adv-largest", Type::kLargest}};
    for (bool aligned : {false, true})
        for (unsigned long n : cfg.sweep)
            s.push_back({"sweep-n" + std::to_string(n) + (aligned ? "-aligned" : ""), Type::kSweep,
                         0, n, aligned});
    return s;
}

// --- statistics and output ----------------------------------------------------

struct Percentiles {
    size_t count = 0;
    double p50 = 0, p99 = 0, p999 = 0, max = 0, mean = 0;
};

// Nearest rank: the smallest sample with at least q of the samples at or
// below it.
Percentiles percentiles(std::vector<double> &v)
{
    Percentiles p;
    p.count = v.size();
    if (v.empty())
        return p;
    std::sort(v.begin(), v.end());
    auto rank = [&](double q) {
        const auto i = static_cast<size_t>(std::ceil(q * double(v.size())));
        return v[std::min(v.size(), std::max<size_t>(i, 1)) - 1];
    };
    p.p50 = rank(0.50);
    p.p99 = rank(0.99);
    p.p999 = rank(0.999);
    p.max = v.back();
    double sum = 0;
    for (double x : v)
        sum += x;
    p.mean = sum / double(v.size());
    return p;
}

// Group "all" of op "alloc", "free" or "all"; or one outcome. Without the
// preempted samples unless @with_preempted.
Percentiles group(const Result &r, const OpTimer &timer, const char *op, int outcome,
                  bool with_preempted = false)
{
    std::vector<double> v;
    v.reserve(r.samples.size());
    for (size_t i = 0; i < r.samples.size(); i++) {
        const Outcome o = r.samples.outcome(i);
        if (!with_preempted && r.samples.preempted(i))
            continue;
        if (outcome >= 0 ? o != outcome
                         : (!std::strcmp(op, "alloc") && !is_alloc(o)) ||
                               (!std::strcmp(op, "free") && is_alloc(o)))
            continue;
        v.push_back(timer.to_ns(r.samples.ticks(i)));
    }
    return percentiles(v);
}

double utilisation(const Result &r)
{
    return r.seeds ? r.util_sum / r.seeds : 0;
}
double waste_pct(const Result &r)
{
    return r.granted > 0 ? 100 * (r.granted - r.requested) / r.granted : 0;
}

void write_outputs(const Config &cfg, const OpTimer &timer, const std::vector<Result> &results)
{
    const std::string dir = cfg.out_dir.empty() ? "." : cfg.out_dir;
    std::ofstream lat(dir + "/latency.csv"), sum(dir + "/latency-summary.csv"),
        meta(dir + "/latency-meta.csv");
    if (!lat || !sum || !meta)
        throw std::runtime_error("cannot write in " + dir);
    lat << "workload,allocator,op,outcome,count,p50_ns,p99_ns,p999_ns,max_ns,mean_ns\n";
    sum << "workload,allocator,status,seeds,ops,allocs,failures,util_kind,utilisation,"
           "internal_waste_pct,p50_ns,p99_ns,p999_ns,max_ns,alloc_p50_ns,alloc_p999_ns,"
           "free_p50_ns,free_p999_ns,warm_ops_per_seed,stationary_seeds,tree_height,"
           "free_extents_end,dropped_samples,preempted,p999_with_preempted_ns,"
           "max_with_preempted_ns\n";
    // Percentiles and ops without the preempted samples; "preempted" counts
    // those left out (allocations and frees together, on the alloc line).
    std::printf("\n%-22s %-18s %-5s %9s %9s %9s %10s %8s %8s %7s %9s\n", "workload", "allocator",
                "op", "p50 ns", "p99 ns", "p99.9 ns", "max ns", "ops", "failures", "util",
                "preempted");
    for (const Result &r : results) {
        if (!r.skipped.empty()) {
            sum << r.workload << ',' << r.allocator << ",skipped,0,0,0,0," << r.util_kind
                << std::string(18, ',') << '\n';
            std::printf("%-22s %-18s skipped: %s\n", r.workload.c_str(), r.allocator.c_str(),
                        r.skipped.c_str());
            continue;
        }
        auto row = [&](const char *op, const char *outcome, const Percentiles &p) {
            lat << r.workload << ',' << r.allocator << ',' << op << ',' << outcome << ',' << p.count
                << ',' << p.p50 << ',' << p.p99 << ',' << p.p999 << ',' << p.max << ',' << p.mean
                << '\n';
        };
        const Percentiles all = group(r, timer, "all", -1);
        const Percentiles raw = group(r, timer, "all", -1, true);
        const Percentiles alloc = group(r, timer, "alloc", -1);
        const Percentiles free = group(r, timer, "free", -1);
        row("all", "all", all);
        row("alloc", "all", alloc);
        row("free", "all", free);
        for (int o = 0; o < kOutcomes; o++)
            row(is_alloc(Outcome(o)) ? "alloc" : "free", kOutcomeNames[o], group(r, timer, "", o));
        sum << r.workload << ',' << r.allocator << ",ok," << r.seeds << ',' << raw.count << ','
            << r.allocs << ',' << r.failures << ',' << r.util_kind << ',' << utilisation(r) << ','
            << waste_pct(r) << ',' << all.p50 << ',' << all.p99 << ',' << all.p999 << ',' << all.max
            << ',' << alloc.p50 << ',' << alloc.p999 << ',' << free.p50 << ',' << free.p999 << ','
            << (r.seeds ? r.warm_ops_sum / r.seeds : 0) << ',' << r.stationary_seeds << ','
            << r.tree_height << ',' << r.free_extents_end << ',' << r.samples.dropped() << ','
            << raw.count - all.count << ',' << raw.p999 << ',' << raw.max << '\n';
        for (const auto &[op, p] : {std::pair{"alloc", alloc}, std::pair{"free", free}})
            std::printf("%-22s %-18s %-5s %9.0f %9.0f %9.0f %10.0f %8zu %8lu %6.1f%% %9zu\n",
                        r.workload.c_str(), r.allocator.c_str(), op, p.p50, p.p99, p.p999, p.max,
                        p.count, std::strcmp(op, "alloc") ? 0UL : r.failures, 100 * utilisation(r),
                        std::strcmp(op, "alloc") ? size_t(0) : raw.count - all.count);
    }
    meta << "key,value\n"
         << "timer," << timer.name() << '\n'
         << "ns_per_tick," << timer.ns_per_tick() << '\n'
         << "timer_overhead_min_ns," << timer.overhead_min_ns() << '\n'
         << "timer_overhead_median_ns," << timer.overhead_median_ns() << " (subtracted)\n"
         << "timer_overhead_p99_ns," << timer.overhead_p99_ns() << '\n'
         << "timer_resolution_ns," << timer.resolution_ns() << '\n'
         << "seeds," << cfg.seeds << '\n'
         << "large_seeds," << cfg.large_seeds << " (sweep at n >= " << cfg.large_n << ")\n"
         << "largest_seeds," << cfg.largest_seeds << " (sweep at its largest n)\n"
         << "timed_ops_per_seed," << cfg.timed_ops << '\n'
         << "adv_timed_ops_per_seed," << cfg.adv_timed_ops << '\n'
         << "adv_extents," << cfg.adv_extents << '\n'
         << "bitmap_max_n," << cfg.bitmap_max_n << '\n'
         << "build," << PMM_BUILD_TYPE << (PMM_SANITIZED ? " with ASan/UBSan" : "") << '\n'
         << "verify," << (cfg.verify ? "yes" : "no") << '\n'
         << "preempt_check,"
         << (cfg.preempt_check ? "yes (percentiles without the preempted samples)" : "no") << '\n';
    std::printf("\ntimer: %s, resolution %.1f ns, overhead median %.1f ns (subtracted), "
                "min %.1f ns\n",
                timer.name(), timer.resolution_ns(), timer.overhead_median_ns(),
                timer.overhead_min_ns());
}

// --verify: the bitmap baselines must be the policies they stand for. CMA's
// bitmap first fit places every block where PMM's first fit does (regions in
// address order); genalloc's best fit where PMM's best fit does on unaligned
// requests in one region (with alignment it minimises the room after the
// aligned start, PMM the extent's length).
void cross_check(const Spec &spec, const Result *by_kind)
{
    auto same = [&](AllocKind a, AllocKind b) {
        if (by_kind[a].skipped.empty() && by_kind[b].skipped.empty() &&
            by_kind[a].placements != by_kind[b].placements)
            throw std::runtime_error(spec.name + ": " + kAllocNames[a] + " and " + kAllocNames[b] +
                                     " placed blocks differently");
    };
    same(kPmmFirst, kCma);
    const bool unaligned_one_region = (spec.type == Type::kSweep && !spec.aligned) ||
                                      spec.type == Type::kSorted || spec.type == Type::kLargest;
    if (unaligned_one_region)
        same(kPmmBest, kGenpool);
}

std::string skip_reason(const Config &cfg, const Spec &spec, AllocKind kind)
{
    if (spec.type != Type::kSweep)
        return {};
    if (is_bitmap(kind) && spec.n > cfg.bitmap_max_n)
        return "O(pool) per operation: the 8n warm-up alone would take hours";
    if (is_bitmap(kind) && spec.aligned && spec.n > cfg.bitmap_aligned_max_n)
        return "time budget: O(pool) per aligned operation, 8n warm-up";
    if (spec.aligned && spec.n > cfg.aligned_max_n)
        return "time budget of scripts/pmm bench (--full runs it)";
    return {};
}

[[noreturn]] void usage()
{
    std::fprintf(stderr,
                 "usage: pmm_latency --trace=FILE [--out=DIR] [--quick | --smoke | --full]\n"
                 "       [--seeds=N] [--large-seeds=N] [--only=WORKLOAD_PREFIX] [--verify]\n"
                 "       [--timer=tsc|clock] [--no-preempt-check]\n");
    std::exit(2);
}

} // namespace

int main(int argc, char **argv)
{
    Config cfg;
    for (int i = 1; i < argc; i++) {
        const std::string a = argv[i];
        auto value = [&](const char *key) -> std::optional<std::string> {
            const std::string k = std::string(key) + "=";
            if (a.rfind(k, 0) == 0)
                return a.substr(k.size());
            return std::nullopt;
        };
        if (auto v = value("--trace"))
            cfg.trace_path = *v;
        else if (auto v = value("--out"))
            cfg.out_dir = *v;
        else if (auto v = value("--seeds"))
            cfg.seeds = unsigned(std::stoul(*v));
        else if (auto v = value("--large-seeds"))
            cfg.large_seeds = cfg.largest_seeds = unsigned(std::stoul(*v));
        else if (a == "--full") {
            // Everything at every size, 10 seeds: hours, for an idle machine.
            cfg.large_seeds = cfg.largest_seeds = cfg.seeds;
            cfg.aligned_max_n = cfg.bitmap_aligned_max_n = ~0UL;
            cfg.bitmap_max_n = 100000;
        } else if (auto v = value("--only"))
            cfg.only = *v;
        else if (auto v = value("--timer"))
            cfg.tsc = *v != "clock";
        else if (a == "--verify")
            cfg.verify = true;
        else if (a == "--no-preempt-check")
            cfg.preempt_check = false;
        else if (a == "--quick") {
            // About a minute: 3 seeds, n up to 1e5, bitmaps up to 1e4.
            cfg.seeds = 3;
            cfg.large_seeds = cfg.largest_seeds = 2;
            cfg.timed_ops = 10000;
            cfg.adv_timed_ops = 4000;
            cfg.sweep = {100, 1000, 10000, 100000};
            cfg.bitmap_max_n = cfg.bitmap_aligned_max_n = 10000;
        } else if (a == "--smoke") {
            // Seconds in a sanitizer build: the shape of everything, with the
            // verifier on; no figure of it means anything.
            cfg.seeds = 2;
            cfg.large_seeds = cfg.largest_seeds = 2;
            cfg.timed_ops = 2000;
            cfg.adv_timed_ops = 1000;
            cfg.sweep = {100, 1000};
            cfg.adv_extents = 64;
            cfg.trace_replays_warm = 0;
            cfg.verify = true;
        } else
            usage();
    }
    if (cfg.trace_path.empty())
        usage();
    try {
        const Trace trace = read_trace(cfg.trace_path);
        const OpTimer timer(cfg.tsc);
        std::fprintf(stderr, "pmm_latency: timer %s, overhead %.1f ns\n", timer.name(),
                     timer.overhead_median_ns());
        const Context ctx{cfg, timer, trace};
        std::vector<Result> results;
        for (const Spec &spec : specs(cfg)) {
            if (spec.name.rfind(cfg.only, 0) != 0)
                continue;
            for (int k = 0; k < kAllocKinds; k++) {
                Result &r = results.emplace_back();
                r.workload = spec.name;
                r.allocator = kAllocNames[k];
                r.skipped = skip_reason(cfg, spec, AllocKind(k));
                if (!r.skipped.empty())
                    continue;
                const uint64_t t0 = monotonic_raw_ns();
                run_one(ctx, AllocKind(k), spec, r);
                std::fprintf(stderr, "pmm_latency: %-22s %-18s %3u seeds %8zu ops %7.1f s\n",
                             spec.name.c_str(), r.allocator.c_str(), r.seeds, r.samples.size(),
                             double(monotonic_raw_ns() - t0) / 1e9);
                if (r.samples.dropped())
                    throw std::logic_error("sample store too small for " + spec.name);
            }
            if (cfg.verify)
                cross_check(spec, &results[results.size() - kAllocKinds]);
        }
        write_outputs(cfg, timer, results);
    } catch (const std::exception &e) {
        std::fprintf(stderr, "pmm_latency: %s\n", e.what());
        return 1;
    }
    return 0;
}
