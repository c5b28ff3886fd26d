// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of zpctl (TAP): argument parsing, numbers, tables, JSON,
 * the stats tree read from a fake directory, and the command line's exit
 * codes against that fake tree ($ZPCTL is the binary under test).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "metrics.h"
#include "zpctl.h"
#include "test/jsonck.h"

static int t_count, t_failed;

static bool ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - test_zpctl: ", cond ? "ok" : "not ok", ++t_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		t_failed++;
	return cond;
}

static void diag_text(const char *label, const char *text)
{
	const char *p = text, *nl;

	printf("# %s:\n", label);
	while (*p) {
		nl = strchr(p, '\n');
		printf("#   %.*s\n", nl ? (int)(nl - p) : (int)strlen(p), p);
		if (!nl)
			break;
		p = nl + 1;
	}
}

static int parse(const char *line, struct zp_modspec *specs, char *err)
{
	char *copy = zp_xstrdup(line), *words[16], *save, *w;
	int n = 0, ret;

	for (w = strtok_r(copy, " ", &save); w && n < 16;
	     w = strtok_r(NULL, " ", &save))
		words[n++] = w;
	ret = zp_parse_modspecs(n, words, specs, err, 256);
	free(copy);
	return ret;
}

static void test_modspecs(void)
{
	struct zp_modspec s[ZP_NR_MODULES];
	char err[256];
	int n;

	n = parse("zeropool max_pages=100 scrub_order=3 pagesplice", s, err);
	ok(n == 2 && !strcmp(s[0].name, "zeropool") &&
	   !strcmp(s[0].params, "max_pages=100 scrub_order=3") &&
	   !strcmp(s[1].name, "pagesplice") && !s[1].params[0],
	   "modspecs: parameters go to the module named before them");
	n = parse("pagesplice zeropool.max_pages=7", s, err);
	ok(n == 2 && !strcmp(s[1].name, "zeropool") &&
	   !strcmp(s[1].params, "max_pages=7") && !s[0].params[0],
	   "modspecs: MODULE.PARAM=VALUE names its module");
	n = parse("zeropool a=1 zeropool b=2", s, err);
	ok(n == 1 && !strcmp(s[0].params, "a=1 b=2"),
	   "modspecs: a module named twice is merged");
	ok(parse("max_pages=1 zeropool", s, err) < 0 &&
	   strstr(err, "before any module"),
	   "modspecs: a parameter before any module is refused (%s)", err);
	ok(parse("zeropool nosuch", s, err) < 0 && strstr(err, "unknown module"),
	   "modspecs: an unknown module is refused (%s)", err);
	ok(parse("zeropool =3", s, err) < 0, "modspecs: '=3' is refused");
	ok(parse("nosuch.x=1", s, err) < 0, "modspecs: 'nosuch.x=1' is refused");
	ok(parse("", s, err) == 0, "modspecs: nothing gives no module");
	ok(parse("zeropool msg=a,b", s, err) == 1 &&
	   !strcmp(s[0].params, "msg=a,b"), "modspecs: values are kept as given");

	n = parse("bte_offload ptshare zeropool pagesplice", s, err);
	zp_sort_modspecs(s, n, false);
	ok(n == 4 && !strcmp(s[0].name, "zeropool") &&
	   !strcmp(s[1].name, "pagesplice") && !strcmp(s[2].name, "ptshare") &&
	   !strcmp(s[3].name, "bte_offload"), "modspecs: load order, zeropool first");
	zp_sort_modspecs(s, n, true);
	ok(!strcmp(s[0].name, "bte_offload") && !strcmp(s[3].name, "zeropool"),
	   "modspecs: unload order, zeropool last");
}

static void test_numbers(void)
{
	double v[] = { 5, 1, 3 }, w[] = { 4, 1, 3, 2 }, sec;
	uint64_t u;
	int64_t d;
	char buf[32];
	int i;

	ok(zp_is_int("0") && zp_is_int("18446744073709551615") &&
	   zp_is_int("-3") && !zp_is_int("") && !zp_is_int("1.5") &&
	   !zp_is_int("0.1.0") && !zp_is_int("-") && !zp_is_int("12a"),
	   "is_int: integers only");
	ok(!zp_parse_u64("18446744073709551615", &u) && u == UINT64_MAX,
	   "parse_u64: the largest u64");
	ok(zp_parse_u64("18446744073709551616", &u) &&
	   zp_parse_u64("-1", &u) && zp_parse_u64("1x", &u) &&
	   zp_parse_u64("", &u), "parse_u64: overflow, sign, junk refused");
	ok(!zp_parse_int("5", 1, 10, &i) && i == 5 &&
	   zp_parse_int("0", 1, 10, &i) && zp_parse_int("11", 1, 10, &i) &&
	   zp_parse_int("2x", 1, 10, &i), "parse_int: bounds and junk");
	ok(!zp_parse_seconds("0.5", &sec) && sec == 0.5 &&
	   zp_parse_seconds("0", &sec) && zp_parse_seconds("nan", &sec) &&
	   zp_parse_seconds("1s", &sec), "parse_seconds: 0.01..86400 only");
	ok(zp_median(v, 3) == 3 && zp_median(w, 4) == 2.5 &&
	   zp_median(v, 0) == 0, "median: odd, even, empty");
	ok(zp_min(w, 4) == 1 && zp_max(w, 4) == 4, "min and max");
	ok(zp_snap_delta("10", "25", &d) && d == 15 &&
	   !zp_snap_delta("cpu", "nt", &d) && !zp_snap_delta(NULL, "1", &d),
	   "snap_delta: integers only");
	zp_fmt_num(buf, sizeof(buf), 12);
	ok(!strcmp(buf, "12"), "fmt_num: integer stays integer (%s)", buf);
	zp_fmt_num(buf, sizeof(buf), 0.0123456);
	ok(!strcmp(buf, "0.0123"), "fmt_num: small value keeps digits (%s)", buf);
	zp_fmt_num(buf, sizeof(buf), 1234.56);
	ok(!strcmp(buf, "1234.6"), "fmt_num: large value (%s)", buf);
}

static char *capture_table(struct zp_table *t, const char *indent)
{
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	zp_table_print(t, f, indent);
	fclose(f);
	return text;
}

