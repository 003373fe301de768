// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the PMM kselftests; see pmm_util.h.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/wait.h>

#include <linux/dma-heap.h>

#include "pmm_util.h"

static int read_stat(const char *type, const char *file, int64_t *val)
{
	char path[256], buf[32], *end;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), PMM_SYSFS "/%s/%s", type, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	*val = strtoll(buf, &end, 10);
	if (end == buf)
		return -EIO;
	return 0;
}

/* Read every statistic of @type; 0 or -errno. */
int pmm_stats_read(const char *type, struct pmm_stats *st)
{
	const struct {
		const char *file;
		int64_t *val;
	} stats[] = {
		{ "total_bytes", &st->total_bytes },
		{ "free_bytes", &st->free_bytes },
		{ "largest_free_bytes", &st->largest_free_bytes },
		{ "nr_blocks", &st->nr_blocks },
		{ "nr_free_extents", &st->nr_free_extents },
		{ "alloc_success", &st->alloc_success },
		{ "alloc_fail", &st->alloc_fail },
		{ "free_success", &st->free_success },
	};
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(stats); i++) {
		ret = read_stat(type, stats[i].file, stats[i].val);
		if (ret)
			return ret;
	}
	return 0;
}

/* @now - @then, statistic by statistic. */
struct pmm_stats pmm_stats_delta(const struct pmm_stats *now,
				 const struct pmm_stats *then)
{
	return (struct pmm_stats){
		.total_bytes = now->total_bytes - then->total_bytes,
		.free_bytes = now->free_bytes - then->free_bytes,
		.largest_free_bytes = now->largest_free_bytes -
				      then->largest_free_bytes,
		.nr_blocks = now->nr_blocks - then->nr_blocks,
		.nr_free_extents = now->nr_free_extents -
				   then->nr_free_extents,
		.alloc_success = now->alloc_success - then->alloc_success,
		.alloc_fail = now->alloc_fail - then->alloc_fail,
		.free_success = now->free_success - then->free_success,
	};
}

/*
 * Whether everything allocated since @then was given back: the free space
 * and its largest extent are what they were, and every allocation since was
 * freed.
 */
bool pmm_stats_back(const struct pmm_stats *now, const struct pmm_stats *then)
{
	struct pmm_stats d = pmm_stats_delta(now, then);

	return !d.free_bytes && !d.largest_free_bytes && !d.nr_blocks &&
	       d.alloc_success == d.free_success;
}

/*
 * Open /dev/pmm for reading and writing and describe every memory type.
 * Returns PMM_CTX_READY, or PMM_CTX_SKIP or PMM_CTX_FAIL with the reason in
 * @why. No memory type at all is PMM_CTX_READY with ctx->nr_types 0: some
 * tests need none.
 */
int pmm_ctx_init(struct pmm_ctx *ctx, char *why, size_t len)
{
	unsigned int i;
	int ret;

	memset(ctx, 0, sizeof(*ctx));
	ctx->dev = open(PMM_DEV, O_RDWR | O_CLOEXEC);
	if (ctx->dev < 0) {
		ret = errno;
		snprintf(why, len, "cannot open " PMM_DEV ": %s%s",
			 strerror(ret),
			 ret == ENOENT ? " (CONFIG_PMM_DMABUF=n?)" :
			 ret == EACCES ? " (it is root's, mode 0600)" : "");
		return ret == ENOENT || ret == EACCES ? PMM_CTX_SKIP :
							PMM_CTX_FAIL;
	}

	for (i = 0; i < PMM_MAX_TYPES; i++) {
		struct pmm_type_info *t = &ctx->types[i];

		t->id = i;
		ret = pmm_ioctl_type_info(ctx->dev, t);
		if (ret == -ENOENT)
			break;
		if (ret) {
			snprintf(why, len, "PMM_IOCTL_TYPE_INFO id %u: %s", i,
				 strerror(-ret));
			return PMM_CTX_FAIL;
		}
		ret = pmm_stats_read(t->name, &ctx->base[i]);
		if (ret) {
			snprintf(why, len, PMM_SYSFS "/%s: %s", t->name,
				 strerror(-ret));
			return PMM_CTX_FAIL;
		}
	}
	ctx->nr_types = i;
	return PMM_CTX_READY;
}

