// SPDX-License-Identifier: GPL-2.0
/*
 * PMM blocks as dma-bufs, and /dev/pmm, which hands them to user space.
 */

#define pr_fmt(fmt) "pmm: " fmt

#include <linux/anon_inodes.h>
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/init.h>
#include <linux/iosys-map.h>
#include <linux/ipc.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/nospec.h>
#include <linux/scatterlist.h>
#include <linux/shm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <uapi/linux/pmm.h>

#include "pmm.h"

/**
 * DOC: Blocks as dma-bufs
 *
 * pmm_block_export() wraps a block in a dma-buf, the form in which user
 * space and drivers pass it around. The dma-buf holds a reference to the
 * block, and so does every user mapping of it, so the block outlives the
 * last file descriptor for as long as it is mapped.
 *
 * A user mapping is a PFN map (``VM_PFNMAP``) filled by a fault handler
 * with vmf_insert_pfn(). The block's pages are never mapped as struct
 * pages, so get_user_pages() and pin_user_pages() fail on the mapping: no
 * page of a block can stay pinned (by O_DIRECT, vmsplice(), RDMA...) after
 * the last reference to the block is gone and its range is handed out
 * again. Devices get at the block through dma-buf attachments, whose
 * lifetime the dma-buf tracks.
 *
 * The vma keeps its own reference to the block, taken in ->mmap and
 * ->open and dropped in ->close, and finds the block through
 * vma->vm_private_data, never through vma->vm_file: the mapping may be made
 * on behalf of another file that wraps the dma-buf's (a SysV shared memory
 * segment's, whose vm_ops forward to these).
 */

/**
 * struct pmm_buffer - the exporter's private data of a PMM dma-buf
 * @block: the block; the dma-buf holds one reference to it.
 * @lock: protects @attachments, @vmap_cnt and @vaddr.
 * @attachments: the &struct pmm_attachment of every attachment.
 * @vmap_cnt: kernel mappings of the block through dma_buf_vmap().
 * @vaddr: the kernel address of the block, while @vmap_cnt is not 0.
 * @vmapped: @vaddr comes from vmap(), not from the linear map.
 */
struct pmm_buffer {
	struct pmm_block *block;
	struct mutex lock; /* attachments and kernel mapping */
	struct list_head attachments;
	unsigned int vmap_cnt;
	void *vaddr;
	bool vmapped;
};

/**
 * struct pmm_attachment - an attachment of a PMM dma-buf to a device
 * @dev: the device.
 * @table: the block as a scatterlist: one entry, unless the block is
 *	larger than an entry can describe.
 * @list: entry in &pmm_buffer.attachments.
 * @mapped: @table is mapped for @dev.
 */
struct pmm_attachment {
	struct device *dev;
	struct sg_table table;
	struct list_head list;
	bool mapped;
};

/* Largest scatterlist entry: sg->length is an unsigned int. */
#define PMM_SG_MAX_BYTES	(UINT_MAX & PAGE_MASK)

static int pmm_sg_table_init(struct sg_table *table, struct pmm_block *block)
{
	size_t left = pmm_block_size(block), len;
	struct page *page = pmm_block_page(block);
	unsigned int nents = DIV_ROUND_UP(left, PMM_SG_MAX_BYTES);
	struct scatterlist *sg;
	int ret;

	ret = sg_alloc_table(table, nents, GFP_KERNEL);
	if (ret)
		return ret;
	for_each_sgtable_sg(table, sg, nents) {
		len = min_t(size_t, left, PMM_SG_MAX_BYTES);
		sg_set_page(sg, page, len, 0);
		page = nth_page(page, len >> PAGE_SHIFT);
		left -= len;
	}
	return 0;
}

static int pmm_dmabuf_attach(struct dma_buf *dmabuf,
			     struct dma_buf_attachment *attachment)
{
	struct pmm_buffer *buffer = dmabuf->priv;
	struct pmm_attachment *a;
	int ret;

	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	ret = pmm_sg_table_init(&a->table, buffer->block);
	if (ret) {
		kfree(a);
		return ret;
	}
	a->dev = attachment->dev;
	attachment->priv = a;

	mutex_lock(&buffer->lock);
	list_add(&a->list, &buffer->attachments);
	mutex_unlock(&buffer->lock);
	return 0;
}

static void pmm_dmabuf_detach(struct dma_buf *dmabuf,
			      struct dma_buf_attachment *attachment)
{
	struct pmm_buffer *buffer = dmabuf->priv;
	struct pmm_attachment *a = attachment->priv;

