// SPDX-License-Identifier: GPL-2.0
//
// The baselines pmm_latency times PMM against, each over the pool's real
// regions at page granularity:
//
//   GenpoolBestFit  lib/genalloc.c: one chunk (a bitmap the size of the
//                   region) per region, gen_pool_alloc_algo() walking the
//                   chunks and gen_pool_best_fit() in each. gen_pool_best_fit()
//                   has no alignment; here it takes the align mask and offset
//                   gen_pool_first_fit_align() computes, so aligned requests
//                   run the same loop (with align order 0 it is the kernel's).
//   CmaFirstFit     mm/cma.c: one CMA area per region, tried in order, and
//                   __cma_alloc()'s bitmap search with order_per_bit 0:
//                   bitmap_find_next_zero_area_off() from bit 0 with
//                   cma_bitmap_aligned_mask()/_offset(). alloc_contig_range()
//                   (migration) is not modelled: it always succeeds here.
//   TlsfOverAsk     two-level segregated fit (Masmano et al.), 32 second-
//                   level classes per power of two. A request is rounded up
//                   to its class size and granted that (the over-ask: the
//                   internal waste is at most 1/32); an aligned request
//                   searches for granted + 2^order - 1 pages, so that the head
//                   of any free block in the class it lands on can be split
//                   off. The search never looks inside the request's own
//                   class: O(1), and the fit it gives up is what the
//                   benchmark measures. Boundary tags live in a page-indexed
//                   array, as they would in struct page.
//
// Interface (pmm_latency's adapters): alloc(nr, order) returns the granted
// Placement ({0, 0} on failure); free(Placement); free_neighbours(p), the
// free ranges touching p in its region (0-2); free_extents().
#pragma once

#include <array>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "kernel_bitmap.hpp"

namespace pmm::bench {

struct Region {
    unsigned long start;
    unsigned long nr_pages;
    [[nodiscard]] unsigned long end() const { return start + nr_pages; }
};

struct Placement {
    unsigned long start = 0;
    unsigned long nr_pages = 0; // 0: nothing (a failed allocation)
    explicit operator bool() const { return nr_pages != 0; }
};

// What the bitmap baselines share: one bitmap per region.
class BitmapChunks {
public:
    explicit BitmapChunks(const std::vector<Region> &regions)
    {
        chunks_.reserve(regions.size());
        for (const Region &r : regions)
            chunks_.push_back({r, r.nr_pages, KernelBitmap(r.nr_pages)});
    }

    void free(Placement p)
    {
        Chunk &c = chunk_of(p.start);
        c.bits.clear(p.start - c.region.start, p.nr_pages);
        c.avail += p.nr_pages;
    }

    [[nodiscard]] unsigned free_neighbours(Placement p) const
    {
        const Chunk &c = chunk_of(p.start);
        const unsigned long first = p.start - c.region.start, end = first + p.nr_pages;
        return unsigned(first > 0 && !c.bits.test(first - 1)) +
               unsigned(end < c.bits.size() && !c.bits.test(end));
    }

    [[nodiscard]] unsigned long free_extents() const
    {
        unsigned long n = 0;
        for (const Chunk &c : chunks_)
            n += c.bits.zero_runs();
        return n;
    }

protected:
    struct Chunk {
        Region region;
        unsigned long avail; // free pages, as genalloc's chunk->avail
        KernelBitmap bits;
    };

    Placement take(Chunk &c, unsigned long bit, unsigned long nr)
    {
        c.bits.set(bit, nr);
        c.avail -= nr;
        return {c.region.start + bit, nr};
    }

    [[nodiscard]] const Chunk &chunk_of(unsigned long pfn) const
    {
        for (const Chunk &c : chunks_)
            if (pfn >= c.region.start && pfn < c.region.end())
                return c;
        throw std::logic_error("pfn outside every chunk");
    }
    Chunk &chunk_of(unsigned long pfn)
    {
        return const_cast<Chunk &>(static_cast<const BitmapChunks *>(this)->chunk_of(pfn));
    }

    std::vector<Chunk> chunks_;
};

class GenpoolBestFit : public BitmapChunks {
public:
    using BitmapChunks::BitmapChunks;

