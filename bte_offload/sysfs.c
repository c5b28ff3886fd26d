// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/zeropool/bte_offload/: channel, counters and tunables.
 * This file writes nothing of its own: channel changes go
 * through bte_attach() (backend.c), tunables through the framework.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include <zeropool/stats.h>

#include "bte.h"

static struct kobject *bte_dir;

/* The channel's name and capability live with it, under bte.lock. */
static ssize_t channel_show(struct kobject *kobj, struct kobj_attribute *a,
			    char *buf)
{
	ssize_t n;

	mutex_lock(&bte.lock);
	n = sysfs_emit(buf, "%s\n", bte.ch ? bte.ch->name : "none");
	mutex_unlock(&bte.lock);
	return n;
}

static ssize_t channel_store(struct kobject *kobj, struct kobj_attribute *a,
			     const char *buf, size_t count)
{
	char name[32];
	int err;

	if (count >= sizeof(name))
		return -EINVAL;
	memcpy(name, buf, count);
	name[count] = '\0';
	strim(name);
	if (!*name)
		return -EINVAL;
	err = bte_attach(name);
	return err ? err : count;
}

static struct kobj_attribute bte_a_channel = __ATTR_RW(channel);

static ssize_t capability_show(struct kobject *kobj, struct kobj_attribute *a,
			       char *buf)
{
	ssize_t n;

	mutex_lock(&bte.lock);
	n = sysfs_emit(buf, "%s\n",
		       bte_cap_name(bte.ch ? bte.ch->cap : BTE_CAP_NONE));
	mutex_unlock(&bte.lock);
	return n;
}

static struct kobj_attribute bte_a_capability = __ATTR_RO(capability);

static const char *bte_backend_text(const struct zp_attr *attr)
{
	return READ_ONCE(bte.ch) ? "dma" : "cpu";
}

static u64 bte_inflight_get(const struct zp_attr *attr)
{
	u64 n;

	mutex_lock(&bte.lock);
	n = bte.ch ? READ_ONCE(bte.ch->inflight) : 0;
	mutex_unlock(&bte.lock);
	return n;
}

static u64 bte_submit_ns_per_mib_get(const struct zp_attr *attr)
{
	u64 bytes = atomic64_read(&bte_cnt.submit_bytes);

	if (bytes < SZ_1M)
		return 0;
	return div64_u64(atomic64_read(&bte_cnt.submit_ns), bytes >> 20);
}

static u64 bte_cpu_ref_get(const struct zp_attr *attr)
{
	return bte_cpu_ref_ns_per_mib;
}

static u64 bte_quarantined_pages_get(const struct zp_attr *attr)
{
	return atomic64_read(&bte_cnt.quarantined_pages);
}

static ZP_TEXT(bte_a_backend, backend, bte_backend_text);
static ZP_GAUGE(bte_a_q_pages, quarantined_pages, bte_quarantined_pages_get);
static ZP_GAUGE(bte_a_inflight, in_flight, bte_inflight_get);
static ZP_GAUGE(bte_a_sub_ns_mib, submit_cpu_ns_per_mib,
		bte_submit_ns_per_mib_get);
static ZP_GAUGE(bte_a_cpu_ref, cpu_zero_ns_per_mib, bte_cpu_ref_get);
static ZP_COUNTER_ATOMIC(bte_a_submissions, submissions, &bte_cnt.submissions);
static ZP_COUNTER_ATOMIC(bte_a_descriptors, descriptors, &bte_cnt.descriptors);
static ZP_COUNTER_ATOMIC(bte_a_blocks, blocks_dma, &bte_cnt.blocks_dma);
static ZP_COUNTER_ATOMIC(bte_a_bytes, bytes_dma, &bte_cnt.bytes_dma);
static ZP_COUNTER_ATOMIC(bte_a_errors, errors, &bte_cnt.errors);
static ZP_COUNTER_ATOMIC(bte_a_timeouts, timeouts, &bte_cnt.timeouts);
static ZP_COUNTER_ATOMIC(bte_a_cancelled, cancelled, &bte_cnt.cancelled);
static ZP_COUNTER_ATOMIC(bte_a_rejected, rejected, &bte_cnt.rejected);
static ZP_COUNTER_ATOMIC(bte_a_fallbacks, cpu_fallbacks, &bte_cnt.cpu_fallbacks);
static ZP_COUNTER_ATOMIC(bte_a_resets, resets, &bte_cnt.resets);
static ZP_COUNTER_ATOMIC(bte_a_losses, channel_losses, &bte_cnt.channel_losses);
static ZP_COUNTER_ATOMIC(bte_a_submit_ns, submit_ns, &bte_cnt.submit_ns);
static ZP_COUNTER_ATOMIC(bte_a_submit_bytes, submit_bytes,
			 &bte_cnt.submit_bytes);
static ZP_COUNTER_ATOMIC(bte_a_term_fail, terminate_failures,
			 &bte_cnt.terminate_failures);
static ZP_COUNTER_ATOMIC(bte_a_quarantined, quarantined, &bte_cnt.quarantined);

static struct attribute *bte_attrs[] = {
	&bte_a_channel.attr,
	&bte_a_capability.attr,
	ZP_ATTR_PTR(bte_a_backend),
	ZP_ATTR_PTR(bte_a_inflight),
	ZP_ATTR_PTR(bte_a_sub_ns_mib),
	ZP_ATTR_PTR(bte_a_cpu_ref),
	ZP_ATTR_PTR(bte_a_submissions),
	ZP_ATTR_PTR(bte_a_descriptors),
	ZP_ATTR_PTR(bte_a_blocks),
	ZP_ATTR_PTR(bte_a_bytes),
	ZP_ATTR_PTR(bte_a_errors),
	ZP_ATTR_PTR(bte_a_timeouts),
	ZP_ATTR_PTR(bte_a_cancelled),
	ZP_ATTR_PTR(bte_a_rejected),
	ZP_ATTR_PTR(bte_a_fallbacks),
	ZP_ATTR_PTR(bte_a_resets),
	ZP_ATTR_PTR(bte_a_losses),
	ZP_ATTR_PTR(bte_a_submit_ns),
	ZP_ATTR_PTR(bte_a_submit_bytes),
	ZP_ATTR_PTR(bte_a_term_fail),
	ZP_ATTR_PTR(bte_a_quarantined),
	ZP_ATTR_PTR(bte_a_q_pages),
	NULL,
};

static const struct attribute_group bte_group = {
	.attrs = bte_attrs,
};

static const struct attribute_group bte_tunable_group = {
	.attrs = bte_tunable_attrs,
};

static const struct attribute_group *bte_groups[] = {
	&bte_group,
	&bte_tunable_group,
	NULL,
};

int bte_sysfs_init(void)
{
	bte_dir = zp_stats_dir_create_groups(NULL, KBUILD_MODNAME, bte_groups);
	if (IS_ERR(bte_dir)) {
		pr_err("cannot create the stats directory: %ld\n",
		       PTR_ERR(bte_dir));
		return PTR_ERR(bte_dir);
	}
	return 0;
}

void bte_sysfs_exit(void)
{
	zp_stats_dir_destroy(bte_dir);
	bte_dir = NULL;
}
