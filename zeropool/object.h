/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The memory object behind one open file of /dev/zeropool (object.c).
 * Only object.c writes its fields but nr_unmapped and the unmapped marks,
 * which are unmapped.c's; the other files read them through the helpers
 * below.
 */
#ifndef _ZEROPOOL_OBJECT_H
#define _ZEROPOOL_OBJECT_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/xarray.h>

struct zp_user;

/*
 * The mark of the pages no mapping of the object covers, each charged to
 * the user's dev_unmapped_pages (unmapped.c); set and cleared under the
 * xarray's lock, and dropped with the page when it leaves the object.
 */
#define ZP_OBJECT_UNMAPPED	XA_MARK_0

struct zp_object {
	struct inode *inode;	/* owns the address_space of our mappings */
	/*
	 * Held while a zero-page PTE is installed and while zero-page PTEs
	 * are zapped, so that none survives a write (the protocol is
	 * explained at zp_object_publish()).
	 */
	struct mutex lock;
	struct xarray pages;	/* index -> page; each holds one reference */
	atomic_long_t nr_pages;	/* charged to user's dev_pages */
	bool zero_mapped;	/* a zero-page PTE may exist: set under lock */
	/*
	 * The opener: charged for every page from creation to release,
	 * whoever holds the file later; the reference lives as long.
	 */
	struct zp_user *user;
	/*
	 * pool/user_max_pages applies (the opener had no CAP_SYS_RESOURCE,
	 * which lifts it as it lifts rlimits); set at open, never changed.
	 */
	bool capped;
	/*
	 * Serializes the scans of unmapped.c, so that of two mappings
	 * closing at once the last sees neither (unmapped.c).
	 */
	struct mutex unmap_lock;
	atomic_long_t nr_unmapped;	/* pages marked ZP_OBJECT_UNMAPPED */
};

/*
 * The page at @index, or NULL for a hole; a page stays until release, or
 * until no mapping covers it and unmapped.c discards it.
 */
static inline struct page *zp_object_lookup(struct zp_object *obj,
					    pgoff_t index)
{
	return xa_load(&obj->pages, index);
}

static inline long zp_object_nr_pages(struct zp_object *obj)
{
	return atomic_long_read(&obj->nr_pages);
}

/* The address_space that must link every mapping of the object. */
static inline struct address_space *zp_object_mapping(struct zp_object *obj)
{
	return obj->inode->i_mapping;
}

struct zp_object *zp_object_create(void);
void zp_object_release(struct zp_object *obj);
struct page *zp_object_instantiate(struct zp_object *obj, pgoff_t index,
				   bool zap);
bool zp_object_discard(struct zp_object *obj, pgoff_t index);
unsigned long zp_object_fill_holes(struct zp_object *obj, pgoff_t *indices,
				   struct page **pages, unsigned long nr);
vm_fault_t zp_object_map_zero_page(struct zp_object *obj, struct vm_fault *vmf);

#endif /* _ZEROPOOL_OBJECT_H */
