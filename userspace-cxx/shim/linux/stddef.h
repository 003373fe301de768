/* SPDX-License-Identifier: GPL-2.0 */
/* User-space stand-in for <linux/stddef.h>. Part of the userspace-cxx shim. */
#ifndef _PMM_SHIM_LINUX_STDDEF_H
#define _PMM_SHIM_LINUX_STDDEF_H

/* #include_next is an extension: keep -Wpedantic (C++) quiet about it. */
#pragma GCC system_header
#include_next <linux/stddef.h>
#include <stddef.h>
#ifndef __cplusplus
#include <stdbool.h>
#endif

#endif /* _PMM_SHIM_LINUX_STDDEF_H */
