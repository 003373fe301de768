// SPDX-License-Identifier: LGPL-2.1-or-later
// pmm::Device: an open /dev/pmm, in the style of libcamera's DmaBufAllocator.
#pragma once

#include <cstdint>
#include <fcntl.h>
#include <optional>
#include <pmm/block.h>
#include <pmm/error.h>
#include <pmm/export.h>
#include <pmm/result.h>
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

class PMM_PUBLIC Device {
public:
    static constexpr const char *kPath = "/dev/pmm";

    // What the device is opened for: queries need only read access (O_RDONLY: types,
    // typeInfo, findType, blockInfo); allocating and making segments take reserve from every
    // other user and need write access (O_RDWR), which the node's mode may grant to fewer users.
    enum class Mode { Query, Allocate };

    // Opens path (O_CLOEXEC, and O_RDONLY or O_RDWR as mode says): open()'s errno.
    static Result<Device> open(Mode mode = Mode::Allocate, const std::string &path = kPath);
    // The same; throws pmm::Error.
    explicit Device(Mode mode = Mode::Allocate, const std::string &path = kPath);

    // Whether path exists (says nothing about permissions).
    static bool present(const std::string &path = kPath);

    int fd() const noexcept { return fd_.get(); }
    Mode mode() const noexcept { return mode_; }

    // PMM_IOCTL_TYPE_INFO: ENOENT for no such id (the end of the list).
    Result<TypeInfo> tryTypeInfo(std::uint32_t id) const;
    // Every type, ids 0, 1, ... until ENOENT.
    Result<std::vector<TypeInfo>> tryTypes() const;
    // The type of that name: ENOENT if there is none.
    Result<TypeInfo> tryFindType(std::string_view name) const;
    // The same, throwing pmm::Error for anything but "no such type" (nullopt, or empty).
    std::optional<TypeInfo> typeInfo(std::uint32_t id) const;
    std::vector<TypeInfo> types() const;
    std::optional<TypeInfo> findType(std::string_view name) const;

    // PMM_IOCTL_ALLOC: the block's size() is the size the kernel allocated (request.size
    // rounded up to pages). EACCES on a Mode::Query device; see linux/pmm.h for the rest
    // (EINVAL a malformed request, ENOENT no such type, ENOMEM no room, EMFILE no fd).
    Result<Block> tryAllocate(const AllocRequest &request) const noexcept;
    Result<Block> tryAllocate(std::uint64_t size, std::uint32_t typeMask = 0,
                              std::uint64_t align = 0) const noexcept
    {
        return tryAllocate(AllocRequest{.size = size, .align = align, .typeMask = typeMask});
    }
    // From the type of that name: ENOENT if there is none, EINVAL if no mask can name it (an
    // id of 32 or more: use pmm::Heap).
    Result<Block> tryAllocate(std::string_view typeName, std::uint64_t size,
                              std::uint64_t align = 0) const;
    // The same; throw pmm::Error with the ioctl's errno.
    Block allocate(const AllocRequest &request) const;
    Block allocate(std::uint64_t size, std::uint32_t typeMask = 0, std::uint64_t align = 0) const
    {
        return allocate(AllocRequest{.size = size, .align = align, .typeMask = typeMask});
    }
    Block allocate(std::string_view typeName, std::uint64_t size, std::uint64_t align = 0) const;

    // PMM_IOCTL_BLOCK_INFO about any dma-buf fd: EBADF not open, ENODEV not a PMM dma-buf.
    Result<BlockInfo> tryBlockInfo(int blockFd) const noexcept;
    Result<BlockInfo> tryBlockInfo(const Block &block) const noexcept
    {
        return tryBlockInfo(block.fd());
    }
    // The same; throw pmm::Error.
    BlockInfo blockInfo(int blockFd) const;
    BlockInfo blockInfo(const Block &block) const { return blockInfo(block.fd()); }

    // PMM_IOCTL_SHMGET: makes the block a System V shared memory segment of the block's size
    // whose pages are the block's own (no copy), for SysV-only programs such as an X server's
    // MIT-SHM. The segment holds its own reference to the block: the fd may be closed after.
    // key and shmflg as for shmget(), IPC_CREAT, IPC_EXCL and the nine permission bits only;
    // a key that exists fails with EEXIST (a block cannot join a segment). The block's fd must
    // be open O_RDWR, the device Mode::Allocate (else EACCES). removal: see pmm::Segment (by
    // default the handle removes the segment; an X server's segment needs Removal::Keep).
    // ENOTTY: the kernel has no SysV IPC.
    Result<Segment>
    tryShmget(const Block &block, key_t key = IPC_PRIVATE, int shmflg = 0600,
              Segment::Removal removal = Segment::Removal::OnDestroy) const noexcept;
    // The same for any fd, e.g. one received from another process (its size from BLOCK_INFO).
    Result<Segment>
    tryShmget(int blockFd, key_t key = IPC_PRIVATE, int shmflg = 0600,
              Segment::Removal removal = Segment::Removal::OnDestroy) const noexcept;
    // The same; throw pmm::Error with the ioctl's errno.
    Segment shmget(const Block &block, key_t key = IPC_PRIVATE, int shmflg = 0600,
                   Segment::Removal removal = Segment::Removal::OnDestroy) const;
    Segment shmget(int blockFd, key_t key = IPC_PRIVATE, int shmflg = 0600,
                   Segment::Removal removal = Segment::Removal::OnDestroy) const;

private:
    Device(UniqueFD fd, Mode mode) noexcept : fd_(std::move(fd)), mode_(mode) {}

    UniqueFD fd_;
    Mode mode_ = Mode::Allocate;
};

} // namespace pmm
