/* SPDX-License-Identifier: GPL-2.0 */
/*
 * t_fuzz: a seeded ioctl/syscall fuzzer for /dev/pagesplice, /dev/zeropool
 * and the tunables of /sys/kernel/zeropool/.  Every call's outcome is
 * checked against the errnos its ABI documents (calls.c); the kernel's
 * own checks (BUG, WARN, Oops) are the harness's to catch.
 *
 * One concern per file: rng.c (PRNG, boundary values), calls.c (errno
 * tables, counts shared with forked children), regions.c (memory regions
 * and what is done to them), ptrs.c (pointers and buffers for the
 * kernel), racer.c (munmap from another thread), fds.c (the fd table),
 * ps_ops.c (pagesplice ioctls), io_ops.c (read, splice, poll...), zp_ops.c
 * (zeropool ioctl, mmap), sysfs.c (tunables), proc.c (signals, fork),
 * scm.c (fds in flight in unix sockets), dma.c (a faulty DMA engine for
 * the offload path),
 * ops.c (the weighted choice of what to do next).
 */
#ifndef _FUZZ_H
#define _FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* Global state of one fuzzing process (a forked child has its own copy). */
struct fz_state {
	uint64_t iter;		/* operations done so far */
	bool child;		/* in a forked child: no TAP, no sysfs */
	long pg;		/* page size */
	uint64_t max_bytes;	/* ring_max_bytes as last seen */
	uint64_t copy_threshold; /* as last seen */
	uint64_t queued;	/* bytes queued since the last relief */
	uint64_t zero_checked;	/* pages of new zeropool objects read */
};

extern struct fz_state fz;

/* Bytes queued (pinned or copied) before every ring and pipe is closed. */
#define FZ_RELIEF_BYTES	(256ULL << 20)

/* rng.c: splitmix64; children and the racer get their own streams. */
void fz_seed(uint64_t seed);
uint64_t fz_rand(void);
uint64_t fz_below(uint64_t n);		/* [0, n); 0 when n is 0 */
bool fz_one_in(unsigned int n);
uint64_t fz_interesting(void);		/* 0, 1, powers of two +-1, -1... */
uint64_t fz_splitmix(uint64_t *state);
#define FZ_PICK(arr)	((arr)[fz_below(ARRAY_SIZE(arr))])

/* calls.c */
enum fz_call {
	FZ_OPEN_PS, FZ_OPEN_ZP, FZ_OPEN_MISC,
	FZ_PS_INFO, FZ_PS_SUBMIT, FZ_PS_REAP, FZ_PS_SHUTDOWN, FZ_PS_FORWARD,
	FZ_PS_EVENTFD, FZ_PS_UNKNOWN,
	FZ_ZP_INFO, FZ_ZP_UNKNOWN, FZ_ZP_MMAP,
	FZ_READ, FZ_READV, FZ_WRITE, FZ_LSEEK, FZ_SPLICE, FZ_SPLICE_IN,
	FZ_SENDFILE, FZ_TEE, FZ_PIPE_DRAIN, FZ_POLL,
	FZ_SYSFS_WRITE, FZ_SYSFS_CHANNEL, FZ_SYSFS_CGROUP, FZ_SYSFS_RO,
	FZ_SYSFS_READ,
	FZ_MODPARAM,
	FZ_CLOSE, FZ_DUP, FZ_SCM, FZ_FORK,
	FZ_MMAP, FZ_MUNMAP, FZ_MPROTECT, FZ_MADVISE, FZ_MREMAP,
	FZ_NCALLS
};

void fz_stats_init(void);
/*
 * Counts the outcome of @call (ret < 0: failed with errno) and records a
 * failure naming the call, @fmt and the errno unless that errno is one the
 * call documents.  errno is read first, so pass it untouched.  Returns
 * whether the call succeeded.
 */
