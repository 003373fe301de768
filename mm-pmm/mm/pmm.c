// SPDX-License-Identifier: GPL-2.0
/*
 * PMM: Physical Memory Management.
 *
 * Memory types reserved at boot with pmm=, and reference-counted physically
 * contiguous blocks allocated from them.
 */

#define pr_fmt(fmt) "pmm: " fmt

#include <linux/ctype.h>
#include <linux/highmem.h>
#include <linux/init.h>
#include <linux/kmemleak.h>
#include <linux/log2.h>
#include <linux/memblock.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "internal.h"
#include "pmm.h"
#include "pmm_alloc_internal.h"

/**
 * DOC: Overview
 *
 * Devices such as cameras, codecs, scalers and displays need large
 * physically contiguous buffers, often shared: a decoder writes a frame that
 * a scaler reads and a display shows. PMM reserves memory for all of them
 * once, at boot, with the ``pmm=`` parameter, instead of one carve-out per
 * driver, and hands it out as reference-counted blocks.
 *
 * The reserve is split into memory types, each with a name and an id (its
 * position in the order the command line declared the types). A type may
 * have several regions; a block always lies inside one region. Allocation
 * takes a mask of acceptable types and tries them in declaration order.
 *
 * A block lives as long as a reference to it does: pmm_block_get() and
 * pmm_block_put() count them, and whoever keeps the block's pages in use (a
 * mapping, a dma-buf, a SysV segment) holds one. Only the last put gives the
 * range back to the type's free space, so a block's pages are never handed
 * out again while anyone can still reach them.
 */

struct kmem_cache *pmm_extent_cachep;

struct pmm_type pmm_types[PMM_MAX_TYPES];
unsigned int pmm_types_count;

static const struct pmm_policy *const pmm_policies[] = {
	&pmm_policy_best_fit,
	&pmm_policy_first_fit,
};

/* Most pmm= tokens the command line may hold. */
#define PMM_MAX_REQUESTS	64
/* Longest part of a bad token an error message repeats. */
#define PMM_TOKEN_ECHO		40

/**
 * struct pmm_request - a pmm= token, parsed and waiting for memblock
 * @token: the token as written, for messages (may be cut short).
 * @name: the memory type's name.
 * @size: bytes to reserve, a multiple of PAGE_SIZE.
 * @base: where to reserve them, if @fixed.
 * @fixed: the token gave a base.
 */
struct pmm_request {
	char token[PMM_TOKEN_ECHO + 1];
	char name[PMM_TYPE_NAME_MAX + 1];
	phys_addr_t size;
	phys_addr_t base;
	bool fixed;
};

static struct pmm_request pmm_requests[PMM_MAX_REQUESTS] __initdata;
static unsigned int pmm_nr_requests __initdata;

static void __init pmm_token_error(const char *tok, size_t len,
				   const char *reason)
{
	pr_err("ignoring \"%.*s%s\": %s\n", (int)min_t(size_t, len, PMM_TOKEN_ECHO),
	       tok, len > PMM_TOKEN_ECHO ? "..." : "", reason);
}

/*
 * memparse() with its overflows caught: a number in C syntax (decimal, 0x
 * hex or 0 octal) and an optional K, M, G, T, P or E suffix.
 */
static const char *__init pmm_parse_bytes(const char *s, const char *end,
					  phys_addr_t *bytes,
					  const char **rest)
{
	char digits[24];
	unsigned int shift = 0;
	const char *p = s;
	u64 val;
	int err;

	if (end - p > 2 && p[0] == '0' && tolower(p[1]) == 'x') {
		p += 2;
		while (p < end && isxdigit(*p))
			p++;
	} else {
		while (p < end && isdigit(*p))
			p++;
	}
	if (p == s)
		return "missing number";
	if (p - s >= sizeof(digits))
		return "number does not fit in 64 bits";
	memcpy(digits, s, p - s);
	digits[p - s] = '\0';
	err = kstrtou64(digits, 0, &val);
	if (err == -ERANGE)
		return "number does not fit in 64 bits";
	if (err)
		return "malformed number";

	if (p < end) {
		const char *suffix = strchr("KMGTPE", toupper(*p));

		if (*p && suffix) {
			shift = 10 * (suffix - "KMGTPE" + 1);
			p++;
		}
	}
	if (shift && val > (U64_MAX >> shift))
		return "number does not fit in 64 bits";
	val <<= shift;
	if (val != (phys_addr_t)val)
		return "number does not fit in a physical address";

	*bytes = val;
	*rest = p;
	return NULL;
}

