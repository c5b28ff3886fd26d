// SPDX-License-Identifier: GPL-2.0
/*
 * faultrate: Christoph Lameter's page-fault-rate table (Prezeroing V2,
 * 2004) for /dev/zeropool against the stock paths, inside one guest run.
 *
 * Each measurement maps a region of --mb MiB and lets the threads (Threads
 * of them) fault their own slice of it, each writing CLine cache lines of
 * 64 bytes per 4 KiB page.  flt/cpu/s is faults / (user + system CPU time
 * of the process over the run, getrusage); fault/wsec is faults / wall
 * time.  Every row is measured Rep times, in Rep rounds of one run per row
 * (after one untimed round), and each column printed is the best of the
 * Rep runs (--median: their median): noise from other guests on the host
 * only ever slows a run down.  Ratios are the median over the rounds of
 * the ratio within a round, where the two runs were close in time.
 *
 * The pool's low_watermark is 0 in the timed runs unless --low says
 * otherwise: below it, every fault wakes the scrub thread, even a disabled
 * one, which then competes with the faulting threads for the CPUs.
 *
 * Rows (--rows; the default is the first seven):
 *   anon-nomod      private anonymous mmap with MADV_NOHUGEPAGE (4 KiB
 *                   faults, as in Lameter's baseline), zeropool not loaded
 *   anon            the same with zeropool loaded (idle, scrubber off)
 *   anon-transparent  anon with pool/transparent=all: the same unmodified
 *                   anonymous faults served from the pool, filled
 *                   beforehand, scrubber off during the timed part
 *   zeropool-warm   /dev/zeropool, the pool filled beforehand to more pages
 *                   than the run needs, scrubber off during the timed part
 *   zeropool-warm-fa16  zeropool-warm with pool/fault_around_pages=16: a
 *                   fault maps up to 16 pool pages.  Its rates count pages
 *                   made present, like every row, but it takes about 1/16
 *                   of the faults (the summary prints how many)
 *   zeropool-cold   /dev/zeropool, pool drained, scrubber off: every fault
 *                   misses and allocates (and zeroes) inline
 *   shmem-prefault  MAP_SHARED tmpfs file whose pages all exist: the fault
 *                   path without any zeroing
 *   anon-thp        anon without MADV_NOHUGEPAGE (THP as the system says)
 *   zeropool-live   zeropool-warm with the scrubber left on in the run
 *   anon-plain      anon-nomod's faults with the modules left as they are:
 *                   no module loaded, unloaded or set.  Alone
 *                   (--rows anon-plain) faultrate is an unmodified program,
 *                   for `zpctl ab -m "zeropool transparent=all"` to compare
 *                   with and without transparent prezeroing
 *
 * The scrub thread's context switches and CPU time during the timed runs
 * (from /proc) and the pool's hits and misses are summed per row: misses
 * must stay 0 in zeropool-warm.
 *
 * Only setup errors make the exit status non-zero; the targets are
 * printed as information.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "bench.h"
#include "../lib/zpdev.h"

#define PAGE		4096UL
#define LINE		64
#define MAX_THREADS	16
#define MAX_CLINES	16
#define MAX_REPS	99
#define POOL_SLACK	1024	/* per-CPU caches and rounding */
#define FAULT_AROUND	"16"	/* pages, the R_WARM_FA row */

enum row_id {
	R_ANON_NOMOD,
	R_ANON,
	R_ANON_TP,
	R_WARM,
	R_WARM_FA,
	R_COLD,
	R_SHMEM,
	R_ANON_THP,
	R_LIVE,
	R_ANON_PLAIN,
	NR_ROWS,
};

struct row {
	const char *name;
	bool module;		/* measured with zeropool loaded */
	bool by_default;
};

static const struct row rows[NR_ROWS] = {
	[R_ANON_NOMOD] = { "anon-nomod", false, true },
	[R_ANON] = { "anon", true, true },
	[R_ANON_TP] = { "anon-transparent", true, true },
	[R_WARM] = { "zeropool-warm", true, true },
	[R_WARM_FA] = { "zeropool-warm-fa16", true, true },
	[R_COLD] = { "zeropool-cold", true, true },
	[R_SHMEM] = { "shmem-prefault", true, true },
	[R_ANON_THP] = { "anon-thp", true, false },
	[R_LIVE] = { "zeropool-live", true, false },
	[R_ANON_PLAIN] = { "anon-plain", false, false },
};

struct meas {
	double wall, user, sys;
	long minflt;
	uint64_t hits, misses;		/* pool counters, pool rows (transparent_*) */
	uint64_t scrubd_switches;	/* scrub thread context switches */
	uint64_t scrubd_ns;		/* and CPU time */
};

