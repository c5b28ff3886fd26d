/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the in-guest benchmarks share, on top of tests/lib: errors that stop
 * the program (setup only; a benchmark never fails on its numbers), sysfs
 * access that says which file failed, clocks, and the zeropool module.
 */
#ifndef _ZP_BENCH_H
#define _ZP_BENCH_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "../lib/zptest.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

static const char *bench_name = "bench";

static inline void bench_die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

static inline void bench_die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: error: ", bench_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(2);
}

static inline uint64_t bench_get(const char *rel)
{
	uint64_t v;
	int err = zp_read_u64(rel, &v);

	if (err)
		bench_die("read %s/%s: %s", ZP_SYSFS, rel, strerror(-err));
	return v;
}

static inline void bench_set(const char *rel, const char *val)
{
	int err = zp_write(rel, val);

	if (err)
		bench_die("write %s to %s/%s: %s", val, ZP_SYSFS, rel,
			  strerror(-err));
}

static inline void bench_set_u64(const char *rel, uint64_t val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)val);
	bench_set(rel, buf);
}

static inline void bench_get_str(const char *rel, char *buf, size_t len)
{
	if (zp_read_str(rel, buf, len))
		snprintf(buf, len, "?");
}

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of @v, which it sorts in place; 0 for none. */
static inline double bench_median(double *v, int n)
{
	qsort(v, n, sizeof(*v), bench_cmp_double);
	return n ? (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2) : 0;
}

static inline double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static inline double bench_tv(const struct timeval *tv)
{
	return tv->tv_sec + tv->tv_usec * 1e-6;
}

/*
 * Unloads @mod if loaded, retrying while it is busy (a fork window, a
 * scrub in flight), or dies.
 */
static inline void bench_unload(const char *mod)
{
	int err, tries;

	for (tries = 0; zp_mod_loaded(mod); tries++) {
		err = zp_mod_unload(mod);
		if (!err)
			return;
		if (tries == 50)
			bench_die("unload %s: %s", mod, strerror(-err));
		zp_sleep_ms(100);
	}
}

/* Unloads zeropool (if loaded) and loads it with @params, or dies. */
static inline void bench_load_zeropool(const char *params)
{
	int err;

	bench_unload("zeropool");
	err = zp_mod_load("zeropool", "zeropool", params);
	if (err == -ENOENT && !getenv("ZP_MODDIR"))
		bench_die("ZP_MODDIR is not set (run in the guest with ZP_MODDIR=build/<release>)");
	if (err)
		bench_die("load %s/zeropool/zeropool.ko %s: %s",
			  getenv("ZP_MODDIR"), params, strerror(-err));
}

/* Polls @rel until it is >= @want (or == @want with @eq), or dies. */
static inline void bench_wait(const char *rel, uint64_t want, bool eq,
			      int timeout_ms)
{
	bool ok = eq ? zp_wait_eq(rel, want, timeout_ms) :
		       zp_wait_ge(rel, want, timeout_ms);

	if (!ok)
		bench_die("%s/%s did not reach %s%llu in %d ms", ZP_SYSFS, rel,
			  eq ? "" : ">= ", (unsigned long long)want,
			  timeout_ms);
}

/* A comma-separated list of positive integers; returns how many. */
/* A comma-separated list of up to @max numbers in 1..2^20, or dies. */
static inline int bench_parse_list(const char *opt, const char *s, int *out,
				   int max)
{
	const char *arg = s;
	char *end;
	long v;
	int n = 0;

	while (*s) {
		errno = 0;
		v = strtol(s, &end, 10);
		if (errno || end == s || v <= 0 || v > 1 << 20 || n == max)
			break;
		out[n++] = v;
		s = end;
		if (*s == ',')
			s++;
		else if (*s)
			break;
	}
	if (*s || !n)
		bench_die("%s wants up to %d numbers like 1,8,64, got \"%s\"",
			  opt, max, arg);
	return n;
}

static inline long bench_parse_pos(const char *opt, const char *s, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v <= 0 || v > max)
		bench_die("%s wants a number in 1..%ld, got \"%s\"", opt, max,
			  s);
	return v;
}

static inline const char *bench_kernel(void)
{
	static char release[128];
	FILE *f = fopen("/proc/sys/kernel/osrelease", "re");

	snprintf(release, sizeof(release), "?");
	if (f) {
		if (fgets(release, sizeof(release), f))
			release[strcspn(release, "\n")] = '\0';
		fclose(f);
	}
	return release;
}

/*
 * Opens --csv FILE (none: NULL) and writes its header line.  Rows are
 * flushed as they come, so that a run cut short keeps what it measured.
 */
static inline FILE *bench_csv_open(const char *path, const char *header)
{
	FILE *f;

	if (!path)
		return NULL;
	f = fopen(path, "we");
	if (!f)
		bench_die("open %s: %s", path, strerror(errno));
	fprintf(f, "%s\n", header);
	fflush(f);
	return f;
}

/* The first line of a file, without its newline; "?" if unreadable. */
static inline void bench_read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	snprintf(buf, len, "?");
	if (!f)
		return;
	if (fgets(buf, len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

#endif /* _ZP_BENCH_H */
