/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the PMM kselftests, as vm_util.h is by those of mm/:
 * the ioctls of /dev/pmm with requests built from designated initializers,
 * the statistics of the memory types, dma-heaps, SysV segments and child
 * processes.
 */
#ifndef PMM_UTIL_H
#define PMM_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/pmm.h>

#define PMM_DEV		"/dev/pmm"
#define PMM_SYSFS	"/sys/kernel/mm/pmm"
#define PMM_HEAP_DIR	"/dev/dma_heap"
#define PMM_MAX_TYPES	32
#define PMM_NOBODY	65534u

/* What a fixture asks for at boot when it finds no memory type. */
#define PMM_BOOT_HINT	"boot with pmm=general:64M,fast:40M"

/* Room for the reason pmm_ctx_init() gives. */
#define PMM_WHY_LEN	192

#ifndef BIT
#define BIT(nr)		(1U << (nr))
#endif
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/*
 * A snapshot of the statistics of one memory type, from
 * /sys/kernel/mm/pmm/<type>/. Signed, so that the difference of two
 * snapshots, pmm_stats_delta(), is one too.
 */
struct pmm_stats {
	int64_t total_bytes;
	int64_t free_bytes;
	int64_t largest_free_bytes;
	int64_t nr_blocks;
	int64_t nr_free_extents;
	int64_t alloc_success;
	int64_t alloc_fail;
	int64_t free_success;
};

int pmm_stats_read(const char *type, struct pmm_stats *st);
struct pmm_stats pmm_stats_delta(const struct pmm_stats *now,
				 const struct pmm_stats *then);
bool pmm_stats_back(const struct pmm_stats *now,
		    const struct pmm_stats *then);

/*
 * What every fixture holds: /dev/pmm open for reading and writing, and each
 * memory type as PMM_IOCTL_TYPE_INFO described it at setup, with its
 * statistics then.
 */
struct pmm_ctx {
	int dev;
	unsigned int nr_types;
	struct pmm_type_info types[PMM_MAX_TYPES];
	struct pmm_stats base[PMM_MAX_TYPES];
};

/* pmm_ctx_init(): ready, skip (@why says what is missing), or fail. */
enum {
	PMM_CTX_READY = 0,
	PMM_CTX_SKIP = 1,
	PMM_CTX_FAIL = -1,
};

int pmm_ctx_init(struct pmm_ctx *ctx, char *why, size_t len);

/*
 * In a FIXTURE_SETUP: pmm_ctx_init() on @ctx, failing the test if that
 * fails, skipping it without /dev/pmm or, with @need_type, without a
 * memory type.
 */
#define PMM_CTX_SETUP(ctx, need_type) do {				\
	struct pmm_ctx *__ctx = (ctx);					\
	char __why[PMM_WHY_LEN];					\
	int __ret = pmm_ctx_init(__ctx, __why, sizeof(__why));		\
									\
	ASSERT_NE(PMM_CTX_FAIL, __ret) TH_LOG("%s", __why);		\
	if (__ret == PMM_CTX_SKIP)					\
		SKIP(return, "%s", __why);				\
	if ((need_type) && !__ctx->nr_types)				\
		SKIP(return, "no PMM memory type (" PMM_BOOT_HINT ")");	\
} while (0)
void pmm_ctx_fini(struct pmm_ctx *ctx);
int pmm_ctx_wait_back(const struct pmm_ctx *ctx, unsigned int id,
		      unsigned int timeout_ms, struct pmm_stats *now);
int pmm_ctx_type_with_room(const struct pmm_ctx *ctx, uint64_t bytes);

/*
 * In a fixture's teardown: every memory type's statistics are back to what
 * they were at setup, after up to @timeout_ms (an IPC namespace, for one,
 * is freed by a work item after its last task exits).
 */
#define EXPECT_PMM_STATS_BACK(ctx, timeout_ms) do {			\
	const struct pmm_ctx *__ctx = (ctx);				\
	const unsigned int __ms = (timeout_ms);				\
	struct pmm_stats __now, __d;					\
	unsigned int __id;						\
									\
	for (__id = 0; __id < __ctx->nr_types; __id++) {		\
		const char *__name = __ctx->types[__id].name;		\
									\
		EXPECT_EQ(0, pmm_ctx_wait_back(__ctx, __id, __ms,	\
					       &__now))			\
			TH_LOG("statistics of %s unreadable", __name);	\
		__d = pmm_stats_delta(&__now, &__ctx->base[__id]);	\
		EXPECT_EQ(0, __d.free_bytes)				\
			TH_LOG("%s leaked %lld bytes", __name,		\
			       (long long)-__d.free_bytes);		\
		EXPECT_EQ(0, __d.largest_free_bytes)			\
			TH_LOG("%s: largest_free_bytes", __name);	\
		EXPECT_EQ(0, __d.nr_blocks)				\
			TH_LOG("%s: nr_blocks", __name);		\
		EXPECT_EQ(__d.alloc_success, __d.free_success)		\
			TH_LOG("%s: allocations not freed", __name);	\
	}								\
} while (0)

