// SPDX-License-Identifier: GPL-2.0
/*
 * ptshare.ko: forks are counted exactly, filters are honoured, threads and
 * vfork are not forks, records carry the figures, the ring drops oldest
 * first and counts drops, bad tunables and bad loads fail clearly, and no
 * probe is left behind after unload.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/ptshare_util.h"
#include "../lib/zptest.h"

#define P "ptshare/"

static void load_ptshare(const char *params)
{
	int err = zp_mod_load("ptshare", "ptshare", params);

	if (err)
		tap_bail("load ptshare.ko %s: %s", params, strerror(-err));
}

static uint64_t traced_after(int n)
{
	uint64_t before = zp_get(P "forks_traced");

	pts_u_fork_n(n);
	if (pts_u_wait_closed(5000))
		tap_diag("windows still open after 5 s");
	return zp_get(P "forks_traced") - before;
}

static void *thread_fn(void *arg)
{
	return arg;
}

static void test_counting(void)
{
	uint64_t closed = zp_get(P "windows_closed");
	char buf[64], line[2048];
	pthread_t th;
	uint64_t v = 0, c = 0, s = 0;
	pid_t pid;
	int status, i;
	bool ok;

	snprintf(buf, sizeof(buf), "%d", getpid());
	zp_set(P "filter_pid", buf);
	tap_ok(traced_after(25) == 25, "ptshare: 25 forks of the filtered pid counted exactly");
	tap_ok(zp_get(P "windows_closed") - closed == 25,
	       "ptshare: 25 fork windows closed");

	/* Descendants: a child forks 10 grandchildren. */
	v = zp_get(P "forks_traced");
	pid = fork();
	if (!pid) {
		pts_u_fork_n(10);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	pts_u_wait_closed(5000);
	tap_ok(zp_get(P "forks_traced") - v == 11,
	       "ptshare: descendants of filter_pid are traced (%llu of 11)",
	       (unsigned long long)(zp_get(P "forks_traced") - v));

	/* Threads share the mm: no page tables copied, not a fork. */
	v = zp_get(P "forks_seen");
	for (i = 0; i < 5; i++) {
		if (pthread_create(&th, NULL, thread_fn, NULL))
			tap_bail("pthread_create");
		pthread_join(th, NULL);
	}
	pid = vfork();
	if (!pid)
		_exit(0);
	waitpid(pid, &status, 0);
	tap_ok(zp_get(P "forks_seen") == v,
	       "ptshare: threads and vfork are not counted as forks");

	/* The record of one fork. */
	pid = fork();
	if (!pid)
		_exit(0);
	waitpid(pid, &status, 0);
	pts_u_wait_closed(5000);
	if (!pts_u_record_of(pid, line, sizeof(line))) {
		tap_ok(0, "ptshare: a record names child %d", pid);
		return;
	}
	tap_ok(1, "ptshare: a record names child %d", pid);
	ok = pts_u_field(line, "tgid", &v) && v == (uint64_t)getpid();
	tap_ok(ok, "ptshare: record names the parent");
	ok = pts_u_field(line, "pgtable_bytes", &v) && v > 0 && !(v % 4096);
	tap_ok(ok, "ptshare: record has the child's page-table bytes (%llu)",
	       (unsigned long long)v);
	ok = pts_u_field(line, "copy_calls", &v) &&
	     pts_u_field(line, "vmas_copied", &c) &&
	     pts_u_field(line, "vmas_skipped", &s) && v && c + s == v;
	tap_ok(ok, "ptshare: copied + skipped VMAs = copy_page_range calls (%llu + %llu = %llu)",
	       (unsigned long long)c, (unsigned long long)s,
	       (unsigned long long)v);
	ok = pts_u_field(line, "fork_ns", &v) && v &&
	     pts_u_field(line, "copy_ns", &c) && c <= v;
	tap_ok(ok, "ptshare: copy time is within fork time");
	tap_ok(strstr(line, "end=child_exit") != NULL,
	       "ptshare: the window ended with the child's exit");
}

