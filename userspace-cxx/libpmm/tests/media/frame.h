// SPDX-License-Identifier: GPL-2.0
// Pictures for the media pipeline test: the source picture, and the expected output of each
// stage computed in user space from the drivers' algorithms (drivers/media/test-drivers/
// vicodec/codec-fwht.c for an FWHT I-frame, vim2m.c's device_process() for vim2m), so the
// frames the drivers write into PMM blocks can be compared byte for byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace pmm::media {

using Bytes = std::span<const std::byte>;

// A packed single-plane picture: fourcc, size, bytes a line.
struct PixFormat {
    std::uint32_t fourcc = 0;
    std::uint32_t width = 0;
    std::uint32_t height = 0;
    std::uint32_t bytesPerLine = 0;
    std::size_t sizeImage() const noexcept { return std::size_t{bytesPerLine} * height; }
};

// Bytes a pixel of the formats below (RGB24, BGR24, RGB565, RGB565X, YUYV); 0 for others.
unsigned bytesPerPixel(std::uint32_t fourcc);
PixFormat packedFormat(std::uint32_t fourcc, std::uint32_t width, std::uint32_t height);

// The source picture, RGB24: R a horizontal ramp with a disc of inverted ramp in the middle
// (edges that do not follow the 8x8 blocks: the lossy part), G a diagonal ramp, B a checker
// of 32x32 squares, flat inside every 8x8 block of the codec.
void drawTestPicture(std::span<std::byte> rgb24, std::uint32_t width, std::uint32_t height);

// What vicodec's decoder produces from vicodec's encoding of an I-frame of an interleaved
// picture of `components` bytes a pixel: for every component and 8x8 block, codec-fwht.c's
// fwht() (intra), quantize_intra() with qp, the run-length code's 12-bit coefficients,
// dequantize_intra(), ifwht() (intra) and fill_decoder_block(). width and height must be
// multiples of 8.
std::vector<std::byte> fwhtIntraRoundTrip(Bytes picture, std::uint32_t width, std::uint32_t height,
                                          unsigned components, unsigned qp);

// The largest difference |decoded - source| an FWHT I-frame at qp can make in one sample:
// quantize_intra() shifts coefficient k right by q_k and zeroes it when the result is within
// [-qp, qp], so |error_k| <= (qp + 1) * 2^q_k - 1; ifwht() sums the 64 coefficients with signs
// +-1 and divides by 64 rounding down. Hence |error| <= ceil(sum_k((qp + 1) * 2^q_k - 1) / 64).
unsigned fwhtIntraErrorBound(unsigned qp);

// What vim2m writes for a frame in `in` converted and scaled to `out` (no flips): vim2m.c's
// device_process() and copy_two_pixels(). Input formats RGB24, BGR24, RGB565, RGB565X; output
// those and YUYV.
std::vector<std::byte> vim2mProcess(Bytes in, const PixFormat &inFormat,
                                    const PixFormat &outFormat);

// A comparison of two pictures of `channels` interleaved 8-bit samples a pixel.
struct Comparison {
    std::size_t bytes = 0;     // bytes compared
    std::size_t differing = 0; // bytes that differ
    unsigned maxError = 0;     // largest |a - b|
    std::vector<unsigned> maxErrorPerChannel;
    double mse = 0;
    double psnr = 0; // dB; +infinity when equal
    std::string describe() const;
};
Comparison compare(Bytes a, Bytes b, unsigned channels);

} // namespace pmm::media
