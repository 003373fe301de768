// SPDX-License-Identifier: GPL-2.0
/*
 * PMM: a device's DMA allocations served from a memory type.
 */

/**
 * DOC: Devices served through the DMA API
 *
 * A device bound to a memory type gets the buffers of dma_alloc_coherent(),
 * dma_alloc_attrs() and dma_alloc_pages() as PMM blocks of that type, with
 * no change to its driver: a device tree node binds its device with a
 * ``memory-region`` naming a ``linux,pmm`` node (when the device's DMA is
 * configured, as for ``restricted-dma-pool``), and a driver or bus may bind
 * one with pmm_dma_set_type(). The buffers count in the type's statistics,
 * share the reserve with every other user of the type, and go back to it
 * with dma_free_*(). The allocations dma-direct makes are served: those of
 * a device behind an IOMMU are not, nor those that may not sleep (from the
 * atomic pools); when the type has no room, or its memory is out of the
 * device's DMA mask, the buffer comes from where it would have without PMM.
 */

#define pr_fmt(fmt) "pmm: " fmt

#include <linux/device.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/pmm.h>
#include <linux/xarray.h>

#include "pmm.h"

/*
 * The blocks behind the DMA buffers, by the page frame of their first page:
 * dma_free_*() hands back a page and a size, not a block. Taken with
 * interrupts off, as the DMA API may free with interrupts disabled.
 */
static DEFINE_XARRAY_FLAGS(pmm_dma_blocks, XA_FLAGS_LOCK_IRQ);

/**
 * pmm_dma_set_type() - serve a device's DMA allocations from a memory type
 * @dev: the device.
 * @type: the memory type, or NULL to give the device back to the page
 *	allocator and CMA.
 *
 * Buffers allocated before the call are freed where they came from.
 *
 * Context: process context, before the device allocates (its driver's
 * probe at the latest).
 */
void pmm_dma_set_type(struct device *dev, struct pmm_type *type)
{
	WRITE_ONCE(dev->pmm_type, type);
}
EXPORT_SYMBOL_GPL(pmm_dma_set_type);

/**
 * pmm_dma_type() - the memory type a device's DMA allocations come from
 * @dev: the device.
 *
 * Context: any context.
 * Return: the type, or NULL if the device has none.
 */
struct pmm_type *pmm_dma_type(struct device *dev)
{
	return READ_ONCE(dev->pmm_type);
}
EXPORT_SYMBOL_GPL(pmm_dma_type);

/**
 * pmm_dma_alloc_pages() - a DMA buffer from the device's memory type
 * @dev: the device.
 * @size: bytes, a multiple of PAGE_SIZE.
 * @gfp: the allocation's flags.
 *
 * The buffer is aligned to the page order of @size, as dma_alloc_coherent()
 * promises, up to the largest block alignment (16 MiB with 4 KiB pages). It
 * is not zeroed here: dma-direct clears every buffer it returns.
 *
 * Context: any context; only a @gfp that may block is served (PMM may sleep
 * while it allocates), others get NULL.
 * Return: the buffer's first page, or NULL when the device has no memory
 * type, @gfp may not block, or the type has no room: the caller then
 * allocates as for any device.
 */
struct page *pmm_dma_alloc_pages(struct device *dev, size_t size, gfp_t gfp)
{
	struct pmm_type *type = pmm_dma_type(dev);
	unsigned int order = min_t(unsigned int, get_order(size),
				   PMM_MAX_ALIGN_ORDER);
	struct pmm_block *block;
	struct page *page;
	int ret;

	if (!type || !gfpflags_allow_blocking(gfp))
		return NULL;
	block = pmm_alloc(BIT(pmm_type_id(type)), size, PAGE_SIZE << order, 0);
	if (IS_ERR(block)) {
		dev_dbg(dev, "no %zu bytes in PMM type %s: %pe\n", size,
			pmm_type_name(type), block);
		return NULL;
	}
	page = pmm_block_page(block);
	/* Only the caller's reclaim limits: no zone modifier for a node. */
	ret = xa_insert_irq(&pmm_dma_blocks, page_to_pfn(page), block,
			    gfp & (GFP_KERNEL | __GFP_NOWARN));
	if (ret) {
		pmm_block_put(block);
		return NULL;
	}
	return page;
}

/**
 * pmm_dma_free_pages() - give back a DMA buffer if it is a PMM block
 * @dev: the device it was allocated for.
 * @page: the buffer's first page.
 * @size: its size, as allocated.
 *
 * Context: any context.
 * Return: true if the buffer was a PMM block (it is freed); false if it
 * came from elsewhere, for the caller to free.
 */
bool pmm_dma_free_pages(struct device *dev, struct page *page, size_t size)
{
	struct pmm_block *block;
	unsigned long flags;

	/* Buffers outlive a device's binding: look even when unbound. */
	if (xa_empty(&pmm_dma_blocks))
		return false;
	xa_lock_irqsave(&pmm_dma_blocks, flags);
	block = __xa_erase(&pmm_dma_blocks, page_to_pfn(page));
	xa_unlock_irqrestore(&pmm_dma_blocks, flags);
	if (!block)
		return false;
	WARN_ON_ONCE(PAGE_ALIGN(size) != pmm_block_size(block));
	pmm_block_put(block);
	return true;
}
