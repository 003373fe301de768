// SPDX-License-Identifier: GPL-2.0
/*
 * PMM blocks as dma-bufs: the exporter that /dev/pmm, the PMM dma-heaps and
 * kernel users share.
 */

#define pr_fmt(fmt) "pmm: " fmt

#include <linux/anon_inodes.h>
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/highmem.h>
#include <linux/iosys-map.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/pagemap.h>
#include <linux/personality.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "pmm.h"

/**
 * DOC: Blocks as dma-bufs
 *
 * pmm_block_export() wraps a block in a dma-buf, the form in which user
 * space and drivers pass it around. The dma-buf holds a reference to the
 * block, and so does every user mapping of it, so the block outlives the
 * last file descriptor for as long as it is mapped.
 *
 * A user mapping maps the block's pages themselves, inserted by a fault
 * handler, so that everything that works on a shmget() segment works on it:
 * get_user_pages() and pin_user_pages() (O_DIRECT, vmsplice(), io_uring,
 * process_vm_readv(), ptrace), and process-shared futexes, which key on
 * the page's address space. Every dma-buf and SysV segment of a block maps
 * through one address space of the block's own. The lifetime rule stays:
 * a page reference such users take may outlive every mapping and file, so
 * when the last reference to a block that was mapped goes, its pages are
 * checked, and a block some of whose pages are still referenced waits
 * until they are not before its range is handed out again.
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
 * @table: the block as a scatterlist, in entries no longer than @dev maps
 *	in one segment; while mapped it is the importer's, whose pages
 *	CONFIG_DMABUF_DEBUG scrambles.
 * @sync: the same entries with @table's DMA addresses once it is mapped:
 *	the table CPU access syncs, which only the exporter sees.
 * @list: entry in &pmm_buffer.attachments.
 * @dir: the direction @table is mapped for @dev with, %DMA_NONE while it
 *	is not mapped; protected by &pmm_buffer.lock.
 */
struct pmm_attachment {
	struct device *dev;
	struct sg_table table;
	struct sg_table sync;
	struct list_head list;
	enum dma_data_direction dir;
};

/* Largest scatterlist entry: sg->length is an unsigned int. */
#define PMM_SG_MAX_BYTES	(UINT_MAX & PAGE_MASK)

/* The block in entries no longer than @dev may map in one segment. */
static int pmm_sg_table_init(struct sg_table *table, struct pmm_block *block,
			     struct device *dev)
{
	size_t max = min_t(size_t, PMM_SG_MAX_BYTES,
			   dma_get_max_seg_size(dev)) & PAGE_MASK;
	size_t left = pmm_block_size(block), len;
	struct page *page = pmm_block_page(block);
	unsigned int nents;
	struct scatterlist *sg;
	int ret;

	max = max_t(size_t, max, PAGE_SIZE);
	nents = DIV_ROUND_UP(left, max);
	ret = sg_alloc_table(table, nents, GFP_KERNEL);
	if (ret)
		return ret;
	for_each_sgtable_sg(table, sg, nents) {
		len = min_t(size_t, left, max);
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
	ret = pmm_sg_table_init(&a->table, buffer->block, attachment->dev);
	if (!ret) {
		ret = pmm_sg_table_init(&a->sync, buffer->block,
					attachment->dev);
		if (ret)
			sg_free_table(&a->table);
	}
	if (ret) {
		kfree(a);
		return ret;
	}
	a->dev = attachment->dev;
	a->dir = DMA_NONE;
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
	sg_free_table(&a->sync);
	sg_free_table(&a->table);
	kfree(a);
}

/* The DMA addresses of a freshly mapped @a->table, for @a->sync. */
static void pmm_sync_table_fill(struct pmm_attachment *a)
{
	struct scatterlist *from, *to = a->sync.sgl;
	unsigned int i;

	for_each_sgtable_dma_sg(&a->table, from, i) {
		sg_dma_address(to) = sg_dma_address(from);
		sg_dma_len(to) = sg_dma_len(from);
		to = sg_next(to);
	}
	a->sync.nents = a->table.nents;
}

/*
 * The reservation lock serialises map and unmap of one attachment; the
 * buffer's lock also covers @dir, which CPU access reads.
 */
static struct sg_table *pmm_dmabuf_map(struct dma_buf_attachment *attachment,
				       enum dma_data_direction dir)
{
	struct pmm_buffer *buffer = attachment->dmabuf->priv;
	struct pmm_attachment *a = attachment->priv;
	int ret;

