// SPDX-License-Identifier: GPL-2.0
/*
 * The fds the fuzzer plays with: rings, zeropool objects, pipes, eventfds
 * and a few files that are none of these, opened, duplicated and closed at
 * random.  Only fds in the table are ever closed, so the program's own
 * (stdout, the stats tree) survive; bad fds are numbers checked not open.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <uapi/pagesplice.h>
#include <uapi/zeropool.h>

#include "fuzz.h"

#define FZ_FDS		40

static struct fz_fd fz_fds[FZ_FDS];
static int fz_nfds;
static unsigned int fz_objs;	/* zeropool objects opened */

static void fz_fd_drop(int i)
{
	fz_check(FZ_CLOSE, close(fz_fds[i].fd), "fd %d kind %d", fz_fds[i].fd,
		 fz_fds[i].kind);
	fz_fds[i] = fz_fds[--fz_nfds];
}

static struct fz_fd *fz_fd_add(int fd, enum fz_fkind kind)
{
	struct fz_fd *e;

	if (fz_nfds == FZ_FDS)
		fz_fd_drop(fz_below(FZ_FDS));
	e = &fz_fds[fz_nfds++];
	e->fd = fd;
	e->kind = kind;
	e->fresh = kind == FZ_F_ZP;
	e->shut = false;
	e->obj = kind == FZ_F_ZP ? ++fz_objs : 0;
	return e;
}

/* @to now refers to what @from does. */
static void fz_fd_same(struct fz_fd *to, const struct fz_fd *from)
{
	to->kind = from->kind;
	to->fresh = false;
	to->shut = from->shut;
	to->obj = from->obj;
}

void fz_fd_adopt(int fd, const struct fz_fd *like)
{
	/* adding may drop an entry and move @like */
	struct fz_fd copy = *like;

	fz_fd_same(fz_fd_add(fd, copy.kind), &copy);
}

static int fz_open_mode(void)
{
	static const int modes[] = { O_RDWR, O_RDWR, O_RDWR, O_RDONLY,
				     O_WRONLY };

	return FZ_PICK(modes) | O_CLOEXEC | (fz_one_in(3) ? O_NONBLOCK : 0);
}

static void fz_open_kind(enum fz_fkind kind)
{
	char path[] = "/tmp/t_fuzz.XXXXXX";
	int fd, p[2], mode = fz_open_mode();

	switch (kind) {
	case FZ_F_RING:
		fd = open(PAGESPLICE_DEVICE, mode);
		fz_check(FZ_OPEN_PS, fd, "mode %#x", mode);
		break;
	case FZ_F_ZP:
		fd = open(ZEROPOOL_DEVICE, mode);
		fz_check(FZ_OPEN_ZP, fd, "mode %#x", mode);
		break;
	case FZ_F_PIPE_R:
	case FZ_F_PIPE_W:
		mode &= O_NONBLOCK | O_CLOEXEC;
		if (!fz_check(FZ_OPEN_MISC, pipe2(p, mode), "pipe2 %#x", mode))
			return;
		fz_fd_add(p[0], FZ_F_PIPE_R);
		fd = p[1];
		kind = FZ_F_PIPE_W;
		break;
	case FZ_F_EVENTFD:
		fd = eventfd(fz_below(3), EFD_CLOEXEC |
			     (fz_one_in(2) ? EFD_NONBLOCK : 0));
		fz_check(FZ_OPEN_MISC, fd, "eventfd");
		break;
	case FZ_F_NULL:
		fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		fz_check(FZ_OPEN_MISC, fd, "/dev/null");
		break;
	case FZ_F_FILE:
		fd = mkostemp(path, O_CLOEXEC);
		fz_check(FZ_OPEN_MISC, fd, "mkostemp");
		if (fd >= 0)
			unlink(path);
		break;
	default:
		/* O_PATH: an fd no ioctl, read or mmap may use (EBADF) */
		fd = open(PAGESPLICE_DEVICE, O_PATH | O_CLOEXEC);
		fz_check(FZ_OPEN_MISC, fd, "O_PATH");
	}
	if (fd >= 0)
		fz_fd_add(fd, kind);
}

