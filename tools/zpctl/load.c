// SPDX-License-Identifier: GPL-2.0
/* zpctl load / zpctl unload: the module set in dependency order. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "zpctl.h"

static const char load_usage[] =
"Usage: zpctl load [--from DIR] [-q] [-v] [MODULE [PARAM=VALUE...]]...\n"
"\n"
"Load modules of the set, zeropool first (added when a module needing it\n"
"is named and it is not loaded), and zeropool_core, the stats tree, before\n"
"them all.  Without MODULE, every module found.\n"
"PARAM=VALUE words go to the module named before them; MODULE.PARAM=VALUE\n"
"may stand anywhere.\n"
"\n"
"Installed modules (e.g. by DKMS in /lib/modules/$(uname -r)/updates/dkms)\n"
"are loaded as modprobe loads them: dependencies and softdeps, the options\n"
"of /etc/modprobe.d (PARAM=VALUE words come after them), and a module\n"
"blacklisted there is refused.\n"
"\n"
"  -d, --from DIR   load DIR/<module>/<module>.ko (a build tree such as\n"
"                   build/$(uname -r)) instead of the installed modules,\n"
"                   file by file as insmod does (modprobe.d not read)\n"
"  -n, --dry-run    print what would be inserted, with which options;\n"
"                   insert nothing\n"
"  -q, --quiet      print nothing on success\n"
"  -v, --verbose    show paths and libkmod's messages\n"
"  -h, --help       this text\n"
"\n"
"Exit status: 0 loaded, 1 a module failed to load, 2 usage error.\n";

static const char unload_usage[] =
"Usage: zpctl unload [-q] [-v] [MODULE...]\n"
"\n"
"Unload modules of the set, dependents first.  Without MODULE, every\n"
"loaded module of the set.\n"
"\n"
"  -q, --quiet      print nothing on success\n"
"  -v, --verbose    show libkmod's messages\n"
"  -h, --help       this text\n"
"\n"
"Exit status: 0 unloaded, 1 a module failed to unload or was not loaded,\n"
"2 usage error.\n";

static const struct option load_opts[] = {
	{ "from", required_argument, NULL, 'd' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void zp_print_loaded(const char *name, const char *params)
{
	char *path = zp_xasprintf("%s/%s/version", zp_sysmod_root, name);
	char version[64];

	if (zp_read_file(path, version, sizeof(version)))
		snprintf(version, sizeof(version), "-");
	printf("%s: loaded (version %s)%s%s\n", name, version,
	       *params ? ", " : "", params);
	free(path);
}

int cmd_load(int argc, char **argv)
{
	struct zp_modspec specs[ZP_NR_MODULES + 1];
	const char *from = NULL;
	bool quiet = false, verbose = false, all = false, need_base = false;
	bool dry_run = false;
	struct zp_kmod *k;
	char err[256];
	int c, i, n, ret = EXIT_OK;

	while ((c = getopt_long(argc, argv, "+d:nqvh", load_opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			from = optarg;
			break;
		case 'n':
			dry_run = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			fputs(load_usage, stdout);
			return EXIT_OK;
		default:
			return zp_usage_error("load", "bad option");
		}
	}
	n = zp_parse_modspecs(argc - optind, argv + optind, specs, err,
			      sizeof(err));
	if (n < 0)
		return zp_usage_error("load", "%s", err);

	k = zp_kmod_open(from, verbose);
	if (!k)
		return EXIT_FAIL;
	zp_kmod_set_dry_run(k, dry_run);
	if (!n) {
		all = true;
		for (i = 0; i < ZP_NR_MODULES; i++) {
			if (!zp_kmod_available(k, zp_modules[i]))
				continue;
			memset(&specs[n], 0, sizeof(specs[n]));
			specs[n++].name = zp_modules[i];
		}
		if (!n) {
			zp_err("no module of the set found %s%s", from ? "in " : "installed",
			       from ? from : "");
			zp_kmod_close(k);
			return EXIT_FAIL;
		}
	}
	for (i = 0; i < n; i++)
		if (zp_module_needs_pool(specs[i].name))
			need_base = true;
	for (i = 0; i < n; i++)
		if (!strcmp(specs[i].name, "zeropool"))
			need_base = false;
	if (need_base && !zp_module_loaded("zeropool")) {
		memset(&specs[n], 0, sizeof(specs[n]));
		specs[n].name = "zeropool";
		specs[n++].implied = true;
	}
	zp_sort_modspecs(specs, n, false);

	for (i = 0; i < n; i++) {
		if (all && zp_module_loaded(specs[i].name)) {
			if (!quiet)
				printf("%s: already loaded\n", specs[i].name);
			continue;
		}
		if (zp_kmod_load(k, specs[i].name, specs[i].params)) {
			ret = EXIT_FAIL;
			break;	/* the rest may depend on it */
		}
		if (!quiet && !dry_run)
			zp_print_loaded(specs[i].name, specs[i].params);
	}
	zp_kmod_close(k);
	return ret;
}

int cmd_unload(int argc, char **argv)
{
	struct zp_modspec specs[ZP_NR_MODULES];
	bool quiet = false, verbose = false;
	struct zp_kmod *k;
	char err[256];
	int c, i, n, ret = EXIT_OK;

	while ((c = getopt_long(argc, argv, "+qvh", load_opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quiet = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			fputs(unload_usage, stdout);
			return EXIT_OK;
		default:
			return zp_usage_error("unload", "bad option");
		}
	}
	n = zp_parse_modspecs(argc - optind, argv + optind, specs, err,
			      sizeof(err));
	if (n < 0)
		return zp_usage_error("unload", "%s", err);
	for (i = 0; i < n; i++)
		if (specs[i].params[0])
			return zp_usage_error("unload",
					      "unload takes no module parameters");
	if (!n) {
		for (i = 0; i < ZP_NR_MODULES; i++) {
			if (!zp_module_loaded(zp_modules[i]))
				continue;
			memset(&specs[n], 0, sizeof(specs[n]));
			specs[n++].name = zp_modules[i];
		}
		if (!n) {
			if (!quiet)
				printf("no module of the set is loaded\n");
			return EXIT_OK;
		}
	}
	zp_sort_modspecs(specs, n, true);

	k = zp_kmod_open(NULL, verbose);
	if (!k)
		return EXIT_FAIL;
	for (i = 0; i < n; i++) {
		if (zp_kmod_unload(k, specs[i].name)) {
			ret = EXIT_FAIL;
			continue;
		}
		if (!quiet)
			printf("%s: unloaded\n", specs[i].name);
	}
	zp_kmod_close(k);
	return ret;
}
