/* SPDX-License-Identifier: GPL-2.0 */
/* User-space stand-in for <linux/limits.h>: ULONG_MAX and friends. */
#ifndef _PMM_SHIM_LINUX_LIMITS_H
#define _PMM_SHIM_LINUX_LIMITS_H

/* glibc's <limits.h> includes <linux/limits.h>: chain to the uapi one. */
/* #include_next is an extension: keep -Wpedantic (C++) quiet about it. */
#pragma GCC system_header
#include_next <linux/limits.h>
#include <limits.h>
#include <linux/types.h>

#define U8_MAX		((u8)~0U)
#define U16_MAX		((u16)~0U)
#define U32_MAX		((u32)~0U)
#define U64_MAX		((u64)~0ULL)

#endif /* _PMM_SHIM_LINUX_LIMITS_H */
