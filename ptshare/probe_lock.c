// SPDX-License-Identifier: GPL-2.0
/*
 * pts_probe_lock(): the one way probe handlers take a spinlock.  It lives
 * alone, below every file that locks from a handler (slots.c, attrib.c,
 * records.c), so that none of them needs another for it; it
 * alone writes the nmi_lock_misses counter, which counts what it drops.
 */
#include <linux/hardirq.h>
#include <linux/spinlock.h>

#include "ptshare.h"

bool pts_probe_trylock(spinlock_t *lock, unsigned long *flags)
{
	if (likely(!in_nmi())) {
		spin_lock_irqsave(lock, *flags);
	} else if (!spin_trylock_irqsave(lock, *flags)) {
		atomic64_inc(&pts_cnt.nmi_lock_misses);
		return false;
	}
	__release(lock);	/* for sparse: pts_probe_lock() says it is held */
	return true;
}
