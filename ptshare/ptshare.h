/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ptshare.ko internals: a kprobe tracer of fork's page-table copy and of
 * what lazy page-table sharing would have saved.
 *
 * A traced fork lives in a slot (slots.c) from the fork-level probe's entry
 * until its window closes (child exec/exit, parent exit, window_ms through
 * the sweeper in sweeper.c, or unload); then it becomes a record in the
 * ring (records.c).  While the window is open, attrib.c counts the faults
 * of both processes into the slot.
 *
 * Files call downwards only, in this order (a file calls none above it):
 * main.c; sysfs.c, debugfs.c; probes.c; attach.c, sweeper.c; slots.c;
 * filter.c, attrib.c, records.c, estimate.c, walk.c, trace.c, calibrate.c;
 * probe_lock.c.  tunables.c holds data and is called by sysfs.c.
 */
#ifndef _PTSHARE_H
#define _PTSHARE_H

#include <linux/atomic.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/types.h>

#define PTS_NR_SLOTS		32
/*
 * Each slot's own buffer for the copied ranges (walk.c): enough for about
 * a thousand PTE tables (2 GiB of touched parent) whatever the layout; a
 * bigger parent gets a buffer sized to it at fork (slots.c).
 */
#define PTS_SLOT_BUF		(16U << 10)
#define PTS_RANGE_SHIFT		21	/* one PTE table maps 2 MiB */
/* Buckets of the per-mm lookup of slots (pts_mm_slots). */
#define PTS_MM_BITS		6
#define PTS_HIST_BUCKETS	64
#define PTS_COMM_LEN		16	/* TASK_COMM_LEN */

enum pts_end {
	PTS_END_NONE,
	PTS_END_CHILD_EXIT,	/* child's mm torn down: exit or exec */
	PTS_END_PARENT_EXIT,
	PTS_END_WINDOW,		/* window_ms elapsed */
	PTS_END_NOMM,		/* child mm never seen (no copy_page_range) */
	PTS_END_DISABLED,	/* window_ms == 0 */
	PTS_END_NR,
};

/* One finished fork, as the ring stores it and debugfs prints it. */
struct pts_record {
	u64 seq;
	u64 start_ns;		/* pts_now_ns() at the fork-level probe */
	u64 fork_ns;		/* fork-level function, entry to return */
	u64 dup_ns;		/* dup_mmap, or first-to-last copy_page_range */
	u64 cpr_ns;		/* copy_page_range, summed over copied VMAs */
	u64 pgtable_bytes;	/* child's mm_pgtables_bytes() after the copy */
	u64 parent_anon_kb;
	u64 window_ns;		/* how long COW faults were attributed */
	u32 cpr_calls;
	u32 vmas_copied;	/* calls whose VMA needed its tables copied */
	u32 vmas_skipped;	/* calls that return at once: not timed */
	u32 pte_tables;		/* PTE tables of the copied VMAs (walk.c) */
	u32 cow_parent;
	u32 cow_child;
	u32 written_parent;	/* distinct 2 MiB ranges written */
	u32 written_child;
	u32 written_union;
	u32 set_full;		/* copied tables not tracked (saturated) */
	/* The lazy-sharing estimate (estimate.c). */
	u32 est_privatized;	/* PTE tables lazy sharing would copy */
	u32 est_saved_tables;
	u64 est_saved_bytes;
	u32 est_saved_pct;	/* of pgtable_bytes */
	u64 est_fork_ns;
	u64 tracer_ns;		/* ptshare's own time inside fork_ns */
	u32 misses;		/* missed events that may touch this fork */
	u8 saturated;		/* the copied-range set overflowed */
	pid_t parent_pid;
	pid_t parent_tgid;
	pid_t child_pid;
	u8 end;			/* enum pts_end */
	char comm[PTS_COMM_LEN];
};

enum pts_state {
	PTS_FREE,
	PTS_FORKING,	/* owned by the forking task, fork-level probe live */
	PTS_WINDOW,	/* fork returned; attributing faults */
};

/*
 * A range buffer bigger than PTS_SLOT_BUF, allocated at the fork of a big
 * parent and kept by its slot for the next (replaced only while the slot
 * matches no mm, so no fault is searching it).
 */
struct pts_big {
	size_t size;			/* of data */
	char data[];
};

/* A run of consecutive 2 MiB ranges whose PTE tables fork copied. */
struct pts_run {
	unsigned long first;	/* address >> PTS_RANGE_SHIFT */
	u32 nr;			/* grows while the walk appends (WRITE_ONCE) */
	u32 bit;		/* index of the first range's bit pair */
};

