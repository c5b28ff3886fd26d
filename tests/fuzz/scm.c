// SPDX-License-Identifier: GPL-2.0
/*
 * fds in flight in an AF_UNIX socket (SCM_RIGHTS): received back into the
 * table, or dropped with the sockets, sometimes in a cycle of sockets that
 * carry each other, so that the last reference to a ring goes from socket
 * teardown or the unix garbage collector instead of close().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"

#define FZ_SCM_FDS	3

static int fz_scm_send(int sock, const int *fds, int n)
{
	char cbuf[CMSG_SPACE(FZ_SCM_FDS * sizeof(int))] = { 0 };
	char byte = 0;
	struct iovec iov = { &byte, 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
		.msg_controllen = CMSG_SPACE(n * sizeof(int)),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(c), fds, n * sizeof(int));
	return sendmsg(sock, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* Takes the fds back; they come in the order sent, kinds as @sent. */
static void fz_scm_recv(int sock, const struct fz_fd *sent, int n)
{
	char cbuf[CMSG_SPACE(FZ_SCM_FDS * sizeof(int))];
	char byte;
	struct iovec iov = { &byte, 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	int fds[FZ_SCM_FDS], got, i;

	if (!fz_check(FZ_SCM, recvmsg(sock, &mh, MSG_DONTWAIT |
				      MSG_CMSG_CLOEXEC), "recvmsg"))
		return;
	c = CMSG_FIRSTHDR(&mh);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return;
	got = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
	memcpy(fds, CMSG_DATA(c), got * sizeof(int));
	for (i = 0; i < got; i++) {
		if (i < n && sent[i].fd >= 0)
			fz_fd_adopt(fds[i], &sent[i]);
		else
			close(fds[i]);
	}
}

/*
 * On 6.12 (not 6.1) closing the sockets of a cycle was seen to leave it in
 * flight until a later close of a socket with fds in flight ran the
 * garbage collector; until then the cycle holds its rings, their pins and
 * the module.  A socket sent over itself and closed is such a close.
 */
void fz_scm_collect(void)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return;
	fz_check(FZ_SCM, fz_scm_send(sv[0], &sv[0], 1), "sendmsg for the GC");
	close(sv[0]);
	close(sv[1]);
}

void fz_op_scm(void)
{
	struct fz_fd sent[FZ_SCM_FDS];
	int sv[2], fds[FZ_SCM_FDS], n = 1 + fz_below(FZ_SCM_FDS), i;
	bool cycle = fz_one_in(4);

	if (!fz_check(FZ_OPEN_MISC, socketpair(AF_UNIX, SOCK_STREAM |
					       SOCK_CLOEXEC, 0, sv),
		      "socketpair"))
		return;
	for (i = 0; i < n; i++) {
		struct fz_fd *e;

		fds[i] = fz_fd_any(FZ_F_RING);
		e = fz_fd_find(fds[i]);
		if (e)
			e->fresh = false;	/* another fd may map it now */
		sent[i] = e ? *e : (struct fz_fd){ .fd = -1 };
	}
	fz_check(FZ_SCM, fz_scm_send(sv[0], fds, n), "sendmsg %d fds: %d %d %d",
		 n, fds[0], n > 1 ? fds[1] : -1, n > 2 ? fds[2] : -1);
	if (cycle) {
		/* each socket in flight in the other: only the GC frees them */
		fz_check(FZ_SCM, fz_scm_send(sv[1], &sv[0], 1), "sendmsg self");
		fz_check(FZ_SCM, fz_scm_send(sv[0], &sv[1], 1), "sendmsg peer");
	} else if (fz_one_in(2)) {
		fz_scm_recv(sv[1], sent, n);
	}
	close(sv[0]);
	close(sv[1]);
}
