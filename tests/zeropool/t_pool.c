// SPDX-License-Identifier: GPL-2.0
/*
 * The scrubber fills the pool to high_watermark and stops; faults are hits
 * while the pool has pages and misses when it is empty, counted exactly;
 * the cap holds while pages are taken and given back; drain empties it.
 */
#include <stdio.h>

#include "../lib/zpdev.h"
#include "../lib/zptest.h"

static uint64_t blocks_pages(void)
{
	char rel[64];
	uint64_t sum = 0, v;
	int order;

	for (order = 0; order <= 10; order++) {
		snprintf(rel, sizeof(rel), "scrub/blocks/order%d", order);
		if (!zp_read_u64(rel, &v))
			sum += v << order;
	}
	return sum;
}

static uint64_t zeroed_or_prezeroed(void)
{
	return zp_get("scrub/pages_prezeroed") + zp_get("scrub/pages_zeroed_cpu") +
	       zp_get("scrub/pages_zeroed_nt") + zp_get("scrub/pages_zeroed_offload");
}

int main(int argc, char **argv)
{
	uint64_t hits, misses, wakeups, held_max = 0, v;
	struct zp_map m;
	int i;

	tap_init(argv[0]);
	zp_load_zeropool("max_pages=8192 high_watermark=2048 low_watermark=512 scrub_enabled=0 read_fault=alloc");
	zp_sleep_ms(300);
	tap_ok(zp_get("pool/pages") == 0 && zp_get("pool/held_pages") == 0,
	       "pool stays empty while the scrubber is off");

	zp_set("scrub/enabled", "1");
	tap_ok(zp_wait_eq("pool/pages", 2048, 30000),
	       "scrubber fills the pool to high_watermark (2048)");
	zp_sleep_ms(1500);
	tap_ok(zp_get("pool/pages") == 2048 && zp_get("pool/held_pages") == 2048,
	       "and stops there");
	tap_ok(blocks_pages() == 2048, "blocks per order add up to 2048 pages (%llu)",
	       (unsigned long long)blocks_pages());
	tap_ok(zp_get("scrub/blocks/order9") == 4,
	       "the fill used four order-9 blocks (%llu)",
	       (unsigned long long)zp_get("scrub/blocks/order9"));
	tap_ok(zeroed_or_prezeroed() == 2048,
	       "every page was zeroed or found zeroed by the allocator once");
	wakeups = zp_get("scrub/wakeups");
	tap_ok(wakeups >= 1, "scrub wake-ups counted (%llu)",
	       (unsigned long long)wakeups);

	hits = zp_get("pool/hits");
	misses = zp_get("pool/misses");
	zp_map_open(&m, 1000);
	zp_map_write_all(&m, 1);
	tap_ok(zp_get("pool/hits") - hits == 1000 && zp_get("pool/misses") == misses,
	       "1000 faults on a full pool are 1000 hits, no miss");
	zp_map_close(&m);

	zp_set("scrub/enabled", "0");
	zp_set("pool/drain", "1");
	tap_ok(zp_get("pool/pages") == 0 && zp_get("pool/held_pages") == 0,
	       "drain empties the pool");
	hits = zp_get("pool/hits");
	misses = zp_get("pool/misses");
	zp_map_open(&m, 500);
	zp_map_write_all(&m, 2);
	tap_ok(zp_get("pool/misses") - misses == 500 && zp_get("pool/hits") == hits,
	       "500 faults on an empty pool are 500 misses, no hit");
	tap_ok(zp_map_all_zero(&m) == false, "miss pages hold what was written");
	zp_map_close(&m);
	zp_set("pool/drain", "1");

	/* Cap: pool and pages given back together never exceed max_pages. */
	zp_set("pool/high_watermark", "1024");
	zp_set("pool/max_pages", "1024");
	zp_set("scrub/enabled", "1");
	for (i = 0; i < 5; i++) {
		zp_map_open(&m, 3000);
		zp_map_write_all(&m, 3);
		v = zp_get("pool/held_pages");
		held_max = v > held_max ? v : held_max;
		zp_map_close(&m);
		v = zp_get("pool/held_pages");
		held_max = v > held_max ? v : held_max;
	}
	tap_ok(held_max <= 1024, "held_pages never above max_pages=1024 (max seen %llu)",
	       (unsigned long long)held_max);
	tap_ok(zp_get("pool/freed_full") > 0,
	       "pages given back to a full pool are freed (%llu)",
	       (unsigned long long)zp_get("pool/freed_full"));
	zp_set("pool/high_watermark", "600");
	zp_set("pool/max_pages", "600");
	tap_ok(zp_get("pool/held_pages") <= 600,
	       "lowering max_pages trims the pool at once (%llu)",
	       (unsigned long long)zp_get("pool/held_pages"));

	zp_unload_quiet("zeropool");
	return tap_done();
}
