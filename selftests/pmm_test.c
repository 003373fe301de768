// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of /dev/pmm, its dma-bufs and the PMM dma-buf heaps.
 *
 * They adapt to the memory types the kernel was booted with (pmm=): the
 * fixture pmm_type runs its cases once per memory type (variants type0 to
 * type3, skipped for the ids the kernel does not have), and a case that
 * needs two types or an unused type skips without them. The test boot,
 * pmm=general:64M,fast:40M, runs them all.
 *
 * Fixtures and cases, with the hardening items of the series they cover:
 *   dev:      devnode_mode, unprivileged_open, type_info
 *   pmm:      dma_buf_sync, fork_share, close_while_mapped, mmap_limits,
 *             invalid_args, no_free_fd, block_info,
 *             type_mask_order_and_fallback, struct_size_compat,
 *             read_only_dev (#13), read_only_dev_nobody (#13),
 *             no_exec (#27), no_exec_read_implies_exec (#27)
 *   pmm_type: alloc_map_write_read, zeroed, exhaustion_and_recovery, heaps,
 *             exp_name (#18)
 * Every teardown checks that every type's statistics are back to what they
 * were at setup.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <linux/dma-buf.h>

#include "../kselftest_harness.h"
#include "pmm_util.h"

#define MAX_BLOCKS	4096

/* The value of @field in /proc/self/fdinfo/@fd ("field:\tvalue"). */
static int fdinfo_field(int fd, const char *field, char *buf, size_t len)
{
	size_t n = strlen(field);
	char path[64], line[256];
	int ret = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, field, n) || line[n] != ':' ||
		    line[n + 1] != '\t')
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(buf, len, "%s", line + n + 2);
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

/* @cmd with another direction: same type, number and size. */
static unsigned long with_dir(unsigned long cmd, unsigned int dir)
{
	return _IOC(dir, _IOC_TYPE(cmd), _IOC_NR(cmd), _IOC_SIZE(cmd));
}

/* /dev/pmm alone: the cases that need no memory type. */
FIXTURE(dev) {
	struct pmm_ctx ctx;
};

FIXTURE_SETUP(dev)
{
	PMM_CTX_SETUP(&self->ctx, false);
}

FIXTURE_TEARDOWN(dev)
{
	EXPECT_PMM_STATS_BACK(&self->ctx, 0);
	pmm_ctx_fini(&self->ctx);
}

/*
 * A block of @len bytes from the heap of the first memory type, opened
 * read-only (dma-heap semantics: that is enough to allocate): its fd, or
 * -errno; -ENOENT, said in the log, without CONFIG_DMABUF_HEAPS_PMM, when
 * the heap part of a test is not run.
 */
static int first_type_heap_block(const struct pmm_ctx *ctx, size_t len)
{
	int heap = pmm_heap_open(ctx->types[0].name, O_RDONLY);
	int fd;

	if (heap == -ENOENT)
		ksft_print_msg("no heap pmm-%s: the heap part is not run\n",
			       ctx->types[0].name);
	if (heap < 0)
		return heap == -ENOENT ? heap : -EIO;
	fd = dma_heap_alloc(heap, len, O_RDWR | O_CLOEXEC);
	close(heap);
	/* Not -ENOENT: that is for a missing heap. */
	return fd == -ENOENT ? -EIO : fd;
}

/* At least one memory type. */
FIXTURE(pmm) {
	struct pmm_ctx ctx;
};

FIXTURE_SETUP(pmm)
{
	PMM_CTX_SETUP(&self->ctx, true);
	if (pmm_ctx_type_with_room(&self->ctx, 4 * pmm_page_size()) < 0)
		SKIP(return, "no memory type has 4 pages free");
}

FIXTURE_TEARDOWN(pmm)
{
	EXPECT_PMM_STATS_BACK(&self->ctx, 0);
	pmm_ctx_fini(&self->ctx);
}

/* One memory type, the variant's. */
FIXTURE(pmm_type) {
	struct pmm_ctx ctx;
};

FIXTURE_VARIANT(pmm_type) {
	unsigned int id;
};

FIXTURE_VARIANT_ADD(pmm_type, type0) {
	.id = 0,
};

FIXTURE_VARIANT_ADD(pmm_type, type1) {
	.id = 1,
};

FIXTURE_VARIANT_ADD(pmm_type, type2) {
	.id = 2,
};

FIXTURE_VARIANT_ADD(pmm_type, type3) {
	.id = 3,
};

FIXTURE_SETUP(pmm_type)
{
	PMM_CTX_SETUP(&self->ctx, false);
	if (variant->id >= self->ctx.nr_types)
		SKIP(return, "no memory type of id %u: the kernel has %u (%s)",
		     variant->id, self->ctx.nr_types, PMM_BOOT_HINT);
	if (self->ctx.base[variant->id].largest_free_bytes <
	    (int64_t)pmm_page_size())
		SKIP(return, "memory type %s has no free page",
		     self->ctx.types[variant->id].name);
}

FIXTURE_TEARDOWN(pmm_type)
{
	EXPECT_PMM_STATS_BACK(&self->ctx, 0);
	pmm_ctx_fini(&self->ctx);
}

TEST_F(dev, devnode_mode)
{
	struct stat st;

	ASSERT_EQ(0, stat(PMM_DEV, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600u, st.st_mode & 07777);
	EXPECT_EQ(0u, st.st_uid);
}

static int open_as_nobody(void *arg)
{
	const char *path = arg;

	if (pmm_drop_to_nobody())
		return 10;
	if (open(path, O_RDWR) >= 0 || errno != EACCES)
		return 1;
	if (open(path, O_RDONLY) >= 0 || errno != EACCES)
		return 2;
	if (open(path, O_WRONLY) >= 0 || errno != EACCES)
		return 3;
	return 0;
}

TEST_F(dev, unprivileged_open)
{
	if (geteuid())
		SKIP(return, "needs root to drop privileges");
	EXPECT_EQ(0, pmm_in_child(open_as_nobody, PMM_DEV));
}

TEST_F(dev, type_info)
{
	const unsigned int nr = self->ctx.nr_types;
	struct pmm_type_info info;
	unsigned long long id;
	char name[64];
	unsigned int i;

	for (i = 0; i < nr; i++) {
		const struct pmm_type_info *t = &self->ctx.types[i];
		const struct pmm_stats *st = &self->ctx.base[i];

		EXPECT_EQ(i, t->id);
		EXPECT_EQ(0u, t->flags);
		EXPECT_NE(0, t->name[0]);
		EXPECT_EQ(0, t->name[PMM_TYPE_NAME_LEN - 1]);
		EXPECT_EQ(st->total_bytes, (int64_t)t->total_bytes);
		EXPECT_EQ(st->free_bytes, (int64_t)t->free_bytes);
		EXPECT_EQ(st->largest_free_bytes,
			  (int64_t)t->largest_free_bytes);
		EXPECT_LE(t->largest_free_bytes, t->free_bytes);
		EXPECT_LE(t->free_bytes, t->total_bytes);
		/* The id is the type's position, as sysfs says too. */
		snprintf(name, sizeof(name), PMM_SYSFS "/%s/id", t->name);
		ASSERT_EQ(0, pmm_read_u64(name, &id));
		EXPECT_EQ(i, id);
	}

	/* The end of the list, and past it. */
	info = (struct pmm_type_info){ .id = nr };
	EXPECT_EQ(-ENOENT, pmm_ioctl_type_info(self->ctx.dev, &info));
	info = (struct pmm_type_info){ .id = UINT32_MAX };
	EXPECT_EQ(-ENOENT, pmm_ioctl_type_info(self->ctx.dev, &info));

	/* A malformed request is EINVAL, even for an id past the end. */
	info = (struct pmm_type_info){ .id = 0, .flags = 1 };
	EXPECT_EQ(-EINVAL, pmm_ioctl_type_info(self->ctx.dev, &info));
	info = (struct pmm_type_info){ .id = nr, .flags = BIT(31) };
	EXPECT_EQ(-EINVAL, pmm_ioctl_type_info(self->ctx.dev, &info));
}

TEST_F(pmm_type, alloc_map_write_read)
{
	const unsigned int id = variant->id;
	const struct pmm_stats *base = &self->ctx.base[id];
	uint64_t size = 1 << 20;
	struct pmm_alloc_data req;
	struct pmm_block_info info;
	struct pmm_stats now, d;
	uint32_t *p, *q;
	size_t i;
	int fd;

	if (base->largest_free_bytes < (int64_t)size)
		size = base->largest_free_bytes;

	/* A size that is not a whole number of pages is rounded up. */
	req = (struct pmm_alloc_data){
		.size = size - 1,
		.type_mask = BIT(id),
		.fd_flags = O_RDWR | O_CLOEXEC,
	};
	fd = pmm_ioctl_alloc(self->ctx.dev, &req);
	ASSERT_LE(0, fd) TH_LOG("alloc: %s", strerror(-fd));
	EXPECT_EQ(size, req.size);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD));
	EXPECT_EQ(O_RDWR, fcntl(fd, F_GETFL) & O_ACCMODE);

	ASSERT_EQ(0, pmm_ioctl_block_info(self->ctx.dev, fd, &info));
	EXPECT_EQ(size, info.size);
	EXPECT_EQ(id, info.type_id);
	EXPECT_EQ(0u, info.reserved);

	ASSERT_EQ(0, pmm_stats_read(self->ctx.types[id].name, &now));
	d = pmm_stats_delta(&now, base);
	EXPECT_EQ(-(int64_t)size, d.free_bytes);
	EXPECT_EQ(1, d.nr_blocks);
	EXPECT_EQ(1, d.alloc_success);
	EXPECT_EQ(0, d.alloc_fail);
	EXPECT_EQ(0, d.free_success);

	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_TRUE(p != MAP_FAILED);
	for (i = 0; i < size / sizeof(*p); i++)
		p[i] = i * 2654435761u;
	for (i = 0; i < size / sizeof(*p); i++)
		if (p[i] != (uint32_t)(i * 2654435761u))
			break;
	EXPECT_EQ(size / sizeof(*p), i);

	/* A second mapping of the same block sees the same memory. */
	q = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_TRUE(q != MAP_FAILED);
	EXPECT_EQ(0, memcmp(p, q, size));
	EXPECT_EQ(0, munmap(q, size));

	EXPECT_EQ(0, munmap(p, size));
	ASSERT_EQ(0, pmm_stats_read(self->ctx.types[id].name, &now));
	d = pmm_stats_delta(&now, base);
	EXPECT_EQ(1, d.nr_blocks);
	EXPECT_EQ(0, close(fd));

	ASSERT_EQ(0, pmm_stats_read(self->ctx.types[id].name, &now));
	d = pmm_stats_delta(&now, base);
	EXPECT_EQ(0, d.free_bytes);
	EXPECT_EQ(0, d.nr_blocks);
	EXPECT_EQ(1, d.free_success);
}

TEST_F(pmm, dma_buf_sync)
{
	const size_t page = pmm_page_size();
	struct dma_buf_sync sync = { 0 };
	char *p;
	int fd;

	fd = PMM_ALLOC(self->ctx.dev, .size = page, .fd_flags = O_RDWR);
	ASSERT_LE(0, fd);
	p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_TRUE(p != MAP_FAILED);
	sync.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW;
	EXPECT_EQ(0, ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync));
	memset(p, 0x5a, page);
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
	EXPECT_EQ(0, ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync));
	/* The dma-buf core refuses flags it does not know. */
	sync.flags = DMA_BUF_SYNC_START | 0x80;
	EXPECT_EQ(-1, ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, munmap(p, page));
	EXPECT_EQ(0, close(fd));
}