/*
 * In a FIXTURE_SETUP, after PMM_CTX_SETUP(): a block of @len bytes from
 * the first memory type with @room bytes free, its type's id in @id_out
 * and a read-write fd of it in @fd_out; the test is skipped when no type
 * has the room.
 */
#define PMM_SETUP_BLOCK(ctx, room, len, id_out, fd_out) do {		\
	const struct pmm_ctx *__ctx = (ctx);				\
	const uint64_t __room = (room);					\
	int __id = pmm_ctx_type_with_room(__ctx, __room);		\
	int __fd;							\
									\
	if (__id < 0)							\
		SKIP(return, "no memory type has %llu KiB free",	\
		     (unsigned long long)__room >> 10);			\
	__fd = PMM_ALLOC(__ctx->dev, .size = (len),			\
			 .type_mask = BIT(__id),			\
			 .fd_flags = O_RDWR | O_CLOEXEC);		\
	ASSERT_LE(0, __fd) TH_LOG("PMM_IOCTL_ALLOC: %s",		\
				  strerror(-__fd));			\
	(id_out) = __id;						\
	(fd_out) = __fd;						\
} while (0)

/*
 * The ioctls. Each returns what the ioctl returns (0, a file descriptor or
 * a shmid), or -errno.
 */
int pmm_ioctl_alloc(int dev, struct pmm_alloc_data *req);
int pmm_ioctl_type_info(int dev, struct pmm_type_info *info);
int pmm_ioctl_block_info(int dev, int fd, struct pmm_block_info *info);
int pmm_ioctl_shmget(int dev, const struct pmm_shmget_data *req);
int pmm_ioctl_sized(int fd, unsigned long cmd, void *arg, size_t size);

/*
 * PMM_ALLOC(dev, .size = ..., .fd_flags = ...): the request as designated
 * initializers, when the caller needs only the file descriptor.
 */
#define PMM_ALLOC(dev, ...) \
	pmm_ioctl_alloc((dev), &(struct pmm_alloc_data){ __VA_ARGS__ })
#define PMM_SHMGET(dev, ...) \
	pmm_ioctl_shmget((dev), &(const struct pmm_shmget_data){ __VA_ARGS__ })

/*
 * For requests that must fail: the result, 0 or -errno for ALLOC and the
 * shmid or -errno for SHMGET, with whatever a wrong success made freed
 * again, so that a kernel that gets it wrong leaks nothing into the
 * tests that follow.
 */
int pmm_alloc_try(int dev, struct pmm_alloc_data req);
int pmm_shmget_try(int dev, struct pmm_shmget_data req);
void pmm_release(int shmid, int fd);
#define PMM_ALLOC_TRY(dev, ...) \
	pmm_alloc_try((dev), (struct pmm_alloc_data){ __VA_ARGS__ })
#define PMM_SHMGET_TRY(dev, ...) \
	pmm_shmget_try((dev), (struct pmm_shmget_data){ __VA_ARGS__ })

/* dma-heaps: /dev/dma_heap/<name>, and pmm-<type> for a memory type. */
int dma_heap_open(const char *name, int flags);
int pmm_heap_open(const char *type, int flags);
int dma_heap_alloc(int heap, uint64_t len, uint32_t fd_flags);

/* Memory. */
size_t pmm_page_size(void);
uint64_t pmm_page_align(uint64_t size);
void pmm_fill(void *p, size_t len, uint32_t seed);
bool pmm_filled(const void *p, size_t len, uint32_t seed);
bool pmm_all_bytes(const void *p, int c, size_t len);
int pmm_maps_line(const void *addr, char *line, size_t len);
int pmm_maps_perms(const void *addr, char perms[5]);
int pmm_mmap_errno(size_t len, int prot, int flags, int fd, size_t off);

/* Processes. */
int pmm_in_child(int (*fn)(void *arg), void *arg);
int pmm_wait_status(pid_t pid);
int pmm_wait_status_ms(pid_t pid, unsigned int timeout_ms);
int pmm_drop_to_nobody(void);
int pmm_write_sysctl(const char *name, unsigned long long val);
int pmm_read_sysctl(const char *name, unsigned long long *val);
int pmm_read_u64(const char *path, unsigned long long *val);
char pmm_proc_state(pid_t pid);
long long pmm_proc_cpu_ticks(pid_t pid);
bool pmm_wait_asleep(pid_t pid, unsigned int timeout_ms);
void pmm_sleep_ms(unsigned int ms);
uint64_t pmm_now_ns(void);

/* SysV shared memory, in the caller's IPC namespace. */
bool pmm_have_sysvipc(void);
int pmm_proc_shm_count(void);
long long pmm_proc_shm_size(int shmid);
key_t pmm_test_key(unsigned int n);
int pmm_shmat_errno(int shmid, int shmflg);

#endif /* PMM_UTIL_H */
