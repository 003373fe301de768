/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-in for <linux/types.h>: fixed-width integer names, bool
 * and gfp_t. Part of the userspace-cxx shim.
 */
#ifndef _PMM_SHIM_LINUX_TYPES_H
#define _PMM_SHIM_LINUX_TYPES_H

/* System headers include <linux/types.h> for the uapi __u32 & co: chain. */
/* #include_next is an extension: keep -Wpedantic (C++) quiet about it. */
#pragma GCC system_header
#include_next <linux/types.h>
#include <stddef.h>
#include <stdint.h>
#ifndef __cplusplus
#include <stdbool.h>
#endif

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

typedef unsigned int gfp_t;

/* Only the flags a caller of pmm_preload_fill() passes; values are arbitrary. */
#define __GFP_NOWARN	((gfp_t)0x2000u)
#define GFP_ATOMIC	((gfp_t)0x0820u)
#define GFP_NOWAIT	((gfp_t)0x0800u)
#define GFP_KERNEL	((gfp_t)0x0cc0u)

#endif /* _PMM_SHIM_LINUX_TYPES_H */
