// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the PMM dma-buf exporter: what user space cannot reach
 * through /dev/pmm (kernel mappings, device mappings, references held by
 * the kernel). The suite uses the first memory type of the pmm= parameter
 * and is skipped without one.
 */

#include <kunit/device.h>
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/iosys-map.h>
#include <linux/pmm.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>

#include "pmm.h"

#define PMM_TEST_SIZE	(64 * PAGE_SIZE)

/* The cases hold a few blocks of PMM_TEST_SIZE at once. */
static struct pmm_type *pmm_test_type(struct kunit *test)
{
	struct pmm_type_stats stats;

	if (!pmm_nr_types())
		kunit_skip(test, "no memory type: boot with pmm=");
	pmm_type_stats(pmm_type_by_id(0), &stats);
	if (stats.largest_free_pages < 4 * PMM_TEST_SIZE / PAGE_SIZE)
		kunit_skip(test, "type 0 has no free extent of %lu KiB",
			   4 * PMM_TEST_SIZE / SZ_1K);
	return pmm_type_by_id(0);
}

static unsigned long pmm_test_nr_blocks(struct pmm_type *type)
{
	struct pmm_type_stats stats;

	/* The last dma_buf_put() of a kthread frees from a work item. */
	flush_delayed_fput();
	pmm_type_stats(type, &stats);
	return stats.nr_blocks;
}

KUNIT_DEFINE_ACTION_WRAPPER(put_block, pmm_block_put, struct pmm_block *);
KUNIT_DEFINE_ACTION_WRAPPER(put_dmabuf, dma_buf_put, struct dma_buf *);

/* A device that reaches all memory, unregistered when the test ends. */
static struct device *pmm_test_device(struct kunit *test, const char *name)
{
	struct device *dev = kunit_device_register(test, name);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	dev->dma_mask = &dev->coherent_dma_mask;
	KUNIT_ASSERT_EQ(test, dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64)),
			0);
	return dev;
}

/*
 * A block and its dma-buf, both put by KUnit when the test ends, pass or
 * fail, unless the test puts them first with kunit_release_action().
 */
static struct dma_buf *pmm_test_export(struct kunit *test,
				       struct pmm_type *type,
				       struct pmm_block **blockp)
{
	struct pmm_block *block;
	struct dma_buf *dmabuf;

	block = pmm_alloc(BIT(pmm_type_id(type)), PMM_TEST_SIZE, 0,
			  PMM_ALLOC_ZERO);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, block);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, put_block, block),
			0);
	dmabuf = pmm_block_export(block, O_RDWR);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dmabuf);
	KUNIT_ASSERT_EQ(test,
			kunit_add_action_or_reset(test, put_dmabuf, dmabuf), 0);
	*blockp = block;
	return dmabuf;
}

/* The dma-buf holds the block after the caller's reference is gone. */
static void pmm_test_dmabuf_lifetime(struct kunit *test)
{
	struct pmm_type *type = pmm_test_type(test);
	unsigned long base = pmm_test_nr_blocks(type);
	struct pmm_block *block;
	struct dma_buf *dmabuf;

	dmabuf = pmm_test_export(test, type, &block);
	KUNIT_EXPECT_PTR_EQ(test, pmm_block_from_dmabuf(dmabuf), block);
	KUNIT_EXPECT_EQ(test, dmabuf->size, PMM_TEST_SIZE);
	KUNIT_EXPECT_EQ(test, pmm_test_nr_blocks(type), base + 1);

	kunit_release_action(test, put_block, block);
	KUNIT_EXPECT_EQ(test, pmm_test_nr_blocks(type), base + 1);
	KUNIT_EXPECT_PTR_EQ(test, pmm_block_from_dmabuf(dmabuf), block);
	/* Named after its type, for fdinfo and dma-buf debugging. */
	KUNIT_EXPECT_STREQ(test, dmabuf->exp_name, type->exp_name);
	KUNIT_EXPECT_EQ(test, strncmp(dmabuf->exp_name, "pmm-", 4), 0);

	kunit_release_action(test, put_dmabuf, dmabuf);
	KUNIT_EXPECT_EQ(test, pmm_test_nr_blocks(type), base);
}

