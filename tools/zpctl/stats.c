// SPDX-License-Identifier: GPL-2.0
/*
 * The statistics of zpctl ab, apart from the running so that they can be
 * checked on fixed inputs: per side the median, the mean with its 95%
 * confidence interval (Student t), Tukey's fences for outliers; between
 * sides the ratio of means B/A with a 95% interval (the delta method on
 * log B/A, Welch's degrees of freedom) and the verdict read from it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "zpctl.h"

/* Two-sided 95% quantiles of Student's t, df 1..30. */
static const double zp_t975_table[30] = {
	12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
	2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
	2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
};

double zp_t975(double df)
{
	const double z = 1.959964;
	int d;

	if (!(df >= 1))
		return NAN;
	/* a fractional (Welch) df rounds down: the wider interval */
	d = (int)floor(df);
	if (d <= 30)
		return zp_t975_table[d - 1];
	/* Cornish-Fisher expansion: within 0.001 of the exact value past 30 */
	return z + (z * z * z + z) / (4 * d) +
	       (5 * pow(z, 5) + 16 * z * z * z + 3 * z) / (96.0 * d * d);
}

static int zp_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Quantile @q of sorted @s by linear interpolation (Hyndman-Fan type 7). */
static double zp_quantile(const double *s, int n, double q)
{
	double h = (n - 1) * q;
	int i = (int)floor(h);

	if (i + 1 >= n)
		return s[n - 1];
	return s[i] + (h - i) * (s[i + 1] - s[i]);
}

void zp_summarize(const double *v, int n, struct zp_summary *s, bool *outlier)
{
	double *sorted, sum = 0, ss = 0, iqr, lo, hi;
	int i;

	memset(s, 0, sizeof(*s));
	s->n = n;
	s->ci_lo = s->ci_hi = s->sd = NAN;
	if (outlier)
		memset(outlier, 0, n * sizeof(*outlier));
	if (n <= 0) {
		s->median = s->mean = s->q1 = s->q3 = NAN;
		return;
	}
	sorted = zp_xmalloc(n * sizeof(double));
	memcpy(sorted, v, n * sizeof(double));
	qsort(sorted, n, sizeof(double), zp_cmp);
	for (i = 0; i < n; i++)
		sum += v[i];
	s->mean = sum / n;
	s->median = zp_quantile(sorted, n, 0.5);
	s->q1 = zp_quantile(sorted, n, 0.25);
	s->q3 = zp_quantile(sorted, n, 0.75);
	s->min = sorted[0];
	s->max = sorted[n - 1];
	if (n >= 2) {
		double half;

		for (i = 0; i < n; i++)
			ss += (v[i] - s->mean) * (v[i] - s->mean);
		s->sd = sqrt(ss / (n - 1));
		half = zp_t975(n - 1) * s->sd / sqrt(n);
		s->ci_lo = s->mean - half;
		s->ci_hi = s->mean + half;
	}
	/* Tukey: beyond 1.5 interquartile ranges from the quartiles */
	iqr = s->q3 - s->q1;
	lo = s->q1 - 1.5 * iqr;
	hi = s->q3 + 1.5 * iqr;
	for (i = 0; n >= 4 && i < n; i++) {
		if (v[i] >= lo && v[i] <= hi)
			continue;
		s->outliers++;
		if (outlier)
			outlier[i] = true;
	}
	free(sorted);
}

double zp_cv(const struct zp_summary *s)
{
	return s->mean > 0 && !isnan(s->sd) ? s->sd / s->mean : NAN;
}

void zp_compare(const struct zp_summary *a, const struct zp_summary *b,
		struct zp_ratio *r)
{
	double va, vb, se, df, t, noise;

	memset(r, 0, sizeof(*r));
	r->value = r->lo = r->hi = NAN;
	if (!(a->mean > 0) || !(b->mean >= 0)) {
		r->verdict = ZP_V_UNDEFINED;	/* B/A of a zero A */
		return;
	}
	r->value = b->mean / a->mean;
	if (a->n < 2 || b->n < 2) {
		r->verdict = ZP_V_FEW;
		return;
	}
	if (!(b->mean > 0)) {
		/* B all zero, A not: the log scale has no room for it */
		r->lo = r->hi = 0;
		r->verdict = a->ci_lo > 0 ? ZP_V_LOWER : ZP_V_SAME;
		return;
	}
	/* relative variances of the two means: var(log mean) ~ sd^2/(n m^2) */
	va = a->sd * a->sd / (a->n * a->mean * a->mean);
	vb = b->sd * b->sd / (b->n * b->mean * b->mean);
	se = sqrt(va + vb);
	if (se > 0) {
		df = (va + vb) * (va + vb) /
		     (va * va / (a->n - 1) + vb * vb / (b->n - 1));
		t = zp_t975(df);
	} else {
		t = 0;	/* no spread at all: the interval is the point */
	}
	r->lo = r->value * exp(-t * se);
	r->hi = r->value * exp(t * se);
	if (r->lo <= 1 && r->hi >= 1)
		r->verdict = ZP_V_SAME;
	else
		r->verdict = r->hi < 1 ? ZP_V_LOWER : ZP_V_HIGHER;
	/* runs that differ by more than the effect: the spread is the news */
	noise = fmax(zp_cv(a), zp_cv(b));
	r->noise = noise;
	r->noisy = !isnan(noise) && noise > fabs(r->value - 1);
}

const char *zp_verdict_text(const struct zp_ratio *r)
{
	switch (r->verdict) {
	case ZP_V_SAME:
		return "no significant difference";
	case ZP_V_LOWER:
		return "B lower (significant)";
	case ZP_V_HIGHER:
		return "B higher (significant)";
	case ZP_V_FEW:
		return "too few runs for an interval";
	default:
		return "no ratio: A is zero";
	}
}

const char *zp_verdict_key(const struct zp_ratio *r)
{
	static const char *const keys[] = {
		[ZP_V_SAME] = "no_significant_difference",
		[ZP_V_LOWER] = "B_lower",
		[ZP_V_HIGHER] = "B_higher",
		[ZP_V_FEW] = "too_few_runs",
		[ZP_V_UNDEFINED] = "undefined",
	};

	return keys[r->verdict];
}
