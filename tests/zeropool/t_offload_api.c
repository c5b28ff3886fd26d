// SPDX-License-Identifier: GPL-2.0
/*
 * zeropool's offload backend API against the test backend
 * (tests/modules/zp_test_backend.c): success, failure, refusal and late
 * completion all end with every page zero and the counters saying which
 * path zeroed it; unregistering while requests are in flight is clean.
 * New blocks reach the backend only when the allocator does not zero them:
 * tests/run runs this in a guest booted with init_on_alloc=0.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../lib/zpdev.h"
#include "../lib/zptest.h"

#define HIGH 1024

static void set_param(const char *name, const char *val)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/zp_test_backend/parameters/%s",
		 name);
	f = fopen(path, "we");
	if (!f || fputs(val, f) < 0 || fclose(f))
		tap_bail("set %s=%s", name, val);
}

static uint64_t get_param(const char *name)
{
	char path[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/zp_test_backend/parameters/%s",
		 name);
	f = fopen(path, "re");
	if (!f || fscanf(f, "%llu", &v) != 1)
		tap_bail("read %s", path);
	fclose(f);
	return v;
}

/* Counter deltas of the last refill(), up to the pool being full. */
static uint64_t d_offload, d_fallback, d_timeout;

/* Empties the pool and refills it through the backend. */
static void refill(const char *label)
{
	uint64_t off, fb, to;
	struct zp_map m;

	zp_set("scrub/enabled", "0");
	zp_set("pool/drain", "1");
	/* Late blocks of an earlier round land in the pool: let them. */
	zp_sleep_ms(500);
	zp_set("pool/drain", "1");
	off = zp_get("scrub/pages_zeroed_offload");
	fb = zp_get("scrub/offload_fallbacks");
	to = zp_get("scrub/offload_timeouts");
	zp_set("scrub/enabled", "1");
	tap_ok(zp_wait_eq("pool/pages", HIGH, 30000) &&
	       zp_wait_eq("pool/dirty_pages", 0, 30000),
	       "%s: pool refilled to %d", label, HIGH);
	d_offload = zp_get("scrub/pages_zeroed_offload") - off;
	d_fallback = zp_get("scrub/offload_fallbacks") - fb;
	d_timeout = zp_get("scrub/offload_timeouts") - to;
	zp_map_open(&m, HIGH);
	tap_ok(zp_map_all_zero(&m), "%s: every page reads as zero", label);
	zp_map_close(&m);
	zp_set("scrub/enabled", "0");
}

int main(int argc, char **argv)
{
	char name[64];
	int err;

	tap_init(argv[0]);
	zp_load_zeropool("max_pages=8192 high_watermark=1024 low_watermark=256 scrub_enabled=0 zero_method=offload offload_timeout_ms=100 read_fault=alloc");
	if (zp_get("scrub/allocator_zeroes")) {
		tap_skip("the allocator zeroes new blocks (init_on_alloc): backend not used");
		zp_unload_quiet("zeropool");
		return tap_done();
	}
	err = zp_mod_load("tests/modules", "zp_test_backend", NULL);
	if (err)
		tap_bail("load zp_test_backend: %s", strerror(-err));
	tap_ok(!zp_read_str("scrub/backend", name, sizeof(name)) &&
	       !strcmp(name, "zp_test_backend"), "backend registered (%s)", name);
	tap_ok(zp_mod_unload("zeropool") == -EWOULDBLOCK,
	       "zeropool can't unload under its backend");

	refill("success");
	tap_ok(d_offload == HIGH && d_fallback == 0,
	       "success: the backend zeroed all %d pages (%llu, %llu fallbacks)",
	       HIGH, (unsigned long long)d_offload,
	       (unsigned long long)d_fallback);

	set_param("mode", "1");
	refill("failure");
	tap_ok(d_fallback == HIGH && d_offload == 0,
	       "failure: all %d pages fell back to the CPU (%llu)", HIGH,
	       (unsigned long long)d_fallback);

	set_param("mode", "2");
	refill("refusal");
	tap_ok(d_fallback == HIGH && d_offload == 0,
	       "refusal: all %d pages fell back to the CPU (%llu)", HIGH,
	       (unsigned long long)d_fallback);

	/* 64 blocks of 16 pages, each 50 ms at the backend: pipelined */
	set_param("mode", "0");
	set_param("delay_ms", "50");
	set_param("peak_inflight", "0");
	zp_set("scrub/scrub_order", "4");
	refill("pipelined");
	tap_ok(d_offload == HIGH && get_param("peak_inflight") == 8,
	       "pipelined: the backend zeroed all %d pages, 8 blocks in flight at most and at once (%llu)",
	       HIGH, (unsigned long long)get_param("peak_inflight"));
	zp_set("scrub/scrub_order", "9");

	set_param("delay_ms", "400");
	refill("late");
	tap_ok(d_timeout == HIGH / 512 && d_fallback == HIGH && d_offload == 0,
	       "late: %d timeouts, every late block re-zeroed on the CPU (%llu, %llu)",
	       HIGH / 512, (unsigned long long)d_timeout,
	       (unsigned long long)d_fallback);

	/* Unregister with requests in flight: exit waits for them. */
	zp_set("pool/drain", "1");
	zp_set("scrub/enabled", "1");
	zp_sleep_ms(150);
	err = zp_mod_unload("zp_test_backend");
	tap_ok(!err, "backend unloads with requests in flight (%s)",
	       err ? strerror(-err) : "ok");
	tap_ok(!zp_read_str("scrub/backend", name, sizeof(name)) &&
	       !strcmp(name, "none"), "backend reads none after unload");
	tap_ok(zp_wait_eq("pool/pages", HIGH, 30000) &&
	       zp_wait_eq("pool/dirty_pages", 0, 30000),
	       "pool refills without the backend");
	{
		struct zp_map m;

		zp_map_open(&m, HIGH);
		tap_ok(zp_map_all_zero(&m), "after unload every page reads as zero");
		zp_map_close(&m);
	}
	zp_unload_quiet("zeropool");
	return tap_done();
}
