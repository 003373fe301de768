// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of PMM blocks as SysV shared memory segments (PMM_IOCTL_SHMGET):
 * the segment behaves as one from shmget(), and maps the block's pages.
 *
 * They need root (for /dev/pmm, a second uid and new IPC namespaces) and
 * one memory type with 4 MiB free; pmm=general:64M runs them all.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
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
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <linux/pmm.h>

#include "../kselftest_harness.h"

#define PMM_DEV		"/dev/pmm"
#define PMM_SYSFS	"/sys/kernel/mm/pmm"
#define BLOCK_SIZE	(1024UL * 1024)
#define NOBODY		65534

/* The mode bits shmctl() reports beyond the permissions. */
#define SHM_DEST_MODE	01000
#define SHM_LOCKED_MODE	02000

static uint64_t read_u64(const char *type, const char *stat)
{
	char path[256], buf[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), PMM_SYSFS "/%s/%s", type, stat);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return UINT64_MAX;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return UINT64_MAX;
	buf[n] = '\0';
	return strtoull(buf, NULL, 10);
}

/*
 * Wait up to 5 s for the type's free bytes to reach @want: an IPC namespace
 * is freed by a work item after its last task exits.
 */
static uint64_t wait_free_bytes(const char *type, uint64_t want)
{
	uint64_t now = read_u64(type, "free_bytes");
	int i;

	for (i = 0; i < 500 && now != want; i++) {
		usleep(10000);
		now = read_u64(type, "free_bytes");
	}
	return now;
}

static int pmm_alloc(int dev, uint64_t size, uint32_t fd_flags)
{
	struct pmm_alloc_data data = {
		.size = size,
		.fd_flags = fd_flags,
	};

	return ioctl(dev, PMM_IOCTL_ALLOC, &data) ? -errno : (int)data.fd;
}

/* Make @fd a segment; return the shmid or -errno. */
static int pmm_shmget(int dev, int fd, key_t key, int shmflg)
{
	struct pmm_shmget_data data = {
		.fd = fd,
		.key = key,
		.shmflg = shmflg,
		.shmid = -1,
	};

	return ioctl(dev, PMM_IOCTL_SHMGET, &data) ? -errno : data.shmid;
}

/* The number of segments in /proc/sysvipc/shm (the caller's namespace). */
static int proc_segment_count(void)
{
	char line[512];
	int n = -1;	/* the header */
	FILE *f;

	f = fopen("/proc/sysvipc/shm", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n;
}

/* The size column of the segment's line in /proc/sysvipc/shm, or -1. */
static long long proc_segment_size(int shmid)
{
	long long size, found = -1;
	char line[512];
	int key, id;
	FILE *f;

	f = fopen("/proc/sysvipc/shm", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%d %d %*o %lld", &key, &id, &size) == 3 &&
		    id == shmid)
			found = size;
	fclose(f);
	return found;
}

static void fill(void *p, size_t len, uint32_t seed)
{
	uint32_t *w = p;
	size_t i;

	for (i = 0; i < len / sizeof(*w); i++)
		w[i] = seed ^ (uint32_t)(i * 2654435761u);
}

static bool filled(const void *p, size_t len, uint32_t seed)
{
	const uint32_t *w = p;
	size_t i;

	for (i = 0; i < len / sizeof(*w); i++)
		if (w[i] != (seed ^ (uint32_t)(i * 2654435761u)))
			return false;
	return true;
}

/* Run @fn in a child; return its exit status, or 128 + signal. */
static int in_child(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid)
		_exit(fn(arg));
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static int drop_to_nobody(void)
{
	return setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY);
}

static int write_sysctl(const char *name, unsigned long long val)
{
	char path[128];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "/proc/sys/kernel/%s", name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	ret = fprintf(f, "%llu\n", val) < 0;
	return fclose(f) || ret ? -1 : 0;
}

FIXTURE(shm) {
	int dev;
	char type[PMM_TYPE_NAME_LEN];
	uint64_t base_free;
	uint64_t base_blocks;
	int fd;		/* a BLOCK_SIZE block of the first type, or -1 */
	int shmid;	/* removed at teardown unless -1 */
};

