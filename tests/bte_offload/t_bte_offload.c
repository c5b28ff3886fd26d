// SPDX-License-Identifier: GPL-2.0
/*
 * bte_offload against the software dmaengine provider (zp_soft_dma): it
 * loads without a channel; blocks zeroed through MEMSET and MEMCPY
 * channels read as zero; every injected fault (error status, delay past
 * the timeout, lost completion, zeropool's own timeout) ends with every
 * page zeroed by the CPU fallback and counted; unloading bte_offload and
 * hot removal of the provider while zeroing are clean.
 *
 * zeropool hands new blocks to the backend only when the allocator did
 * not zero them already: boot with init_on_alloc=0
 * (ZP_VM_APPEND=init_on_alloc=0), or the DMA parts are skipped.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../lib/bte_test.h"
#include "../lib/zpdev.h"
#include "../lib/zptest.h"

#define NPAGES	2048

/* Counters around one refill of the pool. */
struct snap {
	uint64_t off, fb, blocks, bytes, errors, timeouts, fallbacks;
};

static struct snap before, after;

static void snapshot(struct snap *s)
{
	s->off = zp_get("scrub/pages_zeroed_offload");
	s->fb = zp_get("scrub/offload_fallbacks");
	s->blocks = bte_get_or_0("blocks_dma");
	s->bytes = bte_get_or_0("bytes_dma");
	s->errors = bte_get_or_0("errors");
	s->timeouts = bte_get_or_0("timeouts");
	s->fallbacks = bte_get_or_0("cpu_fallbacks");
}

#define DELTA(f)	(after.f - before.f)

/*
 * Refills the pool from empty with offload (counters in before/after),
 * then reads every page with the scrubber paused, so that no refill
 * mixes in; true if the pool filled and all pages read as zero.
 */
static bool fill(const char *what, int timeout_ms)
{
	struct zp_map m;
	bool filled, zero;

	zp_set("scrub/enabled", "0");
	zp_set("pool/drain", "1");
	bte_dirty_memory(256);
	zp_set("scrub/zero_method", "offload");
	snapshot(&before);
	zp_set("scrub/enabled", "1");
	filled = zp_wait_eq("pool/pages", NPAGES, timeout_ms);
	zp_set("scrub/enabled", "0");
	snapshot(&after);
	zp_map_open(&m, NPAGES);
	zero = zp_map_all_zero(&m);
	zp_map_close(&m);
	zp_set("scrub/enabled", "1");
	zp_wait_eq("pool/dirty_pages", 0, 20000);
	tap_ok(filled && zero, "%s: pool refilled with %d pages, all read as zero",
	       what, NPAGES);
	return filled && zero;
}

static void no_channel(void)
{
	char buf[64];

	bte_load("");
	tap_ok(!strcmp(bte_text("bte_offload/channel", buf, sizeof(buf)), "none"),
	       "no provider: channel reads none (%s)", buf);
	tap_ok(!strcmp(bte_text("bte_offload/backend", buf, sizeof(buf)), "cpu"),
	       "no provider: backend reads cpu (%s)", buf);
	tap_ok(!strcmp(bte_text("bte_offload/capability", buf, sizeof(buf)), "none"),
	       "no provider: capability reads none");
	tap_ok(!strcmp(bte_text("scrub/backend", buf, sizeof(buf)), "none"),
	       "no provider: not registered with zeropool (%s)", buf);
	tap_ok(zp_write("bte_offload/channel", "any") == -ENODEV,
	       "no provider: asking for any channel fails with ENODEV");
	tap_ok(zp_write("bte_offload/timeout_ms", "0") == -EINVAL,
	       "timeout_ms=0 is rejected with EINVAL");
	tap_ok(zp_mod_unload("bte_offload") == 0, "unloads without a channel");
	tap_ok(zp_mod_load("bte_offload", "bte_offload", "cap=bogus") == -EINVAL,
	       "cap=bogus is refused with EINVAL");
}

static void attach(const char *caps, const char *want_cap)
{
	char buf[64], params[64];

	snprintf(params, sizeof(params), "caps=%s", caps);
	bte_load_provider(params);
	bte_load("max_failures=0");
	tap_ok(!strncmp(bte_text("bte_offload/channel", buf, sizeof(buf)), "dma", 3),
	       "%s: channel found (%s)", caps, buf);
	tap_ok(!strcmp(bte_text("bte_offload/capability", buf, sizeof(buf)),
		       want_cap), "%s: capability %s (%s)", caps, want_cap, buf);
	tap_ok(!strcmp(bte_text("bte_offload/backend", buf, sizeof(buf)), "dma") &&
	       !strcmp(bte_text("scrub/backend", buf, sizeof(buf)), "bte_offload"),
	       "%s: backend dma, registered with zeropool", caps);
}

