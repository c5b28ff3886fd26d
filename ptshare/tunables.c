// SPDX-License-Identifier: GPL-2.0
/*
 * ptshare's tunables, pts_tun, each declared once with its rule: the run
 * time ones are files of ptshare/ (enabled is also the module parameter of
 * the same name, accepting exactly what the file accepts), the load time
 * ones (ring_size, maxactive) are module parameters only, checked by the
 * same framework (zeropool_core's param.c) before init runs.  Nothing in
 * ptshare writes pts_tun but through these declarations.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/threads.h>

#include <zeropool/stats.h>

#include "ptshare.h"

struct pts_tunables pts_tun = {
	.enabled = 1,
	.window_ms = 600000,
	.entry_cost_pct = 50,
	.ring_size = 1024,
	.maxactive = 512,
};

static ZP_TUNABLE_BOOL(pts_a_enabled, enabled, &pts_tun.enabled, NULL, NULL);
ZP_PARAM(enabled, pts_a_enabled, "Start tracing forks at load (default: Y)");

static ZP_TUNABLE(pts_a_pid, filter_pid, &pts_tun.filter_pid, 0,
		  PID_MAX_LIMIT, NULL, NULL);
static ZP_TUNABLE(pts_a_rss, min_rss, &pts_tun.min_rss_kb, 0, 1ULL << 40,
		  NULL, NULL);
/* A cap: windows end at the child's exit or exec (see ABI-ptshare.md). */
static ZP_TUNABLE(pts_a_window, window_ms, &pts_tun.window_ms, 0, 3600000,
		  NULL, NULL);
static ZP_TUNABLE(pts_a_entry, entry_cost_pct, &pts_tun.entry_cost_pct, 0,
		  100, NULL, NULL);

/* Not files: they size what init allocates and registers. */
static ZP_TUNABLE(pts_a_ring_size, ring_size, &pts_tun.ring_size, 4, 65536,
		  NULL, NULL);
ZP_PARAM(ring_size, pts_a_ring_size,
	 "Per-fork records kept (4..65536, default 1024); oldest dropped first");

static ZP_TUNABLE(pts_a_maxactive, maxactive, &pts_tun.maxactive, 16, 8192,
		  NULL, NULL);
ZP_PARAM(maxactive, pts_a_maxactive,
	 "kretprobe instances per probe: calls in flight at once (16..8192, default 512)");

/*
 * At load, before the files appear: entry_cost_pct from the running
 * machine (calibrate.c); the constant above stays if it cannot be had.
 */
void pts_tunables_measure(void)
{
	u64 pct = pts_calibrate_entry_pct();

	if (pct)
		pts_tun.entry_cost_pct = pct;
}

/* The files of ptshare/ that are tunables, for sysfs.c. */
struct attribute *pts_tunable_attrs[] = {
	ZP_ATTR_PTR(pts_a_enabled),
	ZP_ATTR_PTR(pts_a_pid),
	ZP_ATTR_PTR(pts_a_rss),
	ZP_ATTR_PTR(pts_a_window),
	ZP_ATTR_PTR(pts_a_entry),
	NULL,
};
