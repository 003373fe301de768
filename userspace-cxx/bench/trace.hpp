// SPDX-License-Identifier: GPL-2.0
//
// A recorded allocation trace: the regions of the pool, then one request
// per line.
//
//   # comment
//   region <start pfn> <pages>
//   a <id> <pages> <align order> <buffer kind>
//   f <id>
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace pmm::bench {

struct TraceRegion {
    unsigned long start;
    unsigned long nr_pages;
};

struct TraceOp {
    bool alloc;
    unsigned long id;
    unsigned long nr_pages; // alloc
    unsigned int order;     // alloc
    std::string kind;       // alloc
};

struct Trace {
    std::vector<std::string> comments;
    std::vector<TraceRegion> regions;
    std::vector<TraceOp> ops;
};

// Throws std::runtime_error with the line number on a malformed line.
Trace read_trace(const std::string &path);
void write_trace(std::ostream &out, const Trace &trace);

} // namespace pmm::bench
