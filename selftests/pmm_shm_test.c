// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of PMM blocks as SysV shared memory segments (PMM_IOCTL_SHMGET):
 * the segment behaves as one from shmget(), and maps the block's pages.
 *
 * They need root (for /dev/pmm, a second uid and new IPC namespaces), SysV
 * IPC, and one memory type with 4 MiB free; pmm=general:64M runs them all.
 *
 * Cases of the fixture shm, with the hardening items they cover:
 *   ipc_stat, same_pages, other_process, fork_inherits_attach,
 *   read_only_attach, permissions, lock_unlock, rmid_while_attached,
 *   segment_holds_block, ipcrm, keys, errors, limits, limits_in_namespace,
 *   namespaces,
 *   shmget_returns_shmid (#19), proc_maps_name (#20),
 *   lock_permissions (#23), rmid_forced (#24), no_exec (#27),
 *   no_exec_read_implies_exec (#27)
 * The teardown checks that every type's statistics are back to what they
 * were at setup.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <linux/capability.h>

#include "../kselftest_harness.h"
#include "pmm_util.h"

#define BLOCK_SIZE	(1024UL * 1024)

/* The mode bits shmctl() reports beyond the permissions. */
#define SHM_DEST_MODE	01000
#define SHM_LOCKED_MODE	02000

FIXTURE(shm) {
	struct pmm_ctx ctx;
	unsigned int id;	/* the memory type of the fixture's block */
	const char *type;
	int fd;		/* a BLOCK_SIZE block, closed at teardown unless -1 */
	int shmid;	/* its segment, removed at teardown unless -1 */
};

FIXTURE_SETUP(shm)
{
	int ret;

	self->fd = -1;
	self->shmid = -1;
	PMM_CTX_SETUP(&self->ctx, false);
	if (!pmm_have_sysvipc())
		SKIP(return, "no SysV IPC (CONFIG_SYSVIPC=n)");
	if (!self->ctx.nr_types)
		SKIP(return, "no PMM memory type (" PMM_BOOT_HINT ")");
	ret = pmm_ctx_type_with_room(&self->ctx, 4 * BLOCK_SIZE);
	if (ret < 0)
		SKIP(return, "no memory type has 4 MiB free (%s)",
		     PMM_BOOT_HINT);
	self->id = ret;
	self->type = self->ctx.types[self->id].name;

	self->fd = PMM_ALLOC(self->ctx.dev, .size = BLOCK_SIZE,
			     .type_mask = BIT(self->id),
			     .fd_flags = O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("PMM_IOCTL_ALLOC: %s",
				      strerror(-self->fd));
	self->shmid = PMM_SHMGET(self->ctx.dev, .fd = self->fd,
				 .key = IPC_PRIVATE, .shmflg = 0600);
	ASSERT_LE(0, self->shmid) TH_LOG("PMM_IOCTL_SHMGET: %s",
					 strerror(-self->shmid));
}

FIXTURE_TEARDOWN(shm)
{
	pmm_release(self->shmid, self->fd);
	/*
	 * Nothing of a block may outlive its fd, mappings and segment. An IPC
	 * namespace is freed by a work item after its last task exits: wait
	 * up to 5 s for its segments' blocks.
	 */
	EXPECT_PMM_STATS_BACK(&self->ctx, 5000);
	pmm_ctx_fini(&self->ctx);
}

/* The fixture type's statistics now, minus those at setup. */
static struct pmm_stats stats_delta(const struct pmm_ctx *ctx,
				    unsigned int id)
{
	struct pmm_stats now = { .free_bytes = INT64_MIN };

	pmm_stats_read(ctx->types[id].name, &now);
	return pmm_stats_delta(&now, &ctx->base[id]);
}

/* A new BLOCK_SIZE block of type @id, as a read-write dma-buf. */
static int alloc_block(const struct pmm_ctx *ctx, unsigned int id)
{
	return PMM_ALLOC(ctx->dev, .size = BLOCK_SIZE, .type_mask = BIT(id),
			 .fd_flags = O_RDWR | O_CLOEXEC);
}

TEST_F(shm, ipc_stat)
{
	time_t now = time(NULL);
	struct shmid_ds ds;
	struct pmm_stats d;

	ASSERT_EQ(0, shmctl(self->shmid, IPC_STAT, &ds));
	EXPECT_EQ(BLOCK_SIZE, ds.shm_segsz);
	EXPECT_EQ(geteuid(), ds.shm_perm.uid);
	EXPECT_EQ(getegid(), ds.shm_perm.gid);
	EXPECT_EQ(geteuid(), ds.shm_perm.cuid);
	EXPECT_EQ(getegid(), ds.shm_perm.cgid);
	EXPECT_EQ(0600u, ds.shm_perm.mode);
	EXPECT_EQ(IPC_PRIVATE, ds.shm_perm.__key);
	EXPECT_EQ(getpid(), ds.shm_cpid);
	EXPECT_EQ(0, ds.shm_lpid);
	EXPECT_EQ(0u, ds.shm_nattch);
	EXPECT_EQ(0, ds.shm_atime);
	EXPECT_EQ(0, ds.shm_dtime);
	EXPECT_GE(ds.shm_ctime, now - 2);
	EXPECT_LE(ds.shm_ctime, now + 2);
	EXPECT_EQ((long long)BLOCK_SIZE, pmm_proc_shm_size(self->shmid));

	/* The block is held once, by the fd and the segment together. */
	d = stats_delta(&self->ctx, self->id);
	EXPECT_EQ(1, d.nr_blocks);
	EXPECT_EQ(-(int64_t)BLOCK_SIZE, d.free_bytes);
}

TEST_F(shm, same_pages)
{
	struct shmid_ds ds;
	char *map, *seg;

	map = mmap(NULL, BLOCK_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		   self->fd, 0);
	ASSERT_TRUE(map != MAP_FAILED);
	pmm_fill(map, BLOCK_SIZE, 1);

	seg = shmat(self->shmid, NULL, 0);
	ASSERT_TRUE(seg != (void *)-1);
	EXPECT_TRUE(pmm_filled(seg, BLOCK_SIZE, 1));
	pmm_fill(seg, BLOCK_SIZE, 2);
	EXPECT_TRUE(pmm_filled(map, BLOCK_SIZE, 2));

	ASSERT_EQ(0, shmctl(self->shmid, IPC_STAT, &ds));
	EXPECT_EQ(1u, ds.shm_nattch);
	EXPECT_EQ(getpid(), ds.shm_lpid);
	EXPECT_NE(0, ds.shm_atime);

	EXPECT_EQ(0, shmdt(seg));
	ASSERT_EQ(0, shmctl(self->shmid, IPC_STAT, &ds));
	EXPECT_EQ(0u, ds.shm_nattch);
	EXPECT_NE(0, ds.shm_dtime);
	EXPECT_EQ(0, munmap(map, BLOCK_SIZE));
}

static int attach_and_write(void *arg)
{
	int shmid = *(int *)arg;
	char *seg = shmat(shmid, NULL, 0);

	if (seg == (void *)-1)
		return 1;
	if (!pmm_filled(seg, BLOCK_SIZE, 3))
		return 2;
	pmm_fill(seg, BLOCK_SIZE, 4);
	return shmdt(seg) ? 3 : 0;
}

TEST_F(shm, other_process)
{
	struct shmid_ds ds;
	char *map;

	map = mmap(NULL, BLOCK_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		   self->fd, 0);
	ASSERT_TRUE(map != MAP_FAILED);
	pmm_fill(map, BLOCK_SIZE, 3);
	EXPECT_EQ(0, pmm_in_child(attach_and_write, &self->shmid));
	EXPECT_TRUE(pmm_filled(map, BLOCK_SIZE, 4));
	ASSERT_EQ(0, shmctl(self->shmid, IPC_STAT, &ds));
	EXPECT_NE(getpid(), ds.shm_lpid);
	EXPECT_EQ(0u, ds.shm_nattch);
	EXPECT_EQ(0, munmap(map, BLOCK_SIZE));
}

static int count_attaches(void *arg)
{
	int shmid = *(int *)arg;
	struct shmid_ds ds;

	/* The attach inherited over fork() counts. */
	if (shmctl(shmid, IPC_STAT, &ds) || ds.shm_nattch != 2)
		return 1;
	return 0;
}

TEST_F(shm, fork_inherits_attach)
{
	struct shmid_ds ds;
	char *seg;

	seg = shmat(self->shmid, NULL, 0);
	ASSERT_TRUE(seg != (void *)-1);
	pmm_fill(seg, BLOCK_SIZE, 5);
	EXPECT_EQ(0, pmm_in_child(count_attaches, &self->shmid));
	ASSERT_EQ(0, shmctl(self->shmid, IPC_STAT, &ds));
	EXPECT_EQ(1u, ds.shm_nattch);
	EXPECT_TRUE(pmm_filled(seg, BLOCK_SIZE, 5));
	EXPECT_EQ(0, shmdt(seg));
}

static int write_read_only(void *arg)
{
	int shmid = *(int *)arg;
	char *seg = shmat(shmid, NULL, SHM_RDONLY);

	if (seg == (void *)-1)
		return 1;
	if (seg[0] != 0x5a)
		return 2;
	seg[0] = 0;	/* must fault: seg escaped to shmat(), so it is kept */
	return 3;
}

TEST_F(shm, read_only_attach)
{
	char *map;

	map = mmap(NULL, BLOCK_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		   self->fd, 0);
	ASSERT_TRUE(map != MAP_FAILED);
	map[0] = 0x5a;
	EXPECT_EQ(128 + SIGSEGV, pmm_in_child(write_read_only, &self->shmid));
	EXPECT_EQ(0x5a, map[0]);
	EXPECT_EQ(0, munmap(map, BLOCK_SIZE));
}

struct as_nobody {
	int shmid;
	int shmflg;
	int want_errno;	/* 0: the attach must work and read 0x5a */
};

static int attach_as_nobody(void *arg)
{
	struct as_nobody *a = arg;
	char *seg;

	if (pmm_drop_to_nobody())
		return 10;
	seg = shmat(a->shmid, NULL, a->shmflg);
	if (a->want_errno)
		return seg == (void *)-1 && errno == a->want_errno ? 0 : 1;
	if (seg == (void *)-1)
		return 2;
	return seg[0] == 0x5a ? 0 : 3;
}

TEST_F(shm, permissions)
{
	struct as_nobody a = { .shmid = self->shmid };
	struct shmid_ds ds;
	char *map;

	if (geteuid())
		SKIP(return, "needs root to switch uids");
	map = mmap(NULL, BLOCK_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		   self->fd, 0);
	ASSERT_TRUE(map != MAP_FAILED);
	map[0] = 0x5a;

	/* 0600, owned by root: nobody may not attach at all. */
	a.shmflg = SHM_RDONLY;
	a.want_errno = EACCES;
	EXPECT_EQ(0, pmm_in_child(attach_as_nobody, &a));

	/* 0644: read-only attach only. */
	ASSERT_EQ(0, shmctl(self->shmid, IPC_STAT, &ds));
	ds.shm_perm.mode = 0644;
	ASSERT_EQ(0, shmctl(self->shmid, IPC_SET, &ds));
	a.want_errno = 0;
	EXPECT_EQ(0, pmm_in_child(attach_as_nobody, &a));
	a.shmflg = 0;
	a.want_errno = EACCES;
	EXPECT_EQ(0, pmm_in_child(attach_as_nobody, &a));

	/* IPC_SET to owner nobody, 0600: nobody attaches read-write. */
	ds.shm_perm.uid = PMM_NOBODY;
	ds.shm_perm.gid = PMM_NOBODY;
	ds.shm_perm.mode = 0600;
	ASSERT_EQ(0, shmctl(self->shmid, IPC_SET, &ds));
	ASSERT_EQ(0, shmctl(self->shmid, IPC_STAT, &ds));
	EXPECT_EQ(PMM_NOBODY, ds.shm_perm.uid);
	EXPECT_EQ(PMM_NOBODY, ds.shm_perm.gid);
	EXPECT_EQ(0600u, ds.shm_perm.mode);
	EXPECT_EQ(0u, ds.shm_perm.cuid);
	a.want_errno = 0;
	EXPECT_EQ(0, pmm_in_child(attach_as_nobody, &a));
	EXPECT_EQ(0, munmap(map, BLOCK_SIZE));
}

TEST_F(shm, lock_unlock)
{
	struct shmid_ds ds;
	char *seg;

	if (geteuid())
		SKIP(return, "needs root (CAP_IPC_LOCK)");
	seg = shmat(self->shmid, NULL, 0);
	ASSERT_TRUE(seg != (void *)-1);
	pmm_fill(seg, BLOCK_SIZE, 6);
	EXPECT_EQ(0, shmctl(self->shmid, SHM_LOCK, NULL));
	ASSERT_EQ(0, shmctl(self->shmid, IPC_STAT, &ds));
	EXPECT_EQ(0600u, ds.shm_perm.mode & ~SHM_DEST_MODE);
	EXPECT_EQ(0u, ds.shm_perm.mode & SHM_LOCKED_MODE);
	EXPECT_EQ(0, shmctl(self->shmid, SHM_UNLOCK, NULL));
	ASSERT_EQ(0, shmctl(self->shmid, IPC_STAT, &ds));
	EXPECT_EQ(0600u, ds.shm_perm.mode);
	EXPECT_EQ(BLOCK_SIZE, ds.shm_segsz);
	EXPECT_TRUE(pmm_filled(seg, BLOCK_SIZE, 6));
	EXPECT_EQ(0, shmdt(seg));
}

TEST_F(shm, rmid_while_attached)
{
	struct shmid_ds ds;
	char *seg;

	seg = shmat(self->shmid, NULL, 0);
	ASSERT_TRUE(seg != (void *)-1);
	pmm_fill(seg, BLOCK_SIZE, 7);
	ASSERT_EQ(0, shmctl(self->shmid, IPC_RMID, NULL));
	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;

	/* Still there, marked for destruction, and still the block's. */
	ASSERT_EQ(0, shmctl(self->shmid, IPC_STAT, &ds));
	EXPECT_EQ((unsigned int)SHM_DEST_MODE,
		  ds.shm_perm.mode & SHM_DEST_MODE);
	EXPECT_EQ(1u, ds.shm_nattch);
	EXPECT_TRUE(pmm_filled(seg, BLOCK_SIZE, 7));
	EXPECT_EQ(-(int64_t)BLOCK_SIZE,
		  stats_delta(&self->ctx, self->id).free_bytes);

	/* The last detach destroys it and frees the block. */
	EXPECT_EQ(0, shmdt(seg));
	EXPECT_EQ(-1, shmctl(self->shmid, IPC_STAT, &ds));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, pmm_proc_shm_size(self->shmid));
	EXPECT_EQ(0, stats_delta(&self->ctx, self->id).free_bytes);
	self->shmid = -1;
}

TEST_F(shm, segment_holds_block)
{
	char *seg;

	/* After the fd is closed, the segment alone holds the block. */
	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;
	EXPECT_EQ(-(int64_t)BLOCK_SIZE,
		  stats_delta(&self->ctx, self->id).free_bytes);
	seg = shmat(self->shmid, NULL, 0);
	ASSERT_TRUE(seg != (void *)-1);
	pmm_fill(seg, BLOCK_SIZE, 8);
	EXPECT_EQ(0, shmdt(seg));

	/* And the mapping alone, after IPC_RMID. */
	seg = shmat(self->shmid, NULL, 0);
	ASSERT_TRUE(seg != (void *)-1);
	ASSERT_EQ(0, shmctl(self->shmid, IPC_RMID, NULL));
	self->shmid = -1;
	EXPECT_TRUE(pmm_filled(seg, BLOCK_SIZE, 8));
	EXPECT_EQ(-(int64_t)BLOCK_SIZE,
		  stats_delta(&self->ctx, self->id).free_bytes);
	EXPECT_EQ(0, shmdt(seg));
	EXPECT_EQ(0, stats_delta(&self->ctx, self->id).free_bytes);
}

TEST_F(shm, ipcrm)
{
	char cmd[64];

	if (access("/usr/bin/ipcrm", X_OK) && access("/bin/ipcrm", X_OK))
		SKIP(return, "no ipcrm (util-linux)");
	snprintf(cmd, sizeof(cmd), "ipcrm -m %d", self->shmid);
	ASSERT_EQ(0, system(cmd));
	EXPECT_EQ(-1, pmm_proc_shm_size(self->shmid));
	EXPECT_EQ(-1, shmctl(self->shmid, IPC_STAT, NULL));
	self->shmid = -1;
}

TEST_F(shm, keys)
{
	key_t key = pmm_test_key(1);
	struct shmid_ds ds;
	int fd2, id;

	fd2 = alloc_block(&self->ctx, self->id);
	ASSERT_LE(0, fd2);

	/* A key that does not exist needs IPC_CREAT. */
	EXPECT_EQ(-ENOENT, PMM_SHMGET_TRY(self->ctx.dev, .fd = fd2, .key = key,
					  .shmflg = 0600));
	id = PMM_SHMGET(self->ctx.dev, .fd = fd2, .key = key,
			.shmflg = IPC_CREAT | IPC_EXCL | 0600);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, shmctl(id, IPC_STAT, &ds));
	EXPECT_EQ(key, ds.shm_perm.__key);

	/* Once it exists: EEXIST, with or without IPC_EXCL... */
	EXPECT_EQ(-EEXIST, PMM_SHMGET_TRY(self->ctx.dev, .fd = self->fd,
					  .key = key,
					  .shmflg = IPC_CREAT | IPC_EXCL |
						    0600));
	EXPECT_EQ(-EEXIST, PMM_SHMGET_TRY(self->ctx.dev, .fd = self->fd,
					  .key = key,
					  .shmflg = IPC_CREAT | 0600));
	EXPECT_EQ(-EEXIST, PMM_SHMGET_TRY(self->ctx.dev, .fd = self->fd,
					  .key = key, .shmflg = 0600));
	/* ...and shmget() finds it like any other segment. */
	EXPECT_EQ(id, shmget(key, 0, 0));
	EXPECT_EQ(id, shmget(key, BLOCK_SIZE, 0600));
	EXPECT_EQ(-1, shmget(key, BLOCK_SIZE + 1, 0600));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, shmget(key, BLOCK_SIZE, IPC_CREAT | IPC_EXCL | 0600));
	EXPECT_EQ(EEXIST, errno);

	EXPECT_EQ(0, shmctl(id, IPC_RMID, NULL));
	EXPECT_EQ(0, close(fd2));
}

/* PMM_IOCTL_SHMGET with the structure declared @size bytes long. */
static int shmget_sized_try(int dev, void *arg, size_t size)
{
	int id = pmm_ioctl_sized(dev, PMM_IOCTL_SHMGET, arg, size);

	if (id >= 0)
		shmctl(id, IPC_RMID, NULL);
	return id;
}

TEST_F(shm, errors)
{
	const int dev = self->ctx.dev;
	union {
		struct pmm_shmget_data req;
		unsigned char bytes[64];
	} u;
	int ro, wo, pipefd[2], segments, heap, other, id;

	segments = pmm_proc_shm_count();
	ASSERT_LE(0, segments);

	/* Not an open fd: EBADF. Not a PMM dma-buf: ENODEV. */
	EXPECT_EQ(-EBADF, PMM_SHMGET_TRY(dev, .fd = 1000000,
					 .key = IPC_PRIVATE, .shmflg = 0600));
	EXPECT_EQ(-EBADF, PMM_SHMGET_TRY(dev, .fd = -1, .key = IPC_PRIVATE,
					 .shmflg = 0600));
	ASSERT_EQ(0, pipe(pipefd));
	EXPECT_EQ(-ENODEV, PMM_SHMGET_TRY(dev, .fd = pipefd[0],
					  .key = IPC_PRIVATE, .shmflg = 0600));
	EXPECT_EQ(0, close(pipefd[0]));
	EXPECT_EQ(0, close(pipefd[1]));
	EXPECT_EQ(-EBADF, PMM_SHMGET_TRY(dev, .fd = pipefd[0],
					 .key = IPC_PRIVATE, .shmflg = 0600));
	EXPECT_EQ(-ENODEV, PMM_SHMGET_TRY(dev, .fd = dev, .key = IPC_PRIVATE,
					  .shmflg = 0600));
	heap = dma_heap_open("system", O_RDONLY);
	if (heap >= 0) {
		other = dma_heap_alloc(heap, BLOCK_SIZE, O_RDWR | O_CLOEXEC);
		EXPECT_LE(0, other);
		if (other >= 0) {
			EXPECT_EQ(-ENODEV, PMM_SHMGET_TRY(dev, .fd = other,
							  .key = IPC_PRIVATE,
							  .shmflg = 0600));
			EXPECT_EQ(0, close(other));
		}
		EXPECT_EQ(0, close(heap));
	} else {
		TH_LOG("no system dma-heap: the non-PMM dma-buf is not tried");
	}

	/* shmflg bits beyond IPC_CREAT, IPC_EXCL and the permissions. */
	EXPECT_EQ(-EINVAL, PMM_SHMGET_TRY(dev, .fd = self->fd,
					  .key = IPC_PRIVATE,
					  .shmflg = SHM_HUGETLB | 0600));
	EXPECT_EQ(-EINVAL, PMM_SHMGET_TRY(dev, .fd = self->fd,
					  .key = IPC_PRIVATE,
					  .shmflg = SHM_NORESERVE | 0600));
	EXPECT_EQ(-EINVAL, PMM_SHMGET_TRY(dev, .fd = self->fd,
					  .key = IPC_PRIVATE,
					  .shmflg = BIT(24) | 0600));

	/* flags must be 0. */
	EXPECT_EQ(-EINVAL, PMM_SHMGET_TRY(dev, .fd = self->fd,
					  .key = IPC_PRIVATE, .shmflg = 0600,
					  .flags = 1));
	EXPECT_EQ(-EINVAL, PMM_SHMGET_TRY(dev, .fd = self->fd,
					  .key = IPC_PRIVATE, .shmflg = 0600,
					  .flags = BIT(31)));

	/* Smaller than VER0: EINVAL; larger: the tail must be zero. */
	memset(&u, 0, sizeof(u));
	u.req = (struct pmm_shmget_data){
		.fd = self->fd,
		.key = IPC_PRIVATE,
		.shmflg = 0600,
	};
	EXPECT_EQ(-EINVAL, shmget_sized_try(dev, &u,
					    PMM_SHMGET_SIZE_VER0 - 4));
	id = shmget_sized_try(dev, &u, sizeof(u.req) + 16);
	EXPECT_LE(0, id) TH_LOG("a larger structure: %s", strerror(-id));
	u.bytes[sizeof(u.req) + 15] = 1;
	EXPECT_EQ(-EINVAL, shmget_sized_try(dev, &u, sizeof(u.req) + 16));

	/* The dma-buf must be open for reading and writing: EACCES. */
	ro = PMM_ALLOC(dev, .size = BLOCK_SIZE, .type_mask = BIT(self->id),
		       .fd_flags = O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, ro);
	EXPECT_EQ(-EACCES, PMM_SHMGET_TRY(dev, .fd = ro, .key = IPC_PRIVATE,
					  .shmflg = 0400));
	/* ... but a malformed request is EINVAL first. */
	EXPECT_EQ(-EINVAL, PMM_SHMGET_TRY(dev, .fd = ro, .key = IPC_PRIVATE,
					  .shmflg = SHM_HUGETLB | 0400));
	EXPECT_EQ(0, close(ro));
	wo = PMM_ALLOC(dev, .size = BLOCK_SIZE, .type_mask = BIT(self->id),
		       .fd_flags = O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, wo);
	EXPECT_EQ(-EACCES, PMM_SHMGET_TRY(dev, .fd = wo, .key = IPC_PRIVATE,
					  .shmflg = 0200));
	EXPECT_EQ(0, close(wo));

	/* A bad pointer: EFAULT, and no segment. */
	EXPECT_EQ(-1, ioctl(dev, PMM_IOCTL_SHMGET, (void *)1));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(segments, pmm_proc_shm_count());
}

TEST_F(shm, limits)
{
	const unsigned long pages = BLOCK_SIZE / pmm_page_size();
	struct shm_info info, after;
	int fd2, id;

	fd2 = alloc_block(&self->ctx, self->id);
	ASSERT_LE(0, fd2);

	/* Counted in shm_tot and SHM_INFO like any segment. */
	ASSERT_LE(0, shmctl(0, SHM_INFO, (struct shmid_ds *)&info));
	id = PMM_SHMGET(self->ctx.dev, .fd = fd2, .key = IPC_PRIVATE,
			.shmflg = 0600);
	ASSERT_LE(0, id);
	ASSERT_LE(0, shmctl(0, SHM_INFO, (struct shmid_ds *)&after));
	EXPECT_EQ(info.used_ids + 1, after.used_ids);
	EXPECT_EQ(info.shm_tot + pages, after.shm_tot);
	EXPECT_EQ(info.shm_rss + pages, after.shm_rss);
	EXPECT_EQ(info.shm_swp, after.shm_swp);
	EXPECT_EQ(0, shmctl(id, IPC_RMID, NULL));
	EXPECT_EQ(0, close(fd2));
}

struct ns_limit {
	int dev;
	int fd;
	const char *sysctl;
	unsigned long long value;	/* too little for the block... */
	int want;			/* ...so SHMGET gives this -errno */
	unsigned long long enough;	/* and with this it fits */
};

static int shmget_under_limit(void *arg)
{
	struct ns_limit *l = arg;
	int id;

	/* A new IPC namespace: its sysctls are its own. */
	if (unshare(CLONE_NEWIPC))
		return 10;
	if (pmm_write_sysctl(l->sysctl, l->value))
		return 11;
	id = PMM_SHMGET(l->dev, .fd = l->fd, .key = IPC_PRIVATE,
			.shmflg = 0600);
	if (id != l->want)
		return 1;
	if (pmm_write_sysctl(l->sysctl, l->enough))
		return 12;
	id = PMM_SHMGET(l->dev, .fd = l->fd, .key = IPC_PRIVATE,
			.shmflg = 0600);
	if (id < 0)
		return 2;
	/* Left for the namespace's teardown to free. */
	return 0;
}

TEST_F(shm, limits_in_namespace)
{
	const unsigned long pages = BLOCK_SIZE / pmm_page_size();
	struct ns_limit l = { .dev = self->ctx.dev, .fd = self->fd };

	if (geteuid())
		SKIP(return, "needs root for unshare(CLONE_NEWIPC)");
	l.sysctl = "kernel/shmmax";
	l.value = BLOCK_SIZE - 1;
	l.want = -EINVAL;
	l.enough = BLOCK_SIZE;
	EXPECT_EQ(0, pmm_in_child(shmget_under_limit, &l));
	l.sysctl = "kernel/shmall";
	l.value = pages - 1;
	l.want = -ENOSPC;
	l.enough = pages;
	EXPECT_EQ(0, pmm_in_child(shmget_under_limit, &l));
	l.sysctl = "kernel/shmmni";
	l.value = 0;
	l.want = -ENOSPC;
	l.enough = 1;
	EXPECT_EQ(0, pmm_in_child(shmget_under_limit, &l));

	/* Each namespace's teardown dropped its segment's reference. */
	ASSERT_EQ(0, shmctl(self->shmid, IPC_RMID, NULL));
	self->shmid = -1;
	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;
	/* The teardown waits for the namespaces' work items. */
}

struct ns_args {
	int dev;
	int shmid;	/* out of the namespace: the id there */
};

static int create_and_exit(void *arg)
{
	struct ns_args *a = arg;
	int fd = PMM_ALLOC(a->dev, .size = BLOCK_SIZE, .fd_flags = O_RDWR);

	if (fd < 0)
		return 1;
	a->shmid = PMM_SHMGET(a->dev, .fd = fd, .key = IPC_PRIVATE,
			      .shmflg = 0600);
	/* Exits holding the fd and the segment, never detached or removed. */
	return a->shmid < 0 ? 2 : 0;
}

static int rmid_forced_in_namespace(void *arg)
{
	struct ns_args *a = arg;

	if (unshare(CLONE_NEWIPC))
		return 10;
	if (pmm_write_sysctl("kernel/shm_rmid_forced", 1))
		return 11;
	a->shmid = -1;
	if (pmm_in_child(create_and_exit, a))
		return 12;
	/* The namespace had no other segment: the child's is gone. */
	return pmm_proc_shm_count() == 0 ? 0 : 1;
}

static int namespace_teardown(void *arg)
{
	if (unshare(CLONE_NEWIPC))
		return 10;
	if (pmm_in_child(create_and_exit, arg))
		return 11;
	/* Orphaned, but kept: shm_rmid_forced is 0 in a new namespace. */
	return pmm_proc_shm_count() == 1 ? 0 : 1;
}

TEST_F(shm, namespaces)
{
	struct ns_args a = { .dev = self->ctx.dev };

	if (geteuid())
		SKIP(return, "needs root for unshare(CLONE_NEWIPC)");
	/* shm_rmid_forced destroys an orphan segment at its creator's exit. */
	EXPECT_EQ(0, pmm_in_child(rmid_forced_in_namespace, &a));
	/* The end of the namespace frees a segment no one removed. */
	EXPECT_EQ(0, pmm_in_child(namespace_teardown, &a));
	/* The fixture's teardown checks that both blocks were freed. */
}

/*
 * #19: PMM_IOCTL_SHMGET returns the new segment's shmid as the ioctl's
 * return value and only reads its argument: from a read-only page it
 * works, and the segment is live. v1 failed: the ioctl is v1's _IOWR,
 * which writes the shmid back into the argument (EFAULT from a read-only
 * page) and returns 0; v1's kernel answers v2's number, an _IOW, ENOTTY.
 */
TEST_F(shm, shmget_returns_shmid)
{
	const size_t page = pmm_page_size();
	struct pmm_shmget_data *req, copy;
	key_t key = pmm_test_key(19);
	struct shmid_ds ds;
	int fd2, id, id2;
	char *map, *seg;

	EXPECT_EQ(_IOC_WRITE, _IOC_DIR(PMM_IOCTL_SHMGET));
	fd2 = alloc_block(&self->ctx, self->id);
	ASSERT_LE(0, fd2);
	req = mmap(NULL, page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(req != MAP_FAILED);
	*req = (struct pmm_shmget_data){
		.fd = fd2,
		.key = IPC_PRIVATE,
		.shmflg = 0600,
	};
	copy = *req;
	ASSERT_EQ(0, mprotect(req, page, PROT_READ));

	id = ioctl(self->ctx.dev, PMM_IOCTL_SHMGET, req);
	ASSERT_LE(0, id) TH_LOG("SHMGET from a read-only page: %s",
				strerror(errno));
	EXPECT_EQ(0, memcmp(&copy, req, sizeof(copy)));

	/* A live segment of the block's size, over the block's pages. */
	ASSERT_EQ(0, shmctl(id, IPC_STAT, &ds));
	EXPECT_EQ(BLOCK_SIZE, ds.shm_segsz);
	EXPECT_EQ((long long)BLOCK_SIZE, pmm_proc_shm_size(id));
	map = mmap(NULL, BLOCK_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd2,
		   0);
	ASSERT_TRUE(map != MAP_FAILED);
	pmm_fill(map, BLOCK_SIZE, 19);
	seg = shmat(id, NULL, 0);
	ASSERT_TRUE(seg != (void *)-1);
	EXPECT_TRUE(pmm_filled(seg, BLOCK_SIZE, 19));
	EXPECT_EQ(0, shmdt(seg));
	EXPECT_EQ(0, munmap(map, BLOCK_SIZE));

	/* Each call returns its own segment's id. */
	id2 = ioctl(self->ctx.dev, PMM_IOCTL_SHMGET, req);
	ASSERT_LE(0, id2);
	EXPECT_NE(id, id2);
	EXPECT_EQ(0, shmctl(id2, IPC_RMID, NULL));

	/* For a key, the id shmget() finds. */
	ASSERT_EQ(0, mprotect(req, page, PROT_READ | PROT_WRITE));
	req->key = key;
	req->shmflg = IPC_CREAT | IPC_EXCL | 0600;
	ASSERT_EQ(0, mprotect(req, page, PROT_READ));
	id2 = ioctl(self->ctx.dev, PMM_IOCTL_SHMGET, req);
	ASSERT_LE(0, id2);
	EXPECT_EQ(id2, shmget(key, 0, 0));
	EXPECT_EQ(0, shmctl(id2, IPC_RMID, NULL));

	EXPECT_EQ(0, shmctl(id, IPC_RMID, NULL));
	EXPECT_EQ(-1, shmctl(id, IPC_STAT, &ds));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, munmap(req, page));
	EXPECT_EQ(0, close(fd2));
}

/* The fields of the /proc/self/maps line of the mapping at an address. */
struct maps_entry {
	unsigned long start, end;
	char perms[5];
	unsigned long long offset;
	unsigned long inode;
	char path[256];
};

static int maps_entry(const void *addr, struct maps_entry *e)
{
	char line[512];
	int n = 0;

	if (pmm_maps_line(addr, line, sizeof(line)))
		return -1;
	if (sscanf(line, "%lx-%lx %4s %llx %*x:%*x %lu %n", &e->start,
		   &e->end, e->perms, &e->offset, &e->inode, &n) != 5 || !n)
		return -1;
	snprintf(e->path, sizeof(e->path), "%s", line + n);
	return 0;
}

/* readlink() of /proc/self/map_files/ of @e's range, into @buf. */
static int map_files_link(const struct maps_entry *e, char *buf, size_t len)
{
	char path[96];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx", e->start,
		 e->end);
	n = readlink(path, buf, len - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static int map_files_ino(const struct maps_entry *e, unsigned long *ino)
{
	char path[96];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx", e->start,
		 e->end);
	if (stat(path, &st))
		return -errno;
	*ino = st.st_ino;
	return 0;
}

/*
 * #20: /proc/PID/maps names a PMM segment's attach /SYSV<key as 8 hex
 * digits> (deleted), with the shmid as the inode, exactly as it names a
 * shmget() segment's attached beside it, and /proc/PID/map_files/ of both
 * behave the same (readlink() gives that name, stat() that inode). v1
 * failed: the PMM attach shows as anon_inode:[pmm-shm].
 */
TEST_F(shm, proc_maps_name)
{
	const key_t pkey = pmm_test_key(20), skey = pmm_test_key(21);
	struct maps_entry pe, se, e;
	char want[64], link[256];
	void *pseg, *sseg, *priv;
	unsigned long ino;
	int fd2, pid, sid;

	fd2 = alloc_block(&self->ctx, self->id);
	ASSERT_LE(0, fd2);
	pid = PMM_SHMGET(self->ctx.dev, .fd = fd2, .key = pkey,
			 .shmflg = IPC_CREAT | IPC_EXCL | 0600);
	ASSERT_LE(0, pid);
	sid = shmget(skey, BLOCK_SIZE, IPC_CREAT | IPC_EXCL | 0600);
	ASSERT_LE(0, sid);
	pseg = shmat(pid, NULL, 0);
	ASSERT_TRUE(pseg != (void *)-1);
	sseg = shmat(sid, NULL, 0);
	ASSERT_TRUE(sseg != (void *)-1);
	priv = shmat(self->shmid, NULL, SHM_RDONLY);
	ASSERT_TRUE(priv != (void *)-1);

	/* The reference: how the kernel shows a shmget() segment. */
	ASSERT_EQ(0, maps_entry(sseg, &se));
	snprintf(want, sizeof(want), "/SYSV%08x (deleted)", skey);
	EXPECT_STREQ(want, se.path);
	EXPECT_EQ((unsigned long)sid, se.inode);
	EXPECT_STREQ("rw-s", se.perms);

	/* The PMM segment's attach, the same way. */
	ASSERT_EQ(0, maps_entry(pseg, &pe));
	snprintf(want, sizeof(want), "/SYSV%08x (deleted)", pkey);
	EXPECT_STREQ(want, pe.path);
	EXPECT_EQ((unsigned long)pid, pe.inode);
	EXPECT_STREQ(se.perms, pe.perms);
	EXPECT_EQ(se.offset, pe.offset);
	EXPECT_EQ(BLOCK_SIZE, pe.end - pe.start);

	/* IPC_PRIVATE, attached read-only. */
	ASSERT_EQ(0, maps_entry(priv, &e));
	EXPECT_STREQ("/SYSV00000000 (deleted)", e.path);
	EXPECT_EQ((unsigned long)self->shmid, e.inode);
	EXPECT_STREQ("r--s", e.perms);

	/* map_files (root only: CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN). */
	if (!geteuid()) {
		ASSERT_EQ(0, map_files_link(&se, link, sizeof(link)));
		EXPECT_STREQ(se.path, link);
		ASSERT_EQ(0, map_files_link(&pe, link, sizeof(link)));
		EXPECT_STREQ(pe.path, link);
		snprintf(want, sizeof(want), "/SYSV%08x (deleted)", pkey);
		EXPECT_STREQ(want, link);
		ASSERT_EQ(0, map_files_ino(&se, &ino));
		EXPECT_EQ((unsigned long)sid, ino);
		ASSERT_EQ(0, map_files_ino(&pe, &ino));
		EXPECT_EQ((unsigned long)pid, ino);
	} else {
		TH_LOG("not root: /proc/self/map_files/ is not checked");
	}

	EXPECT_EQ(0, shmdt(priv));
	EXPECT_EQ(0, shmdt(sseg));
	EXPECT_EQ(0, shmdt(pseg));
	EXPECT_EQ(0, shmctl(sid, IPC_RMID, NULL));
	EXPECT_EQ(0, shmctl(pid, IPC_RMID, NULL));
	EXPECT_EQ(0, close(fd2));
}

/* The errno of shmctl(@cmd) on @shmid, or 0. */
static int shmctl_errno(int shmid, int cmd)
{
	return shmctl(shmid, cmd, NULL) ? errno : 0;
}

/* Drop @cap from the effective, permitted and inheritable sets. */
static int drop_cap(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[CAP_TO_INDEX(cap)].effective &= ~CAP_TO_MASK(cap);
	data[CAP_TO_INDEX(cap)].permitted &= ~CAP_TO_MASK(cap);
	data[CAP_TO_INDEX(cap)].inheritable &= ~CAP_TO_MASK(cap);
	return syscall(SYS_capset, &hdr, data) ? -1 : 0;
}

/* What SHM_LOCK and SHM_UNLOCK gave, for a PMM and a shmget() segment. */
struct lock_case {
	int pmm_lock, shm_lock;
	int pmm_unlock, shm_unlock;
	int small_pmm_lock, small_shm_lock;
};

enum { NOT_OWNER, OWNER_NO_MEMLOCK, ROOT_WITHOUT_CAP, NR_LOCK_CASES };

static const char *const lock_case_name[] = {
	[NOT_OWNER] = "uid 65534, not the owner",
	[OWNER_NO_MEMLOCK] = "uid 65534, the owner, RLIMIT_MEMLOCK 0",
	[ROOT_WITHOUT_CAP] = "root without CAP_IPC_LOCK, RLIMIT_MEMLOCK 0",
};

/* SHM_LOCK, then SHM_UNLOCK, on the PMM segment @p and the shmget() @s. */
static void lock_both(struct lock_case *c, int p, int s)
{
	c->pmm_lock = shmctl_errno(p, SHM_LOCK);
	c->shm_lock = shmctl_errno(s, SHM_LOCK);
	c->pmm_unlock = shmctl_errno(p, SHM_UNLOCK);
	c->shm_unlock = shmctl_errno(s, SHM_UNLOCK);
}

/* Set the soft RLIMIT_MEMLOCK, the one SHM_LOCK looks at. */
static int set_memlock(rlim_t bytes)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_MEMLOCK, &rl))
		return -1;
	rl.rlim_cur = bytes;
	return setrlimit(RLIMIT_MEMLOCK, &rl);
}

