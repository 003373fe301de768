// SPDX-License-Identifier: GPL-2.0
// PMM blocks through real drivers, run in the guest by scripts/pmm test:
//  - MediaPipeline: vicodec's FWHT encoder -> vicodec's decoder -> vim2m, every buffer a PMM
//    block passed as a V4L2_MEMORY_DMABUF buffer, the decoder's CAPTURE block queued as is as
//    vim2m's OUTPUT buffer: user space copies no frame. The frames are checked against the
//    drivers' algorithms computed here (frame.h).
//  - VgemPrime: a PMM block imported into vgem and exported back is the same dma-buf, and the
//    import keeps the block alive; a vgem dumb buffer is no PMM block.
//  - Vivid: vivid with vivid.allocators=1 (vb2-dma-contig, a real DMA API importer) captures
//    into PMM blocks while user space brackets every frame with DMA_BUF_IOCTL_SYNC in each
//    direction; under CONFIG_DMA_API_DEBUG a sync with the wrong direction is a splat.
// Without /dev/pmm, or without the drivers, the device tests are skipped with the reason; the
// FrameModel tests need no device and run on the host too.
#include "drm.h"
#include "frame.h"
#include "v4l2.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <gtest/gtest.h>
#include <iostream>
#include <linux/kcmp.h>
#include <optional>
#include <pmm/device.h>
#include <random>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <tuple>
#include <unistd.h>

namespace {

using namespace pmm::media;
using std::chrono::milliseconds;

constexpr auto kOut = V4L2_BUF_TYPE_VIDEO_OUTPUT;
constexpr auto kCap = V4L2_BUF_TYPE_VIDEO_CAPTURE;

// One frame through TCG, possibly with KASAN: seconds, not minutes.
constexpr milliseconds kTimeout{60000};

// The picture: vicodec takes 640x360 to 4096x2160, vim2m's OUTPUT at most 640x480.
constexpr std::uint32_t kWidth = 640, kHeight = 480;
// vim2m scales by 1.6 (Bresenham steps of 1 and 2 pixels) and converts RGB24 to YUYV.
constexpr std::uint32_t kScaledWidth = 400, kScaledHeight = 300;
// The finest I-frame quantisation vicodec offers (V4L2_CID_FWHT_I_FRAME_QP 1..31, default 20).
constexpr unsigned kQp = 1;
// The quality the decoded picture must keep (measured: see the test's output). With qp 1 the
// R and G ramps lose a level or two and the edges of the disc a few levels more.
constexpr double kMinPsnr = 40.0;

// Every type's free bytes and blocks.
using Usage = std::vector<std::tuple<std::string, std::uint64_t, std::uint64_t>>;
Usage usage()
{
    Usage u;
    for (const auto &s : pmm::readAllStats())
        u.emplace_back(s.name, s.freeBytes, s.nrBlocks);
    return u;
}

std::uint64_t blocksHeld()
{
    std::uint64_t n = 0;
    for (const auto &s : pmm::readAllStats())
        n += s.nrBlocks;
    return n;
}

std::uint32_t be32(std::span<const std::byte> b, std::size_t offset)
{
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i)
        v = v << 8 | static_cast<std::uint32_t>(b[offset + i]);
    return v;
}

std::vector<std::byte> asBytes(std::initializer_list<int> v)
{
    std::vector<std::byte> b;
    for (int x : v)
        b.push_back(static_cast<std::byte>(x));
    return b;
}

// --- FrameModel: the expected pictures, checked without any device. ---

TEST(FrameModel, Vim2mYuyvOfWhiteAndBlack)
{
    // BT.601 limited range: white is Y 235, black Y 16, both U = V = 128.
    const auto in = asBytes({255, 255, 255, 0, 0, 0});
    const auto out = vim2mProcess(in, packedFormat(V4L2_PIX_FMT_RGB24, 2, 1),
                                  packedFormat(V4L2_PIX_FMT_YUYV, 2, 1));
    EXPECT_EQ(out, asBytes({235, 128, 16, 128}));
}

