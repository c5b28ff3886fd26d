// SPDX-License-Identifier: GPL-2.0
/*
 * Seeded fuzzing of /dev/pagesplice, /dev/zeropool and the tunables of
 * /sys/kernel/zeropool/ (tests/fuzz/ holds the pieces).  Passes when every
 * call succeeded or returned an errno its ABI documents, and once every
 * fd is closed no ring, pin or copy is left and the modules unload.
 *
 *   t_fuzz [--seed N] [--iters N] [--seconds N]
 *
 * Without --seed the seed is random; it is printed first, and a failure
 * names its iteration: `--seed S --iters I+1` replays the run up to it
 * (--iters alone lifts the time limit).  Default: 60 seconds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../lib/bte_test.h"
#include "../lib/zptest.h"
#include "fuzz.h"

#define PS "pagesplice/"

struct fz_state fz;

static double fz_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void fz_usage(void)
{
	fprintf(stderr, "usage: t_fuzz [--seed N] [--iters N] [--seconds N]\n");
	exit(2);
}

static void fz_unload(const char *name)
{
	int err = 0, tries;

	/* a file closed last may still be on its way out */
	for (tries = 0; tries < 50 && zp_mod_loaded(name); tries++) {
		err = zp_mod_unload(name);
		if (!err)
			break;
		zp_sleep_ms(100);
	}
	tap_ok(!zp_mod_loaded(name), "%s unloads (%s)", name,
	       err ? strerror(-err) : "ok");
}

/* What the run made the modules do, from their own counters. */
static void fz_counters(const char *dir, const char * const *names)
{
	char line[1024], rel[128];
	int len = 0;

	for (; *names && len < (int)sizeof(line); names++) {
		uint64_t v = 0;

		snprintf(rel, sizeof(rel), "%s/%s", dir, *names);
		zp_read_u64(rel, &v);
		len += snprintf(line + len, sizeof(line) - len, " %s %llu",
				*names, (unsigned long long)v);
	}
	tap_diag("%s:%s", dir, line);
}

