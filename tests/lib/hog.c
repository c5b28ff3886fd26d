// SPDX-License-Identifier: GPL-2.0
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hog.h"

static int hog(size_t bytes)
{
	long ps = sysconf(_SC_PAGESIZE);
	unsigned char *p;
	size_t i;

	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 3;
	for (i = 0; i < bytes; i += ps)
		p[i] = 1;
	return 0;
}

bool hog_run(size_t bytes, int *status)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(hog(bytes));
	if (pid < 0 || waitpid(pid, status, 0) != pid)
		return false;
	return WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
}
