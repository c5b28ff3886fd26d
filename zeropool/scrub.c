// SPDX-License-Identifier: GPL-2.0
/*
 * The scrub threads, one per node with memory, at nice 19: asleep until
 * their node's pool falls below low_watermark (or pages are given back),
 * then filling it to high_watermark with blocks of scrub_order pages
 * zeroed in one go and split (Lameter's scrubd).  They never reclaim to
 * do so, and back off for a second after the shrinker ran.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/gfp.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/topology.h>

#include <zeropool/compat.h>

#include "trace.h"
#include "zeropool.h"

#define ZP_SCRUB_DIRTY_BATCH	64

/* Woken when a scrub thread finishes a round of work (zp_scrubber.busy). */
static DECLARE_WAIT_QUEUE_HEAD(zp_scrub_idle);

/* Opportunistic: no reclaim of any kind, no warnings, this node only. */
#define ZP_SCRUB_GFP	((GFP_USER | __GFP_NOWARN | __GFP_NORETRY | \
			  __GFP_THISNODE) & ~__GFP_RECLAIM)

/*
 * While transparent mode hands pool pages to anonymous faults, blocks are
 * taken movable: the anonymous page then sits in a movable pageblock as
 * the allocator's own would (compaction can migrate it once it is on the
 * LRU).  Never from ZONE_MOVABLE (that takes __GFP_HIGHMEM too): a page
 * the pool holds cannot be migrated and would block offlining there.
 */
static gfp_t zp_scrub_gfp(void)
{
	if (READ_ONCE(zp_tun.transparent) != ZP_TRANSPARENT_OFF)
		return ZP_SCRUB_GFP | __GFP_MOVABLE;
	return ZP_SCRUB_GFP;
}

enum zp_zero_method zp_effective_method(void)
{
	enum zp_zero_method m = READ_ONCE(zp_tun.zero_method);

	if (m == ZP_ZERO_AUTO)
		m = zp_have_backend() ? ZP_ZERO_OFFLOAD : ZP_ZERO_NT;
	if (m == ZP_ZERO_NT && !zp_zero_have_nt())
		m = ZP_ZERO_CPU;
	return m;
}

static bool zp_scrub_has_work(struct zp_node *node)
{
	if (kthread_should_stop())
		return true;
	if (!zp_scrub_may_run())
		return false;
	return zp_node_dirty_pages(node) ||
	       zp_node_pages(node) < READ_ONCE(zp_tun.low_watermark);
}

/* Zeroes a batch of pages given back; false when there were none. */
static bool zp_scrub_dirty(struct zp_node *node)
{
	unsigned long n;
	LIST_HEAD(pages);

	n = zp_node_take_dirty(node, &pages, ZP_SCRUB_DIRTY_BATCH);
	if (!n)
		return false;
	zp_zero_page_list(&pages, n, zp_effective_method() == ZP_ZERO_NT);
	zp_node_add_zeroed(node, &pages, n);
	return true;
}

/*
 * Takes, zeroes and splits one block of at most @want pages.  Returns false
 * when the cap is reached or the allocator has nothing to spare.
 */
