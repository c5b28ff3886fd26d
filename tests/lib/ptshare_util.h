/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the ptshare tests and tests/bench/forkbench.c. */
#ifndef _PTSHARE_UTIL_H
#define _PTSHARE_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define PTS_U_DEBUGFS "/sys/kernel/debug/zeropool/ptshare"

/* The whole of a text file, NUL-terminated (free() it), or NULL. */
char *pts_u_slurp(const char *path);
/* The value of " key=" in a records line; false if absent. */
bool pts_u_field(const char *line, const char *key, uint64_t *val);
/* Lines of the kprobes list naming a function ptshare probes. */
int pts_u_kprobes(void);
/* Waits until no fork window is open (0 on success, -ETIMEDOUT). */
int pts_u_wait_closed(int timeout_ms);
/* Copies into @out the records line with child=@child; false if none. */
bool pts_u_record_of(pid_t child, char *out, size_t len);

#endif /* _PTSHARE_UTIL_H */
