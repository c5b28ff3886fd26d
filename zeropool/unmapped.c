// SPDX-License-Identifier: GPL-2.0
/*
 * The pages a /dev/zeropool object holds that no mapping covers, and the
 * per-user bound on them (pool/user_unmapped_max_pages).
 *
 * An open file keeps its object, and the object its pages, after every
 * mapping of them is gone: memory in no process's RSS.  Without a bound a
 * user could map, touch and unmap at ever new offsets of one fd until the
 * machine is out of memory.  So each page at an offset no mapping covers
 * is marked ZP_OBJECT_UNMAPPED and charged to the opener's
 * dev_unmapped_pages; when a mapping goes and keeping what it leaves
 * uncovered would take that count past the limit (or the limit is 0), the
 * object's pages that no mapping covers are all discarded instead, and
 * those offsets read as zeros again.  The ABI (include/uapi/ABI.md) says
 * the same.
 *
 * Coverage is read from the object's address_space: every VMA of the file
 * is in its i_mmap tree, which the core edits (mmap, munmap, split,
 * mremap, fork) only under i_mmap_lock_write.  A VMA is out of the tree
 * by the time its ->close runs; the scan below holds the tree still with
 * i_mmap_lock_read, so no mapping can appear over an offset between the
 * check and the discard, and no fault can be looking up a discarded page.
 *
 * A page becomes covered again when a new mapping is made over it (the
 * mark is cleared at mmap) or, for a mapping made while a scan ran or one
 * grown by mremap (the core tells no one), at its first fault:
 * until then it may be counted unmapped though covered, never the other
 * way.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/rbtree.h>
#include <linux/sched.h>
#include <linux/xarray.h>

#include <zeropool/users.h>

#include "object.h"
#include "unmapped.h"
#include "zeropool.h"

/*
 * Which offsets the VMAs of an object, but @gone, cover: the last answer
 * is kept as a run [start, end) of offsets covered (or not) alike, since
 * a scan asks in increasing order.
 */
struct zp_cover {
	struct rb_root_cached *root;
	struct vm_area_struct *gone;
	pgoff_t start, end;
	bool covered;
};

static bool zp_covered(struct zp_cover *c, pgoff_t index)
{
	struct vm_area_struct *vma;
	struct rb_node *node;
	pgoff_t first, next = ULONG_MAX;

	if (index >= c->start && index < c->end)
		return c->covered;
	for (node = rb_first_cached(c->root); node; node = rb_next(node)) {
		vma = rb_entry(node, struct vm_area_struct, shared.rb);
		if (vma == c->gone)
			continue;
		first = vma->vm_pgoff;
		if (index >= first && index < first + vma_pages(vma)) {
			c->start = first;
			c->end = first + vma_pages(vma);
			c->covered = true;
			return true;
		}
		if (first > index && first < next)
			next = first;
	}
	c->start = index;
	c->end = next;
	c->covered = false;
	return false;
}

/*
 * Clears the marks of [@first, @last] and uncharges them (may sleep: a
 * new mapping can cover up to the limit's worth of marks).
 */
void zp_unmapped_clear(struct zp_object *obj, pgoff_t first, pgoff_t last)
{
	XA_STATE(xas, &obj->pages, first);
	unsigned long n = 0;
	struct page *page;

	xas_lock(&xas);
	xas_for_each_marked(&xas, page, last, ZP_OBJECT_UNMAPPED) {
		xas_clear_mark(&xas, ZP_OBJECT_UNMAPPED);
		if (++n % XA_CHECK_SCHED)
			continue;
		xas_pause(&xas);
		xas_unlock(&xas);
		cond_resched();
		xas_lock(&xas);
	}
	xas_unlock(&xas);
	if (!n)
		return;
	atomic_long_sub(n, &obj->nr_unmapped);
	zp_user_uncharge(obj->user, ZP_USER_DEV_UNMAPPED, n);
}

/* Discards the page at @index, uncharging its mark if it had one. */
static void zp_unmapped_discard(struct zp_object *obj, pgoff_t index)
{
	if (!zp_object_discard(obj, index))
		return;
	atomic_long_dec(&obj->nr_unmapped);
	zp_user_uncharge(obj->user, ZP_USER_DEV_UNMAPPED, 1);
}

/*
 * Over the limit: every marked page no mapping covers goes.  One a
 * mapping made while an earlier scan ran covers only loses its mark.
 */
static void zp_unmapped_discard_all(struct zp_object *obj,
				    struct zp_cover *cover)
{
	unsigned long index;
	struct page *page;

	xa_for_each_marked(&obj->pages, index, page, ZP_OBJECT_UNMAPPED) {
		if (zp_covered(cover, index))
			zp_unmapped_clear(obj, index, index);
		else
			zp_unmapped_discard(obj, index);
		cond_resched();
	}
}

/* Marks the page at @index unmapped; the caller charged it. */
static void zp_unmapped_mark(struct zp_object *obj, pgoff_t index)
{
	xa_set_mark(&obj->pages, index, ZP_OBJECT_UNMAPPED);
	atomic_long_inc(&obj->nr_unmapped);
}

/*
 * ->close of a mapping of @obj: the pages of its range that no other
 * mapping covers are marked and charged, or, past the limit, discarded
 * with every other page of the object no mapping covers.
 */
void zp_unmapped_close(struct zp_object *obj, struct vm_area_struct *vma)
{
	struct address_space *mapping = zp_object_mapping(obj);
	unsigned long limit = READ_ONCE(zp_tun.user_unmapped_max_pages);
	pgoff_t first = vma->vm_pgoff, last = first + vma_pages(vma) - 1;
	struct zp_cover cover = {
		.root = &mapping->i_mmap,
		.gone = vma,
	};
	bool over = !limit;
	unsigned long index;
	struct page *page;

	/*
	 * The last reference to the file (the fd closed, no other mapping):
	 * the object goes with all its pages as soon as we return, and with
	 * no fd left nobody can map it again.
	 */
	if (file_count(vma->vm_file) == 1)
		return;
	mutex_lock(&obj->unmap_lock);
	i_mmap_lock_read(mapping);
	xa_for_each_range(&obj->pages, index, page, first, last) {
		if (xa_get_mark(&obj->pages, index, ZP_OBJECT_UNMAPPED) ||
		    zp_covered(&cover, index))
			continue;
		if (!over && zp_user_charge(obj->user, ZP_USER_DEV_UNMAPPED,
					    1, limit)) {
			zp_unmapped_mark(obj, index);
		} else {
			over = true;
			zp_unmapped_discard(obj, index);
		}
		cond_resched();
	}
	if (over)
		zp_unmapped_discard_all(obj, &cover);
	i_mmap_unlock_read(mapping);
	mutex_unlock(&obj->unmap_lock);
}
