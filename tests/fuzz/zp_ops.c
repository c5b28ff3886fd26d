// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/zeropool: GET_INFO and mmap() with random flags, offsets and
 * lengths (MAP_PRIVATE must be refused); pool/user_unmapped_max_pages
 * changed under the mappings; and ioctl numbers that neither device
 * knows, which both must answer with ENOTTY.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <uapi/pagesplice.h>
#include <uapi/zeropool.h>

#include "../lib/zptest.h"
#include "fuzz.h"

static bool fz_cmd_known(unsigned int cmd)
{
	static const unsigned int known[] = {
		PAGESPLICE_IOC_GET_INFO, PAGESPLICE_IOC_SUBMIT,
		PAGESPLICE_IOC_REAP, PAGESPLICE_IOC_SHUTDOWN,
		PAGESPLICE_IOC_FORWARD, PAGESPLICE_IOC_SET_EVENTFD,
		ZEROPOOL_IOC_GET_INFO,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(known); i++)
		if (cmd == known[i])
			return true;
	return false;
}

/*
 * Types the VFS answers itself before a driver sees the call (FIONBIO,
 * FIFREEZE, FICLONE, FS_IOC_*, FIGETBSZ...): not the modules' to document.
 */
static bool fz_type_generic(unsigned int type)
{
	return type == 0 || type == 0x15 || type == 'T' || type == 'X' ||
	       type == 'f' || type == 'v' || type == 0x94;
}

static unsigned int fz_unknown_cmd(void)
{
	static const unsigned int sizes[] = {
		0, 4, 8, sizeof(struct pagesplice_info),
		sizeof(struct pagesplice_submit),
		sizeof(struct zeropool_info), 0x3fff,
	};
	unsigned int cmd, type;

	do {
		if (fz_one_in(4))
			type = fz_below(256);
		else
			type = fz_one_in(2) ? PAGESPLICE_IOC_MAGIC :
			       ZEROPOOL_IOC_MAGIC;
		cmd = _IOC(fz_below(4), type,
			   fz_one_in(2) ? fz_below(8) : fz_below(256),
			   fz_one_in(2) ? FZ_PICK(sizes) : fz_below(1 << 14));
		if (fz_one_in(8))
			cmd = (unsigned int)fz_rand();
	} while (fz_cmd_known(cmd) || fz_type_generic(_IOC_TYPE(cmd)));
	return cmd;
}

void fz_op_unknown_ioctl(void)
{
	unsigned int cmd = fz_unknown_cmd();
	bool zp = fz_one_in(2);
	/* only the devices: a pipe knows ioctls of its own */
	int fd = fz_one_in(10) ? fz_fd_bad() :
		 fz_fd_get(zp ? FZ_F_ZP : FZ_F_RING);
	void *arg = fz_one_in(2) ? (void *)fz_scratch : fz_bad_ptr();

	fz_check(zp ? FZ_ZP_UNKNOWN : FZ_PS_UNKNOWN, fz_ioctl(fd, cmd, arg),
		 "fd %d cmd %#x arg %p", fd, cmd, arg);
}

void fz_op_zp_info(void)
{
	struct zeropool_info info;
	int fd = fz_fd_any(FZ_F_ZP), ret;
	void *arg = fz_arg(&info, sizeof(info));

	memset(&info, 0xff, sizeof(info));
	ret = fz_ioctl(fd, ZEROPOOL_IOC_GET_INFO, arg);
	if (!fz_check(FZ_ZP_INFO, ret, "fd %d arg %p", fd, arg) || ret ||
	    arg != &info)
		return;
	if (info.abi_version != ZEROPOOL_ABI_VERSION ||
	    info.page_size != fz.pg || info.reserved ||
	    info.read_fault > ZEROPOOL_READ_FAULT_ALLOC ||
	    !(info.features & ZEROPOOL_FEAT_MMAP_SHARED))
		fz_fail("ZEROPOOL GET_INFO fd %d: abi %u page %u reserved %u read_fault %u features %#llx",
			fd, info.abi_version, info.page_size, info.reserved,
			info.read_fault, (unsigned long long)info.features);
}

static size_t fz_map_len(bool populate)
{
	uint64_t pg = fz.pg;

	switch (fz_below(8)) {
	case 0:
		return fz_below(2) ? 0 : -pg;
	case 1:
		return 1 + fz_below(4 * pg);
	case 2:
		return populate ? 4 << 20 : 1ULL << 40;
	default:
		return (1 + fz_below(populate ? 1024 : 2048)) * pg;
	}
}

