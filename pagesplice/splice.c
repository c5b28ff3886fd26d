// SPDX-License-Identifier: GPL-2.0
/*
 * splice() out of a ring: queued pages go into the pipe by reference.  Each
 * pipe_buffer holds a reference on its segment, so the buffer completes
 * only when the pipe (or whoever it was spliced on to) releases the last
 * of them.  The page itself needs no reference of its own: the segment's
 * pin (or pool page, or the zero page) outlives the pipe_buffer.
 *
 * Pipe buffers outlive the ring's file and call back into this module, so
 * each holds a reference on the file it was spliced from: the module stays
 * pinned through the file's fops owner, and the last fput() lets the VFS,
 * not code of ours, drop that module reference after our callback returned.
 *
 * The actor of queue.c's consumer loop for splice(); dev.c's splice_read
 * calls in here.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pipe_fs_i.h>
#include <linux/splice.h>

#include <linux/file.h>
#include <linux/slab.h>

#include "ps.h"

/* What a pipe_buffer (and its tee() copies) hold: buf->private. */
struct ps_pipe_ref {
	refcount_t refs;	/* one per pipe_buffer pointing here */
	struct ps_seg *seg;	/* one segment reference */
	struct file *file;	/* one file reference */
};

static void ps_pipe_ref_put(struct ps_pipe_ref *ref)
{
	struct file *file = ref->file;

	if (!refcount_dec_and_test(&ref->refs))
		return;
	ps_seg_put(ref->seg);
	kfree(ref);
	fput(file);	/* last: may hold the last module reference */
}

static void ps_pipe_buf_release(struct pipe_inode_info *pipe,
				struct pipe_buffer *buf)
{
	ps_pipe_ref_put((struct ps_pipe_ref *)buf->private);
}

/* tee() and friends: one more pipe_buffer on the same reference. */
static bool ps_pipe_buf_get(struct pipe_inode_info *pipe,
			    struct pipe_buffer *buf)
{
	struct ps_pipe_ref *ref = (struct ps_pipe_ref *)buf->private;

	/* refuse rather than saturate */
	if (refcount_read(&ref->refs) >= INT_MAX / 2)
		return false;
	refcount_inc(&ref->refs);
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

/*
 * Puts pages of @seg into the pipe, from where consumers left it, up to
 * @len bytes or a full pipe; one reference shared by all their pipe
 * buffers.  Returns the bytes moved or, if none, a negative errno.
 */
static ssize_t ps_seg_splice(struct ps_seg *seg, struct file *in,
			     struct pipe_inode_info *pipe, size_t len)
{
	struct ps_pipe_ref *ref = kmalloc(sizeof(*ref), GFP_KERNEL_ACCOUNT);
	unsigned int nr_bufs = 0;
	size_t moved = 0;
	ssize_t ret = 0;

	if (!ref)
		return -ENOMEM;
	/* one for this function until the end, plus one per pipe_buffer */
	refcount_set(&ref->refs, 1);
	ref->seg = seg;
	ps_seg_get(seg);
	ref->file = get_file(in);

	while (moved < len && seg->consumed + moved < seg->len &&
	       !pipe_full(pipe->head, pipe->tail, pipe->max_usage)) {
		size_t pos = seg->offset + seg->consumed + moved;
		size_t off = offset_in_page(pos);
		size_t chunk = min3(PAGE_SIZE - off,
				    seg->len - seg->consumed - moved,
				    len - moved);
		struct page *page = seg->pages[pos >> PAGE_SHIFT];
		/* every field set; never CAN_MERGE (Dirty Pipe) */
		struct pipe_buffer buf = {
			.page = page ? page : ZERO_PAGE(0),
			.offset = off,
			.len = chunk,
			.ops = &ps_pipe_buf_ops,
			.flags = 0,
			.private = (unsigned long)ref,
		};

		refcount_inc(&ref->refs);
		/* on failure add_to_pipe() releases buf (its reference) */
		ret = add_to_pipe(pipe, &buf);
		if (ret < 0)
			break;
		moved += chunk;
		nr_bufs++;
	}
	atomic64_add(nr_bufs, &ps_stats.splice_bufs);
	ps_pipe_ref_put(ref);
	return moved ? moved : ret;
}

struct ps_splice_args {
	struct file *in;
	struct pipe_inode_info *pipe;
	size_t len;
};

/*
 * Moves up to @len bytes; the caller holds the pipe lock.  Never a false
 * EOF: with the pipe full and nothing moved it says -EAGAIN, as the splice
 * core waits for space before it calls.
 */
static ssize_t ps_splice_actor(struct ps_ring *ring, void *data)
{
	struct ps_splice_args *sp = data;
	struct pipe_inode_info *pipe = sp->pipe;
	ssize_t total = 0;

	while (total < sp->len &&
	       !pipe_full(pipe->head, pipe->tail, pipe->max_usage)) {
		struct ps_seg *seg = ps_queue_head(ring);
		ssize_t moved;

		if (!seg)
			break;
		moved = ps_seg_splice(seg, sp->in, pipe, sp->len - total);
		if (moved < 0)
			return total ? total : moved;
		ps_queue_advance(ring, seg, moved);
		total += moved;
	}
	if (!total && pipe_full(pipe->head, pipe->tail, pipe->max_usage))
		return -EAGAIN;
	return total;
}

ssize_t ps_splice_out(struct ps_ring *ring, struct file *in,
		      struct pipe_inode_info *pipe, size_t len, bool nonblock)
{
	struct ps_splice_args sp = {
		.in = in,
		.pipe = pipe,
		.len = len,
	};

	if (!len)
		return 0;
	return ps_queue_consume(ring, ps_splice_actor, &sp, nonblock);
}
