// SPDX-License-Identifier: GPL-2.0
/*
 * zpctl ab: a command run N times with the modules unloaded (A) and loaded
 * (B), the sides taking turns so that drift in the machine hits both alike.
 * Times and faults come from wait4()'s rusage of the command alone; the
 * counters of the stats tree are read around each B run.  The tables say
 * what was measured, never whether it is better.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zpctl.h"

static const char ab_usage[] =
"Usage: zpctl ab [-r N] [-m MODULE]... [--from DIR] [--csv|--json] [-o]\n"
"                -- COMMAND [ARG...]\n"
"\n"
"Run COMMAND N times with no module of the set loaded (A) and N times with\n"
"the MODULEs loaded (B), interleaved A B A B, and show wall, user and\n"
"system time, minor and major page faults (wait4 rusage) with\n"
"min/median/max per side, the B/A ratio of each pair, and the delta of\n"
"every stats counter that moved during B runs.\n"
"The modules are unloaded and loaded again around every run; their state\n"
"from before is restored at the end.\n"
"\n"
"  -r, --runs N          runs per side (default 5, 1..1000)\n"
"  -m, --module MODULE   module for side B (repeatable; default zeropool);\n"
"                        \"MODULE PARAM=VALUE...\" passes parameters\n"
"  -d, --from DIR        load from a build tree, as in 'zpctl load'\n"
"      --csv             one CSV row per run\n"
"      --json            everything as one JSON object\n"
"  -o, --output          keep COMMAND's standard output (sent to stderr);\n"
"                        by default it goes to /dev/null\n"
"  -h, --help            this text\n"
"\n"
"Exit status: 0, 1 when a module operation failed or COMMAND exited\n"
"non-zero in some run, 2 usage error.\n";

enum { M_WALL, M_USER, M_SYS, M_MINFLT, M_MAJFLT, NR_METRICS };

static const char *const ab_metric[NR_METRICS] = {
	"wall_s", "user_s", "sys_s", "minflt", "majflt",
};

struct ab_run {
	double m[NR_METRICS];
	int status;		/* wait status */
};

struct ab_counter {
	char *path;
	int64_t *delta;		/* per B run */
	bool moved;
};

struct ab {
	int runs;
	char **cmd;
	bool output;
	struct zp_modspec specs[ZP_NR_MODULES];
	int nspecs;
	struct ab_run *a, *b;
	struct ab_counter *ctr;
	int nctr;
};

static int ab_run_cmd(struct ab *ab, struct ab_run *r)
{
	struct rusage ru;
	double t0;
	pid_t pid;
	int fd;

	fflush(stdout);
	fflush(stderr);
	t0 = zp_now();
	pid = fork();
	if (pid < 0) {
		zp_err("fork: %s", strerror(errno));
		return -1;
	}
	if (!pid) {
		if (ab->output) {
			dup2(STDERR_FILENO, STDOUT_FILENO);
		} else {
			fd = open("/dev/null", O_WRONLY);
			if (fd >= 0)
				dup2(fd, STDOUT_FILENO);
		}
		execvp(ab->cmd[0], ab->cmd);
		fprintf(stderr, "%s: ab: cannot run %s: %s\n", zp_prog,
			ab->cmd[0], strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &r->status, 0, &ru) < 0) {
		if (errno != EINTR) {
			zp_err("wait4: %s", strerror(errno));
			return -1;
		}
	}
	r->m[M_WALL] = zp_now() - t0;
	r->m[M_USER] = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6;
	r->m[M_SYS] = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
	r->m[M_MINFLT] = ru.ru_minflt;
	r->m[M_MAJFLT] = ru.ru_majflt;
	return 0;
}

static bool ab_failed(const struct ab_run *r)
{
	return !WIFEXITED(r->status) || WEXITSTATUS(r->status);
}

static void ab_status_text(const struct ab_run *r, char *buf, size_t len)
{
	if (WIFEXITED(r->status))
		snprintf(buf, len, "%d", WEXITSTATUS(r->status));
	else if (WIFSIGNALED(r->status))
		snprintf(buf, len, "sig%d", WTERMSIG(r->status));
	else
		snprintf(buf, len, "?");
}

static struct ab_counter *ab_counter(struct ab *ab, const char *path)
{
	int i;