	mutex_lock(&buffer->lock);
	list_del(&a->list);
	mutex_unlock(&buffer->lock);
	sg_free_table(&a->table);
	kfree(a);
}

static struct sg_table *pmm_dmabuf_map(struct dma_buf_attachment *attachment,
				       enum dma_data_direction dir)
{
	struct pmm_attachment *a = attachment->priv;
	int ret;

	ret = dma_map_sgtable(attachment->dev, &a->table, dir, 0);
	if (ret)
		return ERR_PTR(ret);
	a->mapped = true;
	return &a->table;
}

static void pmm_dmabuf_unmap(struct dma_buf_attachment *attachment,
			     struct sg_table *table,
			     enum dma_data_direction dir)
{
	struct pmm_attachment *a = attachment->priv;

	a->mapped = false;
	dma_unmap_sgtable(attachment->dev, table, dir, 0);
}

static int pmm_dmabuf_begin_cpu_access(struct dma_buf *dmabuf,
				       enum dma_data_direction dir)
{
	struct pmm_buffer *buffer = dmabuf->priv;
	struct pmm_attachment *a;

	mutex_lock(&buffer->lock);
	if (buffer->vmapped)
		invalidate_kernel_vmap_range(buffer->vaddr,
					     pmm_block_size(buffer->block));
	list_for_each_entry(a, &buffer->attachments, list)
		if (a->mapped)
			dma_sync_sgtable_for_cpu(a->dev, &a->table, dir);
	mutex_unlock(&buffer->lock);
	return 0;
}

static int pmm_dmabuf_end_cpu_access(struct dma_buf *dmabuf,
				     enum dma_data_direction dir)
{
	struct pmm_buffer *buffer = dmabuf->priv;
	struct pmm_attachment *a;

	mutex_lock(&buffer->lock);
	if (buffer->vmapped)
		flush_kernel_vmap_range(buffer->vaddr,
					pmm_block_size(buffer->block));
	list_for_each_entry(a, &buffer->attachments, list)
		if (a->mapped)
			dma_sync_sgtable_for_device(a->dev, &a->table, dir);
	mutex_unlock(&buffer->lock);
	return 0;
}

static void pmm_vm_open(struct vm_area_struct *vma)
{
	pmm_block_get(vma->vm_private_data);
}

static void pmm_vm_close(struct vm_area_struct *vma)
{
	pmm_block_put(vma->vm_private_data);
}

static vm_fault_t pmm_vm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct pmm_block *block = vma->vm_private_data;

	if (vmf->pgoff >= pmm_block_size(block) >> PAGE_SHIFT)
		return VM_FAULT_SIGBUS;
	return vmf_insert_pfn(vma, vmf->address,
			      page_to_pfn(pmm_block_page(block)) + vmf->pgoff);
}

static const struct vm_operations_struct pmm_vm_ops = {
	.open = pmm_vm_open,
	.close = pmm_vm_close,
	.fault = pmm_vm_fault,
};

/* The ->mmap of both a block's dma-buf and its SysV segment's file. */
static int pmm_block_mmap(struct pmm_block *block, struct vm_area_struct *vma)
{
	unsigned long nr_pages = pmm_block_size(block) >> PAGE_SHIFT;

	/* A private mapping would copy-on-write block pages: refuse it. */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	/*
	 * dma_buf_mmap_internal() checked this already, but not every caller
	 * comes through it, and vm_pgoff + pages may wrap there.
	 */
	if (vma->vm_pgoff >= nr_pages ||
	    vma_pages(vma) > nr_pages - vma->vm_pgoff)
		return -EINVAL;

	/*
	 * No struct pages for GUP, no growth through mremap(), no core dump.
	 * VM_SPECIAL also keeps the vma from being merged away after ->mmap
	 * without a ->close that would drop the reference taken here.
	 */
	vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &pmm_vm_ops;
	vma->vm_private_data = pmm_block_get(block);
	return 0;
}

static int pmm_dmabuf_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	struct pmm_buffer *buffer = dmabuf->priv;

	return pmm_block_mmap(buffer->block, vma);
}