TEST(FrameModel, Vim2mScalesByNearestNeighbour)
{
    // 8x2 -> 4x1 RGB24: lines 0 only, pixels 0, 2, 4, 6. BGR24 out swaps R and B.
    std::vector<std::byte> in;
    for (int y = 0; y < 2; ++y)
        for (int x = 0; x < 8; ++x)
            for (int c = 0; c < 3; ++c)
                in.push_back(static_cast<std::byte>(100 * y + 10 * x + c));
    const auto out = vim2mProcess(in, packedFormat(V4L2_PIX_FMT_RGB24, 8, 2),
                                  packedFormat(V4L2_PIX_FMT_BGR24, 4, 1));
    EXPECT_EQ(out, asBytes({2, 1, 0, 22, 21, 20, 42, 41, 40, 62, 61, 60}));
    // 5 -> 4 wide (x_int 1, x_fract 1): the error term passes 4 once, at the 4th step.
    const auto same = vim2mProcess(in, packedFormat(V4L2_PIX_FMT_RGB24, 5, 1),
                                   packedFormat(V4L2_PIX_FMT_RGB565, 4, 1));
    ASSERT_EQ(same.size(), 8u);
    // Pixel 3 of line 0 is (30, 31, 32): RGB565 0x18e4 (r 30>>3, g 31>>2, b 32>>3), little-endian.
    EXPECT_EQ(same[6], std::byte{0xe4});
    EXPECT_EQ(same[7], std::byte{0x18});
}

TEST(FrameModel, Vim2mSameFormatAndSizeCopies)
{
    std::vector<std::byte> in(4 * 3 * 3);
    for (std::size_t i = 0; i < in.size(); ++i)
        in[i] = static_cast<std::byte>(i * 7);
    const auto f = packedFormat(V4L2_PIX_FMT_RGB24, 4, 3);
    EXPECT_EQ(vim2mProcess(in, f, f), in);
}

TEST(FrameModel, FwhtKeepsBlocksOfOneValue)
{
    // A flat 8x8 block has only a DC coefficient, 64 * (v - 128): a multiple of 4 that
    // quantisation keeps whole. Every such block comes back exactly, whatever the qp.
    constexpr std::uint32_t w = 32, h = 16;
    std::vector<std::byte> in(w * h * 3);
    for (std::uint32_t y = 0; y < h; ++y)
        for (std::uint32_t x = 0; x < w; ++x)
            for (unsigned c = 0; c < 3; ++c)
                in[(y * w + x) * 3 + c] =
                    static_cast<std::byte>((x / 8 * 61 + y / 8 * 97 + c * 13) & 0xff);
    for (unsigned qp : {1u, 20u, 31u})
        EXPECT_EQ(fwhtIntraRoundTrip(in, w, h, 3, qp), in) << "qp " << qp;
}

TEST(FrameModel, FwhtErrorWithinBound)
{
    EXPECT_EQ(fwhtIntraErrorBound(1), 42u); // ceil((43*7 + 6*15 + 14*127 + 511) / 64)
    constexpr std::uint32_t w = 64, h = 64;
    std::mt19937 rng(20261126);
    std::vector<std::byte> in(w * h);
    for (unsigned qp : {1u, 2u, 20u}) {
        for (int round = 0; round < 20; ++round) {
            // Noise, and smooth pictures with noise, up to the extremes.
            const int amplitude = round % 2 ? 255 : 40;
            for (std::uint32_t i = 0; i < w * h; ++i) {
                const int base = round % 2 ? 0 : static_cast<int>((i % w) * 3);
                const int v = base + static_cast<int>(rng() % (amplitude + 1));
                in[i] = static_cast<std::byte>(std::clamp(v, 0, 255));
            }
            const auto c = compare(fwhtIntraRoundTrip(in, w, h, 1, qp), in, 1);
            EXPECT_LE(c.maxError, fwhtIntraErrorBound(qp)) << "qp " << qp << ": " << c.describe();
        }
    }
}

