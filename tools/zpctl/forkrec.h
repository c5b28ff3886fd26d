/* SPDX-License-Identifier: GPL-2.0 */
/* ptshare's per-fork records and histograms, parsed (forkrec.c). */
#ifndef _ZPCTL_FORKREC_H
#define _ZPCTL_FORKREC_H

#include "zpctl.h"

#define ZP_REC_MAX_KEYS 40

struct zp_rec {
	int n;
	char *key[ZP_REC_MAX_KEYS];	/* point into zp_recs.text */
	char *val[ZP_REC_MAX_KEYS];
};

struct zp_recs {
	char *text;
	struct zp_rec *r;
	int n;
	unsigned long long dropped;	/* from the "# records" line */
};

struct zp_rec_filter {
	uint64_t pid;			/* pid or tgid; 0: any */
	const char *comm;		/* exact; NULL: any */
	uint64_t min_rss_kb;		/* parent's anonymous RSS */
};

/* 0 or -errno */
int zp_recs_read(const char *path, struct zp_recs *rs);
void zp_recs_free(struct zp_recs *rs);
const char *zp_rec_get(const struct zp_rec *r, const char *key);
uint64_t zp_rec_u64(const struct zp_rec *r, const char *key);
bool zp_rec_match(const struct zp_rec *r, const struct zp_rec_filter *f);
void zp_rec_json(struct zp_json *j, const struct zp_rec *r);
/* ptshare's "<lo> -> <hi> : <count>" histogram file as an array (null if unreadable) */
void zp_hist_json(struct zp_json *j, const char *key, const char *path);

#endif /* _ZPCTL_FORKREC_H */