static void test_table(void)
{
	struct zp_table *t = zp_table_new(3, "file", "value", "mode");
	const char *want =
		"  file        value  mode\n"
		"  hits           12  ro\n"
		"  max_pages  123456  rw\n"
		"  x               -  ro\n";
	char *text;

	zp_table_row(t);
	zp_table_cell(t, "hits");
	zp_table_cell(t, "%d", 12);
	zp_table_cell(t, "ro");
	zp_table_row(t);
	zp_table_cell(t, "max_pages");
	zp_table_cell(t, "123456");
	zp_table_cell(t, "rw");
	zp_table_row(t);
	zp_table_cell(t, "x");
	zp_table_cell(t, "-");
	zp_table_cell(t, "ro");
	zp_table_cell(t, "extra cell dropped");
	text = capture_table(t, "  ");
	if (!ok(!strcmp(text, want), "table: numbers right-aligned, text left"))
		diag_text("got", text);
	ok(zp_table_rows(t) == 3, "table: three body rows");
	free(text);
	zp_table_free(t);

	/* ab's outlier marks: the digits stay aligned */
	t = zp_table_new(2, "v", "w");
	zp_table_row(t);
	zp_table_cell(t, "1.5 ");
	zp_table_cell(t, "x");
	zp_table_row(t);
	zp_table_cell(t, "12.25*");
	zp_table_cell(t, "y");
	text = capture_table(t, "");
	ok(!strcmp(text, "     v  w\n  1.5   x\n12.25*  y\n"),
	   "table: numbers flagged with a mark stay numbers, right-aligned");
	free(text);
	zp_table_free(t);

	t = zp_table_new(2, "k", "v");
	zp_table_row(t);
	zp_table_cell(t, "method");
	zp_table_cell(t, "nt");
	zp_table_row(t);
	zp_table_cell(t, "pages");
	zp_table_cell(t, "4");
	text = capture_table(t, "");
	if (!ok(!strcmp(text, "k       v\nmethod  nt\npages   4\n"),
		"table: a column with text is left-aligned, no trailing blanks"))
		diag_text("got", text);
	free(text);
	zp_table_free(t);

	t = zp_table_new(2, "a", "b");
	text = capture_table(t, "");
	ok(!strcmp(text, "a  b\n"), "table: header only");
	free(text);
	zp_table_free(t);
}

static void test_json(void)
{
	const char *want =
		"{\n"
		"  \"n\": 42,\n"
		"  \"s\": \"a\\\"b\\\\c\\nd\\u0001\",\n"
		"  \"big\": 18446744073709551615,\n"
		"  \"ver\": \"0.1.0\",\n"
		"  \"lead\": \"007\",\n"
		"  \"none\": null,\n"
		"  \"d\": 0.5,\n"
		"  \"empty\": {\n"
		"  },\n"
		"  \"list\": [\n"
		"    true,\n"
		"    -3\n"
		"  ]\n"
		"}\n";
	char *text = NULL, val[64];
	struct zp_json j;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	zp_json_init(&j, f);
	zp_json_obj(&j, NULL);
	zp_json_auto(&j, "n", "42");
	zp_json_auto(&j, "s", "a\"b\\c\nd\001");
	zp_json_auto(&j, "big", "18446744073709551615");
	zp_json_auto(&j, "ver", "0.1.0");
	zp_json_auto(&j, "lead", "007");
	zp_json_auto(&j, "none", NULL);
	zp_json_double(&j, "d", 0.5);
	zp_json_obj(&j, "empty");
	zp_json_end_obj(&j);
	zp_json_arr(&j, "list");
	zp_json_bool(&j, NULL, true);
	zp_json_auto(&j, NULL, "-3");
	zp_json_end_arr(&j);
	zp_json_end_obj(&j);
	zp_json_done(&j);
	fclose(f);
	if (!ok(!strcmp(text, want), "json: writer output, escapes and types"))
		diag_text("got", text);
	ok(jck_valid(text), "json: the output parses");
	ok(jck_get(text, "big", val, sizeof(val)) &&
	   !strcmp(val, "18446744073709551615"), "json: u64 kept exact");
	ok(jck_get(text, "ver", val, sizeof(val)) && !strcmp(val, "0.1.0"),
	   "json: a version is a string");
	ok(!jck_get(text, "missing", val, sizeof(val)), "json: absent key");
	ok(!jck_valid("\"\xff\"") && !jck_valid("\"\xc0\xaf\"") &&
	   jck_valid("\"\xc3\xa9\""), "json: the checker wants UTF-8");
	ok(!jck_valid("{\"a\": 1,}") && !jck_valid("{\"a\" 1}") &&
	   !jck_valid("[01]") && !jck_valid("{} x") && jck_valid(" [1, -2.5e3] "),
	   "json: the checker refuses bad JSON");
	free(text);
	text = zp_utf8_clean("ok\xc0\xaf" "x\xed\xa0\x80" "y\xf0\x9f\x98\x80");
	ok(!strcmp(text, "ok\xef\xbf\xbd\xef\xbf\xbd" "x\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
		   "y\xf0\x9f\x98\x80"),
	   "utf8: overlong and surrogate bytes replaced, a 4-byte character kept");
	free(text);
}

static bool near(double x, double want, double tol)
{
	return fabs(x - want) <= tol;
}

