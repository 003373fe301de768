/* SPDX-License-Identifier: GPL-2.0 */
/* User-space stand-in for <linux/log2.h>. */
#ifndef _PMM_SHIM_LINUX_LOG2_H
#define _PMM_SHIM_LINUX_LOG2_H

#include <linux/bitops.h>
#include <linux/compiler.h>
#include <linux/stddef.h>

static __always_inline bool is_power_of_2(unsigned long n)
{
	return n != 0 && (n & (n - 1)) == 0;
}

static __always_inline int __ilog2_u64(unsigned long long n)
{
	return fls64(n) - 1;
}

#define ilog2(n)		__ilog2_u64((unsigned long long)(n))
#define roundup_pow_of_two(n)	(1UL << fls64((unsigned long long)(n) - 1))
#define rounddown_pow_of_two(n)	(1UL << ilog2(n))
#define order_base_2(n)		((n) > 1 ? ilog2((n) - 1) + 1 : 0)

#endif /* _PMM_SHIM_LINUX_LOG2_H */
