// SPDX-License-Identifier: GPL-2.0
/*
 * splice() out of a ring: queued pages go into the pipe by reference.  Each
 * pipe_buffer holds a reference on its segment, so the buffer completes
 * only when the pipe (or whoever it was spliced on to) releases the last
 * of them.  The page itself needs no reference of its own: the segment's
 * pin (or pool page, or the zero page) outlives the pipe_buffer.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pipe_fs_i.h>
#include <linux/splice.h>

#include "ps.h"

static void ps_pipe_buf_release(struct pipe_inode_info *pipe,
				struct pipe_buffer *buf)
{
	ps_seg_put((struct ps_seg *)buf->private);
}

/* tee() and friends: one more pipe_buffer on the same segment. */
static bool ps_pipe_buf_get(struct pipe_inode_info *pipe,
			    struct pipe_buffer *buf)
{
	struct ps_seg *seg = (struct ps_seg *)buf->private;

	/* refuse rather than saturate */
	if (refcount_read(&seg->refs) >= INT_MAX / 2)
		return false;
	refcount_inc(&seg->refs);
	return true;
}

/*
 * No try_steal: the pages belong to the producer (or to the pool) and must
 * never end up in a page cache or another process.
 */
static const struct pipe_buf_operations ps_pipe_buf_ops = {
	.release = ps_pipe_buf_release,
	.get = ps_pipe_buf_get,
};

/* Moves up to @len bytes; caller holds the pipe lock and consumer mutex. */
static ssize_t ps_ring_splice(struct ps_ring *ring,
			      struct pipe_inode_info *pipe, size_t len)
{
	ssize_t total = 0;

	while (total < len) {
		struct ps_seg *seg;
		struct page *page;
		size_t pos, off, chunk;
		ssize_t ret;

		if (pipe_full(pipe->head, pipe->tail, pipe->max_usage))
			break;
		seg = ps_ring_head(ring);
		if (!seg)
			break;
		pos = seg->offset + seg->consumed;
		off = offset_in_page(pos);
		chunk = min3(PAGE_SIZE - off, seg->len - seg->consumed,
			     len - total);
		page = seg->pages[pos >> PAGE_SHIFT];
		if (!page)
			page = ZERO_PAGE(0);

		refcount_inc(&seg->refs);
		{
			/* every field set; never CAN_MERGE (Dirty Pipe) */
			struct pipe_buffer buf = {
				.page = page,
				.offset = off,
				.len = chunk,
				.ops = &ps_pipe_buf_ops,
				.flags = 0,
				.private = (unsigned long)seg,
			};

			/* on failure add_to_pipe() releases buf itself */
			ret = add_to_pipe(pipe, &buf);
		}
		if (ret < 0)
			return total ? total : ret;
		atomic64_inc(&ps_stats.splice_bufs);
		ps_ring_advance(ring, seg, chunk);
		total += chunk;
	}
	return total;
}

ssize_t ps_splice_read(struct file *in, loff_t *ppos,
		       struct pipe_inode_info *pipe, size_t len,
		       unsigned int flags)
{
	struct ps_ring *ring = ps_ring_from_file(in);
	bool nonblock = (in->f_flags & O_NONBLOCK) ||
			(flags & SPLICE_F_NONBLOCK);
	ssize_t ret;

	if (!len)
		return 0;
	for (;;) {
		if (mutex_lock_interruptible(&ring->consumer_mutex))
			return -ERESTARTSYS;
		ret = ps_ring_splice(ring, pipe, len);
		mutex_unlock(&ring->consumer_mutex);
		if (ret)
			return ret;
		/* never a false EOF: the splice core waits for space first */
		if (pipe_full(pipe->head, pipe->tail, pipe->max_usage))
			return -EAGAIN;
		if (READ_ONCE(ring->shutdown) &&
		    list_empty_careful(&ring->queue))
			return 0;
		ret = ps_ring_wait_data(ring, nonblock);
		if (ret)
			return ret;
	}
}
