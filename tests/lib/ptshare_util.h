/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the ptshare tests and tests/bench/forkbench.c. */
#ifndef _PTSHARE_UTIL_H
#define _PTSHARE_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define PTS_U_DEBUGFS "/sys/kernel/debug/zeropool/ptshare"
#define PTS_U_KPROBES "/sys/kernel/debug/kprobes/list"
#define PTS_U_FTRACE "/sys/kernel/debug/tracing/enabled_functions"

/* The whole of a text file, NUL-terminated (free() it), or NULL. */
char *pts_u_slurp(const char *path);
/* The value of " key=" in a records line; false if absent. */
bool pts_u_field(const char *line, const char *key, uint64_t *val);
/*
 * Lines of the kprobes list and of ftrace's enabled_functions naming a
 * function ptshare probes (a kprobe on ftrace is in both); -1 if either
 * list is unreadable.
 */
int pts_u_probes(void);
/* Copies into @out the line of list @path (one of the two) naming @sym. */
bool pts_u_find_line(const char *path, const char *sym, char *out,
		     size_t len);
/* Waits until no fork window is open (0 on success, -ETIMEDOUT). */
int pts_u_wait_closed(int timeout_ms);
/* Forks @n children that exit at once, in turn; the last one's pid. */
pid_t pts_u_fork_n(int n);
/* Copies into @out the records line with child=@child; false if none. */
bool pts_u_record_of(pid_t child, char *out, size_t len);

#endif /* _PTSHARE_UTIL_H */