FIXTURE_SETUP(shm)
{
	struct pmm_type_info info = { .id = 0 };

	self->fd = -1;
	self->shmid = -1;
	self->dev = open(PMM_DEV, O_RDWR | O_CLOEXEC);
	if (self->dev < 0 && errno == ENOENT)
		SKIP(return, PMM_DEV " does not exist (CONFIG_PMM_DMABUF=n?)");
	ASSERT_LE(0, self->dev) TH_LOG("open " PMM_DEV ": %s", strerror(errno));
	if (ioctl(self->dev, PMM_IOCTL_TYPE_INFO, &info))
		SKIP(return, "no memory type (boot with pmm=general:64M)");
	if (info.free_bytes < 4 * BLOCK_SIZE)
		SKIP(return, "type %s has less than 4 MiB free", info.name);
	memcpy(self->type, info.name, sizeof(self->type));
	self->base_free = read_u64(self->type, "free_bytes");
	self->base_blocks = read_u64(self->type, "nr_blocks");

	self->fd = pmm_alloc(self->dev, BLOCK_SIZE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("PMM_IOCTL_ALLOC: %s", strerror(-self->fd));
	self->shmid = pmm_shmget(self->dev, self->fd, IPC_PRIVATE, 0600);
	if (self->shmid == -ENOTTY)
		SKIP(return, "PMM_IOCTL_SHMGET unknown (CONFIG_SYSVIPC=n?)");
	ASSERT_LE(0, self->shmid) TH_LOG("PMM_IOCTL_SHMGET: %s",
					 strerror(-self->shmid));
}

FIXTURE_TEARDOWN(shm)
{
	if (self->shmid >= 0)
		shmctl(self->shmid, IPC_RMID, NULL);
	if (self->fd >= 0)
		close(self->fd);
	/* Nothing of the block may outlive its fd, mappings and segment. */
	if (self->type[0]) {
		EXPECT_EQ(self->base_free,
			  wait_free_bytes(self->type, self->base_free))
			TH_LOG("%s leaked", self->type);
		EXPECT_EQ(self->base_blocks,
			  read_u64(self->type, "nr_blocks"));
	}
	if (self->dev >= 0)
		close(self->dev);
}

TEST_F(shm, ipc_stat)
{
	struct shmid_ds ds;
	time_t now = time(NULL);

	ASSERT_EQ(0, shmctl(self->shmid, IPC_STAT, &ds));
	EXPECT_EQ(BLOCK_SIZE, ds.shm_segsz);
	EXPECT_EQ(geteuid(), ds.shm_perm.uid);
	EXPECT_EQ(getegid(), ds.shm_perm.gid);
	EXPECT_EQ(geteuid(), ds.shm_perm.cuid);
	EXPECT_EQ(getegid(), ds.shm_perm.cgid);
	EXPECT_EQ(0600, ds.shm_perm.mode);
	EXPECT_EQ(IPC_PRIVATE, ds.shm_perm.__key);
	EXPECT_EQ(getpid(), ds.shm_cpid);
	EXPECT_EQ(0, ds.shm_lpid);
	EXPECT_EQ(0, ds.shm_nattch);
	EXPECT_EQ(0, ds.shm_atime);
	EXPECT_EQ(0, ds.shm_dtime);
	EXPECT_GE(ds.shm_ctime, now - 2);
	EXPECT_LE(ds.shm_ctime, now + 2);
	EXPECT_EQ(BLOCK_SIZE, proc_segment_size(self->shmid));

	/* The block is held once, by the fd and the segment together. */
	EXPECT_EQ(self->base_blocks + 1, read_u64(self->type, "nr_blocks"));
	EXPECT_EQ(self->base_free - BLOCK_SIZE,
		  read_u64(self->type, "free_bytes"));
}

TEST_F(shm, same_pages)
{
	struct shmid_ds ds;
	char *map, *seg;

	map = mmap(NULL, BLOCK_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		   self->fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	fill(map, BLOCK_SIZE, 1);

	seg = shmat(self->shmid, NULL, 0);
	ASSERT_NE((void *)-1, seg);
	EXPECT_TRUE(filled(seg, BLOCK_SIZE, 1));
	fill(seg, BLOCK_SIZE, 2);
	EXPECT_TRUE(filled(map, BLOCK_SIZE, 2));

	ASSERT_EQ(0, shmctl(self->shmid, IPC_STAT, &ds));
	EXPECT_EQ(1, ds.shm_nattch);
	EXPECT_EQ(getpid(), ds.shm_lpid);
	EXPECT_NE(0, ds.shm_atime);

	EXPECT_EQ(0, shmdt(seg));
	ASSERT_EQ(0, shmctl(self->shmid, IPC_STAT, &ds));
	EXPECT_EQ(0, ds.shm_nattch);
	EXPECT_NE(0, ds.shm_dtime);
	EXPECT_EQ(0, munmap(map, BLOCK_SIZE));
}

static int attach_and_write(void *arg)
{
	int shmid = *(int *)arg;
	char *seg = shmat(shmid, NULL, 0);

	if (seg == (void *)-1)
		return 1;
	if (!filled(seg, BLOCK_SIZE, 3))
		return 2;
	fill(seg, BLOCK_SIZE, 4);
	return shmdt(seg) ? 3 : 0;
}

TEST_F(shm, other_process)
{
	struct shmid_ds ds;
	char *map;

	map = mmap(NULL, BLOCK_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		   self->fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	fill(map, BLOCK_SIZE, 3);
	EXPECT_EQ(0, in_child(attach_and_write, &self->shmid));
	EXPECT_TRUE(filled(map, BLOCK_SIZE, 4));
	ASSERT_EQ(0, shmctl(self->shmid, IPC_STAT, &ds));
	EXPECT_NE(getpid(), ds.shm_lpid);
	EXPECT_EQ(0, ds.shm_nattch);
	EXPECT_EQ(0, munmap(map, BLOCK_SIZE));
}

static int hold_attach(void *arg)
{
	struct shmid_ds ds;
	int shmid = *(int *)arg;

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
	ASSERT_NE((void *)-1, seg);
	fill(seg, BLOCK_SIZE, 5);
	EXPECT_EQ(0, in_child(hold_attach, &self->shmid));
	ASSERT_EQ(0, shmctl(self->shmid, IPC_STAT, &ds));
	EXPECT_EQ(1, ds.shm_nattch);
	EXPECT_TRUE(filled(seg, BLOCK_SIZE, 5));
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
	ASSERT_NE(MAP_FAILED, map);
	map[0] = 0x5a;
	EXPECT_EQ(128 + SIGSEGV, in_child(write_read_only, &self->shmid));
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

	if (drop_to_nobody())
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
	ASSERT_NE(MAP_FAILED, map);
	map[0] = 0x5a;

	/* 0600, owned by root: nobody may not attach at all. */
	a.shmflg = SHM_RDONLY;
	a.want_errno = EACCES;
	EXPECT_EQ(0, in_child(attach_as_nobody, &a));

	/* 0644: read-only attach only. */
	ASSERT_EQ(0, shmctl(self->shmid, IPC_STAT, &ds));
	ds.shm_perm.mode = 0644;
	ASSERT_EQ(0, shmctl(self->shmid, IPC_SET, &ds));
	a.want_errno = 0;
	EXPECT_EQ(0, in_child(attach_as_nobody, &a));
	a.shmflg = 0;
	a.want_errno = EACCES;
	EXPECT_EQ(0, in_child(attach_as_nobody, &a));

	/* IPC_SET to owner nobody, 0600: nobody attaches read-write. */
	ds.shm_perm.uid = NOBODY;
	ds.shm_perm.gid = NOBODY;
	ds.shm_perm.mode = 0600;
	ASSERT_EQ(0, shmctl(self->shmid, IPC_SET, &ds));
	ASSERT_EQ(0, shmctl(self->shmid, IPC_STAT, &ds));
	EXPECT_EQ(NOBODY, ds.shm_perm.uid);
	EXPECT_EQ(NOBODY, ds.shm_perm.gid);
	EXPECT_EQ(0600, ds.shm_perm.mode);
	EXPECT_EQ(0, ds.shm_perm.cuid);
	a.want_errno = 0;
	EXPECT_EQ(0, in_child(attach_as_nobody, &a));
	EXPECT_EQ(0, munmap(map, BLOCK_SIZE));
}

TEST_F(shm, lock_unlock)
{
	struct shmid_ds ds;
	char *seg;

	seg = shmat(self->shmid, NULL, 0);
	ASSERT_NE((void *)-1, seg);
	fill(seg, BLOCK_SIZE, 6);
	EXPECT_EQ(0, shmctl(self->shmid, SHM_LOCK, NULL));
	ASSERT_EQ(0, shmctl(self->shmid, IPC_STAT, &ds));
	EXPECT_EQ(0600, ds.shm_perm.mode & ~SHM_DEST_MODE);
	EXPECT_EQ(0, ds.shm_perm.mode & SHM_LOCKED_MODE);
	EXPECT_EQ(0, shmctl(self->shmid, SHM_UNLOCK, NULL));
	ASSERT_EQ(0, shmctl(self->shmid, IPC_STAT, &ds));
	EXPECT_EQ(0600, ds.shm_perm.mode);
	EXPECT_EQ(BLOCK_SIZE, ds.shm_segsz);
	EXPECT_TRUE(filled(seg, BLOCK_SIZE, 6));
	EXPECT_EQ(0, shmdt(seg));
}

TEST_F(shm, rmid_while_attached)
{
	struct shmid_ds ds;
	char *seg;

	seg = shmat(self->shmid, NULL, 0);
	ASSERT_NE((void *)-1, seg);
	fill(seg, BLOCK_SIZE, 7);
	ASSERT_EQ(0, shmctl(self->shmid, IPC_RMID, NULL));
	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;

	/* Still there, marked for destruction, and still the block's. */
	ASSERT_EQ(0, shmctl(self->shmid, IPC_STAT, &ds));
	EXPECT_EQ(SHM_DEST_MODE, ds.shm_perm.mode & SHM_DEST_MODE);
	EXPECT_EQ(1, ds.shm_nattch);
	EXPECT_TRUE(filled(seg, BLOCK_SIZE, 7));
	EXPECT_EQ(self->base_free - BLOCK_SIZE,
		  read_u64(self->type, "free_bytes"));

	/* The last detach destroys it and frees the block. */
	EXPECT_EQ(0, shmdt(seg));
	EXPECT_EQ(-1, shmctl(self->shmid, IPC_STAT, &ds));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, proc_segment_size(self->shmid));
	EXPECT_EQ(self->base_free, read_u64(self->type, "free_bytes"));
	self->shmid = -1;
}

TEST_F(shm, segment_holds_block)
{
	char *seg;

	/* After the fd is closed, the segment alone holds the block. */
	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;
	EXPECT_EQ(self->base_free - BLOCK_SIZE,
		  read_u64(self->type, "free_bytes"));
	seg = shmat(self->shmid, NULL, 0);
	ASSERT_NE((void *)-1, seg);
	fill(seg, BLOCK_SIZE, 8);
	EXPECT_EQ(0, shmdt(seg));

	/* And the mapping alone, after IPC_RMID. */
	seg = shmat(self->shmid, NULL, 0);
	ASSERT_NE((void *)-1, seg);
	ASSERT_EQ(0, shmctl(self->shmid, IPC_RMID, NULL));
	self->shmid = -1;
	EXPECT_TRUE(filled(seg, BLOCK_SIZE, 8));
	EXPECT_EQ(self->base_free - BLOCK_SIZE,
		  read_u64(self->type, "free_bytes"));
	EXPECT_EQ(0, shmdt(seg));
	EXPECT_EQ(self->base_free, read_u64(self->type, "free_bytes"));
}

TEST_F(shm, ipcrm)
{
	char cmd[64];

	if (access("/usr/bin/ipcrm", X_OK) && access("/bin/ipcrm", X_OK))
		SKIP(return, "no ipcrm (util-linux)");
	snprintf(cmd, sizeof(cmd), "ipcrm -m %d", self->shmid);
	ASSERT_EQ(0, system(cmd));
	EXPECT_EQ(-1, proc_segment_size(self->shmid));
	EXPECT_EQ(-1, shmctl(self->shmid, IPC_STAT, NULL));
	self->shmid = -1;
}

TEST_F(shm, keys)
{
	key_t key = 0x504d4d00 | (getpid() & 0xff);
	struct shmid_ds ds;
	int fd2, id, id2;

	fd2 = pmm_alloc(self->dev, BLOCK_SIZE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd2);

	/* A key that does not exist needs IPC_CREAT. */
	EXPECT_EQ(-ENOENT, pmm_shmget(self->dev, fd2, key, 0600));
	id = pmm_shmget(self->dev, fd2, key, IPC_CREAT | IPC_EXCL | 0600);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, shmctl(id, IPC_STAT, &ds));
	EXPECT_EQ(key, ds.shm_perm.__key);

	/* Once it exists: EEXIST, with or without IPC_EXCL... */
	EXPECT_EQ(-EEXIST, pmm_shmget(self->dev, self->fd, key,
				      IPC_CREAT | IPC_EXCL | 0600));
	EXPECT_EQ(-EEXIST, pmm_shmget(self->dev, self->fd, key,
				      IPC_CREAT | 0600));
	EXPECT_EQ(-EEXIST, pmm_shmget(self->dev, self->fd, key, 0600));
	/* ...and shmget() finds it like any other segment. */
	id2 = shmget(key, 0, 0);
	EXPECT_EQ(id, id2);
	EXPECT_EQ(id, shmget(key, BLOCK_SIZE, 0600));
	EXPECT_EQ(-1, shmget(key, BLOCK_SIZE + 1, 0600));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, shmget(key, BLOCK_SIZE, IPC_CREAT | IPC_EXCL | 0600));
	EXPECT_EQ(EEXIST, errno);

	EXPECT_EQ(0, shmctl(id, IPC_RMID, NULL));
	EXPECT_EQ(0, close(fd2));
}

