// SPDX-License-Identifier: GPL-2.0
/* zpctl status and zpctl watch: the modules and the whole stats tree. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "metrics.h"
#include "zpctl.h"

static const char status_usage[] =
"Usage: zpctl status [--json]\n"
"\n"
"Show each module of the set (loaded or not, version, reference count,\n"
"holders) and every file of /sys/kernel/zeropool, one table per directory.\n"
"\n"
"  -j, --json   one JSON object: \"modules\" and \"stats\" (the tree as\n"
"               nested objects; integers as numbers, text as strings;\n"
"               null when the tree is absent)\n"
"  -h, --help   this text\n"
"\n"
"Exit status: 0 (also when nothing is loaded), 2 usage error.\n";

static const char watch_usage[] =
"Usage: zpctl watch [-i SECONDS] [-n COUNT]\n"
"\n"
"Redraw the stats tree every SECONDS (default 1): each file's kind as the\n"
"ABI docs say (counter, gauge, tunable, text), the per-second rate of\n"
"counters since the previous sample (\"reset\" when one went back: its\n"
"module was reloaded), values of everything.  When the tree goes away\n"
"(a reload) watch waits for it and goes on.  Ctrl-C stops.\n"
"\n"
"  -i, --interval SECONDS   time between samples (0.01 to 86400)\n"
"  -n, --count COUNT        stop after COUNT samples (default: never)\n"
"  -h, --help               this text\n"
"\n"
"Exit status: 0, 1 when the stats tree is absent at the start, 2 usage\n"
"error.\n";

struct zp_modinfo {
	char state[32];
	char version[64];
	char refcnt[32];
	char holders[256];
	char taint[32];		/* letters as in /proc/modules, "" if none */
	char srcversion[64];
	char path[512];		/* the installed file, if any */
	const char *source;	/* see zp_module_source() */
	bool loaded;
};

static void zp_mod_attr(const char *name, const char *attr, char *buf,
			size_t len)
{
	char *path = zp_xasprintf("%s/%s/%s", zp_sysmod_root, name, attr);

	if (zp_read_file(path, buf, len))
		buf[0] = '\0';
	free(path);
}

static void zp_modinfo_read(const char *name, struct zp_modinfo *mi)
{
	char *path = zp_xasprintf("%s/%s/holders", zp_sysmod_root, name);
	struct dirent *de;
	DIR *d;

	memset(mi, 0, sizeof(*mi));
	zp_mod_attr(name, "initstate", mi->state, sizeof(mi->state));
	mi->loaded = mi->state[0];
	zp_mod_attr(name, "version", mi->version, sizeof(mi->version));
	zp_mod_attr(name, "refcnt", mi->refcnt, sizeof(mi->refcnt));
	zp_mod_attr(name, "taint", mi->taint, sizeof(mi->taint));
	zp_mod_attr(name, "srcversion", mi->srcversion, sizeof(mi->srcversion));
	mi->source = mi->loaded ? zp_module_source(name, mi->srcversion,
						   mi->path, sizeof(mi->path)) :
				  "";
	d = opendir(path);
	while (d && (de = readdir(d))) {
		size_t used = strlen(mi->holders);

		if (de->d_name[0] == '.')
			continue;
		snprintf(mi->holders + used, sizeof(mi->holders) - used,
			 "%s%s", used ? "," : "", de->d_name);
	}
	if (d)
		closedir(d);
	free(path);
}

void zp_print_modules(FILE *f)
{
	struct zp_table *t = zp_table_new(8, "module", "state", "version",
					  "refcnt", "holders", "taint",
					  "srcversion", "source");
	struct zp_modinfo mi;
	int i;

	for (i = 0; i < ZP_NR_MODULES; i++) {
		zp_modinfo_read(zp_modules[i], &mi);
		zp_table_row(t);
		zp_table_cell(t, "%s", zp_modules[i]);
		zp_table_cell(t, "%s", mi.loaded ? mi.state : "not loaded");
		zp_table_cell(t, "%s", mi.version[0] ? mi.version : "-");
		zp_table_cell(t, "%s", mi.refcnt[0] ? mi.refcnt : "-");
		zp_table_cell(t, "%s", mi.holders[0] ? mi.holders : "-");
		zp_table_cell(t, "%s", mi.taint[0] ? mi.taint : "-");
		zp_table_cell(t, "%s", mi.srcversion[0] ? mi.srcversion : "-");
		if (!mi.loaded)
			zp_table_cell(t, "-");
		else if (mi.path[0])
			zp_table_cell(t, "%s %s", mi.source, mi.path);
		else
			zp_table_cell(t, "%s", mi.source);
	}
	zp_table_print(t, f, "");
	zp_table_free(t);
}

