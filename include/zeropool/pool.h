/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zeropool's in-kernel API: pre-zeroed order-0 pages for other modules, and
 * the hook through which a module (bte_offload) zeroes blocks for the
 * scrubber on other hardware.
 */
#ifndef _ZEROPOOL_POOL_H
#define _ZEROPOOL_POOL_H

#include <linux/completion.h>
#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/mm_types.h>

/*
 * Returns a zeroed order-0 page (refcount 1) from the pool of node @nid
 * (NUMA_NO_NODE: the local node).  On a pool miss the page comes from the
 * allocator with @gfp and is zeroed inline; NULL only if that fails too.
 * Without __GFP_DIRECT_RECLAIM in @gfp it does not sleep.
 */
struct page *zp_take_page(int nid, gfp_t gfp);

/*
 * Hands a page obtained from zp_take_page() back, whatever it now holds.
 * The caller must hold the only reference.  The pool re-zeroes it in the
 * background, or frees it when the pool is full.
 */
void zp_give_page(struct page *page);

/*
 * Drops the caller's reference to a page from zp_take_page(): when it was
 * the only one left, the page goes back to the pool as zp_give_page()
 * does; otherwise the last holder frees it as any page.
 */
void zp_put_page(struct page *page);

/*
 * Zeroes @nr contiguous pages on the CPU with clear_page(), as the
 * scrubber's "cpu" method does (bte_offload's reference for its engine).
 */
void zp_clear_pages(struct page *page, unsigned long nr);

/* One block handed to a zeroing backend. */
struct zp_zero_req {
	struct page *page;	/* first page of the block */
	unsigned int order;	/* the block is 1 << order pages */
	int nid;		/* node the block lives on */
	/*
	 * The backend calls this exactly once for every request it
	 * accepted, from any context, with 0 when every byte of the block
	 * is zero or a negative errno otherwise.
	 */
	void (*complete)(struct zp_zero_req *req, int status);
};

struct zp_zero_backend {
	const char *name;
	struct module *owner;
	/*
	 * Starts zeroing @req asynchronously.  Returns 0 when the request
	 * was accepted (->complete() will follow) or a negative errno when
	 * it was not (the block is then zeroed on the CPU).
	 */
	int (*submit)(struct zp_zero_backend *backend, struct zp_zero_req *req);
};

/*
 * Registers the one offload backend (-EBUSY if another is registered).
 * zeropool applies its own timeout to every request: a late request is
 * zeroed again on the CPU once the backend completes it, so a page is
 * never put in the pool before the backend is done with it.
 */
int zp_register_zero_backend(struct zp_zero_backend *backend);

/*
 * Stops new submissions to @backend and waits until it completed every
 * request it accepted; the backend's completions must keep firing until
 * this returns.  Safe while the scrubber runs.
 */
void zp_unregister_zero_backend(struct zp_zero_backend *backend);

#endif /* _ZEROPOOL_POOL_H */
