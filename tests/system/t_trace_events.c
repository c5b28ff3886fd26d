// SPDX-License-Identifier: GPL-2.0
/*
 * The trace events of zeropool, pagesplice and bte_offload, read through
 * tracefs as perf or trace-cmd read them: a known operation emits exactly
 * the expected events, and each event agrees with the stats counter it
 * mirrors (a scrubbed block with scrub/blocks, a miss with pool/misses, a
 * shrinker scan with pool/shrink_scans, a completion record with
 * pagesplice/completions, an engine request with bte_offload's counters).
 *
 * Boot with init_on_alloc=0 (ZP_VM_APPEND): otherwise the allocator zeroes
 * the scrubber's blocks, and neither the CPU nor the engine zeroes any.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/bte_test.h"
#include "../lib/psring.h"
#include "../lib/tracefs.h"
#include "../lib/zpdev.h"
#include "../lib/zptest.h"

/*
 * The trace buffer keeps its size (1.4 MiB per CPU on Debian's kernels,
 * allocated at first use): a step records at most a few hundred events,
 * and a larger buffer would stay allocated after the test.
 */
#define NPAGES		1024
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static uint64_t blocks_total(void)
{
	uint64_t sum = 0, v;
	char rel[64];
	int order;

	for (order = 0; order < 16; order++) {
		snprintf(rel, sizeof(rel), "scrub/blocks/order%d", order);
		if (zp_read_u64(rel, &v))
			break;
		sum += v;
	}
	return sum;
}

/* Records @system's events from here to trace_stop(). */
static void trace_start(const char *system)
{
	tr_enable(system, false);
	tr_reset(0);
	tr_enable(system, true);
}

static char *trace_stop(const char *system)
{
	tr_enable(system, false);
	if (tr_overruns())
		tap_diag("trace buffer overran: %llu events lost",
			 (unsigned long long)tr_overruns());
	return tr_read();
}

static void zeropool_events_exist(void)
{
	static const char *const ev[] = {
		"zeropool/zp_pool_miss", "zeropool/zp_scrub_block",
		"zeropool/zp_shrink",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ev); i++)
		tap_ok(tr_event_exists(ev[i]), "event %s exists", ev[i]);
}

/* The scrubber fills an empty pool on the CPU: one event per block. */
static void scrub_blocks(void)
{
	uint64_t blocks0, cpu0, ns0, pages = 0, ns = 0, n;
	const char *pos, *line;
	bool cpu_only = true;
	int64_t order, v;
	char method[16];
	char *buf;

	zp_set("scrub/enabled", "0");
	zp_set("pool/drain", "1");
	zp_set("scrub/zero_method", "cpu");
	blocks0 = blocks_total();
	cpu0 = zp_get("scrub/pages_zeroed_cpu");
	ns0 = zp_get("scrub/zero_ns");
	trace_start("zeropool");
	zp_set("scrub/enabled", "1");
	tap_ok(zp_wait_eq("pool/pages", NPAGES, 60000),
	       "scrub: the pool refilled to %d pages", NPAGES);
	zp_set("scrub/enabled", "0");
	buf = trace_stop("zeropool");

	n = tr_count(buf, "zp_scrub_block");
	pos = buf;
	while ((line = tr_next("zp_scrub_block", &pos))) {
		if (tr_field(line, "order", &order))
			pages += 1ULL << order;
		if (!tr_word(line, "method", method, sizeof(method)) ||
		    strcmp(method, "cpu"))
			cpu_only = false;
		if (tr_field(line, "ns", &v))
			ns += v;
	}
	tap_ok(n && n == blocks_total() - blocks0,
	       "scrub: %llu zp_scrub_block events = scrub/blocks +%llu",
	       (unsigned long long)n,
	       (unsigned long long)(blocks_total() - blocks0));
	tap_ok(pages == zp_get("scrub/pages_zeroed_cpu") - cpu0,
	       "scrub: their pages (%llu) = scrub/pages_zeroed_cpu delta",
	       (unsigned long long)pages);
	tap_ok(cpu_only, "scrub: every block says method=cpu");
	tap_diag("scrub: %llu ns in the events, %llu in scrub/zero_ns",
		 (unsigned long long)ns,
		 (unsigned long long)(zp_get("scrub/zero_ns") - ns0));
	free(buf);
}

