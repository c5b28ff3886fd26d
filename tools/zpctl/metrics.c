// SPDX-License-Identifier: GPL-2.0
/*
 * zpctl metrics: the stats tree in the Prometheus text exposition format,
 * for node_exporter's textfile collector: every documented counter, gauge
 * and tunable under a name with its unit, text files as _info gauges, the
 * modules loaded, and ptshare's log2 fork-time histograms from debugfs as
 * Prometheus histograms.  -o writes a file atomically (a temporary file
 * renamed over it), as the collector may read at any moment.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"
#include "zpctl.h"

static const char metrics_usage[] =
"Usage: zpctl metrics [-o FILE]\n"
"\n"
"Print every counter, gauge and tunable of /sys/kernel/zeropool in the\n"
"Prometheus text format (HELP and TYPE lines, base units in the names,\n"
"counters ending in _total), text files as _info gauges with the value as\n"
"label, zeropool_module_loaded per module, and ptshare's fork and\n"
"page-table copy times as histograms (from debugfs: root only).\n"
"\n"
"  -o, --output FILE   write FILE atomically instead of stdout, e.g.\n"
"                      /var/lib/prometheus/node-exporter/zeropool.prom\n"
"  -h, --help          this text\n"
"\n"
"Exit status: 0 (also when no module is loaded: the module gauges say so),\n"
"1 when FILE cannot be written, 2 usage error.\n";

struct zp_sample_line {
	char *family;		/* sort key: a family's lines stay together */
	const char *type;
	char *help;
	char *line;		/* "name{labels} value" */
};

struct zp_expo {
	struct zp_sample_line *s;
	int n;
};

static void zp_expo_add(struct zp_expo *e, const char *family,
			const char *type, const char *help, char *line)
{
	e->s = zp_xrealloc(e->s, (e->n + 1) * sizeof(*e->s));
	e->s[e->n].family = zp_xstrdup(family);
	e->s[e->n].type = type;
	e->s[e->n].help = zp_xstrdup(help);
	e->s[e->n++].line = line;
}

/* A label value: valid UTF-8, with \ " and newline escaped. */
static char *zp_label_value(const char *raw)
{
	char *clean = zp_utf8_clean(raw), *out, *o;
	const char *p;

	out = zp_xmalloc(strlen(clean) * 2 + 1);
	for (o = out, p = clean; *p; p++) {
		if (*p == '\\' || *p == '"' || *p == '\n') {
			*o++ = '\\';
			*o++ = *p == '\n' ? 'n' : *p;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	free(clean);
	return out;
}

/* HELP text: one line, \ and newline escaped, the unit said once. */
static char *zp_help_text(const struct zp_metric_def *d)
{
	char *raw = zp_xasprintf("%s%s (%s, %s)",
				 d->kind == ZP_M_TUNABLE ? "tunable: " : "",
				 d->help, d->path, d->unit);
	char *out = zp_label_value(raw), *p;

	/* in HELP a quote needs no escape: undo it */
	for (p = out; (p = strstr(p, "\\\"")); )
		memmove(p, p + 1, strlen(p));
	free(raw);
	return out;
}

static void zp_expo_file(struct zp_expo *e, const char *path,
			 const char *value)
{
	static const char *const types[] = {
		[ZP_M_COUNTER] = "counter", [ZP_M_GAUGE] = "gauge",
		[ZP_M_TUNABLE] = "gauge", [ZP_M_TEXT] = "gauge",
	};
	const struct zp_metric_def *d;
	char name[256], labels[256], *help, *v;
	double scale;

	d = zp_metric_find(path, labels, sizeof(labels));
	if (!d || !value)
		return;		/* undocumented, or unreadable now */
	zp_metric_name(d, name, sizeof(name), &scale);
	help = zp_help_text(d);
	if (d->kind == ZP_M_TEXT) {
		v = zp_label_value(value);
		zp_expo_add(e, name, types[d->kind], help,
			    zp_xasprintf("%s{%s%svalue=\"%s\"} 1", name, labels,
					 labels[0] ? "," : "", v));
		free(v);
	} else if (zp_is_int(value)) {
		char num[64];

		if (scale == 1)
			snprintf(num, sizeof(num), "%s", value);
		else
			snprintf(num, sizeof(num), "%.15g",
				 strtod(value, NULL) * scale);
		zp_expo_add(e, name, types[d->kind], help,
			    labels[0] ? zp_xasprintf("%s{%s} %s", name, labels, num) :
			    zp_xasprintf("%s %s", name, num));
	}
	free(help);
}

/*
 * ptshare's debugfs histogram "<lo> -> <hi> : <count> |...|" lines (bucket
 * i holds [2^i, 2^(i+1)) ns) as a cumulative Prometheus histogram in
 * seconds; @sum_file is the sysfs counter of the same times summed.
 */
static void zp_expo_hist(struct zp_expo *e, const char *file,
			 const char *family, const char *help,
			 const char *sum_file)
{
	char *path = zp_xasprintf("%s/ptshare/%s", zp_debugfs_root, file);
	char *text = zp_slurp(path, 1 << 16), *line, *save, buf[64];
	unsigned long long lo, hi, count, total = 0;
	double sum = NAN;

	free(path);
	if (!text)
		return;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, " %llu -> %llu : %llu", &lo, &hi, &count) != 3)
			continue;
		total += count;
		zp_expo_add(e, family, "histogram", help,
			    zp_xasprintf("%s_bucket{le=\"%.9g\"} %llu", family,
					 hi * 1e-9, total));
	}
	free(text);
	zp_expo_add(e, family, "histogram", help,
		    zp_xasprintf("%s_bucket{le=\"+Inf\"} %llu", family, total));
	path = zp_xasprintf("%s/ptshare/%s", zp_sysfs_root, sum_file);
	if (!zp_read_file(path, buf, sizeof(buf)) && zp_is_int(buf))
		sum = strtod(buf, NULL) * 1e-9;
	free(path);
	if (!isnan(sum))
		zp_expo_add(e, family, "histogram", help,
			    zp_xasprintf("%s_sum %.15g", family, sum));
	zp_expo_add(e, family, "histogram", help,
		    zp_xasprintf("%s_count %llu", family, total));
}

