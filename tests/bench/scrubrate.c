// SPDX-License-Identifier: GPL-2.0
/*
 * scrubrate: how fast the scrub thread zeroes, per zero method.
 *
 * Re-zeroing: N pages of /dev/zeropool are written with the scrubber off,
 * unmapped and closed, so that they wait in pool/dirty_pages; then the
 * method is set, the scrubber enabled, and the run lasts until the
 * method's pages_zeroed counter has grown by N (dirty_pages reaches 0 one
 * batch earlier).  GB/s by wall time and by scrub/zero_ns (time inside the
 * zeroing loop) are reported, and the ratio nt/cpu.
 *
 * Filling: the pool is drained, high_watermark set to N, and the run lasts
 * until pool/pages reaches it.  When the allocator already zeroes pages
 * (scrub/allocator_zeroes, init_on_alloc) new blocks are not zeroed again
 * and the method does not matter; otherwise every method is measured (boot
 * the guest with ZP_VM_APPEND=init_on_alloc=0 for that).
 *
 * Each measurement is repeated --reps times and the fastest run is printed,
 * all of its numbers together (--csv has every run): other guests on the
 * host only ever slow a run down.  Under TCG, "cpu" is clear_page, i.e.
 * rep stosb, which the emulator runs far slower than the unrolled movnti
 * loop of "nt": the ratio says nothing about hardware (see stosbench).
 */
#define _GNU_SOURCE
#include <getopt.h>

#include "bench.h"
#include "../lib/bte_test.h"
#include "../lib/zpdev.h"

#define PAGE		4096UL
#define MAX_REPS	99

enum method { M_CPU, M_NT, M_OFFLOAD, NR_METHODS };

static const char * const method_names[NR_METHODS] = {
	"cpu", "nt", "offload"
};

struct run {
	double wall;		/* s */
	uint64_t pages;		/* zeroed by the method, counter delta */
	uint64_t zero_ns;
	uint64_t cpu, nt, offload, prezeroed;	/* counter deltas */
	uint64_t blocks[11];
	char counter[32];	/* the counter that moved most */
};

static struct {
	long mb;
	int reps;
	const char *csv_path;
	bool offload;		/* load bte_offload on the software provider */
} opt = { .mb = 256, .reps = 3 };

static uint64_t npages;
static FILE *csv;

struct snap {
	uint64_t cpu, nt, offload, prezeroed, zero_ns;
	uint64_t blocks[11];
};

static void snap_take(struct snap *s)
{
	char rel[64];
	int i;

	s->cpu = bench_get("scrub/pages_zeroed_cpu");
	s->nt = bench_get("scrub/pages_zeroed_nt");
	s->offload = bench_get("scrub/pages_zeroed_offload");
	s->prezeroed = bench_get("scrub/pages_prezeroed");
	s->zero_ns = bench_get("scrub/zero_ns");
	for (i = 0; i < 11; i++) {
		snprintf(rel, sizeof(rel), "scrub/blocks/order%d", i);
		if (zp_read_u64(rel, &s->blocks[i]))
			s->blocks[i] = 0;
	}
}

static void snap_delta(struct run *r, const struct snap *a,
		       const struct snap *b)
{
	int i;

	r->cpu = b->cpu - a->cpu;
	r->nt = b->nt - a->nt;
	r->offload = b->offload - a->offload;
	r->prezeroed = b->prezeroed - a->prezeroed;
	r->zero_ns = b->zero_ns - a->zero_ns;
	for (i = 0; i < 11; i++)
		r->blocks[i] = b->blocks[i] - a->blocks[i];
	r->pages = r->cpu;
	snprintf(r->counter, sizeof(r->counter), "pages_zeroed_cpu");
	if (r->nt > r->pages) {
		r->pages = r->nt;
		snprintf(r->counter, sizeof(r->counter), "pages_zeroed_nt");
	}
	if (r->offload > r->pages) {
		r->pages = r->offload;
		snprintf(r->counter, sizeof(r->counter),
			 "pages_zeroed_offload");
	}
}

static uint64_t zeroed_total(void)
{
	return bench_get("scrub/pages_zeroed_cpu") +
	       bench_get("scrub/pages_zeroed_nt") +
	       bench_get("scrub/pages_zeroed_offload");
}

