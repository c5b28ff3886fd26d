// SPDX-License-Identifier: GPL-2.0
/*
 * zeropool's own directories of the stats tree: pool/, pool/node<N>/ and
 * scrub/ (with scrub/blocks/): the counters, gauges and actions, and the
 * tunables of tunables.c beside them.  Every file is described in
 * include/uapi/ABI.md.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/slab.h>

#include <zeropool/compat.h>
#include <zeropool/stats.h>

#include "zeropool.h"

struct zp_counters zp_cnt;
DEFINE_PER_CPU(struct zp_pcpu_counters, zp_pcpu_cnt);

static struct kobject *zp_pool_kobj;
static struct kobject *zp_scrub_kobj;
static struct kobject *zp_blocks_kobj;

#define ZP_NODE_FILES	3
static struct zp_attr *zp_node_attrs;	/* ZP_NODE_FILES per node with memory */
static struct zp_attr *zp_block_attrs;	/* one per order */
static struct attribute **zp_block_attr_ptrs;

/* --- actions --- */

static u64 zp_drain_request;

static void zp_drain_changed(const struct zp_attr *attr)
{
	if (zp_drain_request)
		zp_drain_all();
	WRITE_ONCE(zp_drain_request, 0);
}

/* --- gauges --- */

static u64 zp_pages_get(const struct zp_attr *attr)
{
	return zp_pool_pages();
}

static u64 zp_dirty_get(const struct zp_attr *attr)
{
	return zp_pool_dirty_pages();
}

static u64 zp_held_get(const struct zp_attr *attr)
{
	return zp_pool_held();
}

static u64 zp_node_pages_get(const struct zp_attr *attr)
{
	return zp_node_pages(attr->data);
}

static u64 zp_node_dirty_get(const struct zp_attr *attr)
{
	return zp_node_dirty_pages(attr->data);
}

static u64 zp_node_tp_get(const struct zp_attr *attr)
{
	struct zp_node *node = attr->data;
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += *per_cpu_ptr(node->tp_served, cpu);
	return sum;
}

static u64 zp_block_get(const struct zp_attr *attr)
{
	return atomic64_read(attr->data);
}

static const char *zp_backend_text(const struct zp_attr *attr)
{
	return zp_backend_name();
}

static const char *zp_method_text(const struct zp_attr *attr)
{
	return zp_zero_method_names[zp_effective_method()];
}

static u64 zp_allocator_zeroes_get(const struct zp_attr *attr)
{
	return zp_allocator_zeroes(GFP_HIGHUSER);
}

/* --- pool/ --- */

static ZP_TUNABLE(zp_a_drain, drain, &zp_drain_request, 0, 1, NULL,
		  zp_drain_changed);
static ZP_GAUGE(zp_a_pages, pages, zp_pages_get);
static ZP_GAUGE(zp_a_dirty, dirty_pages, zp_dirty_get);
static ZP_GAUGE(zp_a_held, held_pages, zp_held_get);
static ZP_COUNTER_PERCPU(zp_a_hits, hits, &zp_pcpu_cnt.hits);
static ZP_COUNTER_PERCPU(zp_a_misses, misses, &zp_pcpu_cnt.misses);
static ZP_COUNTER_ATOMIC(zp_a_given, given_back, &zp_cnt.given_back);
static ZP_COUNTER_ATOMIC(zp_a_freed_full, freed_full, &zp_cnt.freed_full);
static ZP_COUNTER_PERCPU(zp_a_dev_faults, dev_faults, &zp_pcpu_cnt.dev_faults);
static ZP_COUNTER_PERCPU(zp_a_dev_zero, dev_zero_page_maps, &zp_pcpu_cnt.dev_zero_maps);
static ZP_COUNTER_PERCPU(zp_a_dev_fa, dev_fault_around_pages,
			 &zp_pcpu_cnt.dev_fault_around);
static ZP_COUNTER_ATOMIC(zp_a_shrink_scans, shrink_scans, &zp_cnt.shrink_scans);
static ZP_COUNTER_ATOMIC(zp_a_shrink_freed, shrink_freed, &zp_cnt.shrink_freed);
static ZP_COUNTER_PERCPU(zp_a_tp_pages, transparent_pages,
			 &zp_pcpu_cnt.tp_served);
static ZP_COUNTER_PERCPU(zp_a_tp_misses, transparent_misses,
			 &zp_pcpu_cnt.tp_misses);
static ZP_COUNTER_PERCPU(zp_a_tp_order, transparent_fallthrough_order,
			 &zp_pcpu_cnt.tp_fall_order);
static ZP_COUNTER_PERCPU(zp_a_tp_gfp, transparent_fallthrough_gfp,
			 &zp_pcpu_cnt.tp_fall_gfp);
static ZP_COUNTER_PERCPU(zp_a_tp_vma, transparent_fallthrough_vma,
			 &zp_pcpu_cnt.tp_fall_vma);
static ZP_COUNTER_PERCPU(zp_a_tp_scope, transparent_fallthrough_scope,
			 &zp_pcpu_cnt.tp_fall_scope);
