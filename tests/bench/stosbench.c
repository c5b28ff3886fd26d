// SPDX-License-Identifier: GPL-2.0
/*
 * stosbench: userspace micro-benchmark of the ways to zero memory that
 * zeropool's zero methods stand for, on the host (not in the guest).
 *
 *   rep stosb       clear_page_erms, the kernel's clear_page with ERMS
 *   rep stosq       clear_page_rep
 *   movnti          8-byte non-temporal stores (zero_method=nt), sfence
 *                   at the end of every call, or only every 2 MiB
 *   movntdq         16-byte non-temporal stores (_mm_stream_si128), sfence
 *   memset          glibc, for reference
 *
 * 1. Bandwidth over a buffer much larger than the LLC (--mb, default
 *    512 MiB), zeroed in 4 KiB calls and in 2 MiB calls (a non-temporal
 *    call ends with sfence, so the 4 KiB column pays one per page).
 * 2. The cost to a cache-hot workload that runs next: a working set
 *    (--ws, KiB) is walked until hot, then --zero-mb MiB are zeroed in
 *    4 KiB calls with a method (or nothing), then one pass over the working
 *    set is timed.  The slowdown is that time over the time after no
 *    zeroing; each is the median of --trials trials, methods taking turns.
 *    Two walks: summing in order (the prefetchers hide most misses) and
 *    following a random cycle through the lines (every miss counts).  A
 *    control row spins without stores for as long as rep stosb takes: on
 *    a shared host, whatever runs meanwhile evicts lines too.
 */
#define _GNU_SOURCE
#include <stdio.h>

#ifdef __x86_64__
#include <getopt.h>
#include <immintrin.h>
#include <sys/mman.h>

#include "bench.h"

#define KIB		1024UL
#define MIB		(1024UL * 1024)
#define MAX_WS		8
#define MAX_PASSES	99
#define MAX_TRIALS	999

static void z_stosb(void *p, size_t n)
{
	asm volatile("rep stosb" : "+D" (p), "+c" (n) : "a" (0) : "memory");
}

static void z_stosq(void *p, size_t n)
{
	size_t q = n / 8;

	asm volatile("rep stosq" : "+D" (p), "+c" (q) : "a" (0UL) : "memory");
}

static void z_movnti(void *p, size_t n)
{
	long long *q = p, *end = q + n / 8;

	for (; q < end; q += 8) {
		_mm_stream_si64(q, 0);
		_mm_stream_si64(q + 1, 0);
		_mm_stream_si64(q + 2, 0);
		_mm_stream_si64(q + 3, 0);
		_mm_stream_si64(q + 4, 0);
		_mm_stream_si64(q + 5, 0);
		_mm_stream_si64(q + 6, 0);
		_mm_stream_si64(q + 7, 0);
	}
	_mm_sfence();
}

/* The same stores; the caller fences once per 2 MiB (zero_in). */
static void z_movnti_nofence(void *p, size_t n)
{
	long long *q = p, *end = q + n / 8;

	for (; q < end; q += 8) {
		_mm_stream_si64(q, 0);
		_mm_stream_si64(q + 1, 0);
		_mm_stream_si64(q + 2, 0);
		_mm_stream_si64(q + 3, 0);
		_mm_stream_si64(q + 4, 0);
		_mm_stream_si64(q + 5, 0);
		_mm_stream_si64(q + 6, 0);
		_mm_stream_si64(q + 7, 0);
	}
}

static void z_movntdq(void *p, size_t n)
{
	__m128i *q = p, *end = q + n / 16, z = _mm_setzero_si128();

	for (; q < end; q += 4) {
		_mm_stream_si128(q, z);
		_mm_stream_si128(q + 1, z);
		_mm_stream_si128(q + 2, z);
		_mm_stream_si128(q + 3, z);
	}
	_mm_sfence();
}

static void z_memset(void *p, size_t n)
{
	memset(p, 0, n);
}

static void z_none(void *p, size_t n)
{
}

/* Bytes per second of rep stosb in 4 KiB calls, measured first. */
static double spin_rate;

/* No stores: just lets as much time pass as rep stosb would take. */
static void z_spin(void *p, size_t n)
{
	double end = bench_now() + n / spin_rate;

	while (bench_now() < end)
		_mm_pause();
}

struct method {
	const char *name;
	void (*zero)(void *p, size_t n);
	bool fence_2m;		/* zero_in() fences every 2 MiB */
};

static const struct method methods[] = {
	{ "rep stosb", z_stosb, false },
	{ "rep stosq", z_stosq, false },
	{ "movnti+sfence", z_movnti, false },
	{ "movnti,sfence/2M", z_movnti_nofence, true },
	{ "movntdq+sfence", z_movntdq, false },
	{ "memset (glibc)", z_memset, false },
};
#define M_STOSB		0
#define M_MOVNTI	2
#define M_MOVNTI_2M	3
#define M_MOVNTDQ	4

#define NR_METHODS	((int)ARRAY_SIZE(methods))

