// SPDX-License-Identifier: GPL-2.0
/*
 * ptshare.ko's figures are honest (issue 16, part 2) and reach the tracing
 * tools (part 3):
 *  - a 4 GiB-range parent (one page per 2 MiB) has every written range
 *    remembered: the per-fork written-range set does not saturate;
 *  - a parent write while two children are in their windows counts once;
 *  - writes to a mapping made after the fork (zero-page COW) are not
 *    privatizations of tables the fork copied;
 *  - each record says whether it is complete and how many missed events
 *    touched it;
 *  - a vfork-style clone (CLONE_VFORK without CLONE_VM) does not charge the
 *    child's run to fork_ns;
 *  - the ptshare:fork_copy and ptshare:fork_estimate trace events carry
 *    the record's figures.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/ptshare_util.h"
#include "../lib/tracefs.h"
#include "../lib/zptest.h"

#define P		"ptshare/"
#define RANGE		(2UL << 20)

/* @n 2 MiB ranges, 2 MiB aligned, no THP; nothing touched yet. */
static char *map_ranges(unsigned long n)
{
	size_t len = n * RANGE;
	char *raw, *p;

	raw = mmap(NULL, len + RANGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (raw == MAP_FAILED)
		tap_bail("mmap %lu ranges: %s", n, strerror(errno));
	p = (char *)(((unsigned long)raw + RANGE - 1) & ~(RANGE - 1));
	if (p != raw)
		munmap(raw, p - raw);
	munmap(p + len, raw + RANGE - p);
	madvise(p, len, MADV_NOHUGEPAGE);
	return p;
}

/* Writes one byte in each of @n ranges at @p. */
static void write_ranges(char *p, unsigned long n, char v)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		p[i * RANGE] = v;
}

/* Reads one byte in each: maps the zero page, write-protected. */
static unsigned long read_ranges(const char *p, unsigned long n)
{
	unsigned long i, sum = 0;

	/* the sum is used: the reads stay */
	for (i = 0; i < n; i++)
		sum += p[i * RANGE];
	return sum;
}

/* A child that waits (in its window) until its pipe closes, then exits. */
struct waiter {
	pid_t pid;
	int wfd;
};

static struct waiter fork_waiter(void)
{
	struct waiter w;
	int fds[2];
	char c;

