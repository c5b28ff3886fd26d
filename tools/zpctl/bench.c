// SPDX-License-Identifier: GPL-2.0
/*
 * zpctl bench: runs the project's benchmark programs, found next to zpctl
 * (build/user/bench/), one after the other.  They load and unload the
 * modules themselves from $ZP_MODDIR, and print their own tables.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zpctl.h"

static const char bench_usage[] =
"Usage: zpctl bench [--from DIR] [\"NAME [OWN-ARG...]\"...] [-- ARG...]\n"
"       zpctl bench --list\n"
"\n"
"Run the project's benchmarks (all found, or each NAME) and print their\n"
"tables.  They are the programs in the bench/ directory next to zpctl\n"
"($ZPCTL_BENCH_DIR overrides).  Each loads and unloads the modules itself\n"
"from the build tree in $ZP_MODDIR.  A NAME word may carry that\n"
"benchmark's own arguments (\"faultrate --mb 16\"); ARGs after -- go to\n"
"every benchmark.\n"
"\n"
"  -d, --from DIR   the build tree for ZP_MODDIR (default: $ZP_MODDIR, or\n"
"                   the tree for the running kernel next to zpctl's build)\n"
"  -l, --list       list the benchmarks found, with what they measure\n"
"  -h, --help       this text\n"
"\n"
"Exit status: 0, 1 when a benchmark failed or none was found, 2 usage\n"
"error.\n";

static const struct {
	const char *name;
	const char *what;
} zp_bench_known[] = {
	{ "faultrate", "page faults/s with and without the pool, by cache lines touched (Lameter's table)" },
	{ "scrubrate", "scrub throughput per zeroing method" },
	{ "zerobench", "zeroing offload: CPU against the DMA backend" },
	{ "splicebench", "splice throughput per buffer size and method, and the pipeline" },
	{ "forkbench", "fork latency by parent size, with the lazy-sharing estimate" },
	{ "forkcheck", "ptshare's copy_page_range time against ftrace's function_graph" },
	{ "stosbench", "clear_page-style zeroing bandwidth by store kind" },
};

#define ZP_NR_KNOWN ARRAY_SIZE(zp_bench_known)

static int zp_known_index(const char *name)
{
	size_t i;

	for (i = 0; i < ZP_NR_KNOWN; i++)
		if (!strcmp(zp_bench_known[i].name, name))
			return i;
	return ZP_NR_KNOWN;
}

/* Known ones in the order of the demo, then the rest by name. */
static int zp_cmp_bench(const void *a, const void *b)
{
	const char *x = *(char * const *)a, *y = *(char * const *)b;
	int i = zp_known_index(x), j = zp_known_index(y);

	return i != j ? i - j : strcmp(x, y);
}

static char *zp_self_dir(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return zp_xstrdup(".");
	exe[n] = '\0';
	return zp_xstrdup(dirname(exe));
}

char *zp_bench_dir(void)
{
	const char *env = getenv("ZPCTL_BENCH_DIR");
	char *self, *dir;

	if (env && *env)
		return zp_xstrdup(env);
	self = zp_self_dir();
	dir = zp_xasprintf("%s/bench", self);
	free(self);
	return dir;
}

static int zp_bench_list(const char *dir, char ***names)
{
	struct dirent *de;
	int n = 0;
	DIR *d = opendir(dir);

	*names = NULL;
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char *path = zp_xasprintf("%s/%s", dir, de->d_name);
		struct stat st;

		if (de->d_name[0] != '.' && !stat(path, &st) &&
		    S_ISREG(st.st_mode) && !access(path, X_OK)) {
			*names = zp_xrealloc(*names, (n + 1) * sizeof(char *));
			(*names)[n++] = zp_xstrdup(de->d_name);
		}
		free(path);
	}
	closedir(d);
	qsort(*names, n, sizeof(char *), zp_cmp_bench);
	return n;
}

/* The build tree holding this kernel's modules, for $ZP_MODDIR. */
static char *zp_guess_moddir(void)
{
	char *self = zp_self_dir(), *dir, *ko;
	struct utsname u;
	struct stat st;

	uname(&u);
	/* zpctl is build/user/zpctl; the modules are in build/<release>/ */
	dir = zp_xasprintf("%s/../%s", self, u.release);
	ko = zp_xasprintf("%s/zeropool/zeropool.ko", dir);
	free(self);
	if (stat(ko, &st)) {
		free(dir);
		dir = NULL;
	}
	free(ko);
	return dir;
}

/*
 * Runs "@word": a benchmark name, optionally followed by its own
 * arguments ("faultrate --mb 16"), then the common @args.
 */
