// SPDX-License-Identifier: GPL-2.0
/*
 * DMA-BUF heaps over PMM memory types
 *
 * Each memory type of the pmm= parameter becomes /dev/dma_heap/pmm-<type>,
 * so that existing dma-heap users allocate from PMM unchanged. The buffers
 * are the dma-bufs of mm/pmm_dmabuf.c, the same /dev/pmm hands out.
 */

#define pr_fmt(fmt) "pmm_heap: " fmt

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/err.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/pmm.h>
#include <linux/slab.h>

#define PMM_HEAP_PREFIX		"pmm-"

/**
 * struct pmm_heap - the heap of one memory type
 * @type: the memory type.
 * @name: the heap's name, "pmm-<type>"; the heap core keeps a pointer to it.
 */
struct pmm_heap {
	struct pmm_type *type;
	char name[sizeof(PMM_HEAP_PREFIX) + PMM_TYPE_NAME_MAX];
};

static struct dma_buf *pmm_heap_allocate(struct dma_heap *heap,
					 unsigned long len, u32 fd_flags,
					 u64 heap_flags)
{
	struct pmm_heap *pmm_heap = dma_heap_get_drvdata(heap);
	struct pmm_block *block;
	struct dma_buf *dmabuf;

	/* The heap core checked fd_flags and heap_flags, and len is not 0. */
	block = pmm_alloc(BIT(pmm_type_id(pmm_heap->type)), len, 0,
			  PMM_ALLOC_ZERO);
	if (IS_ERR(block))
		return ERR_CAST(block);
	dmabuf = pmm_block_export(block, fd_flags);
	pmm_block_put(block);
	return dmabuf;
}

static const struct dma_heap_ops pmm_heap_ops = {
	.allocate = pmm_heap_allocate,
};

static int __init pmm_heap_add(struct pmm_type *type)
{
	struct dma_heap_export_info exp_info = {};
	struct pmm_heap *pmm_heap;
	struct dma_heap *heap;

	pmm_heap = kzalloc(sizeof(*pmm_heap), GFP_KERNEL);
	if (!pmm_heap)
		return -ENOMEM;
	pmm_heap->type = type;
	snprintf(pmm_heap->name, sizeof(pmm_heap->name), PMM_HEAP_PREFIX "%s",
		 pmm_type_name(type));

	exp_info.name = pmm_heap->name;
	exp_info.ops = &pmm_heap_ops;
	exp_info.priv = pmm_heap;
	heap = dma_heap_add(&exp_info);
	if (IS_ERR(heap)) {
		kfree(pmm_heap);
		return PTR_ERR(heap);
	}
	return 0;
}

static int __init pmm_heap_init(void)
{
	unsigned int id;
	int ret;

	for (id = 0; id < pmm_nr_types(); id++) {
		struct pmm_type *type = pmm_type_by_id(id);

		/* Heaps cannot be removed: keep those already added. */
		ret = pmm_heap_add(type);
		if (ret)
			pr_err("no heap for memory type %s: %d\n",
			       pmm_type_name(type), ret);
	}
	return 0;
}
module_init(pmm_heap_init);
MODULE_DESCRIPTION("DMA-BUF heaps over PMM memory types");