/*
 * #23: SHM_LOCK on a PMM segment asks for what it does on a shmget()
 * segment: a non-owner without CAP_IPC_LOCK gets EPERM, and so does the
 * owner without CAP_IPC_LOCK when RLIMIT_MEMLOCK is 0, as uid 65534 and as
 * root without the capability. The two segments are compared side by side.
 * shmctl_do_lock() makes its permission checks before its shm_is_shmem()
 * shortcut, so PMM segments always behaved so; this keeps them so.
 */
TEST_F(shm, lock_permissions)
{
	struct lock_case *r;
	int fd2, sid, i;
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root to switch uids and drop capabilities");
	r = mmap(NULL, sizeof(*r) * NR_LOCK_CASES, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(r != MAP_FAILED);
	memset(r, 0xff, sizeof(*r) * NR_LOCK_CASES);
	sid = shmget(IPC_PRIVATE, BLOCK_SIZE, 0600);
	ASSERT_LE(0, sid);
	fd2 = alloc_block(&self->ctx, self->id);
	ASSERT_LE(0, fd2);

	/* Both owned by root, 0600: uid 65534 is not the owner. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (pmm_drop_to_nobody())
			_exit(10);
		lock_both(&r[NOT_OWNER], self->shmid, sid);
		_exit(0);
	}
	EXPECT_EQ(0, pmm_wait_status(pid));

	/* Both made by uid 65534, with RLIMIT_MEMLOCK 0, then a page. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct lock_case *c = &r[OWNER_NO_MEMLOCK];
		int p, s;

		if (pmm_drop_to_nobody() || set_memlock(0))
			_exit(10);
		p = PMM_SHMGET(self->ctx.dev, .fd = fd2, .key = IPC_PRIVATE,
			       .shmflg = 0600);
		s = shmget(IPC_PRIVATE, BLOCK_SIZE, 0600);
		if (p < 0 || s < 0)
			_exit(11);
		lock_both(c, p, s);
		/* Not asserted: what a limit smaller than the segment does. */
		if (!set_memlock(pmm_page_size())) {
			c->small_pmm_lock = shmctl_errno(p, SHM_LOCK);
			c->small_shm_lock = shmctl_errno(s, SHM_LOCK);
			shmctl(p, SHM_UNLOCK, NULL);
			shmctl(s, SHM_UNLOCK, NULL);
		}
		shmctl(p, IPC_RMID, NULL);
		shmctl(s, IPC_RMID, NULL);
		_exit(0);
	}
	EXPECT_EQ(0, pmm_wait_status(pid));

	/* Root, the owner of both, without CAP_IPC_LOCK. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (set_memlock(0) || drop_cap(CAP_IPC_LOCK))
			_exit(10);
		lock_both(&r[ROOT_WITHOUT_CAP], self->shmid, sid);
		_exit(0);
	}
	EXPECT_EQ(0, pmm_wait_status(pid));

	for (i = 0; i < NR_LOCK_CASES; i++) {
		EXPECT_EQ(EPERM, r[i].shm_lock) TH_LOG("%s: shmget() segment",
						       lock_case_name[i]);
		EXPECT_EQ(r[i].shm_lock, r[i].pmm_lock)
			TH_LOG("%s: SHM_LOCK", lock_case_name[i]);
	}
	/* SHM_UNLOCK needs the same as SHM_LOCK but RLIMIT_MEMLOCK. */
	EXPECT_EQ(EPERM, r[NOT_OWNER].shm_unlock);
	EXPECT_EQ(r[NOT_OWNER].shm_unlock, r[NOT_OWNER].pmm_unlock);
	EXPECT_EQ(r[OWNER_NO_MEMLOCK].shm_unlock,
		  r[OWNER_NO_MEMLOCK].pmm_unlock);
	EXPECT_EQ(r[ROOT_WITHOUT_CAP].shm_unlock,
		  r[ROOT_WITHOUT_CAP].pmm_unlock);
	TH_LOG("RLIMIT_MEMLOCK of a page, the owner's SHM_LOCK: shmget() %s, PMM %s",
	       strerror(r[OWNER_NO_MEMLOCK].small_shm_lock),
	       strerror(r[OWNER_NO_MEMLOCK].small_pmm_lock));

	/* With CAP_IPC_LOCK, both lock and unlock. */
	EXPECT_EQ(0, shmctl_errno(sid, SHM_LOCK));
	EXPECT_EQ(0, shmctl_errno(self->shmid, SHM_LOCK));
	EXPECT_EQ(0, shmctl_errno(sid, SHM_UNLOCK));
	EXPECT_EQ(0, shmctl_errno(self->shmid, SHM_UNLOCK));

	EXPECT_EQ(0, shmctl(sid, IPC_RMID, NULL));
	EXPECT_EQ(0, close(fd2));
	EXPECT_EQ(0, munmap(r, sizeof(*r) * NR_LOCK_CASES));
}

