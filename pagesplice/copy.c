// SPDX-License-Identifier: GPL-2.0
/*
 * Small buffers by copy: their bytes go into pool pages that the ring
 * owns, so the buffer completes at SUBMIT and the producer can reuse it
 * at once.  Copied pages are charged to no user's memlock: the page caps
 * (cap.c), global and per user, keep many rings of small buffers from
 * holding unbounded memory.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/uaccess.h>

#include <zeropool/pool.h>

#include "ps.h"

int ps_seg_copy(struct ps_seg *seg, u64 addr, unsigned int nr)
{
	const char __user *src = u64_to_user_ptr(addr);
	size_t done = 0;
	unsigned int i;
	int ret;

	ret = ps_charge_pages(seg, &ps_stats.pages_copied, ZP_USER_PS_COPIED,
			      READ_ONCE(ps_user_max_copied_pages), nr);
	if (ret)
		return ret;
	/* set first: ps_seg_free_copy() gives back a partial copy */
	seg->flags |= PS_SEG_COPIED;
	seg->charged_copy = nr;
	for (i = 0; done < seg->len; i++) {
		size_t chunk = min_t(size_t, PAGE_SIZE, seg->len - done);
		struct page *page = zp_take_page(NUMA_NO_NODE, GFP_KERNEL);
		unsigned long left;
		void *dst;

		if (!page)
			return -ENOMEM;
		/* nr_pages counts what ps_seg_free_copy() gives back */
		seg->pages[i] = page;
		seg->nr_pages = i + 1;
		dst = kmap_local_page(page);
		left = copy_from_user(dst, src + done, chunk);
		kunmap_local(dst);
		if (left)
			return -EFAULT;
		done += chunk;
	}
	atomic64_add(seg->len, &ps_stats.bytes_copied);
	return 0;
}

/* Gives the pool pages back, however far ps_seg_copy() got. */
void ps_seg_free_copy(struct ps_seg *seg)
{
	unsigned int i;

	/* a splice reader may still hold its own reference */
	for (i = 0; i < seg->nr_pages; i++)
		zp_put_page(seg->pages[i]);
	ps_uncharge_pages(seg, &ps_stats.pages_copied, ZP_USER_PS_COPIED,
			  seg->charged_copy);
}
