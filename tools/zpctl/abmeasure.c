// SPDX-License-Identifier: GPL-2.0
/*
 * What zpctl ab measures around one run, apart from the A/B logic: the
 * command under a deadline with stdin from /dev/null (its rusage), the CPU
 * the whole machine spent meanwhile (/proc/stat), the CPU of the kernel
 * threads that do the pool's work (scrub threads, offload workers, found
 * by name in /proc), and the wait for a freshly loaded pool to reach its
 * high watermark.  $ZPCTL_PROC points the /proc reads at a fake tree.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "zpctl.h"

/* Busy CPU seconds of the whole machine: all but idle and iowait. */
double zp_system_cpu(void)
{
	unsigned long long v[8] = { 0 };
	char *path = zp_xasprintf("%s/stat", zp_proc_root);
	char line[512];
	FILE *f = fopen(path, "r");
	int n = 0;

	free(path);
	if (!f)
		return NAN;
	if (fgets(line, sizeof(line), f))
		n = sscanf(line, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
			   &v[7]);
	fclose(f);
	if (n < 4)
		return NAN;
	/* user nice system [idle iowait] irq softirq steal; guest is in user */
	return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) /
	       sysconf(_SC_CLK_TCK);
}

/* The threads that do zeropool's work for everyone, by comm. */
bool zp_is_pool_thread(const char *comm)
{
	return !strncmp(comm, "zeropool_", 9) || strstr(comm, "bte_offload") ||
	       strstr(comm, "zp_soft_dma");
}

void zp_kcpu_read(struct zp_kcpu *k)
{
	const char *proc = zp_proc_root;
	struct dirent *de;
	DIR *d = opendir(proc);

	memset(k, 0, sizeof(*k));
	if (!d)
		return;
	while ((de = readdir(d))) {
		unsigned long long ut, st;
		char *path, *text, *close, comm[64];
		long pid;

		if (!zp_is_int(de->d_name))
			continue;
		pid = atol(de->d_name);
		path = zp_xasprintf("%s/%ld/stat", proc, pid);
		text = zp_slurp(path, 4096);
		free(path);
		if (!text)
			continue;
		/* "pid (comm) state ...": comm may hold spaces and ')' */
		close = strrchr(text, ')');
		if (!close || !strchr(text, '(') ||
		    sscanf(close + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			   &ut, &st) != 2) {
			free(text);
			continue;
		}
		*close = '\0';
		snprintf(comm, sizeof(comm), "%s", strchr(text, '(') + 1);
		free(text);
		if (!zp_is_pool_thread(comm))
			continue;
		k->pid = zp_xrealloc(k->pid, (k->n + 1) * sizeof(*k->pid));
		k->cpu = zp_xrealloc(k->cpu, (k->n + 1) * sizeof(*k->cpu));
		k->pid[k->n] = pid;
		k->cpu[k->n++] = (double)(ut + st) / sysconf(_SC_CLK_TCK);
	}
	closedir(d);
}

/* CPU the threads of @after spent since @before (new threads: all of it). */
double zp_kcpu_delta(const struct zp_kcpu *before, const struct zp_kcpu *after)
{
	double sum = 0;
	int i, j;

	for (i = 0; i < after->n; i++) {
		double was = 0;

		for (j = 0; j < before->n; j++)
			if (before->pid[j] == after->pid[i])
				was = before->cpu[j];
		if (after->cpu[i] > was)
			sum += after->cpu[i] - was;
	}
	return sum;
}

void zp_kcpu_free(struct zp_kcpu *k)
{
	free(k->pid);
	free(k->cpu);
	memset(k, 0, sizeof(*k));
}

static long zp_pool_value(const char *rel)
{
	char *path = zp_xasprintf("%s/pool/%s", zp_sysfs_root, rel);
	char buf[64];
	int err = zp_read_file(path, buf, sizeof(buf));

	free(path);
	return err || !zp_is_int(buf) ? -1 : atol(buf);
}

/*
 * 1 when every node's pool holds high_watermark (ready + waiting to be
 * zeroed, as the scrubber counts), or the pool is at max_pages; 0 when
 * not yet; -errno when there is no pool to read.
 */
