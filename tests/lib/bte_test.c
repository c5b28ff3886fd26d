// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bte_test.h"
#include "zptest.h"

int bte_modparam_set(const char *mod, const char *param, const char *val)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s", mod,
		 param);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	n = n < 0 ? -errno : 0;
	close(fd);
	return n;
}

void bte_dirty_memory(size_t mb)
{
	size_t len = mb << 20;
	void *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	memset(p, 0x5a, len);
	munmap(p, len);
}

const char *bte_text(const char *rel, char *buf, size_t len)
{
	if (zp_read_str(rel, buf, len))
		buf[0] = '\0';
	return buf;
}

bool bte_wait_text(const char *rel, const char *want, int timeout_ms)
{
	char buf[64];

	for (; timeout_ms > 0; timeout_ms -= 50) {
		if (!strcmp(bte_text(rel, buf, sizeof(buf)), want))
			return true;
		zp_sleep_ms(50);
	}
	return !strcmp(bte_text(rel, buf, sizeof(buf)), want);
}