bool fz_check(enum fz_call call, long ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A wrong result that is not an errno (a bad count, non-zero memory...). */
void fz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* TAP diagnostics: calls and the errnos seen per call. */
void fz_report(void);
/* One TAP line per recorded failure (a few per kind); returns how many. */
uint64_t fz_report_failures(void);

/* regions.c */
enum fz_mkind {
	FZ_M_ANON,		/* private anonymous, written */
	FZ_M_UNTOUCHED,		/* private anonymous, never written */
	FZ_M_RO,		/* written, then made read-only */
	FZ_M_NONE,		/* PROT_NONE */
	FZ_M_SHARED,		/* MAP_SHARED | MAP_ANONYMOUS */
	FZ_M_TMPFS,		/* a tmpfs file in /tmp, maybe past its end */
	FZ_M_DEVZERO,		/* /dev/zero, shared or private */
	FZ_M_ZP,		/* /dev/zeropool */
	FZ_M_NKINDS
};

struct fz_region {
	unsigned char *addr;
	size_t len;
	enum fz_mkind kind;
	int prot;
	bool rw;		/* we may write all of it ourselves */
	bool virgin;		/* a new zeropool object never written */
	unsigned int obj;	/* zeropool: fz_fd.obj mapped; 0 if none */
	/* for failure messages: what was done to it (FZ_H_*), last advice */
	unsigned int hist;
	int advice;
	long long off;		/* file offset of the mapping */
};

#define FZ_H_MMAP	(1U << 0)	/* made by fz_op_zp_mmap */
#define FZ_H_MPROTECT	(1U << 1)
#define FZ_H_MADVISE	(1U << 2)
#define FZ_H_MREMAP	(1U << 3)
#define FZ_H_OLD	(1U << 4)	/* left behind by MREMAP_DONTUNMAP */
#define FZ_H_SPLIT	(1U << 5)	/* the tail of a partial munmap */
#define FZ_H_READ	(1U << 6)	/* the kernel wrote into it */

void fz_regions_fini(void);
/* Returns the new entry, or NULL (then the range was unmapped). */
struct fz_region *fz_region_add(void *addr, size_t len, enum fz_mkind kind,
				int prot, bool virgin);
struct fz_region *fz_region_pick(void);
/* Object @obj is mapped again: what is written there shows in them all. */
void fz_regions_unvirgin(unsigned int obj);

/* ptrs.c */
#define FZ_SCRATCH	(1UL << 20)

extern unsigned char *fz_scratch;	/* FZ_SCRATCH bytes, ours to fill */

void fz_ptrs_init(void);
void fz_ptrs_fini(void);
/* An address and length for the kernel to read: any, valid or not. */
void fz_buf_pick(unsigned long long *addr, unsigned long long *len);
/*
 * Somewhere the kernel may write @len bytes: either memory of ours that
 * holds them (len clamped to fit) or memory that faults.
 */
void *fz_out_pick(size_t *len);
/* A pointer that faults for reads and writes, or points at read-only. */
void *fz_bad_ptr(void);
/*
 * Room for @size bytes (at most a page) that runs into a PROT_NONE page
 * after at least one byte; the part that fits is copied from @src if set.
 */
void *fz_edge_put(const void *src, size_t size);
/* An ioctl argument: mostly @good; sometimes faulting, or running into it. */
void *fz_arg(void *good, size_t size);
/* A read-only copy of @size bytes of @src. */
void *fz_ro_copy(const void *src, size_t size);

/* racer.c: a thread that unmaps and remaps its region on demand. */
void fz_racer_start(uint64_t seed);
/* Starts one unmap/remap burst; returns the region's address now. */
uint64_t fz_racer_kick(size_t *len);
/* Returns how many bursts it made. */
uint64_t fz_racer_stop(void);

/* fds.c */
enum fz_fkind {
	FZ_F_RING, FZ_F_ZP, FZ_F_PIPE_R, FZ_F_PIPE_W, FZ_F_EVENTFD,
	FZ_F_NULL, FZ_F_FILE, FZ_F_PATH, FZ_F_NKINDS
};

struct fz_fd {
	int fd;
	enum fz_fkind kind;
	bool fresh;		/* zeropool: a new object, never mapped */
	unsigned int obj;	/* zeropool: which object (dup keeps it) */
	bool shut;		/* ring: SHUTDOWN, so SUBMIT gives EPIPE */
};

void fz_fds_init(void);
/* An open fd of @kind (opening one if there is none), or -1. */
int fz_fd_get(enum fz_fkind kind);
/* Mostly an fd of @kind; sometimes another kind or a bad number. */
int fz_fd_any(enum fz_fkind kind);
int fz_fd_bad(void);
struct fz_fd *fz_fd_find(int fd);
/* Closes every ring and pipe: what keeps pages pinned. */
void fz_fds_relief(void);
void fz_fds_close_all(void);
/* Adds @fd as another reference to what @like is (a dup, a received fd). */
void fz_fd_adopt(int fd, const struct fz_fd *like);
void fz_op_open(void);
void fz_op_close(void);
void fz_op_dup(void);

/* scm.c */
void fz_op_scm(void);
/* Gets the unix garbage collector to free cycles left in flight. */
void fz_scm_collect(void);

/* ps_ops.c */
void fz_op_ps_info(void);
void fz_op_submit(void);
void fz_op_submit_racing(void);
void fz_op_reap(void);
void fz_op_shutdown(void);
void fz_op_forward(void);
void fz_op_set_eventfd(void);
void fz_op_ps_user_limit(void);

/* io_ops.c */
void fz_op_read(void);
void fz_op_readv(void);
void fz_op_splice(void);
void fz_op_splice_in(void);
void fz_op_sendfile(void);
void fz_op_tee(void);
void fz_op_pipe_drain(void);
void fz_op_write_seek(void);
void fz_op_poll(void);

/* zp_ops.c, with the ioctl numbers no device knows */
void fz_op_zp_info(void);
void fz_op_zp_mmap(void);
void fz_op_zp_unmapped_limit(void);
bool fz_zp_capped(void);
void fz_op_unknown_ioctl(void);

/* regions.c, operations */
void fz_op_region_new(void);
void fz_op_munmap(void);
void fz_op_mprotect(void);
void fz_op_madvise(void);
void fz_op_mremap(void);
void fz_op_touch(void);

/* sysfs.c */
int fz_sysfs_init(void);		/* files found */
void fz_op_sysfs_write(void);
void fz_op_sysfs_read(void);
int fz_sysfs_restore(void);		/* tunables not back to default */

/* dma.c: loads the provider (before bte_offload); false if absent. */
bool fz_dma_load(void);
void fz_op_dma_faults(void);
/* Every fault off again, before the modules go. */
void fz_dma_quiet(void);

/* proc.c */
void fz_signals_init(void);
/* Brackets a call that may block: a signal ends the wait (EINTR). */
void fz_guard_on(void);
void fz_guard_off(void);		/* keeps errno */
/* ioctl(2) under the guard. */
int fz_ioctl(int fd, unsigned int cmd, void *arg);
/*
 * Reads (or writes) a byte: 0, or the fault that stopped it as
 * (signal << 16 | si_code).
 */
int fz_touch(unsigned char *p, bool write, unsigned char *val);
void fz_op_fork(void);
/* Reaps exited children; with @all, waits (then kills) the rest. */
int fz_children_reap(bool all);

/* ops.c */
void fz_step(void);

#endif /* _FUZZ_H */
