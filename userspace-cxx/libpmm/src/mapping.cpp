// SPDX-License-Identifier: LGPL-2.1-or-later
#include "internal.h"
#include <cerrno>
#include <limits>
#include <pmm/mapping.h>
#include <string>
#include <sys/types.h>
#include <unistd.h>
#include <utility>

static_assert(sizeof(off_t) == 8, "libpmm builds with _FILE_OFFSET_BITS=64: offsets are 64-bit");

namespace pmm {

Result<Mapping> Mapping::create(int fd, std::uint64_t length, int prot,
                                std::uint64_t offset) noexcept
{
    if (length == 0)
        return errnoCode(EINVAL);
    const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    const std::uint64_t start = offset & ~(page - 1);
    const std::uint64_t lead = offset - start;
    if (start > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max()) ||
        length > std::numeric_limits<std::uint64_t>::max() - lead)
        return errnoCode(EOVERFLOW);
    const Result<std::size_t> extentLength = detail::toSize(lead + length);
    if (!extentLength)
        return extentLength.error();
    void *addr = ::mmap(nullptr, *extentLength, prot, MAP_SHARED, fd, static_cast<off_t>(start));
    if (addr == MAP_FAILED)
        return detail::lastError();
    Mapping m;
    m.extent_ = addr;
    m.extentLength_ = *extentLength;
    m.view_ = std::span<std::byte>(static_cast<std::byte *>(addr) + lead,
                                   static_cast<std::size_t>(length));
    m.prot_ = prot;
    return m;
}

Mapping::Mapping(int fd, std::uint64_t length, int prot, std::uint64_t offset)
    : Mapping(detail::valueOrThrow(create(fd, length, prot, offset), [&] {
          return "mmap of fd " + std::to_string(fd) + ", " + std::to_string(length) +
                 " bytes at offset " + std::to_string(offset);
      }))
{
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
