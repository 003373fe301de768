// SPDX-License-Identifier: GPL-2.0
// pmm::Mapping: an mmap() of a dma-buf, owned, with the mapped extent kept apart from the
// view handed out (as libcamera's MappedFrameBuffer and folly's MemoryMapping).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <sys/mman.h>

namespace pmm {

class Mapping {
public:
    Mapping() noexcept = default;

    // Maps length bytes of fd from offset (any offset: the extent starts at the page below),
    // MAP_SHARED, with the protections prot. Throws pmm::Error. The mapping does not own fd
    // and stays valid after fd is closed.
    Mapping(int fd, std::size_t length, int prot = PROT_READ | PROT_WRITE,
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
