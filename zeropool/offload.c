// SPDX-License-Identifier: GPL-2.0
/*
 * Zeroing blocks with a registered offload backend, asynchronously: the
 * scrub thread submits up to ZP_OFFLOAD_DEPTH blocks per node and goes on
 * allocating; each completion puts its block in the pool (or, on error,
 * on the dirty list to be zeroed again by the CPU), from whatever context
 * the backend completes in.
 *
 * Every request has a deadline (offload_timeout_ms).  A request past it
 * is counted as a timeout and marked late: whatever it completes with, its
 * block goes to the dirty list, and while any late request is out the
 * scrubber zeroes new blocks on the CPU rather than queue more behind a
 * stalled engine.  A block is never put in the pool before the backend is
 * done with it, whatever happens.
 *
 * This file alone edits a node's offload queue (zp_offload_queue); a
 * finished block goes to the pool through pool.c.  Lock order: the queue
 * lock, then the node's list lock (zp_node_add_block()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include "zeropool.h"

/* The registered backend; changed under zp_backend_mutex. */
static struct zp_zero_backend *zp_backend;
/* Held across ->submit() so that unregistering waits for it. */
static DEFINE_MUTEX(zp_backend_mutex);
/* Requests accepted by a backend and not yet completed, all nodes. */
static atomic_t zp_backend_inflight = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(zp_backend_idle);

struct zp_offload_req {
	struct zp_zero_req req;
	struct list_head node;		/* in zp_offload_queue.reqs */
	unsigned long deadline;		/* jiffies */
	bool late;			/* past its deadline; under queue lock */
};

bool zp_have_backend(void)
{
	return READ_ONCE(zp_backend);
}

const char *zp_backend_name(void)
{
	struct zp_zero_backend *b = READ_ONCE(zp_backend);

	return b ? b->name : "none";
}

/* Drops @r from its queue; under q->lock. */
static void zp_offload_dequeue_locked(struct zp_offload_queue *q,
				      struct zp_offload_req *r)
{
	lockdep_assert_held(&q->lock);
	list_del(&r->node);
	q->nr--;
	if (r->late)
		q->nr_late--;
	else
		atomic_long_sub(1L << r->req.order, &q->nr_pages);
}

static void zp_offload_done(struct zp_zero_req *req, int status)
{
	struct zp_offload_req *r = container_of(req, struct zp_offload_req, req);
	struct zp_node *node = zp_nodes[req->nid];
	struct zp_offload_queue *q = &node->offload;
	unsigned long nr = 1UL << req->order, flags;
	bool to_pool, surplus;

	/*
	 * The block is in the pool (or dirty) before it leaves the queue,
	 * under the queue lock: zp_offload_wait_idle() never returns with
	 * a block between the two, and a late mark cannot come in between.
	 */
	spin_lock_irqsave(&q->lock, flags);
	to_pool = !status && !r->late;
	/*
	 * A late block stopped counting toward the watermark when it went
	 * late, so the scrubber may have filled its place: then it goes back
	 * to the allocator rather than push the pool past high_watermark.
	 */
	surplus = r->late && zp_node_pages(node) + zp_node_dirty_pages(node) >=
			     READ_ONCE(zp_tun.high_watermark);
	if (!surplus)
		zp_node_add_block(node, req->page, req->order, to_pool);
	zp_offload_dequeue_locked(q, r);
	spin_unlock_irqrestore(&q->lock, flags);
	if (surplus) {
		zp_block_mark(req->page, req->order, false);
		__free_pages(req->page, req->order);
		zp_unreserve(nr);
	}

	atomic64_add(nr, to_pool ? &zp_cnt.zeroed_offload :
				   &zp_cnt.offload_fallbacks);
	kfree(r);
	/* Room for the next submission, or dirty pages to zero. */
	zp_node_kick(node);
	if (atomic_dec_and_test(&zp_backend_inflight))
		wake_up(&zp_backend_idle);
}

/*
 * Hands a new block of 1 << @order pages to the backend.  True when the
 * backend took it: the completion adds it to the pool.  False when the
 * block must be zeroed on the CPU (no backend, a late request out, out of
 * memory, refused; counted).
 */
bool zp_offload_submit(struct zp_node *node, struct page *page,
		       unsigned int order)
{
	struct zp_offload_queue *q = &node->offload;
	unsigned long nr = 1UL << order;
	struct zp_zero_backend *backend;
	struct zp_offload_req *r;
	int err = -ENODEV;

	if (READ_ONCE(q->nr_late))
		goto out_fallback;
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		goto out_fallback;
	r->req.page = page;
	r->req.order = order;
	r->req.nid = node->nid;
	r->req.complete = zp_offload_done;
	r->deadline = jiffies +
		      msecs_to_jiffies(READ_ONCE(zp_tun.offload_timeout_ms));

	/* Listed first: the backend may complete before ->submit returns. */
	spin_lock_irq(&q->lock);
	list_add_tail(&r->node, &q->reqs);
	q->nr++;
	atomic_long_add(nr, &q->nr_pages);
	spin_unlock_irq(&q->lock);

	mutex_lock(&zp_backend_mutex);
	backend = zp_backend;
	if (backend) {
		atomic_inc(&zp_backend_inflight);
		err = backend->submit(backend, &r->req);
		if (err && atomic_dec_and_test(&zp_backend_inflight))
			wake_up(&zp_backend_idle);
	}
	mutex_unlock(&zp_backend_mutex);
	if (!err)
		return true;

	spin_lock_irq(&q->lock);
	zp_offload_dequeue_locked(q, r);
	spin_unlock_irq(&q->lock);
	kfree(r);
out_fallback:
	atomic64_add(nr, &zp_cnt.offload_fallbacks);
	return false;
}

