// SPDX-License-Identifier: GPL-2.0
#include "trace.hpp"

#include <fstream>
#include <ostream>
#include <sstream>
#include <stdexcept>

namespace pmm::bench {

Trace read_trace(const std::string &path)
{
    std::ifstream in(path);
    if (!in)
        throw std::runtime_error("cannot open trace " + path);
    Trace t;
    std::string line;
    for (unsigned long lineno = 1; std::getline(in, line); lineno++) {
        if (line.empty())
            continue;
        if (line[0] == '#') {
            t.comments.push_back(line);
            continue;
        }
        std::istringstream s(line);
        std::string word;
        s >> word;
        bool ok = true;
        if (word == "region") {
            TraceRegion r{};
            ok = static_cast<bool>(s >> r.start >> r.nr_pages) && r.nr_pages > 0;
            t.regions.push_back(r);
        } else if (word == "a") {
            TraceOp op{true, 0, 0, 0, {}};
            ok = static_cast<bool>(s >> op.id >> op.nr_pages >> op.order >> op.kind) &&
                 op.nr_pages > 0 && op.order <= 12;
            t.ops.push_back(std::move(op));
        } else if (word == "f") {
            TraceOp op{false, 0, 0, 0, {}};
            ok = static_cast<bool>(s >> op.id);
            t.ops.push_back(std::move(op));
        } else {
            ok = false;
        }
        if (!ok)
            throw std::runtime_error(path + ":" + std::to_string(lineno) + ": bad line: " + line);
    }
    if (t.regions.empty())
        throw std::runtime_error(path + ": no region");
    return t;
}

void write_trace(std::ostream &out, const Trace &t)
{
    for (const std::string &c : t.comments)
        out << c << '\n';
    for (const TraceRegion &r : t.regions)
        out << "region " << r.start << ' ' << r.nr_pages << '\n';
    for (const TraceOp &op : t.ops) {
        if (op.alloc)
            out << "a " << op.id << ' ' << op.nr_pages << ' ' << op.order << ' ' << op.kind << '\n';
        else
            out << "f " << op.id << '\n';
    }
}

} // namespace pmm::bench
