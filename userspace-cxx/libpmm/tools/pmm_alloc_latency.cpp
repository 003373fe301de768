// SPDX-License-Identifier: LGPL-2.1-or-later
//
// pmm_alloc_latency: in one boot, the latency of allocating and freeing a
// zeroed buffer from /dev/pmm and PMM's dma-buf heap against CMA's heap and
// the system heap, as a camera or codec pipeline sees it. Figures, never
// assertions: scripts/pmm bench --guest runs it and keeps its output.
//
// For each source and size (64 KiB, 1 MiB, 4 MiB, 32 MiB), two patterns:
//   spaced:       one buffer every --interval-ms (20), the 4 newest held,
//                 as a pipeline allocates; the background worker has time.
//   back-to-back: the same with no pause; sustained throughput, bounded by
//                 clearing bandwidth, against a plain memset of the size.
// and two conditions: idle, and with --pressure-percent (70) of the free
// RAM in shmem (a memfd, written), which CMA must migrate out of its area.
//
// One line per (condition, pattern, source, size): samples, then p50, p99,
// p99.9 and max of allocation and of free in microseconds, as a table and
// (--csv FILE) as CSV.
#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <fcntl.h>
#include <memory>
#include <optional>
#include <pmm/device.h>
#include <pmm/heap.h>
#include <pmm/types.h>
#include <string>
#include <sys/mman.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

std::uint64_t nowNs()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::uint64_t(ts.tv_sec) * 1000000000u + std::uint64_t(ts.tv_nsec);
}

// Where buffers come from: /dev/pmm for one type, or a dma-buf heap.
struct Source {
    std::string name;
    std::optional<pmm::Device> device; // /dev/pmm
    std::string typeName;
    std::optional<pmm::Heap> heap;

    pmm::Result<pmm::Block> allocate(std::uint64_t size) const
    {
        if (device)
            return device->tryAllocate(typeName, size);
        return heap->tryAllocate(size);
    }
};

struct Percentiles {
    double p50 = 0, p99 = 0, p999 = 0, max = 0; // microseconds
};

Percentiles percentiles(std::vector<std::uint64_t> ns)
{
    Percentiles p;
    if (ns.empty())
        return p;
    std::sort(ns.begin(), ns.end());
    auto at = [&](double q) {
        auto i = std::size_t(q * double(ns.size() - 1) + 0.5);
        return double(ns[std::min(i, ns.size() - 1)]) / 1000.0;
    };
    p.p50 = at(0.5);
    p.p99 = at(0.99);
    p.p999 = at(0.999);
    p.max = double(ns.back()) / 1000.0;
    return p;
}

struct Run {
    std::vector<std::uint64_t> alloc, free;
    unsigned failures = 0;
    std::uint64_t wallNs = 0;
};

constexpr unsigned kHeld = 4;

// @samples allocations, @interval apart (0: back to back). As a pipeline's
// buffer ring: each new buffer is allocated, then the oldest of the kHeld + 1
// live ones is freed, so that a freed buffer is reused one allocation later
// (back to back: at once, the clearing then lands on the allocation).
Run measure(const Source &src, std::uint64_t size, unsigned samples,
            std::chrono::milliseconds interval)
{
    Run run;
    run.alloc.reserve(samples);
    run.free.reserve(samples);
    std::deque<pmm::Block> held;
    auto freeOldest = [&] {
        std::uint64_t t = nowNs();
        held.front().reset();
        run.free.push_back(nowNs() - t);
        held.pop_front();
    };
    const std::uint64_t start = nowNs();
    for (unsigned i = 0; i < samples; i++) {
        std::uint64_t t = nowNs();
        auto block = src.allocate(size);
        std::uint64_t dt = nowNs() - t;
        if (!block) {
            run.failures++;
        } else {
            run.alloc.push_back(dt);
            held.push_back(std::move(block.value()));
        }
        if (held.size() > kHeld)
            freeOldest();
        if (interval.count())
            std::this_thread::sleep_for(interval);
    }
    while (!held.empty())
        freeOldest();
    run.wallNs = nowNs() - start;
    return run;
}

