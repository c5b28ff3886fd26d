// SPDX-License-Identifier: GPL-2.0
/*
 * A /dev/zeropool mapping is shared with children across fork() like
 * MAP_SHARED|MAP_ANONYMOUS memory, under both read-fault policies; with
 * read_fault=zero_page a child that read a hole (zero page mapped) sees
 * the parent's later write to it.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <uapi/zeropool.h>

#include "../lib/zptest.h"

#define NPAGES 64

/* Child: waits for the parent's byte on @rd, then checks and writes. */
static int child(unsigned char *p, long ps, int rd, int wr)
{
	char c;
	int i, bad = 0;

	for (i = 0; i < NPAGES; i++)	/* read holes first */
		bad += p[i * ps] != 0;
	if (write(wr, "r", 1) != 1 || read(rd, &c, 1) != 1)
		return 2;
	for (i = 0; i < NPAGES; i++)
		bad += p[i * ps] != (unsigned char)(i + 1);
	for (i = 0; i < NPAGES; i++)
		p[i * ps + 1] = 0xc0;
	return bad ? 1 : 0;
}

static void run(const char *policy)
{
	int to_child[2], to_parent[2], fd, status, i, bad = 0;
	long ps = sysconf(_SC_PAGESIZE);
	unsigned char *p;
	pid_t pid;
	char c;

	zp_set("pool/read_fault", policy);
	fd = open(ZEROPOOL_DEVICE, O_RDWR);
	p = mmap(NULL, NPAGES * ps, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (fd < 0 || p == MAP_FAILED || pipe(to_child) || pipe(to_parent))
		tap_bail("setup: %s", strerror(errno));
	pid = fork();
	if (pid == 0) {
		close(to_child[1]);
		close(to_parent[0]);
		_exit(child(p, ps, to_child[0], to_parent[1]));
	}
	/* Only the child holds these ends: its death reads as EOF. */
	close(to_child[0]);
	close(to_parent[1]);
	if (read(to_parent[0], &c, 1) != 1) {
		waitpid(pid, &status, 0);
		tap_bail("%s: child died before reading (status %#x)", policy,
			 status);
	}
	for (i = 0; i < NPAGES; i++)
		p[i * ps] = i + 1;
	if (write(to_child[1], "w", 1) != 1)
		tap_bail("pipe");
	waitpid(pid, &status, 0);
	tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "%s: child read zero holes, then saw the parent's writes", policy);
	for (i = 0; i < NPAGES; i++)
		bad += p[i * ps + 1] != 0xc0;
	tap_ok(!bad, "%s: parent sees the child's writes (%d pages wrong)",
	       policy, bad);
	munmap(p, NPAGES * ps);
	close(fd);
	close(to_child[1]);
	close(to_parent[0]);
}

int main(int argc, char **argv)
{
	tap_init(argv[0]);
	zp_load_zeropool(NULL);
	run("zero_page");
	run("alloc");
	zp_unload_quiet("zeropool");
	return tap_done();
}
