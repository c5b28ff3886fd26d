// SPDX-License-Identifier: GPL-2.0
/*
 * What zpctl ab prints: the net effect B/A with its interval and verdict
 * first, then each side's statistics, the runs in the order they ran
 * (outliers marked) and the stats counters that moved in B; as text, CSV
 * or JSON (the schema is in zpctl.1 and versioned by ZP_AB_SCHEMA_VERSION).
 * Where the runs vary more than the effect, the ratio is not printed bare.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "ab.h"

const char *const ab_metric[NR_METRICS] = {
	"wall_s", "cmd_cpu_s", "system_cpu_s", "pool_threads_cpu_s",
	"user_s", "sys_s", "minflt", "majflt",
};

static const char *const ab_metric_help[NR_METRICS] = {
	"wall time of COMMAND",
	"COMMAND's CPU (user + system, wait4 rusage)",
	"busy CPU of the whole machine during the run (/proc/stat)",
	"CPU of the pool's kernel threads (scrub, offload)",
	"COMMAND's user CPU",
	"COMMAND's system CPU",
	"minor page faults",
	"major page faults",
};

/* Values of the counted runs of @side, with their run numbers. */
static int ab_side_values(const struct ab *ab, char side, int metric,
			  double *v, int *which)
{
	int i, n = 0;

	for (i = 0; i < ab->nrun; i++) {
		if (!ab->run[i].counted || ab->run[i].side != side)
			continue;
		if (which)
			which[n] = i;
		v[n++] = ab->run[i].m[metric];
	}
	return n;
}

void ab_summaries(const struct ab *ab, int metric, struct zp_summary *a,
		  struct zp_summary *b, struct zp_ratio *r)
{
	double *v = zp_xmalloc(ab->nrun * sizeof(double));
	int n;

	n = ab_side_values(ab, 'A', metric, v, NULL);
	zp_summarize(v, n, a, NULL);
	n = ab_side_values(ab, 'B', metric, v, NULL);
	zp_summarize(v, n, b, NULL);
	zp_compare(a, b, r);
	free(v);
}

void ab_analyse(struct ab *ab)
{
	double *v = zp_xmalloc(ab->nrun * sizeof(double));
	bool *out = zp_xmalloc(ab->nrun * sizeof(bool));
	int *which = zp_xmalloc(ab->nrun * sizeof(int));
	struct zp_summary s;
	int m, side, n, i;

	for (m = 0; m < NR_METRICS; m++) {
		for (side = 0; side < 2; side++) {
			n = ab_side_values(ab, "AB"[side], m, v, which);
			zp_summarize(v, n, &s, out);
			for (i = 0; i < n; i++)
				ab->run[which[i]].outlier[m] = out[i];
		}
	}
	free(v);
	free(out);
	free(which);
}

static void ab_exit_text(const struct ab_run *r, char *buf, size_t len)
{
	if (r->s.timed_out)
		snprintf(buf, len, "timeout");
	else if (WIFEXITED(r->s.status))
		snprintf(buf, len, "%d", WEXITSTATUS(r->s.status));
	else if (WIFSIGNALED(r->s.status))
		snprintf(buf, len, "sig%d", WTERMSIG(r->s.status));
	else
		snprintf(buf, len, "?");
}

static void ab_cell_num(struct zp_table *t, double v, const char *suffix)
{
	char buf[64];

	if (isnan(v)) {
		zp_table_cell(t, "-");
		return;
	}
	zp_fmt_num(buf, sizeof(buf), v);
	zp_table_cell(t, "%s%s", buf, suffix);
}

