/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A C program outside the tree using an installed libpmm's C API. Exit status 0: it ran
 * against /dev/pmm; 77: no /dev/pmm here; 1: failure.
 */
#include <errno.h>
#include <pmm/pmm.h>
#include <stdio.h>
#include <sys/mman.h>

int main(void)
{
    struct pmm_device *dev = NULL;
    struct pmm_block *block = NULL;
    struct pmm_mapping *map = NULL;
    struct pmm_type_desc type;
    int ret;

    if (pmm_device_open("/nonexistent/pmm", 0, &dev) != -ENOENT)
        return 1;
    ret = pmm_device_open(NULL, PMM_DEVICE_ALLOCATE, &dev);
    if (ret < 0) {
        printf("no device: /dev/pmm %s\n", pmm_strerror_name(ret));
        return 77;
    }
    for (uint32_t id = 0;; ++id) { /* the first type with room */
        ret = pmm_type_info(dev, id, &type);
        if (ret < 0 || type.largest_free_bytes >= 4096)
            break;
    }
    if (ret < 0) {
        printf("no memory type with room: %s\n", pmm_strerror_name(ret));
        pmm_device_close(dev);
        return 77;
    }
    ret = pmm_block_alloc_by_type(dev, type.name, 4096, 0, &block);
    if (ret == 0)
        ret = pmm_block_map(block, 0, 0, PROT_READ | PROT_WRITE, &map);
    if (ret == 0)
        printf("allocated and mapped %zu bytes from %s\n", pmm_mapping_size(map), type.name);
    else
        printf("failed: %s\n", pmm_strerror_name(ret));
    pmm_mapping_unmap(map);
    pmm_block_free(block);
    pmm_device_close(dev);
    return ret == 0 ? 0 : 1;
}
