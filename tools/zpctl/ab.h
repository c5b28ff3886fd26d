/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zpctl ab's state, shared by the runner (ab.c) and the reports
 * (abreport.c).
 */
#ifndef _ZPCTL_AB_H
#define _ZPCTL_AB_H

#include "zpctl.h"

/* Version of the --json document, documented in zpctl.1 (JSON OUTPUT). */
#define ZP_AB_SCHEMA_VERSION 2

enum {
	M_WALL, M_CMD_CPU, M_SYSTEM_CPU, M_POOL_CPU, M_USER, M_SYS, M_MINFLT,
	M_MAJFLT, NR_METRICS
};
/* the net effect: the first NR_NET metrics */
#define NR_NET 3

extern const char *const ab_metric[NR_METRICS];

struct ab_run {
	char side;			/* 'A' or 'B' */
	bool counted;			/* false for a warm-up run */
	int index;			/* among the counted runs of its side */
	struct zp_sample s;
	double m[NR_METRICS];
	double fill_s;			/* B: the wait for high_watermark */
	int fill_err;			/* 0, -ETIMEDOUT, -EAGAIN, -ENOENT */
	bool outlier[NR_METRICS];
};

struct ab_counter {
	char *path;
	int64_t *delta;			/* per counted B run */
	bool moved;
};

struct ab {
	int runs, warmup;
	char **cmd;
	bool output;
	const char *prepare;
	double timeout, fill_timeout;
	struct zp_modspec specs[ZP_NR_MODULES];
	int nspecs;
	bool loads_pool;		/* zeropool among specs: B waits for fill */
	struct ab_run *run;		/* in the order they ran */
	int nrun;
	struct ab_counter *ctr;
	int nctr;
};

void ab_print_text(struct ab *ab);
void ab_print_csv(struct ab *ab);
void ab_print_json(struct ab *ab);
/* Outlier flags of the runs; the summaries of a metric, side by side. */
void ab_analyse(struct ab *ab);
void ab_summaries(const struct ab *ab, int metric, struct zp_summary *a,
		  struct zp_summary *b, struct zp_ratio *r);

#endif /* _ZPCTL_AB_H */
