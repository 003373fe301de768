// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of /dev/pmm, its dma-bufs and the PMM dma-buf heaps.
 *
 * They adapt to the memory types the kernel was booted with (pmm=) and skip
 * what needs more types or more room than there is; for example
 * pmm=general:64M,fast:8M runs them all.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/pmm.h>

#include "../kselftest_harness.h"

#define PMM_DEV		"/dev/pmm"
#define PMM_SYSFS	"/sys/kernel/mm/pmm"
#define HEAP_DIR	"/dev/dma_heap"
#define MAX_TYPES	32
#define MAX_BLOCKS	4096

struct type_stats {
	uint64_t total_bytes;
	uint64_t free_bytes;
	uint64_t largest_free_bytes;
	uint64_t nr_blocks;
	uint64_t alloc_success;
	uint64_t alloc_fail;
	uint64_t free_success;
};

static const char *const stat_files[] = {
	"total_bytes", "free_bytes", "largest_free_bytes", "nr_blocks",
	"alloc_success", "alloc_fail", "free_success",
};

static size_t page_size;

static int read_stats(const char *type, struct type_stats *st)
{
	uint64_t *val = &st->total_bytes;
	char path[256], buf[32];
	unsigned int i;
	ssize_t n;
	int fd;

	for (i = 0; i < ARRAY_SIZE(stat_files); i++) {
		snprintf(path, sizeof(path), PMM_SYSFS "/%s/%s", type,
			 stat_files[i]);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			return -errno;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			return -EIO;
		buf[n] = '\0';
		val[i] = strtoull(buf, NULL, 10);
	}
	return 0;
}

/* Allocate through /dev/pmm; return the dma-buf fd or -errno. */
static int pmm_alloc(int dev, uint64_t size, uint64_t align, uint32_t mask,
		     uint32_t flags, uint32_t fd_flags)
{
	struct pmm_alloc_data data = {
		.size = size,
		.align = align,
		.type_mask = mask,
		.flags = flags,
		.fd_flags = fd_flags,
	};

	if (ioctl(dev, PMM_IOCTL_ALLOC, &data))
		return -errno;
	return data.fd;
}

static int block_info(int dev, int fd, struct pmm_block_info *info)
{
	memset(info, 0, sizeof(*info));
	info->fd = fd;
	return ioctl(dev, PMM_IOCTL_BLOCK_INFO, info) ? -errno : 0;
}

static int heap_alloc(const char *name, uint64_t len, uint32_t fd_flags)
{
	struct dma_heap_allocation_data data = {
		.len = len,
		.fd_flags = fd_flags,
	};
	char path[256];
	int heap, ret;

	snprintf(path, sizeof(path), HEAP_DIR "/%s", name);
	heap = open(path, O_RDONLY | O_CLOEXEC);
	if (heap < 0)
		return -errno;
	ret = ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &data) ? -errno : (int)data.fd;
	close(heap);
	return ret;
}

static bool all_bytes(const void *p, int c, size_t len)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != c)
			return false;
	return true;
}

FIXTURE(pmm) {
	int dev;
	unsigned int nr_types;
	struct pmm_type_info types[MAX_TYPES];
	struct type_stats base[MAX_TYPES];
};

FIXTURE_SETUP(pmm)
{
	unsigned int i;

	page_size = sysconf(_SC_PAGESIZE);
	self->nr_types = 0;
	self->dev = open(PMM_DEV, O_RDWR | O_CLOEXEC);
	if (self->dev < 0 && errno == ENOENT)
		SKIP(return, PMM_DEV " does not exist (CONFIG_PMM_DMABUF=n?)");
	ASSERT_LE(0, self->dev) TH_LOG("open " PMM_DEV ": %s", strerror(errno));

	for (i = 0; i < MAX_TYPES; i++) {
		struct pmm_type_info *t = &self->types[i];

		memset(t, 0, sizeof(*t));
		t->id = i;
		if (ioctl(self->dev, PMM_IOCTL_TYPE_INFO, t)) {
			ASSERT_EQ(ENOENT, errno);
			break;
		}
		ASSERT_EQ(0, read_stats(t->name, &self->base[i]));
	}
	self->nr_types = i;
}

