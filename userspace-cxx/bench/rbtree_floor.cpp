// SPDX-License-Identifier: GPL-2.0
//
// BM_RbtreeFloor/<n>: the floor the allocator's pair is measured against.
//
// A plain kernel rbtree (lib/rbtree.c as the harness compiles it,
// shim/rbtree.c) of the smallest possible nodes, a struct rb_node and a u64
// key, malloc'd one by one, holding n nodes with random keys. One iteration
// erases a random node and inserts it again with a new random key: one
// erase+insert pair, the least an index update of a tree of n nodes costs.
// Registered statically, so that pmm_bench prints it in the same run as
// BM_AllocFree (same repetitions and iteration counts).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <vector>

#include "mix.hpp"
#include "pmm_core.hpp" // struct rb_node, struct rb_root (C++-safe)

extern "C" {
void rb_insert_color(struct rb_node *node, struct rb_root *root);
void rb_erase(struct rb_node *node, struct rb_root *root);
}

namespace {

struct FloorNode {
    rb_node node;
    std::uint64_t key;
};

class Floor {
public:
    explicit Floor(unsigned long n) : rng_(n * 7919 + 3)
    {
        nodes_.reserve(n);
        for (unsigned long i = 0; i < n; i++) {
            auto *f = static_cast<FloorNode *>(std::malloc(sizeof(FloorNode)));
            if (!f)
                throw std::bad_alloc();
            nodes_.push_back(f);
            f->key = rng_.next();
            insert(f);
        }
    }
    ~Floor()
    {
        for (FloorNode *f : nodes_)
            std::free(f);
    }
    Floor(const Floor &) = delete;
    Floor &operator=(const Floor &) = delete;

    void pair()
    {
        FloorNode *f = nodes_[rng_.below(nodes_.size())];
        rb_erase(&f->node, &root_);
        f->key = rng_.next();
        insert(f);
    }

private:
    // rb_link_node() is a header inline the C++ side cannot include.
    void insert(FloorNode *f)
    {
        rb_node **link = &root_.rb_node, *parent = nullptr;

        while (*link) {
            parent = *link;
            link = f->key < reinterpret_cast<FloorNode *>(parent)->key ? &parent->rb_left
                                                                       : &parent->rb_right;
        }
        f->node.__rb_parent_color = reinterpret_cast<unsigned long>(parent);
        f->node.rb_left = f->node.rb_right = nullptr;
        *link = &f->node;
        rb_insert_color(&f->node, &root_);
    }

    pmm::model::Rng rng_;
    rb_root root_{nullptr};
    std::vector<FloorNode *> nodes_;
};

std::unique_ptr<Floor> floor_tree;
long floor_n = -1;

void BM_RbtreeFloor(benchmark::State &state)
{
    const long n = state.range(0);
    if (n != floor_n) {
        floor_tree.reset();
        floor_tree = std::make_unique<Floor>(static_cast<unsigned long>(n));
        floor_n = n;
        // Churn as BM_AllocFree does, to scatter the nodes as it does.
        for (long i = 0; i < n; i++)
            floor_tree->pair();
    }
    for (auto _ : state)
        floor_tree->pair();
    state.counters["nodes"] = double(n);
}

BENCHMARK(BM_RbtreeFloor)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(100000)
    ->Arg(1000000)
    ->Iterations(200000)
    ->Repetitions(5)
    ->ReportAggregatesOnly(true)
    ->Unit(benchmark::kNanosecond);

} // namespace
