// SPDX-License-Identifier: GPL-2.0
/*
 * Slots: one per fork being traced, from the fork-level probe until the
 * window after the fork closes.  The table is fixed (PTS_NR_SLOTS) so that
 * probe handlers never allocate; a fork that finds no free slot is counted
 * in forks_busy and not traced.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hash.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/ktime.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "ptshare.h"

static struct pts_slot pts_slots[PTS_NR_SLOTS];
/* Slots not FREE: lets the fault probe return at once when zero. */
static atomic_t pts_active = ATOMIC_INIT(0);
static atomic_t pts_open_windows = ATOMIC_INIT(0);
static u64 *pts_sets;

/* filter_comm: written by sysfs, read by the fork probe; both under lock. */
static DEFINE_SPINLOCK(pts_comm_lock);
static char pts_comm[PTS_COMM_LEN];

static void pts_sweep_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(pts_sweep, pts_sweep_fn);

/* Ancestors checked for filter_pid: deep enough for shells and runners. */
#define PTS_MAX_DEPTH	64

static bool pts_pid_match(struct task_struct *task, pid_t want)
{
	struct task_struct *t = task;
	bool match = false;
	int depth;

	rcu_read_lock();
	for (depth = 0; depth < PTS_MAX_DEPTH; depth++) {
		if (t->tgid == want) {
			match = true;
			break;
		}
		if (t->pid <= 1)
			break;
		t = rcu_dereference(t->real_parent);
	}
	rcu_read_unlock();
	return match;
}

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

bool pts_filter_pass(struct task_struct *task)
{
	pid_t want = READ_ONCE(pts_tun.filter_pid);
	unsigned long flags;
	bool ok = true;
	u64 min_kb;

	if (want && !pts_pid_match(task, want))
		return false;
	if (!pts_probe_lock(&pts_comm_lock, flags))
		return false;
	if (pts_comm[0] && strncmp(pts_comm, task->comm, PTS_COMM_LEN))
		ok = false;
	spin_unlock_irqrestore(&pts_comm_lock, flags);
	if (!ok)
		return false;
	min_kb = READ_ONCE(pts_tun.min_rss_kb);
	if (min_kb && task->mm &&
	    (get_mm_counter(task->mm, MM_ANONPAGES) << (PAGE_SHIFT - 10)) <
	    min_kb)
		return false;
	return true;
}

/* A trailing newline is dropped; empty clears the filter. */
int pts_filter_comm_set(const char *buf, size_t len)
{
	char tmp[PTS_COMM_LEN];
	unsigned long flags;
	size_t i;

	if (len && buf[len - 1] == '\n')
		len--;
	if (len >= PTS_COMM_LEN)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!buf[i] || buf[i] == '\n')
			return -EINVAL;
	memcpy(tmp, buf, len);
	tmp[len] = '\0';
	spin_lock_irqsave(&pts_comm_lock, flags);
	strscpy(pts_comm, tmp, sizeof(pts_comm));
	spin_unlock_irqrestore(&pts_comm_lock, flags);
	return 0;
}

void pts_filter_comm_get(char *buf)
{
	unsigned long flags;

	spin_lock_irqsave(&pts_comm_lock, flags);
	memcpy(buf, pts_comm, PTS_COMM_LEN);
	spin_unlock_irqrestore(&pts_comm_lock, flags);
}

unsigned int pts_slot_index(struct pts_slot *slot)
{
	return slot - pts_slots;
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
		slot->child_gone = PTS_END_NONE;
		slot->cow_parent = 0;
		slot->cow_child = 0;
		slot->written_parent = 0;
		slot->written_child = 0;
		slot->written_union = 0;
		slot->set_full = 0;
		/* 16 KiB: bounded, and only once per traced fork. */
		memset(slot->set, 0, PTS_SET_SIZE * sizeof(u64));
		WRITE_ONCE(slot->child_mm, NULL);
		WRITE_ONCE(slot->parent_mm, current->mm);
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

/* The owner's fork-level probe returned with a child. */
void pts_fork_done(struct pts_slot *slot, pid_t child)
{
	u64 window_ms = READ_ONCE(pts_tun.window_ms);
	unsigned long flags;

	slot->rec.child_pid = child;
	spin_lock_irqsave(&slot->lock, flags);
	if (slot->child_gone)
		pts_close_locked(slot, slot->child_gone);
	else if (!slot->child_mm)
		pts_close_locked(slot, PTS_END_NOMM);
	else if (!window_ms)
		pts_close_locked(slot, PTS_END_DISABLED);
	else {
		slot->deadline_ns = pts_now_ns() + window_ms * NSEC_PER_MSEC;
		WRITE_ONCE(slot->owner, NULL);
		atomic_set(&slot->state, PTS_WINDOW);
		atomic_inc(&pts_open_windows);
		/* No-op while pending; the sweeper re-arms for the rest. */
		schedule_delayed_work(&pts_sweep,
				      msecs_to_jiffies(window_ms) + 1);
	}
	spin_unlock_irqrestore(&slot->lock, flags);
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

	if (!atomic_read(&pts_active))
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

static void pts_sweep_fn(struct work_struct *work)
{
	u64 now = pts_now_ns(), next = U64_MAX;
	struct pts_slot *slot;
	unsigned long flags;
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
	if (next != U64_MAX)
		schedule_delayed_work(&pts_sweep,
				      nsecs_to_jiffies(next - now) + 1);
}

unsigned int pts_windows_open(void)
{
	return atomic_read(&pts_open_windows);
}

/*
 * After the probes are gone: forks still in flight or in their window are
 * dropped without a record (their figures would be incomplete).
 */
void pts_track_close_all(void)
{
	unsigned long flags;
	int i;

	cancel_delayed_work_sync(&pts_sweep);
	for (i = 0; i < PTS_NR_SLOTS; i++) {
		spin_lock_irqsave(&pts_slots[i].lock, flags);
		if (atomic_read(&pts_slots[i].state) == PTS_WINDOW)
			atomic_dec(&pts_open_windows);
		if (atomic_read(&pts_slots[i].state) != PTS_FREE)
			pts_slot_free_locked(&pts_slots[i]);
		spin_unlock_irqrestore(&pts_slots[i].lock, flags);
	}
}

int pts_track_init(void)
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

void pts_track_exit(void)
{
	vfree(pts_sets);
	pts_sets = NULL;
}
