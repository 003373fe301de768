// SPDX-License-Identifier: GPL-2.0
#include <cerrno>
#include <pmm/error.h>
#include <pmm/mapping.h>
#include <string>
#include <unistd.h>
#include <utility>

namespace pmm {

Mapping::Mapping(int fd, std::size_t length, int prot, std::uint64_t offset)
{
    if (length == 0)
        throwErrno(EINVAL, "mmap: zero length");
    const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    const std::uint64_t start = offset & ~(page - 1);
    const std::size_t lead = static_cast<std::size_t>(offset - start);
    if (length > SIZE_MAX - lead)
        throwErrno(EOVERFLOW, "mmap: length");
    const std::size_t extentLength = lead + length;
    void *addr = ::mmap(nullptr, extentLength, prot, MAP_SHARED, fd, static_cast<off_t>(start));
    if (addr == MAP_FAILED)
        throwErrno(errno, "mmap of fd " + std::to_string(fd) + ", " + std::to_string(length) +
                              " bytes at offset " + std::to_string(offset));
    extent_ = addr;
    extentLength_ = extentLength;
    view_ = std::span<std::byte>(static_cast<std::byte *>(addr) + lead, length);
    prot_ = prot;
}

Mapping::Mapping(Mapping &&other) noexcept
{
    swap(other);
}

Mapping &Mapping::operator=(Mapping &&other) noexcept
{
    if (this != &other) {
        unmap(); // unlike MappedFrameBuffer: never leak the old extent
        swap(other);
    }
    return *this;
}

void Mapping::unmap() noexcept
{
    if (extent_)
        ::munmap(extent_, extentLength_);
    extent_ = nullptr;
    extentLength_ = 0;
    view_ = {};
    prot_ = 0;
}

void Mapping::swap(Mapping &other) noexcept
{
    std::swap(extent_, other.extent_);
    std::swap(extentLength_, other.extentLength_);
    std::swap(view_, other.view_);
    std::swap(prot_, other.prot_);
}

} // namespace pmm
