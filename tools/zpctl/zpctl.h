/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zpctl: load, unload, inspect and compare the zeropool module set.
 * Declarations shared by the command files; each .c holds one concern.
 */
#ifndef _ZPCTL_H
#define _ZPCTL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Exit codes, as documented in zpctl.1. */
#define EXIT_OK		0
#define EXIT_FAIL	1
#define EXIT_USAGE	2

/*
 * The module that owns the stats tree: loaded before the first module of
 * the set and unloaded after the last by zp_kmod_load/unload themselves.
 */
#define ZP_CORE_MODULE	"zeropool_core"

/* The module set in load order; unloading walks it backwards. */
#define ZP_NR_MODULES	4
extern const char *const zp_modules[ZP_NR_MODULES];
int zp_module_index(const char *name);
/* Does module @name of the set depend on zeropool.ko (not just the core)? */
bool zp_module_needs_pool(const char *name);

/*
 * Where the kernel's files are.  Tests point them at a fake tree with
 * $ZPCTL_SYSFS, $ZPCTL_SYSMODULE and $ZPCTL_DEBUGFS.
 */
extern const char *zp_sysfs_root;	/* /sys/kernel/zeropool */
extern const char *zp_sysmod_root;	/* /sys/module */
extern const char *zp_debugfs_root;	/* /sys/kernel/debug/zeropool */
extern const char *zp_proc_root;	/* /proc ($ZPCTL_PROC) */
void zp_paths_init(void);
/* No /proc/modules: a kernel built without loadable module support. */
bool zp_no_module_support(void);

/* util.c */
extern const char *zp_prog;
void zp_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void zp_hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void zp_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int zp_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void *zp_xmalloc(size_t size);
void *zp_xrealloc(void *ptr, size_t size);
char *zp_xstrdup(const char *s);
char *zp_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* First @len - 1 bytes of a file, trailing newlines cut; 0 or -errno. */
int zp_read_file(const char *path, char *buf, size_t len);
/* The whole file, NUL-terminated (caller frees); NULL with errno set. */
char *zp_slurp(const char *path, size_t max);
bool zp_is_int(const char *s);
int zp_parse_u64(const char *s, uint64_t *val);
int zp_parse_int(const char *s, int min, int max, int *val);
int zp_parse_seconds(const char *s, double *val);
double zp_now(void);
/* Sorts @v in place and returns its median (0 for @n == 0). */
double zp_median(double *v, int n);
double zp_min(const double *v, int n);
double zp_max(const double *v, int n);
/* "%.3f"-like, trimmed to something short that keeps the precision. */
void zp_fmt_num(char *buf, size_t len, double v);
bool zp_module_loaded(const char *name);

/* stats.c: the statistics of zpctl ab (see there). */
struct zp_summary {
	int n;
	double min, max, median, mean;
	double sd;		/* sample standard deviation; NaN below 2 runs */
	double ci_lo, ci_hi;	/* 95% interval of the mean (Student t) */
	double q1, q3;
	int outliers;		/* past Tukey's fences (from 4 runs on) */
};
enum zp_verdict {
	ZP_V_SAME,		/* the interval of B/A holds 1 */
	ZP_V_LOWER,
	ZP_V_HIGHER,
	ZP_V_FEW,		/* fewer than 2 runs a side */
	ZP_V_UNDEFINED,		/* A's mean is 0 */
};
struct zp_ratio {
	double value, lo, hi;	/* mean(B)/mean(A) and its 95% interval */
	double noise;		/* larger coefficient of variation of the sides */
	bool noisy;		/* noise > |value - 1|: runs vary more than the effect */
	enum zp_verdict verdict;
};
double zp_t975(double df);
/* @outlier (may be NULL) gets one flag per value */
void zp_summarize(const double *v, int n, struct zp_summary *s, bool *outlier);
double zp_cv(const struct zp_summary *s);
void zp_compare(const struct zp_summary *a, const struct zp_summary *b,
		struct zp_ratio *r);