/* Fixed inputs, expected values worked out by hand (and with Python). */
static void test_stats(void)
{
	static const double v1[] = { 10, 12, 11, 13, 9 };
	static const double v2[] = { 10, 10, 11, 10, 11, 10, 30 };
	static const double a3[] = { 10, 10.2, 9.8, 10.1, 9.9 };
	static const double b3[] = { 8, 8.1, 7.9, 8.05, 7.95 };
	static const double a4[] = { 10, 12, 8, 11, 9 };
	static const double b4[] = { 10.5, 11.5, 9, 10, 10 };
	static const double zero[] = { 0, 0, 0 };
	struct zp_summary s, a, b;
	struct zp_ratio r;
	bool out[7];

	ok(near(zp_t975(1), 12.706, 1e-9) && near(zp_t975(6.7), 2.447, 1e-9) &&
	   near(zp_t975(40), 2.021, 0.001) && near(zp_t975(1000), 1.962, 0.001) &&
	   isnan(zp_t975(0)), "stats: Student t quantiles (table, Welch df rounded down, expansion)");
	zp_summarize(v1, 5, &s, out);
	ok(s.n == 5 && s.median == 11 && s.mean == 11 && s.q1 == 10 &&
	   s.q3 == 12 && near(s.sd, sqrt(2.5), 1e-12) &&
	   near(s.ci_lo, 11 - 2.776 * sqrt(2.5) / sqrt(5), 1e-9) &&
	   near(s.ci_hi, 11 + 2.776 * sqrt(2.5) / sqrt(5), 1e-9) && !s.outliers,
	   "stats: median, mean, sd and 95%% interval of 5 values");
	zp_summarize(v2, 7, &s, out);
	ok(s.outliers == 1 && out[6] && !out[0] && s.median == 10,
	   "stats: Tukey's fences flag the one far run (30 of 10s and 11s)");
	zp_summarize(v1, 1, &s, NULL);
	ok(isnan(s.ci_lo) && isnan(s.sd) && s.mean == 10,
	   "stats: one run has a mean and no interval");

	zp_summarize(a3, 5, &a, NULL);
	zp_summarize(b3, 5, &b, NULL);
	zp_compare(&a, &b, &r);
	ok(near(r.value, 0.8, 1e-12) && near(r.lo, 0.78384, 1e-4) &&
	   near(r.hi, 0.81649, 1e-4) && r.verdict == ZP_V_LOWER && !r.noisy,
	   "stats: B/A 0.8 [0.784, 0.816], B lower (significant)");
	zp_compare(&b, &a, &r);
	ok(r.verdict == ZP_V_HIGHER, "stats: the other way round, B higher");
	zp_summarize(a4, 5, &a, NULL);
	zp_summarize(b4, 5, &b, NULL);
	zp_compare(&a, &b, &r);
	ok(r.verdict == ZP_V_SAME && r.lo < 1 && r.hi > 1 && r.noisy &&
	   !strcmp(zp_verdict_text(&r), "no significant difference"),
	   "stats: an interval spanning 1.0 is no significant difference, and runs varying more than the effect are noisy");
	zp_summarize(zero, 3, &a, NULL);
	zp_compare(&a, &b, &r);
	ok(r.verdict == ZP_V_UNDEFINED && isnan(r.value),
	   "stats: no ratio over a zero A");
	zp_summarize(a3, 1, &a, NULL);
	zp_summarize(b3, 1, &b, NULL);
	zp_compare(&a, &b, &r);
	ok(r.verdict == ZP_V_FEW && near(r.value, 0.8, 1e-12) && isnan(r.lo),
	   "stats: one run a side gives a ratio and no verdict");
}

static char fake[64];

static void put(const char *rel, const char *val, mode_t mode)
{
	char *path = zp_xasprintf("%s/%s", fake, rel);
	char *dir = zp_xstrdup(path);
	FILE *f;

	*strrchr(dir, '/') = '\0';
	if (strcmp(dir, fake)) {
		char *cmd = zp_xasprintf("mkdir -p '%s'", dir);

		if (system(cmd))
			exit(1);
		free(cmd);
	}
	f = fopen(path, "w");
	if (!f)
		exit(1);
	fprintf(f, "%s\n", val);
	fclose(f);
	chmod(path, mode);
	free(path);
	free(dir);
}

/* Removes a fake file and its directory when that is left empty. */
static void unlink_fake(const char *rel)
{
	char *path = zp_xasprintf("%s/%s", fake, rel);

	unlink(path);
	*strrchr(path, '/') = '\0';
	rmdir(path);
	free(path);
}

/* The first byte of a fake file (a write does not truncate it), or -1. */
static int fake_first_byte(const char *rel)
{
	char *path = zp_xasprintf("%s/%s", fake, rel);
	FILE *f = fopen(path, "r");
	int c = f ? fgetc(f) : -1;

	if (f)
		fclose(f);
	free(path);
	return c;
}

static void make_fake_tree(void)
{
	snprintf(fake, sizeof(fake), "/tmp/zpctl-test.XXXXXX");
	if (!mkdtemp(fake))
		exit(1);
	put("sys/version", "0.1.0", 0444);
	put("sys/pool/max_pages", "1000", 0644);
	put("sys/pool/hits", "12", 0444);
	put("sys/pool/read_fault", "alloc", 0644);
	put("sys/scrub/blocks/order10", "1", 0444);
	put("sys/scrub/blocks/order9", "3", 0444);
	put("sys/scrub/blocks/order2", "0", 0444);
	put("mod/zeropool/initstate", "live", 0444);
	put("mod/zeropool/version", "0.1.0", 0444);
	put("mod/zeropool/refcnt", "1", 0444);
	put("mod/pagesplice/holders/.keep", "", 0444);
	/* this kernel has module support (the host running the test may not) */
	put("proc/modules", "", 0444);
}

static void test_tree(void)
{
	char *root = zp_xasprintf("%s/sys", fake);
	struct zp_dir dir, *blocks;
	struct zp_snap s;
	char *text = NULL, val[64];
	struct zp_json j;
	size_t len;
	FILE *f;

	ok(zp_tree_read(root, "", &dir) == 0, "tree: read the fake tree");
	ok(dir.nfiles == 1 && dir.nsubs == 2 &&
	   !strcmp(dir.subs[0].name, "pool") &&
	   !strcmp(dir.subs[1].name, "scrub"), "tree: root has version, pool/, scrub/");
	blocks = &dir.subs[1].subs[0];
	ok(!strcmp(blocks->rel, "scrub/blocks") && blocks->nfiles == 3 &&
	   !strcmp(blocks->files[0].name, "order2") &&
	   !strcmp(blocks->files[1].name, "order9") &&
	   !strcmp(blocks->files[2].name, "order10"),
	   "tree: names in version order (order2, order9, order10)");
	ok(dir.subs[0].files[1].writable && !dir.subs[0].files[0].writable,
	   "tree: tunables are writable, counters not");

	zp_snap_from_tree(&dir, &s);
	ok(s.n == 7 && zp_snap_get(&s, "pool/hits") &&
	   !strcmp(zp_snap_get(&s, "pool/hits"), "12") &&
	   !zp_snap_get(&s, "pool/nope"), "snapshot: flat paths and values");
	zp_snap_free(&s);

	f = open_memstream(&text, &len);
	zp_json_init(&j, f);
	zp_tree_json(&dir, &j, NULL);
	zp_json_done(&j);
	fclose(f);
	ok(jck_valid(text), "tree json: valid");
	ok(jck_get(text, "pool.max_pages", val, sizeof(val)) &&
	   !strcmp(val, "1000") && strstr(text, "\"max_pages\": 1000"),
	   "tree json: numbers as numbers");
	ok(jck_get(text, "pool.read_fault", val, sizeof(val)) &&
	   strstr(text, "\"read_fault\": \"alloc\""), "tree json: text as strings");
	ok(jck_get(text, "scrub.blocks.order10", val, sizeof(val)) &&
	   !strcmp(val, "1"), "tree json: nested directories");
	free(text);

	text = NULL;
	f = open_memstream(&text, &len);
	zp_tree_print(&dir, f);
	fclose(f);
	ok(strstr(text, "/pool/\n  file        mode  value\n  hits        ro    12\n") != NULL,
	   "tree print: one aligned table per directory");
	free(text);
	zp_tree_free(&dir);
	ok(zp_tree_read("/nonexistent/zp", "", &dir) == -ENOENT,
	   "tree: absent root gives ENOENT");
	zp_tree_free(&dir);
	free(root);
}