void pmm_ctx_fini(struct pmm_ctx *ctx)
{
	if (ctx->dev >= 0)
		close(ctx->dev);
	ctx->dev = -1;
}

/*
 * Wait up to @timeout_ms for the statistics of type @id to be back to those
 * at setup; @now holds the last ones read. 0, or -errno if unreadable.
 */
int pmm_ctx_wait_back(const struct pmm_ctx *ctx, unsigned int id,
		      unsigned int timeout_ms, struct pmm_stats *now)
{
	uint64_t end = pmm_now_ns() + timeout_ms * 1000000ull;
	int ret;

	for (;;) {
		ret = pmm_stats_read(ctx->types[id].name, now);
		if (ret)
			return ret;
		if (pmm_stats_back(now, &ctx->base[id]) || pmm_now_ns() >= end)
			return 0;
		pmm_sleep_ms(10);
	}
}

/* The first type with a free extent of @bytes at setup, or -1. */
int pmm_ctx_type_with_room(const struct pmm_ctx *ctx, uint64_t bytes)
{
	unsigned int id;

	for (id = 0; id < ctx->nr_types; id++)
		if ((uint64_t)ctx->base[id].largest_free_bytes >= bytes)
			return id;
	return -1;
}

/* PMM_IOCTL_ALLOC: the new dma-buf's fd, with @req->size the block's. */
int pmm_ioctl_alloc(int dev, struct pmm_alloc_data *req)
{
	if (ioctl(dev, PMM_IOCTL_ALLOC, req) < 0)
		return -errno;
	return (int)req->fd;
}

/* PMM_IOCTL_TYPE_INFO of @info->id. */
int pmm_ioctl_type_info(int dev, struct pmm_type_info *info)
{
	return ioctl(dev, PMM_IOCTL_TYPE_INFO, info) < 0 ? -errno : 0;
}

/* PMM_IOCTL_BLOCK_INFO of @fd, into @info. */
int pmm_ioctl_block_info(int dev, int fd, struct pmm_block_info *info)
{
	*info = (struct pmm_block_info){ .fd = fd };
	return ioctl(dev, PMM_IOCTL_BLOCK_INFO, info) < 0 ? -errno : 0;
}

/* PMM_IOCTL_SHMGET: the new segment's shmid, the ioctl's return value. */
int pmm_ioctl_shmget(int dev, const struct pmm_shmget_data *req)
{
	int ret = ioctl(dev, PMM_IOCTL_SHMGET, req);

	return ret < 0 ? -errno : ret;
}

int pmm_alloc_try(int dev, struct pmm_alloc_data req)
{
	int fd = pmm_ioctl_alloc(dev, &req);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

int pmm_shmget_try(int dev, struct pmm_shmget_data req)
{
	int shmid = pmm_ioctl_shmget(dev, &req);

	if (shmid >= 0)
		shmctl(shmid, IPC_RMID, NULL);
	return shmid;
}

/* The ioctl @cmd, with its argument declared @size bytes long. */
int pmm_ioctl_sized(int fd, unsigned long cmd, void *arg, size_t size)
{
	int ret = ioctl(fd, _IOC(_IOC_DIR(cmd), _IOC_TYPE(cmd), _IOC_NR(cmd),
				 size), arg);

	return ret < 0 ? -errno : ret;
}

/* Open /dev/dma_heap/@name; the fd or -errno. */
int dma_heap_open(const char *name, int flags)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), PMM_HEAP_DIR "/%s", name);
	fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Open the dma-heap of memory type @type, pmm-<type>. */
int pmm_heap_open(const char *type, int flags)
{
	char name[PMM_TYPE_NAME_LEN + 8];

	snprintf(name, sizeof(name), "pmm-%s", type);
	return dma_heap_open(name, flags);
}

