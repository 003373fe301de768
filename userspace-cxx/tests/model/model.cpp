// SPDX-License-Identifier: GPL-2.0
#include "model.hpp"

#include <algorithm>
#include <array>
#include <sstream>

namespace pmm::model {

std::string_view name_of(Policy p)
{
    return p == Policy::best_fit ? "best_fit" : "first_fit";
}

const pmm_policy &core_policy(Policy p)
{
    return p == Policy::best_fit ? pmm_policy_best_fit : pmm_policy_first_fit;
}

std::string to_string(const Op &op)
{
    std::ostringstream s;
    switch (op.kind) {
    case Op::Kind::alloc:
        s << "alloc #" << op.id << ' ' << op.nr_pages << " pages align 2^" << op.order;
        if (op.inject)
            s << " (node allocation " << int(op.inject) << " of the preload fails)";
        break;
    case Op::Kind::free:
        s << "free #" << op.id;
        break;
    case Op::Kind::set_policy:
        s << "set_policy " << name_of(op.policy);
        break;
    }
    return s.str();
}

std::vector<Region> standard_layout()
{
    return {
        {0x10000, 16384, 0},
        {0x14000, 16384, 1}, // touches region 0
        {0x40003, 20000, 2}, // odd start
        {0x80000, 1024, 3},
    };
}

Runner::Runner(std::vector<Region> layout, Policy policy)
    : layout_(std::move(layout)), nodes_base_(pmm_shim_nodes_live),
      warnings_base_(pmm_shim_warnings), pool_(core_policy(policy)), ref_(policy)
{
    pmm_shim_fail_off();
    for (const Region &r : layout_) {
        if (pool_.add_free(r.start, r.nr_pages, r.id) != 0)
            throw std::runtime_error("cannot add a region without fault injection");
        ref_.add_free(r.start, r.nr_pages, r.id);
    }
    std::sort(layout_.begin(), layout_.end(),
              [](const Region &a, const Region &b) { return a.start < b.start; });
}

Runner::~Runner()
{
    pmm_shim_fail_off();
    blocks_.clear();
}

void Runner::forget(uint32_t id)
{
    const size_t pos = live_pos_.at(id);
    live_pos_[live_.back()] = pos;
    live_[pos] = live_.back();
    live_.pop_back();
    live_pos_.erase(id);
}

std::string Runner::step(const Op &op)
{
    std::ostringstream err;
    switch (op.kind) {
    case Op::Kind::alloc: {
        if (op.inject)
            pmm_shim_fail_nth(op.inject - 1U);
        int fill_err = 0;
        Block b = pool_.alloc(op.nr_pages, op.order, &fill_err);
        const bool injected = op.inject && pmm_shim_node_failures > 0;
        pmm_shim_fail_off();
        pmm_shim_node_failures = 0;
        if (injected) {
            // The reference does nothing; check() proves the core did nothing.
            stats_.injected++;
            if (fill_err != -ENOMEM)
                err << "preload fill returned " << fill_err << " after a node allocation failed";
            else if (b)
                err << "allocation went ahead after the preload fill failed";
            break;
        }
        if (fill_err) {
            err << "preload fill failed (" << fill_err << ") with no fault injected";
            break;
        }
        stats_.allocs++;
        const std::optional<unsigned long> want = ref_.alloc(op.nr_pages, op.order);
        if (!b && !want) {
            stats_.alloc_failures++;
            break;
        }
        if (!b) {
            err << "core failed, reference placed it at " << *want;
            break;
        }
        if (!want) {
            err << "core placed it at " << b.start() << ", reference failed";
            break;
        }
        if (b.start() != *want || b.nr_pages() != op.nr_pages) {
            err << "core placed " << b.nr_pages() << " pages at " << b.start() << ", reference "
                << op.nr_pages << " at " << *want;
            break;
        }
        if (b.region() != ref_.blocks().at(*want).region) {
            err << "block at " << b.start() << " in region " << b.region() << ", reference "
                << ref_.blocks().at(*want).region;
            break;
        }
        by_addr_.emplace(b.start(), b.get());
        blocks_.emplace(op.id, std::move(b));
        live_pos_.emplace(op.id, live_.size());
        live_.push_back(op.id);
        break;
    }
    case Op::Kind::free: {
        auto it = blocks_.find(op.id);
        if (it == blocks_.end())
            return ""; // freed already or never allocated: skipped
        stats_.frees++;
        const unsigned long start = it->second.start();
        by_addr_.erase(start);
        ref_.free(start);
        blocks_.erase(it); // pmm_pool_free()
        forget(op.id);
        break;
    }
    case Op::Kind::set_policy:
        stats_.policy_switches++;
        pool_.set_policy(core_policy(op.policy));
        ref_.set_policy(op.policy);
        break;
    }
    std::string e = err.str();
    if (!e.empty())
        return e;
    return check();
}

// The augmented value of every index node against a recomputation from the
// extents of its subtree, written from the definition in pmm_alloc.h (room
// at order k: the pages left after aligning the start up to 2^k), and the
// index's content and order: in order, it must list exactly the reference's
// free extents by (length, address) for best fit, by address for first fit.
std::string Runner::check_augmented()
{
    using Fit = std::array<unsigned long, PMM_FIT_ORDERS>;
    const bool best = ref_.policy() == Policy::best_fit;
    auto next_by_addr = ref_.free_extents().begin();
    auto next_by_size = ref_.by_size().begin();
    std::string err;

    auto entry = [](const rb_node *n) {
        return reinterpret_cast<const pmm_extent *>(reinterpret_cast<const char *>(n) -
                                                    offsetof(pmm_extent, index_node));
    };
    // In-order recursion; the depth is O(log n), the tree is red-black.
    auto visit = [&](auto &&self, const rb_node *n, Fit &out) -> void {
        if (!n) {
            out.fill(0);
            return;
        }
        Fit left, right;
        self(self, n->rb_left, left);
        const pmm_extent *e = entry(n);
        if (err.empty()) {
            unsigned long want_start = 0, want_len = 0;
            bool have = false;
            if (best && next_by_size != ref_.by_size().end()) {
                want_len = next_by_size->first;
                want_start = next_by_size->second;
                ++next_by_size;
                have = true;
            } else if (!best && next_by_addr != ref_.free_extents().end()) {
                want_start = next_by_addr->first;
                want_len = next_by_addr->second.nr_pages;
                ++next_by_addr;
                have = true;
            }
            if (!have || want_start != e->start || want_len != e->nr_pages)
                err = "index (" + std::string(name_of(ref_.policy())) + ") holds [" +
                      std::to_string(e->start) + ", +" + std::to_string(e->nr_pages) +
                      ") where the reference's free extents in that order have " +
                      (have ? "[" + std::to_string(want_start) + ", +" + std::to_string(want_len) +
                                  ")"
                            : std::string("nothing more"));
        }
        self(self, n->rb_right, right);
        for (unsigned int k = 0; k < PMM_FIT_ORDERS; k++) {
            const unsigned long waste = Reference::align_up(e->start, k) - e->start;
            unsigned long room = e->nr_pages > waste ? e->nr_pages - waste : 0;
            room = left[k] > room ? left[k] : room;
            room = right[k] > room ? right[k] : room;
            out[k] = room;
            if (e->fit.room[k] != room && err.empty())
                err = "augmented room[" + std::to_string(k) + "] of [" + std::to_string(e->start) +
                      ", +" + std::to_string(e->nr_pages) + ") is " +
                      std::to_string(e->fit.room[k]) + ", recomputed " + std::to_string(room);
        }
    };
    Fit top;
    visit(visit, pool_.get()->index.rb_node, top);
    if (err.empty() &&
        (best ? next_by_size != ref_.by_size().end() : next_by_addr != ref_.free_extents().end()))
        err = "index holds fewer extents than the reference has free";
    return err;
}

std::string Runner::check()
{
    std::ostringstream err;
    pmm_pool *p = pool_.get();

    if (pmm_shim_warnings != warnings_base_)
        return "the core hit WARN_ON() (see stderr)";
    if (const char *bad = pmm_pool_check(p))
        return std::string("pmm_pool_check(): ") + bad;

    // Statistics.
    if (p->total_pages != ref_.total_pages() || p->free_pages != ref_.free_pages() ||
        p->nr_free_extents != ref_.nr_free_extents() || p->nr_blocks != ref_.nr_blocks()) {
        err << "statistics differ: core total/free/extents/blocks " << p->total_pages << '/'
            << p->free_pages << '/' << p->nr_free_extents << '/' << p->nr_blocks << ", reference "
            << ref_.total_pages() << '/' << ref_.free_pages() << '/' << ref_.nr_free_extents()
            << '/' << ref_.nr_blocks();
        return err.str();
    }
    if (const unsigned long l = pool_.largest_free(); l != ref_.largest_free()) {
        err << "largest free extent: core " << l << ", reference " << ref_.largest_free();
        return err.str();
    }

    // The free extents by address, exactly the reference's, and on their own
    // sorted, disjoint, fully coalesced, adding up to the free pages.
    auto want = ref_.free_extents().begin();
    unsigned long sum = 0;
    const pmm_extent *prev = nullptr;
    for (const pmm_extent *e = pmm_pool_first_free(p); e;
         e = pmm_pool_next_free(const_cast<pmm_extent *>(e))) {
        if (want == ref_.free_extents().end() || want->first != e->start ||
            want->second.nr_pages != e->nr_pages || want->second.region != e->region) {
            err << "free extent [" << e->start << ", +" << e->nr_pages << ") region " << e->region
                << " where the reference has ";
            if (want == ref_.free_extents().end())
                err << "nothing more";
            else
                err << '[' << want->first << ", +" << want->second.nr_pages << ") region "
                    << want->second.region;
            return err.str();
        }
        if (e->nr_pages == 0)
            return "empty free extent at " + std::to_string(e->start);
        if (prev && prev->start + prev->nr_pages > e->start)
            return "free extents overlap or are unsorted at " + std::to_string(e->start);
        if (prev && prev->start + prev->nr_pages == e->start && prev->region == e->region)
            return "free extents not coalesced at " + std::to_string(e->start);
        sum += e->nr_pages;
        prev = e;
        ++want;
    }
    if (want != ref_.free_extents().end())
        return "core has fewer free extents than the reference";
    if (sum != p->free_pages)
        return "free extents add up to " + std::to_string(sum) + ", free_pages is " +
               std::to_string(p->free_pages);

    // Blocks and free extents tile every region exactly.
    const pmm_extent *f = pmm_pool_first_free(p);
    auto b = by_addr_.begin();
    for (const Region &r : layout_) {
        unsigned long pos = r.start;
        const unsigned long end = r.start + r.nr_pages;
        while (pos < end) {
            unsigned long len;
            unsigned int region;
            if (f && f->start == pos) {
                len = f->nr_pages;
                region = f->region;
                f = pmm_pool_next_free(const_cast<pmm_extent *>(f));
            } else if (b != by_addr_.end() && b->first == pos) {
                len = b->second->nr_pages;
                region = b->second->region;
                ++b;
            } else {
                return "nothing covers page " + std::to_string(pos) + " of region " +
                       std::to_string(r.id);
            }
            if (region != r.id || pos + len > end)
                return "range at " + std::to_string(pos) + " leaves region " + std::to_string(r.id);
            pos += len;
        }
    }
    if (f || b != by_addr_.end())
        return "a free extent or block lies outside every region";

    // Every node the core holds is a free extent, a block or preloaded.
    const long nodes = pmm_shim_nodes_live - nodes_base_;
    const long expect = long(p->nr_free_extents + p->nr_blocks) + pool_.preload().nodes();
    if (nodes != expect)
        return "nodes allocated: " + std::to_string(nodes) +
               ", accounted for: " + std::to_string(expect);

    return check_augmented();
}

Op Generator::next(const Runner &runner)
{
    Op op;
    const Reference &ref = runner.ref();
    if (rng_.below(1000000) < opt_.policy_switch_per_million) {
        op.kind = Op::Kind::set_policy;
        op.policy = ref.policy() == Policy::best_fit ? Policy::first_fit : Policy::best_fit;
        return op;
    }
    // Allocate more while the pool is emptier: the stream hovers around a
    // high utilisation, where failures and fragmentation happen.
    const double used = 1.0 - double(ref.free_pages()) / double(ref.total_pages());
    const unsigned int alloc_pct = used < 0.6 ? 70 : used < 0.85 ? 50 : 35;
    if (runner.live_count() == 0 || rng_.below(100) < alloc_pct) {
        static constexpr Resolution cycle[] = {Resolution::hd720, Resolution::uhd4k,
                                               Resolution::fhd1080, Resolution::uhd4k};
        const Resolution res = cycle[(allocs_++ / opt_.phase_ops) % 4];
        const Request r = draw_from_mix(rng_, opt_.mix, res);
        op.kind = Op::Kind::alloc;
        op.id = next_id_++;
        op.nr_pages = r.nr_pages;
        op.order = r.align_order;
        if (opt_.inject_permille && rng_.below(1000) < opt_.inject_permille)
            op.inject = static_cast<uint8_t>(1 + rng_.below(PMM_PRELOAD_NODES));
        return op;
    }
    op.kind = Op::Kind::free;
    op.id = runner.live_id(rng_.below(runner.live_count()));
    return op;
}

std::optional<Failure> run(const std::vector<Region> &layout, Policy policy,
                           std::span<const Op> ops)
{
    Runner r(layout, policy);
    if (std::string e = r.check(); !e.empty())
        return Failure{0, "after adding the regions: " + e};
    for (size_t i = 0; i < ops.size(); i++)
        if (std::string e = r.step(ops[i]); !e.empty())
            return Failure{i, e};
    return std::nullopt;
}

std::vector<Op> shrink(const std::vector<Region> &layout, Policy policy, std::vector<Op> ops,
                       std::chrono::seconds budget)
{
    const auto deadline = std::chrono::steady_clock::now() + budget;
    pmm_shim_set_verbose(0);
    auto fails = [&](std::vector<Op> &cand) {
        std::optional<Failure> f = run(layout, policy, cand);
        if (f)
            cand.resize(f->op_index + 1); // what follows the failure is noise
        return f.has_value();
    };
    if (!fails(ops)) {
        pmm_shim_set_verbose(1);
        return ops; // does not reproduce from scratch: keep it all
    }
    size_t n = 2;
    while (ops.size() >= 2 && std::chrono::steady_clock::now() < deadline) {
        const size_t chunk = (ops.size() + n - 1) / n;
        bool reduced = false;
        for (size_t i = 0; i < n && i * chunk < ops.size(); i++) {
            std::vector<Op> cand;
            cand.reserve(ops.size());
            cand.insert(cand.end(), ops.begin(), ops.begin() + long(i * chunk));
            cand.insert(cand.end(), ops.begin() + long(std::min(ops.size(), (i + 1) * chunk)),
                        ops.end());
            if (fails(cand)) {
                ops = std::move(cand);
                n = std::max<size_t>(n - 1, 2);
                reduced = true;
                break;
            }
            if (std::chrono::steady_clock::now() >= deadline)
                break;
        }
        if (!reduced) {
            if (n >= ops.size())
                break;
            n = std::min(n * 2, ops.size());
        }
    }
    pmm_shim_set_verbose(1);
    return ops;
}

std::string report(const std::string &origin, const std::vector<Region> &layout, Policy policy,
                   const Failure &failure, const std::vector<Op> &minimal)
{
    std::ostringstream s;
    s << "MODEL CHECK FAILURE, " << origin << "\n"
      << "  at operation " << failure.op_index << ": " << failure.what << '\n'
      << "  pool: initial policy " << name_of(policy) << ", regions";
    for (const Region &r : layout)
        s << " [" << r.start << ", +" << r.nr_pages << ") #" << r.id;
    s << "\n  shortest failing sequence found (" << minimal.size() << " operations):\n";
    std::optional<Failure> again = run(layout, policy, minimal);
    for (size_t i = 0; i < minimal.size(); i++)
        s << "    " << i << ": " << to_string(minimal[i]) << '\n';
    s << "  which fails with: " << (again ? again->what : std::string("(no longer fails)")) << '\n';
    return s.str();
}

} // namespace pmm::model
