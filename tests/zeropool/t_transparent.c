// SPDX-License-Identifier: GPL-2.0
/*
 * Transparent prezeroing (pool/transparent): plain anonymous memory of an
 * unmodified program (malloc, mmap, brk) takes its pages from the pool and
 * sees zeros, even where a process wrote garbage before; fork/COW is
 * unchanged; huge faults, out-of-scope tasks and a dry pool take the stock
 * path, counted by reason; the memory cgroup is charged the same and its
 * OOM behaves the same; the hook is in ftrace's enabled_functions only
 * while the mode is on; switching and unloading under a two-thread fault
 * storm lose no fault.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/hog.h"
#include "../lib/zptest.h"

#define MIB		(1024UL * 1024)
#define PAGE		4096UL
#define CG_ROOT		"/sys/fs/cgroup"
#define CG_NAME		"zp_transparent"
#define CG_DIR		CG_ROOT "/" CG_NAME
#define THP_ENABLED	"/sys/kernel/mm/transparent_hugepage/enabled"

static bool hooked(void)
{
	static const char * const paths[] = {
		"/sys/kernel/tracing/enabled_functions",
		"/sys/kernel/debug/tracing/enabled_functions",
	};
	char line[512];
	bool found = false;
	unsigned int i;
	FILE *f = NULL;

	for (i = 0; i < 2 && !f; i++)
		f = fopen(paths[i], "r");
	if (!f)
		tap_bail("no enabled_functions in tracefs");
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "vma_alloc_folio", 15))
			found = true;
	fclose(f);
	return found;
}

/* Writes one byte per page of @len bytes at @p; true if the rest is 0. */
static bool touch_and_check(unsigned char *p, size_t len)
{
	bool zero = true;
	size_t off;

	for (off = 0; off < len; off += PAGE) {
		zero &= zp_bytes_zero(p + off, PAGE);
		p[off] = 1;
	}
	return zero;
}

/* @len bytes of anonymous memory in base pages (THP may be "always"). */
static unsigned char *map_small_pages(size_t len)
{
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, len, MADV_NOHUGEPAGE);
	return p;
}

/* A child that dirties @len bytes of anonymous memory and exits. */
static void garbage(size_t len)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		unsigned char *p = map_small_pages(len);

		if (p)
			memset(p, 0xa5, len);
		_exit(0);
	}
	waitpid(pid, &st, 0);
}

/* In a child: malloc, mmap and brk memory all read as zeros. */
static bool child_sees_zeros(void)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		unsigned char *m = malloc(16 * MIB), *b;
		unsigned char *a = map_small_pages(16 * MIB);
		bool ok;

		b = sbrk(4 * MIB);
		if (!m || !a || b == (void *)-1)
			_exit(2);
		if (madvise((void *)((unsigned long)m & ~(PAGE - 1)), 16 * MIB,
			    MADV_NOHUGEPAGE) ||
		    madvise((void *)(((unsigned long)b + PAGE - 1) & ~(PAGE - 1)),
			    3 * MIB, MADV_NOHUGEPAGE))
			_exit(2);
		b = (unsigned char *)(((unsigned long)b + PAGE - 1) & ~(PAGE - 1));
		ok = touch_and_check(m + PAGE, 15 * MIB);
		ok &= touch_and_check(a, 16 * MIB);
		ok &= touch_and_check(b, 3 * MIB);
		_exit(ok ? 0 : 1);
	}
	return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	       WEXITSTATUS(st) == 0;
}

static void zero_and_counters(void)
{
	uint64_t served;
	int i;

	for (i = 0; i < 4; i++)
		garbage(32 * MIB);
	served = zp_get("pool/transparent_pages");
	tap_ok(child_sees_zeros(),
	       "malloc, mmap and brk memory of a new process is all zeros after garbage");
	tap_ok(zp_get("pool/transparent_pages") - served >= 8000,
	       "and its faults were served from the pool (%llu pages)",
	       (unsigned long long)(zp_get("pool/transparent_pages") - served));
	tap_ok(zp_get("pool/node0/transparent_pages") >=
	       zp_get("pool/transparent_pages") - served,
	       "counted on node0 too");
}

