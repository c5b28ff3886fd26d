// SPDX-License-Identifier: GPL-2.0
/*
 * A ring's segment queue: the FIFO between what comes in (SUBMIT, FORWARD
 * from another ring) and what goes out (read, splice, FORWARD to another
 * ring), and the one consumer loop that every way out runs with its own
 * actor, as fs/splice.c's __splice_from_pipe() does.
 *
 * This file alone writes a ring's queue, queued_bytes, queued_segs, seq
 * and shutdown, and a queued segment's node and consumed: the counters
 * that GET_INFO reports can't drift from the list they count.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/sched/signal.h>

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

/*
 * Detaches whole segments (the head maybe partly read) up to @max bytes
 * (0: all) onto @out; returns their unread bytes.  Caller holds the
 * consumer mutex, so the head can't move until they are attached or
 * restored.
 */
size_t ps_queue_detach(struct ps_ring *ring, struct list_head *out, u64 max,
		       unsigned int *nsegs)
{
	struct ps_seg *seg, *next;
	size_t bytes = 0;

	lockdep_assert_held(&ring->consumer_mutex);
	spin_lock(&ring->lock);
	list_for_each_entry_safe(seg, next, &ring->queue, node) {
		size_t left = seg->len - seg->consumed;

		if (*nsegs && max && bytes + left > max)
			break;
		list_move_tail(&seg->node, out);
		bytes += left;
		(*nsegs)++;
	}
	ring->queued_bytes -= bytes;
	ring->queued_segs -= *nsegs;
	spin_unlock(&ring->lock);
	return bytes;
}

/* Splices detached segments in at the tail or head; caller holds the lock. */
static void ps_queue_add_locked(struct ps_ring *ring, struct list_head *segs,
				size_t bytes, unsigned int nsegs, bool tail)
{
	lockdep_assert_held(&ring->lock);
	if (tail)
		list_splice_tail(segs, &ring->queue);
	else
		list_splice(segs, &ring->queue);
	ring->queued_bytes += bytes;
	ring->queued_segs += nsegs;
}

/* Appends detached segments; false (and @segs kept) after SHUTDOWN. */
bool ps_queue_attach(struct ps_ring *ring, struct list_head *segs,
		     size_t bytes, unsigned int nsegs)
{
	spin_lock(&ring->lock);
	if (ring->shutdown) {
		spin_unlock(&ring->lock);
		return false;
	}
	ps_queue_add_locked(ring, segs, bytes, nsegs, true);
	spin_unlock(&ring->lock);
	wake_up_interruptible_all(&ring->wq);
	return true;
}

/* Puts detached segments back at the head they were taken from. */
void ps_queue_restore(struct ps_ring *ring, struct list_head *segs,
		      size_t bytes, unsigned int nsegs)
{
	/* consumer mutex held: nobody took from the head meanwhile */
	lockdep_assert_held(&ring->consumer_mutex);
	spin_lock(&ring->lock);
	ps_queue_add_locked(ring, segs, bytes, nsegs, false);
	spin_unlock(&ring->lock);
}

static bool ps_queue_readable(struct ps_ring *ring)
{
	return !list_empty_careful(&ring->queue) || READ_ONCE(ring->shutdown);
}

/* 0 when data or EOF is there, else -EAGAIN or -ERESTARTSYS. */
static int ps_queue_wait(struct ps_ring *ring, bool nonblock)
{
	if (ps_queue_readable(ring))
		return 0;
	if (nonblock)
		return -EAGAIN;
	if (wait_event_interruptible(ring->wq, ps_queue_readable(ring)))
		return -ERESTARTSYS;
	return 0;
}

/*
 * The consumer loop: runs @actor under the consumer mutex until it takes
 * something or fails; 0 (EOF) once the ring is shut down and drained;
 * otherwise waits for data, or -EAGAIN when @nonblock.
 */
ssize_t ps_queue_consume(struct ps_ring *ring, ps_actor_t actor, void *data,
			 bool nonblock)
{
	ssize_t ret;

	for (;;) {
		if (mutex_lock_interruptible(&ring->consumer_mutex))
			return -ERESTARTSYS;
		ret = actor(ring, data);
		mutex_unlock(&ring->consumer_mutex);
		if (ret)
			return ret;
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
