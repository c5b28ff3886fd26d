// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/zeropool/pagesplice/, the module's own directory in the
 * shared stats tree: the counters every file bumps and the tunables every
 * file reads, defined here so that they have one home and one sysfs name.
 * Every file is described in include/uapi/ABI-pagesplice.md.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/mm.h>
#include <linux/sizes.h>

#include <zeropool/stats.h>

#include "ps.h"

struct ps_stats ps_stats;

/* Tunables: written by the stats tree, read with READ_ONCE anywhere. */
u64 ps_copy_threshold = SZ_16K;
u64 ps_ring_max_bufs = 256;
u64 ps_ring_max_bytes = SZ_64M;
u64 ps_max_pinned_pages = SZ_1G >> PAGE_SHIFT;
u64 ps_user_max_pinned_pages;
u64 ps_user_max_copied_pages;
u64 ps_user_max_zero_pages;

static struct kobject *ps_kobj;

static ZP_COUNTER_ATOMIC(ps_a_rings, rings, &ps_stats.rings);
static ZP_COUNTER_ATOMIC(ps_a_rings_created, rings_created,
			 &ps_stats.rings_created);
static ZP_COUNTER_ATOMIC(ps_a_by_ref, bytes_by_reference,
			 &ps_stats.bytes_by_reference);
static ZP_COUNTER_ATOMIC(ps_a_copied, bytes_copied, &ps_stats.bytes_copied);
static ZP_COUNTER_ATOMIC(ps_a_zero, zero_segments, &ps_stats.zero_segments);
static ZP_COUNTER_ATOMIC(ps_a_pinned, pages_pinned, &ps_stats.pages_pinned);
static ZP_COUNTER_ATOMIC(ps_a_copied_now, pages_copied, &ps_stats.pages_copied);
static ZP_COUNTER_ATOMIC(ps_a_zero_now, zero_pages, &ps_stats.pages_zero);
static ZP_COUNTER_ATOMIC(ps_a_completions, completions,
			 &ps_stats.completions);
static ZP_COUNTER_ATOMIC(ps_a_full, ring_full_events, &ps_stats.ring_full);
static ZP_COUNTER_ATOMIC(ps_a_memlock, memlock_refusals,
			 &ps_stats.memlock_refusals);
static ZP_COUNTER_ATOMIC(ps_a_cap, cap_refusals, &ps_stats.cap_refusals);
static ZP_COUNTER_ATOMIC(ps_a_ucap, user_cap_refusals,
			 &ps_stats.user_cap_refusals);
static ZP_COUNTER_ATOMIC(ps_a_fwd, bytes_forwarded, &ps_stats.bytes_forwarded);
static ZP_COUNTER_ATOMIC(ps_a_splice, splice_buffers, &ps_stats.splice_bufs);

static ZP_TUNABLE(ps_a_threshold, copy_threshold, &ps_copy_threshold, 0,
		  SZ_1M, NULL, NULL);
static ZP_TUNABLE(ps_a_max_bufs, ring_max_bufs, &ps_ring_max_bufs, 1, 65536,
		  NULL, NULL);
static ZP_TUNABLE(ps_a_max_bytes, ring_max_bytes, &ps_ring_max_bytes,
		  PAGE_SIZE, SZ_1G, NULL, NULL);
static ZP_TUNABLE(ps_a_max_pinned, max_pinned_pages, &ps_max_pinned_pages, 1,
		  SZ_1G, NULL, NULL);
static ZP_TUNABLE(ps_a_user_pinned, user_max_pinned_pages,
		  &ps_user_max_pinned_pages, 0, SZ_1G, NULL, NULL);
static ZP_TUNABLE(ps_a_user_copied, user_max_copied_pages,
		  &ps_user_max_copied_pages, 0, SZ_1G, NULL, NULL);
static ZP_TUNABLE(ps_a_user_zero, user_max_zero_pages,
		  &ps_user_max_zero_pages, 0, SZ_1G, NULL, NULL);

static struct attribute *ps_attrs[] = {
	ZP_ATTR_PTR(ps_a_rings),
	ZP_ATTR_PTR(ps_a_rings_created),
	ZP_ATTR_PTR(ps_a_by_ref),
	ZP_ATTR_PTR(ps_a_copied),
	ZP_ATTR_PTR(ps_a_zero),
	ZP_ATTR_PTR(ps_a_pinned),
	ZP_ATTR_PTR(ps_a_copied_now),
	ZP_ATTR_PTR(ps_a_zero_now),
	ZP_ATTR_PTR(ps_a_completions),
	ZP_ATTR_PTR(ps_a_full),
	ZP_ATTR_PTR(ps_a_memlock),
	ZP_ATTR_PTR(ps_a_cap),
	ZP_ATTR_PTR(ps_a_ucap),
	ZP_ATTR_PTR(ps_a_fwd),
	ZP_ATTR_PTR(ps_a_splice),
	ZP_ATTR_PTR(ps_a_threshold),
	ZP_ATTR_PTR(ps_a_max_bufs),
	ZP_ATTR_PTR(ps_a_max_bytes),
	ZP_ATTR_PTR(ps_a_max_pinned),
	ZP_ATTR_PTR(ps_a_user_pinned),
	ZP_ATTR_PTR(ps_a_user_copied),
	ZP_ATTR_PTR(ps_a_user_zero),
	NULL,
};

static const struct attribute_group ps_group = {
	.attrs = ps_attrs,
};

int ps_sysfs_init(void)
{
	ps_kobj = zp_stats_dir_create(NULL, "pagesplice", &ps_group);
	return PTR_ERR_OR_ZERO(ps_kobj);
}

void ps_sysfs_exit(void)
{
	zp_stats_dir_destroy(ps_kobj);
}
