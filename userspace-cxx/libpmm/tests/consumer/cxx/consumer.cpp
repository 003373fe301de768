// SPDX-License-Identifier: LGPL-2.1-or-later
// A program outside the tree using an installed libpmm's C++ API. Exit status 0: it ran
// against /dev/pmm; 77: no /dev/pmm here (what it could check without one passed); 1: failure.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <pmm/device.h>
#include <pmm/heap.h>
#include <pmm/uapi/linux/pmm.h> // the uapi header the library was built with

static_assert(PMM_TYPE_NAME_LEN == 16);

int main()
{
    // The throwing API across the shared library's boundary: pmm::Error's type is exported.
    try {
        pmm::Device dev(pmm::Device::Mode::Query, "/nonexistent/pmm");
        std::puts("opened a device that does not exist");
        return 1;
    } catch (const pmm::Error &e) {
        if (e.errnum() != ENOENT)
            return 1;
    }
    pmm::Result<pmm::Device> dev = pmm::Device::open(pmm::Device::Mode::Allocate);
    if (!dev) {
        std::printf("no device: %s %s\n", pmm::Device::kPath, dev.error().message().c_str());
        return 77;
    }
    pmm::Result<std::vector<pmm::TypeInfo>> types = dev->tryTypes();
    if (!types)
        return 1;
    const auto type = std::find_if(types->begin(), types->end(), [](const pmm::TypeInfo &t) {
        return t.largestFreeBytes >= 4096;
    });
    if (type == types->end()) {
        std::printf("no memory type with room\n");
        return 77;
    }
    pmm::Result<pmm::Block> block = dev->tryAllocate(type->name, 4096);
    if (!block) {
        std::printf("allocate: %s\n", block.error().message().c_str());
        return 1;
    }
    pmm::Result<pmm::Mapping> map = block->tryMap();
    std::printf("allocated and mapped %llu bytes from %s\n",
                static_cast<unsigned long long>(block->size()), type->name.c_str());
    return map ? 0 : 1;
}
