// SPDX-License-Identifier: GPL-2.0
/*
 * forkbench: fork() latency against the parent's size, with and without
 * ptshare.ko, and ptshare's own figures for the same forks: page-table
 * copy time, the child's page-table bytes (checked against the child's
 * VmPTE), and the lazy-sharing estimate.
 *
 * For each size (MiB of written private anonymous memory; THP off with
 * MADV_NOHUGEPAGE, and with --thp also MADV_HUGEPAGE):
 *   - A/B: Reps forks of children that exit at once with ptshare unloaded
 *     and Reps with it loaded, --passes times over (8) in ABBA order;
 *     fork_us is the parent's fork() call, median; ratio = loaded /
 *     unloaded, and the same for the fastest fork of each (the first
 *     fork after a load or unload is not timed).  Loaded, the Reps
 *     traced forks (filter_pid = this process) alternate with Reps
 *     untraced ones (filter_comm set to a name no task has): what every
 *     other fork on the machine pays while ptshare is loaded;
 *   - one fork whose child waits while the parent reads its VmPTE, to
 *     compare with the pgtable_bytes ptshare reports for it;
 *   - children that exit at once, write 1% or write 100% of the pages
 *     (write 100% only up to --w100-max MiB: the copy must fit in RAM),
 *     with ptshare's records: median fork, copy_page_range and estimated
 *     fork time under lazy sharing, and the median percent saved.
 * Times in a TCG guest are not hardware times: compare within one run.
 *
 * usage: forkbench [--sizes 16,64,256,1024] [--reps N] [--passes N] [--thp]
 *                  [--w100-max MiB] [--csv FILE]
 *
 * --csv FILE: one row per size and series, series being the A/B halves
 * (nomod, mod, untraced: fork_us only, and the ratio to nomod) and the
 * child modes (with ptshare's figures), medians as in the table.
 *
 * Ends with a summary: per size and THP mode, the median and fastest-fork
 * ratios, traced and untraced.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <math.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "ptshare_bench.h"
#include "../lib/ptshare_util.h"

#define PAGE		4096UL
#define MAX_SIZES	8
#define MAX_REPS	51
#define MAX_PASSES	16

enum mode { M_EXIT, M_W1, M_W100, NR_MODES };
static const char * const mode_names[NR_MODES] = { "exit", "write1%", "write100%" };

static int reps = 5;
static int passes = 8;	/* A/B: unloaded and loaded, this many times over */
static FILE *csv;

/* No task has this comm: with it as filter_comm no fork is traced. */
#define NO_SUCH_COMM	"zp-no-such-comm"

struct ratios {
	int mib;
	bool thp;
	double med, fast, umed, ufast;	/* traced, untraced */
};
static struct ratios summary[2 * MAX_SIZES];
static int nsummary;

static void child_work(char *mem, size_t size, enum mode mode)
{
	size_t step = mode == M_W1 ? 100 * PAGE : PAGE, off;

	if (mode != M_EXIT)
		for (off = 0; off < size; off += step)
			mem[off]++;
	_exit(0);
}

/* One fork; returns the parent's fork() time in us and the child's pid. */
static double fork_once(char *mem, size_t size, enum mode mode, pid_t *child)
{
	double t0 = bench_now(), t1;
	int status;
	pid_t pid = fork();

	if (pid < 0)
		bench_die("fork: %s", strerror(errno));
	if (!pid)
		child_work(mem, size, mode);
	t1 = bench_now();
	waitpid(pid, &status, 0);
	*child = pid;
	return (t1 - t0) * 1e6;
}

