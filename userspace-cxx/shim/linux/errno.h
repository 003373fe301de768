/* SPDX-License-Identifier: GPL-2.0 */
/* User-space stand-in for <linux/errno.h>: the C library has the same values. */
#ifndef _PMM_SHIM_LINUX_ERRNO_H
#define _PMM_SHIM_LINUX_ERRNO_H

/*
 * glibc's <errno.h> includes <linux/errno.h> itself, which finds this
 * header: chain to the system's uapi header, which has the numbers.
 */
/* #include_next is an extension: keep -Wpedantic (C++) quiet about it. */
#pragma GCC system_header
#include_next <linux/errno.h>
#include <errno.h>

#endif /* _PMM_SHIM_LINUX_ERRNO_H */
