// SPDX-License-Identifier: GPL-2.0
/*
 * pagesplice SET_EVENTFD: one eventfd count per completion posted (by
 * reference, copied, merged into a range or not), none once cleared or
 * replaced, the documented errnos for bad arguments, and no reference to
 * the eventfd kept once the ring is closed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../lib/psring.h"
#include "../lib/zptest.h"

static long pg;

/* The eventfd's count, read (and so reset); 0 when nothing is pending. */
static uint64_t drain(int efd)
{
	uint64_t n = 0;

	if (read(efd, &n, sizeof(n)) != sizeof(n))
		return 0;
	return n;
}

/* Reads @len queued bytes: releases what they came from. */
static bool consume(int fd, size_t len)
{
	static char out[1 << 20];

	return psr_read_full(fd, out, len) == (ssize_t)len;
}

/* Submits @len bytes of @buf and reads them back: one completion. */
static bool one_buffer(int fd, char *buf, size_t len, uint32_t flags)
{
	return !psr_submit(fd, buf, len, 1, flags, NULL) && consume(fd, len);
}

static void test_counts(int fd, int efd, char *buf)
{
	struct pagesplice_completion c[4];
	struct pollfd pfd = { .fd = efd, .events = POLLIN };
	int i;

	tap_ok(!psr_set_eventfd(fd, efd), "eventfd: SET_EVENTFD accepted");
	tap_ok(poll(&pfd, 1, 0) == 0, "eventfd: nothing signalled before a completion");
	tap_ok(!psr_submit(fd, buf, 64 * pg, 1, PAGESPLICE_SUBMIT_NOCOPY, NULL),
	       "eventfd: a pinned buffer submitted");
	tap_ok(drain(efd) == 0, "eventfd: not signalled while the buffer is queued");
	consume(fd, 64 * pg);
	tap_ok(poll(&pfd, 1, 1000) == 1 && drain(efd) == 1,
	       "eventfd: one count when the buffer is released");

	for (i = 0; i < 3; i++)
		one_buffer(fd, buf + i * 8 * pg, 8 * pg, PAGESPLICE_SUBMIT_NOCOPY);
	tap_ok(drain(efd) == 3, "eventfd: three counts for three buffers merged into one range");
	tap_ok(psr_reap(fd, c, 4, 0) == 1 && c[0].seq_last - c[0].seq_first == 3,
	       "eventfd: REAP still returns the four buffers, as one range");

	tap_ok(one_buffer(fd, buf, 100, 0) && drain(efd) == 1,
	       "eventfd: a copied buffer counts at SUBMIT");
	psr_reap(fd, c, 4, 0);
}

static void test_replace_clear(int fd, int efd, char *buf)
{
	int efd2 = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	tap_ok(!psr_set_eventfd(fd, efd2), "eventfd: a second eventfd replaces the first");
	one_buffer(fd, buf, 16 * pg, PAGESPLICE_SUBMIT_NOCOPY);
	tap_ok(drain(efd) == 0 && drain(efd2) == 1,
	       "eventfd: only the new eventfd is signalled");
	tap_ok(!psr_set_eventfd(fd, -1), "eventfd: -1 stops notification");
	one_buffer(fd, buf, 16 * pg, PAGESPLICE_SUBMIT_NOCOPY);
	tap_ok(drain(efd) == 0 && drain(efd2) == 0,
	       "eventfd: nothing signalled after -1");
	close(efd2);
}

static void test_bad_args(int fd)
{
	int p[2];

	if (pipe(p))
		tap_bail("pipe: %s", strerror(errno));
	tap_ok(psr_set_eventfd(fd, -2) == -EINVAL, "eventfd: fd -2 gives EINVAL");
	tap_ok(psr_set_eventfd(fd, 100000) == -EBADF, "eventfd: a closed fd gives EBADF");
	tap_ok(psr_set_eventfd(fd, p[0]) == -EINVAL,
	       "eventfd: a pipe, not an eventfd, gives EINVAL");
	tap_ok(ioctl(fd, PAGESPLICE_IOC_SET_EVENTFD, (void *)8) < 0 && errno == EFAULT,
	       "eventfd: a bad argument pointer gives EFAULT");
	close(p[0]);
	close(p[1]);
}

/*
 * A ring closed with buffers queued completes them with an error, but its
 * completions are dropped and its eventfd let go: nothing is signalled.
 */
static void test_close(char *buf)
{
	int fd = psr_open(0), efd = eventfd(0, EFD_NONBLOCK);

	psr_set_eventfd(fd, efd);
	psr_submit(fd, buf, 16 * pg, 1, PAGESPLICE_SUBMIT_NOCOPY, NULL);
	close(fd);
	tap_ok(drain(efd) == 0, "eventfd: closing the ring signals nothing");
	tap_ok(zp_wait_eq("pagesplice/rings", 0, 2000),
	       "eventfd: the ring is freed with an eventfd set");
	close(efd);
}

int main(void)
{
	char *buf;
	int fd, efd;

	tap_init("t_pagesplice_eventfd");
	pg = sysconf(_SC_PAGESIZE);
	zp_load_on_zeropool("pagesplice", "pagesplice");
	buf = mmap(NULL, 64 * pg, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	fd = psr_open(0);
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (buf == MAP_FAILED || fd < 0 || efd < 0)
		tap_bail("setup: %s", strerror(errno));
	memset(buf, 0x5a, 64 * pg);

	test_counts(fd, efd, buf);
	test_replace_clear(fd, efd, buf);
	test_bad_args(fd);
	close(fd);
	close(efd);
	test_close(buf);

	tap_ok(zp_get("pagesplice/pages_pinned") == 0,
	       "eventfd: no page left pinned");
	zp_mod_unload("pagesplice");
	zp_mod_unload("zeropool");
	return tap_done();
}
