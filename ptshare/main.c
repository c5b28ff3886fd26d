// SPDX-License-Identifier: GPL-2.0
/*
 * ptshare.ko: measures what fork() spends copying page tables, per fork,
 * and estimates what lazy page-table sharing would have saved.  See
 * include/uapi/ABI-ptshare.md.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>

#include <zeropool/version.h>

#include "ptshare.h"

static char *fork_symbol;
module_param(fork_symbol, charp, 0444);
MODULE_PARM_DESC(fork_symbol,
		 "fork-level function to probe instead of kernel_clone/copy_process (testing)");

static int __init pts_init(void)
{
	int err;

	/* ring_size, maxactive and enabled were checked at load: tunables.c */
	err = pts_ring_init(pts_tun.ring_size);
	if (err)
		return err;
	err = pts_slots_init();
	if (err)
		goto out_ring;
	err = pts_sysfs_init();
	if (err)
		goto out_slots;
	pts_debugfs_init();
	/* Last: handlers may run as soon as a probe is registered. */
	err = pts_probes_register(fork_symbol);
	if (err)
		goto out_debugfs;
	return 0;

out_debugfs:
	pts_debugfs_exit();
	pts_sysfs_exit();
out_slots:
	pts_slots_exit();
out_ring:
	pts_ring_exit();
	return err;
}

static void __exit pts_exit(void)
{
	pts_probes_unregister();
	pts_sweeper_stop();
	pts_slots_close_all();
	pts_debugfs_exit();
	pts_sysfs_exit();
	pts_filter_exit();
	pts_slots_exit();
	pts_ring_exit();
}

module_init(pts_init);
module_exit(pts_exit);
MODULE_LICENSE("GPL");
MODULE_VERSION(ZEROPOOL_VERSION);
MODULE_DESCRIPTION("fork page-table copy tracer and lazy-sharing estimate");
