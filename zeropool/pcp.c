// SPDX-License-Identifier: GPL-2.0
/*
 * The per-CPU caches in front of the pool's node lists, so that
 * concurrent faults on different CPUs do not meet on one node lock.
 *
 * A cache only ever holds pages of its own CPU's node: it is filled and
 * emptied with the CPU's local lock held (no migration in between) and
 * only for a request of that node; a task that moved to another node's CPU
 * after choosing its node takes from the node list instead.  A CPU that
 * goes offline keeps its cache, out of reach of on_each_cpu() and of the
 * pool's stats: its CPU-dead callback gives the pages back to their node.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/local_lock.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/smp.h>

#include "zeropool.h"

#define ZP_PCP_MAX	32
#define ZP_PCP_BATCH	16

struct zp_pcp {
	local_lock_t lock;	/* protects count and pages[] */
	unsigned int count;
	struct page *pages[ZP_PCP_MAX];
};

static DEFINE_PER_CPU(struct zp_pcp, zp_pcp) = {
	.lock = INIT_LOCAL_LOCK(lock),
};

/* The dynamic CPU hotplug state of the dead callback, > 0 once set up. */
static int zp_pcp_hp_state;

/* A page of @node, from this CPU's cache when it is on @node; or NULL. */
struct page *zp_pcp_take(struct zp_node *node)
{
	struct page *page = NULL;
	struct zp_pcp *pcp;
	unsigned long flags;

	local_lock_irqsave(&zp_pcp.lock, flags);
	if (numa_node_id() != node->nid) {
		local_unlock_irqrestore(&zp_pcp.lock, flags);
		return zp_node_take(node);
	}
	pcp = this_cpu_ptr(&zp_pcp);
	if (!pcp->count)
		pcp->count = zp_node_take_batch(node, pcp->pages, ZP_PCP_BATCH);
	if (pcp->count)
		page = pcp->pages[--pcp->count];
	local_unlock_irqrestore(&zp_pcp.lock, flags);
	return page;
}

/* Pages cached by the CPUs of @nid. */
unsigned long zp_pcp_node_pages(int nid)
{
	unsigned long nr = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		if (cpu_to_node(cpu) == nid)
			nr += READ_ONCE(per_cpu_ptr(&zp_pcp, cpu)->count);
	return nr;
}

/* Gives the pages of @pcp back to their node lists. */
static void zp_pcp_empty(struct zp_pcp *pcp)
{
	struct page *page;
	LIST_HEAD(pages);

	while (pcp->count) {
		page = pcp->pages[--pcp->count];
		list_add(&page->lru, &pages);
		zp_node_add_zeroed(zp_nodes[page_to_nid(page)], &pages, 1);
	}
}

static void zp_pcp_drain_local(void *unused)
{
	unsigned long flags;

	local_lock_irqsave(&zp_pcp.lock, flags);
	zp_pcp_empty(this_cpu_ptr(&zp_pcp));
	local_unlock_irqrestore(&zp_pcp.lock, flags);
}

/*
 * Nothing runs on a dead CPU and nothing holds its local lock (taking it
 * disables preemption), so its cache is ours alone until it comes back.
 */
static int zp_pcp_cpu_dead(unsigned int cpu)
{
	zp_pcp_empty(per_cpu_ptr(&zp_pcp, cpu));
	return 0;
}

/* Moves the pages of every per-CPU cache, online or not, to the nodes. */
void zp_pcp_drain_all(void)
{
	int cpu;

	might_sleep();
	cpus_read_lock();
	on_each_cpu(zp_pcp_drain_local, NULL, 1);
	for_each_possible_cpu(cpu)
		if (!cpu_online(cpu))
			zp_pcp_cpu_dead(cpu);
	cpus_read_unlock();
}

int zp_pcp_init(void)
{
	int ret;

	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN,
					"zeropool/pcp:dead", NULL,
					zp_pcp_cpu_dead);
	if (ret < 0)
		return ret;
	zp_pcp_hp_state = ret;
	return 0;
}

/* After the last take: what the caches hold goes back with the drain. */
void zp_pcp_exit(void)
{
	if (zp_pcp_hp_state > 0)
		cpuhp_remove_state_nocalls(zp_pcp_hp_state);
	zp_pcp_hp_state = 0;
}
