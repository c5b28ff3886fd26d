// SPDX-License-Identifier: GPL-2.0
/*
 * zpctl ab: a command run with no module of the set loaded (A) and with the
 * MODULEs loaded (B), in A B B A blocks after uncounted warm-up runs, so
 * that drift in the machine and order effects hit both sides alike.  Each
 * B run starts from freshly loaded modules whose pool has reached its high
 * watermark, so B measures the pool at work and not its fill.  This file
 * owns the order and the module switching; abmeasure.c measures a run,
 * stats.c and abreport.c say what the numbers mean.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ab.h"

static const char ab_usage[] =
"Usage: zpctl ab [-r N] [-w N] [-m MODULE]... [--from DIR] [--prepare CMD]\n"
"                [--timeout SEC] [--fill-timeout SEC] [--csv|--json] [-o]\n"
"                -- COMMAND [ARG...]\n"
"\n"
"Run COMMAND N times with no module of the set loaded (A) and N times with\n"
"the MODULEs loaded (B), in A B B A blocks after W uncounted warm-up runs\n"
"per side.  Before each B run the modules are loaded afresh and zpctl waits\n"
"until the pool holds its high watermark.  Measured per run: wall time, the\n"
"command's CPU (wait4 rusage), the CPU of the whole machine (/proc/stat)\n"
"and of the pool's kernel threads (scrub threads, offload workers), page\n"
"faults.  Per side: median, mean with its 95% confidence interval, outliers\n"
"(Tukey's fences); B/A of the means with its 95% interval and a verdict.\n"
"COMMAND's stdin is /dev/null.\n"
"\n"
"  -r, --runs N          counted runs per side (default 5, 1..1000)\n"
"  -w, --warmup N        uncounted warm-up runs per side (default 1, 0..100)\n"
"  -m, --module MODULE   module for side B (repeatable; default zeropool);\n"
"                        \"MODULE PARAM=VALUE...\" passes parameters\n"
"  -d, --from DIR        load from a build tree, as in 'zpctl load'\n"
"  -p, --prepare CMD     run 'sh -c CMD' before every run (not measured)\n"
"  -t, --timeout SEC     kill COMMAND (its process group) after SEC; the\n"
"                        run counts as failed\n"
"  -f, --fill-timeout SEC  longest wait for the pool to fill (default 120)\n"
"      --csv             one CSV row per counted run\n"
"      --json            everything as one JSON object (schema in zpctl(1))\n"
"  -o, --output          keep COMMAND's standard output (sent to stderr);\n"
"                        by default it goes to /dev/null\n"
"  -h, --help            this text\n"
"\n"
"Exit status: 0, 1 when a module operation failed or COMMAND exited\n"
"non-zero or timed out in some run, 2 usage error.\n";

int zp_ab_schedule(int runs, int warmup, char *sides, bool *counted)
{
	int n = 0, i, left;

	for (i = 0; i < warmup; i++) {
		counted[n] = false;
		sides[n++] = 'A';
		counted[n] = false;
		sides[n++] = 'B';
	}
	for (left = runs; left > 0; left -= 2) {
		const char *block = left >= 2 ? "ABBA" : "AB";

		for (i = 0; block[i]; i++) {
			counted[n] = true;
			sides[n++] = block[i];
		}
	}
	return n;
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
static int ab_side_a(struct zp_kmod *k)
{
	int i;

	for (i = ZP_NR_MODULES - 1; i >= 0; i--)
		if (zp_module_loaded(zp_modules[i]) &&
		    zp_kmod_unload(k, zp_modules[i]))
			return -1;
	return 0;
}

/* Side B afresh: whatever a B run before left in the pool goes first. */
static int ab_side_b(struct ab *ab, struct zp_kmod *k)
{
	int i;

	if (ab_side_a(k))
		return -1;
	for (i = 0; i < ab->nspecs; i++)
		if (zp_kmod_load(k, ab->specs[i].name, ab->specs[i].params))
			return -1;
	return 0;
}