static ZP_COUNTER_PERCPU(zp_a_tp_policy, transparent_fallthrough_policy,
			 &zp_pcpu_cnt.tp_fall_policy);
static ZP_COUNTER_PERCPU(zp_a_tp_unmovable, transparent_fallthrough_unmovable,
			 &zp_pcpu_cnt.tp_fall_unmovable);

static struct attribute *zp_pool_attrs[] = {
	ZP_ATTR_PTR(zp_a_drain),
	ZP_ATTR_PTR(zp_a_pages),
	ZP_ATTR_PTR(zp_a_dirty),
	ZP_ATTR_PTR(zp_a_held),
	ZP_ATTR_PTR(zp_a_hits),
	ZP_ATTR_PTR(zp_a_misses),
	ZP_ATTR_PTR(zp_a_given),
	ZP_ATTR_PTR(zp_a_freed_full),
	ZP_ATTR_PTR(zp_a_dev_faults),
	ZP_ATTR_PTR(zp_a_dev_zero),
	ZP_ATTR_PTR(zp_a_dev_fa),
	ZP_ATTR_PTR(zp_a_shrink_scans),
	ZP_ATTR_PTR(zp_a_shrink_freed),
	ZP_ATTR_PTR(zp_a_tp_pages),
	ZP_ATTR_PTR(zp_a_tp_misses),
	ZP_ATTR_PTR(zp_a_tp_order),
	ZP_ATTR_PTR(zp_a_tp_gfp),
	ZP_ATTR_PTR(zp_a_tp_vma),
	ZP_ATTR_PTR(zp_a_tp_scope),
	ZP_ATTR_PTR(zp_a_tp_policy),
	ZP_ATTR_PTR(zp_a_tp_unmovable),
	NULL,
};

static const struct attribute_group zp_pool_group = {
	.attrs = zp_pool_attrs,
};

static const struct attribute_group zp_pool_tunable_group = {
	.attrs = zp_pool_tunable_attrs,
};

static const struct attribute_group zp_tp_scope_group = {
	.attrs = zp_tp_scope_attrs,
};

static const struct attribute_group *zp_pool_groups[] = {
	&zp_pool_group,
	&zp_pool_tunable_group,
	&zp_tp_scope_group,
	NULL,
};

/* --- scrub/ --- */

static ZP_TEXT(zp_a_method, method, zp_method_text);
static ZP_TEXT(zp_a_backend, backend, zp_backend_text);
static ZP_GAUGE(zp_a_alloc_zeroes, allocator_zeroes, zp_allocator_zeroes_get);
static ZP_COUNTER_ATOMIC(zp_a_wakeups, wakeups, &zp_cnt.scrub_wakeups);
static ZP_COUNTER_ATOMIC(zp_a_zcpu, pages_zeroed_cpu, &zp_cnt.zeroed_cpu);
static ZP_COUNTER_ATOMIC(zp_a_znt, pages_zeroed_nt, &zp_cnt.zeroed_nt);
static ZP_COUNTER_ATOMIC(zp_a_zoff, pages_zeroed_offload, &zp_cnt.zeroed_offload);
static ZP_COUNTER_ATOMIC(zp_a_prezeroed, pages_prezeroed, &zp_cnt.prezeroed);
static ZP_COUNTER_ATOMIC(zp_a_zero_ns, zero_ns, &zp_cnt.zero_ns);
static ZP_COUNTER_ATOMIC(zp_a_fallbacks, offload_fallbacks,
			 &zp_cnt.offload_fallbacks);
static ZP_COUNTER_ATOMIC(zp_a_timeouts, offload_timeouts,
			 &zp_cnt.offload_timeouts);

static struct attribute *zp_scrub_attrs[] = {
	ZP_ATTR_PTR(zp_a_method),
	ZP_ATTR_PTR(zp_a_backend),
	ZP_ATTR_PTR(zp_a_alloc_zeroes),
	ZP_ATTR_PTR(zp_a_wakeups),
	ZP_ATTR_PTR(zp_a_zcpu),
	ZP_ATTR_PTR(zp_a_znt),
	ZP_ATTR_PTR(zp_a_zoff),
	ZP_ATTR_PTR(zp_a_prezeroed),
	ZP_ATTR_PTR(zp_a_zero_ns),
	ZP_ATTR_PTR(zp_a_fallbacks),
	ZP_ATTR_PTR(zp_a_timeouts),
	NULL,
};

static const struct attribute_group zp_scrub_group = {
	.attrs = zp_scrub_attrs,
};

static const struct attribute_group zp_scrub_tunable_group = {
	.attrs = zp_scrub_tunable_attrs,
};

static const struct attribute_group *zp_scrub_groups[] = {
	&zp_scrub_group,
	&zp_scrub_tunable_group,
	NULL,
};