/* One byte through a pipe: a step of the processes' protocol. */
static void step(int fd)
{
	char c = 0;

	if (write(fd, &c, 1) != 1)
		_exit(20);
}

static void wait_step(int fd)
{
	char c;

	if (read(fd, &c, 1) != 1)
		_exit(21);
}

/* A segment as its key shows it: gone (-1), or its number of attaches. */
static int seg_nattch(key_t key)
{
	struct shmid_ds ds;
	int id = shmget(key, 0, 0);

	if (id < 0 || shmctl(id, IPC_STAT, &ds))
		return -1;
	return ds.shm_nattch;
}

/* Whether the segment of @key is marked for destruction. */
static bool seg_dest(key_t key)
{
	struct shmid_ds ds;
	int id = shmget(key, 0, 0);

	return id >= 0 && !shmctl(id, IPC_STAT, &ds) &&
	       (ds.shm_perm.mode & SHM_DEST_MODE);
}

/* How a creator leaves its two segments when it exits. */
enum { LEFT_ALONE, LEFT_ATTACHED, LEFT_TO_A_SIBLING, LEFT_ORPHANED };

static const char *const leave_name[] = {
	[LEFT_ALONE] = "never attached",
	[LEFT_ATTACHED] = "attached by the creator",
	[LEFT_TO_A_SIBLING] = "attached by another process",
	[LEFT_ORPHANED] = "orphaned, shm_rmid_forced set after",
};

