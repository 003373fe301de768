// SPDX-License-Identifier: GPL-2.0
/*
 * Tests first, for hardening: the kernel reaching the pages of a PMM
 * mapping on a process's behalf. Today a mapping is a PFN map (VM_PFNMAP |
 * VM_IO) without vm_ops->access, so get_user_pages() refuses it and
 * access_remote_vm() cannot read it; these cases fail, and must pass once
 * the items are fixed.
 *
 * Each case runs on a dma-buf mapping (variant dmabuf) and on a SysV attach
 * of the block (variant sysv). Cases and items:
 *   futex_wait_wake (#26)  shared futexes in the mapping, across processes
 *   pshared_mutex (#26)    a PTHREAD_PROCESS_SHARED mutex, contended
 *   robust_mutex (#26)     a robust one, whose owner dies holding it
 *   vmsplice_outlives_block (#26)  a page in a pipe keeps its old data
 *                          after the block is freed and reallocated
 *   process_vm_rw (#26)    process_vm_readv/writev on another process's
 *   file_io (#26)          read() from a regular file into it, write()
 *   o_direct (#26)         O_DIRECT write from it and read into it
 *   ptrace_peek_poke (#16) PTRACE_PEEKDATA/POKEDATA, /proc/PID/mem
 *   proc_self_mem (#16)    /proc/self/mem; no write through PROT_READ
 * The teardown checks that every type's statistics are back.
 */

#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/vfs.h>
#include <sys/wait.h>

#include <linux/futex.h>
#include <linux/magic.h>

#include "../kselftest_harness.h"
#include "pmm_util.h"

#define GUP_SIZE	(64 * 1024UL)

FIXTURE(gup) {
	struct pmm_ctx ctx;
	unsigned int id;	/* the memory type of the block */
	int fd;		/* the block, closed at teardown unless -1 */
	int shmid;	/* its segment (variant sysv), removed unless -1 */
	char *map;	/* the mapping under test, undone unless NULL */
};

FIXTURE_VARIANT(gup) {
	bool sysv;
};

FIXTURE_VARIANT_ADD(gup, dmabuf) {
	.sysv = false,
};

FIXTURE_VARIANT_ADD(gup, sysv) {
	.sysv = true,
};