FIXTURE_TEARDOWN(pmm)
{
	struct type_stats now;
	unsigned int i;

	/* Every test gives back everything it took. */
	for (i = 0; i < self->nr_types; i++) {
		ASSERT_EQ(0, read_stats(self->types[i].name, &now));
		EXPECT_EQ(self->base[i].free_bytes, now.free_bytes)
			TH_LOG("%s leaked", self->types[i].name);
		EXPECT_EQ(self->base[i].largest_free_bytes,
			  now.largest_free_bytes);
		EXPECT_EQ(self->base[i].nr_blocks, now.nr_blocks);
		EXPECT_EQ(now.alloc_success - self->base[i].alloc_success,
			  now.free_success - self->base[i].free_success);
	}
	if (self->dev >= 0)
		close(self->dev);
}

#define NEED_TYPES_MSG \
	"needs %d memory type(s), have %u (boot with pmm=general:64M,fast:8M)"

/* The stats of type @id now, minus those at setup. */
#define STATS_DELTA(id, now) \
	ASSERT_EQ(0, read_stats(self->types[id].name, &(now)))

TEST_F(pmm, devnode_mode)
{
	struct stat st;

	ASSERT_EQ(0, stat(PMM_DEV, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
}

TEST_F(pmm, unprivileged_open)
{
	int status;
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root to drop privileges");
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(2);
		if (open(PMM_DEV, O_RDWR) >= 0 || errno != EACCES)
			_exit(1);
		if (open(PMM_DEV, O_RDONLY) >= 0 || errno != EACCES)
			_exit(1);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(pmm, type_info)
{
	struct pmm_type_info info;
	unsigned int i;

	if (self->nr_types < 1)
		SKIP(return, NEED_TYPES_MSG, 1, self->nr_types);
	for (i = 0; i < self->nr_types; i++) {
		struct pmm_type_info *t = &self->types[i];

		EXPECT_EQ(i, t->id);
		EXPECT_NE(0, t->name[0]);
		EXPECT_EQ(0, t->name[PMM_TYPE_NAME_LEN - 1]);
		EXPECT_EQ(self->base[i].total_bytes, t->total_bytes);
		EXPECT_EQ(self->base[i].free_bytes, t->free_bytes);
		EXPECT_EQ(self->base[i].largest_free_bytes,
			  t->largest_free_bytes);
		EXPECT_LE(t->largest_free_bytes, t->free_bytes);
		EXPECT_LE(t->free_bytes, t->total_bytes);
	}

	memset(&info, 0, sizeof(info));
	info.id = self->nr_types;
	EXPECT_EQ(-1, ioctl(self->dev, PMM_IOCTL_TYPE_INFO, &info));
	EXPECT_EQ(ENOENT, errno);
	info.id = UINT32_MAX;
	EXPECT_EQ(-1, ioctl(self->dev, PMM_IOCTL_TYPE_INFO, &info));
	EXPECT_EQ(ENOENT, errno);
	info.id = 0;
	info.flags = 1;
	EXPECT_EQ(-1, ioctl(self->dev, PMM_IOCTL_TYPE_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(pmm, alloc_map_write_read)
{
	struct type_stats now;
	struct pmm_block_info info;
	size_t size = 1 << 20, i;
	unsigned int id = 0;
	uint32_t *p, *q;
	int fd;

	if (self->nr_types < 1)
		SKIP(return, NEED_TYPES_MSG, 1, self->nr_types);
	if (self->types[id].largest_free_bytes < size)
		size = self->types[id].largest_free_bytes;

	fd = pmm_alloc(self->dev, size - 1, 0, 1u << id, 0,
		       O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("alloc: %s", strerror(-fd));
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD));
	EXPECT_EQ(O_RDWR, fcntl(fd, F_GETFL) & O_ACCMODE);

	ASSERT_EQ(0, block_info(self->dev, fd, &info));
	EXPECT_EQ(size, info.size);	/* rounded up to pages */
	EXPECT_EQ(id, info.type_id);
	EXPECT_EQ(0, info.reserved);

	STATS_DELTA(id, now);
	EXPECT_EQ(self->base[id].free_bytes - size, now.free_bytes);
	EXPECT_EQ(self->base[id].nr_blocks + 1, now.nr_blocks);
	EXPECT_EQ(self->base[id].alloc_success + 1, now.alloc_success);
	EXPECT_EQ(self->base[id].alloc_fail, now.alloc_fail);
	EXPECT_EQ(self->base[id].free_success, now.free_success);

	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < size / sizeof(*p); i++)
		p[i] = i * 2654435761u;
	for (i = 0; i < size / sizeof(*p); i++)
		if (p[i] != (uint32_t)(i * 2654435761u))
			break;
	EXPECT_EQ(size / sizeof(*p), i);

	/* A second mapping of the same block sees the same memory. */
	q = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, q);
	EXPECT_EQ(0, memcmp(p, q, size));
	munmap(q, size);

	EXPECT_EQ(0, munmap(p, size));
	STATS_DELTA(id, now);
	EXPECT_EQ(self->base[id].nr_blocks + 1, now.nr_blocks);
	close(fd);

	STATS_DELTA(id, now);
	EXPECT_EQ(self->base[id].free_bytes, now.free_bytes);
	EXPECT_EQ(self->base[id].nr_blocks, now.nr_blocks);
	EXPECT_EQ(self->base[id].free_success + 1, now.free_success);
}

TEST_F(pmm, dma_buf_sync)
{
	struct dma_buf_sync sync = { 0 };
	char *p;
	int fd;

	if (self->nr_types < 1)
		SKIP(return, NEED_TYPES_MSG, 1, self->nr_types);
	fd = pmm_alloc(self->dev, page_size, 0, 0, 0, O_RDWR);
	ASSERT_LE(0, fd);
	p = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	sync.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW;
	EXPECT_EQ(0, ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync));
	memset(p, 0x5a, page_size);
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
	EXPECT_EQ(0, ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync));
	munmap(p, page_size);
	close(fd);
}

TEST_F(pmm, fork_share)
{
	size_t size = 64 * page_size;
	unsigned char *p;
	int fd, status;
	pid_t pid;

	if (self->nr_types < 1)
		SKIP(return, NEED_TYPES_MSG, 1, self->nr_types);
	fd = pmm_alloc(self->dev, size, 0, 0, 0, O_RDWR);
	ASSERT_LE(0, fd);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0x11, size / 2);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* The child sees the parent's data and writes its own. */
		if (!all_bytes(p, 0x11, size / 2))
			_exit(1);
		memset(p + size / 2, 0x22, size / 2);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_TRUE(all_bytes(p + size / 2, 0x22, size / 2));
	munmap(p, size);
	close(fd);
}

