// SPDX-License-Identifier: GPL-2.0
#include "frame.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <linux/videodev2.h>
#include <sstream>
#include <stdexcept>

namespace pmm::media {

namespace {

// codec-fwht.c: quant_table, the right shift of each coefficient of an intra block.
constexpr std::array<int, 64> kQuantIntra = {
    2, 2, 2, 2, 2, 2, 2, 2, //
    2, 2, 2, 2, 2, 2, 2, 2, //
    2, 2, 2, 2, 2, 2, 2, 3, //
    2, 2, 2, 2, 2, 2, 3, 6, //
    2, 2, 2, 2, 2, 3, 6, 6, //
    2, 2, 2, 2, 3, 6, 6, 6, //
    2, 2, 2, 3, 6, 6, 6, 6, //
    2, 2, 3, 6, 6, 6, 6, 8,
};

// Stages 2 and 3 of every 8-point transform of codec-fwht.c, from stage 1's workspace.
void butterfly(const std::int32_t w1[8], std::int32_t out[8])
{
    std::int32_t w2[8];
    w2[0] = w1[0] + w1[2];
    w2[1] = w1[0] - w1[2];
    w2[2] = w1[1] - w1[3];
    w2[3] = w1[1] + w1[3];
    w2[4] = w1[4] + w1[6];
    w2[5] = w1[4] - w1[6];
    w2[6] = w1[5] - w1[7];
    w2[7] = w1[5] + w1[7];
    out[0] = w2[0] + w2[4];
    out[1] = w2[0] - w2[4];
    out[2] = w2[1] - w2[5];
    out[3] = w2[1] + w2[5];
    out[4] = w2[2] + w2[6];
    out[5] = w2[2] - w2[6];
    out[6] = w2[3] - w2[7];
    out[7] = w2[3] + w2[7];
}

// Stage 1 on in[0], in[step], ... in[7 * step], minus `add` on each pair's sum.
void stage1(const auto *in, std::size_t step, std::int32_t add, std::int32_t w1[8])
{
    for (int i = 0; i < 8; i += 2) {
        const std::int32_t a = in[i * step], b = in[(i + 1) * step];
        w1[i] = a + b - add;
        w1[i + 1] = a - b;
    }
}

// fwht() with intra = 1: block is 8x8 samples input_step bytes apart, stride bytes a line.
void fwhtIntra(const std::uint8_t *block, std::int16_t out[64], std::size_t stride,
               std::size_t step)
{
    std::int32_t w1[8], r[8];
    for (int i = 0; i < 8; ++i) {
        stage1(block + i * stride, step, 256, w1);
        butterfly(w1, r);
        for (int k = 0; k < 8; ++k)
            out[8 * i + k] = static_cast<std::int16_t>(r[k]);
    }
    for (int i = 0; i < 8; ++i) {
        stage1(out + i, 8, 0, w1);
        butterfly(w1, r);
        for (int k = 0; k < 8; ++k)
            out[8 * k + i] = static_cast<std::int16_t>(r[k]);
    }
}

// ifwht() with intra = 1, then fill_decoder_block()'s clamp to 0..255.
void ifwhtIntra(const std::int16_t in[64], std::uint8_t *dst, std::size_t stride, std::size_t step)
{
    std::int16_t out[64];
    std::int32_t w1[8], r[8];
    for (int i = 0; i < 8; ++i) {
        stage1(in + 8 * i, 1, 0, w1);
        butterfly(w1, r);
        for (int k = 0; k < 8; ++k)
            out[8 * i + k] = static_cast<std::int16_t>(r[k]);
    }
    for (int i = 0; i < 8; ++i) {
        stage1(out + i, 8, 0, w1);
        butterfly(w1, r);
        for (int k = 0; k < 8; ++k) {
            auto v = static_cast<std::int16_t>(r[k]);
            v = static_cast<std::int16_t>(v >> 6);
            v = static_cast<std::int16_t>(v + 128);
            out[8 * k + i] = v;
        }
    }
    for (int y = 0; y < 8; ++y)
        for (int x = 0; x < 8; ++x)
            dst[y * stride + x * step] =
                static_cast<std::uint8_t>(std::clamp<int>(out[8 * y + x], 0, 255));
}

struct Rgb {
    int r, g, b;
};

Rgb readPixel(const std::uint8_t *p, std::uint32_t fourcc)
{
    switch (fourcc) {
    case V4L2_PIX_FMT_RGB565:
    case V4L2_PIX_FMT_RGB565X: {
        const unsigned pix =
            fourcc == V4L2_PIX_FMT_RGB565 ? (p[0] | p[1] << 8) : (p[1] | p[0] << 8);
        return Rgb{static_cast<int>((((pix & 0xf800) >> 11) << 3) | 0x07),
                   static_cast<int>((((pix & 0x07e0) >> 5) << 2) | 0x03),
                   static_cast<int>(((pix & 0x1f) << 3) | 0x07)};
    }
    case V4L2_PIX_FMT_BGR24:
        return Rgb{p[2], p[1], p[0]};
    default: // V4L2_PIX_FMT_RGB24, as vim2m's default: case
        return Rgb{p[0], p[1], p[2]};
    }
}

// copy_two_pixels()'s step 2 for the formats above and YUYV.
void writePair(const Rgb px[2], std::uint8_t *&dst, std::uint32_t fourcc)
{
    switch (fourcc) {
    case V4L2_PIX_FMT_RGB565:
    case V4L2_PIX_FMT_RGB565X:
        for (int i = 0; i < 2; ++i) {
            const unsigned pix =
                ((px[i].r << 8) & 0xf800) | ((px[i].g << 3) & 0x07e0) | (px[i].b >> 3);
            const auto lo = static_cast<std::uint8_t>(pix),
                       hi = static_cast<std::uint8_t>(pix >> 8);
            *dst++ = fourcc == V4L2_PIX_FMT_RGB565 ? lo : hi;
            *dst++ = fourcc == V4L2_PIX_FMT_RGB565 ? hi : lo;
        }
        return;
    case V4L2_PIX_FMT_RGB24:
    case V4L2_PIX_FMT_BGR24:
        for (int i = 0; i < 2; ++i) {
            const bool rgb = fourcc == V4L2_PIX_FMT_RGB24;
            *dst++ = static_cast<std::uint8_t>(rgb ? px[i].r : px[i].b);
            *dst++ = static_cast<std::uint8_t>(px[i].g);
            *dst++ = static_cast<std::uint8_t>(rgb ? px[i].b : px[i].r);
        }
        return;
    case V4L2_PIX_FMT_YUYV: {
        // BT.601 limited range in 15-bit fixed point; u and v from the first pixel only.
        auto y = [](const Rgb &p) {
            return static_cast<std::uint8_t>((8453 * p.r + 16594 * p.g + 3223 * p.b + 524288) >>
                                             15);
        };
        const Rgb &p = px[0];
        *dst++ = y(p);
        *dst++ =
            static_cast<std::uint8_t>((-4878 * p.r - 9578 * p.g + 14456 * p.b + 4210688) >> 15);
        *dst++ = y(px[1]);
        *dst++ =
            static_cast<std::uint8_t>((14456 * p.r - 12105 * p.g - 2351 * p.b + 4210688) >> 15);
        return;
    }
    default:
        throw std::invalid_argument("vim2mProcess: unsupported output format");
    }
}

const std::uint8_t *u8(Bytes b)
{
    return reinterpret_cast<const std::uint8_t *>(b.data());
}

} // namespace

unsigned bytesPerPixel(std::uint32_t fourcc)
{
    switch (fourcc) {
    case V4L2_PIX_FMT_RGB24:
    case V4L2_PIX_FMT_BGR24:
        return 3;
    case V4L2_PIX_FMT_RGB565:
    case V4L2_PIX_FMT_RGB565X:
    case V4L2_PIX_FMT_YUYV:
        return 2;
    default:
        return 0;
    }
}

PixFormat packedFormat(std::uint32_t fourcc, std::uint32_t width, std::uint32_t height)
{
    return PixFormat{.fourcc = fourcc,
                     .width = width,
                     .height = height,
                     .bytesPerLine = width * bytesPerPixel(fourcc)};
}

void drawTestPicture(std::span<std::byte> rgb24, std::uint32_t width, std::uint32_t height)
{
    if (rgb24.size() < std::size_t{width} * height * 3 || width < 2 || height < 2)
        throw std::invalid_argument("drawTestPicture: buffer too small");
    const long radius = height / 4;
    for (std::uint32_t y = 0; y < height; ++y) {
        for (std::uint32_t x = 0; x < width; ++x) {
            const unsigned ramp = x * 255 / (width - 1);
            // Not long: 32 bits in a 32-bit build, where long{x} of a uint32_t narrows.
            const std::int64_t dx = 2 * std::int64_t{x} + 1 - width,
                               dy = 2 * std::int64_t{y} + 1 - height;
            const bool disc = dx * dx + dy * dy <= 4 * radius * radius;
            std::byte *p = &rgb24[(std::size_t{y} * width + x) * 3];
            p[0] = static_cast<std::byte>(disc ? 255 - ramp : ramp);
            p[1] = static_cast<std::byte>((x + y) * 255 / (width + height - 2));
            p[2] = static_cast<std::byte>((((x / 32) ^ (y / 32)) & 1) ? 208 : 48);
        }
    }
}

std::vector<std::byte> fwhtIntraRoundTrip(Bytes picture, std::uint32_t width, std::uint32_t height,
                                          unsigned components, unsigned qp)
{
    const std::size_t stride = std::size_t{width} * components;
    if (width % 8 || height % 8 || picture.size() < stride * height)
        throw std::invalid_argument("fwhtIntraRoundTrip: bad size");
    std::vector<std::byte> out(stride * height);
    auto *dst = reinterpret_cast<std::uint8_t *>(out.data());
    const int q = static_cast<int>(qp);
    std::int16_t coeff[64];
    for (unsigned c = 0; c < components; ++c) {
        for (std::uint32_t by = 0; by < height; by += 8) {
            for (std::uint32_t bx = 0; bx < width; bx += 8) {
                const std::size_t at = by * stride + std::size_t{bx} * components + c;
                fwhtIntra(u8(picture) + at, coeff, stride, components);
                for (int k = 0; k < 64; ++k) {
                    // quantize_intra(): >>, then the dead zone [-qp, qp].
                    int v = coeff[k] >> kQuantIntra[k];
                    if (v >= -q && v <= q)
                        v = 0;
                    // rlc() keeps 12 bits of it, derlc() sign-extends them back.
                    v = static_cast<std::int16_t>(static_cast<std::uint16_t>(v * 16)) >> 4;
                    // dequantize_intra()
                    coeff[k] = static_cast<std::int16_t>(v * (1 << kQuantIntra[k]));
                }
                ifwhtIntra(coeff, dst + at, stride, components);
            }
        }
    }
    return out;
}

unsigned fwhtIntraErrorBound(unsigned qp)
{
    unsigned sum = 0;
    for (int q : kQuantIntra)
        sum += (qp + 1) * (1u << q) - 1;
    return (sum + 63) / 64;
}

std::vector<std::byte> vim2mProcess(Bytes in, const PixFormat &inFormat, const PixFormat &outFormat)
{
    const unsigned inBpp = bytesPerPixel(inFormat.fourcc);
    const unsigned outBpp = bytesPerPixel(outFormat.fourcc);
    if (!inBpp || !outBpp || inFormat.fourcc == V4L2_PIX_FMT_YUYV ||
        in.size() < inFormat.sizeImage() || outFormat.width < 2)
        throw std::invalid_argument("vim2mProcess: unsupported formats");
    const std::uint32_t width = outFormat.width, height = outFormat.height;
    const std::size_t inLine = std::size_t{inFormat.width} * inBpp; // vim2m's bytesperline
    std::vector<std::byte> out(std::size_t{width} * height * outBpp);
    auto *p = reinterpret_cast<std::uint8_t *>(out.data());

    // Same format and size: lines copied as they are.
    if (inFormat.fourcc == outFormat.fourcc && inFormat.width == width &&
        inFormat.height == height) {
        for (std::uint32_t y = 0; y < height; ++y)
            std::memcpy(p + y * inLine, u8(in) + y * inLine, inLine);
        return out;
    }
    // Otherwise nearest neighbour: y_in = y * h_in / h_out, x by Bresenham (x_int, x_fract),
    // converting two pixels at a time.
    const unsigned xInt = inFormat.width / width, xFract = inFormat.width % width;
    for (std::uint32_t y = 0; y < height; ++y) {
        const std::uint32_t yIn = y * inFormat.height / height;
        const std::uint8_t *line = u8(in) + yIn * inLine;
        const std::uint8_t *px0 = line;
        unsigned xOffset = 0, xErr = 0;
        auto step = [&] {
            xOffset += xInt;
            xErr += xFract;
            if (xErr > width) {
                xOffset++;
                xErr -= width;
            }
        };
        for (std::uint32_t x = 0; x < width / 2; ++x) {
            step();
            const std::uint8_t *px1 = line + std::size_t{xOffset} * inBpp;
            const Rgb pair[2] = {readPixel(px0, inFormat.fourcc), readPixel(px1, inFormat.fourcc)};
            writePair(pair, p, outFormat.fourcc);
            step();
            px0 = line + std::size_t{xOffset} * inBpp;
        }
    }
    return out;
}

std::string Comparison::describe() const
{
    std::ostringstream s;
    s << bytes << " bytes compared, " << differing << " differ, max error " << maxError;
    if (maxErrorPerChannel.size() > 1) {
        s << " (per channel";
        for (unsigned e : maxErrorPerChannel)
            s << ' ' << e;
        s << ')';
    }
    s.setf(std::ios::fixed);
    s.precision(2);
    if (std::isinf(psnr))
        s << ", PSNR inf (identical)";
    else
        s << ", PSNR " << psnr << " dB";
    return s.str();
}

Comparison compare(Bytes a, Bytes b, unsigned channels)
{
    if (a.size() != b.size() || channels == 0)
        throw std::invalid_argument("compare: sizes differ");
    Comparison c;
    c.bytes = a.size();
    c.maxErrorPerChannel.assign(channels, 0);
    double sumSq = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const int d = std::abs(static_cast<int>(a[i]) - static_cast<int>(b[i]));
        if (d) {
            c.differing++;
            auto &m = c.maxErrorPerChannel[i % channels];
            m = std::max<unsigned>(m, static_cast<unsigned>(d));
            sumSq += double(d) * d;
        }
    }
    c.maxError = *std::max_element(c.maxErrorPerChannel.begin(), c.maxErrorPerChannel.end());
    c.mse = c.bytes ? sumSq / static_cast<double>(c.bytes) : 0;
    c.psnr = c.mse == 0 ? std::numeric_limits<double>::infinity()
                        : 10 * std::log10(255.0 * 255.0 / c.mse);
    return c;
}

} // namespace pmm::media
