/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PMM: Physical Memory Management.
 *
 * Reference-counted, physically contiguous blocks for devices, allocated
 * from one boot-time reserve shared by all of them (the pmm= parameter) and
 * split into named memory types. See Documentation/mm/pmm.rst.
 */
#ifndef _LINUX_PMM_H
#define _LINUX_PMM_H

#include <linux/bits.h>
#include <linux/err.h>
#include <linux/types.h>

struct device;
struct dma_buf;
struct page;
struct pmm_block;
struct pmm_type;

/* Longest memory type name, without the terminating NUL. */
#define PMM_TYPE_NAME_MAX	15
/* Most memory types there may be. */
#define PMM_MAX_TYPES		32

/* Zero the block before returning it. */
#define PMM_ALLOC_ZERO		BIT(0)
#define PMM_ALLOC_VALID_FLAGS	(PMM_ALLOC_ZERO)

#ifdef CONFIG_PMM

void pmm_reserve(void);

struct pmm_block *pmm_alloc(u32 type_mask, u64 size, u64 align,
			    unsigned int flags);
struct pmm_block *pmm_block_get(struct pmm_block *block);
void pmm_block_put(struct pmm_block *block);

size_t pmm_block_size(const struct pmm_block *block);
struct pmm_type *pmm_block_type(const struct pmm_block *block);
struct page *pmm_block_page(const struct pmm_block *block);
phys_addr_t pmm_block_phys(const struct pmm_block *block);

bool pmm_memory_failure(unsigned long pfn);

unsigned int pmm_nr_types(void);
struct pmm_type *pmm_type_by_id(unsigned int id);
struct pmm_type *pmm_type_by_name(const char *name);
unsigned int pmm_type_id(const struct pmm_type *type);
const char *pmm_type_name(const struct pmm_type *type);

#else /* !CONFIG_PMM */

/*
 * Without PMM there is no type and no block: pmm_alloc() fails, and the
 * functions that take a block or a type are never reached with one.
 */
static inline void pmm_reserve(void)
{
}

static inline struct pmm_block *pmm_alloc(u32 type_mask, u64 size,
					  u64 align, unsigned int flags)
{
	return ERR_PTR(-ENODEV);
}

static inline struct pmm_block *pmm_block_get(struct pmm_block *block)
{
	return block;
}

static inline void pmm_block_put(struct pmm_block *block)
{
}

static inline size_t pmm_block_size(const struct pmm_block *block)
{
	return 0;
}

static inline struct pmm_type *pmm_block_type(const struct pmm_block *block)
{
	return NULL;
}

static inline struct page *pmm_block_page(const struct pmm_block *block)
{
	return NULL;
}

static inline phys_addr_t pmm_block_phys(const struct pmm_block *block)
{
	return 0;
}

static inline bool pmm_memory_failure(unsigned long pfn)
{
	return false;
}

static inline unsigned int pmm_nr_types(void)
{
	return 0;
}

static inline struct pmm_type *pmm_type_by_id(unsigned int id)
{
	return ERR_PTR(-ENOENT);
}

static inline struct pmm_type *pmm_type_by_name(const char *name)
{
	return ERR_PTR(-ENOENT);
}

static inline unsigned int pmm_type_id(const struct pmm_type *type)
{
	return 0;
}

static inline const char *pmm_type_name(const struct pmm_type *type)
{
	return "";
}

#endif /* CONFIG_PMM */

#ifdef CONFIG_PMM_DMABUF

struct dma_buf *pmm_block_export(struct pmm_block *block,
				 unsigned int fd_flags);
struct pmm_block *pmm_block_from_dmabuf(struct dma_buf *dmabuf);

#else /* !CONFIG_PMM_DMABUF */

static inline struct dma_buf *pmm_block_export(struct pmm_block *block,
					       unsigned int fd_flags)
{
	return ERR_PTR(-EOPNOTSUPP);
}

static inline struct pmm_block *pmm_block_from_dmabuf(struct dma_buf *dmabuf)
{
	return ERR_PTR(-EINVAL);
}

#endif /* CONFIG_PMM_DMABUF */

#ifdef CONFIG_PMM_DMA

void pmm_dma_set_type(struct device *dev, struct pmm_type *type);
struct pmm_type *pmm_dma_type(struct device *dev);
struct page *pmm_dma_alloc_pages(struct device *dev, size_t size, gfp_t gfp);
bool pmm_dma_free_pages(struct device *dev, struct page *page, size_t size);

#else /* !CONFIG_PMM_DMA */

static inline void pmm_dma_set_type(struct device *dev,
				    struct pmm_type *type)
{
}

static inline struct pmm_type *pmm_dma_type(struct device *dev)
{
	return NULL;
}

static inline struct page *pmm_dma_alloc_pages(struct device *dev,
					       size_t size, gfp_t gfp)
{
	return NULL;
}

static inline bool pmm_dma_free_pages(struct device *dev, struct page *page,
				      size_t size)
{
	return false;
}

#endif /* CONFIG_PMM_DMA */

#endif /* _LINUX_PMM_H */
