// SPDX-License-Identifier: GPL-2.0
//
// The reference allocator: what mm/pmm_alloc.c must do, written plainly
// with sorted standard containers and sharing nothing with the core.
//
//   free_      start -> (length, region) of every free extent, by address
//   by_size_   (length, start) of every free extent, for best fit
//   used_      start -> (length, region) of every allocated block
//
// Placement, from the contract in mm/pmm_alloc.h:
//   an extent [s, s + len) "fits" n pages at order k when
//   a = round_up(s, 2^k) and a + n <= s + len; the block goes at a.
//   best fit:  the shortest extent that fits; ties to the lowest address.
//   first fit: the lowest-address extent that fits.
// Freeing merges the block with the free extents touching it on either side
// that belong to the same region.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <utility>

namespace pmm::model {

enum class Policy { best_fit, first_fit };

class Reference {
public:
    struct Range {
        unsigned long nr_pages;
        unsigned int region;
        friend bool operator==(const Range &, const Range &) = default;
    };

    explicit Reference(Policy policy) : policy_(policy) {}

    void set_policy(Policy policy) { policy_ = policy; }
    [[nodiscard]] Policy policy() const { return policy_; }

    // Regions are added once each and never overlap.
    void add_free(unsigned long start, unsigned long nr_pages, unsigned int region)
    {
        total_ += nr_pages;
        insert_free(start, nr_pages, region);
    }

    // The start of the new block, or nothing when no free extent fits.
    std::optional<unsigned long> alloc(unsigned long nr_pages, unsigned int order)
    {
        if (nr_pages == 0)
            return std::nullopt;
        std::optional<unsigned long> chosen;
        if (policy_ == Policy::best_fit) {
            // by_size_ is ordered by (length, start): the first that fits is
            // the shortest, and the lowest address among equally short ones.
            for (auto it = by_size_.lower_bound({nr_pages, 0}); it != by_size_.end(); ++it) {
                if (fits(it->second, it->first, nr_pages, order)) {
                    chosen = it->second;
                    break;
                }
            }
        } else {
            for (const auto &[start, range] : free_) {
                if (fits(start, range.nr_pages, nr_pages, order)) {
                    chosen = start;
                    break;
                }
            }
        }
        if (!chosen)
            return std::nullopt;

        const unsigned long s = *chosen;
        const Range range = free_.at(s);
        const unsigned long a = align_up(s, order);
        erase_free(s);
        if (a > s)
            insert_raw(s, a - s, range.region);
        if (a + nr_pages < s + range.nr_pages)
            insert_raw(a + nr_pages, s + range.nr_pages - (a + nr_pages), range.region);
        used_.emplace(a, Range{nr_pages, range.region});
        return a;
    }

    void free(unsigned long start)
    {
        auto it = used_.find(start);
        if (it == used_.end())
            throw std::logic_error("Reference::free of a block that is not allocated");
        const Range r = it->second;
        used_.erase(it);
        insert_free(start, r.nr_pages, r.region);
    }

    [[nodiscard]] unsigned long largest_free() const
    {
        return by_size_.empty() ? 0 : by_size_.rbegin()->first;
    }
    [[nodiscard]] unsigned long total_pages() const { return total_; }
    [[nodiscard]] unsigned long free_pages() const { return free_pages_; }
    [[nodiscard]] unsigned long nr_free_extents() const { return free_.size(); }
    [[nodiscard]] unsigned long nr_blocks() const { return used_.size(); }
    [[nodiscard]] const std::map<unsigned long, Range> &free_extents() const { return free_; }
    [[nodiscard]] const std::map<unsigned long, Range> &blocks() const { return used_; }
    // (length, start) of every free extent, shortest first.
    [[nodiscard]] const std::set<std::pair<unsigned long, unsigned long>> &by_size() const
    {
        return by_size_;
    }

    static unsigned long align_up(unsigned long x, unsigned int order)
    {
        const unsigned long mask = (1UL << order) - 1;
        return (x + mask) & ~mask;
    }

    static bool fits(unsigned long start, unsigned long len, unsigned long n, unsigned int order)
    {
        const unsigned long a = align_up(start, order);
        return a - start <= len && len - (a - start) >= n;
    }

private:
    void insert_raw(unsigned long start, unsigned long nr_pages, unsigned int region)
    {
        free_.emplace(start, Range{nr_pages, region});
        by_size_.emplace(nr_pages, start);
        free_pages_ += nr_pages;
    }

    void erase_free(unsigned long start)
    {
        auto it = free_.find(start);
        by_size_.erase({it->second.nr_pages, start});
        free_pages_ -= it->second.nr_pages;
        free_.erase(it);
    }

    // Insert a free range and merge it with same-region neighbours.
    void insert_free(unsigned long start, unsigned long nr_pages, unsigned int region)
    {
        auto next = free_.lower_bound(start);
        if (next != free_.end() && next->first == start + nr_pages &&
            next->second.region == region) {
            nr_pages += next->second.nr_pages;
            erase_free(next->first);
        }
        auto after = free_.lower_bound(start);
        if (after != free_.begin()) {
            auto prev = std::prev(after);
            if (prev->first + prev->second.nr_pages == start && prev->second.region == region) {
                start = prev->first;
                nr_pages += prev->second.nr_pages;
                erase_free(prev->first);
            }
        }
        insert_raw(start, nr_pages, region);
    }

    Policy policy_;
    unsigned long total_ = 0;
    unsigned long free_pages_ = 0;
    std::map<unsigned long, Range> free_;
    std::set<std::pair<unsigned long, unsigned long>> by_size_;
    std::map<unsigned long, Range> used_;
};

} // namespace pmm::model