static struct {
	long mb, zero_mb;
	int passes, trials;
	int ws[MAX_WS], nws;
} opt = {
	.mb = 512,
	.zero_mb = 64,
	.passes = 5,
	.trials = 41,
};

/* Keeps the compiler from dropping a result. */
static inline void keep(uint64_t v)
{
	asm volatile("" : : "r" (v));
}

static void zero_in(const struct method *m, unsigned char *buf, size_t len,
		    size_t chunk)
{
	size_t off;

	for (off = 0; off < len; off += chunk) {
		m->zero(buf + off, chunk);
		if (m->fence_2m && !((off + chunk) & (2 * MIB - 1)))
			_mm_sfence();
	}
	if (m->fence_2m)
		_mm_sfence();
}

/* GB/s, median over the passes. */
static double bandwidth(const struct method *m, unsigned char *buf,
			size_t len, size_t chunk)
{
	double v[MAX_PASSES], t0;
	int i;

	for (i = 0; i < opt.passes; i++) {
		t0 = bench_now();
		zero_in(m, buf, len, chunk);
		v[i] = len / (bench_now() - t0) / 1e9;
	}
	return bench_median(v, opt.passes);
}

/*
 * The working set as cache lines linked in one random cycle (Sattolo):
 * following it defeats the prefetchers, so every line missing from the
 * cache costs its full latency.
 */
static void chase_init(uint64_t *ws, size_t lines)
{
	uint64_t x = 88172645463325252ULL;
	size_t i, j, *perm = malloc(lines * sizeof(*perm));

	if (!perm)
		bench_die("out of memory");
	for (i = 0; i < lines; i++)
		perm[i] = i;
	for (i = lines - 1; i > 0; i--) {
		size_t t;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		j = x % i;
		t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	for (i = 0; i < lines; i++)
		ws[i * 8] = perm[i] * 8;
	free(perm);
}

static uint64_t chase_ws(const uint64_t *ws, size_t n)
{
	size_t lines = n / 8, i;
	uint64_t cur = 0;

	for (i = 0; i < lines; i++)
		cur = ws[cur];
	return cur;
}

static uint64_t sum_ws(const uint64_t *ws, size_t n)
{
	uint64_t s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += ws[i];
	return s;
}

static void print_help(FILE *f)
{
	fprintf(f,
		"usage: stosbench [--mb N] [--zero-mb N] [--ws LIST] [--passes N] [--trials N]\n"
		"  --mb N        buffer for the bandwidth test, MiB (default 512)\n"
		"  --zero-mb N   zeroed before each timed working-set pass, MiB (default 64)\n"
		"  --ws LIST     working sets in KiB (default 256,1024)\n"
		"  --passes N    bandwidth passes per method, median printed (default 5)\n"
		"  --trials N    working-set trials per method, median printed (default 41)\n");
}

static void parse_args(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "mb", required_argument, NULL, 'm' },
		{ "zero-mb", required_argument, NULL, 'z' },
		{ "ws", required_argument, NULL, 'w' },
		{ "passes", required_argument, NULL, 'p' },
		{ "trials", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	int c;

	opt.ws[0] = 256;
	opt.ws[1] = 1024;
	opt.nws = 2;
	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			opt.mb = bench_parse_pos("--mb", optarg, 1 << 20);
			break;
		case 'z':
			opt.zero_mb = bench_parse_pos("--zero-mb", optarg,
						      1 << 20);
			break;
		case 'w':
			opt.nws = bench_parse_list("--ws", optarg, opt.ws, MAX_WS);
			break;
		case 'p':
			opt.passes = bench_parse_pos("--passes", optarg,
						     MAX_PASSES);
			break;
		case 't':
			opt.trials = bench_parse_pos("--trials", optarg,
						     MAX_TRIALS);
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

static void *map_buffer(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		bench_die("mmap %zu MiB: %s", len / MIB, strerror(errno));
	/* 2 MiB pages where possible, like the kernel's direct map */
	madvise(p, len, MADV_HUGEPAGE);
	memset(p, 1, len);
	return p;
}

static void cpu_model(char *buf, size_t len)
{
	char line[256];
	FILE *f = fopen("/proc/cpuinfo", "re");

	snprintf(buf, len, "?");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
			snprintf(buf, len, "%s", strchr(line, ':') + 2);
			buf[strcspn(buf, "\n")] = '\0';
			break;
		}
	}
	fclose(f);
}

/*
 * One table: per working set, the time of one pass of @work right after
 * zeroing @zlen bytes of @zbuf with each method (or none), and its ratio to
 * the time after no zeroing.
 */