void zp_json_modules(struct zp_json *j)
{
	struct zp_modinfo mi;
	char *h, *save;
	int i;

	zp_json_obj(j, "modules");
	for (i = 0; i < ZP_NR_MODULES; i++) {
		zp_modinfo_read(zp_modules[i], &mi);
		zp_json_obj(j, zp_modules[i]);
		zp_json_bool(j, "loaded", mi.loaded);
		if (mi.loaded) {
			zp_json_str(j, "state", mi.state);
			zp_json_auto(j, "version", mi.version[0] ? mi.version : NULL);
			zp_json_auto(j, "refcnt", mi.refcnt[0] ? mi.refcnt : NULL);
			zp_json_arr(j, "holders");
			for (h = strtok_r(mi.holders, ",", &save); h;
			     h = strtok_r(NULL, ",", &save))
				zp_json_str(j, NULL, h);
			zp_json_end_arr(j);
			zp_json_str(j, "taint", mi.taint);
			if (mi.srcversion[0])
				zp_json_str(j, "srcversion", mi.srcversion);
			else
				zp_json_null(j, "srcversion");
			zp_json_str(j, "source", mi.source);
			if (mi.path[0])
				zp_json_str(j, "installed_path", mi.path);
			else
				zp_json_null(j, "installed_path");
		}
		zp_json_end_obj(j);
	}
	zp_json_end_obj(j);
}

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct zp_json j;
	struct zp_dir dir;
	bool json = false;
	int c, err;

	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(status_usage, stdout);
			return EXIT_OK;
		default:
			return zp_usage_error("status", "bad option");
		}
	}
	if (optind < argc)
		return zp_usage_error("status", "unexpected argument '%s'",
				      argv[optind]);

	err = zp_tree_read(zp_sysfs_root, "", &dir);
	if (json) {
		zp_json_init(&j, stdout);
		zp_json_obj(&j, NULL);
		zp_json_modules(&j);
		if (err)
			zp_json_null(&j, "stats");
		else
			zp_tree_json(&dir, &j, "stats");
		zp_json_end_obj(&j);
		zp_json_done(&j);
	} else {
		zp_print_modules(stdout);
		putchar('\n');
		if (err)
			printf("%s: %s%s\n", zp_sysfs_root, strerror(-err),
			       err == -ENOENT ? " (zeropool is not loaded)" : "");
		else
			zp_tree_print(&dir, stdout);
	}
	zp_tree_free(&dir);
	return EXIT_OK;
}

static volatile sig_atomic_t zp_stop;

static void zp_on_signal(int sig)
{
	zp_stop = 1;
}

/* The kind of a file as watch shows it; only counters get a rate. */
static const char *zp_watch_kind(const char *path, const struct zp_file *file,
				 bool *counter)
{
	static const char *const kinds[] = {
		[ZP_M_COUNTER] = "counter", [ZP_M_GAUGE] = "gauge",
		[ZP_M_TUNABLE] = "tunable", [ZP_M_TEXT] = "text",
	};
	const struct zp_metric_def *d = zp_metric_find(path, NULL, 0);

	*counter = d && d->kind == ZP_M_COUNTER;
	if (d)
		return kinds[d->kind];
	return file->writable ? "tunable" : "?";	/* not in the ABI docs */
}