/* A new mapping of the block, as the variant makes them; NULL if not. */
static char *map_block(int fd, int shmid, bool sysv)
{
	void *p;

	if (sysv) {
		p = shmat(shmid, NULL, 0);
		return p == (void *)-1 ? NULL : p;
	}
	p = mmap(NULL, GUP_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

static int unmap_block(void *p, bool sysv)
{
	return sysv ? shmdt(p) : munmap(p, GUP_SIZE);
}

/* A new mapping of the block, whose start is a process-shared mutex. */
static pthread_mutex_t *map_mutex(int fd, int shmid, bool sysv)
{
	return (pthread_mutex_t *)map_block(fd, shmid, sysv);
}

FIXTURE_SETUP(gup)
{
	self->fd = -1;
	self->shmid = -1;
	self->map = NULL;
	PMM_CTX_SETUP(&self->ctx, true);
	if (variant->sysv && !pmm_have_sysvipc())
		SKIP(return, "no SysV IPC (CONFIG_SYSVIPC=n)");
	PMM_SETUP_BLOCK(&self->ctx, 2 * GUP_SIZE, GUP_SIZE, self->id,
			self->fd);
	if (variant->sysv) {
		self->shmid = PMM_SHMGET(self->ctx.dev, .fd = self->fd,
					 .key = IPC_PRIVATE, .shmflg = 0600);
		ASSERT_LE(0, self->shmid) TH_LOG("PMM_IOCTL_SHMGET: %s",
						 strerror(-self->shmid));
	}
	self->map = map_block(self->fd, self->shmid, variant->sysv);
	ASSERT_TRUE(!!self->map) TH_LOG("mapping the block: %s",
					strerror(errno));
}

FIXTURE_TEARDOWN(gup)
{
	if (self->map)
		unmap_block(self->map, variant->sysv);
	pmm_release(self->shmid, self->fd);
	/* A page the kernel still held (a pipe's) may take a moment. */
	EXPECT_PMM_STATS_BACK(&self->ctx, 2000);
	pmm_ctx_fini(&self->ctx);
}

static long futex(uint32_t *uaddr, int op, uint32_t val,
		  const struct timespec *timeout)
{
	return syscall(SYS_futex, uaddr, op, val, timeout, NULL, 0);
}

/* A page of memory shared with the children, for their flags. */
static int *shared_flags(void)
{
	void *p = mmap(NULL, pmm_page_size(), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void set_flag(int *f)
{
	__atomic_store_n(f, 1, __ATOMIC_SEQ_CST);
}

static bool flag(int *f)
{
	return __atomic_load_n(f, __ATOMIC_SEQ_CST);
}

/* Wait up to @timeout_ms for @flag. */
static bool wait_flag(int *f, unsigned int timeout_ms)
{
	unsigned int i;

	for (i = 0; i < timeout_ms && !flag(f); i++)
		pmm_sleep_ms(1);
	return flag(f);
}

/*
 * #26: a futex in a PMM mapping is a shared futex, keyed by the memory:
 * FUTEX_WAIT and FUTEX_WAKE work, and the one FUTEX_WAKE wakes is a waiter
 * in another process, on its own mapping of the block. v1 failed: the
 * key needs get_user_pages(), which refuses the mapping (EFAULT).
 */
TEST_F(gup, futex_wait_wake)
{
	struct timespec ts = { .tv_nsec = 10 * 1000 * 1000 };
	uint32_t *word = (uint32_t *)self->map;
	long woken = 0;
	unsigned int i;
	int *ready;
	char state;
	pid_t pid;

	*word = 0;
	EXPECT_EQ(-1, futex(word, FUTEX_WAIT, 1, NULL));
	EXPECT_EQ(EAGAIN, errno) TH_LOG("FUTEX_WAIT, another value");
	EXPECT_EQ(-1, futex(word, FUTEX_WAIT, 0, &ts));
	EXPECT_EQ(ETIMEDOUT, errno) TH_LOG("FUTEX_WAIT for 10 ms");
	EXPECT_EQ(0, futex(word, FUTEX_WAKE, 1, NULL))
		TH_LOG("FUTEX_WAKE: %s", strerror(errno));

	ready = shared_flags();
	ASSERT_TRUE(!!ready);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct timespec limit = { .tv_sec = 10 };
		uint32_t *w;

		w = (uint32_t *)map_block(self->fd, self->shmid,
					  variant->sysv);
		if (!w)
			_exit(1);
		set_flag(ready);
		if (futex(w, FUTEX_WAIT, 0, &limit))
			_exit(errno == ETIMEDOUT ? 2 : errno == EFAULT ? 3 : 4);
		_exit(0);
	}

	/* Wake it once it sleeps; a wake that found no waiter yet retries. */
	for (i = 0; i < 5000 && !woken; i++) {
		state = pmm_proc_state(pid);
		if (!state || state == 'Z')
			break;	/* it did not wait */
		if (flag(ready) && state == 'S')
			woken = futex(word, FUTEX_WAKE, 1, NULL);
		if (!woken)
			pmm_sleep_ms(1);
	}
	EXPECT_EQ(1, woken) TH_LOG("FUTEX_WAKE %s",
				   woken < 0 ? strerror(errno) :
				   "found no waiter");
	/* 2: not woken, 3: EFAULT, 4: another error. */
	EXPECT_EQ(0, pmm_wait_status_ms(pid, 12000));
	munmap(ready, pmm_page_size());
}

/*
 * Whether the process @pid is blocked in the kernel, not spinning: asleep,
 * and using less than 10 ticks of CPU time over 200 ms.
 */
static bool blocked(pid_t pid)
{
	long long ticks;

	if (!pmm_wait_asleep(pid, 5000))
		return false;
	ticks = pmm_proc_cpu_ticks(pid);
	pmm_sleep_ms(200);
	return pmm_proc_state(pid) == 'S' &&
	       pmm_proc_cpu_ticks(pid) - ticks < 10;
}

/*
 * #26: a PTHREAD_PROCESS_SHARED mutex in a PMM mapping, contended by two
 * processes, each on its own mapping: the second locker sleeps in the
 * kernel until the first unlocks, then gets it. v1 failed: its
 * FUTEX_WAIT fails with EFAULT, on which glibc aborts (or spins).
 */
TEST_F(gup, pshared_mutex)
{
	pthread_mutex_t *m = (pthread_mutex_t *)self->map;
	pthread_mutexattr_t attr;
	int *flags;
	pid_t pid;

	flags = shared_flags();
	ASSERT_TRUE(!!flags);
	ASSERT_EQ(0, pthread_mutexattr_init(&attr));
	ASSERT_EQ(0, pthread_mutexattr_setpshared(&attr,
						  PTHREAD_PROCESS_SHARED));
	ASSERT_EQ(0, pthread_mutex_init(m, &attr));
	ASSERT_EQ(0, pthread_mutex_lock(m));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		pthread_mutex_t *cm;

		cm = (pthread_mutex_t *)map_block(self->fd, self->shmid,
						  variant->sysv);
		if (!cm)
			_exit(1);
		set_flag(&flags[0]);
		if (pthread_mutex_lock(cm))
			_exit(2);
		set_flag(&flags[1]);
		_exit(pthread_mutex_unlock(cm) ? 3 : 0);
	}

	EXPECT_TRUE(wait_flag(&flags[0], 5000));
	EXPECT_TRUE(blocked(pid)) TH_LOG("the second locker is in state %c",
					 pmm_proc_state(pid));
	EXPECT_FALSE(flag(&flags[1])) TH_LOG("it got the mutex");
	EXPECT_EQ(0, pthread_mutex_unlock(m));
	/* Killed by SIGABRT (134): glibc's futex_fatal_error(). */
	EXPECT_EQ(0, pmm_wait_status_ms(pid, 5000));
	EXPECT_TRUE(flag(&flags[1]));
	EXPECT_EQ(0, pthread_mutex_lock(m));
	EXPECT_EQ(0, pthread_mutex_unlock(m));
	EXPECT_EQ(0, pthread_mutex_destroy(m));
	EXPECT_EQ(0, pthread_mutexattr_destroy(&attr));
	munmap(flags, pmm_page_size());
}

/*
 * #26: a robust PTHREAD_PROCESS_SHARED mutex in a PMM mapping: its owner
 * dies holding it while another process sleeps on it; the kernel marks it
 * (FUTEX_OWNER_DIED) and wakes the waiter, which gets EOWNERDEAD. v1
 * failed: the waiter cannot sleep (EFAULT), nor be woken.
 */
TEST_F(gup, robust_mutex)
{
	pthread_mutex_t *m = (pthread_mutex_t *)self->map;
	pthread_mutexattr_t attr;
	int *flags, hold[2];
	pid_t owner, waiter;

	flags = shared_flags();
	ASSERT_TRUE(!!flags);
	ASSERT_EQ(0, pipe(hold));
	ASSERT_EQ(0, pthread_mutexattr_init(&attr));
	ASSERT_EQ(0, pthread_mutexattr_setpshared(&attr,
						  PTHREAD_PROCESS_SHARED));
	ASSERT_EQ(0, pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST));
	ASSERT_EQ(0, pthread_mutex_init(m, &attr));

	owner = fork();
	ASSERT_LE(0, owner);
	if (!owner) {
		pthread_mutex_t *om = map_mutex(self->fd, self->shmid,
						 variant->sysv);
		char c;

		if (!om || pthread_mutex_lock(om))
			_exit(1);
		set_flag(&flags[0]);
		/* Holds it until killed. */
		close(hold[1]);
		while (read(hold[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(2);
	}
	EXPECT_TRUE(wait_flag(&flags[0], 5000));

	waiter = fork();
	if (waiter < 0)
		kill(owner, SIGKILL);
	ASSERT_LE(0, waiter);
	if (!waiter) {
		pthread_mutex_t *wm = map_mutex(self->fd, self->shmid,
						 variant->sysv);
		int ret;

		if (!wm)
			_exit(1);
		set_flag(&flags[1]);
		ret = pthread_mutex_lock(wm);
		if (ret != EOWNERDEAD)
			_exit(ret ? 2 : 3);
		if (pthread_mutex_consistent(wm) || pthread_mutex_unlock(wm))
			_exit(4);
		_exit(0);
	}
	EXPECT_TRUE(wait_flag(&flags[1], 5000));
	EXPECT_TRUE(blocked(waiter)) TH_LOG("the waiter is in state %c",
					    pmm_proc_state(waiter));

	kill(owner, SIGKILL);
	EXPECT_EQ(128 + SIGKILL, pmm_wait_status(owner));
	/* 3: it got the mutex as if the owner had unlocked it. */
	EXPECT_EQ(0, pmm_wait_status_ms(waiter, 5000));
	/* Made consistent and unlocked: an ordinary mutex again. */
	EXPECT_EQ(0, pthread_mutex_lock(m));
	EXPECT_EQ(0, pthread_mutex_unlock(m));
	EXPECT_EQ(0, pthread_mutex_destroy(m));
	EXPECT_EQ(0, pthread_mutexattr_destroy(&attr));
	close(hold[0]);
	close(hold[1]);
	munmap(flags, pmm_page_size());
}

/*
 * #26: vmsplice() of a page of a PMM mapping into a pipe takes the page.
 * Then the block is freed (every mapping, the segment, the fd) and its
 * memory type allocated again, and overwritten: the pipe still holds the
 * old data, never the next owner's. v1 failed: vmsplice() is EFAULT.
 */
TEST_F(gup, vmsplice_outlives_block)
{
	const size_t page = pmm_page_size();
	struct iovec iov = { .iov_base = self->map, .iov_len = page };
	const char *type = self->ctx.types[self->id].name;
	int pipefd[2], fd2, fd3 = -1;
	uint64_t size3 = 0;
	struct pmm_stats now;
	char *buf, *p2, *p3 = NULL;
	ssize_t n;

	pmm_fill(self->map, page, 0x01d);
	ASSERT_EQ(0, pipe(pipefd));
	n = vmsplice(pipefd[1], &iov, 1, 0);
	ASSERT_EQ((ssize_t)page, n) TH_LOG("vmsplice: %s", strerror(errno));

	ASSERT_EQ(0, unmap_block(self->map, variant->sysv));
	self->map = NULL;
	if (self->shmid >= 0) {
		ASSERT_EQ(0, shmctl(self->shmid, IPC_RMID, NULL));
		self->shmid = -1;
	}
	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;

	/* The same request again, then all that is left of the type. */
	fd2 = PMM_ALLOC(self->ctx.dev, .size = GUP_SIZE,
			.type_mask = BIT(self->id), .fd_flags = O_RDWR);
	ASSERT_LE(0, fd2);
	p2 = mmap(NULL, GUP_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0);
	ASSERT_TRUE(p2 != MAP_FAILED);
	pmm_fill(p2, GUP_SIZE, 0x2e0);
	ASSERT_EQ(0, pmm_stats_read(type, &now));
	if (now.largest_free_bytes >= (int64_t)page) {
		size3 = now.largest_free_bytes;
		fd3 = PMM_ALLOC(self->ctx.dev, .size = size3,
				.type_mask = BIT(self->id),
				.fd_flags = O_RDWR);
		ASSERT_LE(0, fd3);
		p3 = mmap(NULL, size3, PROT_READ | PROT_WRITE, MAP_SHARED, fd3,
			  0);
		ASSERT_TRUE(p3 != MAP_FAILED);
		memset(p3, 0xee, size3);
	}

	buf = malloc(page);
	ASSERT_TRUE(!!buf);
	EXPECT_EQ((ssize_t)page, read(pipefd[0], buf, page));
	EXPECT_TRUE(pmm_filled(buf, page, 0x01d))
		TH_LOG("the pipe shows %s", pmm_all_bytes(buf, 0, page) ?
		       "zeroes" : pmm_filled(buf, page, 0x2e0) ||
		       pmm_all_bytes(buf, 0xee, page) ?
		       "the next owner's data" : "something else");
	free(buf);
	EXPECT_EQ(0, close(pipefd[0]));
	EXPECT_EQ(0, close(pipefd[1]));
	if (p3) {
		EXPECT_EQ(0, munmap(p3, size3));
		EXPECT_EQ(0, close(fd3));
	}
	EXPECT_EQ(0, munmap(p2, GUP_SIZE));
	EXPECT_EQ(0, close(fd2));
}

/*
 * #26: process_vm_readv() and process_vm_writev() on another process's
 * PMM mapping (the remote side pins its pages), and into and out of ours
 * (the local side copies). v1 failed: the remote side is EFAULT.
 */
TEST_F(gup, process_vm_rw)
{
	char *buf, *theirs;
	struct iovec local, remote;
	int go[2];
	pid_t pid;

	buf = malloc(GUP_SIZE);
	theirs = malloc(GUP_SIZE);
	ASSERT_TRUE(buf && theirs);
	/* The syscalls at all, on ordinary memory: tinyconfig has none. */
	local = (struct iovec){ .iov_base = buf, .iov_len = GUP_SIZE };
	remote = (struct iovec){ .iov_base = theirs, .iov_len = GUP_SIZE };
	if (process_vm_readv(getpid(), &local, 1, &remote, 1, 0) < 0)
		SKIP(return, "process_vm_readv(): %s (CONFIG_CROSS_MEMORY_ATTACH=n?)",
		     strerror(errno));
	pmm_fill(theirs, GUP_SIZE, 0x3c3);
	pmm_fill(self->map, GUP_SIZE, 0x3c1);
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char c;

		/* The mapping and theirs, inherited; until the parent is done. */
		close(go[1]);
		_exit(read(go[0], &c, 1) < 0 ? 1 : 0);
	}
	close(go[0]);

	local = (struct iovec){ .iov_base = buf, .iov_len = GUP_SIZE };
	remote = (struct iovec){ .iov_base = self->map, .iov_len = GUP_SIZE };
	EXPECT_EQ((ssize_t)GUP_SIZE, process_vm_readv(pid, &local, 1, &remote,
						      1, 0))
		TH_LOG("process_vm_readv of its mapping: %s", strerror(errno));
	EXPECT_TRUE(pmm_filled(buf, GUP_SIZE, 0x3c1));

	pmm_fill(buf, GUP_SIZE, 0x3c2);
	EXPECT_EQ((ssize_t)GUP_SIZE, process_vm_writev(pid, &local, 1, &remote,
						       1, 0))
		TH_LOG("process_vm_writev to its mapping: %s",
		       strerror(errno));
	/* Shared memory: the child's write is ours. */
	EXPECT_TRUE(pmm_filled(self->map, GUP_SIZE, 0x3c2));

	local = (struct iovec){ .iov_base = self->map, .iov_len = GUP_SIZE };
	remote = (struct iovec){ .iov_base = theirs, .iov_len = GUP_SIZE };
	EXPECT_EQ((ssize_t)GUP_SIZE, process_vm_readv(pid, &local, 1, &remote,
						      1, 0))
		TH_LOG("process_vm_readv into our mapping: %s",
		       strerror(errno));
	EXPECT_TRUE(pmm_filled(self->map, GUP_SIZE, 0x3c3));

	close(go[1]);
	EXPECT_EQ(0, pmm_wait_status(pid));
	free(theirs);
	free(buf);
}

/* A file in @dir, made for the test and unlinked; its fd or -errno. */
static int temp_file(const char *dir, int flags)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/pmm_gup_test.%d", dir, getpid());
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | flags, 0600);
	if (fd < 0)
		return -errno;
	unlink(path);
	return fd;
}

/*
 * #26: read() from a regular file into a PMM mapping, and write() of it
 * to a file. The file read is the test's own program: on a filesystem that
 * does I/O straight from user pages, such as 9p without a cache (the test
 * guest's root), read() pins the mapping's pages. v1 failed there with
 * EFAULT; on a filesystem that copies through the page cache it passes.
 */
TEST_F(gup, file_io)
{
	const char *dir = getenv("PMM_TEST_DIR") ?: "/tmp";
	struct statfs sfs;
	struct stat st;
	int exe, tmp;
	size_t len;
	char *ref;

	exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, exe);
	ASSERT_EQ(0, fstat(exe, &st));
	ASSERT_EQ(0, fstatfs(exe, &sfs));
	len = st.st_size < (off_t)GUP_SIZE ? (size_t)st.st_size : GUP_SIZE;
	ref = malloc(GUP_SIZE);
	ASSERT_TRUE(!!ref);
	ASSERT_EQ((ssize_t)len, pread(exe, ref, len, 0));

	EXPECT_EQ((ssize_t)len, pread(exe, self->map, len, 0))
		TH_LOG("read() into the mapping (filesystem 0x%lx): %s",
		       (unsigned long)sfs.f_type, strerror(errno));
	EXPECT_EQ(0, memcmp(ref, self->map, len));
	EXPECT_EQ(0, close(exe));

	/* And back out of it, into a new file, read back as usual. */
	tmp = temp_file(dir, 0);
	ASSERT_LE(0, tmp) TH_LOG("a file in %s: %s", dir, strerror(-tmp));
	pmm_fill(self->map, GUP_SIZE, 0x4f1);
	EXPECT_EQ((ssize_t)GUP_SIZE, pwrite(tmp, self->map, GUP_SIZE, 0))
		TH_LOG("write() from the mapping: %s", strerror(errno));
	EXPECT_EQ((ssize_t)GUP_SIZE, pread(tmp, ref, GUP_SIZE, 0));
	EXPECT_TRUE(pmm_filled(ref, GUP_SIZE, 0x4f1));
	EXPECT_EQ(0, close(tmp));
	free(ref);
}