static int zp_run_bench(const char *dir, const char *word, char **args,
			int nargs, int nth, int total)
{
	char *copy = zp_xstrdup(word), *save, *w, *name, *path;
	char **argv = zp_xmalloc((nargs + 2) * sizeof(char *));
	int i, argc = 1, status = 0, ret = 0;
	double t0 = zp_now();
	struct utsname u;
	pid_t pid;

	/* the demo runs this in a guest per kernel: say which one */
	uname(&u);
	name = strtok_r(copy, " \t", &save);
	path = zp_xasprintf("%s/%s", dir, name);
	argv[0] = path;
	while ((w = strtok_r(NULL, " \t", &save))) {
		argv = zp_xrealloc(argv, (argc + nargs + 2) * sizeof(char *));
		argv[argc++] = w;
	}
	for (i = 0; i < nargs; i++)
		argv[argc++] = args[i];
	argv[argc] = NULL;

	printf("== [%d/%d] %s (kernel %s):", nth, total, name, u.release);
	for (i = 0; argv[i]; i++)
		printf(" %s", argv[i]);
	printf("\n");
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		zp_err("fork: %s", strerror(errno));
		ret = -1;
		goto out_free;
	}
	if (!pid) {
		execv(path, argv);
		fprintf(stderr, "%s: cannot run %s: %s\n", zp_prog, path,
			strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && !WEXITSTATUS(status)) {
		printf("== %s: done in %.1f s\n\n", name, zp_now() - t0);
	} else {
		if (WIFEXITED(status))
			zp_err("bench %s: exited with status %d", name,
			       WEXITSTATUS(status));
		else
			zp_err("bench %s: killed by signal %d", name,
			       WTERMSIG(status));
		putchar('\n');
		ret = -1;
	}
out_free:
	free(path);
	free(argv);
	free(copy);
	return ret;
}

int cmd_bench(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'd' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char **found, **want = NULL, **args = NULL, *moddir = NULL;
	int c, i, j, n, nwant = 0, nargs = 0, failed = 0, ret = EXIT_OK;
	bool list = false;
	char *dir;

	while ((c = getopt_long(argc, argv, "+d:lh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			free(moddir);
			moddir = zp_xstrdup(optarg);
			break;
		case 'l':
			list = true;
			break;
		case 'h':
			free(moddir);
			fputs(bench_usage, stdout);
			return EXIT_OK;
		default:
			free(moddir);
			return zp_usage_error("bench", "bad option");
		}
	}
	/* options stop at the first NAME; "--" starts the ARGs */
	want = argv + optind;
	for (i = optind; i < argc && strcmp(argv[i], "--"); i++)
		nwant++;
	if (i < argc) {
		args = argv + i + 1;
		nargs = argc - i - 1;
	}
	dir = zp_bench_dir();
	n = zp_bench_list(dir, &found);

	if (list) {
		struct zp_table *t = zp_table_new(2, "benchmark", "measures");

		for (i = 0; i < n; i++) {
			int k = zp_known_index(found[i]);

			zp_table_row(t);
			zp_table_cell(t, "%s", found[i]);
			zp_table_cell(t, "%s", k < (int)ZP_NR_KNOWN ?
				      zp_bench_known[k].what : "-");
		}
		if (n)
			zp_table_print(t, stdout, "");
		else
			zp_err("no benchmark in %s (build them with 'make user')",
			       dir);
		zp_table_free(t);
		ret = n ? EXIT_OK : EXIT_FAIL;
		goto out_free;
	}

	for (i = 0; i < nwant; i++) {
		size_t len = strcspn(want[i], " \t");

		for (j = 0; j < n; j++)
			if (strlen(found[j]) == len &&
			    !strncmp(found[j], want[i], len))
				break;
		if (j == n) {
			zp_err("no benchmark '%s' in %s ('zpctl bench --list' shows them)",
			       want[i], dir);
			ret = EXIT_FAIL;
			goto out_free;
		}
	}
	if (!n) {
		zp_err("no benchmark in %s (build them with 'make user')", dir);
		ret = EXIT_FAIL;
		goto out_free;
	}
	if (!moddir && getenv("ZP_MODDIR"))
		moddir = zp_xstrdup(getenv("ZP_MODDIR"));
	if (!moddir)
		moddir = zp_guess_moddir();
	if (moddir)
		setenv("ZP_MODDIR", moddir, 1);
	else
		zp_note("no build tree for this kernel found: benchmarks that load modules will fail; pass --from build/<release>");

	for (i = 0; i < ZP_NR_MODULES; i++)
		if (zp_module_loaded(zp_modules[i]))
			zp_note("note: %s is loaded; the benchmarks load and unload modules themselves",
				zp_modules[i]);
	for (i = 0; i < (nwant ? nwant : n); i++)
		if (zp_run_bench(dir, nwant ? want[i] : found[i], args, nargs,
				 i + 1, nwant ? nwant : n))
			failed++;
	if (failed) {
		zp_err("%d benchmark%s failed", failed, failed == 1 ? "" : "s");
		ret = EXIT_FAIL;
	}
out_free:
	for (i = 0; i < n; i++)
		free(found[i]);
	free(found);
	free(dir);
	free(moddir);
	return ret;
}
