// SPDX-License-Identifier: GPL-2.0
/*
 * What one user may hold through pagesplice: pins charged to the user's
 * RLIMIT_MEMLOCK (user->locked_vm) for as long as they live, so processes
 * that submit into a ring they don't own and exit can't leave more pinned
 * than one limit; the per-user limits under the global caps, so one user
 * filling its share leaves room for the others; and the error of a SUBMIT
 * that failed part-way, reported by the next SUBMIT as the ABI says.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/psring.h"
#include "../lib/zptest.h"

#define PS "pagesplice/"
#define UID_A 65534
#define UID_B 65533

static long pg;

static void *map(size_t len)
{
	void *p = psr_map(len);

	if (!p)
		tap_bail("mmap: %s", strerror(errno));
	return p;
}

/* A counter of users/<uid>/; 0 when the user holds nothing (no record). */
static uint64_t user_count(unsigned int uid, const char *name)
{
	char rel[128];
	uint64_t v;

	snprintf(rel, sizeof(rel), "users/%u/%s", uid, name);
	return zp_read_u64(rel, &v) ? 0 : v;
}

/* What a child does as another user: SUBMIT results as an exit code. */
enum what { PIN, COPY, ZERO };

/*
 * Forks a child that becomes @uid with RLIMIT_MEMLOCK @memlock, submits
 * @nr buffers of @pages pages (by reference, copied, or never-written
 * zero pages) into @fd, and exits.  Returns how many were queued, or
 * 100 + the errno of the first refused one.
 */