static void ab_fill_note(const struct ab_run *r, double timeout)
{
	if (r->fill_err == -ETIMEDOUT)
		zp_note("ab: the pool did not reach high_watermark within %g s: this B run measures it while it fills",
			timeout);
	else if (r->fill_err == -EAGAIN)
		zp_note("ab: scrub/enabled is 0: the pool cannot fill; B runs with what it holds");
	else if (r->fill_err)
		zp_note("ab: no pool to wait for (pool/high_watermark unreadable): B runs at once");
}

/* One run of @r->side, the modules switched and the pool filled first. */
static int ab_one(struct ab *ab, struct zp_kmod *k, struct ab_run *r,
		  int out_fd)
{
	struct zp_snap before, after;
	bool b = r->side == 'B';

	if (b ? ab_side_b(ab, k) : ab_side_a(k))
		return -1;
	if (ab->prepare && zp_run_shell(ab->prepare, out_fd, ab->timeout)) {
		zp_err("ab: --prepare '%s' failed", ab->prepare);
		return -1;
	}
	if (b && ab->loads_pool) {
		r->fill_err = zp_pool_wait_filled(ab->fill_timeout, &r->fill_s);
		if (r->fill_err)
			ab_fill_note(r, ab->fill_timeout);
	}
	if (b)
		zp_snap_read(zp_sysfs_root, &before);
	if (zp_measure(ab->cmd, out_fd, ab->timeout, &r->s)) {
		if (b)
			zp_snap_free(&before);
		return -1;
	}
	if (b) {
		zp_snap_read(zp_sysfs_root, &after);
		if (r->counted)
			ab_record_counters(ab, r->index, &before, &after);
		zp_snap_free(&before);
		zp_snap_free(&after);
	}
	r->m[M_WALL] = r->s.wall;
	r->m[M_CMD_CPU] = r->s.user + r->s.sys;
	r->m[M_SYSTEM_CPU] = r->s.system_cpu;
	r->m[M_POOL_CPU] = r->s.kthread_cpu;
	r->m[M_USER] = r->s.user;
	r->m[M_SYS] = r->s.sys;
	r->m[M_MINFLT] = r->s.minflt;
	r->m[M_MAJFLT] = r->s.majflt;
	return 0;
}

static bool ab_failed(const struct ab_run *r)
{
	return r->s.timed_out || !WIFEXITED(r->s.status) ||
	       WEXITSTATUS(r->s.status);
}

/* On a terminal one line redrawn; elsewhere (logs) a line per run. */
static void ab_progress(bool tty, int i, const struct ab *ab)
{
	const struct ab_run *r = &ab->run[i];

	if (tty)
		fprintf(stderr, "\rzpctl ab: %s %d/%d %c   ",
			r->counted ? "run" : "warm-up", i + 1, ab->nrun,
			r->side);
	else
		fprintf(stderr, "zpctl ab: %s %d/%d %c\n",
			r->counted ? "run" : "warm-up", i + 1, ab->nrun,
			r->side);
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
		else if (zp_module_needs_pool(ab->specs[i].name))
			need_base = true;
	}
	if (need_base && !have_base) {
		/* B needs zeropool; A must not have it either */
		memset(&ab->specs[ab->nspecs], 0, sizeof(ab->specs[0]));
		ab->specs[ab->nspecs].name = "zeropool";
		ab->specs[ab->nspecs++].implied = true;
	}
	zp_sort_modspecs(ab->specs, ab->nspecs, false);
	ab->loads_pool = have_base || need_base;
	return 0;
}

