// SPDX-License-Identifier: GPL-2.0
/*
 * Processes mapping, touching and unmapping overlapping ranges of one
 * /dev/zeropool object at once, while another moves
 * pool/user_unmapped_max_pages between 0 and 64: the unmapped count, the
 * marks and the discards stay consistent (no count goes negative, which
 * the kernel would warn about; once nothing is mapped every page held is
 * unmapped, within the limit; close brings every count back to 0).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <uapi/zeropool.h>

#include "../lib/zpdev.h"
#include "../lib/zptest.h"

#define WORKERS	4
#define ITERS	400
#define SPAN	32	/* pages a worker maps */
#define LIMIT	64

static void worker(int fd, unsigned int seed)
{
	long pg = sysconf(_SC_PAGESIZE);
	unsigned char *p;
	int i, j;

	srand(seed);
	for (i = 0; i < ITERS; i++) {
		p = zp_dev_map(fd, SPAN, (rand() % 4) * (SPAN / 2));
		for (j = 0; j < SPAN; j += 1 + rand() % 4)
			p[(size_t)j * pg] = 1;
		munmap(p, (size_t)SPAN * pg);
	}
	_exit(0);
}

static void limit_mover(void)
{
	int i;

	for (i = 0; i < ITERS; i++)
		zp_write("pool/user_unmapped_max_pages", i % 2 ? "64" : "0");
	zp_write("pool/user_unmapped_max_pages", "64");
	_exit(0);
}

int main(int argc, char **argv)
{
	struct zeropool_info info;
	pid_t pids[WORKERS + 1];
	uint64_t held, unmapped;
	int fd, i, status, bad = 0;

	tap_init(argv[0]);
	zp_load_zeropool("read_fault=alloc user_unmapped_max_pages=64");
	fd = zp_dev_open();
	for (i = 0; i <= WORKERS; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			tap_bail("fork: %s", strerror(errno));
		if (!pids[i]) {
			if (i == WORKERS)
				limit_mover();
			worker(fd, i + 1);
		}
	}
	for (i = 0; i <= WORKERS; i++)
		if (waitpid(pids[i], &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			bad++;
	tap_ok(!bad, "%d workers and the limit mover finished", WORKERS);

	held = zp_user_counter(0, "dev_pages");
	unmapped = zp_user_counter(0, "dev_unmapped_pages");
	if (ioctl(fd, ZEROPOOL_IOC_GET_INFO, &info))
		tap_bail("GET_INFO: %s", strerror(errno));
	tap_ok(held == unmapped && held == info.object_pages,
	       "nothing mapped: all %llu pages held are unmapped (%llu), the object's (%llu)",
	       (unsigned long long)held, (unsigned long long)unmapped,
	       (unsigned long long)info.object_pages);
	tap_ok(unmapped <= LIMIT, "within the limit (%llu <= %d)",
	       (unsigned long long)unmapped, LIMIT);
	close(fd);
	tap_ok(zp_user_counter(0, "dev_pages") == 0 &&
	       zp_user_counter(0, "dev_unmapped_pages") == 0,
	       "close brings the counts back to 0");
	tap_ok(zp_wait_eq("pool/dirty_pages", 0, 20000 * zp_slowdown()),
	       "the pages given back are zeroed again");
	zp_unload_quiet("zeropool");
	return tap_done();
}
