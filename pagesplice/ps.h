/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pagesplice internals: rings, segments and completions.
 *
 * A segment is one submitted buffer.  It is owned by the ring it was
 * submitted to (that ring gets its completion) and queued in exactly one
 * ring at a time (the owner, or another ring after FORWARD).  It lives
 * while its queue reference or any pipe_buffer handed out by splice holds
 * it; the last reference releases the pages and posts the completion.
 *
 * Each field says which file writes it; the others only read it.  Files
 * call each other in one direction only, each line calling only files on
 * the lines below it:
 *
 *   main.c      -> dev.c, sysfs.c
 *   dev.c       -> submit.c, forward.c, splice.c, read.c, and queue.c,
 *                  completion.c, ring_ref.c, notify.c for the ring itself
 *   submit.c    -> queue.c, segment.c, completion.c
 *   forward.c, splice.c, read.c -> queue.c (splice.c also segment.c)
 *   queue.c     -> segment.c, completion.c
 *   segment.c   -> pin.c, copy.c, completion.c, ring_ref.c
 *   pin.c, copy.c -> cap.c
 *   completion.c -> notify.c
 *
 * queue.c's consumer loop calls back into forward.c, splice.c and read.c
 * only through the actor each passes in.  sysfs.c holds the counters and
 * tunables that every file uses and calls none of them.
 */
#ifndef _PAGESPLICE_PS_H
#define _PAGESPLICE_PS_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uio.h>
#include <linux/wait.h>

#include <uapi/pagesplice.h>
#include <zeropool/users.h>

/* A completion record: written by completion.c alone. */
struct ps_cqe {
	struct list_head node;		/* in ps_ring.cq */
	struct pagesplice_completion c;
};

#define PS_SEG_COPIED	PAGESPLICE_COMP_COPIED
#define PS_SEG_ZERO	PAGESPLICE_COMP_ZERO

struct ps_seg {
	/* queue.c: the queue it is in, under that ring's lock */
	struct list_head node;		/* in the queue ring's ->queue */
	/*
	 * queue.c: bytes handed to consumers; written only under the
	 * consumer mutex of the ring the segment is queued in.
	 */
	size_t consumed;

	/* segment.c */
	struct ps_ring *owner;		/* holds a ring reference */
	struct zp_user *user;		/* the submitter's, holds a reference */
	struct ps_cqe *cqe;		/* NULL once posted (copied at submit) */
	refcount_t refs;		/* queue + one per pipe_buffer */
	bool error;			/* WRITE_ONCE: dropped undelivered */
	size_t len;
	unsigned int offset;		/* of the data in pages[0] */

	/* pin.c or copy.c, whichever filled the segment, before it queues */
	u32 flags;			/* PS_SEG_* */
	unsigned int nr_pages;
	unsigned long nr_pinned;	/* pin.c: pages[] entries holding a pin */
	unsigned long charged_copy;	/* copy.c: pages counted in pages_copied */
	unsigned long charged_zero;	/* pin.c: pages counted in pages_zero */
	/* pin.c: charged locked_vm (holds a reference), or NULL */
	struct user_struct *locked_user;
	/* NULL: the shared zero page, which holds no pin */
	struct page *pages[];
};

struct ps_ring {
	spinlock_t lock;		/* protects everything up to 'submit_error' */

	/* queue.c: the segment FIFO and what comes in */
	struct list_head queue;		/* ps_seg, FIFO */
	u64 queued_bytes;		/* unconsumed bytes in ->queue */
	unsigned int queued_segs;
	u64 seq;			/* next sequence number */
	bool shutdown;			/* no more SUBMIT/FORWARD in */

	/* completion.c: completion records and the capacity they hold */
	struct list_head cq;		/* ps_cqe, in completion order */
	unsigned int nr_cqe;
	unsigned int inflight_segs;	/* own segments not yet completed */
	u64 inflight_bytes;		/* ... and their length */
	bool closed;			/* last file closed: drop completions */

	/* notify.c */
	struct eventfd_ctx *eventfd;	/* signalled per completion, or NULL */

	/* submit.c: a partial SUBMIT's error, for the next SUBMIT, or 0 */
	int submit_error;

	/*
	 * queue.c's consumer loop: serialises consumers, so a queued
	 * segment's consumed has one writer.
	 */
	struct mutex consumer_mutex;
	wait_queue_head_t wq;		/* data, room, completions, shutdown */
	struct kref ref;		/* ring_ref.c: the file + one per owned segment */
	/*
	 * ring_ref.c: the opener's zp_user record, held for the ring's life
	 * so that a producer whose queue drains doesn't drop the record (and
	 * its sysfs directory) and create it again with every buffer; each
	 * segment holds its submitter's own reference, which it charges.
	 */
	struct zp_user *opener;
};

/* Tunables (sysfs.c); read with READ_ONCE, written by the stats tree. */
extern u64 ps_copy_threshold;
extern u64 ps_ring_max_bufs;
extern u64 ps_ring_max_bytes;
extern u64 ps_max_pinned_pages;
/* Per user, under the global cap; 0: only the global cap. */
extern u64 ps_user_max_pinned_pages;
extern u64 ps_user_max_copied_pages;
extern u64 ps_user_max_zero_pages;

