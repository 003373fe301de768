// SPDX-License-Identifier: GPL-2.0
/*
 * PMM: regions declared as "linux,pmm" reserved-memory nodes.
 *
 * The device tree counterpart of pmm=, in the way kernel/dma/contiguous.c
 * takes "shared-dma-pool" nodes beside cma=: drivers/of/of_reserved_mem.c
 * reserves each node (a fixed reg, or a size placed by alignment and
 * alloc-ranges) and calls pmm_rmem_setup(), which checks it; pmm_reserve()
 * then gives the accepted nodes to their memory types, in the order of the
 * nodes in the tree. A device whose node names such a node in
 * memory-region gets its DMA allocations from that type (mm/pmm_dma.c).
 */

#define pr_fmt(fmt) "pmm: " fmt

#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/libfdt.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/of_fdt.h>
#include <linux/of_reserved_mem.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/stringify.h>

#include "pmm.h"

/**
 * DOC: Declaring the reserve in the device tree
 *
 * A child of ``/reserved-memory`` with ``compatible = "linux,pmm"`` is a
 * region of the memory type its ``linux,pmm-type`` string names (see
 * Documentation/devicetree/bindings/reserved-memory/linux,pmm.yaml). A
 * type may have several nodes, and nodes and ``pmm=`` tokens may name the
 * same type. Types get ids in this order: those ``pmm=`` names, in the
 * order of the command line, then those only the tree names, in the order
 * of their nodes in the tree.
 *
 * A node is refused, with its name and the reason in the boot log, and its
 * memory goes back to the kernel, when it is ``no-map`` (PMM zeroes and
 * maps its memory through the linear map) or ``reusable`` (PMM never lends
 * its memory), has no valid ``linux,pmm-type``, is not page aligned, would
 * be a 33rd type or a 17th region of its type, or overlaps another
 * reserved-memory node (of two overlapping PMM nodes the later one).
 */

/* Most "linux,pmm" nodes a tree may hold. */
#define PMM_OF_MAX_NODES	64

/*
 * The accepted nodes, copied: of_reserved_mem sorts and moves its array
 * of struct reserved_mem after the calls to pmm_rmem_setup().
 */
struct pmm_of_node {
	unsigned long fdt_node;
	const char *name;
	phys_addr_t base;
	phys_addr_t size;
};

static struct pmm_of_node pmm_of_nodes[PMM_OF_MAX_NODES] __initdata;
static unsigned int pmm_of_nr_nodes __initdata;

/* The memory type of each node given to one, by base, for devices. */
static struct {
	phys_addr_t base;
	struct pmm_type *type;
} pmm_of_types[PMM_OF_MAX_NODES] __ro_after_init;
static unsigned int pmm_of_nr_types __ro_after_init;
/* Set once pmm_of_reserve() ran: later nodes join their types at once. */
static bool pmm_of_late __initdata;

static const struct reserved_mem_ops pmm_rmem_ops;

static int __init pmm_of_refuse(const char *node, const char *why)
{
	pr_err("%s: %s; nothing reserved\n", node, why);
	return -EINVAL;
}

static bool __init pmm_of_node_available(const void *fdt, int node)
{
	const char *status = fdt_getprop(fdt, node, "status", NULL);

	return !status || !strcmp(status, "okay") || !strcmp(status, "ok");
}

/*
 * The first other reserved-memory node whose reg overlaps @rmem and wins:
 * any node but a linux,pmm one after @rmem in the tree (that one loses).
 * With @give_back, reserve again the parts of @rmem such nodes hold, once
 * @rmem's whole range went back to memblock.
 */
static const char *__init pmm_of_overlap(struct reserved_mem *rmem,
					 bool give_back)
{
	int cells = dt_root_addr_cells + dt_root_size_cells;
	phys_addr_t end = rmem->base + rmem->size;
	const void *fdt = initial_boot_params;
	int parent, child, len;
	const __be32 *reg;
	phys_addr_t b, s;

	parent = fdt_path_offset(fdt, "/reserved-memory");
	fdt_for_each_subnode(child, fdt, parent) {
		if (child == rmem->fdt_node ||
		    !pmm_of_node_available(fdt, child))
			continue;
		if (child > rmem->fdt_node &&
		    !fdt_node_check_compatible(fdt, child, "linux,pmm"))
			continue;
		if (give_back && fdt_getprop(fdt, child, "no-map", NULL))
			continue;
		reg = fdt_getprop(fdt, child, "reg", &len);
		if (!reg)
			continue;
		for (len /= sizeof(*reg); len >= cells; len -= cells) {
			b = dt_mem_next_cell(dt_root_addr_cells, &reg);
			s = dt_mem_next_cell(dt_root_size_cells, &reg);
			if (!s || b >= end || b + s <= rmem->base)
				continue;
			if (!give_back)
				return fdt_get_name(fdt, child, NULL);
			b = max(b, rmem->base);
			memblock_reserve(b, min(b + s, end) - b);
		}
	}
	return NULL;
}

