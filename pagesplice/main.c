// SPDX-License-Identifier: GPL-2.0
/*
 * pagesplice: user buffers carried through a pipe-like ring by page
 * reference, with completions that say when each buffer is free again.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include <zeropool/version.h>

#include "ps.h"

static int __init ps_init(void)
{
	int ret;

	ret = ps_sysfs_init();
	if (ret)
		return ret;
	ret = ps_dev_init();
	if (ret)
		goto out_sysfs;
	return 0;

out_sysfs:
	ps_sysfs_exit();
	return ret;
}

/* Every ring pins the module, so nothing is queued or in a pipe here. */
static void __exit ps_exit(void)
{
	ps_dev_exit();
	ps_sysfs_exit();
}

module_init(ps_init);
module_exit(ps_exit);

MODULE_DESCRIPTION("Splice user buffers into a ring by page reference");
MODULE_VERSION(ZEROPOOL_VERSION);
MODULE_LICENSE("GPL");
