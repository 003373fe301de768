// SPDX-License-Identifier: GPL-2.0
/*
 * Tests first, for hardening: races and signals.
 *
 *   race.block_info.close_vs_ioctl (#25)  close() of a dma-buf's fd number
 *   race.shmget.close_vs_ioctl (#25)      in one thread against
 *                          PMM_IOCTL_BLOCK_INFO (or PMM_IOCTL_SHMGET) of
 *                          that number in another, for 2 s, the threads on
 *                          two CPUs; the case fails on one CPU or unless it
 *                          saw the two interleave.
 *   zeroing.fatal_signal (#17)     SIGKILL at random moments of the
 *                          allocation of a type's largest block: the
 *                          allocation ends, and nothing leaks.
 *   zeroing.nonfatal_signal (#17)  a signal that does not kill does not
 *                          interrupt an allocation (no EINTR).
 *
 * They are meant for SMP and preemptible kernels (the test boot: 2 vCPUs,
 * PREEMPT). The teardowns check that every type's statistics are back.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "../kselftest_harness.h"
#include "pmm_util.h"

#define RACE_BLOCK_SIZE	(64 * 1024UL)
#define RACE_MS		2000
/* The fd number the threads fight over: never the lowest free one. */
#define RACE_FD		900

FIXTURE(race) {
	struct pmm_ctx ctx;
	unsigned int id;
	int fd;
};

/* The ioctl that races close() on the block's fd. */
FIXTURE_VARIANT(race) {
	unsigned long cmd;
};

FIXTURE_VARIANT_ADD(race, block_info) {
	.cmd = PMM_IOCTL_BLOCK_INFO,
};

FIXTURE_VARIANT_ADD(race, shmget) {
	.cmd = PMM_IOCTL_SHMGET,
};

FIXTURE_SETUP(race)
{
	self->fd = -1;
	PMM_CTX_SETUP(&self->ctx, true);
	if (variant->cmd == PMM_IOCTL_SHMGET && !pmm_have_sysvipc())
		SKIP(return, "no SysV IPC (CONFIG_SYSVIPC=n)");
	PMM_SETUP_BLOCK(&self->ctx, RACE_BLOCK_SIZE, RACE_BLOCK_SIZE,
			self->id, self->fd);
}

FIXTURE_TEARDOWN(race)
{
	close(RACE_FD);
	if (self->fd >= 0)
		close(self->fd);
	EXPECT_PMM_STATS_BACK(&self->ctx, 0);
	pmm_ctx_fini(&self->ctx);
}

/* What the two threads share, and what the querier saw. */
struct race {
	int dev, src;
	bool shmget;
	unsigned int type_id;
	/* Odd while RACE_FD is the block's: bumped after dup2(), before close(). */
	unsigned long gen;
	int stop;
	int closer_errno;

	unsigned long calls, ok, ebadf, other;
	int other_errno;
	unsigned long wrong_info, rmid_failed;
	/* Failed although RACE_FD was the block's from before to after. */
	unsigned long failed_while_open;
	/* Overlapped a dup2() or close(): succeeded, or got EBADF. */
	unsigned long raced_ok, raced_ebadf;
	/* EBADF right after a success, both in the same open window. */
	unsigned long flips;
};

static int pin_to_cpu(pthread_t thread, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(thread, sizeof(set), &set);
}

