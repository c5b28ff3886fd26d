// SPDX-License-Identifier: GPL-2.0
/*
 * The memory object behind one open file of /dev/zeropool, from its
 * creation (open) to its release with the pages left (last close); a
 * page no mapping covers may go before (unmapped.c decides, discard does
 * it).  Every page it holds is charged to the user who opened it
 * (dev_pages), from the moment it enters the object to the moment it
 * leaves.
 *
 * An object is an xarray of its pages indexed by file offset, so that
 * every mapping of the file (and every child that inherited one) sees the
 * same page at the same offset.  The pages are ordinary refcounted pages
 * handed to the page tables by dev.c and faultaround.c, so RSS accounting,
 * fork, munmap and exit treat them like any shared page.
 *
 * A read of a hole may map the shared zero page instead (dev.c decides
 * when).  The first write to that offset, in any process, puts a pool page
 * in the object and must zap every zero-page PTE of that offset, or some
 * mapping would keep reading zeros once someone wrote.  That is the one
 * protocol between writers and readers of an object; this file holds both
 * of its sides, and is the only one to write an object's fields.
 *
 * Each object owns an inode of a private pseudo filesystem for this: the
 * inode's address_space links every VMA of the file, which is what lets
 * unmap_mapping_range() reach every PTE of an offset.  The inode lives and
 * dies with the object, so it is created here and not with the file.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/mutex.h>
#include <linux/pfn_t.h>
#include <linux/pseudo_fs.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include <zeropool/pool.h>
#include <zeropool/users.h>

#include "object.h"
#include "zeropool.h"

#define ZEROPOOL_FS_MAGIC	0x7a70706c	/* "zppl" */

/*
 * The pseudo filesystem holding the objects' inodes: mounted while an
 * object exists; simple_pin_fs() serializes both under its own lock.
 */
static struct vfsmount *zp_fs_mnt;
static int zp_fs_count;

static int zp_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, ZEROPOOL_FS_MAGIC) ? 0 : -ENOMEM;
}

static struct file_system_type zp_fs_type = {
	.owner = THIS_MODULE,
	.name = "zeropool",
	.init_fs_context = zp_fs_init_fs_context,
	.kill_sb = kill_anon_super,
};

/*
 * Returns a new, empty object with its own inode, charged to the current
 * user, or an ERR_PTR.
 */
struct zp_object *zp_object_create(void)
{
	struct zp_object *obj;
	int err;

	obj = kzalloc(sizeof(*obj), GFP_KERNEL);
	if (!obj)
		return ERR_PTR(-ENOMEM);
	mutex_init(&obj->lock);
	mutex_init(&obj->unmap_lock);
	xa_init(&obj->pages);

	obj->capped = !capable(CAP_SYS_RESOURCE);
	obj->user = zp_user_get_current();
	if (!obj->user) {
		err = -ENOMEM;
		goto out_free;
	}
	err = simple_pin_fs(&zp_fs_type, &zp_fs_mnt, &zp_fs_count);
	if (err)
		goto out_put_user;
	obj->inode = alloc_anon_inode(zp_fs_mnt->mnt_sb);
	if (IS_ERR(obj->inode)) {
		err = PTR_ERR(obj->inode);
		goto out_unpin_fs;
	}
	return obj;

out_unpin_fs:
	simple_release_fs(&zp_fs_mnt, &zp_fs_count);
out_put_user:
	zp_user_put(obj->user);
out_free:
	kfree(obj);
	return ERR_PTR(err);
}

/*
 * Frees @obj, drops its references to its pages and its charges.  Called
 * on the last close of the file: every mapping holds the file, so no
 * mapping is left, and a page we alone hold can be re-zeroed.
 */
void zp_object_release(struct zp_object *obj)
{
	unsigned long index;
	struct page *page;

	xa_for_each(&obj->pages, index, page)
		zp_put_page(page);
	xa_destroy(&obj->pages);
	zp_user_uncharge(obj->user, ZP_USER_DEV_UNMAPPED,
			 atomic_long_read(&obj->nr_unmapped));
	zp_user_uncharge(obj->user, ZP_USER_DEV_PAGES,
			 atomic_long_read(&obj->nr_pages));
	zp_user_put(obj->user);
	iput(obj->inode);
	simple_release_fs(&zp_fs_mnt, &zp_fs_count);
	kfree(obj);
}

/*
 * Takes the page at @index out of @obj and drops the object's reference
 * (back to the pool if it was the last).  Only for an index no mapping
 * covers, with the object's mappings held still (unmapped.c), so that no
 * fault can be looking the page up.  Returns whether the page was marked
 * ZP_OBJECT_UNMAPPED, for the caller to uncharge.
 */
bool zp_object_discard(struct zp_object *obj, pgoff_t index)
{
	XA_STATE(xas, &obj->pages, index);
	struct page *page;
	bool marked;

	xas_lock(&xas);
	page = xas_load(&xas);
	marked = page && xas_get_mark(&xas, ZP_OBJECT_UNMAPPED);
	if (page)
		xas_store(&xas, NULL);
	xas_unlock(&xas);
	if (!page)
		return false;
	atomic_long_dec(&obj->nr_pages);
	zp_user_uncharge(obj->user, ZP_USER_DEV_PAGES, 1);
	zp_put_page(page);
	return marked;
}

/*
 * Puts @page at @index, charged to the opener within pool/user_max_pages
 * (unless the opener had CAP_SYS_RESOURCE).
 * On error (-EBUSY: a racer's page is there; -EDQUOT: the opener is at
 * the cap) @page goes back to the pool: nobody mapped it, so it is still
 * zero.
 */
