// SPDX-License-Identifier: GPL-2.0
/*
 * The page caps a segment is charged against: the global one,
 * max_pinned_pages, for each kind of page separately (pinned, copied,
 * zero-segment), and under it the per-user one (user_max_*_pages, 0 for
 * none), counted in the submitter's zp_user record so that one user who
 * fills the global cap can't make every other user's SUBMIT fail.  Both
 * refuse with ENOBUFS.  Shared by pin.c and copy.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>

#include "ps.h"

int ps_charge_pages(struct ps_seg *seg, atomic64_t *global,
		    enum zp_user_counter counter, u64 user_limit,
		    unsigned long nr)
{
	if (atomic64_add_return(nr, global) > READ_ONCE(ps_max_pinned_pages)) {
		atomic64_inc(&ps_stats.cap_refusals);
		goto out_unglobal;
	}
	if (!zp_user_charge(seg->user, counter, nr, user_limit)) {
		atomic64_inc(&ps_stats.user_cap_refusals);
		goto out_unglobal;
	}
	return 0;

out_unglobal:
	atomic64_sub(nr, global);
	return -ENOBUFS;
}

/* Any context, like the last reference of a segment. */
void ps_uncharge_pages(struct ps_seg *seg, atomic64_t *global,
		       enum zp_user_counter counter, unsigned long nr)
{
	zp_user_uncharge(seg->user, counter, nr);
	atomic64_sub(nr, global);
}
