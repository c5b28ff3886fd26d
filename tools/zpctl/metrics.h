/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The documented files of the stats tree (metrics_table.c, generated from
 * include/uapi/ABI*.md by gen-metrics-table) and the Prometheus name and
 * scale each gets, for zpctl metrics and zpctl watch.
 */
#ifndef _ZPCTL_METRICS_H
#define _ZPCTL_METRICS_H

#include <stddef.h>

enum zp_metric_kind {
	ZP_M_COUNTER,		/* monotonic since load: rates make sense */
	ZP_M_GAUGE,		/* an amount now */
	ZP_M_TUNABLE,		/* a number the user sets */
	ZP_M_TEXT,		/* a word or a path */
};

struct zp_metric_def {
	const char *path;	/* "pool/node<N>/pages": <N>, <K>, <uid> */
	enum zp_metric_kind kind;
	const char *unit;	/* as in the ABI docs */
	const char *help;
};

extern const struct zp_metric_def zp_metric_defs[];
extern const int zp_nr_metric_defs;

/*
 * The definition of the tree file @path ("pool/node1/pages"), or NULL when
 * the docs do not know it.  @labels (may be NULL) gets the Prometheus
 * labels its numbers make: node="1", order="9", uid="1000".
 */
const struct zp_metric_def *zp_metric_find(const char *path, char *labels,
					   size_t len);
/* Prometheus name of @d ("zeropool_pool_node_pages") and its scale to base units */
void zp_metric_name(const struct zp_metric_def *d, char *name, size_t len,
		    double *scale);

#endif /* _ZPCTL_METRICS_H */