/* DMA_HEAP_IOCTL_ALLOC: the new dma-buf's fd, or -errno. */
int dma_heap_alloc(int heap, uint64_t len, uint32_t fd_flags)
{
	struct dma_heap_allocation_data data = {
		.len = len,
		.fd_flags = fd_flags,
	};

	if (ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &data) < 0)
		return -errno;
	return (int)data.fd;
}

size_t pmm_page_size(void)
{
	static size_t page_size;

	if (!page_size)
		page_size = sysconf(_SC_PAGESIZE);
	return page_size;
}

uint64_t pmm_page_align(uint64_t size)
{
	uint64_t mask = pmm_page_size() - 1;

	return (size + mask) & ~mask;
}

/* A pattern that differs from word to word and from seed to seed. */
void pmm_fill(void *p, size_t len, uint32_t seed)
{
	uint32_t *w = p;
	size_t i;

	for (i = 0; i < len / sizeof(*w); i++)
		w[i] = seed ^ (uint32_t)(i * 2654435761u);
}

bool pmm_filled(const void *p, size_t len, uint32_t seed)
{
	const uint32_t *w = p;
	size_t i;

	for (i = 0; i < len / sizeof(*w); i++)
		if (w[i] != (seed ^ (uint32_t)(i * 2654435761u)))
			return false;
	return true;
}

bool pmm_all_bytes(const void *p, int c, size_t len)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != (unsigned char)c)
			return false;
	return true;
}

/*
 * For mappings that must fail: the errno of mmap(), or 0 if it mapped (the
 * mapping, which may hold a block, is undone).
 */
int pmm_mmap_errno(size_t len, int prot, int flags, int fd, size_t off)
{
	void *p = mmap(NULL, len, prot, flags, fd, off);

	if (p == MAP_FAILED)
		return errno;
	munmap(p, len);
	return 0;
}

/*
 * The line of /proc/self/maps of the mapping that starts at @addr, without
 * its newline; 0, or -1 if there is none.
 */