static void detach(void)
{
	tap_ok(zp_mod_unload("bte_offload") == 0, "bte_offload unloads");
	tap_ok(zp_mod_unload(BTE_PROVIDER) == 0, "provider unloads");
}

/* channel= names one; the channel file switches and releases it. */
static void named_channel(void)
{
	char name[64], buf[64];

	bte_load_provider("");
	bte_load("");
	bte_text("bte_offload/channel", name, sizeof(name));
	tap_ok(zp_mod_unload("bte_offload") == 0, "named: unload");
	bte_load("channel=nosuch0");
	tap_ok(!strcmp(bte_text("bte_offload/channel", buf, sizeof(buf)), "none") &&
	       !strcmp(bte_text("bte_offload/backend", buf, sizeof(buf)), "cpu"),
	       "named: channel=nosuch0 loads with channel none, backend cpu");
	tap_ok(zp_write("bte_offload/channel", name) == 0 &&
	       !strcmp(bte_text("bte_offload/channel", buf, sizeof(buf)), name) &&
	       !strcmp(bte_text("scrub/backend", buf, sizeof(buf)), "bte_offload"),
	       "named: writing %s to channel takes it and registers", name);
	tap_ok(zp_mod_unload(BTE_PROVIDER) == -EWOULDBLOCK ||
	       zp_mod_unload(BTE_PROVIDER) == -EBUSY,
	       "named: the provider cannot unload while its channel is held");
	tap_ok(zp_write("bte_offload/channel", "none") == 0 &&
	       !strcmp(bte_text("bte_offload/channel", buf, sizeof(buf)), "none") &&
	       !strcmp(bte_text("scrub/backend", buf, sizeof(buf)), "none"),
	       "named: writing none releases it and unregisters");
	tap_ok(zp_write("bte_offload/channel", "\n") == -EINVAL,
	       "named: an empty name is rejected with EINVAL");
	tap_ok(zp_mod_unload(BTE_PROVIDER) == 0,
	       "named: the provider unloads once released");
	tap_ok(zp_mod_unload("bte_offload") == 0, "named: bte_offload unloads");
}

static void dma_path(const char *caps, const char *want_cap)
{
	char what[64];

	snprintf(what, sizeof(what), "%s path", want_cap);
	attach(caps, want_cap);
	fill(what, 60000);
	tap_ok(DELTA(off) == NPAGES && DELTA(fb) == 0,
	       "%s: zeropool counts %d pages zeroed by offload, no fallback",
	       what, NPAGES);
	tap_ok(DELTA(bytes) == (uint64_t)NPAGES * 4096 && DELTA(blocks) &&
	       bte_get("descriptors") >= bte_get("blocks_dma"),
	       "%s: %llu blocks, %llu bytes by DMA (%llu descriptors in all)",
	       what, (unsigned long long)DELTA(blocks),
	       (unsigned long long)DELTA(bytes),
	       (unsigned long long)bte_get("descriptors"));
	/* The provider's max segment is 64 KiB, as on PCI: not a limit. */
	tap_ok(bte_get("descriptors") == bte_get("blocks_dma"),
	       "%s: one descriptor per block (%llu descriptors, %llu blocks)",
	       what, (unsigned long long)bte_get("descriptors"),
	       (unsigned long long)bte_get("blocks_dma"));
	tap_ok(bte_provider_get("interrupts") == bte_get("blocks_dma"),
	       "%s: one interrupt per block (%llu interrupts)", what,
	       (unsigned long long)bte_provider_get("interrupts"));
	tap_diag("%s: submit cost %llu ns/MiB, clear_page %llu ns/MiB", what,
		 (unsigned long long)bte_get("submit_cpu_ns_per_mib"),
		 (unsigned long long)bte_get("cpu_zero_ns_per_mib"));
	bte_check_balance(what);
	detach();
}

/* One fault: everything falls back to the CPU, counted in @counter. */
static void fault(const char *what, const char *param, const char *val,
		  bool timeouts)
{
	uint64_t n;

	bte_provider_set(param, val);
	fill(what, 120000);
	bte_provider_set(param, "0");
	n = timeouts ? DELTA(timeouts) : DELTA(errors);
	tap_ok(n && DELTA(fallbacks) >= n && DELTA(fb) == NPAGES &&
	       DELTA(off) == 0,
	       "%s: %s +%llu, all %d pages zeroed by the CPU fallback", what,
	       timeouts ? "timeouts" : "errors", (unsigned long long)n, NPAGES);
	bte_check_balance(what);
}

