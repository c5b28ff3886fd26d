// SPDX-License-Identifier: GPL-2.0
/*
 * read_fault policies (seed 003): zero_page maps the shared zero page on a
 * read of a hole and puts a pool page there on the first write; alloc maps
 * a pool page at once.  Linux 6.10+ forbids the zero page in writable
 * shared mappings (ZEROPOOL_FEAT_ZERO_PAGE_WRITABLE clear): there reads of
 * a writable mapping take pool pages and read-only mappings keep the zero
 * page.  Counters move by exactly what each step causes.
 */
#include <uapi/zeropool.h>

#include "../lib/zpdev.h"
#include "../lib/zptest.h"

#define N 256

static uint64_t taken(void)
{
	return zp_get("pool/hits") + zp_get("pool/misses");
}

/* A read-only object: every kernel maps the zero page, takes nothing. */
static void read_only_object(void)
{
	uint64_t faults, zmaps, took, rss;
	struct zp_map m;

	zp_map_open_ro(&m, N);
	faults = zp_get("pool/dev_faults");
	zmaps = zp_get("pool/dev_zero_page_maps");
	took = taken();
	tap_ok(zp_map_touch_read(&m) == 0, "read-only: holes read as zero");
	tap_ok(zp_get("pool/dev_zero_page_maps") - zmaps == N &&
	       zp_get("pool/dev_faults") - faults == N,
	       "read-only: %d read faults map the zero page", N);
	tap_ok(zp_map_object_pages(&m) == 0 && taken() == took,
	       "read-only: reads take no page from the pool");
	rss = zp_map_rss_kb(&m);
	tap_ok(rss == 0, "read-only: the mapping has no RSS (%llu kB)",
	       (unsigned long long)rss);
	zp_map_close(&m);
}

static void zero_page_writable(bool zero_page)
{
	uint64_t faults, zmaps, took;
	struct zp_map m;
	size_t i;
	int bad = 0;

	zp_map_open(&m, N);
	faults = zp_get("pool/dev_faults");
	zmaps = zp_get("pool/dev_zero_page_maps");
	took = taken();
	tap_ok(zp_map_touch_read(&m) == 0, "zero_page: holes read as zero");
	if (zero_page) {
		tap_ok(zp_get("pool/dev_zero_page_maps") - zmaps == N &&
		       zp_map_object_pages(&m) == 0 && taken() == took,
		       "zero_page: %d reads map the zero page, take no page", N);
	} else {
		tap_ok(zp_get("pool/dev_zero_page_maps") == zmaps &&
		       zp_map_object_pages(&m) == N && taken() - took == N,
		       "zero_page on 6.10+: reads of a writable mapping take %d pool pages",
		       N);
	}
	tap_ok(zp_get("pool/dev_faults") - faults == N,
	       "zero_page: %d read faults counted", N);

	zp_map_write_all(&m, 0x3c);
	tap_ok(zp_map_object_pages(&m) == N && taken() - took == N,
	       "zero_page: after writes the object holds exactly %d pool pages", N);
	tap_ok(zp_get("pool/dev_faults") - faults == (zero_page ? 2 * N : N),
	       "zero_page: %s", zero_page ?
	       "each write refaults once after the zero page is dropped" :
	       "writes to mapped pages take no ->fault");
	for (i = 0; i < m.len; i++)
		bad += m.addr[i] != 0x3c;
	tap_ok(!bad, "zero_page: written data reads back");
	zp_map_close(&m);
}

static void alloc_policy(void)
{
	uint64_t faults, zmaps, took, minflt;
	struct zp_map m;

	zp_set("pool/read_fault", "alloc");
	zp_map_open(&m, N);
	faults = zp_get("pool/dev_faults");
	zmaps = zp_get("pool/dev_zero_page_maps");
	took = taken();
	tap_ok(zp_map_touch_read(&m) == 0, "alloc: holes read as zero");
	tap_ok(zp_map_object_pages(&m) == N && taken() - took == N,
	       "alloc: each read fault takes a pool page");
	tap_ok(zp_get("pool/dev_zero_page_maps") == zmaps,
	       "alloc: the zero page is never mapped");
	tap_ok(zp_get("pool/dev_faults") - faults == N,
	       "alloc: %d read faults counted", N);
	minflt = zp_minflt();
	zp_map_write_all(&m, 0x11);
	minflt = zp_minflt() - minflt;
	tap_ok(zp_get("pool/dev_faults") - faults == N &&
	       zp_map_object_pages(&m) == N,
	       "alloc: writes after reads take no fault through ->fault");
	tap_ok(minflt == 0,
	       "alloc: pages are mapped writable, writes after reads take no fault at all (%llu)",
	       (unsigned long long)minflt);
	zp_map_close(&m);
}

/* The policy in effect at mmap stays with the mapping. */
static void policy_fixed_at_mmap(bool writable_zero)
{
	uint64_t zmaps, took;
	struct zp_map m;

	zp_set("pool/read_fault", "alloc");
	zp_map_open(&m, N);
	zp_set("pool/read_fault", "zero_page");
	zmaps = zp_get("pool/dev_zero_page_maps");
	took = taken();
	tap_ok(zp_map_touch_read(&m) == 0 &&
	       zp_get("pool/dev_zero_page_maps") == zmaps &&
	       taken() - took == N,
	       "mapped under alloc: reads take pool pages after the switch to zero_page");
	zp_map_close(&m);

	if (!writable_zero) {
		tap_skip("zero page in writable mappings needs Linux < 6.10");
		return;
	}
	zp_map_open(&m, N);
	zp_set("pool/read_fault", "alloc");
	zmaps = zp_get("pool/dev_zero_page_maps");
	took = taken();
	tap_ok(zp_map_touch_read(&m) == 0 &&
	       zp_get("pool/dev_zero_page_maps") - zmaps == N &&
	       taken() == took,
	       "mapped under zero_page: reads map the zero page after the switch to alloc");
	zp_map_close(&m);
	zp_set("pool/read_fault", "zero_page");
}

int main(int argc, char **argv)
{
	bool writable_zero;

	tap_init(argv[0]);
	zp_load_zeropool("max_pages=8192 high_watermark=2048 low_watermark=512");
	zp_wait_eq("pool/pages", 2048, 30000);
	writable_zero = zp_features() & ZEROPOOL_FEAT_ZERO_PAGE_WRITABLE;
	tap_diag("zero page in writable mappings: %s",
		 writable_zero ? "yes" : "no (Linux 6.10+)");

	zp_set("pool/read_fault", "zero_page");
	read_only_object();
	zero_page_writable(writable_zero);
	alloc_policy();
	policy_fixed_at_mmap(writable_zero);

	zp_unload_quiet("zeropool");
	return tap_done();
}
