// SPDX-License-Identifier: GPL-2.0
/*
 * Slots: one per fork being traced, from the fork-level probe until the
 * window after the fork closes.  The table is fixed (PTS_NR_SLOTS) so that
 * probe handlers never allocate; a fork that finds no free slot is counted
 * in forks_busy and not traced.
 *
 * This file owns the table and each slot's life: claim, the child's mm,
 * the move to PTS_WINDOW, the close that turns a slot into a record, and
 * the free.  It alone writes a slot's state, owner, gen, mms, child_gone
 * and deadline, pts_active, pts_open_windows and the counters summed at
 * close.  Attribution (attrib.c) and the sweeper (sweeper.c) read the
 * table; neither is called from here except pts_attrib_reset() at claim.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "ptshare.h"

struct pts_slot pts_slots[PTS_NR_SLOTS];
/* Slots not FREE: lets the fault probe return at once when zero. */
atomic_t pts_active = ATOMIC_INIT(0);
static atomic_t pts_open_windows = ATOMIC_INIT(0);
static u64 *pts_sets;

unsigned int pts_slot_index(struct pts_slot *slot)
{
	return slot - pts_slots;
}

/* Under slot->lock: the fields fault and exit probes compare against. */
static void pts_slot_reset_locked(struct pts_slot *slot)
{
	slot->child_gone = PTS_END_NONE;
	pts_attrib_reset(slot);
	WRITE_ONCE(slot->child_mm, NULL);
	WRITE_ONCE(slot->parent_mm, current->mm);
}

struct pts_slot *pts_slot_claim(void)
{
	struct pts_slot *slot;
	unsigned long flags;
	int i;

	for (i = 0; i < PTS_NR_SLOTS; i++) {
		slot = &pts_slots[i];
		if (atomic_read(&slot->state) != PTS_FREE ||
		    atomic_cmpxchg(&slot->state, PTS_FREE, PTS_FORKING) !=
		    PTS_FREE)
			continue;
		atomic_inc(&pts_active);
		slot->gen++;
		slot->t_first_cpr = 0;
		slot->t_last_cpr = 0;
		slot->dup_seen = false;
		slot->last_pte_table = ULONG_MAX;
		memset(&slot->rec, 0, sizeof(slot->rec));
		if (!pts_probe_lock(&slot->lock, flags)) {
			atomic_dec(&pts_active);
			atomic_set_release(&slot->state, PTS_FREE);
			return NULL;
		}
		pts_slot_reset_locked(slot);
		spin_unlock_irqrestore(&slot->lock, flags);
		/* Published last: lookups by current match only a ready slot. */
		smp_store_release(&slot->owner, current);
		return slot;
	}
	return NULL;
}

/* The slot the current task is forking in, or NULL. */
struct pts_slot *pts_slot_current(void)
{
	int i;

	if (!atomic_read(&pts_active))
		return NULL;
	for (i = 0; i < PTS_NR_SLOTS; i++)
		if (READ_ONCE(pts_slots[i].owner) == current &&
		    atomic_read(&pts_slots[i].state) == PTS_FORKING)
			return &pts_slots[i];
	return NULL;
}

struct pts_slot *pts_slot_get(unsigned int idx, u32 gen)
{
	struct pts_slot *slot;

	if (idx >= PTS_NR_SLOTS)
		return NULL;
	slot = &pts_slots[idx];
	if (READ_ONCE(slot->owner) != current || slot->gen != gen ||
	    atomic_read(&slot->state) != PTS_FORKING)
		return NULL;
	return slot;
}

/* Records the child's mm once; faults are matched against it. */
void pts_slot_set_child_mm(struct pts_slot *slot, struct mm_struct *mm)
{
	unsigned long flags;

	if (READ_ONCE(slot->child_mm) || !pts_probe_lock(&slot->lock, flags))
		return;
	WRITE_ONCE(slot->child_mm, mm);
	spin_unlock_irqrestore(&slot->lock, flags);
}

/* Called with slot->lock held, slot not FREE. */
static void pts_slot_free_locked(struct pts_slot *slot)
{
	WRITE_ONCE(slot->owner, NULL);
	WRITE_ONCE(slot->parent_mm, NULL);
	WRITE_ONCE(slot->child_mm, NULL);
	atomic_set_release(&slot->state, PTS_FREE);
	atomic_dec(&pts_active);
}

/* A fork that failed: forget it. */
void pts_slot_release(struct pts_slot *slot)
{
	unsigned long flags;

	spin_lock_irqsave(&slot->lock, flags);
	pts_slot_free_locked(slot);
	spin_unlock_irqrestore(&slot->lock, flags);
}

