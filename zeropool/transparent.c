// SPDX-License-Identifier: GPL-2.0
/*
 * Transparent prezeroing: the anonymous faults of unmodified programs take
 * their zeroed order-0 page from the pool, as Lameter's Prezeroing V2 did,
 * on a stock kernel.  This file owns the hook and its life: installed
 * only while pool/transparent is not "off", gone before the module is.
 *
 * Where: both kernels allocate the zeroed page of an anonymous fault
 * (do_anonymous_page, and wp_page_copy's COW of the zero page; on 6.12
 * also UFFDIO_ZEROPAGE's fallback) through one exported function,
 * vma_alloc_folio() (6.1) / vma_alloc_folio_noprof() (6.12), called with
 * GFP_HIGHUSER_MOVABLE | __GFP_ZERO, order 0.  Every other caller passes
 * no __GFP_ZERO or a higher order and is left alone.  The fault path
 * charges the memory cgroup, adds the rmap, RSS and LRU after the call
 * returns, so a page handed back here is accounted exactly as the
 * allocator's own.
 *
 * How: an ftrace_ops with FTRACE_OPS_FL_IPMODIFY on that function, the
 * mechanism livepatch itself is built on.  Livepatch would also do, but it
 * taints the kernel (K), cannot be turned off and on again cheaply
 * (each transition waits for every task to leave the patched function),
 * and would replace the whole function; here the ftrace handler decides
 * per call and only redirects a call it can serve: it takes the page from
 * the pool first and makes the call return it (zp_tp_served()), so a
 * pool miss or an ineligible call runs the stock function untouched and
 * no task ever sleeps inside this module's code on the allocator's path.
 *
 * Switching off and unloading: unregister_ftrace_function() returns after
 * an RCU-tasks grace period (dynamic ops), when no task can still be in
 * the handler or in zp_tp_served(); a call already redirected returns
 * its page to the fault, so no fault is lost and no page half-served.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ftrace.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/ptrace.h>

#include <zeropool/compat.h>
#include <zeropool/stats.h>

#include "trace.h"
#include "zeropool.h"

/*
 * Under zp_tunables_lock(), which serialises every write of
 * pool/transparent: whether the hook is in, and whether writes may put it
 * in (from init, once the pool is up, to exit).
 */
static bool zp_tp_installed;
bool zp_tp_ready;
/* The hook went in with this write: zp_tp_mode_changed() refills. */
static bool zp_tp_fresh;

/*
 * Entered in place of the allocator, with the pool's page as its first
 * argument: the redirected call returns it.  Not traced (it is the
 * target, not a traced function).
 */
static notrace struct folio *zp_tp_served(struct page *page)
{
	return page_folio(page);
}

/*
 * A page for this call from the pool, or NULL to let the allocator run;
 * each NULL is counted under its reason.
 */
static struct page *zp_tp_take(gfp_t gfp, int order,
			       struct vm_area_struct *vma)
{
	struct page *page;
	bool movable;
	int nid;

	if (order) {
		this_cpu_inc(zp_pcpu_cnt.tp_fall_order);
		return NULL;
	}
	if (!(gfp & __GFP_ZERO)) {
		this_cpu_inc(zp_pcpu_cnt.tp_fall_gfp);
		return NULL;
	}
	if (!vma || !vma_is_anonymous(vma)) {
		this_cpu_inc(zp_pcpu_cnt.tp_fall_vma);
		return NULL;
	}
	if (!zp_tp_in_scope()) {
		this_cpu_inc(zp_pcpu_cnt.tp_fall_scope);
		return NULL;
	}
	nid = zp_tp_policy_node(vma);
	if (nid == NUMA_NO_NODE || !zp_nodes[nid]) {
		this_cpu_inc(zp_pcpu_cnt.tp_fall_policy);
		return NULL;
	}
	page = zp_take_pooled_page(nid, &movable);
	if (!page) {
		this_cpu_inc(zp_pcpu_cnt.tp_misses);
		trace_zp_pool_miss(nid, true);
		return NULL;
	}
	if (!movable) {
		/*
		 * Taken unmovable (before the mode was on, or given back): the
		 * fault must not get it, and it would come first again.  Back
		 * to the allocator with it; the scrubber refills movable.
		 */
		__free_page(page);
		this_cpu_inc(zp_pcpu_cnt.tp_fall_unmovable);
		return NULL;
	}
	this_cpu_inc(zp_pcpu_cnt.tp_served);
	this_cpu_inc(*zp_nodes[nid]->tp_served);
	return page;
}

