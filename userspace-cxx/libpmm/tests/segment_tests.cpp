// SPDX-License-Identifier: LGPL-2.1-or-later
// pmm::Segment and pmm::Attachment: on ordinary shmget() segments (host and guest), then on
// segments made from PMM blocks with PMM_IOCTL_SHMGET (guest with /dev/pmm; skipped without).
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <gtest/gtest.h>
#include <linux/pmm.h>
#include <optional>
#include <pmm/device.h>
#include <pmm/heap.h>
#include <sstream>
#include <string>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

constexpr std::uint64_t kPage = 4096;

void fill(std::span<std::byte> bytes, unsigned seed)
{
    for (std::size_t i = 0; i < bytes.size(); ++i)
        bytes[i] = static_cast<std::byte>((i * 151 + seed + (i >> 12)) & 0xff);
}

// The index of the first byte that differs from the pattern, or npos.
std::size_t firstBad(std::span<const std::byte> bytes, unsigned seed)
{
    for (std::size_t i = 0; i < bytes.size(); ++i)
        if (bytes[i] != static_cast<std::byte>((i * 151 + seed + (i >> 12)) & 0xff))
            return i;
    return std::string::npos;
}

// Whether the id still names a segment.
bool exists(int shmid)
{
    struct shmid_ds ds {};
    return ::shmctl(shmid, IPC_STAT, &ds) == 0;
}

unsigned long attachCount(int shmid)
{
    struct shmid_ds ds {};
    EXPECT_EQ(::shmctl(shmid, IPC_STAT, &ds), 0) << std::strerror(errno);
    return ds.shm_nattch;
}

// A key no segment uses now.
key_t freeKey()
{
    for (key_t k = 0x504d0000 | (::getpid() & 0xfff) << 4;; ++k)
        if (::shmget(k, 0, 0) < 0 && errno == ENOENT)
            return k;
}

// The size /proc/sysvipc/shm (what ipcs -m reads) gives the id, if it lists it.
std::optional<std::uint64_t> procSize(int shmid)
{
    std::ifstream in("/proc/sysvipc/shm");
    std::string line;
    std::getline(in, line); // header: key shmid perms size ...
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        long long key, id, perms;
        std::uint64_t size;
        if (fields >> key >> id >> perms >> size && id == shmid)
            return size;
    }
    return std::nullopt;
}

// How many segments /proc/sysvipc/shm lists.
std::size_t segmentCount()
{
    std::ifstream in("/proc/sysvipc/shm");
    std::string line;
    std::size_t n = 0;
    while (std::getline(in, line))
        ++n;
    return n ? n - 1 : 0;
}

// --- What SysV programs and tools do with a segment: run on ordinary and PMM segments. ---

