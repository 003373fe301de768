/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libpmm's C API, for C users such as GStreamer elements: opaque handles over the C++ library.
 *
 * Every function that can fail returns 0 (or a non-negative result) on success and a negative
 * errno on failure, as libdrm does: -ENOMEM, -ENOENT, -EACCES, ... (see linux/pmm.h for what
 * each means). Nothing here sets errno for the caller or aborts. Handles are freed with their
 * *_close / *_free / *_unmap function; each accepts NULL.
 */
#ifndef PMM_PMM_H
#define PMM_PMM_H

#include <pmm/export.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An open /dev/pmm. */
struct pmm_device;
/* A block: the owner of a PMM dma-buf fd and its size. */
struct pmm_block;
/* An mmap() of (part of) a block. */
struct pmm_mapping;

/* The longest memory type name with its NUL (PMM_TYPE_NAME_LEN of linux/pmm.h). */
#define PMM_DESC_NAME_LEN 16

/* A memory type, from PMM_IOCTL_TYPE_INFO. */
struct pmm_type_desc {
    uint32_t id;
    char name[PMM_DESC_NAME_LEN];
    uint64_t total_bytes;
    uint64_t free_bytes;
    uint64_t largest_free_bytes;
};

/* A block, from PMM_IOCTL_BLOCK_INFO. */
struct pmm_block_desc {
    uint64_t size;
    uint32_t type_id;
};

/* pmm_device_open() flags: open for allocating (O_RDWR); without it, for queries only. */
#define PMM_DEVICE_ALLOCATE (1u << 0)

/* CPU access directions of pmm_block_sync_begin() and pmm_block_sync_end(). */
enum pmm_access {
    PMM_ACCESS_READ = 1,
    PMM_ACCESS_WRITE = 2,
    PMM_ACCESS_READ_WRITE = 3,
};

/* Opens path (NULL: /dev/pmm); flags: 0 or PMM_DEVICE_ALLOCATE. */
PMM_PUBLIC int pmm_device_open(const char *path, unsigned int flags, struct pmm_device **out);
PMM_PUBLIC void pmm_device_close(struct pmm_device *dev);
PMM_PUBLIC int pmm_device_fd(const struct pmm_device *dev);

/* The type of that id: -ENOENT past the last one (ids run from 0). */
PMM_PUBLIC int pmm_type_info(const struct pmm_device *dev, uint32_t id, struct pmm_type_desc *out);
/* The type of that name: -ENOENT if there is none. */
PMM_PUBLIC int pmm_find_type(const struct pmm_device *dev, const char *name,
                             struct pmm_type_desc *out);

/*
 * Allocates a block of size bytes (rounded up to pages) from /dev/pmm: from the types of
 * type_mask (bit i: type i; 0: any type, in id order), or from the type of that name; align 0
 * for the page size. The device must be opened with PMM_DEVICE_ALLOCATE (else -EACCES).
 */
PMM_PUBLIC int pmm_block_alloc(const struct pmm_device *dev, uint64_t size, uint32_t type_mask,
                               uint64_t align, struct pmm_block **out);
PMM_PUBLIC int pmm_block_alloc_by_type(const struct pmm_device *dev, const char *type_name,
                                       uint64_t size, uint64_t align, struct pmm_block **out);
/* Allocates from the dma-heap of the memory type, /dev/dma_heap/pmm-<type_name>. */
PMM_PUBLIC int pmm_block_alloc_from_heap(const char *type_name, uint64_t size,
                                         struct pmm_block **out);
/* Takes a dma-buf fd received from elsewhere (owned by the block from now on, also on failure). */
PMM_PUBLIC int pmm_block_import(int fd, struct pmm_block **out);
/* Closes the block's fd; the block is freed once no mapping or segment holds it either. */
PMM_PUBLIC void pmm_block_free(struct pmm_block *block);
PMM_PUBLIC int pmm_block_fd(const struct pmm_block *block);
PMM_PUBLIC uint64_t pmm_block_size(const struct pmm_block *block);
/* PMM_IOCTL_BLOCK_INFO of any dma-buf fd: -ENODEV for one that is not PMM's. */
PMM_PUBLIC int pmm_block_info(const struct pmm_device *dev, int fd, struct pmm_block_desc *out);

/*
 * Maps length bytes of the block from offset (length 0: to the end), MAP_SHARED with prot
 * (PROT_READ, PROT_WRITE). The mapping keeps the block alive after pmm_block_free().
 */
PMM_PUBLIC int pmm_block_map(const struct pmm_block *block, uint64_t offset, uint64_t length,
                             int prot, struct pmm_mapping **out);
PMM_PUBLIC void pmm_mapping_unmap(struct pmm_mapping *mapping);
PMM_PUBLIC void *pmm_mapping_data(const struct pmm_mapping *mapping);
PMM_PUBLIC size_t pmm_mapping_size(const struct pmm_mapping *mapping);

/* DMA_BUF_IOCTL_SYNC around CPU access to the block's memory. */
PMM_PUBLIC int pmm_block_sync_begin(const struct pmm_block *block, enum pmm_access access);
PMM_PUBLIC int pmm_block_sync_end(const struct pmm_block *block, enum pmm_access access);

/*
 * PMM_IOCTL_SHMGET: makes the block a System V segment (its own pages) and returns its shmid,
 * or a negative errno. key: IPC_PRIVATE or a key_t (an int on Linux); shmflg as for shmget(). The
 * segment outlives every handle: remove it with shmctl(shmid, IPC_RMID, NULL) (it then goes with
 * its last attachment).
 */
PMM_PUBLIC int pmm_block_shmget(const struct pmm_device *dev, const struct pmm_block *block,
                                int key, int shmflg);

/* "ENOMEM" for -ENOMEM or ENOMEM, "unknown" otherwise: for messages. */
PMM_PUBLIC const char *pmm_strerror_name(int err);

#ifdef __cplusplus
}
#endif

#endif /* PMM_PMM_H */
