// SPDX-License-Identifier: GPL-2.0
/*
 * The trace events (ptshare_trace.h), instantiated here and only here
 * (CREATE_TRACE_POINTS), so that perf, trace-cmd and bpftrace read each
 * fork's figures with their own buffers and histograms.  The debugfs
 * records stay (zpctl forks); an event costs nothing while disabled.
 */
#include "ptshare.h"

#define CREATE_TRACE_POINTS
#include "ptshare_trace.h"

/* The traced fork returned: its copy figures.  Probe context. */
void pts_trace_copy(const struct pts_record *rec)
{
	trace_fork_copy(rec);
}

/* Its window closed: the record as the ring holds it.  Probe context. */
void pts_trace_estimate(const struct pts_record *rec)
{
	trace_fork_estimate(rec);
}
