// SPDX-License-Identifier: GPL-2.0
/*
 * forkcheck: ptshare's copy_page_range time against an independent
 * measurement of the same calls.  ftrace's function_graph tracer, limited
 * to copy_page_range (max_graph_depth 1) and to this process, times every
 * call; fork by fork, the sum of the traced durations is set against the
 * copy_ns ptshare recorded for the child.  Per parent size it prints both
 * medians and their ratio; the bar is agreement within 20%.
 *
 * Both instruments hook the same function entry (kprobes on ftrace, and
 * the graph tracer's trampoline), so each one's own cost lands partly
 * inside the other's window.  That cost is per call, not per entry
 * copied: it shows in small parents, whose forks are many short calls,
 * and fades in large ones.
 *
 * usage: forkcheck [--sizes 64,256] [--reps N]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <getopt.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "ptshare_bench.h"
#include "../lib/ptshare_util.h"

#define PAGE		4096UL
#define MAX_SIZES	8
#define MAX_REPS	51
#define AGREE_PCT	20

static char tracing[64];

static void tr_write(const char *file, const char *val)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tracing, file);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		bench_die("open %s: %s", path, strerror(errno));
	if (*val && write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		bench_die("write '%s' to %s: %s", val, path, strerror(errno));
	close(fd);
}

static void tr_find(void)
{
	static const char * const dirs[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	char path[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/current_tracer", dirs[i]);
		if (!access(path, W_OK)) {
			snprintf(tracing, sizeof(tracing), "%s", dirs[i]);
			return;
		}
	}
	bench_die("no tracefs (current_tracer) under /sys/kernel");
}

static void tr_start(void)
{
	char pid[32];

	tr_write("tracing_on", "0");
	tr_write("current_tracer", "nop");
	tr_write("set_graph_function", "copy_page_range");
	tr_write("max_graph_depth", "1");
	snprintf(pid, sizeof(pid), "%d", getpid());
	tr_write("set_ftrace_pid", pid);
	tr_write("current_tracer", "function_graph");
}

static void tr_stop(void)
{
	tr_write("tracing_on", "0");
	tr_write("current_tracer", "nop");
	tr_write("set_graph_function", "");
	tr_write("set_ftrace_pid", "");
	tr_write("max_graph_depth", "0");
	tr_write("tracing_on", "1");
}

/*
 * Sum of the durations (us) of the copy_page_range calls in the trace, and
 * how many there were.  A line reads "CPU) [flag] 123.456 us | copy_page_range();"
 * where flag marks long calls ('+', '!', '#', '*', '@', '$').
 */
static double tr_sum(int *calls)
{
	char path[128], *text, *line, *save = NULL, *bar, *p;
	double sum = 0;

	snprintf(path, sizeof(path), "%s/trace", tracing);
	text = pts_u_slurp(path);
	if (!text)
		bench_die("read %s: %s", path, strerror(errno));
	*calls = 0;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		bar = strchr(line, '|');
		if (!bar || !strstr(bar, "copy_page_range();"))
			continue;
		p = strchr(line, ')');
		if (!p)
			continue;
		while (*++p && !(*p >= '0' && *p <= '9'))
			;
		sum += strtod(p, NULL);
		(*calls)++;
	}
	free(text);
	return sum;
}

/* One fork of a child that exits at once, traced; false if unrecorded. */
static bool fork_traced(double *ftrace_us, int *calls, double *pts_us,
			int *pts_calls)
{
	char line[2048];
	uint64_t v = 0;
	int status;
	pid_t pid;

	tr_write("trace", "");
	tr_write("tracing_on", "1");
	pid = fork();
	if (pid < 0)
		bench_die("fork: %s", strerror(errno));
	if (!pid)
		_exit(0);
	tr_write("tracing_on", "0");
	waitpid(pid, &status, 0);
	*ftrace_us = tr_sum(calls);
	pts_u_wait_closed(60000);
	if (!pts_u_record_of(pid, line, sizeof(line)) ||
	    !pts_u_field(line, "copy_ns", &v))
		return false;
	*pts_us = v / 1e3;
	*pts_calls = pts_u_field(line, "copy_calls", &v) ? (int)v : -1;
	return true;
}

static bool run_size(int mib, int reps)
{
	double ft[MAX_REPS], pt[MAX_REPS], mf, mp, ratio;
	size_t size = (size_t)mib << 20, off;
	int i, n = 0, calls = 0, pcalls = 0;
	char *mem;
	bool agree;

	mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		bench_die("mmap %d MiB: %s", mib, strerror(errno));
	madvise(mem, size, MADV_NOHUGEPAGE);
	for (off = 0; off < size; off += PAGE)
		mem[off] = 1;
	for (i = 0; i < reps; i++)
		if (fork_traced(&ft[n], &calls, &pt[n], &pcalls))
			n++;
	munmap(mem, size);
	if (!n) {
		printf("%6d  no fork recorded by ptshare\n", mib);
		return false;
	}
	mf = bench_median(ft, n);
	mp = bench_median(pt, n);
	ratio = mf > 0 ? mp / mf : 0;
	agree = ratio >= 1 - AGREE_PCT / 100.0 && ratio <= 1 + AGREE_PCT / 100.0;
	printf("%6d %5d %6d %6d %12.0f %12.0f %7.3f  %s\n", mib, n, calls,
	       pcalls, mf, mp, ratio, agree ? "agree" : "DISAGREE");
	return agree;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sizes", required_argument, NULL, 's' },
		{ "reps", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	int sizes[MAX_SIZES] = { 64, 256 }, nsizes = 2, reps = 9, i, c;
	int agreed = 0;

	bench_name = "forkcheck";
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			nsizes = bench_parse_list("--sizes", optarg, sizes,
						  MAX_SIZES);
			break;
		case 'r':
			reps = bench_parse_pos("--reps", optarg, MAX_REPS);
			break;
		default:
			bench_die("usage: forkcheck [--sizes 64,256] [--reps N]");
		}
	}
	tr_find();
	/* ptshare needs the stats tree only: no pool on either side */
	bench_unload("zeropool");
	bench_unload("ptshare");
	bench_ptshare_load();
	tr_start();
	printf("# forkcheck on %s: copy_page_range per fork, ptshare's kretprobe against ftrace function_graph (%s), %d forks per size, medians\n",
	       bench_kernel(), tracing, reps);
	printf("%6s %5s %6s %6s %12s %12s %7s  %s\n", "MiB", "forks",
	       "calls", "pcalls", "ftrace_us", "ptshare_us", "ratio",
	       "within 20%");
	for (i = 0; i < nsizes; i++)
		agreed += run_size(sizes[i], reps);
	tr_stop();
	bench_unload("ptshare");
	bench_unload(ZP_CORE);
	printf("target ptshare / ftrace copy_page_range medians within %d%%: %s (%d of %d sizes)\n",
	       AGREE_PCT, agreed == nsizes ? "met" : "not met", agreed, nsizes);
	return 0;
}