static const char *__init pmm_parse_name(const char *s, size_t len)
{
	size_t i;

	if (!len)
		return "missing memory type name";
	if (len > PMM_TYPE_NAME_MAX)
		return "memory type name longer than 15 characters";
	for (i = 0; i < len; i++)
		if (!islower(s[i]) && !isdigit(s[i]) && s[i] != '_')
			return "memory type name may only hold a-z, 0-9 and _";
	return NULL;
}

static unsigned int __init pmm_count_types(const char *name, bool *known)
{
	unsigned int i, j, count = 0;

	*known = false;
	for (i = 0; i < pmm_nr_requests; i++) {
		if (!strcmp(pmm_requests[i].name, name))
			*known = true;
		for (j = 0; j < i; j++)
			if (!strcmp(pmm_requests[j].name, pmm_requests[i].name))
				break;
		count += j == i;
	}
	return count;
}

static const char *__init pmm_parse_token(const char *tok, size_t len)
{
	const char *end = tok + len, *colon, *p, *err;
	struct pmm_request req = {};
	unsigned int i, regions = 0;
	bool known;

	colon = memchr(tok, ':', len);
	if (!colon)
		return "expected <type>:<size>[@<base>]";
	err = pmm_parse_name(tok, colon - tok);
	if (err)
		return err;
	memcpy(req.name, tok, colon - tok);

	err = pmm_parse_bytes(colon + 1, end, &req.size, &p);
	if (err)
		return err;
	if (p < end && *p == '@') {
		err = pmm_parse_bytes(p + 1, end, &req.base, &p);
		if (err)
			return err;
		req.fixed = true;
	}
	if (p != end)
		return "unexpected characters after the size or base";

	if (!req.size)
		return "size is zero";
	if (req.size > PHYS_ADDR_MAX - PAGE_SIZE + 1)
		return "size does not fit in a physical address";
	req.size = PAGE_ALIGN(req.size);
	if (req.fixed && !PAGE_ALIGNED(req.base))
		return "base is not page aligned";
	if (req.fixed && req.base > PHYS_ADDR_MAX - req.size + 1)
		return "base + size does not fit in a physical address";

	if (pmm_nr_requests == PMM_MAX_REQUESTS)
		return "too many regions";
	if (pmm_count_types(req.name, &known) == PMM_MAX_TYPES && !known)
		return "more than 32 memory types";
	for (i = 0; i < pmm_nr_requests; i++)
		regions += !strcmp(pmm_requests[i].name, req.name);
	if (regions == PMM_MAX_TYPE_REGIONS)
		return "more than 16 regions for one memory type";

	strscpy(req.token, tok, min_t(size_t, len + 1, sizeof(req.token)));
	pmm_requests[pmm_nr_requests++] = req;
	return NULL;
}

/*
 * Parse only: memblock has no memory yet when early parameters are parsed
 * on x86, so pmm_reserve() reserves later, from mm_core_init().
 */
static int __init pmm_setup(char *str)
{
	const char *tok, *err;
	size_t len;

	if (!str || !*str) {
		pr_err("pmm= needs <type>:<size>[@<base>][,...]\n");
		return 0;
	}
	for (tok = str; ; tok += len + 1) {
		len = strchrnul(tok, ',') - tok;
		err = len ? pmm_parse_token(tok, len) :
			    "empty region (doubled or trailing comma?)";
		if (err)
			pmm_token_error(tok, len, err);
		if (!tok[len])
			break;
	}
	return 0;
}
early_param("pmm", pmm_setup);

