// SPDX-License-Identifier: GPL-2.0
/*
 * zpctl in the guest: load and unload through libkmod, status --json
 * checked file by file against sysfs, set, watch, ab on a small command,
 * and every error message that can be provoked here on purpose (the
 * signature and lockdown refusals in boots of their own, see tests/run).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/zptest.h"
#include "../../tools/zpctl/test/jsonck.h"

#define OUT_MAX (1 << 20)

static char zpctl[PATH_MAX];
static const char *moddir;
static char out[OUT_MAX];

/* Runs "zpctl ARGS" (as @uid unless -1); output in out[], exit code back. */
static int run_as(int uid, const char *fmt, ...)
{
	char args[2048], cmd[PATH_MAX + 2048 + 128];
	size_t len = 0, n;
	va_list ap;
	FILE *p;
	int st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	if (uid >= 0)
		snprintf(cmd, sizeof(cmd), "setpriv --reuid=%d --regid=%d --clear-groups %s %s 2>&1",
			 uid, uid, zpctl, args);
	else
		snprintf(cmd, sizeof(cmd), "%s %s 2>&1", zpctl, args);
	p = popen(cmd, "r");
	if (!p)
		tap_bail("popen %s: %s", cmd, strerror(errno));
	while (len < sizeof(out) - 1 &&
	       (n = fread(out + len, 1, sizeof(out) - 1 - len, p)) > 0)
		len += n;
	out[len] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

#define run(...) run_as(-1, __VA_ARGS__)

static void show_out(void)
{
	char *copy = strdup(out), *line, *save;

	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		tap_diag("  %s", line);
	free(copy);
}

/* tap_ok() that shows zpctl's output when it fails. */
#define check(cond, ...) do {				\
		if (!tap_ok(cond, __VA_ARGS__))		\
			show_out();			\
	} while (0)