std::size_t pageSize()
{
    return static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

// The namespace-wide commands of ipcs -u, ipcs -m -i and ipcs -l: SHM_INFO counts the
// segment's pages, SHM_STAT and SHM_STAT_ANY find it by index, IPC_INFO; /proc/sysvipc/shm.
void checkShmctlCommands(const pmm::Segment &seg)
{
    struct shm_info info {};
    const int maxIndex = ::shmctl(0, SHM_INFO, reinterpret_cast<struct shmid_ds *>(&info));
    ASSERT_GE(maxIndex, 0) << std::strerror(errno);
    EXPECT_GE(info.used_ids, 1);
    EXPECT_GE(info.shm_tot, seg.size() / pageSize());
    for (const int cmd : {SHM_STAT, SHM_STAT_ANY}) {
        bool found = false;
        for (int i = 0; i <= maxIndex; ++i) {
            struct shmid_ds ds {};
            if (::shmctl(i, cmd, &ds) == seg.id()) {
                found = true;
                EXPECT_EQ(ds.shm_segsz, seg.size());
            }
        }
        EXPECT_TRUE(found) << (cmd == SHM_STAT ? "SHM_STAT" : "SHM_STAT_ANY");
    }
    struct shminfo limits {};
    EXPECT_GE(::shmctl(0, IPC_INFO, reinterpret_cast<struct shmid_ds *>(&limits)), 0);
    EXPECT_GE(limits.shmmax, seg.size());
    EXPECT_EQ(procSize(seg.id()), seg.size());
}

// A child inherits the parent's attachment across fork() and writes through it.
void checkForkInheritsAttachment(const pmm::Segment &seg)
{
    pmm::Attachment att = seg.attach();
    fill(att.data(), 21);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        const bool ok = firstBad(att.constData(), 21) == std::string::npos;
        fill(att.data(), 22);
        ::_exit(ok ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
    EXPECT_EQ(firstBad(att.constData(), 22), std::string::npos);
    EXPECT_EQ(attachCount(seg.id()), 1u); // the child's went with it
}

// munmap() of a page in the middle of an attachment splits it; shmdt() still detaches every
// piece. The segment needs three pages at least.
void checkPartialMunmap(const pmm::Segment &seg)
{
    const std::size_t page = pageSize();
    ASSERT_GE(seg.size(), 3 * page);
    pmm::Attachment att = seg.attach();
    fill(att.data(), 24);
    ASSERT_EQ(::munmap(att.data().data() + page, page), 0) << std::strerror(errno);
    EXPECT_EQ(firstBad(att.constData().first(page), 24), std::string::npos);
    const auto rest = att.constData().subspan(2 * page);
    std::vector<std::byte> want(att.size());
    fill(want, 24);
    EXPECT_TRUE(std::equal(rest.begin(), rest.end(), want.begin() + 2 * page));
    att.detach();
    EXPECT_EQ(attachCount(seg.id()), 0u);
}

// --- Ordinary segments: the handle and attachment semantics, no device needed. ---

TEST(SysvSegment, CreateAttachStat)
{
    pmm::Segment seg =
        pmm::Segment::create(3 * kPage, IPC_PRIVATE, 0600, pmm::Segment::Removal::OnDestroy);
    ASSERT_TRUE(seg.isValid());
    EXPECT_EQ(seg.size(), 3 * kPage);
    EXPECT_EQ(seg.stat().shm_segsz, 3 * kPage);
    EXPECT_EQ(seg.stat().shm_perm.mode & 0777, 0600u);
    pmm::Attachment a = seg.attach();
    pmm::Attachment b = seg.attach();
    ASSERT_EQ(a.size(), 3 * kPage);
    EXPECT_NE(a.address(), b.address());
    EXPECT_EQ(attachCount(seg.id()), 2u);
    fill(a.data(), 5);
    EXPECT_EQ(firstBad(b.constData(), 5), std::string::npos);
    pmm::Attachment ro = seg.attach(SHM_RDONLY);
    EXPECT_EQ(firstBad(ro.constData(), 5), std::string::npos);
    b.detach();
    EXPECT_FALSE(b.isValid());
    EXPECT_TRUE(b.data().empty());
    EXPECT_EQ(attachCount(seg.id()), 2u);
}

TEST(SysvSegment, DestructorRemovesIdUnlessKept)
{
    int id;
    {
        pmm::Segment seg = pmm::Segment::create(kPage);
        EXPECT_EQ(seg.removal(), pmm::Segment::Removal::OnDestroy);
        id = seg.id();
    }
    EXPECT_FALSE(exists(id));
    {
        pmm::Segment kept =
            pmm::Segment::create(kPage, IPC_PRIVATE, 0600, pmm::Segment::Removal::Keep);
        id = kept.id();
    }
    EXPECT_TRUE(exists(id));
    {
        pmm::Segment again(id, kPage);
    }
    EXPECT_FALSE(exists(id));
}

TEST(SysvSegment, RemoveKeepsAttachmentsValid)
{
    pmm::Segment seg =
        pmm::Segment::create(2 * kPage, IPC_PRIVATE, 0600, pmm::Segment::Removal::Keep);
    const int id = seg.id();
    pmm::Attachment a = seg.attach();
    fill(a.data(), 9);
    seg.remove();
    EXPECT_FALSE(seg.isValid());
    EXPECT_EQ(seg.id(), -1);
    EXPECT_EQ(seg.size(), 0u);
    // Marked for destruction, gone from the key space, alive while attached.
    EXPECT_EQ(firstBad(a.constData(), 9), std::string::npos);
    EXPECT_TRUE(exists(id));
    a.detach();
    EXPECT_FALSE(exists(id));
    EXPECT_EQ(pmm::errnoOf([&] { seg.remove(); }), EINVAL);
    EXPECT_EQ(pmm::errnoOf([&] { (void)seg.attach(); }), EINVAL);
}

TEST(SysvSegment, MoveReleaseAndAssignment)
{
    pmm::Segment a =
        pmm::Segment::create(kPage, IPC_PRIVATE, 0600, pmm::Segment::Removal::OnDestroy);
    const int idA = a.id();
    pmm::Segment b(std::move(a));
    EXPECT_FALSE(a.isValid());
    EXPECT_EQ(a.size(), 0u);
    EXPECT_EQ(b.id(), idA);
    EXPECT_EQ(b.removal(), pmm::Segment::Removal::OnDestroy);
    a.reset(); // empty: removes nothing
    EXPECT_TRUE(exists(idA));

    // Move assignment removes the target's own OnDestroy segment first.
    pmm::Segment c = pmm::Segment::create(kPage, IPC_PRIVATE, 0600, pmm::Segment::Removal::Keep);
    const int idC = c.id();
    b = std::move(c);
    EXPECT_FALSE(exists(idA));
    EXPECT_EQ(b.id(), idC);
    EXPECT_EQ(b.removal(), pmm::Segment::Removal::Keep);

    // release() gives the id up without removing it.
    b.setRemoval(pmm::Segment::Removal::OnDestroy);
    const int released = b.release();
    EXPECT_EQ(released, idC);
    EXPECT_FALSE(b.isValid());
    EXPECT_TRUE(exists(idC));
    pmm::Segment(idC, kPage).remove();
    EXPECT_FALSE(exists(idC));
}

TEST(SysvSegment, AttachmentMoveAssignmentDetachesOld)
{
    pmm::Segment seg =
        pmm::Segment::create(kPage, IPC_PRIVATE, 0600, pmm::Segment::Removal::OnDestroy);
    pmm::Attachment a = seg.attach();
    pmm::Attachment b = seg.attach();
    void *addrB = b.address();
    EXPECT_EQ(attachCount(seg.id()), 2u);
    a = std::move(b);
    EXPECT_EQ(attachCount(seg.id()), 1u);
    EXPECT_EQ(a.address(), addrB);
    EXPECT_FALSE(b.isValid());
    pmm::Attachment &alias = a;
    a = std::move(alias); // self-move keeps the attachment
    EXPECT_EQ(attachCount(seg.id()), 1u);
    pmm::Attachment c(std::move(a));
    EXPECT_EQ(c.address(), addrB);
    EXPECT_EQ(attachCount(seg.id()), 1u);
}

TEST(SysvSegment, KeysAndErrors)
{
    const key_t key = freeKey();
    pmm::Segment seg = pmm::Segment::create(kPage, key, IPC_CREAT | IPC_EXCL | 0600,
                                            pmm::Segment::Removal::OnDestroy);
    EXPECT_EQ(::shmget(key, 0, 0), seg.id());
    EXPECT_EQ(
        pmm::errnoOf([&] { (void)pmm::Segment::create(kPage, key, IPC_CREAT | IPC_EXCL | 0600); }),
        EEXIST);
    EXPECT_EQ(pmm::errnoOf([&] { (void)pmm::Segment::create(kPage, freeKey(), 0600); }), ENOENT);
    EXPECT_EQ(pmm::errnoOf([&] { (void)pmm::Attachment(-1, kPage); }), EINVAL);
    try {
        (void)pmm::Segment::create(kPage, key, IPC_CREAT | IPC_EXCL | 0600);
        ADD_FAILURE() << "no exception";
    } catch (const pmm::Error &e) {
        EXPECT_NE(std::string(e.what()).find("EEXIST"), std::string::npos) << e.what();
    }
}

TEST(SysvSegment, ToolsForkAndSplit)
{
    pmm::Segment seg =
        pmm::Segment::create(4 * kPage, IPC_PRIVATE, 0600, pmm::Segment::Removal::OnDestroy);
    checkShmctlCommands(seg);
    checkForkInheritsAttachment(seg);
    checkPartialMunmap(seg);
}

// --- Segments made from PMM blocks. ---

class PmmSegment : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (!pmm::Device::present())
            GTEST_SKIP() << pmm::Device::kPath << " absent (not a PMM kernel)";
        dev_.emplace();
        // The first type with room: a type whose regions could not be reserved has none.
        for (const auto &t : dev_->types())
            if (t.mask() && t.largestFreeBytes >= 1 << 20) {
                type_ = t;
                return;
            }
        GTEST_SKIP() << "no PMM memory type with 1 MiB free (boot with pmm=NAME:SIZE)";
    }

    pmm::TypeStats stats() const { return pmm::readStats(type_.name); }
    pmm::Block allocate(std::uint64_t size, std::uint32_t fdFlags = O_RDWR | O_CLOEXEC) const
    {
        return dev_->allocate(
            pmm::AllocRequest{.size = size, .typeMask = type_.mask().value(), .fdFlags = fdFlags});
    }

    std::optional<pmm::Device> dev_;
    pmm::TypeInfo type_;
};

