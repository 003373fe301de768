// SPDX-License-Identifier: GPL-2.0
/*
 * PMM: the pmm= boot parameter and the reservation of its regions.
 *
 * Everything here is __init. pmm= is only parsed in its early_param()
 * handler: memblock has no memory yet when early parameters are parsed on
 * x86. pmm_reserve() reserves the regions later, from the architecture's
 * setup where CMA reserves its own, and hands them to the memory types of
 * mm/pmm.c.
 */

#define pr_fmt(fmt) "pmm: " fmt

#include <linux/bitmap.h>
#include <linux/ctype.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/numa.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/stringify.h>

#include "internal.h"
#include "pmm.h"

/**
 * DOC: Declaring the reserve
 *
 * ``pmm=`` takes a comma-separated list of tokens, one region each::
 *
 *	<type>:<size>[@<base> | @<start>-<end>][@node<N>][:<policy>]
 *
 * - ``<type>`` names the memory type, 1 to 15 characters from ``[a-z0-9_]``.
 *   Types get ids in the order they are first named, whether their regions
 *   can be reserved or not: a type none of whose regions could be reserved
 *   exists with no memory, so that masks computed from the parameter keep
 *   selecting the types they name.
 * - ``<size>`` is rounded up to a page. Numbers take memparse() suffixes.
 * - ``@<base>`` places the region exactly there: page aligned, in RAM that
 *   the kernel maps (never a ``no-map`` range), overlapping nothing already
 *   reserved. On x86 KASLR keeps the kernel out of such a range, as it does
 *   for ``memmap=``.
 * - ``@<start>-<end>`` places it anywhere inside [start, end), as ``cma=``
 *   does: ``@0-4G`` keeps it in reach of 32-bit DMA.
 * - ``@node<N>`` places it on NUMA node N.
 * - ``:<policy>`` is the type's placement policy, ``best_fit`` (the
 *   default) or ``first_fit``; it is chosen once, at boot.
 *
 * A region without a base is aligned to the largest block alignment it can
 * be (16 MiB with 4 KiB pages), or less where that does not fit. It is
 * placed top-down, as memblock places its own allocations, except when
 * ``kernelcore=`` or ``movablecore=`` asks for ZONE_MOVABLE: then bottom-up,
 * above 4 GiB where there is memory there, so that the region stays out of
 * the movable zone, which must hold only movable pages. With mirrored
 * memory (``kernelcore=mirror``) the region goes to memory that is not
 * mirrored where there is room: mirrored memory is for the kernel.
 *
 * A token that is malformed or cannot be reserved is reported with the
 * reason and reserves nothing; the boot goes on with the other tokens.
 * The reserved memory keeps its ``struct page``\ s but never reaches the
 * page allocator: ``MemTotal`` is smaller by the size of the reserve.
 */

/* Most pmm= tokens the command line may hold. */
#define PMM_MAX_REQUESTS	64
/* Longest part of a token a message repeats, "..." included. */
#define PMM_TOKEN_ECHO		40

/**
 * struct pmm_request - a pmm= token, parsed and waiting for memblock
 * @token: the token as written, for messages; cut short with "...".
 * @type: the memory type the region is for.
 * @size: bytes to reserve, a multiple of PAGE_SIZE.
 * @base: where to reserve them, if @fixed.
 * @start: with @end, the range a region without a base must lie in.
 * @end: the end of that range, exclusive.
 * @nid: the node a region without a base must lie on, or %NUMA_NO_NODE.
 * @fixed: the token gave a base.
 */
struct pmm_request {
	char token[PMM_TOKEN_ECHO + 1];
	struct pmm_type *type;
	phys_addr_t size;
	phys_addr_t base;
	phys_addr_t start;
	phys_addr_t end;
	int nid;
	bool fixed;
};

static struct pmm_request pmm_requests[PMM_MAX_REQUESTS] __initdata;
static unsigned int pmm_nr_requests __initdata;
/* Requests per memory type, by type id. */
static u8 pmm_type_requests[PMM_MAX_TYPES] __initdata;
/* The types whose policy a token named, by type id. */
static DECLARE_BITMAP(pmm_policy_named, PMM_MAX_TYPES) __initdata;

