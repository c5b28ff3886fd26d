// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/zeropool/ptshare/: tunables and counters, one value per
 * file, through zeropool's stats tree.  Every file is described in
 * include/uapi/ABI-ptshare.md.
 *
 * This file defines pts_cnt but writes none of it (each counter has the
 * one writer ptshare.h names); the tunables are tunables.c's, added here
 * as a second group of the same directory.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/sysfs.h>
#include <linux/threads.h>

#include <zeropool/stats.h>

#include "ptshare.h"

struct pts_counters pts_cnt;

static struct kobject *pts_dir;

static ssize_t pts_comm_show(struct kobject *kobj, struct kobj_attribute *a,
			     char *buf)
{
	char comm[PTS_COMM_LEN];

	pts_filter_comm_get(comm);
	return sysfs_emit(buf, "%s\n", comm);
}

static ssize_t pts_comm_store(struct kobject *kobj, struct kobj_attribute *a,
			      const char *buf, size_t count)
{
	int err = pts_filter_comm_set(buf, count);

	return err ? err : count;
}

static struct kobj_attribute pts_a_comm =
	__ATTR(filter_comm, 0644, pts_comm_show, pts_comm_store);

static u64 pts_windows_get(const struct zp_attr *attr)
{
	return pts_windows_open();
}

static u64 pts_dropped_get(const struct zp_attr *attr)
{
	return pts_ring_dropped();
}

static u64 pts_big_get(const struct zp_attr *attr)
{
	return pts_big_bytes();
}

static u64 pts_missed_get(const struct zp_attr *attr)
{
	return pts_probes_missed();
}

static const char *pts_attached_text(const struct zp_attr *attr)
{
	return pts_probes_attached();
}

static const char *pts_attach_text(const struct zp_attr *attr)
{
	return pts_probes_attach_kind();
}

static const char *pts_attach_entry_text(const struct zp_attr *attr)
{
	return pts_probes_attach_entry_kind();
}

static ZP_COUNTER_PERCPU(pts_a_seen, forks_seen, &pts_forks_seen);
static ZP_COUNTER_PERCPU(pts_a_filt, forks_filtered, &pts_forks_filtered);
static ZP_COUNTER_ATOMIC(pts_a_traced, forks_traced, &pts_cnt.forks_traced);
static ZP_COUNTER_ATOMIC(pts_a_busy, forks_busy, &pts_cnt.forks_busy);
static ZP_COUNTER_ATOMIC(pts_a_failed, forks_failed, &pts_cnt.forks_failed);
static ZP_COUNTER_PERCPU(pts_a_vfork, forks_vfork, &pts_forks_vfork);
static ZP_COUNTER_ATOMIC(pts_a_nmi_miss, nmi_lock_misses,
			 &pts_cnt.nmi_lock_misses);
static ZP_COUNTER_ATOMIC(pts_a_fork_ns, fork_ns_total, &pts_cnt.fork_ns);
static ZP_COUNTER_ATOMIC(pts_a_dup_ns, dup_ns_total, &pts_cnt.dup_ns);
static ZP_COUNTER_ATOMIC(pts_a_cpr_ns, copy_ns_total, &pts_cnt.cpr_ns);
static ZP_COUNTER_ATOMIC(pts_a_calls, copy_calls, &pts_cnt.cpr_calls);
static ZP_COUNTER_ATOMIC(pts_a_vcop, vmas_copied, &pts_cnt.vmas_copied);
static ZP_COUNTER_ATOMIC(pts_a_vskip, vmas_skipped, &pts_cnt.vmas_skipped);
static ZP_COUNTER_ATOMIC(pts_a_pgb, pgtable_bytes_copied,
			 &pts_cnt.pgtable_bytes);
static ZP_COUNTER_ATOMIC(pts_a_pte, pte_tables_copied, &pts_cnt.pte_tables);
static ZP_COUNTER_ATOMIC(pts_a_cow, cow_faults, &pts_cnt.cow_faults);
static ZP_COUNTER_ATOMIC(pts_a_written, tables_written,
			 &pts_cnt.tables_written);
