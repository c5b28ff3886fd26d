// SPDX-License-Identifier: GPL-2.0
/*
 * The ring: a FIFO of segments, a list of completion records, and the
 * capacity that bounds both.
 *
 * Capacity is charged to the ring a buffer was submitted to, from SUBMIT
 * until its completion is reaped: in-flight segments plus unreaped
 * completion records stay under ring_max_bufs, in-flight bytes under
 * ring_max_bytes.  A FORWARDed segment stays charged to its owner, so a
 * chain of rings is bounded by its producers.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/eventfd.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "ps.h"

struct ps_ring *ps_ring_alloc(void)
{
	struct ps_ring *ring = kzalloc(sizeof(*ring), GFP_KERNEL);

	if (!ring)
		return NULL;
	spin_lock_init(&ring->lock);
	INIT_LIST_HEAD(&ring->queue);
	INIT_LIST_HEAD(&ring->cq);
	mutex_init(&ring->consumer_mutex);
	init_waitqueue_head(&ring->wq);
	kref_init(&ring->ref);
	atomic64_inc(&ps_stats.rings);
	atomic64_inc(&ps_stats.rings_created);
	return ring;
}

void ps_ring_get(struct ps_ring *ring)
{
	kref_get(&ring->ref);
}

static void ps_ring_free(struct kref *ref)
{
	struct ps_ring *ring = container_of(ref, struct ps_ring, ref);

	WARN_ON_ONCE(!list_empty(&ring->queue) || !list_empty(&ring->cq));
	mutex_destroy(&ring->consumer_mutex);
	kfree(ring);
	atomic64_dec(&ps_stats.rings);
}

void ps_ring_put(struct ps_ring *ring)
{
	kref_put(&ring->ref, ps_ring_free);
}

/* Posts @cqe, merging it into the last record; returns what to free. */
static struct ps_cqe *ps_post_locked(struct ps_ring *ring, struct ps_cqe *cqe)
{
	struct ps_cqe *tail;

	lockdep_assert_held(&ring->lock);
	atomic64_inc(&ps_stats.completions);
	if (ring->closed)
		return cqe;
	ps_ring_notify_locked(ring);
	tail = list_empty(&ring->cq) ? NULL :
	       list_last_entry(&ring->cq, struct ps_cqe, node);
	if (tail && tail->c.seq_last + 1 == cqe->c.seq_first &&
	    tail->c.user_tag == cqe->c.user_tag &&
	    tail->c.flags == cqe->c.flags) {
		tail->c.seq_last = cqe->c.seq_last;
		tail->c.bytes += cqe->c.bytes;
		return cqe;
	}
	list_add_tail(&cqe->node, &ring->cq);
	ring->nr_cqe++;
	return NULL;
}

/* Releases the pages and completes the buffer on its owner ring. */
static void ps_seg_complete(struct ps_seg *seg)
{
	struct ps_ring *owner = seg->owner;
	struct ps_cqe *cqe = seg->cqe;
	size_t len = seg->len;

	if (cqe && READ_ONCE(seg->error))
		cqe->c.flags |= PAGESPLICE_COMP_ERROR;
	ps_seg_release_pages(seg);
	kvfree(seg);

	spin_lock(&owner->lock);
	owner->inflight_segs--;
	owner->inflight_bytes -= len;
	if (cqe)
		cqe = ps_post_locked(owner, cqe);
	spin_unlock(&owner->lock);
	kfree(cqe);
	wake_up_interruptible_all(&owner->wq);
	ps_ring_put(owner);
}

/* May sleep: kvfree() of a large segment's page array. */
void ps_seg_put(struct ps_seg *seg)
{
	might_sleep();
	if (refcount_dec_and_test(&seg->refs))
		ps_seg_complete(seg);
}

/* 0 and a reservation, -EAGAIN when full, -EPIPE after SHUTDOWN. */
static int ps_try_reserve(struct ps_ring *ring, size_t len, bool *counted)
{
	int ret = 0;

	spin_lock(&ring->lock);
	if (ring->shutdown) {
		ret = -EPIPE;
	} else if (ring->inflight_segs + ring->nr_cqe >=
		   READ_ONCE(ps_ring_max_bufs) ||
		   ring->inflight_bytes + len > READ_ONCE(ps_ring_max_bytes)) {
		ret = -EAGAIN;
	} else {
		ring->inflight_segs++;
		ring->inflight_bytes += len;
	}
	spin_unlock(&ring->lock);
	if (ret == -EAGAIN && !*counted) {
		atomic64_inc(&ps_stats.ring_full);
		*counted = true;
	}
	return ret;
}

/* The wait condition: true once reserved or refused for good. */
static bool ps_reserve_done(struct ps_ring *ring, size_t len, bool *counted,
			    int *ret)
{
	*ret = ps_try_reserve(ring, len, counted);
	return *ret != -EAGAIN;
}

/* Waits (interruptibly) until @len bytes of room are reserved. */
int ps_ring_reserve(struct ps_ring *ring, size_t len, bool nonblock)
{
	bool counted = false;
	int ret;

	if (ps_reserve_done(ring, len, &counted, &ret) || nonblock)
		return ret;
	if (wait_event_interruptible(ring->wq,
				     ps_reserve_done(ring, len, &counted, &ret)))
		return -ERESTARTSYS;
	return ret;
}

void ps_ring_unreserve(struct ps_ring *ring, size_t len)
{
	spin_lock(&ring->lock);
	ring->inflight_segs--;
	ring->inflight_bytes -= len;
	spin_unlock(&ring->lock);
	wake_up_interruptible_all(&ring->wq);
}

/*
 * Queues a segment built against a reservation of @ring and numbers it.
 * A copied segment completes here: its buffer is free already.
 */