TEST_F(PmmSegment, ConvertSizeModeAndIpcs)
{
    const auto before = stats();
    pmm::Block block = allocate(5 * kPage + 1);
    pmm::Segment seg = dev_->shmget(block, IPC_PRIVATE, 0640, pmm::Segment::Removal::OnDestroy);
    ASSERT_TRUE(seg.isValid());
    EXPECT_EQ(seg.size(), block.size());
    const auto ds = seg.stat();
    EXPECT_EQ(ds.shm_segsz, block.size());
    EXPECT_EQ(ds.shm_perm.mode & 0777, 0640u);
    EXPECT_EQ(ds.shm_perm.uid, ::geteuid());
    EXPECT_EQ(ds.shm_cpid, ::getpid());
    EXPECT_EQ(ds.shm_nattch, 0u);
    EXPECT_EQ(procSize(seg.id()), block.size()); // what ipcs -m shows
    // No new block: the segment is the block.
    EXPECT_EQ(stats().nrBlocks, before.nrBlocks + 1);
    EXPECT_EQ(stats().freeBytes, before.freeBytes - block.size());
}

TEST_F(PmmSegment, AttachmentSharesThePmmMappingPages)
{
    pmm::Block block = allocate(16 * kPage);
    pmm::Mapping map = block.map();
    {
        auto access = block.cpuAccess(pmm::Access::Write);
        fill(map.data(), 1);
        access.end();
    }
    pmm::Segment seg = dev_->shmget(block, IPC_PRIVATE, 0600, pmm::Segment::Removal::OnDestroy);
    pmm::Attachment att = seg.attach();
    ASSERT_EQ(att.size(), map.size());
    EXPECT_NE(att.address(), map.extentAddress());
    // Written before the conversion: there, not zeroed or copied away.
    EXPECT_EQ(firstBad(att.constData(), 1), std::string::npos);
    // Both ways, after the conversion: one set of pages.
    fill(att.data(), 2);
    {
        auto access = block.cpuAccess(pmm::Access::Read);
        EXPECT_EQ(firstBad(map.constData(), 2), std::string::npos);
        access.end();
    }
    {
        auto access = block.cpuAccess(pmm::Access::Write);
        fill(map.data(), 3);
        access.end();
    }
    EXPECT_EQ(firstBad(att.constData(), 3), std::string::npos);
    pmm::Attachment ro = seg.attach(SHM_RDONLY);
    EXPECT_EQ(firstBad(ro.constData(), 3), std::string::npos);
    EXPECT_EQ(attachCount(seg.id()), 2u);
}

