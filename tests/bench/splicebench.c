// SPDX-License-Identifier: GPL-2.0
/*
 * pagesplice against pipes, between two processes (issue 4's benchmarks):
 *
 *   1. per buffer size: pipe write/read; vmsplice + read; pagesplice
 *      SUBMIT + read; vmsplice + splice to /dev/null; pagesplice SUBMIT +
 *      splice to /dev/null.  The pagesplice producer reuses a buffer only
 *      after its completion; the vmsplice one cannot know and just reuses.
 *   2. the 1996 pipeline, dd | cat | cat | cat | cat > /dev/null through
 *      real pipes, against the same five stages through pagesplice rings
 *      with FORWARD relays (the last stage read()s, like cat).
 *
 *   splicebench [-s MiB per run] [-b KiB,KiB,...] [-p MiB for the pipeline]
 *               [-m mask of the modes of 1. to run, bit 0 = pipe] [--csv FILE]
 *               [--no-thp]
 *
 * --no-thp: buffers with MADV_NOHUGEPAGE (see reader_buf() for why huge
 * pages once mattered here).
 *
 * --csv FILE: one row per method and buffer size (the pipeline's two are
 * methods with 5 stages), with the ratio the table prints where it has one.
 *
 * Times in a TCG guest are not hardware times: read the ratios.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <getopt.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "bench.h"
#include "../lib/psring.h"

#define MAX_SIZES 16
#define PIPE_SZ (1 << 20)

enum mode { M_PIPE, M_VMS_READ, M_PS_READ, M_VMS_SPLICE, M_PS_SPLICE, M_NR };

static const char * const mode_names[M_NR] = {
	"pipe", "vmsplice+read", "ps+read", "vmsplice+splice", "ps+splice",
};

/* The mode each one's ratio column compares it with; -1: none. */
static const int mode_vs[M_NR] = { -1, -1, M_PIPE, -1, M_VMS_SPLICE };

static FILE *csv;
static bool no_thp;	/* --no-thp */

/* A CSV row: GiB/s of @method, and its ratio to @vs (at @vs_gibs) if any. */
static void csv_row(const char *method, int stages, int kib, uint64_t mib,
		    double gibs, const char *vs, double vs_gibs)
{
	if (!csv)
		return;
	fprintf(csv, "%s,%s,%d,%d,%llu,%.4f,%s,", bench_kernel(), method,
		stages, kib, (unsigned long long)mib, gibs, vs ? vs : "");
	if (vs && vs_gibs > 0)
		fprintf(csv, "%.3f", gibs / vs_gibs);
	fprintf(csv, "\n");
	fflush(csv);
}

static void *bmap(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		bench_die("mmap %zu: %s", len, strerror(errno));
	if (no_thp && madvise(p, len, MADV_NOHUGEPAGE))
		bench_die("madvise: %s", strerror(errno));
	memset(p, 0x5a, len);
	return p;
}

/*
 * A reader's buffer: 5 pages past a 2 MiB boundary.  The guests run under
 * QEMU's TCG, which emulates the kernel's rep movsb one byte at a time,
 * each through a direct-mapped software TLB.  When a copy's source page
 * (the kernel's direct map of it: its physical address, 2 MiB-aligned in a
 * huge page) and its destination page (the reader's virtual address) take
 * the same TLB slot, every byte evicts the other's entry: copies out of
 * huge pages into a 2 MiB-aligned buffer run ten times slower, in a read of
 * vmspliced pages, in process_vm_readv() and in ps+read alike.  Hardware
 * TLBs are set-associative, and a program's buffers sit anywhere; the
 * offset keeps every method off that emulator case.
 */
static char *reader_buf(size_t len)
{
	uintptr_t huge = 2 << 20, p = (uintptr_t)bmap(len + huge + (5 << 12));

	return (char *)(((p + huge - 1) & ~(huge - 1)) + (5 << 12));
}

static void set_pipe(int *p)
{
	if (pipe(p))
		bench_die("pipe: %s", strerror(errno));
	fcntl(p[1], F_SETPIPE_SZ, PIPE_SZ);
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n <= 0)
			bench_die("write: %s", strerror(errno));
		buf += n;
		len -= n;
	}
}

static void vmsplice_all(int fd, char *buf, size_t len)
{
	while (len) {
		struct iovec iov = { buf, len };
		ssize_t n = vmsplice(fd, &iov, 1, 0);

		if (n <= 0)
			bench_die("vmsplice: %s", strerror(errno));
		buf += n;
		len -= n;
	}
}

