// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/zeropool: MAP_SHARED demand-zero memory served from the pool.
 *
 * Each open file is one memory object: an xarray of its pages indexed by
 * file offset, so that every mapping of the file (and every child that
 * inherited one) sees the same page at the same offset.  The pages are
 * ordinary refcounted pages mapped through ->fault, so RSS accounting,
 * fork, munmap and exit treat them like any shared page.
 *
 * With read_fault=zero_page a read of a hole maps the shared zero page
 * read-only (on 6.10+ only in mappings that can never be written: see
 * zp_vma_may_map_zero_page()).  The first write to that offset, in any process, puts a pool
 * page in the object and zaps every zero-page PTE of that offset through
 * the object's own address_space (each object has its own inode for this),
 * so no mapping keeps reading zeros once someone wrote.
 *
 * The policy is read at mmap: a mapping that can never hold the zero page
 * gets ops without pfn_mkwrite, so it is not write-notified, its PTEs are
 * writable from the start and its faults insert the page themselves.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/mutex.h>
#include <linux/pfn_t.h>
#include <linux/pseudo_fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include <uapi/zeropool.h>
#include <zeropool/compat.h>

#include "object.h"
#include "zeropool.h"

#define ZEROPOOL_FS_MAGIC	0x7a70706c	/* "zppl" */

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

/* Drops every PTE of @index in every mapping of @obj. */
void zp_object_zap(struct zp_object *obj, pgoff_t index)
{
	unmap_mapping_range(obj->inode->i_mapping, (loff_t)index << PAGE_SHIFT,
			    PAGE_SIZE, 0);
}

/*
 * Returns the page at @index, putting a pool page there if there is none.
 * With @zap, zero-page PTEs of @index are dropped even if the page existed.
 *
 * Writers take obj->lock only when the object ever mapped the zero page:
 * a writer publishes its page, then reads zero_mapped; a reader sets
 * zero_mapped, then looks for a page, under the lock.  With a full barrier
 * on both sides, either the reader finds the page or the writer sees
 * zero_mapped and zaps after the reader's PTE is in.
 */
static struct page *zp_object_instantiate(struct zp_object *obj,
					  pgoff_t index, bool zap)
{
	struct page *page, *fresh;
	int err;

	page = zap ? xa_load(&obj->pages, index) : NULL;
	if (!page) {
		fresh = zp_take_page(numa_node_id(), GFP_HIGHUSER);
		if (!fresh)
			return ERR_PTR(-ENOMEM);
		err = xa_insert(&obj->pages, index, fresh, GFP_KERNEL);
		if (err) {
			zp_give_page(fresh);	/* still zero */
			if (err != -EBUSY)
				return ERR_PTR(err);
			page = xa_load(&obj->pages, index);	/* a racer's */
		} else {
			atomic_long_inc(&obj->nr_pages);
			page = fresh;
		}
	}
	smp_mb();	/* page published before reading zero_mapped */
	if (zap || READ_ONCE(obj->zero_mapped)) {
		mutex_lock(&obj->lock);
		zp_object_zap(obj, index);
		mutex_unlock(&obj->lock);
	}
	return page;
}

