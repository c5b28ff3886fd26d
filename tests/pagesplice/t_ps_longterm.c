// SPDX-License-Identifier: GPL-2.0
/*
 * Pins that userspace holds for as long as it likes are long-term: a
 * buffer whose pages sit in ZONE_MOVABLE is migrated out of it at SUBMIT,
 * so a ring that is never read does not keep a memory block from going
 * offline.  Needs a guest booted with movablecore= (tests/run boots one);
 * skips elsewhere.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/psring.h"
#include "../lib/zptest.h"

#define MAPLEN (32 << 20)
#define NPAGES 16

static long pg;
static uint64_t block_bytes;

static uint64_t pfn_of(const void *addr)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || pread(fd, &e, sizeof(e),
			    (uintptr_t)addr / pg * sizeof(e)) != sizeof(e))
		tap_bail("pagemap: %s", strerror(errno));
	close(fd);
	if (!(e & (1ULL << 63)) || !(e & ((1ULL << 55) - 1)))
		tap_bail("pagemap: no PFN (not root?)");
	return e & ((1ULL << 55) - 1);
}

static uint64_t block_of(uint64_t pfn)
{
	return pfn * pg / block_bytes;
}

/* Reads memory<block>/@file into @buf. */
static int block_read(uint64_t block, const char *file, char *buf, size_t len)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path),
		 "/sys/devices/system/memory/memory%llu/%s",
		 (unsigned long long)block, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return 0;
}

static bool block_movable(uint64_t block)
{
	char z[64];

	return !block_read(block, "valid_zones", z, sizeof(z)) &&
	       !strncmp(z, "Movable", 7);
}

static int block_write(uint64_t block, const char *state)
{
	char path[128];
	int fd, ret = 0;

	snprintf(path, sizeof(path),
		 "/sys/devices/system/memory/memory%llu/state",
		 (unsigned long long)block);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, state, strlen(state)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * Offlines @block in a child: with a page of it pinned, the kernel retries
 * migration until a fatal signal, so the child is killed after @secs.
 * Returns 0 when offlined, -ETIMEDOUT when it had to be killed, or the
 * write's -errno.
 */
static int offline_block(uint64_t block, int secs)
{
	int st, i;
	pid_t pid = fork();

	if (pid == 0)
		_exit(-block_write(block, "offline"));
	for (i = 0; i < secs * 10; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? -WEXITSTATUS(st) : -EINTR;
		zp_sleep_ms(100);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -ETIMEDOUT;
}

static bool movable_zone_present(void)
{
	char line[256];
	bool in = false, found = false;
	FILE *f = fopen("/proc/zoneinfo", "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		unsigned long n;

		if (!strncmp(line, "Node", 4))
			in = strstr(line, "zone  Movable") != NULL;
		if (in && sscanf(line, " present %lu", &n) == 1 && n)
			found = true;
	}
	fclose(f);
	return found;
}

int main(int argc, char **argv)
{
	unsigned char *a, *buf = NULL, *out;
	uint64_t pfn0 = 0, pfn1, block = 0;
	char bs[32];
	int fd, ret, i;
	size_t off;

	tap_init("t_ps_longterm");
	pg = sysconf(_SC_PAGESIZE);
	if (!movable_zone_present() ||
	    block_read(0, "../block_size_bytes", bs, sizeof(bs))) {
		tap_skip("longterm: no ZONE_MOVABLE (boot with movablecore=) or no memory hotplug");
		return tap_done();
	}
	block_bytes = strtoull(bs, NULL, 16);
	zp_load_on_zeropool("pagesplice", "pagesplice");

	a = mmap(NULL, MAPLEN, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	out = malloc(NPAGES * pg);
	if (a == MAP_FAILED || !out || madvise(a, MAPLEN, MADV_NOHUGEPAGE))
		tap_bail("mmap: %s", strerror(errno));
	memset(a, 0x5c, MAPLEN);
	/* a buffer whose first page is in a movable memory block */
	for (off = 0; off + NPAGES * pg <= MAPLEN; off += NPAGES * pg) {
		pfn0 = pfn_of(a + off);
		block = block_of(pfn0);
		if (block_movable(block)) {
			buf = a + off;
			break;
		}
	}
	tap_ok(buf != NULL,
	       "longterm: anonymous memory was given pages of ZONE_MOVABLE (block %llu)",
	       (unsigned long long)block);
	if (!buf)
		return tap_done();
	for (i = 0; i < NPAGES; i++)
		buf[i * pg] = i;

	fd = psr_open(0);
	ret = psr_submit(fd, buf, NPAGES * pg, 1, PAGESPLICE_SUBMIT_NOCOPY,
			 NULL);
	tap_ok(!ret, "longterm: SUBMIT by reference (%s)", strerror(-ret));
	pfn1 = pfn_of(buf);
	tap_ok(!block_movable(block_of(pfn1)),
	       "longterm: the pinned page was migrated out of ZONE_MOVABLE (pfn %#llx -> %#llx)",
	       (unsigned long long)pfn0, (unsigned long long)pfn1);

	ret = offline_block(block, 30 * zp_slowdown());
	tap_ok(!ret,
	       "longterm: memory block %llu goes offline while the ring holds the buffer unread (%s)",
	       (unsigned long long)block, strerror(-ret));
	ret = psr_read_full(fd, out, NPAGES * pg);
	for (i = 0; i < NPAGES; i++)
		if (out[i * pg] != i || out[i * pg + 1] != 0x5c)
			ret = -1;
	tap_ok(ret == NPAGES * pg, "longterm: the ring then delivers the bytes");
	close(fd);
	if (block_write(block, "online_movable"))
		tap_diag("online_movable of block %llu: %s",
			 (unsigned long long)block, strerror(errno));
	tap_ok(zp_get("pagesplice/pages_pinned") == 0,
	       "longterm: nothing left pinned");
	munmap(a, MAPLEN);
	free(out);
	zp_unload_quiet("pagesplice");
	zp_unload_quiet("zeropool");
	return tap_done();
}
