// SPDX-License-Identifier: GPL-2.0
/*
 * bte_offload: zeropool's offload zeroing backend on a dmaengine channel
 * (Intel I/OAT, Intel DSA, or the tests' software provider).  Without a
 * channel it still loads, with channel = none and backend = cpu, so that
 * an A/B run on any machine is honest about what did the zeroing.
 *
 * This file measures the CPU reference and starts and stops the parts:
 * backend.c (the channel and zeropool registration), then sysfs.c; the
 * parameters and tunables are tunables.c's.  Files call downwards only:
 * main.c -> tunables.c, sysfs.c -> backend.c -> requests.c, channel.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>

#include <zeropool/version.h>

#include "bte.h"

struct bte_counters bte_cnt;
u64 bte_cpu_ref_ns_per_mib;

/* What zeroing 1 MiB costs this CPU with clear_page, for comparison. */
static void bte_calibrate(void)
{
	unsigned int order = get_order(SZ_1M);
	struct page *page;
	u64 start;

	page = alloc_pages(GFP_KERNEL | __GFP_NOWARN, order);
	if (!page)
		return;
	start = ktime_get_ns();
	zp_clear_pages(page, 1UL << order);
	bte_cpu_ref_ns_per_mib = ktime_get_ns() - start;
	__free_pages(page, order);
}

static int __init bte_init(void)
{
	const char *channel = bte_channel_param();
	int err;

	/* the other parameters were checked at load: tunables.c */
	if (!channel)
		return -EINVAL;
	err = bte_chan_init();
	if (err)
		return err;
	bte_backend_init(bte_tun.cap);
	bte_calibrate();

	/* A missing channel is not an error: backend = cpu. */
	bte_attach(channel);
	err = bte_sysfs_init();
	if (err)
		goto out_detach;
	return 0;

out_detach:
	bte_backend_exit();
	bte_chan_exit();
	return err;
}

static void __exit bte_exit(void)
{
	bte_sysfs_exit();
	bte_backend_exit();
	bte_chan_exit();
}

module_init(bte_init);
module_exit(bte_exit);
MODULE_DESCRIPTION("zeropool: zero pages with a DMA engine through dmaengine");
MODULE_LICENSE("GPL");
MODULE_VERSION(ZEROPOOL_VERSION);
