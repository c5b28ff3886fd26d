// SPDX-License-Identifier: GPL-2.0
/*
 * The errnos each call may return, and what the run saw.  The tables come
 * from include/uapi/ABI-pagesplice.md and ABI.md for the modules' own
 * calls; an fd that is not open (EBADF) or not the right device (ENOTTY)
 * is ioctl(2)'s part, and the generic calls (mmap, splice, poll...) keep
 * their man pages' lists: the modules sit under them and must not widen
 * them.  Counts live in a shared mapping so that forked children add to
 * them and their failures reach the parent's TAP output.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "../lib/zptest.h"
#include "fuzz.h"

/* Past the last errno of Linux's own (EIOCBQUEUED, 529) that could leak. */
#define FZ_NERR		544
#define FZ_LOG		64
#define FZ_LOGLEN	320
/* Failures of one call with one errno worth a line each; the rest count. */
#define FZ_SHOW		3

struct fz_call_def {
	const char *name;
	int ok[14];		/* documented errnos, 0-terminated */
};

/* mmap(2)'s list; EINVAL is also the ABI's answer to MAP_PRIVATE. */
#define FZ_MMAP_ERRNOS	{ EACCES, EAGAIN, EBADF, EEXIST, EINVAL, ENFILE, \
			  ENODEV, ENOMEM, EOVERFLOW, EPERM, EOPNOTSUPP }
/* read(2) on a ring: ABI EAGAIN, EINTR; a bad buffer, fd, or no ->read */
#define FZ_READ_ERRNOS	{ EAGAIN, EINTR, EFAULT, EBADF, EINVAL }

