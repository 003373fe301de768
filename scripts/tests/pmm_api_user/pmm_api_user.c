// SPDX-License-Identifier: GPL-2.0
/*
 * A driver that uses PMM where it is there and does without it where it is
 * not: the check gate "pmm off" builds it against a kernel with
 * CONFIG_PMM=n, where every function of <linux/pmm.h> must still exist.
 */
#include <linux/device.h>
#include <linux/dma-buf.h>
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/module.h>
#include <linux/pmm.h>
#include <linux/sizes.h>

/* A bus that knows which type its devices' DMA buffers come from. */
static void __maybe_unused pmm_api_user_bind(struct device *dev,
					     struct pmm_type *type)
{
	if (!pmm_dma_type(dev))
		pmm_dma_set_type(dev, type);
}

static int __init pmm_api_user_init(void)
{
	struct pmm_type *type = pmm_type_by_name("camera");
	struct pmm_block *block;
	struct dma_buf *dmabuf;

	pr_info("%u memory types\n", pmm_nr_types());
	if (IS_ERR(type))
		type = pmm_type_by_id(0);
	if (!IS_ERR(type))
		pr_info("type %u: %s\n", pmm_type_id(type), pmm_type_name(type));

	block = pmm_alloc(0, SZ_1M, SZ_64K, PMM_ALLOC_ZERO);
	if (IS_ERR(block))
		return PTR_ERR(block) == -ENODEV ? 0 : PTR_ERR(block);
	pr_info("%zu bytes of %s at %pa (page %p)\n", pmm_block_size(block),
		pmm_type_name(pmm_block_type(block)),
		&(phys_addr_t){ pmm_block_phys(block) }, pmm_block_page(block));
	dmabuf = pmm_block_export(block, O_RDWR);
	if (!IS_ERR(dmabuf)) {
		WARN_ON(pmm_block_from_dmabuf(dmabuf) != block);
		dma_buf_put(dmabuf);
	}
	pmm_block_put(pmm_block_get(block));
	pmm_block_put(block);
	return 0;
}
module_init(pmm_api_user_init);

MODULE_DESCRIPTION("A user of the PMM API, built with and without CONFIG_PMM");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);
