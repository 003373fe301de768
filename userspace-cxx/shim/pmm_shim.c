// SPDX-License-Identifier: GPL-2.0
/*
 * The userspace-cxx shim's state: fault injection for the extent node
 * allocator and the WARN/BUG reporting of <linux/bug.h>.
 */
#include <stdio.h>
#include <stdlib.h>

#include "pmm_shim.h"

unsigned long pmm_shim_node_allocs;
unsigned long pmm_shim_node_failures;
long pmm_shim_nodes_live;
unsigned long pmm_shim_warnings;

enum fail_mode { FAIL_NONE, FAIL_AFTER, FAIL_NTH, FAIL_RANDOM };

static enum fail_mode fail_mode;
static unsigned long fail_countdown;
static unsigned int fail_permille;
static uint64_t fail_rng;
static int verbose = 1;

void pmm_shim_reset(void)
{
	fail_mode = FAIL_NONE;
	pmm_shim_node_allocs = 0;
	pmm_shim_node_failures = 0;
	pmm_shim_warnings = 0;
}

void pmm_shim_fail_after(unsigned long n)
{
	fail_mode = FAIL_AFTER;
	fail_countdown = n;
}

void pmm_shim_fail_nth(unsigned long n)
{
	fail_mode = FAIL_NTH;
	fail_countdown = n;
}

void pmm_shim_fail_off(void)
{
	fail_mode = FAIL_NONE;
}

void pmm_shim_fail_random(unsigned int permille, uint64_t seed)
{
	fail_mode = permille ? FAIL_RANDOM : FAIL_NONE;
	fail_permille = permille;
	fail_rng = seed ? seed : 0x9e3779b97f4a7c15ULL;
}

/* xorshift64*: deterministic, good enough to pick which allocation fails. */
static uint64_t next_random(void)
{
	fail_rng ^= fail_rng >> 12;
	fail_rng ^= fail_rng << 25;
	fail_rng ^= fail_rng >> 27;
	return fail_rng * 0x2545f4914f6cdd1dULL;
}

int pmm_shim_should_fail(void)
{
	int fail = 0;

	pmm_shim_node_allocs++;
	switch (fail_mode) {
	case FAIL_NONE:
		break;
	case FAIL_AFTER:
		if (fail_countdown)
			fail_countdown--;
		else
			fail = 1;
		break;
	case FAIL_NTH:
		if (fail_countdown) {
			fail_countdown--;
		} else {
			fail = 1;
			fail_mode = FAIL_NONE;
		}
		break;
	case FAIL_RANDOM:
		fail = next_random() % 1000 < fail_permille;
		break;
	}
	if (fail)
		pmm_shim_node_failures++;
	return fail;
}

void pmm_shim_set_verbose(int v)
{
	verbose = v;
}

void pmm_shim_warn(const char *file, int line, const char *cond)
{
	pmm_shim_warnings++;
	if (verbose)
		fprintf(stderr, "WARNING: %s:%d: WARN_ON(%s)\n", file, line,
			cond);
}

void pmm_shim_bug(const char *file, int line, const char *cond)
{
	fprintf(stderr, "kernel BUG at %s:%d: BUG_ON(%s)\n", file, line, cond);
	abort();
}
