// SPDX-License-Identifier: GPL-2.0
/*
 * bte_offload never gives a page back while the engine may still write
 * into it.  The software provider plays 6.1's ioatdma and idxd: no
 * device_terminate_all, so dmaengine_terminate_sync() fails; descriptors
 * run after bte_offload's timeout and write a pattern (the late write),
 * with their callbacks late, held back, or from hard-IRQ context.  Every
 * page the pool then hands out through /dev/zeropool must be free of the
 * pattern, the timed-out requests stay quarantined (and the module
 * loaded) until their callbacks come or the device is unbound (the
 * channel is given back before its driver frees it), and a prep that
 * sleeps for queue room does not hold up the timeout or rmmod.
 *
 * Needs init_on_alloc=0 (tests/run boots t_bte* so), else it skips.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../lib/bte_test.h"
#include "../lib/zptest.h"

#define NPAGES	2048
#define PATTERN	0x6b

static bool unloadable_refused(int err)
{
	return err == -EWOULDBLOCK || err == -EBUSY;
}

/* The pool refilled; no page it hands out holds the late pattern. */
static void no_pattern(const char *what)
{
	size_t found;

	/* Late blocks come back dirty, zeroed: the pool may pass NPAGES. */
	tap_ok(zp_wait_ge("pool/pages", NPAGES, 120000),
	       "%s: pool refilled", what);
	found = bte_count_pattern(2 * NPAGES, PATTERN);
	tap_ok(found == 0, "%s: %zu of %d mapped pages hold the late write",
	       what, found, 2 * NPAGES);
}

static void setup(const char *provider_params)
{
	bte_load_provider(provider_params);
	bte_load("max_failures=0 timeout_ms=200");
	zp_set("scrub/offload_timeout_ms", "10000");
}

/*
 * Scrubber paused, engine idle: the counters balance and bte_offload
 * unloads (while requests are on an engine that cannot be terminated,
 * rmmod answers EBUSY).
 */
static void teardown(const char *what)
{
	zp_set("scrub/enabled", "0");
	zp_wait_eq("bte_offload/in_flight", 0, 30000);
	bte_provider_wait("outstanding", 0, 30000);
	bte_check_balance(what);
	tap_ok(zp_mod_unload("bte_offload") == 0, "%s: bte_offload unloads",
	       what);
	tap_ok(zp_mod_unload(BTE_PROVIDER) == 0, "%s: provider unloads", what);
	zp_set("scrub/enabled", "1");
	zp_set("scrub/offload_timeout_ms", "1000");
}

/*
 * The engine cannot be stopped and writes after the timeout; its
 * callbacks come late (from the worker, or from hard IRQ).
 */
static void late_callback(const char *what, const char *irq)
{
	setup("no_terminate=1");
	bte_provider_set("irq_complete", irq);
	bte_provider_set("late_pattern", "107");
	bte_provider_set("delay_ms", "1500");
	bte_start_refill();
	zp_wait_eq("pool/pages", NPAGES, 120000);
	tap_ok(bte_provider_wait("outstanding", 0, 60000),
	       "%s: every descriptor ran and completed", what);
	tap_ok(zp_wait_eq("bte_offload/quarantined_pages", 0, 30000),
	       "%s: quarantine drained once the callbacks came", what);
	bte_provider_set("late_pattern", "0");
	bte_provider_set("delay_ms", "0");
	tap_ok(bte_get("timeouts") > 0 && bte_get_or_0("terminate_failures") > 0 &&
	       bte_get_or_0("quarantined") > 0,
	       "%s: %llu timeouts, %llu failed terminates, %llu requests quarantined",
	       what, (unsigned long long)bte_get("timeouts"),
	       (unsigned long long)bte_get_or_0("terminate_failures"),
	       (unsigned long long)bte_get_or_0("quarantined"));
	no_pattern(what);
	teardown(what);
}

/*
 * A refill on an engine that cannot be terminated, writes the pattern
 * after the timeout and holds its callbacks back; true once some pages
 * are quarantined.
 */
static bool start_held(void)
{
	setup("no_terminate=1");
	bte_provider_set("lose_completion", "1");
	bte_provider_set("late_pattern", "107");
	bte_provider_set("delay_ms", "1000");
	zp_set("scrub/offload_timeout_ms", "1000");
	bte_start_refill();
	return zp_wait_ge("bte_offload/quarantined_pages", 1, 30000);
}

