// SPDX-License-Identifier: GPL-2.0
/*
 * Who transparent prezeroing serves (pool/transparent: off, cgroup, all),
 * the cgroup of "cgroup" (pool/transparent_cgroup, a cgroup v2 path), and
 * from which node a fault may take its page so that the task's memory
 * policy is honoured.  All of it is read by the ftrace handler of
 * transparent.c, in the faulting task, with preemption off: nothing here
 * sleeps on that side.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cgroup.h>
#include <linux/cpuset.h>
#include <linux/kernel.h>
#include <linux/mempolicy.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <zeropool/stats.h>

#include "zeropool.h"

const char * const zp_transparent_names[] = {
	[ZP_TRANSPARENT_OFF] = "off",
	[ZP_TRANSPARENT_CGROUP] = "cgroup",
	[ZP_TRANSPARENT_ALL] = "all",
	NULL,
};

/*
 * The cgroup of mode "cgroup" and the path it was given by, replaced
 * together under zp_tp_cgroup_lock; the handler reads zp_tp_cgroup under
 * RCU, the old one is put after a grace period.
 */
static DEFINE_MUTEX(zp_tp_cgroup_lock);
static struct cgroup __rcu *zp_tp_cgroup;
static char *zp_tp_cgroup_path;

/* Is the current task inside the cgroup (or a descendant of it)? */
static bool zp_tp_in_cgroup(void)
{
	struct cgroup *target;
	bool in;

	rcu_read_lock();
	target = rcu_dereference(zp_tp_cgroup);
	in = target && cgroup_is_descendant(task_dfl_cgroup(current), target);
	rcu_read_unlock();
	return in;
}

bool zp_tp_in_scope(void)
{
	switch (READ_ONCE(zp_tun.transparent)) {
	case ZP_TRANSPARENT_ALL:
		return true;
	case ZP_TRANSPARENT_CGROUP:
		return zp_tp_in_cgroup();
	default:
		return false;
	}
}

/*
 * The node the allocator would prefer for this fault if the pool may
 * stand in for it, else NUMA_NO_NODE: the local node under the default or
 * local policy, the preferred node of MPOL_PREFERRED, the local node when
 * MPOL_BIND or MPOL_PREFERRED_MANY allow it; never for interleaving, and
 * never a node the task's cpuset excludes.  An anonymous VMA has no
 * ->get_policy: its policy is its own or the task's.
 */
int zp_tp_policy_node(struct vm_area_struct *vma)
{
	struct mempolicy *pol = vma->vm_policy ?: current->mempolicy;
	int nid = numa_node_id();

	if (pol) {
		switch (pol->mode) {
		case MPOL_LOCAL:
			break;
		case MPOL_PREFERRED:
			nid = first_node(pol->nodes);
			break;
		case MPOL_BIND:
		case MPOL_PREFERRED_MANY:
			if (!node_isset(nid, pol->nodes))
				return NUMA_NO_NODE;
			break;
		default:
			return NUMA_NO_NODE;
		}
	}
	if (nid >= MAX_NUMNODES || !node_isset(nid, current->mems_allowed))
		return NUMA_NO_NODE;
	return nid;
}

static ssize_t transparent_cgroup_show(struct kobject *kobj,
				       struct kobj_attribute *attr, char *buf)
{
	ssize_t len;

	mutex_lock(&zp_tp_cgroup_lock);
	len = sysfs_emit(buf, "%s\n", zp_tp_cgroup_path ?: "");
	mutex_unlock(&zp_tp_cgroup_lock);
	return len;
}

/* Replaces the cgroup and its path (either may be NULL); frees the old. */
static void zp_tp_cgroup_set(struct cgroup *cgrp, char *path)
{
	struct cgroup *old;
	char *old_path;

	mutex_lock(&zp_tp_cgroup_lock);
	old = rcu_replace_pointer(zp_tp_cgroup, cgrp,
				  lockdep_is_held(&zp_tp_cgroup_lock));
	old_path = zp_tp_cgroup_path;
	zp_tp_cgroup_path = path;
	mutex_unlock(&zp_tp_cgroup_lock);
	if (old) {
		synchronize_rcu();
		cgroup_put(old);
	}
	kfree(old_path);
}

/*
 * A cgroup v2 path from the root of the hierarchy ("/zp.slice/run"), or
 * an empty line for none.  ENOENT for no such cgroup, ENOTDIR for a path
 * that names a file, EINVAL for one not absolute.
 */
static ssize_t transparent_cgroup_store(struct kobject *kobj,
					struct kobj_attribute *attr,
					const char *buf, size_t count)
{
	struct cgroup *cgrp = NULL;
	char *path;

	path = kstrndup(buf, min_t(size_t, count, PATH_MAX), GFP_KERNEL);
	if (!path)
		return -ENOMEM;
	memmove(path, strim(path), strlen(strim(path)) + 1);
	if (!*path) {
		kfree(path);
		zp_tp_cgroup_set(NULL, NULL);
		return count;
	}
	if (path[0] != '/') {
		kfree(path);
		return -EINVAL;
	}
	cgrp = cgroup_get_from_path(path);
	if (IS_ERR(cgrp)) {
		kfree(path);
		return PTR_ERR(cgrp);
	}
	zp_tp_cgroup_set(cgrp, path);
	return count;
}

static struct kobj_attribute zp_tp_cgroup_attr = __ATTR_RW(transparent_cgroup);

/* Not a zp_attr (a path, not a number): a group of its own in pool/. */
struct attribute *zp_tp_scope_attrs[] = {
	&zp_tp_cgroup_attr.attr,
	NULL,
};

void zp_tp_scope_exit(void)
{
	zp_tp_cgroup_set(NULL, NULL);
}
