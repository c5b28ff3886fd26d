// SPDX-License-Identifier: GPL-2.0
/*
 * zeropool's tunables, zp_tun: each is declared once, as the file of
 * pool/ or scrub/ it is and the module parameter of the same name, with
 * its rule (range or names here, cross-file rules in ->check()).  Loading
 * with parameters and writing the files later obey the same rules
 * (zeropool_core's param.c); what was not given at load gets its default
 * from what was, then every cross-file rule is checked once.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>

#include <zeropool/compat.h>
#include <zeropool/stats.h>

#include "zeropool.h"

/* Written only through the zp_attrs below, under zp_tunables_lock(). */
struct zp_tunables zp_tun = {
	.scrub_enabled = 1,
	.offload_timeout_ms = 1000,
	.fault_around_pages = 1,
	.zero_method = ZP_ZERO_AUTO,
	.read_fault = ZP_READ_FAULT_ZERO_PAGE,
};

const char * const zp_read_fault_names[] = {
	[ZP_READ_FAULT_ZERO_PAGE] = "zero_page",
	[ZP_READ_FAULT_ALLOC] = "alloc",
	NULL,
};

static u64 zp_max_pages_limit(void)
{
	return totalram_pages() / 2;
}

/* --- cross-file rules, called under zp_tunables_lock() --- */

static int zp_check_max(const struct zp_attr *attr, u64 val)
{
	if (val < READ_ONCE(zp_tun.high_watermark) ||
	    val > zp_max_pages_limit())
		return -EINVAL;
	return 0;
}

static void zp_max_changed(const struct zp_attr *attr)
{
	zp_pool_trim_to(zp_tun.max_pages);
}

static int zp_check_high(const struct zp_attr *attr, u64 val)
{
	if (val <= READ_ONCE(zp_tun.low_watermark) ||
	    val > READ_ONCE(zp_tun.max_pages))
		return -EINVAL;
	return 0;
}

static int zp_check_low(const struct zp_attr *attr, u64 val)
{
	return val < READ_ONCE(zp_tun.high_watermark) ? 0 : -EINVAL;
}

/* user_unmapped_max_pages and user_max_pages: at most all of RAM */
static int zp_check_ram(const struct zp_attr *attr, u64 val)
{
	return val <= totalram_pages() ? 0 : -EINVAL;
}

static int zp_check_pow2(const struct zp_attr *attr, u64 val)
{
	return is_power_of_2(val) ? 0 : -EINVAL;
}

static void zp_kick_changed(const struct zp_attr *attr)
{
	zp_pool_kick_all();
}

/*
 * The hook follows the mode before the mode is stored, so that a write
 * the hook cannot follow (EBUSY: another IPMODIFY user, livepatch) fails.
 */
static int zp_check_transparent(const struct zp_attr *attr, u64 val)
{
	return zp_tp_ready ? zp_tp_apply(val) : 0;
}

static void zp_transparent_changed(const struct zp_attr *attr)
{
	zp_tp_mode_changed();
}

static void zp_enabled_changed(const struct zp_attr *attr)
{
	if (zp_tun.scrub_enabled)
		zp_pool_kick_all();
	else
		zp_scrub_quiesce();
}

/* --- pool/ --- */

static ZP_TUNABLE(zp_a_max, max_pages, &zp_tun.max_pages, 1, U64_MAX,
		  zp_check_max, zp_max_changed);
ZP_PARAM(max_pages, zp_a_max,
	 "Hard cap on pages the pool holds, at most half of RAM (default: 1/32 of RAM)");

static ZP_TUNABLE(zp_a_high, high_watermark, &zp_tun.high_watermark, 1,
		  U64_MAX, zp_check_high, zp_kick_changed);
ZP_PARAM(high_watermark, zp_a_high,
	 "Per node, the scrubber fills the pool up to this many pages (default: max_pages/2)");

static ZP_TUNABLE(zp_a_low, low_watermark, &zp_tun.low_watermark, 0,
		  U64_MAX, zp_check_low, zp_kick_changed);
ZP_PARAM(low_watermark, zp_a_low,
	 "Per node, the scrubber wakes when the pool falls below this (default: high_watermark/4)");

static ZP_TUNABLE_ENUM(zp_a_read_fault, read_fault, &zp_tun.read_fault,
		       zp_read_fault_names, NULL, NULL);
ZP_PARAM(read_fault, zp_a_read_fault,
	 "Read fault on a hole: zero_page (default) maps the shared zero page, alloc maps a pool page");

static ZP_TUNABLE(zp_a_fault_around, fault_around_pages,
		  &zp_tun.fault_around_pages, 1, ZP_FAULT_AROUND_MAX,
		  zp_check_pow2, NULL);
