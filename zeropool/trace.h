/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zeropool's trace events (tracefs events/zeropool/), for perf, trace-cmd
 * and bpftrace: a take that found the pool dry, a block the scrubber
 * zeroed (how, and how long it took), a shrinker scan.  Each one matches a
 * counter of the stats tree event for event (include/uapi/ABI.md), so a
 * trace and the counters can be checked against each other.
 *
 * No __string(): its assignment changed between 6.1 and 6.12, and every
 * field here is a number (methods print through __print_symbolic).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM zeropool

#if !defined(_ZEROPOOL_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _ZEROPOOL_TRACE_H

#include <linux/tracepoint.h>

/* How a block the scrubber took was zeroed (the "method" field). */
#define ZP_TRACE_ZERO_ALLOCATOR	0	/* init_on_alloc / __GFP_ZERO did it */
#define ZP_TRACE_ZERO_CPU	1
#define ZP_TRACE_ZERO_NT	2	/* non-temporal stores */

TRACE_EVENT(zp_pool_miss,
	TP_PROTO(int nid, bool transparent),
	TP_ARGS(nid, transparent),
	TP_STRUCT__entry(
		__field(int, nid)
		__field(bool, transparent)
	),
	TP_fast_assign(
		__entry->nid = nid;
		__entry->transparent = transparent;
	),
	TP_printk("nid=%d path=%s", __entry->nid,
		  __entry->transparent ? "transparent" : "take")
);

TRACE_EVENT(zp_scrub_block,
	TP_PROTO(int nid, unsigned int order, int method, u64 ns),
	TP_ARGS(nid, order, method, ns),
	TP_STRUCT__entry(
		__field(int, nid)
		__field(unsigned int, order)
		__field(int, method)
		__field(u64, ns)
	),
	TP_fast_assign(
		__entry->nid = nid;
		__entry->order = order;
		__entry->method = method;
		__entry->ns = ns;
	),
	TP_printk("nid=%d order=%u pages=%lu method=%s ns=%llu",
		  __entry->nid, __entry->order, 1UL << __entry->order,
		  __print_symbolic(__entry->method,
				   { ZP_TRACE_ZERO_ALLOCATOR, "allocator" },
				   { ZP_TRACE_ZERO_CPU, "cpu" },
				   { ZP_TRACE_ZERO_NT, "nt" }),
		  __entry->ns)
);

TRACE_EVENT(zp_shrink,
	TP_PROTO(unsigned long nr_to_scan, unsigned long freed),
	TP_ARGS(nr_to_scan, freed),
	TP_STRUCT__entry(
		__field(unsigned long, nr_to_scan)
		__field(unsigned long, freed)
	),
	TP_fast_assign(
		__entry->nr_to_scan = nr_to_scan;
		__entry->freed = freed;
	),
	TP_printk("nr_to_scan=%lu freed=%lu",
		  __entry->nr_to_scan, __entry->freed)
);

#endif /* _ZEROPOOL_TRACE_H */

/* Out of tree: define_trace.h finds this file through -I$(src) (Kbuild). */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
