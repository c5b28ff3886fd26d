// SPDX-License-Identifier: GPL-2.0
/*
 * A segment's life: built from a user buffer (its pages pinned by pin.c
 * or copied by copy.c), referenced by its queue and by pipe buffers, and
 * completed on its owner ring when the last reference goes.  This file
 * alone writes a segment's owner, cqe, refs and error.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include "ps.h"

static void ps_seg_release_pages(struct ps_seg *seg)
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

	cqe = ps_cqe_alloc();
	if (!cqe)
		goto out;
	/*
	 * Userspace decides how many segments live and for how long: they,
	 * like rings, records and pipe references, are charged to the
	 * caller's memory cgroup.
	 */
	seg = kvzalloc(struct_size(seg, pages, nr), GFP_KERNEL_ACCOUNT);
	if (!seg)
		goto out_free_cqe;
	seg->len = len;
	seg->offset = offset;
	seg->user = zp_user_get_current();
	if (!seg->user)
		goto out_free_seg;
	ret = copy ? ps_seg_copy(seg, addr, nr) : ps_seg_pin(seg, addr, nr);
	if (ret)
		goto out_release;

	refcount_set(&seg->refs, 1);
	INIT_LIST_HEAD(&seg->node);
	ps_ring_get(ring);
	seg->owner = ring;
	ps_cqe_init(cqe, tag, len, seg->flags);
	seg->cqe = cqe;
	return seg;

out_release:
	/* a failed copy leaves pool pages; a failed pin leaves nothing */
	if (seg->flags & PS_SEG_COPIED)
		ps_seg_free_copy(seg);
	zp_user_put(seg->user);
out_free_seg:
	kvfree(seg);
out_free_cqe:
	ps_cqe_free(cqe);
out:
	return ERR_PTR(ret);
}

/* One more pipe_buffer (or other holder) on a queued segment. */
void ps_seg_get(struct ps_seg *seg)
{
	refcount_inc(&seg->refs);
}

/* Releases the pages and completes the buffer on its owner ring. */
static void ps_seg_complete(struct ps_seg *seg)
{
	struct ps_ring *owner = seg->owner;
	struct ps_cqe *cqe = seg->cqe;
	size_t len = seg->len;
	bool error = READ_ONCE(seg->error);

	ps_seg_release_pages(seg);
	zp_user_put(seg->user);
	kvfree(seg);
	ps_cq_complete(owner, cqe, len, error);
	ps_ring_put(owner);
}

/* May sleep: kvfree() of a large segment's page array. */
void ps_seg_put(struct ps_seg *seg)
{
	might_sleep();
	if (refcount_dec_and_test(&seg->refs))
		ps_seg_complete(seg);
}

/* Drops the queue reference of a segment that will never be delivered. */
void ps_seg_drop(struct ps_seg *seg)
{
	WRITE_ONCE(seg->error, true);
	ps_seg_put(seg);
}

/* A copy's buffer is free at once: its record goes out early. */
struct ps_cqe *ps_seg_take_cqe(struct ps_seg *seg)
{
	struct ps_cqe *cqe = seg->cqe;

	seg->cqe = NULL;
	return cqe;
}
