/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every in-guest test shares: TAP output in the style of kselftest
 * (one assertion per line), loading and unloading the built modules, and
 * reading and writing the stats tree.
 */
#ifndef _ZPTEST_H
#define _ZPTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZP_SYSFS "/sys/kernel/zeropool"

/* TAP: the plan is printed by tap_done(), after the last test. */
void tap_init(const char *program);
bool tap_ok(bool cond, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void tap_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints the plan; returns the exit status (1 if anything failed). */
int tap_done(void);
/* Stops the program with a failed assertion; for broken preconditions. */
void tap_bail(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* The module that owns the stats tree; every other one depends on it. */
#define ZP_CORE "zeropool_core"

/*
 * Modules, from $ZP_MODDIR/<dir>/<name>.ko, zeropool_core first if it is
 * not loaded yet.  Return 0 or -errno.
 */
int zp_mod_load(const char *dir, const char *name, const char *params);
int zp_mod_unload(const char *name);
bool zp_mod_loaded(const char *name);
/* Loads zeropool.ko with @params or bails out. */
void zp_load_zeropool(const char *params);
/* Loads zeropool.ko to keep @pages in its pool (cap and high watermark). */
void zp_load_zeropool_filled_to(uint64_t pages);
/* zeropool.ko, then a fresh copy of the module <dir>/<name>.ko, or bails. */
void zp_load_on_zeropool(const char *dir, const char *name);
/* Unloads @name if loaded; bails out if that fails. */
void zp_unload_quiet(const char *name);

/* Files under /sys/kernel/zeropool/; return 0 or -errno. */
int zp_read_str(const char *rel, char *buf, size_t len);
int zp_read_u64(const char *rel, uint64_t *val);
int zp_write(const char *rel, const char *val);
/* Writes @val to any file (cgroupfs, procfs); 0 or -errno. */
int zp_write_path(const char *path, const char *val);
/* Reads a counter or bails out. */
uint64_t zp_get(const char *rel);
/* Writes a tunable or bails out. */
void zp_set(const char *rel, const char *val);
/* Polls @rel until it equals @want; false after @timeout_ms. */
bool zp_wait_eq(const char *rel, uint64_t want, int timeout_ms);
/* Polls @rel until it is >= @want; false after @timeout_ms. */
bool zp_wait_ge(const char *rel, uint64_t want, int timeout_ms);

/* A field of /proc/vmstat or /proc/meminfo (kB for meminfo). */
uint64_t zp_vmstat(const char *key);
/* True once as many FOLL_PIN pins were released as acquired since then. */
bool zp_pins_balanced_since(uint64_t acq0, uint64_t rel0, int timeout_ms);
uint64_t zp_meminfo_kb(const char *key);
/* A field of /proc/self/status in kB (e.g. "RssFile"). */
uint64_t zp_status_kb(const char *key);
/* True if the @len bytes at @p are all zero. */
bool zp_bytes_zero(const void *p, size_t len);
/* Minor page faults this process took so far (getrusage). */
uint64_t zp_minflt(void);

void zp_sleep_ms(int ms);
/* Pins the calling thread to @cpu or bails out. */
void zp_run_on_cpu(int cpu);
/*
 * How many times slower than a stock kernel in TCG this guest runs:
 * $ZP_SLOWDOWN (tests/run --debug-kernel sets it), 1 by default.  For
 * waits whose bound is a guess at how long something takes.
 */
int zp_slowdown(void);

#endif /* _ZPTEST_H */