	for (i = 0; i < ab->nctr; i++)
		if (!strcmp(ab->ctr[i].path, path))
			return &ab->ctr[i];
	ab->ctr = zp_xrealloc(ab->ctr, (ab->nctr + 1) * sizeof(*ab->ctr));
	ab->ctr[ab->nctr].path = zp_xstrdup(path);
	ab->ctr[ab->nctr].delta = zp_xmalloc(ab->runs * sizeof(int64_t));
	ab->ctr[ab->nctr].moved = false;
	return &ab->ctr[ab->nctr++];
}

static void ab_record_counters(struct ab *ab, int run,
			       const struct zp_snap *before,
			       const struct zp_snap *after)
{
	int i;

	for (i = 0; i < after->n; i++) {
		struct ab_counter *c;
		int64_t d;

		if (after->writable[i] ||
		    !zp_snap_delta(zp_snap_get(before, after->path[i]),
				   after->value[i], &d))
			continue;
		c = ab_counter(ab, after->path[i]);
		c->delta[run] = d;
		if (d)
			c->moved = true;
	}
}

/* Side A is the stock kernel: no module of the set at all. */
static int ab_side_a(struct ab *ab, struct zp_kmod *k)
{
	int i;

	for (i = ZP_NR_MODULES - 1; i >= 0; i--)
		if (zp_module_loaded(zp_modules[i]) &&
		    zp_kmod_unload(k, zp_modules[i]))
			return -1;
	return 0;
}

static int ab_side_b(struct ab *ab, struct zp_kmod *k)
{
	int i;

	for (i = 0; i < ab->nspecs; i++)
		if (!zp_module_loaded(ab->specs[i].name) &&
		    zp_kmod_load(k, ab->specs[i].name, ab->specs[i].params))
			return -1;
	return 0;
}

static void ab_values(const struct ab_run *r, int n, int metric, double *out)
{
	int i;

	for (i = 0; i < n; i++)
		out[i] = r[i].m[metric];
}

static double ab_ratio(double b, double a)
{
	return a > 0 ? b / a : NAN;
}

static void ab_cell_num(struct zp_table *t, double v)
{
	char buf[64];

	if (isnan(v)) {
		zp_table_cell(t, "-");
		return;
	}
	zp_fmt_num(buf, sizeof(buf), v);
	zp_table_cell(t, "%s", buf);
}

static void ab_cell_ratio(struct zp_table *t, double v)
{
	if (isnan(v))
		zp_table_cell(t, "-");
	else
		zp_table_cell(t, "%.3f", v);
}

static void ab_modules_text(const struct ab *ab, char *buf, size_t len)
{
	int i;

	buf[0] = '\0';
	for (i = 0; i < ab->nspecs; i++) {
		size_t used = strlen(buf);

		snprintf(buf + used, len - used, "%s%s%s%s%s", i ? ", " : "",
			 ab->specs[i].name, ab->specs[i].params[0] ? " (" : "",
			 ab->specs[i].params,
			 ab->specs[i].params[0] ? ")" : "");
	}
}

