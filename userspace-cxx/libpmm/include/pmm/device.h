// SPDX-License-Identifier: GPL-2.0
// pmm::Device: an open /dev/pmm, in the style of libcamera's DmaBufAllocator.
#pragma once

#include <cstdint>
#include <fcntl.h>
#include <optional>
#include <pmm/block.h>
#include <pmm/error.h>
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

private:
    UniqueFD fd_;
};

} // namespace pmm
