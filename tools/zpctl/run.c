// SPDX-License-Identifier: GPL-2.0
/*
 * zpctl run: one command with transparent prezeroing scoped to it.  The
 * command runs in a cgroup (a transient one under /sys/fs/cgroup unless
 * --cgroup names one), pool/transparent is "cgroup" with that cgroup for
 * as long as it runs, and both files get their previous values back after
 * it.  So an A/B of one unmodified program (zpctl run -- CMD against CMD)
 * changes nothing for the rest of the machine.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zpctl.h"

#define ZP_CGROUP_ROOT	"/sys/fs/cgroup"

static const char run_usage[] =
"Usage: zpctl run [--cgroup PATH] [--quiet] -- COMMAND [ARG...]\n"
"\n"
"Run COMMAND with its anonymous page faults (and its children's) served\n"
"from zeropool's pool of pre-zeroed pages (pool/transparent=cgroup), and\n"
"only its own: the command runs in a cgroup, a transient one made for it\n"
"and removed after it unless --cgroup names a cgroup v2 path (relative to\n"
"/sys/fs/cgroup) to run it in.  The previous pool/transparent and\n"
"pool/transparent_cgroup are put back when it ends.  Then prints what the\n"
"pool served during the run (on stderr).\n"
"\n"
"  --cgroup PATH  run in this existing cgroup v2 (e.g. zp.slice/test)\n"
"  -q, --quiet    print nothing of ours\n"
"  -h, --help     this text\n"
"\n"
"Needs root and zeropool loaded.  Refuses (exit 1) when transparent mode is\n"
"already in use (\"all\", or \"cgroup\" with another cgroup).\n"
"Exit status: the command's (128 + signal if killed), 1 setup failure,\n"
"2 usage error.\n";

struct run_state {
	char old_mode[32];
	char old_cgroup[4096];
	char *cg_dir;		/* /sys/fs/cgroup/... */
	char *cg_rel;		/* /... as pool/transparent_cgroup wants */
	bool transient;
};

static int run_write(const char *rel, const char *val)
{
	char *path = zp_xasprintf("%s/%s", zp_sysfs_root, rel);
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0) {
		err = -errno;
	} else {
		if (write(fd, val, strlen(val)) < 0)
			err = -errno;
		close(fd);
	}
	if (err)
		zp_err("write %s = '%s': %s", path, val, strerror(-err));
	free(path);
	return err;
}

static uint64_t run_counter(const char *rel)
{
	char *path = zp_xasprintf("%s/%s", zp_sysfs_root, rel);
	char buf[64];
	uint64_t v = 0;

	if (!zp_read_file(path, buf, sizeof(buf)))
		zp_parse_u64(buf, &v);
	free(path);
	return v;
}

/* Makes the cgroup (or checks the one given); 0 or -1 with a message. */
static int run_cgroup_setup(struct run_state *s, const char *given)
{
	struct stat st;

	if (given) {
		while (*given == '/')
			given++;
		s->cg_rel = zp_xasprintf("/%s", given);
		s->cg_dir = zp_xasprintf(ZP_CGROUP_ROOT "/%s", given);
		if (stat(s->cg_dir, &st) || !S_ISDIR(st.st_mode)) {
			zp_err("no cgroup %s", s->cg_dir);
			return -1;
		}
		return 0;
	}
	s->cg_rel = zp_xasprintf("/zpctl-run.%d", (int)getpid());
	s->cg_dir = zp_xasprintf(ZP_CGROUP_ROOT "%s", s->cg_rel);
	if (mkdir(s->cg_dir, 0755)) {
		zp_err("mkdir %s: %s", s->cg_dir, strerror(errno));
		zp_hint("is cgroup v2 mounted at " ZP_CGROUP_ROOT " and are you root?");
		return -1;
	}
	s->transient = true;
	return 0;
}

