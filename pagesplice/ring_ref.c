// SPDX-License-Identifier: GPL-2.0
/*
 * A ring's life: allocation, its reference count and freeing.  The open
 * file holds one reference and every segment the ring owns holds one, so
 * a ring outlives its file until the last completion has nowhere to go.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>

#include "ps.h"

struct ps_ring *ps_ring_alloc(void)
{
	struct ps_ring *ring = kzalloc(sizeof(*ring), GFP_KERNEL_ACCOUNT);

	if (!ring)
		return NULL;
	ring->opener = zp_user_get_current();
	if (!ring->opener)
		goto out_free_ring;
	spin_lock_init(&ring->lock);
	INIT_LIST_HEAD(&ring->queue);
	INIT_LIST_HEAD(&ring->cq);
	mutex_init(&ring->consumer_mutex);
	init_waitqueue_head(&ring->wq);
	kref_init(&ring->ref);
	atomic64_inc(&ps_stats.rings);
	atomic64_inc(&ps_stats.rings_created);
	return ring;

out_free_ring:
	kfree(ring);
	return NULL;
}

void ps_ring_get(struct ps_ring *ring)
{
	kref_get(&ring->ref);
}

static void ps_ring_free(struct kref *ref)
{
	struct ps_ring *ring = container_of(ref, struct ps_ring, ref);

	WARN_ON_ONCE(!list_empty(&ring->queue) || !list_empty(&ring->cq));
	mutex_destroy(&ring->consumer_mutex);
	zp_user_put(ring->opener);
	kfree(ring);
	atomic64_dec(&ps_stats.rings);
}

void ps_ring_put(struct ps_ring *ring)
{
	kref_put(&ring->ref, ps_ring_free);
}
