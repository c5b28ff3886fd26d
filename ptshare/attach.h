/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How a probe is attached (attach.c), for probes.c, which says what each
 * probe does.  A return probe (entry and exit handlers with per-call
 * data) is an fprobe where the kernel has one with an exit handler, else
 * a kretprobe; an entry-only probe is a plain ftrace_ops callback, else a
 * kprobe.  The handlers see the same arguments whichever is used.
 */
#ifndef _PTSHARE_ATTACH_H
#define _PTSHARE_ATTACH_H

#include <linux/kprobes.h>
#include <linux/types.h>

#include <zeropool/compat_trace.h>

/* Per-call data of the return probes. */
struct pts_ri {
	u64 t0;
	struct mm_struct *mm;
	unsigned long start, end;	/* copy_page_range: the VMA */
	u32 gen;
	u16 idx;
	bool gated;			/* fork level: opened the gate */
};

/* Nonzero: not armed, the exit handler will not run for this call. */
typedef int (*pts_entry_fn)(struct pts_ri *d, struct pt_regs *regs);
typedef void (*pts_exit_fn)(struct pts_ri *d, unsigned long retval);
/* Entry-only: the probed function's first three arguments. */
typedef void (*pts_pre_fn)(unsigned long a0, unsigned long a1,
			   unsigned long a2);

enum pts_kind {
	PTS_K_NONE,
	PTS_K_FPROBE,
	PTS_K_KRETPROBE,
	PTS_K_FTRACE,
	PTS_K_KPROBE,
};

struct pts_probe {
	const char *role;
	const char *syms[3];		/* candidates, NULL-terminated */
	bool essential;
	bool gated;			/* off while no fork is traced (fprobe) */
	pts_entry_fn entry;		/* return probe: entry and exit */
	pts_exit_fn exit;
	pts_pre_fn pre;			/* entry-only probe */
	/* set by attach.c */
	const char *sym;		/* attached to, or NULL */
	enum pts_kind kind;
	unsigned long ft_missed;	/* ftrace recursion: racy, a hint */
	struct kretprobe rp;
	struct kprobe kp;
	struct ftrace_ops ops;
#ifdef ZP_HAVE_FPROBE
	struct fprobe fp;
#endif
};

int pts_attach(struct pts_probe *p, const char *sym, int maxactive);
void pts_detach(struct pts_probe *p);
void pts_attach_start(void);
void pts_attach_drain(void);
u64 pts_attach_missed(struct pts_probe *p);
const char *pts_kind_name(enum pts_kind kind);
int pts_attach_maxactive(struct pts_probe *p);
bool pts_attach_can_gate(struct pts_probe *p);
bool pts_attach_fprobe_kernel(void);
void pts_attach_set_enabled(struct pts_probe *p, bool on);

#endif /* _PTSHARE_ATTACH_H */