/* Polls every millisecond: the runs are too short for zp_wait's 20 ms. */
static void wait_total(uint64_t want, const char *what)
{
	double deadline = bench_now() + 300;

	while (zeroed_total() < want) {
		if (bench_now() > deadline)
			bench_die("%s: zeroed %llu of %llu pages after 300 s",
				  what, (unsigned long long)zeroed_total(),
				  (unsigned long long)want);
		zp_sleep_ms(1);
	}
}

static void wait_pages(uint64_t want)
{
	double deadline = bench_now() + 300;

	while (bench_get("pool/pages") < want) {
		if (bench_now() > deadline)
			bench_die("fill: pool/pages %llu, wanted %llu after 300 s",
				  (unsigned long long)bench_get("pool/pages"),
				  (unsigned long long)want);
		zp_sleep_ms(1);
	}
}

static void scrub_off_drained(void)
{
	bench_set("scrub/enabled", "0");
	zp_sleep_ms(50);
	bench_set("pool/drain", "1");
}

/* N pages written and given back: pool/dirty_pages == N, nothing else. */
static void make_dirty(void)
{
	struct zp_map m;
	uint64_t dirty;

	scrub_off_drained();
	zp_map_open(&m, npages);
	zp_map_write_all(&m, 0xa5);
	zp_map_close(&m);
	dirty = bench_get("pool/dirty_pages");
	if (dirty != npages)
		bench_die("expected %llu dirty pages after close, found %llu (max_pages too small?)",
			  (unsigned long long)npages,
			  (unsigned long long)dirty);
}

static void rezero_run(enum method m, struct run *r)
{
	struct snap a, b;
	uint64_t before;
	double t0;

	make_dirty();
	bench_set("scrub/zero_method", method_names[m]);
	snap_take(&a);
	before = a.cpu + a.nt + a.offload;
	t0 = bench_now();
	bench_set("scrub/enabled", "1");
	wait_total(before + npages, "re-zeroing");
	r->wall = bench_now() - t0;
	snap_take(&b);
	snap_delta(r, &a, &b);
}

static void fill_run(enum method m, struct run *r)
{
	struct snap a, b;
	double t0;

	scrub_off_drained();
	bench_set("scrub/zero_method", method_names[m]);
	snap_take(&a);
	t0 = bench_now();
	bench_set("scrub/enabled", "1");
	wait_pages(npages);
	r->wall = bench_now() - t0;
	snap_take(&b);
	snap_delta(r, &a, &b);
	r->pages = npages;
}

static double gbs(uint64_t pages, double s)
{
	return s > 0 ? pages * PAGE / s / 1e9 : 0;
}

struct summary {
	double wall_ms, zero_ms, gbs_wall, gbs_zero;
	const struct run *run;
};

/*
 * The run with the lowest wall time, all its numbers together: other
 * guests on the host only ever slow a run down.
 */
static void summarise(const struct run *runs, int n, struct summary *s)
{
	const struct run *b = &runs[0];
	int i;

	for (i = 1; i < n; i++)
		if (runs[i].wall < b->wall)
			b = &runs[i];
	s->run = b;
	s->wall_ms = b->wall * 1e3;
	s->zero_ms = b->zero_ns / 1e6;
	s->gbs_wall = gbs(b->pages, b->wall);
	s->gbs_zero = gbs(b->pages, b->zero_ns / 1e9);
}

static void csv_line(const char *phase, enum method m, int rep,
		     const struct run *r)
{
	if (!csv)
		return;
	fprintf(csv, "%s,%s,%s,%d,%llu,%.6f,%llu,%.3f,%.3f,%llu,%llu,%llu,%llu\n",
		bench_kernel(), phase, method_names[m], rep + 1,
		(unsigned long long)r->pages, r->wall,
		(unsigned long long)r->zero_ns, gbs(r->pages, r->wall),
		gbs(r->pages, r->zero_ns / 1e9), (unsigned long long)r->cpu,
		(unsigned long long)r->nt, (unsigned long long)r->offload,
		(unsigned long long)r->prezeroed);
	fflush(csv);
}

