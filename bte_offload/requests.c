// SPDX-License-Identifier: GPL-2.0
/*
 * The requests on a channel: one zeropool request (a block of 1 << order
 * pages) is mapped for the channel's device, cut into descriptors of at
 * most max_chunk bytes (one per block by default, DMA_PREP_INTERRUPT on
 * the last only), issued with one issue_pending, and completed from the
 * descriptors' callbacks (never by polling tx_status: idxd cannot).
 *
 * The engine must be done with a page before anyone else touches it.  A
 * reset terminates the engine; only if that succeeds are its requests
 * handed back to zeropool at once (with an error: zeroed on the CPU).  If
 * it fails (6.1's ioatdma and idxd have no device_terminate_all) every
 * request on it is quarantined: it keeps its pages (zeropool does not put
 * them in the pool before we complete them), its mapping, its channel and
 * a module reference until its last callback comes, and the channel takes
 * nothing new meanwhile.  The preparation of descriptors runs under no
 * lock of ours (idxd's prep sleeps while its queue is full); a reset
 * leaves a request being prepared to its submitter, which resets again if
 * a termination ran meanwhile.
 *
 * This file alone writes a channel's request list and the fields after
 * its reset_lock (under ch->lock, see struct bte_chan) and the request
 * counters of bte_cnt.  It calls channel.c for channel references only;
 * backend.c decides when to submit, reset or retire a channel.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "bte.h"
#include "trace.h"

/* A channel just acquired: nothing on it yet. */
void bte_reqs_init(struct bte_chan *ch)
{
	mutex_init(&ch->reset_lock);
	spin_lock_init(&ch->lock);
	INIT_LIST_HEAD(&ch->reqs);
}

/*
 * While the engine may still run a request, this module's code (its
 * callback) must stay: rmmod answers EBUSY.  Under ch->lock once @req is
 * listed.
 */
static void bte_req_pin_module(struct bte_req *req)
{
	if (req->module_ref)
		return;
	__module_get(THIS_MODULE);
	req->module_ref = true;
}

/*
 * The engine is done with @req: unmaps, counts and hands it back, then
 * drops its channel and module references.  Any context.
 */
static void bte_finish_req(struct bte_req *req, int status)
{
	struct zp_zero_req *zreq = req->zreq;
	struct bte_chan *ch = req->ch;
	bool module_ref = req->module_ref;

	dma_unmap_page(ch->dev, req->dst, req->len, DMA_FROM_DEVICE);
	switch (status) {
	case 0:
		atomic64_inc(&bte_cnt.blocks_dma);
		atomic64_add(req->len, &bte_cnt.bytes_dma);
		break;
	case -ETIMEDOUT:
		atomic64_inc(&bte_cnt.timeouts);
		break;
	case -ECANCELED:
		atomic64_inc(&bte_cnt.cancelled);
		break;
	default:
		atomic64_inc(&bte_cnt.errors);
		break;
	}
	if (trace_bte_complete_enabled())
		trace_bte_complete(req->len, status, req->submitted_ns ?
				   ktime_get_ns() - req->submitted_ns : 0);
	if (status) {
		atomic64_inc(&bte_cnt.cpu_fallbacks);
		trace_bte_fallback(req->len, status);
	}
	if (req->quarantined &&
	    !atomic64_sub_return(req->len >> PAGE_SHIFT,
				 &bte_cnt.quarantined_pages))
		schedule_work(&bte.reg_work);	/* may unregister now */
	kfree(req);
	zreq->complete(zreq, status);
	bte_chan_put(ch);
	/* Last: rmmod may free this code once the count drops. */
	if (module_ref)
		module_put(THIS_MODULE);
}

/* Takes @req off @ch's list.  Under ch->lock. */
static void bte_req_unlist(struct bte_chan *ch, struct bte_req *req)
{
	list_del(&req->node);
	if (req->quarantined)
		ch->quarantined--;
	else
		ch->inflight--;
}