static int ab_options(struct ab *ab, int argc, char **argv, const char **from,
		      int *fmt)
{
	static const struct option opts[] = {
		{ "runs", required_argument, NULL, 'r' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "module", required_argument, NULL, 'm' },
		{ "from", required_argument, NULL, 'd' },
		{ "prepare", required_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 't' },
		{ "fill-timeout", required_argument, NULL, 'f' },
		{ "csv", no_argument, NULL, 'C' },
		{ "json", no_argument, NULL, 'J' },
		{ "output", no_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char **words = NULL, *save, *w;
	int c, nwords = 0, ret;

	while ((c = getopt_long(argc, argv, "+r:w:m:d:p:t:f:oh", opts,
				NULL)) != -1) {
		switch (c) {
		case 'r':
			if (zp_parse_int(optarg, 1, 1000, &ab->runs))
				goto bad_value;
			break;
		case 'w':
			if (zp_parse_int(optarg, 0, 100, &ab->warmup))
				goto bad_value;
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
			*from = optarg;
			break;
		case 'p':
			ab->prepare = optarg;
			break;
		case 't':
			if (zp_parse_seconds(optarg, &ab->timeout))
				goto bad_value;
			break;
		case 'f':
			if (zp_parse_seconds(optarg, &ab->fill_timeout))
				goto bad_value;
			break;
		case 'C':
			*fmt = 'c';
			break;
		case 'J':
			*fmt = 'j';
			break;
		case 'o':
			ab->output = true;
			break;
		case 'h':
			free(words);
			fputs(ab_usage, stdout);
			return -1;
		default:
			free(words);
			return zp_usage_error("ab", "bad option");
		}
	}
	if (optind >= argc) {
		free(words);
		return zp_usage_error("ab", "no COMMAND given (after --)");
	}
	ab->cmd = argv + optind;
	ret = ab_parse_modules(ab, words, nwords);
	free(words);
	return ret;
bad_value:
	free(words);
	return zp_usage_error("ab", "bad value '%s' for -%c (see --help)",
			      optarg, c);
}

static void ab_free(struct ab *ab)
{
	int i;

	for (i = 0; i < ab->nctr; i++) {
		free(ab->ctr[i].path);
		free(ab->ctr[i].delta);
	}
	free(ab->ctr);
	free(ab->run);
}

int cmd_ab(int argc, char **argv)
{
	bool was_loaded[ZP_NR_MODULES] = { false };
	bool tty = isatty(STDERR_FILENO), progress, *counted;
	struct ab ab = { .runs = 5, .warmup = 1, .fill_timeout = 120 };
	int i, ret = EXIT_OK, fmt = 0, out_fd, na = 0, nb = 0;
	const char *from = NULL;
	struct zp_kmod *k;
	char *sides;

	i = ab_options(&ab, argc, argv, &from, &fmt);
	if (i)
		return i < 0 ? EXIT_OK : i;
	k = zp_kmod_open(from, false);
	if (!k)
		return EXIT_FAIL;
	for (i = 0; i < ZP_NR_MODULES; i++)
		was_loaded[i] = zp_module_loaded(zp_modules[i]);
	/* progress lines would only clutter a log that a machine reads */
	progress = tty || !fmt;
	out_fd = ab.output ? STDERR_FILENO : open("/dev/null", O_WRONLY);
	sides = zp_xmalloc(2 * (ab.runs + ab.warmup));
	counted = zp_xmalloc(2 * (ab.runs + ab.warmup) * sizeof(bool));
	ab.nrun = zp_ab_schedule(ab.runs, ab.warmup, sides, counted);
	ab.run = zp_xmalloc(ab.nrun * sizeof(*ab.run));
	for (i = 0; i < ab.nrun; i++) {
		ab.run[i].side = sides[i];
		ab.run[i].counted = counted[i];
		if (counted[i])
			ab.run[i].index = sides[i] == 'A' ? na++ : nb++;
	}
	free(sides);
	free(counted);

	for (i = 0; i < ab.nrun; i++) {
		if (progress)
			ab_progress(tty, i, &ab);
		if (ab_one(&ab, k, &ab.run[i], out_fd))
			goto out_fail;
		if (ab.run[i].counted && ab_failed(&ab.run[i]))
			ret = EXIT_FAIL;
	}
	if (tty && progress)
		fprintf(stderr, "\r%40s\r", "");
	ab_analyse(&ab);
	if (fmt == 'c')
		ab_print_csv(&ab);
	else if (fmt == 'j')
		ab_print_json(&ab);
	else
		ab_print_text(&ab);
	if (ret)
		zp_err("ab: COMMAND failed or timed out in some runs (see the exit column)");
	goto out_restore;
out_fail:
	if (tty && progress)
		fputc('\n', stderr);
	zp_err("ab: stopped: a module could not be switched or a command could not run");
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
	if (out_fd > STDERR_FILENO)
		close(out_fd);
	ab_free(&ab);
	zp_kmod_close(k);
	return ret;
}