TEST(FrameModel, CompareCountsAndPsnr)
{
    const auto a = asBytes({10, 20, 30, 40});
    const auto b = asBytes({10, 22, 30, 40});
    const auto c = compare(a, b, 2);
    EXPECT_EQ(c.bytes, 4u);
    EXPECT_EQ(c.differing, 1u);
    EXPECT_EQ(c.maxError, 2u);
    EXPECT_EQ(c.maxErrorPerChannel, (std::vector<unsigned>{0, 2}));
    EXPECT_NEAR(c.psnr, 10 * std::log10(255.0 * 255.0 / 1.0), 1e-9); // MSE 4 / 4
    EXPECT_TRUE(std::isinf(compare(a, a, 1).psnr));
}

// --- Finding the devices: nothing found is a skip, not an error. ---

TEST(FindDevices, NoneInADirectoryWithoutThem)
{
    const auto nodes = findPipelineNodes("/nonexistent-pmm-test-dir");
    EXPECT_FALSE(nodes.encoder || nodes.decoder || nodes.scaler);
    EXPECT_EQ(nodes.describe(), "vicodec encoder absent, vicodec decoder absent, vim2m absent");
    EXPECT_TRUE(videoNodes("/nonexistent-pmm-test-dir").empty());
    EXPECT_FALSE(findDrmCard("vgem", "/nonexistent-pmm-test-dir"));
    EXPECT_EQ(fourccName(V4L2_PIX_FMT_RGB24), "RGB3");
    EXPECT_EQ(fourccName(V4L2_PIX_FMT_FWHT), "FWHT");
}

// --- Devices. ---

class PmmDevices : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (!pmm::Device::present())
            GTEST_SKIP() << pmm::Device::kPath << " absent (not a PMM kernel)";
        dev_.emplace();
        if (dev_->types().empty())
            GTEST_SKIP() << "no PMM memory type (boot with pmm=NAME:SIZE)";
    }
    std::optional<pmm::Device> dev_;
};