static const struct fz_call_def fz_calls[FZ_NCALLS] = {
	/*
	 * ABI.md "Who may open the devices": 0600 root (0660 with the udev
	 * rule), so EACCES for the children that dropped to uid 65534
	 */
	[FZ_OPEN_PS] = { "open pagesplice", { ENOMEM, EMFILE, ENFILE, EACCES } },
	[FZ_OPEN_ZP] = { "open zeropool", { ENOMEM, EMFILE, ENFILE, EACCES } },
	[FZ_OPEN_MISC] = { "open other", { ENOMEM, EMFILE, ENFILE } },
	[FZ_PS_INFO] = { "PAGESPLICE_IOC_GET_INFO", { EFAULT, EBADF, ENOTTY } },
	[FZ_PS_SUBMIT] = { "PAGESPLICE_IOC_SUBMIT",
			   { EINVAL, E2BIG, EFAULT, ENOMEM, ENOBUFS, EAGAIN,
			     EPIPE, EINTR, EBADF, ENOTTY } },
	[FZ_PS_REAP] = { "PAGESPLICE_IOC_REAP",
			 { EINVAL, E2BIG, EFAULT, EINTR, EBADF, ENOTTY } },
	[FZ_PS_SHUTDOWN] = { "PAGESPLICE_IOC_SHUTDOWN", { EBADF, ENOTTY } },
	[FZ_PS_FORWARD] = { "PAGESPLICE_IOC_FORWARD",
			    { EINVAL, EFAULT, EAGAIN, EPIPE, EINTR, EBADF,
			      ENOTTY } },
	[FZ_PS_EVENTFD] = { "PAGESPLICE_IOC_SET_EVENTFD",
			    { EBADF, EINVAL, EFAULT, ENOTTY } },
	[FZ_PS_UNKNOWN] = { "pagesplice unknown ioctl", { ENOTTY, EBADF } },
	[FZ_ZP_INFO] = { "ZEROPOOL_IOC_GET_INFO", { EFAULT, EBADF, ENOTTY } },
	[FZ_ZP_UNKNOWN] = { "zeropool unknown ioctl", { ENOTTY, EBADF } },
	[FZ_ZP_MMAP] = { "mmap zeropool", FZ_MMAP_ERRNOS },
	[FZ_READ] = { "read", FZ_READ_ERRNOS },
	[FZ_READV] = { "readv", FZ_READ_ERRNOS },
	/* ABI: write() gives EINVAL (no ->write); EBADF if not open for it */
	[FZ_WRITE] = { "write", { EINVAL, EBADF } },
	[FZ_LSEEK] = { "lseek", { ESPIPE, EINVAL, EBADF } },
	/* ABI: EAGAIN, EINTR; splice(2): the rest */
	[FZ_SPLICE] = { "splice ring->pipe",
			{ EAGAIN, EINTR, EBADF, EINVAL, ESPIPE, ENOMEM,
			  EPIPE } },
	/* a ring has no ->splice_write */
	[FZ_SPLICE_IN] = { "splice pipe->ring", { EINVAL, EBADF, ESPIPE } },
	[FZ_SENDFILE] = { "sendfile from ring",
			  { EAGAIN, EINTR, EBADF, EFAULT, EINVAL, EIO, ENOMEM,
			    EOVERFLOW, ESPIPE, EPIPE } },
	/* and EPIPE: the output pipe has no reader, as for write(2) */
	[FZ_TEE] = { "tee", { EAGAIN, EINTR, EINVAL, EBADF, ENOMEM, EPIPE } },
	[FZ_PIPE_DRAIN] = { "pipe drain", FZ_READ_ERRNOS },
	[FZ_POLL] = { "poll", { EFAULT, EINTR, EINVAL, ENOMEM } },
	/* ABI.md: a tunable answers EINVAL to anything it refuses */
	[FZ_SYSFS_WRITE] = { "sysfs write", { EINVAL } },
	/* ABI-bte_offload.md: no such channel, or an empty/long name */
	[FZ_SYSFS_CHANNEL] = { "sysfs write bte_offload/channel",
			       { EINVAL, ENODEV } },
	/* ABI.md: not absolute, no such cgroup, not a cgroup directory */
	[FZ_SYSFS_CGROUP] = { "sysfs write pool/transparent_cgroup",
			      { EINVAL, ENOENT, ENOTDIR, ENOMEM } },
	/* ABI.md: read-only files answer EACCES to an open for writing */
	[FZ_SYSFS_RO] = { "sysfs open read-only for writing", { EACCES } },
	[FZ_SYSFS_READ] = { "sysfs read", { 0 } },
	/* the test DMA provider's fault switches: plain 0644 parameters */
	[FZ_MODPARAM] = { "zp_soft_dma parameter", { 0 } },
	[FZ_CLOSE] = { "close", { 0 } },
	[FZ_DUP] = { "dup/dup2/dup3", { EBADF, EMFILE, EINVAL } },
	/* unix(7): a bad fd, too many in flight, a full or empty socket */
	[FZ_SCM] = { "sendmsg/recvmsg SCM_RIGHTS",
		     { EBADF, ETOOMANYREFS, ENOMEM, EAGAIN, EMFILE, EINVAL } },
	[FZ_FORK] = { "fork", { EAGAIN, ENOMEM } },
	[FZ_MMAP] = { "mmap other", FZ_MMAP_ERRNOS },
	[FZ_MUNMAP] = { "munmap", { EINVAL } },
	[FZ_MPROTECT] = { "mprotect", { EACCES, EINVAL, ENOMEM } },
	/*
	 * madvise(2); MADV_REMOVE is fallocate(2) underneath: EOPNOTSUPP
	 * where holes can't be punched, ENODEV on a device's mapping
	 */
	[FZ_MADVISE] = { "madvise",
			 { EACCES, EAGAIN, EBADF, EFAULT, EINVAL, EIO, ENOMEM,
			   EPERM, EHWPOISON, EINTR, EOPNOTSUPP, ENODEV } },
	[FZ_MREMAP] = { "mremap", { EAGAIN, EFAULT, EINVAL, ENOMEM } },
};

struct fz_shared {
	uint64_t errs[FZ_NCALLS][FZ_NERR];	/* [0]: successes */
	uint64_t shown[FZ_NCALLS][FZ_NERR];
	/* fz_fail() lines shown per format (the same in every child) */
	const char *fail_fmt[FZ_LOG];
	uint64_t fail_shown[FZ_LOG];
	uint64_t failures;
	uint64_t nlog;
	char log[FZ_LOG][FZ_LOGLEN];
};

static struct fz_shared *fz_sh;

void fz_stats_init(void)
{
	fz_sh = mmap(NULL, sizeof(*fz_sh), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fz_sh == MAP_FAILED)
		tap_bail("mmap the shared counters: %s", strerror(errno));
}

static bool fz_allowed(enum fz_call call, int err)
{
	const int *e;

	for (e = fz_calls[call].ok; *e; e++)
		if (*e == err)
			return true;
	return false;
}

