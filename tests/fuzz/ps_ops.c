// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctls of /dev/pagesplice with random and boundary arguments, on
 * rings and on fds that are not rings.  Successful calls are checked for
 * what the ABI promises of their results (counts in range, sequence
 * numbers increasing, sane completion records).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <uapi/pagesplice.h>

#include "../lib/zptest.h"
#include "fuzz.h"

static struct pagesplice_buf fz_bufs[PAGESPLICE_MAX_VEC + 1];
static struct pagesplice_completion fz_comps[PAGESPLICE_MAX_VEC + 1];

void fz_op_ps_info(void)
{
	struct pagesplice_info info;
	int fd = fz_fd_any(FZ_F_RING), ret;
	void *arg = fz_arg(&info, sizeof(info));

	ret = fz_ioctl(fd, PAGESPLICE_IOC_GET_INFO, arg);
	if (!fz_check(FZ_PS_INFO, ret, "fd %d arg %p", fd, arg) || ret ||
	    arg != &info)
		return;
	if (info.abi_version != PAGESPLICE_ABI_VERSION ||
	    info.page_size != fz.pg || info.max_vec != PAGESPLICE_MAX_VEC ||
	    (info.flags & ~PAGESPLICE_INFO_SHUTDOWN) ||
	    info.max_bufs < 1 || info.max_bytes < (uint64_t)fz.pg)
		fz_fail("GET_INFO on fd %d: abi %u page %u max_vec %u flags %#x max_bufs %u max_bytes %llu",
			fd, info.abi_version, info.page_size, info.max_vec,
			info.flags, info.max_bufs,
			(unsigned long long)info.max_bytes);
	fz.max_bytes = info.max_bytes;
	fz.copy_threshold = info.copy_threshold;
}

static unsigned int fz_nr(void)
{
	switch (fz_below(12)) {
	case 0:
		return 0;
	case 1:
		return PAGESPLICE_MAX_VEC + fz_below(2);
	case 2:
		return (unsigned int)fz_interesting();
	case 3:
		return 1 + fz_below(64);
	default:
		return 1 + fz_below(4);
	}
}

static uint32_t fz_submit_flags(void)
{
	switch (fz_below(10)) {
	case 0:
		return (uint32_t)fz_interesting();
	case 1:
	case 2:
		return fz_below(4);
	default:
		/* mostly without waiting: a full ring would cost a guard */
		return PAGESPLICE_SUBMIT_NONBLOCK |
		       (fz_one_in(2) ? PAGESPLICE_SUBMIT_NOCOPY : 0);
	}
}

/* SUBMIT of fz_bufs[0..nr) as the kernel finds it at @vec. */
static void fz_submit(int fd, unsigned int nr, uint32_t flags, void *vec)
{
	struct pagesplice_submit s = {
		.bufs = (uintptr_t)vec, .nr = nr, .flags = flags,
	};
	void *arg = fz_arg(&s, sizeof(s));
	unsigned int i;
	int ret;

	ret = fz_ioctl(fd, PAGESPLICE_IOC_SUBMIT, arg);
	if (!fz_check(FZ_PS_SUBMIT, ret,
		      "fd %d arg %p nr %u flags %#x bufs %p [0] %#llx+%llu",
		      fd, arg, nr, flags, vec,
		      (unsigned long long)fz_bufs[0].addr,
		      (unsigned long long)fz_bufs[0].len) || ret <= 0)
		return;
	if ((unsigned int)ret > nr || nr > PAGESPLICE_MAX_VEC) {
		fz_fail("SUBMIT fd %d nr %u returned %d", fd, nr, ret);
		return;
	}
	for (i = 0; i < (unsigned int)ret; i++) {
		fz.queued += fz_bufs[i].len;
		if (vec == fz_bufs && i && fz_bufs[i].seq <= fz_bufs[i - 1].seq)
			fz_fail("SUBMIT fd %d: seq %llu after %llu", fd,
				(unsigned long long)fz_bufs[i].seq,
				(unsigned long long)fz_bufs[i - 1].seq);
	}
}