/* Pages of @node with the backend now, late requests left out. */
unsigned long zp_offload_pages(struct zp_node *node)
{
	return atomic_long_read(&node->offload.nr_pages);
}

/*
 * Marks requests past their deadline late (counting each once); returns
 * the jiffies until the next deadline of a request that is not late yet,
 * or MAX_SCHEDULE_TIMEOUT when there is none.
 */
static long zp_offload_check_deadlines(struct zp_offload_queue *q)
{
	long next = MAX_SCHEDULE_TIMEOUT;
	struct zp_offload_req *r;
	unsigned long now = jiffies;

	spin_lock_irq(&q->lock);
	list_for_each_entry(r, &q->reqs, node) {
		if (r->late)
			continue;
		if (time_after_eq(now, r->deadline)) {
			/*
			 * Its pages stop counting as on their way to the
			 * pool: an engine that cannot be stopped may keep
			 * them for good, and the pool refills without them.
			 */
			r->late = true;
			q->nr_late++;
			atomic_long_sub(1L << r->req.order, &q->nr_pages);
			atomic64_inc(&zp_cnt.offload_timeouts);
		} else {
			next = min_t(long, next, r->deadline - now);
		}
	}
	spin_unlock_irq(&q->lock);
	return next;
}

/* Requests the scrubber still waits for: in flight and not late. */
static unsigned int zp_offload_pending(struct zp_offload_queue *q)
{
	return READ_ONCE(q->nr) - READ_ONCE(q->nr_late);
}

/*
 * Waits until fewer than @max requests of @node are pending (or the thread
 * is told to stop), marking late the ones whose deadline passes meanwhile.
 */
static void zp_offload_wait_below(struct zp_node *node, unsigned int max)
{
	struct zp_offload_queue *q = &node->offload;
	long next;

	for (;;) {
		next = zp_offload_check_deadlines(q);
		if (zp_offload_pending(q) < max || kthread_should_stop())
			return;
		wait_event_timeout(node->scrub_wait,
				   zp_offload_pending(q) < max ||
				   kthread_should_stop(), next);
	}
}

/* Before each new block: room for one more request. */
void zp_offload_wait_room(struct zp_node *node)
{
	zp_offload_wait_below(node, ZP_OFFLOAD_DEPTH);
}

/*
 * At the end of a round: every request either completed or late, so that
 * a drain after zp_scrub_quiesce() finds no block on its way in except
 * late ones (which go to the dirty list, never straight to the pool).
 */
void zp_offload_wait_idle(struct zp_node *node)
{
	zp_offload_wait_below(node, 1);
}

void zp_offload_init(void)
{
	struct zp_offload_queue *q;
	int nid;

	for_each_node_state(nid, N_MEMORY) {
		q = &zp_nodes[nid]->offload;
		spin_lock_init(&q->lock);
		INIT_LIST_HEAD(&q->reqs);
	}
}

/* Backends unregister, waiting for their requests, before this. */
void zp_offload_exit(void)
{
	int nid;

	for_each_node_state(nid, N_MEMORY)
		if (zp_nodes[nid])
			WARN_ON(!list_empty(&zp_nodes[nid]->offload.reqs));
}

int zp_register_zero_backend(struct zp_zero_backend *backend)
{
	int err = 0;

	if (!backend || !backend->submit || !backend->name)
		return -EINVAL;
	mutex_lock(&zp_backend_mutex);
	if (zp_backend)
		err = -EBUSY;
	else
		WRITE_ONCE(zp_backend, backend);
	mutex_unlock(&zp_backend_mutex);
	if (!err)
		pr_info("zeroing backend %s registered\n", backend->name);
	return err;
}
EXPORT_SYMBOL_GPL(zp_register_zero_backend);

void zp_unregister_zero_backend(struct zp_zero_backend *backend)
{
	mutex_lock(&zp_backend_mutex);
	if (zp_backend == backend)
		WRITE_ONCE(zp_backend, NULL);
	mutex_unlock(&zp_backend_mutex);
	wait_event(zp_backend_idle, !atomic_read(&zp_backend_inflight));
	pr_info("zeroing backend %s unregistered\n", backend->name);
}
EXPORT_SYMBOL_GPL(zp_unregister_zero_backend);
