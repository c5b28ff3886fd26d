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

#include <math.h>
#include <signal.h>
#include <unistd.h>

#include "forkrec.h"

#define ZP_FORKS_MAX_FILE (4 << 20)

static const char forks_usage[] =
"Usage: zpctl forks [--json] [--pid PID] [--comm NAME] [--min-rss KIB]\n"
"                   [--follow [-i SECONDS] [-n COUNT]]\n"
"\n"
"Print ptshare's report: its counters (/sys/kernel/zeropool/ptshare/) and\n"
"every readable file of /sys/kernel/debug/zeropool/ptshare/ (histograms,\n"
"per-process table, lazy-sharing summary), indented under its name.\n"
"With a filter, the per-fork records that match as a table instead.\n"
"\n"
"  -j, --json           counters, matching records and histograms as one\n"
"                       JSON object (with --follow: one record per line)\n"
"  -p, --pid PID        records of forks by this pid or process (tgid)\n"
"  -c, --comm NAME      records of forks by tasks named NAME\n"
"  -r, --min-rss KIB    records whose parent had at least KIB anonymous RSS\n"
"  -f, --follow         print records as forks close, until Ctrl-C\n"
"  -i, --interval SEC   how often --follow looks (default 1)\n"
"  -n, --count COUNT    --follow stops after COUNT records\n"
"  -h, --help           this text\n"
"\n"
"Exit status: 0, 1 when ptshare is not loaded or shows nothing, 2 usage\n"
"error.\n";

struct zp_forks_opts {
	struct zp_rec_filter f;
	bool json, follow, filtered;
	double interval;
	int count;
};

static volatile sig_atomic_t zp_forks_stop;

static void zp_forks_on_signal(int sig)
{
	zp_forks_stop = 1;
}

static void zp_rec_row(const struct zp_rec *r)
{
	printf("%8s %7s %7s %10.1f %10.1f %12s %12s %5s%% %-11s %s\n",
	       zp_rec_get(r, "seq"), zp_rec_get(r, "tgid") ?: "-",
	       zp_rec_get(r, "pid") ?: "-", zp_rec_u64(r, "fork_ns") / 1e3,
	       zp_rec_u64(r, "copy_ns") / 1e3,
	       zp_rec_get(r, "pgtable_bytes") ?: "-",
	       zp_rec_get(r, "parent_anon_kb") ?: "-",
	       zp_rec_get(r, "est_saved_pct") ?: "-",
	       zp_rec_get(r, "end") ?: "-", zp_rec_get(r, "comm") ?: "");
}

static void zp_rec_header(void)
{
	printf("%8s %7s %7s %10s %10s %12s %12s %6s %-11s %s\n", "seq", "tgid",
	       "pid", "fork_us", "copy_us", "pgtable_B", "parent_KiB",
	       "saved", "end", "comm");
}

static void zp_rec_print(const struct zp_rec *r, bool json)
{
	struct zp_json j;

	if (!json) {
		zp_rec_row(r);
		return;
	}
	zp_json_init(&j, stdout);
	j.compact = true;
	zp_rec_json(&j, r);
	zp_json_done(&j);
}

/* The records that match, as a table or inside the JSON report. */
static int zp_forks_records(const struct zp_forks_opts *o, struct zp_json *j)
{
	char *path = zp_xasprintf("%s/ptshare/records", zp_debugfs_root);
	struct zp_recs rs;
	int i, err = zp_recs_read(path, &rs), shown = 0;

	free(path);
	if (err) {
		if (j)
			zp_json_null(j, "records");
		else
			zp_note("ptshare's records: %s%s", strerror(-err),
				err == -EACCES ? " (debugfs needs root)" : "");
		return 0;
	}
	if (j) {
		zp_json_u64(j, "records_dropped", rs.dropped);
		zp_json_arr(j, "records");
	} else {
		zp_rec_header();
	}
	for (i = 0; i < rs.n; i++) {
		if (!zp_rec_match(&rs.r[i], &o->f))
			continue;
		shown++;
		if (j)
			zp_rec_json(j, &rs.r[i]);
		else
			zp_rec_row(&rs.r[i]);
	}
	if (j)
		zp_json_end_arr(j);
	else if (!shown)
		printf("(no record matches)\n");
	zp_recs_free(&rs);
	return 1;
}

