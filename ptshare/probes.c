// SPDX-License-Identifier: GPL-2.0
/*
 * The probes: what each does.  Which functions exist differs by kernel
 * (6.12 inlines dup_mmap and wp_page_copy), so each role lists candidate
 * symbols and the first that attaches (attach.c: how) is used.  Only the
 * fork-level probe and copy_page_range are essential.
 *
 * Handlers run with preemption disabled: they never sleep, never allocate,
 * and touch at most the fixed slot table.  On a fork that is not traced
 * they write nothing shared: forks_seen and forks_filtered are per CPU.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/string.h>

#include "attach.h"
#include "ptshare.h"

enum pts_role {
	PTS_P_FORK,
	PTS_P_DUP,
	PTS_P_CPR,
	PTS_P_FAULT,
	PTS_P_COW,
	PTS_P_EXIT,
	PTS_P_NR,
};

/* Counted on every fork, traced or not: per CPU.  Written here only. */
DEFINE_PER_CPU(u64, pts_forks_seen);
DEFINE_PER_CPU(u64, pts_forks_filtered);
DEFINE_PER_CPU(u64, pts_forks_vfork);

static char pts_attached[160];
/* How the return probes and the entry-only probes are attached. */
static const char *pts_kind_ret = "none";
static const char *pts_kind_entry = "none";
static bool pts_cow_attached;
/*
 * The gate: traced forks between their fork-level entry and return, under
 * pts_gate_lock.  While there are none the dup and copy probes are
 * switched off where that costs a flag write (fprobes, pts_gating): the
 * copy_page_range calls of every untraced fork then return in ftrace's
 * callback, before a return hook is taken.  Only traced forks take the
 * lock, and only where fprobes exist, whose handlers run from ftrace,
 * never in NMI context.
 */
static bool pts_gating;
static DEFINE_SPINLOCK(pts_gate_lock);
static unsigned int pts_gate_users;
static bool pts_fork_is_copy_process;
static bool pts_fault_is_wp;

static void pts_ri_set(struct pts_ri *d, struct pts_slot *slot)
{
	d->idx = pts_slot_index(slot);
	d->gen = slot->gen;
	d->t0 = pts_now_ns();
}

static void pts_gate(bool open);

/* --- fork level: kernel_clone(args) or copy_process(pid, trace, node, args) */