static struct {
	long mb;
	int reps;
	int threads[MAX_THREADS], nthreads;
	int clines[MAX_CLINES], nclines;
	bool want[NR_ROWS];
	const char *csv_path;
	long low;		/* low_watermark; -1: the module's default */
	bool keep_loaded;	/* leave zeropool loaded at exit */
	bool best;		/* best of the reps, else the median */
} opt = {
	.best = true,
	.mb = 32,
	.reps = 5,
	.low = 0,
};

static size_t npages;
static uint64_t pool_need;	/* pool/pages before a warm run */
static uint64_t pool_low;	/* low_watermark in force */
static int shm_fd = -1;
static char shm_path[256];
static FILE *csv;

/* [row][thread index][cline index][rep] */
static struct meas (*res)[MAX_THREADS][MAX_CLINES][MAX_REPS];

/* --- the timed part --- */

struct job {
	unsigned char *base;
	size_t first, count;
	int cline;
	pthread_barrier_t *start;
};

static void touch(unsigned char *base, size_t first, size_t count, int cline)
{
	size_t p;
	int l;

	for (p = first; p < first + count; p++) {
		uint64_t *page = (uint64_t *)(base + p * PAGE);

		for (l = 0; l < cline; l++)
			__atomic_store_n(page + l * (LINE / 8), p + 1,
					 __ATOMIC_RELAXED);
	}
}

static void *worker(void *arg)
{
	struct job *j = arg;

	pthread_barrier_wait(j->start);
	touch(j->base, j->first, j->count, j->cline);
	return NULL;
}

/* Faults the whole region with @nthr threads; fills wall/user/sys. */
static void run_faults(unsigned char *base, int nthr, int cline,
		       struct meas *m)
{
	pthread_t tid[MAX_THREADS];
	struct job jobs[MAX_THREADS];
	pthread_barrier_t bar;
	struct rusage r0, r1;
	size_t per = npages / nthr, first = 0;
	double t0, t1;
	int i, err;

	pthread_barrier_init(&bar, NULL, nthr + 1);
	for (i = 0; i < nthr; i++) {
		jobs[i].base = base;
		jobs[i].first = first;
		jobs[i].count = i == nthr - 1 ? npages - first : per;
		jobs[i].cline = cline;
		jobs[i].start = &bar;
		first += per;
		err = pthread_create(&tid[i], NULL, worker, &jobs[i]);
		if (err)
			bench_die("pthread_create: %s", strerror(err));
	}
	getrusage(RUSAGE_SELF, &r0);
	t0 = bench_now();
	pthread_barrier_wait(&bar);
	for (i = 0; i < nthr; i++)
		pthread_join(tid[i], NULL);
	t1 = bench_now();
	getrusage(RUSAGE_SELF, &r1);
	pthread_barrier_destroy(&bar);

	m->wall = t1 - t0;
	m->user = bench_tv(&r1.ru_utime) - bench_tv(&r0.ru_utime);
	m->sys = bench_tv(&r1.ru_stime) - bench_tv(&r0.ru_stime);
	m->minflt = r1.ru_minflt - r0.ru_minflt;
}

/* --- the scrub threads, watched from outside --- */

struct scrubd_stat {
	uint64_t switches, ns;
};

static void scrubd_read(struct scrubd_stat *s)
{
	char path[300], line[256];
	struct dirent *de;
	DIR *d = opendir("/proc");
	FILE *f;

	memset(s, 0, sizeof(*s));
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		bench_read_line(path, line, sizeof(line));
		if (strncmp(line, "zeropool_scrub", 14))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/schedstat", de->d_name);
		bench_read_line(path, line, sizeof(line));
		s->ns += strtoull(line, NULL, 10);
		snprintf(path, sizeof(path), "/proc/%s/status", de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (strstr(line, "ctxt_switches:"))
				s->switches += strtoull(strchr(line, ':') + 1,
							NULL, 10);
		fclose(f);
	}
	closedir(d);
}

/* --- pool states --- */

static void scrub_off(void)
{
	bench_set("scrub/enabled", "0");
	/* let a scrubber in the middle of a block finish it */
	zp_sleep_ms(50);
}

/*
 * Zeroes what was given back and fills the pool to pool_need.  The
 * scrubber only starts filling below low_watermark, so that is raised for
 * the refill and put back afterwards.
 */
static void pool_refill(void)
{
	bench_set_u64("pool/low_watermark", pool_need - 1);
	bench_set("scrub/enabled", "1");
	bench_wait("pool/dirty_pages", 0, true, 300000);
	bench_wait("pool/pages", pool_need, false, 300000);
	bench_set_u64("pool/low_watermark", pool_low);
}