/* pte_tables of the record of one fork that exits at once. */
static bool fork_pte_tables(uint64_t *tables)
{
	pid_t pid = pts_u_fork_n(1);
	char line[2048];

	pts_u_wait_closed(5000);
	return pts_u_record_of(pid, line, sizeof(line)) &&
	       pts_u_field(line, "pte_tables", tables);
}

/*
 * 16 MiB written at a 2 MiB boundary take 8 PTE tables in the child; a
 * VMA split inside one 2 MiB range leaves 3 VMAs on one table, counted
 * once.  Checked as differences between forks of this process.
 */
#define PT_RANGE	(2UL << 20)
#define PT_TABLES	8

static void test_pte_tables(void)
{
	uint64_t before = 0, whole = 0, split = 0;
	size_t len = PT_TABLES * PT_RANGE;
	unsigned char *raw, *p;
	bool ok;

	raw = mmap(NULL, len + PT_RANGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		tap_bail("mmap: %s", strerror(errno));
	p = (unsigned char *)(((unsigned long)raw + PT_RANGE - 1) &
			      ~(PT_RANGE - 1));
	/* no THP: a huge PMD has no PTE table */
	madvise(p, len, MADV_NOHUGEPAGE);
	/* the neighbours of p's range must not share its tables */
	munmap(raw, p - raw);
	munmap(p + len, raw + PT_RANGE - p);

	ok = fork_pte_tables(&before);
	memset(p, 1, len);
	ok = ok && fork_pte_tables(&whole);
	tap_ok(ok && whole - before == PT_TABLES,
	       "ptshare: 16 MiB written add %d PTE tables to the child (%llu)",
	       PT_TABLES, (unsigned long long)(whole - before));
	if (mprotect(p + PT_RANGE / 2, 4096, PROT_READ))
		tap_bail("mprotect: %s", strerror(errno));
	ok = fork_pte_tables(&split);
	tap_ok(ok && split == whole,
	       "ptshare: a table shared by 3 VMAs is counted once (%llu, %llu before the split)",
	       (unsigned long long)split, (unsigned long long)whole);
	munmap(p, len);
}

static void test_filters(void)
{
	char buf[64], comm[17] = "";
	pid_t sleeper;
	uint64_t f;

	/* untraced: its window would stay open until it is killed */
	zp_set(P "enabled", "0");
	sleeper = fork();
	if (!sleeper) {
		pause();
		_exit(0);
	}
	zp_set(P "enabled", "1");
	snprintf(buf, sizeof(buf), "%d", sleeper);
	zp_set(P "filter_pid", buf);
	f = zp_get(P "forks_filtered");
	tap_ok(traced_after(5) == 0 && zp_get(P "forks_filtered") - f >= 5,
	       "ptshare: forks outside filter_pid are not traced");
	kill(sleeper, 9);
	waitpid(sleeper, NULL, 0);
	snprintf(buf, sizeof(buf), "%d", getpid());
	zp_set(P "filter_pid", buf);

	zp_set(P "filter_comm", "zp-no-such");
	tap_ok(traced_after(5) == 0, "ptshare: filter_comm excludes other names");
	prctl(PR_GET_NAME, comm);
	zp_set(P "filter_comm", comm);
	tap_ok(traced_after(5) == 5, "ptshare: filter_comm \"%s\" matches", comm);
	zp_set(P "filter_comm", "");

	zp_set(P "min_rss", "1099511627776");
	tap_ok(traced_after(5) == 0, "ptshare: min_rss excludes small parents");
	zp_set(P "min_rss", "0");

	zp_set(P "enabled", "0");
	f = zp_get(P "forks_seen");
	tap_ok(traced_after(5) == 0 && zp_get(P "forks_seen") == f,
	       "ptshare: enabled=0 traces nothing");
	zp_set(P "enabled", "1");
}

static void reject(const char *rel, const char *val)
{
	char before[64] = "", after[64] = "";
	int err;

	zp_read_str(rel, before, sizeof(before));
	err = zp_write(rel, val);
	zp_read_str(rel, after, sizeof(after));
	tap_ok(err == -EINVAL && !strcmp(before, after),
	       "ptshare: %s rejects \"%s\" (%s)", rel, val,
	       err ? strerror(-err) : "accepted");
}

static void test_tunables(void)
{
	reject(P "enabled", "2");
	reject(P "filter_pid", "-1");
	reject(P "filter_pid", "99999999");
	reject(P "window_ms", "3600001");
	reject(P "window_ms", "abc");
	reject(P "min_rss", "x");
	reject(P "entry_cost_pct", "101");
	reject(P "filter_comm", "a-name-longer-than-15");
}

/* Ring of 8: 20 forks leave 13..20 (in order) and 12 drops. */
static void test_ring(void)
{
	uint64_t seq, want, n = 0;
	char buf[64], *all, *line, *save = NULL;
	bool order = true;

	load_ptshare("ring_size=8");
	snprintf(buf, sizeof(buf), "%d", getpid());
	zp_set(P "filter_pid", buf);
	pts_u_fork_n(20);
	pts_u_wait_closed(5000);
	tap_ok(zp_get(P "records_dropped") == 12,
	       "ptshare: ring of 8 after 20 forks dropped 12 (%llu)",
	       (unsigned long long)zp_get(P "records_dropped"));
	all = pts_u_slurp(PTS_U_DEBUGFS "/records");
	if (!all)
		tap_bail("read %s/records", PTS_U_DEBUGFS);
	want = 13;
	for (line = strtok_r(all, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		if (!pts_u_field(line, "seq", &seq) || seq != want)
			order = false;
		want++;
		n++;
	}
	free(all);
	tap_ok(n == 8 && order, "ptshare: ring holds records 13..20 in order (%llu held)",
	       (unsigned long long)n);
	zp_unload_quiet("ptshare");
}

static void test_loads(void)
{
	int base = pts_u_probes(), err;

	tap_ok(base >= 0, "ptshare: kprobes and ftrace lists readable (%d of ours before load)",
	       base);
	load_ptshare("");
	tap_ok(pts_u_probes() > base, "ptshare: probes listed while loaded");
	err = zp_mod_load("ptshare", "ptshare", "");
	tap_ok(err == -EEXIST, "ptshare: loading twice fails with EEXIST (%s)",
	       strerror(-err));
	test_counting();
	test_pte_tables();
	test_filters();
	test_tunables();
	zp_unload_quiet("ptshare");
	tap_ok(pts_u_probes() == base, "ptshare: all probes gone after unload");

	err = zp_mod_load("ptshare", "ptshare", "fork_symbol=zp_no_such_function");
	tap_ok(err == -ENOENT && !zp_mod_loaded("ptshare"),
	       "ptshare: an essential probe that cannot attach fails the load with ENOENT (%s)",
	       strerror(-err));
	tap_ok(pts_u_probes() == base, "ptshare: failed load left no probe");
	err = zp_mod_load("ptshare", "ptshare", "ring_size=2");
	tap_ok(err == -EINVAL, "ptshare: ring_size=2 fails with EINVAL (%s)",
	       strerror(-err));
	err = zp_mod_load("ptshare", "ptshare", "maxactive=1");
	tap_ok(err == -EINVAL, "ptshare: maxactive=1 fails with EINVAL (%s)",
	       strerror(-err));
	tap_ok(pts_u_probes() == base, "ptshare: failed loads left no probe");
}

int main(int argc, char **argv)
{
	tap_init(argv[0]);
	/* ptshare needs the stats tree only, not the pool (t_core) */
	zp_unload_quiet("zeropool");
	test_loads();
	test_ring();
	zp_unload_quiet("ptshare");
	return tap_done();
}
