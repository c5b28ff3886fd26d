// SPDX-License-Identifier: GPL-2.0
/*
 * The root of the tree, /sys/kernel/zeropool/, its version file, and the
 * module directories under it.  The root lives as long as this module;
 * each directory as long as the module that created it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>

#include <zeropool/version.h>

#include "core.h"

static struct kobject *zp_root;

struct kobject *zp_stats_dir_create_groups(struct kobject *parent,
					   const char *name,
					   const struct attribute_group **groups)
{
	struct kobject *dir;
	int err;

	dir = kobject_create_and_add(name, parent ? parent : zp_root);
	if (!dir)
		return ERR_PTR(-ENOMEM);
	if (groups) {
		err = sysfs_create_groups(dir, groups);
		if (err) {
			kobject_put(dir);
			return ERR_PTR(err);
		}
	}
	return dir;
}
EXPORT_SYMBOL_GPL(zp_stats_dir_create_groups);

struct kobject *zp_stats_dir_create(struct kobject *parent, const char *name,
				    const struct attribute_group *group)
{
	const struct attribute_group *groups[] = { group, NULL };

	return zp_stats_dir_create_groups(parent, name, group ? groups : NULL);
}
EXPORT_SYMBOL_GPL(zp_stats_dir_create);

void zp_stats_dir_destroy(struct kobject *dir)
{
	if (!dir)
		return;
	/*
	 * kobject_del() removes the kernfs nodes and waits for readers that
	 * are inside a show/store; later reads of an open file get -ENODEV.
	 */
	kobject_del(dir);
	kobject_put(dir);
}
EXPORT_SYMBOL_GPL(zp_stats_dir_destroy);

static const char *zp_version_text(const struct zp_attr *attr)
{
	return ZEROPOOL_VERSION;
}

static ZP_TEXT(zp_attr_version, version, zp_version_text);

static struct attribute *zp_root_attrs[] = {
	ZP_ATTR_PTR(zp_attr_version),
	NULL,
};

static const struct attribute_group zp_root_group = {
	.attrs = zp_root_attrs,
};

int zp_tree_init(void)
{
	int err;

	zp_root = kobject_create_and_add("zeropool", kernel_kobj);
	if (!zp_root)
		return -ENOMEM;
	err = sysfs_create_group(zp_root, &zp_root_group);
	if (err)
		goto out_put_root;
	return 0;

out_put_root:
	kobject_put(zp_root);
	zp_root = NULL;
	return err;
}

void zp_tree_exit(void)
{
	zp_stats_dir_destroy(zp_root);
	zp_root = NULL;
}
