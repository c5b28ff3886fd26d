/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ptshare's trace events: ptshare:fork_copy when a traced fork returns
 * (the copy's figures), ptshare:fork_estimate when its window closes (the
 * attribution and the lazy-sharing estimate, with the record's seq).  The
 * keys are those of the debugfs records (ABI-ptshare.md).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM ptshare

#if !defined(_PTSHARE_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _PTSHARE_TRACE_H

#include <linux/tracepoint.h>

#include "ptshare.h"

TRACE_EVENT(fork_copy,
	TP_PROTO(const struct pts_record *r),
	TP_ARGS(r),
	TP_STRUCT__entry(
		__field(pid_t, pid)
		__field(pid_t, tgid)
		__field(pid_t, child)
		__field(u64, fork_ns)
		__field(u64, dup_ns)
		__field(u64, copy_ns)
		__field(u64, tracer_ns)
		__field(u32, copy_calls)
		__field(u32, vmas_copied)
		__field(u32, vmas_skipped)
		__field(u32, pte_tables)
		__field(u64, pgtable_bytes)
		__field(u64, parent_anon_kb)
		__array(char, comm, PTS_COMM_LEN)
	),
	TP_fast_assign(
		__entry->pid = r->parent_pid;
		__entry->tgid = r->parent_tgid;
		__entry->child = r->child_pid;
		__entry->fork_ns = r->fork_ns;
		__entry->dup_ns = r->dup_ns;
		__entry->copy_ns = r->cpr_ns;
		__entry->tracer_ns = r->tracer_ns;
		__entry->copy_calls = r->cpr_calls;
		__entry->vmas_copied = r->vmas_copied;
		__entry->vmas_skipped = r->vmas_skipped;
		__entry->pte_tables = r->pte_tables;
		__entry->pgtable_bytes = r->pgtable_bytes;
		__entry->parent_anon_kb = r->parent_anon_kb;
		memcpy(__entry->comm, r->comm, PTS_COMM_LEN);
	),
	TP_printk("pid=%d tgid=%d child=%d fork_ns=%llu dup_ns=%llu copy_ns=%llu tracer_ns=%llu copy_calls=%u vmas_copied=%u vmas_skipped=%u pgtable_bytes=%llu pte_tables=%u parent_anon_kb=%llu comm=%.16s",
		  __entry->pid, __entry->tgid, __entry->child,
		  __entry->fork_ns, __entry->dup_ns, __entry->copy_ns,
		  __entry->tracer_ns, __entry->copy_calls,
		  __entry->vmas_copied, __entry->vmas_skipped,
		  __entry->pgtable_bytes, __entry->pte_tables,
		  __entry->parent_anon_kb, __entry->comm)
);

TRACE_EVENT(fork_estimate,
	TP_PROTO(const struct pts_record *r),
	TP_ARGS(r),
	TP_STRUCT__entry(
		__field(u64, seq)
		__field(pid_t, tgid)
		__field(pid_t, child)
		__field(u32, cow_parent)
		__field(u32, cow_child)
		__field(u32, written_parent)
		__field(u32, written_child)
		__field(u32, written_union)
		__field(u32, set_full)
		__field(u64, window_ns)
		__field(u8, end)
		__field(u8, complete)
		__field(u8, saturated)
		__field(u32, misses)
		__field(u32, est_privatized)
		__field(u32, est_saved_tables)
		__field(u64, est_saved_bytes)
		__field(u32, est_saved_pct)
		__field(u64, est_fork_ns)
	),
	TP_fast_assign(
		__entry->seq = r->seq;
		__entry->tgid = r->parent_tgid;
		__entry->child = r->child_pid;
		__entry->cow_parent = r->cow_parent;
		__entry->cow_child = r->cow_child;
		__entry->written_parent = r->written_parent;
		__entry->written_child = r->written_child;
		__entry->written_union = r->written_union;
		__entry->set_full = r->set_full;
		__entry->window_ns = r->window_ns;
		__entry->end = r->end;
		__entry->complete = !r->misses && !r->saturated;
		__entry->saturated = r->saturated;
		__entry->misses = r->misses;
		__entry->est_privatized = r->est_privatized;
		__entry->est_saved_tables = r->est_saved_tables;
		__entry->est_saved_bytes = r->est_saved_bytes;
		__entry->est_saved_pct = r->est_saved_pct;
		__entry->est_fork_ns = r->est_fork_ns;
	),
	TP_printk("seq=%llu tgid=%d child=%d cow_parent=%u cow_child=%u written_parent=%u written_child=%u written_union=%u set_full=%u window_ns=%llu end=%s complete=%u saturated=%u misses=%u est_privatized=%u est_saved_tables=%u est_saved_bytes=%llu est_saved_pct=%u est_fork_ns=%llu",
		  __entry->seq, __entry->tgid, __entry->child,
		  __entry->cow_parent, __entry->cow_child,
		  __entry->written_parent, __entry->written_child,
		  __entry->written_union, __entry->set_full,
		  __entry->window_ns,
		  __print_symbolic(__entry->end,
				   { PTS_END_NONE, "none" },
				   { PTS_END_CHILD_EXIT, "child_exit" },
				   { PTS_END_PARENT_EXIT, "parent_exit" },
				   { PTS_END_WINDOW, "window" },
				   { PTS_END_NOMM, "no_mm" },
				   { PTS_END_DISABLED, "no_window" }),
		  __entry->complete, __entry->saturated, __entry->misses,
		  __entry->est_privatized, __entry->est_saved_tables,
		  __entry->est_saved_bytes, __entry->est_saved_pct,
		  __entry->est_fork_ns)
);

#endif /* _PTSHARE_TRACE_H */

/* Out of tree: the header is found through -I$(src) (Kbuild). */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE ptshare_trace
#include <trace/define_trace.h>
