// SPDX-License-Identifier: GPL-2.0
/*
 * From a path of the stats tree to its documented definition, and from
 * that to a Prometheus name: the unit goes into the name in base units
 * (ns and ms as _seconds, KiB as _bytes, % as _ratio), counters end in
 * _total, the numbers of node<N>, order<K> and users/<uid> become labels.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "metrics.h"
#include "zpctl.h"

/* "node12" -> "node" and "12"; false when @seg is not word + digits. */
static bool zp_numbered(const char *seg, size_t seglen, const char *word)
{
	size_t w = strlen(word), i;

	if (seglen <= w || strncmp(seg, word, w))
		return false;
	for (i = w; i < seglen; i++)
		if (!isdigit((unsigned char)seg[i]))
			return false;
	return true;
}

static void zp_add_label(char *labels, size_t len, const char *name,
			 const char *val, size_t vlen)
{
	size_t used = strlen(labels);

	snprintf(labels + used, len - used, "%s%s=\"%.*s\"", used ? "," : "",
		 name, (int)vlen, val);
}

const struct zp_metric_def *zp_metric_find(const char *path, char *labels,
					   size_t len)
{
	char pat[512] = "", lab[256] = "";
	const char *seg = path, *end;
	size_t n, used;
	int i, depth = 0;

	for (; *seg; seg = *end ? end + 1 : end, depth++) {
		end = strchrnul(seg, '/');
		n = end - seg;
		used = strlen(pat);
		if (used + n + 8 >= sizeof(pat))
			return NULL;
		if (used)
			pat[used++] = '/';
		if (depth == 1 && !strncmp(path, "users/", 6) &&
		    zp_numbered(seg - 1, n + 1, "/")) {
			strcpy(pat + used, "<uid>");
			zp_add_label(lab, sizeof(lab), "uid", seg, n);
		} else if (zp_numbered(seg, n, "node")) {
			strcpy(pat + used, "node<N>");
			zp_add_label(lab, sizeof(lab), "node", seg + 4, n - 4);
		} else if (zp_numbered(seg, n, "order")) {
			strcpy(pat + used, "order<K>");
			zp_add_label(lab, sizeof(lab), "order", seg + 5, n - 5);
		} else {
			memcpy(pat + used, seg, n);
			pat[used + n] = '\0';
		}
	}
	for (i = 0; i < zp_nr_metric_defs; i++) {
		if (strcmp(zp_metric_defs[i].path, pat))
			continue;
		if (labels)
			snprintf(labels, len, "%s", lab);
		return &zp_metric_defs[i];
	}
	return NULL;
}

struct zp_unit {
	const char *unit;	/* as in the docs */
	const char *drop[3];	/* words of the file name that said it */
	const char *suffix;
	double scale;
};

static const struct zp_unit zp_units[] = {
	{ "pages", { "pages" }, "pages", 1 },
	{ "bytes", { "bytes" }, "bytes", 1 },
	{ "ns", { "ns" }, "seconds", 1e-9 },
	{ "ms", { "ms" }, "seconds", 1e-3 },
	{ "KiB", { "kb" }, "bytes", 1024 },
	{ "%", { "pct" }, "ratio", 0.01 },
	{ "ns/MiB", { "ns", "per", "mib" }, "seconds_per_byte",
	  1e-9 / (1 << 20) },
};

static bool zp_dropped(const struct zp_unit *u, const char *word, size_t n)
{
	int i;

	if (n == 5 && !strncmp(word, "total", 5))
		return true;	/* counters get theirs at the end */
	for (i = 0; u && i < 3 && u->drop[i]; i++)
		if (strlen(u->drop[i]) == n && !strncmp(u->drop[i], word, n))
			return true;
	return false;
}

void zp_metric_name(const struct zp_metric_def *d, char *name, size_t len,
		    double *scale)
{
	const struct zp_unit *u = NULL;
	const char *p = d->path, *end;
	size_t used, n;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(zp_units); i++)
		if (!strcmp(zp_units[i].unit, d->unit))
			u = &zp_units[i];
	*scale = u ? u->scale : 1;
	snprintf(name, len, "zeropool");
	/* words of the path, minus labels and the unit, joined by '_' */
	for (; *p; p = *end ? end + 1 : end) {
		end = p + strcspn(p, "/_");
		n = end - p;
		if (!n || *p == '<' || zp_dropped(u, p, n))
			continue;
		if (!strncmp(p, "node<N>", 7)) {
			n = 4;
			end = p + 7;
		} else if (!strncmp(p, "order<K>", 8)) {
			end = p + 8;
			continue;
		}
		used = strlen(name);
		snprintf(name + used, len - used, "_%.*s", (int)n, p);
	}
	used = strlen(name);
	if (u)
		snprintf(name + used, len - used, "_%s", u->suffix);
	used = strlen(name);
	if (d->kind == ZP_M_COUNTER)
		snprintf(name + used, len - used, "_total");
	else if (d->kind == ZP_M_TEXT)
		snprintf(name + used, len - used, "_info");
}