	mutex_lock(&buffer->lock);
	ret = dma_map_sgtable(attachment->dev, &a->table, dir, 0);
	if (!ret) {
		pmm_sync_table_fill(a);
		a->dir = dir;
	}
	mutex_unlock(&buffer->lock);
	return ret ? ERR_PTR(ret) : &a->table;
}

static void pmm_dmabuf_unmap(struct dma_buf_attachment *attachment,
			     struct sg_table *table,
			     enum dma_data_direction dir)
{
	struct pmm_buffer *buffer = attachment->dmabuf->priv;
	struct pmm_attachment *a = attachment->priv;

	mutex_lock(&buffer->lock);
	a->dir = DMA_NONE;
	dma_unmap_sgtable(attachment->dev, table, dir, 0);
	mutex_unlock(&buffer->lock);
}

/*
 * CPU access syncs each mapped attachment with the direction it was mapped
 * with, as the DMA API requires, whatever the direction user space gives:
 * the sync that makes a device's writes visible to the CPU, or the CPU's to
 * a device, depends on what the device was set up to do.
 */
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
		if (a->dir != DMA_NONE)
			dma_sync_sgtable_for_cpu(a->dev, &a->sync, a->dir);
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
		if (a->dir != DMA_NONE)
			dma_sync_sgtable_for_device(a->dev, &a->sync,
						    a->dir);
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

/*
 * The page itself, with a reference for the PTE, as a file's page: it
 * joins the block's address space (page->mapping, page->index), which is
 * what get_user_pages() and shared futexes key on.
 */
static vm_fault_t pmm_vm_fault(struct vm_fault *vmf)
{
	struct pmm_block *block = vmf->vma->vm_private_data;
	struct page *page;

	if (vmf->pgoff >= pmm_block_size(block) >> PAGE_SHIFT)
		return VM_FAULT_SIGBUS;
	page = nth_page(pmm_block_page(block), vmf->pgoff);
	if (!READ_ONCE(page->mapping)) {
		page->index = vmf->pgoff;
		WRITE_ONCE(page->mapping, pmm_block_mapping(block));
	}
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct pmm_vm_ops = {
	.open = pmm_vm_open,
	.close = pmm_vm_close,
	.fault = pmm_vm_fault,
};

static const struct address_space_operations pmm_aops = {
	/* Nothing to write back: a block's pages are never in a page cache. */
	.dirty_folio = noop_dirty_folio,
};

/* Never reaches user space: only its address space is used. */
static const struct file_operations pmm_block_fops = {
	.llseek = noop_llseek,
};

/*
 * The file whose address space a block's pages belong to while they are
 * mapped: one per block, so that every dma-buf and SysV segment of the
 * block maps the same object, which reverse mapping and shared futexes
 * need. Made when the block is first exported; the block puts it.
 */
static int pmm_block_make_file(struct pmm_block *block)
{
	struct file *file;

	if (READ_ONCE(block->file))
		return 0;
	file = anon_inode_create_getfile("[pmm]", &pmm_block_fops, NULL,
					 O_RDWR, NULL);
	if (IS_ERR(file))
		return PTR_ERR(file);
	file->f_mapping->a_ops = &pmm_aops;
	if (cmpxchg(&block->file, NULL, file))
		fput(file);
	return 0;
}

/**
 * pmm_block_mapping() - the address space of a block's user mappings
 * @block: a block that has been exported.
 *
 * Context: any context.
 * Return: the address space.
 */
struct address_space *pmm_block_mapping(struct pmm_block *block)
{
	return block->file->f_mapping;
}

/**
 * pmm_block_mmap() - map a block into user space
 * @block: the block.
 * @vma: the mapping, of the block's dma-buf or of its SysV segment's file.
 *
 * The mapping holds a reference to the block; its PTEs hold references to
 * the pages, and so may what get_user_pages() takes through it: a block is
 * never reused while one lives (see pmm_block_put()).
 *
 * Context: process context, from a file's ->mmap().
 * Return: 0, -EINVAL for a private mapping or one past the block's end, or
 * -EPERM for an executable one: a block is a buffer for devices, never
 * code, so mappings are never executable (as on a noexec mount; for a
 * process with READ_IMPLIES_EXEC, the PROT_EXEC it implies is dropped).
 */
int pmm_block_mmap(struct pmm_block *block, struct vm_area_struct *vma)
{
	unsigned long nr_pages = pmm_block_size(block) >> PAGE_SHIFT;

	/* A private mapping would copy-on-write block pages: refuse it. */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	/*
	 * Never executable, as a file on a noexec mount: refuse PROT_EXEC,
	 * but drop what READ_IMPLIES_EXEC adds to a read-only request (which
	 * a noexec mount keeps do_mmap() from adding; ours cannot be told
	 * apart here).
	 */
	if (vma->vm_flags & VM_EXEC) {
		if (!(current->personality & READ_IMPLIES_EXEC))
			return -EPERM;
		vm_flags_clear(vma, VM_EXEC);
	}
	/*
	 * dma_buf_mmap_internal() checked this already, but not every caller
	 * comes through it, and vm_pgoff + pages may wrap there.
	 */
	if (vma->vm_pgoff >= nr_pages ||
	    vma_pages(vma) > nr_pages - vma->vm_pgoff)
		return -EINVAL;

	/*
	 * VM_MIXEDMAP: the PTEs map pages the driver inserts, as with
	 * vm_insert_page(), so GUP works, but NUMA balancing and migration
	 * leave them alone. No growth through mremap(), no core dump, no
	 * mprotect(PROT_EXEC). VM_SPECIAL also keeps the vma from being merged
	 * away after ->mmap without a ->close that would drop the reference
	 * taken here.
	 */
	vm_flags_set(vma, VM_MIXEDMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vm_flags_clear(vma, VM_MAYEXEC);
	vma->vm_ops = &pmm_vm_ops;
	vma->vm_private_data = pmm_block_get(block);
	WRITE_ONCE(block->user_mapped, true);
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

/**
 * pmm_block_export() - wrap a block in a new dma-buf
 * @block: the block; the caller holds a reference to it.
 * @fd_flags: the flags of the dma-buf's file: an access mode (%O_RDONLY,
 *	%O_WRONLY or %O_RDWR) and optionally %O_CLOEXEC, which only matters
 *	to a later dma_buf_fd() call. Requests from user space were checked
 *	where they entered (/dev/pmm, the dma-heap core).
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
 * Return: the dma-buf, or an ERR_PTR(): %-ENOMEM when memory runs out.
 */
struct dma_buf *pmm_block_export(struct pmm_block *block,
				 unsigned int fd_flags)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct pmm_buffer *buffer;
	struct dma_buf *dmabuf;
	int ret;

	ret = pmm_block_make_file(block);
	if (ret)
		return ERR_PTR(ret);
	buffer = kzalloc(sizeof(*buffer), GFP_KERNEL);
	if (!buffer)
		return ERR_PTR(-ENOMEM);
	mutex_init(&buffer->lock);
	INIT_LIST_HEAD(&buffer->attachments);
	buffer->block = pmm_block_get(block);

	exp_info.exp_name = block->type->exp_name;
	exp_info.ops = &pmm_dmabuf_ops;
	exp_info.size = pmm_block_size(block);
	exp_info.flags = fd_flags;
	exp_info.priv = buffer;
	dmabuf = dma_buf_export(&exp_info);
	if (IS_ERR(dmabuf)) {
		pmm_block_put(buffer->block);
		mutex_destroy(&buffer->lock);
		kfree(buffer);
		return dmabuf;
	}
	/* Map through the block's address space (before anyone can map). */
	dmabuf->file->f_mapping = pmm_block_mapping(block);
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

/**
 * pmm_dmabuf_get() - the PMM dma-buf behind a file descriptor
 * @fd: a file descriptor from user space.
 *
 * Context: process context.
 * Return: the dma-buf, with a reference that the caller drops with
 * dma_buf_put(); ERR_PTR(-EBADF) if @fd is not open, ERR_PTR(-ENODEV) if it
 * is not a PMM dma-buf.
 */
struct dma_buf *pmm_dmabuf_get(int fd)
{
	struct dma_buf *dmabuf = dma_buf_get(fd);

	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf) == -EBADF ? dmabuf : ERR_PTR(-ENODEV);
	if (dmabuf->ops != &pmm_dmabuf_ops) {
		dma_buf_put(dmabuf);
		return ERR_PTR(-ENODEV);
	}
	return dmabuf;
}
