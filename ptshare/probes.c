// SPDX-License-Identifier: GPL-2.0
/*
 * The probes.  Which functions exist differs by kernel (6.12 inlines
 * dup_mmap and wp_page_copy), so each role lists candidate symbols and the
 * first that register_k(ret)probe() accepts is used.  Only the fork-level
 * probe and copy_page_range are essential.
 *
 * Handlers run with preemption disabled: they never sleep, never allocate,
 * and touch at most the fixed slot table.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/wait.h>

#include "ptshare.h"

/* Per-call data of the kretprobes. */
struct pts_ri {
	u64 t0;
	struct mm_struct *mm;
	unsigned long start, end;	/* copy_page_range: the VMA */
	u32 gen;
	u16 idx;
};

enum pts_role {
	PTS_P_FORK,
	PTS_P_DUP,
	PTS_P_CPR,
	PTS_P_FAULT,
	PTS_P_COW,
	PTS_P_EXIT,
	PTS_P_NR,
};

struct pts_probe {
	const char *role;
	const char *syms[3];		/* candidates, NULL-terminated */
	bool ret;			/* kretprobe */
	bool essential;
	const char *sym;		/* attached to, or NULL */
	struct kprobe kp;
	struct kretprobe rp;
};

static char pts_attached[160];
static bool pts_cow_attached;
static bool pts_fork_is_copy_process;
static bool pts_fault_is_wp;

static void pts_ri_set(struct pts_ri *d, struct pts_slot *slot)
{
	d->idx = pts_slot_index(slot);
	d->gen = slot->gen;
	d->t0 = pts_now_ns();
}

/* --- fork level: kernel_clone(args) or copy_process(pid, trace, node, args) */

static int pts_fork_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct pts_ri *d = (struct pts_ri *)ri->data;
	struct kernel_clone_args *args;
	struct pts_slot *slot;

	if (!READ_ONCE(pts_tun.enabled) || !current->mm)
		return 1;
	args = (void *)regs_get_kernel_argument(regs,
						pts_fork_is_copy_process ? 3 : 0);
	if (args->flags & CLONE_VM)
		return 1;	/* threads and vfork share the mm: no copy */
	atomic64_inc(&pts_cnt.forks_seen);
	/*
	 * kernel_clone() returns after a vfork child's exec or exit: its
	 * return would charge the child's run to fork_ns (and hold unload).
	 */
	if ((args->flags & CLONE_VFORK) && !pts_fork_is_copy_process) {
		atomic64_inc(&pts_cnt.forks_vfork);
		return 1;
	}
	if (!pts_filter_pass(current)) {
		atomic64_inc(&pts_cnt.forks_filtered);
		return 1;
	}
	slot = pts_slot_claim();
	if (!slot) {
		atomic64_inc(&pts_cnt.forks_busy);
		return 1;
	}
	atomic64_inc(&pts_cnt.forks_traced);
	slot->missed0 = pts_probes_missed();
	pts_ri_set(d, slot);
	slot->t_fork = d->t0;
	slot->rec.start_ns = d->t0;
	slot->rec.parent_pid = current->pid;
	slot->rec.parent_tgid = current->tgid;
	/*
	 * No task_lock() in what may be NMI context: a rename racing with
	 * this fork gives a torn name at worst.
	 */
	strscpy_pad(slot->rec.comm, current->comm, sizeof(slot->rec.comm));
	slot->rec.parent_anon_kb = get_mm_counter(current->mm, MM_ANONPAGES) <<
				   (PAGE_SHIFT - 10);
	return 0;
}

static int pts_fork_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct pts_ri *d = (struct pts_ri *)ri->data;
	unsigned long ret = regs_return_value(regs);
	struct pts_slot *slot = pts_slot_get(d->idx, d->gen);
	struct pts_record *rec;
	u64 window_ms;
	pid_t child;

	if (!slot)
		return 0;
	if (pts_fork_is_copy_process) {
		if (IS_ERR_OR_NULL((void *)ret))
			goto out_failed;
		child = task_pid_nr((struct task_struct *)ret);
	} else {
		if ((long)ret < 0)
			goto out_failed;
		child = pts_pid_global((pid_t)ret);
	}
	rec = &slot->rec;
	/* Misses anywhere during the copy may be this fork's. */
	rec->misses += pts_probes_missed() - slot->missed0;
	rec->fork_ns = pts_now_ns() - slot->t_fork;
	if (!slot->dup_seen && slot->t_first_cpr)
		rec->dup_ns = slot->t_last_cpr - slot->t_first_cpr;
	atomic64_add(rec->fork_ns, &pts_cnt.fork_ns);
	atomic64_add(rec->dup_ns, &pts_cnt.dup_ns);
	atomic64_add(rec->cpr_ns, &pts_cnt.cpr_ns);
	atomic64_add(rec->cpr_calls, &pts_cnt.cpr_calls);
	atomic64_add(rec->vmas_copied, &pts_cnt.vmas_copied);
	atomic64_add(rec->vmas_skipped, &pts_cnt.vmas_skipped);
	atomic64_add(rec->pgtable_bytes, &pts_cnt.pgtable_bytes);
	atomic64_add(rec->pte_tables, &pts_cnt.pte_tables);
	pts_hist_add(pts_hist_fork, rec->fork_ns);
	pts_hist_add(pts_hist_cpr, rec->cpr_ns);
	window_ms = pts_fork_done(slot, child);
	if (window_ms)
		pts_sweeper_arm(window_ms);
	return 0;