static vm_fault_t zp_map_zero_page(struct zp_object *obj, struct vm_fault *vmf)
{
	struct page *page;
	vm_fault_t ret;

	mutex_lock(&obj->lock);
	WRITE_ONCE(obj->zero_mapped, true);
	smp_mb();	/* see zp_object_instantiate() */
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
 * ->fault of mappings that never map the zero page: the page goes into the
 * PTE here, skipping the page lock and dirty bookkeeping the core would do
 * for a file page, which a page without a mapping has no use for; then,
 * with fault_around_pages > 1, pool pages into the holes around it.
 */
static vm_fault_t zp_dev_fault_alloc(struct vm_fault *vmf)
{
	struct zp_object *obj = vmf->vma->vm_file->private_data;
	struct page *page;
	unsigned long nr;
	int err;

	this_cpu_inc(zp_pcpu_cnt.dev_faults);
	page = xa_load(&obj->pages, vmf->pgoff);
	if (!page) {
		page = zp_object_instantiate(obj, vmf->pgoff, false);
		if (IS_ERR(page))
			return vmf_error(PTR_ERR(page));
	}
	err = vm_insert_page(vmf->vma, vmf->address, page);
	if (err == -EBUSY)	/* a racer mapped it */
		return VM_FAULT_NOPAGE;
	if (err)
		return vmf_error(err);
	nr = READ_ONCE(zp_tun.fault_around_pages);
	if (nr > 1)
		zp_fault_around(vmf, obj, nr);
	return VM_FAULT_NOPAGE;
}

static vm_fault_t zp_dev_fault(struct vm_fault *vmf)
{
	struct zp_object *obj = vmf->vma->vm_file->private_data;
	struct page *page;

	this_cpu_inc(zp_pcpu_cnt.dev_faults);
	page = xa_load(&obj->pages, vmf->pgoff);
	if (!page) {
		if (!(vmf->flags & FAULT_FLAG_WRITE))
			return zp_map_zero_page(obj, vmf);
		page = zp_object_instantiate(obj, vmf->pgoff, false);
		if (IS_ERR(page))
			return vmf_error(PTR_ERR(page));
	}
	get_page(page);		/* the PTE's reference */
	vmf->page = page;
	return 0;
}

/* A write hit a zero-page PTE: replace it by a real page, then retry. */
static vm_fault_t zp_dev_pfn_mkwrite(struct vm_fault *vmf)
{
	struct zp_object *obj = vmf->vma->vm_file->private_data;
	struct page *page;

	page = zp_object_instantiate(obj, vmf->pgoff, true);
	if (IS_ERR(page))
		return vmf_error(PTR_ERR(page));
	return VM_FAULT_NOPAGE;
}

/*
 * The core's read fault-around maps nothing here: a hole must go through
 * ->fault (which does its own fault-around, faultaround.c).  The op still
 * matters: since 6.4 a fault under the per-VMA lock is only handled
 * there when the VMA has ->map_pages; without it every fault of ours would
 * be retried under mmap_lock, taking it twice.  ->fault and ->pfn_mkwrite
 * need neither lock of the mm.
 */
static vm_fault_t zp_dev_map_pages(struct vm_fault *vmf, pgoff_t start_pgoff,
				   pgoff_t end_pgoff)
{
	return 0;
}

static const struct vm_operations_struct zp_vm_ops = {
	.fault = zp_dev_fault,
	.map_pages = zp_dev_map_pages,
	.pfn_mkwrite = zp_dev_pfn_mkwrite,
};

/* No pfn_mkwrite: the core maps our pages writable with no write-notify. */
static const struct vm_operations_struct zp_vm_ops_alloc = {
	.fault = zp_dev_fault_alloc,
	.map_pages = zp_dev_map_pages,
};

static int zp_dev_mmap(struct file *file, struct vm_area_struct *vma)
{
	/* A private mapping would need COW of our pages: use the anon path. */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	zp_vm_flags_set(vma, VM_MIXEDMAP);
	if (READ_ONCE(zp_tun.read_fault) == ZP_READ_FAULT_ZERO_PAGE &&
	    zp_vma_may_map_zero_page(vma))
		vma->vm_ops = &zp_vm_ops;
	else
		vma->vm_ops = &zp_vm_ops_alloc;
	return 0;
}

static int zp_dev_open(struct inode *inode, struct file *file)
{
	struct zp_object *obj;
	int err;

	obj = kzalloc(sizeof(*obj), GFP_KERNEL);
	if (!obj)
		return -ENOMEM;
	mutex_init(&obj->lock);
	xa_init(&obj->pages);

	err = simple_pin_fs(&zp_fs_type, &zp_fs_mnt, &zp_fs_count);
	if (err)
		goto out_free;
	obj->inode = alloc_anon_inode(zp_fs_mnt->mnt_sb);
	if (IS_ERR(obj->inode)) {
		err = PTR_ERR(obj->inode);
		goto out_unpin_fs;
	}
	/* mmap links our VMAs into this address_space, not the chardev's */
	file->f_mapping = obj->inode->i_mapping;
	file->private_data = obj;
	return 0;

out_unpin_fs:
	simple_release_fs(&zp_fs_mnt, &zp_fs_count);
out_free:
	kfree(obj);
	return err;
}

static int zp_dev_release(struct inode *inode, struct file *file)
{
	struct zp_object *obj = file->private_data;
	unsigned long index;
	struct page *page;

	/* No mapping is left: a page we alone hold can be re-zeroed. */
	xa_for_each(&obj->pages, index, page)
		zp_put_page(page);
	xa_destroy(&obj->pages);
	iput(obj->inode);
	simple_release_fs(&zp_fs_mnt, &zp_fs_count);
	kfree(obj);
	return 0;
}

static long zp_dev_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	struct zp_object *obj = file->private_data;
	struct zeropool_info info = {
		.abi_version = ZEROPOOL_ABI_VERSION,
		.page_size = PAGE_SIZE,
		.features = ZEROPOOL_FEAT_MMAP_SHARED |
			    ZEROPOOL_FEAT_RECYCLE,
	};

	if (cmd != ZEROPOOL_IOC_GET_INFO)
		return -ENOTTY;
	if (zp_zero_page_in_writable_maps())
		info.features |= ZEROPOOL_FEAT_ZERO_PAGE_WRITABLE;
	info.pool_pages = zp_pool_pages();
	info.max_pages = READ_ONCE(zp_tun.max_pages);
	info.object_pages = atomic_long_read(&obj->nr_pages);
	info.read_fault = READ_ONCE(zp_tun.read_fault) == ZP_READ_FAULT_ALLOC ?
			  ZEROPOOL_READ_FAULT_ALLOC :
			  ZEROPOOL_READ_FAULT_ZERO_PAGE;
	if (copy_to_user((void __user *)arg, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

static const struct file_operations zp_dev_fops = {
	.owner = THIS_MODULE,
	.open = zp_dev_open,
	.release = zp_dev_release,
	.mmap = zp_dev_mmap,
	.unlocked_ioctl = zp_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice zp_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "zeropool",
	.fops = &zp_dev_fops,
	.mode = 0666,
};

int zp_dev_init(void)
{
	return misc_register(&zp_miscdev);
}

void zp_dev_exit(void)
{
	misc_deregister(&zp_miscdev);
}