TEST_F(pmm, close_while_mapped)
{
	size_t size = 16 * page_size;
	struct pmm_block_info info;
	struct type_stats now;
	unsigned int id;
	unsigned char *p;
	int fd, status;
	pid_t pid;

	if (self->nr_types < 1)
		SKIP(return, NEED_TYPES_MSG, 1, self->nr_types);
	fd = pmm_alloc(self->dev, size, 0, 0, 0, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, block_info(self->dev, fd, &info));
	id = info.type_id;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, close(fd));

	/* The mapping holds the block. */
	memset(p, 0x33, size);
	EXPECT_TRUE(all_bytes(p, 0x33, size));
	STATS_DELTA(id, now);
	EXPECT_EQ(self->base[id].nr_blocks + 1, now.nr_blocks);
	EXPECT_EQ(self->base[id].free_bytes - size, now.free_bytes);

	/* ... in a child too, after the fd is gone, and after the child. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (!all_bytes(p, 0x33, size))
			_exit(1);
		memset(p, 0x44, size);
		munmap(p, size);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_TRUE(all_bytes(p, 0x44, size));
	STATS_DELTA(id, now);
	EXPECT_EQ(self->base[id].nr_blocks + 1, now.nr_blocks);

	/* Splitting the mapping keeps a reference in each part. */
	EXPECT_EQ(0, munmap(p + 4 * page_size, 4 * page_size));
	EXPECT_EQ(0, munmap(p, 4 * page_size));
	STATS_DELTA(id, now);
	EXPECT_EQ(self->base[id].nr_blocks + 1, now.nr_blocks);
	EXPECT_TRUE(all_bytes(p + 8 * page_size, 0x44, 8 * page_size));

	/* The last unmap frees the block. */
	EXPECT_EQ(0, munmap(p + 8 * page_size, 8 * page_size));
	STATS_DELTA(id, now);
	EXPECT_EQ(self->base[id].nr_blocks, now.nr_blocks);
	EXPECT_EQ(self->base[id].free_bytes, now.free_bytes);
	EXPECT_EQ(self->base[id].free_success + 1, now.free_success);
}

