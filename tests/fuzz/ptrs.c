// SPDX-License-Identifier: GPL-2.0
/*
 * Pointers for the kernel to read from or write to: scratch memory of
 * ours, a page that runs into a PROT_NONE one, a read-only page, a range
 * never written (zero pages only, past the default ring_max_bytes),
 * regions of the table, and addresses that fault (kernel, non-canonical,
 * below mmap_min_addr).  Whatever the kernel may write to is either ours
 * to spoil or faults before anything else of ours.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "../lib/zptest.h"
#include "fuzz.h"

/* One more than the default ring_max_bytes, for its boundary. */
#define FZ_BIG		((64UL << 20) + 2 * 4096)

unsigned char *fz_scratch;
static unsigned char *fz_edge;	/* a writable page, then PROT_NONE */
/*
 * Read-only pages.  A bad pointer must stay harmless when the kernel
 * reads an argument through it, so the one fz_bad_ptr() hands out holds
 * only 0xff (nr 2^32-1, pointers in kernel space); the copy of a SUBMIT
 * vector, whose addresses point into our memory, is only ever a vector.
 */
static unsigned char *fz_ro;
static unsigned char *fz_ro_vec;
static unsigned char *fz_big;	/* never written: zero pages only */

static void *fz_map_or_bail(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		tap_bail("mmap %zu bytes: %s", len, strerror(errno));
	return p;
}

void fz_ptrs_init(void)
{
	fz_scratch = fz_map_or_bail(FZ_SCRATCH, PROT_READ | PROT_WRITE);
	fz_edge = fz_map_or_bail(2 * fz.pg, PROT_READ | PROT_WRITE);
	if (mprotect(fz_edge + fz.pg, fz.pg, PROT_NONE))
		tap_bail("mprotect: %s", strerror(errno));
	fz_ro = fz_map_or_bail(fz.pg, PROT_READ | PROT_WRITE);
	memset(fz_ro, 0xff, fz.pg);
	if (mprotect(fz_ro, fz.pg, PROT_READ))
		tap_bail("mprotect: %s", strerror(errno));
	fz_ro_vec = fz_map_or_bail(fz.pg, PROT_READ);
	fz_big = fz_map_or_bail(FZ_BIG, PROT_READ | PROT_WRITE);
	/* a huge zero page would be pinned: keep it a zero segment */
	madvise(fz_big, FZ_BIG, MADV_NOHUGEPAGE);
}

void fz_ptrs_fini(void)
{
	munmap(fz_scratch, FZ_SCRATCH);
	munmap(fz_edge, 2 * fz.pg);
	munmap(fz_ro, fz.pg);
	munmap(fz_ro_vec, fz.pg);
	munmap(fz_big, FZ_BIG);
}

void *fz_bad_ptr(void)
{
	const uintptr_t bad[] = {
		0, 8, 0x2000,				/* below mmap_min_addr */
		0xffff888000000000UL,			/* direct map */
		0xffffffff81000000UL,			/* kernel text */
		0x0000800000000000UL,			/* non-canonical */
		0x8000000000000000UL, (uintptr_t)-8,
		(uintptr_t)(fz_edge + fz.pg),		/* PROT_NONE */
		(uintptr_t)fz_ro,			/* read-only */
	};

	return (void *)FZ_PICK(bad);
}

void *fz_edge_put(const void *src, size_t size)
{
	unsigned char *end = fz_edge + fz.pg, *p;

	if (size > (size_t)fz.pg)
		size = fz.pg;
	if (size < 2)
		return end;	/* nothing fits: the PROT_NONE page itself */
	p = end - size + 1 + fz_below(size - 1);
	if (src)
		memcpy(p, src, end - p);
	return p;
}

void *fz_arg(void *good, size_t size)
{
	switch (fz_below(16)) {
	case 0:
		return fz_bad_ptr();
	case 1:
		return fz_edge_put(good, size);
	default:
		return good;
	}
}

