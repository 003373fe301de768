/* SPDX-License-Identifier: GPL-2.0 */
/* User-space stand-in for <linux/align.h> and the round_*() of <linux/math.h>. */
#ifndef _PMM_SHIM_LINUX_ALIGN_H
#define _PMM_SHIM_LINUX_ALIGN_H

#ifndef __ALIGN_KERNEL
#define __ALIGN_KERNEL_MASK(x, mask)	(((x) + (mask)) & ~(mask))
#define __ALIGN_KERNEL(x, a)	__ALIGN_KERNEL_MASK(x, (__typeof__(x))(a) - 1)
#endif
#define ALIGN(x, a)		__ALIGN_KERNEL((x), (a))
#define ALIGN_DOWN(x, a)	__ALIGN_KERNEL((x) - ((a) - 1), (a))
#define IS_ALIGNED(x, a)	(((x) & ((__typeof__(x))(a) - 1)) == 0)

#define __round_mask(x, y)	((__typeof__(x))((y) - 1))
#define round_up(x, y)		((((x) - 1) | __round_mask(x, y)) + 1)
#define round_down(x, y)	((x) & ~__round_mask(x, y))

#endif /* _PMM_SHIM_LINUX_ALIGN_H */