static struct pmm_type *__init pmm_type_create(const char *name)
{
	struct pmm_type *type;
	unsigned int i;

	for (i = 0; i < pmm_types_count; i++)
		if (!strcmp(pmm_types[i].name, name))
			return &pmm_types[i];

	/* pmm_parse_token() refused the tokens of a 33rd type. */
	if (WARN_ON(pmm_types_count == PMM_MAX_TYPES))
		return NULL;
	type = &pmm_types[pmm_types_count];
	strscpy(type->name, name, sizeof(type->name));
	type->id = pmm_types_count++;
	spin_lock_init(&type->lock);
	pmm_pool_init(&type->pool, &pmm_policy_best_fit);
	return type;
}

/* A region's start aligned as far as the largest alignment, if it can be. */
static phys_addr_t __init pmm_region_align(phys_addr_t size)
{
	phys_addr_t max = PAGE_SIZE << PMM_MAX_ALIGN_ORDER;

	return size >= max ? max : roundup_pow_of_two(size);
}

static const char *__init pmm_reserve_one(struct pmm_request *req)
{
	if (req->fixed) {
		if (!memblock_is_region_memory(req->base, req->size))
			return "range is not all RAM";
		if (memblock_is_region_reserved(req->base, req->size))
			return "range overlaps memory already reserved";
		if (memblock_reserve(req->base, req->size))
			return "memblock could not reserve the range";
		return NULL;
	}

	req->base = memblock_phys_alloc_range(req->size,
					      pmm_region_align(req->size), 0,
					      MEMBLOCK_ALLOC_ACCESSIBLE);
	if (!req->base)
		return "not enough free memory for the region";
	/* Nothing in the region points to kernel objects: don't scan it. */
	kmemleak_ignore_phys(req->base);
	return NULL;
}

/**
 * pmm_reserve() - reserve the regions pmm= asked for
 *
 * Called from mm_core_init(), after the architecture has registered all
 * memory with memblock and before memblock hands free memory to the buddy
 * allocator (and before KFENCE takes its pool). A region that cannot be
 * reserved is reported and skipped; the boot goes on.
 *
 * Context: early boot, memblock only.
 */
void __init pmm_reserve(void)
{
	struct pmm_request *req;
	struct pmm_type *type;
	const char *err;
	unsigned int i;

	for (i = 0; i < pmm_nr_requests; i++) {
		req = &pmm_requests[i];
		err = pmm_reserve_one(req);
		if (err) {
			pmm_token_error(req->token, strlen(req->token), err);
			continue;
		}
		type = pmm_type_create(req->name);
		if (!type) {
			memblock_phys_free(req->base, req->size);
			continue;
		}
		type->regions[type->nr_regions++] = (struct pmm_region) {
			.base = req->base,
			.size = req->size,
		};
		pr_info("%s: reserved %llu KiB at [mem %pa-%pa]\n", type->name,
			(unsigned long long)req->size >> 10, &req->base,
			&(phys_addr_t){ req->base + req->size - 1 });
	}
}

/* Give the reserved regions to their pools, now that slab works. */
static int __init pmm_init(void)
{
	struct pmm_preload pre = {};
	struct pmm_region *region;
	struct pmm_type *type;
	unsigned int i, r;

	pmm_extent_cachep = KMEM_CACHE(pmm_extent, 0);
	if (!pmm_extent_cachep) {
		pr_err("no memory for the extent cache; memory types disabled\n");
		pmm_types_count = 0;
		return -ENOMEM;
	}

	for (i = 0; i < pmm_types_count; i++) {
		type = &pmm_types[i];
		for (r = 0; r < type->nr_regions; r++) {
			region = &type->regions[r];
			if (pmm_preload_fill(&pre, GFP_KERNEL)) {
				pr_err("%s: no memory to set up region %u\n",
				       type->name, r);
				continue;
			}
			spin_lock_irq(&type->lock);
			pmm_pool_add_free(&type->pool, PHYS_PFN(region->base),
					  region->size >> PAGE_SHIFT, r, &pre);
			spin_unlock_irq(&type->lock);
		}
	}
	pmm_preload_drain(&pre);
	return 0;
}
core_initcall(pmm_init);

