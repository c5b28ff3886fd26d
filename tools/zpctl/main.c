// SPDX-License-Identifier: GPL-2.0
/* zpctl: the command table, global help and version. */
#include <stdlib.h>
#include <string.h>

#include <zeropool/version.h>

#include "zpctl.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} zp_cmds[] = {
	{ "load", cmd_load, "load modules of the set (zeropool first), by name or --from a build tree" },
	{ "unload", cmd_unload, "unload modules of the set (dependents first)" },
	{ "status", cmd_status, "modules and the whole stats tree, as tables or --json" },
	{ "watch", cmd_watch, "the stats tree refreshed, with per-second rates" },
	{ "set", cmd_set, "write a tunable of the stats tree" },
	{ "ab", cmd_ab, "run a command with the modules unloaded (A) and loaded (B)" },
	{ "run", cmd_run, "run a command with its anonymous faults served from the pool" },
	{ "forks", cmd_forks, "ptshare's fork report" },
	{ "metrics", cmd_metrics, "the stats tree in the Prometheus text format" },
	{ "bench", cmd_bench, "run the project's benchmarks" },
};

#define ZP_NR_CMDS ARRAY_SIZE(zp_cmds)

static void zp_usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: zpctl COMMAND [OPTION...] [ARG...]\n"
		"       zpctl COMMAND --help\n"
		"\n"
		"Load, unload, inspect and compare the zeropool kernel modules\n"
		"(zeropool, pagesplice, ptshare, bte_offload).\n"
		"\n"
		"Commands:\n");
	for (i = 0; i < ZP_NR_CMDS; i++)
		fprintf(f, "  %-8s %s\n", zp_cmds[i].name, zp_cmds[i].summary);
	fprintf(f,
		"\n"
		"Options:\n"
		"  -h, --help     this text\n"
		"  -V, --version  zpctl's version\n"
		"\n"
		"Exit status: 0 success, 1 the operation failed, 2 usage error.\n"
		"See zpctl(1).\n");
}

int main(int argc, char **argv)
{
	const char *cmd;
	size_t i;

	zp_paths_init();
	if (argc < 2) {
		zp_usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
		zp_usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
		printf("zpctl %s\n", ZEROPOOL_VERSION);
		return EXIT_OK;
	}
	if (!strcmp(cmd, "help")) {
		if (argc < 3) {
			zp_usage(stdout);
			return EXIT_OK;
		}
		for (i = 0; i < ZP_NR_CMDS; i++) {
			if (!strcmp(zp_cmds[i].name, argv[2])) {
				char *args[] = { argv[2], "--help", NULL };

				return zp_cmds[i].fn(2, args);
			}
		}
		return zp_usage_error(NULL, "unknown command '%s'", argv[2]);
	}
	for (i = 0; i < ZP_NR_CMDS; i++) {
		if (strcmp(zp_cmds[i].name, cmd))
			continue;
		/*
		 * Out-of-tree modules cannot be built in: without module
		 * support every command would fail in its own confusing way.
		 */
		if (zp_no_module_support() && !(argc > 2 &&
		    (!strcmp(argv[2], "-h") || !strcmp(argv[2], "--help")))) {
			zp_err("%s: this kernel has no loadable module support (%s/modules is absent): the zeropool modules cannot be loaded on it",
			       cmd, zp_proc_root);
			return EXIT_FAIL;
		}
		return zp_cmds[i].fn(argc - 1, argv + 1);
	}
	return zp_usage_error(NULL, "unknown command '%s'", cmd);
}
