// SPDX-License-Identifier: GPL-2.0
/*
 * Finding, resetting and releasing a dmaengine channel that can zero:
 * DMA_MEMSET where a channel has it, else DMA_MEMCPY from a pre-zeroed
 * source block (Intel DSA's dmaengine driver offers MEMCPY only).
 *
 * This file alone writes what describes a channel (struct bte_chan up to
 * its lock: device, name, capability, zero source, max_chunk), once at
 * acquisition; what is queued on it belongs to requests.c.  It calls no
 * other file of the module: backend.c resets a channel before release.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "bte.h"

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
	ch->zero_order = min_t(unsigned int, get_order(bte_tun.chunk_kb * 1024),
			       get_order(SZ_256K));
	ch->zero_src = alloc_pages(GFP_KERNEL | __GFP_ZERO, ch->zero_order);
	if (!ch->zero_src)
		return -ENOMEM;
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
	ch->dev = get_device(chan->device->dev);
	strscpy(ch->name, dma_chan_name(chan), sizeof(ch->name));

	if (cap == BTE_CAP_MEMCPY) {
		err = bte_setup_zero_src(ch);
		if (err)
			goto out_put_dev;
	}
	chunk = min_t(size_t, READ_ONCE(bte_tun.chunk_kb) * 1024,
		      dma_get_max_seg_size(ch->dev));
	if (ch->zero_src)
		chunk = min_t(size_t, chunk, PAGE_SIZE << ch->zero_order);
	ch->max_chunk = max_t(size_t, round_down(chunk, PAGE_SIZE), PAGE_SIZE);
	pr_info("using %s with %s, %zu KiB per descriptor\n", ch->name,
		bte_cap_name(cap), ch->max_chunk >> 10);
	return ch;

out_put_dev:
	put_device(ch->dev);
	kfree(ch);
out_release:
	dma_release_channel(chan);
	return ERR_PTR(err);
}

/*
 * Gives the channel back.  Caller holds bte.lock and reset it: nothing is
 * left on the engine.
 */
void bte_chan_release(struct bte_chan *ch)
{
	bte_free_zero_src(ch);
	dma_release_channel(ch->chan);
	put_device(ch->dev);
	pr_info("released %s\n", ch->name);
	kfree(ch);
}
