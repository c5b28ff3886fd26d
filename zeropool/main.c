// SPDX-License-Identifier: GPL-2.0
/*
 * zeropool.ko: a pool of pre-zeroed pages filled by low-priority scrub
 * threads, served to faults on /dev/zeropool mappings and to other modules,
 * and the owner of the shared stats tree /sys/kernel/zeropool/.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>

#include <zeropool/compat.h>
#include <zeropool/version.h>

#include "zeropool.h"

struct zp_tunables zp_tun;

const char * const zp_read_fault_names[] = {
	[ZP_READ_FAULT_ZERO_PAGE] = "zero_page",
	[ZP_READ_FAULT_ALLOC] = "alloc",
	NULL,
};

static unsigned long max_pages;
module_param(max_pages, ulong, 0444);
MODULE_PARM_DESC(max_pages, "Hard cap on pages the pool holds (default: 1/32 of RAM)");

static unsigned long high_watermark;
module_param(high_watermark, ulong, 0444);
MODULE_PARM_DESC(high_watermark, "Per node, the scrubber fills the pool up to this many pages (default: max_pages/2)");

static unsigned long low_watermark;
module_param(low_watermark, ulong, 0444);
MODULE_PARM_DESC(low_watermark, "Per node, the scrubber wakes when the pool falls below this (default: high_watermark/4)");

static int scrub_order = -1;
module_param(scrub_order, int, 0444);
MODULE_PARM_DESC(scrub_order, "Order of the blocks the scrubber zeroes at once (default: 9, or the largest the allocator has)");

static char *zero_method = "auto";
module_param(zero_method, charp, 0444);
MODULE_PARM_DESC(zero_method, "cpu, nt (non-temporal stores), offload (registered backend) or auto (default)");

static char *read_fault = "zero_page";
module_param(read_fault, charp, 0444);
MODULE_PARM_DESC(read_fault, "Read fault on a hole: zero_page (default) maps the shared zero page, alloc maps a pool page");

static unsigned int fault_around_pages = 1;
module_param(fault_around_pages, uint, 0444);
MODULE_PARM_DESC(fault_around_pages, "Pool pages a fault of a /dev/zeropool mapping without the zero page maps around it: 1 (default, off), 2, 4, 8 or 16");

static bool scrub_enabled = true;
module_param(scrub_enabled, bool, 0444);
MODULE_PARM_DESC(scrub_enabled, "Start with the scrub threads filling the pool (default: Y)");

static unsigned int offload_timeout_ms = 1000;
module_param(offload_timeout_ms, uint, 0444);
MODULE_PARM_DESC(offload_timeout_ms, "Per-block timeout of the offload backend before CPU fallback (1..60000, default 1000)");

u64 zp_max_pages_limit(void)
{
	return totalram_pages() / 2;
}

static int zp_parse_choice(const char * const *names, const char *param,
			   const char *value, unsigned int *out)
{
	int i = __sysfs_match_string(names, -1, value);

	if (i < 0) {
		pr_err("%s=%s is not one of the accepted values\n", param,
		       value);
		return -EINVAL;
	}
	*out = i;
	return 0;
}

/* Module parameters obey the same rules as the sysfs tunables. */
static int zp_tunables_init(void)
{
	u64 ram = totalram_pages();
	int err;

	zp_tun.max_pages = max_pages ? max_pages : ram / 32;
	zp_tun.high_watermark = high_watermark ? high_watermark :
				zp_tun.max_pages / 2;
	zp_tun.low_watermark = low_watermark ? low_watermark :
			       zp_tun.high_watermark / 4;
	zp_tun.scrub_order = scrub_order < 0 ?
			     min(9, ZP_MAX_PAGE_ORDER) : scrub_order;
	zp_tun.scrub_enabled = scrub_enabled;
	zp_tun.offload_timeout_ms = offload_timeout_ms;

	if (zp_tun.max_pages > zp_max_pages_limit()) {
		pr_err("max_pages=%llu exceeds half of RAM (%llu pages)\n",
		       zp_tun.max_pages, zp_max_pages_limit());
		return -EINVAL;
	}
	if (!(zp_tun.low_watermark < zp_tun.high_watermark &&
	      zp_tun.high_watermark <= zp_tun.max_pages)) {
		pr_err("need low_watermark < high_watermark <= max_pages, got %llu, %llu, %llu\n",
		       zp_tun.low_watermark, zp_tun.high_watermark,
		       zp_tun.max_pages);
		return -EINVAL;
	}
	if (zp_tun.scrub_order > ZP_MAX_PAGE_ORDER) {
		pr_err("scrub_order=%d is above the allocator's largest order %d\n",
		       scrub_order, ZP_MAX_PAGE_ORDER);
		return -EINVAL;
	}
	if (offload_timeout_ms < 1 || offload_timeout_ms > 60000) {
		pr_err("offload_timeout_ms=%u is outside 1..60000\n",
		       offload_timeout_ms);
		return -EINVAL;
	}
	if (!is_power_of_2(fault_around_pages) ||
	    fault_around_pages > ZP_FAULT_AROUND_MAX) {
		pr_err("fault_around_pages=%u is not a power of 2 in 1..%d\n",
		       fault_around_pages, ZP_FAULT_AROUND_MAX);
		return -EINVAL;
	}
	zp_tun.fault_around_pages = fault_around_pages;
	err = zp_parse_choice(zp_zero_method_names, "zero_method", zero_method,
			      &zp_tun.zero_method);
	if (err)
		return err;
	return zp_parse_choice(zp_read_fault_names, "read_fault", read_fault,
			       &zp_tun.read_fault);
}

static int __init zp_init(void)
{
	int err;

	err = zp_tunables_init();
	if (err)
		return err;
	err = zp_pool_init();
	if (err)
		return err;
	err = zp_stats_init();
	if (err)
		goto out_pool;
	err = zp_pool_sysfs_init();
	if (err)
		goto out_stats;
	err = zp_shrinker_init();
	if (err)
		goto out_pool_sysfs;
	err = zp_scrub_start();
	if (err)
		goto out_shrinker;
	err = zp_dev_init();
	if (err)
		goto out_scrub;
	pr_info("version %s loaded: max_pages=%llu watermarks=%llu/%llu order=%llu zero_method=%s read_fault=%s fault_around_pages=%llu allocator_zeroes=%d\n",
		ZEROPOOL_VERSION, zp_tun.max_pages, zp_tun.low_watermark,
		zp_tun.high_watermark, zp_tun.scrub_order,
		zp_zero_method_names[zp_tun.zero_method],
		zp_read_fault_names[zp_tun.read_fault],
		zp_tun.fault_around_pages,
		zp_allocator_zeroes(GFP_HIGHUSER));
	return 0;

out_scrub:
	zp_scrub_stop();
out_shrinker:
	zp_shrinker_exit();
out_pool_sysfs:
	zp_pool_sysfs_exit();
out_stats:
	zp_stats_exit();
out_pool:
	zp_pool_exit();
	return err;
}

static void __exit zp_exit(void)
{
	zp_dev_exit();
	zp_scrub_stop();
	zp_shrinker_exit();
	zp_pool_sysfs_exit();
	zp_stats_exit();
	zp_pool_exit();
	pr_info("unloaded\n");
}

module_init(zp_init);
module_exit(zp_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("zeropool developers");
MODULE_DESCRIPTION("Pool of pre-zeroed pages, /dev/zeropool and the zeropool stats tree");
MODULE_VERSION(ZEROPOOL_VERSION);