/*
 * Every producer writes from the same layout of buffers, nbuf of them in
 * turn (16 MiB in all, or 4 of 4 MiB), so that the source memory is alike
 * (huge pages or not) whatever the method.
 */
static int producer_nbuf(size_t bs)
{
	int n = bs >= (4 << 20) ? 4 : (16 << 20) / bs;

	return n > 64 ? 64 : n;
}

/* Producer with nbuf buffers; each reused only after its completion. */
struct ps_prod {
	int fd, nbuf;
	size_t bs;
	char *area;
	uint64_t *seq;
	bool *busy;
};

static void ps_prod_wait(struct ps_prod *pp, int slot)
{
	struct pagesplice_completion c[64];
	int n, i, j;

	while (pp->busy[slot]) {
		n = psr_reap(pp->fd, c, 64, PAGESPLICE_REAP_WAIT);
		if (n < 0)
			bench_die("REAP: %s", strerror(-n));
		for (j = 0; j < n; j++)
			for (i = 0; i < pp->nbuf; i++)
				if (pp->busy[i] && pp->seq[i] >= c[j].seq_first &&
				    pp->seq[i] <= c[j].seq_last)
					pp->busy[i] = false;
	}
}

static void ps_prod_init(struct ps_prod *pp, int fd, size_t bs)
{
	pp->fd = fd;
	pp->bs = bs;
	pp->nbuf = producer_nbuf(bs);
	pp->area = bmap(pp->nbuf * bs);
	pp->seq = calloc(pp->nbuf, sizeof(*pp->seq));
	pp->busy = calloc(pp->nbuf, sizeof(*pp->busy));
	if (!pp->seq || !pp->busy)
		bench_die("calloc");
}

static void ps_prod_submit(struct ps_prod *pp, uint64_t i, size_t len)
{
	int slot = i % pp->nbuf, ret;

	ps_prod_wait(pp, slot);
	ret = psr_submit(pp->fd, pp->area + (size_t)slot * pp->bs, len, 0, 0,
			 &pp->seq[slot]);
	if (ret)
		bench_die("SUBMIT: %s", strerror(-ret));
	pp->busy[slot] = true;
}

/*
 * Both sides of a run map and write their buffers (and size their pipes)
 * before the clock starts: the ring's producer keeps 16 MiB of buffers in
 * rotation against vmsplice's one, and first-touching them is not transfer.
 */
static int start_ready_fd = -1, start_go_fd = -1;

/* In each side, once set up: says so and waits for the start. */
static void start_line(void)
{
	char c = 0;

	if (write(start_ready_fd, &c, 1) != 1 || read(start_go_fd, &c, 1) != 1)
		bench_die("start barrier: %s", strerror(errno));
}

/* Before forking the sides. */
static void start_open(int ready[2], int go[2])
{
	if (pipe(ready) || pipe(go))
		bench_die("pipe: %s", strerror(errno));
	start_ready_fd = ready[1];
	start_go_fd = go[0];
}

/* After forking @sides sides: starts them all; returns the start time. */
static double start_all(int ready[2], int go[2], int sides, const char *what)
{
	char c = 0;
	double t0;
	int i;

	close(ready[1]);	/* a side that dies before the line: EOF */
	for (i = 0; i < sides; i++)
		if (read(ready[0], &c, 1) != 1)
			bench_die("%s: a side failed to start", what);
	t0 = bench_now();
	for (i = 0; i < sides; i++)
		if (write(go[1], &c, 1) != 1)
			bench_die("start: %s", strerror(errno));
	close(ready[0]);
	close(go[0]);
	close(go[1]);
	return t0;
}

static void producer(enum mode m, int out, size_t bs, uint64_t total)
{
	char *area, *buf;
	uint64_t done;
	int nbuf;

	if (m == M_PS_READ || m == M_PS_SPLICE) {
		struct ps_prod pp;
		uint64_t i = 0;

		ps_prod_init(&pp, out, bs);
		start_line();
		for (done = 0; done < total; done += bs)
			ps_prod_submit(&pp, i++, bs);
		ioctl(out, PAGESPLICE_IOC_SHUTDOWN);
		return;
	}
	nbuf = producer_nbuf(bs);
	area = bmap(nbuf * bs);
	start_line();
	for (done = 0; done < total; done += bs) {
		buf = area + (done / bs % nbuf) * bs;
		if (m == M_PIPE)
			write_all(out, buf, bs);
		else
			vmsplice_all(out, buf, bs);
	}
}

