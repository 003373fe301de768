// SPDX-License-Identifier: GPL-2.0
//
// The per-operation clock of pmm_latency.
//
// On x86-64 with an invariant TSC (constant_tsc and nonstop_tsc in
// /proc/cpuinfo) an interval is lfence; rdtsc ... rdtscp; lfence: the
// fences keep the timed operation from leaking out of the interval, and the
// TSC is read in about 10-40 ns where clock_gettime() costs more. The tick
// length is calibrated against CLOCK_MONOTONIC_RAW. Elsewhere, or with
// --timer=clock, both ends are clock_gettime(CLOCK_MONOTONIC_RAW).
//
// The timer's own cost (an empty interval) is measured and its median is
// subtracted from every sample; both are reported.
#pragma once

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace pmm::bench {

inline uint64_t monotonic_raw_ns()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
    return uint64_t(ts.tv_sec) * 1000000000ULL + uint64_t(ts.tv_nsec);
}

class OpTimer {
public:
    // Prefer the TSC where it is invariant and @want_tsc allows it.
    explicit OpTimer(bool want_tsc)
    {
        use_tsc_ = want_tsc && tsc_is_invariant();
        ns_per_tick_ = use_tsc_ ? calibrate() : 1.0;
        measure_overhead();
    }

    [[nodiscard]] uint64_t start() const
    {
#if defined(__x86_64__)
        if (use_tsc_) {
            _mm_lfence();
            const uint64_t t = __rdtsc();
            _mm_lfence();
            return t;
        }
#endif
        return monotonic_raw_ns();
    }

    [[nodiscard]] uint64_t stop() const
    {
#if defined(__x86_64__)
        if (use_tsc_) {
            unsigned int aux;
            const uint64_t t = __rdtscp(&aux);
            _mm_lfence();
            return t;
        }
#endif
        return monotonic_raw_ns();
    }

    // An interval in ns, less the timer's median overhead (never below 0).
    [[nodiscard]] double to_ns(uint64_t ticks) const
    {
        return double(ticks > overhead_ticks_ ? ticks - overhead_ticks_ : 0) * ns_per_tick_;
    }

    [[nodiscard]] const char *name() const
    {
        return use_tsc_ ? "rdtsc/rdtscp (calibrated against CLOCK_MONOTONIC_RAW)"
                        : "clock_gettime(CLOCK_MONOTONIC_RAW)";
    }
    [[nodiscard]] double ns_per_tick() const
    {
        return ns_per_tick_;
    }
    [[nodiscard]] double overhead_median_ns() const
    {
        return double(overhead_ticks_) * ns_per_tick_;
    }
    [[nodiscard]] double overhead_min_ns() const
    {
        return double(overhead_min_ticks_) * ns_per_tick_;
    }
    [[nodiscard]] double overhead_p99_ns() const
    {
        return double(overhead_p99_ticks_) * ns_per_tick_;
    }
    [[nodiscard]] double resolution_ns() const
    {
        return double(resolution_ticks_) * ns_per_tick_;
    }

private:
    static bool tsc_is_invariant()
    {
#if defined(__x86_64__)
        std::ifstream cpuinfo("/proc/cpuinfo");
        std::string line;
        while (std::getline(cpuinfo, line))
            if (line.rfind("flags", 0) == 0)
                return line.find(" constant_tsc") != std::string::npos &&
                       line.find(" nonstop_tsc") != std::string::npos;
#endif
        return false;
    }

    // ns per tick over 3 x 50 ms; the median of the three resists one
    // preemption between the paired reads.
    double calibrate() const
    {
        double rounds[3];
        for (double &r : rounds) {
            const uint64_t t0 = monotonic_raw_ns(), c0 = start();
            uint64_t t1;
            do
                t1 = monotonic_raw_ns();
            while (t1 - t0 < 50000000ULL);
            const uint64_t c1 = stop();
            r = double(t1 - t0) / double(c1 - c0);
        }
        std::sort(std::begin(rounds), std::end(rounds));
        return rounds[1];
    }

    void measure_overhead()
    {
        std::vector<uint64_t> empty(200000);
        for (uint64_t &e : empty) {
            const uint64_t t0 = start();
            e = stop() - t0;
        }
        std::sort(empty.begin(), empty.end());
        // The resolution: the step between distinct interval lengths (a
        // virtual TSC may advance in steps of several ticks).
        resolution_ticks_ = 0;
        for (size_t i = 1; i < empty.size(); i++)
            if (empty[i] > empty[i - 1] &&
                (!resolution_ticks_ || empty[i] - empty[i - 1] < resolution_ticks_))
                resolution_ticks_ = empty[i] - empty[i - 1];
        if (!resolution_ticks_)
            resolution_ticks_ = 1;
        overhead_min_ticks_ = empty.front();
        overhead_ticks_ = empty[empty.size() / 2];
        overhead_p99_ticks_ = empty[empty.size() * 99 / 100];
    }

    bool use_tsc_ = false;
    double ns_per_tick_ = 1.0;
    uint64_t overhead_ticks_ = 0;
    uint64_t overhead_min_ticks_ = 0;
    uint64_t overhead_p99_ticks_ = 0;
    uint64_t resolution_ticks_ = 0;
};

} // namespace pmm::bench
