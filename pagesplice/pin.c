// SPDX-License-Identifier: GPL-2.0
/*
 * Buffers by reference: their pages are pinned read-only for as long as
 * the segment lives, charged to the submitting user's RLIMIT_MEMLOCK and
 * to the module's page caps (cap.c), and unpinned when it completes.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/cred.h>
#include <linux/sched/signal.h>
#include <linux/sched/user.h>
#include <linux/string.h>

#include "ps.h"

/*
 * Pinned pages are charged to the submitting user's locked_vm against
 * RLIMIT_MEMLOCK, unless CAP_IPC_LOCK, as io_uring charges its fixed
 * buffers (__io_account_mem()): a ring outlives the process that submitted
 * into it (a parent, a pipe or SCM_RIGHTS keeps it), so an mm's pinned_vm
 * would let exited submitters leave any amount pinned.  The segment keeps
 * a reference on the user_struct until the pages are unpinned.  Returns
 * the user charged (NULL: not charged) or an ERR_PTR.
 */
static struct user_struct *ps_charge_user(unsigned long nr)
{
	unsigned long limit, cur, new;
	struct user_struct *user;

	if (capable(CAP_IPC_LOCK))
		return NULL;
	limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	user = current_user();
	cur = atomic_long_read(&user->locked_vm);
	do {
		new = cur + nr;
		if (new > limit)
			return ERR_PTR(-ENOMEM);
	} while (!atomic_long_try_cmpxchg(&user->locked_vm, &cur, new));
	return get_uid(user);
}

/*
 * Any context: atomic_long_sub() and free_uid() (which takes its lock
 * with interrupts off) are safe wherever the last segment reference goes.
 */
static void ps_uncharge_user(struct user_struct *user, unsigned long nr)
{
	if (!user)
		return;
	atomic_long_sub(nr, &user->locked_vm);
	free_uid(user);
}

/*
 * Unpins what ps_pin_pages() left in seg->pages: @pinned of its nr_pages
 * entries (the others are NULL, zero pages).
 */
static void ps_unpin_pages(struct ps_seg *seg, unsigned long pinned)
{
	unsigned int i;

	if (pinned == seg->nr_pages) {
		/* batched per folio: one atomic per THP, not per page */
		unpin_user_pages(seg->pages, seg->nr_pages);
		return;
	}
	for (i = 0; i < seg->nr_pages; i++)
		if (seg->pages[i])
			unpin_user_page(seg->pages[i]);
}

/*
 * Pins @nr pages from @start into @pages with @gup_flags and lets the zero
 * pages among them go (NULL); returns how many those were, or -errno with
 * nothing pinned and @pages NULL.
 */
static int ps_pin_range(struct page **pages, unsigned long start,
			unsigned int nr, unsigned int gup_flags)
{
	unsigned int i, zeros = 0;
	int got;

	got = pin_user_pages_fast(start, nr, gup_flags, pages);
	if (got != nr) {
		if (got > 0)
			unpin_user_pages(pages, got);
		memset(pages, 0, nr * sizeof(*pages));
		return got < 0 ? got : -EFAULT;
	}
	for (i = 0; i < nr; i++) {
		if (is_zero_pfn(page_to_pfn(pages[i]))) {
			unpin_user_page(pages[i]);
			pages[i] = NULL;
			zeros++;
		}
	}
	return zeros;
}

/* Pins @nr pages at @addr; returns how many were zero pages, or -errno. */
static int ps_pin_pages(struct ps_seg *seg, u64 addr, unsigned int nr)
{
	int zeros = ps_pin_range(seg->pages, addr & PAGE_MASK, nr, 0);

	if (zeros >= 0)
		seg->nr_pages = nr;
	return zeros;
}

/* Would FOLL_LONGTERM have migrated or refused this page? */
static bool ps_page_needs_longterm(struct page *page)
{
	return is_zone_device_page(page) ||
	       !folio_is_longterm_pinnable(page_folio(page));
}

/*
 * Pins pages[@first, @end) again with FOLL_LONGTERM if any of them needs
 * it.  On failure the run is left unpinned (NULL); the pages of 6.1's
 * long-term pin that are the zero page (the buffer changed meanwhile) are
 * let go and counted in *@zeros.
 */
static int ps_repin_run(struct ps_seg *seg, u64 addr, unsigned int first,
			unsigned int end, unsigned int *zeros)
{
	unsigned long start = (addr & PAGE_MASK) + first * PAGE_SIZE;
	unsigned int i;
	int ret;

	for (i = first; i < end; i++)
		if (ps_page_needs_longterm(seg->pages[i]))
			break;
	if (i == end)
		return 0;
	unpin_user_pages(&seg->pages[first], end - first);
	ret = ps_pin_range(&seg->pages[first], start, end - first,
			   FOLL_LONGTERM);
	if (ret < 0)
		return ret;
	*zeros += ret;
	return 0;
}

