// SPDX-License-Identifier: LGPL-2.1-or-later
// pmm::Heap: the dma-heap of one PMM memory type, /dev/dma_heap/pmm-<type>, for allocating
// without /dev/pmm (the interface Android's and libcamera's allocators already speak).
#pragma once

#include <cstdint>
#include <fcntl.h>
#include <pmm/block.h>
#include <pmm/export.h>
#include <pmm/result.h>
#include <pmm/unique_fd.h>
#include <string>
#include <string_view>
#include <vector>

namespace pmm {

class PMM_PUBLIC Heap {
public:
    static constexpr const char *kDirectory = "/dev/dma_heap";
    static constexpr const char *kPrefix = "pmm-";

    // "/dev/dma_heap/pmm-<typeName>".
    static std::string pathOf(std::string_view typeName);
    // The memory types that have a heap in directory, by name, sorted; empty without any.
    static std::vector<std::string> typeNames(const std::string &directory = kDirectory);

    // Opens the heap of the memory type typeName (O_RDONLY | O_CLOEXEC, as Android does:
    // DMA_HEAP_IOCTL_ALLOC needs no write access): open()'s errno, ENOENT if there is no such
    // heap.
    static Result<Heap> open(std::string_view typeName);
    // Opens the heap at path.
    static Result<Heap> openPath(const std::string &path);
    // Heap::open(); throws pmm::Error.
    explicit Heap(std::string_view typeName);

    int fd() const noexcept { return fd_.get(); }

    // DMA_HEAP_IOCTL_ALLOC of size bytes (rounded up to pages by the heap; the block's size()
    // is the dma-buf's), its fd with fdFlags (O_CLOEXEC and an access mode). The ioctl's
    // errno: ENOMEM no room, EINVAL bad flags or a size of 0.
    Result<Block> tryAllocate(std::uint64_t size,
                              std::uint32_t fdFlags = O_RDWR | O_CLOEXEC) const noexcept;
    // The same; throws pmm::Error.
    Block allocate(std::uint64_t size, std::uint32_t fdFlags = O_RDWR | O_CLOEXEC) const;

private:
    explicit Heap(UniqueFD fd) noexcept : fd_(std::move(fd)) {}

    UniqueFD fd_;
};

} // namespace pmm
