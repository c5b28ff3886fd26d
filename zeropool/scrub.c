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

#include "zeropool.h"

#define ZP_SCRUB_DIRTY_BATCH	64

atomic64_t zp_scrub_wakeups;
/* Woken when a scrub thread finishes a round of work (zp_node.scrubbing). */
static DECLARE_WAIT_QUEUE_HEAD(zp_scrub_idle);
atomic64_t zp_blocks[ZP_MAX_PAGE_ORDER + 1];
unsigned long zp_pressure_until;

/* Opportunistic: no reclaim of any kind, no warnings, this node only. */
#define ZP_SCRUB_GFP	((GFP_HIGHUSER | __GFP_NOWARN | __GFP_NORETRY | \
			  __GFP_THISNODE) & ~__GFP_RECLAIM)

static bool zp_under_pressure(void)
{
	return time_before(jiffies, READ_ONCE(zp_pressure_until));
}

static bool zp_scrub_may_run(void)
{
	return READ_ONCE(zp_tun.scrub_enabled) && !zp_under_pressure();
}

/* For the take path: worth waking the scrubber (it would do something)? */
bool zp_scrub_wants_pages(struct zp_node *node)
{
	return READ_ONCE(node->nr_zeroed) < READ_ONCE(zp_tun.low_watermark) &&
	       zp_scrub_may_run();
}

void zp_scrub_kick(struct zp_node *node)
{
	if (wq_has_sleeper(&node->scrub_wait))
		wake_up(&node->scrub_wait);
}

void zp_scrub_kick_all(void)
{
	int nid;

	for_each_node_state(nid, N_MEMORY)
		if (zp_nodes[nid])
			zp_scrub_kick(zp_nodes[nid]);
}

static bool zp_scrub_has_work(struct zp_node *node)
{
	if (kthread_should_stop())
		return true;
	if (!zp_scrub_may_run())
		return false;
	return READ_ONCE(node->nr_dirty) ||
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
	zp_zero_page_list(&pages, n);
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
	unsigned long nr, i;
	LIST_HEAD(pages);

	for (; order >= 0; order--) {
		nr = 1UL << order;
		if (!zp_reserve(nr))
			continue;
		page = alloc_pages_node(node->nid, ZP_SCRUB_GFP, order);
		if (page)
			break;
		zp_unreserve(nr);
	}
	if (!page)
		return false;

	atomic64_inc(&zp_blocks[order]);
	if (zp_allocator_zeroes(ZP_SCRUB_GFP)) {
		atomic64_add(nr, &zp_prezeroed);
	} else {
		if (zp_offload_submit(node, page, order))
			return true;	/* its completion adds it to the pool */
		zp_zero_block(page, order);
	}

	split_page(page, order);
	for (i = 0; i < nr; i++)
		list_add_tail(&page[i].lru, &pages);
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
		have = zp_node_pages(node) + READ_ONCE(node->nr_dirty) +
		       atomic_long_read(&node->nr_offloading);
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
		atomic64_inc(&zp_scrub_wakeups);
		/* Pairs with the barrier in zp_scrub_quiesce(). */
		smp_store_mb(node->scrubbing, true);
		zp_scrub_fill(node);
		WRITE_ONCE(node->scrubbing, false);
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
			wait_event(zp_scrub_idle, !READ_ONCE(zp_nodes[nid]->scrubbing));
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
		node->scrubd = t;
		wake_up_process(t);
	}
	return 0;
}

void zp_scrub_stop(void)
{
	int nid;

	for (nid = 0; nid < MAX_NUMNODES; nid++) {
		if (!zp_nodes[nid] || !zp_nodes[nid]->scrubd)
			continue;
		kthread_stop(zp_nodes[nid]->scrubd);
		zp_nodes[nid]->scrubd = NULL;
	}
}
