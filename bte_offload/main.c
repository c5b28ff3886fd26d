// SPDX-License-Identifier: GPL-2.0
/*
 * bte_offload: zeropool's offload zeroing backend on a dmaengine channel
 * (Intel I/OAT, Intel DSA, or the tests' software provider).  Without a
 * channel it still loads, with channel = none and backend = cpu, so that
 * an A/B run on any machine is honest about what did the zeroing.
 *
 * This file holds the module parameters and turns them into bte_tun (the
 * only writer besides the sysfs tunables), measures the CPU reference,
 * and starts and stops the parts: backend.c (the channel and zeropool
 * registration), then sysfs.c.  Files call downwards only: main.c ->
 * sysfs.c -> backend.c -> requests.c, channel.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/string.h>

#include <zeropool/version.h>

#include "bte.h"

static char *channel = "";
module_param(channel, charp, 0444);
MODULE_PARM_DESC(channel, "dmaengine channel to use, e.g. dma0chan0 (default: any that can zero; none: no channel)");

static char *cap = "auto";
module_param(cap, charp, 0444);
MODULE_PARM_DESC(cap, "Capability to use: auto (memset, else memcpy), memset, memcpy");

static unsigned int timeout_ms = 500;
module_param(timeout_ms, uint, 0444);
MODULE_PARM_DESC(timeout_ms, "Per-request timeout before the channel is terminated and the block zeroed by the CPU (1..60000, default 500)");

static unsigned int max_inflight = 16;
module_param(max_inflight, uint, 0444);
MODULE_PARM_DESC(max_inflight, "Requests on the engine at once (1..1024, default 16)");

static unsigned int max_failures = 3;
module_param(max_failures, uint, 0444);
MODULE_PARM_DESC(max_failures, "Consecutive failed requests before the channel is dropped (0: never, default 3)");

static unsigned int chunk_kb = 2048;
module_param(chunk_kb, uint, 0444);
MODULE_PARM_DESC(chunk_kb, "Largest descriptor in KiB (4..65536, default 2048)");

struct bte_tunables bte_tun;
struct bte_counters bte_cnt;
u64 bte_cpu_ref_ns_per_mib;
static enum bte_cap_pref bte_pref;

/* What zeroing 1 MiB costs this CPU with clear_page, for comparison. */
static void bte_calibrate(void)
{
	unsigned int order = get_order(SZ_1M), i;
	struct page *page;
	void *addr;
	u64 start;

	page = alloc_pages(GFP_KERNEL | __GFP_NOWARN, order);
	if (!page)
		return;
	start = ktime_get_ns();
	for (i = 0; i < (1U << order); i++) {
		addr = kmap_local_page(page + i);
		clear_page(addr);
		kunmap_local(addr);
	}
	bte_cpu_ref_ns_per_mib = ktime_get_ns() - start;
	__free_pages(page, order);
}

static int __init bte_check_params(void)
{
	if (!strcmp(cap, "auto"))
		bte_pref = BTE_PREF_AUTO;
	else if (!strcmp(cap, "memset"))
		bte_pref = BTE_PREF_MEMSET;
	else if (!strcmp(cap, "memcpy"))
		bte_pref = BTE_PREF_MEMCPY;
	else
		goto out_bad;
	if (strlen(channel) >= sizeof(((struct bte_chan *)0)->name) ||
	    timeout_ms < 1 || timeout_ms > 60000 ||
	    max_inflight < 1 || max_inflight > 1024 || max_failures > 1000000 ||
	    chunk_kb < 4 || chunk_kb > 65536)
		goto out_bad;
	bte_tun.timeout_ms = timeout_ms;
	bte_tun.max_inflight = max_inflight;
	bte_tun.max_failures = max_failures;
	bte_tun.chunk_kb = chunk_kb;
	return 0;

out_bad:
	pr_err("invalid parameter: channel=%s cap=%s timeout_ms=%u max_inflight=%u max_failures=%u chunk_kb=%u\n",
	       channel, cap, timeout_ms, max_inflight, max_failures, chunk_kb);
	return -EINVAL;
}

static int __init bte_init(void)
{
	int err;

	err = bte_check_params();
	if (err)
		return err;
	bte_backend_init(bte_pref);
	bte_calibrate();

	/* A missing channel is not an error: backend = cpu. */
	bte_attach(channel);
	err = bte_sysfs_init();
	if (err)
		goto out_detach;
	return 0;

out_detach:
	bte_attach("none");
	return err;
}

static void __exit bte_exit(void)
{
	bte_sysfs_exit();
	bte_backend_exit();
}

module_init(bte_init);
module_exit(bte_exit);
MODULE_DESCRIPTION("zeropool: zero pages with a DMA engine through dmaengine");
MODULE_LICENSE("GPL");
MODULE_VERSION(ZEROPOOL_VERSION);
