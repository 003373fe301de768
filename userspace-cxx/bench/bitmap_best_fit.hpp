// SPDX-License-Identifier: GPL-2.0
//
// The baseline: a bitmap allocator doing what lib/genalloc.c's
// gen_pool_best_fit() does, one bit per page, set = allocated.
//
// gen_pool_best_fit() scans every free run of the bitmap with
// bitmap_find_next_zero_area() and find_next_bit(), keeps the shortest run
// that holds the request (the first one on ties), and stops early only on
// an exact fit: O(size of the bitmap / BITS_PER_LONG + number of free runs)
// per allocation. The helpers below are word-at-a-time like lib/find_bit.c.
// Its choice is the same as PMM's best fit without alignment in a single
// region; tests/bitmap_test.cpp checks that against the reference.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace pmm::bench {

class BitmapBestFit {
public:
    BitmapBestFit(unsigned long base, unsigned long nr_pages)
        : base_(base), size_(nr_pages), map_((nr_pages + 63) / 64, 0)
    {
        // Bits past the end are "allocated" so no search runs into them.
        for (unsigned long i = size_; i < map_.size() * 64; i++)
            map_[i / 64] |= 1ULL << (i % 64);
    }

    std::optional<unsigned long> alloc(unsigned long nr)
    {
        unsigned long found = best_fit(nr);
        if (found >= size_)
            return std::nullopt;
        set(found, nr);
        return base_ + found;
    }

    void free(unsigned long start, unsigned long nr) { clear(start - base_, nr); }

private:
    // gen_pool_best_fit(), with start = 0 and no alignment.
    unsigned long best_fit(unsigned long nr) const
    {
        unsigned long found = size_, len = size_ + 1;
        unsigned long start_bit = find_next_zero_area(0, nr);
        while (start_bit < size_) {
            const unsigned long next_bit = find_next_bit(start_bit + nr);
            if (next_bit - start_bit < len) {
                len = next_bit - start_bit;
                found = start_bit;
                if (len == nr)
                    return found;
            }
            start_bit = find_next_zero_area(next_bit + 1, nr);
        }
        return found;
    }

    // bitmap_find_next_zero_area() with align_mask 0.
    unsigned long find_next_zero_area(unsigned long start, unsigned long nr) const
    {
        for (;;) {
            const unsigned long index = find_next_zero_bit(start);
            const unsigned long end = index + nr;
            if (end > size_)
                return end;
            const unsigned long i = find_next_bit_below(index, end);
            if (i < end) {
                start = i + 1;
                continue;
            }
            return index;
        }
    }

    unsigned long find_next_bit(unsigned long from) const
    {
        return find_next_bit_below(from, size_);
    }

    // First set bit in [from, limit), or limit.
    unsigned long find_next_bit_below(unsigned long from, unsigned long limit) const
    {
        if (from >= limit)
            return limit;
        unsigned long w = from / 64;
        uint64_t word = map_[w] & (~0ULL << (from % 64));
        while (!word) {
            if (++w * 64 >= limit)
                return limit;
            word = map_[w];
        }
        const unsigned long bit = w * 64 + static_cast<unsigned long>(__builtin_ctzll(word));
        return bit < limit ? bit : limit;
    }

    unsigned long find_next_zero_bit(unsigned long from) const
    {
        if (from >= size_)
            return size_;
        unsigned long w = from / 64;
        uint64_t word = ~map_[w] & (~0ULL << (from % 64));
        while (!word) {
            if (++w >= map_.size())
                return size_;
            word = ~map_[w];
        }
        const unsigned long bit = w * 64 + static_cast<unsigned long>(__builtin_ctzll(word));
        return bit < size_ ? bit : size_;
    }

    void set(unsigned long start, unsigned long nr)
    {
        for (unsigned long i = start; i < start + nr;) {
            if (i % 64 == 0 && start + nr - i >= 64) {
                map_[i / 64] = ~0ULL;
                i += 64;
            } else {
                map_[i / 64] |= 1ULL << (i % 64);
                i++;
            }
        }
    }

    void clear(unsigned long start, unsigned long nr)
    {
        for (unsigned long i = start; i < start + nr;) {
            if (i % 64 == 0 && start + nr - i >= 64) {
                map_[i / 64] = 0;
                i += 64;
            } else {
                map_[i / 64] &= ~(1ULL << (i % 64));
                i++;
            }
        }
    }

    unsigned long base_;
    unsigned long size_;
    std::vector<uint64_t> map_;
};

} // namespace pmm::bench
