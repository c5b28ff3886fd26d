// SPDX-License-Identifier: GPL-2.0
/*
 * Completion records, and the ring capacity that they and the buffers in
 * flight count against.  This file alone writes a ring's cq, nr_cqe,
 * inflight_segs, inflight_bytes and closed, and a record's contents.
 *
 * Capacity is charged to the ring a buffer was submitted to, from SUBMIT
 * until its completion is reaped: in-flight segments plus unreaped
 * completion records stay under ring_max_bufs, in-flight bytes under
 * ring_max_bytes.  A FORWARDed segment stays charged to its owner, so a
 * chain of rings is bounded by its producers.  ps_ring_has_room_locked()
 * is that rule, for SUBMIT and for poll() alike.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/eventfd.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "ps.h"
#include "trace.h"

struct ps_cqe *ps_cqe_alloc(void)
{
	return kzalloc(sizeof(struct ps_cqe), GFP_KERNEL_ACCOUNT);
}

void ps_cqe_init(struct ps_cqe *cqe, u64 tag, size_t bytes, u32 flags)
{
	cqe->c.user_tag = tag;
	cqe->c.bytes = bytes;
	cqe->c.flags = flags;
}

/* A record starts as one buffer; posting may merge it with the next. */
void ps_cqe_number(struct ps_cqe *cqe, u64 seq)
{
	cqe->c.seq_first = seq;
	cqe->c.seq_last = seq;
}

void ps_cqe_free(struct ps_cqe *cqe)
{
	kfree(cqe);
}

/* True when a buffer of @len bytes fits; caller holds ring->lock. */
bool ps_ring_has_room_locked(struct ps_ring *ring, size_t len)
{
	lockdep_assert_held(&ring->lock);
	return ring->inflight_segs + ring->nr_cqe <
	       READ_ONCE(ps_ring_max_bufs) &&
	       ring->inflight_bytes + len <= READ_ONCE(ps_ring_max_bytes);
}

/* 0 and a reservation, -EAGAIN when full, -EPIPE after SHUTDOWN. */
static int ps_try_reserve(struct ps_ring *ring, size_t len, bool *counted)
{
	int ret = 0;

	spin_lock(&ring->lock);
	if (ring->shutdown) {
		ret = -EPIPE;
	} else if (!ps_ring_has_room_locked(ring, len)) {
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

/* A reservation that never became a segment. */
void ps_ring_unreserve(struct ps_ring *ring, size_t len)
{
	ps_cq_complete(ring, NULL, len, false);
}

/* Posts @cqe, merging it into the last record; returns what to free. */
struct ps_cqe *ps_cq_post_locked(struct ps_ring *ring, struct ps_cqe *cqe)
{
	struct ps_cqe *tail;

	lockdep_assert_held(&ring->lock);
	atomic64_inc(&ps_stats.completions);
	trace_ps_complete(cqe->c.seq_first, cqe->c.seq_last, cqe->c.user_tag,
			  cqe->c.bytes, cqe->c.flags);
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

/*
 * A buffer of @len bytes is done with: its room comes back to its owner
 * @ring and @cqe, if still unposted, is posted there.
 */
void ps_cq_complete(struct ps_ring *ring, struct ps_cqe *cqe, size_t len,
		    bool error)
{
	if (cqe && error)
		cqe->c.flags |= PAGESPLICE_COMP_ERROR;
	spin_lock(&ring->lock);
	ring->inflight_segs--;
	ring->inflight_bytes -= len;
	if (cqe)
		cqe = ps_cq_post_locked(ring, cqe);
	spin_unlock(&ring->lock);
	kfree(cqe);
	wake_up_interruptible_all(&ring->wq);
}

static bool ps_cq_reapable(struct ps_ring *ring)
{
	return READ_ONCE(ring->nr_cqe) || !READ_ONCE(ring->inflight_segs);
}

/* Moves up to @nr records to @batch; waits for one if @wait. */
static int ps_cq_take(struct ps_ring *ring, struct list_head *batch,
		      unsigned int nr, bool wait)
{
	struct ps_cqe *cqe, *next;
	unsigned int n;

	for (;;) {
		n = 0;
		spin_lock(&ring->lock);
		list_for_each_entry_safe(cqe, next, &ring->cq, node) {
			if (n == nr)
				break;
			list_move_tail(&cqe->node, batch);
			n++;
		}
		ring->nr_cqe -= n;
		spin_unlock(&ring->lock);
		if (n || !wait)
			return n;
		if (wait_event_interruptible(ring->wq, ps_cq_reapable(ring)))
			return -ERESTARTSYS;
		if (!READ_ONCE(ring->nr_cqe))
			return 0;
	}
}

/* Records that did not reach the caller go back to the head, in order. */
static void ps_cq_give_back(struct ps_ring *ring, struct list_head *batch)
{
	struct ps_cqe *cqe;
	unsigned int left = 0;

	list_for_each_entry(cqe, batch, node)
		left++;
	spin_lock(&ring->lock);
	list_splice(batch, &ring->cq);
	ring->nr_cqe += left;
	spin_unlock(&ring->lock);
}

/* Returns the number of records copied out. */
int ps_cq_reap(struct ps_ring *ring, struct pagesplice_reap *args)
{
	struct pagesplice_completion __user *out =
		u64_to_user_ptr(args->comps);
	struct ps_cqe *cqe;
	LIST_HEAD(batch);
	int n, done = 0;

	if (!args->nr || (args->flags & ~PAGESPLICE_REAP_WAIT))
		return -EINVAL;
	if (args->nr > PAGESPLICE_MAX_VEC)
		return -E2BIG;
	n = ps_cq_take(ring, &batch, args->nr,
		       args->flags & PAGESPLICE_REAP_WAIT);
	if (n <= 0)
		return n;

	list_for_each_entry(cqe, &batch, node) {
		if (copy_to_user(&out[done], &cqe->c, sizeof(cqe->c)))
			break;
		done++;
	}
	for (n = 0; n < done; n++) {
		cqe = list_first_entry(&batch, struct ps_cqe, node);
		list_del(&cqe->node);
		kfree(cqe);
	}
	if (!list_empty(&batch))
		ps_cq_give_back(ring, &batch);
	wake_up_interruptible_all(&ring->wq);
	return done ? done : -EFAULT;
}

/*
 * The last file is gone: nobody can reap any more.  This ring's records
 * are dropped, and so is every completion posted from now on.
 */
void ps_cq_close(struct ps_ring *ring)
{
	struct ps_cqe *cqe, *next;
	struct eventfd_ctx *eventfd;
	LIST_HEAD(cqes);

	spin_lock(&ring->lock);
	ring->closed = true;
	eventfd = ps_ring_take_eventfd_locked(ring);
	list_splice_init(&ring->cq, &cqes);
	ring->nr_cqe = 0;
	spin_unlock(&ring->lock);

	if (eventfd)
		eventfd_ctx_put(eventfd);
	list_for_each_entry_safe(cqe, next, &cqes, node)
		kfree(cqe);
}
