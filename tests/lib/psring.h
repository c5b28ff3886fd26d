/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Thin wrappers around /dev/pagesplice for tests and benchmarks (header
 * only, as every tests/lib .c file is linked into every program).
 */
#ifndef _PSRING_H
#define _PSRING_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <uapi/pagesplice.h>

static inline int psr_open(int flags)
{
	return open(PAGESPLICE_DEVICE, O_RDWR | O_CLOEXEC | flags);
}

/* A vector of buffers: how many were queued, or -errno. */
static inline int psr_submitv(int fd, struct pagesplice_buf *b,
			      unsigned int nr, uint32_t flags)
{
	struct pagesplice_submit s = {
		.bufs = (uintptr_t)b, .nr = nr, .flags = flags,
	};
	int ret = ioctl(fd, PAGESPLICE_IOC_SUBMIT, &s);

	return ret < 0 ? -errno : ret;
}

/* 0 or -errno; *seq gets the buffer's sequence number. */
static inline int psr_submit(int fd, const void *addr, size_t len,
			     uint64_t tag, uint32_t flags, uint64_t *seq)
{
	struct pagesplice_buf b = {
		.addr = (uintptr_t)addr, .len = len, .user_tag = tag,
	};
	int ret = psr_submitv(fd, &b, 1, flags);

	if (ret < 0)
		return ret;
	if (seq)
		*seq = b.seq;
	return 0;
}

/* Private anonymous read-write memory, or NULL. */
static inline void *psr_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Number of records, or -errno. */
static inline int psr_reap(int fd, struct pagesplice_completion *c,
			   unsigned int nr, uint32_t flags)
{
	struct pagesplice_reap r = {
		.comps = (uintptr_t)c, .nr = nr, .flags = flags,
	};
	int ret = ioctl(fd, PAGESPLICE_IOC_REAP, &r);

	return ret < 0 ? -errno : ret;
}

static inline int psr_info(int fd, struct pagesplice_info *info)
{
	return ioctl(fd, PAGESPLICE_IOC_GET_INFO, info) < 0 ? -errno : 0;
}

/* Bytes moved, or -errno. */
static inline long psr_forward(int src, int dst, uint64_t max, uint32_t flags)
{
	struct pagesplice_forward f = {
		.dst_fd = dst, .flags = flags, .max_bytes = max,
	};
	long ret = ioctl(src, PAGESPLICE_IOC_FORWARD, &f);

	return ret < 0 ? -errno : ret;
}

/* @efd: an eventfd, or -1 to stop notifying.  0 or -errno. */
static inline int psr_set_eventfd(int fd, int32_t efd)
{
	return ioctl(fd, PAGESPLICE_IOC_SET_EVENTFD, &efd) < 0 ? -errno : 0;
}

/* Reads exactly @len bytes unless EOF or an error comes first. */
static inline ssize_t psr_read_full(int fd, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, (char *)buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return done ? (ssize_t)done : -errno;
		if (n == 0)
			break;
		done += n;
	}
	return done;
}

#endif /* _PSRING_H */