static void fork_cow(void)
{
	unsigned char *p = mmap(NULL, 64 * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned int sink = 0;
	uint64_t served;
	pid_t pid;
	size_t i;
	int st;

	if (p == MAP_FAILED)
		tap_bail("mmap");
	/* read first: the zero page; the write then copies it (wp_page_copy) */
	for (i = 0; i < 64; i++)
		sink += __atomic_load_n(&p[i * PAGE], __ATOMIC_RELAXED);
	served = zp_get("pool/transparent_pages");
	for (i = 0; i < 64; i++)
		p[i * PAGE] = 1;
	tap_ok(zp_get("pool/transparent_pages") - served >= 64,
	       "COW of the zero page takes pool pages (%llu)",
	       (unsigned long long)(zp_get("pool/transparent_pages") - served));
	pid = fork();
	if (pid == 0) {
		for (i = 0; i < 64; i++)
			p[i * PAGE] = 2;
		for (i = 0; i < 64; i++)
			if (p[i * PAGE] != 2)
				_exit(1);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a forked child sees its own writes");
	for (i = 0; i < 64 && p[i * PAGE] == 1; i++)
		;
	tap_ok(i == 64, "and the parent keeps its own (read %u before)", sink);
	munmap(p, 64 * PAGE);
}

/* The THP mode in force ("always", "madvise", "never"), or "". */
static void thp_get(char *mode, size_t len)
{
	char line[128] = "", *s, *e;
	FILE *f = fopen(THP_ENABLED, "r");

	mode[0] = 0;
	if (!f)
		return;
	if (fgets(line, sizeof(line), f)) {
		s = strchr(line, '[');
		e = s ? strchr(s, ']') : NULL;
		if (e) {
			*e = 0;
			snprintf(mode, len, "%s", s + 1);
		}
	}
	fclose(f);
}

static bool thp_set(const char *mode)
{
	FILE *f = *mode ? fopen(THP_ENABLED, "w") : NULL;

	if (!f)
		return false;
	return fputs(mode, f) >= 0 && !fclose(f);
}

static void huge_faults(void)
{
	uint64_t order;
	unsigned char *p;
	char old[32];

	thp_get(old, sizeof(old));
	if (!*old || !thp_set("always")) {
		tap_skip("no THP in this kernel, or it can't be set to always");
		return;
	}
	p = mmap(NULL, 8 * MIB, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		tap_bail("mmap");
	p = (unsigned char *)(((unsigned long)p + 2 * MIB - 1) & ~(2 * MIB - 1));
	madvise(p, 4 * MIB, MADV_HUGEPAGE);
	order = zp_get("pool/transparent_fallthrough_order");
	p[0] = 1;
	p[2 * MIB] = 1;
	tap_ok(zp_get("pool/transparent_fallthrough_order") > order,
	       "huge-page faults take the stock path, counted under order");
	thp_set(old);
}

static uint64_t read_u64_file(const char *path)
{
	unsigned long long v = 0;
	FILE *f = fopen(path, "r");

	if (f) {
		if (fscanf(f, "%llu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

/*
 * A child in the test cgroup writes @len bytes and stops; the parent reads
 * memory.current before and while it holds them.  Returns the growth.
 */
static uint64_t cgroup_growth(size_t len)
{
	int go[2], done[2];
	uint64_t before, after;
	char pid[32], c;
	pid_t child;
	int st;

	if (pipe(go) || pipe(done))
		tap_bail("pipe");
	child = fork();
	if (child == 0) {
		unsigned char *p;

		if (read(go[0], &c, 1) != 1)
			_exit(2);
		p = map_small_pages(len);
		if (!p || !touch_and_check(p, len))
			_exit(1);
		if (write(done[1], "x", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(2);
		_exit(0);
	}
	snprintf(pid, sizeof(pid), "%d", child);
	if (zp_write_path(CG_DIR "/cgroup.procs", pid))
		tap_bail("move child into " CG_DIR);
	before = read_u64_file(CG_DIR "/memory.current");
	if (write(go[1], "x", 1) != 1 || read(done[0], &c, 1) != 1)
		tap_bail("cgroup child");
	after = read_u64_file(CG_DIR "/memory.current");
	if (write(go[1], "x", 1) != 1)
		tap_bail("cgroup child");
	waitpid(child, &st, 0);
	close(go[0]);
	close(go[1]);
	close(done[0]);
	close(done[1]);
	return after - before;
}

/* A child in the cgroup that writes @len bytes; its wait status. */
static int cgroup_hog(size_t len)
{
	pid_t child = fork();
	char pid[32];
	int st;

	if (child == 0) {
		unsigned char *p;

		snprintf(pid, sizeof(pid), "%d", getpid());
		if (zp_write_path(CG_DIR "/cgroup.procs", pid))
			_exit(3);
		p = map_small_pages(len);
		if (p)
			memset(p, 1, len);
		_exit(0);
	}
	waitpid(child, &st, 0);
	return st;
}

static bool cgroup_setup(void)
{
	if (access(CG_ROOT "/cgroup.subtree_control", W_OK))
		return false;
	zp_write_path(CG_ROOT "/cgroup.subtree_control", "+memory");
	if (mkdir(CG_DIR, 0755) && errno != EEXIST)
		return false;
	return !access(CG_DIR "/memory.current", R_OK);
}

static void memcg(void)
{
	uint64_t off, on, served;
	int st_off, st_on;

	/* one run to warm the cgroup up, then off, on, on, off */
	zp_set("pool/transparent", "off");
	cgroup_growth(16 * MIB);
	off = cgroup_growth(16 * MIB);
	zp_set("pool/transparent", "all");
	served = zp_get("pool/transparent_pages");
	on = cgroup_growth(16 * MIB);
	on += cgroup_growth(16 * MIB);
	zp_set("pool/transparent", "off");
	off += cgroup_growth(16 * MIB);
	zp_set("pool/transparent", "all");
	tap_ok(zp_get("pool/transparent_pages") - served >= 8000,
	       "the cgroup's faults were served from the pool");
	tap_ok(on * 100 >= off * 99 && on * 100 <= off * 101,
	       "memory.current grows the same with and without the mode (%llu vs %llu bytes)",
	       (unsigned long long)on, (unsigned long long)off);

	zp_write_path(CG_DIR "/memory.swap.max", "0");
	if (zp_write_path(CG_DIR "/memory.max", "8M")) {
		tap_skip("cannot set memory.max");
		return;
	}
	zp_set("pool/transparent", "off");
	st_off = cgroup_hog(32 * MIB);
	zp_set("pool/transparent", "all");
	st_on = cgroup_hog(32 * MIB);
	tap_ok(WIFSIGNALED(st_off) && WTERMSIG(st_off) == SIGKILL &&
	       WIFSIGNALED(st_on) && WTERMSIG(st_on) == SIGKILL,
	       "past memory.max the OOM killer ends the task, with the mode as without (status %#x, %#x)",
	       st_off, st_on);
	zp_write_path(CG_DIR "/memory.max", "max");
}

static void scope(void)
{
	uint64_t served, fall;
	int st;

	tap_ok(zp_write("pool/transparent_cgroup", CG_NAME) == -EINVAL,
	       "transparent_cgroup refuses a relative path (EINVAL)");
	tap_ok(zp_write("pool/transparent_cgroup", "/no-such-cgroup") == -ENOENT,
	       "and a cgroup that does not exist (ENOENT)");
	zp_set("pool/transparent_cgroup", "/" CG_NAME);
	zp_set("pool/transparent", "cgroup");
	served = zp_get("pool/transparent_pages");
	fall = zp_get("pool/transparent_fallthrough_scope");
	garbage(4 * MIB);
	tap_ok(zp_get("pool/transparent_pages") == served,
	       "mode cgroup: a process outside that cgroup gets no pool page");
	tap_ok(zp_get("pool/transparent_fallthrough_scope") - fall >= 1024,
	       "its faults are counted under fallthrough_scope");
	st = cgroup_hog(4 * MIB);
	tap_ok(WIFEXITED(st) && zp_get("pool/transparent_pages") - served >= 1000,
	       "a process inside it does (%llu)",
	       (unsigned long long)(zp_get("pool/transparent_pages") - served));
	zp_set("pool/transparent", "all");
	zp_set("pool/transparent_cgroup", "\n");
}

/* zpctl run: the mode for one command only, restored after it. */
static void zpctl_run(const char *self)
{
	char *copy = strdup(self), cmd[PATH_MAX * 3], mode[32] = "", cg[256] = "";
	uint64_t served;
	int st;

	zp_set("pool/transparent", "off");
	served = zp_get("pool/transparent_pages");
	snprintf(cmd, sizeof(cmd), "%s/../zpctl run -- %s --touch 4",
		 dirname(copy), self);
	st = system(cmd);
	tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "zpctl run -- CMD runs the command (status %#x)", st);
	tap_ok(zp_get("pool/transparent_pages") - served >= 1000,
	       "its faults were served from the pool (%llu)",
	       (unsigned long long)(zp_get("pool/transparent_pages") - served));
	tap_ok(!zp_read_str("pool/transparent", mode, sizeof(mode)) &&
	       !strncmp(mode, "off", 3) &&
	       !zp_read_str("pool/transparent_cgroup", cg, sizeof(cg)) &&
	       (cg[0] == 0 || cg[0] == '\n'),
	       "and the mode is off again after it, no cgroup set ('%s', '%s')",
	       mode, cg);
	zp_set("pool/transparent", "all");
	snprintf(cmd, sizeof(cmd), "%s/../zpctl run -q -- true 2>/dev/null",
		 dirname(strdup(self)));
	st = system(cmd);
	tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 1,
	       "zpctl run refuses while the mode is all (exit 1)");
	free(copy);
}

/*
 * A hog of nearly all available memory with the mode on and a full pool:
 * the pool goes to it (served to its faults, or freed by the shrinker)
 * and it survives, as it does without the module; faults after it still
 * see zeros.  (The scrubber refills from free memory only, so the hog's
 * faults rarely find the pool empty: dry_pool() covers that path.)
 */
static void hog_drains_pool(void)
{
	/* all that is available and what the pool holds: it can't fit beside */
	size_t bytes = (zp_meminfo_kb("MemAvailable") +
			zp_get("pool/held_pages") * 4 - 160 * 1024) * 1024;
	uint64_t freed = zp_get("pool/shrink_freed");
	uint64_t served = zp_get("pool/transparent_pages");
	uint64_t misses = zp_get("pool/transparent_misses");
	int status = 0;
	char thp[32];

	/* 4 KiB faults (THP off): each one asks the pool */
	thp_get(thp, sizeof(thp));
	thp_set("never");
	tap_ok(hog_run(bytes, &status),
	       "a %zu MiB hog survives with the mode on and a full pool (status %#x)",
	       bytes >> 20, status);
	served = zp_get("pool/transparent_pages") - served;
	misses = zp_get("pool/transparent_misses") - misses;
	freed = zp_get("pool/shrink_freed") - freed;
	tap_ok(served + freed >= 15000,
	       "the pool went to it (%llu pages served, %llu freed by the shrinker; %llu faults found it empty)",
	       (unsigned long long)served, (unsigned long long)freed,
	       (unsigned long long)misses);
	tap_ok(child_sees_zeros(), "and faults after it still see zeros");
	thp_set(thp);
}

static void dry_pool(void)
{
	uint64_t misses;

	zp_set("scrub/enabled", "0");
	zp_set("pool/drain", "1");
	misses = zp_get("pool/transparent_misses");
	tap_ok(child_sees_zeros(), "a dry pool: faults take the stock path, zeros, no error");
	tap_ok(zp_get("pool/transparent_misses") - misses >= 8000,
	       "counted as misses (%llu)",
	       (unsigned long long)(zp_get("pool/transparent_misses") - misses));
	zp_set("scrub/enabled", "1");
}

static int storm_stop;
static long storm_bad, storm_rounds;	/* __sync/__atomic: two threads */

static void *storm(void *arg)
{
	while (!__atomic_load_n(&storm_stop, __ATOMIC_RELAXED)) {
		unsigned char *p = map_small_pages(MIB);

		if (!p) {
			__sync_fetch_and_add(&storm_bad, 1);
			continue;
		}
		if (!touch_and_check(p, MIB))
			__sync_fetch_and_add(&storm_bad, 1);
		munmap(p, MIB);
		__sync_fetch_and_add(&storm_rounds, 1);
	}
	return NULL;
}

static void storm_switch_unload(void)
{
	pthread_t t[2];
	int i, err = 0;

	for (i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, storm, NULL);
	for (i = 0; i < 20 && !err; i++) {
		zp_sleep_ms(50);
		err = zp_write("pool/transparent", i % 2 ? "all" : "off");
	}
	tap_ok(!err, "mode switched 20 times under a two-thread fault storm");
	zp_sleep_ms(100);
	tap_ok(zp_mod_unload("zeropool") == 0, "zeropool unloads with the mode on, under the storm");
	zp_sleep_ms(200);
	__atomic_store_n(&storm_stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	tap_ok(storm_bad == 0 && storm_rounds > 0,
	       "every storm fault saw zeros, none failed (%ld rounds, %ld bad)",
	       (long)storm_rounds, (long)storm_bad);
	tap_ok(!hooked(), "the hook is gone after unload");
}

int main(int argc, char **argv)
{
	char self[PATH_MAX];
	ssize_t n;

	/* --touch MIB: the command zpctl_run() runs */
	if (argc == 3 && !strcmp(argv[1], "--touch")) {
		unsigned char *p = map_small_pages(atoi(argv[2]) * MIB);

		return p && touch_and_check(p, atoi(argv[2]) * MIB) ? 0 : 1;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return 1;
	self[n] = 0;
	tap_init(argv[0]);
	zp_load_zeropool("max_pages=32768 high_watermark=16384 low_watermark=4096");
	tap_ok(!hooked(), "mode off (default): vma_alloc_folio is not hooked");
	tap_ok(zp_write("pool/transparent", "some") == -EINVAL,
	       "an unknown mode is refused (EINVAL)");
	zp_set("pool/transparent", "all");
	tap_ok(hooked(), "mode all: the hook is in enabled_functions");
	tap_ok(zp_wait_ge("pool/pages", 16000, 60000 * zp_slowdown()),
	       "pool warm (16000 pages or more)");

	zero_and_counters();
	fork_cow();
	huge_faults();
	if (cgroup_setup()) {
		memcg();
		scope();
		zpctl_run(self);
	} else {
		tap_skip("no cgroup v2 memory controller");
	}
	dry_pool();
	tap_ok(zp_wait_ge("pool/pages", 16000, 60000 * zp_slowdown()),
	       "pool full again");
	hog_drains_pool();
	zp_set("pool/transparent", "off");
	tap_ok(!hooked(), "mode off again: the hook is removed");
	zp_set("pool/transparent", "all");
	storm_switch_unload();
	rmdir(CG_DIR);
	return tap_done();
}