/*
 * The creator: a PMM segment and a shmget() segment, of keys @kp and @ks,
 * made on the block it allocates, attached as @how says; then it tells
 * @ready, waits for @go and exits.
 */
static void creator(int dev, unsigned int id, key_t kp, key_t ks, int how,
		    int ready, int go)
{
	int fd, p, s;

	fd = PMM_ALLOC(dev, .size = BLOCK_SIZE, .type_mask = BIT(id),
		       .fd_flags = O_RDWR);
	if (fd < 0)
		_exit(1);
	p = PMM_SHMGET(dev, .fd = fd, .key = kp,
		       .shmflg = IPC_CREAT | IPC_EXCL | 0600);
	s = shmget(ks, BLOCK_SIZE, IPC_CREAT | IPC_EXCL | 0600);
	if (p < 0 || s < 0)
		_exit(2);
	if (how == LEFT_ATTACHED &&
	    (shmat(p, NULL, 0) == (void *)-1 || shmat(s, NULL, 0) == (void *)-1))
		_exit(3);
	step(ready);
	wait_step(go);
	_exit(0);
}

/* The sibling: attaches both, tells @ready, waits for @go, detaches. */
static void sibling(key_t kp, key_t ks, int ready, int go)
{
	void *p = shmat(shmget(kp, 0, 0), NULL, 0);
	void *s = shmat(shmget(ks, 0, 0), NULL, 0);

	if (p == (void *)-1 || s == (void *)-1)
		_exit(4);
	step(ready);
	wait_step(go);
	_exit(shmdt(p) || shmdt(s) ? 5 : 0);
}