struct ps_stats {
	atomic64_t rings;		/* open now */
	atomic64_t rings_created;
	atomic64_t bytes_by_reference;
	atomic64_t bytes_copied;
	atomic64_t zero_segments;
	atomic64_t pages_pinned;	/* now */
	atomic64_t pages_copied;	/* now: ring-owned copies */
	atomic64_t pages_zero;		/* now: pages of zero segments */
	atomic64_t completions;		/* buffers */
	atomic64_t ring_full;
	atomic64_t memlock_refusals;
	atomic64_t cap_refusals;
	atomic64_t user_cap_refusals;
	atomic64_t bytes_forwarded;
	atomic64_t splice_bufs;
};

extern struct ps_stats ps_stats;

/* sysfs.c */
int ps_sysfs_init(void);
void ps_sysfs_exit(void);

/* dev.c */
int ps_dev_init(void);
void ps_dev_exit(void);

/* submit.c */
long ps_submit(struct ps_ring *ring, struct file *file, void __user *argp);

/* forward.c */
long ps_forward(struct ps_ring *src, struct ps_ring *dst, u64 max_bytes,
		bool nonblock);

/* splice.c */
ssize_t ps_splice_out(struct ps_ring *ring, struct file *in,
		      struct pipe_inode_info *pipe, size_t len, bool nonblock);

/* read.c */
ssize_t ps_read(struct ps_ring *ring, struct iov_iter *to, bool nonblock);

/* queue.c */

/*
 * A consumer's work, done under the consumer mutex: bytes taken, 0 when
 * the queue had nothing for it, or a negative errno.
 */
typedef ssize_t (*ps_actor_t)(struct ps_ring *ring, void *data);

ssize_t ps_queue_consume(struct ps_ring *ring, ps_actor_t actor, void *data,
			 bool nonblock);
void ps_queue_enqueue(struct ps_ring *ring, struct ps_seg *seg, u64 *seq);
struct ps_seg *ps_queue_head(struct ps_ring *ring);
void ps_queue_advance(struct ps_ring *ring, struct ps_seg *seg, size_t n);
size_t ps_queue_detach(struct ps_ring *ring, struct list_head *out, u64 max,
		       unsigned int *nsegs);
bool ps_queue_attach(struct ps_ring *ring, struct list_head *segs,
		     size_t bytes, unsigned int nsegs);
void ps_queue_restore(struct ps_ring *ring, struct list_head *segs,
		      size_t bytes, unsigned int nsegs);
void ps_queue_shutdown(struct ps_ring *ring);
void ps_queue_close(struct ps_ring *ring);

/* segment.c */
struct ps_seg *ps_seg_from_user(struct ps_ring *ring, u64 addr, size_t len,
				u64 tag, bool copy);
void ps_seg_get(struct ps_seg *seg);
void ps_seg_put(struct ps_seg *seg);
void ps_seg_drop(struct ps_seg *seg);
struct ps_cqe *ps_seg_take_cqe(struct ps_seg *seg);

/* pin.c */
int ps_seg_pin(struct ps_seg *seg, u64 addr, unsigned int nr);
void ps_seg_unpin(struct ps_seg *seg);

/* pin.c, copy.c: a page cap, global and per user */
int ps_charge_pages(struct ps_seg *seg, atomic64_t *global,
		    enum zp_user_counter counter, u64 user_limit,
		    unsigned long nr);
void ps_uncharge_pages(struct ps_seg *seg, atomic64_t *global,
		       enum zp_user_counter counter, unsigned long nr);

/* copy.c */
int ps_seg_copy(struct ps_seg *seg, u64 addr, unsigned int nr);
void ps_seg_free_copy(struct ps_seg *seg);

/* completion.c */
struct ps_cqe *ps_cqe_alloc(void);
void ps_cqe_init(struct ps_cqe *cqe, u64 tag, size_t bytes, u32 flags);
void ps_cqe_number(struct ps_cqe *cqe, u64 seq);
void ps_cqe_free(struct ps_cqe *cqe);
bool ps_ring_has_room_locked(struct ps_ring *ring, size_t len);
int ps_ring_reserve(struct ps_ring *ring, size_t len, bool nonblock);
void ps_ring_unreserve(struct ps_ring *ring, size_t len);
struct ps_cqe *ps_cq_post_locked(struct ps_ring *ring, struct ps_cqe *cqe);
void ps_cq_complete(struct ps_ring *ring, struct ps_cqe *cqe, size_t len,
		    bool error);
int ps_cq_reap(struct ps_ring *ring, struct pagesplice_reap *args);
void ps_cq_close(struct ps_ring *ring);

/* ring_ref.c */
struct ps_ring *ps_ring_alloc(void);
void ps_ring_get(struct ps_ring *ring);
void ps_ring_put(struct ps_ring *ring);

/* notify.c */
int ps_ring_set_eventfd(struct ps_ring *ring, int fd);
void ps_ring_notify_locked(struct ps_ring *ring);
struct eventfd_ctx *ps_ring_take_eventfd_locked(struct ps_ring *ring);

#endif /* _PAGESPLICE_PS_H */
