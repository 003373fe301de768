/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The C API of pmm/pmm.h, from C. Prints TAP; the host checks run anywhere, the device checks
 * need /dev/pmm with a memory type (else they are reported "# SKIP"). Exit status 1 if any
 * check failed, else 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pmm/pmm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

static int tests, failures;

static void check(int ok, const char *name)
{
    ++tests;
    if (!ok)
        ++failures;
    printf("%sok %d %s\n", ok ? "" : "not ", tests, name);
}

static void skip(const char *name, const char *why)
{
    printf("ok %d %s # SKIP %s\n", ++tests, name, why);
}

static void host_checks(void)
{
    struct pmm_device *dev = NULL;
    struct pmm_block *block = NULL;
    struct pmm_mapping *map = NULL;
    struct pmm_type_desc type;
    int fd;

    check(pmm_device_open("/nonexistent/pmm", 0, &dev) == -ENOENT && !dev,
          "open of a missing device is -ENOENT");
    check(pmm_device_open(NULL, 1u << 7, &dev) == -EINVAL, "unknown open flags are -EINVAL");
    check(pmm_device_open("/dev/null", 0, &dev) == 0 && dev, "open /dev/null for queries");
    check(pmm_type_info(dev, 0, &type) == -ENOTTY, "type info on a non-PMM device is -ENOTTY");
    check(pmm_type_info(NULL, 0, &type) == -EINVAL, "a NULL device is -EINVAL");
    pmm_device_close(dev);
    pmm_device_close(NULL);

    fd = memfd_create("libpmm-c-test", MFD_CLOEXEC);
    check(fd >= 0 && ftruncate(fd, 8192) == 0, "memfd of 8192 bytes");
    check(pmm_block_import(fd, &block) == 0 && pmm_block_size(block) == 8192,
          "import takes the fd's size");
    check(pmm_block_fd(block) == fd, "the block owns the fd");
    check(pmm_block_map(block, 0, 0, PROT_READ | PROT_WRITE, &map) == 0 &&
              pmm_mapping_size(map) == 8192,
          "map the whole block");
    if (map)
        memset(pmm_mapping_data(map), 0x3c, pmm_mapping_size(map));
    check(pmm_block_map(block, 4096, 8192, PROT_READ, &map) == -EINVAL,
          "a mapping outside the block is -EINVAL");
    check(pmm_block_sync_begin(block, PMM_ACCESS_READ) == -ENOTTY, "sync on a memfd is -ENOTTY");
    check(pmm_block_sync_begin(block, (enum pmm_access)0) == -EINVAL,
          "an unknown access is -EINVAL");
    pmm_block_free(block);
    check(map && ((unsigned char *)pmm_mapping_data(map))[8191] == 0x3c,
          "the mapping outlives the block");
    pmm_mapping_unmap(map);
    check(pmm_block_import(-1, &block) == -EINVAL, "import of fd -1 is -EINVAL");
    check(pmm_block_alloc_from_heap("no-such-type-here", 4096, &block) == -ENOENT,
          "a missing heap is -ENOENT");
    check(strcmp(pmm_strerror_name(-ENOMEM), "ENOMEM") == 0, "pmm_strerror_name");
}

static void device_checks(void)
{
    static const char *const names[] = {
        "allocate by type name",
        "block info",
        "map and write under sync",
        "shmget",
        "the segment is the block's pages",
        "allocate by mask",
        "queries only: -EACCES",
        "allocate from the type's dma-heap",
    };
    const unsigned count = sizeof(names) / sizeof(names[0]);
    struct pmm_device *dev = NULL, *query = NULL;
    struct pmm_block *block = NULL, *other = NULL, *heap_block = NULL;
    struct pmm_mapping *map = NULL;
    struct pmm_type_desc type;
    struct pmm_block_desc desc;
    char path[64];
    unsigned char *seg;
    int ret, shmid;

    ret = pmm_device_open(NULL, PMM_DEVICE_ALLOCATE, &dev);
    /* The first type with room (one whose regions could not be reserved has none). */
    for (uint32_t id = 0; ret == 0; ++id) {
        ret = pmm_type_info(dev, id, &type);
        if (ret == 0 && type.largest_free_bytes >= (1u << 20))
            break;
    }
    if (ret < 0) {
        for (unsigned i = 0; i < count; ++i)
            skip(names[i], ret == -ENOENT ? "no /dev/pmm or no memory type with room"
                                          : pmm_strerror_name(ret));
        pmm_device_close(dev);
        return;
    }
    check(pmm_block_alloc_by_type(dev, type.name, 3 * 4096 + 1, 0, &block) == 0 &&
              pmm_block_size(block) == 4 * 4096,
          names[0]);
    check(block && pmm_block_info(dev, pmm_block_fd(block), &desc) == 0 && desc.size == 4 * 4096 &&
              desc.type_id == type.id,
          names[1]);
    ret = block ? pmm_block_map(block, 0, 0, PROT_READ | PROT_WRITE, &map) : -EINVAL;
    if (ret == 0 && pmm_block_sync_begin(block, PMM_ACCESS_WRITE) == 0) {
        memset(pmm_mapping_data(map), 0x81, pmm_mapping_size(map));
        ret = pmm_block_sync_end(block, PMM_ACCESS_WRITE);
    }
    check(ret == 0, names[2]);
    shmid = block ? pmm_block_shmget(dev, block, IPC_PRIVATE, 0600) : -EINVAL;
    check(shmid >= 0, names[3]);
    seg = shmid >= 0 ? shmat(shmid, NULL, SHM_RDONLY) : (void *)-1;
    check(seg != (void *)-1 && seg[0] == 0x81 && seg[4 * 4096 - 1] == 0x81, names[4]);
    if (seg != (void *)-1)
        shmdt(seg);
    if (shmid >= 0)
        shmctl(shmid, IPC_RMID, NULL);
    check(type.id < 32 && pmm_block_alloc(dev, 4096, 1u << type.id, 0, &other) == 0, names[5]);
    check(pmm_device_open(NULL, 0, &query) == 0 &&
              pmm_block_alloc(query, 4096, 0, 0, &heap_block) == -EACCES,
          names[6]);
    snprintf(path, sizeof(path), "/dev/dma_heap/pmm-%s", type.name);
    if (access(path, F_OK) == 0)
        check(pmm_block_alloc_from_heap(type.name, 4096, &heap_block) == 0 &&
                  pmm_block_info(query, pmm_block_fd(heap_block), &desc) == 0 &&
                  desc.type_id == type.id,
              names[7]);
    else
        skip(names[7], "no such dma-heap");
    pmm_mapping_unmap(map);
    pmm_block_free(block);
    pmm_block_free(other);
    pmm_block_free(heap_block);
    pmm_device_close(query);
    pmm_device_close(dev);
}

int main(void)
{
    host_checks();
    device_checks();
    printf("1..%d\n", tests);
    return failures ? 1 : 0;
}
