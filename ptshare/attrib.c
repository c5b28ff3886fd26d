// SPDX-License-Identifier: GPL-2.0
/*
 * Attribution: which write and COW faults, after a traced fork, fell into
 * the parent or the child, and which distinct 2 MiB ranges they wrote.
 * This file alone writes a slot's attribution fields (cow_parent,
 * cow_child, written_*, set_full and the set), always under slot->lock;
 * slots.c only reads them when it closes the window.  It finds slots by
 * reading the table slots.c owns, and calls nothing but pts_probe_lock().
 */
#include <linux/hash.h>
#include <linux/string.h>

#include "ptshare.h"

/* A newly claimed slot starts with nothing attributed.  slot->lock held. */
void pts_attrib_reset(struct pts_slot *slot)
{
	slot->cow_parent = 0;
	slot->cow_child = 0;
	slot->written_parent = 0;
	slot->written_child = 0;
	slot->written_union = 0;
	slot->set_full = 0;
	/* 16 KiB: bounded, and only once per traced fork. */
	memset(slot->set, 0, PTS_SET_SIZE * sizeof(u64));
}

/* Adds a written 2 MiB range; @side 0 parent, 1 child.  slot->lock held. */
static void pts_set_add(struct pts_slot *slot, unsigned long addr, int side)
{
	u64 range = addr >> PTS_RANGE_SHIFT;
	u64 key = ((range << 1) | side) + 1;	/* 0 marks an empty entry */
	u64 other = ((range << 1) | (side ? 0 : 1)) + 1;
	u32 h = hash_64(range, PTS_SET_BITS);
	bool have_other = false;
	u32 i, n;

	for (n = 0; n < PTS_SET_SIZE; n++) {
		i = (h + n) & (PTS_SET_SIZE - 1);
		if (slot->set[i] == key)
			return;
		if (slot->set[i] == other)
			have_other = true;
		if (!slot->set[i])
			break;
	}
	if (n == PTS_SET_SIZE || n > PTS_SET_SIZE / 2) {
		/* Keep probing short: a half-full table counts as full. */
		slot->set_full++;
		return;
	}
	slot->set[i] = key;
	if (side)
		slot->written_child++;
	else
		slot->written_parent++;
	if (!have_other)
		slot->written_union++;
}

void pts_fault(struct mm_struct *mm, unsigned long addr, bool cow,
	       bool write)
{
	struct pts_slot *slot;
	unsigned long flags;
	int i, side;

	if (!pts_slots_busy())
		return;
	for (i = 0; i < PTS_NR_SLOTS; i++) {
		slot = &pts_slots[i];
		if (READ_ONCE(slot->child_mm) == mm)
			side = 1;
		else if (READ_ONCE(slot->parent_mm) == mm)
			side = 0;
		else
			continue;
		if (!pts_probe_lock(&slot->lock, flags))
			continue;
		if (atomic_read(&slot->state) != PTS_FREE &&
		    (side ? slot->child_mm : slot->parent_mm) == mm &&
		    !slot->child_gone) {
			if (cow && side)
				slot->cow_child++;
			else if (cow)
				slot->cow_parent++;
			if (write)
				pts_set_add(slot, addr, side);
		}
		spin_unlock_irqrestore(&slot->lock, flags);
	}
}