static void cost_table(const char *what,
		       uint64_t (*work)(const uint64_t *, size_t),
		       const uint64_t *ws, unsigned char *zbuf, size_t zlen)
{
	static double v[NR_METHODS + 2][MAX_TRIALS];
	static const struct method ctl[2] = {
		{ "no zeroing", z_none, false },
		{ "spin, no stores", z_spin, false },
	};
	double med[NR_METHODS + 2][MAX_WS], t0;
	int m, w, t;

	printf("\nCost to a cache-hot workload, %s:\n"
	       "one pass right after zeroing %ld MiB in 4 KiB calls vs. after no zeroing\n"
	       "(us, median of %d trials, methods taking turns)\n",
	       what, opt.zero_mb, opt.trials);
	printf("%-16s", "method");
	for (w = 0; w < opt.nws; w++)
		printf(" %9d KiB  slowdown", opt.ws[w]);
	printf("\n");
	for (w = 0; w < opt.nws; w++) {
		size_t n = opt.ws[w] * KIB / 8;

		for (t = 0; t < opt.trials; t++) {
			for (m = 0; m < NR_METHODS + 2; m++) {
				const struct method *me = m < 2 ? &ctl[m] :
							  &methods[m - 2];

				keep(work(ws, n));
				keep(work(ws, n));
				zero_in(me, zbuf, zlen, 4 * KIB);
				t0 = bench_now();
				keep(work(ws, n));
				v[m][t] = (bench_now() - t0) * 1e6;
			}
		}
		for (m = 0; m < NR_METHODS + 2; m++)
			med[m][w] = bench_median(v[m], opt.trials);
	}
	for (m = 0; m < NR_METHODS + 2; m++) {
		printf("%-16s", m < 2 ? ctl[m].name : methods[m - 2].name);
		for (w = 0; w < opt.nws; w++)
			printf(" %13.1f %9.2f", med[m][w],
			       med[m][w] / med[0][w]);
		printf("\n");
	}
}

int main(int argc, char **argv)
{
	double bw4[NR_METHODS], bw2m[NR_METHODS];
	double t_start = bench_now();
	size_t len, zlen, wsmax = 0;
	unsigned char *buf, *zbuf;
	uint64_t *ws, *chase;
	char model[128];
	int m, w;

	bench_name = "stosbench";
	setvbuf(stdout, NULL, _IOLBF, 0);
	parse_args(argc, argv);
	len = opt.mb * MIB;
	zlen = opt.zero_mb * MIB;
	for (w = 0; w < opt.nws; w++)
		if ((size_t)opt.ws[w] * KIB > wsmax)
			wsmax = opt.ws[w] * KIB;

	cpu_model(model, sizeof(model));
	printf("# stosbench: %s, %ld CPUs, L2 %ld KiB, L3 %ld KiB (sysconf)\n",
	       model, sysconf(_SC_NPROCESSORS_ONLN),
	       sysconf(_SC_LEVEL2_CACHE_SIZE) / 1024,
	       sysconf(_SC_LEVEL3_CACHE_SIZE) / 1024);
	buf = map_buffer(len);

	printf("\nZeroing bandwidth over %ld MiB, GB/s (median of %d passes)\n",
	       opt.mb, opt.passes);
	printf("%-16s %12s %12s\n", "method", "4 KiB calls", "2 MiB calls");
	for (m = 0; m < NR_METHODS; m++) {
		bw4[m] = bandwidth(&methods[m], buf, len, 4 * KIB);
		bw2m[m] = bandwidth(&methods[m], buf, len, 2 * MIB);
		printf("%-16s %12.2f %12.2f\n", methods[m].name, bw4[m],
		       bw2m[m]);
	}
	printf("ratio movnti+sfence / rep stosb: %.2f (4 KiB), %.2f (2 MiB)\n",
	       bw4[M_MOVNTI] / bw4[M_STOSB], bw2m[M_MOVNTI] / bw2m[M_STOSB]);
	printf("ratio movnti,sfence/2M / rep stosb: %.2f (4 KiB), %.2f (2 MiB)\n",
	       bw4[M_MOVNTI_2M] / bw4[M_STOSB],
	       bw2m[M_MOVNTI_2M] / bw2m[M_STOSB]);
	printf("ratio movntdq+sfence / rep stosb: %.2f (4 KiB), %.2f (2 MiB)\n",
	       bw4[M_MOVNTDQ] / bw4[M_STOSB], bw2m[M_MOVNTDQ] / bw2m[M_STOSB]);
	munmap(buf, len);
	spin_rate = bw4[M_STOSB] * 1e9;

	/* the working sets and the memory zeroed before each timed pass */
	zbuf = map_buffer(zlen);
	ws = map_buffer(wsmax);
	chase = map_buffer(wsmax);
	chase_init(chase, wsmax / 64);
	cost_table("summing the working set in order (prefetch-friendly)",
		   sum_ws, ws, zbuf, zlen);
	cost_table("following a random cycle through its cache lines (latency-bound)",
		   chase_ws, chase, zbuf, zlen);
	printf("# run time %.1f s\n", bench_now() - t_start);
	return 0;
}

#else /* !__x86_64__ */

int main(void)
{
	printf("stosbench: not supported on this architecture (x86-64 only)\n");
	return 0;
}

#endif