/**
 * pmm_nr_types() - number of memory types
 *
 * Context: any context.
 * Return: the number of memory types; ids run from 0 to this minus 1.
 */
unsigned int pmm_nr_types(void)
{
	return pmm_types_count;
}
EXPORT_SYMBOL_GPL(pmm_nr_types);

/**
 * pmm_type_by_id() - look a memory type up by id
 * @id: the id, the type's position in the pmm= parameter.
 *
 * Context: any context.
 * Return: the type, or ERR_PTR(-ENOENT) if there is no such id.
 */
struct pmm_type *pmm_type_by_id(unsigned int id)
{
	return id < pmm_types_count ? &pmm_types[id] : ERR_PTR(-ENOENT);
}
EXPORT_SYMBOL_GPL(pmm_type_by_id);

/**
 * pmm_type_by_name() - look a memory type up by name
 * @name: the name the pmm= parameter gave the type.
 *
 * Context: any context.
 * Return: the type, or ERR_PTR(-ENOENT) if there is no such name.
 */
struct pmm_type *pmm_type_by_name(const char *name)
{
	unsigned int i;

	for (i = 0; i < pmm_types_count; i++)
		if (!strcmp(pmm_types[i].name, name))
			return &pmm_types[i];
	return ERR_PTR(-ENOENT);
}
EXPORT_SYMBOL_GPL(pmm_type_by_name);

/**
 * pmm_type_id() - a memory type's id
 * @type: the type.
 *
 * Context: any context.
 * Return: the id; bit @id of a type mask selects the type.
 */
unsigned int pmm_type_id(const struct pmm_type *type)
{
	return type->id;
}
EXPORT_SYMBOL_GPL(pmm_type_id);

/**
 * pmm_type_name() - a memory type's name
 * @type: the type.
 *
 * Context: any context.
 * Return: the name, valid for as long as the kernel runs.
 */
const char *pmm_type_name(const struct pmm_type *type)
{
	return type->name;
}
EXPORT_SYMBOL_GPL(pmm_type_name);

/**
 * pmm_type_stats() - take a consistent snapshot of a type's statistics
 * @type: the type.
 * @stats: where to store them.
 *
 * Context: any context; takes the type's lock.
 */
void pmm_type_stats(struct pmm_type *type, struct pmm_type_stats *stats)
{
	unsigned long flags;

	spin_lock_irqsave(&type->lock, flags);
	stats->total_pages = type->pool.total_pages;
	stats->free_pages = type->pool.free_pages;
	stats->largest_free_pages = pmm_pool_largest_free(&type->pool);
	stats->nr_blocks = type->pool.nr_blocks;
	stats->nr_free_extents = type->pool.nr_free_extents;
	stats->alloc_success = type->alloc_success;
	stats->alloc_fail = type->alloc_fail;
	stats->free_success = type->free_success;
	spin_unlock_irqrestore(&type->lock, flags);
}

/**
 * pmm_policy_by_name() - look a placement policy up by name
 * @name: "best_fit" or "first_fit"; a trailing newline is ignored.
 *
 * Return: the policy, or NULL if there is none of that name.
 */
const struct pmm_policy *pmm_policy_by_name(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pmm_policies); i++)
		if (sysfs_streq(name, pmm_policies[i]->name))
			return pmm_policies[i];
	return NULL;
}