static unsigned long load(unsigned long *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static void *closer(void *arg)
{
	struct race *r = arg;
	unsigned int seed = 25, spin;

	while (!__atomic_load_n(&r->stop, __ATOMIC_SEQ_CST)) {
		if (dup2(r->src, RACE_FD) != RACE_FD) {
			if (errno == EBUSY || errno == EINTR)
				continue;
			r->closer_errno = errno;
			break;
		}
		__atomic_add_fetch(&r->gen, 1, __ATOMIC_SEQ_CST);
		/* Windows of varying length, some shorter than an ioctl. */
		for (spin = rand_r(&seed) % 8; spin; spin--)
			getppid();
		__atomic_add_fetch(&r->gen, 1, __ATOMIC_SEQ_CST);
		close(RACE_FD);
	}
	return NULL;
}

static void *querier(void *arg)
{
	struct pmm_block_info info;
	unsigned long g0, g1, prev_g0 = 1;
	struct race *r = arg;
	bool prev_ok = false;
	int ret;

	while (!__atomic_load_n(&r->stop, __ATOMIC_SEQ_CST)) {
		g0 = load(&r->gen);
		if (r->shmget)
			ret = PMM_SHMGET(r->dev, .fd = RACE_FD, .key = IPC_PRIVATE,
					 .shmflg = 0600);
		else
			ret = pmm_ioctl_block_info(r->dev, RACE_FD, &info);
		g1 = load(&r->gen);

		r->calls++;
		if (ret >= 0) {
			r->ok++;
			if (r->shmget && shmctl(ret, IPC_RMID, NULL))
				r->rmid_failed++;
			if (!r->shmget && (info.size != RACE_BLOCK_SIZE ||
					   info.type_id != r->type_id))
				r->wrong_info++;
		} else if (ret == -EBADF) {
			r->ebadf++;
		} else {
			r->other++;
			r->other_errno = -ret;
		}
		if (g0 == g1 && (g0 & 1) && ret < 0)
			r->failed_while_open++;
		if (g0 != g1 && ret >= 0)
			r->raced_ok++;
		if (g0 != g1 && ret == -EBADF)
			r->raced_ebadf++;
		if (g0 == prev_g0 && (g0 & 1) && prev_ok && ret == -EBADF)
			r->flips++;
		prev_g0 = g0;
		prev_ok = ret >= 0;
	}
	return NULL;
}

/*
 * #25: close() of a dma-buf's fd number in one thread against BLOCK_INFO
 * (variant block_info) or SHMGET (variant shmget) of that number in
 * another. Every call must give the block's answer or EBADF, the answer
 * whenever the number held the block from before the call to after it,
 * and no segment nor reference may be left. The case proves the race was
 * run: it fails unless calls overlapped a dup2() or close() and both
 * answers were seen. The counts are logged.
 */
TEST_F_TIMEOUT(race, close_vs_ioctl, 30)
{
	struct race r = {
		.dev = self->ctx.dev,
		.src = self->fd,
		.shmget = variant->cmd == PMM_IOCTL_SHMGET,
		.type_id = self->id,
	};
	pthread_t c, q;
	int segments = -1;

	ASSERT_EQ(-1, fcntl(RACE_FD, F_GETFD))
		TH_LOG("fd %d is in use", RACE_FD);
	/*
	 * Two CPUs, one thread on each: the calls then really run at the
	 * same time in the kernel. On a uniprocessor kernel they cannot, and
	 * what looks like a race is only preemption between system calls.
	 */
	ASSERT_LE(2, sysconf(_SC_NPROCESSORS_ONLN))
		TH_LOG("one CPU online: a uniprocessor kernel cannot race");
	if (variant->cmd == PMM_IOCTL_SHMGET)
		segments = pmm_proc_shm_count();
	ASSERT_EQ(0, pthread_create(&q, NULL, querier, &r));
	ASSERT_EQ(0, pthread_create(&c, NULL, closer, &r));
	ASSERT_EQ(0, pin_to_cpu(q, 0));
	ASSERT_EQ(0, pin_to_cpu(c, 1));
	pmm_sleep_ms(RACE_MS);
	__atomic_store_n(&r.stop, 1, __ATOMIC_SEQ_CST);
	ASSERT_EQ(0, pthread_join(c, NULL));
	ASSERT_EQ(0, pthread_join(q, NULL));
	close(RACE_FD);

	TH_LOG("%lu calls in %d ms: %lu answered, %lu EBADF, %lu other",
	       r.calls, RACE_MS, r.ok, r.ebadf, r.other);
	TH_LOG("overlapping a dup2() or close(): %lu answered, %lu EBADF",
	       r.raced_ok, r.raced_ebadf);
	TH_LOG("EBADF right after an answer, in one open window: %lu",
	       r.flips);
	EXPECT_EQ(0, r.closer_errno) TH_LOG("dup2: %s",
					    strerror(r.closer_errno));
	EXPECT_EQ(0ul, r.other) TH_LOG("last other error: %s",
				       strerror(r.other_errno));
	EXPECT_EQ(0ul, r.failed_while_open);
	EXPECT_EQ(0ul, r.wrong_info);
	EXPECT_EQ(0ul, r.rmid_failed);
	/* Proof of the interleaving. */
	EXPECT_LT(0ul, r.ok);
	EXPECT_LT(0ul, r.ebadf);
	EXPECT_LT(0ul, r.raced_ok + r.raced_ebadf)
		TH_LOG("no call overlapped a dup2() or close(): not raced");
	if (variant->cmd == PMM_IOCTL_SHMGET)
		EXPECT_EQ(segments, pmm_proc_shm_count());
}

/* The type with the largest free extent, for the largest block. */
FIXTURE(zeroing) {
	struct pmm_ctx ctx;
	unsigned int id;
	uint64_t size;
};

FIXTURE_SETUP(zeroing)
{
	unsigned int id;

	PMM_CTX_SETUP(&self->ctx, true);
	self->id = 0;
	for (id = 1; id < self->ctx.nr_types; id++)
		if (self->ctx.base[id].largest_free_bytes >
		    self->ctx.base[self->id].largest_free_bytes)
			self->id = id;
	self->size = self->ctx.base[self->id].largest_free_bytes;
	if (self->size < (4u << 20))
		SKIP(return, "no memory type has a 4 MiB free extent (%s)",
		     PMM_BOOT_HINT);
}

FIXTURE_TEARDOWN(zeroing)
{
	EXPECT_PMM_STATS_BACK(&self->ctx, 0);
	pmm_ctx_fini(&self->ctx);
}

/* Where the allocating child is: before its first ALLOC, in one, out. */
enum { NOT_YET, IN_ALLOC, OUT_OF_ALLOC };

/* Allocate and free the block until killed. */
static void alloc_forever(int dev, unsigned int id, uint64_t size, int *where)
{
	int fd;

	for (;;) {
		__atomic_store_n(where, IN_ALLOC, __ATOMIC_SEQ_CST);
		fd = PMM_ALLOC(dev, .size = size, .type_mask = BIT(id),
			       .fd_flags = O_RDWR);
		__atomic_store_n(where, OUT_OF_ALLOC, __ATOMIC_SEQ_CST);
		if (fd < 0)
			_exit(fd == -ENOMEM ? 2 : 1);
		close(fd);
	}
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = ns / 1000000000ull,
		.tv_nsec = ns % 1000000000ull,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

#define KILL_ROUNDS	30
#define KILL_SECONDS	30

/*
 * #17: a child allocates the largest block of a type (all of it: 64 MiB
 * of pmm-general at the test boot) in a loop, and is SIGKILLed at a random
 * moment of an allocation, mostly while the block is being cleared. After
 * each kill every statistic is back: the allocation ended and nothing
 * leaked. It passed on v1 too (the clearing runs to its end first); it
 * must still pass once a fatal signal cuts the clearing short. The time
 * from the kill to the reaped child is logged, against an allocation's.
 */
TEST_F_TIMEOUT(zeroing, fatal_signal, 120)
{
	const char *type = self->ctx.types[self->id].name;
	const struct pmm_stats *base = &self->ctx.base[self->id];
	uint64_t t_alloc = UINT64_MAX, t, lat, lat_max = 0, lat_sum = 0;
	unsigned int seed0 = time(NULL), seed = seed0, round;
	unsigned int in_alloc = 0, kills = 0;
	uint64_t deadline = pmm_now_ns() + KILL_SECONDS * 1000000000ull;
	struct pmm_stats now;
	int *where, status;
	pid_t pid;

	/* How long an allocation takes, the clearing included. */
	for (round = 0; round < 3; round++) {
		t = pmm_now_ns();
		ASSERT_EQ(0, PMM_ALLOC_TRY(self->ctx.dev, .size = self->size,
					   .type_mask = BIT(self->id),
					   .fd_flags = O_RDWR));
		t = pmm_now_ns() - t;
		if (t < t_alloc)
			t_alloc = t;
	}
	where = mmap(NULL, pmm_page_size(), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(where != MAP_FAILED);

	for (round = 0; round < KILL_ROUNDS && pmm_now_ns() < deadline;
	     round++) {
		__atomic_store_n(where, NOT_YET, __ATOMIC_SEQ_CST);
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			alloc_forever(self->ctx.dev, self->id, self->size,
				      where);
		while (__atomic_load_n(where, __ATOMIC_SEQ_CST) == NOT_YET)
			sched_yield();
		sleep_ns((((uint64_t)rand_r(&seed) << 31) | rand_r(&seed)) %
			 (2 * t_alloc + 1));

		if (__atomic_load_n(where, __ATOMIC_SEQ_CST) == IN_ALLOC)
			in_alloc++;
		t = pmm_now_ns();
		kill(pid, SIGKILL);
		status = pmm_wait_status(pid);
		lat = pmm_now_ns() - t;
		kills++;
		lat_sum += lat;
		if (lat > lat_max)
			lat_max = lat;
		EXPECT_EQ(128 + SIGKILL, status)
			TH_LOG("the child's ALLOC failed (%s)",
			       status == 2 ? "ENOMEM" : "another error");

		/* Nothing leaks, kill after kill. */
		ASSERT_EQ(0, pmm_stats_read(type, &now));
		EXPECT_TRUE(pmm_stats_back(&now, base))
			TH_LOG("after kill %u, %lld bytes of %s still used",
			       kills, (long long)(base->free_bytes -
						  now.free_bytes), type);
		if (!pmm_stats_back(&now, base))
			break;
	}
	TH_LOG("%s: %llu MiB allocated in %llu us", type,
	       (unsigned long long)(self->size >> 20),
	       (unsigned long long)(t_alloc / 1000));
	TH_LOG("%u kills (seed %u), %u of them in an ALLOC", kills, seed0,
	       in_alloc);
	TH_LOG("kill to reaped: mean %llu us, max %llu us",
	       (unsigned long long)(kills ? lat_sum / kills / 1000 : 0),
	       (unsigned long long)(lat_max / 1000));
	EXPECT_LT(0u, in_alloc) TH_LOG("no kill landed during an allocation");
	munmap(where, pmm_page_size());
}

static unsigned long handled;

static void count_signal(int sig)
{
	(void)sig;
	__atomic_add_fetch(&handled, 1, __ATOMIC_RELAXED);
}

/*
 * Allocations under a storm of SIGUSR1: 0, or the errno that came out.
 * @seen[0] is set once the signals are caught, @seen[1] counts them.
 */
static int alloc_under_signals(int dev, unsigned int id, uint64_t size,
			       unsigned long *seen)
{
	struct sigaction sa = { .sa_handler = count_signal };
	unsigned int i;
	int fd;

	/* No SA_RESTART: an interrupted ioctl would come out as EINTR. */
	if (sigaction(SIGUSR1, &sa, NULL))
		return 255;
	__atomic_store_n(&seen[0], 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < 10; i++) {
		fd = PMM_ALLOC(dev, .size = size, .type_mask = BIT(id),
			       .fd_flags = O_RDWR);
		if (fd < 0)
			return -fd;
		close(fd);
	}
	seen[1] = __atomic_load_n(&handled, __ATOMIC_RELAXED);
	return 0;
}

/*
 * #17, the other side: only a fatal signal ends an allocation. Ten
 * allocations of the largest block, each signalled many times (SIGUSR1,
 * caught, no SA_RESTART), all succeed: no EINTR. Passed on v1; fails if
 * the clearing stops on any pending signal.
 */
TEST_F_TIMEOUT(zeroing, nonfatal_signal, 120)
{
	unsigned int sent = 0, i;
	unsigned long *seen;
	pid_t pid, ret;
	int status;

	seen = mmap(NULL, pmm_page_size(), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(seen != MAP_FAILED);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(alloc_under_signals(self->ctx.dev, self->id, self->size,
					  seen));
	/* Once it catches them, until it exits: a signal every 200 us. */
	for (i = 0; i < 5000 && !__atomic_load_n(&seen[0], __ATOMIC_SEQ_CST);
	     i++)
		pmm_sleep_ms(1);
	while (!(ret = waitpid(pid, &status, WNOHANG))) {
		if (!kill(pid, SIGUSR1))
			sent++;
		sleep_ns(200000);
	}
	ASSERT_EQ(pid, ret);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("ALLOC failed: %s",
						 strerror(WEXITSTATUS(status)));
	TH_LOG("%u signals sent, %lu handled during the allocations", sent,
	       seen[1]);
	EXPECT_LT(0ul, seen[1]) TH_LOG("no signal arrived: nothing was tested");
	munmap(seen, pmm_page_size());
}

TEST_HARNESS_MAIN
