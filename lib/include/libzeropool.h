/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * libzeropool: opt in to pre-zeroed memory once, A/B by loading or
 * unloading zeropool.ko.  zp_alloc() returns demand-zero memory mapped
 * from /dev/zeropool, or, when the device is absent (module not loaded) or
 * ZEROPOOL_DISABLE=1 is set, from MAP_SHARED|MAP_ANONYMOUS memory with the
 * same semantics: zeroed, page-aligned, shared with children across fork().
 * Link with -lzeropool.
 */
#ifndef _LIBZEROPOOL_H
#define _LIBZEROPOOL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* @size bytes of zeroed memory (rounded up to pages), or NULL with errno. */
void *zp_alloc(size_t size);

/* Releases memory from zp_alloc(); @size as passed to it. */
void zp_free(void *ptr, size_t size);

/* 1 when zp_alloc() now maps /dev/zeropool, 0 when it falls back. */
int zp_device_available(void);

#ifdef __cplusplus
}
#endif

#endif /* _LIBZEROPOOL_H */