    Placement alloc(unsigned long nr, unsigned int order)
    {
        // gen_pool_add() puts each chunk at the head of the list
        // (list_add_rcu), so gen_pool_alloc() tries the last added first.
        for (auto c = chunks_.rbegin(); c != chunks_.rend(); ++c) {
            if (nr > c->avail)
                continue;
            // gen_pool_first_fit_align(), min_alloc_order 0.
            const unsigned long mask = (1UL << order) - 1;
            const unsigned long offset = c->region.start & mask;
            const unsigned long bit = best_fit(c->bits, nr, mask, offset);
            if (bit < c->bits.size())
                return take(*c, bit, nr);
        }
        return {};
    }

private:
    // gen_pool_best_fit(), the align mask and offset passed down.
    static unsigned long best_fit(const KernelBitmap &map, unsigned long nr, unsigned long mask,
                                  unsigned long offset)
    {
        const unsigned long size = map.size();
        unsigned long start_bit = size, len = size + 1;
        unsigned long index = map.find_next_zero_area_off(size, 0, nr, mask, offset);
        while (index < size) {
            const unsigned long next_bit = map.find_next_bit(size, index + nr);
            if (next_bit - index < len) {
                len = next_bit - index;
                start_bit = index;
                if (len == nr)
                    return start_bit;
            }
            index = map.find_next_zero_area_off(size, next_bit + 1, nr, mask, offset);
        }
        return start_bit;
    }
};

class CmaFirstFit : public BitmapChunks {
public:
    using BitmapChunks::BitmapChunks;

    Placement alloc(unsigned long nr, unsigned int order)
    {
        for (Chunk &c : chunks_) {
            const unsigned long maxno = c.bits.size(); // cma_bitmap_maxno()
            if (nr > maxno)
                continue;
            // cma_bitmap_aligned_mask() and _offset() with order_per_bit 0.
            const unsigned long mask = order ? (1UL << order) - 1 : 0;
            const unsigned long offset = c.region.start & ((1UL << order) - 1);
            const unsigned long bit = c.bits.find_next_zero_area_off(maxno, 0, nr, mask, offset);
            if (bit < maxno)
                return take(c, bit, nr);
        }
        return {};
    }
};

class TlsfOverAsk {
public:
    static constexpr unsigned kSlLog2 = 5;
    static constexpr unsigned kSl = 1U << kSlLog2;

    // The size a request of @nr pages is granted: rounded up to its class.
    static unsigned long granted_for(unsigned long nr)
    {
        if (nr < kSl)
            return nr;
        const unsigned long round = (1UL << (log2_floor(nr) - kSlLog2)) - 1;
        return (nr + round) & ~round;
    }

    // @node_hint: live blocks expected; the node array is reserved for them
    // so that no allocation happens in a timed operation.
    TlsfOverAsk(const std::vector<Region> &regions, size_t node_hint) : regions_(regions)
    {
        span_start_ = regions.front().start;
        unsigned long span_end = 0;
        for (const Region &r : regions) {
            span_start_ = std::min(span_start_, r.start);
            span_end = std::max(span_end, r.end());
        }
        tag_.assign(span_end - span_start_, kNone);
        nodes_.reserve(2 * node_hint + 2 * regions.size() + 16);
        spare_.reserve(nodes_.capacity());
        for (auto &row : heads_)
            row.fill(kNone);
        for (size_t i = 0; i < regions.size(); i++) {
            const uint32_t n = new_node(regions[i].start, regions[i].nr_pages, uint32_t(i));
            insert_free(n);
        }
    }

    Placement alloc(unsigned long nr, unsigned int order)
    {
        const unsigned long granted = granted_for(nr);
        const unsigned long align = 1UL << order;
        unsigned fl, sl;
        mapping(granted_for(granted + align - 1), fl, sl);
        if (fl >= kFl)
            return {};
        uint32_t sl_map = sl_bitmap_[fl] & (~0U << sl);
        if (!sl_map) {
            const uint64_t fl_map = fl + 1 < 64 ? fl_bitmap_ & (~0ULL << (fl + 1)) : 0;
            if (!fl_map)
                return {};
            fl = unsigned(__builtin_ctzll(fl_map));
            sl_map = sl_bitmap_[fl];
        }
        sl = unsigned(__builtin_ctz(sl_map));
        const uint32_t b = heads_[fl][sl];
        remove_free(b);

        const unsigned long start = nodes_[b].start, end = start + nodes_[b].nr_pages;
        const unsigned long placed = (start + align - 1) & ~(align - 1);
        const unsigned region = nodes_[b].region;
        if (placed > start)
            insert_free(new_node(start, placed - start, region));
        if (placed + granted < end)
            insert_free(new_node(placed + granted, end - placed - granted, region));
        nodes_[b].start = placed;
        nodes_[b].nr_pages = granted;
        tag(b);
        return {placed, granted};
    }

