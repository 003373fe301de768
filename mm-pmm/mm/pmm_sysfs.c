// SPDX-License-Identifier: GPL-2.0
/*
 * PMM statistics in /sys/kernel/mm/pmm/<type>/.
 *
 * See Documentation/ABI/testing/sysfs-kernel-mm-pmm.
 */

#define pr_fmt(fmt) "pmm: " fmt

#include <linux/init.h>
#include <linux/kobject.h>
#include <linux/kstrtox.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "pmm.h"

struct pmm_kobject {
	struct kobject kobj;
	struct pmm_type *type;
};

static struct pmm_type *pmm_type_of(struct kobject *kobj)
{
	return container_of(kobj, struct pmm_kobject, kobj)->type;
}

static ssize_t id_show(struct kobject *kobj, struct kobj_attribute *attr,
		       char *buf)
{
	return sysfs_emit(buf, "%u\n", pmm_type_of(kobj)->id);
}

static struct kobj_attribute id_attr = __ATTR_RO(id);

/* One read-only file per statistic, each from a consistent snapshot. */
#define PMM_STAT_ATTR(_name, _expr)					\
static ssize_t _name##_show(struct kobject *kobj,			\
			    struct kobj_attribute *attr, char *buf)	\
{									\
	struct pmm_type_stats s;					\
									\
	pmm_type_stats(pmm_type_of(kobj), &s);				\
	return sysfs_emit(buf, "%llu\n", (unsigned long long)(_expr));	\
}									\
static struct kobj_attribute _name##_attr = __ATTR_RO(_name)

PMM_STAT_ATTR(total_bytes, (u64)s.total_pages << PAGE_SHIFT);
PMM_STAT_ATTR(free_bytes, (u64)s.free_pages << PAGE_SHIFT);
PMM_STAT_ATTR(used_bytes, (u64)(s.total_pages - s.free_pages) << PAGE_SHIFT);
PMM_STAT_ATTR(largest_free_bytes, (u64)s.largest_free_pages << PAGE_SHIFT);
PMM_STAT_ATTR(nr_blocks, s.nr_blocks);
PMM_STAT_ATTR(nr_free_extents, s.nr_free_extents);
PMM_STAT_ATTR(alloc_success, s.alloc_success);
PMM_STAT_ATTR(alloc_fail, s.alloc_fail);
PMM_STAT_ATTR(free_success, s.free_success);
PMM_STAT_ATTR(poisoned_bytes, (u64)s.poisoned_pages << PAGE_SHIFT);
PMM_STAT_ATTR(pinned_bytes, (u64)s.pinned_pages << PAGE_SHIFT);
PMM_STAT_ATTR(dirty_bytes, (u64)s.dirty_pages << PAGE_SHIFT);
PMM_STAT_ATTR(cleared_background_bytes,
	      (u64)s.cleared_background_pages << PAGE_SHIFT);
PMM_STAT_ATTR(cleared_on_alloc_bytes,
	      (u64)s.cleared_on_alloc_pages << PAGE_SHIFT);

static ssize_t background_clear_show(struct kobject *kobj,
				     struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n",
			  READ_ONCE(pmm_type_of(kobj)->clear.enabled));
}

static ssize_t background_clear_store(struct kobject *kobj,
				      struct kobj_attribute *attr,
				      const char *buf, size_t count)
{
	bool enabled;
	int err;

	err = kstrtobool(buf, &enabled);
	if (err)
		return err;
	pmm_clear_set_enabled(pmm_type_of(kobj), enabled);
	return count;
}

static struct kobj_attribute background_clear_attr =
	__ATTR_RW(background_clear);

static ssize_t policy_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%s\n", pmm_type_policy_name(pmm_type_of(kobj)));
}

static struct kobj_attribute policy_attr = __ATTR_RO(policy);

/* Physical addresses: for root only. */
static ssize_t regions_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	struct pmm_type *type = pmm_type_of(kobj);
	int len = 0;
	unsigned int i;

	for (i = 0; i < type->nr_regions; i++) {
		phys_addr_t end = type->regions[i].base +
				  type->regions[i].size - 1;

		/* A region given up at boot (see pmm_init()) has no size. */
		if (type->regions[i].size)
			len += sysfs_emit_at(buf, len, "%pa-%pa\n",
					     &type->regions[i].base, &end);
	}
	return len;
}

static struct kobj_attribute regions_attr = __ATTR_RO_MODE(regions, 0400);

static struct attribute *pmm_type_attrs[] = {
	&id_attr.attr,
	&total_bytes_attr.attr,
	&free_bytes_attr.attr,
	&used_bytes_attr.attr,
	&largest_free_bytes_attr.attr,
	&nr_blocks_attr.attr,
	&nr_free_extents_attr.attr,
	&alloc_success_attr.attr,
	&alloc_fail_attr.attr,
	&free_success_attr.attr,
	&poisoned_bytes_attr.attr,
	&pinned_bytes_attr.attr,
	&dirty_bytes_attr.attr,
	&cleared_background_bytes_attr.attr,
	&cleared_on_alloc_bytes_attr.attr,
	&background_clear_attr.attr,
	&policy_attr.attr,
	&regions_attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(pmm_type);

static void pmm_kobj_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct pmm_kobject, kobj));
}

static const struct kobj_type pmm_ktype = {
	.release = pmm_kobj_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = pmm_type_groups,
};

static int __init pmm_sysfs_init(void)
{
	struct pmm_kobject *pkobj;
	struct kobject *root;
	unsigned int i;
	int err;

	root = kobject_create_and_add("pmm", mm_kobj);
	if (!root)
		return -ENOMEM;

	/* Types are never removed, so neither are their directories. */
	for (i = 0; i < pmm_nr_types(); i++) {
		pkobj = kzalloc(sizeof(*pkobj), GFP_KERNEL);
		if (!pkobj)
			return -ENOMEM;
		pkobj->type = pmm_type_by_id(i);
		err = kobject_init_and_add(&pkobj->kobj, &pmm_ktype, root, "%s",
					   pmm_type_name(pkobj->type));
		if (err) {
			pr_err("%s: no statistics in sysfs: %d\n",
			       pmm_type_name(pkobj->type), err);
			kobject_put(&pkobj->kobj);
			return err;
		}
	}
	return 0;
}
subsys_initcall(pmm_sysfs_init);
