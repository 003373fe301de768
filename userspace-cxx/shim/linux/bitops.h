/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-in for the bit searches of <linux/bitops.h>, on the
 * compiler's builtins. Same conventions as the kernel: fls()/ffs() count
 * from 1 and return 0 for 0; __ffs()/__fls() count from 0 and are undefined
 * for 0 (here they BUG, so a test catches the misuse).
 */
#ifndef _PMM_SHIM_LINUX_BITOPS_H
#define _PMM_SHIM_LINUX_BITOPS_H

#include <linux/bits.h>
#include <linux/bug.h>
#include <linux/compiler.h>

static __always_inline int fls(unsigned int x)
{
	return x ? 32 - __builtin_clz(x) : 0;
}

static __always_inline int fls64(unsigned long long x)
{
	return x ? 64 - __builtin_clzll(x) : 0;
}

/* A macro: the C library declares an ffs() of its own in <strings.h>. */
#define ffs(x)	__builtin_ffs(x)

static __always_inline unsigned long __ffs(unsigned long word)
{
	BUG_ON(word == 0);
	return (unsigned long)__builtin_ctzl(word);
}

static __always_inline unsigned long __fls(unsigned long word)
{
	BUG_ON(word == 0);
	return (unsigned long)(BITS_PER_LONG - 1 - __builtin_clzl(word));
}

static __always_inline unsigned long ffz(unsigned long word)
{
	return __ffs(~word);
}

static __always_inline unsigned int hweight_long(unsigned long w)
{
	return (unsigned int)__builtin_popcountl(w);
}

#endif /* _PMM_SHIM_LINUX_BITOPS_H */