static bool has(const char *s)
{
	return strstr(out, s) != NULL;
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static bool is_int(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static bool module_built(const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s/%s.ko", moddir, name, name);
	return exists(path);
}

/* --- status --json against sysfs, file by file --- */

static const char *json_text;
static int json_files, json_bad;

static int check_file(const char *path, const struct stat *st, int type,
		      struct FTW *ftw)
{
	char key[512], val[4096], sys[4096], *p;
	const char *rel = path + strlen(ZP_SYSFS) + 1;

	if (type != FTW_F)
		return 0;
	snprintf(key, sizeof(key), "stats.%s", rel);
	for (p = key; *p; p++)
		if (*p == '/')
			*p = '.';
	json_files++;
	if (!jck_get(json_text, key, val, sizeof(val)) ||
	    zp_read_str(rel, sys, sizeof(sys))) {
		tap_diag("%s: absent from the JSON or unreadable", rel);
		json_bad++;
		return 0;
	}
	/* counters move under us; tunables and text must match exactly */
	if (jck_is_string(json_text, key) == is_int(sys)) {
		tap_diag("%s: \"%s\" has the wrong JSON type", rel, sys);
		json_bad++;
	} else if ((st->st_mode & 0222) && strcmp(val, sys)) {
		tap_diag("%s: JSON %s, sysfs %s", rel, val, sys);
		json_bad++;
	}
	return 0;
}

static void test_status_json(void)
{
	char val[256], version[64];
	int rc;

	rc = run("status --json");
	check(rc == 0 && jck_valid(out), "status --json: exit 0, valid JSON");
	json_text = out;
	check(jck_get(out, "modules.zeropool.loaded", val, sizeof(val)) &&
	      !strcmp(val, "true"), "status --json: zeropool loaded");
	check(jck_get(out, "modules.zeropool.refcnt", val, sizeof(val)) &&
	      !jck_is_string(out, "modules.zeropool.refcnt"),
	      "status --json: refcnt is a number (%s)", val);
	zp_read_str("version", version, sizeof(version));
	check(jck_get(out, "stats.version", val, sizeof(val)) &&
	      !strcmp(val, version), "status --json: stats.version = sysfs version %s", version);
	json_files = 0;
	json_bad = 0;
	nftw(ZP_SYSFS, check_file, 16, FTW_PHYS);
	tap_ok(json_files > 20 && !json_bad,
	       "status --json: %d files of the tree, %d differ from sysfs", json_files,
	       json_bad);
	rc = run("status");
	check(rc == 0 && has("/sys/kernel/zeropool/pool/\n") && has("max_pages") &&
	      has("zeropool     live"), "status: modules and one table per directory");
}

/* Touches 64 pages of /dev/zeropool: a command whose faults zeropool serves. */
static int touch_zeropool(void)
{
	size_t len = 64 * 4096, i;
	char *p;
	int fd;

	fd = open("/dev/zeropool", O_RDWR);
	if (fd < 0)
		return 0;	/* side A: no device, nothing to count */
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return 1;
	for (i = 0; i < len; i += 4096)
		p[i] = 1;
	munmap(p, len);
	close(fd);
	return 0;
}

static void test_ab(const char *self)
{
	char val[256];
	FILE *f;
	int rc, n;

	/* nothing loaded before: nothing to restore, no note on stderr */
	run("unload");
	rc = run("ab --runs 2 --warmup 1 --from %s --module zeropool --json -- %s --touch",
		 moddir, self);
	check(rc == 0 && jck_valid(out), "ab --json: exit 0, valid JSON");
	check(jck_get(out, "schema_version", val, sizeof(val)) && !strcmp(val, "2") &&
	      jck_get(out, "runs_per_side", val, sizeof(val)) && !strcmp(val, "2"),
	      "ab --json: schema_version 2, 2 runs per side");
	check(jck_get(out, "order", val, sizeof(val)) && !strcmp(val, "abABBA"),
	      "ab --json: an uncounted warm-up pair, then A B B A (%s)", val);
	check(jck_get(out, "summary.wall_s.A.median", val, sizeof(val)) &&
	      jck_get(out, "summary.wall_s.A.ci95", val, sizeof(val)) &&
	      jck_get(out, "summary.minflt.B.outliers", val, sizeof(val)) &&
	      jck_get(out, "summary.system_cpu_s.ratio.ci95", val, sizeof(val)) &&
	      jck_get(out, "summary.cmd_cpu_s.ratio.verdict", val, sizeof(val)) &&
	      jck_get(out, "summary.pool_threads_cpu_s.B.mean", val, sizeof(val)),
	      "ab --json: median, mean with interval, outliers per side; B/A with interval and verdict");
	check(jck_get(out, "counters.pool/dev_faults.total", val, sizeof(val)) &&
	      strtoull(val, NULL, 10) >= 128,
	      "ab --json: pool/dev_faults moved by >= 128 over the counted B runs (%s)", val);
	/* every B run waited for a full pool: no run says filled false */
	check(strstr(out, "\"filled\": true") && !strstr(out, "\"filled\": false"),
	      "ab --json: each B run started with the pool at high_watermark");
	tap_ok(!zp_mod_loaded("zeropool"), "ab: zeropool not loaded afterwards, as before");

	run("load --from %s zeropool", moddir);
	rc = run("ab --runs 2 --from %s -- true", moddir);
	check(rc == 0 && has("net effect") && has("95%_CI") && has("verdict") &&
	      has("pool threads") && has("runs in the order they ran"),
	      "ab: text: net effect with interval and verdict, per side, runs in order");
	tap_ok(zp_mod_loaded("zeropool"), "ab: zeropool loaded afterwards, as before");
	rc = run("ab --runs 2 --warmup 0 --from %s --csv -- false", moddir);
	check(rc == 1 && has("order,side,run,wall_s,cmd_cpu_s,system_cpu_s") &&
	      has("\n4,A,2,"), "ab --csv: rows per run in A B B A order; a failing COMMAND exits 1");
	rc = run("ab --runs 1 --warmup 0 --from %s --module ptshare -- sh -c \"! grep -q '^zeropool ' /proc/modules\"",
		 moddir);
	check(rc == 0 && !has("pool to wait for"),
	      "ab --module ptshare: side B has ptshare without zeropool.ko, and waits for no pool");
	rc = run("ab --runs 1 --warmup 0 --from %s --timeout 0.5 -- sleep 60", moddir);
	check(rc == 1 && has("timeout"), "ab --timeout: COMMAND killed, the run marked, exit 1");
	unlink("/tmp/t_zpctl.prepare");
	rc = run("ab --runs 1 --warmup 1 --from %s --prepare 'echo x >>/tmp/t_zpctl.prepare' -- sh -c 'test \"$(readlink /proc/self/fd/0)\" = /dev/null'",
		 moddir);
	f = fopen("/tmp/t_zpctl.prepare", "r");
	for (n = 0; f && fgets(val, sizeof(val), f); n++)
		;
	if (f)
		fclose(f);
	unlink("/tmp/t_zpctl.prepare");
	check(rc == 0 && n == 4,
	      "ab --prepare runs before each of the 4 runs (%d); COMMAND's stdin is /dev/null", n);
}

static void test_errors(void)
{
	char before[64], after[64];
	int rc, fd;

	/* already loaded */
	rc = run("load --from %s zeropool", moddir);
	check(rc == 1 && has("zeropool: already loaded"), "load twice: 'already loaded'");

	/* set: the kernel's EINVAL verbatim, the value unchanged */
	zp_read_str("pool/max_pages", before, sizeof(before));
	rc = run("set pool/max_pages 0");
	zp_read_str("pool/max_pages", after, sizeof(after));
	check(rc == 1 && has("set pool/max_pages 0: Invalid argument") &&
	      !strcmp(before, after), "set a bad value: EINVAL shown verbatim, value kept");
	rc = run("set scrub/zero_method bogus");
	check(rc == 1 && has("Invalid argument"), "set a bad enum name: EINVAL");
	rc = run("set pool/hits 1");
	check(rc == 1 && has("read-only"), "set a counter: read-only");
	rc = run("set scrub/enabled 0");
	zp_read_str("scrub/enabled", after, sizeof(after));
	check(rc == 0 && !strcmp(after, "0"), "set scrub/enabled 0 writes it");
	run("set scrub/enabled 1");

	/* in use: a process holds /dev/zeropool open */
	fd = open("/dev/zeropool", O_RDWR);
	rc = run("unload zeropool");
	check(fd >= 0 && rc == 1 && has("zeropool: in use (refcount ") &&
	      !has("(refcount 0,") && has("holders: none)") && has("fuser"),
	      "unload with /dev/zeropool open: in use, refcount shown");
	if (fd >= 0)
		close(fd);
	tap_ok(zp_mod_loaded("zeropool"), "still loaded after the refused unload");

	/* not root */
	rc = run_as(65534, "unload zeropool");
	check(rc == 1 && has("needs root"), "unload as nobody: needs root");
	rc = run_as(65534, "load --from %s pagesplice", moddir);
	check(rc == 1 && (has("needs root") || has("module not found")),
	      "load as nobody: needs root");
}

/*
 * A tree in which <dir>/zeropool/zeropool.ko holds @len bytes of @data:
 * what zpctl load --from <dir> zeropool will try to insert, after the
 * real zeropool_core.ko (<dir>/zeropool_core.ko, a link to the build's).
 */
static void fake_tree(char *dir, const void *data, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	int fd;

	strcpy(dir, "/tmp/t_zpctl.XXXXXX");
	if (!mkdtemp(dir))
		tap_bail("mkdtemp: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/zeropool", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/zeropool/zeropool.ko", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		tap_bail("write %s: %s", path, strerror(errno));
	close(fd);
	snprintf(path, sizeof(path), "%s/%s/%s.ko", moddir, ZP_CORE, ZP_CORE);
	if (!realpath(path, target))
		tap_bail("realpath %s: %s", path, strerror(errno));
	snprintf(path, sizeof(path), "%s/%s.ko", dir, ZP_CORE);
	if (symlink(target, path))
		tap_bail("symlink %s: %s", path, strerror(errno));
}

static void remove_fake_tree(const char *dir)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s.ko", dir, ZP_CORE);
	unlink(path);
	snprintf(path, sizeof(path), "%s/zeropool/zeropool.ko", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/zeropool", dir);
	rmdir(path);
	rmdir(dir);
}

/* The whole of a built module file, malloc'ed; NULL if not built. */
static void *read_module(const char *name, size_t *len)
{
	char path[PATH_MAX];
	struct stat st;
	void *buf;
	int fd;

	snprintf(path, sizeof(path), "%s/%s/%s.ko", moddir, name, name);
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		return NULL;
	buf = malloc(st.st_size);
	if (!buf || read(fd, buf, st.st_size) != st.st_size) {
		free(buf);
		buf = NULL;
	}
	close(fd);
	*len = st.st_size;
	return buf;
}

static void test_load_errors(void)
{
	char dir[32], path[PATH_MAX];
	void *ko;
	size_t len;
	int rc;

	rc = run("load --from /nonexistent zeropool");
	check(rc == 1 && has("zeropool: module not found: no /nonexistent/zeropool/zeropool.ko"),
	      "load from a tree without it: module not found");
	snprintf(path, sizeof(path), "/lib/modules/%s/updates/dkms/zeropool.ko",
		 getenv("ZP_KERNEL_RELEASE") ? getenv("ZP_KERNEL_RELEASE") : "");
	if (!exists(path)) {
		rc = run("load zeropool");
		check(rc == 1 && has("module not found: not installed") &&
		      has("dkms install"), "load by name, not installed: not found, DKMS hint");
	} else {
		tap_skip("load by name: zeropool is installed here");
	}
	rc = run("load --from %s zeropool scrub_order=99", moddir);
	check(rc == 1 && has("invalid parameters (EINVAL), see dmesg") &&
	      has("zpctl: kernel: ") && has("scrub_order=99"),
	      "load with a bad parameter: EINVAL, the kernel's message shown");
	tap_ok(!zp_mod_loaded("zeropool"), "not loaded after the bad parameter");

	fake_tree(dir, "this is not an ELF file\n", 24);
	rc = run("load --from %s zeropool", dir);
	check(rc == 1 && has("invalid module format (ENOEXEC)"),
	      "load of a non-ELF file: invalid module format");
	remove_fake_tree(dir);

	/* pagesplice.ko in zeropool's place: its zeropool symbols are missing */
	ko = read_module("pagesplice", &len);
	if (!ko) {
		tap_skip("unknown symbol: pagesplice.ko not built");
		return;
	}
	fake_tree(dir, ko, len);
	free(ko);
	rc = run("load --from %s zeropool", dir);
	check(rc == 1 && has("unknown symbol in module (ENOENT") &&
	      has("zeropool.ko from the same build loaded first"),
	      "load of a module whose dependency is missing: unknown symbol");
	tap_ok(!zp_mod_loaded("pagesplice"), "not loaded after the unknown symbol");
	remove_fake_tree(dir);
}

/*
 * tests/run boots the guest once with module.sig_enforce=1 and once with
 * lockdown=integrity: the kernel refuses our unsigned modules, and only
 * that refusal is checked.  False on an ordinary boot.
 */
static bool test_refusals(void)
{
	char cmdline[4096] = "";
	FILE *f = fopen("/proc/cmdline", "r");
	int rc;

	if (!f || !fgets(cmdline, sizeof(cmdline), f))
		tap_bail("read /proc/cmdline: %s", strerror(errno));
	fclose(f);
	if (strstr(cmdline, "module.sig_enforce=1")) {
		rc = run("load --from %s zeropool", moddir);
		/* zeropool_core, inserted first, is the module refused */
		check(rc == 1 && has(ZP_CORE ": signature rejected (EKEYREJECTED)") &&
		      has("mokutil --import"),
		      "module.sig_enforce=1: signature rejected, MOK enrolment hint");
	} else if (strstr(cmdline, "lockdown=")) {
		rc = run("load --from %s zeropool", moddir);
		check(rc == 1 && has(ZP_CORE ": refused by kernel lockdown (integrity") &&
		      has("mokutil --import"),
		      "lockdown=integrity: refused by lockdown, MOK enrolment hint");
	} else {
		return false;
	}
	tap_ok(!zp_mod_loaded("zeropool"), "nothing loaded after the refusal");
	return true;
}

static void test_holders(void)
{
	int rc, fd;

	if (!module_built("pagesplice")) {
		tap_skip("holders: pagesplice.ko not built");
		return;
	}
	rc = run("load --from %s pagesplice", moddir);
	check(rc == 0 && zp_mod_loaded("pagesplice"), "load pagesplice (zeropool loaded)");
	rc = run("unload zeropool");
	check(rc == 1 && has("zeropool: in use") && has("holders: pagesplice"),
	      "unload zeropool under pagesplice: in use, holder shown");
	fd = open("/dev/pagesplice", O_RDWR);
	rc = run("unload pagesplice");
	check(fd >= 0 && rc == 1 && has("pagesplice: in use (refcount 1,"),
	      "unload pagesplice with /dev/pagesplice open: in use, refcount 1");
	if (fd >= 0)
		close(fd);
	rc = run("unload");
	check(rc == 0 && !zp_mod_loaded("pagesplice") && !zp_mod_loaded("zeropool"),
	      "unload everything: dependents first");
	rc = run("load --from %s pagesplice", moddir);
	check(rc == 0 && zp_mod_loaded("zeropool") && zp_mod_loaded("pagesplice") &&
	      has("zeropool: loaded") && has("pagesplice: loaded"),
	      "load pagesplice alone loads zeropool first");
	rc = run("unload");
	check(rc == 0 && !zp_mod_loaded("zeropool"), "unload all again");
	rc = run("load --from %s zeropool", moddir);
	check(rc == 0, "load zeropool back");
}

static void test_forks(void)
{
	int rc;

	if (!module_built("ptshare")) {
		rc = run("forks");
		check(rc == 1 && has("ptshare is not loaded"), "forks without ptshare: says so");
		return;
	}
	rc = run("load --from %s ptshare", moddir);
	check(rc == 0, "load ptshare");
	if (fork() == 0)
		_exit(0);
	wait(NULL);
	rc = run("forks");
	check(rc == 0 && has("ptshare: loaded"), "forks prints ptshare's report");
	rc = run("forks --json --pid %d", (int)getpid());
	check(rc == 0 && jck_valid(out) && has("\"records\": [") &&
	      has("\"comm\": \"t_zpctl\""),
	      "forks --json --pid: this test's fork among the records");
	rc = run("forks --comm no-such-comm");
	check(rc == 0 && has("(no record matches)"), "forks --comm: a filter that matches nothing");
	/* the Prometheus exposition of a live tree, judged by promtool */
	rc = run("load --from %s zeropool", moddir);
	rc = run("metrics | promtool check metrics && echo PROMTOOL-CLEAN");
	check(rc == 0 && has("PROMTOOL-CLEAN"), "metrics | promtool check metrics: clean on a live tree");
	rc = run("metrics");
	check(rc == 0 && has("\nzeropool_pool_pages ") && has("zeropool_scrub_blocks_total{order=") &&
	      has("zeropool_ptshare_forks_seen_total ") &&
	      has("# TYPE zeropool_ptshare_fork_duration_seconds histogram") &&
	      has("zeropool_module_loaded{module=\"ptshare\"} 1"),
	      "metrics: pool gauges, scrub counters with labels, ptshare counters and its fork-time histogram");
	rc = run("unload ptshare");
	check(rc == 0, "unload ptshare");
}

int main(int argc, char **argv)
{
	char self[PATH_MAX];
	int rc;

	if (argc > 1 && !strcmp(argv[1], "--touch"))
		return touch_zeropool();
	tap_init(argv[0]);
	moddir = getenv("ZP_MODDIR");
	if (!moddir)
		tap_bail("ZP_MODDIR is not set");
	if (!realpath("/proc/self/exe", self))
		tap_bail("realpath: %s", strerror(errno));
	/* build/user/tests/t_zpctl -> build/user/zpctl */
	snprintf(zpctl, sizeof(zpctl), "%s/../zpctl", dirname(strdup(self)));
	if (!exists(zpctl)) {
		tap_skip("zpctl not built (%s)", zpctl);
		return tap_done();
	}
	zp_unload_quiet("bte_offload");
	zp_unload_quiet("ptshare");
	zp_unload_quiet("pagesplice");
	zp_unload_quiet("zeropool");
	if (test_refusals())
		return tap_done();

	test_load_errors();

	rc = run("load --from %s zeropool", moddir);
	check(rc == 0 && zp_mod_loaded("zeropool") && has("zeropool: loaded (version "),
	      "load --from %s zeropool", moddir);
	if (!zp_mod_loaded("zeropool"))
		tap_bail("zeropool did not load");
	test_status_json();
	rc = run("watch -n 2 -i 0.2");
	check(rc == 0 && has("per_s") && has("pool/"), "watch -n 2: tables with rates");
	test_errors();
	test_ab(self);
	test_holders();
	test_forks();
	rc = run("bench --list");
	check(rc == 0 && has("faultrate"), "bench --list shows faultrate");

	rc = run("unload zeropool");
	check(rc == 0 && !zp_mod_loaded("zeropool") && !exists(ZP_SYSFS),
	      "unload zeropool: gone with its tree");
	rc = run("unload zeropool");
	check(rc == 1 && has("zeropool: not loaded"), "unload again: not loaded");
	rc = run("status --json");
	check(rc == 0 && jck_valid(out) && has("\"stats\": null"),
	      "status --json with nothing loaded: stats null");

	zp_unload_quiet("bte_offload");
	zp_unload_quiet("ptshare");
	zp_unload_quiet("pagesplice");
	zp_unload_quiet("zeropool");
	return tap_done();
}
