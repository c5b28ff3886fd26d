// SPDX-License-Identifier: GPL-2.0
/*
 * Memory pressure: with a large full pool, a hog sized to survive without
 * the module must survive with it too; the shrinker gives the pool back.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/zptest.h"

static int hog(size_t bytes)
{
	long ps = sysconf(_SC_PAGESIZE);
	unsigned char *p;
	size_t i;

	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 3;
	for (i = 0; i < bytes; i += ps)
		p[i] = 1;
	return 0;
}

static bool run_hog(size_t bytes, int *status)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(hog(bytes));
	if (pid < 0 || waitpid(pid, status, 0) != pid)
		return false;
	return WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
}

int main(int argc, char **argv)
{
	uint64_t avail_kb, pool_pages, freed;
	char params[160];
	size_t hog_bytes;
	int status;

	tap_init(argv[0]);
	zp_unload_quiet("zeropool");
	avail_kb = zp_meminfo_kb("MemAvailable");
	hog_bytes = (avail_kb - 160 * 1024) * 1024;
	tap_ok(run_hog(hog_bytes, &status),
	       "without the module a %zu MiB hog survives", hog_bytes >> 20);

	/* A pool of a third of what is available: the hog cannot fit beside it. */
	pool_pages = avail_kb / 3 / 4;
	snprintf(params, sizeof(params),
		 "max_pages=%llu high_watermark=%llu low_watermark=%llu",
		 (unsigned long long)pool_pages, (unsigned long long)pool_pages,
		 (unsigned long long)pool_pages / 2);
	zp_load_zeropool(params);
	tap_ok(zp_wait_ge("pool/pages", pool_pages * 9 / 10, 120000),
	       "pool filled to %llu pages", (unsigned long long)pool_pages);

	tap_ok(run_hog(hog_bytes, &status),
	       "with the full pool the same hog survives (status %#x)", status);
	freed = zp_get("pool/shrink_freed");
	tap_ok(zp_get("pool/shrink_scans") > 0 && freed > 0,
	       "the shrinker ran and gave back %llu pages",
	       (unsigned long long)freed);
	tap_ok(zp_get("pool/held_pages") <= pool_pages, "the cap held throughout");

	zp_unload_quiet("zeropool");
	return tap_done();
}
