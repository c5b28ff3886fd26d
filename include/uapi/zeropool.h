/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * /dev/zeropool: demand-zero shared memory whose pages come from a pool
 * zeroed ahead of time.  mmap() it MAP_SHARED (MAP_PRIVATE is refused with
 * EINVAL); every open file is a separate memory object, shared with
 * children across fork() like MAP_SHARED|MAP_ANONYMOUS memory.
 */
#ifndef _UAPI_ZEROPOOL_H
#define _UAPI_ZEROPOOL_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define ZEROPOOL_DEVICE		"/dev/zeropool"
#define ZEROPOOL_ABI_VERSION	1

/* Feature bits of zeropool_info.features. */
#define ZEROPOOL_FEAT_MMAP_SHARED	(1ULL << 0)	/* MAP_SHARED demand-zero */
/*
 * read_fault=zero_page also maps the zero page into writable mappings.
 * Without it (Linux 6.10 and later refuse that, for the sake of long-term
 * GUP pins) reads of holes in a writable mapping take a pool page, and
 * only mappings of a file opened O_RDONLY get the zero page.
 */
#define ZEROPOOL_FEAT_ZERO_PAGE_WRITABLE (1ULL << 1)
#define ZEROPOOL_FEAT_RECYCLE		(1ULL << 2)	/* freed pages re-zeroed */

/* Values of zeropool_info.read_fault. */
#define ZEROPOOL_READ_FAULT_ZERO_PAGE	0
#define ZEROPOOL_READ_FAULT_ALLOC	1

struct zeropool_info {
	__u32 abi_version;	/* ZEROPOOL_ABI_VERSION of the module */
	__u32 page_size;	/* bytes */
	__u64 features;		/* ZEROPOOL_FEAT_* */
	__u64 pool_pages;	/* zeroed pages ready in the pool now */
	__u64 max_pages;	/* the pool's hard cap */
	__u64 object_pages;	/* pages this file's object holds now */
	__u32 read_fault;	/* ZEROPOOL_READ_FAULT_* in force */
	__u32 reserved;		/* zero */
};

#define ZEROPOOL_IOC_MAGIC	0xB9
#define ZEROPOOL_IOC_GET_INFO	_IOR(ZEROPOOL_IOC_MAGIC, 0x00, struct zeropool_info)

#endif /* _UAPI_ZEROPOOL_H */
