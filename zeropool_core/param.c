// SPDX-License-Identifier: GPL-2.0
/*
 * Module parameters that are tunables of the tree: a parameter declared
 * with ZP_PARAM() names the zp_attr of its sysfs file, so load time and
 * run time accept exactly the same values (one rule, as zswap's
 * module_param_cb parameters serve boot and run time).  The value is
 * parsed and stored when the module loads, before its init runs; the
 * module's init then derives the defaults of what was not given and runs
 * every cross-file ->check() once with zp_tunables_check().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "core.h"

static const char *zp_param_owner(const struct kernel_param *kp)
{
	return kp->mod ? kp->mod->name : "?";
}

static int zp_param_set(const char *val, const struct kernel_param *kp)
{
	struct zp_attr *attr = kp->arg;
	u64 v;
	int err;

	/* "scrub_enabled" alone means yes, as for a bool parameter */
	if (!val && attr->boolean)
		val = "1";
	err = val ? zp_attr_parse(attr, val, &v) : -EINVAL;
	if (err) {
		pr_err("%s: %s=%s is not an accepted value\n",
		       zp_param_owner(kp), kp->name, val ? val : "");
		return -EINVAL;
	}
	zp_attr_store_value(attr, v);
	attr->param_given = true;
	return 0;
}

static int zp_param_get(char *buf, const struct kernel_param *kp)
{
	struct zp_attr *attr = kp->arg;

	/* the current value, as the tunable's own file shows it */
	return zp_attr_show(NULL, &attr->kattr, buf);
}

const struct kernel_param_ops zp_param_ops = {
	.flags = KERNEL_PARAM_OPS_FL_NOARG,
	.set = zp_param_set,
	.get = zp_param_get,
};
EXPORT_SYMBOL_GPL(zp_param_ops);
