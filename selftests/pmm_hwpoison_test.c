// SPDX-License-Identifier: GPL-2.0
/*
 * Memory failure in the reserve: pages poisoned with the kernel's own
 * injector (CONFIG_HWPOISON_INJECT, /sys/kernel/debug/hwpoison) must leave
 * the free space for good, a free one at once, one in a block when the
 * block is freed.
 *
 * Poison cannot be undone for reserved pages, so this program is not run
 * with the others (TEST_GEN_PROGS_EXTENDED): it needs a boot of its own
 * with a type of its own, "pmm=poison:4M", and runs as root.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "pmm_util.h"

#define TYPE		"poison"
#define INJECT		"/sys/kernel/debug/hwpoison/corrupt-pfn"

static int read_region(uint64_t *first, uint64_t *last)
{
	char buf[96];
	FILE *f = fopen(PMM_SYSFS "/" TYPE "/regions", "re");
	int n;

	if (!f)
		return -errno;
	n = fgets(buf, sizeof(buf), f) &&
	    sscanf(buf, "%" SCNx64 "-%" SCNx64, first, last) == 2;
	fclose(f);
	return n ? 0 : -EIO;
}

static int poison_pfn(uint64_t pfn)
{
	char buf[32];
	int fd, n, ret = 0;

	fd = open(INJECT, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%#" PRIx64 "\n", pfn);
	if (write(fd, buf, n) != n)
		ret = -errno;
	close(fd);
	return ret;
}

static int64_t stat_of(const char *file)
{
	char path[128];
	unsigned long long v;

	snprintf(path, sizeof(path), PMM_SYSFS "/" TYPE "/%s", file);
	return pmm_read_u64(path, &v) ? -1 : (int64_t)v;
}

FIXTURE(hwpoison) {
	int dev;
	uint32_t id;
	uint64_t first_pfn, nr_pages;
	size_t page;
};

FIXTURE_SETUP(hwpoison)
{
	struct pmm_type_info info;
	uint64_t first, last;
	unsigned int i;

	self->dev = -1;
	if (geteuid())
		SKIP(return, "needs root");
	if (access(INJECT, W_OK))
		SKIP(return, INJECT " missing (CONFIG_HWPOISON_INJECT, debugfs)");
	if (read_region(&first, &last))
		SKIP(return, "no type \"" TYPE "\" with one region (boot with pmm=" TYPE ":4M)");
	self->dev = open(PMM_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);
	for (i = 0; i < PMM_MAX_TYPES; i++) {
		memset(&info, 0, sizeof(info));
		info.id = i;
		ASSERT_EQ(0, pmm_ioctl_type_info(self->dev, &info));
		if (!strcmp(info.name, TYPE))
			break;
	}
	self->id = i;
	self->page = pmm_page_size();
	self->first_pfn = first / self->page;
	self->nr_pages = (last + 1 - first) / self->page;
	ASSERT_LE(16, self->nr_pages);
	/* The type is this program's alone: nothing allocated, nothing lost. */
	ASSERT_EQ(0, stat_of("nr_blocks"));
	ASSERT_EQ(0, stat_of("poisoned_bytes"));
	ASSERT_EQ(stat_of("total_bytes"), stat_of("free_bytes"));
}

FIXTURE_TEARDOWN(hwpoison)
{
	if (self->dev >= 0)
		close(self->dev);
}

/*
 * One free page, then one in a block:
 *
 *   | free  | P1 |   free    |   ->   |  block a  | P1 |  block b (P2)  |
 */
TEST_F(hwpoison, free_then_in_block)
{
	int64_t total = stat_of("total_bytes");
	uint64_t mid = self->nr_pages / 2;
	int a, b;

	ASSERT_EQ(0, poison_pfn(self->first_pfn + mid));
	/* A free page leaves the free space at once. */
	EXPECT_EQ((int64_t)self->page, stat_of("poisoned_bytes"));
	EXPECT_EQ(total - (int64_t)self->page, stat_of("free_bytes"));
	EXPECT_EQ(2, stat_of("nr_free_extents"));
	/* The larger side, below the page (mid pages) or above it. */
	EXPECT_EQ((int64_t)(mid * self->page), stat_of("largest_free_bytes"));
	/* The whole type no longer fits; both sides of the page do. */
	EXPECT_EQ(-ENOMEM, PMM_ALLOC_TRY(self->dev, .size = total,
					 .type_mask = BIT(self->id),
					 .fd_flags = O_RDWR));
	a = PMM_ALLOC(self->dev, .size = mid * self->page,
		      .type_mask = BIT(self->id), .fd_flags = O_RDWR);
	ASSERT_LE(0, a);
	b = PMM_ALLOC(self->dev, .size = (self->nr_pages - mid - 1) * self->page,
		      .type_mask = BIT(self->id), .fd_flags = O_RDWR);
	ASSERT_LE(0, b);
	EXPECT_EQ(0, stat_of("free_bytes"));

	/* A page of a block stays with the block until it is freed. */
	ASSERT_EQ(0, poison_pfn(self->first_pfn + self->nr_pages - 2));
	EXPECT_EQ((int64_t)self->page, stat_of("poisoned_bytes"));
	EXPECT_EQ(0, close(b));
	EXPECT_EQ(2 * (int64_t)self->page, stat_of("poisoned_bytes"));
	EXPECT_EQ(0, close(a));
	EXPECT_EQ(total - 2 * (int64_t)self->page, stat_of("free_bytes"));
	EXPECT_EQ(0, stat_of("nr_blocks"));
	/* Three pieces are left around the two poisoned pages. */
	EXPECT_EQ(3, stat_of("nr_free_extents"));
}

TEST_HARNESS_MAIN
