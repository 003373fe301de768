// SPDX-License-Identifier: GPL-2.0
#include "mix.hpp"

namespace pmm::model {

std::string_view name_of(Resolution r)
{
    switch (r) {
    case Resolution::hd720:
        return "720p";
    case Resolution::fhd1080:
        return "1080p";
    case Resolution::uhd4k:
        return "4K";
    }
    return "?";
}

std::string_view name_of(BufferKind k)
{
    switch (k) {
    case BufferKind::control:
        return "control";
    case BufferKind::bitstream:
        return "bitstream";
    case BufferKind::camera_nv12:
        return "camera-nv12";
    case BufferKind::display_rgb:
        return "display-rgb";
    case BufferKind::odd:
        return "odd";
    }
    return "?";
}

Request draw_request(Rng &rng, BufferKind kind, Resolution res)
{
    const Frame f = frame_of(res);
    switch (kind) {
    case BufferKind::control:
        // 4-64 KiB: parameter sets, statistics, command rings.
        return {rng.between(1, 16), rng.chance(1, 4) ? 2U : 0U};
    case BufferKind::bitstream: {
        // Compressed frames: a fraction of the raw NV12 size, varying with
        // content; decoders round up to 64 KiB.
        const unsigned long raw = nv12_pages(f.width, f.height);
        const unsigned long pages = rng.between(raw / 16, raw / 2);
        return {(pages + 15) / 16 * 16, 4};
    }
    case BufferKind::camera_nv12: {
        // ISPs want 64 KiB or 1 MiB alignment, sometimes nothing.
        static constexpr unsigned int orders[] = {0, 4, 8};
        return {nv12_pages(f.width, f.height), orders[rng.below(3)]};
    }
    case BufferKind::display_rgb: {
        static constexpr unsigned int orders[] = {0, 8};
        return {rgb_pages(f.width, f.height), orders[rng.below(2)]};
    }
    case BufferKind::odd:
        // Anything: the corners of the alignment range included.
        return {rng.between(1, 4096), static_cast<unsigned int>(rng.between(0, 12))};
    }
    return {1, 0};
}

Request draw_from_mix(Rng &rng, MixKind mix, Resolution res)
{
    // Weights in percent: control, bitstream, camera, display, odd.
    static constexpr unsigned int pipeline[] = {30, 25, 25, 15, 5};
    static constexpr unsigned int control_heavy[] = {75, 10, 8, 5, 2};
    const unsigned int *w = mix == MixKind::pipeline ? pipeline : control_heavy;
    unsigned int roll = static_cast<unsigned int>(rng.below(100));
    unsigned int k = 0;
    while (k < 4 && roll >= w[k]) {
        roll -= w[k];
        k++;
    }
    return draw_request(rng, static_cast<BufferKind>(k), res);
}

} // namespace pmm::model
