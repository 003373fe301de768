// SPDX-License-Identifier: LGPL-2.1-or-later
#include "internal.h"
#include <cerrno>
#include <cstring>
#include <linux/pmm.h>
#include <pmm/device.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

// The v2 uapi: PMM_IOCTL_SHMGET returns the shmid (CMakeLists.txt checks this too).
static_assert(_IOC_DIR(PMM_IOCTL_SHMGET) == _IOC_WRITE && sizeof(struct pmm_shmget_data) == 16,
              "libpmm needs the v2 linux/pmm.h");

namespace pmm {

Result<Device> Device::open(Mode mode, const std::string &path)
{
    const int flags = (mode == Mode::Query ? O_RDONLY : O_RDWR) | O_CLOEXEC;
    UniqueFD fd(::open(path.c_str(), flags));
    if (!fd)
        return detail::lastError();
    return Device(std::move(fd), mode);
}

Device::Device(Mode mode, const std::string &path)
    : Device(detail::valueOrThrow(open(mode, path), [&] { return "cannot open " + path; }))
{
}

bool Device::present(const std::string &path)
{
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

Result<TypeInfo> Device::tryTypeInfo(std::uint32_t id) const
{
    struct pmm_type_info info {};
    info.id = id;
    if (ioctlRetry(fd_.get(), PMM_IOCTL_TYPE_INFO, &info) < 0)
        return detail::lastError();
    TypeInfo t;
    t.id = info.id;
    t.name.assign(info.name, strnlen(info.name, sizeof(info.name)));
    t.totalBytes = info.total_bytes;
    t.freeBytes = info.free_bytes;
    t.largestFreeBytes = info.largest_free_bytes;
    return t;
}

Result<std::vector<TypeInfo>> Device::tryTypes() const
{
    std::vector<TypeInfo> all;
    for (std::uint32_t id = 0;; ++id) {
        Result<TypeInfo> t = tryTypeInfo(id);
        if (!t) {
            if (t.errnum() == ENOENT) // the end of the list
                break;
            return t.error();
        }
        all.push_back(std::move(*t));
    }
    return all;
}

Result<TypeInfo> Device::tryFindType(std::string_view name) const
{
    Result<std::vector<TypeInfo>> all = tryTypes();
    if (!all)
        return all.error();
    for (auto &t : *all)
        if (t.name == name)
            return std::move(t);
    return errnoCode(ENOENT);
}

std::optional<TypeInfo> Device::typeInfo(std::uint32_t id) const
{
    Result<TypeInfo> t = tryTypeInfo(id);
    if (!t && t.errnum() == ENOENT)
        return std::nullopt;
    return detail::valueOrThrow(std::move(t),
                                [&] { return "PMM_IOCTL_TYPE_INFO id " + std::to_string(id); });
}

std::vector<TypeInfo> Device::types() const
{
    return detail::valueOrThrow(tryTypes(), [] { return std::string("PMM_IOCTL_TYPE_INFO"); });
}

std::optional<TypeInfo> Device::findType(std::string_view name) const
{
    Result<TypeInfo> t = tryFindType(name);
    if (!t && t.errnum() == ENOENT)
        return std::nullopt;
    return detail::valueOrThrow(std::move(t), [] { return std::string("PMM_IOCTL_TYPE_INFO"); });
}

Result<Block> Device::tryAllocate(const AllocRequest &request) const noexcept
{
    struct pmm_alloc_data data {};
    data.size = request.size;
    data.fd_flags = request.fdFlags;
    data.align = request.align;
    data.type_mask = request.typeMask;
    data.flags = request.flags;
    if (ioctlRetry(fd_.get(), PMM_IOCTL_ALLOC, &data) < 0)
        return detail::lastError();
    // The kernel wrote back the size it allocated: no BLOCK_INFO needed.
    return Block(UniqueFD(static_cast<int>(data.fd)), data.size);
}

Result<Block> Device::tryAllocate(std::string_view typeName, std::uint64_t size,
                                  std::uint64_t align) const
{
    const Result<TypeInfo> type = tryFindType(typeName);
    if (!type)
        return type.error();
    const std::optional<std::uint32_t> mask = type->mask();
    if (!mask)
        return errnoCode(EINVAL);
    return tryAllocate(size, *mask, align);
}

Block Device::allocate(const AllocRequest &request) const
{
    return detail::valueOrThrow(tryAllocate(request), [&] {
        return "PMM_IOCTL_ALLOC of " + std::to_string(request.size) + " bytes";
    });
}

Block Device::allocate(std::string_view typeName, std::uint64_t size, std::uint64_t align) const
{
    return detail::valueOrThrow(tryAllocate(typeName, size, align), [&] {
        return "PMM_IOCTL_ALLOC of " + std::to_string(size) + " bytes from memory type '" +
               std::string(typeName) + "'";
    });
}

Result<BlockInfo> Device::tryBlockInfo(int blockFd) const noexcept
{
    struct pmm_block_info info {};
    info.fd = static_cast<__u32>(blockFd);
    if (ioctlRetry(fd_.get(), PMM_IOCTL_BLOCK_INFO, &info) < 0)
        return detail::lastError();
    return BlockInfo{.size = info.size, .typeId = info.type_id};
}

BlockInfo Device::blockInfo(int blockFd) const
{
    return detail::valueOrThrow(tryBlockInfo(blockFd), [&] {
        return "PMM_IOCTL_BLOCK_INFO of fd " + std::to_string(blockFd);
    });
}

namespace {

// The new segment's id: PMM_IOCTL_SHMGET returns it.
Result<int> shmgetIoctl(int devFd, int blockFd, key_t key, int shmflg) noexcept
{
    struct pmm_shmget_data data {};
    data.fd = static_cast<__u32>(blockFd);
    data.key = static_cast<__s32>(key);
    data.shmflg = static_cast<__u32>(shmflg);
    const int shmid = ioctlRetry(devFd, PMM_IOCTL_SHMGET, &data);
    if (shmid < 0)
        return detail::lastError();
    return shmid;
}

} // namespace

Result<Segment> Device::tryShmget(const Block &block, key_t key, int shmflg,
                                  Segment::Removal removal) const noexcept
{
    const Result<int> id = shmgetIoctl(fd_.get(), block.fd(), key, shmflg);
    if (!id)
        return id.error();
    return Segment(*id, block.size(), removal);
}

Result<Segment> Device::tryShmget(int blockFd, key_t key, int shmflg,
                                  Segment::Removal removal) const noexcept
{
    const Result<int> id = shmgetIoctl(fd_.get(), blockFd, key, shmflg);
    if (!id)
        return id.error();
    // Removed again if the size cannot be found (IPC_STAT might need a permission shmflg did
    // not give: ask the block).
    Segment segment(*id, 0, Segment::Removal::OnDestroy);
    const Result<BlockInfo> info = tryBlockInfo(blockFd);
    if (!info)
        return info.error();
    return Segment(segment.release(), info->size, removal);
}

Segment Device::shmget(const Block &block, key_t key, int shmflg, Segment::Removal removal) const
{
    return detail::valueOrThrow(tryShmget(block, key, shmflg, removal), [&] {
        return "PMM_IOCTL_SHMGET of fd " + std::to_string(block.fd());
    });
}

Segment Device::shmget(int blockFd, key_t key, int shmflg, Segment::Removal removal) const
{
    return detail::valueOrThrow(tryShmget(blockFd, key, shmflg, removal), [&] {
        return "PMM_IOCTL_SHMGET of fd " + std::to_string(blockFd);
    });
}

} // namespace pmm
