// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/zeropool: MAP_SHARED demand-zero memory served from the pool.
 *
 * This file is the character device and its mappings: open and close,
 * mmap, the fault handlers and GET_INFO.  Each open file is one memory
 * object (object.c), which alone edits its pages; the fault handlers here
 * only decide, per fault, which of its operations to run.  The memory
 * behaves as MAP_SHARED|MAP_ANONYMOUS as long as a mapping covers it;
 * what the open file keeps that no mapping covers is bounded per user
 * (unmapped.c), so each mapping's coming and going is reported there.
 *
 * With read_fault=zero_page a read of a hole maps the shared zero page
 * read-only (on 6.10+ only in mappings that can never be written: see
 * zp_vma_may_map_zero_page()); the first write to that offset, in any
 * process, reaches pfn_mkwrite, which instantiates a pool page in the
 * object and zaps the zero-page PTEs of every mapping of it.
 *
 * The policy is read at mmap: a mapping that can never hold the zero page
 * gets ops without pfn_mkwrite, so it is not write-notified, its PTEs are
 * writable from the start and its faults insert the page themselves.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include <uapi/zeropool.h>
#include <zeropool/compat.h>

#include "faultaround.h"
#include "object.h"
#include "unmapped.h"
#include "zeropool.h"

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
	zp_unmapped_fault(obj, vmf->pgoff);
	page = zp_object_lookup(obj, vmf->pgoff);
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
	zp_unmapped_fault(obj, vmf->pgoff);
	page = zp_object_lookup(obj, vmf->pgoff);
	if (!page) {
		if (!(vmf->flags & FAULT_FLAG_WRITE))
			return zp_object_map_zero_page(obj, vmf);
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

/*
 * A mapping goes (munmap, exit, the middle of a split, the old place of
 * an mremap): its PTEs are gone; what it leaves uncovered is bounded.
 * Having ->close also keeps the core from merging our VMAs.
 */
static void zp_dev_vma_close(struct vm_area_struct *vma)
{
	zp_unmapped_close(vma->vm_file->private_data, vma);
}

static const struct vm_operations_struct zp_vm_ops = {
	.fault = zp_dev_fault,
	.map_pages = zp_dev_map_pages,
	.pfn_mkwrite = zp_dev_pfn_mkwrite,
	.close = zp_dev_vma_close,
};

/* No pfn_mkwrite: the core maps our pages writable with no write-notify. */
static const struct vm_operations_struct zp_vm_ops_alloc = {
	.fault = zp_dev_fault_alloc,
	.map_pages = zp_dev_map_pages,
	.close = zp_dev_vma_close,
};

static int zp_dev_mmap(struct file *file, struct vm_area_struct *vma)
{
	/* A private mapping would need COW of our pages: use the anon path. */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	zp_vm_flags_set(vma, VM_MIXEDMAP);
	zp_unmapped_clear(file->private_data, vma->vm_pgoff,
			  vma->vm_pgoff + vma_pages(vma) - 1);
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

	obj = zp_object_create();
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	/* mmap links our VMAs into the object's mapping, not the chardev's */
	file->f_mapping = zp_object_mapping(obj);
	file->private_data = obj;
	return 0;
}

/*
 * The last close: every mapping holds the file, so none is left, and the
 * object goes with every page it kept.
 */
static int zp_dev_release(struct inode *inode, struct file *file)
{
	zp_object_release(file->private_data);
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
	info.object_pages = zp_object_nr_pages(obj);
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
	.mode = 0600,
};

int zp_dev_init(void)
{
	return misc_register(&zp_miscdev);
}

void zp_dev_exit(void)
{
	misc_deregister(&zp_miscdev);
}
