// SPDX-License-Identifier: GPL-2.0
/*
 * entry_cost_pct measured at load, on the running machine, instead of a
 * constant: the share of a PTE table's copy that is per-entry work (what
 * copy_pte_range() does for each present entry: read it, take a page
 * reference, write-protect the parent's entry, write the child's) against
 * the per-table work (a zeroed page for the child's table).  Both are
 * timed here on stand-ins of the same operations, the fastest of a few
 * rounds: a model of the real split, not a measurement of fork itself.
 */
#include <linux/atomic.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/page_ref.h>

#include "ptshare.h"

#define PTS_CAL_ROUNDS	8
#define PTS_CAL_ENTRIES	(PAGE_SIZE / sizeof(u64))	/* a table's */

/* A table for the child: one zeroed page (freed untimed). */
static u64 pts_cal_table(void)
{
	u64 t0 = ktime_get_ns(), ns;
	struct page *pg = alloc_page(GFP_KERNEL | __GFP_ZERO);

	ns = ktime_get_ns() - t0;
	if (!pg)
		return 0;
	__free_page(pg);
	return ns;
}

/* Each entry of a full table: read, reference, write-protect, copy. */
static u64 pts_cal_entries(u64 *src, u64 *dst, struct page *target,
			   atomic_t *mapcount)
{
	u64 t0 = ktime_get_ns(), ns;
	unsigned int i;
	u64 v;

	for (i = 0; i < PTS_CAL_ENTRIES; i++) {
		v = READ_ONCE(src[i]);
		page_ref_inc(target);
		atomic_inc(mapcount);
		clear_bit(1, (unsigned long *)&src[i]);
		WRITE_ONCE(dst[i], v & ~2ULL);
	}
	ns = ktime_get_ns() - t0;
	page_ref_sub(target, PTS_CAL_ENTRIES);
	return ns;
}

/* The measured percent (1..99), or 0 when it could not be measured. */
u64 pts_calibrate_entry_pct(void)
{
	u64 table = U64_MAX, entries = U64_MAX, ns;
	struct page *src, *dst, *target;
	atomic_t mapcount = ATOMIC_INIT(0);
	u64 pct = 0;
	int r;

	src = alloc_page(GFP_KERNEL);
	dst = alloc_page(GFP_KERNEL);
	target = alloc_page(GFP_KERNEL);
	if (!src || !dst || !target)
		goto out_free;
	memset(page_address(src), 0x67, PAGE_SIZE);	/* present, writable */
	for (r = 0; r < PTS_CAL_ROUNDS; r++) {
		ns = pts_cal_table();
		if (!ns)
			goto out_free;
		table = min(table, ns);
		entries = min(entries, pts_cal_entries(page_address(src),
						       page_address(dst),
						       target, &mapcount));
		cond_resched();
	}
	pct = clamp_t(u64, div64_u64(entries * 100, entries + table), 1, 99);
out_free:
	if (target)
		__free_page(target);
	if (dst)
		__free_page(dst);
	if (src)
		__free_page(src);
	return pct;
}