static void test_ab_parts(void)
{
	char sides[32], *root = zp_xasprintf("%s/sys", fake);
	char *proc = zp_xasprintf("%s/proc", fake);
	const char *saved = zp_sysfs_root;
	char *sh[] = { "sh", "-c", "[ \"$(readlink /proc/self/fd/0)\" = /dev/null ]", NULL };
	char *sleeper[] = { "sleep", "30", NULL };
	struct zp_kcpu k0, k1;
	struct zp_sample smp;
	bool counted[32];
	double waited;
	int n, i, c;

	n = zp_ab_schedule(5, 1, sides, counted);
	sides[n] = '\0';
	for (c = 0, i = 0; i < n; i++)
		c += counted[i];
	ok(n == 12 && !strcmp(sides, "ABABBAABBAAB") && !counted[0] &&
	   !counted[1] && counted[2] && c == 10,
	   "ab order: a warm-up pair, then A B B A blocks, an odd last pair A B (%s)", sides);

	ok(zp_measure(sh, 1, 0, &smp) == 0 && WIFEXITED(smp.status) &&
	   WEXITSTATUS(smp.status) == 0 && !smp.timed_out,
	   "ab run: COMMAND's stdin is /dev/null");
	ok(zp_measure(sleeper, 1, 0.2, &smp) == 0 && smp.timed_out &&
	   WIFSIGNALED(smp.status) && WTERMSIG(smp.status) == SIGKILL,
	   "ab run: --timeout kills COMMAND and marks the run");
	ok(zp_run_shell("exit 3", 1, 0) < 0 && zp_run_shell("true", 1, 0) == 0,
	   "ab --prepare: a failing CMD is an error");

	zp_proc_root = proc;
	put("proc/stat", "cpu  100 5 20 1000 50 3 2 0 0 0\ncpu0 1 2 3 4", 0444);
	ok(near(zp_system_cpu(), 130.0 / sysconf(_SC_CLK_TCK), 1e-9),
	   "ab run: machine CPU from /proc/stat is user+nice+system+irq+softirq+steal");
	put("proc/10/stat", "10 (zeropool_scrubd/0) S 2 0 0 0 -1 2129984 0 0 0 0 150 50 0 0 39 19 1 0 5 0 0", 0444);
	put("proc/11/stat", "11 (a (weird) comm) S 2 0 0 0 -1 0 0 0 0 0 900 900 0 0 20 0 1 0 5 0 0", 0444);
	zp_kcpu_read(&k0);
	put("proc/10/stat", "10 (zeropool_scrubd/0) S 2 0 0 0 -1 2129984 0 0 0 0 170 80 0 0 39 19 1 0 5 0 0", 0444);
	put("proc/12/stat", "12 (kworker/0:1+bte_offload_chan) I 2 0 0 0 -1 0 0 0 0 0 0 10 0 0 20 0 1 0 5 0 0", 0444);
	zp_kcpu_read(&k1);
	ok(k0.n == 1 && near(zp_kcpu_delta(&k0, &k1), 60.0 / sysconf(_SC_CLK_TCK), 1e-9),
	   "ab run: the pool's threads by name (scrubd, bte_offload workers), their CPU since the run began");
	zp_kcpu_free(&k0);
	zp_kcpu_free(&k1);
	zp_proc_root = "/proc";

	zp_sysfs_root = root;
	ok(zp_pool_wait_filled(0.05, &waited) == -ENOENT,
	   "ab fill: no pool/high_watermark, nothing to wait for");
	put("sys/pool/high_watermark", "100", 0644);
	put("sys/pool/held_pages", "90", 0444);
	put("sys/pool/node0/pages", "60", 0444);
	put("sys/pool/node0/dirty_pages", "30", 0444);
	ok(zp_pool_filled() == 0 && zp_pool_wait_filled(0.05, &waited) == -ETIMEDOUT,
	   "ab fill: a node below high_watermark times out");
	put("sys/scrub/enabled", "0", 0644);
	ok(zp_pool_wait_filled(5, &waited) == -EAGAIN,
	   "ab fill: with scrub/enabled 0 it says the pool cannot fill");
	unlink_fake("sys/scrub/enabled");
	put("sys/pool/node0/dirty_pages", "40", 0444);
	ok(zp_pool_wait_filled(0.05, &waited) == 0,
	   "ab fill: ready + dirty pages at high_watermark is full (as the scrubber counts)");
	put("sys/pool/node0/dirty_pages", "0", 0444);
	put("sys/pool/max_pages", "60", 0644);
	put("sys/pool/held_pages", "60", 0444);
	ok(zp_pool_filled() == 1, "ab fill: a pool at max_pages is as full as it gets");
	put("sys/pool/max_pages", "1000", 0644);
	put("sys/pool/held_pages", "60", 0444);
	unlink_fake("sys/pool/high_watermark");
	unlink_fake("sys/pool/held_pages");
	unlink_fake("sys/pool/node0/pages");
	unlink_fake("sys/pool/node0/dirty_pages");
	zp_sysfs_root = saved;
	free(root);
	free(proc);
}

