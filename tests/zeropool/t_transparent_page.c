// SPDX-License-Identifier: GPL-2.0
/*
 * The page a transparent fault gets must be one the allocator could have
 * returned: allocated movable (the mode refills a pool filled while it was
 * off, and never serves an unmovable page), counted in RSS, mapped once,
 * flagged as an anonymous page, readable through the kernel's own mapping
 * of it (where KASAN would catch a poisoned page), with page-owner's
 * record saying movable where the kernel keeps one (page_owner=on: the
 * debug lane).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../lib/zpdev.h"
#include "../lib/zptest.h"

#define PAGE		4096UL
#define NR		1024UL
#define WARM		8000
#define RSS_SLACK_KB	512
#define PAGE_OWNER	"/sys/kernel/debug/page_owner"

/* include/uapi/linux/kernel-page-flags.h */
#define KPF_SLAB	7
#define KPF_BUDDY	10
#define KPF_MMAP	11
#define KPF_ANON	12
#define KPF_COMPOUND_HEAD 15
#define KPF_COMPOUND_TAIL 16
#define KPF_HUGE	17
#define KPF_NOPAGE	20
#define KPF_RESERVED	32

/* Pages the scrubber took from the allocator so far (scrub/blocks/). */
static uint64_t scrub_taken(void)
{
	uint64_t sum = 0;
	char rel[64], path[128];
	int order;

	for (order = 0; order <= 10; order++) {
		snprintf(rel, sizeof(rel), "scrub/blocks/order%d", order);
		snprintf(path, sizeof(path), ZP_SYSFS "/%s", rel);
		if (access(path, R_OK))
			continue;
		sum += zp_get(rel) << order;
	}
	return sum;
}

static uint64_t read_u64_at(int fd, uint64_t index)
{
	uint64_t v = 0;

	if (pread(fd, &v, sizeof(v), index * sizeof(v)) != sizeof(v))
		tap_bail("pread of a /proc page table at %llu",
			 (unsigned long long)index);
	return v;
}

/* The page frame of each page of @p (root sees them in pagemap). */
static void pfns_of(unsigned char *p, uint64_t *pfn)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	unsigned long i;
	uint64_t e;

	if (fd < 0)
		tap_bail("open /proc/self/pagemap");
	for (i = 0; i < NR; i++) {
		e = read_u64_at(fd, (unsigned long)(p + i * PAGE) / PAGE);
		pfn[i] = (e >> 63) ? e & ((1ULL << 55) - 1) : 0;
	}
	close(fd);
}

/* Mapped once, anonymous, not a kernel page of any other kind. */
static void flags_and_counts(const uint64_t *pfn)
{
	const uint64_t bad = 1ULL << KPF_SLAB | 1ULL << KPF_BUDDY |
			     1ULL << KPF_COMPOUND_HEAD | 1ULL << KPF_COMPOUND_TAIL |
			     1ULL << KPF_HUGE | 1ULL << KPF_NOPAGE |
			     1ULL << KPF_RESERVED;
	const uint64_t want = 1ULL << KPF_ANON | 1ULL << KPF_MMAP;
	int ff = open("/proc/kpageflags", O_RDONLY);
	int fc = open("/proc/kpagecount", O_RDONLY);
	unsigned long i, odd_flags = 0, odd_count = 0, none = 0;
	uint64_t f;

	if (ff < 0 || fc < 0)
		tap_bail("open /proc/kpageflags or kpagecount");
	for (i = 0; i < NR; i++) {
		if (!pfn[i]) {
			none++;
			continue;
		}
		f = read_u64_at(ff, pfn[i]);
		if ((f & want) != want || (f & bad))
			odd_flags++;
		if (read_u64_at(fc, pfn[i]) != 1)
			odd_count++;
	}
	close(ff);
	close(fc);
	tap_ok(none == 0, "every page touched is present in pagemap (%lu missing)", none);
	tap_ok(odd_flags == 0,
	       "every page is flagged anon+mmap, none slab/buddy/compound/reserved (%lu odd)",
	       odd_flags);
	tap_ok(odd_count == 0, "every page is mapped exactly once (%lu not)", odd_count);
}

/*
 * /proc/self/mem copies through the kernel's own mapping of each page:
 * under KASAN a page left poisoned would be reported (and fail the run).
 */
static void read_through_kernel(unsigned char *p)
{
	unsigned char *copy = malloc(NR * PAGE);
	unsigned long i, bad = 0;
	int fd = open("/proc/self/mem", O_RDONLY);
	ssize_t n;

	if (!copy || fd < 0)
		tap_bail("malloc or open /proc/self/mem");
	n = pread(fd, copy, NR * PAGE, (off_t)(unsigned long)p);
	for (i = 0; n == (ssize_t)(NR * PAGE) && i < NR * PAGE; i++)
		if (copy[i] != ((i % PAGE) ? 0 : (unsigned char)(i / PAGE) | 1))
			bad++;
	tap_ok(n == (ssize_t)(NR * PAGE) && bad == 0,
	       "the pages read the same through the kernel's mapping (%zd bytes, %lu differ)",
	       n, bad);
	close(fd);
	free(copy);
}

/*
 * page_owner's record of each page (a pread at offset PFN returns the
 * first allocated page at or after it): "PFN <pfn> type <Movable|...>";
 * the pool's pages name zeropool in their allocation stack.
 */