TEST_F(pmm, mmap_limits)
{
	size_t size = 4 * page_size;
	struct iovec iov;
	unsigned char *p, *q;
	int fd, ro, pipefd[2];

	if (self->nr_types < 1)
		SKIP(return, NEED_TYPES_MSG, 1, self->nr_types);
	fd = pmm_alloc(self->dev, size, 0, 0, 0, O_RDWR);
	ASSERT_LE(0, fd);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0, size);
	p[page_size] = 0x77;

	/* MAP_SHARED only. */
	EXPECT_EQ(MAP_FAILED, mmap(NULL, size, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE, fd, 0));
	EXPECT_EQ(EINVAL, errno);

	/* Inside the block. */
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 2 * page_size, PROT_READ,
				   MAP_SHARED, fd, 3 * page_size));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, page_size, PROT_READ, MAP_SHARED,
				   fd, size));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 2 * size, PROT_READ, MAP_SHARED,
				   fd, 0));
	EXPECT_EQ(EINVAL, errno);

	/* An offset maps the right page. */
	q = mmap(NULL, page_size, PROT_READ, MAP_SHARED, fd, page_size);
	ASSERT_NE(MAP_FAILED, q);
	EXPECT_EQ(0x77, q[0]);

	/* No growth. */
	EXPECT_EQ(MAP_FAILED, mremap(q, page_size, 2 * page_size,
				     MREMAP_MAYMOVE));
	munmap(q, page_size);

	/* No pins: vmsplice() must not get at the block's pages. */
	iov.iov_base = p;
	iov.iov_len = page_size;
	ASSERT_EQ(0, pipe(pipefd));
	EXPECT_EQ(-1, vmsplice(pipefd[1], &iov, 1, 0));
	EXPECT_EQ(EFAULT, errno);
	close(pipefd[0]);
	close(pipefd[1]);
	munmap(p, size);
	close(fd);

	/* The access mode of the fd limits the mapping. */
	ro = pmm_alloc(self->dev, size, 0, 0, 0, O_RDONLY);
	ASSERT_LE(0, ro);
	EXPECT_EQ(O_RDONLY, fcntl(ro, F_GETFL) & O_ACCMODE);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, size, PROT_READ | PROT_WRITE,
				   MAP_SHARED, ro, 0));
	EXPECT_EQ(EACCES, errno);
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, ro, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_TRUE(all_bytes(p, 0, size));
	munmap(p, size);
	close(ro);
}

/* Every block handed out is zeroed, even where the last owner wrote. */
TEST_F(pmm, zeroed)
{
	size_t sizes[] = { 1, page_size, 3 * page_size, 1 << 20 };
	unsigned int s, round;
	unsigned char *p;
	size_t size;
	int fd;

	if (self->nr_types < 1)
		SKIP(return, NEED_TYPES_MSG, 1, self->nr_types);
	for (s = 0; s < ARRAY_SIZE(sizes); s++) {
		size = (sizes[s] + page_size - 1) & ~(page_size - 1);
		if (size > self->types[0].largest_free_bytes)
			continue;
		for (round = 0; round < 3; round++) {
			fd = pmm_alloc(self->dev, sizes[s], 0, 1, 0, O_RDWR);
			ASSERT_LE(0, fd);
			p = mmap(NULL, size, PROT_READ | PROT_WRITE,
				 MAP_SHARED, fd, 0);
			ASSERT_NE(MAP_FAILED, p);
			EXPECT_TRUE(all_bytes(p, 0, size))
				TH_LOG("size %zu round %u not zeroed", size,
				       round);
			memset(p, 0xa5, size);
			munmap(p, size);
			close(fd);
		}
	}
}

