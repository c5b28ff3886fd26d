// SPDX-License-Identifier: GPL-2.0
/*
 * The node lists of the pool: each node's zeroed pages, ready to hand
 * out, and dirty pages waiting for the scrubber.  This is the only file
 * that edits the lists and their counts, always under the node's lock
 * (irq-safe: offload completions add pages from interrupt context); what
 * the pool holds in all is pool.c's count, not theirs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/list.h>
#include <linux/mm.h>
#include <linux/spinlock.h>

#include "zeropool.h"

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

unsigned long zp_node_dirty_pages(struct zp_node *node)
{
	return READ_ONCE(node->nr_dirty);
}

unsigned long zp_node_listed_pages(struct zp_node *node)
{
	return READ_ONCE(node->nr_zeroed) + READ_ONCE(node->nr_dirty);
}

struct page *zp_node_take(struct zp_node *node)
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

/* Moves up to @max zeroed pages of @node into @pages; returns how many. */
unsigned int zp_node_take_batch(struct zp_node *node, struct page **pages,
				unsigned int max)
{
	unsigned long flags;
	unsigned int n = 0;

	spin_lock_irqsave(&node->lock, flags);
	while (n < max && node->nr_zeroed) {
		pages[n] = list_first_entry(&node->zeroed, struct page, lru);
		list_del(&pages[n]->lru);
		node->nr_zeroed--;
		n++;
	}
	spin_unlock_irqrestore(&node->lock, flags);
	return n;
}

/* @page was reserved with zp_reserve(), to be zeroed again. */
void zp_node_add_dirty_page(struct zp_node *node, struct page *page)
{
	LIST_HEAD(pages);

	list_add(&page->lru, &pages);
	zp_node_add(node, &pages, 1, false);
}

/*
 * Moves up to @max pages of @node to @out, dirty ones first and then the
 * zeroed ones filled last; returns how many.
 */
unsigned long zp_node_take_victims(struct zp_node *node, struct list_head *out,
				   unsigned long max)
{
	unsigned long flags, n = zp_node_take_dirty(node, out, max);

	spin_lock_irqsave(&node->lock, flags);
	while (n < max && node->nr_zeroed) {
		list_move(node->zeroed.prev, out);
		node->nr_zeroed--;
		n++;
	}
	spin_unlock_irqrestore(&node->lock, flags);
	return n;
}
