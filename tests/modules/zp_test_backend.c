// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only zeroing backend for zeropool's offload API: completes requests
 * from a workqueue after delay_ms, zeroing them (mode 0), failing them
 * without zeroing (mode 1, -EIO) or refusing them at submit (mode 2,
 * -EBUSY).  A delay above zeropool's offload_timeout_ms makes requests
 * late.  Never installed by DKMS.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/highmem.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include <zeropool/pool.h>

enum { ZTB_ZERO, ZTB_FAIL, ZTB_REFUSE };

static int mode;
module_param(mode, int, 0644);
MODULE_PARM_DESC(mode, "0: zero and succeed, 1: fail with -EIO unzeroed, 2: refuse at submit");

static unsigned int delay_ms;
module_param(delay_ms, uint, 0644);
MODULE_PARM_DESC(delay_ms, "Delay before each completion");

static atomic_t submitted = ATOMIC_INIT(0);
module_param_named(submitted, submitted.counter, int, 0444);
MODULE_PARM_DESC(submitted, "Requests accepted so far");

/* Requests accepted and not completed: now, and the most there ever were. */
static atomic_t inflight = ATOMIC_INIT(0);
static atomic_t peak_inflight = ATOMIC_INIT(0);
module_param_named(peak_inflight, peak_inflight.counter, int, 0644);
MODULE_PARM_DESC(peak_inflight, "Most requests in flight at once (write 0 to reset)");

struct ztb_work {
	struct delayed_work dwork;
	struct zp_zero_req *req;
};

static struct workqueue_struct *ztb_wq;

static void ztb_complete(struct work_struct *work)
{
	struct ztb_work *w = container_of(to_delayed_work(work),
					  struct ztb_work, dwork);
	struct zp_zero_req *req = w->req;
	unsigned long i;
	int status = 0;

	if (READ_ONCE(mode) == ZTB_FAIL)
		status = -EIO;
	else
		for (i = 0; i < (1UL << req->order); i++)
			clear_highpage(req->page + i);
	kfree(w);
	atomic_dec(&inflight);
	req->complete(req, status);
}

static int ztb_submit(struct zp_zero_backend *backend, struct zp_zero_req *req)
{
	struct ztb_work *w;
	int n, peak;

	if (READ_ONCE(mode) == ZTB_REFUSE)
		return -EBUSY;
	w = kzalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		return -ENOMEM;
	w->req = req;
	INIT_DELAYED_WORK(&w->dwork, ztb_complete);
	atomic_inc(&submitted);
	n = atomic_inc_return(&inflight);
	while (n > (peak = atomic_read(&peak_inflight)) &&
	       atomic_cmpxchg(&peak_inflight, peak, n) != peak)
		;
	queue_delayed_work(ztb_wq, &w->dwork,
			   msecs_to_jiffies(READ_ONCE(delay_ms)));
	return 0;
}

static struct zp_zero_backend ztb_backend = {
	.name = "zp_test_backend",
	.owner = THIS_MODULE,
	.submit = ztb_submit,
};

static int __init ztb_init(void)
{
	int err;

	ztb_wq = alloc_workqueue("zp_test_backend", WQ_UNBOUND, 0);
	if (!ztb_wq)
		return -ENOMEM;
	err = zp_register_zero_backend(&ztb_backend);
	if (err)
		goto out_destroy_wq;
	return 0;

out_destroy_wq:
	destroy_workqueue(ztb_wq);
	return err;
}

static void __exit ztb_exit(void)
{
	/* Waits for every accepted request: our work items complete them. */
	zp_unregister_zero_backend(&ztb_backend);
	destroy_workqueue(ztb_wq);
}

module_init(ztb_init);
module_exit(ztb_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("zeropool test: offload backend with fault injection");