void *fz_ro_copy(const void *src, size_t size)
{
	if (size > (size_t)fz.pg)
		size = fz.pg;
	mprotect(fz_ro_vec, fz.pg, PROT_READ | PROT_WRITE);
	memcpy(fz_ro_vec, src, size);
	mprotect(fz_ro_vec, fz.pg, PROT_READ);
	return fz_ro_vec;
}

void *fz_out_pick(size_t *len)
{
	struct fz_region *r;
	size_t off;

	switch (fz_below(4)) {
	case 0:
	case 1:
		if (*len > FZ_SCRATCH)
			*len = FZ_SCRATCH;
		return fz_scratch + fz_below(FZ_SCRATCH - *len + 1);
	case 2:
		/*
		 * Not in a child: its writes would reach shared regions behind
		 * the parent's back (a new zeropool object must read zero).
		 */
		r = fz.child ? NULL : fz_region_pick();
		if (r && r->rw) {
			off = fz_below(r->len);
			if (*len > r->len - off)
				*len = r->len - off;
			r->virgin = false;
			r->hist |= FZ_H_READ;
			return r->addr + off;
		}
		/* a region we may not write: the kernel must fault too */
		if (r && !(r->prot & PROT_WRITE))
			return r->addr + fz_below(r->len);
		return fz_bad_ptr();
	default:
		return fz_one_in(2) ? fz_edge_put(NULL, *len + 1) :
		       fz_bad_ptr();
	}
}

/* A length around an interesting boundary: pages, copy_threshold, max. */
static uint64_t fz_len_near(uint64_t room)
{
	uint64_t pg = fz.pg, base;

	/* half the buffers fit: the data paths, not only the checks */
	if (room && fz_one_in(2))
		return 1 + fz_below(room > (1 << 20) && !fz_one_in(4) ?
				    1 << 20 : room);
	switch (fz_below(8)) {
	case 0:
		return fz_below(4);
	case 1:
		base = pg * (1 + fz_below(3));
		break;
	case 2:
		base = fz.copy_threshold;
		break;
	case 3:
		base = fz.max_bytes;
		break;
	case 4:
		return room;
	case 5:
		return fz_below(room + 1);
	case 6:
		return fz_interesting();
	default:
		return fz_below(64 << 10);
	}
	return base + fz_below(3) - 1;
}

void fz_buf_pick(unsigned long long *addr, unsigned long long *len)
{
	static const uint64_t wild[] = {
		0, 1, 0x2000, 0xffff888000000000ULL, 0xffffffff81000000ULL,
		(1ULL << 47) - 4096, 1ULL << 47, -4096ULL, -1ULL,
	};
	struct fz_region *r = fz_region_pick();
	uint64_t off;

	switch (fz_below(8)) {
	case 0:
		*addr = fz_one_in(2) ? FZ_PICK(wild) : fz_rand();
		*len = fz_one_in(2) ? -*addr + fz_below(3) : fz_len_near(1 << 20);
		return;
	case 1:
		/* the never-written range: up to and past max_bytes */
		off = fz_below(2 * fz.pg);
		*addr = (uintptr_t)fz_big + off;
		*len = fz_len_near(FZ_BIG - off);
		return;
	case 2:
		*addr = (uintptr_t)fz_scratch + fz_below(FZ_SCRATCH);
		*len = fz_len_near(FZ_SCRATCH - (*addr - (uintptr_t)fz_scratch));
		return;
	case 3:
		*addr = (uintptr_t)(fz_one_in(2) ? fz_ro : fz_edge) +
			fz_below(fz.pg);
		*len = fz_len_near(2 * fz.pg);
		return;
	default:
		if (!r) {
			*addr = (uintptr_t)fz_scratch;
			*len = 1 + fz_below(fz.pg);
			return;
		}
		off = fz_one_in(3) ? fz_below(3) * fz.pg + fz_below(2) :
		      fz_below(r->len);
		if (off > r->len)
			off = 0;
		*addr = (uintptr_t)r->addr + off;
		*len = fz_len_near(r->len - off);
	}
}
