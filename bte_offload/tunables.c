// SPDX-License-Identifier: GPL-2.0
/*
 * bte_offload's tunables, bte_tun, each declared once with its rule: the
 * files timeout_ms, max_inflight and max_failures of bte_offload/ are also
 * the module parameters of the same names and accept exactly the same
 * values; cap and chunk_kb are load time only, checked by the same
 * framework (zeropool_core's param.c) before init runs.  channel stays a
 * plain string parameter: at load "" means any channel, while the
 * channel file takes a name.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/string.h>

#include <zeropool/stats.h>

#include "bte.h"

struct bte_tunables bte_tun = {
	.timeout_ms = 500,
	.max_inflight = 16,
	.max_failures = 3,
	.chunk_kb = 2048,
	.cap = BTE_PREF_AUTO,
};

static char *channel = "";
module_param(channel, charp, 0444);
MODULE_PARM_DESC(channel, "dmaengine channel to use, e.g. dma0chan0 (default: any that can zero; none: no channel)");

static const char * const bte_cap_names[] = {
	[BTE_PREF_AUTO] = "auto",
	[BTE_PREF_MEMSET] = "memset",
	[BTE_PREF_MEMCPY] = "memcpy",
	NULL,
};

static ZP_TUNABLE_ENUM(bte_a_cap, cap, &bte_tun.cap, bte_cap_names, NULL,
		       NULL);
ZP_PARAM(cap, bte_a_cap,
	 "Capability to use: auto (memset, else memcpy; default), memset, memcpy");

static ZP_TUNABLE(bte_a_timeout, timeout_ms, &bte_tun.timeout_ms, 1, 60000,
		  NULL, NULL);
ZP_PARAM(timeout_ms, bte_a_timeout,
	 "Per-request timeout before the channel is terminated and the block zeroed by the CPU (1..60000, default 500)");

static ZP_TUNABLE(bte_a_max_inflight, max_inflight, &bte_tun.max_inflight, 1,
		  1024, NULL, NULL);
ZP_PARAM(max_inflight, bte_a_max_inflight,
	 "Requests on the engine at once (1..1024, default 16)");

static ZP_TUNABLE(bte_a_max_failures, max_failures, &bte_tun.max_failures, 0,
		  1000000, NULL, NULL);
ZP_PARAM(max_failures, bte_a_max_failures,
	 "Consecutive failed requests before the channel is dropped (0: never, default 3)");

static ZP_TUNABLE(bte_a_chunk_kb, chunk_kb, &bte_tun.chunk_kb, 4, 65536,
		  NULL, NULL);
ZP_PARAM(chunk_kb, bte_a_chunk_kb,
	 "Largest descriptor in KiB (4..65536, default 2048)");

/* The files of bte_offload/ that are tunables, for sysfs.c. */
struct attribute *bte_tunable_attrs[] = {
	ZP_ATTR_PTR(bte_a_timeout),
	ZP_ATTR_PTR(bte_a_max_inflight),
	ZP_ATTR_PTR(bte_a_max_failures),
	NULL,
};

/* The channel= parameter; NULL after a name too long for any channel. */
const char *bte_channel_param(void)
{
	if (strlen(channel) >= BTE_CHAN_NAME_LEN) {
		pr_err("channel=%s is longer than a channel name\n", channel);
		return NULL;
	}
	return channel;
}