void fz_op_submit(void)
{
	unsigned int nr = fz_nr(), fill = nr, i;
	int fd = fz_fd_any(FZ_F_RING);
	size_t size;
	void *vec;

	if (fill > PAGESPLICE_MAX_VEC + 1)
		fill = PAGESPLICE_MAX_VEC + 1;
	for (i = 0; i < fill; i++) {
		fz_buf_pick(&fz_bufs[i].addr, &fz_bufs[i].len);
		fz_bufs[i].user_tag = fz_below(4);
		fz_bufs[i].seq = fz_rand();
	}
	size = (size_t)fill * sizeof(fz_bufs[0]);
	switch (fz_below(20)) {
	case 0:
		vec = fz_bad_ptr();
		break;
	case 1:
		/* readable, but the kernel can't write the seqs back */
		vec = fz_ro_copy(fz_bufs, size);
		break;
	case 2:
		vec = fz_edge_put(fz_bufs, size);
		break;
	default:
		vec = fz_bufs;
	}
	fz_submit(fd, nr, fz_submit_flags(), vec);
}

/* One buffer in the racer's region, which it is about to pull away. */
void fz_op_submit_racing(void)
{
	int fd = fz_fd_get(FZ_F_RING);
	size_t len;
	uint64_t base = fz_racer_kick(&len), off = fz_below(len);

	if (!base)
		return;
	fz_bufs[0].addr = base + off;
	fz_bufs[0].len = fz_one_in(4) ? len - off + fz.pg : 1 + fz_below(len - off);
	fz_bufs[0].user_tag = 9;
	fz_submit(fd, 1, PAGESPLICE_SUBMIT_NONBLOCK |
		  (fz_one_in(4) ? 0 : PAGESPLICE_SUBMIT_NOCOPY), fz_bufs);
}

static bool fz_comp_sane(const struct pagesplice_completion *c)
{
	return c->seq_first <= c->seq_last && !c->reserved &&
	       !(c->flags & ~(PAGESPLICE_COMP_COPIED | PAGESPLICE_COMP_ZERO |
			      PAGESPLICE_COMP_ERROR)) &&
	       c->bytes >= c->seq_last - c->seq_first + 1;
}

void fz_op_reap(void)
{
	static const uint32_t nrs[] = { 0, 1, 2, 16, PAGESPLICE_MAX_VEC,
					PAGESPLICE_MAX_VEC + 1, UINT_MAX };
	struct pagesplice_reap r = {
		.nr = fz_one_in(2) ? FZ_PICK(nrs) : 1 + fz_below(64),
		.flags = fz_one_in(16) ? PAGESPLICE_REAP_WAIT :
			 fz_one_in(8) ? (uint32_t)fz_interesting() : 0,
	};
	size_t room = sizeof(fz_comps);
	int fd = fz_fd_any(FZ_F_RING), ret, i;
	void *arg = fz_arg(&r, sizeof(r));
	void *out = fz_one_in(8) ? fz_out_pick(&room) : fz_comps;

	r.comps = (uintptr_t)out;
	if (out != fz_comps && room < sizeof(fz_comps))
		/* memory of ours that holds fewer records: ask for no more */
		r.nr = r.nr < room / sizeof(fz_comps[0]) ? r.nr :
		       room / sizeof(fz_comps[0]);
	memset(fz_comps, 0xff, sizeof(fz_comps));
	ret = fz_ioctl(fd, PAGESPLICE_IOC_REAP, arg);
	if (!fz_check(FZ_PS_REAP, ret, "fd %d arg %p nr %u flags %#x comps %p",
		      fd, arg, r.nr, r.flags, out) || ret <= 0)
		return;
	if ((unsigned int)ret > r.nr) {
		fz_fail("REAP fd %d nr %u returned %d", fd, r.nr, ret);
		return;
	}
	for (i = 0; out == fz_comps && i < ret; i++)
		if (!fz_comp_sane(&fz_comps[i]))
			fz_fail("REAP fd %d record %d: seq %llu..%llu bytes %llu flags %#x",
				fd, i, (unsigned long long)fz_comps[i].seq_first,
				(unsigned long long)fz_comps[i].seq_last,
				(unsigned long long)fz_comps[i].bytes,
				fz_comps[i].flags);
}

