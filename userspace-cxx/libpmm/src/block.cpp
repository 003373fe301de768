// SPDX-License-Identifier: GPL-2.0
#include <cerrno>
#include <pmm/block.h>
#include <pmm/error.h>

namespace pmm {

Mapping Block::map(int prot) const
{
    return map(0, static_cast<std::size_t>(size_), prot);
}

Mapping Block::map(std::uint64_t offset, std::size_t length, int prot) const
{
    if (!isValid())
        throwErrno(EBADF, "map of an empty block");
    if (offset > size_ || length > size_ - offset)
        throwErrno(EINVAL, "map outside the block");
    return Mapping(fd(), length, prot, offset);
}

} // namespace pmm