/* The child's VmPTE (KiB) read while it waits; -1 on failure. */
static long vmpte_fork(long *reported_kb)
{
	int go[2], status;
	char path[64], line[2048], *status_text, *p;
	uint64_t bytes;
	long kb = -1;
	pid_t pid;

	if (pipe(go))
		bench_die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		bench_die("fork: %s", strerror(errno));
	if (!pid) {
		char c;

		close(go[1]);
		_exit(read(go[0], &c, 1) < 0);
	}
	close(go[0]);
	zp_sleep_ms(50);
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	status_text = pts_u_slurp(path);
	p = status_text ? strstr(status_text, "VmPTE:") : NULL;
	if (p)
		kb = strtol(p + 6, NULL, 10);
	free(status_text);
	close(go[1]);
	waitpid(pid, &status, 0);
	pts_u_wait_closed(60000);
	*reported_kb = -1;
	if (pts_u_record_of(pid, line, sizeof(line)) &&
	    pts_u_field(line, "pgtable_bytes", &bytes))
		*reported_kb = bytes / 1024;
	return kb;
}

struct figures {
	double fork_us[MAX_REPS], rec_fork[MAX_REPS], copy[MAX_REPS];
	double est[MAX_REPS], pct[MAX_REPS], pgt[MAX_REPS], pte[MAX_REPS];
	int n;
};

static void record_of(pid_t child, struct figures *f)
{
	char line[2048];
	uint64_t v;

	pts_u_wait_closed(60000);
	if (!pts_u_record_of(child, line, sizeof(line)))
		return;
	pts_u_field(line, "fork_ns", &v);
	f->rec_fork[f->n] = v / 1e3;
	pts_u_field(line, "copy_ns", &v);
	f->copy[f->n] = v / 1e3;
	pts_u_field(line, "est_fork_ns", &v);
	f->est[f->n] = v / 1e3;
	pts_u_field(line, "est_saved_pct", &v);
	f->pct[f->n] = v;
	pts_u_field(line, "pgtable_bytes", &v);
	f->pgt[f->n] = v / 1024.0;
	pts_u_field(line, "pte_tables", &v);
	f->pte[f->n] = v;
}

/* A CSV row up to fork_us; the caller writes the rest. */
static void csv_start(int mib, bool thp, const char *series, int forks,
		      double fork_us)
{
	fprintf(csv, "%s,%d,%s,%s,%d,%.1f,", bench_kernel(), mib,
		thp ? "on" : "off", series, forks, fork_us);
}

static void csv_mode(int mib, bool thp, enum mode mode, struct figures *f,
		     long vmpte)
{
	if (!csv)
		return;
	/* bench_median() sorts in place: the table's call left them sorted */
	csv_start(mib, thp, mode_names[mode], f->n, bench_median(f->fork_us, f->n));
	fprintf(csv, "%.1f,%.1f,%.1f,%.0f,%.1f,%.0f,", bench_median(f->rec_fork, f->n),
		bench_median(f->copy, f->n), bench_median(f->est, f->n),
		bench_median(f->pct, f->n), bench_median(f->pgt, f->n),
		bench_median(f->pte, f->n));
	if (mode == M_EXIT && vmpte >= 0)
		fprintf(csv, "%ld", vmpte);
	fprintf(csv, ",\n");
	fflush(csv);
}

static void csv_ab(int mib, bool thp, int na, double a, int nb, double b,
		   double u)
{
	if (!csv)
		return;
	csv_start(mib, thp, "nomod", na, a);
	fprintf(csv, ",,,,,,,\n");
	csv_start(mib, thp, "mod", nb, b);
	fprintf(csv, ",,,,,,,%.3f\n", b / a);
	csv_start(mib, thp, "untraced", nb, u);
	fprintf(csv, ",,,,,,,%.3f\n", u / a);
	fflush(csv);
}

/* Loaded: Reps traced and Reps untraced forks, in @first's order. */
static void loaded_reps(char *mem, size_t size, bool untraced_first,
			double *mod, double *untr, int *n)
{
	pid_t child;
	int side, i;

	for (side = 0; side < 2; side++) {
		bool untraced = side ^ untraced_first;

		bench_set("ptshare/filter_comm", untraced ? NO_SUCH_COMM : "\n");
		for (i = 0; i < reps; i++)
			(untraced ? untr : mod)[*n + i] =
				fork_once(mem, size, M_EXIT, &child);
	}
	bench_set("ptshare/filter_comm", "\n");
	*n += reps;
}

