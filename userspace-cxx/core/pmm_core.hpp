// SPDX-License-Identifier: GPL-2.0
//
// C++ ownership for the PMM core's C objects.
//
//   pmm::Preload  owns the extent nodes of a struct pmm_preload.
//   pmm::Pool     owns a struct pmm_pool and its free extents, and the
//                 preload it fills before each operation (as the kernel
//                 owner does before taking its lock).
//   pmm::Block    owns one allocated extent and gives it back to its pool.
//
// A Block must not outlive its Pool; declare the Pool first.
#pragma once

// The tools rbtree.h that pmm_alloc.h includes is C only (it names
// parameters "new"). C++ needs just the two structures, to read what the
// core hands out and to walk the index in the model check: declare them here
// exactly as shim/linux/rbtree.h does and take its include guard.
#ifndef __TOOLS_LINUX_PERF_RBTREE_H
#define __TOOLS_LINUX_PERF_RBTREE_H
extern "C" {
struct rb_node {
    unsigned long __rb_parent_color;
    struct rb_node *rb_right;
    struct rb_node *rb_left;
} __attribute__((aligned(sizeof(long))));

struct rb_root {
    struct rb_node *rb_node;
};
}
#endif

extern "C" {
#include "pmm_alloc.h"
#include "pmm_shim.h"
}

#include <cstdio>
#include <cstdlib>
#include <utility>
#include <vector>

namespace pmm {

// One free extent as seen from outside the core.
struct Extent {
    unsigned long start;
    unsigned long nr_pages;
    unsigned int region;

    friend bool operator==(const Extent &, const Extent &) = default;
};

class Preload {
public:
    Preload() = default;
    ~Preload() { pmm_preload_drain(&pre_); }
    Preload(const Preload &) = delete;
    Preload &operator=(const Preload &) = delete;

    // 0 or -ENOMEM, as pmm_preload_fill().
    [[nodiscard]] int fill(gfp_t gfp = GFP_KERNEL) { return pmm_preload_fill(&pre_, gfp); }
    void drain() { pmm_preload_drain(&pre_); }
    [[nodiscard]] int nodes() const
    {
        int n = 0;
        for (const pmm_extent *node : pre_.node)
            n += node != nullptr;
        return n;
    }
    pmm_preload *get() { return &pre_; }

private:
    pmm_preload pre_{};
};

class Block;

class Pool {
public:
    explicit Pool(const pmm_policy &policy) { pmm_pool_init(&pool_, &policy); }
    ~Pool()
    {
        if (pool_.nr_blocks != 0) {
            std::fprintf(stderr, "pmm::Pool destroyed with %lu blocks allocated\n",
                         pool_.nr_blocks);
            std::abort();
        }
        pmm_pool_destroy(&pool_);
    }
    Pool(const Pool &) = delete;
    Pool &operator=(const Pool &) = delete;

    // Fill the preload and add [start, start + nr_pages) of @region as free.
    // Returns 0 or -ENOMEM (the pool is unchanged then).
    [[nodiscard]] int add_free(unsigned long start, unsigned long nr_pages, unsigned int region)
    {
        if (int err = pre_.fill())
            return err;
        pmm_pool_add_free(&pool_, start, nr_pages, region, pre_.get());
        return 0;
    }

    // Fill the preload and allocate; an empty Block when nothing fits or
    // when the preload could not be filled (see *err then).
    Block alloc(unsigned long nr_pages, unsigned int align_order = 0, int *err = nullptr);

    [[nodiscard]] unsigned long largest_free() { return pmm_pool_largest_free(&pool_); }
    void set_policy(const pmm_policy &policy) { pmm_pool_set_policy(&pool_, &policy); }
    [[nodiscard]] const char *check() { return pmm_pool_check(&pool_); }

    [[nodiscard]] std::vector<Extent> free_extents()
    {
        std::vector<Extent> out;
        out.reserve(pool_.nr_free_extents);
        for (pmm_extent *e = pmm_pool_first_free(&pool_); e; e = pmm_pool_next_free(e))
            out.push_back({e->start, e->nr_pages, e->region});
        return out;
    }

    pmm_pool *get() { return &pool_; }
    const pmm_pool *get() const { return &pool_; }
    Preload &preload() { return pre_; }

private:
    pmm_pool pool_{};
    Preload pre_;
};

class Block {
public:
    Block() = default;
    Block(pmm_pool *pool, pmm_extent *ext) : pool_(pool), ext_(ext) {}
    ~Block() { reset(); }
    Block(Block &&other) noexcept
        : pool_(std::exchange(other.pool_, nullptr)), ext_(std::exchange(other.ext_, nullptr))
    {
    }
    Block &operator=(Block &&other) noexcept
    {
        if (this != &other) {
            reset();
            pool_ = std::exchange(other.pool_, nullptr);
            ext_ = std::exchange(other.ext_, nullptr);
        }
        return *this;
    }
    Block(const Block &) = delete;
    Block &operator=(const Block &) = delete;

    // Give the block back to its pool now.
    void reset()
    {
        if (ext_)
            pmm_pool_free(pool_, std::exchange(ext_, nullptr));
        pool_ = nullptr;
    }

    explicit operator bool() const { return ext_ != nullptr; }
    [[nodiscard]] unsigned long start() const { return ext_->start; }
    [[nodiscard]] unsigned long nr_pages() const { return ext_->nr_pages; }
    [[nodiscard]] unsigned long end() const { return ext_->start + ext_->nr_pages; }
    [[nodiscard]] unsigned int region() const { return ext_->region; }
    [[nodiscard]] const pmm_extent *get() const { return ext_; }

private:
    pmm_pool *pool_ = nullptr;
    pmm_extent *ext_ = nullptr;
};

inline Block Pool::alloc(unsigned long nr_pages, unsigned int align_order, int *err)
{
    int e = pre_.fill();
    if (err)
        *err = e;
    if (e)
        return {};
    pmm_extent *ext = pmm_pool_alloc(&pool_, nr_pages, align_order, pre_.get());
    return ext ? Block(&pool_, ext) : Block();
}

} // namespace pmm
