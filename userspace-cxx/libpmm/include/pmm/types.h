// SPDX-License-Identifier: GPL-2.0
// Plain descriptions of memory types and blocks, from the ioctls and from sysfs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pmm {

// From PMM_IOCTL_TYPE_INFO.
struct TypeInfo {
    std::uint32_t id = 0;
    std::string name;
    std::uint64_t totalBytes = 0;
    std::uint64_t freeBytes = 0;
    std::uint64_t largestFreeBytes = 0;

    std::uint32_t mask() const noexcept { return id < 32 ? 1u << id : 0; }
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

// The statistics of one type; throws pmm::Error (ENOENT if there is no such type).
TypeStats readStats(std::string_view name, const std::filesystem::path &root = kSysfsRoot);
// Every type's statistics, in id order; empty when root does not exist.
std::vector<TypeStats> readAllStats(const std::filesystem::path &root = kSysfsRoot);

} // namespace pmm
