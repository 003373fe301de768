// SPDX-License-Identifier: LGPL-2.1-or-later
// The C API of pmm/pmm.h over the non-throwing C++ API.
#include <cerrno>
#include <cstring>
#include <new>
#include <pmm/device.h>
#include <pmm/heap.h>
#include <pmm/pmm.h>

// The handles: allocated here and handed to C, which owns them until pmm_*_close(), _free() or
// _unmap() (the one place libpmm hands out owning raw pointers, as a C API must).
struct pmm_device {
    pmm::Device device;
};

struct pmm_block {
    pmm::Block block;
};

struct pmm_mapping {
    pmm::Mapping mapping;
};

namespace {

int negative(const std::error_code &ec)
{
    return -ec.value();
}

// Runs f() and turns what may still throw (std::bad_alloc from a string or a vector) into
// -ENOMEM: no exception may cross into C.
template <typename F> int guarded(F &&f) noexcept
{
    try {
        return f();
    } catch (const std::bad_alloc &) {
        return -ENOMEM;
    } catch (...) {
        return -EIO;
    }
}

// *out = a new handle holding value; -ENOMEM if it cannot be allocated.
template <typename Handle, typename T> int give(T &&value, Handle **out)
{
    Handle *handle = new (std::nothrow) Handle{std::forward<T>(value)};
    if (!handle)
        return -ENOMEM;
    *out = handle;
    return 0;
}

template <typename Handle, typename T> int giveResult(pmm::Result<T> &&result, Handle **out)
{
    if (!result)
        return negative(result.error());
    return give(std::move(*result), out);
}

void describe(const pmm::TypeInfo &t, struct pmm_type_desc *out)
{
    *out = {};
    out->id = t.id;
    std::strncpy(out->name, t.name.c_str(), sizeof(out->name) - 1);
    out->total_bytes = t.totalBytes;
    out->free_bytes = t.freeBytes;
    out->largest_free_bytes = t.largestFreeBytes;
}

int typeResult(pmm::Result<pmm::TypeInfo> &&t, struct pmm_type_desc *out)
{
    if (!t)
        return negative(t.error());
    describe(*t, out);
    return 0;
}

pmm::Access accessOf(enum pmm_access access)
{
    switch (access) {
    case PMM_ACCESS_READ:
        return pmm::Access::Read;
    case PMM_ACCESS_WRITE:
        return pmm::Access::Write;
    case PMM_ACCESS_READ_WRITE:
        break;
    }
    return pmm::Access::ReadWrite;
}

bool validAccess(enum pmm_access access)
{
    return access == PMM_ACCESS_READ || access == PMM_ACCESS_WRITE ||
           access == PMM_ACCESS_READ_WRITE;
}

} // namespace

