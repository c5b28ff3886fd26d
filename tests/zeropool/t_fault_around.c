// SPDX-License-Identifier: GPL-2.0
/*
 * pool/fault_around_pages: a fault of a mapping that never holds the zero
 * page also maps pool pages into the holes of its aligned window, within
 * the VMA, never over a page the object already has, never from anything
 * but the pool; the pages read as zero, count in RSS, and every counter
 * moves by exactly what each step causes.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <uapi/zeropool.h>

#include "../lib/zpdev.h"
#include "../lib/zptest.h"

#define FA 16
#define PG 4096UL
#define WINDOW (FA * PG)

struct fa_map {
	void *reserved;		/* PROT_NONE area the mapping sits in */
	size_t reserved_len;
	unsigned char *addr;
	size_t npages;
};

/*
 * Maps @npages of @fd at object page @pgoff, @shift pages past a
 * WINDOW-aligned address, so that the windows the module computes from
 * virtual addresses are known here.
 */
static void fa_map(struct fa_map *m, int fd, size_t shift, size_t npages,
		   off_t pgoff, int prot)
{
	unsigned long base;

	m->reserved_len = (shift + npages) * PG + 2 * WINDOW;
	m->reserved = mmap(NULL, m->reserved_len, PROT_NONE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m->reserved == MAP_FAILED)
		tap_bail("reserve: %s", strerror(errno));
	base = ((unsigned long)m->reserved + WINDOW - 1) & ~(WINDOW - 1);
	m->addr = mmap((void *)(base + shift * PG), npages * PG, prot,
		       MAP_SHARED | MAP_FIXED, fd, pgoff * PG);
	if (m->addr == MAP_FAILED)
		tap_bail("mmap at a window: %s", strerror(errno));
	m->npages = npages;
}

static void fa_unmap(struct fa_map *m)
{
	munmap(m->reserved, m->reserved_len);
}

/* Rss of the mapping from smaps: a page-table walk, exact. */
static uint64_t fa_rss_kb(struct fa_map *m)
{
	struct zp_map zm = { .addr = m->addr };

	return zp_map_rss_kb(&zm);
}