/*
 * Makes the pins of ps_pin_pages() long-term, run of non-zero pages by
 * run; returns the zero-page count, updated, or -errno (and nothing
 * pinned).
 */
static int ps_pin_longterm(struct ps_seg *seg, u64 addr, int zeros)
{
	unsigned int i = 0, end, z = zeros;
	int ret;

	while (i < seg->nr_pages) {
		if (!seg->pages[i]) {
			i++;
			continue;
		}
		for (end = i; end < seg->nr_pages && seg->pages[end]; end++)
			;
		ret = ps_repin_run(seg, addr, i, end, &z);
		if (ret) {
			ps_unpin_pages(seg, 0);
			seg->nr_pages = 0;
			return ret;
		}
		i = end;
	}
	return z;
}

/*
 * A buffer of zero pages holds no pin but its page array and the room it
 * takes in consumers: it is bounded like the others, in pages_zero.
 */
static int ps_seg_zero(struct ps_seg *seg, unsigned int nr)
{
	int ret = ps_charge_pages(seg, &ps_stats.pages_zero, ZP_USER_PS_ZERO,
				  READ_ONCE(ps_user_max_zero_pages), nr);

	if (ret)
		return ret;
	seg->charged_zero = nr;
	seg->flags |= PS_SEG_ZERO;
	atomic64_inc(&ps_stats.zero_segments);
	return 0;
}

/*
 * Pins read-only: FOLL_PIN without FOLL_WRITE, so a lent page is never
 * written and an anonymous page is unshared from any COW sibling first
 * (which is what keeps a later fork() from diverting the data).  Pages
 * that are the shared zero page are let go at once and read as zeroes.
 *
 * Userspace holds these pins for as long as it likes (a ring that is
 * never read), so they are long-term: pages that FOLL_LONGTERM would
 * migrate (ZONE_MOVABLE, CMA, isolated for offlining) or refuse (fsdax and
 * other ZONE_DEVICE memory) are pinned again with it.  Not FOLL_LONGTERM
 * on the whole buffer at once: since 6.2 a long-term R/O pin breaks the
 * zero page of a COW mapping into a fresh page, allocating what a zero
 * segment should leave free; the first, short-term pass finds the zero
 * pages, and only runs of other pages are pinned long-term.
 */
int ps_seg_pin(struct ps_seg *seg, u64 addr, unsigned int nr)
{
	struct user_struct *user;
	unsigned long pinned;
	int ret;

	ret = ps_pin_pages(seg, addr, nr);
	if (ret >= 0)
		ret = ps_pin_longterm(seg, addr, ret);
	if (ret < 0)
		return ret;
	pinned = nr - ret;
	if (!pinned) {
		ret = ps_seg_zero(seg, nr);
		if (ret)
			goto out_unpin;
		goto out_queued;
	}
	ret = ps_charge_pages(seg, &ps_stats.pages_pinned, ZP_USER_PS_PINNED,
			      READ_ONCE(ps_user_max_pinned_pages), pinned);
	if (ret)
		goto out_unpin;
	user = ps_charge_user(pinned);
	if (IS_ERR(user)) {
		atomic64_inc(&ps_stats.memlock_refusals);
		ret = PTR_ERR(user);
		goto out_uncap;
	}
	seg->locked_user = user;
	seg->nr_pinned = pinned;
out_queued:
	atomic64_add(seg->len, &ps_stats.bytes_by_reference);
	return 0;

out_uncap:
	ps_uncharge_pages(seg, &ps_stats.pages_pinned, ZP_USER_PS_PINNED,
			  pinned);
out_unpin:
	ps_unpin_pages(seg, pinned);
	seg->nr_pages = 0;
	return ret;
}

/* Unpins what ps_seg_pin() pinned and gives back its charges. */
void ps_seg_unpin(struct ps_seg *seg)
{
	ps_unpin_pages(seg, seg->nr_pinned);
	if (seg->nr_pinned) {
		ps_uncharge_pages(seg, &ps_stats.pages_pinned,
				  ZP_USER_PS_PINNED, seg->nr_pinned);
		ps_uncharge_user(seg->locked_user, seg->nr_pinned);
	}
	if (seg->charged_zero)
		ps_uncharge_pages(seg, &ps_stats.pages_zero, ZP_USER_PS_ZERO,
				  seg->charged_zero);
}