/**
 * pmm_type_policy_name() - the name of a type's placement policy
 * @type: the type.
 *
 * Return: the policy's name.
 */
const char *pmm_type_policy_name(struct pmm_type *type)
{
	return READ_ONCE(type->pool.policy)->name;
}

/**
 * pmm_type_set_policy() - change a type's placement policy
 * @type: the type.
 * @policy: the new policy.
 *
 * Blocks already allocated stay where they are; later allocations follow
 * @policy.
 *
 * Context: any context; takes the type's lock for O(n log n) in the number
 * of free extents.
 */
void pmm_type_set_policy(struct pmm_type *type,
			 const struct pmm_policy *policy)
{
	unsigned long flags;

	spin_lock_irqsave(&type->lock, flags);
	if (type->pool.policy != policy)
		pmm_pool_set_policy(&type->pool, policy);
	spin_unlock_irqrestore(&type->lock, flags);
}

static struct pmm_extent *pmm_type_alloc(struct pmm_type *type,
					 unsigned long nr_pages,
					 unsigned int align_order,
					 struct pmm_preload *pre)
{
	struct pmm_extent *ext;
	unsigned long flags;

	spin_lock_irqsave(&type->lock, flags);
	ext = pmm_pool_alloc(&type->pool, nr_pages, align_order, pre);
	if (ext)
		type->alloc_success++;
	else
		type->alloc_fail++;
	spin_unlock_irqrestore(&type->lock, flags);
	return ext;
}

static void pmm_block_zero(struct pmm_block *block)
{
	unsigned long pfn, end = block->extent->start + block->extent->nr_pages;

	for (pfn = block->extent->start; pfn < end; pfn++) {
		clear_highpage(pfn_to_page(pfn));
		cond_resched();
	}
}

/**
 * pmm_alloc() - allocate a physically contiguous block
 * @type_mask: the acceptable memory types, bit i for the type of id i; 0
 *	for every type. They are tried in id order, the order in which pmm=
 *	declared them.
 * @size: the size in bytes, rounded up to a multiple of PAGE_SIZE.
 * @align: the alignment of the block's physical address in bytes: 0 for
 *	PAGE_SIZE, else a power of two from PAGE_SIZE up to
 *	PAGE_SIZE << %PMM_MAX_ALIGN_ORDER.
 * @flags: %PMM_ALLOC_ZERO to zero the block.
 *
 * The block comes from the smallest free extent of the first acceptable
 * type that can hold it (with the default best fit policy).
 *
 * Context: process context; may sleep.
 * Return: the block, holding one reference, or an ERR_PTR():
 * %-EINVAL for unknown @flags, %-ERANGE for a @size of 0, %-EOVERFLOW when
 * @size rounded up to pages overflows, %-EDOM for an @align that is not a
 * power of two or is out of range, %-ENOENT when @type_mask names a type
 * that does not exist or no type exists, %-ENOMEM when no acceptable type
 * has room (or memory for the block's bookkeeping ran out).
 */
