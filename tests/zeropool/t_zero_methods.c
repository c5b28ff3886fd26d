// SPDX-License-Identifier: GPL-2.0
/*
 * Each zero method zeroes what it is given, counted exactly.  New blocks
 * are zeroed by the method only when the allocator did not already zero
 * them (init_on_alloc=0); pages given back are always zeroed by it.
 */
#include <string.h>

#include "../lib/zpdev.h"
#include "../lib/zptest.h"

#define N 512

static const char *counter(const char *method)
{
	if (!strcmp(method, "nt"))
		return "scrub/pages_zeroed_nt";
	return "scrub/pages_zeroed_cpu";	/* cpu, and offload's fallback */
}

static void dirty_round(const char *method)
{
	const char *ctr = counter(method);
	struct zp_map m;
	uint64_t before;

	zp_set("scrub/zero_method", method);
	zp_map_open(&m, N);
	zp_map_write_all(&m, 0xee);
	before = zp_get(ctr);
	zp_map_close(&m);
	tap_ok(zp_wait_eq("pool/dirty_pages", 0, 20000) &&
	       zp_get(ctr) - before == N,
	       "%s: %d pages given back are zeroed by %s", method, N, ctr);
	zp_map_open(&m, 2 * N);
	tap_ok(zp_map_all_zero(&m), "%s: pages handed out again read as zero",
	       method);
	zp_map_close(&m);
	zp_wait_eq("pool/dirty_pages", 0, 20000);
}

/* offload_fallbacks moved by the last fill_round()'s fill alone */
static uint64_t fill_fallbacks;

static void fill_round(const char *method, const char *ctr, bool prezeroed)
{
	uint64_t fb;
	uint64_t before, pre;
	struct zp_map m;

	zp_set("scrub/enabled", "0");
	zp_set("pool/drain", "1");
	zp_set("scrub/zero_method", method);
	before = zp_get(ctr);
	pre = zp_get("scrub/pages_prezeroed");
	fb = zp_get("scrub/offload_fallbacks");
	zp_set("scrub/enabled", "1");
	zp_wait_eq("pool/pages", 2048, 30000);
	fill_fallbacks = zp_get("scrub/offload_fallbacks") - fb;
	if (prezeroed)
		tap_ok(zp_get("scrub/pages_prezeroed") - pre == 2048 &&
		       zp_get(ctr) == before,
		       "%s: allocator zeroed the 2048 new pages, not zeroed again",
		       method);
	else
		tap_ok(zp_get(ctr) - before == 2048 &&
		       zp_get("scrub/pages_prezeroed") == pre,
		       "%s: 2048 new pages zeroed by %s", method, ctr);
	zp_map_open(&m, 2048);
	tap_ok(zp_map_all_zero(&m), "%s: new pages read as zero", method);
	zp_map_close(&m);
	zp_wait_eq("pool/dirty_pages", 0, 20000);
}

int main(int argc, char **argv)
{
	bool prezeroed;
	char method[32];

	tap_init(argv[0]);
	zp_load_zeropool("max_pages=8192 high_watermark=2048 low_watermark=512 read_fault=alloc");
	prezeroed = zp_get("scrub/allocator_zeroes");
	tap_diag("allocator zeroes pages (init_on_alloc/init_on_free): %d",
		 prezeroed);

	fill_round("cpu", "scrub/pages_zeroed_cpu", prezeroed);
	fill_round("nt", "scrub/pages_zeroed_nt", prezeroed);
	dirty_round("cpu");
	dirty_round("nt");
	dirty_round("offload");

	zp_set("scrub/zero_method", "auto");
	tap_ok(!zp_read_str("scrub/method", method, sizeof(method)) &&
	       !strcmp(method, "nt"),
	       "auto without an offload backend uses nt (%s)", method);
	zp_set("scrub/zero_method", "offload");
	tap_ok(!zp_read_str("scrub/backend", method, sizeof(method)) &&
	       !strcmp(method, "none"), "no backend registered: backend reads none");
	if (!prezeroed) {
		fill_round("offload", "scrub/pages_zeroed_nt", false);
		tap_ok(fill_fallbacks == 2048,
		       "offload without a backend falls back for all 2048 pages (%llu)",
		       (unsigned long long)fill_fallbacks);
	}
	zp_unload_quiet("zeropool");
	return tap_done();
}
