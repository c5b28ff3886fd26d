/* SPDX-License-Identifier: GPL-2.0 */
/* Fault-around for /dev/zeropool mappings (faultaround.c), called by dev.c. */
#ifndef _ZEROPOOL_FAULTAROUND_H
#define _ZEROPOOL_FAULTAROUND_H

struct vm_fault;
struct zp_object;

void zp_fault_around(struct vm_fault *vmf, struct zp_object *obj,
		     unsigned long nr);

#endif /* _ZEROPOOL_FAULTAROUND_H */
