// SPDX-License-Identifier: GPL-2.0
/*
 * FORWARD: a relay stage that moves queued segments from one ring to the
 * tail of another without touching their data.  The segments keep their
 * owner, which gets the completion once the final consumer lets go.  The
 * actor of queue.c's consumer loop for FORWARD, run on the source ring.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/fs.h>

#include "ps.h"

struct ps_forward_args {
	struct ps_ring *dst;
	u64 max_bytes;			/* 0: all that is queued */
};

/* Moves whole segments; -EPIPE (and nothing moved) after dst's SHUTDOWN. */
static ssize_t ps_forward_actor(struct ps_ring *src, void *data)
{
	struct ps_forward_args *fwd = data;
	unsigned int nsegs = 0;
	size_t bytes;
	LIST_HEAD(segs);

	bytes = ps_queue_detach(src, &segs, fwd->max_bytes, &nsegs);
	if (!nsegs)
		return 0;
	if (!ps_queue_attach(fwd->dst, &segs, bytes, nsegs)) {
		ps_queue_restore(src, &segs, bytes, nsegs);
		return -EPIPE;
	}
	atomic64_add(bytes, &ps_stats.bytes_forwarded);
	return bytes;
}

long ps_forward(struct ps_ring *src, struct pagesplice_forward *args)
{
	struct ps_forward_args fwd = {
		.max_bytes = args->max_bytes,
	};
	struct file *file;
	long ret = -EINVAL;

	if (args->flags & ~PAGESPLICE_FORWARD_NONBLOCK)
		return -EINVAL;
	/* the reference keeps dst's release (and its close) away */
	file = fget(args->dst_fd);
	if (!file)
		return -EBADF;
	fwd.dst = ps_ring_from_file(file);
	if (fwd.dst && fwd.dst != src)
		ret = ps_queue_consume(src, ps_forward_actor, &fwd,
				args->flags & PAGESPLICE_FORWARD_NONBLOCK);
	fput(file);
	return ret;
}
