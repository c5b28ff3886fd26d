// SPDX-License-Identifier: GPL-2.0
/*
 * Slots: one per fork being traced, from the fork-level probe until the
 * window after the fork closes.  The table is fixed (PTS_NR_SLOTS) so that
 * probe handlers never allocate; a fork that finds no free slot is counted
 * in forks_busy and not traced.
 *
 * This file owns the table and each slot's life: claim, the child's mm,
 * the move to PTS_WINDOW, the close that turns a slot into a record, and
 * the free.  It alone writes a slot's state, owner, gen, mms, child_gone,
 * deadline, claim_seq and range buffers, pts_active, pts_open_windows,
 * pts_mm_slots and the counters summed at close.  Attribution (attrib.c)
 * and the sweeper (sweeper.c) read the table.
 *
 * The copied-range set is sized to the parent at claim: its bound is the
 * parent's page-table pages (mm_pgtables_bytes(), every level, so never
 * fewer than the PTE tables fork can copy).  Up to PTS_SLOT_BUF the
 * slot's own buffer holds it; beyond, a buffer of that size is allocated
 * (GFP_ATOMIC, not in NMI context) and kept for the slot's next big fork;
 * the sweeper gives it back once the slot has been free for
 * PTS_BIG_IDLE_NS (up to PTS_NR_SLOTS buffers of KMALLOC_MAX_SIZE would
 * otherwise stay allocated while ptshare is loaded).  When none can be
 * had, the set saturates and the record says so.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/hardirq.h>
#include <linux/hash.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/ktime.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "ptshare.h"

struct pts_slot pts_slots[PTS_NR_SLOTS];
/* Slots not FREE: lets the fault probe return at once when zero. */
atomic_t pts_active = ATOMIC_INIT(0);
static atomic_t pts_open_windows = ATOMIC_INIT(0);
unsigned long pts_mm_slots[1 << PTS_MM_BITS];
static atomic64_t pts_claims = ATOMIC64_INIT(0);
static void *pts_bufs;
/* Bytes of the slots' big buffers (ptshare/range_buffer_bytes). */
static atomic_long_t pts_big_total = ATOMIC_LONG_INIT(0);

#define PTS_BIG_IDLE_NS		(10 * NSEC_PER_SEC)

/* Which of pts_mm_slots holds @mm's slots. */
static unsigned long *pts_mm_bucket(struct mm_struct *mm)
{
	return &pts_mm_slots[hash_ptr(mm, PTS_MM_BITS)];
}

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
	WRITE_ONCE(slot->claim_seq, atomic64_inc_return(&pts_claims));
	WRITE_ONCE(slot->parent_mm, current->mm);
	set_bit(pts_slot_index(slot), pts_mm_bucket(current->mm));
}

/* By the slot's owner (a claim, the sweeper's trim, unload). */
static void pts_big_free(struct pts_slot *slot)
{
	if (!slot->big)
		return;
	atomic_long_sub(slot->big->size, &pts_big_total);
	kfree(slot->big);
	slot->big = NULL;
}

unsigned long pts_big_bytes(void)
{
	return atomic_long_read(&pts_big_total);
}

/*
 * Lays the slot's range set out for the current task's fork: in the
 * slot's own buffer, or in one sized to the parent (see the top).
 */
static void pts_slot_size_ranges(struct pts_slot *slot)
{
	u64 tables = (mm_pgtables_bytes(current->mm) >> PAGE_SHIFT) + 8;
	size_t need, max = KMALLOC_MAX_SIZE - sizeof(struct pts_big);
	struct pts_big *big = slot->big;

	tables = min_t(u64, tables, U32_MAX / 2);
	need = min(pts_ranges_bytes(tables), max);
	if (need > PTS_SLOT_BUF && (!big || big->size < need) && !in_nmi()) {
		big = kmalloc(sizeof(*big) + need, GFP_ATOMIC | __GFP_NOWARN);
		if (big) {
			big->size = need;
			pts_big_free(slot);	/* no mm matches the slot */
			slot->big = big;
			atomic_long_add(need, &pts_big_total);
		}
		big = slot->big;
	}
	if (need > PTS_SLOT_BUF && big && big->size > PTS_SLOT_BUF)
		pts_ranges_init(slot, big->data, big->size, tables);
	else
		pts_ranges_init(slot, slot->own_buf, PTS_SLOT_BUF, tables);
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
		pts_slot_size_ranges(slot);
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

	if (READ_ONCE(slot->child_mm))
		return;
	if (!pts_probe_lock(&slot->lock, flags)) {
		pts_attrib_miss(slot);
		return;
	}
	WRITE_ONCE(slot->child_mm, mm);
	set_bit(pts_slot_index(slot), pts_mm_bucket(mm));
	spin_unlock_irqrestore(&slot->lock, flags);
}

