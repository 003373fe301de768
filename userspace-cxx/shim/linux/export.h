/* SPDX-License-Identifier: GPL-2.0 */
/* User-space stand-in for <linux/export.h>: there are no modules here. */
#ifndef _PMM_SHIM_LINUX_EXPORT_H
#define _PMM_SHIM_LINUX_EXPORT_H

#define EXPORT_SYMBOL(sym)
#define EXPORT_SYMBOL_GPL(sym)

#endif /* _PMM_SHIM_LINUX_EXPORT_H */
