// SPDX-License-Identifier: GPL-2.0
/*
 * Memory pressure with everything held at once: a full zeropool pool and
 * a pagesplice ring holding an unprivileged producer's pinned buffers up to
 * its RLIMIT_MEMLOCK.  A hog sized to survive without the modules (beside
 * the same producer memory) must survive with them: the shrinker gives the
 * pool back, while the pinned pages stay put and still deliver their bytes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/hog.h"
#include "../lib/psring.h"
#include "../lib/zptest.h"

#define BUF		(1UL << 20)
#define NOBODY		65534

static size_t held;	/* bytes the producer keeps pinned */

static uint64_t word_at(size_t off)
{
	return (off * 0x9E3779B97F4A7C15ULL) ^ 0x5eed;
}

/*
 * The producer, as nobody under a memlock limit of @held plus half a
 * buffer: submits @held bytes by reference, then one buffer too many.
 * Writes its verdict to @out and waits for @in to close before exiting,
 * so that its pages stay mapped (and pinned) while the hog runs.
 */
static void producer(int ring, int in, int out, bool submit)
{
	struct rlimit rl = { held + BUF / 2, held + BUF / 2 };
	uint64_t *p = mmap(NULL, held + BUF, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char verdict = 'y', c;
	size_t off;
	int err;

	if (p == MAP_FAILED || setrlimit(RLIMIT_MEMLOCK, &rl) ||
	    setgid(NOBODY) || setuid(NOBODY))
		_exit(3);
	for (off = 0; off < held + BUF; off += sizeof(*p))
		p[off / sizeof(*p)] = word_at(off);
	for (off = 0; submit && off < held; off += BUF)
		if (psr_submit(ring, (char *)p + off, BUF, off / BUF,
			       PAGESPLICE_SUBMIT_NOCOPY, NULL))
			verdict = 's';
	if (submit) {
		err = psr_submit(ring, (char *)p + held, BUF, 0,
				 PAGESPLICE_SUBMIT_NOCOPY, NULL);
		if (err != -ENOMEM)
			verdict = 'm';
	}
	if (write(out, &verdict, 1) != 1 || read(in, &c, 1) < 0)
		_exit(4);
	_exit(0);
}

struct child {
	pid_t pid;
	int to, from;
};

static char start_producer(struct child *ch, int ring, bool submit)
{
	int to[2], from[2];
	char verdict = 0;

	if (pipe(to) || pipe(from))
		tap_bail("pipe: %s", strerror(errno));
	ch->pid = fork();
	if (ch->pid == 0) {
		close(to[1]);
		close(from[0]);
		producer(ring, to[0], from[1], submit);
	}
	close(to[0]);
	close(from[1]);
	ch->to = to[1];
	ch->from = from[0];
	if (read(ch->from, &verdict, 1) != 1)
		verdict = 0;
	return verdict;
}

static bool stop_producer(struct child *ch)
{
	int st;

	close(ch->to);
	close(ch->from);
	return waitpid(ch->pid, &st, 0) == ch->pid && WIFEXITED(st) &&
	       !WEXITSTATUS(st);
}

/* Reads every held byte back from the ring and checks it. */
static bool drain_and_check(int ring)
{
	static uint64_t buf[BUF / sizeof(uint64_t)];
	size_t off, i;

	for (off = 0; off < held; off += BUF) {
		if (psr_read_full(ring, buf, BUF) != BUF)
			return false;
		for (i = 0; i < BUF / sizeof(*buf); i++)
			if (buf[i] != word_at(off + i * sizeof(*buf)))
				return false;
	}
	return true;
}

static bool completions_clean(int ring)
{
	struct pagesplice_completion c[64];
	uint64_t bytes = 0;
	bool clean = true;
	int n, i;

	while ((n = psr_reap(ring, c, 64, 0)) > 0)
		for (i = 0; i < n; i++) {
			bytes += c[i].bytes;
			clean &= !c[i].flags;
		}
	return clean && bytes == held;
}

int main(int argc, char **argv)
{
	uint64_t avail_kb, pool_pages, pinned, acq0, rel0;
	struct child ch;
	char v;
	size_t hog_bytes;
	int ring, status;

	tap_init(argv[0]);
	zp_unload_quiet("pagesplice");
	zp_unload_quiet("zeropool");

	/* Without the modules: the producer's memory, and the hog beside it. */
	held = (zp_meminfo_kb("MemAvailable") / 8 * 1024) & ~(BUF - 1);
	if (start_producer(&ch, -1, false) != 'y')
		tap_bail("producer without the modules did not start");
	avail_kb = zp_meminfo_kb("MemAvailable");
	hog_bytes = (avail_kb - 160 * 1024) * 1024;
	tap_ok(hog_run(hog_bytes, &status),
	       "pressure: without the modules a %zu MiB hog survives beside %zu MiB of producer memory",
	       hog_bytes >> 20, held >> 20);
	stop_producer(&ch);

	/* With them: a full pool of a third of memory, and the pins. */
	pool_pages = avail_kb / 3 / 4;
	zp_load_zeropool_filled_to(pool_pages);
	if (zp_mod_load("pagesplice", "pagesplice", NULL))
		tap_bail("load pagesplice.ko");
	zp_set("pagesplice/ring_max_bytes", "1073741824");
	zp_set("pagesplice/ring_max_bufs", "4096");
	acq0 = zp_vmstat("nr_foll_pin_acquired");
	rel0 = zp_vmstat("nr_foll_pin_released");
	ring = psr_open(0);
	if (ring < 0)
		tap_bail("open %s: %s", PAGESPLICE_DEVICE, strerror(errno));

	v = start_producer(&ch, ring, true);
	tap_ok(v == 'y',
	       "pressure: %zu MiB pinned by an unprivileged producer, the next MiB refused by its memlock limit (%c)",
	       held >> 20, v ? v : '?');
	pinned = zp_get("pagesplice/pages_pinned");
	tap_ok(pinned == held / 4096, "pressure: pages_pinned %llu",
	       (unsigned long long)pinned);
	tap_ok(zp_wait_ge("pool/pages", pool_pages * 9 / 10, 120000),
	       "pressure: pool filled to %llu pages", (unsigned long long)pool_pages);

	tap_ok(hog_run(hog_bytes, &status),
	       "pressure: the same hog survives the full pool and the pins (status %#x)",
	       status);
	tap_ok(zp_get("pool/shrink_freed") > 0,
	       "pressure: the shrinker gave back %llu pool pages",
	       (unsigned long long)zp_get("pool/shrink_freed"));
	tap_ok(zp_get("pagesplice/pages_pinned") == pinned,
	       "pressure: the pins held through reclaim");
	tap_ok(drain_and_check(ring),
	       "pressure: every pinned byte reads back as written");
	tap_ok(completions_clean(ring),
	       "pressure: completions cover %zu MiB, no error flag", held >> 20);
	tap_ok(stop_producer(&ch), "pressure: the producer exited cleanly");
	close(ring);
	tap_ok(zp_wait_eq("pagesplice/pages_pinned", 0, 5000) &&
	       zp_pins_balanced_since(acq0, rel0, 3000),
	       "pressure: nothing left pinned (pins balanced)");

	zp_unload_quiet("pagesplice");
	zp_unload_quiet("zeropool");
	return tap_done();
}
