// SPDX-License-Identifier: GPL-2.0
/*
 * ptshare's per-fork records (debugfs records: "key=value ... comm=NAME"
 * lines) and its log2 histograms, parsed for zpctl forks: filters by pid,
 * comm and parent RSS, JSON, and following the ring as forks close.  The
 * format is ptshare's ABI (include/uapi/ABI-ptshare.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "forkrec.h"

const char *zp_rec_get(const struct zp_rec *r, const char *key)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (!strcmp(r->key[i], key))
			return r->val[i];
	return NULL;
}

uint64_t zp_rec_u64(const struct zp_rec *r, const char *key)
{
	const char *v = zp_rec_get(r, key);

	return v ? strtoull(v, NULL, 10) : 0;
}

/* One records line into @r (its text is kept in r->line); false if not one. */
static bool zp_rec_parse(char *line, struct zp_rec *r)
{
	char *p = line, *eq, *sp;

	memset(r, 0, sizeof(*r));
	while (*p && r->n < ZP_REC_MAX_KEYS) {
		eq = strchr(p, '=');
		if (!eq)
			break;
		*eq = '\0';
		r->key[r->n] = p;
		r->val[r->n] = eq + 1;
		/* comm is last and runs to the end of the line */
		if (!strcmp(p, "comm")) {
			r->n++;
			break;
		}
		sp = strchr(eq + 1, ' ');
		r->n++;
		if (!sp)
			break;
		*sp = '\0';
		p = sp + 1;
	}
	return zp_rec_get(r, "seq") != NULL;
}

int zp_recs_read(const char *path, struct zp_recs *rs)
{
	char *save, *line;

	memset(rs, 0, sizeof(*rs));
	rs->text = zp_slurp(path, 64 << 20);
	if (!rs->text)
		return -errno;
	for (line = strtok_r(rs->text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#') {
			if (sscanf(line, "# records %*u..%*u dropped %llu",
				   &rs->dropped) != 1)
				rs->dropped = 0;
			continue;
		}
		rs->r = zp_xrealloc(rs->r, (rs->n + 1) * sizeof(*rs->r));
		if (zp_rec_parse(line, &rs->r[rs->n]))
			rs->n++;
	}
	return 0;
}

void zp_recs_free(struct zp_recs *rs)
{
	free(rs->r);
	free(rs->text);
	memset(rs, 0, sizeof(*rs));
}

bool zp_rec_match(const struct zp_rec *r, const struct zp_rec_filter *f)
{
	const char *comm = zp_rec_get(r, "comm");

	if (f->pid && zp_rec_u64(r, "pid") != f->pid &&
	    zp_rec_u64(r, "tgid") != f->pid)
		return false;
	if (f->comm && (!comm || strcmp(comm, f->comm)))
		return false;
	return zp_rec_u64(r, "parent_anon_kb") >= f->min_rss_kb;
}

void zp_rec_json(struct zp_json *j, const struct zp_rec *r)
{
	int i;

	zp_json_obj(j, NULL);
	for (i = 0; i < r->n; i++) {
		if (!strcmp(r->key[i], "comm") || !strcmp(r->key[i], "end"))
			zp_json_str(j, r->key[i], r->val[i]);
		else
			zp_json_auto(j, r->key[i], r->val[i]);
	}
	zp_json_end_obj(j);
}

void zp_hist_json(struct zp_json *j, const char *key, const char *path)
{
	unsigned long long lo, hi, count;
	char *text = zp_slurp(path, 1 << 16), *line, *save;

	if (!text) {
		zp_json_null(j, key);
		return;
	}
	zp_json_arr(j, key);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, " %llu -> %llu : %llu", &lo, &hi, &count) != 3)
			continue;
		zp_json_obj(j, NULL);
		zp_json_u64(j, "lo_ns", lo);
		zp_json_u64(j, "hi_ns", hi);
		zp_json_u64(j, "count", count);
		zp_json_end_obj(j);
	}
	zp_json_end_arr(j);
	free(text);
}