TEST_F(pmm, invalid_args)
{
	struct type_stats before[MAX_TYPES], now;
	uint64_t total = 0;
	unsigned int i;
	int fd;

	if (self->nr_types < 1)
		SKIP(return, NEED_TYPES_MSG, 1, self->nr_types);
	for (i = 0; i < self->nr_types; i++) {
		ASSERT_EQ(0, read_stats(self->types[i].name, &before[i]));
		total += self->types[i].total_bytes;
	}

	EXPECT_EQ(-EINVAL, pmm_alloc(self->dev, page_size, 0, 0, 1, O_RDWR));
	EXPECT_EQ(-EINVAL, pmm_alloc(self->dev, page_size, 0, 0, 1u << 31,
				     O_RDWR));
	EXPECT_EQ(-ERANGE, pmm_alloc(self->dev, 0, 0, 0, 0, O_RDWR));
	EXPECT_EQ(-EOVERFLOW, pmm_alloc(self->dev, UINT64_MAX, 0, 0, 0,
					O_RDWR));
	EXPECT_EQ(-EOVERFLOW, pmm_alloc(self->dev, UINT64_MAX - page_size + 2,
					0, 0, 0, O_RDWR));
	EXPECT_EQ(-EDOM, pmm_alloc(self->dev, page_size, 3 * page_size, 0, 0,
				   O_RDWR));
	EXPECT_EQ(-EDOM, pmm_alloc(self->dev, page_size, page_size / 2, 0, 0,
				   O_RDWR));
	EXPECT_EQ(-EDOM, pmm_alloc(self->dev, page_size, 1, 0, 0, O_RDWR));
	EXPECT_EQ(-EDOM, pmm_alloc(self->dev, page_size,
				   (uint64_t)page_size << (PMM_MAX_ALIGN_SHIFT + 1),
				   0, 0, O_RDWR));
	EXPECT_EQ(-EDOM, pmm_alloc(self->dev, page_size, 1ull << 63, 0, 0,
				   O_RDWR));
	if (self->nr_types < 32)
		EXPECT_EQ(-ENOENT, pmm_alloc(self->dev, page_size, 0,
					     1u << self->nr_types, 0, O_RDWR));
	EXPECT_EQ(-ENOENT, pmm_alloc(self->dev, page_size, 0, 1u << 31, 0,
				     O_RDWR));
	EXPECT_EQ(-EOPNOTSUPP, pmm_alloc(self->dev, page_size, 0, 0, 0,
					 O_RDWR | O_NONBLOCK));
	EXPECT_EQ(-EOPNOTSUPP, pmm_alloc(self->dev, page_size, 0, 0, 0,
					 O_ACCMODE));
	EXPECT_EQ(-EOPNOTSUPP, pmm_alloc(self->dev, page_size, 0, 0, 0,
					 O_RDWR | O_APPEND));

	/* Invalid requests change no statistic. */
	for (i = 0; i < self->nr_types; i++) {
		ASSERT_EQ(0, read_stats(self->types[i].name, &now));
		EXPECT_EQ(0, memcmp(&before[i], &now, sizeof(now)));
	}

	/* No room anywhere: ENOMEM, and a failure counted by every type. */
	EXPECT_EQ(-ENOMEM, pmm_alloc(self->dev, total + page_size, 0, 0, 0,
				     O_RDWR));
	for (i = 0; i < self->nr_types; i++) {
		ASSERT_EQ(0, read_stats(self->types[i].name, &now));
		EXPECT_EQ(before[i].alloc_fail + 1, now.alloc_fail);
		EXPECT_EQ(before[i].alloc_success, now.alloc_success);
	}

	/* The largest alignment is accepted. */
	fd = pmm_alloc(self->dev, page_size,
		       (uint64_t)page_size << PMM_MAX_ALIGN_SHIFT, 0, 0, O_RDWR);
	EXPECT_TRUE(fd >= 0 || fd == -ENOMEM) TH_LOG("%d", fd);
	if (fd >= 0)
		close(fd);
}

