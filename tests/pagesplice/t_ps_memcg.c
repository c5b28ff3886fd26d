// SPDX-License-Identifier: GPL-2.0
/*
 * What pagesplice allocates for a caller (its rings, segments, completion
 * records, pipe references) is charged to the caller's memory cgroup:
 * a process in a fresh cgroup queues many segments, each with a page
 * array of 32 KiB, and the cgroup's memory.current grows by at least
 * those arrays, and shrinks again once the rings are closed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/psring.h"
#include "../lib/zptest.h"

#define CG "/sys/fs/cgroup"
#define CG_TEST CG "/t_ps_memcg"
#define RINGS 4
#define SEGS 60			/* per ring */
#define SEG_BYTES (16 << 20)	/* 4096 pages: a 32 KiB page array */

static long long memcg_current(void)
{
	char buf[32];
	ssize_t n;
	int fd = open(CG_TEST "/memory.current", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return atoll(buf);
}

/*
 * In the test cgroup: queues RINGS x SEGS zero segments, reports the
 * growth of memory.current in KiB through @out, closes the rings and
 * reports what is left.
 */
static int child(int out)
{
	char pid[24];
	long long before, queued, after;
	unsigned char *z = psr_map(SEG_BYTES);
	int fds[RINGS], r, i, ret;

	/* never written: every page maps the zero page, nothing is pinned */
	if (!z || madvise(z, SEG_BYTES, MADV_NOHUGEPAGE))
		return 2;
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (zp_write_path(CG_TEST "/cgroup.procs", pid))
		return 3;
	for (r = 0; r < RINGS; r++)
		fds[r] = psr_open(0);
	/* the first SUBMIT faults in the page tables: not counted */
	if (psr_submit(fds[0], z, SEG_BYTES, 0, PAGESPLICE_SUBMIT_NOCOPY,
		       NULL))
		return 4;
	before = memcg_current();
	for (r = 0; r < RINGS; r++)
		for (i = r ? 0 : 1; i < SEGS; i++) {
			ret = psr_submit(fds[r], z, SEG_BYTES, i,
					 PAGESPLICE_SUBMIT_NOCOPY, NULL);
			if (ret)
				return 5;
		}
	queued = memcg_current();
	for (r = 0; r < RINGS; r++)
		close(fds[r]);
	after = memcg_current();
	dprintf(out, "%lld %lld\n", (queued - before) / 1024,
		(queued - after) / 1024);
	return 0;
}

int main(int argc, char **argv)
{
	long long grown = 0, freed = 0;
	int p[2], st;
	char buf[64] = "";
	pid_t pid;

	tap_init("t_ps_memcg");
	if (access(CG "/cgroup.subtree_control", W_OK) ||
	    zp_write_path(CG "/cgroup.subtree_control", "+memory")) {
		tap_skip("memcg: no cgroup2 memory controller");
		return tap_done();
	}
	zp_load_on_zeropool("pagesplice", "pagesplice");
	zp_set("pagesplice/ring_max_bytes", "1073741824");
	zp_set("pagesplice/max_pinned_pages", "1073741824");
	rmdir(CG_TEST);
	if (mkdir(CG_TEST, 0755) || pipe(p))
		tap_bail("mkdir %s: %s", CG_TEST, strerror(errno));

	pid = fork();
	if (pid == 0) {
		close(p[0]);
		_exit(child(p[1]));
	}
	close(p[1]);
	if (read(p[0], buf, sizeof(buf) - 1) < 0)
		buf[0] = 0;
	close(p[0]);
	waitpid(pid, &st, 0);
	if (sscanf(buf, "%lld %lld", &grown, &freed) != 2)
		grown = freed = 0;
	tap_ok(WIFEXITED(st) && !WEXITSTATUS(st),
	       "memcg: %d zero segments of %d MiB queued from a fresh cgroup (status %d)",
	       RINGS * SEGS, SEG_BYTES >> 20, WEXITSTATUS(st));
	/* each segment's page array: 4096 pointers */
	tap_ok(grown >= (RINGS * SEGS - 1) * 32 * 3 / 4,
	       "memcg: the cgroup's memory.current grew by the segments' page arrays (%lld KiB, at least %d)",
	       grown, (RINGS * SEGS - 1) * 32 * 3 / 4);
	tap_ok(freed >= (RINGS * SEGS - 1) * 32 * 3 / 4,
	       "memcg: and gave them back when the rings closed (%lld KiB)",
	       freed);

	rmdir(CG_TEST);
	zp_set("pagesplice/ring_max_bytes", "67108864");
	zp_set("pagesplice/max_pinned_pages", "262144");
	tap_ok(zp_get("pagesplice/zero_pages") == 0 &&
	       zp_get("pagesplice/rings") == 0,
	       "memcg: no zero segment or ring left");
	zp_unload_quiet("pagesplice");
	zp_unload_quiet("zeropool");
	return tap_done();
}
