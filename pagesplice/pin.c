// SPDX-License-Identifier: GPL-2.0
/*
 * Turning a user buffer into a segment: pinned by reference, or copied into
 * pool pages when it is small, and charged to RLIMIT_MEMLOCK.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/capability.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <zeropool/pool.h>

#include "ps.h"

/*
 * Pinned pages are charged to the submitter's mm->pinned_vm (VmPin in
 * /proc/PID/status) against RLIMIT_MEMLOCK, unless CAP_IPC_LOCK, as RDMA
 * does: an atomic counter, so neither SUBMIT nor the release that may run
 * in a consumer's context takes the producer's mmap_lock (which
 * account_locked_vm() would, twice per buffer).
 */
static int ps_charge_pinned(struct mm_struct *mm, unsigned long nr)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;

	if (atomic64_add_return(nr, &mm->pinned_vm) > limit &&
	    !capable(CAP_IPC_LOCK)) {
		atomic64_sub(nr, &mm->pinned_vm);
		return -ENOMEM;
	}
	return 0;
}

/*
 * Copied pages are charged to no user: the global cap is what keeps many
 * rings of small buffers from holding unbounded memory.
 */
static int ps_seg_copy(struct ps_seg *seg, u64 addr, unsigned int nr)
{
	const char __user *src = u64_to_user_ptr(addr);
	size_t done = 0;
	unsigned int i;

	if (atomic64_add_return(nr, &ps_stats.pages_copied) >
	    READ_ONCE(ps_max_pinned_pages)) {
		atomic64_sub(nr, &ps_stats.pages_copied);
		atomic64_inc(&ps_stats.cap_refusals);
		return -ENOBUFS;
	}
	/* set first: ps_seg_release_pages() gives back a partial copy */
	seg->flags |= PS_SEG_COPIED;
	seg->charged_copy = nr;
	for (i = 0; done < seg->len; i++) {
		size_t chunk = min_t(size_t, PAGE_SIZE, seg->len - done);
		struct page *page = zp_take_page(NUMA_NO_NODE, GFP_KERNEL);
		unsigned long left;
		void *dst;

		if (!page)
			return -ENOMEM;
		/* nr_pages counts what ps_seg_release_pages() gives back */
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

/*
 * Pins read-only: FOLL_PIN without FOLL_WRITE, so a lent page is never
 * written and an anonymous page is unshared from any COW sibling first
 * (which is what keeps a later fork() from diverting the data).  Pages
 * that are the shared zero page are let go at once and read as zeroes.
 *
 * Not FOLL_LONGTERM: since 6.2 a long-term R/O pin breaks the zero page of
 * a COW mapping into a fresh page (allocating what seed 000 says should
 * stay free), and the pins are bounded by memlock and by the ring anyway.
 */
static int ps_seg_pin(struct ps_seg *seg, u64 addr, unsigned int nr)
{
	unsigned long pinned, zeros = 0;
	unsigned int i;
	int got, ret;

	if (atomic64_add_return(nr, &ps_stats.pages_pinned) >
	    READ_ONCE(ps_max_pinned_pages)) {
		atomic64_inc(&ps_stats.cap_refusals);
		ret = -ENOBUFS;
		goto out_uncap;
	}
	got = pin_user_pages_fast(addr & PAGE_MASK, nr, 0, seg->pages);
	if (got != nr) {
		if (got > 0)
			unpin_user_pages(seg->pages, got);
		ret = got < 0 ? got : -EFAULT;
		goto out_uncap;
	}
	for (i = 0; i < nr; i++) {
		if (is_zero_pfn(page_to_pfn(seg->pages[i]))) {
			unpin_user_page(seg->pages[i]);
			seg->pages[i] = NULL;
			zeros++;
		}
	}
	seg->nr_pages = nr;
	pinned = nr - zeros;
	atomic64_sub(zeros, &ps_stats.pages_pinned);
	if (pinned) {
		ret = ps_charge_pinned(current->mm, pinned);
		if (ret) {
			atomic64_inc(&ps_stats.memlock_refusals);
			goto out_unpin;
		}
		seg->mm = current->mm;
		mmgrab(seg->mm);
	} else {
		seg->flags |= PS_SEG_ZERO;
		atomic64_inc(&ps_stats.zero_segments);
	}
	seg->nr_pinned = pinned;
	atomic64_add(seg->len, &ps_stats.bytes_by_reference);
	return 0;

out_unpin:
	for (i = 0; i < nr; i++)
		if (seg->pages[i])
			unpin_user_page(seg->pages[i]);
	seg->nr_pages = 0;
	atomic64_sub(pinned, &ps_stats.pages_pinned);
	return ret;
out_uncap:
	atomic64_sub(nr, &ps_stats.pages_pinned);
	return ret;
}

/* Caller validated addr/len and reserved room in @ring. */
struct ps_seg *ps_seg_from_user(struct ps_ring *ring, u64 addr, size_t len,
				u64 tag, bool copy)
{
	unsigned int offset = copy ? 0 : offset_in_page(addr);
	unsigned int nr = DIV_ROUND_UP(offset + len, PAGE_SIZE);
	struct ps_seg *seg;
	struct ps_cqe *cqe;
	int ret = -ENOMEM;

	cqe = kzalloc(sizeof(*cqe), GFP_KERNEL);
	if (!cqe)
		goto out;
	seg = kvzalloc(struct_size(seg, pages, nr), GFP_KERNEL);
	if (!seg)
		goto out_free_cqe;
	seg->len = len;
	seg->offset = offset;
	ret = copy ? ps_seg_copy(seg, addr, nr) : ps_seg_pin(seg, addr, nr);
	if (ret)
		goto out_release;

	refcount_set(&seg->refs, 1);
	INIT_LIST_HEAD(&seg->node);
	ps_ring_get(ring);
	seg->owner = ring;
	cqe->c.user_tag = tag;
	cqe->c.bytes = len;
	cqe->c.flags = seg->flags;
	seg->cqe = cqe;
	return seg;

out_release:
	/* a failed copy leaves pool pages; a failed pin leaves nothing */
	if (seg->flags & PS_SEG_COPIED)
		ps_seg_release_pages(seg);
	kvfree(seg);
out_free_cqe:
	kfree(cqe);
out:
	return ERR_PTR(ret);
}

void ps_seg_release_pages(struct ps_seg *seg)
{
	unsigned int i;

	if (seg->flags & PS_SEG_COPIED) {
		for (i = 0; i < seg->nr_pages; i++) {
			struct page *page = seg->pages[i];

			/* a splice reader may still hold its own reference */
			if (page_count(page) == 1)
				zp_give_page(page);
			else
				put_page(page);
		}
		atomic64_sub(seg->charged_copy, &ps_stats.pages_copied);
		return;
	}
	if (seg->nr_pinned == seg->nr_pages) {
		/* batched per folio: one atomic per THP, not per page */
		unpin_user_pages(seg->pages, seg->nr_pages);
	} else {
		for (i = 0; i < seg->nr_pages; i++)
			if (seg->pages[i])
				unpin_user_page(seg->pages[i]);
	}
	if (seg->nr_pinned)
		atomic64_sub(seg->nr_pinned, &ps_stats.pages_pinned);
	if (seg->mm) {
		atomic64_sub(seg->nr_pinned, &seg->mm->pinned_vm);
		mmdrop(seg->mm);
	}
}