/*
 * A file for O_DIRECT in @dir, if direct I/O on its filesystem reaches
 * user pages: tmpfs accepts O_DIRECT but copies through the page cache.
 */
static int direct_file(const char *dir)
{
	struct statfs sfs;
	int fd = temp_file(dir, O_DIRECT);

	if (fd < 0)
		return fd;
	if (fstatfs(fd, &sfs) || (unsigned int)sfs.f_type == TMPFS_MAGIC ||
	    (unsigned int)sfs.f_type == RAMFS_MAGIC) {
		close(fd);
		return -EOPNOTSUPP;
	}
	return fd;
}

/*
 * #26: an O_DIRECT write of a PMM mapping to a file, and an O_DIRECT read
 * of it back into the mapping. The file is in PMM_TEST_DIR, else in
 * /var/tmp, /tmp or the current directory, on the first filesystem whose
 * direct I/O pins user pages (not tmpfs or ramfs: in 6.12 tmpfs takes
 * O_DIRECT but copies). v1 failed with EFAULT.
 */
TEST_F(gup, o_direct)
{
	static const char *const dirs[] = { "/var/tmp", "/tmp", "." };
	const char *dir = getenv("PMM_TEST_DIR");
	int fd = dir ? direct_file(dir) : -1;
	unsigned int i;
	char *ref;

	for (i = 0; i < ARRAY_SIZE(dirs) && fd < 0; i++) {
		dir = dirs[i];
		fd = direct_file(dir);
	}
	if (fd < 0)
		SKIP(return, "no real O_DIRECT in PMM_TEST_DIR, /var/tmp, /tmp, . (tmpfs copies)");

	pmm_fill(self->map, GUP_SIZE, 0x5d1);
	EXPECT_EQ((ssize_t)GUP_SIZE, pwrite(fd, self->map, GUP_SIZE, 0))
		TH_LOG("O_DIRECT write from the mapping, in %s: %s", dir,
		       strerror(errno));

	/* What the file holds, read without O_DIRECT. */
	ref = malloc(GUP_SIZE);
	ASSERT_TRUE(!!ref);
	ASSERT_EQ(0, fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_DIRECT));
	EXPECT_EQ((ssize_t)GUP_SIZE, pread(fd, ref, GUP_SIZE, 0));
	EXPECT_TRUE(pmm_filled(ref, GUP_SIZE, 0x5d1));
	free(ref);

	ASSERT_EQ(0, fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_DIRECT));
	memset(self->map, 0, GUP_SIZE);
	EXPECT_EQ((ssize_t)GUP_SIZE, pread(fd, self->map, GUP_SIZE, 0))
		TH_LOG("O_DIRECT read into the mapping: %s", strerror(errno));
	EXPECT_TRUE(pmm_filled(self->map, GUP_SIZE, 0x5d1));
	EXPECT_EQ(0, close(fd));
}

