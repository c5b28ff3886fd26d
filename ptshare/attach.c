// SPDX-License-Identifier: GPL-2.0
/*
 * Attaching probes the cheapest way each kernel offers, and waiting for
 * the return probes still armed before they go.
 *
 * Return probes: an fprobe (ftrace entry, rethook exit, no kprobe layer)
 * where the kernel has one with an exit handler (6.12), else a kretprobe
 * (6.1: also ftrace-based through KPROBES_ON_FTRACE).  Entry-only probes:
 * an ftrace_ops of our own, no regs saved beyond the arguments; a kprobe
 * where ftrace refuses the function.
 *
 * Every fork, exec and exit on the system runs these wrappers, traced or
 * not, so they write no shared cache line: the armed count is per CPU and
 * the draining flag is read-mostly.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/string.h>
#include <linux/wait.h>

#include "attach.h"

/*
 * Return probes armed and not yet returned, per CPU (an arm on one CPU
 * may return on another: only the sum means anything).  Unloading first
 * stops arming new ones and waits for these to return, then unregisters:
 * a return racing with unregistration could otherwise still read the
 * handler of a probe whose module memory is being freed (seen on 6.1's
 * rethook under a fork storm).  pts_draining: written by
 * pts_attach_start()/pts_attach_drain() only, READ_ONCE in handlers.
 */
static DEFINE_PER_CPU(long, pts_armed);
static bool pts_draining;
static DECLARE_WAIT_QUEUE_HEAD(pts_drain_wq);

static const char * const pts_kind_names[] = {
	[PTS_K_NONE] = "none",
	[PTS_K_FPROBE] = "fprobe",
	[PTS_K_KRETPROBE] = "kretprobe",
	[PTS_K_FTRACE] = "ftrace",
	[PTS_K_KPROBE] = "kprobe",
};

const char *pts_kind_name(enum pts_kind kind)
{
	return pts_kind_names[kind];
}

/* Handlers run with preemption off: a drain's synchronize_rcu() waits. */
static int pts_arm(struct pts_probe *p, struct pts_ri *d,
		   struct pt_regs *regs)
{
	if (READ_ONCE(pts_draining) || p->entry(d, regs))
		return 1;
	this_cpu_inc(pts_armed);
	return 0;
}

static void pts_disarm(struct pts_probe *p, struct pts_ri *d,
		       unsigned long retval)
{
	p->exit(d, retval);
	this_cpu_dec(pts_armed);
	/* wake_up() takes a lock: not in NMI, where the drain polls instead */
	if (unlikely(READ_ONCE(pts_draining)) && !in_nmi())
		wake_up(&pts_drain_wq);
}

static long pts_armed_sum(void)
{
	long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(pts_armed, cpu);
	return sum;
}

void pts_attach_start(void)
{
	WRITE_ONCE(pts_draining, false);
}

void pts_attach_drain(void)
{
	int i;

	WRITE_ONCE(pts_draining, true);
	/*
	 * Every handler that read pts_draining false has finished (and
	 * counted its arm) once this returns: handlers run with preemption
	 * off or in NMI, both RCU read-side sections.
	 */
	synchronize_rcu();
	/* 100 ms slices: a return in NMI context does not wake us */
	for (i = 0; i < 100; i++)
		if (wait_event_timeout(pts_drain_wq, pts_armed_sum() <= 0,
				       HZ / 10))
			return;
	pr_warn("%ld probed calls still running after 10 s; unregistering anyway\n",
		pts_armed_sum());
}

static int pts_kr_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct pts_probe *p = container_of(get_kretprobe(ri), struct pts_probe,
					   rp);

	return pts_arm(p, (struct pts_ri *)ri->data, regs);
}

static int pts_kr_exit(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct pts_probe *p = container_of(get_kretprobe(ri), struct pts_probe,
					   rp);

	pts_disarm(p, (struct pts_ri *)ri->data, regs_return_value(regs));
	return 0;
}

static int pts_kp_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct pts_probe *p = container_of(kp, struct pts_probe, kp);

	p->pre(regs_get_kernel_argument(regs, 0),
	       regs_get_kernel_argument(regs, 1),
	       regs_get_kernel_argument(regs, 2));
	return 0;
}

static void notrace pts_ft_call(unsigned long ip, unsigned long parent_ip,
				struct ftrace_ops *op,
				struct ftrace_regs *fregs)
{
	struct pts_probe *p = container_of(op, struct pts_probe, ops);
	int bit = ftrace_test_recursion_trylock(ip, parent_ip);

	if (bit < 0) {
		p->ft_missed++;
		return;
	}
	p->pre(zp_ftrace_arg(fregs, 0), zp_ftrace_arg(fregs, 1),
	       zp_ftrace_arg(fregs, 2));
	ftrace_test_recursion_unlock(bit);
}

#ifdef ZP_HAVE_FPROBE
static int pts_fp_entry(struct fprobe *fp, unsigned long ip,
			unsigned long ret_ip, struct pt_regs *regs, void *data)
{
	return pts_arm(container_of(fp, struct pts_probe, fp), data, regs);
}

static void pts_fp_exit(struct fprobe *fp, unsigned long ip,
			unsigned long ret_ip, struct pt_regs *regs, void *data)
{
	pts_disarm(container_of(fp, struct pts_probe, fp), data,
		   regs_return_value(regs));
}