/*
 * The x86-64 calling convention: the arguments of the traced function
 * are in its registers, the first one is also the first of
 * zp_tp_served().
 */
static void notrace zp_tp_handler(unsigned long ip, unsigned long parent_ip,
				  struct ftrace_ops *ops,
				  struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);
	struct page *page;

	if (unlikely(!regs))
		return;
	page = zp_tp_take((__force gfp_t)regs_get_kernel_argument(regs, 0),
			  (int)regs_get_kernel_argument(regs, 1),
			  (void *)regs_get_kernel_argument(regs, 2));
	if (!page)
		return;
	regs->di = (unsigned long)page;
	instruction_pointer_set(regs, (unsigned long)zp_tp_served);
}

static struct ftrace_ops zp_tp_ops = {
	.func = zp_tp_handler,
	.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY,
};

/* Installs the hook; -EBUSY when another IPMODIFY user has the function. */
static int zp_tp_install(void)
{
	int err;

	err = ftrace_set_filter_ip(&zp_tp_ops,
				   (unsigned long)ZP_VMA_ALLOC_FOLIO, 0, 0);
	if (err)
		return err;
	err = register_ftrace_function(&zp_tp_ops);
	if (err) {
		ftrace_set_filter_ip(&zp_tp_ops,
				     (unsigned long)ZP_VMA_ALLOC_FOLIO, 1, 0);
		return err;
	}
	zp_tp_installed = true;
	zp_tp_fresh = true;
	return 0;
}

static void zp_tp_remove(void)
{
	unregister_ftrace_function(&zp_tp_ops);
	ftrace_set_filter_ip(&zp_tp_ops, (unsigned long)ZP_VMA_ALLOC_FOLIO, 1, 0);
	zp_tp_installed = false;
}

/*
 * Makes the hook follow @mode (enum zp_transparent), under
 * zp_tunables_lock(); may sleep.
 */
int zp_tp_apply(unsigned int mode)
{
	int err = 0;

	if (mode != ZP_TRANSPARENT_OFF && !zp_tp_installed)
		err = zp_tp_install();
	else if (mode == ZP_TRANSPARENT_OFF && zp_tp_installed)
		zp_tp_remove();
	if (err)
		pr_warn("transparent mode: cannot hook %ps: %d\n",
			ZP_VMA_ALLOC_FOLIO, err);
	return err;
}

/*
 * After a write of pool/transparent was stored, under zp_tunables_lock():
 * when the mode just came on, what the pool holds was taken while it was
 * off, unmovable, and no fault may get it.  Rather than let the first
 * faults throw it away one by one (transparent_fallthrough_unmovable),
 * the pool is emptied now and the scrubber refills it movable.
 */
void zp_tp_mode_changed(void)
{
	if (!zp_tp_fresh)
		return;
	zp_tp_fresh = false;
	zp_drain_all();
	zp_pool_kick_all();
}

int zp_tp_init(void)
{
	int err;

	zp_tunables_lock();
	err = zp_tp_apply(zp_tun.transparent);
	zp_tp_fresh = false;	/* the pool is empty yet */
	zp_tp_ready = !err;
	zp_tunables_unlock();
	return err;
}

void zp_tp_exit(void)
{
	zp_tunables_lock();
	zp_tp_ready = false;
	zp_tp_apply(ZP_TRANSPARENT_OFF);
	zp_tunables_unlock();
	zp_tp_scope_exit();
}