// The pipeline with its devices and blocks in scope: when it returns, every fd and mapping is
// closed and every block must be free again.
void runPipeline(const pmm::Device &dev, const PipelineNodes &nodes)
{
    const PixFormat raw = packedFormat(V4L2_PIX_FMT_RGB24, kWidth, kHeight);
    const PixFormat scaledFormat = packedFormat(V4L2_PIX_FMT_YUYV, kScaledWidth, kScaledHeight);
    const std::uint64_t blocksBefore = blocksHeld();

    pmm::Block source = dev.allocate(raw.sizeImage());
    {
        pmm::Mapping map = source.map();
        auto access = source.cpuAccess(pmm::Access::Write);
        drawTestPicture(map.data(), kWidth, kHeight);
        access.end();
    }

    // 1. Encode: the source block on the encoder's OUTPUT queue, a block for the bitstream on
    // its CAPTURE queue.
    V4l2Device enc(*nodes.encoder);
    const auto encIn = enc.setFormat(kOut, V4L2_PIX_FMT_RGB24, kWidth, kHeight);
    ASSERT_EQ(encIn.pixelformat, V4L2_PIX_FMT_RGB24);
    ASSERT_EQ(encIn.width, kWidth);
    ASSERT_EQ(encIn.height, kHeight);
    ASSERT_EQ(encIn.bytesperline, raw.bytesPerLine);
    ASSERT_EQ(encIn.sizeimage, raw.sizeImage());
    const auto encOut = enc.setFormat(kCap, V4L2_PIX_FMT_FWHT, kWidth, kHeight);
    ASSERT_EQ(encOut.pixelformat, V4L2_PIX_FMT_FWHT);
    enc.setControl(V4L2_CID_FWHT_I_FRAME_QP, kQp);
    ASSERT_EQ(enc.control(V4L2_CID_FWHT_I_FRAME_QP), static_cast<std::int32_t>(kQp));
    pmm::Block bitstream = dev.allocate(encOut.sizeimage);
    std::uint32_t encodedBytes = 0;
    {
        DmabufQueue in(enc, kOut, 1), out(enc, kCap, 1);
        ASSERT_EQ(in.count(), 1u);
        ASSERT_EQ(out.count(), 1u);
        enc.queue(kOut, 0, source.fd(), static_cast<std::uint32_t>(source.size()), encIn.sizeimage,
                  timeval{.tv_sec = 1, .tv_usec = 0});
        enc.queue(kCap, 0, bitstream.fd(), static_cast<std::uint32_t>(bitstream.size()), 0);
        Streaming inOn(enc, kOut), outOn(enc, kCap);
        const auto coded = enc.dequeue(kCap, kTimeout);
        EXPECT_FALSE(coded.flags & V4L2_BUF_FLAG_ERROR);
        EXPECT_EQ(coded.timestamp.tv_sec, 1);
        encodedBytes = coded.bytesused;
        EXPECT_EQ(enc.dequeue(kOut, kTimeout).index, 0u);
    }
    // The bitstream: an fwht_cframe_hdr (11 big-endian words: magic 4f4f4f4f ffffffff,
    // version, width, height, flags, 4 colour words, size), then the coded frame.
    constexpr std::size_t kHeader = 44;
    ASSERT_GT(encodedBytes, kHeader);
    ASSERT_LE(encodedBytes, encOut.sizeimage);
    {
        pmm::Mapping map = bitstream.map(0, kHeader, PROT_READ);
        auto access = bitstream.cpuAccess(pmm::Access::Read);
        const auto h = map.constData();
        EXPECT_EQ(be32(h, 0), 0x4f4f4f4fu);
        EXPECT_EQ(be32(h, 4), 0xffffffffu);
        EXPECT_EQ(be32(h, 12), kWidth);
        EXPECT_EQ(be32(h, 16), kHeight);
        const std::uint32_t flags = be32(h, 20);
        EXPECT_TRUE(flags & V4L2_FWHT_FL_I_FRAME);
        // A plane stored raw is not what the model computes (nor what vicodec decodes right
        // for interleaved RGB): the picture must compress.
        ASSERT_FALSE(flags & (V4L2_FWHT_FL_LUMA_IS_UNCOMPRESSED | V4L2_FWHT_FL_CB_IS_UNCOMPRESSED |
                              V4L2_FWHT_FL_CR_IS_UNCOMPRESSED))
            << "flags " << std::hex << flags;
        EXPECT_EQ(be32(h, 40) + kHeader, encodedBytes);
    }
    std::cout << "[ pipeline ] encoded " << kWidth << "x" << kHeight << " RGB24 ("
              << raw.sizeImage() << " bytes) to " << encodedBytes << " bytes of FWHT at I-frame qp "
              << kQp << "\n";

    // 2. Decode: the bitstream block on the decoder's OUTPUT queue; the decoder reports the
    // resolution (V4L2_EVENT_SOURCE_CHANGE), then decodes into a block on its CAPTURE queue.
    V4l2Device dec(*nodes.decoder);
    dec.subscribeEvent(V4L2_EVENT_SOURCE_CHANGE);
    const auto decIn = dec.setFormat(kOut, V4L2_PIX_FMT_FWHT, kWidth, kHeight);
    ASSERT_EQ(decIn.pixelformat, V4L2_PIX_FMT_FWHT);
    ASSERT_LE(decIn.sizeimage, bitstream.size());
    DmabufQueue decInQueue(dec, kOut, 1);
    dec.queue(kOut, 0, bitstream.fd(), static_cast<std::uint32_t>(bitstream.size()), encodedBytes,
              timeval{.tv_sec = 2, .tv_usec = 0});
    Streaming decInOn(dec, kOut);
    const auto event = dec.waitEvent(kTimeout);
    ASSERT_TRUE(event) << "no V4L2_EVENT_SOURCE_CHANGE from the decoder";
    EXPECT_EQ(event->type, static_cast<std::uint32_t>(V4L2_EVENT_SOURCE_CHANGE));
    const auto found = dec.format(kCap);
    EXPECT_EQ(found.width, kWidth);
    EXPECT_EQ(found.height, kHeight);
    const auto decOut = dec.setFormat(kCap, V4L2_PIX_FMT_RGB24, kWidth, kHeight);
    ASSERT_EQ(decOut.pixelformat, V4L2_PIX_FMT_RGB24);
    ASSERT_EQ(decOut.bytesperline, raw.bytesPerLine);
    ASSERT_EQ(decOut.sizeimage, raw.sizeImage());
    pmm::Block decoded = dev.allocate(decOut.sizeimage);
    DmabufQueue decOutQueue(dec, kCap, 1);
    dec.queue(kCap, 0, decoded.fd(), static_cast<std::uint32_t>(decoded.size()), 0);
    Streaming decOutOn(dec, kCap);
    const auto frame = dec.dequeue(kCap, kTimeout);
    ASSERT_FALSE(frame.flags & V4L2_BUF_FLAG_ERROR) << "the decoder failed the frame";
    EXPECT_TRUE(frame.flags & V4L2_BUF_FLAG_KEYFRAME);
    EXPECT_EQ(frame.bytesused, raw.sizeImage());
    EXPECT_EQ(frame.timestamp.tv_sec, 2);
    EXPECT_EQ(dec.dequeue(kOut, kTimeout).index, 0u);

    // 3. Scale: the decoder's CAPTURE block, still the decoder's buffer 0, is vim2m's OUTPUT
    // buffer; vim2m writes the scaled YUYV picture into a fourth block.
    V4l2Device m2m(*nodes.scaler);
    const auto scaleIn = m2m.setFormat(kOut, V4L2_PIX_FMT_RGB24, kWidth, kHeight);
    ASSERT_EQ(scaleIn.pixelformat, V4L2_PIX_FMT_RGB24);
    ASSERT_EQ(scaleIn.width, kWidth);
    ASSERT_EQ(scaleIn.height, kHeight);
    ASSERT_EQ(scaleIn.bytesperline, raw.bytesPerLine);
    const auto scaleOut = m2m.setFormat(kCap, V4L2_PIX_FMT_YUYV, kScaledWidth, kScaledHeight);
    ASSERT_EQ(scaleOut.pixelformat, V4L2_PIX_FMT_YUYV);
    ASSERT_EQ(scaleOut.width, kScaledWidth);
    ASSERT_EQ(scaleOut.height, kScaledHeight);
    ASSERT_EQ(scaleOut.bytesperline, scaledFormat.bytesPerLine);
    ASSERT_EQ(scaleOut.sizeimage, scaledFormat.sizeImage());
    pmm::Block scaled = dev.allocate(scaleOut.sizeimage);
    {
        DmabufQueue in(m2m, kOut, 1), out(m2m, kCap, 1);
        m2m.queue(kOut, 0, decoded.fd(), static_cast<std::uint32_t>(decoded.size()),
                  raw.sizeImage(), timeval{.tv_sec = 3, .tv_usec = 0});
        m2m.queue(kCap, 0, scaled.fd(), static_cast<std::uint32_t>(scaled.size()), 0);
        Streaming inOn(m2m, kOut), outOn(m2m, kCap);
        const auto done = m2m.dequeue(kCap, kTimeout);
        ASSERT_FALSE(done.flags & V4L2_BUF_FLAG_ERROR);
        EXPECT_EQ(done.bytesused, scaleOut.sizeimage);
        EXPECT_EQ(done.timestamp.tv_sec, 3);
        EXPECT_EQ(m2m.dequeue(kOut, kTimeout).index, 0u);
    }
    // Four blocks, no more: the drivers worked in them.
    EXPECT_EQ(blocksHeld(), blocksBefore + 4);

    // 4. The frames, read through mappings of the blocks the drivers wrote.
    pmm::Mapping sourceMap = source.map(0, raw.sizeImage(), PROT_READ);
    pmm::Mapping decodedMap = decoded.map(0, raw.sizeImage(), PROT_READ);
    pmm::Mapping scaledMap = scaled.map(0, scaledFormat.sizeImage(), PROT_READ);
    auto sourceAccess = source.cpuAccess(pmm::Access::Read);
    auto decodedAccess = decoded.cpuAccess(pmm::Access::Read);
    auto scaledAccess = scaled.cpuAccess(pmm::Access::Read);

    const auto decodedVsModel =
        compare(decodedMap.constData(),
                fwhtIntraRoundTrip(sourceMap.constData(), kWidth, kHeight, 3, kQp), 3);
    const auto decodedVsSource = compare(decodedMap.constData(), sourceMap.constData(), 3);
    const auto scaledVsModel =
        compare(scaledMap.constData(), vim2mProcess(decodedMap.constData(), raw, scaledFormat), 2);
    std::cout << "frame check: vicodec decoded 640x480 RGB24 vs FWHT model of the source: "
              << decodedVsModel.describe() << "\n"
              << "frame check: vicodec decoded 640x480 RGB24 vs source (R G B): "
              << decodedVsSource.describe() << "; bound: max error " << fwhtIntraErrorBound(kQp)
              << ", B (flat blocks) 0, PSNR >= " << kMinPsnr << " dB\n"
              << "frame check: vim2m 400x300 YUYV vs vim2m model of the decoded frame: "
              << scaledVsModel.describe() << "\n";
    EXPECT_EQ(decodedVsModel.differing, 0u);
    EXPECT_LE(decodedVsSource.maxError, fwhtIntraErrorBound(kQp));
    EXPECT_EQ(decodedVsSource.maxErrorPerChannel.at(2), 0u);
    EXPECT_GE(decodedVsSource.psnr, kMinPsnr);
    EXPECT_GT(decodedVsSource.differing, 0u) << "FWHT at qp 1 is still lossy on the ramps";
    EXPECT_EQ(scaledVsModel.differing, 0u);
}

