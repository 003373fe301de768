// SPDX-License-Identifier: LGPL-2.1-or-later
// libpmm without a device: the handles' semantics on ordinary files (memfd, /dev/null), errno
// preservation, 32-bit size checks. Every suite here runs on the host (ctest -L host).
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <limits>
#include <new>
#include <optional>
#include <pmm/device.h>
#include <pmm/heap.h>
#include <string>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

// While set, every allocation through operator new sets errno, as an allocator that touches
// errno would: a failure's errno must be saved before a message string is built.
static bool clobberErrnoOnNew = false;

void *operator new(std::size_t size)
{
    if (clobberErrnoOnNew)
        errno = ENOTRECOVERABLE;
    if (void *p = std::malloc(size ? size : 1))
        return p;
    throw std::bad_alloc();
}

void operator delete(void *p) noexcept
{
    std::free(p);
}

void operator delete(void *p, std::size_t) noexcept
{
    std::free(p);
}

namespace {

struct ClobberErrno {
    ClobberErrno() { clobberErrnoOnNew = true; }
    ~ClobberErrno() { clobberErrnoOnNew = false; }
};

TEST(ErrnoPreserved, DeviceOpen)
{
    const ClobberErrno clobber;
    EXPECT_EQ(pmm::errnoOf([] { pmm::Device(pmm::Device::Mode::Query, "/nonexistent/pmm"); }),
              ENOENT);
}

TEST(ErrnoPreserved, DeviceIoctls)
{
    const pmm::Device notPmm(pmm::Device::Mode::Allocate, "/dev/null"); // knows no PMM ioctl
    const ClobberErrno clobber;
    EXPECT_EQ(pmm::errnoOf([&] { (void)notPmm.types(); }), ENOTTY);
    EXPECT_EQ(pmm::errnoOf([&] { (void)notPmm.allocate(4096); }), ENOTTY);
    EXPECT_EQ(pmm::errnoOf([&] { (void)notPmm.blockInfo(0); }), ENOTTY);
    EXPECT_EQ(pmm::errnoOf([&] { (void)notPmm.shmget(0); }), ENOTTY);
}

TEST(ErrnoPreserved, Mapping)
{
    const ClobberErrno clobber;
    EXPECT_EQ(pmm::errnoOf([] { pmm::Mapping(-1, 4096); }), EBADF);
}

TEST(ErrnoPreserved, Segment)
{
    const ClobberErrno clobber;
    EXPECT_EQ(pmm::errnoOf([] { (void)pmm::Attachment(-1, 4096); }), EINVAL);
    EXPECT_EQ(pmm::errnoOf([] { (void)pmm::Segment(-1, 4096).stat(); }), EINVAL);
}

pmm::UniqueFD devNull()
{
    return pmm::UniqueFD(::open("/dev/null", O_RDWR | O_CLOEXEC));
}

TEST(BlockHandle, SelfMoveAssignmentKeepsTheBlock)
{
    pmm::Block block(devNull(), 8192);
    const int fd = block.fd();
    pmm::Block &alias = block;
    block = std::move(alias);
    EXPECT_EQ(block.fd(), fd);
    EXPECT_EQ(block.size(), 8192u);
}

pmm::TypeInfo typeWithId(std::uint32_t id)
{
    pmm::TypeInfo t;
    t.id = id;
    return t;
}

TEST(TypeInfoMask, IdBeyondTheMaskSelectsNoType)
{
    // 0 would mean "every type": a type no mask bit can name has no mask.
    EXPECT_NE(typeWithId(32).mask(), std::optional<std::uint32_t>(0u));
    EXPECT_NE(typeWithId(1000).mask(), std::optional<std::uint32_t>(0u));
    EXPECT_EQ(typeWithId(31).mask(), std::optional<std::uint32_t>(1u << 31));
    EXPECT_EQ(typeWithId(0).mask(), std::optional<std::uint32_t>(1u));
}

TEST(SysvSegmentDefault, DestructorRemovesTheId)
{
    int id;
    {
        pmm::Segment seg = pmm::Segment::create(4096);
        id = seg.id();
    }
    struct shmid_ds ds {};
    const bool exists = ::shmctl(id, IPC_STAT, &ds) == 0;
    if (exists)
        ::shmctl(id, IPC_RMID, nullptr);
    EXPECT_FALSE(exists) << "a handle that goes leaves no segment behind unless asked to";
}

// A memfd of size bytes (sparse: no memory is used for the size).
pmm::UniqueFD memfd(std::uint64_t size)
{
    pmm::UniqueFD fd(::memfd_create("libpmm-test", MFD_CLOEXEC));
    EXPECT_TRUE(fd);
    EXPECT_EQ(::ftruncate(fd.get(), static_cast<off_t>(size)), 0) << std::strerror(errno);
    return fd;
}

TEST(BlockHandle, FromFdTakesTheFilesSize)
{
    pmm::Result<pmm::Block> block = pmm::Block::fromFd(memfd(3 * 4096));
    ASSERT_TRUE(block) << block.error().message();
    EXPECT_EQ(block->size(), 3 * 4096u);
    EXPECT_EQ(::lseek(block->fd(), 0, SEEK_CUR), 0); // left at the start
    EXPECT_EQ(pmm::Block::fromFd(pmm::UniqueFD()).errnum(), EBADF);
}

TEST(BlockHandle, MapChecksTheExtent)
{
    pmm::Block block = pmm::Block::fromFd(memfd(2 * 4096)).value();
    pmm::Mapping map = block.map();
    ASSERT_EQ(map.size(), 2 * 4096u);
    map.data()[4096] = std::byte{7};
    pmm::Mapping part = block.map(4096, 1, PROT_READ);
    EXPECT_EQ(part.constData()[0], std::byte{7});
    EXPECT_EQ(block.tryMap(4096, 4097).errnum(), EINVAL);
    EXPECT_EQ(block.tryMap(0, 0).errnum(), EINVAL);
    EXPECT_EQ(pmm::Block().tryMap().errnum(), EBADF);
    EXPECT_EQ(pmm::errnoOf([&] { (void)block.map(3 * 4096, 1); }), EINVAL);
}

// --- 32-bit processes: a size or offset of 4 GiB or more must never be truncated. ---

constexpr std::uint64_t k4GiB = std::uint64_t{1} << 32;

TEST(Size32, MappingAtAnOffsetBeyond4GiB)
{
    pmm::UniqueFD fd = memfd(k4GiB + 2 * 4096);
    const char low = 'L', high = 'H';
    ASSERT_EQ(::pwrite(fd.get(), &low, 1, 100), 1);
    ASSERT_EQ(::pwrite(fd.get(), &high, 1, static_cast<off_t>(k4GiB + 100)), 1);
    pmm::Mapping map(fd.get(), 4096, PROT_READ, k4GiB);
    EXPECT_EQ(static_cast<char>(map.constData()[100]), high) << "mapped the wrong page";
}

TEST(Size32, BlockOf4GiBOrMoreIsNotMappedTruncated)
{
    if (std::numeric_limits<std::size_t>::max() > k4GiB)
        GTEST_SKIP() << "a 64-bit process maps it whole";
    pmm::Block block(memfd(4096), k4GiB + 4096);
    EXPECT_EQ(pmm::errnoOf([&] { (void)block.map(); }), EOVERFLOW);
}

TEST(Size32, SegmentOf4GiBOrMoreIsNotMadeTruncated)
{
    if (std::numeric_limits<std::size_t>::max() > k4GiB)
        GTEST_SKIP() << "a 64-bit process asks shmget() for all of it";
    EXPECT_EQ(pmm::errnoOf([&] {
                  (void)pmm::Segment::create(k4GiB + 4096, IPC_PRIVATE, 0600,
                                             pmm::Segment::Removal::OnDestroy);
              }),
              EOVERFLOW);
    pmm::Segment small = pmm::Segment::create(4096);
    EXPECT_EQ(pmm::Attachment::create(small.id(), k4GiB + 4096).errnum(), EOVERFLOW);
}

// --- pmm::Result. ---

TEST(ResultType, ValueOrErrno)
{
    pmm::Result<int> five = 5;
    ASSERT_TRUE(five);
    EXPECT_EQ(*five, 5);
    EXPECT_EQ(five.errnum(), 0);
    EXPECT_FALSE(five.error());
    pmm::Result<int> failed = pmm::errnoCode(ENOMEM);
    EXPECT_FALSE(failed);
    EXPECT_EQ(failed.errnum(), ENOMEM);
    EXPECT_EQ(failed.error(), std::errc::not_enough_memory);
    EXPECT_EQ(pmm::errnoOf([&] { (void)failed.value(); }), ENOMEM);
    pmm::Result<pmm::UniqueFD> moveOnly = pmm::UniqueFD(::open("/dev/null", O_RDONLY));
    pmm::UniqueFD fd = std::move(moveOnly).value();
    EXPECT_TRUE(fd);
    pmm::Result<void> ok;
    EXPECT_TRUE(ok);
    EXPECT_EQ(pmm::errnoOf([&] { ok.value(); }), 0);
    pmm::Result<void> bad = pmm::errnoCode(EACCES);
    EXPECT_EQ(bad.errnum(), EACCES);
    EXPECT_EQ(pmm::errnoOf([&] { bad.value(); }), EACCES);
}

// --- Device modes, heaps and CPU access brackets on files that are not PMM's. ---

TEST(DeviceMode, QueryOpensReadOnlyAllocateReadWrite)
{
    const pmm::Device query(pmm::Device::Mode::Query, "/dev/null");
    EXPECT_EQ(::fcntl(query.fd(), F_GETFL) & O_ACCMODE, O_RDONLY);
    EXPECT_EQ(::fcntl(query.fd(), F_GETFD), FD_CLOEXEC);
    const pmm::Device allocate(pmm::Device::Mode::Allocate, "/dev/null");
    EXPECT_EQ(::fcntl(allocate.fd(), F_GETFL) & O_ACCMODE, O_RDWR);
    // Not /dev/pmm: the ioctls are unknown there.
    EXPECT_EQ(query.tryTypes().errnum(), ENOTTY);
    EXPECT_EQ(allocate.tryAllocate(4096).errnum(), ENOTTY);
    EXPECT_EQ(pmm::Device::open(pmm::Device::Mode::Query, "/nonexistent/pmm").errnum(), ENOENT);
}

TEST(HeapHandle, FindsPmmHeapsByName)
{
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("libpmm-heaps-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    for (const char *name : {"pmm-fast", "system", "pmm-general", "pmm-"})
        std::ofstream(dir / name).put('\0');
    EXPECT_EQ(pmm::Heap::typeNames(dir.string()), (std::vector<std::string>{"fast", "general"}));
    std::filesystem::remove_all(dir);
    EXPECT_TRUE(pmm::Heap::typeNames("/nonexistent").empty());
    EXPECT_EQ(pmm::Heap::pathOf("general"), "/dev/dma_heap/pmm-general");
    EXPECT_EQ(pmm::Heap::open("no-such-type-here").errnum(), ENOENT);
    EXPECT_EQ(pmm::errnoOf([] { pmm::Heap("no-such-type-here"); }), ENOENT);
}

std::size_t openFdCount()
{
    std::size_t n = 0;
    for ([[maybe_unused]] const auto &entry : std::filesystem::directory_iterator("/proc/self/fd"))
        ++n;
    return n;
}

TEST(CpuAccessHandle, ErrorsLeaveNoDescriptor)
{
    const std::size_t before = openFdCount();
    EXPECT_EQ(pmm::CpuAccess::begin(-1, pmm::Access::Read).errnum(), EBADF);
    pmm::UniqueFD null = devNull();
    EXPECT_EQ(pmm::CpuAccess::begin(null.get(), pmm::Access::Read).errnum(), ENOTTY);
    EXPECT_EQ(pmm::errnoOf([&] { pmm::CpuAccess(null.get(), pmm::Access::Write); }), ENOTTY);
    null.reset();
    EXPECT_EQ(openFdCount(), before);
    pmm::CpuAccess idle;
    EXPECT_FALSE(idle.isActive());
    EXPECT_TRUE(idle.tryEnd());
}

} // namespace