/* Write faults on a /dev/zeropool mapping with the pool empty: misses. */
static void pool_misses(void)
{
	const size_t npages = 64;
	uint64_t miss0, n;
	const char *pos, *line;
	bool take = true;
	struct zp_map m;
	char path[16];
	char *buf;

	zp_set("scrub/enabled", "0");
	zp_set("pool/drain", "1");
	miss0 = zp_get("pool/misses");
	trace_start("zeropool/zp_pool_miss");
	zp_map_open(&m, npages);
	zp_map_write_all(&m, 0x5a);
	buf = trace_stop("zeropool/zp_pool_miss");
	zp_map_close(&m);

	n = tr_count(buf, "zp_pool_miss");
	pos = buf;
	while ((line = tr_next("zp_pool_miss", &pos)))
		if (!tr_word(line, "path", path, sizeof(path)) ||
		    strcmp(path, "take"))
			take = false;
	tap_ok(n == npages && n == zp_get("pool/misses") - miss0,
	       "misses: %zu write faults on an empty pool, %llu zp_pool_miss events = pool/misses +%llu",
	       npages, (unsigned long long)n,
	       (unsigned long long)(zp_get("pool/misses") - miss0));
	tap_ok(take, "misses: every one says path=take");
	free(buf);
}

/* drop_caches runs every shrinker: one event per scan, freed summed. */
static void shrinker_scans(void)
{
	uint64_t scans0, freed0, n, freed = 0;
	const char *pos, *line;
	int64_t v;
	char *buf;
	FILE *f;

	zp_set("scrub/enabled", "1");
	zp_wait_eq("pool/pages", NPAGES, 60000);
	zp_set("scrub/enabled", "0");
	scans0 = zp_get("pool/shrink_scans");
	freed0 = zp_get("pool/shrink_freed");
	trace_start("zeropool/zp_shrink");
	f = fopen("/proc/sys/vm/drop_caches", "we");
	if (f) {
		fputs("2\n", f);
		fclose(f);
	}
	buf = trace_stop("zeropool/zp_shrink");

	n = tr_count(buf, "zp_shrink");
	pos = buf;
	while ((line = tr_next("zp_shrink", &pos)))
		if (tr_field(line, "freed", &v))
			freed += v;
	tap_ok(n && n == zp_get("pool/shrink_scans") - scans0,
	       "shrinker: %llu zp_shrink events = pool/shrink_scans +%llu",
	       (unsigned long long)n,
	       (unsigned long long)(zp_get("pool/shrink_scans") - scans0));
	tap_ok(freed && freed == zp_get("pool/shrink_freed") - freed0,
	       "shrinker: freed=%llu summed = pool/shrink_freed delta",
	       (unsigned long long)freed);
	free(buf);
}

struct ps_buf {
	const char *what;
	size_t len;
	uint32_t flags;		/* SUBMIT flags */
	const char *taken;	/* what ps_copy_decision must say */
	int nocopy;
	void *addr;
	uint64_t seq;
	int seen;		/* in ps_complete ranges */
};

static void pagesplice_map_bufs(struct ps_buf *b, size_t nr)
{
	unsigned char *p;
	size_t i, off;

	for (i = 0; i < nr; i++) {
		b[i].addr = psr_map(b[i].len);
		if (!b[i].addr)
			tap_bail("mmap %zu: %s", b[i].len, strerror(errno));
		p = b[i].addr;
		for (off = 0; off < b[i].len; off += 4096) {
			if (!strcmp(b[i].taken, "zero"))
				/* a read maps the zero page */
				(void)__atomic_load_n(&p[off], __ATOMIC_RELAXED);
			else
				p[off] = (unsigned char)i + 1;
		}
	}
}

