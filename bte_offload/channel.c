// SPDX-License-Identifier: GPL-2.0
/*
 * Finding, resetting and releasing a dmaengine channel that can zero:
 * DMA_MEMSET where a channel has it, else DMA_MEMCPY from a pre-zeroed
 * source block (Intel DSA's dmaengine driver offers MEMCPY only).
 *
 * This file alone writes what describes a channel (struct bte_chan up to
 * its users: device, name, capability, zero source, max_chunk), once at
 * acquisition, and counts its users: the dma_chan goes back to dmaengine
 * when the last one goes, i.e. when the engine is done with every request
 * (a quarantined request keeps it, possibly until reboot).  What is
 * queued on it belongs to requests.c.  It calls no other file of the
 * module.
 *
 * Descriptors are as large as the block (chunk_kb, 2 MiB by default):
 * dma_get_max_seg_size() bounds scatterlist segments, not a prep's
 * length (ioatdma splits a long memcpy itself), so it is no limit here.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "bte.h"

/* Releases channels whose last user went (from any context). */
static struct workqueue_struct *bte_chan_wq;
/* Channels acquired and not yet released; exit waits for 0. */
static atomic_t bte_chans_live = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(bte_chans_gone);

const char *bte_cap_name(enum bte_cap cap)
{
	switch (cap) {
	case BTE_CAP_MEMSET:
		return "memset";
	case BTE_CAP_MEMCPY:
		return "memcpy";
	default:
		return "none";
	}
}

/* Accepts the channel named by @param, or any when it is empty. */
static bool bte_filter(struct dma_chan *chan, void *param)
{
	const char *name = param;

	return !name || !*name || !strcmp(dma_chan_name(chan), name);
}

static struct dma_chan *bte_request(enum dma_transaction_type type,
				    const char *name)
{
	dma_cap_mask_t mask;

	dma_cap_zero(mask);
	dma_cap_set(type, mask);
	return dma_request_channel(mask, bte_filter, (void *)name);
}

static int bte_setup_zero_src(struct bte_chan *ch)
{
	unsigned int order = min_t(unsigned int,
				   get_order(bte_tun.chunk_kb * 1024),
				   get_order(SZ_2M));

	/* As large as the block (one descriptor), smaller if fragmented. */
	for (;; order--) {
		ch->zero_src = alloc_pages(GFP_KERNEL | __GFP_ZERO |
					   (order ? __GFP_NOWARN : 0), order);
		if (ch->zero_src || !order)
			break;
	}
	if (!ch->zero_src)
		return -ENOMEM;
	ch->zero_order = order;
	ch->zero_dma = dma_map_page(ch->dev, ch->zero_src, 0,
				    PAGE_SIZE << ch->zero_order, DMA_TO_DEVICE);
	if (dma_mapping_error(ch->dev, ch->zero_dma)) {
		__free_pages(ch->zero_src, ch->zero_order);
		ch->zero_src = NULL;
		return -EIO;
	}
	return 0;
}

static void bte_free_zero_src(struct bte_chan *ch)
{
	if (!ch->zero_src)
		return;
	dma_unmap_page(ch->dev, ch->zero_dma, PAGE_SIZE << ch->zero_order,
		       DMA_TO_DEVICE);
	__free_pages(ch->zero_src, ch->zero_order);
	ch->zero_src = NULL;
}

/*
 * Gives the dma_chan back to dmaengine: when the last user went, or
 * early, before its device's driver frees it (unbind).  No submission is
 * running after this, and none touches the engine again.
 */
void bte_chan_release_dma(struct bte_chan *ch)
{
	down_write(&ch->prep_sem);
	if (!ch->dma_released) {
		bte_free_zero_src(ch);
		dma_release_channel(ch->chan);
		ch->dma_released = true;
		pr_info("released %s\n", ch->name);
	}
	up_write(&ch->prep_sem);
}

/* The last user went: the engine is done with every request. */
static void bte_chan_release_fn(struct work_struct *work)
{
	struct bte_chan *ch = container_of(work, struct bte_chan,
					   release_work);

	bte_chan_release_dma(ch);
	put_device(ch->dev);
	kfree(ch);
	if (atomic_dec_and_test(&bte_chans_live))
		wake_up(&bte_chans_gone);
}

