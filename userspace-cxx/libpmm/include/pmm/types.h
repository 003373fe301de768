// SPDX-License-Identifier: LGPL-2.1-or-later
// Plain descriptions of memory types and blocks, from the ioctls and from sysfs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <pmm/export.h>
#include <pmm/result.h>
#include <string>
#include <string_view>
#include <vector>

namespace pmm {

// From PMM_IOCTL_TYPE_INFO. Ids are the memory types' declaration order; a type whose regions
// could not be reserved at boot is listed with totalBytes 0.
struct TypeInfo {
    std::uint32_t id = 0;
    std::string name;
    std::uint64_t totalBytes = 0;
    std::uint64_t freeBytes = 0;
    std::uint64_t largestFreeBytes = 0;

    // The type's bit for AllocRequest::typeMask; none for an id of 32 or more, which no mask
    // can name (0 would mean "every type"): allocate such a type from its dma-heap.
    std::optional<std::uint32_t> mask() const noexcept
    {
        if (id >= 32)
            return std::nullopt;
        return 1u << id;
    }
};

// From PMM_IOCTL_BLOCK_INFO.
struct BlockInfo {
    std::uint64_t size = 0;
    std::uint32_t typeId = 0;
};

// From /sys/kernel/mm/pmm/<type>/ (Documentation/ABI/testing/sysfs-kernel-mm-pmm).
struct TypeStats {
    std::string name;
    std::uint32_t id = 0;
    std::uint64_t totalBytes = 0;
    std::uint64_t freeBytes = 0;
    std::uint64_t usedBytes = 0;
    std::uint64_t largestFreeBytes = 0;
    std::uint64_t nrBlocks = 0;
    std::uint64_t nrFreeExtents = 0;
    std::uint64_t allocSuccess = 0;
    std::uint64_t allocFail = 0;
    std::uint64_t freeSuccess = 0;
    std::string policy;
};

inline const std::filesystem::path kSysfsRoot = "/sys/kernel/mm/pmm";

// The statistics of one type: ENOENT if there is no such type, EINVAL for a file that does not
// hold a number, else the errno of reading it.
PMM_PUBLIC Result<TypeStats> tryReadStats(std::string_view name,
                                          const std::filesystem::path &root = kSysfsRoot);
// Every type's statistics, in id order; empty when root does not exist.
PMM_PUBLIC Result<std::vector<TypeStats>>
tryReadAllStats(const std::filesystem::path &root = kSysfsRoot);
// The same; throw pmm::Error.
PMM_PUBLIC TypeStats readStats(std::string_view name,
                               const std::filesystem::path &root = kSysfsRoot);
PMM_PUBLIC std::vector<TypeStats> readAllStats(const std::filesystem::path &root = kSysfsRoot);

} // namespace pmm
