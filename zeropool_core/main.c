// SPDX-License-Identifier: GPL-2.0
/*
 * zeropool_core.ko: the shared stats tree /sys/kernel/zeropool/, the
 * rules of its files, and the per-user records the modules charge what a
 * user holds to (users/), and nothing else.  Every module of the set
 * registers its directory here; a module that only reports (ptshare)
 * depends on this alone, so loading it starts no scrub thread and takes
 * no pool page, as lttng's probe modules depend on its tracer core only.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>

#include <zeropool/version.h>

#include "core.h"

static int __init zp_core_init(void)
{
	int err;

	err = zp_tree_init();
	if (err)
		return err;
	err = zp_users_init();
	if (err)
		goto out_remove_tree;
	return 0;

out_remove_tree:
	zp_tree_exit();
	return err;
}

static void __exit zp_core_exit(void)
{
	zp_users_exit();
	zp_tree_exit();
}

module_init(zp_core_init);
module_exit(zp_core_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("zeropool developers");
MODULE_DESCRIPTION("The zeropool stats tree /sys/kernel/zeropool/ shared by the zeropool modules");
MODULE_VERSION(ZEROPOOL_VERSION);
