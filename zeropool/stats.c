// SPDX-License-Identifier: GPL-2.0
/*
 * The shared stats tree /sys/kernel/zeropool/: its root, its version file
 * and the generic show/store of every zp_attr in every module.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/string.h>

#include <zeropool/stats.h>
#include <zeropool/version.h>

#include "zeropool.h"

static struct kobject *zp_root;

/* Held across check-and-store of any tunable of any module in the tree. */
static DEFINE_MUTEX(zp_tunable_mutex);

void zp_tunables_lock(void)
{
	mutex_lock(&zp_tunable_mutex);
}
EXPORT_SYMBOL_GPL(zp_tunables_lock);

void zp_tunables_unlock(void)
{
	mutex_unlock(&zp_tunable_mutex);
}
EXPORT_SYMBOL_GPL(zp_tunables_unlock);

static u64 zp_percpu_sum(u64 __percpu *pcpu)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(*per_cpu_ptr(pcpu, cpu));
	return sum;
}

ssize_t zp_attr_show(struct kobject *kobj, struct kobj_attribute *kattr,
		     char *buf)
{
	const struct zp_attr *attr = container_of(kattr, struct zp_attr, kattr);

	switch (attr->kind) {
	case ZP_ATTR_ATOMIC64:
		return sysfs_emit(buf, "%llu\n",
				  (u64)atomic64_read(attr->a64));
	case ZP_ATTR_PERCPU:
		return sysfs_emit(buf, "%llu\n", zp_percpu_sum(attr->pcpu));
	case ZP_ATTR_GAUGE:
		return sysfs_emit(buf, "%llu\n", attr->get(attr));
	case ZP_ATTR_TEXT:
		return sysfs_emit(buf, "%s\n", attr->text(attr));
	case ZP_ATTR_TUNABLE:
		return sysfs_emit(buf, "%llu\n", READ_ONCE(*attr->val));
	case ZP_ATTR_ENUM:
		return sysfs_emit(buf, "%s\n",
				  attr->names[READ_ONCE(*attr->index)]);
	}
	return -EIO;
}
EXPORT_SYMBOL_GPL(zp_attr_show);

static int zp_attr_parse(const struct zp_attr *attr, const char *buf,
			 u64 *val)
{
	int i;

	if (attr->kind == ZP_ATTR_TUNABLE) {
		if (kstrtou64(buf, 0, val))
			return -EINVAL;
		if (*val < attr->min || *val > attr->max)
			return -EINVAL;
		return 0;
	}
	i = __sysfs_match_string(attr->names, -1, buf);
	if (i < 0)
		return -EINVAL;
	*val = i;
	return 0;
}

ssize_t zp_attr_store(struct kobject *kobj, struct kobj_attribute *kattr,
		      const char *buf, size_t count)
{
	const struct zp_attr *attr = container_of(kattr, struct zp_attr, kattr);
	u64 val;
	int err;

	if (attr->kind != ZP_ATTR_TUNABLE && attr->kind != ZP_ATTR_ENUM)
		return -EPERM;
	err = zp_attr_parse(attr, buf, &val);
	if (err)
		return err;

	mutex_lock(&zp_tunable_mutex);
	err = attr->check ? attr->check(attr, val) : 0;
	if (!err) {
		if (attr->kind == ZP_ATTR_TUNABLE)
			WRITE_ONCE(*attr->val, val);
		else
			WRITE_ONCE(*attr->index, (unsigned int)val);
		if (attr->changed)
			attr->changed(attr);
	}
	mutex_unlock(&zp_tunable_mutex);
	return err ? err : count;
}
EXPORT_SYMBOL_GPL(zp_attr_store);

struct kobject *zp_stats_dir_create(struct kobject *parent, const char *name,
				    const struct attribute_group *group)
{
	struct kobject *dir;
	int err;

	dir = kobject_create_and_add(name, parent ? parent : zp_root);
	if (!dir)
		return ERR_PTR(-ENOMEM);
	if (group) {
		err = sysfs_create_group(dir, group);
		if (err) {
			kobject_put(dir);
			return ERR_PTR(err);
		}
	}
	return dir;
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

int zp_stats_init(void)
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

void zp_stats_exit(void)
{
	zp_stats_dir_destroy(zp_root);
	zp_root = NULL;
}