TEST_F(pmm, fork_share)
{
	const size_t size = 64 * pmm_page_size();
	unsigned char *p;
	pid_t pid;
	int fd;

	fd = PMM_ALLOC(self->ctx.dev, .size = size, .fd_flags = O_RDWR);
	ASSERT_LE(0, fd);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_TRUE(p != MAP_FAILED);
	memset(p, 0x11, size / 2);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* The child sees the parent's data and writes its own. */
		if (!pmm_all_bytes(p, 0x11, size / 2))
			_exit(1);
		memset(p + size / 2, 0x22, size / 2);
		_exit(0);
	}
	EXPECT_EQ(0, pmm_wait_status(pid));
	EXPECT_TRUE(pmm_all_bytes(p + size / 2, 0x22, size / 2));
	EXPECT_EQ(0, munmap(p, size));
	EXPECT_EQ(0, close(fd));
}

TEST_F(pmm, close_while_mapped)
{
	const size_t page = pmm_page_size(), size = 16 * page;
	struct pmm_block_info info;
	struct pmm_stats now, d;
	const struct pmm_stats *base;
	const char *type;
	unsigned char *p;
	pid_t pid;
	int fd;

	fd = PMM_ALLOC(self->ctx.dev, .size = size, .fd_flags = O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pmm_ioctl_block_info(self->ctx.dev, fd, &info));
	ASSERT_GT(self->ctx.nr_types, info.type_id);
	type = self->ctx.types[info.type_id].name;
	base = &self->ctx.base[info.type_id];
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_TRUE(p != MAP_FAILED);
	ASSERT_EQ(0, close(fd));

	/* The mapping holds the block. */
	memset(p, 0x33, size);
	EXPECT_TRUE(pmm_all_bytes(p, 0x33, size));
	ASSERT_EQ(0, pmm_stats_read(type, &now));
	d = pmm_stats_delta(&now, base);
	EXPECT_EQ(1, d.nr_blocks);
	EXPECT_EQ(-(int64_t)size, d.free_bytes);

	/* ... in a child too, after the fd is gone, and after the child. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (!pmm_all_bytes(p, 0x33, size))
			_exit(1);
		memset(p, 0x44, size);
		munmap(p, size);
		_exit(0);
	}
	EXPECT_EQ(0, pmm_wait_status(pid));
	EXPECT_TRUE(pmm_all_bytes(p, 0x44, size));
	ASSERT_EQ(0, pmm_stats_read(type, &now));
	EXPECT_EQ(1, pmm_stats_delta(&now, base).nr_blocks);

	/* Splitting the mapping keeps a reference in each part. */
	EXPECT_EQ(0, munmap(p + 4 * page, 4 * page));
	EXPECT_EQ(0, munmap(p, 4 * page));
	ASSERT_EQ(0, pmm_stats_read(type, &now));
	EXPECT_EQ(1, pmm_stats_delta(&now, base).nr_blocks);
	EXPECT_TRUE(pmm_all_bytes(p + 8 * page, 0x44, 8 * page));

	/* The last unmap frees the block. */
	EXPECT_EQ(0, munmap(p + 8 * page, 8 * page));
	ASSERT_EQ(0, pmm_stats_read(type, &now));
	d = pmm_stats_delta(&now, base);
	EXPECT_EQ(0, d.nr_blocks);
	EXPECT_EQ(0, d.free_bytes);
	EXPECT_EQ(1, d.free_success);
}

/*
 * v1 also checked here that vmsplice() fails with EFAULT on a mapping: the
 * mappings were PFN maps that refuse get_user_pages(). That is what
 * hardening item #26 changes; pmm_gup_test's vmsplice_outlives_block now
 * checks what vmsplice() must do instead.
 */
