// SPDX-License-Identifier: GPL-2.0
/*
 * PMM blocks as SysV shared memory segments: PMM_IOCTL_SHMGET.
 *
 * For programs that only speak SysV shared memory (an X server's MIT-SHM
 * 1.1, for one), a block becomes a segment of the caller's IPC namespace
 * whose pages are the block's own, through shm_create_from_memory().
 */

#define pr_fmt(fmt) "pmm: " fmt

#include <linux/dma-buf.h>
#include <linux/fs.h>
#include <linux/ipc.h>
#include <linux/shm.h>
#include <uapi/linux/pmm.h>

#include "pmm.h"

/* The segment holds a reference to the block until it is destroyed. */
static int pmm_shm_mmap(void *block, struct vm_area_struct *vma)
{
	return pmm_block_mmap(block, vma);
}

static void pmm_shm_release(void *block)
{
	pmm_block_put(block);
}

static const struct shm_memory_ops pmm_shm_ops = {
	.mmap = pmm_shm_mmap,
	.release = pmm_shm_release,
};

/* The shmflg bits PMM_IOCTL_SHMGET accepts. */
#define PMM_SHM_VALID_SHMFLG	(IPC_CREAT | IPC_EXCL | 0777)

/**
 * pmm_ioctl_shmget() - PMM_IOCTL_SHMGET: make a block a SysV segment
 * @ctx: unused: the result is the return value.
 * @arg: the &struct pmm_shmget_data.
 *
 * Context: process context; may sleep.
 * Return: the new segment's shmid, or a negative errno as the uapi header
 * documents it.
 */
long pmm_ioctl_shmget(struct pmm_ioctl_ctx *ctx, void *arg)
{
	struct pmm_shmget_data *data = arg;
	struct pmm_block *block;
	struct dma_buf *dmabuf;
	long shmid;

	if (data->flags || (data->shmflg & ~PMM_SHM_VALID_SHMFLG))
		return -EINVAL;

	dmabuf = pmm_dmabuf_get(data->fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	/* The segment must not grant more than the file descriptor does. */
	if ((dmabuf->file->f_mode & (FMODE_READ | FMODE_WRITE)) !=
	    (FMODE_READ | FMODE_WRITE)) {
		dma_buf_put(dmabuf);
		return -EACCES;
	}

	block = pmm_block_get(pmm_block_from_dmabuf(dmabuf));
	dma_buf_put(dmabuf);
	shmid = shm_create_from_memory(data->key, data->shmflg,
				       pmm_block_size(block), &pmm_shm_ops,
				       block, pmm_block_mapping(block));
	if (shmid < 0)
		pmm_block_put(block);
	return shmid;
}