static bool bte_usable(struct dma_chan *chan, enum bte_cap cap)
{
	struct dma_device *dd = chan->device;

	if (cap == BTE_CAP_MEMSET)
		return dd->device_prep_dma_memset &&
		       is_dma_fill_aligned(dd, 0, 0, PAGE_SIZE);
	return dd->device_prep_dma_memcpy &&
	       is_dma_copy_aligned(dd, 0, 0, PAGE_SIZE);
}

/*
 * Takes a private channel named @name (any if empty) that can zero.
 * Returns the channel or an ERR_PTR: -ENODEV when there is none.
 */
struct bte_chan *bte_chan_acquire(const char *name, enum bte_cap_pref pref)
{
	struct dma_chan *chan = NULL;
	enum bte_cap cap = BTE_CAP_NONE;
	struct bte_chan *ch;
	size_t chunk;
	int err;

	if (pref != BTE_PREF_MEMCPY) {
		chan = bte_request(DMA_MEMSET, name);
		cap = BTE_CAP_MEMSET;
	}
	if (!chan && pref != BTE_PREF_MEMSET) {
		chan = bte_request(DMA_MEMCPY, name);
		cap = BTE_CAP_MEMCPY;
	}
	if (!chan)
		return ERR_PTR(-ENODEV);
	if (!bte_usable(chan, cap)) {
		pr_warn("%s: needs more than page alignment; not used\n",
			dma_chan_name(chan));
		err = -ENODEV;
		goto out_release;
	}

	ch = kzalloc(sizeof(*ch), GFP_KERNEL);
	if (!ch) {
		err = -ENOMEM;
		goto out_release;
	}
	ch->chan = chan;
	ch->cap = cap;
	ch->can_terminate = chan->device->device_terminate_all;
	ch->dev = get_device(chan->device->dev);
	strscpy(ch->name, dma_chan_name(chan), sizeof(ch->name));

	if (cap == BTE_CAP_MEMCPY) {
		err = bte_setup_zero_src(ch);
		if (err)
			goto out_put_dev;
	}
	chunk = READ_ONCE(bte_tun.chunk_kb) * 1024;
	if (ch->zero_src)
		chunk = min_t(size_t, chunk, PAGE_SIZE << ch->zero_order);
	ch->max_chunk = max_t(size_t, round_down(chunk, PAGE_SIZE), PAGE_SIZE);
	refcount_set(&ch->users, 1);
	INIT_WORK(&ch->release_work, bte_chan_release_fn);
	init_rwsem(&ch->prep_sem);
	atomic_inc(&bte_chans_live);
	pr_info("using %s with %s, %zu KiB per descriptor%s\n", ch->name,
		bte_cap_name(cap), ch->max_chunk >> 10,
		ch->can_terminate ? "" : ", cannot be terminated");
	return ch;

out_put_dev:
	put_device(ch->dev);
	kfree(ch);
out_release:
	dma_release_channel(chan);
	return ERR_PTR(err);
}

void bte_chan_get(struct bte_chan *ch)
{
	refcount_inc(&ch->users);
}

/* Any context: the release itself sleeps, so it runs on bte_chan_wq. */
void bte_chan_put(struct bte_chan *ch)
{
	if (refcount_dec_and_test(&ch->users))
		queue_work(bte_chan_wq, &ch->release_work);
}

/*
 * After a channel change: waits (up to 10 s) until the old channel went
 * back to dmaengine, unless quarantined requests keep it, so that its
 * provider can be unloaded as soon as the change returns.
 */
void bte_chan_wait_idle(void)
{
	wait_event_timeout(bte_chans_gone,
			   !atomic_read(&bte_chans_live) ||
			   atomic64_read(&bte_cnt.quarantined_pages), 10 * HZ);
	flush_workqueue(bte_chan_wq);
}

/*
 * Module exit: waits until every channel went back to dmaengine.  Only
 * a request the engine never completes keeps one, and such a request
 * holds a module reference, so that exit cannot start then; a
 * termination that fails during exit itself leaves us waiting here for
 * the engine (said in the log) rather than free what it can reach.
 */
void bte_chan_wait_released(void)
{
	while (!wait_event_timeout(bte_chans_gone,
				   !atomic_read(&bte_chans_live), 10 * HZ))
		pr_warn("waiting for the engine to complete quarantined requests\n");
	flush_workqueue(bte_chan_wq);
}

int bte_chan_init(void)
{
	bte_chan_wq = alloc_workqueue(KBUILD_MODNAME "_chan", 0, 0);
	return bte_chan_wq ? 0 : -ENOMEM;
}

void bte_chan_exit(void)
{
	destroy_workqueue(bte_chan_wq);
}
