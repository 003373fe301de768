/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-in for <linux/minmax.h>: the same names, without the
 * kernel's compile-time signedness checks (the kernel build has those).
 */
#ifndef _PMM_SHIM_LINUX_MINMAX_H
#define _PMM_SHIM_LINUX_MINMAX_H

#define __pmm_cmp(op, x, y) ({						\
	__typeof__(x) __x = (x);					\
	__typeof__(y) __y = (y);					\
	__x op __y ? __x : __y;						\
})

#define min(x, y)		__pmm_cmp(<, x, y)
#define max(x, y)		__pmm_cmp(>, x, y)
#define min_t(type, x, y)	__pmm_cmp(<, (type)(x), (type)(y))
#define max_t(type, x, y)	__pmm_cmp(>, (type)(x), (type)(y))
#define min3(x, y, z)		min((__typeof__(x))min(x, y), z)
#define max3(x, y, z)		max((__typeof__(x))max(x, y), z)
#define clamp(val, lo, hi)	min((__typeof__(val))max(val, lo), hi)
#define umin(x, y)		min_t(unsigned long long, x, y)
#define umax(x, y)		max_t(unsigned long long, x, y)

#define swap(a, b)							\
	do {								\
		__typeof__(a) __tmp = (a);				\
		(a) = (b);						\
		(b) = __tmp;						\
	} while (0)

#endif /* _PMM_SHIM_LINUX_MINMAX_H */