out_failed:
	atomic64_inc(&pts_cnt.forks_failed);
	pts_slot_release(slot);
	return 0;
}

/* --- dup_mmap(mm, oldmm): 6.1 only --- */

static int pts_dup_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct pts_ri *d = (struct pts_ri *)ri->data;
	struct pts_slot *slot = pts_slot_current();

	if (!slot)
		return 1;
	pts_ri_set(d, slot);
	d->mm = (struct mm_struct *)regs_get_kernel_argument(regs, 0);
	pts_slot_set_child_mm(slot, d->mm);
	return 0;
}

static int pts_dup_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct pts_ri *d = (struct pts_ri *)ri->data;
	struct pts_slot *slot = pts_slot_get(d->idx, d->gen);

	if (!slot)
		return 0;
	slot->dup_seen = true;
	slot->rec.dup_ns += pts_now_ns() - d->t0;
	/* The new mm is still the forking task's to free: safe to read. */
	slot->rec.pgtable_bytes = mm_pgtables_bytes(d->mm);
	return 0;
}

/* --- copy_page_range(dst_vma, src_vma), once per VMA --- */

static int pts_cpr_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct pts_ri *d = (struct pts_ri *)ri->data;
	struct vm_area_struct *dst, *src;
	struct pts_slot *slot = pts_slot_current();
	u64 now;

	if (!slot)
		return 1;
	dst = (void *)regs_get_kernel_argument(regs, 0);
	src = (void *)regs_get_kernel_argument(regs, 1);
	pts_slot_set_child_mm(slot, dst->vm_mm);
	/*
	 * Mirrors vma_needs_copy(): without an anon_vma (and not a PFN or
	 * mixed map) the child faults pages in instead, so
	 * copy_page_range() returns before touching any table.  Ignores
	 * the rare userfaultfd-wp case.  Such a call is counted here and
	 * not timed: the return probe is most of a probe's cost, and about
	 * half of a process's VMAs (file text and data) take this path.
	 */
	now = pts_now_ns();
	if (!slot->t_first_cpr)
		slot->t_first_cpr = now;
	if (!src->anon_vma && !(src->vm_flags & (VM_PFNMAP | VM_MIXEDMAP))) {
		slot->t_last_cpr = now;
		slot->rec.cpr_calls++;
		slot->rec.vmas_skipped++;
		return 1;
	}
	pts_ri_set(d, slot);
	d->mm = dst->vm_mm;
	d->start = dst->vm_start;
	d->end = dst->vm_end;
	return 0;
}

static int pts_cpr_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct pts_ri *d = (struct pts_ri *)ri->data;
	struct pts_slot *slot = pts_slot_get(d->idx, d->gen);
	u64 now = pts_now_ns();

	if (!slot)
		return 0;
	slot->t_last_cpr = now;
	slot->rec.cpr_ns += now - d->t0;
	slot->rec.cpr_calls++;
	slot->rec.vmas_copied++;
	/* after reading the clock: cpr_ns is the kernel's time only */
	pts_walk_copied(slot, d->mm, d->start, d->end);
	if (!slot->dup_seen)
		slot->rec.pgtable_bytes = mm_pgtables_bytes(d->mm);
	return 0;
}

/*
 * --- writes: do_wp_page(vmf), else handle_mm_fault(vma, address, flags) ---
 *
 * After fork every present PTE of a private anonymous range is
 * write-protected in both processes, so the first write into a table
 * copied at fork takes a write-protect fault: do_wp_page() sees exactly
 * the writes that would privatize a shared table (writes into holes of a
 * shared table are missed).  handle_mm_fault() with FAULT_FLAG_WRITE is the
 * fallback; it is far hotter, and patching it in and out under heavy
 * faulting is what a TCG guest handles worst.
 */
