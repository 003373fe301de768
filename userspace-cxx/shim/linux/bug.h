/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-in for <linux/bug.h>.
 *
 * WARN_ON() and friends print the condition and count it in
 * pmm_shim_warnings (see pmm_shim.h), so that every test can demand that the
 * core never warned. BUG_ON() prints and aborts.
 */
#ifndef _PMM_SHIM_LINUX_BUG_H
#define _PMM_SHIM_LINUX_BUG_H

#include <linux/compiler.h>
#include "pmm_shim.h"

#define BUG()								\
	pmm_shim_bug(__FILE__, __LINE__, "BUG()")
#define BUG_ON(cond)							\
	do {								\
		if (unlikely(cond))					\
			pmm_shim_bug(__FILE__, __LINE__, #cond);	\
	} while (0)

#define WARN_ON(cond) ({						\
	int __ret_warn_on = !!(cond);					\
	if (unlikely(__ret_warn_on))					\
		pmm_shim_warn(__FILE__, __LINE__, #cond);		\
	unlikely(__ret_warn_on);					\
})

#define WARN_ON_ONCE(cond) ({						\
	static bool __warned;						\
	int __ret_warn_once = !!(cond);					\
	if (unlikely(__ret_warn_once)) {				\
		if (!__warned)						\
			pmm_shim_warn(__FILE__, __LINE__, #cond);	\
		else							\
			pmm_shim_warnings++;				\
		__warned = true;					\
	}								\
	unlikely(__ret_warn_once);					\
})

#define WARN(cond, ...) ({						\
	int __ret_warn = !!(cond);					\
	if (unlikely(__ret_warn))					\
		pmm_shim_warn(__FILE__, __LINE__, #cond);		\
	unlikely(__ret_warn);						\
})
#define WARN_ONCE(cond, ...)	WARN_ON_ONCE(cond)

#endif /* _PMM_SHIM_LINUX_BUG_H */
