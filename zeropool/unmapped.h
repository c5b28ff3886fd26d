/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pages of a /dev/zeropool object no mapping covers (unmapped.c),
 * called by dev.c when a mapping is made, faults and goes.
 */
#ifndef _ZEROPOOL_UNMAPPED_H
#define _ZEROPOOL_UNMAPPED_H

#include "object.h"

struct vm_area_struct;

void zp_unmapped_clear(struct zp_object *obj, pgoff_t first, pgoff_t last);
void zp_unmapped_close(struct zp_object *obj, struct vm_area_struct *vma);

/* A fault at @index: its page, if marked, is covered again. */
static inline void zp_unmapped_fault(struct zp_object *obj, pgoff_t index)
{
	if (unlikely(atomic_long_read(&obj->nr_unmapped)))
		zp_unmapped_clear(obj, index, index);
}

#endif /* _ZEROPOOL_UNMAPPED_H */
