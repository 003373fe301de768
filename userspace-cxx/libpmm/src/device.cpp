// SPDX-License-Identifier: GPL-2.0
#include <cerrno>
#include <cstring>
#include <linux/pmm.h>
#include <pmm/device.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

namespace pmm {

Device::Device(const std::string &path)
{
    fd_.reset(::open(path.c_str(), O_RDWR | O_CLOEXEC));
    if (!fd_)
        throwErrno(errno, "cannot open " + path);
}

bool Device::present(const std::string &path)
{
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

std::optional<TypeInfo> Device::typeInfo(std::uint32_t id) const
{
    struct pmm_type_info info {};
    info.id = id;
    if (ioctlRetry(fd_.get(), PMM_IOCTL_TYPE_INFO, &info) < 0) {
        if (errno == ENOENT)
            return std::nullopt;
        throwErrno(errno, "PMM_IOCTL_TYPE_INFO id " + std::to_string(id));
    }
    TypeInfo t;
    t.id = info.id;
    t.name.assign(info.name, strnlen(info.name, sizeof(info.name)));
    t.totalBytes = info.total_bytes;
    t.freeBytes = info.free_bytes;
    t.largestFreeBytes = info.largest_free_bytes;
    return t;
}

std::vector<TypeInfo> Device::types() const
{
    std::vector<TypeInfo> all;
    for (std::uint32_t id = 0;; ++id) {
        auto t = typeInfo(id);
        if (!t)
            break;
        all.push_back(std::move(*t));
    }
    return all;
}

std::optional<TypeInfo> Device::findType(std::string_view name) const
{
    for (auto &t : types())
        if (t.name == name)
            return t;
    return std::nullopt;
}

Block Device::allocate(const AllocRequest &request) const
{
    struct pmm_alloc_data data {};
    data.size = request.size;
    data.fd_flags = request.fdFlags;
    data.align = request.align;
    data.type_mask = request.typeMask;
    data.flags = request.flags;
    if (ioctlRetry(fd_.get(), PMM_IOCTL_ALLOC, &data) < 0)
        throwErrno(errno, "PMM_IOCTL_ALLOC of " + std::to_string(request.size) + " bytes");
    UniqueFD fd(static_cast<int>(data.fd)); // wrapped at once: closed if anything below throws
    const BlockInfo info = blockInfo(fd.get());
    return Block(std::move(fd), info.size);
}

BlockInfo Device::blockInfo(int blockFd) const
{
    struct pmm_block_info info {};
    info.fd = static_cast<__u32>(blockFd);
    if (ioctlRetry(fd_.get(), PMM_IOCTL_BLOCK_INFO, &info) < 0)
        throwErrno(errno, "PMM_IOCTL_BLOCK_INFO of fd " + std::to_string(blockFd));
    return BlockInfo{.size = info.size, .typeId = info.type_id};
}

namespace {

int shmgetIoctl(int devFd, int blockFd, key_t key, int shmflg)
{
    struct pmm_shmget_data data {};
    data.fd = static_cast<__u32>(blockFd);
    data.key = static_cast<__s32>(key);
    data.shmflg = static_cast<__u32>(shmflg);
    if (ioctlRetry(devFd, PMM_IOCTL_SHMGET, &data) < 0)
        throwErrno(errno, "PMM_IOCTL_SHMGET of fd " + std::to_string(blockFd));
    return data.shmid;
}

} // namespace

Segment Device::shmget(const Block &block, key_t key, int shmflg, Segment::Removal removal) const
{
    return Segment(shmgetIoctl(fd_.get(), block.fd(), key, shmflg), block.size(), removal);
}

Segment Device::shmget(int blockFd, key_t key, int shmflg, Segment::Removal removal) const
{
    // Removed again if the size cannot be found (IPC_STAT might need a permission shmflg did
    // not give: ask the block).
    Segment segment(shmgetIoctl(fd_.get(), blockFd, key, shmflg), 0, Segment::Removal::OnDestroy);
    const std::uint64_t size = blockInfo(blockFd).size;
    return Segment(segment.release(), size, removal);
}

} // namespace pmm
