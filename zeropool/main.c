// SPDX-License-Identifier: GPL-2.0
/*
 * zeropool.ko: a pool of pre-zeroed pages filled by low-priority scrub
 * threads, served to faults on /dev/zeropool mappings and to other modules.
 * Its files are pool/ and scrub/ of the stats tree that zeropool_core.ko
 * owns; its tunables and their module parameters are in tunables.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>

#include <zeropool/compat.h>
#include <zeropool/version.h>

#include "zeropool.h"

static int __init zp_init(void)
{
	int err;

	err = zp_tunables_init();
	if (err)
		return err;
	err = zp_pool_init();
	if (err)
		return err;
	zp_offload_init();
	err = zp_pool_sysfs_init();
	if (err)
		goto out_pool;
	err = zp_shrinker_init();
	if (err)
		goto out_pool_sysfs;
	err = zp_scrub_start();
	if (err)
		goto out_shrinker;
	err = zp_dev_init();
	if (err)
		goto out_scrub;
	err = zp_tp_init();
	if (err)
		goto out_dev;
	pr_info("version %s loaded: max_pages=%llu watermarks=%llu/%llu order=%llu zero_method=%s read_fault=%s fault_around_pages=%llu transparent=%s allocator_zeroes=%d\n",
		ZEROPOOL_VERSION, zp_tun.max_pages, zp_tun.low_watermark,
		zp_tun.high_watermark, zp_tun.scrub_order,
		zp_zero_method_names[zp_tun.zero_method],
		zp_read_fault_names[zp_tun.read_fault],
		zp_tun.fault_around_pages,
		zp_transparent_names[zp_tun.transparent],
		zp_allocator_zeroes(GFP_HIGHUSER));
	return 0;

out_dev:
	zp_dev_exit();
out_scrub:
	zp_scrub_stop();
out_shrinker:
	zp_shrinker_exit();
out_pool_sysfs:
	zp_pool_sysfs_exit();
out_pool:
	zp_pool_exit();
	return err;
}

static void __exit zp_exit(void)
{
	zp_tp_exit();
	zp_dev_exit();
	zp_scrub_stop();
	zp_shrinker_exit();
	zp_pool_sysfs_exit();
	zp_offload_exit();
	zp_pool_exit();
	pr_info("unloaded\n");
}

module_init(zp_init);
module_exit(zp_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("zeropool developers");
MODULE_DESCRIPTION("Pool of pre-zeroed pages and /dev/zeropool");
MODULE_VERSION(ZEROPOOL_VERSION);
