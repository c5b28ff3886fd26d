// SPDX-License-Identifier: GPL-2.0
/* tracefs for tests (tracefs.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tracefs.h"
#include "zptest.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

const char *tr_root(void)
{
	static const char *const roots[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	static char found[64];
	char path[96];
	size_t i;

	if (found[0])
		return found;
	for (i = 0; i < ARRAY_SIZE(roots); i++) {
		snprintf(path, sizeof(path), "%s/trace", roots[i]);
		if (!access(path, R_OK)) {
			snprintf(found, sizeof(found), "%s", roots[i]);
			return found;
		}
	}
	return NULL;
}

static void tr_path(char *out, size_t len, const char *rel)
{
	const char *root = tr_root();

	if (!root)
		tap_bail("no tracefs mounted");
	snprintf(out, len, "%s/%s", root, rel);
}

static void tr_write(const char *rel, const char *val)
{
	char path[256];
	ssize_t n;
	int fd;

	tr_path(path, sizeof(path), rel);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		tap_bail("open %s: %s", path, strerror(errno));
	n = write(fd, val, strlen(val));
	if (n != (ssize_t)strlen(val))
		tap_bail("write %s to %s: %s", val, path, strerror(errno));
	close(fd);
}

bool tr_event_exists(const char *event)
{
	char path[256], rel[160];

	snprintf(rel, sizeof(rel), "events/%s/enable", event);
	tr_path(path, sizeof(path), rel);
	return !access(path, W_OK);
}

void tr_enable(const char *event, bool on)
{
	char rel[160];

	snprintf(rel, sizeof(rel), "events/%s/enable", event);
	tr_write(rel, on ? "1" : "0");
}

void tr_reset(unsigned int kb)
{
	char val[32];

	if (kb) {
		snprintf(val, sizeof(val), "%u", kb);
		tr_write("buffer_size_kb", val);
	}
	tr_write("trace", "");
}

char *tr_read(void)
{
	size_t len = 0, cap = 1 << 16;
	char path[256], *buf;
	ssize_t n;
	int fd;

	tr_path(path, sizeof(path), "trace");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		tap_bail("open %s: %s", path, strerror(errno));
	buf = malloc(cap);
	for (;;) {
		if (!buf)
			tap_bail("out of memory reading %s", path);
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0)
			tap_bail("read %s: %s", path, strerror(errno));
		if (!n)
			break;
		len += n;
		if (cap - len < 4096) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

uint64_t tr_overruns(void)
{
	char path[256], rel[96], line[128];
	unsigned long long v;
	uint64_t sum = 0;
	long cpu, ncpu = sysconf(_SC_NPROCESSORS_CONF);
	FILE *f;

	for (cpu = 0; cpu < ncpu; cpu++) {
		snprintf(rel, sizeof(rel), "per_cpu/cpu%ld/stats", cpu);
		tr_path(path, sizeof(path), rel);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "overrun: %llu", &v) == 1)
				sum += v;
		fclose(f);
	}
	return sum;
}

const char *tr_next(const char *event, const char **pos)
{
	char needle[96];
	const char *hit, *eol;

	snprintf(needle, sizeof(needle), " %s: ", event);
	hit = *pos ? strstr(*pos, needle) : NULL;
	if (!hit)
		return NULL;
	eol = strchr(hit, '\n');
	*pos = eol ? eol + 1 : hit + strlen(hit);
	return hit + strlen(needle);
}

size_t tr_count(const char *buf, const char *event)
{
	const char *pos = buf;
	size_t n = 0;

	while (tr_next(event, &pos))
		n++;
	return n;
}

/* The value after " key=" (or "key=" at the start) on @line's line. */
static const char *tr_value(const char *line, const char *key)
{
	size_t klen = strlen(key);
	const char *p = line, *eol = strchr(line, '\n');

	while ((p = strstr(p, key)) && (!eol || p < eol)) {
		if ((p == line || p[-1] == ' ') && p[klen] == '=')
			return p + klen + 1;
		p += klen;
	}
	return NULL;
}

bool tr_field(const char *line, const char *key, int64_t *val)
{
	const char *v = tr_value(line, key);
	char *end;

	if (!v)
		return false;
	errno = 0;
	*val = strtoll(v, &end, 10);
	return !errno && end != v;
}

bool tr_word(const char *line, const char *key, char *out, size_t len)
{
	const char *v = tr_value(line, key);
	size_t n;

	if (!v || !len)
		return false;
	n = strcspn(v, "\n\t ");
	if (n >= len)
		n = len - 1;
	memcpy(out, v, n);
	out[n] = '\0';
	return true;
}