static int zp_forks_json(const struct zp_forks_opts *o)
{
	char *hf = zp_xasprintf("%s/ptshare/hist_fork_ns", zp_debugfs_root);
	char *hc = zp_xasprintf("%s/ptshare/hist_copy_ns", zp_debugfs_root);
	bool loaded = zp_module_loaded("ptshare");
	struct zp_dir all;
	struct zp_json j;
	int i, shown = 0;

	zp_json_init(&j, stdout);
	zp_json_obj(&j, NULL);
	zp_json_bool(&j, "loaded", loaded);
	if (!zp_tree_read(zp_sysfs_root, "", &all)) {
		for (i = 0; i < all.nsubs; i++) {
			if (strcmp(all.subs[i].name, "ptshare"))
				continue;
			zp_tree_json(&all.subs[i], &j, "counters");
			shown++;
		}
	}
	zp_tree_free(&all);
	shown += zp_forks_records(o, &j);
	zp_json_obj(&j, "histograms");
	zp_hist_json(&j, "fork_ns", hf);
	zp_hist_json(&j, "copy_ns", hc);
	zp_json_end_obj(&j);
	zp_json_end_obj(&j);
	zp_json_done(&j);
	free(hf);
	free(hc);
	if (!loaded && !shown) {
		zp_err("ptshare is not loaded: 'zpctl load ptshare' first, then run a workload that forks");
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/*
 * New records as forks close: the ring is read again every interval and
 * what has a higher seq than the last one seen is printed.  ptshare
 * unloaded and loaded again starts seq over: then everything is new.
 */
static int zp_forks_follow(const struct zp_forks_opts *o)
{
	char *path = zp_xasprintf("%s/ptshare/records", zp_debugfs_root);
	unsigned long long last = 0, seq;
	bool first = true, gone = false;
	struct zp_recs rs;
	int i, printed = 0, err;

	signal(SIGINT, zp_forks_on_signal);
	signal(SIGTERM, zp_forks_on_signal);
	if (!o->json)
		zp_rec_header();
	fflush(stdout);
	while (!zp_forks_stop) {
		err = zp_recs_read(path, &rs);
		if (err && !gone)
			zp_note("%s: %s: waiting for ptshare", path, strerror(-err));
		gone = err;
		for (i = 0; !err && i < rs.n; i++) {
			seq = zp_rec_u64(&rs.r[i], "seq");
			if (i == rs.n - 1 && seq < last)
				last = 0;	/* reloaded: seq began again */
		}
		for (i = 0; !err && i < rs.n; i++) {
			seq = zp_rec_u64(&rs.r[i], "seq");
			if (seq <= last && !first)
				continue;
			if (seq > last)
				last = seq;
			if (first || !zp_rec_match(&rs.r[i], &o->f))
				continue;
			zp_rec_print(&rs.r[i], o->json);
			if (o->count && ++printed >= o->count)
				zp_forks_stop = 1;
			if (zp_forks_stop)
				break;
		}
		if (!err)
			first = false;
		zp_recs_free(&rs);
		fflush(stdout);
		for (double t0 = zp_now(); !zp_forks_stop &&
		     zp_now() - t0 < o->interval;)
			usleep(fmin(o->interval - (zp_now() - t0), 0.1) * 1e6 + 1);
	}
	free(path);
	return EXIT_OK;
}

static int zp_forks_options(int argc, char **argv, struct zp_forks_opts *o)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pid", required_argument, NULL, 'p' },
		{ "comm", required_argument, NULL, 'c' },
		{ "min-rss", required_argument, NULL, 'r' },
		{ "follow", no_argument, NULL, 'f' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->interval = 1;
	while ((c = getopt_long(argc, argv, "jp:c:r:fi:n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o->json = true;
			break;
		case 'p':
			if (zp_parse_u64(optarg, &o->f.pid) || !o->f.pid)
				return zp_usage_error("forks", "--pid wants a pid, got '%s'", optarg);
			o->filtered = true;
			break;
		case 'c':
			if (!*optarg || strlen(optarg) > 15)
				return zp_usage_error("forks", "--comm wants 1..15 characters, got '%s'",
						      optarg);
			o->f.comm = optarg;
			o->filtered = true;
			break;
		case 'r':
			if (zp_parse_u64(optarg, &o->f.min_rss_kb))
				return zp_usage_error("forks", "--min-rss wants KiB, got '%s'", optarg);
			o->filtered = true;
			break;
		case 'f':
			o->follow = true;
			break;
		case 'i':
			if (zp_parse_seconds(optarg, &o->interval))
				return zp_usage_error("forks", "-i wants seconds in 0.01..86400, got '%s'",
						      optarg);
			break;
		case 'n':
			if (zp_parse_int(optarg, 1, 1000000000, &o->count))
				return zp_usage_error("forks", "-n wants a positive count, got '%s'",
						      optarg);
			break;
		case 'h':
			fputs(forks_usage, stdout);
			return -1;
		default:
			return zp_usage_error("forks", "bad option");
		}
	}
	if (optind < argc)
		return zp_usage_error("forks", "unexpected argument '%s'", argv[optind]);
	return 0;
}

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
	struct zp_forks_opts o = { 0 };
	bool loaded = zp_module_loaded("ptshare");
	struct zp_dir all, *dir = NULL;
	struct stat st;
	int i, shown = 0;
	char *debug;

	i = zp_forks_options(argc, argv, &o);
	if (i)
		return i < 0 ? EXIT_OK : i;
	if (o.follow)
		return zp_forks_follow(&o);
	if (o.json)
		return zp_forks_json(&o);
	if (o.filtered) {
		if (!zp_forks_records(&o, NULL) && !loaded) {
			zp_err("ptshare is not loaded: 'zpctl load ptshare' first, then run a workload that forks");
			return EXIT_FAIL;
		}
		return EXIT_OK;
	}
	debug = zp_xasprintf("%s/ptshare", zp_debugfs_root);
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