/* Descriptor callback: the provider's completion context, even hard IRQ. */
static void bte_dma_done(void *param, const struct dmaengine_result *res)
{
	struct bte_req *req = param;
	struct bte_chan *ch = req->ch;
	unsigned long flags;
	bool done = false;

	spin_lock_irqsave(&ch->lock, flags);
	if (res->result != DMA_TRANS_NOERROR && !req->status)
		req->status = -EIO;
	if (!--req->chunks_left && !req->preparing) {
		/* A quarantined request counted its failure already. */
		if (!req->quarantined && req->status)
			ch->failures++;
		else if (!req->quarantined)
			ch->failures = 0;
		bte_req_unlist(ch, req);
		done = true;
	}
	spin_unlock_irqrestore(&ch->lock, flags);
	if (done)
		bte_finish_req(req, req->status);
}

/*
 * The status a request given up by a reset completes with, whenever its
 * engine is done with it.
 */
static int bte_given_up_status(struct bte_req *req, bool timing_out)
{
	if (req->status)
		return req->status;
	if (timing_out && time_after_eq(jiffies, req->deadline))
		return -ETIMEDOUT;
	return -ECANCELED;
}

/*
 * The engine would not stop: every request on it stays quarantined until
 * its callback comes.  Under ch->lock.
 */
static void bte_quarantine_locked(struct bte_chan *ch, bool timing_out)
{
	struct bte_req *req;

	list_for_each_entry(req, &ch->reqs, node) {
		if (req->preparing || req->quarantined)
			continue;
		req->status = bte_given_up_status(req, timing_out);
		req->quarantined = true;
		bte_req_pin_module(req);
		ch->inflight--;
		ch->quarantined++;
		ch->failures++;
		atomic64_inc(&bte_cnt.quarantined);
		atomic64_add(req->len >> PAGE_SHIFT, &bte_cnt.quarantined_pages);
	}
}

/*
 * The engine of @ch will neither write nor call back again: every request
 * on it but those being prepared goes back to zeropool with an error.
 * Under ch->reset_lock.
 */
static void bte_take_back(struct bte_chan *ch, bool timing_out)
{
	struct bte_req *req, *tmp;
	LIST_HEAD(reqs);

	lockdep_assert_held(&ch->reset_lock);
	spin_lock_irq(&ch->lock);
	ch->epoch++;
	list_for_each_entry_safe(req, tmp, &ch->reqs, node) {
		if (req->preparing)
			continue;
		if (!req->quarantined)
			ch->failures++;
		bte_req_unlist(ch, req);
		req->status = bte_given_up_status(req, timing_out);
		list_add_tail(&req->node, &reqs);
	}
	spin_unlock_irq(&ch->lock);

	list_for_each_entry_safe(req, tmp, &reqs, node) {
		list_del(&req->node);
		bte_finish_req(req, req->status);
	}
}

/*
 * Stops the engine on @ch.  If the termination succeeded, nothing it held
 * will be written or called back: every request on it (quarantined ones
 * too) goes back to zeropool with an error, to be zeroed on the CPU.  If
 * it failed, they are quarantined instead.  A request still being
 * prepared is left to its submitter.  Any caller that may sleep.
 */
void bte_reqs_reset(struct bte_chan *ch, bool timing_out)
{
	int err;

	mutex_lock(&ch->reset_lock);
	atomic64_inc(&bte_cnt.resets);
	/* After an early release the engine is the unbinding driver's. */
	err = ch->dma_released ? -ENODEV : dmaengine_terminate_sync(ch->chan);

	if (!err) {
		/* Terminated: no callback will come, the requests are ours. */
		bte_take_back(ch, timing_out);
	} else {
		spin_lock_irq(&ch->lock);
		bte_quarantine_locked(ch, timing_out);
		spin_unlock_irq(&ch->lock);
		atomic64_inc(&bte_cnt.terminate_failures);
		pr_warn_ratelimited("%s: cannot terminate (%d): requests quarantined until the engine completes them\n",
				    ch->name, err);
	}
	mutex_unlock(&ch->reset_lock);
}

/*
 * @ch's device has no driver any more (unbound after we gave the channel
 * back): it writes nothing more and no callback will come, so what was
 * quarantined on it goes back to zeropool.
 */