struct pmm_block *pmm_alloc(u32 type_mask, size_t size, size_t align,
			    unsigned int flags)
{
	unsigned long mask, nr_pages, id;
	struct pmm_extent *ext = NULL;
	struct pmm_preload pre = {};
	unsigned int align_order = 0;
	struct pmm_block *block;

	might_sleep();

	if (flags & ~PMM_ALLOC_VALID_FLAGS)
		return ERR_PTR(-EINVAL);
	if (!size)
		return ERR_PTR(-ERANGE);
	if (size > SIZE_MAX - PAGE_SIZE + 1)
		return ERR_PTR(-EOVERFLOW);
	nr_pages = PAGE_ALIGN(size) >> PAGE_SHIFT;
	if (align) {
		if (!is_power_of_2(align) || align < PAGE_SIZE ||
		    ilog2(align) - PAGE_SHIFT > PMM_MAX_ALIGN_ORDER)
			return ERR_PTR(-EDOM);
		align_order = ilog2(align) - PAGE_SHIFT;
	}
	if (!pmm_types_count)
		return ERR_PTR(-ENOENT);
	mask = GENMASK(pmm_types_count - 1, 0);
	if (type_mask & ~mask)
		return ERR_PTR(-ENOENT);
	if (type_mask)
		mask = type_mask;

	block = kmalloc(sizeof(*block), GFP_KERNEL);
	if (!block)
		return ERR_PTR(-ENOMEM);
	if (pmm_preload_fill(&pre, GFP_KERNEL))
		goto fail;

	for_each_set_bit(id, &mask, pmm_types_count) {
		ext = pmm_type_alloc(&pmm_types[id], nr_pages, align_order,
				     &pre);
		if (ext)
			break;
	}
	pmm_preload_drain(&pre);
	if (!ext)
		goto fail;

	kref_init(&block->ref);
	block->type = &pmm_types[id];
	block->extent = ext;
	if (flags & PMM_ALLOC_ZERO)
		pmm_block_zero(block);
	return block;

fail:
	pmm_preload_drain(&pre);
	kfree(block);
	return ERR_PTR(-ENOMEM);
}
EXPORT_SYMBOL_GPL(pmm_alloc);

/**
 * pmm_block_get() - take a reference to a block
 * @block: the block; the caller already holds a reference.
 *
 * Context: any context.
 * Return: @block.
 */
struct pmm_block *pmm_block_get(struct pmm_block *block)
{
	kref_get(&block->ref);
	return block;
}
EXPORT_SYMBOL_GPL(pmm_block_get);

static void pmm_block_release(struct kref *ref)
{
	struct pmm_block *block = container_of(ref, struct pmm_block, ref);
	struct pmm_type *type = block->type;
	unsigned long flags;

	spin_lock_irqsave(&type->lock, flags);
	pmm_pool_free(&type->pool, block->extent);
	type->free_success++;
	spin_unlock_irqrestore(&type->lock, flags);
	kfree(block);
}

/**
 * pmm_block_put() - drop a reference to a block
 * @block: the block.
 *
 * The last put gives the block's range back to its memory type.
 *
 * Context: any context; does not sleep.
 */
void pmm_block_put(struct pmm_block *block)
{
	kref_put(&block->ref, pmm_block_release);
}
EXPORT_SYMBOL_GPL(pmm_block_put);

/**
 * pmm_block_size() - a block's size
 * @block: the block.
 *
 * Context: any context.
 * Return: the size in bytes, a multiple of PAGE_SIZE.
 */
size_t pmm_block_size(const struct pmm_block *block)
{
	return block->extent->nr_pages << PAGE_SHIFT;
}
EXPORT_SYMBOL_GPL(pmm_block_size);

/**
 * pmm_block_type() - the memory type a block came from
 * @block: the block.
 *
 * Context: any context.
 * Return: the type.
 */
struct pmm_type *pmm_block_type(const struct pmm_block *block)
{
	return block->type;
}
EXPORT_SYMBOL_GPL(pmm_block_type);

/**
 * pmm_block_page() - a block's first page
 * @block: the block.
 *
 * The block's pages are physically contiguous; walk them by page frame
 * number (nth_page()), not by pointer arithmetic.
 *
 * Context: any context.
 * Return: the page.
 */
struct page *pmm_block_page(const struct pmm_block *block)
{
	return pfn_to_page(block->extent->start);
}
EXPORT_SYMBOL_GPL(pmm_block_page);

/**
 * pmm_block_phys() - a block's physical address, for kernel users
 * @block: the block.
 *
 * Context: any context.
 * Return: the physical address of the block's first byte.
 */
phys_addr_t pmm_block_phys(const struct pmm_block *block)
{
	return PFN_PHYS(block->extent->start);
}
EXPORT_SYMBOL_GPL(pmm_block_phys);
