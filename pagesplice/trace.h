/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pagesplice's trace events (tracefs events/pagesplice/): how SUBMIT took
 * each buffer (copied into pool pages, pinned, or only zero pages), the
 * buffer queued with its sequence number, and each completion record as
 * it is posted, before it merges with the one before it.  ps_complete
 * fires exactly when the completions counter moves.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM pagesplice

#if !defined(_PAGESPLICE_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _PAGESPLICE_TRACE_H

#include <linux/tracepoint.h>

#define PS_TRACE_FLAGS(f)						\
	__print_flags(f, "|", { 1U << 0, "copied" }, { 1U << 1, "zero" },	\
		      { 1U << 2, "error" })

TRACE_EVENT(ps_copy_decision,
	TP_PROTO(size_t len, size_t threshold, bool nocopy, u32 flags,
		 unsigned int nr_pages),
	TP_ARGS(len, threshold, nocopy, flags, nr_pages),
	TP_STRUCT__entry(
		__field(size_t, len)
		__field(size_t, threshold)
		__field(bool, nocopy)
		__field(u32, flags)
		__field(unsigned int, nr_pages)
	),
	TP_fast_assign(
		__entry->len = len;
		__entry->threshold = threshold;
		__entry->nocopy = nocopy;
		__entry->flags = flags;
		__entry->nr_pages = nr_pages;
	),
	TP_printk("len=%zu copy_threshold=%zu nocopy=%d taken=%s pages=%u",
		  __entry->len, __entry->threshold, __entry->nocopy,
		  __entry->flags & (1U << 0) ? "copy" :
		  __entry->flags & (1U << 1) ? "zero" : "pin",
		  __entry->nr_pages)
);

TRACE_EVENT(ps_submit,
	TP_PROTO(u64 seq, u64 tag, size_t len, u32 flags),
	TP_ARGS(seq, tag, len, flags),
	TP_STRUCT__entry(
		__field(u64, seq)
		__field(u64, tag)
		__field(size_t, len)
		__field(u32, flags)
	),
	TP_fast_assign(
		__entry->seq = seq;
		__entry->tag = tag;
		__entry->len = len;
		__entry->flags = flags;
	),
	TP_printk("seq=%llu tag=%llu len=%zu flags=%s", __entry->seq,
		  __entry->tag, __entry->len, PS_TRACE_FLAGS(__entry->flags))
);

TRACE_EVENT(ps_complete,
	TP_PROTO(u64 seq_first, u64 seq_last, u64 tag, u64 bytes, u32 flags),
	TP_ARGS(seq_first, seq_last, tag, bytes, flags),
	TP_STRUCT__entry(
		__field(u64, seq_first)
		__field(u64, seq_last)
		__field(u64, tag)
		__field(u64, bytes)
		__field(u32, flags)
	),
	TP_fast_assign(
		__entry->seq_first = seq_first;
		__entry->seq_last = seq_last;
		__entry->tag = tag;
		__entry->bytes = bytes;
		__entry->flags = flags;
	),
	TP_printk("seq=%llu-%llu tag=%llu bytes=%llu flags=%s",
		  __entry->seq_first, __entry->seq_last, __entry->tag,
		  __entry->bytes, PS_TRACE_FLAGS(__entry->flags))
);

#endif /* _PAGESPLICE_TRACE_H */

/* Out of tree: define_trace.h finds this file through -I$(src) (Kbuild). */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
