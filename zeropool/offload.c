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
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include "zeropool.h"

atomic64_t zp_zeroed_offload;
atomic64_t zp_offload_fallbacks;
atomic64_t zp_offload_timeouts;

/* The registered backend; changed under zp_backend_mutex. */
static struct zp_zero_backend *zp_backend;
/* Held across ->submit() so that unregistering waits for it. */
static DEFINE_MUTEX(zp_backend_mutex);
/* Requests accepted by a backend and not yet completed, all nodes. */
static atomic_t zp_backend_inflight = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(zp_backend_idle);

struct zp_offload_req {
	struct zp_zero_req req;
	struct list_head node;		/* in zp_node.offloads */
	unsigned long deadline;		/* jiffies */
	bool late;			/* past its deadline; under node lock */
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

static void zp_offload_done(struct zp_zero_req *req, int status)
{
	struct zp_offload_req *r = container_of(req, struct zp_offload_req, req);
	struct zp_node *node = zp_nodes[req->nid];
	unsigned long nr = 1UL << req->order, flags, i;
	bool to_pool;
	LIST_HEAD(pages);

	split_page(req->page, req->order);
	for (i = 0; i < nr; i++)
		list_add_tail(&req->page[i].lru, &pages);

	spin_lock_irqsave(&node->lock, flags);
	list_del(&r->node);
	node->nr_offloads--;
	if (r->late)
		node->nr_late_offloads--;
	to_pool = !status && !r->late;
	if (to_pool) {
		list_splice_tail(&pages, &node->zeroed);
		node->nr_zeroed += nr;
	} else {
		list_splice_tail(&pages, &node->dirty);
		node->nr_dirty += nr;
	}
	atomic_long_sub(nr, &node->nr_offloading);
	spin_unlock_irqrestore(&node->lock, flags);

	atomic64_add(nr, to_pool ? &zp_zeroed_offload : &zp_offload_fallbacks);
	kfree(r);
	/* Room for the next submission, or dirty pages to zero. */
	zp_scrub_kick(node);
	if (atomic_dec_and_test(&zp_backend_inflight))
		wake_up(&zp_backend_idle);
}

/*
 * Hands a new block of 1 << @order pages to the backend.  True when the
 * backend took it: the completion adds it to the pool.  False when the
 * method is not offload, or the block must be zeroed on the CPU (no
 * backend, a late request out, out of memory, refused; counted).
 */
bool zp_offload_submit(struct zp_node *node, struct page *page,
		       unsigned int order)
{
	unsigned long nr = 1UL << order;
	struct zp_zero_backend *backend;
	struct zp_offload_req *r;
	int err = -ENODEV;

	if (zp_effective_method() != ZP_ZERO_OFFLOAD)
		return false;
	if (READ_ONCE(node->nr_late_offloads))
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
	spin_lock_irq(&node->lock);
	list_add_tail(&r->node, &node->offloads);
	node->nr_offloads++;
	spin_unlock_irq(&node->lock);
	atomic_long_add(nr, &node->nr_offloading);

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

	spin_lock_irq(&node->lock);
	list_del(&r->node);
	node->nr_offloads--;
	spin_unlock_irq(&node->lock);
	atomic_long_sub(nr, &node->nr_offloading);
	kfree(r);
out_fallback:
	atomic64_add(nr, &zp_offload_fallbacks);
	return false;
}

/*
 * Marks requests past their deadline late (counting each once); returns
 * the jiffies until the next deadline of a request that is not late yet,
 * or MAX_SCHEDULE_TIMEOUT when there is none.
 */
static long zp_offload_check_deadlines(struct zp_node *node)
{
	long next = MAX_SCHEDULE_TIMEOUT;
	struct zp_offload_req *r;
	unsigned long now = jiffies;

	spin_lock_irq(&node->lock);
	list_for_each_entry(r, &node->offloads, node) {
		if (r->late)
			continue;
		if (time_after_eq(now, r->deadline)) {
			r->late = true;
			node->nr_late_offloads++;
			atomic64_inc(&zp_offload_timeouts);
		} else {
			next = min_t(long, next, r->deadline - now);
		}
	}
	spin_unlock_irq(&node->lock);
	return next;
}

/* Requests the scrubber still waits for: in flight and not late. */
static unsigned int zp_offload_pending(struct zp_node *node)
{
	return READ_ONCE(node->nr_offloads) - READ_ONCE(node->nr_late_offloads);
}

/*
 * Waits until fewer than @max requests of @node are pending (or the thread
 * is told to stop), marking late the ones whose deadline passes meanwhile.
 */
static void zp_offload_wait_below(struct zp_node *node, unsigned int max)
{
	long next;

	for (;;) {
		next = zp_offload_check_deadlines(node);
		if (zp_offload_pending(node) < max || kthread_should_stop())
			return;
		wait_event_timeout(node->scrub_wait,
				   zp_offload_pending(node) < max ||
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
