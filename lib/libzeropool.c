// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libzeropool: see lib/include/libzeropool.h.  Each allocation is its own
 * /dev/zeropool object: the fd is closed at once, the mapping keeps the
 * object alive, and munmap() of the last mapping frees it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libzeropool.h>
#include <uapi/zeropool.h>

static int zp_disabled(void)
{
	const char *v = getenv("ZEROPOOL_DISABLE");

	return v && *v && strcmp(v, "0");
}

static size_t zp_round(size_t size)
{
	size_t ps = (size_t)sysconf(_SC_PAGESIZE);

	if (size > SIZE_MAX - (ps - 1))
		return 0;
	return (size + ps - 1) & ~(ps - 1);
}

static int zp_open(void)
{
	if (zp_disabled())
		return -1;
	return open(ZEROPOOL_DEVICE, O_RDWR | O_CLOEXEC);
}

int zp_device_available(void)
{
	int fd = zp_open();

	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

void *zp_alloc(size_t size)
{
	size_t len = zp_round(size);
	void *p;
	int fd, err;

	if (!size || !len) {
		errno = size ? ENOMEM : EINVAL;
		return NULL;
	}
	fd = zp_open();
	if (fd >= 0) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		err = errno;
		close(fd);
		if (p != MAP_FAILED)
			return p;
		errno = err;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

void zp_free(void *ptr, size_t size)
{
	size_t len = zp_round(size);

	if (ptr && len)
		munmap(ptr, len);
}