TEST_F(PmmSegment, AnotherProcessAttachesById)
{
    pmm::Block block = allocate(4 * kPage);
    pmm::Mapping map = block.map();
    pmm::Segment seg = dev_->shmget(block, IPC_PRIVATE, 0600, pmm::Segment::Removal::OnDestroy);
    const int id = seg.id();
    const std::size_t size = seg.size();
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        // A SysV-only program: knows nothing but the id.
        void *p = ::shmat(id, nullptr, 0);
        if (p == reinterpret_cast<void *>(-1))
            ::_exit(1);
        fill(std::span<std::byte>(static_cast<std::byte *>(p), size), 7);
        ::shmdt(p);
        ::_exit(0);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
    auto access = block.cpuAccess(pmm::Access::Read);
    EXPECT_EQ(firstBad(map.constData(), 7), std::string::npos);
    access.end();
}

TEST_F(PmmSegment, SegmentHoldsTheBlockUntilRemovedAndDetached)
{
    const auto before = stats();
    pmm::Segment seg;
    pmm::Attachment att;
    {
        pmm::MappedBlock mb(allocate(8 * kPage));
        fill(mb.mapping.data(), 4);
        seg = dev_->shmget(mb.block);
        EXPECT_EQ(seg.removal(), pmm::Segment::Removal::OnDestroy);
    } // the fd closed and the mapping gone: only the segment holds the block
    EXPECT_EQ(stats().nrBlocks, before.nrBlocks + 1);
    att = seg.attach();
    EXPECT_EQ(firstBad(att.constData(), 4), std::string::npos);
    const int id = seg.id();
    seg.remove();
    EXPECT_EQ(stats().nrBlocks, before.nrBlocks + 1); // still attached
    EXPECT_EQ(firstBad(att.constData(), 4), std::string::npos);
    att.detach();
    EXPECT_FALSE(exists(id));
    const auto after = stats();
    EXPECT_EQ(after.nrBlocks, before.nrBlocks);
    EXPECT_EQ(after.freeBytes, before.freeBytes);
    EXPECT_EQ(after.nrFreeExtents, before.nrFreeExtents);
}