static void ab_print_text(struct ab *ab)
{
	double *va = zp_xmalloc(ab->runs * sizeof(double));
	double *vb = zp_xmalloc(ab->runs * sizeof(double));
	char mods[1024], st[16];
	struct zp_table *t;
	int i, m, moved = 0;

	ab_modules_text(ab, mods, sizeof(mods));
	printf("zpctl ab: %d run%s per side, interleaved A B A B\n", ab->runs,
	       ab->runs == 1 ? "" : "s");
	printf("  A: no module of the set loaded\n  B: %s loaded\n  command:", mods);
	for (i = 0; ab->cmd[i]; i++)
		printf(" %s", ab->cmd[i]);
	printf("\n\n");

	t = zp_table_new(8, "metric", "A_min", "A_median", "A_max", "B_min",
			 "B_median", "B_max", "B/A_median");
	for (m = 0; m < NR_METRICS; m++) {
		double ma, mb;

		ab_values(ab->a, ab->runs, m, va);
		ab_values(ab->b, ab->runs, m, vb);
		ma = zp_median(va, ab->runs);
		mb = zp_median(vb, ab->runs);
		zp_table_row(t);
		zp_table_cell(t, "%s", ab_metric[m]);
		ab_cell_num(t, zp_min(va, ab->runs));
		ab_cell_num(t, ma);
		ab_cell_num(t, zp_max(va, ab->runs));
		ab_cell_num(t, zp_min(vb, ab->runs));
		ab_cell_num(t, mb);
		ab_cell_num(t, zp_max(vb, ab->runs));
		ab_cell_ratio(t, ab_ratio(mb, ma));
	}
	zp_table_print(t, stdout, "");
	zp_table_free(t);

	printf("\nB/A, pair by pair\n");
	t = zp_table_new(NR_METRICS + 3, "run", ab_metric[0], ab_metric[1],
			 ab_metric[2], ab_metric[3], ab_metric[4], "A_exit",
			 "B_exit");
	for (i = 0; i < ab->runs; i++) {
		zp_table_row(t);
		zp_table_cell(t, "%d", i + 1);
		for (m = 0; m < NR_METRICS; m++)
			ab_cell_ratio(t, ab_ratio(ab->b[i].m[m], ab->a[i].m[m]));
		ab_status_text(&ab->a[i], st, sizeof(st));
		zp_table_cell(t, "%s", st);
		ab_status_text(&ab->b[i], st, sizeof(st));
		zp_table_cell(t, "%s", st);
	}
	zp_table_print(t, stdout, "");
	zp_table_free(t);

	t = zp_table_new(5, "counter", "min", "median", "max", "total");
	for (i = 0; i < ab->nctr; i++) {
		struct ab_counter *c = &ab->ctr[i];
		double total = 0;
		int r;

		if (!c->moved)
			continue;
		moved++;
		for (r = 0; r < ab->runs; r++) {
			vb[r] = c->delta[r];
			total += c->delta[r];
		}
		zp_table_row(t);
		zp_table_cell(t, "%s", c->path);
		ab_cell_num(t, zp_min(vb, ab->runs));
		ab_cell_num(t, zp_median(vb, ab->runs));
		ab_cell_num(t, zp_max(vb, ab->runs));
		ab_cell_num(t, total);
	}
	if (moved) {
		printf("\nstats counters that moved during B runs (delta per run)\n");
		zp_table_print(t, stdout, "");
	} else {
		printf("\nno stats counter moved during B runs\n");
	}
	zp_table_free(t);
	free(va);
	free(vb);
}

static void ab_print_csv(struct ab *ab)
{
	char st[16];
	int i, m, side, c;

	printf("run,side");
	for (m = 0; m < NR_METRICS; m++)
		printf(",%s", ab_metric[m]);
	printf(",exit");
	for (c = 0; c < ab->nctr; c++)
		if (ab->ctr[c].moved)
			printf(",%s", ab->ctr[c].path);
	printf("\n");
	for (i = 0; i < ab->runs; i++) {
		for (side = 0; side < 2; side++) {
			struct ab_run *r = side ? &ab->b[i] : &ab->a[i];

			printf("%d,%c", i + 1, side ? 'B' : 'A');
			for (m = 0; m < NR_METRICS; m++)
				printf(m >= M_MINFLT ? ",%.0f" : ",%.6f", r->m[m]);
			ab_status_text(r, st, sizeof(st));
			printf(",%s", st);
			for (c = 0; c < ab->nctr; c++) {
				if (!ab->ctr[c].moved)
					continue;
				if (side)
					printf(",%lld", (long long)ab->ctr[c].delta[i]);
				else
					printf(",");
			}
			printf("\n");
		}
	}
}

static void ab_json_stats(struct zp_json *j, const char *key, double *v,
			  int n)
{
	zp_json_obj(j, key);
	zp_json_double(j, "min", zp_min(v, n));
	zp_json_double(j, "median", zp_median(v, n));
	zp_json_double(j, "max", zp_max(v, n));
	zp_json_end_obj(j);
}

static void ab_json_runs(struct zp_json *j, struct ab *ab, bool b)
{
	char st[16];
	int i, m, c;

	zp_json_arr(j, b ? "B" : "A");
	for (i = 0; i < ab->runs; i++) {
		struct ab_run *r = b ? &ab->b[i] : &ab->a[i];

		zp_json_obj(j, NULL);
		zp_json_double(j, "run", i + 1);
		for (m = 0; m < NR_METRICS; m++)
			zp_json_double(j, ab_metric[m], r->m[m]);
		ab_status_text(r, st, sizeof(st));
		zp_json_auto(j, "exit", st);
		if (b) {
			zp_json_obj(j, "counters");
			for (c = 0; c < ab->nctr; c++)
				if (ab->ctr[c].moved)
					zp_json_double(j, ab->ctr[c].path,
						       ab->ctr[c].delta[i]);
			zp_json_end_obj(j);
		}
		zp_json_end_obj(j);
	}
	zp_json_end_arr(j);
}

