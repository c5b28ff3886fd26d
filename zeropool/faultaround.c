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
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/xarray.h>

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
 * Called by ->fault after the faulting page is mapped, with the VMA locked
 * for read.  The new pages go into the object first: from then on they are
 * its pages whether or not a PTE ever maps them here.
 */
void zp_fault_around(struct vm_fault *vmf, struct zp_object *obj,
		     unsigned long nr)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long window = ALIGN_DOWN(vmf->address, nr << PAGE_SHIFT);
	unsigned long start = max(window, vma->vm_start);
	unsigned long end = min(window + (nr << PAGE_SHIFT), vma->vm_end);
	struct page *pages[ZP_FAULT_AROUND_MAX];
	unsigned long addrs[ZP_FAULT_AROUND_MAX];
	unsigned long addr, mapped = 0, n = 0, i, run;
	pgoff_t first = vmf->pgoff - ((vmf->address - start) >> PAGE_SHIFT);
	pgoff_t index = first;
	struct page *page;
	int err;

	for (addr = start; addr < end; addr += PAGE_SIZE, index++) {
		if (addr == vmf->address || xa_load(&obj->pages, index))
			continue;
		page = zp_take_pooled_page(NUMA_NO_NODE);
		if (!page)
			break;		/* the pool is dry: no inline zeroing */
		err = xa_insert(&obj->pages, index, page, GFP_KERNEL);
		if (err) {
			zp_give_page(page);	/* still zero */
			if (err != -EBUSY)
				break;
			continue;		/* a racer's page: theirs to map */
		}
		atomic_long_inc(&obj->nr_pages);
		pages[n] = page;
		addrs[n++] = addr;
	}
	if (!n)
		return;

	smp_mb();	/* pages published before reading zero_mapped */
	if (READ_ONCE(obj->zero_mapped)) {
		mutex_lock(&obj->lock);
		for (i = 0; i < n; i++)
			zp_object_zap(obj, first +
				      ((addrs[i] - start) >> PAGE_SHIFT));
		mutex_unlock(&obj->lock);
	}

	for (i = 0; i < n; i += run) {
		for (run = 1; i + run < n; run++)
			if (addrs[i + run] != addrs[i] + (run << PAGE_SHIFT))
				break;
		mapped += zp_insert_run(vma, addrs[i], &pages[i], run);
	}
	this_cpu_add(zp_pcpu_cnt.dev_fault_around, mapped);
}