static void print_help(FILE *f)
{
	fprintf(f,
		"usage: scrubrate [--mb N] [--reps N] [--csv FILE] [--offload]\n"
		"  --mb N      pages zeroed per run, in MiB (default 256)\n"
		"  --reps N    runs per method; the fastest is printed (default 3)\n"
		"  --csv FILE  one line per run\n"
		"  --offload   load bte_offload on the tests' software dmaengine provider\n"
		"              (zp_soft_dma) so that scrub/backend is not \"none\"\n"
		"Runs in the guest with ZP_MODDIR=build/<release>; loads zeropool itself.\n");
}

static void parse_args(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "mb", required_argument, NULL, 'm' },
		{ "reps", required_argument, NULL, 'r' },
		{ "csv", required_argument, NULL, 'o' },
		{ "offload", no_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			opt.mb = bench_parse_pos("--mb", optarg, 1 << 20);
			break;
		case 'r':
			opt.reps = bench_parse_pos("--reps", optarg, MAX_REPS);
			break;
		case 'o':
			opt.csv_path = optarg;
			break;
		case 'O':
			opt.offload = true;
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

static void print_blocks(const struct run *r)
{
	int i;

	for (i = 0; i < 11; i++)
		if (r->blocks[i])
			printf(" order%d:%llu", i,
			       (unsigned long long)r->blocks[i]);
}

int main(int argc, char **argv)
{
	struct run runs[NR_METHODS][MAX_REPS], fills[NR_METHODS][MAX_REPS];
	struct summary s[NR_METHODS], fs[NR_METHODS];
	bool have[NR_METHODS] = { true, true, false }, prezero;
	char backend[64], params[256], eff[32];
	double t_start = bench_now();
	uint64_t ram, max;
	int m, i;

	bench_name = "scrubrate";
	setvbuf(stdout, NULL, _IOLBF, 0);
	parse_args(argc, argv);
	npages = (uint64_t)opt.mb * (1 << 20) / PAGE;
	ram = zp_meminfo_kb("MemTotal") / 4;
	max = npages + 1024;
	if (max > ram / 2)
		bench_die("--mb %ld: %llu pages is more than the pool may hold (half of RAM)",
			  opt.mb, (unsigned long long)npages);
	snprintf(params, sizeof(params),
		 "max_pages=%llu high_watermark=2 low_watermark=1 scrub_enabled=0 read_fault=alloc",
		 (unsigned long long)max);
	bench_load_zeropool(params);
	csv = bench_csv_open(opt.csv_path, "kernel,phase,method,rep,pages,wall_s,zero_ns,gbs_wall,gbs_zero_ns,zeroed_cpu,zeroed_nt,zeroed_offload,prezeroed");

	if (opt.offload) {
		int err = zp_mod_load(BTE_PROVIDER_DIR, BTE_PROVIDER, "");

		if (err)
			bench_die("load %s: %s", BTE_PROVIDER, strerror(-err));
		err = zp_mod_load("bte_offload", "bte_offload",
				  "max_failures=0 timeout_ms=60000");
		if (err)
			bench_die("load bte_offload: %s", strerror(-err));
		bench_set("scrub/offload_timeout_ms", "60000");
	}
	bench_get_str("scrub/backend", backend, sizeof(backend));
	have[M_OFFLOAD] = strcmp(backend, "none") && strcmp(backend, "?");
	prezero = bench_get("scrub/allocator_zeroes");
	printf("# scrubrate: kernel %s, %ld CPUs, %ld MiB = %llu pages per run, the fastest of %d runs\n",
	       bench_kernel(), sysconf(_SC_NPROCESSORS_ONLN), opt.mb,
	       (unsigned long long)npages, opt.reps);
	printf("# zeroing backend: %s; allocator_zeroes (init_on_alloc/init_on_free): %d\n",
	       backend, prezero);

	printf("\nRe-zeroing pages given back (%llu dirty pages, scrubber enabled until the method's counter grew by that)\n",
	       (unsigned long long)npages);
	for (m = 0; m < NR_METHODS; m++) {
		if (!have[m])
			continue;
		for (i = 0; i < opt.reps; i++) {
			rezero_run(m, &runs[m][i]);
			csv_line("rezero", m, i, &runs[m][i]);
		}
		summarise(runs[m], opt.reps, &s[m]);
	}
	printf("%-8s %-8s %-22s %9s %9s %11s %14s\n", "method", "method*",
	       "counter", "wall_ms", "zero_ms", "GB/s(wall)", "GB/s(zero_ns)");
	for (m = 0; m < NR_METHODS; m++) {
		if (!have[m])
			continue;
		bench_set("scrub/zero_method", method_names[m]);
		bench_get_str("scrub/method", eff, sizeof(eff));
		printf("%-8s %-8s %-22s %9.1f %9.1f %11.3f %14.3f\n",
		       method_names[m], eff, s[m].run->counter,
		       s[m].wall_ms, s[m].zero_ms, s[m].gbs_wall,
		       s[m].gbs_zero);
	}
	printf("(method* = scrub/method, the effective method; counter = the pages_zeroed_* counter that moved)\n");
	if (s[M_CPU].gbs_wall > 0 && s[M_CPU].gbs_zero > 0)
		printf("ratio nt/cpu: %.2f by wall time, %.2f by zero_ns\n",
		       s[M_NT].gbs_wall / s[M_CPU].gbs_wall,
		       s[M_NT].gbs_zero / s[M_CPU].gbs_zero);
	if (have[M_OFFLOAD] && s[M_CPU].gbs_wall > 0)
		printf("ratio offload/cpu: %.2f by wall time\n",
		       s[M_OFFLOAD].gbs_wall / s[M_CPU].gbs_wall);
	if (!have[M_OFFLOAD])
		printf("offload: not measured (scrub/backend is \"%s\"; --offload loads the software provider)\n",
		       backend);
	else if (s[M_OFFLOAD].run->offload == 0)
		printf("offload: the pages given back were zeroed by %s, not by the backend: the module offloads only new blocks\n",
		       s[M_OFFLOAD].run->counter);

	/* filling new blocks: method-dependent only without prezeroing */
	bench_set("scrub/enabled", "0");
	bench_set_u64("pool/high_watermark", npages);
	bench_set_u64("pool/low_watermark", npages - 1);
	printf("\nFilling the pool with new blocks (drained, high_watermark %llu, until pool/pages reaches it;\n"
	       "after one untimed fill, so that the guest's memory is backed by the host)\n",
	       (unsigned long long)npages);
	fill_run(M_CPU, &fills[M_CPU][0]);
	for (m = 0; m < NR_METHODS; m++) {
		if (!have[m] || (prezero && m != M_CPU))
			continue;
		for (i = 0; i < opt.reps; i++) {
			fill_run(m, &fills[m][i]);
			csv_line("fill", m, i, &fills[m][i]);
		}
		summarise(fills[m], opt.reps, &fs[m]);
	}
	printf("%-8s %9s %11s %10s %10s %10s %10s %9s  %s\n", "method",
	       "wall_ms", "GB/s(wall)", "prezeroed", "zeroed_cpu", "zeroed_nt",
	       "zeroed_off", "zero_ms", "blocks");
	for (m = 0; m < NR_METHODS; m++) {
		const struct run *r = fs[m].run;

		if (!have[m] || (prezero && m != M_CPU))
			continue;
		printf("%-8s %9.1f %11.3f %10llu %10llu %10llu %10llu %9.1f ",
		       prezero ? "(any)" : method_names[m], fs[m].wall_ms,
		       fs[m].gbs_wall, (unsigned long long)r->prezeroed,
		       (unsigned long long)r->cpu, (unsigned long long)r->nt,
		       (unsigned long long)r->offload, r->zero_ns / 1e6);
		print_blocks(r);
		printf("\n");
	}
	if (prezero)
		printf("the allocator pre-zeroed the new blocks (allocator_zeroes=1): the pool did not zero them again, so the zero method plays no part in filling\n");
	else
		printf("the allocator does not zero: new blocks were zeroed by the method%s\n",
		       have[M_OFFLOAD] ? " (offload: on the software provider, a kworker zeroing with the CPU: not a hardware figure)" : "");

	scrub_off_drained();
	bench_set("scrub/zero_method", "auto");
	if (opt.offload) {
		zp_mod_unload("bte_offload");
		zp_mod_unload(BTE_PROVIDER);
	}
	bench_set("scrub/enabled", "1");
	bench_unload("zeropool");
	if (csv)
		fclose(csv);
	printf("# run time %.1f s\n", bench_now() - t_start);
	return 0;
}