static bool zp_scrub_block(struct zp_node *node, unsigned long want)
{
	int order = min_t(int, READ_ONCE(zp_tun.scrub_order), ilog2(want));
	struct page *page = NULL;
	enum zp_zero_method m;
	gfp_t gfp = zp_scrub_gfp();
	bool nt;
	unsigned long nr;
	u64 start;
	LIST_HEAD(pages);

	for (; order >= 0; order--) {
		nr = 1UL << order;
		if (!zp_reserve(nr))
			continue;
		page = alloc_pages_node(node->nid, gfp, order);
		if (page)
			break;
		zp_unreserve(nr);
	}
	if (!page)
		return false;

	if (gfp & __GFP_MOVABLE)
		zp_block_mark(page, order, true);
	atomic64_inc(&zp_cnt.blocks[order]);
	if (zp_allocator_zeroes(gfp)) {
		atomic64_add(nr, &zp_cnt.prezeroed);
		trace_zp_scrub_block(node->nid, order, ZP_TRACE_ZERO_ALLOCATOR, 0);
		zp_node_add_block(node, page, order, true);
		return true;
	}
	m = zp_effective_method();
	if (m == ZP_ZERO_OFFLOAD && zp_offload_submit(node, page, order))
		return true;	/* its completion adds it to the pool */
	/* offload's fallback uses non-temporal stores too */
	nt = m == ZP_ZERO_NT || m == ZP_ZERO_OFFLOAD;
	start = trace_zp_scrub_block_enabled() ? ktime_get_ns() : 0;
	zp_block_split(page, order, &pages);
	zp_zero_page_list(&pages, nr, nt);
	if (start)
		trace_zp_scrub_block(node->nid, order,
				     nt ? ZP_TRACE_ZERO_NT : ZP_TRACE_ZERO_CPU,
				     ktime_get_ns() - start);
	zp_node_add_zeroed(node, &pages, nr);
	return true;
}

static void zp_scrub_fill(struct zp_node *node)
{
	unsigned long have, high;

	while (!kthread_should_stop() && zp_scrub_may_run()) {
		if (zp_scrub_dirty(node))
			continue;
		zp_offload_wait_room(node);
		/* Pages given back or with the backend come in anyway. */
		have = zp_node_pages(node) + zp_node_dirty_pages(node) +
		       zp_offload_pages(node);
		high = READ_ONCE(zp_tun.high_watermark);
		if (have >= high || !zp_scrub_block(node, high - have))
			break;
		cond_resched();
	}
	zp_offload_wait_idle(node);
}

static int zp_scrubd(void *data)
{
	struct zp_node *node = data;

	while (!kthread_should_stop()) {
		/* Re-check each second: pressure ends without a wake-up. */
		wait_event_interruptible_timeout(node->scrub_wait,
						 zp_scrub_has_work(node), HZ);
		if (kthread_should_stop() || !zp_scrub_has_work(node))
			continue;
		atomic64_inc(&zp_cnt.scrub_wakeups);
		/* Pairs with the barrier in zp_scrub_quiesce(). */
		smp_store_mb(node->scrub.busy, true);
		zp_scrub_fill(node);
		WRITE_ONCE(node->scrub.busy, false);
		wake_up_all(&zp_scrub_idle);
	}
	return 0;
}

/*
 * After scrub_enabled was cleared: waits until no scrub thread is inside a
 * round, so that a drain that follows finds no page in flight.
 */
void zp_scrub_quiesce(void)
{
	int nid;

	smp_mb();	/* scrub_enabled = 0 before reading ->scrubbing */
	for_each_node_state(nid, N_MEMORY)
		if (zp_nodes[nid])
			wait_event(zp_scrub_idle,
				   !READ_ONCE(zp_nodes[nid]->scrub.busy));
}

int zp_scrub_start(void)
{
	struct task_struct *t;
	struct zp_node *node;
	int nid;

	for_each_node_state(nid, N_MEMORY) {
		node = zp_nodes[nid];
		t = kthread_create_on_node(zp_scrubd, node, nid,
					   "zeropool_scrubd/%d", nid);
		if (IS_ERR(t)) {
			pr_err("cannot start the scrub thread of node %d: %ld\n",
			       nid, PTR_ERR(t));
			zp_scrub_stop();
			return PTR_ERR(t);
		}
		set_cpus_allowed_ptr(t, cpumask_of_node(nid));
		sched_set_normal(t, MAX_NICE);
		node->scrub.task = t;
		wake_up_process(t);
	}
	return 0;
}

void zp_scrub_stop(void)
{
	int nid;

	for (nid = 0; nid < MAX_NUMNODES; nid++) {
		if (!zp_nodes[nid] || !zp_nodes[nid]->scrub.task)
			continue;
		kthread_stop(zp_nodes[nid]->scrub.task);
		zp_nodes[nid]->scrub.task = NULL;
	}
}