	if (pipe(fds))
		tap_bail("pipe: %s", strerror(errno));
	w.pid = fork();
	if (w.pid < 0)
		tap_bail("fork: %s", strerror(errno));
	if (!w.pid) {
		int fd;

		/* other waiters' write ends too: they must see EOF */
		for (fd = 3; fd < 256; fd++)
			if (fd != fds[0])
				close(fd);
		while (read(fds[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(fds[0]);
	w.wfd = fds[1];
	return w;
}

static void end_waiter(struct waiter *w)
{
	close(w->wfd);
	waitpid(w->pid, NULL, 0);
}

static bool record_field(pid_t child, const char *key, uint64_t *v)
{
	char line[4096];

	return pts_u_record_of(child, line, sizeof(line)) &&
	       pts_u_field(line, key, v);
}

static void show_record(pid_t child)
{
	char line[4096];

	if (pts_u_record_of(child, line, sizeof(line)))
		tap_diag("%s", line);
	else
		tap_diag("no record for child %d", child);
}

/*
 * 4 GiB of ranges, one page each (8 MiB of memory, 2048 PTE tables): the
 * parent writes all of them again while the child is in its window.
 */
#define BIG_RANGES	2048

static void test_big_parent(void)
{
	uint64_t written = 0, full = 1, sat = 1, tables = 0;
	struct waiter w;
	char *p = map_ranges(BIG_RANGES);
	bool ok;

	write_ranges(p, BIG_RANGES, 1);
	w = fork_waiter();
	write_ranges(p, BIG_RANGES, 2);
	end_waiter(&w);
	pts_u_wait_closed(10000);
	ok = record_field(w.pid, "pte_tables", &tables) &&
	     record_field(w.pid, "written_parent", &written) &&
	     record_field(w.pid, "set_full", &full);
	tap_ok(ok && tables >= BIG_RANGES,
	       "honest: 4 GiB-range parent: the child has its %d PTE tables (%llu)",
	       BIG_RANGES, (unsigned long long)tables);
	tap_ok(ok && written >= BIG_RANGES && !full,
	       "honest: every one of %d written ranges is remembered (written_parent %llu, set_full %llu)",
	       BIG_RANGES, (unsigned long long)written,
	       (unsigned long long)full);
	ok = record_field(w.pid, "saturated", &sat);
	tap_ok(ok && !sat, "honest: the record says its set did not saturate (saturated=%llu)",
	       (unsigned long long)sat);
	if (!ok || full || sat)
		show_record(w.pid);
	tap_ok(zp_get(P "range_buffer_bytes") > 16384,
	       "honest: its set is in a buffer beyond the slot's own 16 KiB (range_buffer_bytes %llu)",
	       (unsigned long long)zp_get(P "range_buffer_bytes"));
	munmap(p, BIG_RANGES * RANGE);
}

/*
 * The big parent's buffer is not kept for as long as ptshare is loaded:
 * once its slot has been free for 10 s, the sweeper's next pass (armed
 * by every window, here of 200 ms) gives it back.
 */
static void test_big_buffer_returned(void)
{
	struct waiter w;
	bool ok;

	zp_set(P "window_ms", "200");
	w = fork_waiter();
	end_waiter(&w);
	/* a sweep armed by an earlier 60 s window may come first */
	ok = zp_wait_eq(P "range_buffer_bytes", 0, 90000 * zp_slowdown());
	tap_ok(ok, "honest: the big buffer is given back after its slot was idle (range_buffer_bytes %llu)",
	       (unsigned long long)zp_get(P "range_buffer_bytes"));
}

#define N_RANGES	64

/* Two children in their windows; the parent writes 64 copied ranges. */
static void test_two_windows(void)
{
	uint64_t a = 0, b = 0, before = zp_get(P "tables_written");
	struct waiter wa, wb;
	char *p = map_ranges(N_RANGES);
	bool ok;

	write_ranges(p, N_RANGES, 1);
	wa = fork_waiter();
	wb = fork_waiter();
	write_ranges(p, N_RANGES, 2);
	end_waiter(&wa);
	end_waiter(&wb);
	pts_u_wait_closed(10000);
	ok = record_field(wa.pid, "written_parent", &a) &&
	     record_field(wb.pid, "written_parent", &b);
	/* The parent's own stack and libc data add a few ranges. */
	tap_ok(ok && a + b >= N_RANGES && a + b < N_RANGES + N_RANGES / 2,
	       "honest: %d ranges written by a parent with two children in their windows count once (%llu + %llu)",
	       N_RANGES, (unsigned long long)a, (unsigned long long)b);
	tap_ok(zp_get(P "tables_written") - before < N_RANGES + N_RANGES / 2,
	       "honest: tables_written counts them once (%llu)",
	       (unsigned long long)(zp_get(P "tables_written") - before));
	munmap(p, N_RANGES * RANGE);
}

/* A mapping made after the fork: read (zero page), then written. */
static void test_after_fork(void)
{
	uint64_t written = 0, cow = 0;
	struct waiter w;
	char *p;
	bool ok;

	w = fork_waiter();
	p = map_ranges(N_RANGES);
	if (read_ranges(p, N_RANGES))
		tap_diag("fresh memory not zero");
	write_ranges(p, N_RANGES, 3);
	end_waiter(&w);
	pts_u_wait_closed(10000);
	ok = record_field(w.pid, "written_parent", &written) &&
	     record_field(w.pid, "cow_parent", &cow);
	tap_ok(ok && written < N_RANGES / 2,
	       "honest: %d ranges written in a mapping made after the fork are not privatizations (written_parent %llu)",
	       N_RANGES, (unsigned long long)written);
	tap_ok(ok && cow < N_RANGES / 2,
	       "honest: nor are their zero-page COW faults the fork's (cow_parent %llu)",
	       (unsigned long long)cow);
	if (!ok || written >= N_RANGES / 2)
		show_record(w.pid);
	munmap(p, N_RANGES * RANGE);
}

static void test_complete(void)
{
	uint64_t complete = 0, misses = 1;
	struct waiter w = fork_waiter();
	bool ok;

	end_waiter(&w);
	pts_u_wait_closed(10000);
	ok = record_field(w.pid, "complete", &complete) &&
	     record_field(w.pid, "misses", &misses);
	tap_ok(ok && complete == 1 && !misses,
	       "honest: a fork with no missed event has complete=1 misses=0 (%s)",
	       ok ? "present" : "absent");
}

/*
 * clone(CLONE_VFORK) without CLONE_VM copies the tables like fork, but the
 * call returns only when the child exits: its run is not fork time.
 */
#define VFORK_SLEEP_MS	300

static void test_vfork(void)
{
	uint64_t seen = zp_get(P "forks_seen"), fork_ns = 0, v = 0;
	pid_t pid;
	bool rec, ok;

	pid = syscall(SYS_clone, CLONE_VFORK | SIGCHLD, 0, NULL, NULL, 0);
	if (pid < 0)
		tap_bail("clone(CLONE_VFORK): %s", strerror(errno));
	if (!pid) {
		usleep(VFORK_SLEEP_MS * 1000);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	pts_u_wait_closed(10000);
	tap_ok(zp_get(P "forks_seen") - seen == 1,
	       "honest: a vfork-style clone is seen as a fork");
	rec = record_field(pid, "fork_ns", &fork_ns);
	tap_ok(!rec || fork_ns < VFORK_SLEEP_MS * 1000000ULL,
	       "honest: a vfork-style clone does not charge the child's %d ms run to fork_ns (%s, fork_ns %llu)",
	       VFORK_SLEEP_MS, rec ? "record" : "no record",
	       (unsigned long long)fork_ns);
	ok = zp_read_u64(P "forks_vfork", &v) == 0 && v >= 1;
	tap_ok(ok, "honest: forks_vfork counts it (%llu)",
	       (unsigned long long)v);
}

/* --- trace events --- */

/* The last line of @text holding @event and " child=@child ". */
static bool event_line(char *text, const char *event, pid_t child,
		       char *out, size_t len)
{
	char *line, *save = NULL, pat[64];
	bool found = false;

	snprintf(pat, sizeof(pat), " child=%d ", child);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strstr(line, event) || !strstr(line, pat))
			continue;
		snprintf(out, len, "%s", line);
		found = true;
	}
	return found;
}

static bool same_field(const char *ev, const char *rec, const char *key)
{
	uint64_t a, b;

	if (!pts_u_field(ev, key, &a) || !pts_u_field(rec, key, &b)) {
		tap_diag("field %s missing", key);
		return false;
	}
	if (a != b)
		tap_diag("%s: event %llu, record %llu", key,
			 (unsigned long long)a, (unsigned long long)b);
	return a == b;
}

static void test_trace(void)
{
	static const char * const copy_keys[] = {
		"pid", "tgid", "child", "fork_ns", "dup_ns", "copy_ns",
		"copy_calls", "vmas_copied", "vmas_skipped", "pgtable_bytes",
		"pte_tables", "parent_anon_kb", NULL,
	};
	static const char * const est_keys[] = {
		"seq", "child", "cow_parent", "cow_child", "written_parent",
		"written_child", "written_union", "window_ns",
		"est_privatized", "est_saved_tables", "est_saved_bytes",
		"est_saved_pct", "est_fork_ns", "complete", "misses", NULL,
	};
	char ev[4096], rec[4096], *text;
	const char *dir = tr_root();
	struct waiter w;
	bool ok;
	int i;

	if (!dir) {
		tap_skip("trace events: no tracefs");
		return;
	}
	ok = tr_event_exists("ptshare/fork_copy") &&
	     tr_event_exists("ptshare/fork_estimate");
	tap_ok(ok, "trace: events/ptshare/ exist (%s)", dir);
	if (!ok)
		return;
	tr_enable("ptshare", true);
	tr_reset(0);
	w = fork_waiter();
	end_waiter(&w);
	pts_u_wait_closed(10000);
	tr_enable("ptshare", false);
	if (!pts_u_record_of(w.pid, rec, sizeof(rec)))
		tap_bail("no record for child %d", w.pid);

	text = tr_read();
	ok = text && event_line(text, "fork_copy:", w.pid, ev, sizeof(ev));
	free(text);
	tap_ok(ok, "trace: a ptshare:fork_copy event names child %d", w.pid);
	for (i = 0; ok && copy_keys[i]; i++)
		ok = same_field(ev, rec, copy_keys[i]);
	tap_ok(ok, "trace: fork_copy's fields equal the record's");

	text = tr_read();
	ok = text && event_line(text, "fork_estimate:", w.pid, ev, sizeof(ev));
	free(text);
	tap_ok(ok, "trace: a ptshare:fork_estimate event names child %d",
	       w.pid);
	for (i = 0; ok && est_keys[i]; i++)
		ok = same_field(ev, rec, est_keys[i]);
	tap_ok(ok, "trace: fork_estimate's fields equal the record's");
	if (!ok) {
		tap_diag("event:  %s", ev);
		tap_diag("record: %s", rec);
	}
	tr_reset(0);
}

int main(int argc, char **argv)
{
	char buf[32];
	int err;

	tap_init(argv[0]);
	zp_unload_quiet("zeropool");
	err = zp_mod_load("ptshare", "ptshare", "");
	if (err)
		tap_bail("load ptshare.ko: %s", strerror(-err));
	tap_diag("entry_cost_pct measured at load: %llu",
		 (unsigned long long)zp_get(P "entry_cost_pct"));
	snprintf(buf, sizeof(buf), "%d", getpid());
	zp_set(P "filter_pid", buf);
	/* Windows end at the children's exit, not by time. */
	zp_set(P "window_ms", "60000");
	test_big_parent();
	test_two_windows();
	test_after_fork();
	test_complete();
	test_vfork();
	test_trace();
	test_big_buffer_returned();
	zp_unload_quiet("ptshare");
	return tap_done();
}