static __printf(2, 3) void __init pmm_refuse(const char *token,
					      const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_err("ignoring \"%s\": %pV\n", token, &vaf);
	va_end(args);
}

/*
 * memparse(), refusing what it would silently wrap: the digits must fit in
 * 64 bits, and so must the value once its K, M, G, T, P or E suffix
 * applies. In a hexadecimal number a trailing E is a digit, not a suffix.
 */
static const char *__init pmm_parse_bytes(char *s, phys_addr_t *bytes,
					  char **rest)
{
	bool hex = s[0] == '0' && tolower(s[1]) == 'x' && isxdigit(s[2]);
	static const char suffixes[] = "KMGTPE";
	unsigned long long val, digits;
	unsigned int shift = 0;
	const char *suffix;
	char *end, saved;
	bool fits;

	val = memparse(s, rest);
	end = *rest;
	suffix = end > s ? strchr(suffixes, toupper(end[-1])) : NULL;
	if (suffix && !(hex && isxdigit(end[-1]))) {
		shift = 10 * (suffix - suffixes + 1);
		end--;
	}
	if (end == s)
		return "missing number";

	saved = *end;
	*end = '\0';
	fits = !kstrtoull(s, 0, &digits) && digits <= (U64_MAX >> shift);
	*end = saved;
	if (!fits)
		return "number does not fit in 64 bits";
	if (val != (phys_addr_t)val)
		return "number does not fit in a physical address";
	*bytes = val;
	return NULL;
}

/**
 * pmm_check_name() - check a memory type name of pmm= or the device tree
 * @name: the name.
 *
 * Context: early boot.
 * Return: NULL if @name is a valid memory type name, else why it is not.
 */
const char *__init pmm_check_name(const char *name)
{
	const char *p;

	if (!*name)
		return "missing memory type name";
	for (p = name; *p; p++)
		if (!islower(*p) && !isdigit(*p) && *p != '_')
			return "a memory type name may only hold a-z, 0-9 and _";
	if (p - name > PMM_TYPE_NAME_MAX)
		return "memory type name longer than "
		       __stringify(PMM_TYPE_NAME_MAX) " characters";
	return NULL;
}

/* The placement after the size: @base, @start-end, @node<N>, :policy. */
static const char *__init pmm_parse_placement(char *p,
					      struct pmm_request *req,
					      const struct pmm_policy **policy)
{
	phys_addr_t start;
	const char *err;
	bool ranged = false;
	unsigned int nid;

	while (*p == '@') {
		p++;
		if (!strncmp(p, "node", 4)) {
			p += 4;
			if (!isdigit(*p) || req->nid != NUMA_NO_NODE)
				return "expected one @node<N>";
			for (nid = 0; isdigit(*p); p++) {
				nid = nid * 10 + *p - '0';
				if (nid >= MAX_NUMNODES)
					return "no such NUMA node";
			}
			req->nid = nid;
			continue;
		}
		if (req->fixed || ranged)
			return "expected one @<base> or @<start>-<end>";
		err = pmm_parse_bytes(p, &start, &p);
		if (err)
			return err;
		if (*p != '-') {
			req->base = start;
			req->fixed = true;
			continue;
		}
		err = pmm_parse_bytes(p + 1, &req->end, &p);
		if (err)
			return err;
		if (req->end <= start)
			return "the range ends before it starts";
		req->start = start;
		ranged = true;
	}
	if (req->fixed && req->nid != NUMA_NO_NODE)
		return "a base is on the node it is on: no @node with @<base>";
	if (*p == ':') {
		*policy = pmm_policy_by_name(p + 1);
		if (!*policy)
			return "unknown policy (best_fit or first_fit)";
		return NULL;
	}
	return *p ? "unexpected characters after the size or placement" : NULL;
}

