// SPDX-License-Identifier: GPL-2.0
/*
 * The requests on a channel: one zeropool request (a block of 1 << order
 * pages) is mapped for the channel's device, cut into descriptors of at
 * most max_chunk bytes, issued with one issue_pending, and completed from
 * the descriptors' callbacks (never by polling tx_status: idxd cannot).
 * A reset terminates the engine and hands every request it held back to
 * zeropool with an error, which zeroes it on the CPU.
 *
 * This file alone writes a channel's request list, inflight and failures
 * (under ch->lock, see struct bte_chan) and the request counters of
 * bte_cnt; it calls no other file of the module.  backend.c decides when
 * to submit, reset or drop a channel, under bte.lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "bte.h"

/* A channel just acquired: nothing on it yet. */
void bte_reqs_init(struct bte_chan *ch)
{
	spin_lock_init(&ch->lock);
	INIT_LIST_HEAD(&ch->reqs);
}

/* Unmaps, counts and hands the request back.  Any context. */
static void bte_finish_req(struct bte_req *req, int status)
{
	struct zp_zero_req *zreq = req->zreq;

	dma_unmap_page(req->ch->dev, req->dst, req->len, DMA_FROM_DEVICE);
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
	if (status)
		atomic64_inc(&bte_cnt.cpu_fallbacks);
	kfree(req);
	zreq->complete(zreq, status);
}

/* Descriptor callback: the provider's completion context. */
static void bte_dma_done(void *param, const struct dmaengine_result *res)
{
	struct bte_req *req = param;
	struct bte_chan *ch = req->ch;
	unsigned long flags;
	bool done = false;

	spin_lock_irqsave(&ch->lock, flags);
	if (res->result != DMA_TRANS_NOERROR && !req->status)
		req->status = -EIO;
	if (!--req->chunks_left) {
		list_del(&req->node);
		ch->inflight--;
		if (req->status)
			ch->failures++;
		else
			ch->failures = 0;
		done = true;
	}
	spin_unlock_irqrestore(&ch->lock, flags);
	if (done)
		bte_finish_req(req, req->status);
}

/*
 * Stops the engine on @ch and completes every request it still held with
 * an error, so that zeropool zeroes those blocks on the CPU.  After
 * dmaengine_terminate_sync() the engine writes no more and no callback
 * runs, so the requests are ours alone.  Caller holds bte.lock.
 */
void bte_reqs_reset(struct bte_chan *ch, bool timing_out)
{
	struct bte_req *req, *tmp;
	LIST_HEAD(reqs);
	int status;

	lockdep_assert_held(&bte.lock);
	atomic64_inc(&bte_cnt.resets);
	dmaengine_terminate_sync(ch->chan);

	spin_lock_irq(&ch->lock);
	list_splice_init(&ch->reqs, &reqs);
	ch->inflight = 0;
	list_for_each_entry(req, &reqs, node)
		ch->failures++;
	spin_unlock_irq(&ch->lock);

	list_for_each_entry_safe(req, tmp, &reqs, node) {
		list_del(&req->node);
		status = req->status ? req->status : -ECANCELED;
		if (timing_out && time_after_eq(jiffies, req->deadline))
			status = -ETIMEDOUT;
		bte_finish_req(req, status);
	}
}

/*
 * The deadline of the oldest request on @ch, in *@deadline; false when
 * there is none.  Caller holds bte.lock.
 */
bool bte_reqs_oldest(struct bte_chan *ch, unsigned long *deadline)
{
	struct bte_req *req;

	spin_lock_irq(&ch->lock);
	req = list_first_entry_or_null(&ch->reqs, struct bte_req, node);
	if (req)
		*deadline = req->deadline;
	spin_unlock_irq(&ch->lock);
	return req;
}

static struct dma_async_tx_descriptor *bte_prep(struct bte_chan *ch,
						dma_addr_t dst, size_t len)
{
	unsigned long flags = DMA_PREP_INTERRUPT | DMA_CTRL_ACK;
	struct dma_device *dd = ch->chan->device;

	if (ch->cap == BTE_CAP_MEMSET)
		return dd->device_prep_dma_memset(ch->chan, dst, 0, len, flags);
	return dd->device_prep_dma_memcpy(ch->chan, dst, ch->zero_dma, len,
					  flags);
}

/*
 * Submits the descriptors of @req.  Returns how many were submitted; all
 * of them when the request is fully on the engine.
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
		tx = bte_prep(ch, req->dst + off, len);
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

/*
 * Puts @zreq on the engine of @ch.  Returns 1 when it was issued (the
 * caller arms the timeout), 0 when it was accepted but already handed
 * back by a reset after a partial submission, or a negative errno when
 * not accepted: then the caller's CPU zeroes it.  Either way an accepted
 * request completes through zreq->complete.  Caller holds bte.lock and
 * checked the limits.
 */
int bte_reqs_submit(struct bte_chan *ch, struct zp_zero_req *zreq)
{
	unsigned int nchunks, sent;
	struct bte_req *req;

	req = bte_req_map(ch, zreq);
	if (IS_ERR(req))
		return PTR_ERR(req);
	nchunks = DIV_ROUND_UP(req->len, ch->max_chunk);
	req->chunks_left = nchunks;
	req->deadline = jiffies + msecs_to_jiffies(READ_ONCE(bte_tun.timeout_ms));

	/* On the list before any callback can look for it. */
	spin_lock_irq(&ch->lock);
	list_add_tail(&req->node, &ch->reqs);
	ch->inflight++;
	spin_unlock_irq(&ch->lock);

	sent = bte_submit_chunks(ch, req, nchunks);
	if (!sent) {
		/* Nothing reached the engine: not accepted, CPU zeroes it. */
		spin_lock_irq(&ch->lock);
		list_del(&req->node);
		ch->inflight--;
		ch->failures++;
		spin_unlock_irq(&ch->lock);
		dma_unmap_page(ch->dev, req->dst, req->len, DMA_FROM_DEVICE);
		kfree(req);
		return -EIO;
	}
	atomic64_inc(&bte_cnt.submissions);
	atomic64_add(req->len, &bte_cnt.submit_bytes);
	if (sent < nchunks) {
		/*
		 * Part of the block is queued, never to be completed: take
		 * it (and anything else queued) back from the engine.
		 */
		spin_lock_irq(&ch->lock);
		req->status = -EIO;
		spin_unlock_irq(&ch->lock);
		bte_reqs_reset(ch, false);
		return 0;
	}
	dma_async_issue_pending(ch->chan);
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
