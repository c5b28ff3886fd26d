// SPDX-License-Identifier: GPL-2.0
/*
 * The pool: the per-node lists of node.c with the per-CPU caches of
 * pcp.c in front, and the count of what they hold.  Every page held
 * (zeroed, dirty or cached) is counted in zp_held, which zp_reserve() never
 * lets exceed max_pages; this is the only file that edits zp_held.  Pages
 * come and go through here: taken by faults and other modules, given back,
 * freed by the shrinker, drained.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/nodemask.h>
#include <linux/slab.h>
#include <linux/smp.h>

#include "trace.h"
#include "zeropool.h"

struct zp_node *zp_nodes[MAX_NUMNODES];
/* Pages held by the pool: node lists (zeroed + dirty) and per-CPU caches. */
static atomic_long_t zp_held = ATOMIC_LONG_INIT(0);

bool zp_reserve(unsigned long nr)
{
	long max = READ_ONCE(zp_tun.max_pages);
	long cur = atomic_long_read(&zp_held);

	do {
		if (cur + (long)nr > max)
			return false;
	} while (!atomic_long_try_cmpxchg(&zp_held, &cur, cur + nr));
	return true;
}

void zp_unreserve(unsigned long nr)
{
	atomic_long_sub(nr, &zp_held);
}

unsigned long zp_node_pages(struct zp_node *node)
{
	return READ_ONCE(node->nr_zeroed) + zp_pcp_node_pages(node->nid);
}

/* Sums @get over the nodes with a pool. */
static unsigned long zp_pool_sum(unsigned long (*get)(struct zp_node *node))
{
	unsigned long nr = 0;
	int nid;

	for_each_node_state(nid, N_MEMORY)
		if (zp_nodes[nid])
			nr += get(zp_nodes[nid]);
	return nr;
}

unsigned long zp_pool_pages(void)
{
	return zp_pool_sum(zp_node_pages);
}

unsigned long zp_pool_dirty_pages(void)
{
	return zp_pool_sum(zp_node_dirty_pages);
}

/* On the node lists (not in per-CPU caches): what the shrinker can free. */
unsigned long zp_pool_listed_pages(void)
{
	return zp_pool_sum(zp_node_listed_pages);
}

unsigned long zp_pool_held(void)
{
	return atomic_long_read(&zp_held);
}

/* For the take path: worth waking the scrubber (it would do something)? */
bool zp_node_wants_pages(struct zp_node *node)
{
	return READ_ONCE(node->nr_zeroed) < READ_ONCE(zp_tun.low_watermark) &&
	       zp_scrub_may_run();
}

void zp_pool_kick_all(void)
{
	int nid;

	for_each_node_state(nid, N_MEMORY)
		if (zp_nodes[nid])
			zp_node_kick(zp_nodes[nid]);
}

static struct page *zp_alloc_inline(int nid, gfp_t gfp)
{
	struct page *page = alloc_pages_node(nid, gfp & ~__GFP_COMP, 0);

	if (page && !zp_allocator_zeroes(gfp))
		clear_highpage(page);
	return page;
}

/* @nid if it has a pool, else the local node (NUMA_NO_NODE included). */
static int zp_pool_nid(int nid)
{
	if (nid < 0 || nid >= MAX_NUMNODES || !zp_nodes[nid])
		return numa_node_id();
	return nid;
}

/*
 * While the pool holds a page, its page->private says whether its block was
 * allocated movable: transparent mode hands only those to anonymous
 * faults, whose pages the allocator would have taken movable.  A page
 * given back, or from a block taken while the mode was off, is unmarked.
 * The mark goes as the page leaves the pool, to a user or the allocator.
 */
#define ZP_PAGE_MOVABLE	0x7a706d76UL	/* "zpmv" */

/* Marks (or unmarks, before it goes back to the allocator) a whole block. */
void zp_block_mark(struct page *page, unsigned int order, bool movable)
{
	unsigned long i;

	for (i = 0; i < 1UL << order; i++)
		set_page_private(page + i, movable ? ZP_PAGE_MOVABLE : 0);
}

static void zp_page_clear_mark(struct page *page)
{
	set_page_private(page, 0);
}

/*
 * A page from the pool of @nid (NUMA_NO_NODE: the local node), or NULL;
 * *@movable (if given) says whether its block was allocated movable.
 */
struct page *zp_take_pooled_page(int nid, bool *movable)
{
	struct zp_node *node;
	struct page *page;

