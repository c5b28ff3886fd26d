// SPDX-License-Identifier: GPL-2.0
/*
 * FORWARD: a relay stage that moves queued segments from one ring to the
 * tail of another without touching their data.  The segments keep their
 * owner, which gets the completion once the final consumer lets go.  The
 * actor of queue.c's consumer loop for FORWARD, run on the source ring.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

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

/* The caller holds a reference on dst's file, keeping its close away. */
long ps_forward(struct ps_ring *src, struct ps_ring *dst, u64 max_bytes,
		bool nonblock)
{
	struct ps_forward_args fwd = {
		.dst = dst,
		.max_bytes = max_bytes,
	};

	return ps_queue_consume(src, ps_forward_actor, &fwd, nonblock);
}