TEST_F(PmmDevices, MediaPipelineVicodecToVim2m)
{
    const auto nodes = findPipelineNodes();
    if (!nodes.encoder || !nodes.decoder || !nodes.scaler)
        GTEST_SKIP() << "V4L2 test drivers missing (CONFIG_VIDEO_VICODEC, CONFIG_VIDEO_VIM2M): "
                     << nodes.describe();
    std::cout << "[ pipeline ] " << nodes.describe() << "\n";
    const Usage before = usage();
    runPipeline(*dev_, nodes);
    EXPECT_EQ(usage(), before) << "a block outlived the pipeline's fds and mappings";
}

std::string typeName(const pmm::Device &dev, std::uint32_t id)
{
    const auto t = dev.typeInfo(id);
    return t ? t->name : std::string();
}

TEST_F(PmmDevices, VgemPrimeImportExportIsTheSameBuffer)
{
    const auto card = findDrmCard("vgem");
    if (!card)
        GTEST_SKIP() << "no vgem (/dev/dri/card* with DRM driver name vgem, CONFIG_DRM_VGEM)";
    const Usage before = usage();
    {
        DrmDevice vgem(*card);
        constexpr std::uint64_t kSize = 64 * 1024;
        pmm::Block block = dev_->allocate(kSize);
        const pmm::BlockInfo info = dev_->blockInfo(block);
        const std::string type = typeName(*dev_, info.typeId);
        const auto held = pmm::readStats(type);

        GemHandle handle(vgem, vgem.primeFdToHandle(block.fd()));
        // Importing the same dma-buf again finds the same GEM object.
        EXPECT_EQ(vgem.primeFdToHandle(block.fd()), handle.get());
        pmm::UniqueFD exported = vgem.primeHandleToFd(handle.get());
        ASSERT_TRUE(exported);
        EXPECT_NE(exported.get(), block.fd());

        // The export of an import is the dma-buf itself: the same file.
        struct stat a {
        }, b{};
        ASSERT_EQ(::fstat(block.fd(), &a), 0);
        ASSERT_EQ(::fstat(exported.get(), &b), 0);
        EXPECT_EQ(a.st_dev, b.st_dev);
        EXPECT_EQ(a.st_ino, b.st_ino);
        const long same =
            ::syscall(SYS_kcmp, ::getpid(), ::getpid(), KCMP_FILE, block.fd(), exported.get());
        if (same < 0 && (errno == ENOSYS || errno == EPERM))
            std::cout << "[ vgem     ] kcmp unavailable (" << pmm::errnoName(errno)
                      << "): compared st_dev/st_ino only\n";
        else
            EXPECT_EQ(same, 0) << "kcmp(KCMP_FILE) says the files differ";
        const pmm::BlockInfo again = dev_->blockInfo(exported.get());
        EXPECT_EQ(again.size, info.size);
        EXPECT_EQ(again.typeId, info.typeId);

        // Written through one mapping, read through the other, both ways.
        {
            pmm::Mapping mine = block.map();
            pmm::Mapping theirs(exported.get(), static_cast<std::size_t>(info.size));
            {
                pmm::CpuAccess w(block.fd(), pmm::Access::Write);
                for (std::size_t i = 0; i < mine.size(); ++i)
                    mine.data()[i] = static_cast<std::byte>(i * 13 + 5);
            }
            {
                pmm::CpuAccess r(exported.get(), pmm::Access::ReadWrite);
                for (std::size_t i = 0; i < theirs.size(); ++i)
                    ASSERT_EQ(theirs.constData()[i], static_cast<std::byte>(i * 13 + 5)) << i;
                std::memset(theirs.data().data(), 0x5a, theirs.size());
            }
            pmm::CpuAccess r(block.fd(), pmm::Access::Read);
            EXPECT_TRUE(std::all_of(mine.constData().begin(), mine.constData().end(),
                                    [](std::byte x) { return x == std::byte{0x5a}; }));
        }

        // With every fd closed the GEM object still holds the dma-buf, hence the block ...
        block.reset();
        exported.reset();
        EXPECT_EQ(pmm::readStats(type).nrBlocks, held.nrBlocks);
        // ... until the handle goes.
        EXPECT_EQ(handle.reset(), 0);
        const auto after = pmm::readStats(type);
        EXPECT_EQ(after.nrBlocks, held.nrBlocks - 1);
        EXPECT_EQ(after.freeBytes, held.freeBytes + info.size);
        std::cout << "[ vgem     ] " << *card << ": " << info.size << "-byte block of type " << type
                  << " imported as handle, exported back as the same dma-buf (inode " << a.st_ino
                  << "), freed at GEM_CLOSE\n";
    }
    EXPECT_EQ(usage(), before);
}