/* Parse one token; a bad one is reported and changes nothing. */
static void __init pmm_parse_token(char *tok)
{
	struct pmm_request req = {
		.start = 0,
		.end = PHYS_ADDR_MAX,
		.nid = NUMA_NO_NODE,
	};
	const struct pmm_policy *policy = NULL;
	char *name = tok, *p;
	const char *err;
	unsigned int id;

	if (strscpy(req.token, tok) < 0)
		strscpy(req.token + sizeof(req.token) - 4, "...", 4);
	p = strchr(tok, ':');
	if (!p)
		return pmm_refuse(req.token, "expected <type>:<size>[@...]");
	*p++ = '\0';
	err = pmm_check_name(name);
	if (err)
		return pmm_refuse(req.token, "%s", err);

	err = pmm_parse_bytes(p, &req.size, &p);
	if (!err)
		err = pmm_parse_placement(p, &req, &policy);
	if (!err && !req.size)
		err = "size is zero";
	if (!err && req.size > PHYS_ADDR_MAX - PAGE_SIZE + 1)
		err = "size does not fit in a physical address";
	if (err)
		return pmm_refuse(req.token, "%s", err);
	req.size = PAGE_ALIGN(req.size);
	if (req.fixed && !PAGE_ALIGNED(req.base))
		return pmm_refuse(req.token, "base is not page aligned");
	/* The end, base + size, must be representable: no wrap to 0. */
	if (req.fixed && req.base > PHYS_ADDR_MAX - req.size)
		return pmm_refuse(req.token,
				  "base + size does not fit in a physical address");
	if (!req.fixed && req.end - req.start < req.size)
		return pmm_refuse(req.token, "the range is smaller than the size");

	if (pmm_nr_requests == PMM_MAX_REQUESTS)
		return pmm_refuse(req.token, "more than %d regions in all",
				  PMM_MAX_REQUESTS);
	req.type = pmm_type_declare(name);
	if (IS_ERR(req.type))
		return pmm_refuse(req.token, "more than %d memory types",
				  PMM_MAX_TYPES);
	id = pmm_type_id(req.type);
	if (pmm_type_requests[id] == PMM_MAX_TYPE_REGIONS)
		return pmm_refuse(req.token,
				  "more than %d regions for one memory type",
				  PMM_MAX_TYPE_REGIONS);
	if (policy && test_bit(id, pmm_policy_named) &&
	    req.type->pool.policy != policy)
		return pmm_refuse(req.token,
				  "the type was given another policy before");
	if (policy) {
		__set_bit(id, pmm_policy_named);
		pmm_type_set_policy(req.type, policy);
	}
	pmm_type_requests[id]++;
	pmm_requests[pmm_nr_requests++] = req;
}

/* Parse only; pmm_reserve() reserves. */
static int __init pmm_setup(char *str)
{
	char *tok;

	if (!str || !*str) {
		pr_err("pmm= needs <type>:<size>[@...][,...]\n");
		return 0;
	}
	while ((tok = strsep(&str, ",")))
		if (*tok)
			pmm_parse_token(tok);
		else
			pr_err("ignoring an empty region (doubled or trailing comma?)\n");
	return 0;
}
early_param("pmm", pmm_setup);

/* A region's start aligned as far as the largest alignment, if it can be. */
static phys_addr_t __init pmm_region_align(phys_addr_t size)
{
	phys_addr_t max = PAGE_SIZE << PMM_MAX_ALIGN_ORDER;

	return size >= max ? max : roundup_pow_of_two(size);
}

static bool __init pmm_overlaps(phys_addr_t base, phys_addr_t size,
				enum memblock_flags flag)
{
	struct memblock_region *r;

	for_each_mem_region(r)
		if ((r->flags & flag) && r->base < base + size &&
		    base < r->base + r->size)
			return true;
	return false;
}

/*
 * The free range memblock would give: free memory that is not no-map or
 * hotpluggable (for_each_free_mem_range() skips those), inside [start, end)
 * and on @nid, at @align, the highest (or with @bottom_up the lowest) that
 * fits, and with @no_mirror none that overlaps mirrored memory. 0 if none.
 */