static int pts_fault_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct vm_area_struct *vma;
	struct vm_fault *vmf;
	unsigned long addr;
	unsigned int flags;

	if (pts_fault_is_wp) {
		vmf = (void *)regs_get_kernel_argument(regs, 0);
		vma = vmf->vma;
		addr = vmf->address;
	} else {
		flags = regs_get_kernel_argument(regs, 2);
		if (!(flags & FAULT_FLAG_WRITE))
			return 0;
		vma = (void *)regs_get_kernel_argument(regs, 0);
		addr = regs_get_kernel_argument(regs, 1);
	}
	/* Without the COW probe, every such fault stands in for one. */
	pts_fault(vma->vm_mm, addr, !READ_ONCE(pts_cow_attached), true);
	return 0;
}

/* --- wp_page_copy(vmf): a page is copied (6.1; inlined on 6.12) --- */

static int pts_cow_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct vm_fault *vmf = (void *)regs_get_kernel_argument(regs, 0);

	pts_fault(vmf->vma->vm_mm, vmf->address, true, false);
	return 0;
}

/* --- exit_mmap(mm): the child exited or exec'd, or the parent exited --- */

static int pts_exit_pre(struct kprobe *kp, struct pt_regs *regs)
{
	pts_mm_exit((void *)regs_get_kernel_argument(regs, 0));
	return 0;
}

/*
 * Kretprobe instances armed and not yet returned.  Unloading first stops
 * arming new ones and waits for these to return, then unregisters: a
 * return racing with unregistration could otherwise still read the
 * handler of a kretprobe whose module memory is being freed (seen on
 * 6.1's rethook under a fork storm).
 */
static atomic_t pts_armed = ATOMIC_INIT(0);
static bool pts_draining;
static DECLARE_WAIT_QUEUE_HEAD(pts_drain_wq);

static void pts_disarm_count(void)
{
	if (atomic_dec_and_test(&pts_armed) && READ_ONCE(pts_draining))
		pts_wake_up_nmi_safe(&pts_drain_wq);
}

static int pts_arm(struct kretprobe_instance *ri, struct pt_regs *regs,
		   kretprobe_handler_t entry)
{
	int ret;

	atomic_inc(&pts_armed);
	smp_mb__after_atomic();	/* pairs with the barrier in pts_drain() */
	ret = READ_ONCE(pts_draining) ? 1 : entry(ri, regs);
	if (ret)
		pts_disarm_count();	/* not armed: no return to wait for */
	return ret;
}

static int pts_disarm(struct kretprobe_instance *ri, struct pt_regs *regs,
		      kretprobe_handler_t handler)
{
	int ret = handler(ri, regs);

	pts_disarm_count();
	return ret;
}