/*
 * The ranges the fork copied, in address order, built by walk.c while the
 * fork copies (owner, no lock) and searched by attrib.c under slot->lock
 * (the child may fault before the owner's last append): a run is complete
 * before smp_store_release() of nr_runs publishes it, except the last
 * one's nr, which only grows.  The bits (two per range: parent, child)
 * are attrib.c's, under slot->lock.
 */
struct pts_ranges {
	struct pts_run *runs;
	unsigned long *bits;
	u32 runs_cap;
	u32 tables_cap;
	u32 nr_runs;
	u32 nr_tables;
	u32 untracked;		/* tables copied beyond the caps */
};

/*
 * A traced fork.  Fields under "owner" are written only by the forking
 * task itself from its own probe handlers (one at a time, preemption off),
 * and read by others only after it moved the slot to PTS_WINDOW under
 * @lock; slots.c clears them at claim.  Fields under "lock" are written
 * with @lock held, on any CPU: child_gone and deadline_ns by slots.c (exit
 * probe, fork return), the fault counts and the set by attrib.c only.
 */
struct pts_slot {
	atomic_t state;			/* enum pts_state; FREE->FORKING by cmpxchg */
	u32 gen;			/* bumped at each claim (owner) */
	struct task_struct *owner;	/* READ_ONCE: lookup by current */
	/* owner */
	u64 t_fork;
	u64 t_first_cpr;
	u64 t_last_cpr;
	bool dup_seen;
	unsigned long last_pte_table;	/* see pts_walk_copied() */
	u64 missed0;			/* probe misses at the fork's entry */
	struct pts_record rec;		/* fork-side figures filled here */
	void *own_buf;			/* slots.c: PTS_SLOT_BUF, from init */
	struct pts_big *big;		/* slots.c: sized to a big parent */
	u64 freed_ns;			/* slots.c: when it last went FREE */
	u64 claim_seq;			/* order of claims: youngest wins */
	struct pts_ranges ranges;	/* walk.c; see struct pts_ranges */
	atomic_t misses;		/* attrib.c: events this slot missed */
	/* compared locklessly (READ_ONCE), rechecked under @lock */
	struct mm_struct *parent_mm;
	struct mm_struct *child_mm;
	spinlock_t lock;
	/* lock */
	u8 child_gone;			/* enum pts_end, seen while FORKING */
	u64 deadline_ns;
	u32 cow_parent;
	u32 cow_child;
	u32 written_parent;
	u32 written_child;
	u32 written_union;
};

/* Tunables (tunables.c), READ_ONCE in probes. */
struct pts_tunables {
	u64 enabled;
	u64 filter_pid;
	u64 min_rss_kb;
	u64 window_ms;
	u64 entry_cost_pct;
	u64 ring_size;			/* load time only */
	u64 maxactive;			/* load time only */
};

extern struct pts_tunables pts_tun;
void pts_tunables_measure(void);

/* calibrate.c */
u64 pts_calibrate_entry_pct(void);
extern struct attribute *pts_tunable_attrs[];	/* the tunable files */

/*
 * Counters shown in sysfs (defined in sysfs.c).  Each is written by one
 * file: forks_* and the fork-side sums by probes.c, nmi_lock_misses by
 * probe_lock.c, the sums taken when a window closes by slots.c.  The
 * counters every fork bumps, traced or not, are per CPU (probes.c):
 * pts_forks_seen, pts_forks_filtered, pts_forks_vfork.
 */
struct pts_counters {
	atomic64_t forks_traced;
	atomic64_t forks_busy;		/* no free slot */
	atomic64_t forks_failed;	/* fork returned an error */
	atomic64_t nmi_lock_misses;	/* events dropped: see pts_probe_lock() */
	atomic64_t fork_ns;
	atomic64_t dup_ns;
	atomic64_t cpr_ns;
	atomic64_t cpr_calls;
	atomic64_t vmas_copied;
	atomic64_t vmas_skipped;
	atomic64_t pgtable_bytes;
	atomic64_t pte_tables;
	atomic64_t cow_faults;
	atomic64_t tables_written;
	atomic64_t est_privatized;
	atomic64_t est_saved_bytes;
	atomic64_t est_fork_ns;
	atomic64_t windows_closed;
};

extern struct pts_counters pts_cnt;
DECLARE_PER_CPU(u64, pts_forks_seen);
DECLARE_PER_CPU(u64, pts_forks_filtered);
DECLARE_PER_CPU(u64, pts_forks_vfork);	/* CLONE_VFORK without CLONE_VM */

/*
 * The clock of every ptshare timestamp: CLOCK_MONOTONIC read the NMI-safe
 * way, since probe handlers may run in NMI context (see pts_probe_lock()),
 * where ktime_get_ns() could spin on a timekeeping update it interrupted.
 */
static inline u64 pts_now_ns(void)
{
	return ktime_get_mono_fast_ns();
}