/* @addr as an offset in /proc/PID/mem. */
static off_t mem_offset(const void *addr)
{
	return (off_t)(uintptr_t)addr;
}

/*
 * #16: a debugger gets at another process's PMM mapping: PTRACE_PEEKDATA
 * and PTRACE_POKEDATA, and pread() and pwrite() of /proc/PID/mem. v1
 * failed with EIO: access_remote_vm() can neither pin the pages nor fall
 * back on vm_ops->access, which the mapping lacks.
 */
TEST_F(gup, ptrace_peek_poke)
{
	const size_t page = pmm_page_size();
	char path[64], *buf;
	long word, *map = (long *)self->map;
	int status, mem;
	pid_t pid;

	pmm_fill(self->map, GUP_SIZE, 0x6a1);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* The mapping is inherited, its pages present. */
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL))
			_exit(1);
		raise(SIGSTOP);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSTOPPED(status));

	/* From here on the child is stopped: no ASSERT leaves it so. */
	errno = 0;
	word = ptrace(PTRACE_PEEKDATA, pid, map, NULL);
	EXPECT_EQ(0, errno) TH_LOG("PTRACE_PEEKDATA: %s", strerror(errno));
	EXPECT_EQ(map[0], word);
	EXPECT_EQ(0, ptrace(PTRACE_POKEDATA, pid, &map[1], (void *)0x16160016L))
		TH_LOG("PTRACE_POKEDATA: %s", strerror(errno));
	EXPECT_EQ(0x16160016L, map[1]);

	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	mem = open(path, O_RDWR | O_CLOEXEC);
	buf = malloc(GUP_SIZE);
	EXPECT_LE(0, mem) TH_LOG("%s: %s", path, strerror(errno));
	EXPECT_TRUE(!!buf);
	if (mem >= 0 && buf) {
		EXPECT_EQ((ssize_t)GUP_SIZE,
			  pread(mem, buf, GUP_SIZE, mem_offset(self->map)))
			TH_LOG("pread of %s: %s", path, strerror(errno));
		EXPECT_EQ(0, memcmp(buf, self->map, GUP_SIZE));
		pmm_fill(buf, page, 0x6a2);
		EXPECT_EQ((ssize_t)page,
			  pwrite(mem, buf, page, mem_offset(self->map + page)))
			TH_LOG("pwrite of %s: %s", path, strerror(errno));
		EXPECT_TRUE(pmm_filled(self->map + page, page, 0x6a2));
	}
	free(buf);
	if (mem >= 0)
		EXPECT_EQ(0, close(mem));

	EXPECT_EQ(0, ptrace(PTRACE_CONT, pid, NULL, NULL));
	EXPECT_EQ(0, pmm_wait_status_ms(pid, 5000));
}