/* Called with slot->lock held, slot not FREE. */
static void pts_slot_free_locked(struct pts_slot *slot)
{
	unsigned int i = pts_slot_index(slot);

	if (slot->parent_mm)
		clear_bit(i, pts_mm_bucket(slot->parent_mm));
	if (slot->child_mm)
		clear_bit(i, pts_mm_bucket(slot->child_mm));
	WRITE_ONCE(slot->owner, NULL);
	WRITE_ONCE(slot->parent_mm, NULL);
	WRITE_ONCE(slot->child_mm, NULL);
	slot->freed_ns = pts_now_ns();
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
	rec->set_full = slot->ranges.untracked;
	rec->saturated = slot->ranges.untracked > 0;
	rec->misses += atomic_read(&slot->misses);
	pts_estimate(rec);

	atomic64_add(rec->cow_parent + rec->cow_child, &pts_cnt.cow_faults);
	atomic64_add(rec->written_union, &pts_cnt.tables_written);
	atomic64_add(rec->est_privatized, &pts_cnt.est_privatized);
	atomic64_add(rec->est_saved_bytes, &pts_cnt.est_saved_bytes);
	atomic64_add(rec->est_fork_ns, &pts_cnt.est_fork_ns);
	atomic64_inc(&pts_cnt.windows_closed);
	pts_ring_push(rec);
	pts_trace_estimate(rec);
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
	pts_trace_copy(&slot->rec);
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

/*
 * The global pid of the task whose pid is @nr in the current task's pid
 * namespace (what kernel_clone() returns), or 0 if it is gone already.
 */
pid_t pts_pid_global(pid_t nr)
{
	pid_t global;

	rcu_read_lock();
	global = pid_nr(find_vpid(nr));
	rcu_read_unlock();
	return global;
}

void pts_mm_exit(struct mm_struct *mm)
{
	struct pts_slot *slot;
	unsigned long flags, mask;
	enum pts_end end;
	int i;

	if (!atomic_read(&pts_active))
		return;
	mask = READ_ONCE(*pts_mm_bucket(mm));
	for_each_set_bit(i, &mask, PTS_NR_SLOTS) {
		slot = &pts_slots[i];
		if (READ_ONCE(slot->child_mm) != mm &&
		    READ_ONCE(slot->parent_mm) != mm)
			continue;
		if (!pts_probe_lock(&slot->lock, flags)) {
			pts_attrib_miss(slot);
			continue;
		}
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

/*
 * From the sweeper: frees the big buffers of slots free for
 * PTS_BIG_IDLE_NS.  Holding a slot FORKING without claiming it keeps
 * forks away from it (they take another) while it matches no mm, so no
 * fault searches it.  Returns when to look again, or U64_MAX.
 */
u64 pts_slots_trim(u64 now)
{
	struct pts_slot *slot;
	u64 next = U64_MAX;
	int i;

	for (i = 0; i < PTS_NR_SLOTS; i++) {
		slot = &pts_slots[i];
		if (!READ_ONCE(slot->big) ||
		    atomic_cmpxchg(&slot->state, PTS_FREE, PTS_FORKING) !=
		    PTS_FREE)
			continue;
		if (slot->big && slot->freed_ns + PTS_BIG_IDLE_NS <= now) {
			pts_big_free(slot);
			pts_ranges_init(slot, slot->own_buf, PTS_SLOT_BUF, 0);
		} else if (slot->big) {
			next = min(next, slot->freed_ns + PTS_BIG_IDLE_NS);
		}
		atomic_set_release(&slot->state, PTS_FREE);
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

	pts_bufs = vzalloc(array_size(PTS_NR_SLOTS, PTS_SLOT_BUF));
	if (!pts_bufs)
		return -ENOMEM;
	for (i = 0; i < PTS_NR_SLOTS; i++) {
		spin_lock_init(&pts_slots[i].lock);
		atomic_set(&pts_slots[i].state, PTS_FREE);
		pts_slots[i].own_buf = pts_bufs + (size_t)i * PTS_SLOT_BUF;
		pts_slots[i].big = NULL;
		pts_ranges_init(&pts_slots[i], pts_slots[i].own_buf,
				PTS_SLOT_BUF, 0);
	}
	return 0;
}

/* After the probes are gone: no fault searches a buffer any more. */
void pts_slots_exit(void)
{
	int i;

	for (i = 0; i < PTS_NR_SLOTS; i++)
		pts_big_free(&pts_slots[i]);
	vfree(pts_bufs);
	pts_bufs = NULL;
}
