// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU caches and CPU hotplug: pages cached by a CPU that goes offline
 * stay counted in pool/pages, go back to their node (a drain empties the
 * pool to 0), and unloading with the CPU still offline leaves no page
 * held and no warning.  Each check failed with the drain that only
 * reached online CPUs (on_each_cpu) and stats summed over online CPUs.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../lib/zpdev.h"
#include "../lib/zptest.h"

#define CPU1_ONLINE "/sys/devices/system/cpu/cpu1/online"

static int set_cpu1_online(int on)
{
	FILE *f = fopen(CPU1_ONLINE, "w");
	int err;

	if (!f)
		return -1;
	err = fprintf(f, "%d\n", on) < 0;
	err |= fclose(f) != 0;
	return err ? -1 : 0;
}

/* One fault on CPU 1: its cache takes a batch of the pool's pages. */
static void fill_cpu1_cache(void)
{
	struct zp_map m;

	zp_run_on_cpu(1);
	zp_map_open(&m, 1);
	zp_map_write_all(&m, 1);
	zp_map_close(&m);
	zp_run_on_cpu(0);
}

static unsigned long warnings(void)
{
	FILE *p = popen("dmesg | grep -c 'WARNING:'", "r");
	unsigned long n = 0;

	if (!p || fscanf(p, "%lu", &n) != 1)
		n = ~0UL;
	if (p)
		pclose(p);
	return n;
}

int main(int argc, char **argv)
{
	uint64_t pages, warn0;

	tap_init(argv[0]);
	if (access(CPU1_ONLINE, W_OK)) {
		tap_skip("no hot-pluggable cpu1 in this guest");
		return tap_done();
	}
	zp_load_zeropool("max_pages=4096 high_watermark=1024 low_watermark=256 read_fault=alloc");
	tap_ok(zp_wait_eq("pool/pages", 1024, 30000), "pool filled to 1024");
	zp_set("scrub/enabled", "0");

	fill_cpu1_cache();
	pages = zp_get("pool/pages");
	tap_ok(pages == 1023, "one fault on cpu1 took one page (%llu left)",
	       (unsigned long long)pages);
	tap_ok(set_cpu1_online(0) == 0, "cpu1 offlined");
	tap_ok(zp_get("pool/pages") == pages,
	       "pages cached by cpu1 still counted once it is offline (%llu)",
	       (unsigned long long)zp_get("pool/pages"));
	tap_ok(zp_get("pool/held_pages") ==
	       zp_get("pool/pages") + zp_get("pool/dirty_pages"),
	       "held_pages = pages + dirty_pages with cpu1 offline");
	zp_set("pool/drain", "1");
	tap_ok(zp_get("pool/held_pages") == 0,
	       "drain with cpu1 offline leaves nothing held (%llu)",
	       (unsigned long long)zp_get("pool/held_pages"));
	tap_ok(set_cpu1_online(1) == 0, "cpu1 back online");

	/* Unload while an offline CPU had a full cache. */
	zp_set("scrub/enabled", "1");
	tap_ok(zp_wait_eq("pool/pages", 1024, 30000), "pool filled again");
	zp_set("scrub/enabled", "0");
	fill_cpu1_cache();
	tap_ok(set_cpu1_online(0) == 0, "cpu1 offlined with a full cache");
	warn0 = warnings();
	tap_ok(zp_mod_unload("zeropool") == 0, "zeropool unloads with cpu1 offline");
	tap_ok(warnings() == warn0, "and warns about no page still held");
	tap_ok(set_cpu1_online(1) == 0, "cpu1 back online");
	return tap_done();
}