static int pmm_dmabuf_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct pmm_buffer *buffer = dmabuf->priv;
	size_t size = pmm_block_size(buffer->block);
	unsigned long i, nr_pages = size >> PAGE_SHIFT;
	struct page *page = pmm_block_page(buffer->block);
	struct page **pages;
	int ret = 0;

	mutex_lock(&buffer->lock);
	if (buffer->vmap_cnt)
		goto out;

	/* Highmem, if any, is above lowmem: all lowmem if the last page is. */
	if (!PageHighMem(nth_page(page, nr_pages - 1))) {
		buffer->vaddr = page_address(page);
		goto out;
	}

	pages = kvmalloc_array(nr_pages, sizeof(*pages), GFP_KERNEL);
	if (!pages) {
		ret = -ENOMEM;
		goto unlock;
	}
	for (i = 0; i < nr_pages; i++)
		pages[i] = nth_page(page, i);
	buffer->vaddr = vmap(pages, nr_pages, VM_MAP, PAGE_KERNEL);
	kvfree(pages);
	if (!buffer->vaddr) {
		ret = -ENOMEM;
		goto unlock;
	}
	buffer->vmapped = true;
out:
	buffer->vmap_cnt++;
	iosys_map_set_vaddr(map, buffer->vaddr);
unlock:
	mutex_unlock(&buffer->lock);
	return ret;
}

static void pmm_dmabuf_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct pmm_buffer *buffer = dmabuf->priv;

	mutex_lock(&buffer->lock);
	if (!WARN_ON(!buffer->vmap_cnt) && !--buffer->vmap_cnt) {
		if (buffer->vmapped)
			vunmap(buffer->vaddr);
		buffer->vaddr = NULL;
		buffer->vmapped = false;
	}
	mutex_unlock(&buffer->lock);
	iosys_map_clear(map);
}

static void pmm_dmabuf_release(struct dma_buf *dmabuf)
{
	struct pmm_buffer *buffer = dmabuf->priv;

	/* dma-buf keeps the buffer alive while it is vmapped: a bug if not. */
	if (WARN_ON(buffer->vmap_cnt) && buffer->vmapped)
		vunmap(buffer->vaddr);
	pmm_block_put(buffer->block);
	mutex_destroy(&buffer->lock);
	kfree(buffer);
}

static const struct dma_buf_ops pmm_dmabuf_ops = {
	.attach = pmm_dmabuf_attach,
	.detach = pmm_dmabuf_detach,
	.map_dma_buf = pmm_dmabuf_map,
	.unmap_dma_buf = pmm_dmabuf_unmap,
	.begin_cpu_access = pmm_dmabuf_begin_cpu_access,
	.end_cpu_access = pmm_dmabuf_end_cpu_access,
	.mmap = pmm_dmabuf_mmap,
	.vmap = pmm_dmabuf_vmap,
	.vunmap = pmm_dmabuf_vunmap,
	.release = pmm_dmabuf_release,
};

/* The file descriptor flags a PMM dma-buf may be created with. */
#define PMM_VALID_FD_FLAGS	(O_CLOEXEC | O_ACCMODE)

static bool pmm_fd_flags_valid(unsigned int fd_flags)
{
	return !(fd_flags & ~PMM_VALID_FD_FLAGS) &&
	       (fd_flags & O_ACCMODE) != O_ACCMODE;
}

/**
 * pmm_block_export() - wrap a block in a new dma-buf
 * @block: the block; the caller holds a reference to it.
 * @fd_flags: the flags of the dma-buf's file: an access mode (%O_RDONLY,
 *	%O_WRONLY or %O_RDWR) and optionally %O_CLOEXEC, which only matters
 *	to a later dma_buf_fd() call.
 *
 * The dma-buf takes a reference of its own to @block and drops it when it
 * is released; the caller keeps its reference and drops it when it no
 * longer needs the block. The dma-buf can be attached to devices, mapped
 * by the kernel (dma_buf_vmap()) and mapped into user space, each mapping
 * again holding a reference to the block.
 *
 * Blocks handed to user space must have been allocated with
 * %PMM_ALLOC_ZERO: the block's contents become visible as they are.
 *
 * Context: process context; may sleep.
 * Return: the dma-buf, or an ERR_PTR(): %-EOPNOTSUPP for @fd_flags other
 * than those above, %-ENOMEM when memory runs out.
 */
struct dma_buf *pmm_block_export(struct pmm_block *block,
				 unsigned int fd_flags)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct pmm_buffer *buffer;
	struct dma_buf *dmabuf;

	if (!pmm_fd_flags_valid(fd_flags))
		return ERR_PTR(-EOPNOTSUPP);

	buffer = kzalloc(sizeof(*buffer), GFP_KERNEL);
	if (!buffer)
		return ERR_PTR(-ENOMEM);
	mutex_init(&buffer->lock);
	INIT_LIST_HEAD(&buffer->attachments);
	buffer->block = pmm_block_get(block);

	exp_info.exp_name = "pmm";
	exp_info.ops = &pmm_dmabuf_ops;
	exp_info.size = pmm_block_size(block);
	exp_info.flags = fd_flags;
	exp_info.priv = buffer;
	dmabuf = dma_buf_export(&exp_info);
	if (IS_ERR(dmabuf)) {
		pmm_block_put(buffer->block);
		mutex_destroy(&buffer->lock);
		kfree(buffer);
	}
	return dmabuf;
}
EXPORT_SYMBOL_GPL(pmm_block_export);

