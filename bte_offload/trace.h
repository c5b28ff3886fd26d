/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bte_offload's trace events (tracefs events/bte_offload/), each firing
 * exactly when its counter moves (include/uapi/ABI.md, bte_offload/):
 *   bte_submit    every call of the backend: err 0 = accepted
 *                 (submissions), < 0 = refused, the CPU zeroes (rejected)
 *   bte_complete  an accepted request finished: status 0 = the engine
 *                 zeroed it (blocks_dma), else timeouts / cancelled / errors
 *   bte_timeout   the timeout found the oldest request overdue and stops
 *                 the engine (resets with timing_out)
 *   bte_fallback  a block the CPU zeroes instead (cpu_fallbacks), and why
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM bte_offload

#if !defined(_BTE_OFFLOAD_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _BTE_OFFLOAD_TRACE_H

#include <linux/tracepoint.h>

TRACE_EVENT(bte_submit,
	TP_PROTO(int nid, unsigned int order, int err, u64 ns),
	TP_ARGS(nid, order, err, ns),
	TP_STRUCT__entry(
		__field(int, nid)
		__field(unsigned int, order)
		__field(int, err)
		__field(u64, ns)
	),
	TP_fast_assign(
		__entry->nid = nid;
		__entry->order = order;
		__entry->err = err;
		__entry->ns = ns;
	),
	TP_printk("nid=%d order=%u err=%d ns=%llu", __entry->nid,
		  __entry->order, __entry->err, __entry->ns)
);

TRACE_EVENT(bte_complete,
	TP_PROTO(size_t len, int status, u64 ns),
	TP_ARGS(len, status, ns),
	TP_STRUCT__entry(
		__field(size_t, len)
		__field(int, status)
		__field(u64, ns)
	),
	TP_fast_assign(
		__entry->len = len;
		__entry->status = status;
		__entry->ns = ns;
	),
	TP_printk("len=%zu status=%d ns=%llu", __entry->len, __entry->status,
		  __entry->ns)
);

TRACE_EVENT(bte_timeout,
	TP_PROTO(unsigned long overdue_ms),
	TP_ARGS(overdue_ms),
	TP_STRUCT__entry(
		__field(unsigned long, overdue_ms)
	),
	TP_fast_assign(
		__entry->overdue_ms = overdue_ms;
	),
	TP_printk("overdue_ms=%lu", __entry->overdue_ms)
);

TRACE_EVENT(bte_fallback,
	TP_PROTO(size_t len, int reason),
	TP_ARGS(len, reason),
	TP_STRUCT__entry(
		__field(size_t, len)
		__field(int, reason)
	),
	TP_fast_assign(
		__entry->len = len;
		__entry->reason = reason;
	),
	TP_printk("len=%zu reason=%d", __entry->len, __entry->reason)
);

#endif /* _BTE_OFFLOAD_TRACE_H */

/* Out of tree: define_trace.h finds this file through -I$(src) (Kbuild). */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
