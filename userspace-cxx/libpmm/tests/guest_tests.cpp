// SPDX-License-Identifier: LGPL-2.1-or-later
// Tests of libpmm against the real /dev/pmm: run in the guest by scripts/pmm test
// (scripts/guest/test-suite.sh). Without /dev/pmm every device test is skipped.
#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <pmm/device.h>
#include <pmm/heap.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace pmm {
// How gtest names a TypeInfo parameter in its output.
void PrintTo(const TypeInfo &t, std::ostream *os)
{
    *os << t.name << " (id " << t.id << ")";
}
} // namespace pmm

namespace {

constexpr std::uint64_t kPage = 4096;

std::uint64_t pageSize()
{
    return static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

std::uint64_t roundUp(std::uint64_t v, std::uint64_t to)
{
    return (v + to - 1) / to * to;
}

// Whether [addr, addr + len) is mapped: mincore() fails with ENOMEM on unmapped pages.
bool isMapped(void *addr, std::size_t len)
{
    std::vector<unsigned char> vec((len + pageSize() - 1) / pageSize());
    if (::mincore(addr, len, vec.data()) == 0)
        return true;
    EXPECT_EQ(errno, ENOMEM);
    return false;
}

void fillPattern(std::span<std::byte> bytes, unsigned seed)
{
    for (std::size_t i = 0; i < bytes.size(); ++i)
        bytes[i] = static_cast<std::byte>((i * 131 + seed) & 0xff);
}

bool checkPattern(std::span<const std::byte> bytes, unsigned seed)
{
    for (std::size_t i = 0; i < bytes.size(); ++i)
        if (bytes[i] != static_cast<std::byte>((i * 131 + seed) & 0xff))
            return false;
    return true;
}

// --- UniqueFD: no device needed, runs on the host too. ---

bool sameFile(int fd, const struct stat &want)
{
    struct stat st {};
    return ::fstat(fd, &st) == 0 && st.st_dev == want.st_dev && st.st_ino == want.st_ino;
}

TEST(UniqueFD, MoveAndRelease)
{
    pmm::UniqueFD a(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(a.isValid());
    const int num = a.get();
    pmm::UniqueFD b(std::move(a));
    EXPECT_FALSE(a.isValid());
    EXPECT_EQ(a.get(), -1);
    EXPECT_EQ(b.get(), num);
    int raw = b.release();
    EXPECT_EQ(raw, num);
    EXPECT_FALSE(b.isValid());
    EXPECT_EQ(::fcntl(raw, F_GETFD), FD_CLOEXEC); // release() did not close it
    b.reset(raw);
    EXPECT_EQ(b.get(), num);
}

TEST(UniqueFD, MoveAssignmentClosesTarget)
{
    pmm::UniqueFD a(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    pmm::UniqueFD b(::open("/dev/zero", O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(a && b);
    const int oldB = b.get();
    struct stat nullStat {};
    ASSERT_EQ(::fstat(a.get(), &nullStat), 0);
    b = std::move(a);
    EXPECT_TRUE(sameFile(b.get(), nullStat));
    // oldB is closed: F_GETFD fails, or the number was reused by another file.
    errno = 0;
    EXPECT_EQ(::fcntl(oldB, F_GETFD), -1);
    EXPECT_EQ(errno, EBADF);
}

// --- Device tests. ---

class PmmTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (!pmm::Device::present())
            GTEST_SKIP() << pmm::Device::kPath << " absent (not a PMM kernel)";
        dev_.emplace();
        types_ = dev_->types();
        // The first type with room (a type whose regions could not be reserved is listed too,
        // with nothing in it).
        for (const auto &t : types_)
            if (t.mask() && t.largestFreeBytes >= kRoomNeeded) {
                type_ = t;
                break;
            }
    }

    void requireType()
    {
        if (!type_)
            GTEST_SKIP() << "no PMM memory type with " << kRoomNeeded
                         << " bytes free (boot with pmm=NAME:SIZE)";
    }

    // Enough for every test of the fixture.
    static constexpr std::uint64_t kRoomNeeded = 1 << 20;

    std::optional<pmm::Device> dev_;
    std::vector<pmm::TypeInfo> types_;
    std::optional<pmm::TypeInfo> type_;
};

// GTEST_SKIP in a helper only returns from the helper.
#define REQUIRE_TYPE()                                                                             \
    do {                                                                                           \
        requireType();                                                                             \
        if (IsSkipped())                                                                           \
            return;                                                                                \
    } while (0)

TEST_F(PmmTest, OpensDevice)
{
    EXPECT_GE(dev_->fd(), 0);
    EXPECT_EQ(::fcntl(dev_->fd(), F_GETFD), FD_CLOEXEC);
    EXPECT_EQ(::fcntl(dev_->fd(), F_GETFL) & O_ACCMODE, O_RDWR);
}

TEST_F(PmmTest, TypesMatchSysfs)
{
    const auto stats = pmm::readAllStats();
    ASSERT_EQ(stats.size(), types_.size());
    for (std::size_t i = 0; i < types_.size(); ++i) {
        SCOPED_TRACE(types_[i].name);
        EXPECT_EQ(types_[i].id, i);
        EXPECT_EQ(stats[i].id, types_[i].id);
        EXPECT_EQ(stats[i].name, types_[i].name);
        EXPECT_EQ(stats[i].totalBytes, types_[i].totalBytes);
        EXPECT_EQ(stats[i].freeBytes, types_[i].freeBytes); // nothing allocates meanwhile
        EXPECT_EQ(stats[i].usedBytes + stats[i].freeBytes, stats[i].totalBytes);
        EXPECT_LE(types_[i].largestFreeBytes, types_[i].freeBytes);
        EXPECT_TRUE(stats[i].policy == "best_fit" || stats[i].policy == "first_fit")
            << stats[i].policy;
        auto found = dev_->findType(types_[i].name);
        ASSERT_TRUE(found);
        EXPECT_EQ(found->id, types_[i].id);
    }
    EXPECT_FALSE(dev_->typeInfo(static_cast<std::uint32_t>(types_.size())));
}

TEST_F(PmmTest, AllocateMapWriteRead)
{
    REQUIRE_TYPE();
    pmm::Block block = dev_->allocate(3 * kPage + 5);
    ASSERT_TRUE(block.isValid());
    EXPECT_EQ(block.size(), roundUp(3 * kPage + 5, pageSize()));
    EXPECT_EQ(dev_->blockInfo(block).size, block.size());
    pmm::Mapping map = block.map();
    ASSERT_EQ(map.size(), block.size());
    {
        auto access = block.cpuAccess(pmm::Access::Read);
        // Blocks come zeroed.
        EXPECT_TRUE(std::all_of(map.data().begin(), map.data().end(),
                                [](std::byte b) { return b == std::byte{0}; }));
        access.end();
    }
    {
        auto access = block.cpuAccess(pmm::Access::Write);
        fillPattern(map.data(), 7);
        access.end();
    }
    // A second mapping of a part of the block, at an offset that is not page-aligned.
    pmm::Mapping part = block.map(kPage + 3, 100, PROT_READ);
    {
        auto access = block.cpuAccess(pmm::Access::Read);
        EXPECT_TRUE(checkPattern(map.constData(), 7));
        EXPECT_EQ(std::memcmp(part.data().data(), map.data().data() + kPage + 3, 100), 0);
        access.end();
    }
    EXPECT_EQ(pmm::errnoOf([&] { (void)block.map(0, block.size() + 1); }), EINVAL);
}

TEST_F(PmmTest, MovedFromBlockIsEmptyAndFdClosedOnce)
{
    REQUIRE_TYPE();
    const auto before = pmm::readStats(type_->name);
    int num;
    struct stat blockStat {};
    pmm::Block a = dev_->allocate(kPage, *type_->mask());
    num = a.fd();
    ASSERT_EQ(::fstat(num, &blockStat), 0);
    {
        pmm::Block b(std::move(a));
        EXPECT_FALSE(a.isValid());
        EXPECT_EQ(a.fd(), -1);
        EXPECT_EQ(a.size(), 0u);
        EXPECT_EQ(b.fd(), num);
        EXPECT_TRUE(sameFile(num, blockStat));
        EXPECT_EQ(pmm::readStats(type_->name).nrBlocks, before.nrBlocks + 1);
    } // b closes num
    EXPECT_FALSE(sameFile(num, blockStat));
    EXPECT_EQ(pmm::readStats(type_->name).nrBlocks, before.nrBlocks);
    EXPECT_EQ(pmm::readStats(type_->name).freeBytes, before.freeBytes);
    // The lowest free number is taken again: the moved-from block must not close it.
    pmm::UniqueFD other(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(other);
    struct stat otherStat {};
    ASSERT_EQ(::fstat(other.get(), &otherStat), 0);
    a = pmm::Block(); // destroys nothing: a was empty
    a.reset();
    EXPECT_TRUE(sameFile(other.get(), otherStat));
    // release() hands the fd over without closing it.
    pmm::Block c = dev_->allocate(kPage, *type_->mask());
    const int cfd = c.fd();
    pmm::UniqueFD owned = c.release();
    EXPECT_FALSE(c.isValid());
    EXPECT_EQ(owned.get(), cfd);
    EXPECT_EQ(dev_->blockInfo(owned.get()).size, kPage);
}

TEST_F(PmmTest, MappingMoveAssignmentUnmapsOld)
{
    REQUIRE_TYPE();
    const auto before = pmm::readStats(type_->name);
    pmm::Mapping target;
    void *oldAddr;
    std::size_t oldLen;
    {
        pmm::Block a = dev_->allocate(2 * kPage, *type_->mask());
        target = a.map();
        oldAddr = target.extentAddress();
        oldLen = target.extentLength();
    } // a's fd closed: only the mapping holds block a now
    EXPECT_TRUE(isMapped(oldAddr, oldLen));
    EXPECT_EQ(pmm::readStats(type_->name).nrBlocks, before.nrBlocks + 1);

    pmm::Block b = dev_->allocate(kPage, *type_->mask());
    pmm::Mapping source = b.map();
    void *newAddr = source.extentAddress();
    target = std::move(source);
    EXPECT_FALSE(source.isValid());
    EXPECT_TRUE(source.data().empty());
    EXPECT_EQ(target.extentAddress(), newAddr);
    EXPECT_FALSE(isMapped(oldAddr, oldLen)); // the old extent is gone ...
    // ... and with it the last reference to block a: only b is left.
    EXPECT_EQ(pmm::readStats(type_->name).nrBlocks, before.nrBlocks + 1);
    EXPECT_EQ(pmm::readStats(type_->name).freeBytes, before.freeBytes - kPage);
    pmm::Mapping &alias = target;
    target = std::move(alias); // self-move keeps the mapping
    EXPECT_TRUE(isMapped(newAddr, kPage));
}

TEST_F(PmmTest, MappingOutlivesBlockFd)
{
    REQUIRE_TYPE();
    const auto before = pmm::readStats(type_->name);
    pmm::Block block = dev_->allocate(4 * kPage, *type_->mask());
    pmm::Mapping map = block.map();
    fillPattern(map.data(), 3);
    block.reset();
    EXPECT_FALSE(block.isValid());
    // The block lives on in the mapping.
    EXPECT_EQ(pmm::readStats(type_->name).nrBlocks, before.nrBlocks + 1);
    EXPECT_TRUE(checkPattern(map.constData(), 3));
    fillPattern(map.data(), 9);
    EXPECT_TRUE(checkPattern(map.constData(), 9));
    map.unmap();
    EXPECT_FALSE(map.isValid());
    const auto after = pmm::readStats(type_->name);
    EXPECT_EQ(after.nrBlocks, before.nrBlocks);
    EXPECT_EQ(after.freeBytes, before.freeBytes);
}

TEST_F(PmmTest, ErrorsCarryErrno)
{
    REQUIRE_TYPE();
    std::uint64_t total = 0;
    for (auto &t : types_)
        total += t.totalBytes;
    // Every malformed request is EINVAL (the v2 uapi).
    EXPECT_EQ(pmm::errnoOf([&] { dev_->allocate(0); }), EINVAL);
    EXPECT_EQ(pmm::errnoOf([&] { dev_->allocate(~0ull); }), EINVAL);
    EXPECT_EQ(pmm::errnoOf([&] { dev_->allocate(kPage, 0, 3 * kPage); }), EINVAL);
    EXPECT_EQ(pmm::errnoOf([&] { dev_->allocate(kPage, 0, pageSize() / 2); }), EINVAL);
    EXPECT_EQ(pmm::errnoOf([&] { dev_->allocate(kPage, 0, pageSize() << 13); }), EINVAL);
    EXPECT_EQ(pmm::errnoOf([&] {
                  dev_->allocate(pmm::AllocRequest{.size = kPage, .fdFlags = O_RDWR | O_NONBLOCK});
              }),
              EINVAL);
    EXPECT_EQ(pmm::errnoOf([&] { dev_->allocate(pmm::AllocRequest{.size = kPage, .flags = 1}); }),
              EINVAL);
    EXPECT_EQ(pmm::errnoOf([&] { dev_->allocate(kPage, 1u << 31); }), ENOENT);
    EXPECT_EQ(pmm::errnoOf([&] { dev_->allocate("no-such-type", kPage); }), ENOENT);
    EXPECT_EQ(pmm::errnoOf([&] { dev_->allocate(total + pageSize()); }), ENOMEM);
    // BLOCK_INFO: not a PMM dma-buf, and not an open fd.
    pmm::UniqueFD null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    EXPECT_EQ(pmm::errnoOf([&] { dev_->blockInfo(null.get()); }), ENODEV);
    const int closed = null.get();
    null.reset();
    EXPECT_EQ(pmm::errnoOf([&] { dev_->blockInfo(closed); }), EBADF);
    // The message names the errno; the code compares with std::errc.
    try {
        dev_->allocate(0);
        ADD_FAILURE() << "no exception";
    } catch (const pmm::Error &e) {
        EXPECT_NE(std::string(e.what()).find("EINVAL"), std::string::npos) << e.what();
        EXPECT_EQ(e.code(), std::errc::invalid_argument);
    }
    // The same errors without exceptions.
    EXPECT_EQ(dev_->tryAllocate(0).error(), std::errc::invalid_argument);
    EXPECT_EQ(dev_->tryAllocate(total + pageSize()).errnum(), ENOMEM);
    EXPECT_EQ(dev_->tryBlockInfo(closed).errnum(), EBADF);
}

// A device opened for queries is read-only: it lists and describes, the kernel refuses it
// allocations and segments (EACCES, the v2 uapi).
TEST_F(PmmTest, QueryDeviceIsReadOnly)
{
    REQUIRE_TYPE();
    pmm::Device query(pmm::Device::Mode::Query);
    EXPECT_EQ(query.mode(), pmm::Device::Mode::Query);
    EXPECT_EQ(::fcntl(query.fd(), F_GETFL) & O_ACCMODE, O_RDONLY);
    const auto types = query.types();
    ASSERT_EQ(types.size(), types_.size());
    EXPECT_EQ(types[0].name, types_[0].name);
    EXPECT_EQ(query.tryAllocate(kPage).errnum(), EACCES);
    pmm::Block block = dev_->allocate(kPage, *type_->mask());
    const auto info = query.blockInfo(block);
    EXPECT_EQ(info.size, kPage);
    EXPECT_EQ(info.typeId, type_->id);
    EXPECT_EQ(query.tryShmget(block).errnum(), EACCES);
}

// CpuAccess ends the access on the dma-buf it started on, even when the block's fd is closed
// and its number taken by another file before the end (old code: DMA_BUF_IOCTL_SYNC on that
// other file, ENOTTY).
TEST_F(PmmTest, CpuAccessSurvivesBlockReset)
{
    REQUIRE_TYPE();
    pmm::Block block = dev_->allocate(kPage, *type_->mask());
    pmm::Mapping map = block.map();
    auto access = block.cpuAccess(pmm::Access::Write);
    const int number = block.fd();
    block.reset();
    pmm::UniqueFD null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(null);
    pmm::UniqueFD reused(::dup2(null.get(), number)); // another file under the block's number
    ASSERT_EQ(reused.get(), number);
    fillPattern(map.data(), 5);
    EXPECT_NO_THROW(access.end());
    EXPECT_TRUE(checkPattern(map.constData(), 5));
}

// A dma-buf fd received from elsewhere: Block::fromFd() finds its size.
TEST_F(PmmTest, BlockFromReceivedFd)
{
    REQUIRE_TYPE();
    pmm::Block block = dev_->allocate(3 * kPage + 1, *type_->mask());
    pmm::Result<pmm::Block> received = pmm::Block::fromFd(pmm::UniqueFD(::dup(block.fd())));
    ASSERT_TRUE(received) << received.error().message();
    EXPECT_EQ(received->size(), block.size());
    EXPECT_EQ(dev_->blockInfo(*received).size, block.size());
}

TEST_F(PmmTest, ReadOnlyFdRefusesWritableMapping)
{
    REQUIRE_TYPE();
    pmm::Block block =
        dev_->allocate(pmm::AllocRequest{.size = kPage, .fdFlags = O_RDONLY | O_CLOEXEC});
    EXPECT_EQ(pmm::errnoOf([&] { (void)block.map(PROT_READ | PROT_WRITE); }), EACCES);
    pmm::Mapping ro = block.map(PROT_READ);
    EXPECT_EQ(ro.constData()[0], std::byte{0});
}

TEST_F(PmmTest, MappedBlockUnmapsBeforeClose)
{
    REQUIRE_TYPE();
    const auto before = pmm::readStats(type_->name);
    {
        pmm::MappedBlock mb(dev_->allocate(kPage, *type_->mask()));
        fillPattern(mb.mapping.data(), 1);
        EXPECT_TRUE(checkPattern(mb.mapping.constData(), 1));
    }
    EXPECT_EQ(pmm::readStats(type_->name).nrBlocks, before.nrBlocks);
}

// --- Every memory type found at run time. ---

std::vector<pmm::TypeInfo> discoverTypes()
{
    std::vector<pmm::TypeInfo> types;
    try {
        if (pmm::Device::present())
            types = pmm::Device(pmm::Device::Mode::Query).types();
    } catch (const pmm::Error &) {
    }
    if (types.empty()) // one placeholder, reported as skipped
        types.push_back(pmm::TypeInfo{.id = UINT32_MAX, .name = "none"});
    return types;
}

class PerType : public ::testing::TestWithParam<pmm::TypeInfo> {
protected:
    void SetUp() override
    {
        if (GetParam().id == UINT32_MAX)
            GTEST_SKIP() << "no PMM memory type found";
        dev_.emplace();
    }
    std::optional<pmm::Device> dev_;
};

TEST_P(PerType, AllocateFromTypeAndStatisticsDeltas)
{
    const auto &type = GetParam();
    const std::uint64_t asked = 5 * kPage + 1;
    const std::uint64_t rounded = roundUp(asked, pageSize());
    const auto before = pmm::readStats(type.name);
    if (before.largestFreeBytes < rounded)
        GTEST_SKIP() << "type " << type.name << " has no room";
    {
        pmm::Block block = dev_->allocate(type.name, asked);
        const auto info = dev_->blockInfo(block);
        EXPECT_EQ(info.typeId, type.id);
        EXPECT_EQ(info.size, rounded);
        const auto held = pmm::readStats(type.name);
        EXPECT_EQ(held.freeBytes, before.freeBytes - rounded);
        EXPECT_EQ(held.usedBytes, before.usedBytes + rounded);
        EXPECT_EQ(held.nrBlocks, before.nrBlocks + 1);
        EXPECT_EQ(held.allocSuccess, before.allocSuccess + 1);
        const auto ioctlInfo = dev_->typeInfo(type.id);
        ASSERT_TRUE(ioctlInfo);
        EXPECT_EQ(ioctlInfo->freeBytes, held.freeBytes);

        pmm::Mapping map = block.map();
        {
            auto access = block.cpuAccess(pmm::Access::ReadWrite);
            fillPattern(map.data(), type.id);
            EXPECT_TRUE(checkPattern(map.constData(), type.id));
            access.end();
        }
    }
    const auto after = pmm::readStats(type.name);
    EXPECT_EQ(after.freeBytes, before.freeBytes);
    EXPECT_EQ(after.nrBlocks, before.nrBlocks);
    EXPECT_EQ(after.freeSuccess, before.freeSuccess + 1);
}

TEST_P(PerType, AlignedAllocation)
{
    const auto &type = GetParam();
    const std::uint64_t align = 1 << 20;
    if (type.totalBytes < 2 * align)
        GTEST_SKIP() << "type " << type.name << " too small";
    try {
        pmm::Block block = dev_->allocate(type.name, kPage, align);
        EXPECT_EQ(dev_->blockInfo(block).typeId, type.id);
    } catch (const pmm::Error &e) {
        EXPECT_EQ(e.errnum(), ENOMEM) << e.what(); // fragmented: acceptable
    }
}

// The type's dma-heap, /dev/dma_heap/pmm-<type>, opened read-only as Android does: its
// buffers are PMM blocks of that type.
TEST_P(PerType, HeapAllocationIsABlockOfTheType)
{
    const auto &type = GetParam();
    pmm::Result<pmm::Heap> heap = pmm::Heap::open(type.name);
    if (!heap)
        GTEST_SKIP() << pmm::Heap::pathOf(type.name) << ": " << heap.error().message();
    EXPECT_EQ(::fcntl(heap->fd(), F_GETFL) & O_ACCMODE, O_RDONLY);
    const auto names = pmm::Heap::typeNames();
    EXPECT_NE(std::find(names.begin(), names.end(), type.name), names.end());
    const std::uint64_t asked = 2 * kPage + 1;
    const auto before = pmm::readStats(type.name);
    if (before.largestFreeBytes < roundUp(asked, pageSize()))
        GTEST_SKIP() << "type " << type.name << " has no room";
    {
        pmm::Block block = heap->allocate(asked);
        EXPECT_EQ(block.size(), roundUp(asked, pageSize()));
        const auto info = dev_->blockInfo(block);
        EXPECT_EQ(info.typeId, type.id);
        EXPECT_EQ(info.size, block.size());
        EXPECT_EQ(pmm::readStats(type.name).nrBlocks, before.nrBlocks + 1);
        pmm::Mapping map = block.map();
        auto access = block.cpuAccess(pmm::Access::ReadWrite);
        fillPattern(map.data(), 11);
        EXPECT_TRUE(checkPattern(map.constData(), 11));
        access.end();
    }
    EXPECT_EQ(pmm::readStats(type.name).nrBlocks, before.nrBlocks);
    EXPECT_EQ(heap->tryAllocate(0).errnum(), EINVAL);
}

std::string typeName(const ::testing::TestParamInfo<pmm::TypeInfo> &info)
{
    std::string n = info.param.name;
    for (auto &c : n)
        if (!std::isalnum(static_cast<unsigned char>(c)))
            c = '_';
    return n;
}

INSTANTIATE_TEST_SUITE_P(MemoryTypes, PerType, ::testing::ValuesIn(discoverTypes()), typeName);

} // namespace