static int zp_cmp_family(const void *a, const void *b)
{
	const struct zp_sample_line *x = a, *y = b;

	return strcmp(x->family, y->family);
}

void zp_metrics_write(FILE *f)
{
	static const char *const mods[] = {
		ZP_CORE_MODULE, "zeropool", "pagesplice", "ptshare",
		"bte_offload",
	};
	struct zp_expo e = { 0 };
	struct zp_snap s;
	const char *last = "";
	size_t last_len = 0;
	unsigned int i;
	int k;

	for (i = 0; i < ARRAY_SIZE(mods); i++)
		zp_expo_add(&e, "zeropool_module_loaded", "gauge",
			    "1 when the kernel module is loaded (/sys/module/MODULE)",
			    zp_xasprintf("zeropool_module_loaded{module=\"%s\"} %d",
					 mods[i], zp_module_loaded(mods[i])));
	if (!zp_snap_read(zp_sysfs_root, &s)) {
		for (k = 0; k < s.n; k++)
			zp_expo_file(&e, s.path[k], s.value[k]);
		zp_snap_free(&s);
	}
	zp_expo_hist(&e, "hist_fork_ns", "zeropool_ptshare_fork_duration_seconds",
		     "fork time of traced forks, fork-level probe entry to return (ptshare debugfs hist_fork_ns, log2 buckets)",
		     "fork_ns_total");
	zp_expo_hist(&e, "hist_copy_ns", "zeropool_ptshare_copy_duration_seconds",
		     "copy_page_range time summed per traced fork (ptshare debugfs hist_copy_ns, log2 buckets)",
		     "copy_ns_total");
	/* stable: the order within a family (buckets) is kept */
	for (k = 0; k < e.n; k++) {
		char *key = zp_xasprintf("%s\x01%06d", e.s[k].family, k);

		free(e.s[k].family);
		e.s[k].family = key;
	}
	qsort(e.s, e.n, sizeof(*e.s), zp_cmp_family);
	for (k = 0; k < e.n; k++) {
		size_t flen = strcspn(e.s[k].family, "\x01");

		if (last_len != flen || strncmp(last, e.s[k].family, flen)) {
			fprintf(f, "# HELP %.*s %s\n# TYPE %.*s %s\n", (int)flen,
				e.s[k].family, e.s[k].help, (int)flen,
				e.s[k].family, e.s[k].type);
			last = e.s[k].family;
			last_len = flen;
		}
		fprintf(f, "%s\n", e.s[k].line);
	}
	for (k = 0; k < e.n; k++) {
		free(e.s[k].family);
		free(e.s[k].help);
		free(e.s[k].line);
	}
	free(e.s);
}

int cmd_metrics(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL;
	char *tmp;
	FILE *f;
	int c;

	while ((c = getopt_long(argc, argv, "+o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'h':
			fputs(metrics_usage, stdout);
			return EXIT_OK;
		default:
			return zp_usage_error("metrics", "bad option");
		}
	}
	if (optind < argc)
		return zp_usage_error("metrics", "no arguments expected");
	if (!out) {
		zp_metrics_write(stdout);
		return EXIT_OK;
	}
	tmp = zp_xasprintf("%s.tmp.%d", out, (int)getpid());
	f = fopen(tmp, "w");
	if (!f) {
		zp_err("metrics: cannot write %s: %s", tmp, strerror(errno));
		free(tmp);
		return EXIT_FAIL;
	}
	zp_metrics_write(f);
	if (fflush(f) || ferror(f) | fclose(f) || rename(tmp, out)) {
		zp_err("metrics: cannot write %s: %s", out, strerror(errno));
		unlink(tmp);
		free(tmp);
		return EXIT_FAIL;
	}
	free(tmp);
	return EXIT_OK;
}