/* Names of the metrics table: every documented file gets its own. */
static void test_metric_names(void)
{
	char name[256], labels[256];
	const struct zp_metric_def *d;
	double scale;

	d = zp_metric_find("pool/node12/pages", labels, sizeof(labels));
	zp_metric_name(d, name, sizeof(name), &scale);
	ok(d && !strcmp(name, "zeropool_pool_node_pages") &&
	   !strcmp(labels, "node=\"12\"") && d->kind == ZP_M_GAUGE,
	   "metrics: pool/node12/pages is the gauge zeropool_pool_node_pages{node=\"12\"} (%s)", name);
	d = zp_metric_find("scrub/zero_ns", labels, sizeof(labels));
	zp_metric_name(d, name, sizeof(name), &scale);
	ok(d && !strcmp(name, "zeropool_scrub_zero_seconds_total") && scale == 1e-9 &&
	   !labels[0], "metrics: ns counters become _seconds_total (%s)", name);
	d = zp_metric_find("scrub/blocks/order9", labels, sizeof(labels));
	zp_metric_name(d, name, sizeof(name), &scale);
	ok(d && !strcmp(name, "zeropool_scrub_blocks_total") &&
	   !strcmp(labels, "order=\"9\""), "metrics: order<K> is a label (%s)", name);
	d = zp_metric_find("users/1000/dev_pages", labels, sizeof(labels));
	zp_metric_name(d, name, sizeof(name), &scale);
	ok(d && !strcmp(name, "zeropool_users_dev_pages") &&
	   !strcmp(labels, "uid=\"1000\""), "metrics: users/<uid> is a label (%s)", name);
	d = zp_metric_find("ptshare/min_rss", labels, sizeof(labels));
	zp_metric_name(d, name, sizeof(name), &scale);
	ok(d && d->kind == ZP_M_TUNABLE && scale == 1024 &&
	   !strcmp(name, "zeropool_ptshare_min_rss_bytes"),
	   "metrics: a KiB tunable is a gauge in _bytes (%s)", name);
	d = zp_metric_find("pool/hits", NULL, 0);
	ok(d && d->kind == ZP_M_COUNTER, "metrics: pool/hits is a counter");
	d = zp_metric_find("pool/held_pages", NULL, 0);
	ok(d && d->kind == ZP_M_GAUGE, "metrics: pool/held_pages is a gauge");
	ok(!zp_metric_find("pool/nosuch", NULL, 0) &&
	   !zp_metric_find("users/x1/dev_pages", NULL, 0),
	   "metrics: undocumented paths are not in the table");
}

/* A fake tree holding every documented file, for metrics and promtool. */
static char *make_full_tree(void)
{
	char *root = zp_xasprintf("%s/full", fake);
	int i;

	for (i = 0; i < zp_nr_metric_defs; i++) {
		const struct zp_metric_def *d = &zp_metric_defs[i];
		char path[512], *o = path;
		const char *p;

		o += sprintf(o, "full/sys/");
		for (p = d->path; *p; p++) {
			if (!strncmp(p, "<N>", 3) || !strncmp(p, "<K>", 3)) {
				*o++ = '1';
				p += 2;
			} else if (!strncmp(p, "<uid>", 5)) {
				o += sprintf(o, "1000");
				p += 4;
			} else {
				*o++ = *p;
			}
		}
		*o = '\0';
		put(path + 0, d->kind == ZP_M_TEXT ? "some \"text\"\\ \xff" : "123456789",
		    d->kind == ZP_M_TUNABLE || d->kind == ZP_M_TEXT ? 0644 : 0444);
	}
	put("full/debug/ptshare/hist_fork_ns",
	    "# total fork time (fork-level probe), 5 forks\n"
	    "                      ns : count      distribution\n"
	    "       512 -> 1023       : 1          |**    |\n"
	    "      1024 -> 2047       : 4          |******|", 0444);
	put("full/mod/zeropool/initstate", "live", 0444);
	return root;
}

static int count_lines(const char *text, const char *prefix)
{
	const char *p = text;
	int n = 0;

	for (; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, prefix, strlen(prefix)))
			n++;
	return n;
}

static void test_metrics_cli(void)
{
	char *root = make_full_tree(), *cmd, *out = NULL, *file;
	size_t cap = 0;
	FILE *p;
	int rc;

	cmd = zp_xasprintf("ZPCTL_SYSFS=%s/sys ZPCTL_SYSMODULE=%s/mod ZPCTL_DEBUGFS=%s/debug ZPCTL_PROC=%s/proc %s metrics",
			   root, root, root, fake, getenv("ZPCTL"));
	p = popen(cmd, "r");
	if (!p)
		exit(1);
	rc = getdelim(&out, &cap, '\0', p) < 0;
	rc |= pclose(p);
	free(cmd);
	ok(!rc && out, "metrics: runs on a tree of every documented file");
	if (!out)
		out = zp_xstrdup("");
	ok(count_lines(out, "# TYPE ") == count_lines(out, "# HELP ") &&
	   count_lines(out, "# TYPE ") == zp_nr_metric_defs + 2,
	   "metrics: one HELP and TYPE per family, one family per documented file (no two share a name) plus module_loaded and the fork histogram (%d for %d files)",
	   count_lines(out, "# TYPE "), zp_nr_metric_defs);
	ok(strstr(out, "zeropool_scrub_zero_seconds_total 0.123456789\n") &&
	   strstr(out, "zeropool_pool_node_pages{node=\"1\"} 123456789\n") &&
	   strstr(out, "zeropool_module_loaded{module=\"zeropool\"} 1\n") &&
	   strstr(out, "zeropool_version_info{value=\"some \\\"text\\\"\\\\ \xef\xbf\xbd\"} 1\n"),
	   "metrics: scaled counters, labels, module gauges, text as escaped UTF-8 labels");
	ok(strstr(out, "# TYPE zeropool_ptshare_fork_duration_seconds histogram\n"
		       "zeropool_ptshare_fork_duration_seconds_bucket{le=\"1.023e-06\"} 1\n"
		       "zeropool_ptshare_fork_duration_seconds_bucket{le=\"2.047e-06\"} 5\n"
		       "zeropool_ptshare_fork_duration_seconds_bucket{le=\"+Inf\"} 5\n"
		       "zeropool_ptshare_fork_duration_seconds_sum 0.123456789\n"
		       "zeropool_ptshare_fork_duration_seconds_count 5\n"),
	   "metrics: ptshare's log2 fork-time histogram as a cumulative histogram in seconds");
	free(out);

	/* promtool (Debian's prometheus package) is the judge of the format */
	cmd = zp_xasprintf("command -v promtool >/dev/null || { echo 'promtool missing: install prometheus (scripts/setup)'; exit 1; }; "
			   "ZPCTL_SYSFS=%s/sys ZPCTL_SYSMODULE=%s/mod ZPCTL_DEBUGFS=%s/debug ZPCTL_PROC=%s/proc %s metrics | promtool check metrics",
			   root, root, root, fake, getenv("ZPCTL"));
	rc = system(cmd);
	ok(rc == 0, "metrics: promtool check metrics finds nothing to say");
	free(cmd);
	cmd = zp_xasprintf("ZPCTL_SYSFS=/nonexistent ZPCTL_SYSMODULE=/nonexistent ZPCTL_PROC=%s/proc %s metrics | promtool check metrics",
			   fake, getenv("ZPCTL"));
	ok(system(cmd) == 0, "metrics: nothing loaded is still clean exposition");
	free(cmd);
	file = zp_xasprintf("%s/out.prom", root);
	cmd = zp_xasprintf("ZPCTL_PROC=%s/proc ZPCTL_SYSFS=%s/sys %s metrics -o %s && grep -q '^zeropool_pool_pages 123456789$' %s && ! ls %s.tmp.* 2>/dev/null",
			   fake, root, getenv("ZPCTL"), file, file, file);
	ok(system(cmd) == 0, "metrics -o FILE: written whole, no temporary left");
	free(cmd);
	free(file);
	free(root);
}