static void pool_empty(void)
{
	scrub_off();
	bench_set("pool/drain", "1");
	if (bench_get("pool/pages") || bench_get("pool/dirty_pages"))
		bench_die("pool/drain left pages in the pool");
}

static void load_module(void)
{
	char params[256];
	uint64_t max = 2 * pool_need;
	uint64_t ram = zp_meminfo_kb("MemTotal") / 4;

	if (max > ram / 2)
		max = ram / 2;
	if (pool_need > max)
		bench_die("--mb %ld needs a pool of %llu pages, more than half of RAM",
			  opt.mb, (unsigned long long)pool_need);
	snprintf(params, sizeof(params),
		 "max_pages=%llu high_watermark=%llu read_fault=alloc scrub_enabled=1",
		 (unsigned long long)max, (unsigned long long)pool_need);
	bench_load_zeropool(params);
	/* a low_watermark=0 parameter means "the default": set it here */
	if (opt.low >= 0)
		bench_set_u64("pool/low_watermark", opt.low);
	pool_low = bench_get("pool/low_watermark");
	pool_refill();
	scrub_off();
}

/* --- one measurement --- */

static void *map_anon(bool nohuge)
{
	void *p = mmap(NULL, npages * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		bench_die("mmap %zu anonymous pages: %s", npages,
			  strerror(errno));
	if (nohuge && madvise(p, npages * PAGE, MADV_NOHUGEPAGE))
		bench_die("madvise(MADV_NOHUGEPAGE): %s", strerror(errno));
	return p;
}

static void run_pool_row(enum row_id r, int nthr, int cline, struct meas *m)
{
	struct scrubd_stat s0, s1;
	uint64_t h0, m0;
	struct zp_map zm;

	if (r == R_COLD) {
		pool_empty();
	} else {
		pool_refill();
		if (r != R_LIVE)
			scrub_off();
	}
	if (r == R_WARM_FA)
		bench_set("pool/fault_around_pages", FAULT_AROUND);
	if (r == R_ANON_TP) {
		bench_set("pool/transparent", "all");
		zm.addr = map_anon(true);
	} else {
		zp_map_open(&zm, npages);
	}
	scrubd_read(&s0);
	h0 = bench_get(r == R_ANON_TP ? "pool/transparent_pages" : "pool/hits");
	m0 = bench_get(r == R_ANON_TP ? "pool/transparent_misses" : "pool/misses");
	run_faults(zm.addr, nthr, cline, m);
	m->hits = bench_get(r == R_ANON_TP ? "pool/transparent_pages" : "pool/hits") - h0;
	m->misses = bench_get(r == R_ANON_TP ? "pool/transparent_misses" : "pool/misses") - m0;
	scrubd_read(&s1);
	m->scrubd_switches = s1.switches - s0.switches;
	m->scrubd_ns = s1.ns - s0.ns;
	if (r == R_ANON_TP) {
		munmap(zm.addr, npages * PAGE);
		bench_set("pool/transparent", "off");
	} else {
		zp_map_close(&zm);
	}
	if (r == R_WARM_FA)
		bench_set("pool/fault_around_pages", "1");
	if (r == R_LIVE)
		scrub_off();
}

static void run_one(enum row_id r, int nthr, int cline, struct meas *m)
{
	struct scrubd_stat s0, s1;
	void *p;

	memset(m, 0, sizeof(*m));
	switch (r) {
	case R_ANON_TP:
	case R_WARM:
	case R_WARM_FA:
	case R_COLD:
	case R_LIVE:
		run_pool_row(r, nthr, cline, m);
		return;
	case R_SHMEM:
		p = mmap(NULL, npages * PAGE, PROT_READ | PROT_WRITE,
			 MAP_SHARED, shm_fd, 0);
		if (p == MAP_FAILED)
			bench_die("mmap %s: %s", shm_path, strerror(errno));
		break;
	default:
		p = map_anon(r != R_ANON_THP);
		break;
	}
	scrubd_read(&s0);
	run_faults(p, nthr, cline, m);
	scrubd_read(&s1);
	m->scrubd_switches = s1.switches - s0.switches;
	m->scrubd_ns = s1.ns - s0.ns;
	munmap(p, npages * PAGE);
}

/* --- setup --- */

static void shm_cleanup(void)
{
	if (shm_path[0])
		unlink(shm_path);
}

static void shm_create(void)
{
	static const char * const dirs[] = { "/dev/shm", "/tmp" };
	unsigned char buf[PAGE];
	size_t i;
	unsigned int d;

	memset(buf, 0x5a, sizeof(buf));
	for (d = 0; d < 2 && shm_fd < 0; d++) {
		snprintf(shm_path, sizeof(shm_path), "%s/zp-faultrate.%d",
			 dirs[d], getpid());
		shm_fd = open(shm_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
			      0600);
	}
	if (shm_fd < 0) {
		shm_path[0] = '\0';
		bench_die("cannot create a file in /dev/shm or /tmp: %s",
			  strerror(errno));
	}
	atexit(shm_cleanup);
	for (i = 0; i < npages; i++)
		if (pwrite(shm_fd, buf, PAGE, i * PAGE) != (ssize_t)PAGE)
			bench_die("write %s: %s", shm_path, strerror(errno));
}

static void print_help(FILE *f)
{
	int r;

	fprintf(f,
		"usage: faultrate [--mb N] [--reps N] [--threads LIST] [--clines LIST]\n"
		"                 [--rows LIST|all] [--low N] [--csv FILE] [--median]\n"
		"                 [--keep-loaded]\n"
		"  --mb N          region per run in MiB (default 32)\n"
		"  --reps N        runs per row and setting; the best is printed (default 5)\n"
		"  --median        print the median of the reps instead of the best\n"
		"  --threads LIST  e.g. 1,2 (default 1,2)\n"
		"  --clines LIST   cache lines written per page (default 1,2,4,8,16,32,64)\n"
		"  --rows LIST     of:");
	for (r = 0; r < NR_ROWS; r++)
		fprintf(f, " %s%s", rows[r].name, rows[r].by_default ? "*" : "");
	fprintf(f,
		"\n                  (* = default; all = every row)\n"
		"  --low N|module  pool low_watermark in the timed runs (default 0: faults\n"
		"                  never wake the scrubber; module: its default, high/4)\n"
		"  --csv FILE      one line per measurement\n"
		"  --keep-loaded   leave zeropool loaded at exit (to resolve its symbols in a profile)\n"
		"Runs in the guest with ZP_MODDIR=build/<release>; loads zeropool itself.\n");
}

static void parse_rows(const char *s)
{
	char buf[256], *tok, *save;
	int r;

	memset(opt.want, 0, sizeof(opt.want));
	if (!strcmp(s, "all")) {
		for (r = 0; r < NR_ROWS; r++)
			opt.want[r] = true;
		return;
	}
	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (r = 0; r < NR_ROWS; r++)
			if (!strcmp(tok, rows[r].name))
				break;
		if (r == NR_ROWS)
			bench_die("unknown row \"%s\" (see --help)", tok);
		opt.want[r] = true;
	}
}

