// SPDX-License-Identifier: GPL-2.0
/*
 * PMM latency histograms in /sys/kernel/debug/pmm/<type>/.
 *
 * See Documentation/ABI/testing/debugfs-pmm.
 */

#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/kstrtox.h>
#include <linux/seq_file.h>

#include "pmm.h"

/* "max_ns N", then "LOW-HIGH COUNT" for each bucket that counted any. */
static int pmm_hist_show(struct seq_file *m, void *data)
{
	struct pmm_hist *hist = m->private;
	unsigned long count;
	unsigned int i;
	u64 low;

	seq_printf(m, "max_ns %lld\n", atomic64_read(&hist->max_ns));
	for (i = 0; i < PMM_HIST_BUCKETS; i++) {
		count = atomic_long_read(&hist->count[i]);
		if (!count)
			continue;
		low = i ? 1ULL << i : 0;
		if (i == PMM_HIST_BUCKETS - 1)
			seq_printf(m, "%llu- %lu\n", low, count);
		else
			seq_printf(m, "%llu-%llu %lu\n", low,
				   (2ULL << i) - 1, count);
	}
	return 0;
}

static int pmm_hist_open(struct inode *inode, struct file *file)
{
	return single_open(file, pmm_hist_show, inode->i_private);
}

/* Writing 0 empties the histogram. */
static ssize_t pmm_hist_write(struct file *file, const char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	struct pmm_hist *hist = file_inode(file)->i_private;
	unsigned int val;
	int err;

	err = kstrtouint_from_user(ubuf, count, 0, &val);
	if (err)
		return err;
	if (val)
		return -EINVAL;
	pmm_hist_reset(hist);
	return count;
}

static const struct file_operations pmm_hist_fops = {
	.owner = THIS_MODULE,
	.open = pmm_hist_open,
	.read = seq_read,
	.write = pmm_hist_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static int __init pmm_debugfs_init(void)
{
	struct dentry *root, *dir;
	struct pmm_type *type;
	unsigned int i;

	root = debugfs_create_dir("pmm", NULL);
	for (i = 0; i < pmm_nr_types(); i++) {
		type = pmm_type_by_id(i);
		dir = debugfs_create_dir(pmm_type_name(type), root);
		debugfs_create_file("alloc_latency", 0600, dir,
				    &type->alloc_hist, &pmm_hist_fops);
		debugfs_create_file("lock_hold", 0600, dir, &type->lock_hist,
				    &pmm_hist_fops);
	}
	return 0;
}
late_initcall(pmm_debugfs_init);
