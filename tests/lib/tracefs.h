/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tracefs for tests: turn trace events on and off and read back what they
 * recorded, as `perf` or `trace-cmd` users would see it (the text of the
 * `trace` file: "... system:event: field=value ...").
 */
#ifndef _TRACEFS_H
#define _TRACEFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The tracefs mount (/sys/kernel/tracing or debugfs' tracing), or NULL. */
const char *tr_root(void);
/* Does events/<event> exist?  @event is "system/name". */
bool tr_event_exists(const char *event);
/* Writes 1/0 to events/<event>/enable ("system/name" or "system"); bails. */
void tr_enable(const char *event, bool on);
/* Empties the ring buffer (and sets its size, per CPU, to @kb when not 0). */
void tr_reset(unsigned int kb);
/* The `trace` file, NUL-terminated, malloc'd; bails on error. */
char *tr_read(void);
/* Entries lost to a full buffer since the last tr_reset (all CPUs). */
uint64_t tr_overruns(void);

/*
 * Walks the records of @event ("name", without the system) in a buffer
 * tr_read() returned: the next line from *@pos holding " name: ", its
 * fields from there, or NULL.  Start with *@pos = the buffer.
 */
const char *tr_next(const char *event, const char **pos);
/* How many records of @event @buf holds. */
size_t tr_count(const char *buf, const char *event);
/* Field "key=" of a record line (decimal, may be negative); false if absent. */
bool tr_field(const char *line, const char *key, int64_t *val);
/* Field "key=" as a word, copied into @out; false if absent. */
bool tr_word(const char *line, const char *key, char *out, size_t len);

#endif /* _TRACEFS_H */
