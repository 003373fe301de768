// SPDX-License-Identifier: GPL-2.0
//
// A bitmap of pages (set = allocated) with the kernel's search helpers,
// word at a time as lib/find_bit.c and lib/bitmap.c do them, for the
// genalloc and CMA baselines of pmm_latency.
//
//   find_next_bit(), find_next_zero_bit()     include/linux/find.h
//   bitmap_set(), bitmap_clear()              lib/bitmap.c
//   bitmap_find_next_zero_area_off()          lib/bitmap.c (Linux 6.12)
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace pmm::bench {

class KernelBitmap {
public:
    explicit KernelBitmap(unsigned long nbits) : size_(nbits), words_((nbits + 63) / 64, 0) {}

    [[nodiscard]] unsigned long size() const { return size_; }
    [[nodiscard]] bool test(unsigned long bit) const
    {
        return (words_[bit / 64] >> (bit % 64)) & 1;
    }

    // find_next_bit(map, size, offset): the first set bit in [offset, size),
    // else size.
    [[nodiscard]] unsigned long find_next_bit(unsigned long size, unsigned long offset) const
    {
        return find(size, offset, 0);
    }
    [[nodiscard]] unsigned long find_next_zero_bit(unsigned long size, unsigned long offset) const
    {
        return find(size, offset, ~0ULL);
    }

    void set(unsigned long start, unsigned long nr) { apply(start, nr, true); }
    void clear(unsigned long start, unsigned long nr) { apply(start, nr, false); }

    // bitmap_find_next_zero_area_off(): the first index >= start, with
    // (index + align_offset) a multiple of align_mask + 1, that begins nr
    // clear bits below size; a value > size when there is none.
    [[nodiscard]] unsigned long find_next_zero_area_off(unsigned long size, unsigned long start,
                                                        unsigned long nr, unsigned long align_mask,
                                                        unsigned long align_offset) const
    {
        for (;;) {
            unsigned long index = find_next_zero_bit(size, start);
            index = ((index + align_offset + align_mask) & ~align_mask) - align_offset;
            const unsigned long end = index + nr;
            if (end > size)
                return end;
            const unsigned long i = find_next_bit(end, index);
            if (i < end) {
                start = i + 1;
                continue;
            }
            return index;
        }
    }

    // Maximal runs of clear bits: the "free extents" of a bitmap allocator.
    [[nodiscard]] unsigned long zero_runs() const
    {
        unsigned long runs = 0;
        uint64_t carry = 0; // the previous bit was clear
        for (size_t w = 0; w < words_.size(); w++) {
            uint64_t zeros = ~words_[w];
            if (w == words_.size() - 1 && size_ % 64)
                zeros &= (1ULL << (size_ % 64)) - 1;
            runs += unsigned(__builtin_popcountll(zeros & ~((zeros << 1) | carry)));
            carry = zeros >> 63;
        }
        return runs;
    }

private:
    // The first bit in [from, limit) that differs from @invert's bits.
    [[nodiscard]] unsigned long find(unsigned long limit, unsigned long from, uint64_t invert) const
    {
        if (from >= limit)
            return limit;
        size_t w = from / 64;
        uint64_t word = (words_[w] ^ invert) & (~0ULL << (from % 64));
        while (!word) {
            if (++w * 64 >= limit)
                return limit;
            word = words_[w] ^ invert;
        }
        return std::min(limit, w * 64 + unsigned(__builtin_ctzll(word)));
    }

    void apply(unsigned long start, unsigned long nr, bool value)
    {
        const unsigned long end = start + nr;
        while (start < end) {
            const unsigned long bit = start % 64;
            const unsigned long n = std::min(64 - bit, end - start);
            const uint64_t mask = n == 64 ? ~0ULL : ((1ULL << n) - 1) << bit;
            if (value)
                words_[start / 64] |= mask;
            else
                words_[start / 64] &= ~mask;
            start += n;
        }
    }

    unsigned long size_;
    std::vector<uint64_t> words_;
};

} // namespace pmm::bench