/*
 * #24: with kernel.shm_rmid_forced=1, a PMM segment whose creator exits is
 * destroyed exactly when a shmget() segment created beside it is: at the
 * exit if no one is attached, at the last detach if someone is, and when
 * the sysctl is set if it was orphaned before; and then its block is
 * free. In a new IPC namespace, whose sysctls are its own. By my reading
 * the segment enters its creator's list in newseg() as any does, so this
 * passed on v1 already.
 */
TEST_F(shm, rmid_forced)
{
	pid_t ns;

	if (geteuid())
		SKIP(return, "needs root for unshare(CLONE_NEWIPC)");
	ns = fork();
	ASSERT_LE(0, ns);
	if (!ns) {
		struct pmm_stats before, now;
		int how, np, nsh, ready[2], go[2], ready2[2], go2[2];
		key_t kp, ks;
		pid_t c, s;

		if (unshare(CLONE_NEWIPC) ||
		    pmm_write_sysctl("kernel/shm_rmid_forced", 1))
			_exit(10);
		for (how = LEFT_ALONE; how <= LEFT_ORPHANED; how++) {
			kp = pmm_test_key(40 + 2 * how);
			ks = pmm_test_key(41 + 2 * how);
			if (pipe(ready) || pipe(go) || pipe(ready2) || pipe(go2) ||
			    pmm_stats_read(self->type, &before))
				_exit(11);
			if (how == LEFT_ORPHANED &&
			    pmm_write_sysctl("kernel/shm_rmid_forced", 0))
				_exit(12);
			c = fork();
			if (!c) {
				/* Its reads end if this process goes. */
				close(go[1]);
				close(go2[1]);
				creator(self->ctx.dev, self->id, kp, ks, how,
					ready[1], go[0]);
			}
			wait_step(ready[0]);
			s = -1;
			if (how == LEFT_TO_A_SIBLING) {
				s = fork();
				if (!s) {
					close(go[1]);
					close(go2[1]);
					sibling(kp, ks, ready2[1], go2[0]);
				}
				wait_step(ready2[0]);
			}
			step(go[1]);
			EXPECT_EQ(0, pmm_wait_status(c)) TH_LOG("%s",
								leave_name[how]);

			/* The creator is gone: both segments alike. */
			np = seg_nattch(kp);
			nsh = seg_nattch(ks);
			EXPECT_EQ(nsh, np) TH_LOG("%s", leave_name[how]);
			EXPECT_EQ(seg_dest(ks), seg_dest(kp));
			if (how == LEFT_TO_A_SIBLING) {
				EXPECT_EQ(1, nsh);
				step(go2[1]);
				EXPECT_EQ(0, pmm_wait_status(s));
				/* The last detach destroyed both. */
				EXPECT_EQ(-1, seg_nattch(ks));
				EXPECT_EQ(-1, seg_nattch(kp));
			} else if (how == LEFT_ORPHANED) {
				EXPECT_EQ(0, nsh);
				EXPECT_EQ(0, pmm_write_sysctl("kernel/shm_rmid_forced",
							      1));
				EXPECT_EQ(-1, seg_nattch(ks));
				EXPECT_EQ(-1, seg_nattch(kp));
			} else {
				EXPECT_EQ(-1, nsh) TH_LOG("%s",
							  leave_name[how]);
			}

			/* And the PMM segment's block is free again. */
			EXPECT_EQ(0, pmm_stats_read(self->type, &now));
			EXPECT_TRUE(pmm_stats_back(&now, &before))
				TH_LOG("%s: %lld bytes still used",
				       leave_name[how],
				       (long long)(before.free_bytes -
						   now.free_bytes));
			close(ready[0]);
			close(ready[1]);
			close(go[0]);
			close(go[1]);
			close(ready2[0]);
			close(ready2[1]);
			close(go2[0]);
			close(go2[1]);
		}
		_exit(0);
	}
	EXPECT_EQ(0, pmm_wait_status(ns));
}

