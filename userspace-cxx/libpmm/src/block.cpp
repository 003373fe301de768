// SPDX-License-Identifier: LGPL-2.1-or-later
#include "internal.h"
#include <cerrno>
#include <pmm/block.h>
#include <string>
#include <unistd.h>

namespace pmm {

Result<Block> Block::fromFd(UniqueFD fd) noexcept
{
    // The size of a dma-buf is what lseek(SEEK_END) returns (dma_buf_llseek()).
    const off_t end = ::lseek(fd.get(), 0, SEEK_END);
    if (end < 0)
        return detail::lastError();
    if (::lseek(fd.get(), 0, SEEK_SET) < 0)
        return detail::lastError();
    return Block(std::move(fd), static_cast<std::uint64_t>(end));
}

Result<Mapping> Block::tryMap(int prot) const noexcept
{
    return tryMap(0, size_, prot);
}

Result<Mapping> Block::tryMap(std::uint64_t offset, std::uint64_t length, int prot) const noexcept
{
    if (!isValid())
        return errnoCode(EBADF);
    if (offset > size_ || length > size_ - offset)
        return errnoCode(EINVAL);
    return Mapping::create(fd(), length, prot, offset);
}

Mapping Block::map(int prot) const
{
    return map(0, size_, prot);
}

Mapping Block::map(std::uint64_t offset, std::uint64_t length, int prot) const
{
    return detail::valueOrThrow(tryMap(offset, length, prot), [&] {
        return "map of " + std::to_string(length) + " bytes at offset " + std::to_string(offset) +
               " of a block of " + std::to_string(size_);
    });
}

} // namespace pmm