static int as_user(int fd, unsigned int uid, size_t memlock, enum what what,
		   int nr, int pages)
{
	int st, i, ret;
	pid_t pid = fork();

	if (pid < 0)
		tap_bail("fork: %s", strerror(errno));
	if (pid == 0) {
		struct rlimit rl = { memlock, memlock };
		size_t len = pages * pg;
		unsigned char *a = map(len * nr);

		if (what == ZERO) {
			/*
			 * never written: the R/O pin's read fault maps the
			 * 4 KiB zero page, not a huge one
			 */
			if (madvise(a, len * nr, MADV_NOHUGEPAGE))
				_exit(99);
		} else {
			memset(a, 0x33, len * nr);
		}
		if (setrlimit(RLIMIT_MEMLOCK, &rl) || setgid(uid) ||
		    setuid(uid))
			_exit(98);
		for (i = 0; i < nr; i++) {
			ret = psr_submit(fd, a + i * len, len, i,
					 what == COPY ? 0 :
					 PAGESPLICE_SUBMIT_NOCOPY, NULL);
			if (ret)
				_exit(100 - ret);
		}
		_exit(i);
	}
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Reads and reaps everything queued, so every pin and charge goes. */
static void drain(int fd)
{
	struct pagesplice_completion c[64];
	struct pagesplice_info info;
	static char sink[1 << 20];

	while (!psr_info(fd, &info) && info.queued_bytes)
		if (read(fd, sink, sizeof(sink)) <= 0)
			break;
	while (psr_reap(fd, c, 64, 0) > 0)
		;
}

/*
 * Eight processes of one user, each with RLIMIT_MEMLOCK 64 KiB, submit
 * 64 KiB into the parent's ring and exit: the pins outlive them, and all
 * of them together stay under the one limit of their user.
 */
static void test_memlock_outlives_submitter(void)
{
	int fd = psr_open(0), queued = 0, refused = 0, i, r;
	uint64_t ref0 = zp_get(PS "memlock_refusals");

	for (i = 0; i < 8; i++) {
		r = as_user(fd, UID_A, 64 << 10, PIN, 1, 16);
		queued += r == 1;
		refused += r == 100 + ENOMEM;
	}
	tap_ok(queued == 1 && refused == 7,
	       "limits: 8 exited submitters of one user with memlock 64 KiB: 1 queued, 7 ENOMEM (%d, %d)",
	       queued, refused);
	tap_ok(zp_get(PS "pages_pinned") <= 16,
	       "limits: at most the user's 16 pages of memlock stay pinned (%llu)",
	       (unsigned long long)zp_get(PS "pages_pinned"));
	tap_ok(zp_get(PS "memlock_refusals") - ref0 == 7,
	       "limits: the memlock refusals are counted");
	drain(fd);
	r = as_user(fd, UID_A, 64 << 10, PIN, 1, 16);
	tap_ok(r == 1,
	       "limits: once the ring is read, the pins are uncharged: the user submits again (%d)",
	       r);
	drain(fd);
	tap_ok(as_user(fd, UID_A, 64 << 10, PIN, 1, 17) == 100 + ENOMEM,
	       "limits: one buffer over the user's memlock gives ENOMEM");
	close(fd);
}

/*
 * User A fills its per-user limit of @tunable; user B still submits, and
 * A's pages show in users/<A>/@counter while queued.
 */
static void user_limit(const char *tunable, const char *counter,
		       enum what what, int pages, const char *name)
{
	int fd = psr_open(0), a, b, a2;
	uint64_t held;

	zp_set(tunable, "16");
	a = as_user(fd, UID_A, 64 << 20, what, 16 / pages, pages);
	held = user_count(UID_A, counter);
	a2 = as_user(fd, UID_A, 64 << 20, what, 1, pages);
	b = as_user(fd, UID_B, 64 << 20, what, 16 / pages, pages);
	tap_ok(a == 16 / pages && held == 16,
	       "limits: %s: user A queues its 16 pages, counted in users/%u/%s (%d, %llu)",
	       name, UID_A, counter, a, (unsigned long long)held);
	tap_ok(a2 == 100 + ENOBUFS,
	       "limits: %s: user A over %s gets ENOBUFS (%d)", name, tunable, a2);
	tap_ok(b == 16 / pages,
	       "limits: %s: user B still queues its 16 pages (%d)", name, b);
	drain(fd);
	close(fd);
	tap_ok(user_count(UID_A, counter) == 0 &&
	       user_count(UID_B, counter) == 0,
	       "limits: %s: nothing charged to either user once read", name);
	zp_set(tunable, "0");
}

static void test_user_limits(void)
{
	uint64_t ucap0 = zp_get(PS "user_cap_refusals");

	tap_ok(zp_write(PS "user_max_pinned_pages", "x") == -EINVAL &&
	       zp_write(PS "user_max_copied_pages", "-1") == -EINVAL &&
	       zp_write(PS "user_max_zero_pages", "1073741825") == -EINVAL,
	       "limits: per-user tunables refuse nonsense with EINVAL");
	user_limit(PS "user_max_pinned_pages", "pagesplice_pinned_pages",
		   PIN, 8, "pinned");
	user_limit(PS "user_max_copied_pages", "pagesplice_copied_pages",
		   COPY, 1, "copied");
	user_limit(PS "user_max_zero_pages", "pagesplice_zero_pages",
		   ZERO, 8, "zero segments");
	tap_ok(zp_get(PS "user_cap_refusals") - ucap0 == 3,
	       "limits: per-user refusals counted in user_cap_refusals");
}

/* The global cap bounds zero segments too, not only pinned and copies. */
static void test_zero_global(void)
{
	int fd = psr_open(0);
	int r;

	zp_set(PS "max_pinned_pages", "8");
	r = as_user(fd, UID_A, 64 << 20, ZERO, 1, 16);
	tap_ok(r == 100 + ENOBUFS,
	       "limits: a 16-page zero segment over a global cap of 8 gives ENOBUFS (%d)",
	       r);
	zp_set(PS "max_pinned_pages", "262144");
	close(fd);
}

/* Buffer 1 of 2 fails: 1 is returned, the next SUBMIT gives the error. */
static void test_partial_submit(void)
{
	unsigned char *a = map(4 * pg);
	struct pagesplice_buf b[2] = {
		{ .addr = (uintptr_t)a, .len = 100 },
		{ .addr = (uintptr_t)a, .len = 0 },
	};
	int fd = psr_open(0), r1, r2, r3;
	struct pagesplice_info info;

	memset(a, 1, 4 * pg);
	r1 = psr_submitv(fd, b, 2, 0);
	r2 = psr_submitv(fd, b, 1, 0);
	psr_info(fd, &info);
	r3 = psr_submitv(fd, b, 1, 0);
	tap_ok(r1 == 1, "partial: a vector whose buffer 1 is bad returns 1 (%d)",
	       r1);
	tap_ok(r2 == -EINVAL,
	       "partial: the next SUBMIT reports buffer 1's error, EINVAL (%d)",
	       r2);
	tap_ok(info.queued_bufs == 1,
	       "partial: that SUBMIT queued nothing (%u queued)",
	       info.queued_bufs);
	tap_ok(r3 == 1, "partial: the error is reported once (%d)", r3);

	/* a whole failure is the call's own: nothing left for the next */
	b[0].len = 0;
	r1 = psr_submitv(fd, b, 1, 0);
	b[0].len = 100;
	r2 = psr_submitv(fd, b, 1, 0);
	tap_ok(r1 == -EINVAL && r2 == 1,
	       "partial: a SUBMIT failing at buffer 0 returns its error and records none (%d, %d)",
	       r1, r2);
	close(fd);
	munmap(a, 4 * pg);
}

/*
 * A producer whose queue drains after every buffer: the ring keeps its
 * opener's record, so the record (a sysfs directory) is not dropped and
 * made again per buffer, which raced with its own removal (EEXIST from
 * sysfs, ENOMEM from SUBMIT).
 */
static void test_record_kept(void)
{
	unsigned char *a = map(pg), out[64];
	struct pagesplice_completion c;
	int fd = psr_open(0), i, bad = 0;
	char rel[64];
	uint64_t v;

	memset(a, 3, pg);
	for (i = 0; i < 5000; i++) {
		if (psr_submit(fd, a, 64, i, 0, NULL) ||
		    psr_read_full(fd, out, 64) != 64 ||
		    psr_reap(fd, &c, 1, 0) != 1)
			bad++;
	}
	snprintf(rel, sizeof(rel), "users/%u/pagesplice_copied_pages",
		 getuid());
	tap_ok(!bad, "record: 5000 buffers, each read and reaped before the next, all queued (%d failed)",
	       bad);
	tap_ok(!zp_read_u64(rel, &v) && v == 0,
	       "record: the opener's users/<uid>/ stays while the ring is open, holding nothing");
	close(fd);
	munmap(a, pg);
}

int main(int argc, char **argv)
{
	tap_init("t_ps_limits");
	pg = sysconf(_SC_PAGESIZE);
	zp_load_on_zeropool("pagesplice", "pagesplice");

	test_memlock_outlives_submitter();
	test_partial_submit();
	test_record_kept();
	test_user_limits();
	test_zero_global();

	tap_ok(zp_get(PS "pages_pinned") == 0 &&
	       zp_get(PS "pages_copied") == 0 && zp_get(PS "rings") == 0,
	       "limits: no pages pinned and no ring left");
	zp_unload_quiet("pagesplice");
	zp_unload_quiet("zeropool");
	return tap_done();
}
