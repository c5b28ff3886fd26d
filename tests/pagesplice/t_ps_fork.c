// SPDX-License-Identifier: GPL-2.0
/*
 * fork() after SUBMIT, per kind of memory: does a child's write to the
 * submitted buffer, before the buffer completes, reach the consumer?  The
 * rule of ABI-pagesplice.md, asserted here: never for private memory
 * (anonymous or a private file mapping: the pinned page stays the
 * parent's, fork copies it for the child); always for shared memory
 * (MAP_SHARED anonymous, memfd, a shared file mapping, /dev/zeropool),
 * where parent and child map the one page that is pinned.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/psring.h"
#include "../lib/zpdev.h"
#include "../lib/zptest.h"

#define NPAGES 8

static long pg;

enum kind { ANON_PRIVATE, FILE_PRIVATE, ANON_SHARED, MEMFD, FILE_SHARED,
	    ZEROPOOL, NR_KINDS };

static const char * const kind_name[NR_KINDS] = {
	"private anonymous", "private file mapping", "MAP_SHARED anonymous",
	"memfd", "shared file mapping", "/dev/zeropool mapping",
};

/* A mapping of @len bytes of kind @k; *fd is its file, or -1. */
static unsigned char *map_kind(enum kind k, size_t len, int *fd,
			       struct zp_map *zm)
{
	int flags = k <= FILE_PRIVATE ? MAP_PRIVATE : MAP_SHARED;
	char path[] = "/tmp/t_ps_fork.XXXXXX";
	void *p;

	*fd = -1;
	switch (k) {
	case ANON_PRIVATE:
	case ANON_SHARED:
		flags |= MAP_ANONYMOUS;
		break;
	case MEMFD:
		*fd = memfd_create("t_ps_fork", MFD_CLOEXEC);
		break;
	case FILE_PRIVATE:
	case FILE_SHARED:
		*fd = mkstemp(path);
		unlink(path);
		break;
	case ZEROPOOL:
		zp_map_open(zm, len / pg);
		return zm->addr;
	default:
		tap_bail("kind %d", k);
	}
	if (*fd >= 0 && ftruncate(*fd, len))
		tap_bail("ftruncate: %s", strerror(errno));
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, *fd, 0);
	if (p == MAP_FAILED)
		tap_bail("mmap %s: %s", kind_name[k], strerror(errno));
	return p;
}

/*
 * Parent writes 0x11 and submits by reference; a child writes 0xee and
 * exits; then the consumer reads.  Returns true when it read the child's
 * bytes, false when the parent's; bails on anything else.
 */
static bool child_write_seen(enum kind k)
{
	size_t len = NPAGES * pg, i;
	unsigned char *a, *out = malloc(len);
	struct zp_map zm;
	int fd, ring = psr_open(0), st, ret;
	bool seen = false, parents = true;
	pid_t pid;

	a = map_kind(k, len, &fd, &zm);
	memset(a, 0x11, len);
	ret = psr_submit(ring, a, len, 1, PAGESPLICE_SUBMIT_NOCOPY, NULL);
	if (ret)
		tap_bail("SUBMIT %s: %s", kind_name[k], strerror(-ret));
	pid = fork();
	if (pid == 0) {
		memset(a, 0xee, len);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	if (psr_read_full(ring, out, len) != (ssize_t)len)
		tap_bail("read %s", kind_name[k]);
	for (i = 0; i < len; i++) {
		seen |= out[i] == 0xee;
		parents &= out[i] == 0x11;
	}
	if (!parents && !(seen && out[0] == 0xee && out[len - 1] == 0xee))
		tap_bail("%s: mixed bytes", kind_name[k]);
	close(ring);
	if (k == ZEROPOOL) {
		zp_map_close(&zm);
	} else {
		munmap(a, len);
		if (fd >= 0)
			close(fd);
	}
	free(out);
	return seen;
}

int main(int argc, char **argv)
{
	uint64_t acq0, rel0;
	enum kind k;

	tap_init("t_ps_fork");
	pg = sysconf(_SC_PAGESIZE);
	zp_load_on_zeropool("pagesplice", "pagesplice");
	acq0 = zp_vmstat("nr_foll_pin_acquired");
	rel0 = zp_vmstat("nr_foll_pin_released");

	for (k = 0; k < NR_KINDS; k++) {
		bool shared = k > FILE_PRIVATE;
		bool seen = child_write_seen(k);

		tap_ok(seen == shared,
		       "fork: %s: a child's write after SUBMIT %s the consumer (%s)",
		       kind_name[k], shared ? "reaches" : "never reaches",
		       seen ? "seen" : "not seen");
	}
	tap_ok(zp_get("pagesplice/pages_pinned") == 0,
	       "fork: nothing left pinned");
	tap_ok(zp_pins_balanced_since(acq0, rel0, 3000),
	       "fork: nr_foll_pin_acquired == nr_foll_pin_released (+%llu/+%llu)",
	       (unsigned long long)(zp_vmstat("nr_foll_pin_acquired") - acq0),
	       (unsigned long long)(zp_vmstat("nr_foll_pin_released") - rel0));
	zp_unload_quiet("pagesplice");
	zp_unload_quiet("zeropool");
	return tap_done();
}
