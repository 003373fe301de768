// SPDX-License-Identifier: LGPL-2.1-or-later
// pmm::Mapping: an mmap() of a dma-buf, owned, with the mapped extent kept apart from the
// view handed out (as libcamera's MappedFrameBuffer and folly's MemoryMapping).
#pragma once

#include <cstddef>
#include <cstdint>
#include <pmm/export.h>
#include <pmm/result.h>
#include <span>
#include <sys/mman.h>

namespace pmm {

class PMM_PUBLIC Mapping {
public:
    Mapping() noexcept = default;

    // Maps length bytes of fd from offset (any offset: the extent starts at the page below),
    // MAP_SHARED, with the protections prot. The mapping does not own fd and stays valid after
    // fd is closed. EINVAL for a length of 0; EOVERFLOW when the extent does not fit this
    // process's address space (a 32-bit process and a block of 4 GiB or more); else mmap()'s
    // errno.
    static Result<Mapping> create(int fd, std::uint64_t length, int prot = PROT_READ | PROT_WRITE,
                                  std::uint64_t offset = 0) noexcept;
    // The same; throws pmm::Error.
    Mapping(int fd, std::uint64_t length, int prot = PROT_READ | PROT_WRITE,
            std::uint64_t offset = 0);

    Mapping(Mapping &&other) noexcept;
    // Unmaps this mapping's own extent before taking over other's.
    Mapping &operator=(Mapping &&other) noexcept;
    Mapping(const Mapping &) = delete;
    Mapping &operator=(const Mapping &) = delete;
    ~Mapping() { unmap(); }

    void unmap() noexcept;
    void swap(Mapping &other) noexcept;

    bool isValid() const noexcept { return extent_ != nullptr; }
    explicit operator bool() const noexcept { return isValid(); }

    // The bytes asked for (empty when not mapped).
    std::span<std::byte> data() const noexcept { return view_; }
    std::span<const std::byte> constData() const noexcept { return view_; }
    std::size_t size() const noexcept { return view_.size(); }
    int prot() const noexcept { return prot_; }

    // The extent really mapped: page-aligned, holding data().
    void *extentAddress() const noexcept { return extent_; }
    std::size_t extentLength() const noexcept { return extentLength_; }

private:
    void *extent_ = nullptr;
    std::size_t extentLength_ = 0;
    std::span<std::byte> view_;
    int prot_ = 0;
};

} // namespace pmm
