// SPDX-License-Identifier: GPL-2.0
/*
 * Consuming rings the other ways: read, readv, splice into pipes, tee and
 * draining of those pipes (which releases ring pages), sendfile, poll, and
 * the calls a ring refuses (write, lseek, splice into it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fuzz.h"

static size_t fz_io_len(void)
{
	switch (fz_below(8)) {
	case 0:
		return fz_below(2);
	case 1:
		return fz.pg + fz_below(3) - 1;
	case 2:
		return FZ_SCRATCH;
	case 3:
		return 1ULL << 40;
	default:
		return fz_below(64 << 10);
	}
}

static unsigned int fz_splice_flags(void)
{
	if (fz_one_in(10))
		return (unsigned int)fz_interesting();
	return fz_below(16) | (fz_one_in(4) ? 0 : SPLICE_F_NONBLOCK);
}

void fz_op_read(void)
{
	size_t len = fz_io_len();
	int fd = fz_fd_any(FZ_F_RING);
	void *buf = fz_out_pick(&len);
	ssize_t n;

	fz_guard_on();
	n = read(fd, buf, len);
	fz_guard_off();
	if (fz_check(FZ_READ, n, "fd %d buf %p len %zu", fd, buf, len) &&
	    n > (ssize_t)len)
		fz_fail("read fd %d of %zu bytes returned %zd", fd, len, n);
}

void fz_op_readv(void)
{
	static const int counts[] = { 0, 1, 2, 3, 8, 1024, 1025, -1 };
	static struct iovec iov[1025];
	int fd = fz_fd_any(FZ_F_RING), cnt = FZ_PICK(counts), i;
	struct iovec *v = iov;
	ssize_t n;

	for (i = 0; i < cnt && i < 8; i++) {
		iov[i].iov_len = fz_io_len();
		iov[i].iov_base = fz_out_pick(&iov[i].iov_len);
	}
	for (; i < cnt; i++) {
		iov[i].iov_base = fz_scratch + 16 * i;
		iov[i].iov_len = fz_below(16);
	}
	if (fz_one_in(16))
		v = fz_bad_ptr();
	fz_guard_on();
	n = readv(fd, v, cnt);
	fz_guard_off();
	fz_check(FZ_READV, n, "fd %d iov %p cnt %d [0] %p+%zu", fd, v, cnt,
		 iov[0].iov_base, iov[0].iov_len);
}

void fz_op_splice(void)
{
	int in = fz_fd_any(FZ_F_RING), out = fz_fd_any(FZ_F_PIPE_W);
	loff_t off = fz_below(3), *offp = fz_one_in(10) ? &off : NULL;
	unsigned int flags = fz_splice_flags();
	size_t len = fz_io_len();
	ssize_t n;

	fz_guard_on();
	n = splice(in, offp, out, NULL, len, flags);
	fz_guard_off();
	fz_check(FZ_SPLICE, n, "in %d off %p out %d len %zu flags %#x", in,
		 offp, out, len, flags);
}

/* Into a ring: it has no ->splice_write. */
void fz_op_splice_in(void)
{
	int in = fz_fd_get(FZ_F_PIPE_R), out = fz_fd_get(FZ_F_RING);
	loff_t off = 0, *offp = fz_one_in(4) ? &off : NULL;
	size_t len = fz_io_len();
	ssize_t n;

	fz_guard_on();
	n = splice(in, NULL, out, offp, len, SPLICE_F_NONBLOCK);
	fz_guard_off();
	if (fz_check(FZ_SPLICE_IN, n, "in %d out %d off %p len %zu", in, out,
		     offp, len) && n > 0 && out >= 0)
		fz_fail("splice into ring fd %d moved %zd bytes", out, n);
}