// Median time of a plain memset of @size into memory already faulted in.
double memsetUs(std::uint64_t size)
{
    std::vector<unsigned char> buf(size, 1);
    std::vector<std::uint64_t> ns;
    for (int i = 0; i < 9; i++) {
        std::uint64_t t = nowNs();
        std::memset(buf.data(), i, size);
        asm volatile("" : : "r"(buf.data()) : "memory");
        ns.push_back(nowNs() - t);
    }
    return percentiles(ns).p50;
}

// A memfd holding @bytes of written shmem while it lives.
class Pressure {
public:
    explicit Pressure(std::uint64_t bytes) : bytes_(bytes)
    {
        fd_ = memfd_create("pmm-pressure", MFD_CLOEXEC);
        if (fd_ < 0 || ftruncate(fd_, off_t(bytes)) != 0)
            return;
        void *p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
        if (p == MAP_FAILED)
            return;
        for (std::uint64_t o = 0; o < bytes; o += 4096)
            static_cast<unsigned char *>(p)[o] = 0x5a;
        munmap(p, bytes);
        ok_ = true;
    }
    Pressure(const Pressure &) = delete;
    Pressure &operator=(const Pressure &) = delete;
    ~Pressure()
    {
        if (fd_ >= 0)
            close(fd_);
    }
    bool ok() const { return ok_; }
    std::uint64_t bytes() const { return bytes_; }

private:
    int fd_ = -1;
    std::uint64_t bytes_;
    bool ok_ = false;
};

std::uint64_t memAvailable()
{
    std::unique_ptr<FILE, int (*)(FILE *)> f(fopen("/proc/meminfo", "r"), fclose);
    char line[128];
    unsigned long long kb = 0;
    while (f && fgets(line, sizeof(line), f.get()))
        if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
            break;
    return kb * 1024;
}

struct Options {
    std::string type; // the PMM type; default: the first
    std::string cmaHeap = "reserved";
    unsigned spacedSamples = 200;
    unsigned b2bSamples = 400;
    unsigned intervalMs = 20;
    unsigned pressurePercent = 70;
    std::string csv;
};

void usage()
{
    std::fprintf(stderr,
                 "usage: pmm_alloc_latency [--type NAME] [--cma-heap NAME] [--spaced N] "
                 "[--back-to-back N] [--interval-ms MS] [--pressure-percent P] [--csv FILE]\n");
}

std::optional<Options> parse(int argc, char **argv)
{
    Options o;
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        auto next = [&]() -> const char * { return i + 1 < argc ? argv[++i] : nullptr; };
        const char *v = a.rfind("--", 0) == 0 ? next() : nullptr;
        if (!v)
            return std::nullopt;
        char *end = nullptr;
        unsigned long n = std::strtoul(v, &end, 0);
        bool number = *v && !*end;
        if (a == "--type")
            o.type = v;
        else if (a == "--cma-heap")
            o.cmaHeap = v;
        else if (a == "--csv")
            o.csv = v;
        else if (number && a == "--spaced")
            o.spacedSamples = unsigned(n);
        else if (number && a == "--back-to-back")
            o.b2bSamples = unsigned(n);
        else if (number && a == "--interval-ms")
            o.intervalMs = unsigned(n);
        else if (number && a == "--pressure-percent" && n <= 95)
            o.pressurePercent = unsigned(n);
        else
            return std::nullopt;
    }
    return o;
}

} // namespace

