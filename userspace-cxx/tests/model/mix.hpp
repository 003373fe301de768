// SPDX-License-Identifier: GPL-2.0
//
// Realistic request mixes for the model check, the fuzzer and the trace
// generator: camera and display frames, codec bitstream buffers and small
// control buffers, in 4 KiB pages with the alignments drivers ask for.
#pragma once

#include <cstdint>
#include <string_view>

namespace pmm::model {

constexpr unsigned long kPageSize = 4096;

constexpr unsigned long pages_of(unsigned long bytes)
{
    return (bytes + kPageSize - 1) / kPageSize;
}

// NV12: a full-size luma plane and a half-size interleaved chroma plane.
constexpr unsigned long nv12_pages(unsigned long w, unsigned long h)
{
    return pages_of(w * h * 3 / 2);
}

// XRGB8888 display buffers.
constexpr unsigned long rgb_pages(unsigned long w, unsigned long h)
{
    return pages_of(w * h * 4);
}

enum class Resolution { hd720, fhd1080, uhd4k };

struct Frame {
    unsigned long width;
    unsigned long height;
};

constexpr Frame frame_of(Resolution r)
{
    switch (r) {
    case Resolution::hd720:
        return {1280, 720};
    case Resolution::fhd1080:
        return {1920, 1080};
    case Resolution::uhd4k:
        return {3840, 2160};
    }
    return {0, 0};
}

std::string_view name_of(Resolution r);

// splitmix64: small, fast, and the same numbers on every platform (the
// standard distributions are not), so a seed always means the same stream.
class Rng {
public:
    explicit Rng(uint64_t seed) : state_(seed) {}

    uint64_t next()
    {
        uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    // Uniform in [0, n), n > 0 (the modulo bias is irrelevant here).
    uint64_t below(uint64_t n) { return next() % n; }
    // Uniform in [lo, hi].
    uint64_t between(uint64_t lo, uint64_t hi) { return lo + below(hi - lo + 1); }
    // True with probability num/den.
    bool chance(uint64_t num, uint64_t den) { return below(den) < num; }

private:
    uint64_t state_;
};

struct Request {
    unsigned long nr_pages;
    unsigned int align_order;
};

enum class BufferKind { control, bitstream, camera_nv12, display_rgb, odd };

std::string_view name_of(BufferKind k);

// A request of the given kind at the given resolution.
Request draw_request(Rng &rng, BufferKind kind, Resolution res);

enum class MixKind {
    pipeline,      // mostly frames and bitstreams, some control buffers
    control_heavy, // mostly 4-64 KiB control buffers between the frames
};

// A request from the mix: the buffer kind by the mix's weights, then its size.
Request draw_from_mix(Rng &rng, MixKind mix, Resolution res);

} // namespace pmm::model
