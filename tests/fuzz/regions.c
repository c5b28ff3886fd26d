// SPDX-License-Identifier: GPL-2.0
/*
 * Memory regions the fuzzer hands to the kernel, of every kind SUBMIT must
 * cope with (anonymous, never written, read-only, PROT_NONE, shared, tmpfs
 * past its end, /dev/zero, /dev/zeropool), and what is done to them:
 * partial munmap, mprotect, madvise, mremap, touching.  Only regions in
 * the table are ever unmapped, and a range given back leaves the table at
 * once, so a munmap can never hit memory that libc or the kernel put there
 * since.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <uapi/zeropool.h>

#include "../lib/zptest.h"
#include "fuzz.h"

#define FZ_REGIONS	16
#define FZ_REGION_MAX	(8UL << 20)

struct fz_slot {
	struct fz_region r;
	size_t backed;		/* bytes from the start that have memory */
	bool used;
};

static struct fz_slot fz_slots[FZ_REGIONS];

void fz_regions_fini(void)
{
	int i;

	for (i = 0; i < FZ_REGIONS; i++) {
		if (!fz_slots[i].used)
			continue;
		fz_check(FZ_MUNMAP, munmap(fz_slots[i].r.addr, fz_slots[i].r.len),
			 "final %p+%zu", fz_slots[i].r.addr, fz_slots[i].r.len);
		fz_slots[i].used = false;
	}
}

static struct fz_region *fz_slot_add(const struct fz_region *r,
				     size_t backed)
{
	int i;

	for (i = 0; i < FZ_REGIONS; i++) {
		if (fz_slots[i].used)
			continue;
		fz_slots[i].r = *r;
		fz_slots[i].r.rw = (r->prot & PROT_WRITE) && backed >= r->len;
		fz_slots[i].backed = backed;
		fz_slots[i].used = true;
		return &fz_slots[i].r;
	}
	return NULL;
}

struct fz_region *fz_region_add(void *addr, size_t len, enum fz_mkind kind,
				int prot, bool virgin)
{
	struct fz_region r = {
		.addr = addr, .len = len, .kind = kind, .prot = prot,
		.virgin = virgin,
	};
	struct fz_region *got = fz_slot_add(&r, len);

	if (!got)
		fz_check(FZ_MUNMAP, munmap(addr, len), "no slot: %p+%zu", addr,
			 len);
	return got;
}

void fz_regions_unvirgin(unsigned int obj)
{
	int i;

	for (i = 0; i < FZ_REGIONS; i++)
		if (fz_slots[i].used && fz_slots[i].r.obj == obj)
			fz_slots[i].r.virgin = false;
}

static struct fz_slot *fz_slot_pick(void)
{
	int i, start = fz_below(FZ_REGIONS);

	for (i = 0; i < FZ_REGIONS; i++) {
		struct fz_slot *s = &fz_slots[(start + i) % FZ_REGIONS];

		if (s->used)
			return s;
	}
	return NULL;
}

struct fz_region *fz_region_pick(void)
{
	struct fz_slot *s = fz_slot_pick();

	return s ? &s->r : NULL;
}

/* Regions are written to when made, except the never-written kind. */
static void fz_fill(void *addr, size_t len)
{
	memset(addr, (int)fz_rand() | 1, len);
}

static size_t fz_region_len(void)
{
	static const size_t pages[] = { 1, 2, 3, 4, 16, 64 };

	if (fz_one_in(4))
		return (1 + fz_below(FZ_REGION_MAX / fz.pg)) * fz.pg;
	return FZ_PICK(pages) * fz.pg;
}

/* A tmpfs file (unlinked) mapped over @len, its size maybe shorter. */
static void *fz_map_tmpfs(size_t len, int flags, size_t *backed)
{
	char path[] = "/tmp/t_fuzz.XXXXXX";
	size_t size = fz_one_in(3) ? fz_below(len + 1) : len;
	int fd = mkstemp(path);
	void *p;

	if (fd < 0) {
		fz_check(FZ_OPEN_MISC, -1, "mkstemp %s", path);
		return MAP_FAILED;
	}
	unlink(path);
	if (ftruncate(fd, size))
		tap_bail("ftruncate %s: %s", path, strerror(errno));
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, 0);
	fz_check(FZ_MMAP, p == MAP_FAILED ? -1 : 0, "tmpfs %zu of %zu", size,
		 len);
	close(fd);
	*backed = size / fz.pg * fz.pg;
	return p;
}

static void *fz_map_dev(enum fz_call call, const char *dev, int oflags,
			size_t len, int prot, int flags)
{
	int fd = open(dev, oflags | O_CLOEXEC);
	void *p;

	if (!fz_check(call == FZ_ZP_MMAP ? FZ_OPEN_ZP : FZ_OPEN_MISC, fd,
		      "%s", dev) || fd < 0)
		return MAP_FAILED;
	p = mmap(NULL, len, prot, flags, fd, 0);
	fz_check(call, p == MAP_FAILED ? -1 : 0,
		 "%s len %zu prot %#x flags %#x", dev, len, prot, flags);
	close(fd);
	return p;
}