int pmm_maps_line(const void *addr, char *line, size_t len)
{
	char start[32];
	size_t n;
	FILE *f;
	int ret = -1;

	/* show_map_vma() prints the start as %08lx. */
	n = snprintf(start, sizeof(start), "%08lx-", (unsigned long)addr);
	f = fopen("/proc/self/maps", "r");
	if (!f)
		return -1;
	while (fgets(line, (int)len, f)) {
		if (strncmp(line, start, n))
			continue;
		line[strcspn(line, "\n")] = '\0';
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

/* Remove the segment @shmid and close @fd, each unless it is -1. */
void pmm_release(int shmid, int fd)
{
	if (shmid >= 0)
		shmctl(shmid, IPC_RMID, NULL);
	if (fd >= 0)
		close(fd);
}

/* The permissions ("rw-s") of the mapping that starts at @addr; 0 or -1. */
int pmm_maps_perms(const void *addr, char perms[5])
{
	char line[512];

	if (pmm_maps_line(addr, line, sizeof(line)) ||
	    sscanf(line, "%*s %4s", perms) != 1)
		return -1;
	return 0;
}

/* The exit status of @pid, 128 + the signal that killed it, or -1. */
int pmm_wait_status(pid_t pid)
{
	int status;
	pid_t ret;

	do {
		ret = waitpid(pid, &status, 0);
	} while (ret < 0 && errno == EINTR);
	if (ret != pid)
		return -1;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * As pmm_wait_status(), for at most @timeout_ms: then @pid is killed and
 * reaped, and the result is -2.
 */
int pmm_wait_status_ms(pid_t pid, unsigned int timeout_ms)
{
	uint64_t end = pmm_now_ns() + timeout_ms * 1000000ull;
	int status;
	pid_t ret;

	for (;;) {
		ret = waitpid(pid, &status, WNOHANG);
		if (ret == pid)
			break;
		if (ret < 0 && errno != EINTR)
			return -1;
		if (pmm_now_ns() >= end) {
			kill(pid, SIGKILL);
			pmm_wait_status(pid);
			return -2;
		}
		pmm_sleep_ms(1);
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Run @fn in a child; its return value as exit status, as for wait. */
int pmm_in_child(int (*fn)(void *arg), void *arg)
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid)
		_exit(fn(arg));
	return pmm_wait_status(pid);
}

/* Become uid and gid 65534 with no groups: no capability is left. */
int pmm_drop_to_nobody(void)
{
	if (setgroups(0, NULL) ||
	    setresgid(PMM_NOBODY, PMM_NOBODY, PMM_NOBODY) ||
	    setresuid(PMM_NOBODY, PMM_NOBODY, PMM_NOBODY))
		return -1;
	return 0;
}

/* Write /proc/sys/@name, in the caller's namespaces. */
int pmm_write_sysctl(const char *name, unsigned long long val)
{
	char path[128];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "/proc/sys/%s", name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	ret = fprintf(f, "%llu\n", val) < 0;
	if (fclose(f) || ret)
		return -1;
	return 0;
}

int pmm_read_sysctl(const char *name, unsigned long long *val)
{
	char path[128];

	snprintf(path, sizeof(path), "/proc/sys/%s", name);
	return pmm_read_u64(path, val);
}

/* The number at the start of the file @path. */
int pmm_read_u64(const char *path, unsigned long long *val)
{
	FILE *f;
	int ret;

	f = fopen(path, "r");
	if (!f)
		return -1;
	ret = fscanf(f, "%llu", val) == 1 ? 0 : -1;
	fclose(f);
	return ret;
}

/* The fields of /proc/@pid/stat after the command name. */
static int read_proc_stat(pid_t pid, char *buf, size_t len, char **rest)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	*rest = strrchr(buf, ')');
	if (!*rest || (*rest)[1] != ' ')
		return -1;
	*rest += 2;
	return 0;
}

/* The state of @pid ('R', 'S', 'D', 'Z'...), or 0. */
char pmm_proc_state(pid_t pid)
{
	char buf[1024], *rest;

	if (read_proc_stat(pid, buf, sizeof(buf), &rest))
		return 0;
	return rest[0];
}

/* The CPU time @pid has used, user and system, in clock ticks; or -1. */
long long pmm_proc_cpu_ticks(pid_t pid)
{
	char buf[1024], *rest;
	unsigned long long utime, stime;

	if (read_proc_stat(pid, buf, sizeof(buf), &rest))
		return -1;
	/* state ppid pgrp session tty_nr tpgid flags 4 x faults utime stime */
	if (sscanf(rest, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
		   &utime, &stime) != 2)
		return -1;
	return utime + stime;
}

/*
 * Wait up to @timeout_ms for @pid to be asleep ('S') on ten reads in a row,
 * a millisecond apart: blocked in the kernel, not spinning.
 */
bool pmm_wait_asleep(pid_t pid, unsigned int timeout_ms)
{
	unsigned int waited, in_a_row = 0;

	for (waited = 0; waited < timeout_ms; waited++) {
		if (pmm_proc_state(pid) == 'S') {
			if (++in_a_row == 10)
				return true;
		} else {
			in_a_row = 0;
		}
		pmm_sleep_ms(1);
	}
	return false;
}

void pmm_sleep_ms(unsigned int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (ms % 1000) * 1000000L,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

uint64_t pmm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Whether the kernel has SysV IPC (CONFIG_SYSVIPC): ipc/ made its files. */
bool pmm_have_sysvipc(void)
{
	return !access("/proc/sysvipc/shm", F_OK);
}

/* The number of segments in /proc/sysvipc/shm (the caller's namespace). */
int pmm_proc_shm_count(void)
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
long long pmm_proc_shm_size(int shmid)
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

/*
 * For attaches that must fail: the errno of shmat(), or 0 if it attached
 * (and the attach is undone).
 */
int pmm_shmat_errno(int shmid, int shmflg)
{
	void *p = shmat(shmid, NULL, shmflg);

	if (p == (void *)-1)
		return errno;
	shmdt(p);
	return 0;
}

/* A SysV key of this process's own, the @n-th (0 to 255). */
key_t pmm_test_key(unsigned int n)
{
	return (key_t)(0x50000000u | ((getpid() & 0xffffu) << 8) |
		       (n & 0xffu));
}
