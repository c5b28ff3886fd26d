/* SPDX-License-Identifier: GPL-2.0 */
/* zeropool.ko internals shared between its files. */
#ifndef _ZEROPOOL_INTERNAL_H
#define _ZEROPOOL_INTERNAL_H

#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

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
	unsigned int zero_method;	/* enum zp_zero_method */
	unsigned int read_fault;	/* enum zp_read_fault */
};

/* The kernel's default fault_around_bytes: 64 KiB */
#define ZP_FAULT_AROUND_MAX	16

extern struct zp_tunables zp_tun;
extern const char * const zp_zero_method_names[];
extern const char * const zp_read_fault_names[];

/* One pool per node with memory. */
struct zp_node {
	int nid;
	spinlock_t lock;		/* protects the lists and their counts */
	struct list_head zeroed;	/* zeroed pages, linked by page->lru */
	unsigned long nr_zeroed;
	struct list_head dirty;		/* given back, to be zeroed again */
	unsigned long nr_dirty;

	/*
	 * Offload requests in flight (offload.c), under lock; the scrubber
	 * keeps at most ZP_OFFLOAD_DEPTH of them that are not late.
	 */
	struct list_head offloads;
	unsigned int nr_offloads;
	unsigned int nr_late_offloads;
	atomic_long_t nr_offloading;	/* pages in those requests */

	struct task_struct *scrubd;
	bool scrubbing;			/* scrubd is inside a round of work */
	wait_queue_head_t scrub_wait;
	struct kobject *kobj;		/* pool/node<N>/ */
};

extern struct zp_node *zp_nodes[MAX_NUMNODES];

/* Pages held by the pool: node lists (zeroed + dirty) and per-CPU caches. */
extern atomic_long_t zp_held;

/* Counters, summed over CPUs when read. */
DECLARE_PER_CPU(u64, zp_hits);
DECLARE_PER_CPU(u64, zp_misses);
DECLARE_PER_CPU(u64, zp_dev_faults);
DECLARE_PER_CPU(u64, zp_dev_zero_maps);
DECLARE_PER_CPU(u64, zp_dev_fault_around);
extern atomic64_t zp_given_back;
extern atomic64_t zp_freed_full;
extern atomic64_t zp_scrub_wakeups;
extern atomic64_t zp_zeroed_cpu;
extern atomic64_t zp_zeroed_nt;
extern atomic64_t zp_zeroed_offload;
extern atomic64_t zp_prezeroed;
extern atomic64_t zp_zero_ns;
extern atomic64_t zp_offload_fallbacks;
extern atomic64_t zp_offload_timeouts;
extern atomic64_t zp_blocks[];
extern atomic64_t zp_shrink_scans;
extern atomic64_t zp_shrink_freed;
extern unsigned long zp_pressure_until;	/* jiffies; scrubber backs off */

/* tunables.c: the files of pool/ and scrub/ that are tunables */
extern struct attribute *zp_pool_tunable_attrs[];
extern struct attribute *zp_scrub_tunable_attrs[];
int zp_tunables_init(void);

/* pool.c */
int zp_pool_init(void);
void zp_pool_exit(void);
bool zp_reserve(unsigned long nr);
void zp_unreserve(unsigned long nr);
void zp_node_add_zeroed(struct zp_node *node, struct list_head *pages,
			unsigned long nr);
unsigned long zp_node_take_dirty(struct zp_node *node, struct list_head *out,
				 unsigned long max);
unsigned long zp_release_pages(unsigned long nr);
unsigned long zp_node_pages(struct zp_node *node);
struct page *zp_take_pooled_page(int nid);
void zp_drain_all(void);
void zp_pool_trim_to(unsigned long max_pages);

/* sysfs.c */
int zp_pool_sysfs_init(void);
void zp_pool_sysfs_exit(void);

/* scrub.c */
int zp_scrub_start(void);
void zp_scrub_stop(void);
void zp_scrub_kick(struct zp_node *node);
void zp_scrub_kick_all(void);
void zp_scrub_quiesce(void);
bool zp_scrub_wants_pages(struct zp_node *node);

/* zero.c */
void zp_zero_block(struct page *page, unsigned int order);
void zp_zero_page_list(struct list_head *pages, unsigned long nr);
bool zp_allocator_zeroes(gfp_t gfp);
enum zp_zero_method zp_effective_method(void);

/* offload.c: blocks in flight per node (16 MiB with 2 MiB blocks) */
#define ZP_OFFLOAD_DEPTH	8
bool zp_have_backend(void);
const char *zp_backend_name(void);
bool zp_offload_submit(struct zp_node *node, struct page *page,
		       unsigned int order);
void zp_offload_wait_room(struct zp_node *node);
void zp_offload_wait_idle(struct zp_node *node);

/* shrinker.c */
int zp_shrinker_init(void);
void zp_shrinker_exit(void);

/* dev.c */
int zp_dev_init(void);
void zp_dev_exit(void);

#endif /* _ZEROPOOL_INTERNAL_H */
