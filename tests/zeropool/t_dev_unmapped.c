// SPDX-License-Identifier: GPL-2.0
/*
 * What an open /dev/zeropool file keeps that no mapping covers is bounded
 * per user (pool/user_unmapped_max_pages) and counted in users/<uid>/:
 * the hostile pattern (map, touch, unmap, move the offset, on one fd; the
 * fd parked in a child, or sent over SCM_RIGHTS to another uid) stays
 * within the limit, mremap (move, shrink, grow) counts right, the
 * counters say exactly what is held, limit 0 frees
 * the pages on their last unmap, and everything is uncharged on close.
 * The user is uid 65534 (real and effective, root kept as the saved uid to
 * write tunables between steps).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <uapi/zeropool.h>

#include "../lib/zpdev.h"
#include "../lib/zptest.h"

#define NOBODY	65534
#define N	128	/* pages a round maps */
#define LIMIT_STR "256"	/* user_unmapped_max_pages of most steps: 2 N */

static long page_size;

static uint64_t unmapped(void)
{
	return zp_user_counter(NOBODY, "dev_unmapped_pages");
}

static uint64_t held(void)
{
	return zp_user_counter(NOBODY, "dev_pages");
}

/* Pages that went back to the pool or the allocator since boot. */
static uint64_t returned(void)
{
	return zp_get("pool/given_back") + zp_get("pool/freed_full");
}

/* Maps @pages at page offset @first, fills them with @byte, unmaps. */
static void touch_round(int fd, size_t pages, size_t first, int byte)
{
	unsigned char *p = zp_dev_map(fd, pages, first);

	memset(p, byte, pages * page_size);
	munmap(p, pages * page_size);
}

static uint64_t object_pages(int fd)
{
	struct zeropool_info info;

	if (ioctl(fd, ZEROPOOL_IOC_GET_INFO, &info))
		tap_bail("GET_INFO: %s", strerror(errno));
	return info.object_pages;
}

static bool all_bytes(const unsigned char *p, size_t len, int byte)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != byte)
			return false;
	return true;
}

