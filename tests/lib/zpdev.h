/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers for tests that map /dev/zeropool. */
#ifndef _ZPDEV_H
#define _ZPDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct zp_map {
	int fd;
	unsigned char *addr;
	size_t len;
	size_t npages;
	long page_size;
};

/* Opens the device and maps @npages MAP_SHARED, or bails out. */
void zp_map_open(struct zp_map *m, size_t npages);
/* The same, read-only: device opened O_RDONLY, PROT_READ mapping. */
void zp_map_open_ro(struct zp_map *m, size_t npages);
void zp_map_close(struct zp_map *m);
/* Rss of the mapping in kB, from /proc/self/smaps, or bails out. */
uint64_t zp_map_rss_kb(struct zp_map *m);
/* ZEROPOOL_FEAT_* of the loaded module, or bails out. */
uint64_t zp_features(void);
/* Pages instantiated in the object (GET_INFO), or bails out. */
uint64_t zp_map_object_pages(struct zp_map *m);
void zp_map_write_all(struct zp_map *m, unsigned char byte);
/* Reads one byte per page; returns their sum (0 for a zero mapping). */
uint64_t zp_map_touch_read(struct zp_map *m);
bool zp_map_all_zero(struct zp_map *m);
/*
 * users/<uid>/<counter> (e.g. "dev_pages"): 0 when the user holds
 * nothing, i.e. has no directory; bails out on any other error.
 */
uint64_t zp_user_counter(unsigned int uid, const char *counter);
/* Opens the device read-write, or bails out. */
int zp_dev_open(void);
/* Maps @pages read-write at page offset @first of @fd, or bails out. */
unsigned char *zp_dev_map(int fd, size_t pages, size_t first);
/*
 * For a test running as @uid with root as its saved uid: writes a
 * tunable as root, then is @uid again; bails out on failure.
 */
void zp_set_as_root(const char *rel, const char *val, unsigned int uid);

#endif /* _ZPDEV_H */