TEST_F(shm, errors)
{
	struct pmm_shmget_data data, *ro_data;
	int ro, pipefd[2], segments;

	/* Not an open fd, and not a PMM dma-buf. */
	EXPECT_EQ(-EBADF, pmm_shmget(self->dev, 1000000, IPC_PRIVATE, 0600));
	ASSERT_EQ(0, pipe(pipefd));
	EXPECT_EQ(-ENODEV, pmm_shmget(self->dev, pipefd[0], IPC_PRIVATE, 0600));
	close(pipefd[0]);
	close(pipefd[1]);
	EXPECT_EQ(-EBADF, pmm_shmget(self->dev, pipefd[0], IPC_PRIVATE, 0600));

	/* shmflg bits beyond IPC_CREAT, IPC_EXCL and the permissions. */
	EXPECT_EQ(-EOPNOTSUPP, pmm_shmget(self->dev, self->fd, IPC_PRIVATE,
					  SHM_HUGETLB | 0600));
	EXPECT_EQ(-EOPNOTSUPP, pmm_shmget(self->dev, self->fd, IPC_PRIVATE,
					  SHM_NORESERVE | 0600));
	EXPECT_EQ(-EOPNOTSUPP, pmm_shmget(self->dev, self->fd, IPC_PRIVATE,
					  (1 << 24) | 0600));

	/* Flags and reserved fields must be 0. */
	memset(&data, 0, sizeof(data));
	data.fd = self->fd;
	data.shmflg = 0600;
	data.flags = 1;
	EXPECT_EQ(-1, ioctl(self->dev, PMM_IOCTL_SHMGET, &data));
	EXPECT_EQ(EINVAL, errno);
	data.flags = 0;
	data.reserved = 1;
	EXPECT_EQ(-1, ioctl(self->dev, PMM_IOCTL_SHMGET, &data));
	EXPECT_EQ(EINVAL, errno);

	/* A read-only fd cannot make a writable segment. */
	ro = pmm_alloc(self->dev, BLOCK_SIZE, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, ro);
	EXPECT_EQ(-EACCES, pmm_shmget(self->dev, ro, IPC_PRIVATE, 0400));
	EXPECT_EQ(0, close(ro));

	/* A result that cannot be written back leaves no segment. */
	EXPECT_EQ(-1, ioctl(self->dev, PMM_IOCTL_SHMGET, (void *)1));
	EXPECT_EQ(EFAULT, errno);
	segments = proc_segment_count();
	ro_data = mmap(NULL, getpagesize(), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro_data);
	ro_data->fd = self->fd;
	ro_data->shmflg = 0600;
	ASSERT_EQ(0, mprotect(ro_data, getpagesize(), PROT_READ));
	EXPECT_EQ(-1, ioctl(self->dev, PMM_IOCTL_SHMGET, ro_data));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(segments, proc_segment_count());
	EXPECT_EQ(0, munmap(ro_data, getpagesize()));
}

