// SPDX-License-Identifier: GPL-2.0
/* Messages, allocation, file reading and number parsing. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "zpctl.h"

const char *zp_prog = "zpctl";

const char *const zp_modules[ZP_NR_MODULES] = {
	"zeropool", "pagesplice", "ptshare", "bte_offload",
};

const char *zp_sysfs_root = "/sys/kernel/zeropool";
const char *zp_sysmod_root = "/sys/module";
const char *zp_debugfs_root = "/sys/kernel/debug/zeropool";
const char *zp_proc_root = "/proc";

void zp_paths_init(void)
{
	const char *s;

	s = getenv("ZPCTL_SYSFS");
	if (s && *s)
		zp_sysfs_root = s;
	s = getenv("ZPCTL_SYSMODULE");
	if (s && *s)
		zp_sysmod_root = s;
	s = getenv("ZPCTL_DEBUGFS");
	if (s && *s)
		zp_debugfs_root = s;
	s = getenv("ZPCTL_PROC");
	if (s && *s)
		zp_proc_root = s;
}

bool zp_no_module_support(void)
{
	char *path = zp_xasprintf("%s/modules", zp_proc_root);
	bool none = access(path, F_OK) && errno == ENOENT;

	free(path);
	return none;
}

int zp_module_index(const char *name)
{
	int i;

	for (i = 0; i < ZP_NR_MODULES; i++)
		if (!strcmp(zp_modules[i], name))
			return i;
	return -1;
}

/*
 * pagesplice and bte_offload take and zero their pages through zeropool.ko
 * (they depend on it); ptshare registers with zeropool_core alone, and
 * loading the pool beside it would start scrub threads its A/B never asked for.
 */
bool zp_module_needs_pool(const char *name)
{
	return !strcmp(name, "pagesplice") || !strcmp(name, "bte_offload");
}

static void zp_vmsg(const char *tag, const char *fmt, va_list ap)
{
	fflush(stdout);
	fprintf(stderr, "%s: %s", zp_prog, tag);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void zp_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	zp_vmsg("", fmt, ap);
	va_end(ap);
}

void zp_hint(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	zp_vmsg("hint: ", fmt, ap);
	va_end(ap);
}

void zp_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	zp_vmsg("", fmt, ap);
	va_end(ap);
}

int zp_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	zp_vmsg("", fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s %s%s--help' for more information.\n",
		zp_prog, cmd ? cmd : "", cmd ? " " : "");
	return EXIT_USAGE;
}

static void zp_oom(void)
{
	fprintf(stderr, "%s: out of memory\n", zp_prog);
	exit(EXIT_FAIL);
}

void *zp_xmalloc(size_t size)
{
	void *p = calloc(1, size ? size : 1);

	if (!p)
		zp_oom();
	return p;
}

void *zp_xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);

	if (!p)
		zp_oom();
	return p;
}

char *zp_xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		zp_oom();
	return p;
}

char *zp_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int ret;

	va_start(ap, fmt);
	ret = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (ret < 0)
		zp_oom();
	return p;
}

int zp_read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	return 0;
}

char *zp_slurp(const char *path, size_t max)
{
	size_t len = 0, cap = 4096;
	char *buf;
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	buf = zp_xmalloc(cap);
	for (;;) {
		if (len + 1 >= cap) {
			if (cap >= max)
				break;
			cap *= 2;
			buf = zp_xrealloc(buf, cap);
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = errno;
			free(buf);
			close(fd);
			errno = err;
			return NULL;
		}
		if (!n)
			break;
		len += n;
	}
	buf[len] = '\0';
	close(fd);
	return buf;
}

bool zp_is_int(const char *s)
{
	if (*s == '-')
		s++;
	if (!*s || strlen(s) > 20)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int zp_parse_u64(const char *s, uint64_t *val)
{
	unsigned long long v;
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*val = v;
	return 0;
}

int zp_parse_int(const char *s, int min, int max, int *val)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -EINVAL;
	*val = v;
	return 0;
}

int zp_parse_seconds(const char *s, double *val)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < 0.01 ||
	    v > 86400)
		return -EINVAL;
	*val = v;
	return 0;
}

double zp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int zp_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double zp_median(double *v, int n)
{
	if (n <= 0)
		return 0;
	qsort(v, n, sizeof(*v), zp_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double zp_min(const double *v, int n)
{
	double m = n ? v[0] : 0;
	int i;

	for (i = 1; i < n; i++)
		if (v[i] < m)
			m = v[i];
	return m;
}

double zp_max(const double *v, int n)
{
	double m = n ? v[0] : 0;
	int i;

	for (i = 1; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

void zp_fmt_num(char *buf, size_t len, double v)
{
	double a = fabs(v);

	if (v == (double)(long long)v && a < 1e15)
		snprintf(buf, len, "%lld", (long long)v);
	else if (a >= 100)
		snprintf(buf, len, "%.1f", v);
	else if (a >= 1)
		snprintf(buf, len, "%.3f", v);
	else
		snprintf(buf, len, "%.4f", v);
}

bool zp_module_loaded(const char *name)
{
	struct stat st;
	char *path = zp_xasprintf("%s/%s/initstate", zp_sysmod_root, name);
	bool ret = stat(path, &st) == 0;

	free(path);
	return ret;
}