int main(int argc, char **argv)
{
    auto opts = parse(argc, argv);
    if (!opts) {
        usage();
        return 2;
    }
    auto dev = pmm::Device::open();
    if (!dev) {
        std::fprintf(stderr, "pmm_alloc_latency: /dev/pmm: %s\n", dev.error().message().c_str());
        return 1;
    }
    std::string type = opts->type;
    if (type.empty()) {
        auto types = dev.value().tryTypes();
        if (!types || types.value().empty()) {
            std::fprintf(stderr, "pmm_alloc_latency: no PMM memory type\n");
            return 1;
        }
        type = types.value().front().name;
    }

    std::vector<Source> sources;
    sources.push_back(
        Source{.name = "pmm-dev", .device = std::move(dev.value()), .typeName = type, .heap = {}});
    for (const std::string &heap : {"pmm-" + type, opts->cmaHeap, std::string("system")}) {
        auto h = pmm::Heap::openPath(std::string(pmm::Heap::kDirectory) + "/" + heap);
        if (!h) {
            std::printf("# no heap %s: %s\n", heap.c_str(), h.error().message().c_str());
            continue;
        }
        sources.push_back(Source{.name = heap == "pmm-" + type ? "pmm-heap" : heap,
                                 .device = {},
                                 .typeName = {},
                                 .heap = std::move(h.value())});
    }

    std::unique_ptr<FILE, int (*)(FILE *)> csv(nullptr, fclose);
    if (!opts->csv.empty()) {
        csv.reset(fopen(opts->csv.c_str(), "w"));
        if (!csv) {
            std::perror(opts->csv.c_str());
            return 1;
        }
        std::fprintf(csv.get(), "condition,pattern,source,size,samples,failures,"
                                "alloc_p50_us,alloc_p99_us,alloc_p999_us,alloc_max_us,"
                                "free_p50_us,free_p99_us,free_p999_us,free_max_us,"
                                "throughput_mib_s,memset_us\n");
    }

    const std::uint64_t sizes[] = {64u << 10, 1u << 20, 4u << 20, 32u << 20};
    std::printf("# type %s, %u held, spaced every %u ms\n", type.c_str(), kHeld, opts->intervalMs);
    std::printf("%-8s %-12s %-9s %6s %5s %4s | %9s %9s %9s %9s | %8s %8s %8s | %9s %9s\n", "cond",
                "pattern", "source", "size", "n", "fail", "alloc p50", "p99", "p99.9", "max",
                "free p50", "p99.9", "max", "MiB/s", "memset");
    for (int pressured = 0; pressured < 2; pressured++) {
        std::unique_ptr<Pressure> pressure;
        if (pressured) {
            pressure = std::make_unique<Pressure>(memAvailable() / 100 * opts->pressurePercent);
            if (!pressure->ok()) {
                std::printf("# no shmem pressure: memfd failed\n");
                continue;
            }
            std::printf("# %" PRIu64 " MiB of shmem written\n", pressure->bytes() >> 20);
        }
        const char *cond = pressured ? "shmem" : "idle";
        for (int spaced = 1; spaced >= 0; spaced--) {
            const char *pattern = spaced ? "spaced" : "back-to-back";
            for (std::uint64_t size : sizes) {
                const double mset = memsetUs(size);
                for (const Source &src : sources) {
                    unsigned n = spaced ? opts->spacedSamples : opts->b2bSamples;
                    if (size >= (32u << 20))
                        n = std::max(8u, n / 8);
                    Run r = measure(src, size, n,
                                    std::chrono::milliseconds(spaced ? opts->intervalMs : 0));
                    Percentiles a = percentiles(r.alloc), f = percentiles(r.free);
                    double mibs = spaced || !r.wallNs ? 0
                                                      : double(r.alloc.size()) * double(size) /
                                                            1048576.0 / (double(r.wallNs) / 1e9);
                    std::printf("%-8s %-12s %-9s %5" PRIu64 "K %5zu %4u | %9.1f %9.1f %9.1f "
                                "%9.1f | %8.1f %8.1f %8.1f | %9.0f %9.1f\n",
                                cond, pattern, src.name.c_str(), size >> 10, r.alloc.size(),
                                r.failures, a.p50, a.p99, a.p999, a.max, f.p50, f.p999, f.max, mibs,
                                mset);
                    if (csv)
                        std::fprintf(csv.get(),
                                     "%s,%s,%s,%" PRIu64 ",%zu,%u,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,"
                                     "%.1f,%.1f,%.0f,%.1f\n",
                                     cond, pattern, src.name.c_str(), size, r.alloc.size(),
                                     r.failures, a.p50, a.p99, a.p999, a.max, f.p50, f.p99, f.p999,
                                     f.max, mibs, mset);
                    std::fflush(stdout);
                }
            }
        }
    }
    return 0;
}