TEST_F(pmm, mmap_limits)
{
	const size_t page = pmm_page_size(), size = 4 * page;
	unsigned char *p, *q;
	int fd, ro, wo;

	fd = PMM_ALLOC(self->ctx.dev, .size = size, .fd_flags = O_RDWR);
	ASSERT_LE(0, fd);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_TRUE(p != MAP_FAILED);
	p[page] = 0x77;

	/* MAP_SHARED only, even read-only. */
	EXPECT_EQ(EINVAL, pmm_mmap_errno(size, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE, fd, 0));
	EXPECT_EQ(EINVAL, pmm_mmap_errno(size, PROT_READ, MAP_PRIVATE, fd, 0));

	/* Inside the block. */
	EXPECT_EQ(EINVAL, pmm_mmap_errno(2 * page, PROT_READ, MAP_SHARED, fd,
					 3 * page));
	EXPECT_EQ(EINVAL, pmm_mmap_errno(page, PROT_READ, MAP_SHARED, fd,
					 size));
	EXPECT_EQ(EINVAL, pmm_mmap_errno(2 * size, PROT_READ, MAP_SHARED, fd,
					 0));

	/* An offset maps the right page. */
	q = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, page);
	ASSERT_TRUE(q != MAP_FAILED);
	EXPECT_EQ(0x77, q[0]);

	/* No growth. */
	EXPECT_TRUE(mremap(q, page, 2 * page, MREMAP_MAYMOVE) == MAP_FAILED);
	EXPECT_EQ(0, munmap(q, page));
	EXPECT_EQ(0, munmap(p, size));
	EXPECT_EQ(0, close(fd));

	/* The access mode of the fd limits the mapping. */
	ro = PMM_ALLOC(self->ctx.dev, .size = size, .fd_flags = O_RDONLY);
	ASSERT_LE(0, ro);
	EXPECT_EQ(O_RDONLY, fcntl(ro, F_GETFL) & O_ACCMODE);
	EXPECT_EQ(EACCES, pmm_mmap_errno(size, PROT_READ | PROT_WRITE,
					 MAP_SHARED, ro, 0));
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, ro, 0);
	ASSERT_TRUE(p != MAP_FAILED);
	EXPECT_TRUE(pmm_all_bytes(p, 0, size));
	/* ... for good: it cannot become writable later. */
	EXPECT_EQ(-1, mprotect(p, size, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(0, munmap(p, size));
	EXPECT_EQ(0, close(ro));

	/* Write-only: no mapping at all, as for any file. */
	wo = PMM_ALLOC(self->ctx.dev, .size = size, .fd_flags = O_WRONLY);
	ASSERT_LE(0, wo);
	EXPECT_EQ(O_WRONLY, fcntl(wo, F_GETFL) & O_ACCMODE);
	EXPECT_EQ(EACCES, pmm_mmap_errno(size, PROT_WRITE, MAP_SHARED, wo, 0));
	EXPECT_EQ(EACCES, pmm_mmap_errno(size, PROT_READ, MAP_SHARED, wo, 0));
	EXPECT_EQ(0, close(wo));
}

/* Every block handed out is zeroed, even where the last owner wrote. */
TEST_F(pmm_type, zeroed)
{
	const size_t page = pmm_page_size();
	const size_t sizes[] = { 1, page, 3 * page, 1 << 20 };
	const unsigned int id = variant->id;
	struct pmm_alloc_data req;
	unsigned int s, round;
	unsigned char *p;
	uint64_t size;
	int fd;

	for (s = 0; s < ARRAY_SIZE(sizes); s++) {
		size = pmm_page_align(sizes[s]);
		if ((int64_t)size > self->ctx.base[id].largest_free_bytes)
			continue;
		for (round = 0; round < 3; round++) {
			req = (struct pmm_alloc_data){
				.size = sizes[s],
				.type_mask = BIT(id),
				.fd_flags = O_RDWR,
			};
			fd = pmm_ioctl_alloc(self->ctx.dev, &req);
			ASSERT_LE(0, fd) TH_LOG("size %zu: %s", sizes[s],
						strerror(-fd));
			EXPECT_EQ(size, req.size);
			p = mmap(NULL, size, PROT_READ | PROT_WRITE,
				 MAP_SHARED, fd, 0);
			ASSERT_TRUE(p != MAP_FAILED);
			EXPECT_TRUE(pmm_all_bytes(p, 0, size))
				TH_LOG("size %llu round %u not zeroed",
				       (unsigned long long)size, round);
			memset(p, 0xa5, size);
			EXPECT_EQ(0, munmap(p, size));
			EXPECT_EQ(0, close(fd));
		}
	}
}

struct bad_alloc {
	const char *what;
	struct pmm_alloc_data req;
	int err;
};

TEST_F(pmm, invalid_args)
{
	const uint64_t page = pmm_page_size();
	const unsigned int nr = self->ctx.nr_types;
	const uint64_t max_align = page << PMM_MAX_ALIGN_SHIFT;
	/* A mask with a type that does not exist, if there is such a bit. */
	const uint32_t no_type = nr < 32 ? BIT(nr) : 0;
	const struct bad_alloc bad[] = {
		{ "flags 1", { .size = page, .flags = 1 }, EINVAL },
		{ "flags bit 31", { .size = page, .flags = BIT(31) }, EINVAL },
		{ "size 0", { .size = 0 }, EINVAL },
		{ "size UINT64_MAX", { .size = UINT64_MAX }, EINVAL },
		{ "size rounding past 2^64",
		  { .size = UINT64_MAX - page + 2 }, EINVAL },
		{ "align 3 pages", { .size = page, .align = 3 * page }, EINVAL },
		{ "align half a page",
		  { .size = page, .align = page / 2 }, EINVAL },
		{ "align 1", { .size = page, .align = 1 }, EINVAL },
		{ "align past the largest",
		  { .size = page, .align = max_align << 1 }, EINVAL },
		{ "align 2^63", { .size = page, .align = 1ull << 63 }, EINVAL },
		{ "fd_flags O_NONBLOCK",
		  { .size = page, .fd_flags = O_RDWR | O_NONBLOCK }, EINVAL },
		{ "fd_flags O_ACCMODE",
		  { .size = page, .fd_flags = O_ACCMODE }, EINVAL },
		{ "fd_flags O_APPEND",
		  { .size = page, .fd_flags = O_RDWR | O_APPEND }, EINVAL },
		{ "fd_flags bit 31",
		  { .size = page, .fd_flags = O_RDWR | BIT(31) }, EINVAL },
		/* A malformed request is EINVAL before any ENOENT. */
		{ "size 0 and a type that does not exist",
		  { .size = 0, .type_mask = BIT(31) }, EINVAL },
		{ "flags 1 and a type that does not exist",
		  { .size = page, .flags = 1, .type_mask = BIT(31) }, EINVAL },
		{ "bad align and a type that does not exist",
		  { .size = page, .align = 3 * page, .type_mask = BIT(31) },
		  EINVAL },
		{ "the first type that does not exist",
		  { .size = page, .type_mask = no_type }, ENOENT },
		{ "type 31 with a type that exists",
		  { .size = page, .type_mask = BIT(31) | BIT(0) }, ENOENT },
	};
	struct pmm_stats before[PMM_MAX_TYPES], now;
	struct pmm_alloc_data req;
	uint64_t total = 0;
	unsigned int i;
	int ret;

	for (i = 0; i < nr; i++) {
		ASSERT_EQ(0, pmm_stats_read(self->ctx.types[i].name,
					    &before[i]));
		total += self->ctx.types[i].total_bytes;
	}

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		/* Bit 31 is a type that exists on a kernel with 32 types. */
		if (nr == 32 && bad[i].req.type_mask & BIT(31))
			continue;
		if (bad[i].err == ENOENT && !bad[i].req.type_mask)
			continue;
		EXPECT_EQ(-bad[i].err, pmm_alloc_try(self->ctx.dev, bad[i].req))
			TH_LOG("%s", bad[i].what);
	}

	/* Invalid requests change no statistic. */
	for (i = 0; i < nr; i++) {
		ASSERT_EQ(0, pmm_stats_read(self->ctx.types[i].name, &now));
		EXPECT_EQ(0, memcmp(&before[i], &now, sizeof(now)))
			TH_LOG("%s changed", self->ctx.types[i].name);
	}

	/* No room anywhere: ENOMEM, and a failure counted by every type. */
	EXPECT_EQ(-ENOMEM, PMM_ALLOC_TRY(self->ctx.dev, .size = total + page,
					 .fd_flags = O_RDWR));
	/* The largest size that does not overflow is only too large. */
	EXPECT_EQ(-ENOMEM, PMM_ALLOC_TRY(self->ctx.dev,
					 .size = UINT64_MAX - page + 1,
					 .fd_flags = O_RDWR));
	for (i = 0; i < nr; i++) {
		ASSERT_EQ(0, pmm_stats_read(self->ctx.types[i].name, &now));
		EXPECT_EQ(before[i].alloc_fail + 2, now.alloc_fail);
		EXPECT_EQ(before[i].alloc_success, now.alloc_success);
	}

	/* No room in the one type asked for: only that one counts it. */
	EXPECT_EQ(-ENOMEM, PMM_ALLOC_TRY(self->ctx.dev,
					 .size = self->ctx.types[0].total_bytes +
						 page,
					 .type_mask = BIT(0),
					 .fd_flags = O_RDWR));
	for (i = 0; i < nr; i++) {
		ASSERT_EQ(0, pmm_stats_read(self->ctx.types[i].name, &now));
		EXPECT_EQ(before[i].alloc_fail + 2 + !i, now.alloc_fail);
	}

	/* The smallest and the largest alignment are accepted. */
	EXPECT_EQ(0, PMM_ALLOC_TRY(self->ctx.dev, .size = page, .align = page,
				   .fd_flags = O_RDWR));
	req = (struct pmm_alloc_data){
		.size = page,
		.align = max_align,
		.fd_flags = O_RDWR,
	};
	ret = pmm_alloc_try(self->ctx.dev, req);
	EXPECT_TRUE(ret == 0 || ret == -ENOMEM) TH_LOG("%s", strerror(-ret));
}