static void faults(void)
{
	uint64_t late;

	attach("memset,memcpy", "memset");
	bte_set("timeout_ms", "200");
	zp_set("scrub/offload_timeout_ms", "10000");
	fault("error status", "error_status", "1", false);
	fault("delay past timeout", "delay_ms", "1000", true);
	fault("lost completion", "lose_completion", "1", true);

	/* zeropool gives up first: the late success is zeroed again. */
	bte_set("timeout_ms", "10000");
	zp_set("scrub/offload_timeout_ms", "100");
	late = zp_get("scrub/offload_timeouts");
	bte_provider_set("delay_ms", "400");
	fill("zeropool timeout", 120000);
	bte_provider_set("delay_ms", "0");
	zp_wait_eq("bte_offload/in_flight", 0, 20000);
	tap_ok(zp_get("scrub/offload_timeouts") > late,
	       "zeropool timeout: %llu late requests re-zeroed by the CPU",
	       (unsigned long long)(zp_get("scrub/offload_timeouts") - late));
	bte_check_balance("zeropool timeout");
	zp_set("scrub/offload_timeout_ms", "1000");
	detach();
}

static void unload_while_zeroing(void)
{
	attach("memset,memcpy", "memset");
	bte_set("timeout_ms", "10000");
	bte_provider_set("delay_ms", "300");
	bte_start_refill();
	zp_wait_ge("bte_offload/submissions", 1, 20000);
	tap_ok(zp_mod_unload("bte_offload") == 0 &&
	       !zp_mod_loaded("bte_offload"),
	       "unload while zeroing: bte_offload unloads");
	tap_ok(zp_wait_eq("pool/pages", NPAGES, 60000),
	       "unload while zeroing: the pool fills on the CPU");
	fill("after unload", 60000);
	tap_ok(zp_mod_unload(BTE_PROVIDER) == 0, "provider unloads");
}

static void hot_removal(const char *what, bool lose)
{
	char buf[64];

	attach("memset,memcpy", "memset");
	bte_set("max_failures", "1");
	bte_set("timeout_ms", "300");
	bte_provider_set("delay_ms", "200");
	if (lose)
		bte_provider_set("lose_completion", "1");
	bte_start_refill();
	zp_wait_ge("bte_offload/submissions", 1, 20000);
	bte_provider_set("unplug", "1");
	tap_ok(zp_wait_eq("pool/pages", NPAGES, 60000),
	       "%s: the pool fills anyway", what);
	if (!bte_wait_text("bte_offload/channel", "none", 100)) {
		/* Blocks can all complete before the next submission. */
		fill(what, 60000);
	}
	tap_ok(bte_wait_text("bte_offload/channel", "none", 30000) &&
	       bte_get("channel_losses") == 1,
	       "%s: channel dropped (%s), losses %llu", what,
	       bte_text("bte_offload/channel", buf, sizeof(buf)),
	       (unsigned long long)bte_get("channel_losses"));
	tap_ok(bte_wait_text("scrub/backend", "none", 30000) &&
	       !strcmp(bte_text("bte_offload/backend", buf, sizeof(buf)), "cpu"),
	       "%s: backend cpu, unregistered from zeropool", what);
	bte_check_balance(what);
	tap_ok(zp_mod_unload(BTE_PROVIDER) == 0,
	       "%s: provider unloads while bte_offload stays", what);
	fill(what, 60000);
	tap_ok(zp_mod_unload("bte_offload") == 0, "%s: bte_offload unloads",
	       what);
}

int main(int argc, char **argv)
{
	bool prezeroed;

	tap_init(argv[0]);
	zp_load_zeropool("max_pages=8192 high_watermark=2048 low_watermark=512 read_fault=alloc");
	prezeroed = zp_get("scrub/allocator_zeroes");

	no_channel();
	named_channel();
	if (prezeroed) {
		attach("memset,memcpy", "memset");
		detach();
		attach("memcpy", "memcpy");
		detach();
		tap_skip("the allocator zeroes new blocks (init_on_alloc=1): DMA zeroing, faults, unload and hot removal need ZP_VM_APPEND=init_on_alloc=0");
	} else {
		dma_path("memset,memcpy", "memset");
		dma_path("memcpy", "memcpy");
		faults();
		unload_while_zeroing();
		hot_removal("hot removal", false);
		hot_removal("hot removal, lost completions", true);
	}
	zp_set("scrub/zero_method", "auto");
	zp_unload_quiet("zeropool");
	return tap_done();
}