static void parse_args(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "mb", required_argument, NULL, 'm' },
		{ "reps", required_argument, NULL, 'r' },
		{ "threads", required_argument, NULL, 't' },
		{ "clines", required_argument, NULL, 'c' },
		{ "rows", required_argument, NULL, 'R' },
		{ "low", required_argument, NULL, 'l' },
		{ "csv", required_argument, NULL, 'o' },
		{ "keep-loaded", no_argument, NULL, 'k' },
		{ "median", no_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	int c, r, i;
	char *end;

	for (r = 0; r < NR_ROWS; r++)
		opt.want[r] = rows[r].by_default;
	opt.threads[0] = 1;
	opt.threads[1] = 2;
	opt.nthreads = 2;
	for (i = 0; i < 7; i++)
		opt.clines[i] = 1 << i;
	opt.nclines = 7;

	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			opt.mb = bench_parse_pos("--mb", optarg, 1 << 20);
			break;
		case 'r':
			opt.reps = bench_parse_pos("--reps", optarg, MAX_REPS);
			break;
		case 't':
			opt.nthreads = bench_parse_list("--threads", optarg,
							opt.threads,
							MAX_THREADS);
			for (i = 0; i < opt.nthreads; i++)
				if (opt.threads[i] > MAX_THREADS)
					bench_die("at most %d threads",
						  MAX_THREADS);
			break;
		case 'c':
			opt.nclines = bench_parse_list("--clines", optarg,
						       opt.clines, MAX_CLINES);
			for (i = 0; i < opt.nclines; i++)
				if (opt.clines[i] > (int)(PAGE / LINE))
					bench_die("a page has %lu lines",
						  PAGE / LINE);
			break;
		case 'R':
			parse_rows(optarg);
			break;
		case 'l':
			if (!strcmp(optarg, "module")) {
				opt.low = -1;
				break;
			}
			opt.low = strtol(optarg, &end, 10);
			if (end == optarg || *end || opt.low < 0)
				bench_die("--low wants a number >= 0 or \"module\"");
			break;
		case 'o':
			opt.csv_path = optarg;
			break;
		case 'k':
			opt.keep_loaded = true;
			break;
		case 'M':
			opt.best = false;
			break;
		case 'h':
			print_help(stdout);
			exit(0);
		default:
			print_help(stderr);
			exit(2);
		}
	}
	if (optind != argc) {
		print_help(stderr);
		exit(2);
	}
}

