/* SPDX-License-Identifier: GPL-2.0 */
/* The memory object behind one open file of /dev/zeropool. */
#ifndef _ZEROPOOL_OBJECT_H
#define _ZEROPOOL_OBJECT_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/xarray.h>

struct zp_object {
	struct inode *inode;	/* owns the address_space of our mappings */
	/*
	 * Held while a zero-page PTE is installed and while zero-page PTEs
	 * are zapped, so that none survives a write (see
	 * zp_object_instantiate()).
	 */
	struct mutex lock;
	struct xarray pages;	/* index -> page; each holds one reference */
	atomic_long_t nr_pages;
	bool zero_mapped;	/* a zero-page PTE may exist: set under lock */
};

/* dev.c */
void zp_object_zap(struct zp_object *obj, pgoff_t index);

/* faultaround.c */
void zp_fault_around(struct vm_fault *vmf, struct zp_object *obj,
		     unsigned long nr);

#endif /* _ZEROPOOL_OBJECT_H */
