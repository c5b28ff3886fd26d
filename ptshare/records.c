// SPDX-License-Identifier: GPL-2.0
/*
 * The ring of finished forks and the log2 histograms.  The ring has a fixed
 * size (ring_size records, allocated at load); a push into a full ring
 * overwrites the oldest record and counts it in records_dropped.  Readers
 * copy one record at a time under the lock, so a reader never holds off a
 * fork for longer than one memcpy.
 *
 * This file alone writes the ring, its sequence and drop counts (under
 * pts_ring_lock) and the histogram buckets (atomic).  slots.c pushes,
 * probes.c adds to the histograms, sysfs.c and debugfs.c read.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/log2.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "ptshare.h"

static DEFINE_SPINLOCK(pts_ring_lock);
/* All under pts_ring_lock. */
static struct pts_record *pts_ring;
static unsigned int pts_ring_cap;
static u64 pts_ring_next = 1;	/* seq of the next record */
static u64 pts_ring_drops;

atomic64_t pts_hist_fork[PTS_HIST_BUCKETS];
atomic64_t pts_hist_cpr[PTS_HIST_BUCKETS];

/* Bucket b holds [2^b, 2^(b+1)) ns; bucket 0 also holds 0. */
void pts_hist_add(atomic64_t *hist, u64 ns)
{
	atomic64_inc(&hist[ns ? ilog2(ns) : 0]);
}

/* From probe handlers too (a window closed at exit): pts_probe_lock(). */
void pts_ring_push(struct pts_record *rec)
{
	unsigned long flags;

	if (!pts_probe_lock(&pts_ring_lock, flags))
		return;
	rec->seq = pts_ring_next++;
	if (rec->seq > pts_ring_cap)
		pts_ring_drops++;
	pts_ring[(rec->seq - 1) % pts_ring_cap] = *rec;
	spin_unlock_irqrestore(&pts_ring_lock, flags);
}

/* The sequence counters, read together under the lock. */
static void pts_ring_snap(u64 *next, u64 *drops)
{
	unsigned long flags;

	spin_lock_irqsave(&pts_ring_lock, flags);
	*next = pts_ring_next;
	*drops = pts_ring_drops;
	spin_unlock_irqrestore(&pts_ring_lock, flags);
}

u64 pts_ring_dropped(void)
{
	u64 next, drops;

	pts_ring_snap(&next, &drops);
	return drops;
}

/* Seq of the oldest record held (== pts_ring_next_seq() when empty). */
u64 pts_ring_first(void)
{
	u64 next, drops;

	pts_ring_snap(&next, &drops);
	/* pts_ring_cap is set once, before any push. */
	return next > pts_ring_cap ? next - pts_ring_cap : 1;
}

u64 pts_ring_next_seq(void)
{
	u64 next, drops;

	pts_ring_snap(&next, &drops);
	return next;
}

/* Copies record @seq; false if it was overwritten or not written yet. */
bool pts_ring_copy(u64 seq, struct pts_record *out)
{
	unsigned long flags;
	bool ok = false;

	spin_lock_irqsave(&pts_ring_lock, flags);
	if (seq && seq < pts_ring_next &&
	    seq + pts_ring_cap >= pts_ring_next) {
		*out = pts_ring[(seq - 1) % pts_ring_cap];
		ok = true;
	}
	spin_unlock_irqrestore(&pts_ring_lock, flags);
	return ok;
}

int pts_ring_init(unsigned int size)
{
	pts_ring = vzalloc(array_size(size, sizeof(*pts_ring)));
	if (!pts_ring)
		return -ENOMEM;
	pts_ring_cap = size;
	return 0;
}

void pts_ring_exit(void)
{
	vfree(pts_ring);
	pts_ring = NULL;
}
