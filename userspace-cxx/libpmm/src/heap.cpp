// SPDX-License-Identifier: LGPL-2.1-or-later
#include "internal.h"
#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <linux/dma-heap.h>
#include <pmm/heap.h>
#include <sys/ioctl.h>

namespace pmm {

std::string Heap::pathOf(std::string_view typeName)
{
    return std::string(kDirectory) + "/" + kPrefix + std::string(typeName);
}

std::vector<std::string> Heap::typeNames(const std::string &directory)
{
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto &entry : std::filesystem::directory_iterator(directory, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.starts_with(kPrefix) && name.size() > std::string_view(kPrefix).size())
            names.push_back(name.substr(std::string_view(kPrefix).size()));
    }
    std::sort(names.begin(), names.end());
    return names;
}

Result<Heap> Heap::openPath(const std::string &path)
{
    UniqueFD fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        return detail::lastError();
    return Heap(std::move(fd));
}

Result<Heap> Heap::open(std::string_view typeName)
{
    return openPath(pathOf(typeName));
}

Heap::Heap(std::string_view typeName)
    : Heap(detail::valueOrThrow(open(typeName), [&] { return "cannot open " + pathOf(typeName); }))
{
}

Result<Block> Heap::tryAllocate(std::uint64_t size, std::uint32_t fdFlags) const noexcept
{
    struct dma_heap_allocation_data data {};
    data.len = size;
    data.fd_flags = fdFlags;
    if (ioctlRetry(fd_.get(), DMA_HEAP_IOCTL_ALLOC, &data) < 0)
        return detail::lastError();
    // The heap does not say what it rounded the size to: the dma-buf does.
    return Block::fromFd(UniqueFD(static_cast<int>(data.fd)));
}

Block Heap::allocate(std::uint64_t size, std::uint32_t fdFlags) const
{
    return detail::valueOrThrow(tryAllocate(size, fdFlags), [&] {
        return "DMA_HEAP_IOCTL_ALLOC of " + std::to_string(size) + " bytes";
    });
}

} // namespace pmm
