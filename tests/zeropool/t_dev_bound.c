// SPDX-License-Identifier: GPL-2.0
/*
 * How much memory one user can hold outside every process's RSS through
 * /dev/zeropool, with the limits at their defaults (the figures are
 * printed as diagnostics: the README quotes them), and the per-user cap
 * on all of a user's object pages (pool/user_max_pages): a fault past it
 * gets SIGBUS.  Runs as uid 65534, root kept as the saved uid.
 *
 *   - map, touch and unmap 4 MiB at a new offset, 64 times, on 4 fds at
 *     once: dev_unmapped_pages never passes user_unmapped_max_pages;
 *   - one mapping, every 4 MiB dropped with MADV_DONTNEED: the pages stay
 *     in the object (a mapping covers them) and are counted in dev_pages;
 *     user_max_pages (RAM/8 by default) bounds them; an opener with
 *     CAP_SYS_RESOURCE is not capped.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <uapi/zeropool.h>

#include "../lib/zpdev.h"
#include "../lib/zptest.h"

#define NOBODY	65534
#define CHUNK	1024	/* pages: 4 MiB */
#define ROUNDS	64
#define NFDS	4
#define CAP	4096	/* user_max_pages of the last step */

static long page_size;
static sigjmp_buf bus_jmp;
/* pages written by dontneed_rounds(): static, so longjmp keeps it */
static uint64_t touched;

static uint64_t counter(const char *name)
{
	return zp_user_counter(NOBODY, name);
}

static uint64_t mib(uint64_t pages)
{
	return pages * page_size >> 20;
}

static void on_bus(int sig)
{
	siglongjmp(bus_jmp, 1);
}

/* Map, touch, unmap at ever new offsets, round robin over NFDS fds. */
static void hostile_rounds(void)
{
	uint64_t limit = zp_get("pool/user_unmapped_max_pages");
	uint64_t avail0, max = 0, v;
	int fds[NFDS], i, r;
	unsigned char *p;

	avail0 = zp_meminfo_kb("MemAvailable");
	for (i = 0; i < NFDS; i++)
		fds[i] = zp_dev_open();
	for (r = 0; r < ROUNDS; r++) {
		p = zp_dev_map(fds[r % NFDS], CHUNK, (size_t)r * CHUNK);
		memset(p, r, (size_t)CHUNK * page_size);
		munmap(p, (size_t)CHUNK * page_size);
		v = counter("dev_unmapped_pages");
		if (v > max)
			max = v;
	}
	v = counter("dev_pages");
	tap_ok(max <= limit,
	       "%d rounds of %d MiB over %d fds: at most %llu pages unmapped, limit %llu",
	       ROUNDS, (int)mib(CHUNK), NFDS, (unsigned long long)max,
	       (unsigned long long)limit);
	tap_ok(v == counter("dev_unmapped_pages"),
	       "with nothing mapped every page held is unmapped (%llu)",
	       (unsigned long long)v);
	tap_diag("default bound: user_unmapped_max_pages %llu pages (%llu MiB, RAM/64); held after the rounds %llu pages (%llu MiB); RssFile now %llu kB; MemAvailable %lld kB below the start",
		 (unsigned long long)limit, (unsigned long long)mib(limit),
		 (unsigned long long)v, (unsigned long long)mib(v),
		 (unsigned long long)zp_status_kb("RssFile"),
		 (long long)(avail0 - zp_meminfo_kb("MemAvailable")));
	for (i = 0; i < NFDS; i++)
		close(fds[i]);
	tap_ok(counter("dev_pages") == 0, "closing the fds frees them");
}

/*
 * One mapping of ROUNDS chunks, each touched then dropped from the page
 * tables; counts in touched the pages written before a SIGBUS.
 */
static void dontneed_rounds(unsigned char *p)
{
	struct sigaction sa = { .sa_handler = on_bus }, old;
	size_t chunk = (size_t)CHUNK * page_size, i;
	int r;

	touched = 0;
	sigaction(SIGBUS, &sa, &old);
	if (!sigsetjmp(bus_jmp, 1)) {
		for (r = 0; r < ROUNDS; r++) {
			for (i = 0; i < chunk; i += page_size) {
				p[(size_t)r * chunk + i] = 1;
				touched++;
			}
			madvise(p + (size_t)r * chunk, chunk, MADV_DONTNEED);
		}
	}
	sigaction(SIGBUS, &old, NULL);
}

