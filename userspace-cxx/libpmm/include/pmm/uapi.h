// SPDX-License-Identifier: GPL-2.0
// The /dev/pmm uapi as libpmm uses it: <linux/pmm.h> of the kernel built, plus the definitions
// of PMM_IOCTL_SHMGET for headers from before it (they are copied from the series' uapi and
// must stay identical to it). The only place that knows the difference.
#pragma once

#include <linux/pmm.h>

#ifndef PMM_IOCTL_SHMGET
struct pmm_shmget_data {
    __u32 fd;
    __s32 key;
    __u32 shmflg;
    __s32 shmid;
    __u32 flags;
    __u32 reserved;
};
#define PMM_SHMGET_SIZE_VER0 16
#define PMM_IOCTL_SHMGET _IOWR(PMM_IOC_MAGIC, 0x3, struct pmm_shmget_data)
#define PMM_UAPI_SHMGET_FALLBACK 1 // the kernel built may not know the ioctl: ENOTTY
#endif

static_assert(sizeof(struct pmm_shmget_data) == 24, "struct pmm_shmget_data layout");
