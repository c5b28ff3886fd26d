// SPDX-License-Identifier: GPL-2.0
/*
 * SUBMIT: each user buffer reserves room on the ring, becomes a segment
 * and is queued, in that order, so a full ring refuses a buffer before
 * any of its pages is pinned or copied.  A vector that fails part-way
 * returns the count queued, and the ring keeps the error for its next
 * SUBMIT: this file alone writes ring->submit_error.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/fs.h>
#include <linux/uaccess.h>

#include "ps.h"
#include "trace.h"

static int ps_submit_one(struct ps_ring *ring,
			 struct pagesplice_buf __user *ubuf, u32 flags,
			 bool nonblock)
{
	size_t threshold = READ_ONCE(ps_copy_threshold);
	struct pagesplice_buf b;
	struct ps_seg *seg;
	u32 seg_flags;
	bool copy;
	u64 seq;
	int ret;

	if (copy_from_user(&b, ubuf, sizeof(b)))
		return -EFAULT;
	/* the sequence number must be deliverable before anything queues */
	if (put_user(0ULL, &ubuf->seq))
		return -EFAULT;
	if (!b.len)
		return -EINVAL;
	if (b.len > READ_ONCE(ps_ring_max_bytes))
		return -E2BIG;
	if (b.addr + b.len < b.addr ||
	    !access_ok(u64_to_user_ptr(b.addr), b.len))
		return -EFAULT;
	copy = !(flags & PAGESPLICE_SUBMIT_NOCOPY) && b.len < threshold;

	ret = ps_ring_reserve(ring, b.len, nonblock);
	if (ret)
		return ret;
	seg = ps_seg_from_user(ring, b.addr, b.len, b.user_tag, copy);
	if (IS_ERR(seg)) {
		ps_ring_unreserve(ring, b.len);
		return PTR_ERR(seg);
	}
	seg_flags = seg->flags;
	trace_ps_copy_decision(b.len, threshold,
			       flags & PAGESPLICE_SUBMIT_NOCOPY, seg_flags,
			       seg->nr_pages);
	ps_queue_enqueue(ring, seg, &seq);
	/* a consumer may have freed @seg already */
	trace_ps_submit(seq, b.user_tag, b.len, seg_flags);
	/* queued now: a failure here cannot be undone, nor reported */
	if (put_user(seq, &ubuf->seq))
		pr_debug("seq %llu not written back\n", seq);
	return 0;
}

/*
 * Buffer i > 0 failed: the caller gets i and the next SUBMIT the error,
 * unless it was of the moment (a full ring without waiting, a signal),
 * which the next call meets again for itself if it still holds.
 */
static void ps_submit_keep_error(struct ps_ring *ring, int err)
{
	if (err == -EAGAIN || err == -ERESTARTSYS || err == -EINTR)
		return;
	spin_lock(&ring->lock);
	ring->submit_error = err;
	spin_unlock(&ring->lock);
}

/* The error a partial SUBMIT left, once, or 0. */
static int ps_submit_take_error(struct ps_ring *ring)
{
	int err;

	spin_lock(&ring->lock);
	err = ring->submit_error;
	ring->submit_error = 0;
	spin_unlock(&ring->lock);
	return err;
}

/* Returns how many buffers were queued, or an error for the first one. */
long ps_submit(struct ps_ring *ring, struct file *file, void __user *argp)
{
	struct pagesplice_buf __user *ubufs;
	struct pagesplice_submit args;
	bool nonblock;
	u32 i;
	int ret;

	ret = ps_submit_take_error(ring);
	if (ret)
		return ret;
	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	if (args.flags & ~(PAGESPLICE_SUBMIT_NONBLOCK |
			   PAGESPLICE_SUBMIT_NOCOPY) || !args.nr)
		return -EINVAL;
	if (args.nr > PAGESPLICE_MAX_VEC)
		return -E2BIG;
	nonblock = (args.flags & PAGESPLICE_SUBMIT_NONBLOCK) ||
		   (file->f_flags & O_NONBLOCK);
	ubufs = u64_to_user_ptr(args.bufs);
	for (i = 0; i < args.nr; i++) {
		ret = ps_submit_one(ring, &ubufs[i], args.flags, nonblock);
		if (ret)
			break;
	}
	if (ret && i)
		ps_submit_keep_error(ring, ret);
	return i ? i : ret;
}