TEST_F(PmmSegment, HandleDestroyedKeepsSegmentThenIpcRmidFrees)
{
    const auto before = stats();
    int id;
    {
        pmm::Block block = allocate(kPage);
        // The handle goes, the segment stays: as pmmctl shmget leaves it for ipcrm.
        id = dev_->shmget(block, IPC_PRIVATE, 0600, pmm::Segment::Removal::Keep).id();
    }
    EXPECT_TRUE(exists(id));
    EXPECT_EQ(stats().nrBlocks, before.nrBlocks + 1);
    ASSERT_EQ(::shmctl(id, IPC_RMID, nullptr), 0) << std::strerror(errno); // as ipcrm -m
    EXPECT_FALSE(exists(id));
    EXPECT_EQ(stats().nrBlocks, before.nrBlocks);
    EXPECT_EQ(stats().freeBytes, before.freeBytes);
}

TEST_F(PmmSegment, ConvertFromRawFdAndTwice)
{
    pmm::Block block = allocate(2 * kPage);
    pmm::Segment one =
        dev_->shmget(block.fd(), IPC_PRIVATE, 0600, pmm::Segment::Removal::OnDestroy);
    EXPECT_EQ(one.size(), block.size());
    // A second segment of the same block: the same pages again.
    pmm::Segment two = dev_->shmget(block, IPC_PRIVATE, 0600, pmm::Segment::Removal::OnDestroy);
    EXPECT_NE(one.id(), two.id());
    pmm::Attachment a = one.attach();
    pmm::Attachment b = two.attach();
    fill(a.data(), 11);
    EXPECT_EQ(firstBad(b.constData(), 11), std::string::npos);
}

TEST_F(PmmSegment, KeyedSegment)
{
    const key_t key = freeKey();
    pmm::Block block = allocate(kPage);
    EXPECT_EQ(pmm::errnoOf([&] { (void)dev_->shmget(block, key, 0600); }), ENOENT);
    pmm::Segment seg =
        dev_->shmget(block, key, IPC_CREAT | IPC_EXCL | 0600, pmm::Segment::Removal::OnDestroy);
    // Found by key, as a SysV client finds it.
    EXPECT_EQ(::shmget(key, 0, 0), seg.id());
    EXPECT_EQ(::shmget(key, block.size(), 0600), seg.id());
    // A block cannot join an existing segment, with or without IPC_EXCL.
    pmm::Block other = allocate(kPage);
    EXPECT_EQ(pmm::errnoOf([&] { (void)dev_->shmget(other, key, IPC_CREAT | IPC_EXCL | 0600); }),
              EEXIST);
    EXPECT_EQ(pmm::errnoOf([&] { (void)dev_->shmget(other, key, IPC_CREAT | 0600); }), EEXIST);
    EXPECT_EQ(pmm::errnoOf([&] { (void)dev_->shmget(other, key, 0600); }), EEXIST);
    // Nor over an ordinary segment's key.
    const key_t key2 = freeKey();
    pmm::Segment plain =
        pmm::Segment::create(kPage, key2, IPC_CREAT | 0600, pmm::Segment::Removal::OnDestroy);
    EXPECT_EQ(pmm::errnoOf([&] { (void)dev_->shmget(other, key2, IPC_CREAT | 0600); }), EEXIST);
}