/* EMFILE: no free file descriptor; nothing stays allocated. */
static int alloc_without_fds(void *arg)
{
	struct rlimit rl = { .rlim_cur = 16, .rlim_max = 16 };
	int dev = *(int *)arg;

	if (setrlimit(RLIMIT_NOFILE, &rl))
		return 10;
	while (open("/dev/null", O_RDONLY) >= 0)
		;
	if (errno != EMFILE)
		return 11;
	return PMM_ALLOC_TRY(dev, .size = pmm_page_size(),
			     .fd_flags = O_RDWR) == -EMFILE ? 0 : 1;
}

TEST_F(pmm, no_free_fd)
{
	EXPECT_EQ(0, pmm_in_child(alloc_without_fds, &self->ctx.dev));
	/* The teardown checks that the block was given back. */
}

TEST_F(pmm, block_info)
{
	const size_t page = pmm_page_size();
	struct pmm_block_info info;
	int fd, other, heap;

	fd = PMM_ALLOC(self->ctx.dev, .size = page, .fd_flags = O_RDWR);
	ASSERT_LE(0, fd);

	/* Malformed: EINVAL, before anything about the fd. */
	info = (struct pmm_block_info){ .fd = fd, .flags = 1 };
	EXPECT_EQ(-1, ioctl(self->ctx.dev, PMM_IOCTL_BLOCK_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
	info = (struct pmm_block_info){ .fd = fd, .reserved = 1 };
	EXPECT_EQ(-1, ioctl(self->ctx.dev, PMM_IOCTL_BLOCK_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
	info = (struct pmm_block_info){ .fd = -1, .flags = 1 };
	EXPECT_EQ(-1, ioctl(self->ctx.dev, PMM_IOCTL_BLOCK_INFO, &info));
	EXPECT_EQ(EINVAL, errno);

	/* The input fields are as they were. */
	ASSERT_EQ(0, pmm_ioctl_block_info(self->ctx.dev, fd, &info));
	EXPECT_EQ(fd, (int)info.fd);
	EXPECT_EQ(0u, info.flags);
	EXPECT_EQ(0u, info.reserved);

	/* A duplicate is the same block. */
	other = dup(fd);
	ASSERT_LE(0, other);
	ASSERT_EQ(0, pmm_ioctl_block_info(self->ctx.dev, other, &info));
	EXPECT_EQ(page, info.size);
	EXPECT_EQ(0, close(other));
	EXPECT_EQ(0, close(fd));

	/* Closed fds and fds that are not open. */
	EXPECT_EQ(-EBADF, pmm_ioctl_block_info(self->ctx.dev, fd, &info));
	EXPECT_EQ(-EBADF, pmm_ioctl_block_info(self->ctx.dev, -1, &info));
	EXPECT_EQ(-EBADF, pmm_ioctl_block_info(self->ctx.dev, 1000000, &info));

	/* Open fds that are not PMM dma-bufs: ENODEV. */
	EXPECT_EQ(-ENODEV, pmm_ioctl_block_info(self->ctx.dev, self->ctx.dev,
						&info));
	other = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, other);
	EXPECT_EQ(-ENODEV, pmm_ioctl_block_info(self->ctx.dev, other, &info));
	EXPECT_EQ(0, close(other));

	heap = dma_heap_open("system", O_RDONLY);
	if (heap == -ENOENT)
		SKIP(return, "no system dma-heap for a non-PMM dma-buf");
	ASSERT_LE(0, heap);
	other = dma_heap_alloc(heap, page, O_RDWR | O_CLOEXEC);
	EXPECT_EQ(0, close(heap));
	ASSERT_LE(0, other);
	EXPECT_EQ(-ENODEV, pmm_ioctl_block_info(self->ctx.dev, other, &info));
	EXPECT_EQ(0, close(other));
}

/* Types are tried in id order; the next one when the first is full. */
TEST_F(pmm, type_mask_order_and_fallback)
{
	const struct pmm_type_info *t = self->ctx.types;
	const size_t page = pmm_page_size();
	const uint32_t both = BIT(0) | BIT(1);
	struct pmm_block_info info;
	int big, fd;

	if (self->ctx.nr_types < 2)
		SKIP(return, "needs 2 memory types, the kernel has %u (%s)",
		     self->ctx.nr_types, PMM_BOOT_HINT);
	if (!t[0].free_bytes || t[0].largest_free_bytes != t[0].free_bytes ||
	    t[1].free_bytes < page)
		SKIP(return, "memory types 0 and 1 are in use");

	fd = PMM_ALLOC(self->ctx.dev, .size = page, .type_mask = both,
		       .fd_flags = O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pmm_ioctl_block_info(self->ctx.dev, fd, &info));
	EXPECT_EQ(0u, info.type_id);
	EXPECT_EQ(0, close(fd));

	fd = PMM_ALLOC(self->ctx.dev, .size = page, .type_mask = BIT(1),
		       .fd_flags = O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pmm_ioctl_block_info(self->ctx.dev, fd, &info));
	EXPECT_EQ(1u, info.type_id);
	EXPECT_EQ(0, close(fd));

	/* A mask of 0 is every type, in order too. */
	fd = PMM_ALLOC(self->ctx.dev, .size = page, .fd_flags = O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pmm_ioctl_block_info(self->ctx.dev, fd, &info));
	EXPECT_EQ(0u, info.type_id);
	EXPECT_EQ(0, close(fd));

	/* All of type 0 taken: the same request falls back to type 1. */
	big = PMM_ALLOC(self->ctx.dev, .size = t[0].free_bytes,
			.type_mask = BIT(0), .fd_flags = O_RDWR);
	ASSERT_LE(0, big);
	EXPECT_EQ(-ENOMEM, PMM_ALLOC_TRY(self->ctx.dev, .size = page,
					 .type_mask = BIT(0),
					 .fd_flags = O_RDWR));
	fd = PMM_ALLOC(self->ctx.dev, .size = page, .type_mask = both,
		       .fd_flags = O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pmm_ioctl_block_info(self->ctx.dev, fd, &info));
	EXPECT_EQ(1u, info.type_id);
	EXPECT_EQ(0, close(fd));

	/* A request only type 0 could hold fails: ENOMEM. */
	if (t[0].free_bytes > t[1].free_bytes)
		EXPECT_EQ(-ENOMEM, PMM_ALLOC_TRY(self->ctx.dev,
						 .size = t[0].free_bytes,
						 .type_mask = both,
						 .fd_flags = O_RDWR));
	EXPECT_EQ(0, close(big));

	/* Type 0 is back: it comes first again. */
	fd = PMM_ALLOC(self->ctx.dev, .size = page, .type_mask = both,
		       .fd_flags = O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pmm_ioctl_block_info(self->ctx.dev, fd, &info));
	EXPECT_EQ(0u, info.type_id);
	EXPECT_EQ(0, close(fd));
}

/* Fill the type to ENOMEM, free it all, and get it back whole. */
TEST_F(pmm_type, exhaustion_and_recovery)
{
	static int fds[MAX_BLOCKS];
	const unsigned int id = variant->id;
	const struct pmm_stats *base = &self->ctx.base[id];
	const char *type = self->ctx.types[id].name;
	const uint64_t page = pmm_page_size();
	struct pmm_alloc_data req;
	struct pmm_stats now, d;
	unsigned int n, i;
	uint64_t chunk;
	int fd;

	if (base->free_bytes != base->total_bytes)
		SKIP(return, "memory type %s is in use", type);
	chunk = base->total_bytes / 16;
	chunk = chunk < page ? page : chunk & ~(page - 1);

	for (n = 0; n < MAX_BLOCKS; n++) {
		req = (struct pmm_alloc_data){
			.size = chunk,
			.type_mask = BIT(id),
			.fd_flags = O_RDWR,
		};
		fd = pmm_ioctl_alloc(self->ctx.dev, &req);
		if (fd < 0)
			break;
		EXPECT_EQ(chunk, req.size);
		fds[n] = fd;
	}
	ASSERT_EQ(-ENOMEM, fd);
	/* Then the rest, in one block. */
	ASSERT_EQ(0, pmm_stats_read(type, &now));
	if (now.free_bytes) {
		fd = PMM_ALLOC(self->ctx.dev, .size = now.largest_free_bytes,
			       .type_mask = BIT(id), .fd_flags = O_RDWR);
		ASSERT_LE(0, fd);
		fds[n++] = fd;
	}
	ASSERT_EQ(0, pmm_stats_read(type, &now));
	EXPECT_EQ(0, now.free_bytes);
	EXPECT_EQ(0, now.largest_free_bytes);
	EXPECT_EQ(0, now.nr_free_extents);
	EXPECT_EQ(n, pmm_stats_delta(&now, base).nr_blocks);
	EXPECT_EQ(-ENOMEM, PMM_ALLOC_TRY(self->ctx.dev, .size = page,
					 .type_mask = BIT(id),
					 .fd_flags = O_RDWR));

	/* Free every other block first: fragmentation, then none. */
	for (i = 0; i < n; i += 2)
		EXPECT_EQ(0, close(fds[i]));
	for (i = 1; i < n; i += 2)
		EXPECT_EQ(0, close(fds[i]));
	ASSERT_EQ(0, pmm_stats_read(type, &now));
	EXPECT_TRUE(pmm_stats_back(&now, base));
	d = pmm_stats_delta(&now, base);
	EXPECT_EQ(0, d.free_bytes);
	EXPECT_EQ(0, d.largest_free_bytes);
	EXPECT_EQ(0, d.nr_free_extents);

	/* Fully coalesced: the whole type in one block. */
	EXPECT_EQ(0, PMM_ALLOC_TRY(self->ctx.dev, .size = base->total_bytes,
				   .type_mask = BIT(id), .fd_flags = O_RDWR));
}

/* Each ioctl with a direction it does not have, and its structure's size. */
static const struct {
	unsigned long cmd;
	unsigned int dir;
	size_t size;
} wrong_dirs[] = {
	{ PMM_IOCTL_ALLOC, _IOC_WRITE, sizeof(struct pmm_alloc_data) },
	{ PMM_IOCTL_TYPE_INFO, _IOC_READ, sizeof(struct pmm_type_info) },
	{ PMM_IOCTL_BLOCK_INFO, _IOC_NONE, sizeof(struct pmm_block_info) },
	{ PMM_IOCTL_SHMGET, _IOC_READ | _IOC_WRITE,
	  sizeof(struct pmm_shmget_data) },
};

TEST_F(pmm, struct_size_compat)
{
	const size_t page = pmm_page_size();
	const size_t tail = 64;
	unsigned int i;
	union {
		struct pmm_alloc_data alloc;
		struct pmm_type_info type;
		struct pmm_block_info block;
		unsigned char bytes[256];
	} u;
	struct pmm_block_info info;
	int fd;

	/* Every field of the v2 structures is required: VER0 is the size. */
	EXPECT_EQ(PMM_ALLOC_SIZE_VER0, (int)sizeof(struct pmm_alloc_data));
	EXPECT_EQ(PMM_TYPE_INFO_SIZE_VER0, (int)sizeof(struct pmm_type_info));
	EXPECT_EQ(PMM_BLOCK_INFO_SIZE_VER0,
		  (int)sizeof(struct pmm_block_info));
	EXPECT_EQ(PMM_SHMGET_SIZE_VER0, (int)sizeof(struct pmm_shmget_data));

	/* Smaller than VER0, even by what would be zero anyway: EINVAL. */
	memset(&u, 0, sizeof(u));
	u.alloc.size = page;
	u.alloc.fd_flags = O_RDWR;
	EXPECT_EQ(-EINVAL, pmm_ioctl_sized(self->ctx.dev, PMM_IOCTL_ALLOC, &u,
					   PMM_ALLOC_SIZE_VER0 - 8));
	EXPECT_EQ(-EINVAL, pmm_ioctl_sized(self->ctx.dev, PMM_IOCTL_ALLOC, &u,
					   PMM_ALLOC_SIZE_VER0 - 1));
	EXPECT_EQ(-EINVAL, pmm_ioctl_sized(self->ctx.dev, PMM_IOCTL_ALLOC, &u,
					   0));
	memset(&u, 0, sizeof(u));
	EXPECT_EQ(-EINVAL, pmm_ioctl_sized(self->ctx.dev, PMM_IOCTL_TYPE_INFO,
					   &u, PMM_TYPE_INFO_SIZE_VER0 - 8));
	fd = PMM_ALLOC(self->ctx.dev, .size = 2 * page, .fd_flags = O_RDWR);
	ASSERT_LE(0, fd);
	memset(&u, 0, sizeof(u));
	u.block.fd = fd;
	EXPECT_EQ(-EINVAL, pmm_ioctl_sized(self->ctx.dev, PMM_IOCTL_BLOCK_INFO,
					   &u, PMM_BLOCK_INFO_SIZE_VER0 - 8));

	/* Exactly VER0: nothing is written past the caller's structure. */
	memset(&u, 0xff, sizeof(u));
	u.block = (struct pmm_block_info){ .fd = fd };
	ASSERT_EQ(0, pmm_ioctl_sized(self->ctx.dev, PMM_IOCTL_BLOCK_INFO, &u,
				     PMM_BLOCK_INFO_SIZE_VER0));
	EXPECT_EQ(2 * page, u.block.size);
	EXPECT_TRUE(pmm_all_bytes(u.bytes + PMM_BLOCK_INFO_SIZE_VER0, 0xff,
				  sizeof(u) - PMM_BLOCK_INFO_SIZE_VER0));

	memset(&u, 0xff, sizeof(u));
	u.type = (struct pmm_type_info){ .id = 0 };
	ASSERT_EQ(0, pmm_ioctl_sized(self->ctx.dev, PMM_IOCTL_TYPE_INFO, &u,
				     PMM_TYPE_INFO_SIZE_VER0));
	EXPECT_STREQ(self->ctx.types[0].name, u.type.name);
	EXPECT_TRUE(pmm_all_bytes(u.bytes + PMM_TYPE_INFO_SIZE_VER0, 0xff,
				  sizeof(u) - PMM_TYPE_INFO_SIZE_VER0));

	memset(&u, 0xff, sizeof(u));
	u.alloc = (struct pmm_alloc_data){ .size = page, .fd_flags = O_RDWR };
	ASSERT_EQ(0, pmm_ioctl_sized(self->ctx.dev, PMM_IOCTL_ALLOC, &u,
				     PMM_ALLOC_SIZE_VER0));
	EXPECT_EQ(page, u.alloc.size);
	EXPECT_TRUE(pmm_all_bytes(u.bytes + PMM_ALLOC_SIZE_VER0, 0xff,
				  sizeof(u) - PMM_ALLOC_SIZE_VER0));
	ASSERT_EQ(0, pmm_ioctl_block_info(self->ctx.dev, u.alloc.fd, &info));
	EXPECT_EQ(page, info.size);
	EXPECT_EQ(0, close(u.alloc.fd));

	/*
	 * Newer, larger structures: accepted when the tail is zero, refused
	 * with EINVAL when any byte of it is not.
	 */
	memset(&u, 0, sizeof(u));
	u.block.fd = fd;
	ASSERT_EQ(0, pmm_ioctl_sized(self->ctx.dev, PMM_IOCTL_BLOCK_INFO, &u,
				     sizeof(u.block) + tail));
	EXPECT_EQ(2 * page, u.block.size);
	EXPECT_TRUE(pmm_all_bytes(u.bytes + sizeof(u.block), 0, tail));
	u.bytes[sizeof(u.block) + tail - 1] = 1;
	EXPECT_EQ(-EINVAL, pmm_ioctl_sized(self->ctx.dev, PMM_IOCTL_BLOCK_INFO,
					   &u, sizeof(u.block) + tail));
	u.bytes[sizeof(u.block) + tail - 1] = 0;
	u.bytes[sizeof(u.block)] = 0x80;
	EXPECT_EQ(-EINVAL, pmm_ioctl_sized(self->ctx.dev, PMM_IOCTL_BLOCK_INFO,
					   &u, sizeof(u.block) + tail));
	EXPECT_EQ(0, close(fd));

	memset(&u, 0, sizeof(u));
	u.alloc.size = page;
	u.alloc.fd_flags = O_RDWR;
	ASSERT_EQ(0, pmm_ioctl_sized(self->ctx.dev, PMM_IOCTL_ALLOC, &u,
				     sizeof(u.alloc) + 8));
	EXPECT_EQ(page, u.alloc.size);
	EXPECT_EQ(0, close(u.alloc.fd));
	u.bytes[sizeof(u.alloc)] = 1;
	EXPECT_EQ(-EINVAL, pmm_ioctl_sized(self->ctx.dev, PMM_IOCTL_ALLOC, &u,
					   sizeof(u.alloc) + 8));

	memset(&u, 0, sizeof(u));
	ASSERT_EQ(0, pmm_ioctl_sized(self->ctx.dev, PMM_IOCTL_TYPE_INFO, &u,
				     sizeof(u.type) + tail));
	EXPECT_EQ(self->ctx.types[0].total_bytes, u.type.total_bytes);
	u.bytes[sizeof(u.type) + tail - 1] = 0x80;
	EXPECT_EQ(-EINVAL, pmm_ioctl_sized(self->ctx.dev, PMM_IOCTL_TYPE_INFO,
					   &u, sizeof(u.type) + tail));

	/*
	 * The size may differ, the direction may not: ENOTTY. (v1's SHMGET
	 * was _IOWR; v2's is _IOW.)
	 */
	memset(&u, 0, sizeof(u));
	for (i = 0; i < ARRAY_SIZE(wrong_dirs); i++)
		EXPECT_EQ(-ENOTTY,
			  pmm_ioctl_sized(self->ctx.dev,
					  with_dir(wrong_dirs[i].cmd,
						   wrong_dirs[i].dir),
					  &u, wrong_dirs[i].size))
			TH_LOG("ioctl %#lx with direction %u",
			       wrong_dirs[i].cmd, wrong_dirs[i].dir);

	/* Unknown numbers and an unknown magic: ENOTTY. */
	EXPECT_EQ(-ENOTTY, pmm_ioctl_sized(self->ctx.dev,
					   _IOWR(PMM_IOC_MAGIC, 0x04,
						 struct pmm_block_info),
					   &u, sizeof(u.block)));
	EXPECT_EQ(-ENOTTY, pmm_ioctl_sized(self->ctx.dev,
					   _IOWR(PMM_IOC_MAGIC, 0xff,
						 struct pmm_block_info),
					   &u, sizeof(u.block)));
	EXPECT_EQ(-ENOTTY, pmm_ioctl_sized(self->ctx.dev,
					   _IOWR('x', _IOC_NR(PMM_IOCTL_ALLOC),
						 struct pmm_alloc_data),
					   &u, sizeof(u.alloc)));
}

/* Each memory type is a dma-heap, pmm-<type>, giving the same blocks. */
TEST_F(pmm_type, heaps)
{
	const unsigned int id = variant->id;
	const char *type = self->ctx.types[id].name;
	const size_t page = pmm_page_size(), size = 3 * page;
	struct pmm_block_info info;
	unsigned char *p;
	int heap, fd;

	if (self->ctx.base[id].largest_free_bytes < (int64_t)size)
		SKIP(return, "memory type %s has less than 3 pages free", type);
	/* Read-only: a dma-heap allocates whatever its open mode (#13). */
	heap = pmm_heap_open(type, O_RDONLY);
	if (heap == -ENOENT)
		SKIP(return, "no heap pmm-%s (CONFIG_DMABUF_HEAPS_PMM=n?)",
		     type);
	ASSERT_LE(0, heap) TH_LOG("pmm-%s: %s", type, strerror(-heap));

	fd = dma_heap_alloc(heap, size, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("pmm-%s: %s", type, strerror(-fd));
	ASSERT_EQ(0, pmm_ioctl_block_info(self->ctx.dev, fd, &info));
	EXPECT_EQ(id, info.type_id);
	EXPECT_EQ(size, info.size);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD));
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_TRUE(p != MAP_FAILED);
	EXPECT_TRUE(pmm_all_bytes(p, 0, size));
	memset(p, 0xee, size);
	EXPECT_EQ(0, munmap(p, size));
	EXPECT_EQ(0, close(fd));

	/* The fd's access mode limits its mappings, as for /dev/pmm's. */
	fd = dma_heap_alloc(heap, size, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(EACCES, pmm_mmap_errno(size, PROT_READ | PROT_WRITE,
					 MAP_SHARED, fd, 0));
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_TRUE(p != MAP_FAILED);
	EXPECT_TRUE(pmm_all_bytes(p, 0, size));
	EXPECT_EQ(0, munmap(p, size));
	EXPECT_EQ(0, close(fd));

	/* The heap core refuses a length of 0. */
	EXPECT_EQ(-EINVAL, dma_heap_alloc(heap, 0, O_RDWR));
	EXPECT_EQ(0, close(heap));
}

/*
 * #18: the exporter name of a block's dma-buf names its memory type,
 * pmm-<type>, whether /dev/pmm or the heap made it, and DMA_BUF_SET_NAME
 * names the buffer. v1 failed: every PMM dma-buf is exported as "pmm".
 */
TEST_F(pmm_type, exp_name)
{
	const unsigned int id = variant->id;
	const char *type = self->ctx.types[id].name;
	const size_t page = pmm_page_size();
	char want[PMM_TYPE_NAME_LEN + 8], buf[256];
	void *p;
	int fd, heap;

	snprintf(want, sizeof(want), "pmm-%s", type);
	fd = PMM_ALLOC(self->ctx.dev, .size = page, .type_mask = BIT(id),
		       .fd_flags = O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fdinfo_field(fd, "size", buf, sizeof(buf)));
	EXPECT_EQ(page, strtoull(buf, NULL, 10));
	ASSERT_EQ(0, fdinfo_field(fd, "exp_name", buf, sizeof(buf)));
	EXPECT_STREQ(want, buf);
	EXPECT_EQ(-1, fdinfo_field(fd, "name", buf, sizeof(buf)));

	/* DMA_BUF_SET_NAME: shown as name:, and in the mapping's path. */
	ASSERT_EQ(0, ioctl(fd, DMA_BUF_SET_NAME, "pmm-selftest"))
		TH_LOG("DMA_BUF_SET_NAME: %s", strerror(errno));
	ASSERT_EQ(0, fdinfo_field(fd, "name", buf, sizeof(buf)));
	EXPECT_STREQ("pmm-selftest", buf);
	ASSERT_EQ(0, fdinfo_field(fd, "exp_name", buf, sizeof(buf)));
	EXPECT_STREQ(want, buf);
	p = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_TRUE(p != MAP_FAILED);
	ASSERT_EQ(0, pmm_maps_line(p, buf, sizeof(buf)));
	EXPECT_TRUE(!!strstr(buf, "dmabuf:pmm-selftest")) TH_LOG("%s", buf);
	EXPECT_EQ(0, munmap(p, page));
	EXPECT_EQ(0, close(fd));

	heap = pmm_heap_open(type, O_RDONLY);
	if (heap == -ENOENT) {
		TH_LOG("no heap pmm-%s: its exporter name is not checked",
		       type);
		return;
	}
	ASSERT_LE(0, heap);
	fd = dma_heap_alloc(heap, page, O_RDWR | O_CLOEXEC);
	EXPECT_EQ(0, close(heap));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fdinfo_field(fd, "exp_name", buf, sizeof(buf)));
	EXPECT_STREQ(want, buf);
	EXPECT_EQ(0, close(fd));
}

/*
 * #13: /dev/pmm open read-only lists the types and describes blocks, but
 * neither allocates nor makes segments: EACCES (after EINVAL for a
 * malformed request, before any error about the system's state). Open
 * write-only it does everything. A heap opened read-only still allocates:
 * dma-heap semantics. v1 failed: ALLOC on a read-only /dev/pmm succeeds.
 */
TEST_F(pmm, read_only_dev)
{
	const unsigned int nr = self->ctx.nr_types;
	const uint64_t page = pmm_page_size();
	struct pmm_stats before[PMM_MAX_TYPES], now;
	struct pmm_block_info binfo;
	struct pmm_type_info info;
	int ro, wo, fd, fd2, segments;
	uint64_t total = 0;
	unsigned int i;

	ro = open(PMM_DEV, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, ro);

	for (i = 0; i < nr; i++) {
		info = (struct pmm_type_info){ .id = i };
		EXPECT_EQ(0, pmm_ioctl_type_info(ro, &info));
		EXPECT_STREQ(self->ctx.types[i].name, info.name);
		total += info.total_bytes;
	}
	info = (struct pmm_type_info){ .id = nr };
	EXPECT_EQ(-ENOENT, pmm_ioctl_type_info(ro, &info));

	fd = PMM_ALLOC(self->ctx.dev, .size = page, .fd_flags = O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, pmm_ioctl_block_info(ro, fd, &binfo));
	EXPECT_EQ(page, binfo.size);
	EXPECT_EQ(-ENODEV, pmm_ioctl_block_info(ro, ro, &binfo));

	for (i = 0; i < nr; i++)
		ASSERT_EQ(0, pmm_stats_read(self->ctx.types[i].name,
					    &before[i]));
	EXPECT_EQ(-EACCES, PMM_ALLOC_TRY(ro, .size = page,
					 .fd_flags = O_RDWR));
	EXPECT_EQ(-EACCES, PMM_ALLOC_TRY(ro, .size = page,
					 .fd_flags = O_RDONLY));
	EXPECT_EQ(-EACCES, PMM_ALLOC_TRY(ro, .size = total + page,
					 .fd_flags = O_RDWR));
	if (nr < 32)
		EXPECT_EQ(-EACCES, PMM_ALLOC_TRY(ro, .size = page,
						 .type_mask = BIT(31),
						 .fd_flags = O_RDWR));
	/* How /dev/pmm was opened comes first, before the request itself. */
	EXPECT_EQ(-EACCES, PMM_ALLOC_TRY(ro, .size = 0, .fd_flags = O_RDWR));
	EXPECT_EQ(-EACCES, PMM_ALLOC_TRY(ro, .size = page, .flags = 1,
					 .fd_flags = O_RDWR));
	/* A refused request is not a failed allocation: nothing counts it. */
	for (i = 0; i < nr; i++) {
		ASSERT_EQ(0, pmm_stats_read(self->ctx.types[i].name, &now));
		EXPECT_EQ(0, memcmp(&before[i], &now, sizeof(now)))
			TH_LOG("%s changed", self->ctx.types[i].name);
	}

	if (pmm_have_sysvipc()) {
		segments = pmm_proc_shm_count();
		EXPECT_EQ(-EACCES, PMM_SHMGET_TRY(ro, .fd = fd,
						  .key = IPC_PRIVATE,
						  .shmflg = 0600));
		EXPECT_EQ(-EACCES, PMM_SHMGET_TRY(ro, .fd = fd,
						  .key = IPC_PRIVATE,
						  .shmflg = 0600, .flags = 1));
		EXPECT_EQ(segments, pmm_proc_shm_count());
	}
	EXPECT_EQ(0, close(ro));

	/* Write-only is enough to allocate, and still lists and describes. */
	wo = open(PMM_DEV, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, wo);
	info = (struct pmm_type_info){ .id = 0 };
	EXPECT_EQ(0, pmm_ioctl_type_info(wo, &info));
	fd2 = PMM_ALLOC(wo, .size = page, .fd_flags = O_RDWR);
	EXPECT_LE(0, fd2) TH_LOG("ALLOC on a write-only /dev/pmm: %s",
				 strerror(-fd2));
	if (fd2 >= 0) {
		EXPECT_EQ(0, pmm_ioctl_block_info(wo, fd2, &binfo));
		EXPECT_EQ(0, close(fd2));
	}
	EXPECT_EQ(0, close(wo));
	EXPECT_EQ(0, close(fd));

	fd = first_type_heap_block(&self->ctx, page);
	if (fd == -ENOENT)
		return;
	EXPECT_LE(0, fd) TH_LOG("read-only heap: %s", strerror(-fd));
	if (fd >= 0)
		EXPECT_EQ(0, close(fd));
}

static int list_but_not_alloc(void *arg)
{
	const char *node = arg;
	struct pmm_type_info info = { .id = 0 };
	int ro, ret;

	if (pmm_drop_to_nobody())
		return 10;
	if (open(node, O_RDWR) >= 0 || errno != EACCES)
		return 1;
	ro = open(node, O_RDONLY);
	if (ro < 0)
		return 2;
	if (pmm_ioctl_type_info(ro, &info))
		return 3;
	ret = PMM_ALLOC_TRY(ro, .size = pmm_page_size(), .fd_flags = O_RDWR);
	if (ret != -EACCES)
		return 4;
	return 0;
}

/*
 * #13: a user a udev rule gave read access to /dev/pmm (mode 0644) lists
 * the types but cannot allocate. v1 failed with 4: the user allocates.
 */
TEST_F(pmm, read_only_dev_nobody)
{
	char dir[] = "/tmp/pmm_test.XXXXXX", node[64];
	struct stat st;
	int fd, status;

	if (geteuid())
		SKIP(return, "needs root to make a device node");
	ASSERT_EQ(0, stat(PMM_DEV, &st));
	ASSERT_TRUE(!!mkdtemp(dir));
	ASSERT_EQ(0, chmod(dir, 0755));
	snprintf(node, sizeof(node), "%s/pmm", dir);
	ASSERT_EQ(0, mknod(node, S_IFCHR | 0644, st.st_rdev));
	ASSERT_EQ(0, chmod(node, 0644));

	fd = open(node, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		unlink(node);
		rmdir(dir);
		SKIP(return, "cannot open a device node in /tmp: %s (nodev?)",
		     strerror(errno));
	}
	close(fd);
	status = pmm_in_child(list_but_not_alloc, node);
	EXPECT_EQ(0, unlink(node));
	EXPECT_EQ(0, rmdir(dir));
	EXPECT_EQ(0, status) TH_LOG("as uid %u, %u:%u mode 0644: step %d",
				    PMM_NOBODY, major(st.st_rdev),
				    minor(st.st_rdev), status);
}

/*
 * #27: a block's mapping is never executable. mmap(PROT_EXEC) fails with
 * EPERM and mprotect() adding PROT_EXEC with EACCES, as for a file that
 * refuses exec (no VM_MAYEXEC). v1 failed: both succeed.
 */
TEST_F(pmm, no_exec)
{
	const size_t page = pmm_page_size();
	int fd, ro, memfd;
	void *p;

	/* Nothing in this system refuses an executable shared mapping. */
	memfd = memfd_create("pmm-exec-reference", MFD_CLOEXEC);
	ASSERT_LE(0, memfd);
	ASSERT_EQ(0, ftruncate(memfd, page));
	p = mmap(NULL, page, PROT_READ | PROT_EXEC, MAP_SHARED, memfd, 0);
	ASSERT_TRUE(p != MAP_FAILED) TH_LOG("an executable memfd mapping: %s",
					    strerror(errno));
	EXPECT_EQ(0, munmap(p, page));
	EXPECT_EQ(0, close(memfd));

	fd = PMM_ALLOC(self->ctx.dev, .size = page,
		       .fd_flags = O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(EPERM, pmm_mmap_errno(page, PROT_READ | PROT_EXEC,
					MAP_SHARED, fd, 0));
	EXPECT_EQ(EPERM, pmm_mmap_errno(page, PROT_EXEC, MAP_SHARED, fd, 0));
	EXPECT_EQ(EPERM, pmm_mmap_errno(page,
					PROT_READ | PROT_WRITE | PROT_EXEC,
					MAP_SHARED, fd, 0));

	p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_TRUE(p != MAP_FAILED);
	EXPECT_EQ(-1, mprotect(p, page, PROT_READ | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, mprotect(p, page, PROT_READ | PROT_WRITE | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);
	/* Other changes of protection are still allowed. */
	EXPECT_EQ(0, mprotect(p, page, PROT_READ));
	EXPECT_EQ(0, munmap(p, page));
	EXPECT_EQ(0, close(fd));

	/* A read-only fd, and a block from the heap. */
	ro = PMM_ALLOC(self->ctx.dev, .size = page, .fd_flags = O_RDONLY);
	ASSERT_LE(0, ro);
	EXPECT_EQ(EPERM, pmm_mmap_errno(page, PROT_READ | PROT_EXEC,
					MAP_SHARED, ro, 0));
	EXPECT_EQ(0, close(ro));

	fd = first_type_heap_block(&self->ctx, page);
	if (fd == -ENOENT)
		return;
	ASSERT_LE(0, fd);
	EXPECT_EQ(EPERM, pmm_mmap_errno(page, PROT_READ | PROT_EXEC,
					MAP_SHARED, fd, 0));
	EXPECT_EQ(0, close(fd));
}

static int map_read_implies_exec(void *arg)
{
	int fd = *(int *)arg;
	char perms[5];
	void *p;

	if (personality(READ_IMPLIES_EXEC) < 0)
		return 10;
	p = mmap(NULL, pmm_page_size(), PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return 1;
	if (pmm_maps_perms(p, perms))
		return 11;
	return strcmp(perms, "r--s") ? 2 : 0;
}

/*
 * #27, the design's consequence: for a file that refuses exec, mmap()
 * does not add PROT_EXEC to PROT_READ under the READ_IMPLIES_EXEC
 * personality, and the mapping works, not executable. v1 failed with 2
 * (the mapping is executable); a kernel that refuses VM_EXEC in ->mmap
 * instead of making the file refuse exec fails it with 1.
 */
TEST_F(pmm, no_exec_read_implies_exec)
{
	int fd;

	fd = PMM_ALLOC(self->ctx.dev, .size = pmm_page_size(),
		       .fd_flags = O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, pmm_in_child(map_read_implies_exec, &fd));
	EXPECT_EQ(0, close(fd));
}

/*
 * Free reserve is marked offline (KPF_OFFLINE in /proc/kpageflags), which
 * keeps it out of hibernation images and crash dumps; a block's pages are
 * not, so they are saved. Counts the type's offline pages, or -errno.
 */
#define KPF_OFFLINE_BIT	23

static long count_offline(const char *type, long *pages)
{
	unsigned long long first, last, pfn, flags;
	char path[128], line[96];
	long offline = 0;
	size_t page = pmm_page_size();
	FILE *regions;
	int kpf;

	snprintf(path, sizeof(path), PMM_SYSFS "/%s/regions", type);
	regions = fopen(path, "re");
	if (!regions)
		return -errno;
	kpf = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	if (kpf < 0) {
		fclose(regions);
		return -errno;
	}
	*pages = 0;
	while (fgets(line, sizeof(line), regions) &&
	       sscanf(line, "%llx-%llx", &first, &last) == 2) {
		for (pfn = first / page; pfn <= last / page; pfn++) {
			if (pread(kpf, &flags, sizeof(flags),
				  pfn * sizeof(flags)) != sizeof(flags)) {
				offline = -EIO;
				goto out;
			}
			offline += (flags >> KPF_OFFLINE_BIT) & 1;
			(*pages)++;
		}
	}
out:
	close(kpf);
	fclose(regions);
	return offline;
}

/* #7: free reserve offline, blocks not. */
TEST_F(pmm_type, free_reserve_offline)
{
	const struct pmm_stats *base = &self->ctx.base[variant->id];
	const char *name = self->ctx.types[variant->id].name;
	long pages, offline;
	int fd;

	if (geteuid())
		SKIP(return, "/proc/kpageflags and the regions are root's");
	if (base->free_bytes != base->total_bytes)
		SKIP(return, "type %s is not all free", name);
	offline = count_offline(name, &pages);
	if (offline == -ENOENT)
		SKIP(return, "no /proc/kpageflags (CONFIG_PROC_PAGE_MONITOR)");
	ASSERT_LE(0, offline) TH_LOG("%s", strerror(-offline));
	EXPECT_EQ(pages, offline) TH_LOG("free pages of %s not offline", name);

	fd = PMM_ALLOC(self->ctx.dev, .size = base->largest_free_bytes,
		       .type_mask = BIT(variant->id), .fd_flags = O_RDWR);
	ASSERT_LE(0, fd);
	offline = count_offline(name, &pages);
	EXPECT_EQ(pages - (long)(base->largest_free_bytes / pmm_page_size()),
		  offline) TH_LOG("a block's pages must be saved and dumped");
	EXPECT_EQ(0, close(fd));
	EXPECT_EQ(pages, count_offline(name, &pages));
}

TEST_HARNESS_MAIN
