// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "zptest.h"

static int tap_count;
static int tap_failed;
static const char *tap_program = "test";

void tap_init(const char *program)
{
	const char *slash = strrchr(program, '/');

	tap_program = slash ? slash + 1 : program;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n# %s\n", tap_program);
}

static void tap_vline(const char *status, const char *fmt, va_list ap,
		      const char *suffix)
{
	printf("%s %d - %s: ", status, ++tap_count, tap_program);
	vprintf(fmt, ap);
	printf("%s\n", suffix);
}

bool tap_ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vline(cond ? "ok" : "not ok", fmt, ap, "");
	va_end(ap);
	if (!cond)
		tap_failed++;
	return cond;
}

void tap_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vline("ok", fmt, ap, " # SKIP");
	va_end(ap);
}

void tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

void tap_bail(const char *fmt, ...)
{
	va_list ap;

	printf("not ok %d - %s: ", ++tap_count, tap_program);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n1..%d\n", tap_count);
	exit(1);
}

int zp_mod_load(const char *dir, const char *name, const char *params)
{
	const char *base = getenv("ZP_MODDIR");
	char path[4096];
	int fd, ret;

	if (!base)
		return -ENOENT;
	/* every module of the set needs the stats tree, as modprobe knows */
	if (strcmp(name, ZP_CORE) && !zp_mod_loaded(ZP_CORE)) {
		ret = zp_mod_load(ZP_CORE, ZP_CORE, NULL);
		if (ret && ret != -EEXIST)
			return ret;
	}
	snprintf(path, sizeof(path), "%s/%s/%s.ko", base, dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params ? params : "", 0);
	ret = ret ? -errno : 0;
	close(fd);
	return ret;
}

int zp_mod_unload(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

bool zp_mod_loaded(const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/module/%s/initstate", name);
	return stat(path, &st) == 0;
}

void zp_load_zeropool(const char *params)
{
	int err;

	zp_unload_quiet("zeropool");
	err = zp_mod_load("zeropool", "zeropool", params);
	if (err)
		tap_bail("load zeropool.ko %s: %s", params ? params : "",
			 strerror(-err));
}

void zp_load_zeropool_filled_to(uint64_t pages)
{
	char params[160];

	snprintf(params, sizeof(params),
		 "max_pages=%llu high_watermark=%llu low_watermark=%llu",
		 (unsigned long long)pages, (unsigned long long)pages,
		 (unsigned long long)pages / 2);
	zp_load_zeropool(params);
}

void zp_load_on_zeropool(const char *dir, const char *name)
{
	int err;

	zp_load_zeropool(NULL);
	zp_unload_quiet(name);
	err = zp_mod_load(dir, name, NULL);
	if (err)
		tap_bail("load %s.ko: %s", name, strerror(-err));
}

void zp_unload_quiet(const char *name)
{
	int err, tries;

	for (tries = 0; zp_mod_loaded(name); tries++) {
		err = zp_mod_unload(name);
		if (!err)
			return;
		/* a just-closed file may still be on its way out */
		if (tries == 50)
			tap_bail("unload %s: %s", name, strerror(-err));
		zp_sleep_ms(100);
	}
}

static void zp_path(char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "%s/%s", ZP_SYSFS, rel);
}

int zp_read_str(const char *rel, char *buf, size_t len)
{
	char path[512];
	ssize_t n;
	int fd;

	zp_path(path, sizeof(path), rel);
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
	buf[n] = '\0';
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

int zp_read_u64(const char *rel, uint64_t *val)
{
	char buf[64], *end;
	int err = zp_read_str(rel, buf, sizeof(buf));

	if (err)
		return err;
	errno = 0;
	*val = strtoull(buf, &end, 10);
	if (errno || end == buf || *end)
		return -EINVAL;
	return 0;
}

int zp_write(const char *rel, const char *val)
{
	char path[512];

	zp_path(path, sizeof(path), rel);
	return zp_write_path(path, val);
}

int zp_write_path(const char *path, const char *val)
{
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	n = n < 0 ? -errno : 0;
	close(fd);
	return n;
}

uint64_t zp_get(const char *rel)
{
	uint64_t v;
	int err = zp_read_u64(rel, &v);

	if (err)
		tap_bail("read %s: %s", rel, strerror(-err));
	return v;
}

void zp_set(const char *rel, const char *val)
{
	int err = zp_write(rel, val);

	if (err)
		tap_bail("write %s to %s: %s", val, rel, strerror(-err));
}

int zp_slowdown(void)
{
	const char *s = getenv("ZP_SLOWDOWN");
	int x = s ? atoi(s) : 1;

	return x > 0 ? x : 1;
}

void zp_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static bool zp_wait(const char *rel, uint64_t want, int timeout_ms, bool eq)
{
	uint64_t v = 0;
	int waited;

	for (waited = 0; ; waited += 20) {
		if (!zp_read_u64(rel, &v) && (eq ? v == want : v >= want))
			return true;
		if (waited >= timeout_ms)
			break;
		zp_sleep_ms(20);
	}
	tap_diag("%s is %llu after %d ms, wanted %s%llu", rel,
		 (unsigned long long)v, timeout_ms, eq ? "" : ">= ",
		 (unsigned long long)want);
	return false;
}

bool zp_wait_eq(const char *rel, uint64_t want, int timeout_ms)
{
	return zp_wait(rel, want, timeout_ms, true);
}

bool zp_wait_ge(const char *rel, uint64_t want, int timeout_ms)
{
	return zp_wait(rel, want, timeout_ms, false);
}

static uint64_t zp_keyfile(const char *file, const char *key)
{
	size_t klen = strlen(key);
	char line[256];
	uint64_t v = 0;
	FILE *f = fopen(file, "re");

	if (!f)
		tap_bail("open %s: %s", file, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, klen) &&
		    (line[klen] == ' ' || line[klen] == ':' ||
		     line[klen] == '\t')) {
			v = strtoull(line + klen + 1 +
				     strspn(line + klen + 1, " \t:"), NULL, 10);
			fclose(f);
			return v;
		}
	}
	fclose(f);
	tap_bail("no %s in %s", key, file);
}

uint64_t zp_vmstat(const char *key)
{
	return zp_keyfile("/proc/vmstat", key);
}

/*
 * vmstat counters are per-CPU deltas folded into /proc/vmstat about once a
 * second, so a balance read right after the last unpin may still lag.
 */
bool zp_pins_balanced_since(uint64_t acq0, uint64_t rel0, int timeout_ms)
{
	int waited;

	for (waited = 0; ; waited += 50) {
		if (zp_vmstat("nr_foll_pin_acquired") - acq0 ==
		    zp_vmstat("nr_foll_pin_released") - rel0)
			return true;
		if (waited >= timeout_ms)
			return false;
		zp_sleep_ms(50);
	}
}

uint64_t zp_meminfo_kb(const char *key)
{
	return zp_keyfile("/proc/meminfo", key);
}

uint64_t zp_status_kb(const char *key)
{
	return zp_keyfile("/proc/self/status", key);
}

bool zp_bytes_zero(const void *p, size_t len)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

uint64_t zp_minflt(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		tap_bail("getrusage: %s", strerror(errno));
	return ru.ru_minflt;
}

void zp_run_on_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		tap_bail("sched_setaffinity(cpu%d)", cpu);
}