/*
 * #27: an attach of a PMM segment is never executable: shmat(SHM_EXEC)
 * fails with EPERM, as a noexec mount's file would, and mprotect() adding
 * PROT_EXEC with EACCES, with the x permission granted (0700), where a
 * shmget() segment's attach is executable. v1 failed: both succeed.
 */
TEST_F(shm, no_exec)
{
	struct shmid_ds ds;
	char *seg;
	int sid;

	/* The reference: a shmget() segment, 0700, attaches executable. */
	sid = shmget(IPC_PRIVATE, BLOCK_SIZE, 0700);
	ASSERT_LE(0, sid);
	EXPECT_EQ(0, pmm_shmat_errno(sid, SHM_EXEC));
	EXPECT_EQ(0, shmctl(sid, IPC_RMID, NULL));

	ASSERT_EQ(0, shmctl(self->shmid, IPC_STAT, &ds));
	ds.shm_perm.mode = 0700;
	ASSERT_EQ(0, shmctl(self->shmid, IPC_SET, &ds));
	/* As from a noexec mount: the mode allows it, the memory does not. */
	EXPECT_EQ(EPERM, pmm_shmat_errno(self->shmid, SHM_EXEC));
	EXPECT_EQ(EPERM, pmm_shmat_errno(self->shmid, SHM_EXEC | SHM_RDONLY));

	seg = shmat(self->shmid, NULL, 0);
	ASSERT_TRUE(seg != (void *)-1);
	EXPECT_EQ(-1, mprotect(seg, BLOCK_SIZE,
			       PROT_READ | PROT_WRITE | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, mprotect(seg, BLOCK_SIZE, PROT_READ | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(0, mprotect(seg, BLOCK_SIZE, PROT_READ));
	EXPECT_EQ(0, shmdt(seg));

	seg = shmat(self->shmid, NULL, SHM_RDONLY);
	ASSERT_TRUE(seg != (void *)-1);
	EXPECT_EQ(-1, mprotect(seg, BLOCK_SIZE, PROT_READ | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(0, shmdt(seg));
}

static int attach_read_implies_exec(void *arg)
{
	char perms[5];
	void *seg;

	if (personality(READ_IMPLIES_EXEC) < 0)
		return 10;
	seg = shmat(*(int *)arg, NULL, 0);
	if (seg == (void *)-1)
		return 1;
	if (pmm_maps_perms(seg, perms))
		return 11;
	return strcmp(perms, "rw-s") ? 2 : 0;
}

/*
 * #27, the design's consequence, as in pmm_test: under READ_IMPLIES_EXEC
 * an attach works and is not executable. v1 failed with 2; a kernel
 * that refuses VM_EXEC in ->mmap fails it with 1.
 */
TEST_F(shm, no_exec_read_implies_exec)
{
	EXPECT_EQ(0, pmm_in_child(attach_read_implies_exec, &self->shmid));
}

TEST_HARNESS_MAIN
