/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * /dev/pagesplice: a ring that carries user buffers by page reference.
 *
 * Every open() creates a new ring; the file is shared by fork() or
 * SCM_RIGHTS and any number of producers and consumers may use it.  A
 * producer SUBMITs buffers, which are pinned read-only (or, under the copy
 * threshold, copied) and queued in FIFO order with a sequence number each.
 * Consumers read()/readv() them (one copy) or splice() them into a pipe (no
 * copy).  When a buffer is no longer referenced by the kernel a completion
 * is queued for the submitting ring; REAP returns completions and only then
 * may the producer reuse the buffer.  See ABI-pagesplice.md.
 */
#ifndef _UAPI_PAGESPLICE_H
#define _UAPI_PAGESPLICE_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define PAGESPLICE_DEVICE	"/dev/pagesplice"
#define PAGESPLICE_ABI_VERSION	2

/* Feature bits of pagesplice_info.features. */
#define PAGESPLICE_FEAT_READ		(1ULL << 0)	/* read()/readv() */
#define PAGESPLICE_FEAT_SPLICE		(1ULL << 1)	/* splice() by reference */
#define PAGESPLICE_FEAT_FORWARD		(1ULL << 2)	/* ring-to-ring FORWARD */
#define PAGESPLICE_FEAT_COPY		(1ULL << 3)	/* copy threshold */
#define PAGESPLICE_FEAT_ZERO_SEG	(1ULL << 4)	/* zero-page segments */
#define PAGESPLICE_FEAT_EVENTFD		(1ULL << 5)	/* SET_EVENTFD */

/* Most buffers in one SUBMIT and most completions in one REAP. */
#define PAGESPLICE_MAX_VEC	1024

struct pagesplice_info {
	__u32 abi_version;	/* PAGESPLICE_ABI_VERSION of the module */
	__u32 page_size;	/* bytes */
	__u64 features;		/* PAGESPLICE_FEAT_* */
	__u32 max_bufs;		/* buffers in flight + unreaped completions */
	__u32 max_vec;		/* PAGESPLICE_MAX_VEC */
	__u64 max_bytes;	/* bytes in flight per ring; largest buffer */
	__u64 copy_threshold;	/* buffers shorter than this are copied */
	__u64 queued_bytes;	/* unread bytes queued in this ring */
	__u32 queued_bufs;	/* segments queued in this ring */
	__u32 inflight_bufs;	/* this ring's buffers not yet completed */
	__u32 pending_completions; /* completion records not yet reaped */
	__u32 flags;		/* PAGESPLICE_INFO_* */
	__u64 next_seq;		/* sequence number of the next buffer */
};

#define PAGESPLICE_INFO_SHUTDOWN	(1U << 0)

/* One buffer of a SUBMIT vector. */
struct pagesplice_buf {
	__u64 addr;		/* any alignment */
	__u64 len;		/* 1 .. max_bytes */
	__u64 user_tag;		/* returned in the completion */
	__u64 seq;		/* out: the buffer's sequence number */
};

struct pagesplice_submit {
	__u64 bufs;		/* pointer to struct pagesplice_buf[nr] */
	__u32 nr;		/* 1 .. PAGESPLICE_MAX_VEC */
	__u32 flags;		/* PAGESPLICE_SUBMIT_* */
};

/* -EAGAIN instead of waiting for room (also with O_NONBLOCK). */
#define PAGESPLICE_SUBMIT_NONBLOCK	(1U << 0)
/* Never copy: pass every buffer by reference whatever its size. */
#define PAGESPLICE_SUBMIT_NOCOPY	(1U << 1)

/*
 * A range of consecutive sequence numbers completed with the same user_tag
 * and flags; @bytes is their total length.
 */
struct pagesplice_completion {
	__u64 user_tag;
	__u64 seq_first;
	__u64 seq_last;
	__u64 bytes;
	__u32 flags;		/* PAGESPLICE_COMP_* */
	__u32 reserved;
};

#define PAGESPLICE_COMP_COPIED	(1U << 0)	/* copied at SUBMIT */
#define PAGESPLICE_COMP_ZERO	(1U << 1)	/* only zero pages, not pinned */
#define PAGESPLICE_COMP_ERROR	(1U << 2)	/* not (fully) delivered */

struct pagesplice_reap {
	__u64 comps;		/* pointer to struct pagesplice_completion[nr] */
	__u32 nr;		/* 1 .. PAGESPLICE_MAX_VEC */
	__u32 flags;		/* PAGESPLICE_REAP_* */
};

/* Wait for at least one completion while buffers are in flight. */
#define PAGESPLICE_REAP_WAIT	(1U << 0)

struct pagesplice_forward {
	__s32 dst_fd;		/* another /dev/pagesplice ring */
	__u32 flags;		/* PAGESPLICE_FORWARD_* */
	__u64 max_bytes;	/* 0: no limit; at least one segment moves */
};

#define PAGESPLICE_FORWARD_NONBLOCK	(1U << 0)

#define PAGESPLICE_IOC_MAGIC	0xBA
#define PAGESPLICE_IOC_GET_INFO	_IOR(PAGESPLICE_IOC_MAGIC, 0x00, struct pagesplice_info)
#define PAGESPLICE_IOC_SUBMIT	_IOW(PAGESPLICE_IOC_MAGIC, 0x01, struct pagesplice_submit)
#define PAGESPLICE_IOC_REAP	_IOW(PAGESPLICE_IOC_MAGIC, 0x02, struct pagesplice_reap)
#define PAGESPLICE_IOC_SHUTDOWN	_IO(PAGESPLICE_IOC_MAGIC, 0x03)
#define PAGESPLICE_IOC_FORWARD	_IOW(PAGESPLICE_IOC_MAGIC, 0x04, struct pagesplice_forward)
/*
 * Argument: an eventfd to signal (one count per completion posted to this
 * ring), or -1 to stop.  Replaces any earlier eventfd of the ring.
 */
#define PAGESPLICE_IOC_SET_EVENTFD _IOW(PAGESPLICE_IOC_MAGIC, 0x05, __s32)

#endif /* _UAPI_PAGESPLICE_H */
