// SPDX-License-Identifier: GPL-2.0
/*
 * Counting the PTE tables fork gave the child, by walking the child's page
 * tables when copy_page_range() returns.
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
 */
#include <linux/mm.h>
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

/*
 * PTE tables mapping [start, end) of @mm.  VMAs are copied in address
 * order and two of them can share the table of a 2 MiB range: *last is
 * the index (address >> PMD_SHIFT) of the last table counted, skipped if
 * met again, and updated.
 */
u32 pts_count_pte_tables(struct mm_struct *mm, unsigned long start,
			 unsigned long end, unsigned long *last)
{
	unsigned long addr, next;
	u32 tables = 0;
	pmd_t *pmdp;

	for (addr = start; addr < end; addr = next) {
		pmdp = pts_pmd_lookup(mm, addr, end, &next);
		if (!pmdp || !pts_pmd_is_table(READ_ONCE(*pmdp)) ||
		    addr >> PMD_SHIFT == *last)
			continue;
		*last = addr >> PMD_SHIFT;
		tables++;
	}
	return tables;
}