/* A read-only mapping of the block, as the variant makes them. */
static void *map_block_ro(int fd, int shmid, bool sysv)
{
	void *p;

	if (sysv) {
		p = shmat(shmid, NULL, SHM_RDONLY);
		return p == (void *)-1 ? NULL : p;
	}
	p = mmap(NULL, GUP_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

/*
 * #16: /proc/self/mem reads and writes our own PMM mapping at its address;
 * and, as for any shared mapping, it does not write through a PROT_READ
 * one (EIO), a memfd's beside it showing how. v1 failed with EIO on the
 * read and the write of the writable mapping.
 */
TEST_F(gup, proc_self_mem)
{
	const size_t page = pmm_page_size();
	char *buf, *ro, *ref;
	int mem, memfd;

	mem = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, mem);
	buf = malloc(GUP_SIZE);
	ASSERT_TRUE(!!buf);

	pmm_fill(self->map, GUP_SIZE, 0x7a1);
	EXPECT_EQ((ssize_t)GUP_SIZE, pread(mem, buf, GUP_SIZE,
					   mem_offset(self->map)))
		TH_LOG("pread of /proc/self/mem: %s", strerror(errno));
	EXPECT_TRUE(pmm_filled(buf, GUP_SIZE, 0x7a1));
	pmm_fill(buf, GUP_SIZE, 0x7a2);
	EXPECT_EQ((ssize_t)GUP_SIZE, pwrite(mem, buf, GUP_SIZE,
					    mem_offset(self->map)))
		TH_LOG("pwrite of /proc/self/mem: %s", strerror(errno));
	EXPECT_TRUE(pmm_filled(self->map, GUP_SIZE, 0x7a2));

	/* The reference: a read-only shared mapping of a memfd. */
	memfd = memfd_create("pmm-gup-reference", MFD_CLOEXEC);
	ASSERT_LE(0, memfd);
	ASSERT_EQ(0, ftruncate(memfd, page));
	ref = mmap(NULL, page, PROT_READ, MAP_SHARED, memfd, 0);
	ASSERT_TRUE(ref != MAP_FAILED);
	EXPECT_EQ(-1, pwrite(mem, buf, page, mem_offset(ref)));
	EXPECT_EQ(EIO, errno);
	EXPECT_EQ(0, munmap(ref, page));
	EXPECT_EQ(0, close(memfd));

	/* A read-only PMM mapping: read, yes; written through, no. */
	ro = map_block_ro(self->fd, self->shmid, variant->sysv);
	ASSERT_TRUE(!!ro);
	EXPECT_EQ((ssize_t)page, pread(mem, buf, page, mem_offset(ro)))
		TH_LOG("pread of a read-only mapping: %s", strerror(errno));
	EXPECT_TRUE(pmm_filled(buf, page, 0x7a2));
	memset(buf, 0x5a, page);
	EXPECT_EQ(-1, pwrite(mem, buf, page, mem_offset(ro)));
	EXPECT_EQ(EIO, errno);
	EXPECT_TRUE(pmm_filled(self->map, page, 0x7a2));
	EXPECT_EQ(0, unmap_block(ro, variant->sysv));

	free(buf);
	EXPECT_EQ(0, close(mem));
}

TEST_HARNESS_MAIN