TEST_F(shm, limits)
{
	struct shm_info info, after;
	int fd2, id;

	fd2 = pmm_alloc(self->dev, BLOCK_SIZE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd2);

	/* Counted in shm_tot and SHM_INFO like any segment. */
	ASSERT_LE(0, shmctl(0, SHM_INFO, (struct shmid_ds *)&info));
	id = pmm_shmget(self->dev, fd2, IPC_PRIVATE, 0600);
	ASSERT_LE(0, id);
	ASSERT_LE(0, shmctl(0, SHM_INFO, (struct shmid_ds *)&after));
	EXPECT_EQ(info.used_ids + 1, after.used_ids);
	EXPECT_EQ(info.shm_tot + BLOCK_SIZE / getpagesize(), after.shm_tot);
	EXPECT_EQ(info.shm_rss + BLOCK_SIZE / getpagesize(), after.shm_rss);
	EXPECT_EQ(info.shm_swp, after.shm_swp);
	EXPECT_EQ(0, shmctl(id, IPC_RMID, NULL));
	EXPECT_EQ(0, close(fd2));
}

struct ns_limit {
	int dev;
	int fd;
	const char *sysctl;
	unsigned long long value;
	int want;	/* -errno from PMM_IOCTL_SHMGET */
};

static int shmget_under_limit(void *arg)
{
	struct ns_limit *l = arg;
	int id;

	/* A new IPC namespace: its sysctls are its own. */
	if (unshare(CLONE_NEWIPC))
		return 10;
	if (write_sysctl(l->sysctl, l->value))
		return 11;
	id = pmm_shmget(l->dev, l->fd, IPC_PRIVATE, 0600);
	if (id != l->want)
		return 1;
	/* One page more of room, and it fits (shmmni: one id more). */
	if (write_sysctl(l->sysctl, !strcmp(l->sysctl, "shmmni") ? 1 :
			 !strcmp(l->sysctl, "shmall") ?
			 BLOCK_SIZE / getpagesize() : BLOCK_SIZE))
		return 12;
	id = pmm_shmget(l->dev, l->fd, IPC_PRIVATE, 0600);
	if (id < 0)
		return 2;
	/* Left for the namespace's teardown to free. */
	return 0;
}