static const char *fz_errname(int err)
{
	static char buf[16];
	const char *name = err ? strerrorname_np(err) : "ok";

	if (name)
		return name;
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}

static void fz_vlog(const char *what, const char *fmt, va_list ap)
{
	uint64_t i = __atomic_fetch_add(&fz_sh->nlog, 1, __ATOMIC_RELAXED);
	char *line;
	int n;

	if (i >= FZ_LOG)
		return;
	line = fz_sh->log[i];
	n = snprintf(line, FZ_LOGLEN, "%s", what);
	if (n < FZ_LOGLEN)
		n += vsnprintf(line + n, FZ_LOGLEN - n, fmt, ap);
	if (n < FZ_LOGLEN)
		snprintf(line + n, FZ_LOGLEN - n, " (iteration %llu%s)",
			 (unsigned long long)fz.iter,
			 fz.child ? ", in a forked child" : "");
}

bool fz_check(enum fz_call call, long ret, const char *fmt, ...)
{
	int err = ret < 0 ? errno : 0;
	int slot = err < FZ_NERR ? err : FZ_NERR - 1;
	char what[128];
	va_list ap;

	__atomic_fetch_add(&fz_sh->errs[call][slot], 1, __ATOMIC_RELAXED);
	if (!err || fz_allowed(call, err))
		return ret >= 0;
	__atomic_fetch_add(&fz_sh->failures, 1, __ATOMIC_RELAXED);
	if (__atomic_fetch_add(&fz_sh->shown[call][slot], 1,
			       __ATOMIC_RELAXED) >= FZ_SHOW)
		return false;
	snprintf(what, sizeof(what), "%s gave undocumented %s: ",
		 fz_calls[call].name, fz_errname(err));
	va_start(ap, fmt);
	fz_vlog(what, fmt, ap);
	va_end(ap);
	return false;
}

/* Claims or finds @fmt's counter; false once it was shown enough. */
static bool fz_fail_show(const char *fmt)
{
	int i;

	for (i = 0; i < FZ_LOG; i++) {
		const char *cur = NULL;

		if (__atomic_compare_exchange_n(&fz_sh->fail_fmt[i], &cur, fmt,
						false, __ATOMIC_RELAXED,
						__ATOMIC_RELAXED) || cur == fmt)
			return __atomic_fetch_add(&fz_sh->fail_shown[i], 1,
						  __ATOMIC_RELAXED) < FZ_SHOW;
	}
	return false;
}

void fz_fail(const char *fmt, ...)
{
	va_list ap;

	__atomic_fetch_add(&fz_sh->failures, 1, __ATOMIC_RELAXED);
	if (!fz_fail_show(fmt))
		return;
	va_start(ap, fmt);
	fz_vlog("", fmt, ap);
	va_end(ap);
}

void fz_report(void)
{
	uint64_t total = 0, distinct = 0;
	int c, e;

	for (c = 0; c < FZ_NCALLS; c++) {
		uint64_t n = 0, kinds = 0;
		char line[1024];
		int len;

		for (e = 0; e < FZ_NERR; e++)
			n += fz_sh->errs[c][e];
		if (!n)
			continue;
		len = snprintf(line, sizeof(line), "%-32s %8llu calls:",
			       fz_calls[c].name, (unsigned long long)n);
		for (e = 0; e < FZ_NERR && len < (int)sizeof(line); e++) {
			if (!fz_sh->errs[c][e])
				continue;
			kinds += e != 0;
			len += snprintf(line + len, sizeof(line) - len,
					" %s %llu", fz_errname(e),
					(unsigned long long)fz_sh->errs[c][e]);
		}
		tap_diag("%s (%llu distinct errnos)", line,
			 (unsigned long long)kinds);
		total += n;
		distinct += kinds;
	}
	tap_diag("calls executed: %llu; distinct (call, errno) pairs: %llu",
		 (unsigned long long)total, (unsigned long long)distinct);
}

uint64_t fz_report_failures(void)
{
	uint64_t i, n = fz_sh->nlog < FZ_LOG ? fz_sh->nlog : FZ_LOG;

	for (i = 0; i < n; i++)
		tap_ok(false, "%s", fz_sh->log[i]);
	if (fz_sh->failures > n)
		tap_diag("%llu more failures of the same kinds not shown",
			 (unsigned long long)(fz_sh->failures - n));
	return fz_sh->failures;
}
