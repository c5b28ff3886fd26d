// SPDX-License-Identifier: GPL-2.0
/*
 * zeropool_core.ko owns the stats tree alone: loaded by itself it makes
 * the root, its version file and an empty users/, and nothing of the
 * pool; ptshare, which only reports into the tree, loads on it without
 * zeropool.ko, so no
 * scrub thread starts and no page is taken; the core stays while a module
 * uses it and takes the tree with it when it goes.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <zeropool/version.h>

#include "../lib/zptest.h"

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* Entries of a directory, or -1 when it can't be read. */
static int dir_entries(const char *path)
{
	struct dirent *de;
	DIR *d = opendir(path);
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* Kernel threads whose name starts with "zeropool_scrubd". */
static int scrub_threads(void)
{
	char path[300], comm[64];
	struct dirent *de;
	DIR *d = opendir("/proc");
	int n = 0;
	FILE *f;

	if (!d)
		tap_bail("opendir /proc: %s", strerror(errno));
	while ((de = readdir(d))) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) &&
		    !strncmp(comm, "zeropool_scrubd", 15))
			n++;
		fclose(f);
	}
	closedir(d);
	return n;
}

static void test_core_alone(void)
{
	char version[64] = "";
	int err;

	err = zp_mod_load(ZP_CORE, ZP_CORE, NULL);
	tap_ok(!err, "%s loads by itself (%s)", ZP_CORE,
	       err ? strerror(-err) : "ok");
	tap_ok(!zp_read_str("version", version, sizeof(version)) &&
	       !strcmp(version, ZEROPOOL_VERSION),
	       "the tree's version reads %s (got '%s')", ZEROPOOL_VERSION,
	       version);
	tap_ok(!exists(ZP_SYSFS "/pool") && !exists(ZP_SYSFS "/scrub"),
	       "no pool/ or scrub/ without zeropool");
	tap_ok(dir_entries(ZP_SYSFS "/users") == 0,
	       "users/ is there and empty: nothing is charged to anyone (%d)",
	       dir_entries(ZP_SYSFS "/users"));
}

static void test_ptshare_without_pool(void)
{
	int err;

	err = zp_mod_load("ptshare", "ptshare", NULL);
	tap_ok(!err, "ptshare loads without zeropool (%s)",
	       err ? strerror(-err) : "ok");
	tap_ok(!zp_mod_loaded("zeropool"), "zeropool was not loaded for it");
	tap_ok(scrub_threads() == 0, "no scrub thread runs (%d)",
	       scrub_threads());
	tap_ok(exists(ZP_SYSFS "/ptshare/forks_seen") && !exists(ZP_SYSFS "/pool"),
	       "ptshare/ is in the tree, pool/ is not");
	err = zp_mod_unload(ZP_CORE);
	tap_ok(err && zp_mod_loaded(ZP_CORE),
	       "%s stays while ptshare uses it (%s)", ZP_CORE,
	       err ? strerror(-err) : "unloaded");
	zp_unload_quiet("ptshare");
	tap_ok(!exists(ZP_SYSFS "/ptshare") && exists(ZP_SYSFS "/version"),
	       "ptshare's directory goes with it, the root stays");
}

static void test_pool_on_core(void)
{
	zp_load_zeropool("max_pages=512 high_watermark=256 low_watermark=64");
	tap_ok(scrub_threads() > 0, "zeropool starts its scrub threads (%d)",
	       scrub_threads());
	zp_unload_quiet("zeropool");
	tap_ok(scrub_threads() == 0 && zp_mod_loaded(ZP_CORE),
	       "they stop with it; %s stays", ZP_CORE);
}

int main(int argc, char **argv)
{
	int err;

	tap_init(argv[0]);
	zp_unload_quiet("ptshare");
	zp_unload_quiet("zeropool");
	zp_unload_quiet(ZP_CORE);
	tap_ok(scrub_threads() == 0, "no scrub thread before loading");

	test_core_alone();
	test_ptshare_without_pool();
	test_pool_on_core();

	err = zp_mod_unload(ZP_CORE);
	tap_ok(!err && !exists(ZP_SYSFS), "unloading %s removes the tree (%s)",
	       ZP_CORE, err ? strerror(-err) : "ok");
	return tap_done();
}
