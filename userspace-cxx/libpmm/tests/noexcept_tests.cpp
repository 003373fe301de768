// SPDX-License-Identifier: LGPL-2.1-or-later
// The whole non-throwing API, compiled with -fno-exceptions as libcamera and Android compile:
// Result and the try...() functions only. The Pmm* suites need /dev/pmm (they skip without it).
#include <cerrno>
#include <cstring>
#include <gtest/gtest.h>
#include <pmm/device.h>
#include <pmm/heap.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__cpp_exceptions)
#error "this file must be built with -fno-exceptions"
#endif

namespace {

TEST(NoExceptions, MappingAndSegmentOnOrdinaryMemory)
{
    pmm::UniqueFD fd(::memfd_create("libpmm-noexcept", MFD_CLOEXEC));
    ASSERT_TRUE(fd);
    ASSERT_EQ(::ftruncate(fd.get(), 2 * 4096), 0);
    pmm::Result<pmm::Block> block = pmm::Block::fromFd(std::move(fd));
    ASSERT_TRUE(block);
    pmm::Result<pmm::Mapping> map = block->tryMap();
    ASSERT_TRUE(map) << map.error().message();
    std::memset(map->data().data(), 0x5a, map->size());
    EXPECT_EQ(block->tryMap(1, 2 * 4096).errnum(), EINVAL);
    EXPECT_EQ(pmm::Mapping::create(-1, 4096).errnum(), EBADF);
    pmm::Result<pmm::MappedBlock> mapped = pmm::MappedBlock::create(std::move(*block));
    ASSERT_TRUE(mapped);
    EXPECT_EQ(mapped->mapping.constData()[4096], std::byte{0x5a});

    pmm::Result<pmm::Segment> seg = pmm::Segment::tryCreate(4096);
    ASSERT_TRUE(seg) << seg.error().message();
    pmm::Result<pmm::Attachment> att = seg->tryAttach();
    ASSERT_TRUE(att);
    EXPECT_EQ(att->size(), 4096u);
    EXPECT_TRUE(seg->tryStat());
    EXPECT_TRUE(seg->tryRemove());
    EXPECT_EQ(seg->tryRemove().errnum(), EINVAL); // empty now
    EXPECT_EQ(pmm::Attachment::create(-1, 4096).errnum(), EINVAL);
}

TEST(NoExceptions, ExpectedFailuresAreResults)
{
    EXPECT_EQ(pmm::Device::open(pmm::Device::Mode::Query, "/nonexistent/pmm").errnum(), ENOENT);
    EXPECT_EQ(pmm::Heap::open("no-such-type-here").errnum(), ENOENT);
    EXPECT_EQ(pmm::CpuAccess::begin(-1, pmm::Access::Read).errnum(), EBADF);
    EXPECT_EQ(pmm::tryReadStats("x", "/nonexistent").errnum(), ENOENT);
    pmm::Result<std::vector<pmm::TypeStats>> none = pmm::tryReadAllStats("/nonexistent");
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->empty());
}

class PmmNoExceptions : public ::testing::Test {
protected:
    void SetUp() override
    {
        pmm::Result<pmm::Device> dev = pmm::Device::open();
        if (!dev)
            GTEST_SKIP() << pmm::Device::kPath << ": " << dev.error().message();
        dev_.emplace(std::move(*dev));
        pmm::Result<std::vector<pmm::TypeInfo>> types = dev_->tryTypes();
        ASSERT_TRUE(types) << types.error().message();
        for (const auto &t : *types)
            if (t.mask() && t.largestFreeBytes >= 1 << 20) {
                type_ = t;
                return;
            }
        GTEST_SKIP() << "no PMM memory type with 1 MiB free (boot with pmm=NAME:SIZE)";
    }

    std::optional<pmm::Device> dev_;
    pmm::TypeInfo type_;
};

TEST_F(PmmNoExceptions, AllocateMapSyncShmget)
{
    pmm::Result<pmm::Block> block = dev_->tryAllocate(type_.name, 3 * 4096 + 1);
    ASSERT_TRUE(block) << block.error().message();
    EXPECT_EQ(block->size() % 4096, 0u);
    pmm::Result<pmm::BlockInfo> info = dev_->tryBlockInfo(*block);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->typeId, type_.id);
    pmm::Result<pmm::Mapping> map = block->tryMap();
    ASSERT_TRUE(map);
    {
        pmm::Result<pmm::CpuAccess> access = block->tryCpuAccess(pmm::Access::Write);
        ASSERT_TRUE(access) << access.error().message();
        std::memset(map->data().data(), 0xa5, map->size());
        EXPECT_TRUE(access->tryEnd());
    }
    pmm::Result<pmm::Segment> seg = dev_->tryShmget(*block);
    ASSERT_TRUE(seg) << seg.error().message();
    pmm::Result<pmm::Attachment> att = seg->tryAttach(SHM_RDONLY);
    ASSERT_TRUE(att);
    EXPECT_EQ(att->constData()[block->size() - 1], std::byte{0xa5});
    // The expected failures.
    EXPECT_EQ(dev_->tryAllocate(0).errnum(), EINVAL);
    EXPECT_EQ(dev_->tryAllocate("no-such-type", 4096).errnum(), ENOENT);
    EXPECT_EQ(dev_->tryAllocate(type_.totalBytes + 4096, *type_.mask()).errnum(), ENOMEM);
    pmm::Result<pmm::Device> query = pmm::Device::open(pmm::Device::Mode::Query);
    ASSERT_TRUE(query);
    EXPECT_EQ(query->tryAllocate(4096).errnum(), EACCES);
}

TEST_F(PmmNoExceptions, HeapAllocation)
{
    pmm::Result<pmm::Heap> heap = pmm::Heap::open(type_.name);
    if (!heap)
        GTEST_SKIP() << pmm::Heap::pathOf(type_.name) << ": " << heap.error().message();
    pmm::Result<pmm::Block> block = heap->tryAllocate(4096);
    ASSERT_TRUE(block) << block.error().message();
    EXPECT_EQ(block->size(), 4096u);
    EXPECT_EQ(dev_->tryBlockInfo(*block)->typeId, type_.id);
}

} // namespace