// vivid's capture node, when vivid imports dma-bufs with vb2-dma-contig (vivid.allocators=1).
std::optional<std::string> findVividCapture()
{
    for (const auto &path : videoNodes()) {
        V4l2Device d(path);
        const auto caps = d.deviceCaps();
        if (d.driver() == "vivid" && (caps & V4L2_CAP_VIDEO_CAPTURE) && (caps & V4L2_CAP_STREAMING))
            return path;
    }
    return std::nullopt;
}

bool vividUsesDmaContig()
{
    unsigned long long allocator = 0;
    FILE *f = std::fopen("/sys/module/vivid/parameters/allocators", "re");
    if (!f)
        return false;
    const bool read = std::fscanf(f, "%llu", &allocator) == 1;
    std::fclose(f);
    return read && allocator == 1;
}

// A real DMA API importer: vb2-dma-contig maps each PMM block with DMA_FROM_DEVICE, and user
// space syncs it for READ, WRITE and READ|WRITE between frames. The exporter must sync every
// attachment with the direction it was mapped with (a DMA_API_DEBUG splat otherwise), and every
// frame must come back with vivid's picture in it.
TEST_F(PmmDevices, VividCapturesIntoBlocksWithCpuAccess)
{
    const auto node = findVividCapture();
    if (!node)
        GTEST_SKIP() << "no vivid capture node (CONFIG_VIDEO_VIVID)";
    if (!vividUsesDmaContig())
        GTEST_SKIP() << "vivid does not use vb2-dma-contig (boot with vivid.allocators=1)";
    constexpr unsigned kBuffers = 3, kFrames = 12;
    constexpr pmm::Access kAccesses[] = {pmm::Access::Read, pmm::Access::Write,
                                         pmm::Access::ReadWrite};
    const std::uint64_t blocksBefore = blocksHeld();
    {
        V4l2Device cap(*node);
        const auto fmt = cap.setFormat(kCap, V4L2_PIX_FMT_YUYV, 640, 360);
        ASSERT_EQ(fmt.pixelformat, V4L2_PIX_FMT_YUYV);
        std::vector<pmm::Block> blocks;
        std::vector<pmm::Mapping> maps;
        for (unsigned i = 0; i < kBuffers; ++i) {
            blocks.push_back(dev_->allocate(fmt.sizeimage));
            maps.push_back(blocks.back().map(PROT_READ));
        }
        unsigned framesWithPicture = 0;
        {
            DmabufQueue queue(cap, kCap, kBuffers);
            ASSERT_EQ(queue.count(), kBuffers);
            for (unsigned i = 0; i < kBuffers; ++i)
                cap.queue(kCap, i, blocks[i].fd(), static_cast<std::uint32_t>(blocks[i].size()), 0);
            Streaming on(cap, kCap);
            for (unsigned f = 0; f < kFrames; ++f) {
                const v4l2_buffer buf = cap.dequeue(kCap, kTimeout);
                ASSERT_LT(buf.index, kBuffers);
                EXPECT_FALSE(buf.flags & V4L2_BUF_FLAG_ERROR) << "frame " << f;
                EXPECT_EQ(buf.bytesused, fmt.sizeimage);
                {
                    auto access = blocks[buf.index].cpuAccess(kAccesses[f % 3]);
                    const auto bytes = maps[buf.index].data().first(fmt.sizeimage);
                    framesWithPicture += std::any_of(bytes.begin(), bytes.end(),
                                                     [](std::byte b) { return b != std::byte{0}; });
                    access.end();
                }
                cap.queue(kCap, buf.index, blocks[buf.index].fd(),
                          static_cast<std::uint32_t>(blocks[buf.index].size()), 0);
            }
        }
        EXPECT_EQ(framesWithPicture, kFrames);
        std::cout << "[ vivid    ] " << kFrames << " frames of " << fmt.sizeimage
                  << " bytes captured into " << kBuffers << " PMM blocks by " << cap.driver()
                  << " (vb2-dma-contig), synced READ, WRITE, READ|WRITE\n";
    }
    EXPECT_EQ(blocksHeld(), blocksBefore);
}

TEST_F(PmmDevices, VgemDumbBufferIsNotAPmmBlock)
{
    const auto card = findDrmCard("vgem");
    if (!card)
        GTEST_SKIP() << "no vgem (/dev/dri/card* with DRM driver name vgem, CONFIG_DRM_VGEM)";
    const Usage before = usage();
    {
        DrmDevice vgem(*card);
        const auto dumb = vgem.createDumb(64, 64, 32);
        GemHandle handle(vgem, dumb.handle);
        EXPECT_GE(dumb.size, 64u * 64 * 4);
        pmm::UniqueFD fd = vgem.primeHandleToFd(handle.get());
        ASSERT_TRUE(fd);
        // A dma-buf (it takes DMA_BUF_IOCTL_SYNC) but not PMM's.
        EXPECT_NO_THROW(pmm::CpuAccess(fd.get(), pmm::Access::Read).end());
        EXPECT_EQ(pmm::errnoOf([&] { (void)dev_->blockInfo(fd.get()); }), ENODEV);
    }
    EXPECT_EQ(usage(), before);
}

} // namespace