static void ab_print_json(struct ab *ab)
{
	double *va = zp_xmalloc(ab->runs * sizeof(double));
	double *vb = zp_xmalloc(ab->runs * sizeof(double));
	struct zp_json j;
	int i, m;

	zp_json_init(&j, stdout);
	zp_json_obj(&j, NULL);
	zp_json_arr(&j, "command");
	for (i = 0; ab->cmd[i]; i++)
		zp_json_str(&j, NULL, ab->cmd[i]);
	zp_json_end_arr(&j);
	zp_json_double(&j, "runs", ab->runs);
	zp_json_obj(&j, "modules");
	for (i = 0; i < ab->nspecs; i++)
		zp_json_str(&j, ab->specs[i].name, ab->specs[i].params);
	zp_json_end_obj(&j);
	ab_json_runs(&j, ab, false);
	ab_json_runs(&j, ab, true);
	zp_json_obj(&j, "summary");
	for (m = 0; m < NR_METRICS; m++) {
		zp_json_obj(&j, ab_metric[m]);
		ab_values(ab->a, ab->runs, m, va);
		ab_values(ab->b, ab->runs, m, vb);
		ab_json_stats(&j, "A", va, ab->runs);
		ab_json_stats(&j, "B", vb, ab->runs);
		zp_json_double(&j, "ratio_median",
			       ab_ratio(zp_median(vb, ab->runs),
					zp_median(va, ab->runs)));
		zp_json_arr(&j, "ratios");
		for (i = 0; i < ab->runs; i++)
			zp_json_double(&j, NULL,
				       ab_ratio(ab->b[i].m[m], ab->a[i].m[m]));
		zp_json_end_arr(&j);
		zp_json_end_obj(&j);
	}
	zp_json_end_obj(&j);
	zp_json_obj(&j, "counters");
	for (i = 0; i < ab->nctr; i++) {
		double total = 0;
		int r;

		if (!ab->ctr[i].moved)
			continue;
		for (r = 0; r < ab->runs; r++) {
			vb[r] = ab->ctr[i].delta[r];
			total += vb[r];
		}
		zp_json_obj(&j, ab->ctr[i].path);
		zp_json_double(&j, "min", zp_min(vb, ab->runs));
		zp_json_double(&j, "median", zp_median(vb, ab->runs));
		zp_json_double(&j, "max", zp_max(vb, ab->runs));
		zp_json_double(&j, "total", total);
		zp_json_end_obj(&j);
	}
	zp_json_end_obj(&j);
	zp_json_end_obj(&j);
	zp_json_done(&j);
	free(va);
	free(vb);
}

/* On a terminal one line redrawn; elsewhere (logs) a line per run. */
static void ab_progress(bool tty, int run, int runs, char side)
{
	if (tty)
		fprintf(stderr, "\rzpctl ab: run %d/%d %c", run + 1, runs, side);
	else if (side == 'A')
		fprintf(stderr, "zpctl ab: run %d/%d (A then B)\n", run + 1,
			runs);
}

/* "zeropool max_pages=1" words of every --module, then parsed together. */
static int ab_parse_modules(struct ab *ab, char **words, int nwords)
{
	bool need_base = false, have_base = false;
	char err[256];
	int i;

	ab->nspecs = zp_parse_modspecs(nwords, words, ab->specs, err,
				       sizeof(err));
	if (ab->nspecs < 0)
		return zp_usage_error("ab", "%s", err);
	if (!ab->nspecs) {
		memset(&ab->specs[0], 0, sizeof(ab->specs[0]));
		ab->specs[0].name = "zeropool";
		ab->nspecs = 1;
	}
	for (i = 0; i < ab->nspecs; i++) {
		if (!strcmp(ab->specs[i].name, "zeropool"))
			have_base = true;
		else
			need_base = true;
	}
	if (need_base && !have_base) {
		/* B needs zeropool; A must not have it either */
		memset(&ab->specs[ab->nspecs], 0, sizeof(ab->specs[0]));
		ab->specs[ab->nspecs].name = "zeropool";
		ab->specs[ab->nspecs++].implied = true;
	}
	zp_sort_modspecs(ab->specs, ab->nspecs, false);
	return 0;
}