void fz_op_sendfile(void)
{
	static const enum fz_fkind outs[] = {
		FZ_F_NULL, FZ_F_NULL, FZ_F_PIPE_W, FZ_F_FILE, FZ_F_RING,
	};
	enum fz_fkind kind = FZ_PICK(outs);
	int in = fz_fd_any(FZ_F_RING), out = fz_fd_get(kind);
	off_t off = 0, *offp = fz_one_in(8) ? &off : NULL;
	size_t len = fz_io_len();
	ssize_t n;

	/* overwrite rather than grow the file: it lives in RAM */
	if (kind == FZ_F_FILE) {
		lseek(out, 0, SEEK_SET);
		len = len > (256 << 10) ? 256 << 10 : len;
	}
	fz_guard_on();
	n = sendfile(out, in, offp, len);
	fz_guard_off();
	fz_check(FZ_SENDFILE, n, "out %d (kind %d) in %d off %p len %zu", out,
		 kind, in, offp, len);
}

void fz_op_tee(void)
{
	int in = fz_fd_any(FZ_F_PIPE_R), out = fz_fd_any(FZ_F_PIPE_W);
	unsigned int flags = fz_splice_flags();
	size_t len = fz_io_len();
	ssize_t n;

	fz_guard_on();
	n = tee(in, out, len, flags);
	fz_guard_off();
	fz_check(FZ_TEE, n, "in %d out %d len %zu flags %#x", in, out, len,
		 flags);
}

/* Pipe buffers released: the ring pages they held complete. */
void fz_op_pipe_drain(void)
{
	int in = fz_fd_get(FZ_F_PIPE_R), out = fz_fd_get(FZ_F_NULL);
	size_t len = fz_io_len();
	ssize_t n;

	if (len > FZ_SCRATCH)
		len = FZ_SCRATCH;
	fz_guard_on();
	if (fz_one_in(2))
		n = read(in, fz_scratch, len);
	else
		n = splice(in, NULL, out, NULL, len, SPLICE_F_NONBLOCK);
	fz_guard_off();
	fz_check(FZ_PIPE_DRAIN, n, "in %d out %d len %zu", in, out, len);
}

/* What a ring (or a zeropool object) refuses: write, lseek. */
void fz_op_write_seek(void)
{
	int fd = fz_one_in(10) ? fz_fd_bad() :
		 fz_fd_get(fz_one_in(3) ? FZ_F_ZP : FZ_F_RING);
	off_t off = (off_t)fz_interesting();
	int whence = fz_below(5);
	size_t len = fz_io_len();

	if (len > FZ_SCRATCH)
		len = FZ_SCRATCH;
	if (fz_one_in(2))
		fz_check(FZ_WRITE, write(fd, fz_scratch, len),
			 "fd %d len %zu", fd, len);
	else
		fz_check(FZ_LSEEK, lseek(fd, off, whence),
			 "fd %d off %lld whence %d", fd, (long long)off,
			 whence);
}

void fz_op_poll(void)
{
	static struct pollfd pfd[8];
	nfds_t i, n = 1 + fz_below(8);
	struct pollfd *arg = pfd;
	int ret, timeout = fz_one_in(8) ? fz_below(5) : 0;

	for (i = 0; i < n; i++) {
		pfd[i].fd = fz_fd_any(fz_one_in(2) ? FZ_F_RING :
				     fz_below(FZ_F_NKINDS));
		pfd[i].events = fz_one_in(4) ? (short)fz_rand() :
				POLLIN | POLLOUT | POLLPRI;
		pfd[i].revents = 0;
	}
	if (fz_one_in(16)) {
		arg = fz_bad_ptr();
	} else if (fz_one_in(16)) {
		struct rlimit rl;

		/* EINVAL, checked before the kernel reads or writes any */
		if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < (1U << 30))
			n = rl.rlim_cur + 1;
	}
	fz_guard_on();
	ret = poll(arg, n, timeout);
	fz_guard_off();
	fz_check(FZ_POLL, ret, "%p nfds %lu timeout %d", arg,
		 (unsigned long)n, timeout);
}