#define PTS_ARMED(name)							\
static int name##_entry_armed(struct kretprobe_instance *ri,		\
			      struct pt_regs *regs)			\
{									\
	return pts_arm(ri, regs, name##_entry);				\
}									\
static int name##_ret_armed(struct kretprobe_instance *ri,		\
			    struct pt_regs *regs)			\
{									\
	return pts_disarm(ri, regs, name##_ret);			\
}

PTS_ARMED(pts_fork)
PTS_ARMED(pts_dup)
PTS_ARMED(pts_cpr)

static void pts_drain(void)
{
	WRITE_ONCE(pts_draining, true);
	smp_mb();	/* pts_draining before reading pts_armed */
	if (!wait_event_timeout(pts_drain_wq, !atomic_read(&pts_armed),
				10 * HZ))
		pr_warn("%d probed calls still running after 10 s; unregistering anyway\n",
			atomic_read(&pts_armed));
}

static struct pts_probe pts_probes[PTS_P_NR] = {
	[PTS_P_FORK] = { .role = "fork", .ret = true, .essential = true,
		.syms = { "kernel_clone", "copy_process" },
		.rp = { .entry_handler = pts_fork_entry_armed,
			.handler = pts_fork_ret_armed,
			.data_size = sizeof(struct pts_ri) } },
	[PTS_P_DUP] = { .role = "dup", .ret = true,
		.syms = { "dup_mmap" },
		.rp = { .entry_handler = pts_dup_entry_armed,
			.handler = pts_dup_ret_armed,
			.data_size = sizeof(struct pts_ri) } },
	[PTS_P_CPR] = { .role = "copy", .ret = true, .essential = true,
		.syms = { "copy_page_range" },
		.rp = { .entry_handler = pts_cpr_entry_armed,
			.handler = pts_cpr_ret_armed,
			.data_size = sizeof(struct pts_ri) } },
	[PTS_P_FAULT] = { .role = "fault",
		.syms = { "do_wp_page", "handle_mm_fault" },
		.kp = { .pre_handler = pts_fault_pre } },
	[PTS_P_COW] = { .role = "cow", .syms = { "wp_page_copy" },
		.kp = { .pre_handler = pts_cow_pre } },
	[PTS_P_EXIT] = { .role = "exit", .syms = { "exit_mmap" },
		.kp = { .pre_handler = pts_exit_pre } },
};

static int pts_probe_try(struct pts_probe *p, const char *sym)
{
	int err;

	if (p->ret) {
		memset(&p->rp.kp, 0, sizeof(p->rp.kp));
		p->rp.kp.symbol_name = sym;
		p->rp.maxactive = pts_tun.maxactive;
		p->rp.nmissed = 0;
		err = register_kretprobe(&p->rp);
	} else {
		struct kprobe kp = { .symbol_name = sym,
				     .pre_handler = p->kp.pre_handler };

		p->kp = kp;
		err = register_kprobe(&p->kp);
	}
	if (!err)
		p->sym = sym;
	return err;
}

static void pts_probe_remove(struct pts_probe *p)
{
	if (!p->sym)
		return;
	if (p->ret)
		unregister_kretprobe(&p->rp);
	else
		unregister_kprobe(&p->kp);
}

void pts_probes_unregister(void)
{
	int i;

	pts_drain();
	/* Fork level first, so no new slot is claimed while others go. */
	for (i = 0; i < PTS_P_NR; i++)
		pts_probe_remove(&pts_probes[i]);
	/*
	 * unregister_kretprobe() waits for running handlers; a return still
	 * pending on some task's stack finds its handler cleared and does
	 * not call into this module.
	 */
}

int pts_probes_register(const char *fork_symbol)
{
	struct pts_probe *p;
	int i, j, err = 0;

	if (fork_symbol && *fork_symbol) {
		pts_probes[PTS_P_FORK].syms[0] = fork_symbol;
		pts_probes[PTS_P_FORK].syms[1] = NULL;
	}
	for (i = 0; i < PTS_P_NR; i++) {
		p = &pts_probes[i];
		p->sym = NULL;
		for (j = 0; j < ARRAY_SIZE(p->syms) && p->syms[j]; j++) {
			/* Set before the handler can run. */
			if (i == PTS_P_FORK)
				pts_fork_is_copy_process =
					!strcmp(p->syms[j], "copy_process");
			if (i == PTS_P_FAULT)
				pts_fault_is_wp = !strcmp(p->syms[j], "do_wp_page");
			err = pts_probe_try(p, p->syms[j]);
			if (!err)
				break;
			pr_info("%s probe: cannot attach to %s (%d)\n",
				p->role, p->syms[j], err);
		}
		if (!p->sym && p->essential) {
			pr_err("essential %s probe could not attach (last error %d); not loading\n",
			       p->role, err);
			err = err ? err : -ENOENT;
			goto out_unregister;
		}
	}
	pts_cow_attached = pts_probes[PTS_P_COW].sym;
	pts_attached[0] = '\0';
	for (i = 0; i < PTS_P_NR; i++) {
		p = &pts_probes[i];
		if (!p->sym)
			continue;
		if (pts_attached[0])
			strlcat(pts_attached, " ", sizeof(pts_attached));
		strlcat(pts_attached, p->sym, sizeof(pts_attached));
	}
	pr_info("attached: %s\n", pts_attached);
	return 0;

out_unregister:
	pts_drain();
	while (i-- > 0)
		pts_probe_remove(&pts_probes[i]);
	return err;
}

static u64 pts_probe_missed(struct pts_probe *p)
{
	if (!p->sym)
		return 0;
	return p->ret ? p->rp.nmissed + p->rp.kp.nmissed : p->kp.nmissed;
}

u64 pts_probes_missed(void)
{
	u64 sum = 0;
	int i;

	for (i = 0; i < PTS_P_NR; i++)
		sum += pts_probe_missed(&pts_probes[i]);
	return sum;
}

const char *pts_probes_attached(void)
{
	return pts_attached;
}

void pts_probes_show(struct seq_file *m)
{
	struct pts_probe *p;
	int i;

	seq_puts(m, "# role symbol kind nmissed maxactive\n");
	for (i = 0; i < PTS_P_NR; i++) {
		p = &pts_probes[i];
		seq_printf(m, "%s %s %s %llu %d\n", p->role,
			   p->sym ? p->sym : "-",
			   p->ret ? "kretprobe" : "kprobe",
			   pts_probe_missed(p), p->ret ? p->rp.maxactive : 0);
	}
}