/* Four buffers, one of each decision; all read out, all reaped. */
static void pagesplice_events(void)
{
	struct ps_buf b[] = {
		{ .what = "small", .len = 1000, .taken = "copy" },
		{ .what = "large", .len = 65536, .taken = "pin" },
		{ .what = "unwritten", .len = 65536, .taken = "zero" },
		{ .what = "small NOCOPY", .len = 2000,
		  .flags = PAGESPLICE_SUBMIT_NOCOPY, .taken = "pin", .nocopy = 1 },
	};
	const size_t nr = ARRAY_SIZE(b);
	uint64_t comp0, bytes = 0, total = 0, n, tag;
	struct pagesplice_completion c[16];
	const char *pos, *line;
	char word[16], *buf, *out;
	int64_t v, first, last;
	size_t i, k;
	bool ok;
	int fd;

	zp_load_on_zeropool("pagesplice", "pagesplice");
	tap_ok(tr_event_exists("pagesplice/ps_copy_decision") &&
	       tr_event_exists("pagesplice/ps_submit") &&
	       tr_event_exists("pagesplice/ps_complete"),
	       "events pagesplice/ps_copy_decision, ps_submit, ps_complete exist");
	fd = psr_open(0);
	if (fd < 0)
		tap_bail("open /dev/pagesplice: %s", strerror(errno));
	pagesplice_map_bufs(b, nr);
	comp0 = zp_get("pagesplice/completions");

	trace_start("pagesplice");
	for (i = 0; i < nr; i++) {
		if (psr_submit(fd, b[i].addr, b[i].len, 100 + i, b[i].flags,
			       &b[i].seq))
			tap_bail("submit %s: %s", b[i].what, strerror(errno));
		total += b[i].len;
	}
	out = malloc(total);
	ok = out && psr_read_full(fd, out, total) == (ssize_t)total;
	while (psr_reap(fd, c, 16, 0) > 0)
		;
	buf = trace_stop("pagesplice");
	tap_ok(ok, "pagesplice: the %zu buffers read back (%llu bytes)", nr,
	       (unsigned long long)total);

	/* ps_copy_decision: in submission order, one per buffer */
	pos = buf;
	ok = tr_count(buf, "ps_copy_decision") == nr;
	for (i = 0; i < nr && ok; i++) {
		line = tr_next("ps_copy_decision", &pos);
		ok = line && tr_word(line, "taken", word, sizeof(word)) &&
		     !strcmp(word, b[i].taken) &&
		     tr_field(line, "len", &v) && (size_t)v == b[i].len &&
		     tr_field(line, "nocopy", &v) && v == b[i].nocopy;
		if (!ok)
			tap_diag("decision %zu (%s): %.80s", i, b[i].what,
				 line ? line : "(none)");
	}
	tap_ok(ok, "pagesplice: %zu ps_copy_decision events: copy, pin, zero, pin (NOCOPY)",
	       nr);

	/* ps_submit: the sequence number and tag SUBMIT returned */
	pos = buf;
	ok = tr_count(buf, "ps_submit") == nr;
	while (ok && (line = tr_next("ps_submit", &pos))) {
		ok = tr_field(line, "seq", &v) && tr_field(line, "tag", &first);
		tag = first;
		for (k = 0; ok && k < nr; k++)
			if (b[k].seq == (uint64_t)v)
				break;
		ok = ok && k < nr && tag == 100 + k &&
		     tr_field(line, "len", &v) && (size_t)v == b[k].len;
	}
	tap_ok(ok, "pagesplice: %zu ps_submit events with the seq, tag and length SUBMIT returned",
	       nr);

	/* ps_complete: every buffer in exactly one range */
	n = tr_count(buf, "ps_complete");
	pos = buf;
	ok = true;
	while ((line = tr_next("ps_complete", &pos))) {
		if (sscanf(strstr(line, "seq=") ? strstr(line, "seq=") : "",
			   "seq=%lld-%lld", (long long *)&first,
			   (long long *)&last) != 2) {
			ok = false;
			continue;
		}
		for (k = 0; k < nr; k++)
			if (b[k].seq >= (uint64_t)first &&
			    b[k].seq <= (uint64_t)last)
				b[k].seen++;
		if (tr_field(line, "bytes", &v))
			bytes += v;
	}
	for (k = 0; k < nr; k++)
		ok = ok && b[k].seen == 1;
	tap_ok(n && n == zp_get("pagesplice/completions") - comp0,
	       "pagesplice: %llu ps_complete events = pagesplice/completions +%llu",
	       (unsigned long long)n,
	       (unsigned long long)(zp_get("pagesplice/completions") - comp0));
	tap_ok(ok && bytes == total,
	       "pagesplice: each buffer in exactly one completed range, %llu bytes in all",
	       (unsigned long long)bytes);

	free(buf);
	free(out);
	close(fd);
	for (i = 0; i < nr; i++)
		munmap(b[i].addr, b[i].len);
	zp_unload_quiet("pagesplice");
}

struct bte_snap {
	uint64_t submissions, rejected, blocks_dma, timeouts, fallbacks;
};

static void bte_snapshot(struct bte_snap *s)
{
	s->submissions = bte_get_or_0("submissions");
	s->rejected = bte_get_or_0("rejected");
	s->blocks_dma = bte_get_or_0("blocks_dma");
	s->timeouts = bte_get_or_0("timeouts");
	s->fallbacks = bte_get_or_0("cpu_fallbacks");
}

/* Counts bte_submit by err, bte_complete by status, the fallbacks. */
static void bte_count(const char *buf, uint64_t *accepted, uint64_t *refused,
		      uint64_t *done, uint64_t *timedout, uint64_t *fallbacks)
{
	const char *pos = buf, *line;
	int64_t v;

	*accepted = *refused = *done = *timedout = 0;
	while ((line = tr_next("bte_submit", &pos)))
		if (tr_field(line, "err", &v))
			(*(v ? refused : accepted))++;
	pos = buf;
	while ((line = tr_next("bte_complete", &pos))) {
		if (!tr_field(line, "status", &v))
			continue;
		if (!v)
			(*done)++;
		else if (v == -ETIMEDOUT)
			(*timedout)++;
	}
	*fallbacks = tr_count(buf, "bte_fallback");
}

