// SPDX-License-Identifier: GPL-2.0
/*
 * The pool: per-node lists of zeroed order-0 pages with a small per-CPU
 * cache in front, so that concurrent faults on different CPUs do not meet
 * on one lock.  Every page held (zeroed, dirty or cached) is counted in
 * zp_held, which zp_reserve() never lets exceed max_pages.  This is the
 * only file that edits the lists, the caches and zp_held: the scrubber,
 * the offload completions and the shrinker go through its functions.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/local_lock.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/nodemask.h>
#include <linux/slab.h>
#include <linux/smp.h>

#include "zeropool.h"

#define ZP_PCP_MAX	32
#define ZP_PCP_BATCH	16

struct zp_pcp {
	local_lock_t lock;	/* protects count and pages[] */
	unsigned int count;
	struct page *pages[ZP_PCP_MAX];
};

static DEFINE_PER_CPU(struct zp_pcp, zp_pcp) = {
	.lock = INIT_LOCAL_LOCK(lock),
};

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

/* @pages were reserved with zp_reserve(); zero, or to be zeroed again. */
static void zp_node_add(struct zp_node *node, struct list_head *pages,
			unsigned long nr, bool zeroed)
{
	unsigned long flags;

	spin_lock_irqsave(&node->lock, flags);
	if (zeroed) {
		list_splice_tail_init(pages, &node->zeroed);
		node->nr_zeroed += nr;
	} else {
		list_splice_tail_init(pages, &node->dirty);
		node->nr_dirty += nr;
	}
	spin_unlock_irqrestore(&node->lock, flags);
}

void zp_node_add_zeroed(struct zp_node *node, struct list_head *pages,
			unsigned long nr)
{
	zp_node_add(node, pages, nr, true);
}

/* Splits a block of 1 << @order pages into @pages; returns how many. */
unsigned long zp_block_split(struct page *page, unsigned int order,
			     struct list_head *pages)
{
	unsigned long nr = 1UL << order, i;

	split_page(page, order);
	for (i = 0; i < nr; i++)
		list_add_tail(&page[i].lru, pages);
	return nr;
}

/*
 * Splits a block of 1 << @order reserved pages and adds them, zeroed or
 * to be zeroed again; from any context (offload completions).
 */
void zp_node_add_block(struct zp_node *node, struct page *page,
		       unsigned int order, bool zeroed)
{
	LIST_HEAD(pages);
	unsigned long nr = zp_block_split(page, order, &pages);

	zp_node_add(node, &pages, nr, zeroed);
}

unsigned long zp_node_take_dirty(struct zp_node *node, struct list_head *out,
				 unsigned long max)
{
	unsigned long flags, n = 0;

	spin_lock_irqsave(&node->lock, flags);
	while (n < max && node->nr_dirty) {
		list_move_tail(node->dirty.next, out);
		node->nr_dirty--;
		n++;
	}
	spin_unlock_irqrestore(&node->lock, flags);
	return n;
}

unsigned long zp_node_pages(struct zp_node *node)
{
	unsigned long nr = READ_ONCE(node->nr_zeroed);
	int cpu;

	for_each_online_cpu(cpu)
		if (cpu_to_node(cpu) == node->nid)
			nr += READ_ONCE(per_cpu_ptr(&zp_pcp, cpu)->count);
	return nr;
}

