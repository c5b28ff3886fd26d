// SPDX-License-Identifier: GPL-2.0
/*
 * The PTE tables fork gave the child, found by walking the child's page
 * tables when copy_page_range() returns: counted, and remembered as runs
 * of 2 MiB ranges so that attrib.c counts only writes into tables the
 * fork copied (the ranges lazy sharing would have shared).
 *
 * A probe on __pte_alloc() would see each table as it is allocated, but it
 * fires once per table (512 times per GiB copied) and, being a global
 * probe, for every page fault that needs a table anywhere on the machine.
 * A walk of the range just copied reads one PMD entry per 2 MiB and runs
 * once per VMA, in the forking task only.
 *
 * Nothing else can change the child's tables meanwhile: the new mm is not
 * visible to any other task until fork returns, and its mmap lock is held
 * for writing by the forking task, which is the one running this walk.
 *
 * This file alone writes a slot's struct pts_ranges (but its bits, which
 * are attrib.c's) and adds the walk's own time to rec.tracer_ns.
 */
#include <linux/mm.h>
#include <linux/bitmap.h>
#include <linux/pgtable.h>

#include "ptshare.h"

/* A PMD entry that points to a PTE table (not empty, swapped or huge). */
static bool pts_pmd_is_table(pmd_t pmd)
{
	return !pmd_none(pmd) && pmd_present(pmd) && !pmd_leaf(pmd);
}

/*
 * The PMD entry of @addr in @mm, or NULL when a level above has no table
 * there.  *next is where the next entry to look at starts: the end of
 * that PMD, or of the empty range above it, so that holes are skipped a
 * whole level at a time.
 */
static pmd_t *pts_pmd_lookup(struct mm_struct *mm, unsigned long addr,
			     unsigned long end, unsigned long *next)
{
	pgd_t *pgdp = pgd_offset(mm, addr);
	p4d_t *p4dp;
	pud_t *pudp;
	pud_t pud;

	*next = pgd_addr_end(addr, end);
	if (pgd_none(READ_ONCE(*pgdp)))
		return NULL;
	p4dp = p4d_offset(pgdp, addr);
	*next = p4d_addr_end(addr, end);
	if (p4d_none(READ_ONCE(*p4dp)))
		return NULL;
	pudp = pud_offset(p4dp, addr);
	*next = pud_addr_end(addr, end);
	pud = READ_ONCE(*pudp);
	if (pud_none(pud) || !pud_present(pud) || pud_leaf(pud))
		return NULL;
	*next = pmd_addr_end(addr, end);
	return pmd_offset(pudp, addr);
}

/* Bytes a buffer needs to track @tables ranges whatever their layout. */
size_t pts_ranges_bytes(u32 tables)
{
	return BITS_TO_LONGS(2 * (size_t)tables) * sizeof(long) +
	       (size_t)tables * sizeof(struct pts_run);
}

/*
 * Lays out @buf (@size bytes) for a fork whose parent has at most @tables
 * PTE tables: room for all of them when @size allows, else half the
 * buffer for bits and half for runs.  Before the slot is published.
 */
void pts_ranges_init(struct pts_slot *slot, void *buf, size_t size,
		     u32 tables)
{
	struct pts_ranges *r = &slot->ranges;
	size_t bits_bytes;

	if (size >= pts_ranges_bytes(tables)) {
		r->tables_cap = tables;
		r->runs_cap = tables;
	} else {
		r->tables_cap = size / 2 * BITS_PER_BYTE / 2;
		r->runs_cap = size / 2 / sizeof(struct pts_run);
	}
	bits_bytes = BITS_TO_LONGS(2 * (size_t)r->tables_cap) * sizeof(long);
	r->bits = buf;
	r->runs = buf + bits_bytes;
	r->nr_runs = 0;
	r->nr_tables = 0;
	r->untracked = 0;
}

/* Remembers that the table of 2 MiB range @range was copied. */
static void pts_ranges_add(struct pts_ranges *r, unsigned long range)
{
	struct pts_run *last = r->nr_runs ? &r->runs[r->nr_runs - 1] : NULL;

	if (r->nr_tables >= r->tables_cap) {
		r->untracked++;
		return;
	}
	if (last && last->first + last->nr == range) {
		WRITE_ONCE(last->nr, last->nr + 1);
	} else if (r->nr_runs < r->runs_cap) {
		r->runs[r->nr_runs].first = range;
		r->runs[r->nr_runs].nr = 1;
		r->runs[r->nr_runs].bit = r->nr_tables;
		/* the run is whole before a reader can see it */
		smp_store_release(&r->nr_runs, r->nr_runs + 1);
	} else {
		r->untracked++;
		return;
	}
	r->nr_tables++;
}

/*
 * The index of @addr's range among those the fork copied, or -1.  Under
 * slot->lock, while the owner may still append: see struct pts_ranges.
 */
long pts_range_bit(struct pts_slot *slot, unsigned long addr)
{
	struct pts_ranges *r = &slot->ranges;
	unsigned long range = addr >> PTS_RANGE_SHIFT;
	struct pts_run *run;
	u32 lo = 0, hi, mid;

	/* pairs with the release in pts_ranges_add(): whole runs only */
	hi = smp_load_acquire(&r->nr_runs);

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (r->runs[mid].first <= range)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return -1;
	run = &r->runs[lo - 1];
	if (range - run->first >= READ_ONCE(run->nr))
		return -1;
	return run->bit + (range - run->first);
}

/*
 * Counts the PTE tables mapping [start, end) of @mm into rec.pte_tables
 * and remembers their ranges.  VMAs are copied in address order and two
 * of them can share the table of a 2 MiB range: last_pte_table is the
 * index (address >> PMD_SHIFT) of the last table counted, skipped if met
 * again.  Owner only (the copy_page_range return probe).
 */
void pts_walk_copied(struct pts_slot *slot, struct mm_struct *mm,
		     unsigned long start, unsigned long end)
{
	unsigned long addr, next, *last = &slot->last_pte_table;
	u64 t0 = pts_now_ns();
	pmd_t *pmdp;

	for (addr = start; addr < end; addr = next) {
		pmdp = pts_pmd_lookup(mm, addr, end, &next);
		if (!pmdp || !pts_pmd_is_table(READ_ONCE(*pmdp)) ||
		    addr >> PMD_SHIFT == *last)
			continue;
		*last = addr >> PMD_SHIFT;
		slot->rec.pte_tables++;
		pts_ranges_add(&slot->ranges, addr >> PTS_RANGE_SHIFT);
	}
	slot->rec.tracer_ns += pts_now_ns() - t0;
}
