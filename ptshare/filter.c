// SPDX-License-Identifier: GPL-2.0
/*
 * Which forks are traced: filter_pid (the forking task or an ancestor),
 * filter_comm and min_rss.  The fork probe asks pts_filter_pass() before
 * it claims a slot; sysfs.c sets and shows filter_comm.  This file alone
 * holds filter_comm, the one filter too long for a READ_ONCE tunable.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "ptshare.h"

/* filter_comm: written by sysfs, read by the fork probe; both under lock. */
static DEFINE_SPINLOCK(pts_comm_lock);
static char pts_comm[PTS_COMM_LEN];

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

bool pts_filter_pass(struct task_struct *task)
{
	pid_t want = READ_ONCE(pts_tun.filter_pid);
	unsigned long flags;
	bool ok = true;
	u64 min_kb;

	if (want && !pts_pid_match(task, want))
		return false;
	if (!pts_probe_lock(&pts_comm_lock, flags))
		return false;
	if (pts_comm[0] && strncmp(pts_comm, task->comm, PTS_COMM_LEN))
		ok = false;
	spin_unlock_irqrestore(&pts_comm_lock, flags);
	if (!ok)
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
	char tmp[PTS_COMM_LEN];
	unsigned long flags;
	size_t i;

	if (len && buf[len - 1] == '\n')
		len--;
	if (len >= PTS_COMM_LEN)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!buf[i] || buf[i] == '\n')
			return -EINVAL;
	memcpy(tmp, buf, len);
	tmp[len] = '\0';
	spin_lock_irqsave(&pts_comm_lock, flags);
	strscpy(pts_comm, tmp, sizeof(pts_comm));
	spin_unlock_irqrestore(&pts_comm_lock, flags);
	return 0;
}

void pts_filter_comm_get(char *buf)
{
	unsigned long flags;

	spin_lock_irqsave(&pts_comm_lock, flags);
	memcpy(buf, pts_comm, PTS_COMM_LEN);
	spin_unlock_irqrestore(&pts_comm_lock, flags);
}
