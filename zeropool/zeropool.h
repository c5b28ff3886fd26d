/* SPDX-License-Identifier: GPL-2.0 */
/* zeropool.ko internals shared between its files. */
#ifndef _ZEROPOOL_INTERNAL_H
#define _ZEROPOOL_INTERNAL_H

#include <linux/atomic.h>
#include <linux/jiffies.h>
#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include <zeropool/compat.h>
#include <zeropool/pool.h>

enum zp_zero_method {
	ZP_ZERO_CPU,
	ZP_ZERO_NT,
	ZP_ZERO_OFFLOAD,
	ZP_ZERO_AUTO,
};

enum zp_read_fault {
	ZP_READ_FAULT_ZERO_PAGE,
	ZP_READ_FAULT_ALLOC,
};

/* Whose anonymous faults the pool serves (transparent.c, tpscope.c). */
enum zp_transparent {
	ZP_TRANSPARENT_OFF,
	ZP_TRANSPARENT_CGROUP,	/* tasks in pool/transparent_cgroup */
	ZP_TRANSPARENT_ALL,
};

/*
 * Tunables (tunables.c); written only under zp_tunables_lock(), read with
 * READ_ONCE.
 */
struct zp_tunables {
	u64 max_pages;		/* hard cap on pages held, all nodes */
	u64 low_watermark;	/* per node: scrubber wakes below this */
	u64 high_watermark;	/* per node: scrubber fills up to this */
	u64 scrub_order;	/* order of the blocks the scrubber takes */
	u64 scrub_enabled;
	u64 offload_timeout_ms;
	u64 fault_around_pages;	/* power of 2, 1..ZP_FAULT_AROUND_MAX */
	u64 user_unmapped_max_pages;	/* per user, 0: free on last unmap */
	u64 user_max_pages;	/* per user, all object pages; 0: no cap */
	unsigned int zero_method;	/* enum zp_zero_method */
	unsigned int read_fault;	/* enum zp_read_fault */
	unsigned int transparent;	/* enum zp_transparent */
};

/* The kernel's default fault_around_bytes: 64 KiB */
#define ZP_FAULT_AROUND_MAX	16

extern struct zp_tunables zp_tun;
extern const char * const zp_zero_method_names[];
extern const char * const zp_read_fault_names[];
extern const char * const zp_transparent_names[];

/*
 * Blocks a node has with the offload backend; offload.c alone writes
 * these.  The scrubber keeps at most ZP_OFFLOAD_DEPTH of them not late.
 */
struct zp_offload_queue {
	spinlock_t lock;		/* protects reqs and the counts */
	struct list_head reqs;		/* struct zp_offload_req */
	unsigned int nr;
	unsigned int nr_late;		/* past their deadline */
	atomic_long_t nr_pages;		/* pages in those requests */
};

/* A node's scrub thread; scrub.c alone writes these. */
struct zp_scrubber {
	struct task_struct *task;
	bool busy;			/* inside a round of work */
};

/*
 * One pool per node with memory.  node.c alone edits the lists and their
 * counts; the offload queue and the scrubber belong to their files.
 */
struct zp_node {
	int nid;
	spinlock_t lock;		/* protects the lists and their counts */
	struct list_head zeroed;	/* zeroed pages, linked by page->lru */
	unsigned long nr_zeroed;
	struct list_head dirty;		/* given back, to be zeroed again */
	unsigned long nr_dirty;

	/*
	 * The scrub thread sleeps here; whoever leaves it work (a take
	 * below low_watermark, a page given back, a finished offload
	 * request, a changed tunable) wakes it with zp_node_kick().
	 */
	wait_queue_head_t scrub_wait;
	struct zp_offload_queue offload;
	struct zp_scrubber scrub;
	struct kobject *kobj;		/* pool/node<N>/, sysfs.c */
	/*
	 * Faults served, transparent.c; per CPU, as the fault path of
	 * every CPU of the node counts here (pool.c allocates it).
	 */
	u64 __percpu *tp_served;
};

extern struct zp_node *zp_nodes[MAX_NUMNODES];	/* pool.c */

static inline void zp_node_kick(struct zp_node *node)
{
	if (wq_has_sleeper(&node->scrub_wait))
		wake_up(&node->scrub_wait);
}

/* Until then the scrubbers stay off (jiffies); written by shrinker.c. */
extern unsigned long zp_pressure_until;

static inline bool zp_scrub_may_run(void)
{
	return READ_ONCE(zp_tun.scrub_enabled) &&
	       !time_before(jiffies, READ_ONCE(zp_pressure_until));
}

/*
 * The counters of pool/ and scrub/, defined in sysfs.c which shows them.
 * Each field is written by the one file named beside it.
 */
struct zp_counters {
	atomic64_t given_back;		/* pool.c */
	atomic64_t freed_full;		/* pool.c */
	atomic64_t scrub_wakeups;	/* scrub.c */
	atomic64_t prezeroed;		/* scrub.c */
	atomic64_t blocks[ZP_MAX_PAGE_ORDER + 1];	/* scrub.c */
	atomic64_t zeroed_cpu;		/* zero.c */
	atomic64_t zeroed_nt;		/* zero.c */
	atomic64_t zero_ns;		/* zero.c */
	atomic64_t zeroed_offload;	/* offload.c */
	atomic64_t offload_fallbacks;	/* offload.c */
	atomic64_t offload_timeouts;	/* offload.c */
	atomic64_t shrink_scans;	/* shrinker.c */
	atomic64_t shrink_freed;	/* shrinker.c */
};

