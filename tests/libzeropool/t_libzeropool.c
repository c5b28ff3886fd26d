// SPDX-License-Identifier: GPL-2.0
/*
 * libzeropool maps /dev/zeropool when the module is loaded and falls back
 * to shared anonymous memory when it is not (or ZEROPOOL_DISABLE=1), with
 * the same semantics either way: zeroed, shared with a child across fork.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libzeropool.h>

#include "../lib/zptest.h"

#define SIZE (3 * 1024 * 1024 + 123)

/* The path /proc/self/maps shows for the mapping at @p. */
static void backing(void *p, char *out, size_t len)
{
	unsigned long lo, hi;
	char line[512], path[256];
	FILE *f = fopen("/proc/self/maps", "re");

	snprintf(out, len, "?");
	while (f && fgets(line, sizeof(line), f)) {
		path[0] = '\0';
		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %255[^\n]", &lo, &hi,
			   path) >= 2 && lo == (unsigned long)p) {
			snprintf(out, len, "%s", path);
			break;
		}
	}
	if (f)
		fclose(f);
}

static void round_trip(const char *label, const char *want_backing)
{
	unsigned char *p = zp_alloc(SIZE);
	char where[256];
	int status;
	pid_t pid;

	if (!p)
		tap_bail("%s: zp_alloc: %s", label, strerror(errno));
	backing(p, where, sizeof(where));
	tap_ok(strstr(where, want_backing) != NULL, "%s: backed by %s (%s)",
	       label, want_backing, where);
	tap_ok(zp_bytes_zero(p, SIZE), "%s: memory reads as zero", label);
	pid = fork();
	if (pid == 0) {
		memset(p, 0x77, SIZE);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	tap_ok(p[0] == 0x77 && p[SIZE - 1] == 0x77,
	       "%s: a child's writes are seen by the parent", label);
	zp_free(p, SIZE);
}

int main(int argc, char **argv)
{
	tap_init(argv[0]);
	tap_ok(zp_alloc(0) == NULL && errno == EINVAL, "zp_alloc(0) fails with EINVAL");
	tap_ok(zp_alloc((size_t)-1) == NULL && errno == ENOMEM,
	       "zp_alloc(SIZE_MAX) fails with ENOMEM");

	zp_unload_quiet("zeropool");
	tap_ok(!zp_device_available(), "module unloaded: no device");
	round_trip("fallback", "/dev/zero");

	zp_load_zeropool(NULL);
	tap_ok(zp_device_available(), "module loaded: device available");
	round_trip("device", "/dev/zeropool");

	setenv("ZEROPOOL_DISABLE", "1", 1);
	tap_ok(!zp_device_available(), "ZEROPOOL_DISABLE=1: device not used");
	round_trip("disabled", "/dev/zero");
	unsetenv("ZEROPOOL_DISABLE");

	zp_unload_quiet("zeropool");
	return tap_done();
}