static int pts_fork_entry(struct pts_ri *d, struct pt_regs *regs)
{
	struct kernel_clone_args *args;
	struct pts_slot *slot;

	d->gated = false;
	if (!READ_ONCE(pts_tun.enabled) || !current->mm)
		return 1;
	args = (void *)regs_get_kernel_argument(regs,
						pts_fork_is_copy_process ? 3 : 0);
	if (args->flags & CLONE_VM)
		return 1;	/* threads and vfork share the mm: no copy */
	this_cpu_inc(pts_forks_seen);
	/*
	 * kernel_clone() returns after a vfork child's exec or exit: its
	 * return would charge the child's run to fork_ns (and hold unload).
	 */
	if ((args->flags & CLONE_VFORK) && !pts_fork_is_copy_process) {
		this_cpu_inc(pts_forks_vfork);
		return 1;
	}
	if (!pts_filter_pass(current)) {
		this_cpu_inc(pts_forks_filtered);
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
	if (pts_gating) {
		pts_gate(true);
		d->gated = true;
	}
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

static void pts_fork_ret(struct pts_ri *d, unsigned long ret)
{
	struct pts_slot *slot = pts_slot_get(d->idx, d->gen);
	struct pts_record *rec;
	u64 window_ms;
	pid_t child;

	if (d->gated)
		pts_gate(false);
	if (!slot)
		return;
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
	return;

out_failed:
	atomic64_inc(&pts_cnt.forks_failed);
	pts_slot_release(slot);
}

/* --- dup_mmap(mm, oldmm): 6.1 only --- */

static int pts_dup_entry(struct pts_ri *d, struct pt_regs *regs)
{
	struct pts_slot *slot = pts_slot_current();

	if (!slot)
		return 1;
	pts_ri_set(d, slot);
	d->mm = (struct mm_struct *)regs_get_kernel_argument(regs, 0);
	pts_slot_set_child_mm(slot, d->mm);
	return 0;
}

static void pts_dup_ret(struct pts_ri *d, unsigned long ret)
{
	struct pts_slot *slot = pts_slot_get(d->idx, d->gen);

	if (!slot)
		return;
	slot->dup_seen = true;
	slot->rec.dup_ns += pts_now_ns() - d->t0;
	/* The new mm is still the forking task's to free: safe to read. */
	slot->rec.pgtable_bytes = mm_pgtables_bytes(d->mm);
}

/* --- copy_page_range(dst_vma, src_vma), once per VMA --- */

static int pts_cpr_entry(struct pts_ri *d, struct pt_regs *regs)
{
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

static void pts_cpr_ret(struct pts_ri *d, unsigned long ret)
{
	struct pts_slot *slot = pts_slot_get(d->idx, d->gen);
	u64 now = pts_now_ns();

	if (!slot)
		return;
	slot->t_last_cpr = now;
	slot->rec.cpr_ns += now - d->t0;
	slot->rec.cpr_calls++;
	slot->rec.vmas_copied++;
	/* after reading the clock: cpr_ns is the kernel's time only */
	pts_walk_copied(slot, d->mm, d->start, d->end);
	if (!slot->dup_seen)
		slot->rec.pgtable_bytes = mm_pgtables_bytes(d->mm);
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
static void pts_fault_pre(unsigned long a0, unsigned long a1,
			  unsigned long a2)
{
	struct vm_area_struct *vma;
	struct vm_fault *vmf;
	unsigned long addr;

	if (pts_fault_is_wp) {
		vmf = (void *)a0;
		vma = vmf->vma;
		addr = vmf->address;
	} else {
		if (!(a2 & FAULT_FLAG_WRITE))
			return;
		vma = (void *)a0;
		addr = a1;
	}
	/* Without the COW probe, every such fault stands in for one. */
	pts_fault(vma->vm_mm, addr, !READ_ONCE(pts_cow_attached), true);
}

/* --- wp_page_copy(vmf): a page is copied (6.1; inlined on 6.12) --- */

static void pts_cow_pre(unsigned long a0, unsigned long a1, unsigned long a2)
{
	struct vm_fault *vmf = (void *)a0;

	pts_fault(vmf->vma->vm_mm, vmf->address, true, false);
}

/* --- exit_mmap(mm): the child exited or exec'd, or the parent exited --- */

static void pts_exit_pre(unsigned long a0, unsigned long a1,
			 unsigned long a2)
{
	pts_mm_exit((void *)a0);
}

static struct pts_probe pts_probes[PTS_P_NR] = {
	[PTS_P_FORK] = { .role = "fork", .essential = true,
		.syms = { "kernel_clone", "copy_process" },
		.entry = pts_fork_entry, .exit = pts_fork_ret },
	[PTS_P_DUP] = { .role = "dup", .syms = { "dup_mmap" }, .gated = true,
		.entry = pts_dup_entry, .exit = pts_dup_ret },
	[PTS_P_CPR] = { .role = "copy", .essential = true, .gated = true,
		.syms = { "copy_page_range" },
		.entry = pts_cpr_entry, .exit = pts_cpr_ret },
	[PTS_P_FAULT] = { .role = "fault",
		.syms = { "do_wp_page", "handle_mm_fault" },
		.pre = pts_fault_pre },
	[PTS_P_COW] = { .role = "cow", .syms = { "wp_page_copy" },
		.pre = pts_cow_pre },
	[PTS_P_EXIT] = { .role = "exit", .syms = { "exit_mmap" },
		.pre = pts_exit_pre },
};

void pts_probes_unregister(void)
{
	int i;

	pts_attach_drain();
	/* Fork level first, so no new slot is claimed while others go. */
	for (i = 0; i < PTS_P_NR; i++)
		pts_detach(&pts_probes[i]);
	/*
	 * Unregistering waits for running handlers; a return still pending
	 * on some task's stack finds its handler cleared and does not call
	 * into this module.
	 */
}

/* Opens the gate for a traced fork, or closes it after one. */
static void pts_gate(bool open)
{
	unsigned long flags;
	int i;

	spin_lock_irqsave(&pts_gate_lock, flags);
	if (open ? !pts_gate_users++ : !--pts_gate_users)
		for (i = 0; i < PTS_P_NR; i++)
			pts_attach_set_enabled(&pts_probes[i], open);
	spin_unlock_irqrestore(&pts_gate_lock, flags);
}

/* One name per class, or "mixed" if a fallback attached some of them. */
static void pts_kinds_note(void)
{
	const char **kind;
	struct pts_probe *p;
	int i;

	pts_kind_ret = "none";
	pts_kind_entry = "none";
	for (i = 0; i < PTS_P_NR; i++) {
		p = &pts_probes[i];
		if (!p->sym)
			continue;
		kind = p->exit ? &pts_kind_ret : &pts_kind_entry;
		if (!strcmp(*kind, "none"))
			*kind = pts_kind_name(p->kind);
		else if (strcmp(*kind, pts_kind_name(p->kind)))
			*kind = "mixed";
	}
}

int pts_probes_register(const char *fork_symbol)
{
	struct pts_probe *p;
	int i, j, err = 0;

	if (fork_symbol && *fork_symbol) {
		pts_probes[PTS_P_FORK].syms[0] = fork_symbol;
		pts_probes[PTS_P_FORK].syms[1] = NULL;
	}
	pts_attach_start();
	/*
	 * Before the fork probe can run.  A gated probe that fell back to a
	 * kretprobe ignores the gate; a fork already running when its
	 * probes attach is incomplete either way.
	 */
	pts_gating = pts_attach_fprobe_kernel();
	for (i = 0; i < PTS_P_NR; i++) {
		p = &pts_probes[i];
		for (j = 0; j < ARRAY_SIZE(p->syms) && p->syms[j]; j++) {
			/* Set before the handler can run. */
			if (i == PTS_P_FORK)
				pts_fork_is_copy_process =
					!strcmp(p->syms[j], "copy_process");
			if (i == PTS_P_FAULT)
				pts_fault_is_wp = !strcmp(p->syms[j], "do_wp_page");
			err = pts_attach(p, p->syms[j], pts_tun.maxactive);
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
	pts_kinds_note();
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
	pts_attach_drain();
	while (i-- > 0)
		pts_detach(&pts_probes[i]);
	return err;
}

u64 pts_probes_missed(void)
{
	u64 sum = 0;
	int i;

	for (i = 0; i < PTS_P_NR; i++)
		sum += pts_attach_missed(&pts_probes[i]);
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
			   p->sym ? p->sym : "-", pts_kind_name(p->kind),
			   pts_attach_missed(p), pts_attach_maxactive(p));
	}
}

const char *pts_probes_attach_kind(void)
{
	return pts_kind_ret;
}

const char *pts_probes_attach_entry_kind(void)
{
	return pts_kind_entry;
}
