// SPDX-License-Identifier: GPL-2.0
/*
 * How blocks get zeroed: on the CPU with ordinary stores (clear_page), with
 * non-temporal stores that bypass the cache (pages zeroed long before use
 * should not evict the working set), or by a registered offload backend
 * with a timeout and a CPU fallback.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/highmem.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "zeropool.h"

const char * const zp_zero_method_names[] = {
	[ZP_ZERO_CPU] = "cpu",
	[ZP_ZERO_NT] = "nt",
	[ZP_ZERO_OFFLOAD] = "offload",
	[ZP_ZERO_AUTO] = "auto",
	NULL,
};

atomic64_t zp_zeroed_cpu;
atomic64_t zp_zeroed_nt;
atomic64_t zp_zeroed_offload;
atomic64_t zp_prezeroed;
atomic64_t zp_zero_ns;
atomic64_t zp_offload_fallbacks;
atomic64_t zp_offload_timeouts;

/* The registered backend; changed under zp_backend_mutex. */
static struct zp_zero_backend *zp_backend;
/* Held across ->submit() so that unregistering waits for it. */
static DEFINE_MUTEX(zp_backend_mutex);
/* Requests accepted by a backend and not yet completed. */
static atomic_t zp_backend_inflight = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(zp_backend_idle);

/*
 * The allocator already zeroed what it returns when init_on_alloc is on
 * (Debian's default) or when init_on_free zeroed pages as they were freed.
 */
bool zp_allocator_zeroes(gfp_t gfp)
{
	return want_init_on_free() || want_init_on_alloc(gfp);
}

#ifdef CONFIG_X86_64
#define ZP_HAVE_NT 1
static void zp_clear_page_nt(void *addr)
{
	void *end = addr + PAGE_SIZE;

	for (; addr < end; addr += 64)
		asm volatile("movnti %1, 0(%0)\n\t"
			     "movnti %1, 8(%0)\n\t"
			     "movnti %1, 16(%0)\n\t"
			     "movnti %1, 24(%0)\n\t"
			     "movnti %1, 32(%0)\n\t"
			     "movnti %1, 40(%0)\n\t"
			     "movnti %1, 48(%0)\n\t"
			     "movnti %1, 56(%0)\n\t"
			     : : "r" (addr), "r" (0UL) : "memory");
}
#else
#define ZP_HAVE_NT 0
static void zp_clear_page_nt(void *addr)
{
	clear_page(addr);
}
#endif

const char *zp_backend_name(void)
{
	struct zp_zero_backend *b = READ_ONCE(zp_backend);

	return b ? b->name : "none";
}

enum zp_zero_method zp_effective_method(void)
{
	enum zp_zero_method m = READ_ONCE(zp_tun.zero_method);

	if (m == ZP_ZERO_AUTO)
		m = READ_ONCE(zp_backend) ? ZP_ZERO_OFFLOAD : ZP_ZERO_NT;
	if (m == ZP_ZERO_NT && !ZP_HAVE_NT)
		m = ZP_ZERO_CPU;
	return m;
}

static void zp_zero_pages(struct page *page, unsigned long nr, bool nt)
{
	u64 start = ktime_get_ns();
	unsigned long i;
	void *addr;

	for (i = 0; i < nr; i++) {
		addr = kmap_local_page(page + i);
		if (nt)
			zp_clear_page_nt(addr);
		else
			clear_page(addr);
		kunmap_local(addr);
		if ((i & 63) == 63)
			cond_resched();
	}
	if (nt)
		wmb();	/* order the non-temporal stores before publishing */
	atomic64_add(ktime_get_ns() - start, &zp_zero_ns);
	atomic64_add(nr, nt ? &zp_zeroed_nt : &zp_zeroed_cpu);
}

/* Zeroes @nr pages linked by lru: one clock read, counter and fence. */
void zp_zero_page_list(struct list_head *pages, unsigned long nr)
{
	bool nt = zp_effective_method() == ZP_ZERO_NT;
	u64 start = ktime_get_ns();
	unsigned long i = 0;
	struct page *page;
	void *addr;

	list_for_each_entry(page, pages, lru) {
		addr = kmap_local_page(page);
		if (nt)
			zp_clear_page_nt(addr);
		else
			clear_page(addr);
		kunmap_local(addr);
		if ((++i & 63) == 0)
			cond_resched();
	}
	if (nt)
		wmb();	/* order the non-temporal stores before publishing */
	atomic64_add(ktime_get_ns() - start, &zp_zero_ns);
	atomic64_add(nr, nt ? &zp_zeroed_nt : &zp_zeroed_cpu);
}