void bte_reqs_orphan(struct bte_chan *ch)
{
	mutex_lock(&ch->reset_lock);
	bte_take_back(ch, false);
	mutex_unlock(&ch->reset_lock);
}

/* @ch stops being bte.ch: it takes nothing new, and is reset. */
void bte_reqs_retire(struct bte_chan *ch)
{
	spin_lock_irq(&ch->lock);
	ch->retired = true;
	spin_unlock_irq(&ch->lock);
	bte_reqs_reset(ch, false);
}

/*
 * A channel with quarantined requests takes no new one: it could neither
 * terminate nor complete them (yet), so the CPU zeroes meanwhile.
 */
bool bte_reqs_refused(struct bte_chan *ch)
{
	return READ_ONCE(ch->quarantined);
}

/*
 * The deadline of the oldest request on @ch not yet given up, in
 * *@deadline; false when there is none.
 */
bool bte_reqs_oldest(struct bte_chan *ch, unsigned long *deadline)
{
	struct bte_req *req;
	bool found = false;

	spin_lock_irq(&ch->lock);
	list_for_each_entry(req, &ch->reqs, node) {
		if (req->quarantined)
			continue;
		*deadline = req->deadline;
		found = true;
		break;
	}
	spin_unlock_irq(&ch->lock);
	return found;
}

static struct dma_async_tx_descriptor *bte_prep(struct bte_chan *ch,
						dma_addr_t dst, size_t len,
						bool last)
{
	unsigned long flags = DMA_CTRL_ACK | (last ? DMA_PREP_INTERRUPT : 0);
	struct dma_device *dd = ch->chan->device;

	if (ch->cap == BTE_CAP_MEMSET)
		return dd->device_prep_dma_memset(ch->chan, dst, 0, len, flags);
	return dd->device_prep_dma_memcpy(ch->chan, dst, ch->zero_dma, len,
					  flags);
}

/*
 * Prepares and submits the descriptors of @req; may sleep in the device's
 * prep.  Returns how many were submitted; all of them when the request is
 * fully on the engine.  Every one calls back (errors are seen per
 * descriptor); only the last interrupts.
 */
static unsigned int bte_submit_chunks(struct bte_chan *ch, struct bte_req *req,
				      unsigned int nchunks)
{
	struct dma_async_tx_descriptor *tx;
	size_t off = 0, len;
	dma_cookie_t cookie;
	unsigned int i;

	for (i = 0; i < nchunks; i++, off += len) {
		len = min_t(size_t, ch->max_chunk, req->len - off);
		tx = bte_prep(ch, req->dst + off, len, i == nchunks - 1);
		if (!tx)
			break;
		tx->callback_result = bte_dma_done;
		tx->callback_param = req;
		cookie = dmaengine_submit(tx);
		if (dma_submit_error(cookie))
			break;
		atomic64_inc(&bte_cnt.descriptors);
	}
	return i;
}

static struct bte_req *bte_req_map(struct bte_chan *ch,
				   struct zp_zero_req *zreq)
{
	struct bte_req *req;

	req = kzalloc(sizeof(*req), GFP_KERNEL);
	if (!req)
		return ERR_PTR(-ENOMEM);
	req->zreq = zreq;
	req->ch = ch;
	req->len = PAGE_SIZE << zreq->order;
	req->dst = dma_map_page(ch->dev, zreq->page, 0, req->len,
				DMA_FROM_DEVICE);
	if (dma_mapping_error(ch->dev, req->dst)) {
		kfree(req);
		return ERR_PTR(-EIO);
	}
	return req;
}

/* Nothing of @req reached the engine: undone, the CPU zeroes the block. */
static int bte_req_unmap(struct bte_chan *ch, struct bte_req *req, int err)
{
	dma_unmap_page(ch->dev, req->dst, req->len, DMA_FROM_DEVICE);
	kfree(req);
	return err;
}

/*
 * Lists @req, being prepared, on @ch: the callbacks find it there.
 * Returns the epoch it starts in, or -ENODEV if @ch was retired.
 */
