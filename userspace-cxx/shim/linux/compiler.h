/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-in for <linux/compiler.h>: the few annotations the PMM
 * core and the vendored rbtree use. Part of the userspace-cxx shim.
 */
#ifndef _PMM_SHIM_LINUX_COMPILER_H
#define _PMM_SHIM_LINUX_COMPILER_H

#ifndef likely
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#endif

#ifndef __always_inline
#define __always_inline	inline __attribute__((__always_inline__))
#endif
#define __maybe_unused	__attribute__((__unused__))
#define __must_check	__attribute__((__warn_unused_result__))
#define __noreturn	__attribute__((__noreturn__))
#define __cold		__attribute__((__cold__))
#define __pure		__attribute__((__pure__))
#define noinline	__attribute__((__noinline__))
#define __printf(a, b)	__attribute__((__format__(printf, a, b)))

#define barrier()	__asm__ __volatile__("" : : : "memory")

/* Single-threaded user space: a volatile access is all READ/WRITE_ONCE mean. */
#define READ_ONCE(x)		(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, val)	do { *(volatile __typeof__(x) *)&(x) = (val); } while (0)

#endif /* _PMM_SHIM_LINUX_COMPILER_H */
