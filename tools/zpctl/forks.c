// SPDX-License-Identifier: GPL-2.0
/*
 * zpctl forks: ptshare's report.  Its counters live in the stats tree and
 * its rich data (histograms, per-process records, the lazy-sharing
 * estimate) in debugfs; both are printed as they are, so the report grows
 * with ptshare without zpctl knowing the files in advance.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "zpctl.h"

#define ZP_FORKS_MAX_FILE (4 << 20)

static const char forks_usage[] =
"Usage: zpctl forks\n"
"\n"
"Print ptshare's report: its counters (/sys/kernel/zeropool/ptshare/) and\n"
"every readable file of /sys/kernel/debug/zeropool/ptshare/ (histograms,\n"
"per-process table, lazy-sharing summary), indented under its name.\n"
"\n"
"  -h, --help   this text\n"
"\n"
"Exit status: 0, 1 when ptshare is not loaded or shows nothing, 2 usage\n"
"error.\n";

static int zp_cmp_str(const void *a, const void *b)
{
	return strverscmp(*(char * const *)a, *(char * const *)b);
}

static void zp_print_indented(const char *text)
{
	const char *p = text, *nl;

	while (*p) {
		nl = strchr(p, '\n');
		printf("  %.*s\n", nl ? (int)(nl - p) : (int)strlen(p), p);
		if (!nl)
			break;
		p = nl + 1;
	}
}

/* Every readable file under @dir (recursively), as "== rel" + text. */
static int zp_print_files(const char *dir, const char *rel)
{
	char *path = *rel ? zp_xasprintf("%s/%s", dir, rel) : zp_xstrdup(dir);
	char **names = NULL;
	struct dirent *de;
	int n = 0, i, shown = 0;
	DIR *d = opendir(path);

	if (!d) {
		free(path);
		return 0;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		names = zp_xrealloc(names, (n + 1) * sizeof(char *));
		names[n++] = zp_xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(char *), zp_cmp_str);
	for (i = 0; i < n; i++) {
		char *fpath = zp_xasprintf("%s/%s", path, names[i]);
		char *frel = *rel ? zp_xasprintf("%s/%s", rel, names[i]) :
				    zp_xstrdup(names[i]);
		struct stat st;
		char *text;

		if (lstat(fpath, &st)) {
			/* vanished: ptshare unloading */
		} else if (S_ISDIR(st.st_mode)) {
			shown += zp_print_files(dir, frel);
		} else if (S_ISREG(st.st_mode) && (st.st_mode & 0444)) {
			text = zp_slurp(fpath, ZP_FORKS_MAX_FILE);
			printf("== %s\n", frel);
			if (!text)
				printf("  (%s)\n", strerror(errno));
			else if (!*text)
				printf("  (empty)\n");
			else
				zp_print_indented(text);
			putchar('\n');
			free(text);
			shown++;
		}
		free(fpath);
		free(frel);
		free(names[i]);
	}
	free(names);
	free(path);
	return shown;
}

int cmd_forks(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *debug = zp_xasprintf("%s/ptshare", zp_debugfs_root);
	bool loaded = zp_module_loaded("ptshare");
	struct zp_dir all, *dir = NULL;
	struct stat st;
	int c, i, shown = 0;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(forks_usage, stdout);
			free(debug);
			return EXIT_OK;
		default:
			free(debug);
			return zp_usage_error("forks", "bad option");
		}
	}
	if (optind < argc) {
		free(debug);
		return zp_usage_error("forks", "unexpected argument '%s'",
				      argv[optind]);
	}

	printf("ptshare: %s\n\n", loaded ? "loaded" : "not loaded");
	if (!zp_tree_read(zp_sysfs_root, "", &all))
		for (i = 0; i < all.nsubs; i++)
			if (!strcmp(all.subs[i].name, "ptshare"))
				dir = &all.subs[i];
	if (dir) {
		zp_tree_print(dir, stdout);
		shown++;
	}
	zp_tree_free(&all);

	if (stat(debug, &st) == 0) {
		shown += zp_print_files(debug, "");
	} else if (errno == EACCES) {
		zp_note("%s: permission denied (debugfs needs root)", debug);
	} else if (loaded) {
		if (stat("/sys/kernel/debug", &st) || st.st_nlink <= 2)
			zp_note("%s: absent; is debugfs mounted? 'mount -t debugfs none /sys/kernel/debug'",
				debug);
		else
			zp_note("%s: absent (%s)", debug, strerror(ENOENT));
	}
	free(debug);
	if (!loaded && !shown) {
		zp_err("ptshare is not loaded: 'zpctl load ptshare' first, then run a workload that forks");
		return EXIT_FAIL;
	}
	if (!shown) {
		zp_err("ptshare shows no report files");
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