ZP_PARAM(fault_around_pages, zp_a_fault_around,
	 "Pool pages a fault of a /dev/zeropool mapping without the zero page maps around it: 1 (default, off), 2, 4, 8 or 16");

static ZP_TUNABLE_ENUM(zp_a_transparent, transparent, &zp_tun.transparent,
		       zp_transparent_names, zp_check_transparent,
		       zp_transparent_changed);
ZP_PARAM(transparent, zp_a_transparent,
	 "Anonymous faults served from the pool: off (default), cgroup (tasks in pool/transparent_cgroup) or all");
/* Read at each unmap (unmapped.c): a new value bounds the next unmap. */
static ZP_TUNABLE(zp_a_unmapped_max, user_unmapped_max_pages,
		  &zp_tun.user_unmapped_max_pages, 0, U64_MAX,
		  zp_check_ram, NULL);
ZP_PARAM(user_unmapped_max_pages, zp_a_unmapped_max,
	 "Per user, pages /dev/zeropool objects may keep that no mapping covers; past it an unmap discards them, 0 discards at each last unmap (default: 1/64 of RAM)");

/* Read at each page an object takes (object.c). */
static ZP_TUNABLE(zp_a_user_max, user_max_pages, &zp_tun.user_max_pages, 0,
		  U64_MAX, zp_check_ram, NULL);
ZP_PARAM(user_max_pages, zp_a_user_max,
	 "Per user, pages /dev/zeropool objects opened without CAP_SYS_RESOURCE may hold in all, mapped or not; a fault past it gets SIGBUS (default: 1/8 of RAM, 0: no cap)");

struct attribute *zp_pool_tunable_attrs[] = {
	ZP_ATTR_PTR(zp_a_max),
	ZP_ATTR_PTR(zp_a_high),
	ZP_ATTR_PTR(zp_a_low),
	ZP_ATTR_PTR(zp_a_read_fault),
	ZP_ATTR_PTR(zp_a_fault_around),
	ZP_ATTR_PTR(zp_a_transparent),
	ZP_ATTR_PTR(zp_a_unmapped_max),
	ZP_ATTR_PTR(zp_a_user_max),
	NULL,
};

/* --- scrub/ --- */

static ZP_TUNABLE_BOOL(zp_a_enabled, enabled, &zp_tun.scrub_enabled, NULL,
		       zp_enabled_changed);
ZP_PARAM(scrub_enabled, zp_a_enabled,
	 "Start with the scrub threads filling the pool (default: Y)");

static ZP_TUNABLE(zp_a_order, scrub_order, &zp_tun.scrub_order, 0,
		  ZP_MAX_PAGE_ORDER, NULL, NULL);
ZP_PARAM(scrub_order, zp_a_order,
	 "Order of the blocks the scrubber zeroes at once (default: 9, or the largest the allocator has)");

static ZP_TUNABLE_ENUM(zp_a_zero_method, zero_method, &zp_tun.zero_method,
		       zp_zero_method_names, NULL, NULL);
ZP_PARAM(zero_method, zp_a_zero_method,
	 "cpu, nt (non-temporal stores), offload (registered backend) or auto (default)");

static ZP_TUNABLE(zp_a_timeout, offload_timeout_ms, &zp_tun.offload_timeout_ms,
		  1, 60000, NULL, NULL);
ZP_PARAM(offload_timeout_ms, zp_a_timeout,
	 "Per-block timeout of the offload backend before CPU fallback (1..60000, default 1000)");

struct attribute *zp_scrub_tunable_attrs[] = {
	ZP_ATTR_PTR(zp_a_enabled),
	ZP_ATTR_PTR(zp_a_order),
	ZP_ATTR_PTR(zp_a_zero_method),
	ZP_ATTR_PTR(zp_a_timeout),
	NULL,
};

/*
 * Defaults follow from what was given: high from max, low from high; the
 * others from RAM.
 */
static void zp_tunables_defaults(void)
{
	if (!zp_a_max.param_given)
		zp_tun.max_pages = totalram_pages() / 32;
	if (!zp_a_high.param_given)
		zp_tun.high_watermark = zp_tun.max_pages / 2;
	if (!zp_a_low.param_given)
		zp_tun.low_watermark = zp_tun.high_watermark / 4;
	if (!zp_a_order.param_given)
		zp_tun.scrub_order = min(9, ZP_MAX_PAGE_ORDER);
	if (!zp_a_unmapped_max.param_given)
		zp_tun.user_unmapped_max_pages = totalram_pages() / 64;
	if (!zp_a_user_max.param_given)
		zp_tun.user_max_pages = totalram_pages() / 8;
}

int zp_tunables_init(void)
{
	int err;

	zp_tunables_defaults();
	err = zp_tunables_check(zp_pool_tunable_attrs, "pool");
	if (err)
		return err;
	return zp_tunables_check(zp_scrub_tunable_attrs, "scrub");
}