    void free(Placement p)
    {
        uint32_t b = tag_[p.start - span_start_];
        Node &n = nodes_[b];
        const Region &r = regions_[n.region];
        if (n.start > r.start) {
            const uint32_t left = tag_[n.start - 1 - span_start_];
            if (nodes_[left].free) {
                remove_free(left);
                n.start = nodes_[left].start;
                n.nr_pages += nodes_[left].nr_pages;
                spare_.push_back(left);
            }
        }
        if (n.start + n.nr_pages < r.end()) {
            const uint32_t right = tag_[n.start + n.nr_pages - span_start_];
            if (nodes_[right].free) {
                remove_free(right);
                n.nr_pages += nodes_[right].nr_pages;
                spare_.push_back(right);
            }
        }
        insert_free(b);
    }

    [[nodiscard]] unsigned free_neighbours(Placement p) const
    {
        const Node &n = nodes_[tag_[p.start - span_start_]];
        const Region &r = regions_[n.region];
        return unsigned(n.start > r.start && nodes_[tag_[n.start - 1 - span_start_]].free) +
               unsigned(n.start + n.nr_pages < r.end() &&
                        nodes_[tag_[n.start + n.nr_pages - span_start_]].free);
    }

    [[nodiscard]] unsigned long free_extents() const { return nr_free_; }

private:
    static constexpr unsigned kFl = 48;
    static constexpr uint32_t kNone = UINT32_MAX;

    struct Node {
        unsigned long start;
        unsigned long nr_pages;
        uint32_t prev, next; // the free list of its class
        uint32_t region;
        bool free;
    };

    static unsigned log2_floor(unsigned long x) { return 63U - unsigned(__builtin_clzl(x)); }

    // TLSF's mapping_insert(): the class (fl, sl) holding blocks of @size.
    static void mapping(unsigned long size, unsigned &fl, unsigned &sl)
    {
        if (size < kSl) {
            fl = 0;
            sl = unsigned(size);
            return;
        }
        const unsigned f = log2_floor(size);
        sl = unsigned(size >> (f - kSlLog2)) ^ kSl;
        fl = f - kSlLog2 + 1;
    }

    uint32_t new_node(unsigned long start, unsigned long nr, uint32_t region)
    {
        uint32_t i;
        if (!spare_.empty()) {
            i = spare_.back();
            spare_.pop_back();
        } else {
            i = uint32_t(nodes_.size());
            nodes_.push_back({});
        }
        nodes_[i] = {start, nr, kNone, kNone, region, false};
        return i;
    }

    void tag(uint32_t i)
    {
        tag_[nodes_[i].start - span_start_] = i;
        tag_[nodes_[i].start + nodes_[i].nr_pages - 1 - span_start_] = i;
    }

    void insert_free(uint32_t i)
    {
        unsigned fl, sl;
        mapping(nodes_[i].nr_pages, fl, sl);
        Node &n = nodes_[i];
        n.free = true;
        n.prev = kNone;
        n.next = heads_[fl][sl];
        if (n.next != kNone)
            nodes_[n.next].prev = i;
        heads_[fl][sl] = i;
        fl_bitmap_ |= 1ULL << fl;
        sl_bitmap_[fl] |= 1U << sl;
        tag(i);
        nr_free_++;
    }

    void remove_free(uint32_t i)
    {
        unsigned fl, sl;
        Node &n = nodes_[i];
        mapping(n.nr_pages, fl, sl);
        if (n.prev != kNone)
            nodes_[n.prev].next = n.next;
        else
            heads_[fl][sl] = n.next;
        if (n.next != kNone)
            nodes_[n.next].prev = n.prev;
        if (heads_[fl][sl] == kNone) {
            sl_bitmap_[fl] &= ~(1U << sl);
            if (!sl_bitmap_[fl])
                fl_bitmap_ &= ~(1ULL << fl);
        }
        n.free = false;
        nr_free_--;
    }

    std::vector<Region> regions_;
    unsigned long span_start_ = 0;
    std::vector<uint32_t> tag_; // page -> node, at each block's first and last page
    std::vector<Node> nodes_;
    std::vector<uint32_t> spare_;
    uint64_t fl_bitmap_ = 0;
    std::array<uint32_t, kFl> sl_bitmap_{};
    std::array<std::array<uint32_t, kSl>, kFl> heads_{};
    unsigned long nr_free_ = 0;
};

} // namespace pmm::bench