static void run_size(int mib, bool thp, int w100_max)
{
	size_t size = (size_t)mib << 20, off;
	static double nomod[MAX_PASSES * MAX_REPS], mod[MAX_PASSES * MAX_REPS];
	static double untr[MAX_PASSES * MAX_REPS];
	struct ratios *r = &summary[nsummary++];
	double a, b, u;
	int i, ab, pass, na = 0, nb = 0;
	struct figures *f = calloc(1, sizeof(*f));
	long vmpte, reported;
	enum mode mode;
	char *mem;
	pid_t child;

	mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED || !f)
		bench_die("mmap %d MiB: %s", mib, strerror(errno));
	madvise(mem, size, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	for (off = 0; off < size; off += PAGE)
		mem[off] = 1;

	/*
	 * ABBA: odd passes run loaded first, so that neither series always
	 * follows a load or an unload.  A load or unload patches kernel
	 * text, and the emulator then translates the fork path anew: the
	 * first fork after either is not timed.
	 */
	for (pass = 0; pass < passes; pass++) {
		for (ab = 0; ab < 2; ab++) {
			bool load = (ab ^ pass) & 1;

			if (load != zp_mod_loaded("ptshare")) {
				if (load)
					bench_ptshare_load();
				else
					bench_unload("ptshare");
				fork_once(mem, size, M_EXIT, &child);
			}
			if (load)
				loaded_reps(mem, size, pass & 2, mod, untr, &nb);
			else
				for (i = 0; i < reps; i++)
					nomod[na++] = fork_once(mem, size, M_EXIT, &child);
		}
	}
	if (!zp_mod_loaded("ptshare"))
		bench_ptshare_load();	/* for the child modes below */
	a = bench_median(nomod, na);
	b = bench_median(mod, nb);
	u = bench_median(untr, nb);
	*r = (struct ratios){ .mib = mib, .thp = thp, .med = b / a,
			      .fast = mod[0] / nomod[0], .umed = u / a,
			      .ufast = untr[0] / nomod[0] };
	vmpte = vmpte_fork(&reported);
	csv_ab(mib, thp, na, a, nb, b, u);

	for (mode = 0; mode < NR_MODES; mode++) {
		if (mode == M_W100 && mib > w100_max) {
			printf("%6d %-4s %-10s (skipped: more than --w100-max %d MiB)\n",
			       mib, thp ? "on" : "off", mode_names[mode],
			       w100_max);
			continue;
		}
		memset(f, 0, sizeof(*f));
		for (i = 0; i < reps; i++) {
			f->fork_us[i] = fork_once(mem, size, mode, &child);
			record_of(child, f);
			f->n++;
		}
		printf("%6d %-4s %-10s %9.0f %9.0f %6.3f %9.0f %9.0f %9.0f %8.0f %6ld %5.0f %5.0f%% %9.0f\n",
		       mib, thp ? "on" : "off", mode_names[mode],
		       mode == M_EXIT ? a : NAN, mode == M_EXIT ? b : NAN,
		       mode == M_EXIT ? b / a : NAN,
		       bench_median(f->fork_us, f->n), bench_median(f->rec_fork, f->n),
		       bench_median(f->copy, f->n), bench_median(f->pgt, f->n),
		       mode == M_EXIT ? vmpte : -1L, bench_median(f->pte, f->n),
		       bench_median(f->pct, f->n), bench_median(f->est, f->n));
		csv_mode(mib, thp, mode, f, vmpte);
	}
	/* bench_median() left both sorted: [0] is the fastest fork */
	printf("# %d MiB THP %s: A/B fastest forks: nomod %.0f us, mod %.0f us, ratio %.3f (noise only slows a fork down)\n",
	       mib, thp ? "on" : "off", nomod[0], mod[0], mod[0] / nomod[0]);
	printf("# %d MiB THP %s: untraced forks with ptshare loaded: median %.0f us (ratio %.3f), fastest %.0f us (ratio %.3f)\n",
	       mib, thp ? "on" : "off", u, r->umed, untr[0], r->ufast);
	if (vmpte >= 0)
		printf("# %d MiB THP %s: VmPTE of a waiting child %ld KiB, ptshare pgtable_bytes %ld KiB (diff %ld)\n",
		       mib, thp ? "on" : "off", vmpte, reported,
		       reported - vmpte);
	bench_unload("ptshare");
	munmap(mem, size);
	free(f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sizes", required_argument, NULL, 's' },
		{ "reps", required_argument, NULL, 'r' },
		{ "passes", required_argument, NULL, 'p' },
		{ "thp", no_argument, NULL, 't' },
		{ "w100-max", required_argument, NULL, 'w' },
		{ "csv", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	int sizes[MAX_SIZES] = { 16, 64, 256, 1024 }, nsizes = 4, i, c;
	int w100_max = 256;
	const char *csv_path = NULL;
	bool thp = false;

	bench_name = "forkbench";
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			nsizes = bench_parse_list("--sizes", optarg, sizes,
						  MAX_SIZES);
			break;
		case 'r':
			reps = bench_parse_pos("--reps", optarg, MAX_REPS);
			break;
		case 'p':
			passes = bench_parse_pos("--passes", optarg, MAX_PASSES);
			break;
		case 't':
			thp = true;
			break;
		case 'w':
			w100_max = bench_parse_pos("--w100-max", optarg, 1 << 20);
			break;
		case 'o':
			csv_path = optarg;
			break;
		default:
			bench_die("usage: forkbench [--sizes 16,64,256,1024] [--reps N] [--passes N] [--thp] [--w100-max MiB] [--csv FILE]");
		}
	}
	csv = bench_csv_open(csv_path, "kernel,mib,thp,series,forks,fork_us,rec_fork_us,copy_us,est_fork_us,saved_pct,pgt_kib,pte_tables,vmpte_kib,vs_nomod");
	/* ptshare needs the stats tree only: no pool on either side */
	bench_unload("zeropool");
	bench_unload("ptshare");
	printf("# forkbench on %s, %d reps; fork_us is the parent's fork() call (median)\n",
	       bench_kernel(), reps);
	printf("# A/B: nomod/mod = children that exit at once, ptshare unloaded/loaded, %d forks each\n",
	       passes * reps);
	printf("# ptshare figures (medians over the mode's forks): rec_fork/copy/est = fork-level, copy_page_range, estimated-under-lazy-sharing us\n");
	printf("%6s %-4s %-10s %9s %9s %6s %9s %9s %9s %8s %6s %5s %6s %9s\n",
	       "MiB", "THP", "child", "nomod_us", "mod_us", "ratio", "fork_us",
	       "rec_fork", "copy_us", "pgt_KiB", "VmPTE", "pteT", "saved",
	       "est_us");
	for (i = 0; i < nsizes; i++) {
		run_size(sizes[i], false, w100_max);
		if (thp)
			run_size(sizes[i], true, w100_max);
	}
	printf("# summary on %s: loaded/unloaded fork() time, %d forks a side\n",
	       bench_kernel(), passes * reps);
	printf("%6s %-4s %12s %12s %12s %12s\n", "MiB", "THP", "traced_med",
	       "traced_fast", "untr_med", "untr_fast");
	for (i = 0; i < nsummary; i++)
		printf("%6d %-4s %12.3f %12.3f %12.3f %12.3f\n", summary[i].mib,
		       summary[i].thp ? "on" : "off", summary[i].med,
		       summary[i].fast, summary[i].umed, summary[i].ufast);
	bench_unload(ZP_CORE);
	if (csv)
		fclose(csv);
	return 0;
}