static void consumer(enum mode m, int in, size_t bs, uint64_t total)
{
	char *buf = reader_buf(bs);
	int null = open("/dev/null", O_WRONLY), p[2] = { -1, -1 };
	uint64_t done = 0;
	ssize_t n;

	if (m == M_PS_SPLICE)
		set_pipe(p);
	start_line();
	while (done < total) {
		switch (m) {
		case M_PIPE:
		case M_VMS_READ:
		case M_PS_READ:
			n = read(in, buf, bs);
			break;
		case M_VMS_SPLICE:
			n = splice(in, NULL, null, NULL, PIPE_SZ, SPLICE_F_MOVE);
			break;
		default:
			n = splice(in, NULL, p[1], NULL, PIPE_SZ, SPLICE_F_MOVE);
			if (n > 0) {
				ssize_t left = n, k;

				while (left > 0) {
					k = splice(p[0], NULL, null, NULL, left,
						   SPLICE_F_MOVE);
					if (k <= 0)
						bench_die("splice out: %s",
							  strerror(errno));
					left -= k;
				}
			}
			break;
		}
		if (n < 0)
			bench_die("%s reader: %s", mode_names[m],
				  strerror(errno));
		if (n == 0)
			break;
		done += n;
	}
	if (done != total)
		bench_die("%s: reader got %llu of %llu bytes", mode_names[m],
			  (unsigned long long)done, (unsigned long long)total);
}

