// SPDX-License-Identifier: GPL-2.0
/*
 * read() out of a ring: queued bytes are copied to the reader, and a
 * buffer completes once all of it was read.  The actor of queue.c's
 * consumer loop for read().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/uio.h>

#include "ps.h"

/* Copies from the head segment; returns bytes, short on a fault. */
static size_t ps_seg_copy_to_iter(struct ps_seg *seg, struct iov_iter *to)
{
	size_t total = 0;

	while (seg->consumed + total < seg->len && iov_iter_count(to)) {
		size_t pos = seg->offset + seg->consumed + total;
		struct page *page = seg->pages[pos >> PAGE_SHIFT];
		size_t off = offset_in_page(pos);
		size_t chunk = min3(PAGE_SIZE - off,
				    seg->len - seg->consumed - total,
				    iov_iter_count(to));
		size_t n;

		if (page)
			n = copy_page_to_iter(page, off, chunk, to);
		else
			n = iov_iter_zero(chunk, to);
		total += n;
		if (n != chunk)
			break;
	}
	return total;
}

/* Fills @data, an iov_iter, from the queue; -EFAULT if nothing got there. */
static ssize_t ps_read_actor(struct ps_ring *ring, void *data)
{
	struct iov_iter *to = data;
	ssize_t total = 0;

	while (iov_iter_count(to)) {
		struct ps_seg *seg = ps_queue_head(ring);
		size_t want, n;

		if (!seg)
			break;
		want = min(seg->len - seg->consumed, iov_iter_count(to));
		n = ps_seg_copy_to_iter(seg, to);
		if (n)
			ps_queue_advance(ring, seg, n);
		total += n;
		if (n < want)
			return total ? total : -EFAULT;
	}
	return total;
}

ssize_t ps_read(struct ps_ring *ring, struct iov_iter *to, bool nonblock)
{
	if (!iov_iter_count(to))
		return 0;
	return ps_queue_consume(ring, ps_read_actor, to, nonblock);
}