/* dma_buf_vmap() maps the whole block, once, however often it is asked. */
static void pmm_test_dmabuf_vmap(struct kunit *test)
{
	struct pmm_type *type = pmm_test_type(test);
	struct iosys_map map, map2;
	struct pmm_block *block;
	struct dma_buf *dmabuf;
	struct page *last;
	u8 *vaddr;
	void *kaddr;
	int ret;

	dmabuf = pmm_test_export(test, type, &block);
	ret = dma_buf_vmap_unlocked(dmabuf, &map);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_FALSE(test, map.is_iomem);
	vaddr = map.vaddr;
	KUNIT_EXPECT_TRUE(test, !memchr_inv(vaddr, 0, PMM_TEST_SIZE));

	ret = dma_buf_vmap_unlocked(dmabuf, &map2);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_PTR_EQ(test, map2.vaddr, map.vaddr);
	dma_buf_vunmap_unlocked(dmabuf, &map2);

	/* The kernel mapping is the block: check its last page. */
	memset(vaddr, 0x5a, PMM_TEST_SIZE);
	last = nth_page(pmm_block_page(block),
			PMM_TEST_SIZE / PAGE_SIZE - 1);
	kaddr = kmap_local_page(last);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(kaddr, 0x5a, PAGE_SIZE));
	kunmap_local(kaddr);

	dma_buf_vunmap_unlocked(dmabuf, &map);
}

/* A device sees the block at contiguous DMA addresses. */
static void pmm_test_dmabuf_attach(struct kunit *test)
{
	struct pmm_type *type = pmm_test_type(test);
	struct dma_buf_attachment *attach;
	struct pmm_block *block;
	struct dma_buf *dmabuf;
	struct scatterlist *sg;
	struct sg_table *sgt;
	struct device *dev;
	dma_addr_t next;
	unsigned int i;
	int ret;

	dev = pmm_test_device(test, "pmm_dmabuf_test");

	dmabuf = pmm_test_export(test, type, &block);
	attach = dma_buf_attach(dmabuf, dev);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);

	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	/*
	 * What an importer may look at: the DMA addresses, contiguous from
	 * the block's (no IOMMU here), each segment within the device's
	 * limit. Not the pages: CONFIG_DMABUF_DEBUG scrambles them.
	 */
	next = pmm_block_phys(block);
	for_each_sgtable_dma_sg(sgt, sg, i) {
		KUNIT_EXPECT_EQ(test, sg_dma_address(sg), next);
		KUNIT_EXPECT_LE(test, sg_dma_len(sg), dma_get_max_seg_size(dev));
		next += sg_dma_len(sg);
	}
	KUNIT_EXPECT_EQ(test, next - pmm_block_phys(block), PMM_TEST_SIZE);

	ret = dma_buf_begin_cpu_access(dmabuf, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, ret, 0);
	ret = dma_buf_end_cpu_access(dmabuf, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, ret, 0);

	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
	dma_buf_detach(dmabuf, attach);
}

/*
 * CPU access syncs an attachment with the direction it was mapped with,
 * whatever the caller's: under CONFIG_DMA_API_DEBUG a sync in another
 * direction than the mapping's is reported (a splat, which fails the run).
 */
static void pmm_test_dmabuf_sync_direction(struct kunit *test)
{
	static const enum dma_data_direction dirs[] = {
		DMA_TO_DEVICE, DMA_FROM_DEVICE, DMA_BIDIRECTIONAL,
	};
	struct device *dev = pmm_test_device(test, "pmm_dmabuf_sync_test");
	struct pmm_type *type = pmm_test_type(test);
	struct dma_buf_attachment *attach;
	struct pmm_block *block;
	struct dma_buf *dmabuf;
	struct sg_table *sgt;
	unsigned int m, c;

	dmabuf = pmm_test_export(test, type, &block);

	for (m = 0; m < ARRAY_SIZE(dirs); m++) {
		attach = dma_buf_attach(dmabuf, dev);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
		sgt = dma_buf_map_attachment_unlocked(attach, dirs[m]);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
		for (c = 0; c < ARRAY_SIZE(dirs); c++) {
			KUNIT_EXPECT_EQ(test,
					dma_buf_begin_cpu_access(dmabuf, dirs[c]),
					0);
			KUNIT_EXPECT_EQ(test,
					dma_buf_end_cpu_access(dmabuf, dirs[c]),
					0);
		}
		dma_buf_unmap_attachment_unlocked(attach, sgt, dirs[m]);
		/* Unmapped: nothing left to sync. */
		KUNIT_EXPECT_EQ(test,
				dma_buf_begin_cpu_access(dmabuf, DMA_FROM_DEVICE),
				0);
		KUNIT_EXPECT_EQ(test,
				dma_buf_end_cpu_access(dmabuf, DMA_FROM_DEVICE),
				0);
		dma_buf_detach(dmabuf, attach);
	}
}

static struct kunit_case pmm_dmabuf_cases[] = {
	KUNIT_CASE(pmm_test_dmabuf_lifetime),
	KUNIT_CASE(pmm_test_dmabuf_vmap),
	KUNIT_CASE(pmm_test_dmabuf_attach),
	KUNIT_CASE(pmm_test_dmabuf_sync_direction),
	{}
};

static struct kunit_suite pmm_dmabuf_suite = {
	.name = "pmm_dmabuf",
	.test_cases = pmm_dmabuf_cases,
};

kunit_test_suites(&pmm_dmabuf_suite);

MODULE_DESCRIPTION("KUnit tests for PMM dma-bufs");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);
