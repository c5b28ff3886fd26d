// SPDX-License-Identifier: GPL-2.0
/*
 * What to do next: a weighted choice among the operations, the ioctls
 * that move pages weighing most.  Forked children skip what would touch
 * the parent's bookkeeping of memory and tunables, and the racer.
 */
#include "fuzz.h"

struct fz_op {
	void (*fn)(void);
	unsigned int weight;
	bool child;
};

static void fz_op_wait(void)
{
	fz_children_reap(false);
}

static const struct fz_op fz_ops[] = {
	{ fz_op_submit, 20, true },
	{ fz_op_submit_racing, 4, false },
	{ fz_op_reap, 10, true },
	{ fz_op_read, 8, true },
	{ fz_op_readv, 3, true },
	{ fz_op_splice, 5, true },
	{ fz_op_splice_in, 1, true },
	{ fz_op_sendfile, 2, true },
	{ fz_op_tee, 2, true },
	{ fz_op_pipe_drain, 4, true },
	{ fz_op_poll, 3, true },
	{ fz_op_forward, 5, true },
	{ fz_op_ps_info, 3, true },
	{ fz_op_shutdown, 1, true },
	{ fz_op_set_eventfd, 2, true },
	{ fz_op_ps_user_limit, 2, false },
	{ fz_op_unknown_ioctl, 3, true },
	{ fz_op_write_seek, 1, true },
	{ fz_op_zp_info, 2, true },
	{ fz_op_zp_mmap, 4, true },
	{ fz_op_open, 4, true },
	{ fz_op_close, 3, true },
	{ fz_op_dup, 2, true },
	{ fz_op_scm, 2, true },
	{ fz_op_fork, 1, false },
	{ fz_op_wait, 1, false },
	{ fz_op_region_new, 4, false },
	{ fz_op_munmap, 3, false },
	{ fz_op_mprotect, 2, false },
	{ fz_op_madvise, 2, false },
	{ fz_op_mremap, 1, false },
	{ fz_op_touch, 4, false },
	{ fz_op_sysfs_write, 3, false },
	{ fz_op_zp_unmapped_limit, 1, false },
	{ fz_op_sysfs_read, 1, false },
	{ fz_op_dma_faults, 1, false },
};

void fz_step(void)
{
	unsigned int i, total = 0, pick;

	for (i = 0; i < ARRAY_SIZE(fz_ops); i++)
		if (!fz.child || fz_ops[i].child)
			total += fz_ops[i].weight;
	pick = fz_below(total);
	for (i = 0; i < ARRAY_SIZE(fz_ops); i++) {
		if (fz.child && !fz_ops[i].child)
			continue;
		if (pick < fz_ops[i].weight)
			break;
		pick -= fz_ops[i].weight;
	}
	fz.iter++;
	fz_ops[i].fn();
	/* bound what rings and pipes hold: pinned pages, copies */
	if (fz.queued > FZ_RELIEF_BYTES) {
		fz_fds_relief();
		fz.queued = 0;
	}
}
