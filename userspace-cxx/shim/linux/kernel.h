/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-in for <linux/kernel.h>: container_of(), ARRAY_SIZE(),
 * alignment helpers, bit helpers and everything the smaller shim headers
 * provide. Part of the userspace-cxx shim.
 */
#ifndef _PMM_SHIM_LINUX_KERNEL_H
#define _PMM_SHIM_LINUX_KERNEL_H

#include <linux/compiler.h>
#include <linux/stddef.h>
#include <linux/types.h>

/*
 * C++ code includes pmm_alloc.h, hence the rbtree and this header, to see
 * the core's structures: it gets container_of() and nothing that clashes
 * with the standard library (min, max, swap, ffs).
 */
#ifndef __cplusplus
#include <linux/align.h>
#include <linux/bitops.h>
#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/limits.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/printk.h>
#endif

#ifndef container_of
#define container_of(ptr, type, member)					\
	((type *)((char *)(ptr) - offsetof(type, member)))
#endif

#define ARRAY_SIZE(arr)		(sizeof(arr) / sizeof((arr)[0]))
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))

#endif /* _PMM_SHIM_LINUX_KERNEL_H */