void fz_fds_init(void)
{
	fz_open_kind(FZ_F_RING);
	fz_open_kind(FZ_F_RING);
	fz_open_kind(FZ_F_ZP);
	fz_open_kind(FZ_F_PIPE_R);
	fz_open_kind(FZ_F_EVENTFD);
	fz_open_kind(FZ_F_NULL);
}

static int fz_find_kind(enum fz_fkind kind, bool live)
{
	int i, start = fz_below(FZ_FDS);

	for (i = 0; i < fz_nfds; i++) {
		int j = (start + i) % fz_nfds;

		if (fz_fds[j].kind == kind && !(live && fz_fds[j].shut))
			return j;
	}
	return -1;
}

int fz_fd_get(enum fz_fkind kind)
{
	/* rings that were shut down refuse most things: mostly others */
	int i = fz_one_in(4) ? -1 : fz_find_kind(kind, true);

	if (i < 0)
		i = fz_find_kind(kind, false);
	if (i < 0) {
		fz_open_kind(kind);
		i = fz_find_kind(kind, false);
	}
	return i < 0 ? -1 : fz_fds[i].fd;
}

int fz_fd_bad(void)
{
	static const int bad[] = { -1, -100, INT_MIN, INT_MAX, 1 << 20 };
	int fd;

	if (fz_one_in(2))
		return FZ_PICK(bad);
	/* a number past the table that nothing has open */
	fd = 900 + fz_below(100);
	return fcntl(fd, F_GETFD) < 0 ? fd : -1;
}

int fz_fd_any(enum fz_fkind kind)
{
	switch (fz_below(10)) {
	case 0:
		return fz_fd_bad();
	case 1:
		return fz_nfds ? fz_fds[fz_below(fz_nfds)].fd : -1;
	default:
		return fz_fd_get(kind);
	}
}

struct fz_fd *fz_fd_find(int fd)
{
	int i;

	for (i = 0; i < fz_nfds; i++)
		if (fz_fds[i].fd == fd)
			return &fz_fds[i];
	return NULL;
}

void fz_fds_relief(void)
{
	int i;

	for (i = fz_nfds - 1; i >= 0; i--)
		if (fz_fds[i].kind == FZ_F_RING || fz_fds[i].kind == FZ_F_PIPE_R ||
		    fz_fds[i].kind == FZ_F_PIPE_W)
			fz_fd_drop(i);
}

void fz_fds_close_all(void)
{
	while (fz_nfds)
		fz_fd_drop(fz_nfds - 1);
}

void fz_op_open(void)
{
	static const enum fz_fkind kinds[] = {
		FZ_F_RING, FZ_F_RING, FZ_F_RING, FZ_F_ZP, FZ_F_ZP, FZ_F_PIPE_R,
		FZ_F_PIPE_R, FZ_F_EVENTFD, FZ_F_NULL, FZ_F_FILE, FZ_F_PATH,
	};

	fz_open_kind(FZ_PICK(kinds));
}

void fz_op_close(void)
{
	if (fz_nfds)
		fz_fd_drop(fz_below(fz_nfds));
}

/* dup, dup2 over another fd of the table, dup3, and their bad cases. */
void fz_op_dup(void)
{
	struct fz_fd *e, *to;
	int fd, flags = fz_one_in(2) ? O_CLOEXEC : 0;

	if (!fz_nfds)
		return;
	e = &fz_fds[fz_below(fz_nfds)];
	to = &fz_fds[fz_below(fz_nfds)];
	e->fresh = false;
	switch (fz_below(4)) {
	case 0:
		fd = dup(e->fd);
		if (fz_check(FZ_DUP, fd, "dup(%d)", e->fd))
			fz_fd_adopt(fd, e);
		return;
	case 1:
		if (e == to)
			flags = 0;	/* dup3 onto itself: EINVAL */
		fd = dup3(e->fd, to->fd, flags);
		if (fz_check(FZ_DUP, fd, "dup3(%d, %d, %#x)", e->fd, to->fd,
			     flags))
			fz_fd_same(to, e);
		return;
	case 2:
		fd = dup2(e->fd, to->fd);
		if (fz_check(FZ_DUP, fd, "dup2(%d, %d)", e->fd, to->fd))
			fz_fd_same(to, e);
		return;
	default:
		fd = fz_fd_bad();
		fz_check(FZ_DUP, dup(fd), "dup(bad %d)", fd);
	}
}
