// SPDX-License-Identifier: GPL-2.0
// pmm::Device: an open /dev/pmm, in the style of libcamera's DmaBufAllocator.
#pragma once

#include <cstdint>
#include <fcntl.h>
#include <optional>
#include <pmm/block.h>
#include <pmm/error.h>
#include <pmm/segment.h>
#include <pmm/types.h>
#include <string>
#include <string_view>
#include <vector>

namespace pmm {

struct AllocRequest {
    std::uint64_t size = 0;
    std::uint64_t align = 0;    // 0: the page size
    std::uint32_t typeMask = 0; // 0: every type, in id order
    std::uint32_t fdFlags = O_RDWR | O_CLOEXEC;
    std::uint32_t flags = 0; // none defined: must be 0
};

class Device {
public:
    static constexpr const char *kPath = "/dev/pmm";

    // Opens path O_RDWR | O_CLOEXEC; throws pmm::Error.
    explicit Device(const std::string &path = kPath);

    // Whether path exists (says nothing about permissions).
    static bool present(const std::string &path = kPath);

    int fd() const noexcept { return fd_.get(); }

    // PMM_IOCTL_TYPE_INFO: nullopt for ENOENT (no such id), other errors throw.
    std::optional<TypeInfo> typeInfo(std::uint32_t id) const;
    // Every type, ids 0, 1, ... until ENOENT.
    std::vector<TypeInfo> types() const;
    std::optional<TypeInfo> findType(std::string_view name) const;

    // PMM_IOCTL_ALLOC; throws pmm::Error with the ioctl's errno.
    Block allocate(const AllocRequest &request) const;
    Block allocate(std::uint64_t size, std::uint32_t typeMask = 0, std::uint64_t align = 0) const
    {
        return allocate(AllocRequest{.size = size, .align = align, .typeMask = typeMask});
    }

    // PMM_IOCTL_BLOCK_INFO about any dma-buf fd.
    BlockInfo blockInfo(int blockFd) const;
    BlockInfo blockInfo(const Block &block) const { return blockInfo(block.fd()); }

    // PMM_IOCTL_SHMGET: makes the block a System V shared memory segment of the block's size
    // whose pages are the block's own (no copy), for SysV-only programs such as an X server's
    // MIT-SHM. The segment holds its own reference to the block: the fd may be closed after.
    // key and shmflg as for shmget(), IPC_CREAT, IPC_EXCL and the nine permission bits only;
    // a key that exists fails with EEXIST (a block cannot join a segment). The block's fd must
    // be open O_RDWR. removal: see pmm::Segment (by default the segment outlives the handle).
    // Throws pmm::Error with the ioctl's errno (ENOTTY: the kernel has no such ioctl).
    Segment shmget(const Block &block, key_t key = IPC_PRIVATE, int shmflg = 0600,
                   Segment::Removal removal = Segment::Removal::Keep) const;
    // The same for any fd, e.g. one received from another process.
    Segment shmget(int blockFd, key_t key = IPC_PRIVATE, int shmflg = 0600,
                   Segment::Removal removal = Segment::Removal::Keep) const;

private:
    UniqueFD fd_;
};

} // namespace pmm