/**
 * pmm_block_from_dmabuf() - the block behind a dma-buf
 * @dmabuf: a dma-buf.
 *
 * The block lives at least as long as @dmabuf; take a reference with
 * pmm_block_get() to keep it longer.
 *
 * Context: any context.
 * Return: the block, or ERR_PTR(-EINVAL) if @dmabuf was not made by
 * pmm_block_export().
 */
struct pmm_block *pmm_block_from_dmabuf(struct dma_buf *dmabuf)
{
	struct pmm_buffer *buffer;

	if (dmabuf->ops != &pmm_dmabuf_ops)
		return ERR_PTR(-EINVAL);
	buffer = dmabuf->priv;
	return buffer->block;
}
EXPORT_SYMBOL_GPL(pmm_block_from_dmabuf);

static long pmm_ioctl_alloc(struct pmm_alloc_data *data,
			    struct dma_buf **dmabufp)
{
	struct pmm_block *block;
	struct dma_buf *dmabuf;
	int fd;

	if (data->flags)
		return -EINVAL;
	if (!pmm_fd_flags_valid(data->fd_flags))
		return -EOPNOTSUPP;
	/* What pmm_alloc() would say, were size_t as wide as the fields. */
	if (data->size > SIZE_MAX)
		return -EOVERFLOW;
	if (data->align > SIZE_MAX)
		return -EDOM;

	block = pmm_alloc(data->type_mask, data->size, data->align,
			  PMM_ALLOC_ZERO);
	if (IS_ERR(block))
		return PTR_ERR(block);
	dmabuf = pmm_block_export(block, data->fd_flags);
	pmm_block_put(block);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);

	/* Installed by the caller once the result is copied to user space. */
	fd = get_unused_fd_flags(data->fd_flags);
	if (fd < 0) {
		dma_buf_put(dmabuf);
		return fd;
	}
	data->fd = fd;
	*dmabufp = dmabuf;
	return 0;
}

static long pmm_ioctl_type_info(struct pmm_type_info *info)
{
	struct pmm_type_stats stats;
	struct pmm_type *type;

	if (info->flags)
		return -EINVAL;
	type = pmm_type_by_id(info->id);
	if (IS_ERR(type))
		return PTR_ERR(type);

	pmm_type_stats(type, &stats);
	BUILD_BUG_ON(sizeof(info->name) < sizeof(type->name));
	strscpy_pad(info->name, pmm_type_name(type));
	info->total_bytes = (u64)stats.total_pages << PAGE_SHIFT;
	info->free_bytes = (u64)stats.free_pages << PAGE_SHIFT;
	info->largest_free_bytes = (u64)stats.largest_free_pages << PAGE_SHIFT;
	return 0;
}