static off_t fz_map_off(void)
{
	uint64_t pg = fz.pg;

	switch (fz_below(8)) {
	case 0:
		return fz_below(1 << 20) * pg;
	case 1:
		return (off_t)(1ULL << (40 + fz_below(22))) & ~(off_t)(pg - 1);
	case 2:
		return fz_below(2) ? -(off_t)pg : (off_t)(pg * fz_below(4) + 1);
	case 3:
		return (off_t)(0x7fffffffffffffffULL & ~(pg - 1));
	default:
		return 0;
	}
}

void fz_op_zp_mmap(void)
{
	static const int types[] = {
		MAP_SHARED, MAP_SHARED, MAP_SHARED, MAP_PRIVATE,
		MAP_SHARED_VALIDATE,
	};
	static const int extra[] = {
		0, 0, 0, 0, MAP_POPULATE, MAP_NORESERVE, MAP_LOCKED,
		MAP_ANONYMOUS, MAP_SYNC, MAP_HUGETLB, MAP_GROWSDOWN,
		MAP_32BIT, MAP_FIXED_NOREPLACE, 0x8000000,
	};
	static const int prots[] = {
		PROT_READ, PROT_READ | PROT_WRITE, PROT_READ | PROT_WRITE,
		PROT_NONE, PROT_WRITE, PROT_READ | PROT_EXEC, 0x10,
	};
	int fd = fz_fd_any(FZ_F_ZP), prot = FZ_PICK(prots);
	int flags = FZ_PICK(types) | FZ_PICK(extra);
	bool populate = flags & (MAP_POPULATE | MAP_LOCKED);
	struct fz_fd *e = fz_fd_find(fd);
	bool zp = e && e->kind == FZ_F_ZP && !(flags & MAP_ANONYMOUS);
	struct fz_region *r = fz_region_pick();
	size_t len = fz_map_len(populate);
	off_t off = fz_map_off();
	void *hint = NULL, *p;

	/*
	 * Only where something is mapped: as root, a NULL hint would map
	 * page 0, and NULL would stop being a bad pointer.
	 */
	if (flags & MAP_FIXED_NOREPLACE)
		hint = r ? r->addr : fz_scratch;
	p = mmap(hint, len, prot, flags, fd, off);
	if (!fz_check(FZ_ZP_MMAP, p == MAP_FAILED ? -1 : 0,
		      "fd %d len %#zx prot %#x flags %#x off %#llx", fd, len,
		      prot, flags, (unsigned long long)off) || p == MAP_FAILED)
		return;
	if (zp && (flags & MAP_TYPE) == MAP_PRIVATE)
		fz_fail("mmap of /dev/zeropool with MAP_PRIVATE (flags %#x) succeeded",
			flags);
	len = (len + fz.pg - 1) / fz.pg * fz.pg;
	if ((!zp && !(flags & MAP_ANONYMOUS)) || (flags & MAP_HUGETLB) ||
	    len > (8UL << 20)) {
		fz_check(FZ_MUNMAP, munmap(p, len), "%p+%zu", p, len);
		return;
	}
	/* a new object is zero everywhere until its first mapping is used */
	r = fz_region_add(p, len, !zp ? ((flags & MAP_TYPE) == MAP_PRIVATE ?
				       FZ_M_UNTOUCHED : FZ_M_SHARED) : FZ_M_ZP,
			  prot, zp && e->fresh);
	if (zp && !e->fresh)
		fz_regions_unvirgin(e->obj);
	if (r) {
		r->hist = FZ_H_MMAP;
		r->off = off;
		r->obj = zp ? e->obj : 0;
	}
	if (e)
		e->fresh = false;
}

/*
 * The per-user bounds, moved while objects are mapped, unmapped and
 * inherited: user_unmapped_max_pages 0 (every last unmap frees), a few
 * pages (most unmaps pass it and discard) or more; user_max_pages mostly
 * back to 0 (no cap), since sysfs.c's random writes leave small caps that
 * make most faults SIGBUS.  Each value is in range and must be taken;
 * sysfs.c puts the defaults back at the end.
 */
void fz_op_zp_unmapped_limit(void)
{
	static const char * const vals[] = { "0", "0", "1", "16", "512" };
	static const char * const caps[] = { "0", "0", "0", "4096" };
	const char *val = FZ_PICK(vals), *cap = FZ_PICK(caps);
	int err = zp_write("pool/user_unmapped_max_pages", val);

	if (err == -ENOENT)	/* zeropool.ko not loaded in this run */
		return;
	if (!err)
		err = zp_write("pool/user_max_pages", cap);
	if (err)
		fz_fail("pool/user_unmapped_max_pages %s or user_max_pages %s refused: %s",
			val, cap, strerror(-err));
}

/* ABI.md: a fault past pool/user_max_pages (when set) gets SIGBUS. */
bool fz_zp_capped(void)
{
	uint64_t cap;

	return !zp_read_u64("pool/user_max_pages", &cap) && cap;
}