void ps_ring_enqueue(struct ps_ring *ring, struct ps_seg *seg, u64 *seq)
{
	struct ps_cqe *free_cqe = NULL;

	/*
	 * Not refused after a SHUTDOWN that raced with this SUBMIT's
	 * reservation: the buffer is delivered like one queued just before.
	 */
	spin_lock(&ring->lock);
	*seq = ring->seq++;
	seg->cqe->c.seq_first = *seq;
	seg->cqe->c.seq_last = *seq;
	list_add_tail(&seg->node, &ring->queue);
	ring->queued_bytes += seg->len;
	ring->queued_segs++;
	if (seg->flags & PS_SEG_COPIED) {
		free_cqe = ps_post_locked(ring, seg->cqe);
		seg->cqe = NULL;
	}
	spin_unlock(&ring->lock);
	kfree(free_cqe);
	wake_up_interruptible_all(&ring->wq);
}

struct ps_seg *ps_ring_head(struct ps_ring *ring)
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
void ps_ring_advance(struct ps_ring *ring, struct ps_seg *seg, size_t n)
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

static bool ps_ring_readable(struct ps_ring *ring)
{
	return !list_empty_careful(&ring->queue) || READ_ONCE(ring->shutdown);
}

/* 0 when data or EOF is there, else -EAGAIN or -ERESTARTSYS. */
int ps_ring_wait_data(struct ps_ring *ring, bool nonblock)
{
	if (ps_ring_readable(ring))
		return 0;
	if (nonblock)
		return -EAGAIN;
	if (wait_event_interruptible(ring->wq, ps_ring_readable(ring)))
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
			struct ps_seg *seg = ps_ring_head(ring);
			size_t want, n;

			if (!seg)
				break;
			want = min(seg->len - seg->consumed,
				   iov_iter_count(to));
			n = ps_seg_copy_to_iter(seg, to);
			if (n)
				ps_ring_advance(ring, seg, n);
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
		ret = ps_ring_wait_data(ring, nonblock);
		if (ret)
			return ret;
	}
}

/* Stops submissions; consumers drain the queue and then read EOF. */
void ps_ring_shutdown(struct ps_ring *ring)
{
	spin_lock(&ring->lock);
	ring->shutdown = true;
	spin_unlock(&ring->lock);
	wake_up_interruptible_all(&ring->wq);
}

/*
 * The last file is gone: nobody can read or reap any more.  Queued
 * segments complete with an error on their owners (maybe other rings);
 * this ring's own completions are dropped from now on.
 */
void ps_ring_close(struct ps_ring *ring)
{
	struct ps_seg *seg, *next_seg;
	struct ps_cqe *cqe, *next_cqe;
	struct eventfd_ctx *eventfd;
	LIST_HEAD(segs);
	LIST_HEAD(cqes);

	spin_lock(&ring->lock);
	ring->shutdown = true;
	ring->closed = true;
	eventfd = ps_ring_take_eventfd_locked(ring);
	list_splice_init(&ring->queue, &segs);
	list_splice_init(&ring->cq, &cqes);
	ring->queued_bytes = 0;
	ring->queued_segs = 0;
	ring->nr_cqe = 0;
	spin_unlock(&ring->lock);

	if (eventfd)
		eventfd_ctx_put(eventfd);
	list_for_each_entry_safe(cqe, next_cqe, &cqes, node)
		kfree(cqe);
	list_for_each_entry_safe(seg, next_seg, &segs, node) {
		list_del(&seg->node);
		WRITE_ONCE(seg->error, true);
		ps_seg_put(seg);
	}
}

static bool ps_ring_reapable(struct ps_ring *ring)
{
	return READ_ONCE(ring->nr_cqe) || !READ_ONCE(ring->inflight_segs);
}

/* Returns the number of records copied out. */
int ps_ring_reap(struct ps_ring *ring, struct pagesplice_reap *args)
{
	struct pagesplice_completion __user *out =
		u64_to_user_ptr(args->comps);
	struct ps_cqe *cqe, *next;
	LIST_HEAD(batch);
	int n, done = 0;

	if (!args->nr || (args->flags & ~PAGESPLICE_REAP_WAIT))
		return -EINVAL;
	if (args->nr > PAGESPLICE_MAX_VEC)
		return -E2BIG;
	for (;;) {
		n = 0;
		spin_lock(&ring->lock);
		list_for_each_entry_safe(cqe, next, &ring->cq, node) {
			if (n == args->nr)
				break;
			list_move_tail(&cqe->node, &batch);
			n++;
		}
		ring->nr_cqe -= n;
		spin_unlock(&ring->lock);
		if (n || !(args->flags & PAGESPLICE_REAP_WAIT))
			break;
		if (wait_event_interruptible(ring->wq, ps_ring_reapable(ring)))
			return -ERESTARTSYS;
		if (!READ_ONCE(ring->nr_cqe))
			return 0;
	}
	if (!n)
		return 0;

	list_for_each_entry(cqe, &batch, node) {
		if (copy_to_user(&out[done], &cqe->c, sizeof(cqe->c)))
			break;
		done++;
	}
	/* Entries that did not reach the caller go back, in order. */
	for (n = 0; n < done; n++) {
		cqe = list_first_entry(&batch, struct ps_cqe, node);
		list_del(&cqe->node);
		kfree(cqe);
	}
	if (!list_empty(&batch)) {
		unsigned int left = 0;

		list_for_each_entry(cqe, &batch, node)
			left++;
		spin_lock(&ring->lock);
		list_splice(&batch, &ring->cq);
		ring->nr_cqe += left;
		spin_unlock(&ring->lock);
	}
	wake_up_interruptible_all(&ring->wq);
	return done ? done : -EFAULT;
}
