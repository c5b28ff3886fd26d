// SPDX-License-Identifier: GPL-2.0
/*
 * Attribution: which write and COW faults, after a traced fork, fell into
 * a PTE table that fork copied, in the parent or in the child.  Writes
 * elsewhere (mappings made after the fork, zero-page COW in ranges that
 * had no table, shared mappings fork did not copy) privatize nothing lazy
 * sharing would have shared, and are not counted.
 *
 * A fault is counted once, in the youngest open window whose copy covers
 * its address: a parent with two children in their windows writes a
 * range once, and under lazy sharing privatizes one table for it.
 *
 * This file alone writes a slot's attribution fields (cow_parent,
 * cow_child, written_*, the range bits and the misses count); the counts
 * and bits under slot->lock.  slots.c only reads them when it closes the
 * window.  Slots are found through pts_mm_slots, so a fault looks at the
 * slots of its own mm only.
 */
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/hash.h>

#include "ptshare.h"

/* A newly claimed slot starts with nothing attributed.  slot->lock held. */
void pts_attrib_reset(struct pts_slot *slot)
{
	slot->cow_parent = 0;
	slot->cow_child = 0;
	slot->written_parent = 0;
	slot->written_child = 0;
	slot->written_union = 0;
	atomic_set(&slot->misses, 0);
	/* Only the bits this fork can use: 2 per table of the parent. */
	bitmap_zero(slot->ranges.bits, 2 * slot->ranges.tables_cap);
}

/* An event of @slot was dropped (a lock not taken in NMI context). */
void pts_attrib_miss(struct pts_slot *slot)
{
	atomic_inc(&slot->misses);
}

/* Range @bit written by @side (0 parent, 1 child).  slot->lock held. */
static void pts_mark_written(struct pts_slot *slot, long bit, int side)
{
	unsigned long *bits = slot->ranges.bits;

	if (__test_and_set_bit(2 * bit + side, bits))
		return;
	if (side)
		slot->written_child++;
	else
		slot->written_parent++;
	if (!test_bit(2 * bit + !side, bits))
		slot->written_union++;
}

/*
 * The youngest slot in @mask whose parent or child is @mm (*side: 0, 1),
 * or NULL; slots that are not @mm's are dropped from @mask.  Lockless:
 * a hint the caller checks under the slot's lock.
 */
static struct pts_slot *pts_youngest(unsigned long *mask,
				     struct mm_struct *mm, int *side)
{
	struct pts_slot *slot, *best = NULL;
	int i, s;

	for_each_set_bit(i, mask, PTS_NR_SLOTS) {
		slot = &pts_slots[i];
		if (READ_ONCE(slot->child_mm) == mm) {
			s = 1;
		} else if (READ_ONCE(slot->parent_mm) == mm) {
			s = 0;
		} else {
			__clear_bit(i, mask);
			continue;
		}
		if (!best || READ_ONCE(slot->claim_seq) >
			     READ_ONCE(best->claim_seq)) {
			best = slot;
			*side = s;
		}
	}
	if (best)
		__clear_bit(best - pts_slots, mask);
	return best;
}

/*
 * The ranges are searched under the slot's lock: while it is held and
 * the slot is @mm's, the slot cannot be freed and claimed again, so its
 * range buffer is the one this fork laid out (see pts_slot_claim()).
 */
void pts_fault(struct mm_struct *mm, unsigned long addr, bool cow,
	       bool write)
{
	struct pts_slot *slot;
	unsigned long mask, flags;
	bool counted = false;
	long bit = -1;
	int side = 0;

	if (!pts_slots_busy())
		return;
	mask = READ_ONCE(pts_mm_slots[hash_ptr(mm, PTS_MM_BITS)]);
	while (!counted && (slot = pts_youngest(&mask, mm, &side))) {
		if (!pts_probe_lock(&slot->lock, flags)) {
			pts_attrib_miss(slot);
			continue;
		}
		if (atomic_read(&slot->state) != PTS_FREE &&
		    (side ? slot->child_mm : slot->parent_mm) == mm &&
		    !slot->child_gone) {
			bit = pts_range_bit(slot, addr);
			counted = bit >= 0;
		}
		if (counted && cow && side)
			slot->cow_child++;
		else if (counted && cow)
			slot->cow_parent++;
		if (counted && write)
			pts_mark_written(slot, bit, side);
		spin_unlock_irqrestore(&slot->lock, flags);
	}
}
