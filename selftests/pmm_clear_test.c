// SPDX-License-Identifier: GPL-2.0
/*
 * Background clearing of PMM's free space, seen from user space: the
 * counters and the switch in /sys/kernel/mm/pmm/<type>/, and that no
 * block ever shows a previous owner's data, also when the owner-to-be
 * dies in the middle of clearing it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "pmm_util.h"

/* Most of a type a test fills with a pattern: keeps TCG runs short. */
#define FILL_MAX	(16ull << 20)

static int attr_path(char *path, size_t len, const char *type,
		     const char *attr)
{
	return snprintf(path, len, PMM_SYSFS "/%s/%s", type, attr);
}

static long long read_attr(const char *type, const char *attr)
{
	unsigned long long val;
	char path[128];

	attr_path(path, sizeof(path), type, attr);
	if (pmm_read_u64(path, &val))
		return -1;
	return val;
}

/* 0, or -errno of the write. */
static int write_attr(const char *type, const char *attr, const char *val)
{
	char path[128];
	ssize_t n;
	int fd;

	attr_path(path, sizeof(path), type, attr);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	n = n < 0 ? -errno : 0;
	close(fd);
	return n;
}

/* A mapped block of type @id, or MAP_FAILED; *@fd is its dma-buf. */
static unsigned char *map_block(int dev, unsigned int id, uint64_t size,
				int *fd)
{
	struct pmm_alloc_data req = {
		.size = size,
		.type_mask = BIT(id),
		.fd_flags = O_RDWR,
	};
	void *p;

	*fd = pmm_ioctl_alloc(dev, &req);
	if (*fd < 0)
		return MAP_FAILED;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
	if (p == MAP_FAILED)
		close(*fd);
	return p;
}

static void unmap_block(unsigned char *p, uint64_t size, int fd)
{
	munmap(p, size);
	close(fd);
}

/* Allocate a block of @size from type 0, fill it with @c and free it. */
static bool fill_and_free(int dev, uint64_t size, int c)
{
	unsigned char *p;
	int fd;

	p = map_block(dev, 0, size, &fd);
	if (p == MAP_FAILED)
		return false;
	memset(p, c, size);
	unmap_block(p, size, fd);
	return true;
}

/* Whether a new block of @size from type 0 holds zeroes only. */
static bool new_block_is_zero(int dev, uint64_t size)
{
	unsigned char *p;
	bool zero;
	int fd;

	p = map_block(dev, 0, size, &fd);
	if (p == MAP_FAILED)
		return false;
	zero = pmm_all_bytes(p, 0, size);
	unmap_block(p, size, fd);
	return zero;
}

/* Poll until the worker has cleared every free page of @type. */
static bool wait_clean(const char *type, unsigned int timeout_ms)
{
	uint64_t end = pmm_now_ns() + timeout_ms * 1000000ull;

	while (read_attr(type, "dirty_bytes") != 0) {
		if (pmm_now_ns() > end)
			return false;
		pmm_sleep_ms(10);
	}
	return true;
}

FIXTURE(clear) {
	struct pmm_ctx ctx;
	const char *type;
	uint64_t size;
	long long was_on;
};

FIXTURE_SETUP(clear)
{
	PMM_CTX_SETUP(&self->ctx, true);
	self->type = self->ctx.types[0].name;
	self->was_on = read_attr(self->type, "background_clear");
	ASSERT_LE(0, self->was_on) TH_LOG("no background_clear in sysfs");
	self->size = self->ctx.base[0].largest_free_bytes;
	if (self->size > (int64_t)FILL_MAX)
		self->size = FILL_MAX;
	if (self->size < 16 * pmm_page_size())
		SKIP(return, "type %s has less than 16 pages free", self->type);
}

FIXTURE_TEARDOWN(clear)
{
	if (self->was_on >= 0)
		write_attr(self->type, "background_clear",
			   self->was_on ? "1" : "0");
	EXPECT_PMM_STATS_BACK(&self->ctx, 0);
	pmm_ctx_fini(&self->ctx);
}

TEST_F(clear, counters_are_sane)
{
	long long dirty = read_attr(self->type, "dirty_bytes");
	long long free = read_attr(self->type, "free_bytes");

	EXPECT_LE(0, dirty);
	EXPECT_LE(dirty, free);
	EXPECT_LE(0, read_attr(self->type, "cleared_background_bytes"));
	EXPECT_LE(0, read_attr(self->type, "cleared_on_alloc_bytes"));
	EXPECT_TRUE(self->was_on == 0 || self->was_on == 1);
}

TEST_F(clear, switch_refuses_bad_values)
{
	EXPECT_EQ(-EINVAL, write_attr(self->type, "background_clear", "2"));
	EXPECT_EQ(-EINVAL, write_attr(self->type, "background_clear",
				      "maybe"));
	EXPECT_EQ(-EINVAL, write_attr(self->type, "background_clear", "\n"));
	EXPECT_EQ(self->was_on, read_attr(self->type, "background_clear"));
	EXPECT_EQ(0, write_attr(self->type, "background_clear", "off"));
	EXPECT_EQ(0, read_attr(self->type, "background_clear"));
	EXPECT_EQ(0, write_attr(self->type, "background_clear", "1"));
	EXPECT_EQ(1, read_attr(self->type, "background_clear"));
}