static long pmm_ioctl_block_info(struct pmm_block_info *info)
{
	struct pmm_block *block;
	struct dma_buf *dmabuf;

	if (info->flags || info->reserved)
		return -EINVAL;
	dmabuf = dma_buf_get(info->fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	block = pmm_block_from_dmabuf(dmabuf);
	if (!IS_ERR(block)) {
		info->size = pmm_block_size(block);
		info->type_id = pmm_type_id(pmm_block_type(block));
	}
	dma_buf_put(dmabuf);
	return PTR_ERR_OR_ZERO(block);
}

/*
 * The file of a block's SysV segment: one per segment, since the segment
 * takes over its inode number. It holds a reference to the block.
 */
static int pmm_shm_mmap(struct file *file, struct vm_area_struct *vma)
{
	return pmm_block_mmap(file->private_data, vma);
}

static int pmm_shm_release(struct inode *inode, struct file *file)
{
	pmm_block_put(file->private_data);
	return 0;
}

static const struct file_operations pmm_shm_fops = {
	.mmap = pmm_shm_mmap,
	.release = pmm_shm_release,
	.llseek = noop_llseek,
};

static long pmm_ioctl_shmget(struct pmm_shmget_data *data)
{
	struct pmm_block *block;
	struct dma_buf *dmabuf;
	struct file *file;
	int shmid;

	if (!IS_ENABLED(CONFIG_SYSVIPC))
		return -ENOTTY;
	if (data->flags || data->reserved)
		return -EINVAL;
	if (data->shmflg & ~(IPC_CREAT | IPC_EXCL | 0777))
		return -EOPNOTSUPP;

	dmabuf = dma_buf_get(data->fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf) == -EBADF ? -EBADF : -ENODEV;
	block = pmm_block_from_dmabuf(dmabuf);
	if (IS_ERR(block)) {
		shmid = -ENODEV;
		goto out;
	}
	/* The segment must not grant more than the file descriptor does. */
	if ((dmabuf->file->f_mode & (FMODE_READ | FMODE_WRITE)) !=
	    (FMODE_READ | FMODE_WRITE)) {
		shmid = -EACCES;
		goto out;
	}

	file = anon_inode_create_getfile("[pmm-shm]", &pmm_shm_fops,
					 pmm_block_get(block), O_RDWR, NULL);
	if (IS_ERR(file)) {
		pmm_block_put(block);
		shmid = PTR_ERR(file);
		goto out;
	}
	/* shmat() maps the file's size. */
	i_size_write(file_inode(file), pmm_block_size(block));
	shmid = shm_create_from_file(file, data->key, data->shmflg);
	fput(file);
	if (shmid >= 0)
		data->shmid = shmid;
out:
	dma_buf_put(dmabuf);
	return shmid < 0 ? shmid : 0;
}

/**
 * struct pmm_ioctl_desc - an ioctl of /dev/pmm
 * @cmd: the command, as the current uapi header defines it.
 * @min_size: the smallest argument accepted (older headers).
 */
struct pmm_ioctl_desc {
	unsigned int cmd;
	unsigned int min_size;
};

static const struct pmm_ioctl_desc pmm_ioctls[] = {
	{ PMM_IOCTL_ALLOC, PMM_ALLOC_SIZE_VER0 },
	{ PMM_IOCTL_TYPE_INFO, PMM_TYPE_INFO_SIZE_VER0 },
	{ PMM_IOCTL_BLOCK_INFO, PMM_BLOCK_INFO_SIZE_VER0 },
	{ PMM_IOCTL_SHMGET, PMM_SHMGET_SIZE_VER0 },
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
	union pmm_ioctl_arg karg = {};
	struct dma_buf *dmabuf = NULL;
	unsigned int nr = _IOC_NR(ucmd);
	unsigned int usize = _IOC_SIZE(ucmd);
	unsigned int kcmd, ksize;
	long ret;
	int err;

	if (_IOC_TYPE(ucmd) != PMM_IOC_MAGIC || nr >= ARRAY_SIZE(pmm_ioctls))
		return -ENOTTY;
	nr = array_index_nospec(nr, ARRAY_SIZE(pmm_ioctls));
	kcmd = pmm_ioctls[nr].cmd;
	ksize = _IOC_SIZE(kcmd);
	/* The size may differ; the direction may not. */
	if (_IOC_DIR(ucmd) != _IOC_DIR(kcmd))
		return -ENOTTY;
	if (usize < pmm_ioctls[nr].min_size)
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

	switch (kcmd) {
	case PMM_IOCTL_ALLOC:
		ret = pmm_ioctl_alloc(&karg.alloc, &dmabuf);
		break;
	case PMM_IOCTL_TYPE_INFO:
		ret = pmm_ioctl_type_info(&karg.type_info);
		break;
	case PMM_IOCTL_BLOCK_INFO:
		ret = pmm_ioctl_block_info(&karg.block_info);
		break;
	case PMM_IOCTL_SHMGET:
		/*
		 * A segment, once made, is visible to others: fail on a
		 * result that cannot be written back before making one.
		 */
		if (copy_to_user(uarg, &karg, min(usize, ksize)))
			return -EFAULT;
		ret = pmm_ioctl_shmget(&karg.shmget);
		break;
	default:
		return -ENOTTY;
	}
	if (ret)
		return ret;

	if (copy_to_user(uarg, &karg, min(usize, ksize))) {
		if (dmabuf) {
			/* Not installed yet: nobody can have seen the fd. */
			put_unused_fd(karg.alloc.fd);
			dma_buf_put(dmabuf);
		}
		return -EFAULT;
	}
	if (dmabuf)
		fd_install(karg.alloc.fd, dmabuf->file);
	return 0;
}

static const struct file_operations pmm_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = pmm_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

/*
 * Root only by default: a block is memory taken from a reserve that every
 * device user shares. See Documentation/userspace-api/pmm.rst for granting
 * it to a group.
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
