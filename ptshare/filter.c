// SPDX-License-Identifier: GPL-2.0
/*
 * Which forks are traced: filter_pid (the forking task or an ancestor),
 * filter_comm and min_rss.  The fork probe asks pts_filter_pass() before
 * it claims a slot; sysfs.c sets and shows filter_comm.  This file alone
 * holds filter_comm, the one filter too long for a READ_ONCE tunable.
 *
 * Every fork on the system asks, so the check takes no lock and writes
 * nothing: filter_comm is an RCU-published copy, replaced whole by a
 * writer and freed after a grace period.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "ptshare.h"

struct pts_comm {
	struct rcu_head rcu;
	char comm[PTS_COMM_LEN];
};

/*
 * filter_comm, NULL when empty: rcu_dereference() in the fork probe,
 * replaced under pts_comm_mutex by pts_filter_comm_set() only.
 */
static struct pts_comm __rcu *pts_comm;
static DEFINE_MUTEX(pts_comm_mutex);

/* Ancestors checked for filter_pid: deep enough for shells and runners. */
#define PTS_MAX_DEPTH	64

static bool pts_pid_match(struct task_struct *task, pid_t want)
{
	struct task_struct *t = task;
	bool match = false;
	int depth;

	rcu_read_lock();
	for (depth = 0; depth < PTS_MAX_DEPTH; depth++) {
		if (t->tgid == want) {
			match = true;
			break;
		}
		if (t->pid <= 1)
			break;
		t = rcu_dereference(t->real_parent);
	}
	rcu_read_unlock();
	return match;
}

static bool pts_comm_match(struct task_struct *task)
{
	struct pts_comm *c;
	bool ok = true;

	rcu_read_lock();
	c = rcu_dereference(pts_comm);
	if (c && strncmp(c->comm, task->comm, PTS_COMM_LEN))
		ok = false;
	rcu_read_unlock();
	return ok;
}

bool pts_filter_pass(struct task_struct *task)
{
	pid_t want = READ_ONCE(pts_tun.filter_pid);
	u64 min_kb;

	if (want && !pts_pid_match(task, want))
		return false;
	if (!pts_comm_match(task))
		return false;
	min_kb = READ_ONCE(pts_tun.min_rss_kb);
	if (min_kb && task->mm &&
	    (get_mm_counter(task->mm, MM_ANONPAGES) << (PAGE_SHIFT - 10)) <
	    min_kb)
		return false;
	return true;
}

/* A trailing newline is dropped; empty clears the filter. */
int pts_filter_comm_set(const char *buf, size_t len)
{
	struct pts_comm *c = NULL, *old;
	size_t i;

	if (len && buf[len - 1] == '\n')
		len--;
	if (len >= PTS_COMM_LEN)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!buf[i] || buf[i] == '\n')
			return -EINVAL;
	if (len) {
		c = kzalloc(sizeof(*c), GFP_KERNEL);
		if (!c)
			return -ENOMEM;
		memcpy(c->comm, buf, len);
	}
	mutex_lock(&pts_comm_mutex);
	old = rcu_replace_pointer(pts_comm, c,
				  lockdep_is_held(&pts_comm_mutex));
	mutex_unlock(&pts_comm_mutex);
	if (old)
		kfree_rcu(old, rcu);
	return 0;
}

void pts_filter_comm_get(char *buf)
{
	struct pts_comm *c;

	memset(buf, 0, PTS_COMM_LEN);
	rcu_read_lock();
	c = rcu_dereference(pts_comm);
	if (c)
		memcpy(buf, c->comm, PTS_COMM_LEN);
	rcu_read_unlock();
}

/* At unload, after the probes are gone: no reader is left. */
void pts_filter_exit(void)
{
	kfree(rcu_dereference_protected(pts_comm, true));
	RCU_INIT_POINTER(pts_comm, NULL);
}
