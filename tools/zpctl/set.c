// SPDX-License-Identifier: GPL-2.0
/* zpctl set: write one tunable, the kernel's answer shown as it is. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zpctl.h"

static const char set_usage[] =
"Usage: zpctl set PATH VALUE\n"
"\n"
"Write VALUE to the tunable /sys/kernel/zeropool/PATH (e.g. pool/max_pages,\n"
"scrub/zero_method; \"pool.max_pages\" works too).  The kernel validates\n"
"the value; its refusal is shown as the write's error, verbatim.  An empty\n"
"VALUE (\"\") is written as an empty line, not as nothing: files that take\n"
"it mean \"none\" (pool/transparent_cgroup), numeric ones refuse it.\n"
"\n"
"  -h, --help   this text\n"
"\n"
"Exit status: 0 written, 1 refused or no such tunable, 2 usage error.\n";

/* pool.max_pages -> pool/max_pages; a leading root path is cut. */
char *zp_tunable_rel(const char *arg)
{
	size_t rootlen = strlen(zp_sysfs_root);
	char *rel, *p;

	if (!strncmp(arg, zp_sysfs_root, rootlen) && arg[rootlen] == '/')
		arg += rootlen + 1;
	while (*arg == '/')
		arg++;
	rel = zp_xstrdup(arg);
	if (!strchr(rel, '/'))
		for (p = rel; *p; p++)
			if (*p == '.')
				*p = '/';
	return rel;
}

static bool zp_rel_ok(const char *rel)
{
	return *rel && !strstr(rel, "..") && rel[strlen(rel) - 1] != '/';
}

int cmd_set(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char old[256], now[256];
	const char *value;
	char *rel, *path;
	struct stat st;
	int c, fd, err, ret = EXIT_FAIL;
	ssize_t n;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(set_usage, stdout);
			return EXIT_OK;
		default:
			return zp_usage_error("set", "bad option");
		}
	}
	if (argc - optind != 2)
		return zp_usage_error("set", "want PATH and VALUE");
	rel = zp_tunable_rel(argv[optind]);
	value = argv[optind + 1];
	if (!zp_rel_ok(rel)) {
		free(rel);
		return zp_usage_error("set", "bad PATH '%s'", argv[optind]);
	}
	path = zp_xasprintf("%s/%s", zp_sysfs_root, rel);

	if (stat(path, &st)) {
		err = errno;
		if (stat(zp_sysfs_root, &st))
			zp_err("set %s: %s is absent: zeropool is not loaded",
			       rel, zp_sysfs_root);
		else
			zp_err("set %s: no such file: %s (%s)", rel, path,
			       strerror(err));
		zp_hint("'zpctl status' lists the tree; tunables have mode rw");
		goto out_free;
	}
	if (S_ISDIR(st.st_mode)) {
		zp_err("set %s: is a directory", rel);
		goto out_free;
	}
	if (!(st.st_mode & 0222)) {
		zp_err("set %s: read-only file (a counter, not a tunable)", rel);
		goto out_free;
	}
	if (zp_read_file(path, old, sizeof(old)))
		snprintf(old, sizeof(old), "?");

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		zp_err("set %s: %s", rel, strerror(err));
		if (err == EACCES || err == EPERM)
			zp_hint("writing tunables needs root");
		goto out_free;
	}
	/*
	 * sysfs never sees a write of 0 bytes (no ->store call): an empty
	 * VALUE is sent as an empty line, for the kernel to take or refuse.
	 */
	if (!*value)
		value = "\n";
	n = write(fd, value, strlen(value));
	err = n < 0 ? errno : 0;
	close(fd);
	if (n < 0) {
		/* the kernel's verdict, exactly as the write returned it */
		zp_err("set %s %s: %s", rel, value, strerror(err));
		if (err == EINVAL)
			zp_hint("%s stays %s; the value is out of range or breaks a rule between tunables (see zpctl(1) and include/uapi/ABI.md)",
				rel, old);
		else if (err == EACCES || err == EPERM)
			zp_hint("writing tunables needs root");
		goto out_free;
	}
	if (zp_read_file(path, now, sizeof(now)))
		snprintf(now, sizeof(now), "?");
	printf("%s: %s -> %s\n", rel, old, now);
	ret = EXIT_OK;
out_free:
	free(path);
	free(rel);
	return ret;
}
