// SPDX-License-Identifier: GPL-2.0
/*
 * How blocks get zeroed: on the CPU with ordinary stores (clear_page), with
 * non-temporal stores that bypass the cache (pages zeroed long before use
 * should not evict the working set); offload.c hands blocks to a backend.
 * The scrubber picks the method (zp_effective_method()); this file only
 * zeroes, and calls nothing else of zeropool.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/highmem.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched.h>

#include "zeropool.h"

const char * const zp_zero_method_names[] = {
	[ZP_ZERO_CPU] = "cpu",
	[ZP_ZERO_NT] = "nt",
	[ZP_ZERO_OFFLOAD] = "offload",
	[ZP_ZERO_AUTO] = "auto",
	NULL,
};

/*
 * The allocator already zeroed what it returns when init_on_alloc is on
 * (Debian's default) or when init_on_free zeroed pages as they were freed.
 */
bool zp_allocator_zeroes(gfp_t gfp)
{
	return want_init_on_free() || want_init_on_alloc(gfp);
}

#ifdef CONFIG_X86_64
#define ZP_HAVE_NT 1
static void zp_clear_page_nt(void *addr)
{
	void *end = addr + PAGE_SIZE;

	for (; addr < end; addr += 64)
		asm volatile("movnti %1, 0(%0)\n\t"
			     "movnti %1, 8(%0)\n\t"
			     "movnti %1, 16(%0)\n\t"
			     "movnti %1, 24(%0)\n\t"
			     "movnti %1, 32(%0)\n\t"
			     "movnti %1, 40(%0)\n\t"
			     "movnti %1, 48(%0)\n\t"
			     "movnti %1, 56(%0)\n\t"
			     : : "r" (addr), "r" (0UL) : "memory");
}
#else
#define ZP_HAVE_NT 0
static void zp_clear_page_nt(void *addr)
{
	clear_page(addr);
}
#endif

bool zp_zero_have_nt(void)
{
	return ZP_HAVE_NT;
}

static void zp_zero_page(struct page *page, bool nt)
{
	void *addr = kmap_local_page(page);

	if (nt)
		zp_clear_page_nt(addr);
	else
		clear_page(addr);
	kunmap_local(addr);
}

/*
 * Zeroes @nr pages linked by lru (a new block split into pages, or pages
 * given back): one clock read, counter and fence for all of them.
 */
void zp_zero_page_list(struct list_head *pages, unsigned long nr, bool nt)
{
	u64 start = ktime_get_ns();
	unsigned long i = 0;
	struct page *page;

	nt = nt && ZP_HAVE_NT;
	list_for_each_entry(page, pages, lru) {
		zp_zero_page(page, nt);
		if ((++i & 63) == 0)
			cond_resched();
	}
	if (nt)
		wmb();	/* order the non-temporal stores before publishing */
	atomic64_add(ktime_get_ns() - start, &zp_cnt.zero_ns);
	atomic64_add(nr, nt ? &zp_cnt.zeroed_nt : &zp_cnt.zeroed_cpu);
}

void zp_clear_pages(struct page *page, unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++)
		zp_zero_page(page + i, false);
}
EXPORT_SYMBOL_GPL(zp_clear_pages);