int zp_pool_filled(void)
{
	long high = zp_pool_value("high_watermark");
	long max = zp_pool_value("max_pages");
	long held = zp_pool_value("held_pages");
	int node, nodes = 0;

	if (high < 0)
		return -ENOENT;
	if (max >= 0 && held >= max)
		return 1;
	for (node = 0; node < 1024; node++) {
		char *p = zp_xasprintf("node%d/pages", node);
		char *d = zp_xasprintf("node%d/dirty_pages", node);
		long pages = zp_pool_value(p), dirty = zp_pool_value(d);

		free(p);
		free(d);
		if (pages < 0)
			continue;
		nodes++;
		if (pages + (dirty > 0 ? dirty : 0) < high)
			return 0;
	}
	if (nodes)
		return 1;
	return zp_pool_value("pages") + zp_pool_value("dirty_pages") >= high;
}

int zp_pool_wait_filled(double timeout, double *waited)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	char buf[16] = "";
	double t0 = zp_now();
	char *path;
	int r;

	path = zp_xasprintf("%s/scrub/enabled", zp_sysfs_root);
	if (zp_read_file(path, buf, sizeof(buf)))
		buf[0] = '\0';
	free(path);
	for (;;) {
		r = zp_pool_filled();
		*waited = zp_now() - t0;
		if (r)
			return r < 0 ? r : 0;
		if (!strcmp(buf, "0"))
			return -EAGAIN;	/* the scrubber is off: it never fills */
		if (*waited >= timeout)
			return -ETIMEDOUT;
		nanosleep(&ts, NULL);
	}
}

/* @argv (or "sh -c @shell") with stdin from /dev/null, stdout to @out_fd. */
static pid_t zp_spawn(char **argv, const char *shell, int out_fd)
{
	pid_t pid;
	int fd;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid)
		return pid;
	/* its own process group: a timeout kills whatever it started */
	setpgid(0, 0);
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0)
		dup2(fd, STDIN_FILENO);
	dup2(out_fd, STDOUT_FILENO);
	if (shell)
		execl("/bin/sh", "sh", "-c", shell, (char *)NULL);
	else
		execvp(argv[0], argv);
	fprintf(stderr, "%s: ab: cannot run %s: %s\n", zp_prog,
		shell ? "/bin/sh" : argv[0], strerror(errno));
	_exit(127);
}

/*
 * Waits for @pid, killing its group past @timeout (0: none); 1 when it was
 * killed, 0 when it ended, -1 on error.
 */
static int zp_wait_deadline(pid_t pid, double timeout, int *status,
			    struct rusage *ru)
{
	int pfd = -1, killed = 0;

	if (timeout > 0)
		pfd = syscall(SYS_pidfd_open, pid, 0);
	if (pfd >= 0) {
		struct pollfd p = { .fd = pfd, .events = POLLIN };
		double end = zp_now() + timeout, left;

		for (;;) {
			left = end - zp_now();
			if (left <= 0) {
				kill(-pid, SIGKILL);
				killed = 1;
				break;
			}
			if (poll(&p, 1, (int)(left * 1000) + 1) > 0)
				break;
		}
		close(pfd);
	}
	while (wait4(pid, status, 0, ru) < 0) {
		if (errno != EINTR) {
			zp_err("wait4: %s", strerror(errno));
			return -1;
		}
	}
	return killed;
}

int zp_measure(char **argv, int out_fd, double timeout, struct zp_sample *s)
{
	struct zp_kcpu k0, k1;
	struct rusage ru;
	double t0, sys0;
	pid_t pid;
	int r;

	memset(s, 0, sizeof(*s));
	zp_kcpu_read(&k0);
	sys0 = zp_system_cpu();
	t0 = zp_now();
	pid = zp_spawn(argv, NULL, out_fd);
	if (pid < 0) {
		zp_err("fork: %s", strerror(errno));
		zp_kcpu_free(&k0);
		return -1;
	}
	r = zp_wait_deadline(pid, timeout, &s->status, &ru);
	s->wall = zp_now() - t0;
	s->system_cpu = zp_system_cpu() - sys0;
	zp_kcpu_read(&k1);
	s->kthread_cpu = zp_kcpu_delta(&k0, &k1);
	zp_kcpu_free(&k0);
	zp_kcpu_free(&k1);
	if (r < 0)
		return -1;
	s->timed_out = r;
	s->user = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6;
	s->sys = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
	s->minflt = ru.ru_minflt;
	s->majflt = ru.ru_majflt;
	return 0;
}

int zp_run_shell(const char *cmd, int out_fd, double timeout)
{
	struct rusage ru;
	int status, r;
	pid_t pid = zp_spawn(NULL, cmd, out_fd);

	if (pid < 0)
		return -1;
	r = zp_wait_deadline(pid, timeout, &status, &ru);
	if (r)
		return -1;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}