/* --- results --- */

static double rate_cpu(const struct meas *m)
{
	double cpu = m->user + m->sys;

	return cpu > 0 ? npages / cpu : 0;
}

static double rate_wall(const struct meas *m)
{
	return m->wall > 0 ? npages / m->wall : 0;
}

/*
 * Over the reps of one setting: the median of @f, or the best (the highest
 * rate, the lowest time; @rate says which @f is).
 */
static double pick(enum row_id r, int ti, int ci,
		   double (*f)(const struct meas *), bool rate)
{
	double v[MAX_REPS];
	int i, n = opt.reps;

	for (i = 0; i < n; i++)
		v[i] = f(&res[r][ti][ci][i]);
	qsort(v, n, sizeof(v[0]), bench_cmp_double);
	if (opt.best)
		return rate ? v[n - 1] : v[0];
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double get_wall(const struct meas *m) { return m->wall; }
static double get_user(const struct meas *m) { return m->user; }
static double get_sys(const struct meas *m) { return m->sys; }

static void csv_line(enum row_id r, int ti, int ci, int rep)
{
	const struct meas *m = &res[r][ti][ci][rep];

	if (!csv)
		return;
	fprintf(csv, "%s,%s,%ld,%d,%d,%d,%zu,%.6f,%.6f,%.6f,%.1f,%.1f,%ld,%llu,%llu,%llu,%llu\n",
		bench_kernel(), rows[r].name, opt.mb, opt.threads[ti],
		opt.clines[ci], rep + 1, npages, m->wall, m->user, m->sys,
		rate_cpu(m), rate_wall(m), m->minflt,
		(unsigned long long)m->hits, (unsigned long long)m->misses,
		(unsigned long long)m->scrubd_switches,
		(unsigned long long)m->scrubd_ns);
	fflush(csv);
}

static void print_table(void)
{
	int r, ti, ci;

	printf("\n%-15s %6s %3s %7s %5s %8s %8s %8s %11s %11s\n", "Row", "GB",
	       "Rep", "Threads", "CLine", "User", "System", "Wall",
	       "flt/cpu/s", "fault/wsec");
	for (r = 0; r < NR_ROWS; r++) {
		if (!opt.want[r])
			continue;
		for (ti = 0; ti < opt.nthreads; ti++)
			for (ci = 0; ci < opt.nclines; ci++)
				printf("%-15s %6.3f %3d %7d %5d %7.3fs %7.3fs %7.3fs %11.1f %11.1f\n",
				       rows[r].name, opt.mb / 1024.0, opt.reps,
				       opt.threads[ti], opt.clines[ci],
				       pick(r, ti, ci, get_user, false),
				       pick(r, ti, ci, get_sys, false),
				       pick(r, ti, ci, get_wall, false),
				       pick(r, ti, ci, rate_cpu, true),
				       pick(r, ti, ci, rate_wall, true));
		printf("\n");
	}
}

/* A / B of the values picked over the reps (best or median). */
static double ratio_picked(enum row_id a, enum row_id b, int ti, int ci,
			   double (*f)(const struct meas *))
{
	double y = pick(b, ti, ci, f, true);

	return y > 0 ? pick(a, ti, ci, f, true) / y : 0;
}

/*
 * The median over the rounds of A / B within one round, where the two runs
 * were next to each other in time: slow changes of the load on the host
 * cancel out.
 */
static double ratio(enum row_id a, enum row_id b, int ti, int ci,
		    double (*f)(const struct meas *))
{
	double v[MAX_REPS], x, y;
	int i, n = 0;

	for (i = 0; i < opt.reps; i++) {
		x = f(&res[a][ti][ci][i]);
		y = f(&res[b][ti][ci][i]);
		if (y > 0)
			v[n++] = x / y;
	}
	if (!n)
		return 0;
	qsort(v, n, sizeof(v[0]), bench_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void print_ratios(enum row_id a, enum row_id b)
{
	char name[64];
	int ti, ci;

	if (!opt.want[a] || !opt.want[b])
		return;
	snprintf(name, sizeof(name), "%s / %s", rows[a].name, rows[b].name);
	for (ti = 0; ti < opt.nthreads; ti++)
		for (ci = 0; ci < opt.nclines; ci++)
			printf("%-34s %7d %5d %10.2f %10.2f %10.2f\n", name,
			       opt.threads[ti], opt.clines[ci],
			       ratio(a, b, ti, ci, rate_cpu),
			       ratio(a, b, ti, ci, rate_wall),
			       ratio_picked(a, b, ti, ci, rate_wall));
	printf("\n");
}

static int index_of(const int *list, int n, int v)
{
	int i;

	for (i = 0; i < n; i++)
		if (list[i] == v)
			return i;
	return -1;
}

static void report_target(enum row_id a, enum row_id b, int threads,
			  int cline, double min)
{
	int ti = index_of(opt.threads, opt.nthreads, threads);
	int ci = index_of(opt.clines, opt.nclines, cline);
	double x, y;

	printf("target %s / %s >= %.2f at %d line%s, %d thread%s: ",
	       rows[a].name, rows[b].name, min, cline, cline > 1 ? "s" : "",
	       threads, threads > 1 ? "s" : "");
	if (ti < 0 || ci < 0 || !opt.want[a] || !opt.want[b]) {
		printf("not measured in this run\n");
		return;
	}
	x = ratio(a, b, ti, ci, rate_wall);
	y = ratio(a, b, ti, ci, rate_cpu);
	printf("%s (%.2f fault/wsec), %s (%.2f flt/cpu/s); %s/%s fault/wsec %.2f\n",
	       x >= min ? "met" : "not met", x, y >= min ? "met" : "not met",
	       y, opt.best ? "best" : "median", opt.best ? "best" : "median",
	       ratio_picked(a, b, ti, ci, rate_wall));
}

/*
 * Transparent mode's targets: anon-transparent / anon-nomod at least 0.9
 * of shmem-prefault / anon-nomod at 1 line, at least 1.0 at 64 lines; the
 * module loaded with the mode off (anon) within 2% of it unloaded.
 */
static void report_transparent(void)
{
	int ci1 = index_of(opt.clines, opt.nclines, 1);
	int ci64 = index_of(opt.clines, opt.nclines, 64);
	double tp, shm, off;
	int ti;

	if (!opt.want[R_ANON_TP] || !opt.want[R_ANON_NOMOD])
		return;
	for (ti = 0; ti < opt.nthreads; ti++) {
		if (ci1 >= 0 && opt.want[R_SHMEM]) {
			tp = ratio(R_ANON_TP, R_ANON_NOMOD, ti, ci1, rate_wall);
			shm = ratio(R_SHMEM, R_ANON_NOMOD, ti, ci1, rate_wall);
			printf("target anon-transparent / anon-nomod >= 0.9 x shmem-prefault / anon-nomod at 1 line, %d thread%s: %s (%.2f vs 0.9 x %.2f)\n",
			       opt.threads[ti], opt.threads[ti] > 1 ? "s" : "",
			       tp >= 0.9 * shm ? "met" : "not met", tp, shm);
		}
		if (ci64 >= 0) {
			tp = ratio(R_ANON_TP, R_ANON_NOMOD, ti, ci64, rate_wall);
			printf("target anon-transparent / anon-nomod >= 1.00 at 64 lines, %d thread%s: %s (%.2f)\n",
			       opt.threads[ti], opt.threads[ti] > 1 ? "s" : "",
			       tp >= 1.0 ? "met" : "not met", tp);
		}
		if (opt.want[R_ANON] && ci1 >= 0) {
			off = ratio(R_ANON, R_ANON_NOMOD, ti, ci1, rate_wall);
			printf("target anon (mode off) / anon-nomod within 2%% at 1 line, %d thread%s: %s (%.3f)\n",
			       opt.threads[ti], opt.threads[ti] > 1 ? "s" : "",
			       off >= 0.98 && off <= 1.02 ? "met" : "not met", off);
		}
	}
}

static void print_pool_summary(void)
{
	static const enum row_id pr[] = {
		R_ANON_TP, R_WARM, R_WARM_FA, R_COLD, R_LIVE,
	};
	uint64_t hits, misses, sw, ns, faults, minflt;
	unsigned int k;
	int ti, ci, i, runs;

	for (k = 0; k < ARRAY_SIZE(pr); k++) {
		enum row_id r = pr[k];

		if (!opt.want[r])
			continue;
		hits = misses = sw = ns = faults = minflt = 0;
		runs = 0;
		for (ti = 0; ti < opt.nthreads; ti++)
			for (ci = 0; ci < opt.nclines; ci++)
				for (i = 0; i < opt.reps; i++) {
					const struct meas *m =
						&res[r][ti][ci][i];

					hits += m->hits;
					misses += m->misses;
					sw += m->scrubd_switches;
					ns += m->scrubd_ns;
					faults += npages;
					minflt += m->minflt;
					runs++;
				}
		printf("# %s, %d timed runs, %llu pages, %llu faults taken: pool hits +%llu, misses +%llu%s\n",
		       rows[r].name, runs, (unsigned long long)faults,
		       (unsigned long long)minflt,
		       (unsigned long long)hits, (unsigned long long)misses,
		       r == R_WARM || r == R_WARM_FA || r == R_ANON_TP ?
		       (misses ? "  ** the pool ran dry **" :
			"  (pool never ran dry)") : "");
		printf("#   scrub thread during them: %llu context switches, %.1f ms CPU%s\n",
		       (unsigned long long)sw, ns / 1e6,
		       r == R_LIVE ? "" : " (scrubber disabled)");
	}
}

static void print_header(void)
{
	char thp[128], shm_thp[128], method[32], backend[32];

	bench_read_line("/sys/kernel/mm/transparent_hugepage/enabled", thp,
			sizeof(thp));
	bench_read_line("/sys/kernel/mm/transparent_hugepage/shmem_enabled",
			shm_thp, sizeof(shm_thp));
	bench_get_str("scrub/method", method, sizeof(method));
	bench_get_str("scrub/backend", backend, sizeof(backend));
	printf("# faultrate: kernel %s, %ld CPUs, %ld MiB per run = %zu faults of 4 KiB, Rep %d\n",
	       bench_kernel(), sysconf(_SC_NPROCESSORS_ONLN), opt.mb, npages,
	       opt.reps);
	printf("# each column below is the %s over Rep runs%s; Rep rounds of one run per row\n",
	       opt.best ? "best" : "median",
	       opt.best ? " (the highest rate, the lowest time: noise from other guests only slows runs down)" : "");
	printf("# one untimed round of every row comes first (code translation, first touch of guest memory)\n");
	printf("# flt/cpu/s = faults / (user+sys CPU of the process); fault/wsec = faults / wall time\n");
	printf("# each thread writes CLine 64-byte lines in every page of its own slice\n");
	printf("# THP: enabled %s; shmem_enabled %s; anon rows use MADV_NOHUGEPAGE (4 KiB faults)%s\n",
	       thp, shm_thp,
	       opt.want[R_ANON_THP] ? " except anon-thp" : "");
	printf("# shmem-prefault: %s, every page written beforehand\n",
	       shm_path);
	if (opt.want[R_WARM_FA])
		printf("# zeropool-warm-fa16: pool/fault_around_pages=%s in its runs, a fault maps up to %s pool pages\n",
		       FAULT_AROUND, FAULT_AROUND);
	printf("# zeropool: pool filled to >= %llu pages (high_watermark) before each warm run, max_pages %llu,\n",
	       (unsigned long long)pool_need,
	       (unsigned long long)bench_get("pool/max_pages"));
	printf("#   low_watermark %llu in the timed runs%s\n",
	       (unsigned long long)pool_low,
	       pool_low ? " (a fault taking the pool below it wakes the scrub thread)" :
	       " (faults never wake the scrub thread; --low module for the module's default)");
	printf("#   scrubber disabled during every timed run%s; method %s, backend %s, allocator_zeroes %llu\n",
	       opt.want[R_LIVE] ? " except zeropool-live" : "", method,
	       backend, (unsigned long long)bench_get("scrub/allocator_zeroes"));
}

/* Round @rep (-1: untimed) of one run per row, in @order or backwards. */
static void run_round(int ti, int ci, int rep, const enum row_id *order,
		      int norder, bool any_module)
{
	int t = opt.threads[ti], c = opt.clines[ci], k;
	struct meas scratch;
	enum row_id r;

	if (opt.want[R_ANON_NOMOD]) {
		bench_unload("zeropool");
		run_one(R_ANON_NOMOD, t, c, rep < 0 ? &scratch :
			&res[R_ANON_NOMOD][ti][ci][rep]);
		if (rep >= 0)
			csv_line(R_ANON_NOMOD, ti, ci, rep);
	}
	if (opt.want[R_ANON_PLAIN]) {
		run_one(R_ANON_PLAIN, t, c, rep < 0 ? &scratch :
			&res[R_ANON_PLAIN][ti][ci][rep]);
		if (rep >= 0)
			csv_line(R_ANON_PLAIN, ti, ci, rep);
	}
	if (any_module && !zp_mod_loaded("zeropool"))
		load_module();
	for (k = 0; k < norder; k++) {
		r = order[rep % 2 ? norder - 1 - k : k];
		run_one(r, t, c, rep < 0 ? &scratch : &res[r][ti][ci][rep]);
		if (rep >= 0)
			csv_line(r, ti, ci, rep);
	}
}

int main(int argc, char **argv)
{
	static const enum row_id round_order[] = {
		R_ANON, R_ANON_TP, R_WARM, R_SHMEM, R_WARM_FA, R_COLD,
		R_ANON_THP, R_LIVE,
	};
	enum row_id order[NR_ROWS];
	int norder = 0, r, ti, ci, i, k;
	double t_start = bench_now();
	bool any_module = false, own_modules;

	bench_name = "faultrate";
	setvbuf(stdout, NULL, _IOLBF, 0);
	parse_args(argc, argv);
	if (sysconf(_SC_PAGESIZE) != (long)PAGE)
		bench_die("needs 4 KiB pages");
	npages = (size_t)opt.mb * (1 << 20) / PAGE;
	pool_need = npages + POOL_SLACK;
	/* warm next to both anon and shmem-prefault */
	for (k = 0; k < (int)ARRAY_SIZE(round_order); k++) {
		r = round_order[k];
		if (opt.want[r] && rows[r].module) {
			order[norder++] = r;
			any_module = true;
		}
	}
	res = calloc(NR_ROWS, sizeof(*res));
	if (!res)
		bench_die("out of memory");
	csv = bench_csv_open(opt.csv_path, "kernel,row,mb,threads,cline,rep,faults,wall_s,user_s,sys_s,flt_cpu_s,fault_wsec,minflt,pool_hits,pool_misses,scrubd_switches,scrubd_ns");
	if (opt.want[R_SHMEM])
		shm_create();

	/* anon-plain alone leaves the modules to whoever runs faultrate */
	own_modules = any_module || opt.want[R_ANON_NOMOD];
	/* the module's parameters and state, for the header */
	if (own_modules) {
		load_module();
		print_header();
	} else {
		printf("# faultrate: kernel %s, %ld CPUs, %ld MiB per run = %zu faults of 4 KiB, Rep %d; modules left as they are\n",
		       bench_kernel(), sysconf(_SC_NPROCESSORS_ONLN), opt.mb,
		       npages, opt.reps);
	}

	/*
	 * One untimed round first: the emulator translates the code paths on
	 * their first use and the host backs the guest's memory on its first
	 * touch, which would otherwise slow the first setting down.
	 */
	run_round(0, 0, -1, order, norder, any_module);
	for (ti = 0; ti < opt.nthreads; ti++) {
		for (ci = 0; ci < opt.nclines; ci++) {
			/*
			 * Rounds of one run per row; every other round goes
			 * the other way, so that a steady drift of the load
			 * on the host favours no row.
			 */
			for (i = 0; i < opt.reps; i++)
				run_round(ti, ci, i, order, norder,
					  any_module);
			printf("# Threads %d CLine %2d fault/wsec:",
			       opt.threads[ti], opt.clines[ci]);
			for (r = 0; r < NR_ROWS; r++)
				if (opt.want[r])
					printf(" %s %.0f", rows[r].name,
					       pick(r, ti, ci, rate_wall, true));
			printf("\n");
		}
	}

	print_table();
	printf("Ratio A / B: the median over the Rep rounds of A / B within a round (the two\n"
	       "runs close in time), per metric; then A / B of the %s fault/wsec above\n",
	       opt.best ? "best" : "median");
	printf("%-34s %7s %5s %10s %10s %10s\n", "A / B", "Threads", "CLine",
	       "flt/cpu/s", "fault/wsec", opt.best ? "best/best" : "med/med");
	print_ratios(R_WARM, R_ANON);
	print_ratios(R_WARM, R_SHMEM);
	print_ratios(R_ANON_TP, R_ANON_NOMOD);
	print_ratios(R_SHMEM, R_ANON_NOMOD);
	print_ratios(R_WARM_FA, R_ANON);
	print_ratios(R_COLD, R_ANON);
	print_ratios(R_ANON, R_ANON_NOMOD);
	print_ratios(R_LIVE, R_ANON);

	print_pool_summary();
	report_target(R_WARM, R_ANON, 1, 1, 3.0);
	report_target(R_WARM, R_SHMEM, 1, 1, 0.85);
	for (ti = 0; ti < opt.nthreads; ti++)
		report_target(R_WARM, R_ANON, opt.threads[ti], 64, 1.0);
	printf("# the targets are per fault (a page each); with fault-around, pages made present:\n");
	report_target(R_WARM_FA, R_ANON, 1, 1, 3.0);
	report_transparent();

	if (own_modules && zp_mod_loaded("zeropool")) {
		bench_set("scrub/enabled", "1");
		if (!opt.keep_loaded)
			bench_unload("zeropool");
	}
	if (csv)
		fclose(csv);
	printf("# run time %.1f s\n", bench_now() - t_start);
	return 0;
}