static void zp_watch_dir(const struct zp_dir *dir, const struct zp_snap *prev,
			 double dt, FILE *f)
{
	struct zp_table *t;
	int i;

	if (dir->nfiles) {
		t = zp_table_new(4, "file", "kind", "per_s", "value");
		for (i = 0; i < dir->nfiles; i++) {
			const struct zp_file *file = &dir->files[i];
			char *p = *dir->rel ?
				  zp_xasprintf("%s/%s", dir->rel, file->name) :
				  zp_xstrdup(file->name);
			const char *old = prev ? zp_snap_get(prev, p) : NULL;
			bool counter;
			const char *kind = zp_watch_kind(p, file, &counter);
			int64_t d;

			zp_table_row(t);
			zp_table_cell(t, "%s", file->name);
			zp_table_cell(t, "%s", kind);
			if (!counter || dt <= 0 ||
			    !zp_snap_delta(old, file->value, &d))
				zp_table_cell(t, "-");
			else if (d < 0)
				/* a counter going back: its module was reloaded */
				zp_table_cell(t, "reset");
			else
				zp_table_cell(t, "%.1f", d / dt);
			zp_table_cell(t, "%s", file->value ? file->value : "?");
			free(p);
		}
		fprintf(f, "%s/%s%s\n", zp_sysfs_root, dir->rel,
			*dir->rel ? "/" : "");
		zp_table_print(t, f, "  ");
		zp_table_free(t);
		fputc('\n', f);
	}
	for (i = 0; i < dir->nsubs; i++)
		zp_watch_dir(&dir->subs[i], prev, dt, f);
}

int cmd_watch(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct zp_snap prev = { 0 };
	double interval = 1, last = 0, now;
	bool tty = isatty(STDOUT_FILENO), have_prev = false;
	int c, count = 0, done = 0, err;
	struct zp_dir dir;

	while ((c = getopt_long(argc, argv, "i:n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (zp_parse_seconds(optarg, &interval))
				return zp_usage_error("watch",
						      "-i wants seconds in 0.01..86400, got '%s'",
						      optarg);
			break;
		case 'n':
			if (zp_parse_int(optarg, 1, 1000000000, &count))
				return zp_usage_error("watch",
						      "-n wants a positive count, got '%s'",
						      optarg);
			break;
		case 'h':
			fputs(watch_usage, stdout);
			return EXIT_OK;
		default:
			return zp_usage_error("watch", "bad option");
		}
	}
	if (optind < argc)
		return zp_usage_error("watch", "unexpected argument '%s'",
				      argv[optind]);

	signal(SIGINT, zp_on_signal);
	signal(SIGTERM, zp_on_signal);
	while (!zp_stop) {
		now = zp_now();
		err = zp_tree_read(zp_sysfs_root, "", &dir);
		if (err && !done) {
			zp_tree_free(&dir);
			zp_err("%s: %s%s", zp_sysfs_root, strerror(-err),
			       err == -ENOENT ? " (zeropool is not loaded)" : "");
			return EXIT_FAIL;
		}
		if (err) {
			/*
			 * Gone after the first sample: a reload (or an unload)
			 * is under way.  Wait for the tree; rates start over.
			 */
			zp_tree_free(&dir);
			zp_snap_free(&prev);
			have_prev = false;
			printf("zpctl watch: %s: %s: waiting for it to come back\n",
			       zp_sysfs_root, strerror(-err));
			fflush(stdout);
			goto next;
		}
		if (tty)
			fputs("\033[H\033[2J", stdout);
		{
			time_t wall = time(NULL);
			char stamp[64];

			strftime(stamp, sizeof(stamp), "%F %T",
				 localtime(&wall));
			printf("zpctl watch: every %gs, %s%s\n\n", interval,
			       stamp, have_prev ? "" : " (rates from the next sample)");
		}
		zp_print_modules(stdout);
		putchar('\n');
		zp_watch_dir(&dir, have_prev ? &prev : NULL, now - last, stdout);
		fflush(stdout);
		zp_snap_free(&prev);
		zp_snap_from_tree(&dir, &prev);
		zp_tree_free(&dir);
		have_prev = true;
		last = now;
next:
		if (count && ++done >= count)
			break;
		/* sleep in slices so Ctrl-C answers at once */
		while (!zp_stop && zp_now() - now < interval)
			usleep(fmin(interval - (zp_now() - now), 0.1) * 1e6 + 1);
	}
	zp_snap_free(&prev);
	return EXIT_OK;
}
