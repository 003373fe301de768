// SPDX-License-Identifier: GPL-2.0
//
// libFuzzer target: bytes -> a pool layout, a policy and a stream of
// operations, run on the core and the reference with every check of the
// model check after every operation (tests/model/model.cpp). A mismatch
// prints the decoded stream and aborts, which libFuzzer reports as a crash.
//
// Input format (all choices taken modulo their range, so every input is
// valid):
//   byte 0        bit 0: initial policy; bits 1-2: layout (tiny, small, standard)
//   then per op   one byte k:
//                   k % 8 in 0..3  alloc: two bytes of size, one of order
//                                  (bit 7 of the order byte: inject a node
//                                  allocation failure into the preload fill)
//                   k % 8 in 4..6  free: one byte picks a live block
//                   k % 8 == 7     switch policy
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include "model.hpp"

using namespace pmm::model;

namespace {

std::vector<Region> layout_of(unsigned int which)
{
    switch (which % 3) {
    case 0: // tiny: everything touches everything, exhaustion is easy
        return {{0, 64, 0}, {64, 64, 1}, {203, 100, 2}};
    case 1: // small, odd starts
        return {{5, 1000, 0}, {1005, 3000, 1}, {8191, 4097, 2}};
    default:
        return standard_layout();
    }
}

constexpr size_t kMaxOps = 4000;

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzedDataProvider in(data, size);
    const uint8_t head = in.ConsumeIntegral<uint8_t>();
    const Policy policy = head & 1 ? Policy::first_fit : Policy::best_fit;
    const std::vector<Region> layout = layout_of((head >> 1) & 3);
    unsigned long total = 0;
    for (const Region &r : layout)
        total += r.nr_pages;

    pmm_shim_set_verbose(1);
    std::vector<Op> ops;
    Runner runner(layout, policy);
    uint32_t next_id = 0;
    Policy current = policy;
    while (in.remaining_bytes() > 0 && ops.size() < kMaxOps) {
        const uint8_t k = in.ConsumeIntegral<uint8_t>();
        Op op;
        if (k % 8 < 4) {
            const uint16_t sz = in.ConsumeIntegral<uint16_t>();
            const uint8_t ord = in.ConsumeIntegral<uint8_t>();
            op.kind = Op::Kind::alloc;
            op.id = next_id++;
            // Mostly small requests, sometimes anything up to the whole pool.
            op.nr_pages = sz & 0x8000 ? 1 + sz % total : 1 + (sz & 0xff);
            op.order = (ord & 0x7f) % (PMM_MAX_ALIGN_ORDER + 1);
            op.inject = ord & 0x80 ? uint8_t(1 + (sz & 1)) : 0;
        } else if (k % 8 < 7) {
            const uint8_t pick = in.ConsumeIntegral<uint8_t>();
            if (runner.live_count() == 0)
                continue;
            op.kind = Op::Kind::free;
            op.id = runner.live_id(pick % runner.live_count());
        } else {
            op.kind = Op::Kind::set_policy;
            current = current == Policy::best_fit ? Policy::first_fit : Policy::best_fit;
            op.policy = current;
        }
        ops.push_back(op);
        if (std::string e = runner.step(op); !e.empty()) {
            const std::vector<Op> minimal = shrink(layout, policy, ops, std::chrono::seconds(20));
            std::fprintf(stderr, "%s",
                         report("fuzz input (libFuzzer saves it as the crash- file)", layout,
                                policy, Failure{ops.size() - 1, e}, minimal)
                             .c_str());
            std::abort();
        }
    }
    return 0;
}