TEST_F(shm, limits_in_namespace)
{
	struct ns_limit l = { .dev = self->dev, .fd = self->fd };

	if (geteuid())
		SKIP(return, "needs root for unshare(CLONE_NEWIPC)");
	l.sysctl = "shmmax";
	l.value = BLOCK_SIZE - 1;
	l.want = -EINVAL;
	EXPECT_EQ(0, in_child(shmget_under_limit, &l));
	l.sysctl = "shmall";
	l.value = BLOCK_SIZE / getpagesize() - 1;
	l.want = -ENOSPC;
	EXPECT_EQ(0, in_child(shmget_under_limit, &l));
	l.sysctl = "shmmni";
	l.value = 0;
	l.want = -ENOSPC;
	EXPECT_EQ(0, in_child(shmget_under_limit, &l));

	/* Each namespace's teardown dropped its segment's reference. */
	ASSERT_EQ(0, shmctl(self->shmid, IPC_RMID, NULL));
	self->shmid = -1;
	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;
	EXPECT_EQ(self->base_free,
		  wait_free_bytes(self->type, self->base_free));
}

struct ns_args {
	int dev;
	int shmid;	/* out of the namespace: the id there */
};

static int create_and_exit(void *arg)
{
	struct ns_args *a = arg;
	int fd = pmm_alloc(a->dev, BLOCK_SIZE, O_RDWR);

	if (fd < 0)
		return 1;
	a->shmid = pmm_shmget(a->dev, fd, IPC_PRIVATE, 0600);
	/* Exits holding the fd and the segment, never detached or removed. */
	return a->shmid < 0 ? 2 : 0;
}