/* A child that does nothing until told to exit (a byte on @ctl). */
static pid_t park(int *ctl)
{
	int pfd[2];
	char c;
	pid_t pid;

	if (pipe(pfd))
		tap_bail("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		tap_bail("fork: %s", strerror(errno));
	if (!pid) {
		close(pfd[1]);
		_exit(read(pfd[0], &c, 1) < 0);
	}
	close(pfd[0]);
	*ctl = pfd[1];
	return pid;
}

static void unpark(pid_t pid, int ctl)
{
	if (write(ctl, "x", 1) != 1)
		tap_bail("write: %s", strerror(errno));
	close(ctl);
	waitpid(pid, NULL, 0);
}

static void check_default(void)
{
	uint64_t ram = zp_meminfo_kb("MemTotal") / (page_size / 1024);

	tap_ok(zp_get("pool/user_unmapped_max_pages") == ram / 64,
	       "user_unmapped_max_pages defaults to RAM/64 (%llu pages)",
	       (unsigned long long)(ram / 64));
}

/*
 * One fd, N new pages a round at a new offset: 128, 256, then the third
 * unmap would pass 256, so the object's unmapped pages all go, and so on.
 */
static void hostile_one_fd(void)
{
	static const uint64_t want[] = { N, 2 * N, 0, N, 2 * N, 0, N, 2 * N };
	uint64_t ret0;
	unsigned int r;
	int fd = zp_dev_open();

	for (r = 0; r < 8; r++) {
		ret0 = returned();
		touch_round(fd, N, (size_t)r * N, r + 1);
		tap_ok(unmapped() == want[r] && held() == want[r] &&
		       object_pages(fd) == want[r],
		       "round %u: users/%d holds %llu pages, all unmapped (want %llu)",
		       r, NOBODY, (unsigned long long)held(),
		       (unsigned long long)want[r]);
		if (r == 2)
			tap_ok(returned() - ret0 == 3 * N,
			       "round 2: the %d unmapped pages of the object went back",
			       3 * N);
	}

	/* offsets 7N..8N-1 hold 8s: mapping them again gets them back */
	{
		unsigned char *p = zp_dev_map(fd, N, 7 * N);

		tap_ok(unmapped() == N && held() == 2 * N,
		       "mapping kept pages again covers them (%llu unmapped)",
		       (unsigned long long)unmapped());
		tap_ok(all_bytes(p, N * page_size, 8),
		       "under the limit the unmapped content is kept");
		munmap(p, N * page_size);
	}
	tap_ok(unmapped() == 2 * N, "unmapped again (%llu)",
	       (unsigned long long)unmapped());
	close(fd);
	tap_ok(unmapped() == 0 && held() == 0,
	       "close uncharges everything (%llu held)",
	       (unsigned long long)held());
}

/* A forked mapping covers the pages the parent unmapped. */
static void fork_covers(void)
{
	int fd = zp_dev_open(), ctl;
	unsigned char *p;
	pid_t pid;

	touch_round(fd, N, 0, 1);
	touch_round(fd, N, N, 2);
	p = zp_dev_map(fd, N, 4 * N);
	memset(p, 3, N * page_size);
	pid = park(&ctl);
	munmap(p, N * page_size);
	tap_ok(unmapped() == 2 * N && held() == 3 * N,
	       "the child's inherited mapping still covers the pages (%llu unmapped)",
	       (unsigned long long)unmapped());
	unpark(pid, ctl);
	tap_ok(unmapped() == 0 && held() == 0 && object_pages(fd) == 0,
	       "its exit passes the limit: every unmapped page of the object goes (%llu held)",
	       (unsigned long long)held());
	p = zp_dev_map(fd, N, 0);
	tap_ok(zp_bytes_zero(p, N * page_size), "discarded offsets read as zero");
	munmap(p, N * page_size);
	close(fd);
}

/* The fd parked in a child: the charge stays, bounded, until it exits. */
static void parked_fd(void)
{
	int fd = zp_dev_open(), ctl;
	unsigned int r;
	pid_t pid;

	for (r = 0; r < 5; r++)
		touch_round(fd, N, (size_t)r * N, 1);
	pid = park(&ctl);
	close(fd);
	tap_ok(unmapped() == 2 * N && held() == 2 * N,
	       "fd parked in a child: %llu pages held, within the limit",
	       (unsigned long long)held());
	unpark(pid, ctl);
	tap_ok(unmapped() == 0 && held() == 0,
	       "the child's exit frees them (%llu held)",
	       (unsigned long long)held());
}

static void send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = "f", .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(sock, &msg, 0) != 1)
		tap_bail("sendmsg: %s", strerror(errno));
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))], b;
	struct iovec iov = { .iov_base = &b, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/*
 * The fd sent to a root process, which maps and unmaps through it: the
 * pages stay charged to the opener, within the opener's limit.
 */
static void scm_rights(void)
{
	uint64_t root0 = zp_user_counter(0, "dev_pages");
	int sv[2], fd;
	unsigned int r;
	char c;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		tap_bail("socketpair: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		tap_bail("fork: %s", strerror(errno));
	if (!pid) {
		close(sv[0]);
		fd = recv_fd(sv[1]);
		if (fd < 0 || setresuid(0, 0, 0))
			_exit(1);
		for (r = 0; r < 4; r++)
			touch_round(fd, N, (size_t)r * N, 1);
		/* done; wait for the parent to look, then exit with the fd */
		if (write(sv[1], "d", 1) != 1 || read(sv[1], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	close(sv[1]);
	fd = zp_dev_open();
	send_fd(sv[0], fd);
	close(fd);
	if (read(sv[0], &c, 1) != 1)
		tap_bail("the SCM_RIGHTS child failed");
	tap_ok(unmapped() == N && held() == N,
	       "pages a root receiver touched are the opener's, bounded (%llu)",
	       (unsigned long long)held());
	tap_ok(zp_user_counter(0, "dev_pages") == root0,
	       "the receiver's uid is not charged");
	if (write(sv[0], "x", 1) != 1)
		tap_bail("write: %s", strerror(errno));
	waitpid(pid, NULL, 0);
	close(sv[0]);
	tap_ok(unmapped() == 0 && held() == 0,
	       "the receiver's exit frees them (%llu held)",
	       (unsigned long long)held());
}

/*
 * mremap: a moved mapping still covers its pages, a shrunk one leaves its
 * tail unmapped, and growing it back covers the tail again (counted from
 * its first touch).
 */
static void mremap_moves(void)
{
	size_t len = (size_t)N * page_size;
	unsigned char *p, *q, *dst;
	int fd = zp_dev_open();
	uint64_t n;
	bool same;

	dst = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	p = zp_dev_map(fd, N, 0);
	memset(p, 5, len);
	q = mremap(p, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	tap_ok(q == dst && unmapped() == 0 && held() == N &&
	       all_bytes(q, len, 5),
	       "mremap moves the mapping: its %d pages stay covered (%llu unmapped)",
	       N, (unsigned long long)unmapped());
	p = mremap(q, len, len / 2, 0);
	n = unmapped();
	tap_ok(p == q && n == N / 2,
	       "mremap shrinks it: the tail's %d pages are unmapped (%llu)",
	       N / 2, (unsigned long long)n);
	/* to a new place: 6.12 grows no VM_MIXEDMAP mapping in place */
	dst = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	q = mremap(q, len / 2, len, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	if (q == MAP_FAILED)
		tap_bail("mremap grow: %s", strerror(errno));
	same = all_bytes(q, len, 5);
	n = unmapped();
	tap_ok(same && n == 0 && held() == N,
	       "grown back, the tail is covered with its content (%llu unmapped)",
	       (unsigned long long)n);
	munmap(q, len);
	close(fd);
	tap_ok(held() == 0, "close frees them (%llu)",
	       (unsigned long long)held());
}

/* Limit 0: MAP_SHARED|MAP_ANONYMOUS, pages go on their last unmap. */
static void limit_zero(void)
{
	unsigned char *p, *q;
	uint64_t ret0;
	int fd;

	zp_set_as_root("pool/user_unmapped_max_pages", "0", NOBODY);
	fd = zp_dev_open();
	ret0 = returned();
	touch_round(fd, N, 0, 7);
	tap_ok(held() == 0 && unmapped() == 0 && object_pages(fd) == 0,
	       "limit 0: unmap with the fd open frees the pages (%llu held)",
	       (unsigned long long)held());
	tap_ok(returned() - ret0 == N, "limit 0: the %d pages went back", N);
	p = zp_dev_map(fd, N, 0);
	tap_ok(zp_bytes_zero(p, N * page_size),
	       "limit 0: mapping the offsets again reads zero");

	q = zp_dev_map(fd, N, 0);
	memset(q, 9, N * page_size);
	munmap(q, N * page_size);
	tap_ok(held() == N && all_bytes(p, N * page_size, 9),
	       "limit 0: pages another mapping covers stay (%llu held)",
	       (unsigned long long)held());
	munmap(p, N * page_size);
	tap_ok(held() == 0, "limit 0: their last unmap frees them (%llu)",
	       (unsigned long long)held());

	p = zp_dev_map(fd, 2 * N, 0);
	memset(p, 1, 2 * N * page_size);
	munmap(p + N / 2 * page_size, N * page_size);
	tap_ok(held() == N && object_pages(fd) == N,
	       "limit 0: unmapping the middle of a mapping frees just it (%llu)",
	       (unsigned long long)held());
	munmap(p, N / 2 * page_size);
	munmap(p + 3 * N / 2 * page_size, N / 2 * page_size);
	tap_ok(held() == 0, "limit 0: and its two ends on their unmap");
	close(fd);
}

int main(int argc, char **argv)
{
	tap_init(argv[0]);
	page_size = sysconf(_SC_PAGESIZE);
	zp_load_zeropool("max_pages=16384 high_watermark=2048 low_watermark=512 read_fault=alloc");
	check_default();
	zp_set("pool/user_unmapped_max_pages", LIMIT_STR);
	/* whoever installed the device, this test's user may open it */
	if (chmod(ZEROPOOL_DEVICE, 0666))
		tap_bail("chmod %s: %s", ZEROPOOL_DEVICE, strerror(errno));
	if (setresuid(NOBODY, NOBODY, 0))
		tap_bail("setresuid: %s", strerror(errno));

	hostile_one_fd();
	fork_covers();
	parked_fd();
	scm_rights();
	mremap_moves();
	limit_zero();

	if (setresuid(0, 0, 0))
		tap_bail("setresuid(0): %s", strerror(errno));
	tap_ok(zp_wait_eq("pool/dirty_pages", 0, 20000 * zp_slowdown()),
	       "the pages given back are zeroed again");
	zp_unload_quiet("zeropool");
	return tap_done();
}