void fz_op_region_new(void)
{
	enum fz_mkind kind = fz_below(FZ_M_NKINDS);
	int rw = PROT_READ | PROT_WRITE, prot = rw;
	int anon = MAP_PRIVATE | MAP_ANONYMOUS;
	size_t len = fz_region_len(), backed = len;
	struct fz_region r = { .kind = kind };
	unsigned char *p;

	switch (kind) {
	case FZ_M_NONE:
		prot = PROT_NONE;
		/* fall through */
	case FZ_M_ANON:
	case FZ_M_UNTOUCHED:
	case FZ_M_RO:
		p = mmap(NULL, len, prot, anon, -1, 0);
		break;
	case FZ_M_SHARED:
		p = mmap(NULL, len, rw, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		break;
	case FZ_M_TMPFS:
		p = fz_map_tmpfs(len, fz_one_in(3) ? MAP_PRIVATE : MAP_SHARED,
				 &backed);
		break;
	case FZ_M_DEVZERO:
		p = fz_map_dev(FZ_MMAP, "/dev/zero", O_RDWR, len, rw,
			       fz_one_in(2) ? MAP_PRIVATE : MAP_SHARED);
		break;
	default:
		if (fz_one_in(3))
			prot = PROT_READ;
		p = fz_map_dev(FZ_ZP_MMAP, ZEROPOOL_DEVICE,
			       prot == rw ? O_RDWR : O_RDONLY, len, prot,
			       MAP_SHARED);
		r.virgin = true;
		break;
	}
	if (kind <= FZ_M_SHARED)
		fz_check(FZ_MMAP, p == MAP_FAILED ? -1 : 0, "kind %d len %zu",
			 kind, len);
	if (p == MAP_FAILED)
		return;
	if (kind == FZ_M_UNTOUCHED && fz_one_in(2))
		madvise(p, len, MADV_NOHUGEPAGE);
	else if (kind != FZ_M_UNTOUCHED && kind != FZ_M_NONE &&
		 kind != FZ_M_ZP)
		fz_fill(p, backed);
	if (kind == FZ_M_RO) {
		prot = PROT_READ;
		fz_check(FZ_MPROTECT, mprotect(p, len, prot), "RO %p", p);
	}
	r.addr = p;
	r.len = len;
	r.prot = prot;
	if (!fz_slot_add(&r, backed))
		fz_check(FZ_MUNMAP, munmap(p, len), "no slot %p+%zu", p, len);
}

/* Whole, or a page range: what is left stays in the table, split. */
void fz_op_munmap(void)
{
	struct fz_slot *s = fz_slot_pick();
	struct fz_region tail;
	size_t off, n, tail_backed;

	if (!s)
		return;
	if (fz_one_in(2) || s->r.len == (size_t)fz.pg) {
		fz_check(FZ_MUNMAP, munmap(s->r.addr, s->r.len), "%p+%zu",
			 s->r.addr, s->r.len);
		s->used = false;
		return;
	}
	off = fz_below(s->r.len / fz.pg) * fz.pg;
	n = (1 + fz_below((s->r.len - off) / fz.pg)) * fz.pg;
	if (!fz_check(FZ_MUNMAP, munmap(s->r.addr + off, n), "%p+%zu of %zu",
		      s->r.addr + off, n, s->r.len))
		return;
	tail = s->r;
	tail.addr += off + n;
	tail.len -= off + n;
	tail.off += off + n;
	tail.hist |= FZ_H_SPLIT;
	tail_backed = s->backed > off + n ? s->backed - off - n : 0;
	s->r.len = off;
	s->backed = s->backed < off ? s->backed : off;
	s->used = off != 0;
	if (tail.len && !fz_slot_add(&tail, tail_backed))
		fz_check(FZ_MUNMAP, munmap(tail.addr, tail.len), "tail %p+%zu",
			 tail.addr, tail.len);
}

void fz_op_mprotect(void)
{
	static const int prots[] = {
		PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE,
		PROT_READ | PROT_EXEC, PROT_WRITE,
	};
	struct fz_slot *s = fz_slot_pick();
	int prot = FZ_PICK(prots);

	if (!s)
		return;
	if (fz_check(FZ_MPROTECT, mprotect(s->r.addr, s->r.len, prot),
		     "%p+%zu kind %d prot %#x", s->r.addr, s->r.len, s->r.kind,
		     prot) && !fz.child) {
		s->r.prot = prot;
		s->r.rw = (prot & PROT_WRITE) && s->backed >= s->r.len;
		s->r.hist |= FZ_H_MPROTECT;
	}
}

void fz_op_madvise(void)
{
	/* never MADV_HWPOISON or MADV_SOFT_OFFLINE: we are root */
	static const int advice[] = {
		MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED,
		MADV_DONTNEED, MADV_FREE, MADV_REMOVE, MADV_DONTFORK,
		MADV_DOFORK, MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_DONTDUMP,
		MADV_DODUMP, MADV_WIPEONFORK, MADV_KEEPONFORK, MADV_COLD,
		MADV_PAGEOUT, 22 /* POPULATE_READ */, 23 /* POPULATE_WRITE */,
		-1, 99,
	};
	struct fz_slot *s = fz_slot_pick();
	size_t off, len;
	int adv = FZ_PICK(advice);

	if (!s)
		return;
	off = fz_below(s->r.len / fz.pg) * fz.pg;
	len = fz_one_in(2) ? s->r.len - off : fz_below(s->r.len - off + 1);
	fz_guard_on();
	fz_check(FZ_MADVISE, madvise(s->r.addr + off, len, adv),
		 "%p+%zu kind %d prot %#x advice %d", s->r.addr + off, len,
		 s->r.kind, s->r.prot, adv);
	fz_guard_off();
	/* the contents may be gone or shared differently now */
	s->r.virgin = false;
	s->r.hist |= FZ_H_MADVISE;
	s->r.advice = adv;
}

void fz_op_mremap(void)
{
	struct fz_slot *s = fz_slot_pick();
	size_t len = fz_region_len();
	int flags = MREMAP_MAYMOVE;
	struct fz_region old;
	void *p;

	if (!s)
		return;
	if (fz_one_in(4))
		flags |= MREMAP_DONTUNMAP;
	else if (fz_one_in(4))
		flags = 0;
	old = s->r;
	p = mremap(s->r.addr, s->r.len, flags & MREMAP_DONTUNMAP ?
		   s->r.len : len, flags);
	if (!fz_check(FZ_MREMAP, p == MAP_FAILED ? -1 : 0,
		      "%p+%zu kind %d to %zu flags %#x", s->r.addr, s->r.len,
		      s->r.kind, len, flags) || p == MAP_FAILED)
		return;
	s->r.virgin = false;
	s->r.hist |= FZ_H_MREMAP;
	s->r.addr = p;
	if (!(flags & MREMAP_DONTUNMAP)) {
		s->backed = s->backed < len ? s->backed : len;
		s->r.len = len;
	} else {
		/* the old range stays mapped, empty: one more region */
		old.virgin = false;
		old.hist |= FZ_H_OLD;
		if (!fz_slot_add(&old, s->backed))
			fz_check(FZ_MUNMAP, munmap(old.addr, old.len),
				 "old %p+%zu", old.addr, old.len);
	}
	s->r.rw = (s->r.prot & PROT_WRITE) && s->backed >= s->r.len;
}

/* A page must be all zero: what a new /dev/zeropool object holds. */
static bool fz_page_zero(unsigned char *page)
{
	const uint64_t *w = (const uint64_t *)page;
	size_t i;

	for (i = 0; i < fz.pg / sizeof(*w); i++)
		if (w[i])
			return false;
	return true;
}

/*
 * Faults pages in (reading first: checks a new zeropool object reads as
 * zeros) and sometimes writes them.  A fault here is a failure: the range
 * is backed and its protection allows the access.
 */
void fz_op_touch(void)
{
	struct fz_slot *s = fz_slot_pick();
	int i, n = 1 + fz_below(16);
	bool write;

	if (!s || !(s->r.prot & PROT_READ) || s->backed < (size_t)fz.pg)
		return;
	write = (s->r.prot & PROT_WRITE) && fz_one_in(2);
	for (i = 0; i < n; i++) {
		unsigned char *page = s->r.addr +
				      fz_below(s->backed / fz.pg) * fz.pg;
		unsigned char v = (unsigned char)fz_rand();
		int fault = fz_touch(page, false, &v);

		if (!fault && write)
			fault = fz_touch(page, true, &v);
		if (fault && s->r.kind == FZ_M_ZP && fault >> 16 == SIGBUS &&
		    fz_zp_capped())
			return;		/* the opener is at user_max_pages */
		if (fault) {
			fz_fail("touch %s %p: signal %d code %d (kind %d prot %#x, page %zu of %zu, file offset %#llx, history %#x, advice %d)",
				write ? "write" : "read", page, fault >> 16,
				fault & 0xffff, s->r.kind, s->r.prot,
				(page - s->r.addr) / fz.pg, s->r.len / fz.pg,
				s->r.off, s->r.hist, s->r.advice);
			return;
		}
		fz.zero_checked += s->r.virgin && !write;
		if (s->r.virgin && !write && !fz_page_zero(page)) {
			fz_fail("zeropool: page %p of a new object is not zero",
				page);
			s->r.virgin = false;
		}
	}
	if (write)
		s->r.virgin = false;
}
