// SPDX-License-Identifier: GPL-2.0
/*
 * zeropool.ko loads and unloads cleanly, its directories of the stats tree
 * with it; the tree itself (zeropool_core.ko) goes with the last module.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <zeropool/version.h>

#include "../lib/zptest.h"

#define CYCLES 20

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

int main(int argc, char **argv)
{
	int i, load_fail = 0, tree_fail = 0, unload_fail = 0, gone_fail = 0;
	char version[64] = "";

	tap_init(argv[0]);
	zp_unload_quiet("zeropool");
	zp_unload_quiet(ZP_CORE);
	tap_ok(!exists(ZP_SYSFS), "no stats tree before loading");

	for (i = 0; i < CYCLES; i++) {
		if (zp_mod_load("zeropool", "zeropool", NULL)) {
			load_fail++;
			continue;
		}
		if (!exists(ZP_SYSFS "/pool/max_pages") ||
		    !exists(ZP_SYSFS "/scrub/enabled") ||
		    zp_read_str("version", version, sizeof(version)) ||
		    strcmp(version, ZEROPOOL_VERSION))
			tree_fail++;
		if (zp_mod_unload("zeropool"))
			unload_fail++;
		if (exists(ZP_SYSFS "/pool") || exists(ZP_SYSFS "/scrub"))
			gone_fail++;
		if (zp_mod_unload(ZP_CORE))
			unload_fail++;
		if (exists(ZP_SYSFS))
			gone_fail++;
	}
	tap_ok(!load_fail, "%d loads succeed (%d failed)", CYCLES, load_fail);
	tap_ok(!tree_fail, "tree with version %s present after each load (%d bad)",
	       ZEROPOOL_VERSION, tree_fail);
	tap_ok(!unload_fail, "%d unloads of zeropool, then %s, succeed (%d failed)",
	       CYCLES, ZP_CORE, unload_fail);
	tap_ok(!gone_fail, "pool/ and scrub/ gone after each unload, the tree after %s's (%d left)",
	       ZP_CORE, gone_fail);
	tap_ok(zp_mod_unload("zeropool") == -ENOENT,
	       "unloading an absent module gives ENOENT");
	return tap_done();
}