static int rmid_forced_in_namespace(void *arg)
{
	struct ns_args *a = arg;

	if (unshare(CLONE_NEWIPC))
		return 10;
	if (write_sysctl("shm_rmid_forced", 1))
		return 11;
	a->shmid = -1;
	if (in_child(create_and_exit, a))
		return 12;
	/* The namespace had no other segment: the child's is gone. */
	return proc_segment_count() == 0 ? 0 : 1;
}

static int namespace_teardown(void *arg)
{
	if (unshare(CLONE_NEWIPC))
		return 10;
	if (in_child(create_and_exit, arg))
		return 11;
	/* Orphaned, but kept: shm_rmid_forced is 0 in a new namespace. */
	return proc_segment_count() == 1 ? 0 : 1;
}

TEST_F(shm, namespaces)
{
	struct ns_args a = { .dev = self->dev };

	if (geteuid())
		SKIP(return, "needs root for unshare(CLONE_NEWIPC)");
	/* shm_rmid_forced destroys an orphan segment at its creator's exit. */
	EXPECT_EQ(0, in_child(rmid_forced_in_namespace, &a));
	/* The end of the namespace frees a segment no one removed. */
	EXPECT_EQ(0, in_child(namespace_teardown, &a));
	/* The fixture's teardown checks that both blocks were freed. */
}

TEST_HARNESS_MAIN