static int write_as_nobody(void *arg)
{
	const char *type = arg;

	if (pmm_drop_to_nobody())
		return 2;
	return write_attr(type, "background_clear", "0") == -EACCES ? 0 : 1;
}

TEST_F(clear, switch_is_for_root)
{
	EXPECT_EQ(0, pmm_in_child(write_as_nobody, (void *)self->type));
	EXPECT_EQ(self->was_on, read_attr(self->type, "background_clear"));
}

/*
 * Worker off, from a clean type: exactly the freed block is dirty, and its
 * next owner clears it.
 */
TEST_F(clear, off_then_allocation_clears)
{
	long long on_alloc;

	ASSERT_EQ(0, write_attr(self->type, "background_clear", "1"));
	ASSERT_TRUE(wait_clean(self->type, 60000));
	ASSERT_EQ(0, write_attr(self->type, "background_clear", "0"));
	ASSERT_TRUE(fill_and_free(self->ctx.dev, self->size, 0xa5));
	EXPECT_EQ((long long)self->size, read_attr(self->type, "dirty_bytes"));

	on_alloc = read_attr(self->type, "cleared_on_alloc_bytes");
	EXPECT_TRUE(new_block_is_zero(self->ctx.dev, self->size));
	EXPECT_LE(on_alloc + (long long)self->size,
		  read_attr(self->type, "cleared_on_alloc_bytes"));
}

/* Worker on: it clears the freed block, and the next owner does not. */
TEST_F(clear, on_then_worker_clears)
{
	long long background, on_alloc;

	ASSERT_EQ(0, write_attr(self->type, "background_clear", "1"));
	background = read_attr(self->type, "cleared_background_bytes");
	ASSERT_TRUE(fill_and_free(self->ctx.dev, self->size, 0x5a));
	ASSERT_TRUE(wait_clean(self->type, 60000));
	EXPECT_LE(background + (long long)self->size,
		  read_attr(self->type, "cleared_background_bytes"));

	on_alloc = read_attr(self->type, "cleared_on_alloc_bytes");
	EXPECT_TRUE(new_block_is_zero(self->ctx.dev, self->size));
	EXPECT_EQ(on_alloc, read_attr(self->type, "cleared_on_alloc_bytes"));
}

/* Frees race the worker and allocations: every new block is zeroes. */
TEST_F(clear, churn_races_worker)
{
	const size_t page = pmm_page_size();
	unsigned int round, pages;
	unsigned char *p;
	int fd;

	ASSERT_EQ(0, write_attr(self->type, "background_clear", "1"));
	for (round = 0; round < 200; round++) {
		/* 1 page to 1 MiB, in an order that splits and merges. */
		pages = 1 + (round * 7919) % (self->size / page > 256 ?
					       256 : self->size / page);
		p = map_block(self->ctx.dev, 0, pages * page, &fd);
		ASSERT_NE(MAP_FAILED, p) TH_LOG("round %u", round);
		ASSERT_TRUE(pmm_all_bytes(p, 0, pages * page))
			TH_LOG("round %u: %u pages not zeroed", round, pages);
		memset(p, 0xa5 + round, pages * page);
		unmap_block(p, pages * page, fd);
	}
}

struct doomed {
	int dev;
	uint64_t size;
};

static int alloc_until_killed(void *arg)
{
	struct doomed *d = arg;
	struct pmm_alloc_data req = {
		.size = d->size,
		.type_mask = BIT(0),
		.fd_flags = O_RDWR,
	};

	for (;;) {
		int fd = pmm_ioctl_alloc(d->dev, &req);

		if (fd >= 0)
			close(fd);
	}
	return 0;
}

/*
 * An allocation killed while it clears gives its range back dirty: with
 * the worker off, the next owner clears it, and sees no pattern.
 */
TEST_F(clear, killed_while_clearing)
{
	struct doomed d = { .dev = self->ctx.dev, .size = self->size };
	struct pmm_stats now;
	unsigned int round;
	pid_t pid;

	ASSERT_EQ(0, write_attr(self->type, "background_clear", "0"));
	for (round = 0; round < 8; round++) {
		ASSERT_TRUE(fill_and_free(self->ctx.dev, self->size, 0xa5));

		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			_exit(alloc_until_killed(&d));
		pmm_sleep_ms(1 + round * 3);
		kill(pid, SIGKILL);
		EXPECT_EQ(128 + SIGKILL, pmm_wait_status(pid));
		ASSERT_EQ(0, pmm_ctx_wait_back(&self->ctx, 0, 5000, &now));
		EXPECT_TRUE(new_block_is_zero(self->ctx.dev, self->size))
			TH_LOG("round %u: a killed allocation leaked data",
			       round);
	}
}

TEST_HARNESS_MAIN