static phys_addr_t __init pmm_find_in(phys_addr_t size, phys_addr_t align,
				      phys_addr_t start, phys_addr_t end,
				      int nid, bool bottom_up, bool no_mirror)
{
	phys_addr_t s, e, cand, found = 0;
	u64 i;

	start = max_t(phys_addr_t, start, PAGE_SIZE);
	for_each_free_mem_range(i, nid, MEMBLOCK_NONE, &s, &e, NULL) {
		s = max(s, start);
		e = min(e, end);
		if (s >= e || e - s < size)
			continue;
		cand = bottom_up ? ALIGN(s, align) : round_down(e - size, align);
		if (cand < s || cand > e - size)
			continue;
		if (no_mirror && pmm_overlaps(cand, size, MEMBLOCK_MIRROR))
			continue;
		found = cand;
		if (bottom_up)
			break;
	}
	return found;
}

static phys_addr_t __init pmm_find_room(const struct pmm_request *req)
{
	bool bottom_up = zone_movable_requested();
	phys_addr_t from[2] = { req->start, req->start };
	phys_addr_t align, found;
	int pass, i;

	/* Bottom-up from 4 GiB first, as CMA does, to leave DMA32 alone. */
	if (IS_ENABLED(CONFIG_PHYS_ADDR_T_64BIT) && bottom_up &&
	    req->start < SZ_4G)
		from[0] = SZ_4G;
	/* Memory that is not mirrored first, then any. */
	for (pass = memblock_has_mirror() ? 0 : 1; pass < 2; pass++)
		for (i = 0; i < ARRAY_SIZE(from); i++)
			for (align = pmm_region_align(req->size);
			     align >= PAGE_SIZE; align >>= 1) {
				found = pmm_find_in(req->size, align, from[i],
						    req->end, req->nid,
						    bottom_up, pass == 0);
				if (found)
					return found;
			}
	return 0;
}

static const char *__init pmm_reserve_one(struct pmm_request *req)
{
	if (req->fixed) {
		if (!memblock_is_region_memory(req->base, req->size))
			return "range is not all RAM";
		if (pmm_overlaps(req->base, req->size, MEMBLOCK_NOMAP))
			return "range is no-map memory (firmware's)";
		if (memblock_is_region_reserved(req->base, req->size))
			return "range overlaps memory already reserved";
	} else {
		req->base = pmm_find_room(req);
		if (!req->base)
			return req->nid == NUMA_NO_NODE ?
			       "not enough free memory for the region" :
			       "not enough free memory on that node";
	}
	if (memblock_reserve(req->base, req->size))
		return "memblock could not reserve the range";
	/* Memory a confidential guest has not accepted yet faults on use. */
	accept_memory(req->base, req->size);
	return NULL;
}

/**
 * pmm_reserve() - reserve the regions pmm= asked for
 *
 * Called from the architecture's setup, next to dma_contiguous_reserve():
 * once memblock knows all memory and the NUMA nodes, and before it hands
 * out memory for the memmap, page tables, per-cpu areas and hash tables,
 * so that a base that is free when the kernel starts is still free here.
 * mm_core_init() calls it too, for the architectures that do not; the
 * second call does nothing. A region that cannot be reserved is reported
 * and skipped; its type stays, with less memory.
 *
 * Context: early boot, memblock only.
 */
void __init pmm_reserve(void)
{
	static bool done __initdata;
	struct pmm_request *req;
	struct pmm_type *type;
	const char *err;
	unsigned int i;

	if (done)
		return;
	done = true;
	for (i = 0; i < pmm_nr_requests; i++) {
		req = &pmm_requests[i];
		err = pmm_reserve_one(req);
		if (err) {
			pmm_refuse(req->token, "%s", err);
			continue;
		}
		pmm_type_add_region(req->type, req->base, req->size);
		pr_info("%s: reserved %llu KiB at [mem %pa-%pa]\n",
			pmm_type_name(req->type),
			(unsigned long long)req->size >> 10, &req->base,
			&(phys_addr_t){ req->base + req->size - 1 });
	}
	pmm_of_reserve();
	for (i = 0; i < pmm_nr_types(); i++) {
		type = pmm_type_by_id(i);
		if (!type->nr_regions)
			pr_warn("%s: no region could be reserved: the type exists, with no memory\n",
				pmm_type_name(type));
	}
}
