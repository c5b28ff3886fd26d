// SPDX-License-Identifier: GPL-2.0
/*
 * Under memory pressure the pool gives its pages back to the allocator and
 * the scrubbers stay off for a second: a pool of idle zero pages must never
 * be the reason reclaim fails or the OOM killer runs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/shrinker.h>

#include <zeropool/compat.h>

#include "trace.h"
#include "zeropool.h"

unsigned long zp_pressure_until;

static struct shrinker *zp_shrinker;

static unsigned long zp_shrink_count(struct shrinker *s,
				     struct shrink_control *sc)
{
	unsigned long nr = zp_pool_listed_pages();

	return nr ? nr : SHRINK_EMPTY;
}

static unsigned long zp_shrink_scan(struct shrinker *s,
				    struct shrink_control *sc)
{
	unsigned long freed;

	WRITE_ONCE(zp_pressure_until, jiffies + HZ);
	atomic64_inc(&zp_cnt.shrink_scans);
	freed = zp_release_pages(sc->nr_to_scan);
	atomic64_add(freed, &zp_cnt.shrink_freed);
	trace_zp_shrink(sc->nr_to_scan, freed);
	return freed ? freed : SHRINK_STOP;
}

int zp_shrinker_init(void)
{
	zp_shrinker = zp_shrinker_create("zeropool", zp_shrink_count,
					 zp_shrink_scan);
	return zp_shrinker ? 0 : -ENOMEM;
}

void zp_shrinker_exit(void)
{
	zp_shrinker_destroy(zp_shrinker);
	zp_shrinker = NULL;
}