	nid = zp_pool_nid(nid);
	node = zp_nodes[nid];
	if (unlikely(!node))
		return NULL;

	page = zp_pcp_take(node);
	if (zp_node_wants_pages(node))
		zp_node_kick(node);
	if (likely(page)) {
		if (movable)
			*movable = page_private(page) == ZP_PAGE_MOVABLE;
		zp_page_clear_mark(page);
		atomic_long_dec(&zp_held);
		this_cpu_inc(zp_pcpu_cnt.hits);
	}
	return page;
}

struct page *zp_take_page(int nid, gfp_t gfp)
{
	struct page *page = zp_take_pooled_page(nid, NULL);

	if (likely(page))
		return page;
	this_cpu_inc(zp_pcpu_cnt.misses);
	nid = zp_pool_nid(nid);
	trace_zp_pool_miss(nid, false);
	return zp_alloc_inline(nid, gfp);
}
EXPORT_SYMBOL_GPL(zp_take_page);

void zp_give_page(struct page *page)
{
	struct zp_node *node = zp_nodes[page_to_nid(page)];

	if (WARN_ON_ONCE(page_ref_count(page) != 1)) {
		put_page(page);
		return;
	}
	if (!node || !zp_reserve(1)) {
		atomic64_inc(&zp_cnt.freed_full);
		__free_page(page);
		return;
	}
	zp_node_add_dirty_page(node, page);
	atomic64_inc(&zp_cnt.given_back);
	zp_node_kick(node);
}
EXPORT_SYMBOL_GPL(zp_give_page);

void zp_put_page(struct page *page)
{
	/* the caller's reference is the last: nobody else can map it now */
	if (page_ref_count(page) == 1)
		zp_give_page(page);
	else
		put_page(page);
}
EXPORT_SYMBOL_GPL(zp_put_page);

/* Frees up to @nr pages, dirty ones first; returns how many. */
unsigned long zp_release_pages(unsigned long nr)
{
	unsigned long freed = 0;
	struct page *page;
	LIST_HEAD(victims);
	int nid;

	for_each_node_state(nid, N_MEMORY)
		if (zp_nodes[nid] && freed < nr)
			freed += zp_node_take_victims(zp_nodes[nid], &victims,
						      nr - freed);
	while (!list_empty(&victims)) {
		page = list_first_entry(&victims, struct page, lru);
		list_del(&page->lru);
		zp_page_clear_mark(page);
		__free_page(page);
	}
	zp_unreserve(freed);
	return freed;
}

/* Empties the per-CPU caches and the node lists. */
void zp_drain_all(void)
{
	zp_pcp_drain_all();
	zp_release_pages(ULONG_MAX);
}

/* Frees pages until the pool holds at most @max_pages (a lowered cap). */
void zp_pool_trim_to(unsigned long max_pages)
{
	long excess = atomic_long_read(&zp_held) - (long)max_pages;

	if (excess > 0)
		zp_release_pages(excess);
	excess = atomic_long_read(&zp_held) - (long)max_pages;
	if (excess > 0) {
		/* the rest sat in per-CPU caches */
		zp_pcp_drain_all();
		zp_release_pages(excess);
	}
}

int zp_pool_init(void)
{
	struct zp_node *node;
	int nid;

	for_each_node_state(nid, N_MEMORY) {
		node = kzalloc_node(sizeof(*node), GFP_KERNEL, nid);
		if (!node)
			goto out_free_nodes;
		node->nid = nid;
		spin_lock_init(&node->lock);
		INIT_LIST_HEAD(&node->zeroed);
		INIT_LIST_HEAD(&node->dirty);
		init_waitqueue_head(&node->scrub_wait);
		zp_nodes[nid] = node;
		node->tp_served = alloc_percpu(u64);
		if (!node->tp_served)
			goto out_free_nodes;
	}
	if (zp_pcp_init())
		goto out_free_nodes;
	return 0;

out_free_nodes:
	zp_pool_exit();
	return -ENOMEM;
}

void zp_pool_exit(void)
{
	int nid;

	zp_drain_all();
	zp_pcp_exit();
	WARN_ON(atomic_long_read(&zp_held));
	for (nid = 0; nid < MAX_NUMNODES; nid++) {
		if (zp_nodes[nid])
			free_percpu(zp_nodes[nid]->tp_served);
		kfree(zp_nodes[nid]);
		zp_nodes[nid] = NULL;
	}
}
