// SPDX-License-Identifier: GPL-2.0
/*
 * Completion notification by eventfd, for producers that wait in an event
 * loop (epoll on many fds, io_uring) rather than in poll() on the ring.
 *
 * The eventfd context is read and replaced only under ring->lock, which is
 * also held while it is signalled: a concurrent SET_EVENTFD can't drop the
 * last reference to the context being signalled.  eventfd_signal() takes
 * only the eventfd's own wait-queue lock, so it nests safely inside.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/eventfd.h>

#include <zeropool/compat.h>

#include "ps.h"

/* fd >= 0: signal that eventfd from now on; -1: stop.  Errnos: see ABI. */
int ps_ring_set_eventfd(struct ps_ring *ring, int fd)
{
	struct eventfd_ctx *new = NULL, *old;

	if (fd < -1)
		return -EINVAL;
	if (fd >= 0) {
		new = eventfd_ctx_fdget(fd);
		if (IS_ERR(new))
			return PTR_ERR(new);
	}

	/* ioctl holds the file, so the ring can't be closed meanwhile. */
	spin_lock(&ring->lock);
	old = ring->eventfd;
	ring->eventfd = new;
	spin_unlock(&ring->lock);

	if (old)
		eventfd_ctx_put(old);
	return 0;
}

void ps_ring_notify_locked(struct ps_ring *ring)
{
	lockdep_assert_held(&ring->lock);
	if (ring->eventfd)
		zp_eventfd_signal(ring->eventfd);
}

/* The last file is gone: hand the context to the caller to put. */
struct eventfd_ctx *ps_ring_take_eventfd_locked(struct ps_ring *ring)
{
	struct eventfd_ctx *ctx = ring->eventfd;

	lockdep_assert_held(&ring->lock);
	ring->eventfd = NULL;
	return ctx;
}