/* Refills the pool through the engine, traced; counters before in @s0. */
static char *bte_traced_refill(struct bte_snap *s0)
{
	bte_snapshot(s0);
	trace_start("bte_offload");
	bte_start_refill();
	zp_wait_eq("pool/pages", 1024, 120000);
	zp_set("scrub/enabled", "0");
	zp_wait_eq("bte_offload/in_flight", 0, 20000);
	return trace_stop("bte_offload");
}

/*
 * One refill through the software engine, then one with the engine held
 * past bte_offload's timeout: the events and counters move together.
 */
static void bte_events(void)
{
	uint64_t acc, ref, done, tmo, fb;
	struct bte_snap s0, s1;
	char *buf;

	zp_load_zeropool("max_pages=8192 high_watermark=1024 low_watermark=256");
	bte_load_provider("");
	bte_load("max_failures=0");
	tap_ok(tr_event_exists("bte_offload/bte_submit") &&
	       tr_event_exists("bte_offload/bte_complete") &&
	       tr_event_exists("bte_offload/bte_timeout") &&
	       tr_event_exists("bte_offload/bte_fallback"),
	       "events bte_offload/bte_submit, bte_complete, bte_timeout, bte_fallback exist");

	buf = bte_traced_refill(&s0);
	bte_snapshot(&s1);
	bte_count(buf, &acc, &ref, &done, &tmo, &fb);
	tap_ok(acc && acc == s1.submissions - s0.submissions &&
	       ref == s1.rejected - s0.rejected,
	       "engine: bte_submit err=0 %llu = submissions +%llu, err<0 %llu = rejected +%llu",
	       (unsigned long long)acc,
	       (unsigned long long)(s1.submissions - s0.submissions),
	       (unsigned long long)ref,
	       (unsigned long long)(s1.rejected - s0.rejected));
	tap_ok(done && done == s1.blocks_dma - s0.blocks_dma &&
	       fb == s1.fallbacks - s0.fallbacks,
	       "engine: bte_complete status=0 %llu = blocks_dma +%llu; bte_fallback %llu = cpu_fallbacks +%llu",
	       (unsigned long long)done,
	       (unsigned long long)(s1.blocks_dma - s0.blocks_dma),
	       (unsigned long long)fb,
	       (unsigned long long)(s1.fallbacks - s0.fallbacks));
	free(buf);

	/* held past the timeout: timeouts, and their fallbacks */
	bte_set("timeout_ms", "200");
	zp_set("scrub/offload_timeout_ms", "10000");
	bte_provider_set("delay_ms", "1000");
	buf = bte_traced_refill(&s0);
	bte_provider_set("delay_ms", "0");
	bte_snapshot(&s1);
	bte_count(buf, &acc, &ref, &done, &tmo, &fb);
	tap_ok(tmo && tmo == s1.timeouts - s0.timeouts &&
	       tr_count(buf, "bte_timeout") >= 1,
	       "timeout: bte_complete status=-ETIMEDOUT %llu = timeouts +%llu, %zu bte_timeout events",
	       (unsigned long long)tmo,
	       (unsigned long long)(s1.timeouts - s0.timeouts),
	       tr_count(buf, "bte_timeout"));
	tap_ok(fb && fb == s1.fallbacks - s0.fallbacks,
	       "timeout: bte_fallback %llu = cpu_fallbacks +%llu",
	       (unsigned long long)fb,
	       (unsigned long long)(s1.fallbacks - s0.fallbacks));
	free(buf);
	bte_check_balance("trace events");
	zp_unload_quiet("bte_offload");
	zp_unload_quiet(BTE_PROVIDER);
}

int main(int argc, char **argv)
{
	tap_init("t_trace_events");
	if (!tr_root())
		tap_bail("no tracefs mounted at /sys/kernel/tracing or in debugfs");

	pagesplice_events();

	zp_load_zeropool_filled_to(NPAGES);
	zeropool_events_exist();
	if (zp_get("scrub/allocator_zeroes"))
		tap_skip("scrub: the allocator zeroes (boot with init_on_alloc=0)");
	else
		scrub_blocks();
	pool_misses();
	shrinker_scans();

	if (zp_get("scrub/allocator_zeroes"))
		tap_skip("bte_offload: the allocator zeroes (boot with init_on_alloc=0)");
	else
		bte_events();

	zp_unload_quiet("zeropool");
	zp_unload_quiet(ZP_CORE);
	return tap_done();
}