int cmd_ab(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "runs", required_argument, NULL, 'r' },
		{ "module", required_argument, NULL, 'm' },
		{ "from", required_argument, NULL, 'd' },
		{ "csv", no_argument, NULL, 'C' },
		{ "json", no_argument, NULL, 'J' },
		{ "output", no_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool was_loaded[ZP_NR_MODULES] = { false };
	bool tty = isatty(STDERR_FILENO), progress;
	char **words = NULL, *save, *w;
	int c, i, nwords = 0, ret = EXIT_OK, fmt = 0;
	const char *from = NULL;
	struct ab ab = { .runs = 5 };
	struct zp_snap before, after;
	struct zp_kmod *k;

	while ((c = getopt_long(argc, argv, "+r:m:d:oh", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (zp_parse_int(optarg, 1, 1000, &ab.runs))
				return zp_usage_error("ab",
						      "--runs wants 1..1000, got '%s'",
						      optarg);
			break;
		case 'm':
			for (w = strtok_r(optarg, " \t", &save); w;
			     w = strtok_r(NULL, " \t", &save)) {
				words = zp_xrealloc(words, (nwords + 1) *
						    sizeof(char *));
				words[nwords++] = w;
			}
			break;
		case 'd':
			from = optarg;
			break;
		case 'C':
			fmt = 'c';
			break;
		case 'J':
			fmt = 'j';
			break;
		case 'o':
			ab.output = true;
			break;
		case 'h':
			free(words);
			fputs(ab_usage, stdout);
			return EXIT_OK;
		default:
			free(words);
			return zp_usage_error("ab", "bad option");
		}
	}
	if (optind >= argc) {
		free(words);
		return zp_usage_error("ab", "no COMMAND given (after --)");
	}
	ab.cmd = argv + optind;
	i = ab_parse_modules(&ab, words, nwords);
	free(words);
	if (i)
		return i;

	k = zp_kmod_open(from, false);
	if (!k)
		return EXIT_FAIL;
	for (i = 0; i < ZP_NR_MODULES; i++)
		was_loaded[i] = zp_module_loaded(zp_modules[i]);
	/* progress lines would only clutter a log that a machine reads */
	progress = tty || !fmt;
	ab.a = zp_xmalloc(ab.runs * sizeof(*ab.a));
	ab.b = zp_xmalloc(ab.runs * sizeof(*ab.b));

	for (i = 0; i < ab.runs; i++) {
		if (progress)
			ab_progress(tty, i, ab.runs, 'A');
		if (ab_side_a(&ab, k) || ab_run_cmd(&ab, &ab.a[i]))
			goto out_fail;
		if (progress)
			ab_progress(tty, i, ab.runs, 'B');
		if (ab_side_b(&ab, k))
			goto out_fail;
		zp_snap_read(zp_sysfs_root, &before);
		if (ab_run_cmd(&ab, &ab.b[i])) {
			zp_snap_free(&before);
			goto out_fail;
		}
		zp_snap_read(zp_sysfs_root, &after);
		ab_record_counters(&ab, i, &before, &after);
		zp_snap_free(&before);
		zp_snap_free(&after);
		if (ab_failed(&ab.a[i]) || ab_failed(&ab.b[i]))
			ret = EXIT_FAIL;
	}
	if (tty)
		fprintf(stderr, "\r%40s\r", "");
	if (fmt == 'c')
		ab_print_csv(&ab);
	else if (fmt == 'j')
		ab_print_json(&ab);
	else
		ab_print_text(&ab);
	if (ret)
		zp_err("ab: COMMAND exited non-zero in some runs (see the exit columns)");
	goto out_restore;
out_fail:
	if (tty)
		fputc('\n', stderr);
	zp_err("ab: stopped: a module could not be switched or COMMAND could not run");
	ret = EXIT_FAIL;
out_restore:
	/* leave the modules as we found them: dependents out first */
	for (i = ZP_NR_MODULES - 1; i >= 0; i--)
		if (!was_loaded[i] && zp_module_loaded(zp_modules[i]))
			zp_kmod_unload(k, zp_modules[i]);
	for (i = 0; i < ZP_NR_MODULES; i++)
		if (was_loaded[i] && !zp_module_loaded(zp_modules[i]) &&
		    zp_kmod_load(k, zp_modules[i], NULL) == 0)
			zp_note("%s: loaded again as before the runs (with default parameters)",
				zp_modules[i]);
	for (i = 0; i < ab.nctr; i++) {
		free(ab.ctr[i].path);
		free(ab.ctr[i].delta);
	}
	free(ab.ctr);
	free(ab.a);
	free(ab.b);
	zp_kmod_close(k);
	return ret;
}