static void dontneed(void)
{
	size_t len = (size_t)ROUNDS * CHUNK * page_size;
	uint64_t held, dflt = zp_get("pool/user_max_pages");
	char val[32];
	unsigned char *p;
	int fd = zp_dev_open();

	/* the default cap: RAM/8 (less than the rounds in a 2 GiB guest) */
	p = zp_dev_map(fd, (size_t)ROUNDS * CHUNK, 0);
	dontneed_rounds(p);
	if (dflt < (uint64_t)ROUNDS * CHUNK)
		tap_ok(touched < (uint64_t)ROUNDS * CHUNK &&
		       counter("dev_pages") == dflt,
		       "default user_max_pages %llu (RAM/8) bounds MADV_DONTNEED'd pages: SIGBUS past it (%llu touched, %llu held)",
		       (unsigned long long)dflt, (unsigned long long)touched,
		       (unsigned long long)counter("dev_pages"));
	else
		tap_skip("RAM/8 is more than the %d pages this test touches",
			 ROUNDS * CHUNK);
	munmap(p, len);
	close(fd);

	zp_set_as_root("pool/user_max_pages", "0", NOBODY);
	fd = zp_dev_open();
	p = zp_dev_map(fd, (size_t)ROUNDS * CHUNK, 0);
	dontneed_rounds(p);
	held = counter("dev_pages");
	tap_ok(touched == (uint64_t)ROUNDS * CHUNK && held == touched &&
	       counter("dev_unmapped_pages") == 0,
	       "no cap: MADV_DONTNEED'd pages stay in the object, counted in dev_pages (%llu), covered",
	       (unsigned long long)held);
	tap_diag("no cap (user_max_pages 0): %llu pages (%llu MiB) held under a mapping with RssFile %llu kB",
		 (unsigned long long)held, (unsigned long long)mib(held),
		 (unsigned long long)zp_status_kb("RssFile"));
	munmap(p, len);
	close(fd);

	zp_set_as_root("pool/user_max_pages", "4096", NOBODY);
	fd = zp_dev_open();
	p = zp_dev_map(fd, (size_t)ROUNDS * CHUNK, 0);
	dontneed_rounds(p);
	tap_ok(touched == CAP && counter("dev_pages") == CAP,
	       "user_max_pages %d: the fault past it gets SIGBUS (%llu pages touched, %llu held)",
	       CAP, (unsigned long long)touched,
	       (unsigned long long)counter("dev_pages"));
	munmap(p, len);
	close(fd);
	tap_ok(counter("dev_pages") == 0, "closing the fd frees them");
	snprintf(val, sizeof(val), "%llu", (unsigned long long)dflt);
	zp_set_as_root("pool/user_max_pages", val, NOBODY);
}

/* An opener with CAP_SYS_RESOURCE (root here) is not capped. */
static void privileged_uncapped(void)
{
	unsigned char *p;
	int fd;

	zp_set("pool/user_max_pages", "1024");
	fd = zp_dev_open();
	p = zp_dev_map(fd, 2048, 0);
	memset(p, 1, 2048 * page_size);
	tap_ok(zp_get("users/0/dev_pages") == 2048,
	       "an opener with CAP_SYS_RESOURCE holds 2048 pages past user_max_pages 1024");
	munmap(p, 2048 * page_size);
	close(fd);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * What the bound costs at munmap (a diagnostic, never asserted): 64 MiB
 * unmapped with the fd open (each page checked, then all discarded past
 * the limit) and with the fd already closed (the object simply goes).
 */
static void unmap_cost(void)
{
	size_t pages = 16384, len = pages * page_size;
	double t[2];
	unsigned char *p;
	int fd, i;

	for (i = 0; i < 2; i++) {
		fd = zp_dev_open();
		p = zp_dev_map(fd, pages, 0);
		memset(p, 1, len);
		if (i)
			close(fd);
		t[i] = now_ms();
		munmap(p, len);
		t[i] = now_ms() - t[i];
		if (!i)
			close(fd);
	}
	tap_diag("munmap of 64 MiB: %.1f ms with the fd open (past the limit: all discarded), %.1f ms with it closed",
		 t[0], t[1]);
	tap_ok(counter("dev_pages") == 0, "both objects freed");
}

int main(int argc, char **argv)
{
	tap_init(argv[0]);
	page_size = sysconf(_SC_PAGESIZE);
	zp_load_zeropool("read_fault=alloc");
	tap_ok(zp_get("pool/user_max_pages") == zp_meminfo_kb("MemTotal") / 4 / 8,
	       "user_max_pages defaults to 1/8 of RAM (%llu pages)",
	       (unsigned long long)zp_get("pool/user_max_pages"));
	if (chmod(ZEROPOOL_DEVICE, 0666))
		tap_bail("chmod %s", ZEROPOOL_DEVICE);
	if (setresuid(NOBODY, NOBODY, 0))
		tap_bail("setresuid");

	hostile_rounds();
	dontneed();
	unmap_cost();

	if (setresuid(0, 0, 0))
		tap_bail("setresuid(0)");
	privileged_uncapped();
	zp_unload_quiet("zeropool");
	return tap_done();
}
