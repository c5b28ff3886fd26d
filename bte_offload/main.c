// SPDX-License-Identifier: GPL-2.0
/*
 * bte_offload: zeropool's offload zeroing backend on a dmaengine channel
 * (Intel I/OAT, Intel DSA, or the tests' software provider).  Without a
 * channel it still loads, with channel = none and backend = cpu, so that
 * an A/B run on any machine is honest about what did the zeroing.
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

struct bte_state bte;
struct bte_tunables bte_tun;
struct bte_counters bte_cnt;
u64 bte_cpu_ref_ns_per_mib;
static enum bte_cap_pref bte_pref;

static void bte_register_locked(void)
{
	int err;

	lockdep_assert_held(&bte.reg_lock);
	if (bte.registered)
		return;
	err = zp_register_zero_backend(&bte.backend);
	if (err)
		pr_warn("cannot register with zeropool (%d): backend=cpu\n", err);
	else
		bte.registered = true;
}

static void bte_unregister_locked(void)
{
	lockdep_assert_held(&bte.reg_lock);
	if (!bte.registered)
		return;
	zp_unregister_zero_backend(&bte.backend);
	bte.registered = false;
}

/* Caller holds bte.lock.  The channel is gone for good: backend = cpu. */
void bte_drop_channel_locked(const char *why)
{
	struct bte_chan *ch = bte.ch;

	lockdep_assert_held(&bte.lock);
	if (!ch)
		return;
	WRITE_ONCE(bte.ch, NULL);
	atomic64_inc(&bte_cnt.channel_losses);
	pr_warn("dropping %s: %s; backend=cpu\n", ch->name, why);
	bte_chan_release(ch);
	if (!bte.stopping)
		schedule_work(&bte.reg_work);
}

/* After a channel loss: zeropool's auto method should stop asking us. */
static void bte_reg_fn(struct work_struct *work)
{
	bool have;

	mutex_lock(&bte.reg_lock);
	mutex_lock(&bte.lock);
	have = bte.ch;
	mutex_unlock(&bte.lock);
	if (!have)
		bte_unregister_locked();
	mutex_unlock(&bte.reg_lock);
}

/*
 * Replaces the channel with the one named @name ("" or "any": any that
 * can zero; "none": no channel).  Returns 0 or -ENODEV when no channel
 * was found (then backend = cpu).
 */
int bte_attach(const char *name)
{
	struct bte_chan *ch = NULL;
	int err = 0;

	if (!strcmp(name, "any"))
		name = "";
	mutex_lock(&bte.reg_lock);
	mutex_lock(&bte.lock);
	if (bte.ch) {
		bte_chan_release(bte.ch);
		WRITE_ONCE(bte.ch, NULL);
	}
	mutex_unlock(&bte.lock);

	if (strcmp(name, "none")) {
		ch = bte_chan_acquire(name, bte_pref);
		if (IS_ERR(ch)) {
			err = PTR_ERR(ch);
			ch = NULL;
			pr_info("no dmaengine channel%s%s with %s (%d): channel=none, backend=cpu\n",
				*name ? " named " : "", name,
				bte_pref == BTE_PREF_MEMSET ? "DMA_MEMSET" :
				bte_pref == BTE_PREF_MEMCPY ? "DMA_MEMCPY" :
				"DMA_MEMSET or DMA_MEMCPY", err);
		}
	}
	if (ch) {
		mutex_lock(&bte.lock);
		WRITE_ONCE(bte.ch, ch);
		mutex_unlock(&bte.lock);
		bte_register_locked();
	} else {
		bte_unregister_locked();
	}
	mutex_unlock(&bte.reg_lock);
	return err;
}

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
	mutex_init(&bte.lock);
	mutex_init(&bte.reg_lock);
	INIT_DELAYED_WORK(&bte.timeout_work, bte_timeout_fn);
	INIT_WORK(&bte.reg_work, bte_reg_fn);
	bte.backend.name = KBUILD_MODNAME;
	bte.backend.owner = THIS_MODULE;
	bte.backend.submit = bte_submit;
	bte_calibrate();

	/* A missing channel is not an error: backend = cpu. */
	bte_attach(channel);
	err = bte_stats_init();
	if (err)
		goto out_detach;
	return 0;

out_detach:
	bte_attach("none");
	return err;
}

static void __exit bte_exit(void)
{
	bte_stats_exit();
	mutex_lock(&bte.lock);
	bte.stopping = true;
	mutex_unlock(&bte.lock);
	/* Completes every request still on the engine with -ECANCELED. */
	bte_attach("none");
	cancel_delayed_work_sync(&bte.timeout_work);
	cancel_work_sync(&bte.reg_work);
	mutex_lock(&bte.reg_lock);
	bte_unregister_locked();
	mutex_unlock(&bte.reg_lock);
}

module_init(bte_init);
module_exit(bte_exit);
MODULE_DESCRIPTION("zeropool: zero pages with a DMA engine through dmaengine");
MODULE_LICENSE("GPL");
MODULE_VERSION(ZEROPOOL_VERSION);
