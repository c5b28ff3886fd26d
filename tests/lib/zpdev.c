// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <uapi/zeropool.h>

#include "zpdev.h"
#include "zptest.h"

static void zp_map_open_mode(struct zp_map *m, size_t npages, bool rw)
{
	m->page_size = sysconf(_SC_PAGESIZE);
	m->npages = npages;
	m->len = npages * m->page_size;
	m->fd = open(ZEROPOOL_DEVICE, (rw ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (m->fd < 0)
		tap_bail("open %s: %s", ZEROPOOL_DEVICE, strerror(errno));
	m->addr = mmap(NULL, m->len, PROT_READ | (rw ? PROT_WRITE : 0),
		       MAP_SHARED, m->fd, 0);
	if (m->addr == MAP_FAILED)
		tap_bail("mmap %zu pages: %s", npages, strerror(errno));
}

void zp_map_open(struct zp_map *m, size_t npages)
{
	zp_map_open_mode(m, npages, true);
}

void zp_map_open_ro(struct zp_map *m, size_t npages)
{
	zp_map_open_mode(m, npages, false);
}

uint64_t zp_features(void)
{
	struct zeropool_info info;
	int fd = open(ZEROPOOL_DEVICE, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || ioctl(fd, ZEROPOOL_IOC_GET_INFO, &info))
		tap_bail("GET_INFO: %s", strerror(errno));
	close(fd);
	return info.features;
}

void zp_map_close(struct zp_map *m)
{
	munmap(m->addr, m->len);
	close(m->fd);
}

uint64_t zp_map_object_pages(struct zp_map *m)
{
	struct zeropool_info info;

	if (ioctl(m->fd, ZEROPOOL_IOC_GET_INFO, &info))
		tap_bail("GET_INFO: %s", strerror(errno));
	return info.object_pages;
}

void zp_map_write_all(struct zp_map *m, unsigned char byte)
{
	memset(m->addr, byte, m->len);
}

uint64_t zp_map_touch_read(struct zp_map *m)
{
	const unsigned char *p = m->addr;
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < m->npages; i++)
		sum += p[i * m->page_size];
	return sum;
}

bool zp_map_all_zero(struct zp_map *m)
{
	size_t i;

	for (i = 0; i < m->len; i += sizeof(uint64_t))
		if (*(uint64_t *)(m->addr + i))
			return false;
	return true;
}

uint64_t zp_map_rss_kb(struct zp_map *m)
{
	unsigned long start = (unsigned long)m->addr, lo, hi;
	char line[512];
	bool in = false;
	FILE *f = fopen("/proc/self/smaps", "re");

	if (!f)
		tap_bail("open smaps: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		/* a VMA header; property lines never parse as lo-hi */
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
			in = lo == start;
			continue;
		}
		if (in && !strncmp(line, "Rss:", 4)) {
			fclose(f);
			return strtoull(line + 4, NULL, 10);
		}
	}
	fclose(f);
	tap_bail("no mapping at %p in smaps", m->addr);
}

uint64_t zp_user_counter(unsigned int uid, const char *counter)
{
	char rel[96];
	uint64_t v;
	int err;

	snprintf(rel, sizeof(rel), "users/%u/%s", uid, counter);
	err = zp_read_u64(rel, &v);
	if (err == -ENOENT)
		return 0;
	if (err)
		tap_bail("read %s: %s", rel, strerror(-err));
	return v;
}

int zp_dev_open(void)
{
	int fd = open(ZEROPOOL_DEVICE, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		tap_bail("open %s: %s", ZEROPOOL_DEVICE, strerror(errno));
	return fd;
}

unsigned char *zp_dev_map(int fd, size_t pages, size_t first)
{
	long pg = sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, pages * pg, PROT_READ | PROT_WRITE, MAP_SHARED,
		       fd, first * pg);

	if (p == MAP_FAILED)
		tap_bail("mmap %zu pages at %zu: %s", pages, first,
			 strerror(errno));
	return p;
}

void zp_set_as_root(const char *rel, const char *val, unsigned int uid)
{
	if (seteuid(0))
		tap_bail("seteuid(0): %s", strerror(errno));
	zp_set(rel, val);
	if (seteuid(uid))
		tap_bail("seteuid(%u): %s", uid, strerror(errno));
}