const char *zp_verdict_text(const struct zp_ratio *r);
const char *zp_verdict_key(const struct zp_ratio *r);

/* abmeasure.c: what zpctl ab measures around one run. */
struct zp_sample {
	double wall, user, sys;		/* seconds, the command's rusage */
	double minflt, majflt;
	double system_cpu;		/* busy CPU seconds of the machine */
	double kthread_cpu;		/* of the pool's threads */
	int status;			/* wait status */
	bool timed_out;
};
struct zp_kcpu {
	int n;
	long *pid;
	double *cpu;			/* utime + stime, seconds */
};
double zp_system_cpu(void);
bool zp_is_pool_thread(const char *comm);
void zp_kcpu_read(struct zp_kcpu *k);
double zp_kcpu_delta(const struct zp_kcpu *before, const struct zp_kcpu *after);
void zp_kcpu_free(struct zp_kcpu *k);
int zp_pool_filled(void);
/* 0 filled, -ETIMEDOUT, -EAGAIN (scrub/enabled is 0), -ENOENT (no pool) */
int zp_pool_wait_filled(double timeout, double *waited);
/* Runs @argv, stdin /dev/null, stdout to @out_fd, killed past @timeout (0: none) */
int zp_measure(char **argv, int out_fd, double timeout, struct zp_sample *s);
int zp_run_shell(const char *cmd, int out_fd, double timeout);

