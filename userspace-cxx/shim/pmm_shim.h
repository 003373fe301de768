/* SPDX-License-Identifier: GPL-2.0 */
/*
 * State of the userspace-cxx shim that tests look at and steer: the extent
 * node allocator's fault injection and counters, and the WARN counter.
 * Plain C, usable from C++.
 */
#ifndef _PMM_SHIM_H
#define _PMM_SHIM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Node allocations attempted, failed on purpose, and nodes not yet freed. */
extern unsigned long pmm_shim_node_allocs;
extern unsigned long pmm_shim_node_failures;
extern long pmm_shim_nodes_live;
/* WARN_ON()s hit in the core since the last pmm_shim_reset(). */
extern unsigned long pmm_shim_warnings;

/* Turn fault injection off and zero the counters (not nodes_live). */
void pmm_shim_reset(void);
/* Let @n more node allocations succeed, then fail every one after. */
void pmm_shim_fail_after(unsigned long n);
/* Let @n more node allocations succeed, then fail exactly one. */
void pmm_shim_fail_nth(unsigned long n);
/* Stop failing node allocations (counters are kept). */
void pmm_shim_fail_off(void);
/* Fail each node allocation with probability @permille/1000 (0 = off). */
void pmm_shim_fail_random(unsigned int permille, uint64_t seed);
/* Whether the next node allocation must fail; advances the countdown. */
int pmm_shim_should_fail(void);
/* Print WARN_ON()s as they happen (default on). */
void pmm_shim_set_verbose(int verbose);

void pmm_shim_warn(const char *file, int line, const char *cond);
__attribute__((__noreturn__)) void pmm_shim_bug(const char *file, int line,
						const char *cond);

#ifdef __cplusplus
}
#endif

#endif /* _PMM_SHIM_H */
