/* SPDX-License-Identifier: GPL-2.0 */
/* Loading ptshare for the fork benchmarks (forkbench, forkcheck). */
#ifndef _ZP_PTSHARE_BENCH_H
#define _ZP_PTSHARE_BENCH_H

#include "bench.h"

/* Loads ptshare tracing this process and its children only. */
static inline void bench_ptshare_load(void)
{
	char pid[32];
	int err = zp_mod_load("ptshare", "ptshare", "");

	if (err)
		bench_die("load ptshare.ko: %s", strerror(-err));
	snprintf(pid, sizeof(pid), "%d", getpid());
	bench_set("ptshare/filter_pid", pid);
	bench_set("ptshare/window_ms", "60000");
}

#endif /* _ZP_PTSHARE_BENCH_H */
