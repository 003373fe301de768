// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/pmm: user space allocates PMM blocks as dma-bufs, lists the memory
 * types and describes blocks. See Documentation/userspace-api/pmm.rst.
 */

#define pr_fmt(fmt) "pmm: " fmt

#include <linux/dma-buf.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/init.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/nospec.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <uapi/linux/pmm.h>

#include "pmm.h"

/* The file descriptor flags a PMM dma-buf may be created with. */
#define PMM_VALID_FD_FLAGS	(O_CLOEXEC | O_ACCMODE)

static long pmm_ioctl_alloc(struct pmm_ioctl_ctx *ctx, void *arg)
{
	struct pmm_alloc_data *data = arg;
	struct pmm_block *block;
	struct dma_buf *dmabuf;
	int fd;

	if (data->flags)
		return -EINVAL;
	if ((data->fd_flags & ~PMM_VALID_FD_FLAGS) ||
	    (data->fd_flags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;

	block = pmm_alloc(data->type_mask, data->size, data->align,
			  PMM_ALLOC_ZERO);
	if (IS_ERR(block))
		return PTR_ERR(block);
	dmabuf = pmm_block_export(block, data->fd_flags);
	pmm_block_put(block);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);

	fd = get_unused_fd_flags(data->fd_flags);
	if (fd < 0) {
		dma_buf_put(dmabuf);
		return fd;
	}
	data->size = dmabuf->size;
	data->fd = fd;
	ctx->new_fd = fd;
	ctx->new_file = dmabuf->file;
	return 0;
}

static long pmm_ioctl_type_info(struct pmm_ioctl_ctx *ctx, void *arg)
{
	struct pmm_type_info *info = arg;
	struct pmm_type_stats stats;
	struct pmm_type *type;

	if (info->flags)
		return -EINVAL;
	type = pmm_type_by_id(info->id);
	if (IS_ERR(type))
		return PTR_ERR(type);

	pmm_type_stats(type, &stats);
	BUILD_BUG_ON(sizeof(info->name) < PMM_TYPE_NAME_MAX + 1);
	strscpy_pad(info->name, pmm_type_name(type));
	info->total_bytes = (u64)stats.total_pages << PAGE_SHIFT;
	info->free_bytes = (u64)stats.free_pages << PAGE_SHIFT;
	info->largest_free_bytes = (u64)stats.largest_free_pages << PAGE_SHIFT;
	return 0;
}

static long pmm_ioctl_block_info(struct pmm_ioctl_ctx *ctx, void *arg)
{
	struct pmm_block_info *info = arg;
	struct pmm_block *block;
	struct dma_buf *dmabuf;

	if (info->flags || info->reserved)
		return -EINVAL;
	dmabuf = pmm_dmabuf_get(info->fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	block = pmm_block_from_dmabuf(dmabuf);
	info->size = pmm_block_size(block);
	info->type_id = pmm_type_id(pmm_block_type(block));
	dma_buf_put(dmabuf);
	return 0;
}

/**
 * struct pmm_ioctl_desc - an ioctl of /dev/pmm
 * @cmd: the command, as the current uapi header defines it.
 * @min_size: the smallest argument accepted.
 * @takes_reserve: the command takes memory from the reserve that every
 *	device user shares, so /dev/pmm must be open for writing; reading
 *	is enough to look.
 * @install: the handler makes a file for user space; its descriptor is in
 *	the result, which must be written back before the file is installed.
 * @handler: carries out the command on the kernel's copy of the argument.
 */
struct pmm_ioctl_desc {
	unsigned int cmd;
	unsigned int min_size;
	bool takes_reserve;
	bool install;
	long (*handler)(struct pmm_ioctl_ctx *ctx, void *arg);
};

static const struct pmm_ioctl_desc pmm_ioctls[] = {
	{
		.cmd = PMM_IOCTL_ALLOC,
		.min_size = PMM_ALLOC_SIZE_VER0,
		.takes_reserve = true,
		.install = true,
		.handler = pmm_ioctl_alloc,
	}, {
		.cmd = PMM_IOCTL_TYPE_INFO,
		.min_size = PMM_TYPE_INFO_SIZE_VER0,
		.handler = pmm_ioctl_type_info,
	}, {
		.cmd = PMM_IOCTL_BLOCK_INFO,
		.min_size = PMM_BLOCK_INFO_SIZE_VER0,
		.handler = pmm_ioctl_block_info,
	}, {
		.cmd = PMM_IOCTL_SHMGET,
		.min_size = PMM_SHMGET_SIZE_VER0,
		.takes_reserve = true,
		.handler = pmm_ioctl_shmget,
	},
};

union pmm_ioctl_arg {
	struct pmm_alloc_data alloc;
	struct pmm_type_info type_info;
	struct pmm_block_info block_info;
	struct pmm_shmget_data shmget;
};

static long pmm_ioctl(struct file *file, unsigned int ucmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	const struct pmm_ioctl_desc *desc;
	struct pmm_ioctl_ctx ctx = {};
	union pmm_ioctl_arg karg = {};
	unsigned int nr = _IOC_NR(ucmd);
	unsigned int usize = _IOC_SIZE(ucmd);
	unsigned int ksize;
	long ret;
	int err;

	if (_IOC_TYPE(ucmd) != PMM_IOC_MAGIC || nr >= ARRAY_SIZE(pmm_ioctls))
		return -ENOTTY;
	desc = &pmm_ioctls[array_index_nospec(nr, ARRAY_SIZE(pmm_ioctls))];
	ksize = _IOC_SIZE(desc->cmd);
	/* The size may differ; the direction may not. */
	if (_IOC_DIR(ucmd) != _IOC_DIR(desc->cmd))
		return -ENOTTY;
	if (desc->takes_reserve && !(file->f_mode & FMODE_WRITE))
		return -EACCES;
	if (usize < desc->min_size)
		return -EINVAL;

	/*
	 * Older headers: zero-extend. Newer ones: refuse anything we would
	 * have to ignore.
	 */
	if (copy_from_user(&karg, uarg, min(usize, ksize)))
		return -EFAULT;
	if (usize > ksize) {
		err = check_zeroed_user(uarg + ksize, usize - ksize);
		if (err < 0)
			return err;
		if (!err)
			return -EINVAL;
	}

	ret = desc->handler(&ctx, &karg);
	if (ret < 0)
		return ret;
	if (WARN_ON_ONCE(!desc->install != !ctx.new_file))
		return -EINVAL;

	if ((_IOC_DIR(desc->cmd) & _IOC_READ) &&
	    copy_to_user(uarg, &karg, min(usize, ksize))) {
		if (ctx.new_file) {
			/* Not installed yet: nobody can have seen the fd. */
			put_unused_fd(ctx.new_fd);
			fput(ctx.new_file);
		}
		return -EFAULT;
	}
	if (ctx.new_file)
		fd_install(ctx.new_fd, ctx.new_file);
	return ret;
}

static const struct file_operations pmm_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = pmm_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

/*
 * Root only by default: a block is memory taken from a reserve that every
 * device user shares. Opening it for reading lets a group look at the
 * types without allocating; see Documentation/userspace-api/pmm.rst.
 */
static struct miscdevice pmm_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "pmm",
	.fops = &pmm_fops,
	.mode = 0600,
};

static int __init pmm_dev_init(void)
{
	BUILD_BUG_ON(PMM_MAX_ALIGN_SHIFT != PMM_MAX_ALIGN_ORDER);

	return misc_register(&pmm_miscdev);
}
device_initcall(pmm_dev_init);