/* More environment for run(): the fake /proc can be replaced */
static const char *run_env = "";

/* Runs the zpctl binary; returns its exit code, output in *out. */
static int run(char **out, const char *fmt, ...)
{
	char *args, *cmd, *text = NULL;
	size_t cap = 0, len = 0;
	va_list ap;
	FILE *p;
	int st;

	va_start(ap, fmt);
	if (vasprintf(&args, fmt, ap) < 0)
		exit(1);
	va_end(ap);
	cmd = zp_xasprintf("ZPCTL_SYSFS=%s/sys ZPCTL_SYSMODULE=%s/mod ZPCTL_DEBUGFS=%s/debug ZPCTL_PROC=%s/proc %s %s %s 2>&1",
			   fake, fake, fake, fake, run_env, getenv("ZPCTL"), args);
	p = popen(cmd, "r");
	if (!p)
		exit(1);
	for (;;) {
		if (len + 4096 > cap) {
			cap = cap * 2 + 8192;
			text = zp_xrealloc(text, cap);
		}
		size_t n = fread(text + len, 1, cap - len - 1, p);

		if (!n)
			break;
		len += n;
	}
	text[len] = '\0';
	st = pclose(p);
	free(cmd);
	free(args);
	if (out)
		*out = text;
	else
		free(text);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * load of installed modules goes modprobe's way: a fake DKMS install
 * (depmod over a copy of a build tree) and a fake modprobe.d, dry run.
 */
static void test_load_installed(void)
{
	const char *top = getenv("ZPCTL_TOP");
	char *cmd, *out, val[256], *base = zp_xasprintf("%s/lib/modules/9.9.9", fake);
	int rc;

	cmd = zp_xasprintf("set -e; b=$(ls -d %s/build/*/zeropool 2>/dev/null | head -1); b=${b%%/zeropool}; "
			   "test -f \"$b/zeropool/zeropool.ko\"; d=%s/updates/dkms; mkdir -p $d; "
			   "for m in zeropool_core zeropool pagesplice ptshare bte_offload; do cp $b/$m/$m.ko $d/; done; "
			   "depmod -b %s 9.9.9 2>/dev/null && printf 'options zeropool max_pages=77\\nblacklist ptshare\\nsoftdep pagesplice pre: bte_offload\\n' >%s/modprobe.conf",
			   top ? top : "/nonexistent", base, fake, fake);
	if (!top || system(cmd)) {
		printf("ok %d - test_zpctl: load installed # SKIP no built modules (make kernels) or no depmod\n",
		       ++t_count);
		free(cmd);
		free(base);
		return;
	}
	free(cmd);
	/* nothing loaded (the fake /sys/module has zeropool) */
	cmd = zp_xasprintf("ZPCTL_SYSMODULE=%s/nomod ZPCTL_MODULES_DIR=%s ZPCTL_MODPROBE_D=%s/modprobe.conf",
			   fake, base, fake);
	run_env = cmd;
	rc = run(&out, "load --dry-run zeropool scrub_order=3");
	ok(rc == 0 && strstr(out, "would insert zeropool_core ") &&
	   strstr(out, "/updates/dkms/zeropool.ko max_pages=77 scrub_order=3\n") &&
	   !strstr(out, "loaded"),
	   "load --dry-run: an installed module goes modprobe's way, dependency first, modprobe.d options before the given ones");
	if (rc || !strstr(out, "max_pages=77"))
		diag_text("load --dry-run", out);
	free(out);
	rc = run(&out, "load --dry-run pagesplice");
	ok(rc == 0 && strstr(out, "would insert bte_offload ") &&
	   strstr(out, "would insert pagesplice "),
	   "load --dry-run: softdeps of modprobe.d are honoured");
	free(out);
	rc = run(&out, "load --dry-run ptshare");
	ok(rc == 1 && strstr(out, "blacklisted in modprobe.d") && !strstr(out, "would insert ptshare"),
	   "load: a module blacklisted in modprobe.d is refused, exit 1");
	free(out);
	run_env = zp_xasprintf("ZPCTL_SYSMODULE=%s/nomod ZPCTL_MODULES_DIR=%s ZPCTL_MODPROBE_D=/dev/null",
			       fake, base);
	rc = run(&out, "load --dry-run ptshare");
	ok(rc == 0 && strstr(out, "would insert ptshare ") &&
	   strstr(out, "would insert zeropool_core ") &&
	   !strstr(out, "would insert zeropool "),
	   "load: ptshare alone needs zeropool_core, not the pool (zeropool.ko)");
	if (!strstr(out, "would insert ptshare "))
		diag_text("load --dry-run ptshare", out);
	free(out);
	free((char *)run_env);
	run_env = cmd;
	rc = run(&out, "load --dry-run --from /nonexistent zeropool");
	ok(rc == 1 && strstr(out, "module not found"), "load --dry-run --from: a missing file is still an error");
	free(out);

	/* status: the loaded zeropool is the installed file, or another */
	free(cmd);
	cmd = zp_xasprintf("s=$(modinfo -F srcversion %s/updates/dkms/zeropool.ko) && mkdir -p %s/nomod/zeropool && "
			   "echo live >%s/nomod/zeropool/initstate && echo $s >%s/nomod/zeropool/srcversion && "
			   "echo OE >%s/nomod/zeropool/taint", base, fake, fake, fake, fake);
	rc = system(cmd);
	free(cmd);
	cmd = zp_xasprintf("ZPCTL_SYSMODULE=%s/nomod ZPCTL_MODULES_DIR=%s", fake, base);
	run_env = cmd;
	rc = rc ? rc : run(&out, "status --json");
	ok(rc == 0 && jck_get(out, "modules.zeropool.source", val, sizeof(val)) &&
	   !strcmp(val, "installed") && jck_get(out, "modules.zeropool.taint", val, sizeof(val)) &&
	   !strcmp(val, "OE") && jck_get(out, "modules.zeropool.installed_path", val, sizeof(val)) &&
	   strstr(val, "/updates/dkms/zeropool.ko"),
	   "status --json: taint, and the installed module as the source when its srcversion is the loaded one's");
	free(out);
	put("nomod/zeropool/srcversion", "0123456789ABCDEF", 0444);
	rc = run(&out, "status");
	ok(rc == 0 && strstr(out, "0123456789ABCDEF  other file ") && strstr(out, "OE"),
	   "status: taint, srcversion, and 'other file' when the loaded module is not the installed one");
	if (rc || !strstr(out, "other file"))
		diag_text("status", out);
	free(out);
	run_env = "";
	free(cmd);
	free(base);
}

/* Some existing cgroup directory (`run --cgroup` only stats it), or NULL. */
static char *some_cgroup(void)
{
	DIR *d = opendir("/sys/fs/cgroup");
	struct dirent *e;
	char *name = NULL;

	while (d && !name && (e = readdir(d)))
		if (e->d_type == DT_DIR && e->d_name[0] != '.')
			name = zp_xstrdup(e->d_name);
	if (d)
		closedir(d);
	return name;
}

/*
 * run: when the mode cannot be switched (EBUSY from another IPMODIFY
 * user; here a write to /dev/full fails), the cgroup it wrote first is
 * put back as it was.
 */
static void test_run_restores(void)
{
	char *cg = some_cgroup(), *path;
	int rc;

	if (!cg) {
		printf("ok %d - test_zpctl: run restores transparent_cgroup # SKIP no cgroup directory\n",
		       ++t_count);
		return;
	}
	put("sys/pool/transparent_cgroup", "", 0644);
	path = zp_xasprintf("%s/sys/pool/transparent", fake);
	unlink(path);
	if (symlink("/dev/full", path))
		exit(1);
	rc = run(NULL, "run -q --cgroup %s -- true", cg);
	ok(rc == 1 && fake_first_byte("sys/pool/transparent_cgroup") == '\n',
	   "run: a mode that cannot be set fails (1, got %d) and leaves transparent_cgroup as it was",
	   rc);
	unlink(path);
	unlink_fake("sys/pool/transparent_cgroup");
	free(path);
	free(cg);
}

static void test_cli(void)
{
	char *out, val[64];
	int rc;

	if (!getenv("ZPCTL")) {
		printf("ok %d - test_zpctl: command line # SKIP $ZPCTL not set\n",
		       ++t_count);
		return;
	}
	ok(run(NULL, "") == 2, "cli: no command is a usage error (2)");
	ok(run(NULL, "--help") == 0, "cli: --help exits 0");
	ok(run(NULL, "frobnicate") == 2, "cli: unknown command exits 2");
	test_run_restores();
	ok(run(NULL, "--version") == 0, "cli: --version exits 0");
	ok(run(NULL, "help ab") == 0, "cli: help COMMAND exits 0");
	rc = run(&out, "status --bogus");
	ok(rc == 2 && strstr(out, "Try 'zpctl status --help'"),
	   "cli: bad option exits 2 with a pointer to --help");
	free(out);
	ok(run(NULL, "set pool/max_pages") == 2, "cli: set without VALUE exits 2");
	ok(run(NULL, "ab --runs 2") == 2, "cli: ab without COMMAND exits 2");
	ok(run(NULL, "ab --runs 0 -- true") == 2, "cli: ab --runs 0 exits 2");
	ok(run(NULL, "ab --warmup 101 -- true") == 2 &&
	   run(NULL, "ab --timeout 0 -- true") == 2 &&
	   run(NULL, "ab --fill-timeout x -- true") == 2,
	   "cli: ab --warmup, --timeout, --fill-timeout out of range exit 2");
	ok(run(NULL, "load nosuch") == 2, "cli: load of an unknown module exits 2");
	ok(run(NULL, "unload zeropool max_pages=1") == 2,
	   "cli: unload with parameters exits 2");
	ok(run(NULL, "watch -i 0") == 2, "cli: watch -i 0 exits 2");
	for (rc = 0; rc < 9; rc++) {
		const char *cmds[] = { "load", "unload", "status", "watch",
				       "set", "ab", "forks", "bench",
				       "metrics" };
		char *o;

		if (run(&o, "%s --help", cmds[rc]) != 0 || !strstr(o, "Usage: zpctl"))
			break;
		free(o);
	}
	ok(rc == 9, "cli: every command has --help");

	for (rc = 0; rc < 9; rc++) {
		const char *cmds[] = { "load", "unload", "status", "watch -n 1",
				       "set pool/max_pages 1", "ab -- true", "forks",
				       "metrics", "bench --list" };
		char *o;
		int r;

		run_env = "ZPCTL_PROC=/nonexistent";
		r = run(&o, "%s", cmds[rc]);
		run_env = "";
		if (r != 1 || !strstr(o, "has no loadable module support (/nonexistent/modules is absent)")) {
			diag_text(cmds[rc], o);
			free(o);
			break;
		}
		free(o);
	}
	ok(rc == 9, "cli: without /proc/modules every command says the kernel has no module support, exit 1");
	rc = run(&out, "status --json");
	ok(rc == 0 && jck_valid(out), "cli: status --json is valid JSON");
	ok(jck_get(out, "modules.zeropool.refcnt", val, sizeof(val)) &&
	   !strcmp(val, "1"), "cli: status --json: refcnt as a number");
	ok(jck_get(out, "modules.pagesplice.loaded", val, sizeof(val)) &&
	   !strcmp(val, "false"), "cli: status --json: pagesplice not loaded");
	ok(jck_get(out, "stats.version", val, sizeof(val)) &&
	   !strcmp(val, "0.1.0"), "cli: status --json: stats.version");
	free(out);
	put("sys/ptshare/filter_comm", "a\xff\xfe\xc3\xa9" "b", 0644);
	rc = run(&out, "status --json");
	ok(rc == 0 && jck_valid(out),
	   "cli: status --json stays valid UTF-8 with a filter_comm of bytes 0xff 0xfe");
	ok(jck_get(out, "stats.ptshare.filter_comm", val, sizeof(val)) &&
	   !strcmp(val, "a\xef\xbf\xbd\xef\xbf\xbd\xc3\xa9" "b"),
	   "cli: status --json: each invalid byte becomes U+FFFD, valid UTF-8 is kept");
	free(out);
	unlink_fake("sys/ptshare/filter_comm");
	rc = run(&out, "status");
	ok(rc == 0 && strstr(out, "zeropool     live        0.1.0         1  -") &&
	   strstr(out, "taint  srcversion  source"),
	   "cli: status table of modules, with taint, srcversion and source");
	free(out);

	rc = run(&out, "set pool.max_pages 2000");
	ok(rc == 0 && strstr(out, "pool/max_pages: 1000 -> 2000"),
	   "cli: set writes a tunable and shows old -> new");
	free(out);
	rc = run(&out, "set pool.max_pages ''");
	ok(rc == 0 && fake_first_byte("sys/pool/max_pages") == '\n',
	   "cli: set PATH '' writes an empty line (sysfs ignores an empty write)");
	free(out);
	rc = run(&out, "set pool.max_pages 2000");
	free(out);
	rc = run(&out, "set pool/hits 5");
	ok(rc == 1 && strstr(out, "read-only"), "cli: set of a counter exits 1");
	free(out);
	rc = run(&out, "set pool/nope 5");
	ok(rc == 1 && strstr(out, "no such file"), "cli: set of a missing file exits 1");
	free(out);
	put("sys/pool/pages", "100", 0444);
	rc = run(&out, "watch -n 2 -i 0.05");
	ok(rc == 0 && strstr(out, "per_s"), "cli: watch -n 2 shows rates");
	ok(strstr(out, "hits        counter    0.0  12") &&
	   strstr(out, "pages       gauge        -  100") &&
	   strstr(out, "max_pages   tunable      -  2000"),
	   "cli: watch: a rate for counters only (kinds from the ABI docs), values for gauges");
	if (!strstr(out, "hits        counter    0.0"))
		diag_text("watch", out);
	free(out);
	unlink_fake("sys/pool/pages");
	/* the tree goes away and comes back with a counter reset (a reload) */
	rc = run(&out, "watch -n 12 -i 0.1 & (sleep 0.35; mv %s/sys %s/sys.gone; sleep 0.4; "
		 "echo 1 >%s/sys.gone/pool/hits; mv %s/sys.gone %s/sys); wait $!",
		 fake, fake, fake, fake, fake);
	ok(rc == 0 && strstr(out, "waiting for it to come back") &&
	   strstr(strstr(out, "waiting for it to come back"), "hits        counter") &&
	   !strstr(out, "reset"),
	   "cli: watch survives the tree going away and coming back (a reload), rates start over");
	if (rc || !strstr(out, "waiting for it"))
		diag_text("watch reload", out);
	free(out);
	put("sys/pool/hits", "12", 0444);
	rc = run(&out, "watch -n 8 -i 0.1 & (sleep 0.35; echo 1 >%s/sys/pool/hits); wait $!", fake);
	ok(rc == 0 && strstr(out, "hits        counter  reset"),
	   "cli: watch: a counter that went back (reloaded in between) shows reset, not a negative rate");
	put("sys/pool/hits", "12", 0444);
	free(out);
	rc = run(&out, "forks");
	ok(rc == 1 && strstr(out, "ptshare is not loaded"),
	   "cli: forks without ptshare exits 1 and says so");
	free(out);
	put("debug/ptshare/histogram", "bucket count\n1 2\n", 0444);
	put("sys/ptshare/forks", "3", 0444);
	rc = run(&out, "forks");
	ok(rc == 0 && strstr(out, "== histogram\n  bucket count\n  1 2\n") &&
	   strstr(out, "forks"), "cli: forks prints ptshare's files");
	free(out);
	put("debug/ptshare/records",
	    "# records 1..2 dropped 0\n"
	    "seq=1 start_ns=5 pid=42 tgid=42 child=43 fork_ns=150000 dup_ns=1 copy_ns=90000 pgtable_bytes=81920 parent_anon_kb=4096 est_saved_pct=40 end=child_exit comm=my prog\n"
	    "seq=2 start_ns=6 pid=50 tgid=49 child=51 fork_ns=1000 dup_ns=1 copy_ns=500 pgtable_bytes=8192 parent_anon_kb=100 est_saved_pct=0 end=window comm=\xff" "sh", 0444);
	rc = run(&out, "forks --pid 49");
	ok(rc == 0 && strstr(out, "       2      49      50") && !strstr(out, "my prog"),
	   "cli: forks --pid: the records of that process (tgid or pid) only");
	free(out);
	rc = run(&out, "forks --comm 'my prog'");
	ok(rc == 0 && strstr(out, "my prog") && strstr(out, "     150.0") && !strstr(out, "window"),
	   "cli: forks --comm: by name (comm may hold spaces)");
	free(out);
	rc = run(&out, "forks --min-rss 1000");
	ok(rc == 0 && strstr(out, "my prog") && !strstr(out, "window"),
	   "cli: forks --min-rss: parents with at least that much anonymous RSS");
	free(out);
	rc = run(&out, "forks --json --min-rss 0");
	ok(rc == 0 && jck_valid(out) && jck_get(out, "counters.forks", val, sizeof(val)) &&
	   !strcmp(val, "3") && strstr(out, "\"comm\": \"my prog\"") &&
	   strstr(out, "\"pgtable_bytes\": 81920") && strstr(out, "\"comm\": \"\xef\xbf\xbd" "sh\""),
	   "cli: forks --json: counters, records (numbers as numbers, comm as valid UTF-8)");
	free(out);
	rc = run(&out, "forks --follow -i 0.1 -n 1 --json & (sleep 0.4; echo 'seq=3 pid=60 tgid=60 fork_ns=7 parent_anon_kb=9 comm=late' >>%s/debug/ptshare/records); wait $!",
		 fake);
	ok(rc == 0 && strstr(out, "{ \"seq\": 3") && strstr(out, "\"comm\": \"late\"") &&
	   !strstr(out, "\"seq\": 1"),
	   "cli: forks --follow: the records that close after the start, one JSON line each");
	if (rc || !strstr(out, "late"))
		diag_text("forks --follow", out);
	free(out);
	unlink_fake("debug/ptshare/records");
	rc = run(&out, "bench --list");
	ok(rc == 0 || strstr(out, "no benchmark"), "cli: bench --list runs");
	free(out);
	rc = run(&out, "bench nosuchbench");
	ok(rc == 1, "cli: bench of an unknown benchmark exits 1");
	free(out);
}

int main(void)
{
	char *cmd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n# test_zpctl: host unit tests of zpctl\n");
	test_modspecs();
	test_numbers();
	test_table();
	test_json();
	test_stats();
	make_fake_tree();
	test_tree();
	test_ab_parts();
	test_metric_names();
	test_cli();
	if (getenv("ZPCTL")) {
		test_metrics_cli();
		test_load_installed();
	}
	cmd = zp_xasprintf("rm -rf '%s'", fake);
	if (system(cmd))
		t_failed++;
	free(cmd);
	printf("1..%d\n", t_count);
	return t_failed ? 1 : 0;
}
