// SPDX-License-Identifier: GPL-2.0
/*
 * zeropool's offload backend: one request (a block of 1 << order pages) is
 * mapped for the channel's device, cut into descriptors of at most
 * max_chunk bytes, issued with one issue_pending, and completed from the
 * descriptors' callbacks (never by polling tx_status: idxd cannot).  A
 * request that outlives timeout_ms has the channel terminated under it
 * and goes back to zeropool with an error, which zeroes it on the CPU.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-mapping.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "bte.h"

/* Unmaps, counts and hands the request back.  Any context. */
void bte_finish_req(struct bte_req *req, int status)
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

static void bte_arm_timeout(void)
{
	unsigned long delay = msecs_to_jiffies(READ_ONCE(bte_tun.timeout_ms));

	/* No-op while armed: the handler re-arms for the oldest request. */
	schedule_delayed_work(&bte.timeout_work, delay);
}

static int bte_submit_locked(struct bte_chan *ch, struct zp_zero_req *zreq)
{
	unsigned int nchunks, sent;
	struct bte_req *req;
	u64 max_failures;

	max_failures = READ_ONCE(bte_tun.max_failures);
	if (max_failures && READ_ONCE(ch->failures) >= max_failures) {
		bte_drop_channel_locked("too many consecutive failures");
		return -ENODEV;
	}
	if (READ_ONCE(ch->inflight) >= READ_ONCE(bte_tun.max_inflight))
		return -EBUSY;

	req = kzalloc(sizeof(*req), GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	req->zreq = zreq;
	req->ch = ch;
	req->len = PAGE_SIZE << zreq->order;
	req->dst = dma_map_page(ch->dev, zreq->page, 0, req->len,
				DMA_FROM_DEVICE);
	if (dma_mapping_error(ch->dev, req->dst)) {
		kfree(req);
		return -EIO;
	}
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
		bte_chan_reset(ch, false);
		return 0;
	}
	dma_async_issue_pending(ch->chan);
	bte_arm_timeout();
	return 0;
}

int bte_submit(struct zp_zero_backend *backend, struct zp_zero_req *zreq)
{
	u64 start = ktime_get_ns();
	int err = -ENODEV;

	mutex_lock(&bte.lock);
	if (bte.ch && !bte.stopping)
		err = bte_submit_locked(bte.ch, zreq);
	mutex_unlock(&bte.lock);
	if (err) {
		atomic64_inc(&bte_cnt.rejected);
		atomic64_inc(&bte_cnt.cpu_fallbacks);
	}
	atomic64_add(ktime_get_ns() - start, &bte_cnt.submit_ns);
	return err;
}

/*
 * Runs timeout_ms after a submission: if the oldest request is overdue,
 * the engine is stopped and everything it held falls back to the CPU;
 * otherwise it re-arms for the oldest one.
 */
void bte_timeout_fn(struct work_struct *work)
{
	unsigned long next = 0;
	struct bte_chan *ch;
	struct bte_req *req;
	bool expired = false;

	mutex_lock(&bte.lock);
	ch = bte.ch;
	if (!ch)
		goto out_unlock;
	spin_lock_irq(&ch->lock);
	req = list_first_entry_or_null(&ch->reqs, struct bte_req, node);
	if (req) {
		expired = time_after_eq(jiffies, req->deadline);
		next = req->deadline;
	}
	spin_unlock_irq(&ch->lock);
	if (expired) {
		pr_warn_ratelimited("%s: request timed out, terminating the channel\n",
				    ch->name);
		bte_chan_reset(ch, true);
	} else if (req) {
		schedule_delayed_work(&bte.timeout_work,
				      max_t(long, (long)(next - jiffies), 1));
	}
out_unlock:
	mutex_unlock(&bte.lock);
}