static ZP_COUNTER_ATOMIC(pts_a_priv, est_tables_privatized,
			 &pts_cnt.est_privatized);
static ZP_COUNTER_ATOMIC(pts_a_saved, est_bytes_saved,
			 &pts_cnt.est_saved_bytes);
static ZP_COUNTER_ATOMIC(pts_a_est_ns, est_fork_ns_total,
			 &pts_cnt.est_fork_ns);
static ZP_COUNTER_ATOMIC(pts_a_closed, windows_closed,
			 &pts_cnt.windows_closed);
static ZP_GAUGE(pts_a_open, windows_open, pts_windows_get);
static ZP_GAUGE(pts_a_dropped, records_dropped, pts_dropped_get);
static ZP_GAUGE(pts_a_missed, probe_misses, pts_missed_get);
static ZP_GAUGE(pts_a_big, range_buffer_bytes, pts_big_get);
static ZP_TEXT(pts_a_attached, probes_attached, pts_attached_text);
static ZP_TEXT(pts_a_attach, attach, pts_attach_text);
static ZP_TEXT(pts_a_attach_entry, attach_entry, pts_attach_entry_text);

static struct attribute *pts_attrs[] = {
	&pts_a_comm.attr,
	ZP_ATTR_PTR(pts_a_seen),
	ZP_ATTR_PTR(pts_a_filt),
	ZP_ATTR_PTR(pts_a_traced),
	ZP_ATTR_PTR(pts_a_busy),
	ZP_ATTR_PTR(pts_a_failed),
	ZP_ATTR_PTR(pts_a_vfork),
	ZP_ATTR_PTR(pts_a_nmi_miss),
	ZP_ATTR_PTR(pts_a_fork_ns),
	ZP_ATTR_PTR(pts_a_dup_ns),
	ZP_ATTR_PTR(pts_a_cpr_ns),
	ZP_ATTR_PTR(pts_a_calls),
	ZP_ATTR_PTR(pts_a_vcop),
	ZP_ATTR_PTR(pts_a_vskip),
	ZP_ATTR_PTR(pts_a_pgb),
	ZP_ATTR_PTR(pts_a_pte),
	ZP_ATTR_PTR(pts_a_cow),
	ZP_ATTR_PTR(pts_a_written),
	ZP_ATTR_PTR(pts_a_priv),
	ZP_ATTR_PTR(pts_a_saved),
	ZP_ATTR_PTR(pts_a_est_ns),
	ZP_ATTR_PTR(pts_a_closed),
	ZP_ATTR_PTR(pts_a_open),
	ZP_ATTR_PTR(pts_a_dropped),
	ZP_ATTR_PTR(pts_a_missed),
	ZP_ATTR_PTR(pts_a_big),
	ZP_ATTR_PTR(pts_a_attached),
	ZP_ATTR_PTR(pts_a_attach),
	ZP_ATTR_PTR(pts_a_attach_entry),
	NULL,
};

static const struct attribute_group pts_group = {
	.attrs = pts_attrs,
};

static const struct attribute_group pts_tunable_group = {
	.attrs = pts_tunable_attrs,
};

static const struct attribute_group *pts_groups[] = {
	&pts_group,
	&pts_tunable_group,
	NULL,
};

int pts_sysfs_init(void)
{
	pts_tunables_measure();
	pts_dir = zp_stats_dir_create_groups(NULL, "ptshare", pts_groups);
	if (IS_ERR(pts_dir)) {
		pr_err("cannot create the sysfs directory (%ld)\n",
		       PTR_ERR(pts_dir));
		return PTR_ERR(pts_dir);
	}
	return 0;
}

void pts_sysfs_exit(void)
{
	zp_stats_dir_destroy(pts_dir);
	pts_dir = NULL;
}