/* A read-only gauge file made at run time (names with a number in them). */
static void zp_dyn_gauge(struct zp_attr *a, const char *name,
			 u64 (*get)(const struct zp_attr *), void *data)
{
	sysfs_attr_init(&a->kattr.attr);
	a->kattr.attr.name = name;
	a->kattr.attr.mode = 0444;
	a->kattr.show = zp_attr_show;
	a->kind = ZP_ATTR_GAUGE;
	a->get = get;
	a->data = data;
}

static int zp_blocks_init(void)
{
	static const char * const names[] = {
		"order0", "order1", "order2", "order3", "order4", "order5",
		"order6", "order7", "order8", "order9", "order10",
	};
	struct attribute_group g = { };
	int n = ZP_MAX_PAGE_ORDER + 1, i;

	BUILD_BUG_ON(ZP_MAX_PAGE_ORDER + 1 > ARRAY_SIZE(names));
	zp_block_attrs = kcalloc(n, sizeof(*zp_block_attrs), GFP_KERNEL);
	zp_block_attr_ptrs = kcalloc(n + 1, sizeof(*zp_block_attr_ptrs),
				     GFP_KERNEL);
	if (!zp_block_attrs || !zp_block_attr_ptrs)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		zp_dyn_gauge(&zp_block_attrs[i], names[i], zp_block_get,
			     &zp_cnt.blocks[i]);
		zp_block_attr_ptrs[i] = &zp_block_attrs[i].kattr.attr;
	}
	g.attrs = zp_block_attr_ptrs;
	zp_blocks_kobj = zp_stats_dir_create(zp_scrub_kobj, "blocks", &g);
	if (IS_ERR(zp_blocks_kobj)) {
		int err = PTR_ERR(zp_blocks_kobj);

		zp_blocks_kobj = NULL;
		return err;
	}
	return 0;
}

static int zp_nodes_sysfs_init(void)
{
	struct attribute *attrs[ZP_NODE_FILES + 1];
	struct attribute_group g = { .attrs = attrs };
	struct zp_node *node;
	char name[16];
	int nid, i = 0;

	zp_node_attrs = kcalloc(ZP_NODE_FILES * nr_node_ids, sizeof(*zp_node_attrs),
				GFP_KERNEL);
	if (!zp_node_attrs)
		return -ENOMEM;
	for_each_node_state(nid, N_MEMORY) {
		node = zp_nodes[nid];
		zp_dyn_gauge(&zp_node_attrs[i], "pages", zp_node_pages_get,
			     node);
		zp_dyn_gauge(&zp_node_attrs[i + 1], "dirty_pages",
			     zp_node_dirty_get, node);
		zp_dyn_gauge(&zp_node_attrs[i + 2], "transparent_pages",
			     zp_node_tp_get, node);
		attrs[0] = &zp_node_attrs[i].kattr.attr;
		attrs[1] = &zp_node_attrs[i + 1].kattr.attr;
		attrs[2] = &zp_node_attrs[i + 2].kattr.attr;
		attrs[3] = NULL;
		snprintf(name, sizeof(name), "node%d", nid);
		node->kobj = zp_stats_dir_create(zp_pool_kobj, name, &g);
		if (IS_ERR(node->kobj)) {
			int err = PTR_ERR(node->kobj);

			node->kobj = NULL;
			return err;
		}
		i += ZP_NODE_FILES;
	}
	return 0;
}

static void zp_nodes_sysfs_exit(void)
{
	int nid;

	for_each_node_state(nid, N_MEMORY) {
		if (!zp_nodes[nid])
			continue;
		zp_stats_dir_destroy(zp_nodes[nid]->kobj);
		zp_nodes[nid]->kobj = NULL;
	}
}

int zp_pool_sysfs_init(void)
{
	int err;

	zp_pool_kobj = zp_stats_dir_create_groups(NULL, "pool", zp_pool_groups);
	if (IS_ERR(zp_pool_kobj)) {
		err = PTR_ERR(zp_pool_kobj);
		zp_pool_kobj = NULL;
		return err;
	}
	zp_scrub_kobj = zp_stats_dir_create_groups(NULL, "scrub",
						   zp_scrub_groups);
	if (IS_ERR(zp_scrub_kobj)) {
		err = PTR_ERR(zp_scrub_kobj);
		zp_scrub_kobj = NULL;
		goto out_remove;
	}
	err = zp_nodes_sysfs_init();
	if (err)
		goto out_remove;
	err = zp_blocks_init();
	if (err)
		goto out_remove;
	return 0;

out_remove:
	zp_pool_sysfs_exit();
	return err;
}

void zp_pool_sysfs_exit(void)
{
	zp_stats_dir_destroy(zp_blocks_kobj);
	zp_blocks_kobj = NULL;
	zp_nodes_sysfs_exit();
	zp_stats_dir_destroy(zp_scrub_kobj);
	zp_scrub_kobj = NULL;
	zp_stats_dir_destroy(zp_pool_kobj);
	zp_pool_kobj = NULL;
	kfree(zp_block_attr_ptrs);
	zp_block_attr_ptrs = NULL;
	kfree(zp_block_attrs);
	zp_block_attrs = NULL;
	kfree(zp_node_attrs);
	zp_node_attrs = NULL;
}
