// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/zeropool as a user sees it: MAP_PRIVATE refused, memory reads as
 * zero everywhere (also after pages came back from a process that filled
 * them with garbage), RSS sees the pages, GET_INFO, and unload refused
 * while the device is open or mapped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <uapi/zeropool.h>

#include "../lib/zpdev.h"
#include "../lib/zptest.h"

#define NPAGES 2048

static long page_size;

static uint64_t smaps_rss_kb(void *addr)
{
	struct zp_map m = { .addr = addr };

	return zp_map_rss_kb(&m);
}

static void *map_dev(int *fdp, size_t len, int flags)
{
	void *p;

	*fdp = open(ZEROPOOL_DEVICE, O_RDWR | O_CLOEXEC);
	if (*fdp < 0)
		tap_bail("open %s: %s", ZEROPOOL_DEVICE, strerror(errno));
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, *fdp, 0);
	return p;
}

int main(int argc, char **argv)
{
	size_t len;
	struct zeropool_info info;
	uint64_t given, rss0, rss1;
	unsigned char *p;
	int fd, err, i;
	bool zero = true;

	tap_init(argv[0]);
	page_size = sysconf(_SC_PAGESIZE);
	len = (size_t)NPAGES * page_size;
	zp_load_zeropool("max_pages=16384 high_watermark=4096 low_watermark=1024 read_fault=alloc");

	p = map_dev(&fd, len, MAP_PRIVATE);
	tap_ok(p == MAP_FAILED && errno == EINVAL, "MAP_PRIVATE fails with EINVAL");
	close(fd);

	p = map_dev(&fd, len, MAP_SHARED);
	if (p == MAP_FAILED)
		tap_bail("MAP_SHARED mmap: %s", strerror(errno));

	memset(&info, 0xff, sizeof(info));
	tap_ok(!ioctl(fd, ZEROPOOL_IOC_GET_INFO, &info) &&
	       info.abi_version == ZEROPOOL_ABI_VERSION &&
	       info.page_size == (uint32_t)page_size &&
	       (info.features & ZEROPOOL_FEAT_MMAP_SHARED) &&
	       info.max_pages == 16384 && info.object_pages == 0 &&
	       info.read_fault == ZEROPOOL_READ_FAULT_ALLOC && !info.reserved,
	       "GET_INFO reports ABI %u, page size, cap, empty object",
	       info.abi_version);
	tap_ok(ioctl(fd, _IO(ZEROPOOL_IOC_MAGIC, 0x7f)) < 0 && errno == ENOTTY,
	       "unknown ioctl fails with ENOTTY");

	rss0 = zp_status_kb("RssFile");
	tap_ok(zp_bytes_zero(p, len), "fresh mapping reads as zero");
	memset(p, 0xa5, len);
	rss1 = zp_status_kb("RssFile");
	tap_ok(rss1 - rss0 >= (uint64_t)NPAGES * page_size / 1024,
	       "the process's RssFile grew by the mapped pages (%llu kB)",
	       (unsigned long long)(rss1 - rss0));
	rss1 = smaps_rss_kb(p);
	tap_ok(rss1 == (uint64_t)NPAGES * page_size / 1024,
	       "smaps Rss of the mapping is exactly its %d pages (%llu kB)",
	       NPAGES, (unsigned long long)rss1);
	ioctl(fd, ZEROPOOL_IOC_GET_INFO, &info);
	tap_ok(info.object_pages == NPAGES, "object holds %d pages (%llu)",
	       NPAGES, (unsigned long long)info.object_pages);

	err = zp_mod_unload("zeropool");
	tap_ok(err == -EWOULDBLOCK || err == -EBUSY,
	       "unload refused while open and mapped (%s)", strerror(-err));
	close(fd);
	err = zp_mod_unload("zeropool");
	tap_ok(err == -EWOULDBLOCK || err == -EBUSY,
	       "unload refused while mapped after close (%s)", strerror(-err));

	given = zp_get("pool/given_back");
	munmap(p, len);
	tap_ok(zp_get("pool/given_back") - given == NPAGES,
	       "last unmap gives the %d garbage pages back for re-zeroing",
	       NPAGES);
	tap_ok(zp_wait_eq("pool/dirty_pages", 0, 20000),
	       "scrubber re-zeroes the pages given back");

	/* The same pages, now in the pool again, must come out zero. */
	for (i = 0; i < 4 && zero; i++) {
		p = map_dev(&fd, len, MAP_SHARED);
		if (p == MAP_FAILED)
			tap_bail("mmap: %s", strerror(errno));
		zero = zp_bytes_zero(p, len);
		memset(p, 0x5a, len);
		munmap(p, len);
		close(fd);
		zp_wait_eq("pool/dirty_pages", 0, 20000);
	}
	tap_ok(zero, "recycled pages read as zero in 4 more rounds");

	err = zp_mod_unload("zeropool");
	tap_ok(!err, "unload succeeds once unmapped and closed (%s)",
	       err ? strerror(-err) : "ok");
	return tap_done();
}