static int bte_req_list(struct bte_chan *ch, struct bte_req *req)
{
	int epoch = -ENODEV;

	spin_lock_irq(&ch->lock);
	if (!ch->retired) {
		req->preparing = true;
		list_add_tail(&req->node, &ch->reqs);
		ch->inflight++;
		epoch = ch->epoch & INT_MAX;
	}
	spin_unlock_irq(&ch->lock);
	return epoch;
}

/*
 * Puts @zreq on the engine of @ch.  Returns 1 when it was issued (the
 * caller arms the timeout), 0 when it was accepted but a reset took it
 * back meanwhile, or a negative errno when not accepted: then the
 * caller's CPU zeroes it.  Either way an accepted request completes
 * through zreq->complete.  The caller holds a user of @ch, checked the
 * limits and holds no lock: the device's prep may sleep.
 */
int bte_reqs_submit(struct bte_chan *ch, struct zp_zero_req *zreq)
{
	unsigned int nchunks, sent;
	struct bte_req *req;
	bool stale, done;
	int epoch;

	req = bte_req_map(ch, zreq);
	if (IS_ERR(req))
		return PTR_ERR(req);
	nchunks = DIV_ROUND_UP(req->len, ch->max_chunk);
	req->chunks_left = nchunks;
	req->deadline = jiffies + msecs_to_jiffies(READ_ONCE(bte_tun.timeout_ms));
	/* The clock only for bte_complete's ns: no read per block untraced. */
	req->submitted_ns = trace_bte_complete_enabled() ? ktime_get_ns() : 0;
	/* An engine that cannot be stopped keeps our callback reachable. */
	if (!ch->can_terminate)
		bte_req_pin_module(req);
	epoch = bte_req_list(ch, req);
	if (epoch < 0) {
		if (req->module_ref)
			module_put(THIS_MODULE);
		return bte_req_unmap(ch, req, epoch);
	}
	bte_chan_get(ch);

	down_read(&ch->prep_sem);
	sent = ch->dma_released ? 0 : bte_submit_chunks(ch, req, nchunks);

	spin_lock_irq(&ch->lock);
	req->preparing = false;
	if (!sent) {
		bte_req_unlist(ch, req);
		ch->failures++;
	} else {
		/* What was not submitted never calls back. */
		req->chunks_left -= nchunks - sent;
		if (sent < nchunks && !req->status)
			req->status = -EIO;
	}
	stale = ch->retired || (ch->epoch & INT_MAX) != epoch;
	done = sent && !req->chunks_left;
	if (done)
		bte_req_unlist(ch, req);
	spin_unlock_irq(&ch->lock);

	if (!sent) {
		/* Nothing reached the engine: not accepted, CPU zeroes it. */
		up_read(&ch->prep_sem);
		bte_chan_put(ch);
		if (req->module_ref)
			module_put(THIS_MODULE);
		return bte_req_unmap(ch, req, -EIO);
	}
	atomic64_inc(&bte_cnt.submissions);
	atomic64_add(req->len, &bte_cnt.submit_bytes);
	if (done) {
		/* Every submitted descriptor called back during the prep. */
		up_read(&ch->prep_sem);
		bte_finish_req(req, req->status);
		return 0;
	}
	if (stale) {
		/*
		 * A termination ran while we prepared, or the channel was
		 * retired: what we submitted may be half gone.  Stop it all
		 * again; the request completes through that reset.
		 */
		bte_reqs_reset(ch, false);
		up_read(&ch->prep_sem);
		return 0;
	}
	dma_async_issue_pending(ch->chan);
	up_read(&ch->prep_sem);
	return 1;
}

/* Counts one call of the backend's submit: @err, and its @ns on the CPU. */
void bte_reqs_count_submit(int err, u64 ns)
{
	if (err) {
		atomic64_inc(&bte_cnt.rejected);
		atomic64_inc(&bte_cnt.cpu_fallbacks);
	}
	atomic64_add(ns, &bte_cnt.submit_ns);
}
