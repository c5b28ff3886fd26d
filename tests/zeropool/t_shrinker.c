// SPDX-License-Identifier: GPL-2.0
/*
 * Memory pressure: with a large full pool, a hog sized to survive without
 * the module must survive with it too; the shrinker gives the pool back.
 */
#include <stdio.h>

#include "../lib/hog.h"
#include "../lib/zptest.h"

int main(int argc, char **argv)
{
	uint64_t avail_kb, pool_pages, freed;
	size_t hog_bytes;
	int status;

	tap_init(argv[0]);
	zp_unload_quiet("zeropool");
	avail_kb = zp_meminfo_kb("MemAvailable");
	hog_bytes = (avail_kb - 160 * 1024) * 1024;
	tap_ok(hog_run(hog_bytes, &status),
	       "without the module a %zu MiB hog survives", hog_bytes >> 20);

	/* A pool of a third of what is available: the hog cannot fit beside it. */
	pool_pages = avail_kb / 3 / 4;
	zp_load_zeropool_filled_to(pool_pages);
	tap_ok(zp_wait_ge("pool/pages", pool_pages * 9 / 10, 120000),
	       "pool filled to %llu pages", (unsigned long long)pool_pages);

	tap_ok(hog_run(hog_bytes, &status),
	       "with the full pool the same hog survives (status %#x)", status);
	freed = zp_get("pool/shrink_freed");
	tap_ok(zp_get("pool/shrink_scans") > 0 && freed > 0,
	       "the shrinker ran and gave back %llu pages",
	       (unsigned long long)freed);
	tap_ok(zp_get("pool/held_pages") <= pool_pages, "the cap held throughout");

	zp_unload_quiet("zeropool");
	return tap_done();
}