struct zp_offload_req {
	struct zp_zero_req req;
	spinlock_t lock;	/* protects the three fields below */
	bool completed;
	bool abandoned;		/* the scrubber gave up waiting */
	int status;
	struct completion done;
};

static void zp_offload_done(struct zp_zero_req *req, int status)
{
	struct zp_offload_req *r = container_of(req, struct zp_offload_req, req);
	unsigned long nr = 1UL << req->order, flags, i;
	struct zp_node *node = zp_nodes[req->nid];
	bool abandoned;

	spin_lock_irqsave(&r->lock, flags);
	r->status = status;
	r->completed = true;
	abandoned = r->abandoned;
	if (!abandoned)
		complete(&r->done);
	spin_unlock_irqrestore(&r->lock, flags);

	if (abandoned) {
		/*
		 * The pages are still reserved in zp_held: queue them to be
		 * zeroed again on the CPU, never straight into the pool.
		 */
		split_page(req->page, req->order);
		spin_lock_irqsave(&node->lock, flags);
		for (i = 0; i < nr; i++)
			list_add_tail(&req->page[i].lru, &node->dirty);
		node->nr_dirty += nr;
		atomic_long_sub(nr, &node->nr_late);
		spin_unlock_irqrestore(&node->lock, flags);
		atomic64_add(nr, &zp_offload_fallbacks);
		zp_scrub_kick(node);
		kfree(r);
	}
	if (atomic_dec_and_test(&zp_backend_inflight))
		wake_up(&zp_backend_idle);
}

enum zp_offload_result {
	ZP_OFFLOAD_OK,
	ZP_OFFLOAD_FAILED,	/* block is ours again, still to be zeroed */
	ZP_OFFLOAD_LATE,	/* block now belongs to the late request */
};

static enum zp_offload_result zp_zero_offload(struct page *page,
					      unsigned int order, int nid)
{
	unsigned long timeout = msecs_to_jiffies(READ_ONCE(zp_tun.offload_timeout_ms));
	struct zp_zero_backend *backend;
	struct zp_offload_req *r;
	int err, status;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return ZP_OFFLOAD_FAILED;
	r->req.page = page;
	r->req.order = order;
	r->req.nid = nid;
	r->req.complete = zp_offload_done;
	spin_lock_init(&r->lock);
	init_completion(&r->done);

	mutex_lock(&zp_backend_mutex);
	backend = zp_backend;
	err = -ENODEV;
	if (backend) {
		atomic_inc(&zp_backend_inflight);
		err = backend->submit(backend, &r->req);
		if (err && atomic_dec_and_test(&zp_backend_inflight))
			wake_up(&zp_backend_idle);
	}
	mutex_unlock(&zp_backend_mutex);
	if (err)
		goto out_free;

	if (!wait_for_completion_timeout(&r->done, timeout)) {
		spin_lock_irq(&r->lock);
		if (!r->completed) {
			/* Counted before zp_offload_done() can see it. */
			atomic_long_add(1UL << order, &zp_nodes[nid]->nr_late);
			r->abandoned = true;
			spin_unlock_irq(&r->lock);
			atomic64_inc(&zp_offload_timeouts);
			return ZP_OFFLOAD_LATE;
		}
		spin_unlock_irq(&r->lock);
	}
	/* Let zp_offload_done() leave its critical section before kfree. */
	spin_lock_irq(&r->lock);
	status = r->status;
	spin_unlock_irq(&r->lock);
	kfree(r);
	return status ? ZP_OFFLOAD_FAILED : ZP_OFFLOAD_OK;

out_free:
	kfree(r);
	return ZP_OFFLOAD_FAILED;
}

/*
 * Zeroes a freshly allocated block of 1 << @order pages.  Returns the
 * method that did it, or ZP_ZERO_AUTO when the block now belongs to a late
 * offload request (it reaches the pool through the dirty list).
 */
enum zp_zero_method zp_zero_block(struct page *page, unsigned int order,
				  int nid)
{
	unsigned long nr = 1UL << order;
	enum zp_zero_method m = zp_effective_method();

	if (m == ZP_ZERO_OFFLOAD) {
		switch (zp_zero_offload(page, order, nid)) {
		case ZP_OFFLOAD_OK:
			atomic64_add(nr, &zp_zeroed_offload);
			return ZP_ZERO_OFFLOAD;
		case ZP_OFFLOAD_LATE:
			return ZP_ZERO_AUTO;
		case ZP_OFFLOAD_FAILED:
			atomic64_add(nr, &zp_offload_fallbacks);
			m = ZP_HAVE_NT ? ZP_ZERO_NT : ZP_ZERO_CPU;
			break;
		}
	}
	zp_zero_pages(page, nr, m == ZP_ZERO_NT);
	return m;
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