extern "C" {

int pmm_device_open(const char *path, unsigned int flags, struct pmm_device **out)
{
    if (!out || (flags & ~PMM_DEVICE_ALLOCATE))
        return -EINVAL;
    return guarded([&] {
        const auto mode =
            (flags & PMM_DEVICE_ALLOCATE) ? pmm::Device::Mode::Allocate : pmm::Device::Mode::Query;
        return giveResult(pmm::Device::open(mode, path ? path : pmm::Device::kPath), out);
    });
}

void pmm_device_close(struct pmm_device *dev)
{
    delete dev;
}

int pmm_device_fd(const struct pmm_device *dev)
{
    return dev ? dev->device.fd() : -EINVAL;
}

int pmm_type_info(const struct pmm_device *dev, uint32_t id, struct pmm_type_desc *out)
{
    if (!dev || !out)
        return -EINVAL;
    return guarded([&] { return typeResult(dev->device.tryTypeInfo(id), out); });
}

int pmm_find_type(const struct pmm_device *dev, const char *name, struct pmm_type_desc *out)
{
    if (!dev || !name || !out)
        return -EINVAL;
    return guarded([&] { return typeResult(dev->device.tryFindType(name), out); });
}

int pmm_block_alloc(const struct pmm_device *dev, uint64_t size, uint32_t type_mask, uint64_t align,
                    struct pmm_block **out)
{
    if (!dev || !out)
        return -EINVAL;
    return guarded(
        [&] { return giveResult(dev->device.tryAllocate(size, type_mask, align), out); });
}

int pmm_block_alloc_by_type(const struct pmm_device *dev, const char *type_name, uint64_t size,
                            uint64_t align, struct pmm_block **out)
{
    if (!dev || !type_name || !out)
        return -EINVAL;
    return guarded(
        [&] { return giveResult(dev->device.tryAllocate(type_name, size, align), out); });
}

int pmm_block_alloc_from_heap(const char *type_name, uint64_t size, struct pmm_block **out)
{
    if (!type_name || !out)
        return -EINVAL;
    return guarded([&] {
        pmm::Result<pmm::Heap> heap = pmm::Heap::open(type_name);
        if (!heap)
            return negative(heap.error());
        return giveResult(heap->tryAllocate(size), out);
    });
}

int pmm_block_import(int fd, struct pmm_block **out)
{
    pmm::UniqueFD owned(fd);
    if (!out || fd < 0)
        return -EINVAL;
    return guarded([&] { return giveResult(pmm::Block::fromFd(std::move(owned)), out); });
}

void pmm_block_free(struct pmm_block *block)
{
    delete block;
}

int pmm_block_fd(const struct pmm_block *block)
{
    return block ? block->block.fd() : -EINVAL;
}

uint64_t pmm_block_size(const struct pmm_block *block)
{
    return block ? block->block.size() : 0;
}

int pmm_block_info(const struct pmm_device *dev, int fd, struct pmm_block_desc *out)
{
    if (!dev || !out)
        return -EINVAL;
    const pmm::Result<pmm::BlockInfo> info = dev->device.tryBlockInfo(fd);
    if (!info)
        return negative(info.error());
    *out = {};
    out->size = info->size;
    out->type_id = info->typeId;
    return 0;
}

int pmm_block_map(const struct pmm_block *block, uint64_t offset, uint64_t length, int prot,
                  struct pmm_mapping **out)
{
    if (!block || !out || offset > block->block.size())
        return -EINVAL;
    if (length == 0)
        length = block->block.size() - offset;
    return guarded([&] { return giveResult(block->block.tryMap(offset, length, prot), out); });
}

void pmm_mapping_unmap(struct pmm_mapping *mapping)
{
    delete mapping;
}

void *pmm_mapping_data(const struct pmm_mapping *mapping)
{
    return mapping ? mapping->mapping.data().data() : nullptr;
}

size_t pmm_mapping_size(const struct pmm_mapping *mapping)
{
    return mapping ? mapping->mapping.size() : 0;
}

int pmm_block_sync_begin(const struct pmm_block *block, enum pmm_access access)
{
    if (!block || !validAccess(access))
        return -EINVAL;
    return negative(pmm::trySyncStart(block->block.fd(), accessOf(access)).error());
}

int pmm_block_sync_end(const struct pmm_block *block, enum pmm_access access)
{
    if (!block || !validAccess(access))
        return -EINVAL;
    return negative(pmm::trySyncEnd(block->block.fd(), accessOf(access)).error());
}

int pmm_block_shmget(const struct pmm_device *dev, const struct pmm_block *block, int key,
                     int shmflg)
{
    if (!dev || !block)
        return -EINVAL;
    pmm::Result<pmm::Segment> segment =
        dev->device.tryShmget(block->block, key, shmflg, pmm::Segment::Removal::Keep);
    if (!segment)
        return negative(segment.error());
    return segment->release();
}

const char *pmm_strerror_name(int err)
{
    if (err < 0)
        err = -err;
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
    if (const char *name = strerrorname_np(err))
        return name;
#endif
    return "unknown";
}

} // extern "C"