/* table.c: aligned plain-text tables; numeric columns right-aligned. */
struct zp_table;
struct zp_table *zp_table_new(int ncols, ...);	/* @ncols header strings */
void zp_table_row(struct zp_table *t);
void zp_table_cell(struct zp_table *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int zp_table_rows(const struct zp_table *t);
void zp_table_print(const struct zp_table *t, FILE *f, const char *indent);
void zp_table_free(struct zp_table *t);

/*
 * json.c: a streaming interface over json-c; the document is written by
 * zp_json_done().  Strings and keys are made valid UTF-8 on the way in.
 */
#define ZP_JSON_MAX_DEPTH 32
struct json_object;
struct zp_json {
	FILE *f;
	int depth;
	struct json_object *root;
	struct json_object *stack[ZP_JSON_MAX_DEPTH];
	bool compact;		/* one line (JSON Lines), not indented */
};
void zp_json_init(struct zp_json *j, FILE *f);
void zp_json_obj(struct zp_json *j, const char *key);
void zp_json_arr(struct zp_json *j, const char *key);
void zp_json_end_obj(struct zp_json *j);
void zp_json_end_arr(struct zp_json *j);
void zp_json_str(struct zp_json *j, const char *key, const char *val);
void zp_json_int_text(struct zp_json *j, const char *key, const char *digits);
void zp_json_u64(struct zp_json *j, const char *key, uint64_t val);
void zp_json_double(struct zp_json *j, const char *key, double val);
void zp_json_bool(struct zp_json *j, const char *key, bool val);
void zp_json_null(struct zp_json *j, const char *key);
/* A number when @val is an integer, else a string; NULL is null. */
void zp_json_auto(struct zp_json *j, const char *key, const char *val);
void zp_json_done(struct zp_json *j);
/* @s with each byte that is not part of valid UTF-8 as U+FFFD (caller frees) */
char *zp_utf8_clean(const char *s);

/* tree.c: the stats tree, read once. */
struct zp_file {
	char *name;
	char *value;		/* NULL when unreadable */
	int err;		/* errno of the read, or 0 */
	bool writable;		/* a tunable */
};

struct zp_dir {
	char *rel;		/* "" for the root, else "pool/node0" */
	char *name;
	struct zp_file *files;
	int nfiles;
	struct zp_dir *subs;
	int nsubs;
};

/* Reads @root/@rel recursively; -errno (e.g. -ENOENT: not loaded). */
int zp_tree_read(const char *root, const char *rel, struct zp_dir *dir);
void zp_tree_free(struct zp_dir *dir);

/* A flat, sorted view of a tree, for deltas and rates. */
struct zp_snap {
	int n;
	char **path;		/* relative to the root */
	char **value;		/* NULL when unreadable */
	bool *writable;
};
void zp_snap_from_tree(const struct zp_dir *dir, struct zp_snap *s);
int zp_snap_read(const char *root, struct zp_snap *s);
const char *zp_snap_get(const struct zp_snap *s, const char *path);
void zp_snap_free(struct zp_snap *s);
/* Counter delta when both values are integers; false otherwise. */
bool zp_snap_delta(const char *before, const char *after, int64_t *delta);

void zp_tree_print(const struct zp_dir *dir, FILE *f);
void zp_tree_json(const struct zp_dir *dir, struct zp_json *j,
		  const char *key);

/* Module specs: "zeropool" followed by its "param=value" words. */
struct zp_modspec {
	const char *name;
	char params[1024];
	bool implied;		/* added as a dependency */
};
/*
 * Parses MODULE [PARAM=VALUE...] ... into @specs (at most one per module,
 * "mod.param=value" also accepted).  Returns the count or -1 with a
 * message in @err.
 */
int zp_parse_modspecs(int argc, char **argv, struct zp_modspec *specs,
		      char *err, size_t errlen);
/* Sorts @specs into load order (@reverse: unload order). */
void zp_sort_modspecs(struct zp_modspec *specs, int n, bool reverse);

/* kmod.c */
struct zp_kmod;
struct zp_kmod *zp_kmod_open(const char *from, bool verbose);
void zp_kmod_close(struct zp_kmod *k);
/* Print what load would insert (with modprobe.d's options) and insert nothing. */
void zp_kmod_set_dry_run(struct zp_kmod *k, bool dry_run);
/* 0, or -errno after printing what it means and what to do. */
int zp_kmod_load(struct zp_kmod *k, const char *name, const char *params);
int zp_kmod_unload(struct zp_kmod *k, const char *name);
/* Unloads zeropool_core when no module of the set uses it any more. */
void zp_kmod_unload_core_if_unused(struct zp_kmod *k);
/* 0 when @name can be found (in --from DIR, or installed). */
bool zp_kmod_available(struct zp_kmod *k, const char *name);
/*
 * "installed" (the installed module is loaded: @path), "other file" (one
 * is installed at @path but the loaded one differs: a build tree), "not
 * installed", or "unknown".
 */
const char *zp_module_source(const char *name, const char *srcversion,
			     char *path, size_t len);
/* Explains -@err of a load or unload of @name on stderr. */
void zp_explain_load_error(const char *name, const char *path, int err);
void zp_explain_unload_error(const char *name, int err);

/* Commands: each returns an exit code. */
int cmd_load(int argc, char **argv);
int cmd_unload(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_set(int argc, char **argv);
/* "pool.max_pages" or an absolute path -> "pool/max_pages" (freed by caller) */
char *zp_tunable_rel(const char *arg);
int cmd_ab(int argc, char **argv);
/*
 * The order of zpctl ab: @warmup uncounted A B pairs, then A B B A blocks
 * (an odd last pair A B); @sides and @counted get 2 * (@runs + @warmup).
 */
int zp_ab_schedule(int runs, int warmup, char *sides, bool *counted);
int cmd_forks(int argc, char **argv);
int cmd_metrics(int argc, char **argv);
/* metrics.c: the exposition of the whole tree, as zpctl metrics prints it */
void zp_metrics_write(FILE *f);
int cmd_bench(int argc, char **argv);
int cmd_run(int argc, char **argv);

/* status.c, also used by watch and the tests */
void zp_print_modules(FILE *f);
void zp_json_modules(struct zp_json *j);

#endif /* _ZPCTL_H */
