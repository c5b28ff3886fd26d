// SPDX-License-Identifier: GPL-2.0
/*
 * The files of the tree: how each kind of zp_attr reads, and the one rule
 * by which a tunable is written, whether from sysfs (zp_attr_store) or as
 * a module parameter at load (param.c): parsed against its range or names
 * here, then checked against the other tunables by its ->check() under
 * zp_tunable_mutex.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/string.h>

#include "core.h"

/*
 * Held across check-and-store of any tunable of any module in the tree,
 * so that a cross-file rule (low < high) holds against concurrent writers.
 */
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

int zp_attr_parse(const struct zp_attr *attr, const char *buf, u64 *val)
{
	bool b;
	int i;

	switch (attr->kind) {
	case ZP_ATTR_TUNABLE:
		if (attr->boolean) {
			if (kstrtobool(buf, &b))
				return -EINVAL;
			*val = b;
			return 0;
		}
		if (kstrtou64(buf, 0, val))
			return -EINVAL;
		if (*val < attr->min || *val > attr->max)
			return -EINVAL;
		return 0;
	case ZP_ATTR_ENUM:
		i = __sysfs_match_string(attr->names, -1, buf);
		if (i < 0)
			return -EINVAL;
		*val = i;
		return 0;
	default:
		return -EPERM;
	}
}

void zp_attr_store_value(const struct zp_attr *attr, u64 val)
{
	if (attr->kind == ZP_ATTR_TUNABLE)
		WRITE_ONCE(*attr->val, val);
	else
		WRITE_ONCE(*attr->index, (unsigned int)val);
}

ssize_t zp_attr_store(struct kobject *kobj, struct kobj_attribute *kattr,
		      const char *buf, size_t count)
{
	const struct zp_attr *attr = container_of(kattr, struct zp_attr, kattr);
	u64 val;
	int err;

	err = zp_attr_parse(attr, buf, &val);
	if (err)
		return err;

	mutex_lock(&zp_tunable_mutex);
	err = attr->check ? attr->check(attr, val) : 0;
	if (!err) {
		zp_attr_store_value(attr, val);
		if (attr->changed)
			attr->changed(attr);
	}
	mutex_unlock(&zp_tunable_mutex);
	return err ? err : count;
}
EXPORT_SYMBOL_GPL(zp_attr_store);

static u64 zp_attr_value(const struct zp_attr *attr)
{
	if (attr->kind == ZP_ATTR_TUNABLE)
		return READ_ONCE(*attr->val);
	return READ_ONCE(*attr->index);
}

int zp_tunables_check(struct attribute **attrs, const char *dir)
{
	const struct zp_attr *attr;
	int err = 0;

	mutex_lock(&zp_tunable_mutex);
	for (; *attrs; attrs++) {
		attr = container_of(*attrs, struct zp_attr, kattr.attr);
		if (!attr->check)
			continue;
		err = attr->check(attr, zp_attr_value(attr));
		if (err) {
			pr_err("%s/%s=%llu is not accepted with the other values (%d)\n",
			       dir, attr->kattr.attr.name,
			       zp_attr_value(attr), err);
			break;
		}
	}
	mutex_unlock(&zp_tunable_mutex);
	return err;
}
EXPORT_SYMBOL_GPL(zp_tunables_check);
