// SPDX-License-Identifier: GPL-2.0
/*
 * FORWARD: a relay stage that moves queued segments from one ring to the
 * tail of another without touching their data.  The segments keep their
 * owner, which gets the completion once the final consumer lets go.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/fs.h>

#include "ps.h"

/* Detaches whole segments (the head maybe partly read) up to @max. */
static size_t ps_detach(struct ps_ring *src, struct list_head *out,
			u64 max, unsigned int *nsegs)
{
	struct ps_seg *seg, *next;
	size_t bytes = 0;

	spin_lock(&src->lock);
	list_for_each_entry_safe(seg, next, &src->queue, node) {
		size_t left = seg->len - seg->consumed;

		if (*nsegs && max && bytes + left > max)
			break;
		list_move_tail(&seg->node, out);
		bytes += left;
		(*nsegs)++;
	}
	src->queued_bytes -= bytes;
	src->queued_segs -= *nsegs;
	spin_unlock(&src->lock);
	return bytes;
}

static long ps_forward_once(struct ps_ring *src, struct ps_ring *dst,
			    u64 max)
{
	unsigned int nsegs = 0;
	size_t bytes;
	LIST_HEAD(segs);

	bytes = ps_detach(src, &segs, max, &nsegs);
	if (!nsegs)
		return 0;
	spin_lock(&dst->lock);
	if (!dst->shutdown) {
		list_splice_tail(&segs, &dst->queue);
		dst->queued_bytes += bytes;
		dst->queued_segs += nsegs;
		spin_unlock(&dst->lock);
		wake_up_interruptible_all(&dst->wq);
		atomic64_add(bytes, &ps_stats.bytes_forwarded);
		return bytes;
	}
	spin_unlock(&dst->lock);
	/* consumer mutex held: nobody took from src's head meanwhile */
	spin_lock(&src->lock);
	list_splice(&segs, &src->queue);
	src->queued_bytes += bytes;
	src->queued_segs += nsegs;
	spin_unlock(&src->lock);
	return -EPIPE;
}

long ps_forward(struct ps_ring *src, struct pagesplice_forward *args)
{
	struct ps_ring *dst;
	struct file *file;
	long ret;

	if (args->flags & ~PAGESPLICE_FORWARD_NONBLOCK)
		return -EINVAL;
	/* the reference keeps dst's release (and ps_ring_close) away */
	file = fget(args->dst_fd);
	if (!file)
		return -EBADF;
	dst = ps_ring_from_file(file);
	ret = -EINVAL;
	if (!dst || dst == src)
		goto out_fput;
	for (;;) {
		ret = -ERESTARTSYS;
		if (mutex_lock_interruptible(&src->consumer_mutex))
			goto out_fput;
		ret = ps_forward_once(src, dst, args->max_bytes);
		mutex_unlock(&src->consumer_mutex);
		if (ret)
			break;
		if (READ_ONCE(src->shutdown) &&
		    list_empty_careful(&src->queue))
			break;
		ret = ps_queue_wait(src,
				args->flags & PAGESPLICE_FORWARD_NONBLOCK);
		if (ret)
			break;
	}
out_fput:
	fput(file);
	return ret;
}
