/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel API difference between the supported kernels (6.1 LTS and
 * 6.12 LTS) lives in this file and nowhere else.
 */
#ifndef _ZEROPOOL_COMPAT_H
#define _ZEROPOOL_COMPAT_H

#include <linux/version.h>
#include <linux/eventfd.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/shrinker.h>

/* Highest order the buddy allocator hands out (inclusive). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
#define ZP_MAX_PAGE_ORDER	MAX_PAGE_ORDER
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define ZP_MAX_PAGE_ORDER	MAX_ORDER
#else
#define ZP_MAX_PAGE_ORDER	(MAX_ORDER - 1)
#endif

/* vm_flags became read-only to drivers in 6.3 (per-VMA locking). */
static inline void zp_vm_flags_set(struct vm_area_struct *vma,
				   vm_flags_t flags)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

/*
 * Since 6.10 vmf_insert_mixed() refuses the shared zero page in a shared
 * mapping that may become writable: a long-term GUP pin could keep the
 * zero page after pfn_mkwrite replaced it.  Older kernels allow it.
 */
static inline bool zp_vma_may_map_zero_page(struct vm_area_struct *vma)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
	return !(vma->vm_flags & (VM_WRITE | VM_MAYWRITE));
#else
	return true;
#endif
}

/* Same rule for a mapping that is writable, as GET_INFO reports it. */
static inline bool zp_zero_page_in_writable_maps(void)
{
	return LINUX_VERSION_CODE < KERNEL_VERSION(6, 10, 0);
}

/*
 * Shrinkers are allocated by the core since 6.7; before that the caller
 * embedded a struct shrinker.  The three steps that differ are here,
 * zp_shrinker_create() below is common.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
static inline struct shrinker *zp_shrinker_alloc(const char *name)
{
	return shrinker_alloc(0, "%s", name);
}

static inline int zp_shrinker_register(struct shrinker *s, const char *name)
{
	shrinker_register(s);
	return 0;
}

/* Unregisters @s if it was registered, and frees it. */
static inline void zp_shrinker_destroy(struct shrinker *s)
{
	shrinker_free(s);
}
#else
#include <linux/slab.h>

static inline struct shrinker *zp_shrinker_alloc(const char *name)
{
	return kzalloc(sizeof(struct shrinker), GFP_KERNEL);
}

static inline int zp_shrinker_register(struct shrinker *s, const char *name)
{
	return register_shrinker(s, "%s", name);
}

/* Unregisters @s if it was registered, and frees it. */
static inline void zp_shrinker_destroy(struct shrinker *s)
{
	unregister_shrinker(s);		/* a no-op when not registered */
	kfree(s);
}
#endif

typedef unsigned long (*zp_shrink_fn)(struct shrinker *s,
				      struct shrink_control *sc);

/* A registered shrinker named @name, or NULL. */
static inline struct shrinker *zp_shrinker_create(const char *name,
						  zp_shrink_fn count,
						  zp_shrink_fn scan)
{
	struct shrinker *s = zp_shrinker_alloc(name);

	if (!s)
		return NULL;
	s->count_objects = count;
	s->scan_objects = scan;
	s->seeks = DEFAULT_SEEKS;
	if (zp_shrinker_register(s, name)) {
		zp_shrinker_destroy(s);
		return NULL;
	}
	return s;
}

/* eventfd_signal() lost its count argument in 6.8: one event per call. */
static inline void zp_eventfd_signal(struct eventfd_ctx *ctx)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
	eventfd_signal(ctx);
#else
	eventfd_signal(ctx, 1);
#endif
}

/*
 * The exported entry every zeroed order-0 anonymous fault allocation goes
 * through (zeropool/transparent.c): allocation profiling (6.10) renamed
 * vma_alloc_folio() to vma_alloc_folio_noprof() and made the old name a
 * macro around it.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define ZP_VMA_ALLOC_FOLIO	vma_alloc_folio_noprof
#else
#define ZP_VMA_ALLOC_FOLIO	vma_alloc_folio
#endif

#endif /* _ZEROPOOL_COMPAT_H */
