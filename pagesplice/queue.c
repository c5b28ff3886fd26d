// SPDX-License-Identifier: GPL-2.0
/*
 * A ring's segment queue: the FIFO between what comes in (SUBMIT, FORWARD
 * from another ring) and what goes out (read, splice, FORWARD to another
 * ring), and read() itself.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/uio.h>

#include "ps.h"

/*
 * Queues a segment built against a reservation of @ring and numbers it.
 * A copied segment completes here: its buffer is free already.  Numbering
 * and posting share the lock so that records post in sequence and merge.
 */
void ps_queue_enqueue(struct ps_ring *ring, struct ps_seg *seg, u64 *seq)
{
	struct ps_cqe *free_cqe = NULL;

	/*
	 * Not refused after a SHUTDOWN that raced with this SUBMIT's
	 * reservation: the buffer is delivered like one queued just before.
	 */
	spin_lock(&ring->lock);
	*seq = ring->seq++;
	ps_cqe_number(seg->cqe, *seq);
	list_add_tail(&seg->node, &ring->queue);
	ring->queued_bytes += seg->len;
	ring->queued_segs++;
	if (seg->flags & PS_SEG_COPIED)
		free_cqe = ps_cq_post_locked(ring, ps_seg_take_cqe(seg));
	spin_unlock(&ring->lock);
	ps_cqe_free(free_cqe);
	wake_up_interruptible_all(&ring->wq);
}

struct ps_seg *ps_queue_head(struct ps_ring *ring)
{
	struct ps_seg *seg;

	spin_lock(&ring->lock);
	seg = list_first_entry_or_null(&ring->queue, struct ps_seg, node);
	spin_unlock(&ring->lock);
	return seg;
}

/*
 * Marks @n more bytes of the head segment as handed out; drops the queue
 * reference once all of it was.  Caller holds the consumer mutex.
 */
void ps_queue_advance(struct ps_ring *ring, struct ps_seg *seg, size_t n)
{
	bool done;

	lockdep_assert_held(&ring->consumer_mutex);
	seg->consumed += n;
	done = seg->consumed == seg->len;
	spin_lock(&ring->lock);
	ring->queued_bytes -= n;
	if (done) {
		list_del(&seg->node);
		ring->queued_segs--;
	}
	spin_unlock(&ring->lock);
	if (done)
		ps_seg_put(seg);
}

/* Copies from the head segment; returns bytes, short on a fault. */
static size_t ps_seg_copy_to_iter(struct ps_seg *seg, struct iov_iter *to)
{
	size_t total = 0;

	while (seg->consumed + total < seg->len && iov_iter_count(to)) {
		size_t pos = seg->offset + seg->consumed + total;
		struct page *page = seg->pages[pos >> PAGE_SHIFT];
		size_t off = offset_in_page(pos);
		size_t chunk = min3(PAGE_SIZE - off,
				    seg->len - seg->consumed - total,
				    iov_iter_count(to));
		size_t n;

		if (page)
			n = copy_page_to_iter(page, off, chunk, to);
		else
			n = iov_iter_zero(chunk, to);
		total += n;
		if (n != chunk)
			break;
	}
	return total;
}

static bool ps_queue_readable(struct ps_ring *ring)
{
	return !list_empty_careful(&ring->queue) || READ_ONCE(ring->shutdown);
}

/* 0 when data or EOF is there, else -EAGAIN or -ERESTARTSYS. */
int ps_queue_wait(struct ps_ring *ring, bool nonblock)
{
	if (ps_queue_readable(ring))
		return 0;
	if (nonblock)
		return -EAGAIN;
	if (wait_event_interruptible(ring->wq, ps_queue_readable(ring)))
		return -ERESTARTSYS;
	return 0;
}

ssize_t ps_ring_read(struct ps_ring *ring, struct iov_iter *to, bool nonblock)
{
	ssize_t total;
	int ret;

	if (!iov_iter_count(to))
		return 0;
	for (;;) {
		bool fault = false;

		if (mutex_lock_interruptible(&ring->consumer_mutex))
			return -ERESTARTSYS;
		total = 0;
		while (iov_iter_count(to)) {
			struct ps_seg *seg = ps_queue_head(ring);
			size_t want, n;

			if (!seg)
				break;
			want = min(seg->len - seg->consumed,
				   iov_iter_count(to));
			n = ps_seg_copy_to_iter(seg, to);
			if (n)
				ps_queue_advance(ring, seg, n);
			total += n;
			if (n < want) {
				fault = true;
				break;
			}
		}
		mutex_unlock(&ring->consumer_mutex);
		if (total)
			return total;
		if (fault)
			return -EFAULT;
		if (READ_ONCE(ring->shutdown) &&
		    list_empty_careful(&ring->queue))
			return 0;
		ret = ps_queue_wait(ring, nonblock);
		if (ret)
			return ret;
	}
}

/* Stops submissions; consumers drain the queue and then read EOF. */
void ps_queue_shutdown(struct ps_ring *ring)
{
	spin_lock(&ring->lock);
	ring->shutdown = true;
	spin_unlock(&ring->lock);
	wake_up_interruptible_all(&ring->wq);
}

/*
 * The last file is gone: nobody can read any more.  Queued segments
 * complete with an error on their owners (maybe other rings).
 */
void ps_queue_close(struct ps_ring *ring)
{
	struct ps_seg *seg, *next;
	LIST_HEAD(segs);

	spin_lock(&ring->lock);
	ring->shutdown = true;
	list_splice_init(&ring->queue, &segs);
	ring->queued_bytes = 0;
	ring->queued_segs = 0;
	spin_unlock(&ring->lock);

	list_for_each_entry_safe(seg, next, &segs, node) {
		list_del(&seg->node);
		ps_seg_drop(seg);
	}
}