/*
 * For locks that probe handlers take.  A handler runs in NMI context when
 * its probe fired through int3 (a kernel without KPROBES_ON_FTRACE, or a
 * probe not optimized yet), and there it only tries the lock: no code
 * holding these locks reaches a probed function, so a busy lock is held
 * by another CPU, and the event is dropped (counted) rather than waited
 * for in NMI context.  True when the lock is held (irqs saved in @flags).
 */
#define pts_probe_lock(lock, flags) \
	__cond_lock(lock, pts_probe_trylock(lock, &(flags)))
bool pts_probe_trylock(spinlock_t *lock, unsigned long *flags);

/* probe_lock.c: see pts_probe_lock() above. */

/* filter.c */
bool pts_filter_pass(struct task_struct *task);
void pts_filter_exit(void);
int pts_filter_comm_set(const char *buf, size_t len);
void pts_filter_comm_get(char *buf);

/* slots.c: the table, read by attrib.c; written by slots.c only. */
extern struct pts_slot pts_slots[PTS_NR_SLOTS];
extern atomic_t pts_active;
/*
 * Per-mm lookup: bit i of pts_mm_slots[hash_ptr(mm, PTS_MM_BITS)] is set
 * while slot i has a parent or child mm hashing there (set_bit/clear_bit
 * by slots.c only), so a fault scans only the slots of its own mm.
 */
extern unsigned long pts_mm_slots[1 << PTS_MM_BITS];

/* True while any slot is not FREE: probes return at once otherwise. */
static inline bool pts_slots_busy(void)
{
	return atomic_read(&pts_active);
}

int pts_slots_init(void);
void pts_slots_exit(void);
struct pts_slot *pts_slot_claim(void);
struct pts_slot *pts_slot_current(void);
struct pts_slot *pts_slot_get(unsigned int idx, u32 gen);
unsigned int pts_slot_index(struct pts_slot *slot);
void pts_slot_set_child_mm(struct pts_slot *slot, struct mm_struct *mm);
void pts_slot_release(struct pts_slot *slot);
u64 pts_fork_done(struct pts_slot *slot, pid_t child);
pid_t pts_pid_global(pid_t nr);
void pts_mm_exit(struct mm_struct *mm);
u64 pts_slots_expire(u64 now);
u64 pts_slots_trim(u64 now);
unsigned long pts_big_bytes(void);
void pts_slots_close_all(void);
unsigned int pts_windows_open(void);

/* attrib.c */
void pts_attrib_reset(struct pts_slot *slot);
void pts_attrib_miss(struct pts_slot *slot);
void pts_fault(struct mm_struct *mm, unsigned long addr, bool cow,
	       bool write);

/* sweeper.c */
void pts_sweeper_arm(u64 window_ms);
void pts_sweeper_stop(void);
struct wait_queue_head;
void pts_wake_up_nmi_safe(struct wait_queue_head *wq);

/* records.c: the ring of finished forks and the histograms. */
int pts_ring_init(unsigned int size);
void pts_ring_exit(void);
void pts_ring_push(struct pts_record *rec);
u64 pts_ring_dropped(void);
bool pts_ring_copy(u64 seq, struct pts_record *out);
u64 pts_ring_first(void);
u64 pts_ring_next_seq(void);
void pts_hist_add(atomic64_t *hist, u64 ns);
extern atomic64_t pts_hist_fork[PTS_HIST_BUCKETS];
extern atomic64_t pts_hist_cpr[PTS_HIST_BUCKETS];

/* estimate.c */
void pts_estimate(struct pts_record *rec);
extern const char * const pts_end_names[PTS_END_NR];

/* probes.c */
int pts_probes_register(const char *fork_symbol);
void pts_probes_unregister(void);
u64 pts_probes_missed(void);
const char *pts_probes_attached(void);
const char *pts_probes_attach_kind(void);
const char *pts_probes_attach_entry_kind(void);
void pts_probes_show(struct seq_file *m);

/* walk.c */
size_t pts_ranges_bytes(u32 tables);
void pts_ranges_init(struct pts_slot *slot, void *buf, size_t size,
		     u32 tables);
void pts_walk_copied(struct pts_slot *slot, struct mm_struct *mm,
		     unsigned long start, unsigned long end);
long pts_range_bit(struct pts_slot *slot, unsigned long addr);

/* trace.c: the ptshare:fork_copy and ptshare:fork_estimate events. */
void pts_trace_copy(const struct pts_record *rec);
void pts_trace_estimate(const struct pts_record *rec);

/* sysfs.c */
int pts_sysfs_init(void);
void pts_sysfs_exit(void);

/* debugfs.c */
void pts_debugfs_init(void);
void pts_debugfs_exit(void);

#endif /* _PTSHARE_H */