static int __init pmm_of_refuse_overlap(struct reserved_mem *rmem,
					const char *other)
{
	char why[64];

	snprintf(why, sizeof(why), "overlaps %s", other);
	/*
	 * of_reserved_mem frees a refused node's whole range, the other
	 * node's part of it too: give back only what is ours alone.
	 */
	memblock_phys_free(rmem->base, rmem->size);
	pmm_of_overlap(rmem, true);
	rmem->size = 0;
	return pmm_of_refuse(rmem->name, why);
}

static const char *__init pmm_of_type_name(unsigned long node)
{
	const char *name;
	int len;

	name = of_get_flat_dt_prop(node, "linux,pmm-type", &len);
	if (!name || len < 1 || strnlen(name, len) != len - 1)
		return NULL;
	return name;
}

/* Give an accepted node to its type; the node's memory is reserved. */
static void __init pmm_of_add(const struct pmm_of_node *node)
{
	const char *name = pmm_of_type_name(node->fdt_node);
	struct pmm_type *type = pmm_type_declare(name);
	const char *err = NULL;

	if (IS_ERR(type))
		err = "more than " __stringify(PMM_MAX_TYPES) " memory types";
	else if (type->nr_regions == PMM_MAX_TYPE_REGIONS)
		err = "more than " __stringify(PMM_MAX_TYPE_REGIONS)
		      " regions for one memory type";
	if (err) {
		memblock_phys_free(node->base, node->size);
		pmm_of_refuse(node->name, err);
		return;
	}
	pmm_type_add_region(type, node->base, node->size);
	pmm_of_types[pmm_of_nr_types].base = node->base;
	pmm_of_types[pmm_of_nr_types++].type = type;
	pr_info("%s: %llu KiB for %s at %pa\n", node->name,
		(unsigned long long)node->size >> 10, name, &node->base);
}

static int __init pmm_rmem_setup(struct reserved_mem *rmem)
{
	struct pmm_of_node node = {
		.fdt_node = rmem->fdt_node,
		.name = rmem->name,
		.base = rmem->base,
		.size = rmem->size,
	};
	const char *name, *err, *other;

	if (of_get_flat_dt_prop(node.fdt_node, "no-map", NULL))
		return pmm_of_refuse(node.name, "no-map is not supported");
	if (of_get_flat_dt_prop(node.fdt_node, "reusable", NULL))
		return pmm_of_refuse(node.name, "reusable is not supported");
	name = pmm_of_type_name(node.fdt_node);
	if (!name)
		return pmm_of_refuse(node.name, "no linux,pmm-type property");
	err = pmm_check_name(name);
	if (err)
		return pmm_of_refuse(node.name, err);
	if (!PAGE_ALIGNED(node.base) || !PAGE_ALIGNED(node.size))
		return pmm_of_refuse(node.name,
				     "base and size must be page aligned");
	other = pmm_of_overlap(rmem, false);
	if (other)
		return pmm_of_refuse_overlap(rmem, other);
	if (pmm_of_nr_nodes == PMM_OF_MAX_NODES)
		return pmm_of_refuse(node.name, "more than "
				     __stringify(PMM_OF_MAX_NODES)
				     " linux,pmm nodes");

	/* Memory a confidential guest has not accepted yet faults on use. */
	accept_memory(node.base, node.size);
	rmem->ops = &pmm_rmem_ops;
	if (pmm_of_late)
		pmm_of_add(&node);
	else
		pmm_of_nodes[pmm_of_nr_nodes++] = node;
	return 0;
}

RESERVEDMEM_OF_DECLARE(pmm, "linux,pmm", pmm_rmem_setup);

static int __init pmm_of_cmp(const void *a, const void *b)
{
	const struct pmm_of_node *na = a, *nb = b;

	return na->fdt_node < nb->fdt_node ? -1 : na->fdt_node > nb->fdt_node;
}

/**
 * pmm_of_reserve() - give the accepted linux,pmm nodes to their types
 *
 * of_reserved_mem sets up nodes with a size before those with a reg; the
 * types they declare get their ids in the order of the nodes in the tree
 * all the same.
 *
 * Context: early boot, from pmm_reserve(), after the pmm= regions.
 */
void __init pmm_of_reserve(void)
{
	unsigned int i;

	sort(pmm_of_nodes, pmm_of_nr_nodes, sizeof(pmm_of_nodes[0]),
	     pmm_of_cmp, NULL);
	for (i = 0; i < pmm_of_nr_nodes; i++)
		pmm_of_add(&pmm_of_nodes[i]);
	pmm_of_late = true;
}

static int pmm_rmem_device_init(struct reserved_mem *rmem, struct device *dev)
{
	unsigned int i;

	if (!IS_ENABLED(CONFIG_PMM_DMA))
		return -ENODEV;
	/* A node refused when types were declared has none. */
	for (i = 0; i < pmm_of_nr_types; i++) {
		if (pmm_of_types[i].base == rmem->base) {
			pmm_dma_set_type(dev, pmm_of_types[i].type);
			return 0;
		}
	}
	return -ENODEV;
}

static void pmm_rmem_device_release(struct reserved_mem *rmem,
				    struct device *dev)
{
	pmm_dma_set_type(dev, NULL);
}

static const struct reserved_mem_ops pmm_rmem_ops = {
	.device_init = pmm_rmem_device_init,
	.device_release = pmm_rmem_device_release,
};