TEST_F(PmmSegment, Errors)
{
    const auto before = stats();
    const std::size_t idsBefore = segmentCount();
    {
        pmm::Block ro = allocate(kPage, O_RDONLY | O_CLOEXEC);
        EXPECT_EQ(pmm::errnoOf([&] { (void)dev_->shmget(ro); }), EACCES);
        pmm::Block wo = allocate(kPage, O_WRONLY | O_CLOEXEC);
        EXPECT_EQ(pmm::errnoOf([&] { (void)dev_->shmget(wo); }), EACCES);

        pmm::UniqueFD null(::open("/dev/null", O_RDWR | O_CLOEXEC));
        ASSERT_TRUE(null);
        EXPECT_EQ(pmm::errnoOf([&] { (void)dev_->shmget(null.get()); }), ENODEV);
        EXPECT_EQ(pmm::errnoOf([&] { (void)dev_->shmget(dev_->fd()); }), ENODEV); // /dev/pmm itself
        const int closed = null.get();
        null.reset();
        EXPECT_EQ(pmm::errnoOf([&] { (void)dev_->shmget(closed); }), EBADF);
        EXPECT_EQ(pmm::errnoOf([&] { (void)dev_->shmget(-1); }), EBADF);
        EXPECT_EQ(pmm::errnoOf([&] { (void)dev_->shmget(pmm::Block()); }), EBADF);

        pmm::Block block = allocate(kPage);
        // Not 01000: that is IPC_CREAT.
        for (int bad : {SHM_HUGETLB, SHM_NORESERVE, 0100000, 0x40000000})
            EXPECT_EQ(pmm::errnoOf([&] { (void)dev_->shmget(block, IPC_PRIVATE, 0600 | bad); }),
                      EINVAL)
                << "shmflg 0" << std::oct << bad;
    }
    // Nothing leaked: no block, no segment.
    EXPECT_EQ(segmentCount(), idsBefore);
    EXPECT_EQ(stats().nrBlocks, before.nrBlocks);
    EXPECT_EQ(stats().freeBytes, before.freeBytes);
}

// Raw ioctls: the structure's size and flags, as for every /dev/pmm ioctl. PMM_IOCTL_SHMGET
// returns the new segment's id.
TEST_F(PmmSegment, IoctlStructureSizesAndFlags)
{
    pmm::Block block = allocate(kPage);
    // The ioctl's return value, or -errno.
    auto call = [&](unsigned long request, void *arg) {
        const int ret = ::ioctl(dev_->fd(), request, arg);
        return ret < 0 ? -errno : ret;
    };
    auto removeId = [](int id) {
        if (id >= 0) {
            EXPECT_EQ(::shmctl(id, IPC_RMID, nullptr), 0) << std::strerror(errno);
        }
    };
    struct pmm_shmget_data d {};
    d.fd = static_cast<__u32>(block.fd());
    d.key = IPC_PRIVATE;
    d.shmflg = 0600;
    d.flags = 1;
    EXPECT_EQ(call(PMM_IOCTL_SHMGET, &d), -EINVAL);
    d.flags = 0;

    struct {
        struct pmm_shmget_data d;
        __u32 extra[4];
    } big{};
    std::memcpy(&big.d, &d, sizeof(d));
    const auto req = [](std::size_t size) {
        return static_cast<unsigned long>(
            _IOC(_IOC_WRITE, PMM_IOC_MAGIC, _IOC_NR(PMM_IOCTL_SHMGET), size));
    };
    // PMM_SHMGET_SIZE_VER0 bytes: accepted, the id returned.
    int id = call(req(PMM_SHMGET_SIZE_VER0), &big);
    ASSERT_GE(id, 0) << std::strerror(-id);
    EXPECT_EQ(pmm::Segment(id, block.size()).stat().shm_segsz, block.size()); // and removed
    EXPECT_EQ(call(req(PMM_SHMGET_SIZE_VER0 - 4), &big), -EINVAL);
    // Larger: zero tail accepted, non-zero tail refused.
    id = call(req(sizeof(big)), &big);
    EXPECT_GE(id, 0) << std::strerror(-id);
    removeId(id);
    big.extra[3] = 1;
    EXPECT_EQ(call(req(sizeof(big)), &big), -EINVAL);
}