/* The callbacks never come until the test delivers them. */
static void held_callback(void)
{
	const char *what = "held callbacks";
	bool unloaded;

	tap_ok(start_held(), "%s: pages quarantined while the engine holds them",
	       what);
	no_pattern(what);
	unloaded = !unloadable_refused(zp_mod_unload("bte_offload"));
	tap_ok(!unloaded, "%s: rmmod bte_offload refused while quarantined",
	       what);
	if (unloaded) {
		/* The held callbacks would run freed module code: keep them. */
		tap_bail("%s: bte_offload unloaded with requests on the engine",
			 what);
	}
	bte_provider_set("late_pattern", "0");
	bte_provider_set("lose_completion", "0");
	bte_provider_set("deliver_lost", "1");
	tap_ok(zp_wait_eq("bte_offload/quarantined_pages", 0, 30000),
	       "%s: delivered callbacks drain the quarantine", what);
	bte_start_refill();
	no_pattern(what);
	teardown(what);
}

/*
 * The device is unbound while its engine, which cannot be terminated,
 * holds quarantined requests: the channel is given back before the driver
 * frees it, and once the driver is gone the quarantine is handed back.
 */
static void unplug_quarantined(void)
{
	const char *what = "unplug while quarantined";
	char buf[64];

	start_held();
	bte_provider_set("unplug", "1");
	tap_ok(!strcmp(bte_text("bte_offload/channel", buf, sizeof(buf)), "none") &&
	       bte_get("channel_losses") == 1,
	       "%s: channel given back at unbind (%s), losses %llu", what, buf,
	       (unsigned long long)bte_get("channel_losses"));
	tap_ok(zp_wait_eq("bte_offload/quarantined_pages", 0, 30000),
	       "%s: the quarantine is handed back once the driver is gone",
	       what);
	bte_provider_set("late_pattern", "0");
	bte_provider_set("lose_completion", "0");
	no_pattern(what);
	tap_ok(bte_wait_text("scrub/backend", "none", 30000),
	       "%s: unregistered from zeropool", what);
	teardown(what);
}

/*
 * A prep that sleeps until the queue has room (idxd) while completions
 * are lost: the timeout must still stop the engine, which frees the
 * queue, and rmmod must go through.
 */
static void prep_sleeps(void)
{
	const char *what = "prep sleeps";

	setup("");
	bte_provider_set("queue_depth", "2");
	bte_provider_set("lose_completion", "1");
	bte_start_refill();
	zp_wait_eq("pool/pages", NPAGES, 120000);
	tap_ok(bte_provider_get("prep_timeouts") == 0 &&
	       bte_get("timeouts") > 0,
	       "%s: the timeout freed the queue (%llu timeouts, %llu preps gave up)",
	       what, (unsigned long long)bte_get("timeouts"),
	       (unsigned long long)bte_provider_get("prep_timeouts"));
	bte_start_refill();
	zp_wait_ge("bte_offload/submissions", bte_get("submissions") + 2,
		   20000);
	tap_ok(zp_mod_unload("bte_offload") == 0,
	       "%s: rmmod while a prep sleeps", what);
	tap_ok(bte_provider_get("prep_timeouts") == 0,
	       "%s: no prep waited out its queue (%llu)", what,
	       (unsigned long long)bte_provider_get("prep_timeouts"));
	tap_ok(zp_wait_eq("pool/pages", NPAGES, 120000),
	       "%s: the pool fills on the CPU", what);
	tap_ok(zp_mod_unload(BTE_PROVIDER) == 0, "%s: provider unloads", what);
	zp_set("scrub/offload_timeout_ms", "1000");
}

int main(int argc, char **argv)
{
	tap_init(argv[0]);
	zp_load_zeropool("max_pages=8192 high_watermark=2048 low_watermark=512 read_fault=alloc");
	if (zp_get("scrub/allocator_zeroes")) {
		tap_skip("the allocator zeroes new blocks (init_on_alloc=1): needs ZP_VM_APPEND=init_on_alloc=0");
	} else {
		late_callback("late callbacks", "0");
		late_callback("late callbacks from hard IRQ", "1");
		held_callback();
		unplug_quarantined();
		prep_sleeps();
	}
	zp_set("scrub/zero_method", "auto");
	zp_unload_quiet("zeropool");
	return tap_done();
}