unsigned long zp_node_dirty_pages(struct zp_node *node)
{
	return READ_ONCE(node->nr_dirty);
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

static unsigned long zp_node_listed_pages(struct zp_node *node)
{
	return READ_ONCE(node->nr_zeroed) + READ_ONCE(node->nr_dirty);
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

static struct page *zp_node_take(struct zp_node *node)
{
	struct page *page = NULL;
	unsigned long flags;

	spin_lock_irqsave(&node->lock, flags);
	if (node->nr_zeroed) {
		page = list_first_entry(&node->zeroed, struct page, lru);
		list_del(&page->lru);
		node->nr_zeroed--;
	}
	spin_unlock_irqrestore(&node->lock, flags);
	return page;
}

/* Called with the local pcp lock held and an empty cache. */
static void zp_pcp_refill(struct zp_pcp *pcp, struct zp_node *node)
{
	struct page *page;

	spin_lock(&node->lock);
	while (pcp->count < ZP_PCP_BATCH && node->nr_zeroed) {
		page = list_first_entry(&node->zeroed, struct page, lru);
		list_del(&page->lru);
		node->nr_zeroed--;
		pcp->pages[pcp->count++] = page;
	}
	spin_unlock(&node->lock);
}

static struct page *zp_pcp_take(struct zp_node *node)
{
	struct page *page = NULL;
	struct zp_pcp *pcp;
	unsigned long flags;

	local_lock_irqsave(&zp_pcp.lock, flags);
	pcp = this_cpu_ptr(&zp_pcp);
	if (!pcp->count)
		zp_pcp_refill(pcp, node);
	if (pcp->count)
		page = pcp->pages[--pcp->count];
	local_unlock_irqrestore(&zp_pcp.lock, flags);
	return page;
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

/* A page from the pool of @nid (NUMA_NO_NODE: the local node), or NULL. */
struct page *zp_take_pooled_page(int nid)
{
	int local = numa_node_id();
	struct zp_node *node;
	struct page *page;

	nid = zp_pool_nid(nid);
	node = zp_nodes[nid];
	if (unlikely(!node))
		return NULL;

	page = nid == local ? zp_pcp_take(node) : zp_node_take(node);
	if (zp_node_wants_pages(node))
		zp_node_kick(node);
	if (likely(page)) {
		atomic_long_dec(&zp_held);
		this_cpu_inc(zp_pcpu_cnt.hits);
	}
	return page;
}

struct page *zp_take_page(int nid, gfp_t gfp)
{
	struct page *page = zp_take_pooled_page(nid);

	if (likely(page))
		return page;
	this_cpu_inc(zp_pcpu_cnt.misses);
	return zp_alloc_inline(zp_pool_nid(nid), gfp);
}
EXPORT_SYMBOL_GPL(zp_take_page);

void zp_give_page(struct page *page)
{
	struct zp_node *node = zp_nodes[page_to_nid(page)];
	unsigned long flags;

	if (WARN_ON_ONCE(page_ref_count(page) != 1)) {
		put_page(page);
		return;
	}
	if (!node || !zp_reserve(1)) {
		atomic64_inc(&zp_cnt.freed_full);
		__free_page(page);
		return;
	}
	spin_lock_irqsave(&node->lock, flags);
	list_add_tail(&page->lru, &node->dirty);
	node->nr_dirty++;
	spin_unlock_irqrestore(&node->lock, flags);
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

static void zp_pcp_drain_local(void *unused)
{
	struct zp_node *node = zp_nodes[numa_node_id()];
	struct zp_pcp *pcp;
	unsigned long flags;
	LIST_HEAD(pages);
	unsigned int n;

	local_lock_irqsave(&zp_pcp.lock, flags);
	pcp = this_cpu_ptr(&zp_pcp);
	n = pcp->count;
	while (pcp->count)
		list_add(&pcp->pages[--pcp->count]->lru, &pages);
	local_unlock_irqrestore(&zp_pcp.lock, flags);
	/* A CPU of a memoryless node never filled its cache. */
	if (n && !WARN_ON_ONCE(!node))
		zp_node_add_zeroed(node, &pages, n);
}

/* Frees up to @nr pages, dirty ones first; returns how many. */
unsigned long zp_release_pages(unsigned long nr)
{
	unsigned long freed = 0, flags;
	struct zp_node *node;
	struct page *page;
	LIST_HEAD(victims);
	int nid;

	for_each_node_state(nid, N_MEMORY) {
		node = zp_nodes[nid];
		if (!node)
			continue;
		spin_lock_irqsave(&node->lock, flags);
		while (freed < nr && node->nr_dirty) {
			list_move(node->dirty.next, &victims);
			node->nr_dirty--;
			freed++;
		}
		while (freed < nr && node->nr_zeroed) {
			list_move(node->zeroed.prev, &victims);
			node->nr_zeroed--;
			freed++;
		}
		spin_unlock_irqrestore(&node->lock, flags);
	}
	while (!list_empty(&victims)) {
		page = list_first_entry(&victims, struct page, lru);
		list_del(&page->lru);
		__free_page(page);
	}
	zp_unreserve(freed);
	return freed;
}

/* Moves the pages of every per-CPU cache back to the node lists. */
static void zp_drain_pcp(void)
{
	on_each_cpu(zp_pcp_drain_local, NULL, 1);
}

/* Empties the per-CPU caches and the node lists. */
void zp_drain_all(void)
{
	zp_drain_pcp();
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
		zp_drain_pcp();
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
	}
	return 0;

out_free_nodes:
	zp_pool_exit();
	return -ENOMEM;
}

void zp_pool_exit(void)
{
	int nid;

	zp_drain_all();
	WARN_ON(atomic_long_read(&zp_held));
	for (nid = 0; nid < MAX_NUMNODES; nid++) {
		kfree(zp_nodes[nid]);
		zp_nodes[nid] = NULL;
	}
}
