/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * PMM_PUBLIC marks libpmm's API: the library builds with -fvisibility=hidden, so only what
 * carries it is exported from libpmm.so (a smaller, stable ABI; internal helpers stay
 * internal). Shared by the C++ headers and the C header pmm/pmm.h.
 */
#ifndef PMM_EXPORT_H
#define PMM_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define PMM_PUBLIC __attribute__((visibility("default")))
#else
#define PMM_PUBLIC
#endif

#endif /* PMM_EXPORT_H */