// A buffer of a PMM dma-heap is a PMM dma-buf; one of another heap is not.
TEST_F(PmmSegment, DmaHeapBuffers)
{
    bool ran = false;
    if (auto sys = pmm::Heap::openPath(std::string(pmm::Heap::kDirectory) + "/system"); sys) {
        pmm::Block plain = sys->allocate(kPage);
        EXPECT_EQ(dev_->tryShmget(plain).errnum(), ENODEV);
        EXPECT_EQ(dev_->tryBlockInfo(plain).errnum(), ENODEV);
        ran = true;
    }
    if (auto heap = pmm::Heap::open(type_.name); heap) {
        pmm::Block own = heap->allocate(2 * kPage);
        pmm::Segment seg = dev_->shmget(own.fd());
        EXPECT_EQ(seg.size(), 2 * kPage);
        pmm::Mapping map = own.map();
        pmm::Attachment att = seg.attach();
        fill(map.data(), 13);
        EXPECT_EQ(firstBad(att.constData(), 13), std::string::npos);
        ran = true;
    }
    if (!ran)
        GTEST_SKIP() << "no dma-heap to allocate from";
}

// What ipcs does, fork() with an attachment, a split attachment: the paths of ipc/shm.c that
// look at a segment's file beyond mmap.
TEST_F(PmmSegment, ToolsForkAndSplit)
{
    const auto before = stats();
    {
        pmm::Block block = allocate(4 * kPage);
        pmm::Segment seg = dev_->shmget(block, IPC_PRIVATE, 0600, pmm::Segment::Removal::OnDestroy);
        checkShmctlCommands(seg);
        checkForkInheritsAttachment(seg);
        checkPartialMunmap(seg);
    }
    EXPECT_EQ(stats().nrBlocks, before.nrBlocks);
    EXPECT_EQ(stats().freeBytes, before.freeBytes);
}

// shmctl on a PMM segment: IPC_SET works; SHM_LOCK and SHM_UNLOCK succeed and change nothing
// (the uapi: the block is reserved memory, never swapped; SHM_LOCKED is not reported).
TEST_F(PmmSegment, ShmctlOnPmmSegment)
{
    pmm::Block block = allocate(kPage);
    pmm::Segment seg = dev_->shmget(block, IPC_PRIVATE, 0600, pmm::Segment::Removal::OnDestroy);
    struct shmid_ds ds = seg.stat();
    ds.shm_perm.mode = 0644;
    ASSERT_EQ(::shmctl(seg.id(), IPC_SET, &ds), 0) << std::strerror(errno);
    EXPECT_EQ(seg.stat().shm_perm.mode & 0777, 0644u);
    pmm::Attachment att = seg.attach();
    fill(att.data(), 17);
    EXPECT_EQ(::shmctl(seg.id(), SHM_LOCK, nullptr), 0) << std::strerror(errno);
    EXPECT_EQ(seg.stat().shm_perm.mode, 0644u);
    EXPECT_EQ(::shmctl(seg.id(), SHM_UNLOCK, nullptr), 0) << std::strerror(errno);
    EXPECT_EQ(seg.stat().shm_perm.mode, 0644u);
    EXPECT_EQ(firstBad(att.constData(), 17), std::string::npos);
}

} // namespace