static void fz_balances(uint64_t acq0, uint64_t rel0)
{
	uint64_t pin_kb, lck_kb;
	bool pins;

	tap_ok(zp_wait_eq(PS "rings", 0, 5000),
	       "pagesplice: no ring left once every fd is closed");
	tap_ok(zp_wait_eq(PS "pages_pinned", 0, 5000),
	       "pagesplice: pages_pinned back to 0");
	tap_ok(zp_wait_eq(PS "pages_copied", 0, 5000),
	       "pagesplice: pages_copied back to 0");
	tap_ok(zp_wait_eq(PS "zero_pages", 0, 5000),
	       "pagesplice: zero_pages back to 0");
	pin_kb = zp_status_kb("VmPin");
	lck_kb = zp_status_kb("VmLck");
	/* pins are charged to the user, never to an mm; nothing mlocked */
	tap_ok(!pin_kb && !lck_kb,
	       "VmPin %llu kB, VmLck %llu kB once every ring is closed",
	       (unsigned long long)pin_kb, (unsigned long long)lck_kb);
	pins = zp_pins_balanced_since(acq0, rel0, 5000);
	tap_ok(pins, "nr_foll_pin_acquired == nr_foll_pin_released over the run (+%llu/+%llu)",
	       (unsigned long long)(zp_vmstat("nr_foll_pin_acquired") - acq0),
	       (unsigned long long)(zp_vmstat("nr_foll_pin_released") - rel0));
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "iters", required_argument, NULL, 'i' },
		{ "seconds", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t seed = 0, iters = 0, seconds = 60, acq0, rel0, failures, racer;
	bool seeded = false, timed = false, bte, dma;
	double start, elapsed;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			seeded = true;
			break;
		case 'i':
			iters = strtoull(optarg, NULL, 0);
			break;
		case 't':
			seconds = strtoull(optarg, NULL, 0);
			timed = true;
			break;
		default:
			fz_usage();
		}
	}
	if (iters && !timed)
		seconds = 0;
	if (!seeded && getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = time(NULL) ^ ((uint64_t)getpid() << 32);

	tap_init("t_fuzz");
	tap_diag("seed %llu", (unsigned long long)seed);
	fz.pg = sysconf(_SC_PAGESIZE);
	zp_load_on_zeropool("pagesplice", "pagesplice");
	/*
	 * Open to everyone, as an administrator may (README), so that the
	 * children that drop to uid 65534 reach the per-user limits; a
	 * device made again by a reload is root-only (EACCES, documented).
	 */
	if (chmod("/dev/zeropool", 0666) || chmod("/dev/pagesplice", 0666))
		tap_diag("chmod of the devices failed: unprivileged opens fail");
	dma = fz_dma_load();
	/* without the provider it loads with channel none */
	bte = !zp_mod_load("bte_offload", "bte_offload", NULL);
	if (!bte)
		tap_diag("bte_offload not loaded: its tunables are left out");
	fz.max_bytes = zp_get(PS "ring_max_bytes");
	fz.copy_threshold = zp_get(PS "copy_threshold");
	acq0 = zp_vmstat("nr_foll_pin_acquired");
	rel0 = zp_vmstat("nr_foll_pin_released");

	fz_seed(seed);
	fz_stats_init();
	fz_signals_init();
	fz_ptrs_init();
	fz_sysfs_init();
	fz_fds_init();
	fz_racer_start(fz_rand());

	start = fz_now();
	while ((!iters || fz.iter < iters) &&
	       (!seconds || fz_now() - start < seconds))
		fz_step();
	elapsed = fz_now() - start;
	fz_counters("pagesplice", (const char * const []){
		"rings_created", "bytes_by_reference", "bytes_copied",
		"zero_segments", "completions", "splice_buffers",
		"bytes_forwarded", "ring_full_events", "memlock_refusals",
		"cap_refusals", "user_cap_refusals", NULL });
	fz_counters("pool", (const char * const []){
		"hits", "misses", "given_back", "dev_faults",
		"dev_zero_page_maps", "shrink_scans", NULL });
	fz_counters("scrub", (const char * const []){
		"pages_zeroed_cpu", "pages_zeroed_nt", "pages_zeroed_offload",
		"pages_prezeroed", "offload_fallbacks", "offload_timeouts",
		NULL });
	if (bte)
		fz_counters("bte_offload", (const char * const []){
			"submissions", "blocks_dma", "errors", "timeouts",
			"cancelled", "rejected", "channel_losses", NULL });

	racer = fz_racer_stop();
	fz_children_reap(true);
	fz_fds_close_all();
	fz_scm_collect();
	fz_regions_fini();
	fz_ptrs_fini();
	fz_dma_quiet();
	tap_ok(fz_sysfs_restore() == 0, "every tunable back to its default");
	tap_diag("iterations %llu in %.1f s (seed %llu); pages of new zeropool objects found zero: %llu; unmap/remap bursts under SUBMIT: %llu",
		 (unsigned long long)fz.iter, elapsed,
		 (unsigned long long)seed,
		 (unsigned long long)fz.zero_checked,
		 (unsigned long long)racer);
	fz_report();
	failures = fz_report_failures();
	if (failures)
		tap_diag("replay: t_fuzz --seed %llu --iters <the iteration a failure names, plus one>",
			 (unsigned long long)seed);
	tap_ok(!failures,
	       "every call succeeded or returned an errno its ABI documents (%llu failures)",
	       (unsigned long long)failures);
	fz_balances(acq0, rel0);
	if (bte)
		fz_unload("bte_offload");
	/* once bte_offload let go of its channel */
	if (dma)
		fz_unload(BTE_PROVIDER);
	fz_unload("pagesplice");
	fz_unload("zeropool");
	return tap_done();
}