static void ab_cell_interval(struct zp_table *t, double lo, double hi,
			     bool ratio)
{
	char a[32], b[32];

	if (isnan(lo) || isnan(hi)) {
		zp_table_cell(t, "-");
		return;
	}
	if (ratio) {
		zp_table_cell(t, "[%.3f, %.3f]", lo, hi);
		return;
	}
	zp_fmt_num(a, sizeof(a), lo);
	zp_fmt_num(b, sizeof(b), hi);
	zp_table_cell(t, "[%s, %s]", a, b);
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

/* One line of the net effect: a bare ratio only when it means something. */
static void ab_net_row(struct zp_table *t, const struct ab *ab, int m)
{
	struct zp_summary a, b;
	struct zp_ratio r;

	ab_summaries(ab, m, &a, &b, &r);
	zp_table_row(t);
	zp_table_cell(t, "%s", ab_metric[m]);
	if (r.noisy || isnan(r.value))
		zp_table_cell(t, "-");
	else
		zp_table_cell(t, "%.3f", r.value);
	ab_cell_interval(t, r.lo, r.hi, true);
	if (r.noisy)
		zp_table_cell(t, "%s; runs vary by %.0f%% (CV), more than the %.1f%% effect: no bare ratio",
			      zp_verdict_text(&r), 100 * r.noise,
			      100 * fabs(r.value - 1));
	else
		zp_table_cell(t, "%s", zp_verdict_text(&r));
}

static void ab_print_fill(const struct ab *ab)
{
	double *v = zp_xmalloc(ab->nrun * sizeof(double));
	int i, n = 0, failed = 0;

	for (i = 0; i < ab->nrun; i++) {
		if (ab->run[i].side != 'B')
			continue;
		v[n++] = ab->run[i].fill_s;
		if (ab->run[i].fill_err)
			failed++;
	}
	printf("     afresh before each B run, which starts once the pool holds\n"
	       "     high_watermark: waited %.2f s median, %.2f s max",
	       zp_median(v, n), zp_max(v, n));
	if (failed)
		printf(";\n     %d of %d B runs started WITHOUT a full pool (see the notes above)",
		       failed, n);
	printf("\n");
	free(v);
}

void ab_print_text(struct ab *ab)
{
	struct zp_summary a, b;
	struct zp_ratio r;
	char mods[1024], st[16];
	double *v;
	struct zp_table *t;
	int i, m, moved = 0;

	ab_modules_text(ab, mods, sizeof(mods));
	printf("zpctl ab: %d run%s per side in A B B A blocks, after %d uncounted warm-up run%s per side\n",
	       ab->runs, ab->runs == 1 ? "" : "s", ab->warmup,
	       ab->warmup == 1 ? "" : "s");
	printf("  A: no module of the set loaded\n  B: %s loaded\n", mods);
	if (ab->loads_pool)
		ab_print_fill(ab);
	printf("  command (stdin /dev/null):");
	for (i = 0; ab->cmd[i]; i++)
		printf(" %s", ab->cmd[i]);
	printf("\n");
	if (ab->prepare)
		printf("  before each run: sh -c '%s'\n", ab->prepare);

	printf("\nnet effect, B/A of the means with its 95%% interval\n");
	t = zp_table_new(4, "metric", "B/A", "95%_CI", "verdict");
	for (m = 0; m < NR_NET; m++)
		ab_net_row(t, ab, m);
	zp_table_print(t, stdout, "  ");
	zp_table_free(t);
	ab_summaries(ab, M_POOL_CPU, &a, &b, &r);
	printf("  pool threads (scrub, offload): %.3f s CPU per B run (mean; A: %.3f s), not in cmd_cpu_s\n",
	       b.mean, a.mean);

	printf("\nper side: mean with its 95%% interval (Student t), outliers past Tukey's fences\n");
	t = zp_table_new(9, "metric", "side", "n", "median", "mean", "95%_CI",
			 "sd", "outliers", "B/A");
	for (m = 0; m < NR_METRICS; m++) {
		ab_summaries(ab, m, &a, &b, &r);
		for (i = 0; i < 2; i++) {
			const struct zp_summary *s = i ? &b : &a;

			zp_table_row(t);
			zp_table_cell(t, "%s", i ? "" : ab_metric[m]);
			zp_table_cell(t, "%c", "AB"[i]);
			zp_table_cell(t, "%d", s->n);
			ab_cell_num(t, s->median, "");
			ab_cell_num(t, s->mean, "");
			ab_cell_interval(t, s->ci_lo, s->ci_hi, false);
			ab_cell_num(t, s->sd, "");
			zp_table_cell(t, "%d", s->outliers);
			if (!i)
				zp_table_cell(t, "%s", "");
			else if (r.noisy || isnan(r.value))
				zp_table_cell(t, "%s", zp_verdict_key(&r));
			else
				zp_table_cell(t, "%.3f", r.value);
		}
	}
	zp_table_print(t, stdout, "  ");
	zp_table_free(t);

	printf("\nruns in the order they ran (* outlier of its side; w: warm-up, not counted)\n");
	t = zp_table_new(NR_METRICS + 4, "#", "side", ab_metric[0],
			 ab_metric[1], ab_metric[2], ab_metric[3],
			 ab_metric[4], ab_metric[5], ab_metric[6],
			 ab_metric[7], "fill_s", "exit");
	for (i = 0; i < ab->nrun; i++) {
		const struct ab_run *run = &ab->run[i];

		zp_table_row(t);
		zp_table_cell(t, "%d", i + 1);
		zp_table_cell(t, "%c%s", run->side, run->counted ? "" : "w");
		for (m = 0; m < NR_METRICS; m++)
			ab_cell_num(t, run->m[m], run->outlier[m] ? "*" : " ");
		if (run->side == 'B')
			zp_table_cell(t, "%.2f%s", run->fill_s,
				      run->fill_err ? "!" : " ");
		else
			zp_table_cell(t, "-");
		ab_exit_text(run, st, sizeof(st));
		zp_table_cell(t, "%s", st);
	}
	zp_table_print(t, stdout, "  ");
	zp_table_free(t);

	t = zp_table_new(5, "counter", "min", "median", "max", "total");
	v = zp_xmalloc(ab->runs * sizeof(double));
	for (i = 0; i < ab->nctr; i++) {
		struct ab_counter *c = &ab->ctr[i];
		double total = 0;
		int k;

		if (!c->moved)
			continue;
		moved++;
		for (k = 0; k < ab->runs; k++) {
			v[k] = c->delta[k];
			total += v[k];
		}
		zp_table_row(t);
		zp_table_cell(t, "%s", c->path);
		ab_cell_num(t, zp_min(v, ab->runs), "");
		ab_cell_num(t, zp_median(v, ab->runs), "");
		ab_cell_num(t, zp_max(v, ab->runs), "");
		ab_cell_num(t, total, "");
	}
	if (moved) {
		printf("\nstats counters that moved during counted B runs (delta per run)\n");
		zp_table_print(t, stdout, "  ");
	} else {
		printf("\nno stats counter moved during counted B runs\n");
	}
	free(v);
	zp_table_free(t);
}

void ab_print_csv(struct ab *ab)
{
	char st[16];
	int i, m, c;

	printf("order,side,run");
	for (m = 0; m < NR_METRICS; m++)
		printf(",%s", ab_metric[m]);
	printf(",fill_s,filled,exit");
	for (c = 0; c < ab->nctr; c++)
		if (ab->ctr[c].moved)
			printf(",%s", ab->ctr[c].path);
	printf("\n");
	for (i = 0; i < ab->nrun; i++) {
		const struct ab_run *r = &ab->run[i];

		if (!r->counted)
			continue;
		printf("%d,%c,%d", i + 1, r->side, r->index + 1);
		for (m = 0; m < NR_METRICS; m++)
			printf(m >= M_MINFLT ? ",%.0f" : ",%.6f", r->m[m]);
		if (r->side == 'B')
			printf(",%.3f,%d", r->fill_s, !r->fill_err);
		else
			printf(",,");
		ab_exit_text(r, st, sizeof(st));
		printf(",%s", st);
		for (c = 0; c < ab->nctr; c++) {
			if (!ab->ctr[c].moved)
				continue;
			if (r->side == 'B')
				printf(",%lld", (long long)ab->ctr[c].delta[r->index]);
			else
				printf(",");
		}
		printf("\n");
	}
}

static void ab_json_summary(struct zp_json *j, const char *key,
			    const struct zp_summary *s)
{
	zp_json_obj(j, key);
	zp_json_double(j, "n", s->n);
	zp_json_double(j, "min", s->min);
	zp_json_double(j, "median", s->median);
	zp_json_double(j, "mean", s->mean);
	zp_json_arr(j, "ci95");
	zp_json_double(j, NULL, s->ci_lo);
	zp_json_double(j, NULL, s->ci_hi);
	zp_json_end_arr(j);
	zp_json_double(j, "sd", s->sd);
	zp_json_double(j, "max", s->max);
	zp_json_double(j, "outliers", s->outliers);
	zp_json_end_obj(j);
}

static void ab_json_runs(struct zp_json *j, const struct ab *ab)
{
	char st[16];
	int i, m, c;

	zp_json_arr(j, "runs");
	for (i = 0; i < ab->nrun; i++) {
		const struct ab_run *r = &ab->run[i];

		zp_json_obj(j, NULL);
		zp_json_double(j, "order", i + 1);
		zp_json_str(j, "side", r->side == 'A' ? "A" : "B");
		zp_json_bool(j, "counted", r->counted);
		for (m = 0; m < NR_METRICS; m++)
			zp_json_double(j, ab_metric[m], r->m[m]);
		ab_exit_text(r, st, sizeof(st));
		zp_json_auto(j, "exit", st);
		zp_json_bool(j, "timed_out", r->s.timed_out);
		zp_json_arr(j, "outlier_in");
		for (m = 0; m < NR_METRICS; m++)
			if (r->outlier[m])
				zp_json_str(j, NULL, ab_metric[m]);
		zp_json_end_arr(j);
		if (r->side == 'B') {
			zp_json_double(j, "fill_s", r->fill_s);
			zp_json_bool(j, "filled", !r->fill_err);
		}
		if (r->side == 'B' && r->counted) {
			zp_json_obj(j, "counters");
			for (c = 0; c < ab->nctr; c++)
				if (ab->ctr[c].moved)
					zp_json_double(j, ab->ctr[c].path,
						       ab->ctr[c].delta[r->index]);
			zp_json_end_obj(j);
		}
		zp_json_end_obj(j);
	}
	zp_json_end_arr(j);
}

static void ab_json_counters(struct zp_json *j, const struct ab *ab)
{
	double *v = zp_xmalloc(ab->runs * sizeof(double)), total;
	int i, k;

	zp_json_obj(j, "counters");
	for (i = 0; i < ab->nctr; i++) {
		if (!ab->ctr[i].moved)
			continue;
		for (total = 0, k = 0; k < ab->runs; k++) {
			v[k] = ab->ctr[i].delta[k];
			total += v[k];
		}
		zp_json_obj(j, ab->ctr[i].path);
		zp_json_double(j, "min", zp_min(v, ab->runs));
		zp_json_double(j, "median", zp_median(v, ab->runs));
		zp_json_double(j, "max", zp_max(v, ab->runs));
		zp_json_double(j, "total", total);
		zp_json_end_obj(j);
	}
	zp_json_end_obj(j);
	free(v);
}

void ab_print_json(struct ab *ab)
{
	struct zp_summary a, b;
	struct zp_ratio r;
	struct zp_json j;
	char *order;
	int i, m;

	zp_json_init(&j, stdout);
	zp_json_obj(&j, NULL);
	zp_json_str(&j, "schema", "zpctl-ab");
	zp_json_double(&j, "schema_version", ZP_AB_SCHEMA_VERSION);
	zp_json_arr(&j, "command");
	for (i = 0; ab->cmd[i]; i++)
		zp_json_str(&j, NULL, ab->cmd[i]);
	zp_json_end_arr(&j);
	if (ab->prepare)
		zp_json_str(&j, "prepare", ab->prepare);
	else
		zp_json_null(&j, "prepare");
	zp_json_double(&j, "runs_per_side", ab->runs);
	zp_json_double(&j, "warmup", ab->warmup);
	order = zp_xmalloc(ab->nrun + 1);
	for (i = 0; i < ab->nrun; i++)
		order[i] = ab->run[i].counted ? ab->run[i].side :
			   ab->run[i].side + ('a' - 'A');
	zp_json_str(&j, "order", order);
	free(order);
	zp_json_double(&j, "timeout_s", ab->timeout);
	zp_json_double(&j, "fill_timeout_s", ab->fill_timeout);
	zp_json_obj(&j, "modules");
	for (i = 0; i < ab->nspecs; i++)
		zp_json_str(&j, ab->specs[i].name, ab->specs[i].params);
	zp_json_end_obj(&j);
	ab_json_runs(&j, ab);
	zp_json_obj(&j, "summary");
	for (m = 0; m < NR_METRICS; m++) {
		ab_summaries(ab, m, &a, &b, &r);
		zp_json_obj(&j, ab_metric[m]);
		zp_json_str(&j, "help", ab_metric_help[m]);
		ab_json_summary(&j, "A", &a);
		ab_json_summary(&j, "B", &b);
		zp_json_obj(&j, "ratio");
		zp_json_double(&j, "value", r.value);
		zp_json_arr(&j, "ci95");
		zp_json_double(&j, NULL, r.lo);
		zp_json_double(&j, NULL, r.hi);
		zp_json_end_arr(&j);
		zp_json_str(&j, "verdict", zp_verdict_key(&r));
		zp_json_double(&j, "noise_cv", r.noise);
		zp_json_bool(&j, "noisy", r.noisy);
		zp_json_end_obj(&j);
		zp_json_end_obj(&j);
	}
	zp_json_end_obj(&j);
	ab_json_counters(&j, ab);
	zp_json_end_obj(&j);
	zp_json_done(&j);
}