static void run_cgroup_restore(const struct run_state *s)
{
	run_write("pool/transparent_cgroup",
		  *s->old_cgroup ? s->old_cgroup : "\n");
}

/* Takes transparent mode for our cgroup; 0 or -1 with a message. */
static int run_mode_take(struct run_state *s)
{
	char *path = zp_xasprintf("%s/pool/transparent", zp_sysfs_root);
	char *cpath = zp_xasprintf("%s/pool/transparent_cgroup", zp_sysfs_root);
	int err = 0;

	if (zp_read_file(path, s->old_mode, sizeof(s->old_mode)) ||
	    zp_read_file(cpath, s->old_cgroup, sizeof(s->old_cgroup))) {
		zp_err("zeropool is not loaded, or has no transparent mode (%s)",
		       path);
		err = -1;
	} else if (!strcmp(s->old_mode, "all") ||
		   (!strcmp(s->old_mode, "cgroup") &&
		    strcmp(s->old_cgroup, s->cg_rel))) {
		zp_err("transparent mode is in use (pool/transparent=%s%s%s)",
		       s->old_mode, *s->old_cgroup ? ", cgroup " : "",
		       s->old_cgroup);
		err = -1;
	} else if (run_write("pool/transparent_cgroup", s->cg_rel)) {
		err = -1;
	} else if (run_write("pool/transparent", "cgroup")) {
		/* EBUSY: another IPMODIFY user (a livepatch) has the function */
		run_cgroup_restore(s);
		err = -1;
	}
	free(path);
	free(cpath);
	return err;
}

static void run_mode_restore(struct run_state *s)
{
	run_write("pool/transparent", s->old_mode);
	run_cgroup_restore(s);
}

/* The child: joins the cgroup, then becomes the command. */
static void run_child(const struct run_state *s, char **argv)
{
	char *procs = zp_xasprintf("%s/cgroup.procs", s->cg_dir);
	int fd = open(procs, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, "0", 1) != 1) {
		zp_err("join %s: %s", s->cg_dir, strerror(errno));
		_exit(EXIT_FAIL);
	}
	close(fd);
	execvp(argv[0], argv);
	zp_err("%s: %s", argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

static int run_wait(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return EXIT_FAIL;
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cgroup", required_argument, NULL, 'c' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct run_state s = { 0 };
	const char *cgroup = NULL;
	uint64_t served, misses;
	bool quiet = false;
	int c, ret = EXIT_FAIL;
	pid_t pid;

	while ((c = getopt_long(argc, argv, "+c:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cgroup = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			fputs(run_usage, stdout);
			return EXIT_OK;
		default:
			return zp_usage_error("run", "bad option");
		}
	}
	if (optind >= argc)
		return zp_usage_error("run", "no COMMAND");
	if (run_cgroup_setup(&s, cgroup))
		goto out_free;
	if (run_mode_take(&s))
		goto out_rmdir;
	served = run_counter("pool/transparent_pages");
	misses = run_counter("pool/transparent_misses");
	pid = fork();
	if (pid == 0)
		run_child(&s, argv + optind);
	if (pid < 0) {
		zp_err("fork: %s", strerror(errno));
	} else {
		signal(SIGINT, SIG_IGN);
		signal(SIGQUIT, SIG_IGN);
		ret = run_wait(pid);
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
	}
	served = run_counter("pool/transparent_pages") - served;
	misses = run_counter("pool/transparent_misses") - misses;
	run_mode_restore(&s);
	if (!quiet && pid > 0)
		fprintf(stderr, "%s run: %llu page faults served from the pool, %llu found it empty\n",
			zp_prog, (unsigned long long)served,
			(unsigned long long)misses);
out_rmdir:
	if (s.transient && rmdir(s.cg_dir))
		zp_err("rmdir %s: %s (processes of the command still in it?)",
		       s.cg_dir, strerror(errno));
out_free:
	free(s.cg_dir);
	free(s.cg_rel);
	return ret;
}