/* Emits the record and frees the slot; slot->lock held. */
static void pts_close_locked(struct pts_slot *slot, enum pts_end end)
{
	struct pts_record *rec = &slot->rec;
	u64 now = pts_now_ns();

	if (atomic_read(&slot->state) == PTS_WINDOW) {
		atomic_dec(&pts_open_windows);
		rec->window_ns = now - (rec->start_ns + rec->fork_ns);
	}
	rec->end = end;
	rec->cow_parent = slot->cow_parent;
	rec->cow_child = slot->cow_child;
	rec->written_parent = slot->written_parent;
	rec->written_child = slot->written_child;
	rec->written_union = slot->written_union;
	rec->set_full = slot->set_full;
	pts_estimate(rec);

	atomic64_add(rec->cow_parent + rec->cow_child, &pts_cnt.cow_faults);
	atomic64_add(rec->written_union, &pts_cnt.tables_written);
	atomic64_add(rec->est_privatized, &pts_cnt.est_privatized);
	atomic64_add(rec->est_saved_bytes, &pts_cnt.est_saved_bytes);
	atomic64_add(rec->est_fork_ns, &pts_cnt.est_fork_ns);
	atomic64_inc(&pts_cnt.windows_closed);
	pts_ring_push(rec);
	pts_slot_free_locked(slot);
}

/*
 * The owner's fork-level probe returned with a child.  Returns the
 * window_ms of the window it opened, for the caller to arm the sweeper,
 * or 0 when the fork closed at once.
 */
u64 pts_fork_done(struct pts_slot *slot, pid_t child)
{
	u64 window_ms = READ_ONCE(pts_tun.window_ms);
	unsigned long flags;
	u64 opened = 0;

	slot->rec.child_pid = child;
	spin_lock_irqsave(&slot->lock, flags);
	if (slot->child_gone) {
		pts_close_locked(slot, slot->child_gone);
	} else if (!slot->child_mm) {
		pts_close_locked(slot, PTS_END_NOMM);
	} else if (!window_ms) {
		pts_close_locked(slot, PTS_END_DISABLED);
	} else {
		slot->deadline_ns = pts_now_ns() + window_ms * NSEC_PER_MSEC;
		WRITE_ONCE(slot->owner, NULL);
		atomic_set(&slot->state, PTS_WINDOW);
		atomic_inc(&pts_open_windows);
		opened = window_ms;
	}
	spin_unlock_irqrestore(&slot->lock, flags);
	return opened;
}

void pts_mm_exit(struct mm_struct *mm)
{
	struct pts_slot *slot;
	unsigned long flags;
	enum pts_end end;
	int i;

	if (!atomic_read(&pts_active))
		return;
	for (i = 0; i < PTS_NR_SLOTS; i++) {
		slot = &pts_slots[i];
		if (READ_ONCE(slot->child_mm) != mm &&
		    READ_ONCE(slot->parent_mm) != mm)
			continue;
		if (!pts_probe_lock(&slot->lock, flags))
			continue;
		end = slot->child_mm == mm ? PTS_END_CHILD_EXIT :
		      PTS_END_PARENT_EXIT;
		if (slot->child_mm != mm && slot->parent_mm != mm)
			;	/* reused meanwhile */
		else if (atomic_read(&slot->state) == PTS_WINDOW)
			pts_close_locked(slot, end);
		else if (atomic_read(&slot->state) == PTS_FORKING &&
			 !slot->child_gone)
			slot->child_gone = end;	/* closed at fork return */
		spin_unlock_irqrestore(&slot->lock, flags);
	}
}

/*
 * For the sweeper: closes the windows whose deadline is at or before
 * @now.  Returns the earliest deadline still open, or U64_MAX.
 */
u64 pts_slots_expire(u64 now)
{
	struct pts_slot *slot;
	unsigned long flags;
	u64 next = U64_MAX;
	int i;

	for (i = 0; i < PTS_NR_SLOTS; i++) {
		slot = &pts_slots[i];
		if (atomic_read(&slot->state) != PTS_WINDOW)
			continue;
		spin_lock_irqsave(&slot->lock, flags);
		if (atomic_read(&slot->state) == PTS_WINDOW) {
			if (slot->deadline_ns <= now)
				pts_close_locked(slot, PTS_END_WINDOW);
			else
				next = min(next, slot->deadline_ns);
		}
		spin_unlock_irqrestore(&slot->lock, flags);
	}
	return next;
}

unsigned int pts_windows_open(void)
{
	return atomic_read(&pts_open_windows);
}

/*
 * After the probes and the sweeper are gone: forks still in flight or in
 * their window are dropped without a record (their figures would be
 * incomplete).
 */
void pts_slots_close_all(void)
{
	unsigned long flags;
	int i;

	for (i = 0; i < PTS_NR_SLOTS; i++) {
		spin_lock_irqsave(&pts_slots[i].lock, flags);
		if (atomic_read(&pts_slots[i].state) == PTS_WINDOW)
			atomic_dec(&pts_open_windows);
		if (atomic_read(&pts_slots[i].state) != PTS_FREE)
			pts_slot_free_locked(&pts_slots[i]);
		spin_unlock_irqrestore(&pts_slots[i].lock, flags);
	}
}

int pts_slots_init(void)
{
	int i;

	pts_sets = vzalloc(array_size(PTS_NR_SLOTS,
				      PTS_SET_SIZE * sizeof(u64)));
	if (!pts_sets)
		return -ENOMEM;
	for (i = 0; i < PTS_NR_SLOTS; i++) {
		spin_lock_init(&pts_slots[i].lock);
		atomic_set(&pts_slots[i].state, PTS_FREE);
		pts_slots[i].set = pts_sets + (size_t)i * PTS_SET_SIZE;
	}
	return 0;
}

void pts_slots_exit(void)
{
	vfree(pts_sets);
	pts_sets = NULL;
}