void fz_op_shutdown(void)
{
	int fd = fz_fd_any(FZ_F_RING);
	void *arg = (void *)(uintptr_t)fz_interesting();
	struct fz_fd *e = fz_fd_find(fd);

	if (fz_check(FZ_PS_SHUTDOWN, fz_ioctl(fd, PAGESPLICE_IOC_SHUTDOWN, arg),
		     "fd %d arg %p", fd, arg) && e)
		e->shut = true;
}

void fz_op_forward(void)
{
	struct pagesplice_forward f = {
		.flags = fz_one_in(10) ? (uint32_t)fz_interesting() :
			 fz_one_in(4) ? 0 : PAGESPLICE_FORWARD_NONBLOCK,
		.max_bytes = fz_one_in(2) ? 0 : fz_interesting(),
	};
	int src = fz_fd_any(FZ_F_RING), ret;
	void *arg = fz_arg(&f, sizeof(f));

	switch (fz_below(10)) {
	case 0:
		f.dst_fd = src;
		break;
	case 1:
		f.dst_fd = fz_fd_bad();
		break;
	case 2:
		f.dst_fd = fz_fd_any(FZ_F_PIPE_W);
		break;
	default:
		f.dst_fd = fz_fd_get(FZ_F_RING);
	}
	ret = fz_ioctl(src, PAGESPLICE_IOC_FORWARD, arg);
	fz_check(FZ_PS_FORWARD, ret, "fd %d arg %p dst %d flags %#x max %llu",
		 src, arg, f.dst_fd, f.flags,
		 (unsigned long long)f.max_bytes);
}

void fz_op_set_eventfd(void)
{
	static const int32_t odd[] = { -1, -1, -2, INT_MIN };
	int fd = fz_fd_any(FZ_F_RING), ret;
	int32_t efd;
	void *arg;

	switch (fz_below(6)) {
	case 0:
	case 1:
		efd = fz_fd_get(FZ_F_EVENTFD);
		break;
	case 2:
		efd = FZ_PICK(odd);
		break;
	case 3:
		efd = fz_fd_get(FZ_F_PIPE_R);
		break;
	default:
		efd = fz_fd_any(FZ_F_EVENTFD);
	}
	arg = fz_arg(&efd, sizeof(efd));
	ret = fz_ioctl(fd, PAGESPLICE_IOC_SET_EVENTFD, arg);
	fz_check(FZ_PS_EVENTFD, ret, "fd %d arg %p eventfd %d", fd, arg, efd);
}

/*
 * A per-user page limit set small (a few pages: the next SUBMITs meet it,
 * ENOBUFS) or lifted, between the SUBMITs of the other ops.  The sysfs
 * fuzzer's random values rarely land that low.
 */
void fz_op_ps_user_limit(void)
{
	static const char * const files[] = {
		"pagesplice/user_max_pinned_pages",
		"pagesplice/user_max_copied_pages",
		"pagesplice/user_max_zero_pages",
	};
	const char *rel = FZ_PICK(files);
	char v[24];
	int ret;

	snprintf(v, sizeof(v), "%llu",
		 fz_one_in(3) ? 0ULL : (unsigned long long)fz_below(64));
	ret = zp_write(rel, v);
	if (ret)
		fz_fail("%s <- %s: %s", rel, v, strerror(-ret));
}