static double run(enum mode m, size_t bs, uint64_t total)
{
	int p[2], ready[2], go[2], st, in, out;
	pid_t prod, cons;
	double t0;

	if (m == M_PS_READ || m == M_PS_SPLICE) {
		in = out = psr_open(0);
		if (in < 0)
			bench_die("open %s: %s", PAGESPLICE_DEVICE,
				  strerror(errno));
	} else {
		set_pipe(p);
		in = p[0];
		out = p[1];
	}
	start_open(ready, go);
	cons = fork();
	if (cons == 0) {
		consumer(m, in, bs, total);
		_exit(0);
	}
	prod = fork();
	if (prod == 0) {
		producer(m, out, bs, total);
		_exit(0);
	}
	close(in);
	if (out != in)
		close(out);
	t0 = start_all(ready, go, 2, mode_names[m]);
	waitpid(prod, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		bench_die("%s producer failed", mode_names[m]);
	waitpid(cons, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		bench_die("%s reader failed", mode_names[m]);
	return total / (bench_now() - t0) / (1 << 30);
}

/* 2: five stages.  Stage 0 fills its buffers from /dev/zero like dd. */
static double pipeline_ps(uint64_t total, size_t bs)
{
	int ring[4], ready[2], go[2], i, st, zero;
	pid_t pid[5];
	double t0;

	for (i = 0; i < 4; i++) {
		ring[i] = psr_open(0);
		if (ring[i] < 0)
			bench_die("open: %s", strerror(errno));
	}
	start_open(ready, go);
	for (i = 0; i < 5; i++) {
		pid[i] = fork();
		if (pid[i])
			continue;
		if (i == 0) {
			struct ps_prod pp;
			uint64_t done, k = 0;

			zero = open("/dev/zero", O_RDONLY);
			ps_prod_init(&pp, ring[0], bs);
			start_line();
			for (done = 0; done < total; done += bs) {
				int slot = k % pp.nbuf;

				ps_prod_wait(&pp, slot);
				if (read(zero, pp.area + (size_t)slot * bs, bs) !=
				    (ssize_t)bs)
					bench_die("read /dev/zero");
				ps_prod_submit(&pp, k++, bs);
			}
			ioctl(ring[0], PAGESPLICE_IOC_SHUTDOWN);
		} else if (i < 4) {
			long n;

			start_line();
			while ((n = psr_forward(ring[i - 1], ring[i], 0, 0)) > 0)
				;
			if (n < 0)
				bench_die("FORWARD: %s", strerror(-n));
			ioctl(ring[i], PAGESPLICE_IOC_SHUTDOWN);
		} else {
			char *buf = reader_buf(128 << 10);
			uint64_t got = 0;
			ssize_t n;

			start_line();
			while ((n = read(ring[3], buf, 128 << 10)) > 0)
				got += n;
			if (got != total)
				bench_die("pipeline got %llu bytes",
					  (unsigned long long)got);
		}
		_exit(0);
	}
	for (i = 0; i < 4; i++)
		close(ring[i]);
	t0 = start_all(ready, go, 5, "pipeline");
	for (i = 0; i < 5; i++) {
		waitpid(pid[i], &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			bench_die("pipeline stage %d failed", i);
	}
	return total / (bench_now() - t0) / (1 << 30);
}

/*
 * Seconds for the shell pipeline to move @mib MiB: what a user runs, so
 * its time includes starting the shell and the five programs (printed
 * apart, from a run that moves nothing).
 */
static double pipeline_pipe_secs(uint64_t mib)
{
	char cmd[256];
	double t0;

	snprintf(cmd, sizeof(cmd),
		 "dd if=/dev/zero bs=1024k count=%llu 2>/dev/null | cat | cat | cat | cat > /dev/null",
		 (unsigned long long)mib);
	t0 = bench_now();
	if (system(cmd))
		bench_die("%s failed", cmd);
	return bench_now() - t0;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "csv", required_argument, NULL, 'o' },
		{ "no-thp", no_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	const char *csv_path = NULL;
	int sizes[MAX_SIZES] = { 4, 64, 1024, 4096 }, nsizes = 4, i, m, opt;
	uint64_t mib = 64, pmib = 64, mask = (1 << M_NR) - 1;
	double r[M_NR], pp, ps;

	bench_name = "splicebench";
	while ((opt = getopt_long(argc, argv, "s:b:p:m:", lopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			mib = bench_parse_pos("-s", optarg, 1 << 20);
			break;
		case 'b':
			nsizes = bench_parse_list("-b", optarg, sizes, MAX_SIZES);
			break;
		case 'p':
			pmib = bench_parse_pos("-p", optarg, 1 << 20);
			break;
		case 'm':
			mask = bench_parse_pos("-m", optarg, mask);
			break;
		case 'o':
			csv_path = optarg;
			break;
		case 'T':
			no_thp = true;
			break;
		default:
			bench_die("usage: splicebench [-s MiB] [-b KiB,...] [-p MiB] [-m mask] [--csv FILE] [--no-thp]");
		}
	}
	csv = bench_csv_open(csv_path, "kernel,method,stages,buf_kib,mib,gib_per_s,vs,ratio");
	bench_load_zeropool("");
	m = zp_mod_load("pagesplice", "pagesplice", NULL);
	if (m && m != -EEXIST)
		bench_die("load pagesplice.ko: %s", strerror(-m));

	printf("# splicebench on %s: %llu MiB per run, two processes, GiB/s, buffers %s\n",
	       bench_kernel(), (unsigned long long)mib,
	       no_thp ? "MADV_NOHUGEPAGE" : "THP as the system sets it");
	printf("%-8s", "buffer");
	for (m = 0; m < M_NR; m++)
		printf(" %16s", mode_names[m]);
	printf(" %14s %18s\n", "ps+read/pipe", "ps+spl/vms+spl");
	for (i = 0; i < nsizes; i++) {
		size_t bs = (size_t)sizes[i] << 10;
		uint64_t total = (mib << 20) / bs * bs;

		for (m = 0; m < M_NR; m++)
			r[m] = mask & (1 << m) ? run(m, bs, total) : 0;
		printf("%-6dKi", sizes[i]);
		for (m = 0; m < M_NR; m++)
			printf(" %16.3f", r[m]);
		printf(" %14.2f %18.2f\n", r[M_PS_READ] / r[M_PIPE],
		       r[M_PS_SPLICE] / r[M_VMS_SPLICE]);
		for (m = 0; m < M_NR; m++)
			if (mask & (1 << m))
				csv_row(mode_names[m], 2, sizes[i], mib, r[m],
					mode_vs[m] < 0 ? NULL :
					mode_names[mode_vs[m]],
					mode_vs[m] < 0 ? 0 : r[mode_vs[m]]);
	}

	printf("\n# the 1996 pipeline, %llu MiB, 5 stages, GiB/s\n",
	       (unsigned long long)pmib);
	pp = (pmib << 20) / pipeline_pipe_secs(pmib) / (1 << 30);
	ps = pipeline_ps(pmib << 20, 1 << 20);
	printf("# the pipes' time includes starting the shell pipeline: %.1f ms when it moves nothing\n",
	       pipeline_pipe_secs(0) * 1e3);
	printf("%-40s %8.3f\n", "dd | cat | cat | cat | cat (pipes)", pp);
	printf("%-40s %8.3f\n", "pagesplice rings + 3 FORWARD relays", ps);
	printf("%-40s %8.2f\n", "ratio", ps / pp);
	csv_row("pipeline-pipes", 5, 1024, pmib, pp, NULL, 0);
	csv_row("pipeline-ps", 5, 1024, pmib, ps, "pipeline-pipes", pp);
	if (csv)
		fclose(csv);

	zp_unload_quiet("pagesplice");
	bench_unload("zeropool");
	return 0;
}
