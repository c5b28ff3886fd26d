// SPDX-License-Identifier: GPL-2.0
/*
 * Turning a user buffer into a segment, its pages pinned by pin.c or
 * copied by copy.c, and giving those pages back when it completes.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include "ps.h"

void ps_seg_release_pages(struct ps_seg *seg)
{
	if (seg->flags & PS_SEG_COPIED)
		ps_seg_free_copy(seg);
	else
		ps_seg_unpin(seg);
}

/* Caller validated addr/len and reserved room in @ring. */
struct ps_seg *ps_seg_from_user(struct ps_ring *ring, u64 addr, size_t len,
				u64 tag, bool copy)
{
	unsigned int offset = copy ? 0 : offset_in_page(addr);
	unsigned int nr = DIV_ROUND_UP(offset + len, PAGE_SIZE);
	struct ps_seg *seg;
	struct ps_cqe *cqe;
	int ret = -ENOMEM;

	cqe = kzalloc(sizeof(*cqe), GFP_KERNEL);
	if (!cqe)
		goto out;
	seg = kvzalloc(struct_size(seg, pages, nr), GFP_KERNEL);
	if (!seg)
		goto out_free_cqe;
	seg->len = len;
	seg->offset = offset;
	ret = copy ? ps_seg_copy(seg, addr, nr) : ps_seg_pin(seg, addr, nr);
	if (ret)
		goto out_release;

	refcount_set(&seg->refs, 1);
	INIT_LIST_HEAD(&seg->node);
	ps_ring_get(ring);
	seg->owner = ring;
	cqe->c.user_tag = tag;
	cqe->c.bytes = len;
	cqe->c.flags = seg->flags;
	seg->cqe = cqe;
	return seg;

out_release:
	/* a failed copy leaves pool pages; a failed pin leaves nothing */
	if (seg->flags & PS_SEG_COPIED)
		ps_seg_free_copy(seg);
	kvfree(seg);
out_free_cqe:
	kfree(cqe);
out:
	return ERR_PTR(ret);
}