static int zp_object_add(struct zp_object *obj, pgoff_t index,
			 struct page *page)
{
	unsigned long cap = obj->capped ? READ_ONCE(zp_tun.user_max_pages) : 0;
	int err = -EDQUOT;

	if (!zp_user_charge(obj->user, ZP_USER_DEV_PAGES, 1, cap))
		goto out_give;
	err = xa_insert(&obj->pages, index, page, GFP_KERNEL);
	if (err)
		goto out_uncharge;
	atomic_long_inc(&obj->nr_pages);
	return 0;

out_uncharge:
	zp_user_uncharge(obj->user, ZP_USER_DEV_PAGES, 1);
out_give:
	zp_give_page(page);
	return err;
}

/* Drops every PTE of @index in every mapping of @obj. */
static void zp_object_zap(struct zp_object *obj, pgoff_t index)
{
	unmap_mapping_range(obj->inode->i_mapping, (loff_t)index << PAGE_SHIFT,
			    PAGE_SIZE, 0);
}

/*
 * The zero-page protocol.  A reader (zp_object_map_zero_page()) sets
 * zero_mapped, then looks for a page and, finding none, installs a
 * zero-page PTE, all under obj->lock.  A writer publishes its page in
 * obj->pages, then reads zero_mapped, and only if it is set zaps the
 * zero-page PTEs of its indices under obj->lock: objects that never mapped
 * the zero page never take the lock on a write.
 *
 * Each side stores, then loads what the other stores: with a full barrier
 * on both sides at least one sees the other's store.  Either the reader
 * finds the page (and maps it, not the zero page), or the writer sees
 * zero_mapped, and its zap, serialized by the lock, comes after the
 * reader's PTE is in.  Without the barriers both loads could miss and a
 * zero-page PTE would survive the write.
 *
 * Called after the pages at @indices are in obj->pages; with @zap the
 * PTEs are dropped even if zero_mapped is clear (the caller knows one is
 * there).
 */
static void zp_object_publish(struct zp_object *obj, const pgoff_t *indices,
			      unsigned long nr, bool zap)
{
	unsigned long i;

	smp_mb();	/* pages published before reading zero_mapped */
	if (!zap && !READ_ONCE(obj->zero_mapped))
		return;
	mutex_lock(&obj->lock);
	for (i = 0; i < nr; i++)
		zp_object_zap(obj, indices[i]);
	mutex_unlock(&obj->lock);
}

/*
 * The reader's side of the protocol (see zp_object_publish()): maps the
 * zero page at @vmf, unless a page is already there, which then goes to
 * @vmf->page with a reference for the PTE.
 */
vm_fault_t zp_object_map_zero_page(struct zp_object *obj, struct vm_fault *vmf)
{
	struct page *page;
	vm_fault_t ret;

	mutex_lock(&obj->lock);
	WRITE_ONCE(obj->zero_mapped, true);
	smp_mb();	/* pairs with zp_object_publish() */
	page = xa_load(&obj->pages, vmf->pgoff);
	if (page) {
		mutex_unlock(&obj->lock);
		get_page(page);
		vmf->page = page;
		return 0;
	}
	/* vm_page_prot is read-only: pfn_mkwrite makes mappings write-notify */
	ret = vmf_insert_mixed(vmf->vma, vmf->address,
			       pfn_to_pfn_t(my_zero_pfn(vmf->address)));
	mutex_unlock(&obj->lock);
	this_cpu_inc(zp_pcpu_cnt.dev_zero_maps);
	return ret;
}

/*
 * Puts a pool page (zeroed inline on a pool miss: someone touches it now)
 * at @index; returns the page now there, a racer's if one came first.
 */
static struct page *zp_object_add_fresh(struct zp_object *obj, pgoff_t index)
{
	struct page *page;
	int err;

	page = zp_take_page(numa_node_id(), GFP_HIGHUSER);
	if (!page)
		return ERR_PTR(-ENOMEM);
	err = zp_object_add(obj, index, page);
	if (err == -EBUSY)
		return xa_load(&obj->pages, index);	/* a racer's */
	return err ? ERR_PTR(err) : page;
}

/*
 * Returns the page at @index, putting a pool page there if there is none,
 * with no zero-page PTE of @index left in any mapping.  With @zap the
 * zero-page PTEs are dropped even if the page existed (a write hit one).
 */
struct page *zp_object_instantiate(struct zp_object *obj, pgoff_t index,
				   bool zap)
{
	struct page *page;

	page = zap ? xa_load(&obj->pages, index) : NULL;
	if (!page) {
		page = zp_object_add_fresh(obj, index);
		if (IS_ERR(page))
			return page;
	}
	zp_object_publish(obj, &index, 1, zap);
	return page;
}

/*
 * The instantiate step of fault-around: puts a page already in the pool
 * into each hole among @indices, in order, until the pool is dry; a page
 * nobody asked for is never zeroed inline.  Returns how many; the first
 * that many entries of @indices and @pages are then the filled indices
 * and their pages, which the object holds whether or not a PTE ever maps
 * them, with no zero-page PTE of those indices left in any mapping.
 */
unsigned long zp_object_fill_holes(struct zp_object *obj, pgoff_t *indices,
				   struct page **pages, unsigned long nr)
{
	unsigned long i, n = 0;
	struct page *page;
	int err;

	for (i = 0; i < nr; i++) {
		if (xa_load(&obj->pages, indices[i]))
			continue;
		page = zp_take_pooled_page(NUMA_NO_NODE, NULL);
		if (!page)
			break;
		err = zp_object_add(obj, indices[i], page);
		if (err == -EBUSY)
			continue;	/* a racer's page: theirs to map */
		if (err)
			break;
		indices[n] = indices[i];
		pages[n++] = page;
	}
	if (n)
		zp_object_publish(obj, indices, n, false);
	return n;
}
