// SPDX-License-Identifier: GPL-2.0
/*
 * Fault-around for /dev/zeropool mappings that never hold the zero page.
 *
 * A fault costs far more than the page it maps once the page is zeroed
 * ahead of time: the trap and the core fault path are what is left.  With
 * pool/fault_around_pages = N > 1, a fault also maps pool pages into the
 * holes of its N-page aligned window, as the kernel's fault-around does for
 * the page cache, or mTHP for anonymous memory: up to N - 1 faults fewer,
 * for at most N - 1 pages the process may never touch (counted in its RSS
 * like any other).  Only pages already in the pool are used: a page nobody
 * asked for is never zeroed on the fault path.
 *
 * This file owns the window (which offsets) and the mapping (runs of
 * vm_insert_pages()); putting the pages into the object, and the zap of
 * zero-page PTEs that must follow, is the object's (object.c), so the
 * protocol that makes them safe is written once, there.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>

#include "faultaround.h"
#include "object.h"
#include "zeropool.h"

/* Maps @nr pages at @addr, skipping PTEs a racer filled; returns mapped. */
static unsigned long zp_insert_run(struct vm_area_struct *vma,
				   unsigned long addr, struct page **pages,
				   unsigned long nr)
{
	unsigned long mapped = 0, left, done;
	int err;

	while (nr) {
		left = nr;
		err = vm_insert_pages(vma, addr, pages, &left);
		done = nr - left;
		mapped += done;
		if (err != -EBUSY)
			break;
		/* pages[done] stays in the object for a later fault */
		done++;
		addr += done << PAGE_SHIFT;
		pages += done;
		nr -= done;
	}
	return mapped;
}

/*
 * Maps @pages, the pages of the sorted offsets @indices (@first at @start),
 * one vm_insert_pages() a run of consecutive offsets; returns how many
 * were mapped.
 */
static unsigned long zp_insert_runs(struct vm_area_struct *vma,
				    unsigned long start, pgoff_t first,
				    const pgoff_t *indices, struct page **pages,
				    unsigned long n)
{
	unsigned long mapped = 0, i, run;

	for (i = 0; i < n; i += run) {
		for (run = 1; i + run < n; run++)
			if (indices[i + run] != indices[i] + run)
				break;
		mapped += zp_insert_run(vma, start +
					((indices[i] - first) << PAGE_SHIFT),
					&pages[i], run);
	}
	return mapped;
}

/*
 * Called by ->fault after the faulting page is mapped, with the VMA locked
 * for read.  The new pages go into the object first (object.c): from then
 * on they are its pages whether or not a PTE ever maps them here.
 */
void zp_fault_around(struct vm_fault *vmf, struct zp_object *obj,
		     unsigned long nr)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long window = ALIGN_DOWN(vmf->address, nr << PAGE_SHIFT);
	unsigned long start = max(window, vma->vm_start);
	unsigned long end = min(window + (nr << PAGE_SHIFT), vma->vm_end);
	pgoff_t first = vmf->pgoff - ((vmf->address - start) >> PAGE_SHIFT);
	struct page *pages[ZP_FAULT_AROUND_MAX];
	pgoff_t indices[ZP_FAULT_AROUND_MAX];
	unsigned long addr, mapped, n = 0;

	/* the window's offsets but the faulting one's */
	for (addr = start; addr < end; addr += PAGE_SIZE)
		if (addr != vmf->address)
			indices[n++] = first + ((addr - start) >> PAGE_SHIFT);
	n = zp_object_fill_holes(obj, indices, pages, n);
	if (!n)
		return;
	/* not inside this_cpu_add(): the generic one may disable interrupts */
	mapped = zp_insert_runs(vma, start, first, indices, pages, n);
	this_cpu_add(zp_pcpu_cnt.dev_fault_around, mapped);
}