TEST_F(pmm, block_info)
{
	struct pmm_block_info info;
	int fd, other;

	if (self->nr_types < 1)
		SKIP(return, NEED_TYPES_MSG, 1, self->nr_types);
	fd = pmm_alloc(self->dev, page_size, 0, 0, 0, O_RDWR);
	ASSERT_LE(0, fd);

	memset(&info, 0, sizeof(info));
	info.fd = fd;
	info.flags = 1;
	EXPECT_EQ(-1, ioctl(self->dev, PMM_IOCTL_BLOCK_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
	info.flags = 0;
	info.reserved = 1;
	EXPECT_EQ(-1, ioctl(self->dev, PMM_IOCTL_BLOCK_INFO, &info));
	EXPECT_EQ(EINVAL, errno);

	/* A duplicate is the same block. */
	other = dup(fd);
	ASSERT_LE(0, other);
	ASSERT_EQ(0, block_info(self->dev, other, &info));
	EXPECT_EQ(page_size, info.size);
	close(other);
	close(fd);

	/* Closed fds, fds that are no dma-buf, dma-bufs not from PMM. */
	EXPECT_EQ(-EBADF, block_info(self->dev, fd, &info));
	EXPECT_EQ(-EBADF, block_info(self->dev, -1, &info));
	EXPECT_EQ(-EINVAL, block_info(self->dev, self->dev, &info));
	other = open("/proc/self/status", O_RDONLY);
	ASSERT_LE(0, other);
	EXPECT_EQ(-EINVAL, block_info(self->dev, other, &info));
	close(other);

	other = heap_alloc("system", page_size, O_RDWR);
	if (other == -ENOENT)
		SKIP(return, "no system dma-heap for a non-PMM dma-buf");
	ASSERT_LE(0, other);
	EXPECT_EQ(-EINVAL, block_info(self->dev, other, &info));
	close(other);
}

/* Types are tried in id order; the next one when the first is full. */
TEST_F(pmm, type_mask_order_and_fallback)
{
	struct pmm_block_info info;
	uint32_t both = 3;
	int big, fd;

	if (self->nr_types < 2)
		SKIP(return, NEED_TYPES_MSG, 2, self->nr_types);
	if (self->types[0].largest_free_bytes != self->types[0].free_bytes ||
	    self->types[1].free_bytes < page_size)
		SKIP(return, "types 0 and 1 are in use");

	fd = pmm_alloc(self->dev, page_size, 0, both, 0, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, block_info(self->dev, fd, &info));
	EXPECT_EQ(0, info.type_id);
	close(fd);

	fd = pmm_alloc(self->dev, page_size, 0, 2, 0, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, block_info(self->dev, fd, &info));
	EXPECT_EQ(1, info.type_id);
	close(fd);

	/* All of type 0 taken: the same request falls back to type 1. */
	big = pmm_alloc(self->dev, self->types[0].free_bytes, 0, 1, 0,
			O_RDWR);
	ASSERT_LE(0, big);
	EXPECT_EQ(-ENOMEM, pmm_alloc(self->dev, page_size, 0, 1, 0, O_RDWR));
	fd = pmm_alloc(self->dev, page_size, 0, both, 0, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, block_info(self->dev, fd, &info));
	EXPECT_EQ(1, info.type_id);
	close(fd);

	/* A request only type 0 could hold fails: ENOMEM. */
	if (self->types[0].free_bytes > self->types[1].free_bytes)
		EXPECT_EQ(-ENOMEM, pmm_alloc(self->dev,
					     self->types[0].free_bytes, 0,
					     both, 0, O_RDWR));
	close(big);

	/* Type 0 is back: it comes first again. */
	fd = pmm_alloc(self->dev, page_size, 0, both, 0, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, block_info(self->dev, fd, &info));
	EXPECT_EQ(0, info.type_id);
	close(fd);
}

/* Fill each type to ENOMEM, free it all, and get it back whole. */
TEST_F(pmm, exhaustion_and_recovery)
{
	static int fds[MAX_BLOCKS];
	struct type_stats now;
	unsigned int id, n, i;
	size_t chunk;
	int fd;

	if (self->nr_types < 1)
		SKIP(return, NEED_TYPES_MSG, 1, self->nr_types);
	for (id = 0; id < self->nr_types; id++) {
		if (self->base[id].free_bytes != self->base[id].total_bytes)
			continue;	/* in use by someone else */
		chunk = self->base[id].total_bytes / 16;
		chunk = chunk < page_size ? page_size : chunk & ~(page_size - 1);

		for (n = 0; n < MAX_BLOCKS; n++) {
			fd = pmm_alloc(self->dev, chunk, 0, 1u << id, 0, O_RDWR);
			if (fd < 0)
				break;
			fds[n] = fd;
		}
		ASSERT_EQ(-ENOMEM, fd);
		/* Then the rest, a page at a time would be slow: all of it. */
		ASSERT_EQ(0, read_stats(self->types[id].name, &now));
		if (now.free_bytes) {
			fd = pmm_alloc(self->dev, now.largest_free_bytes, 0,
				       1u << id, 0, O_RDWR);
			ASSERT_LE(0, fd);
			fds[n++] = fd;
		}
		ASSERT_EQ(0, read_stats(self->types[id].name, &now));
		EXPECT_EQ(0, now.free_bytes);
		EXPECT_EQ(0, now.largest_free_bytes);
		EXPECT_EQ(self->base[id].nr_blocks + n, now.nr_blocks);
		EXPECT_EQ(-ENOMEM, pmm_alloc(self->dev, page_size, 0, 1u << id,
					     0, O_RDWR));

		/* Free every other block first: fragmentation, then none. */
		for (i = 0; i < n; i += 2)
			close(fds[i]);
		for (i = 1; i < n; i += 2)
			close(fds[i]);
		ASSERT_EQ(0, read_stats(self->types[id].name, &now));
		EXPECT_EQ(self->base[id].free_bytes, now.free_bytes);
		EXPECT_EQ(self->base[id].largest_free_bytes,
			  now.largest_free_bytes);
		EXPECT_EQ(self->base[id].nr_blocks, now.nr_blocks);
		EXPECT_EQ(now.alloc_success - self->base[id].alloc_success,
			  now.free_success - self->base[id].free_success);

		/* Fully coalesced: the whole type in one block. */
		fd = pmm_alloc(self->dev, self->base[id].total_bytes, 0,
			       1u << id, 0, O_RDWR);
		EXPECT_LE(0, fd);
		if (fd >= 0)
			close(fd);
	}
}

static int ioctl_sized(int dev, unsigned int nr, void *arg, size_t size)
{
	return ioctl(dev, _IOC(_IOC_READ | _IOC_WRITE, PMM_IOC_MAGIC, nr,
			       size), arg) ? -errno : 0;
}

TEST_F(pmm, struct_size_compat)
{
	union {
		struct pmm_alloc_data alloc;
		struct pmm_type_info type;
		struct pmm_block_info block;
		unsigned char bytes[256];
	} u;
	struct pmm_block_info info;
	int fd;

	if (self->nr_types < 1)
		SKIP(return, NEED_TYPES_MSG, 1, self->nr_types);

	/* Older, smaller struct: the missing fields are zero. */
	memset(&u, 0xff, sizeof(u));
	u.alloc.size = page_size;
	u.alloc.fd_flags = O_RDWR;
	ASSERT_EQ(0, ioctl_sized(self->dev, 0, &u, PMM_ALLOC_SIZE_VER0));
	fd = u.alloc.fd;
	/* Nothing is written past the caller's struct. */
	EXPECT_EQ(UINT64_MAX, u.alloc.align);
	ASSERT_EQ(0, block_info(self->dev, fd, &info));
	EXPECT_EQ(page_size, info.size);
	close(fd);
	EXPECT_EQ(-EINVAL, ioctl_sized(self->dev, 0, &u,
				       PMM_ALLOC_SIZE_VER0 - 8));

	memset(&u, 0xff, sizeof(u));
	u.type.id = 0;
	u.type.flags = 0;
	ASSERT_EQ(0, ioctl_sized(self->dev, 1, &u, PMM_TYPE_INFO_SIZE_VER0));
	EXPECT_STREQ(self->types[0].name, u.type.name);
	EXPECT_EQ(UINT64_MAX, u.type.total_bytes);

	fd = pmm_alloc(self->dev, 2 * page_size, 0, 0, 0, O_RDWR);
	ASSERT_LE(0, fd);
	memset(&u, 0xff, sizeof(u));
	u.block.fd = fd;
	u.block.flags = 0;
	ASSERT_EQ(0, ioctl_sized(self->dev, 2, &u, PMM_BLOCK_INFO_SIZE_VER0));
	EXPECT_EQ(2 * page_size, u.block.size);
	EXPECT_EQ(UINT32_MAX, u.block.type_id);

	/* Newer, larger struct: the tail must be zero. */
	memset(&u, 0, sizeof(u));
	u.block.fd = fd;
	ASSERT_EQ(0, ioctl_sized(self->dev, 2, &u, sizeof(u.block) + 16));
	EXPECT_EQ(2 * page_size, u.block.size);
	u.bytes[sizeof(u.block) + 15] = 1;
	EXPECT_EQ(-EINVAL, ioctl_sized(self->dev, 2, &u,
				       sizeof(u.block) + 16));
	close(fd);

	memset(&u, 0, sizeof(u));
	u.alloc.size = page_size;
	u.alloc.fd_flags = O_RDWR;
	ASSERT_EQ(0, ioctl_sized(self->dev, 0, &u, sizeof(u.alloc) + 8));
	close(u.alloc.fd);
	u.bytes[sizeof(u.alloc)] = 1;
	EXPECT_EQ(-EINVAL, ioctl_sized(self->dev, 0, &u,
				       sizeof(u.alloc) + 8));

	memset(&u, 0, sizeof(u));
	ASSERT_EQ(0, ioctl_sized(self->dev, 1, &u, sizeof(u.type) + 64));
	EXPECT_EQ(self->types[0].total_bytes, u.type.total_bytes);
	u.bytes[sizeof(u.type) + 63] = 0x80;
	EXPECT_EQ(-EINVAL, ioctl_sized(self->dev, 1, &u,
				       sizeof(u.type) + 64));

	/* Wrong direction, unknown number, unknown magic. */
	EXPECT_EQ(-1, ioctl(self->dev, _IOW(PMM_IOC_MAGIC, 0,
					    struct pmm_alloc_data), &u));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-ENOTTY, ioctl_sized(self->dev, 0xff, &u, 16));
	EXPECT_EQ(-1, ioctl(self->dev, _IOWR('x', 0, struct pmm_alloc_data),
			    &u));
	EXPECT_EQ(ENOTTY, errno);
}

/* Each memory type is a dma-heap, pmm-<type>, giving the same blocks. */
TEST_F(pmm, heaps)
{
	struct pmm_block_info info;
	char name[64];
	unsigned int id;
	unsigned char *p;
	int fd;

	if (self->nr_types < 1)
		SKIP(return, NEED_TYPES_MSG, 1, self->nr_types);
	for (id = 0; id < self->nr_types; id++) {
		snprintf(name, sizeof(name), "pmm-%s", self->types[id].name);
		fd = heap_alloc(name, 3 * page_size, O_RDWR | O_CLOEXEC);
		if (fd == -ENOENT)
			SKIP(return, "no PMM heaps (CONFIG_DMABUF_HEAPS_PMM=n?)");
		ASSERT_LE(0, fd) TH_LOG("%s: %s", name, strerror(-fd));
		ASSERT_EQ(0, block_info(self->dev, fd, &info));
		EXPECT_EQ(id, info.type_id);
		EXPECT_EQ(3 * page_size, info.size);
		p = mmap(NULL, 3 * page_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED, fd, 0);
		ASSERT_NE(MAP_FAILED, p);
		EXPECT_TRUE(all_bytes(p, 0, 3 * page_size));
		memset(p, 0xee, 3 * page_size);
		munmap(p, 3 * page_size);
		close(fd);
	}
}

TEST_HARNESS_MAIN
