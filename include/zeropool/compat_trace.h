/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tracing API differences between the supported kernels (6.1 LTS and
 * 6.12 LTS), apart from compat.h so that only the files that attach
 * probes pull in ftrace.  Nothing outside this file checks a version for
 * them.
 */
#ifndef _ZEROPOOL_COMPAT_TRACE_H
#define _ZEROPOOL_COMPAT_TRACE_H

#include <linux/version.h>
#include <linux/ftrace.h>
#include <linux/ptrace.h>
#include <linux/trace_recursion.h>

/*
 * An ftrace_ops callback reads the traced function's arguments from
 * ftrace_regs: its layout went private to the architecture in 6.2, with
 * an accessor; before, on x86, it wraps a pt_regs whose argument
 * registers the trampoline always saves (DYNAMIC_FTRACE_WITH_ARGS).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define zp_ftrace_arg(fregs, n)	ftrace_regs_get_argument(fregs, n)
#else
#define zp_ftrace_arg(fregs, n)	regs_get_kernel_argument(&(fregs)->regs, n)
#endif

/*
 * fprobe with an exit handler that gets pt_regs: from 5.18 where the
 * kernel is built with CONFIG_FPROBE (Debian's 6.12 is, its 6.1 is not);
 * 6.14 moved the handlers to ftrace_regs on top of fgraph.
 */
#if IS_ENABLED(CONFIG_FPROBE) && \
	LINUX_VERSION_CODE < KERNEL_VERSION(6, 14, 0)
#define ZP_HAVE_FPROBE	1
#include <linux/fprobe.h>
#endif

#endif /* _ZEROPOOL_COMPAT_TRACE_H */
