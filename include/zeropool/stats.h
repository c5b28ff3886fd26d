/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The shared stats tree, /sys/kernel/zeropool/, owned by zeropool_core.ko
 * (zeropool_core/): every module of the set depends on it, and only the
 * modules that use the pool depend on zeropool.ko too.
 *
 * A module describes its files as an array of struct zp_attr (read-only
 * counters and gauges, validated tunables), then adds them as its own
 * subdirectory with zp_stats_dir_create() and removes it with
 * zp_stats_dir_destroy() before it unloads.  sysfs (kernfs) drains readers
 * on removal, so a file held open across the removal reads -ENODEV instead
 * of reaching into the unloaded module.
 */
#ifndef _ZEROPOOL_STATS_H
#define _ZEROPOOL_STATS_H

#include <linux/atomic.h>
#include <linux/kobject.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/sysfs.h>
#include <linux/types.h>

enum zp_attr_kind {
	ZP_ATTR_ATOMIC64,	/* counter in an atomic64_t */
	ZP_ATTR_PERCPU,		/* counter summed over per-CPU u64s */
	ZP_ATTR_GAUGE,		/* value computed by ->get() */
	ZP_ATTR_TEXT,		/* read-only string from ->text() */
	ZP_ATTR_TUNABLE,	/* u64 in [min, max], optionally ->check()ed */
	ZP_ATTR_ENUM,		/* index into names[], written by name */
};

struct zp_attr {
	struct kobj_attribute kattr;
	enum zp_attr_kind kind;
	union {
		atomic64_t *a64;
		u64 __percpu *pcpu;
		u64 *val;
		unsigned int *index;
	};
	u64 min;
	u64 max;
	bool boolean;			/* ZP_ATTR_TUNABLE in [0, 1], y/n too */
	bool param_given;		/* set by its module parameter at load */
	const char * const *names;	/* ZP_ATTR_ENUM, NULL-terminated */
	void *data;			/* for ->get() and ->text() */
	u64 (*get)(const struct zp_attr *attr);
	const char *(*text)(const struct zp_attr *attr);
	/*
	 * Called with zp_tunable_lock held before a new value is stored:
	 * returns 0 or a negative errno.  Cross-file rules (low < high)
	 * belong here so that they hold against concurrent writers.
	 */
	int (*check)(const struct zp_attr *attr, u64 val);
	/* Called with zp_tunable_lock held after the value was stored. */
	void (*changed)(const struct zp_attr *attr);
};

ssize_t zp_attr_show(struct kobject *kobj, struct kobj_attribute *kattr,
		     char *buf);
ssize_t zp_attr_store(struct kobject *kobj, struct kobj_attribute *kattr,
		      const char *buf, size_t count);

#define __ZP_ATTR(_var, _name, _mode, _kind, ...)			\
	struct zp_attr _var = {						\
		.kattr = __ATTR(_name, _mode, zp_attr_show,		\
				((_mode) & 0222) ? zp_attr_store : NULL), \
		.kind = _kind,						\
		__VA_ARGS__						\
	}

/* Read-only monotonic u64 counters and gauges. */
#define ZP_COUNTER_ATOMIC(_var, _name, _ptr)				\
	__ZP_ATTR(_var, _name, 0444, ZP_ATTR_ATOMIC64, .a64 = (_ptr))
#define ZP_COUNTER_PERCPU(_var, _name, _ptr)				\
	__ZP_ATTR(_var, _name, 0444, ZP_ATTR_PERCPU, .pcpu = (_ptr))
#define ZP_GAUGE(_var, _name, _get)					\
	__ZP_ATTR(_var, _name, 0444, ZP_ATTR_GAUGE, .get = (_get))
#define ZP_TEXT(_var, _name, _text)					\
	__ZP_ATTR(_var, _name, 0444, ZP_ATTR_TEXT, .text = (_text))

/* Writable u64 in [min, max]; anything else is -EINVAL. */
#define ZP_TUNABLE(_var, _name, _ptr, _min, _max, _check, _changed)	\
	__ZP_ATTR(_var, _name, 0644, ZP_ATTR_TUNABLE, .val = (_ptr),	\
		  .min = (_min), .max = (_max), .check = (_check),	\
		  .changed = (_changed))

/* Writable 0 or 1 (also y/n, as a bool module parameter takes). */
#define ZP_TUNABLE_BOOL(_var, _name, _ptr, _check, _changed)		\
	__ZP_ATTR(_var, _name, 0644, ZP_ATTR_TUNABLE, .val = (_ptr),	\
		  .min = 0, .max = 1, .boolean = true, .check = (_check), \
		  .changed = (_changed))

/* Writable choice among names[]; reads back the current name. */
#define ZP_TUNABLE_ENUM(_var, _name, _ptr, _names, _check, _changed)	\
	__ZP_ATTR(_var, _name, 0644, ZP_ATTR_ENUM, .index = (_ptr),	\
		  .names = (_names), .check = (_check),			\
		  .changed = (_changed))

#define ZP_ATTR_PTR(_var)	(&(_var).kattr.attr)

/*
 * Adds directory @name under @parent (NULL: the root of the tree) holding
 * the files of @group.  Returns the directory or an ERR_PTR().
 */
struct kobject *zp_stats_dir_create(struct kobject *parent, const char *name,
				    const struct attribute_group *group);
/* The same with several groups (NULL-terminated), e.g. counters and tunables. */
struct kobject *zp_stats_dir_create_groups(struct kobject *parent,
					   const char *name,
					   const struct attribute_group **groups);
/* Removes a directory made by zp_stats_dir_create(); NULL is a no-op. */
void zp_stats_dir_destroy(struct kobject *dir);

/* Serialises every tunable write in the tree (see zp_attr.check). */
void zp_tunables_lock(void);
void zp_tunables_unlock(void);

/*
 * Module parameter @_name that is the tunable @_attr: accepted at load by
 * the same parse as its sysfs file (range, names, y/n), stored in the
 * same variable, and read back from /sys/module/<mod>/parameters/ as the
 * current value.  Cross-file rules are not known before the module's init
 * runs: init derives the defaults of parameters not given
 * (zp_attr.param_given) and then calls zp_tunables_check().
 */
extern const struct kernel_param_ops zp_param_ops;
#define ZP_PARAM(_name, _attr, _desc)					\
	module_param_cb(_name, &zp_param_ops, &(_attr), 0444);		\
	MODULE_PARM_DESC(_name, _desc)

/*
 * Runs the ->check() of every tunable in @attrs (NULL-terminated, files
 * of directory @dir) against its current value, under the tunable lock:
 * 0, or the first error, logged.
 */
int zp_tunables_check(struct attribute **attrs, const char *dir);

#endif /* _ZEROPOOL_STATS_H */