static void page_owner_movable(const uint64_t *pfn)
{
	unsigned long i, pool = 0, unmovable = 0, unknown = 0;
	char buf[4096], type[32], *line;
	unsigned long got;
	ssize_t n;
	int fd = open(PAGE_OWNER, O_RDONLY);

	if (fd < 0 || pread(fd, buf, sizeof(buf) - 1, 0) < 0) {
		tap_skip("no page_owner (CONFIG_PAGE_OWNER with page_owner=on): the debug lane checks it");
		if (fd >= 0)
			close(fd);
		return;
	}
	for (i = 0; i < NR; i++) {
		n = pread(fd, buf, sizeof(buf) - 1, (off_t)pfn[i]);
		buf[n > 0 ? n : 0] = 0;
		line = strstr(buf, "\nPFN ");
		if (!line || sscanf(line, "\nPFN %lu type %31s", &got, type) != 2 ||
		    got != pfn[i]) {
			unknown++;
			continue;
		}
		if (!strstr(buf, "[zeropool]"))
			continue;
		pool++;
		if (strcmp(type, "Movable"))
			unmovable++;
	}
	close(fd);
	tap_ok(unknown == 0, "page_owner has a record for every page (%lu without)", unknown);
	tap_ok(pool >= NR / 2 && unmovable == 0,
	       "page_owner: the %lu pages from the pool were all allocated movable (%lu not)",
	       pool, unmovable);
}

/*
 * A page given back (here by a /dev/zeropool mapping) was not allocated
 * movable: the fault that takes it from the pool gets the allocator's page
 * instead, and the given-back page goes back to the allocator.
 */
static void given_back_not_served(void)
{
	uint64_t fall, dirty;
	unsigned char *q;
	struct zp_map m;
	unsigned long i;
	bool zero = true;

	zp_set("scrub/enabled", "0");
	zp_set("pool/drain", "1");
	if (!zp_wait_eq("pool/pages", 0, 10000 * zp_slowdown()))
		tap_bail("the pool did not drain");
	zp_map_open(&m, NR);
	zp_map_write_all(&m, 0x5a);
	zp_map_close(&m);
	dirty = zp_get("pool/dirty_pages");
	fall = zp_get("pool/transparent_fallthrough_unmovable");
	zp_set("scrub/enabled", "1");
	if (!zp_wait_ge("pool/pages", WARM, 60000 * zp_slowdown()))
		tap_bail("the pool did not fill again");
	q = mmap(NULL, 2 * NR * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (q == MAP_FAILED)
		tap_bail("mmap");
	madvise(q, 2 * NR * PAGE, MADV_NOHUGEPAGE);
	for (i = 0; i < 2 * NR; i++) {
		zero &= zp_bytes_zero(q + i * PAGE, PAGE);
		q[i * PAGE] = 1;
	}
	fall = zp_get("pool/transparent_fallthrough_unmovable") - fall;
	tap_ok(dirty >= NR / 2 && fall >= dirty / 2,
	       "pages given back (%llu) are not served to anonymous faults (%llu went back to the allocator)",
	       (unsigned long long)dirty, (unsigned long long)fall);
	tap_ok(zero, "and those faults still see zeros");
	munmap(q, 2 * NR * PAGE);
}

int main(void)
{
	int64_t rss;
	uint64_t taken, served, unmovable, *pfn = calloc(NR, sizeof(*pfn));
	unsigned char *p;
	unsigned long i;

	tap_init("t_transparent_page");
	if (!pfn)
		tap_bail("calloc");
	zp_load_zeropool("max_pages=16384 high_watermark=8192 low_watermark=2048");
	tap_ok(zp_wait_ge("pool/pages", WARM, 60000 * zp_slowdown()),
	       "mode off: the pool fills (blocks taken unmovable)");
	taken = scrub_taken();
	zp_set("pool/transparent", "all");
	tap_ok(zp_wait_ge("pool/pages", WARM, 60000 * zp_slowdown()),
	       "mode all: the pool is warm");
	tap_ok(scrub_taken() - taken >= WARM,
	       "switching the mode on refilled the pool with movable blocks (%llu pages taken since)",
	       (unsigned long long)(scrub_taken() - taken));

	p = mmap(NULL, NR * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		tap_bail("mmap");
	madvise(p, NR * PAGE, MADV_NOHUGEPAGE);
	rss = zp_status_kb("RssAnon");
	served = zp_get("pool/transparent_pages");
	for (i = 0; i < NR; i++)
		p[i * PAGE] = (unsigned char)i | 1;
	served = zp_get("pool/transparent_pages") - served;
	rss = zp_status_kb("RssAnon") - rss;
	tap_ok(served >= NR / 2, "the faults were served from the pool (%llu of %lu)",
	       (unsigned long long)served, NR);
	/* the kernel's RSS counters are batched per task or per CPU */
	tap_ok(rss + RSS_SLACK_KB >= (int64_t)NR * 4 &&
	       rss <= (int64_t)NR * 4 + RSS_SLACK_KB,
	       "RssAnon grew by the pages faulted in (%lld KiB for %lu KiB)",
	       (long long)rss, NR * 4);
	if (!zp_read_u64("pool/transparent_fallthrough_unmovable", &unmovable))
		tap_diag("fall-throughs: unmovable %llu, misses %llu",
			 (unsigned long long)unmovable,
			 (unsigned long long)zp_get("pool/transparent_misses"));

	pfns_of(p, pfn);
	flags_and_counts(pfn);
	read_through_kernel(p);
	page_owner_movable(pfn);
	given_back_not_served();

	munmap(p, NR * PAGE);
	zp_set("pool/transparent", "off");
	zp_unload_quiet("zeropool");
	free(pfn);
	return tap_done();
}