static int pts_attach_fprobe(struct pts_probe *p, const char *sym,
			     int maxactive)
{
	const char *syms[1] = { sym };

	memset(&p->fp, 0, sizeof(p->fp));
	if (p->gated)
		p->fp.flags = FPROBE_FL_DISABLED;	/* until a fork is traced */
	p->fp.entry_handler = pts_fp_entry;
	p->fp.exit_handler = pts_fp_exit;
	p->fp.entry_data_size = sizeof(struct pts_ri);
	p->fp.nr_maxactive = maxactive;
	return register_fprobe_syms(&p->fp, syms, 1);
}
#endif

static int pts_attach_kretprobe(struct pts_probe *p, const char *sym,
				int maxactive)
{
	memset(&p->rp, 0, sizeof(p->rp));
	p->rp.kp.symbol_name = sym;
	p->rp.entry_handler = pts_kr_entry;
	p->rp.handler = pts_kr_exit;
	p->rp.data_size = sizeof(struct pts_ri);
	p->rp.maxactive = maxactive;
	return register_kretprobe(&p->rp);
}

static int pts_attach_ftrace(struct pts_probe *p, const char *sym)
{
	char name[KSYM_NAME_LEN];
	int err;

	if (strscpy(name, sym, sizeof(name)) < 0)
		return -EINVAL;
	memset(&p->ops, 0, sizeof(p->ops));
	/*
	 * No FTRACE_OPS_FL_RECURSION: that flag asks ftrace to wrap the
	 * callback in its assist function; pts_ft_call() guards itself.
	 */
	p->ops.func = pts_ft_call;
	err = ftrace_set_filter(&p->ops, name, strlen(name), 1);
	if (err)
		goto out_filter;
	err = register_ftrace_function(&p->ops);
	if (err)
		goto out_filter;
	return 0;

out_filter:
	ftrace_free_filter(&p->ops);
	return err;
}

static int pts_attach_kprobe(struct pts_probe *p, const char *sym)
{
	memset(&p->kp, 0, sizeof(p->kp));
	p->kp.symbol_name = sym;
	p->kp.pre_handler = pts_kp_pre;
	return register_kprobe(&p->kp);
}

/* Attaches @p to @sym, the cheapest way first; 0 or the last error. */
int pts_attach(struct pts_probe *p, const char *sym, int maxactive)
{
	int err;

	p->ft_missed = 0;
	if (p->exit) {
#ifdef ZP_HAVE_FPROBE
		p->kind = PTS_K_FPROBE;
		err = pts_attach_fprobe(p, sym, maxactive);
		if (!err)
			goto out_attached;
#endif
		p->kind = PTS_K_KRETPROBE;
		err = pts_attach_kretprobe(p, sym, maxactive);
	} else {
		p->kind = PTS_K_FTRACE;
		err = pts_attach_ftrace(p, sym);
		if (!err)
			goto out_attached;
		p->kind = PTS_K_KPROBE;
		err = pts_attach_kprobe(p, sym);
	}
	if (err) {
		p->kind = PTS_K_NONE;
		return err;
	}
out_attached:
	p->sym = sym;
	return 0;
}

void pts_detach(struct pts_probe *p)
{
	switch (p->kind) {
	case PTS_K_FPROBE:
#ifdef ZP_HAVE_FPROBE
		unregister_fprobe(&p->fp);
#endif
		break;
	case PTS_K_KRETPROBE:
		unregister_kretprobe(&p->rp);
		break;
	case PTS_K_FTRACE:
		unregister_ftrace_function(&p->ops);
		ftrace_free_filter(&p->ops);
		break;
	case PTS_K_KPROBE:
		unregister_kprobe(&p->kp);
		break;
	case PTS_K_NONE:
		break;
	}
	p->kind = PTS_K_NONE;
	p->sym = NULL;
}

u64 pts_attach_missed(struct pts_probe *p)
{
	switch (p->kind) {
	case PTS_K_FPROBE:
#ifdef ZP_HAVE_FPROBE
		return p->fp.nmissed;
#else
		return 0;
#endif
	case PTS_K_KRETPROBE:
		return p->rp.nmissed + p->rp.kp.nmissed;
	case PTS_K_FTRACE:
		return READ_ONCE(p->ft_missed);
	case PTS_K_KPROBE:
		return p->kp.nmissed;
	default:
		return 0;
	}
}

/*
 * A gated probe can be switched off and on for nothing but a flag write:
 * a soft-disabled fprobe returns in ftrace's callback before taking a
 * return hook.  A kprobe's disable_kprobe() patches text: not per fork.
 */
bool pts_attach_can_gate(struct pts_probe *p)
{
	return p->gated && p->kind == PTS_K_FPROBE;
}

/* Return probes are fprobes here (unless one falls back). */
bool pts_attach_fprobe_kernel(void)
{
#ifdef ZP_HAVE_FPROBE
	return true;
#else
	return false;
#endif
}

void pts_attach_set_enabled(struct pts_probe *p, bool on)
{
#ifdef ZP_HAVE_FPROBE
	if (!pts_attach_can_gate(p))
		return;
	if (on)
		enable_fprobe(&p->fp);
	else
		disable_fprobe(&p->fp);
#endif
}

int pts_attach_maxactive(struct pts_probe *p)
{
	switch (p->kind) {
	case PTS_K_KRETPROBE:
		return p->rp.maxactive;
#ifdef ZP_HAVE_FPROBE
	case PTS_K_FPROBE:
		return p->fp.nr_maxactive;
#endif
	default:
		return 0;
	}
}