/* Per-CPU counters of hot paths, summed when read; same rule. */
struct zp_pcpu_counters {
	u64 hits;			/* pool.c */
	u64 misses;			/* pool.c */
	u64 dev_faults;			/* dev.c */
	u64 dev_zero_maps;		/* object.c */
	u64 dev_fault_around;		/* faultaround.c */
	u64 tp_served;			/* transparent.c */
	u64 tp_misses;			/* transparent.c */
	u64 tp_fall_order;		/* transparent.c */
	u64 tp_fall_gfp;		/* transparent.c */
	u64 tp_fall_vma;		/* transparent.c */
	u64 tp_fall_scope;		/* transparent.c */
	u64 tp_fall_policy;		/* transparent.c */
	u64 tp_fall_unmovable;		/* transparent.c */
};

extern struct zp_counters zp_cnt;
DECLARE_PER_CPU(struct zp_pcpu_counters, zp_pcpu_cnt);

/* tunables.c: the files of pool/ and scrub/ that are tunables */
extern struct attribute *zp_pool_tunable_attrs[];
extern struct attribute *zp_scrub_tunable_attrs[];
int zp_tunables_init(void);
extern bool zp_tp_ready;	/* transparent.c, under zp_tunables_lock() */

/* node.c: the only file that edits the node lists */
void zp_node_add_zeroed(struct zp_node *node, struct list_head *pages,
			unsigned long nr);
void zp_node_add_dirty_page(struct zp_node *node, struct page *page);
unsigned long zp_block_split(struct page *page, unsigned int order,
			     struct list_head *pages);
void zp_node_add_block(struct zp_node *node, struct page *page,
		       unsigned int order, bool zeroed);
unsigned long zp_node_take_dirty(struct zp_node *node, struct list_head *out,
				 unsigned long max);
unsigned long zp_node_take_victims(struct zp_node *node, struct list_head *out,
				   unsigned long max);
struct page *zp_node_take(struct zp_node *node);
unsigned int zp_node_take_batch(struct zp_node *node, struct page **pages,
				unsigned int max);
unsigned long zp_node_dirty_pages(struct zp_node *node);
unsigned long zp_node_listed_pages(struct zp_node *node);

/* pool.c: the only file that edits zp_held */
int zp_pool_init(void);
void zp_pool_exit(void);
bool zp_reserve(unsigned long nr);
void zp_unreserve(unsigned long nr);
unsigned long zp_release_pages(unsigned long nr);
unsigned long zp_node_pages(struct zp_node *node);
unsigned long zp_pool_pages(void);
unsigned long zp_pool_dirty_pages(void);
unsigned long zp_pool_listed_pages(void);
unsigned long zp_pool_held(void);
bool zp_node_wants_pages(struct zp_node *node);
struct page *zp_take_pooled_page(int nid, bool *movable);
void zp_block_mark(struct page *page, unsigned int order, bool movable);
void zp_drain_all(void);
void zp_pool_trim_to(unsigned long max_pages);
void zp_pool_kick_all(void);

/* pcp.c: the per-CPU caches in front of the node lists */
int zp_pcp_init(void);
void zp_pcp_exit(void);
struct page *zp_pcp_take(struct zp_node *node);
unsigned long zp_pcp_node_pages(int nid);
void zp_pcp_drain_all(void);

/* transparent.c: the hook of transparent prezeroing */
int zp_tp_init(void);
void zp_tp_mode_changed(void);
void zp_tp_exit(void);
int zp_tp_apply(unsigned int mode);

/* tpscope.c: whom and from which node it serves */
bool zp_tp_in_scope(void);
int zp_tp_policy_node(struct vm_area_struct *vma);
void zp_tp_scope_exit(void);
extern struct attribute *zp_tp_scope_attrs[];

/* sysfs.c */
int zp_pool_sysfs_init(void);
void zp_pool_sysfs_exit(void);

/* scrub.c */
int zp_scrub_start(void);
void zp_scrub_stop(void);
void zp_scrub_quiesce(void);
enum zp_zero_method zp_effective_method(void);

/* zero.c: the one zeroing loop */
void zp_zero_page_list(struct list_head *pages, unsigned long nr, bool nt);
bool zp_zero_have_nt(void);
bool zp_allocator_zeroes(gfp_t gfp);

/* offload.c: blocks in flight per node (16 MiB with 2 MiB blocks) */
#define ZP_OFFLOAD_DEPTH	8
void zp_offload_init(void);
void zp_offload_exit(void);
bool zp_have_backend(void);
const char *zp_backend_name(void);
bool zp_offload_submit(struct zp_node *node, struct page *page,
		       unsigned int order);
unsigned long zp_offload_pages(struct zp_node *node);
void zp_offload_wait_room(struct zp_node *node);
void zp_offload_wait_idle(struct zp_node *node);

/* shrinker.c */
int zp_shrinker_init(void);
void zp_shrinker_exit(void);

/* dev.c */
int zp_dev_init(void);
void zp_dev_exit(void);

#endif /* _ZEROPOOL_INTERNAL_H */