static int open_dev(void)
{
	int fd = open(ZEROPOOL_DEVICE, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		tap_bail("open: %s", strerror(errno));
	return fd;
}

static uint64_t object_pages(int fd)
{
	struct zeropool_info info;

	if (ioctl(fd, ZEROPOOL_IOC_GET_INFO, &info))
		tap_bail("GET_INFO: %s", strerror(errno));
	return info.object_pages;
}

static void set_fa(unsigned int n)
{
	char v[8];

	snprintf(v, sizeof(v), "%u", n);
	zp_set("pool/fault_around_pages", v);
}

/* One fault maps its whole window; the rest of the window takes none. */
static void one_window(void)
{
	uint64_t faults, around, hits, minflt, rss;
	struct fa_map m;
	int fd = open_dev();
	size_t i;

	fa_map(&m, fd, 0, 4 * FA, 0, PROT_READ | PROT_WRITE);
	faults = zp_get("pool/dev_faults");
	around = zp_get("pool/dev_fault_around_pages");
	hits = zp_get("pool/hits");
	m.addr[5 * PG] = 0x5a;
	tap_ok(zp_get("pool/dev_faults") - faults == 1 &&
	       zp_get("pool/dev_fault_around_pages") - around == FA - 1,
	       "a write to page 5 faults once and maps %d pages around it",
	       FA - 1);
	tap_ok(object_pages(fd) == FA && zp_get("pool/hits") - hits == FA,
	       "the object holds exactly the window's %d pool pages", FA);
	rss = fa_rss_kb(&m);
	tap_ok(rss == FA * PG / 1024, "the mapping's RSS is the window (%llu kB)",
	       (unsigned long long)rss);
	tap_ok(zp_bytes_zero(m.addr, 5 * PG) &&
	       zp_bytes_zero(m.addr + 5 * PG + 1, WINDOW - 5 * PG - 1),
	       "the pages mapped around read as zero");
	minflt = zp_minflt();
	for (i = 0; i < FA; i++)
		m.addr[i * PG + 7] = 0x77;
	minflt = zp_minflt() - minflt;
	tap_ok(minflt == 0 && zp_get("pool/dev_faults") - faults == 1,
	       "writes to the rest of the window take no fault (%llu)",
	       (unsigned long long)minflt);

	for (i = FA; i < m.npages; i++)
		m.addr[i * PG] = 1;
	tap_ok(zp_get("pool/dev_faults") - faults == 4 &&
	       object_pages(fd) == m.npages,
	       "writing %zu pages in order takes 4 faults", m.npages);
	fa_unmap(&m);
	close(fd);
}

/* The window is clipped to the VMA at both ends. */
static void clipped_to_vma(void)
{
	uint64_t around;
	struct fa_map m;
	int fd = open_dev();

	fa_map(&m, fd, 4, 6, 0, PROT_READ | PROT_WRITE);
	around = zp_get("pool/dev_fault_around_pages");
	m.addr[2 * PG] = 1;
	tap_ok(object_pages(fd) == 6 &&
	       zp_get("pool/dev_fault_around_pages") - around == 5,
	       "a 6-page VMA inside a window gets its 6 pages, no more");
	fa_unmap(&m);
	close(fd);
}

/* Pages the object has are left alone; only holes are filled. */
static void holes_only(void)
{
	uint64_t faults, around;
	struct fa_map m;
	int fd = open_dev();

	fa_map(&m, fd, 0, FA, 0, PROT_READ | PROT_WRITE);
	set_fa(1);
	m.addr[3 * PG] = 0x33;
	tap_ok(object_pages(fd) == 1, "fault_around_pages=1 maps one page");
	set_fa(FA);
	faults = zp_get("pool/dev_faults");
	around = zp_get("pool/dev_fault_around_pages");
	m.addr[0] = 0x11;
	tap_ok(object_pages(fd) == FA &&
	       zp_get("pool/dev_fault_around_pages") - around == FA - 2,
	       "the window's other %d holes are filled, page 3 is not replaced",
	       FA - 2);
	tap_ok(m.addr[3 * PG] == 0x33 &&
	       zp_get("pool/dev_faults") - faults == 1,
	       "page 3 keeps its data and its PTE");
	fa_unmap(&m);
	close(fd);
}

/* A dry pool: the faulting page is a miss, nothing is mapped around. */
static void dry_pool(void)
{
	uint64_t around, misses;
	struct fa_map m;
	int fd = open_dev();

	zp_set("scrub/enabled", "0");
	zp_set("pool/drain", "1");
	if (!zp_wait_eq("pool/pages", 0, 10000))
		tap_bail("the pool did not drain");
	fa_map(&m, fd, 0, FA, 0, PROT_READ | PROT_WRITE);
	around = zp_get("pool/dev_fault_around_pages");
	misses = zp_get("pool/misses");
	m.addr[0] = 1;
	tap_ok(object_pages(fd) == 1 && zp_get("pool/misses") - misses == 1 &&
	       zp_get("pool/dev_fault_around_pages") == around,
	       "with the pool dry a fault zeroes one page inline, maps none around");
	fa_unmap(&m);
	close(fd);
	zp_set("scrub/enabled", "1");
}

/*
 * Linux < 6.10: a read-only mapping of the object holds zero-page PTEs;
 * pages mapped around in a writable mapping of the same object must drop
 * them, or the reader keeps seeing zeros after a write.
 */
static void zaps_zero_page(bool writable_zero)
{
	struct fa_map ro, rw;
	int fd, i, stale = 0;

	if (!writable_zero) {
		tap_skip("zero page in writable mappings needs Linux < 6.10");
		return;
	}
	fd = open_dev();
	zp_set("pool/read_fault", "zero_page");
	fa_map(&ro, fd, 0, FA, 0, PROT_READ);
	for (i = 0; i < FA; i++)
		stale += ro.addr[i * PG];
	zp_set("pool/read_fault", "alloc");
	fa_map(&rw, fd, 0, FA, 0, PROT_READ | PROT_WRITE);
	rw.addr[0] = 0xab;
	for (i = 0; i < FA; i++)
		rw.addr[i * PG + 1] = 0xcd;
	for (i = 0; i < FA; i++)
		stale += ro.addr[i * PG + 1] != 0xcd;
	tap_ok(!stale && object_pages(fd) == FA,
	       "a reader of the zero page sees writes to pages mapped around");
	fa_unmap(&rw);
	fa_unmap(&ro);
	close(fd);
}

#define RACERS 4
#define RACE_PAGES 256

struct racer {
	unsigned char *base;
	int id;
	pthread_barrier_t *go;
};

/* Each racer writes its id into every page, starting at its own quarter. */
static void *race_writer(void *arg)
{
	struct racer *r = arg;
	size_t i, p;

	pthread_barrier_wait(r->go);
	for (i = 0; i < RACE_PAGES; i++) {
		p = (i + r->id * RACE_PAGES / RACERS) % RACE_PAGES;
		r->base[p * PG + r->id] = r->id + 1;
	}
	return NULL;
}

/*
 * Threads faulting the same windows at once: every page ends up in the
 * object once, no write is lost to a page replaced under it, and pool
 * pages a loser took go back.
 */
static void racing_windows(void)
{
	struct racer r[RACERS];
	pthread_t tid[RACERS];
	pthread_barrier_t go;
	uint64_t hits, given;
	struct fa_map m;
	int fd = open_dev(), i, lost = 0;
	size_t p;

	fa_map(&m, fd, 3, RACE_PAGES, 0, PROT_READ | PROT_WRITE);
	hits = zp_get("pool/hits");
	given = zp_get("pool/given_back");
	pthread_barrier_init(&go, NULL, RACERS);
	for (i = 0; i < RACERS; i++) {
		r[i] = (struct racer){ .base = m.addr, .id = i, .go = &go };
		if (pthread_create(&tid[i], NULL, race_writer, &r[i]))
			tap_bail("pthread_create");
	}
	for (i = 0; i < RACERS; i++)
		pthread_join(tid[i], NULL);
	pthread_barrier_destroy(&go);
	for (p = 0; p < RACE_PAGES; p++)
		for (i = 0; i < RACERS; i++)
			lost += m.addr[p * PG + i] != i + 1;
	tap_ok(!lost, "%d threads racing over the windows lose no write (%d lost)",
	       RACERS, lost);
	tap_ok(object_pages(fd) == RACE_PAGES &&
	       zp_get("pool/hits") - hits -
	       (zp_get("pool/given_back") - given) == RACE_PAGES,
	       "the object holds %d pages; pool pages taken beyond them went back",
	       RACE_PAGES);
	fa_unmap(&m);
	close(fd);
}

int main(int argc, char **argv)
{
	bool writable_zero;

	tap_init(argv[0]);
	zp_load_zeropool("max_pages=8192 high_watermark=2048 low_watermark=512 read_fault=alloc");
	zp_wait_eq("pool/pages", 2048, 30000);
	writable_zero = zp_features() & ZEROPOOL_FEAT_ZERO_PAGE_WRITABLE;
	tap_ok(zp_get("pool/fault_around_pages") == 1,
	       "fault-around is off by default");

	set_fa(FA);
	one_window();
	clipped_to_vma();
	holes_only();
	racing_windows();
	zaps_zero_page(writable_zero);
	dry_pool();

	zp_unload_quiet("zeropool");
	return tap_done();
}
