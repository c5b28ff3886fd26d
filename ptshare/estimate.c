// SPDX-License-Identifier: GPL-2.0
/*
 * The lazy-sharing estimate for one fork.
 *
 * Under lazy sharing (McCracken/Phillips 2002, On-demand-fork 2021) fork
 * shares every PTE table of the parent by use count and copies upper levels
 * only; a table is privatized (copied) the first time either process writes
 * into its 2 MiB range.  So:
 *
 *   tables today      = PTE tables the child has in the copied VMAs when
 *                       copy_page_range() returns (walk.c)
 *   privatized        = min(copied tables written by parent or child
 *                       during the window + copied tables the saturated
 *                       set did not track (assumed written), tables today)
 *   saved tables      = tables today - privatized, bytes = x PAGE_SIZE,
 *                       percent of the child's pgtable_bytes
 *   est. fork time    = fork_ns - tracer_ns - saved x (cpr_ns / tables
 *                       today) x (100 - entry_cost_pct) / 100
 *
 * i.e. a saved table's share of the measured copy_page_range time is
 * avoided, except entry_cost_pct of it: the per-entry work (page reference
 * counts, rmap, write-protecting the parent's PTEs) that sharing still
 * does at fork.  The model ignores privatizations caused by munmap/mprotect
 * and by read faults that fill a PTE in a shared table, by reclaim, NUMA
 * balancing, migration and khugepaged, and writes after the window; it
 * does not add the copy work that sharing moves into later faults.  So
 * the saving is an upper bound (see README, "ptshare.ko").
 */
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/mm.h>

#include "ptshare.h"

const char * const pts_end_names[PTS_END_NR] = {
	[PTS_END_NONE] = "none",
	[PTS_END_CHILD_EXIT] = "child_exit",
	[PTS_END_PARENT_EXIT] = "parent_exit",
	[PTS_END_WINDOW] = "window",
	[PTS_END_NOMM] = "no_mm",
	[PTS_END_DISABLED] = "no_window",
};

void pts_estimate(struct pts_record *rec)
{
	u64 tables = rec->pte_tables, saved, avoid;
	u64 pct = READ_ONCE(pts_tun.entry_cost_pct);

	rec->est_privatized = min_t(u64, (u64)rec->written_union +
				    rec->set_full, tables);
	saved = tables - rec->est_privatized;
	rec->est_saved_tables = saved;
	rec->est_saved_bytes = saved << PAGE_SHIFT;
	rec->est_saved_pct = rec->pgtable_bytes ?
		div64_u64(rec->est_saved_bytes * 100, rec->pgtable_bytes) : 0;
	avoid = tables ? div64_u64(rec->cpr_ns * saved, tables) : 0;
	avoid = div64_u64(avoid * (100 - min_t(u64, pct, 100)), 100);
	avoid += rec->tracer_ns;
	rec->est_fork_ns = rec->fork_ns > avoid ? rec->fork_ns - avoid : 0;
}
