// SPDX-License-Identifier: GPL-2.0
/*
 * Transparent prezeroing honours the task's NUMA policy (a two-node guest:
 * ZP_VM_NUMA=2, cpu0 on node0, cpu1 on node1): the default policy takes
 * the local node's pool, MPOL_PREFERRED the preferred node's, MPOL_BIND
 * the local node's when the mask has it; a bind that excludes the local
 * node and interleaving fall through to the allocator.  Every page is
 * checked where it lives (get_mempolicy MPOL_F_NODE | MPOL_F_ADDR): a task
 * bound to node 1 never gets a node-0 page.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../lib/zptest.h"

#define PAGE		4096UL
#define NPAGES		256
#define MPOL_DEFAULT	0
#define MPOL_PREFERRED	1
#define MPOL_BIND	2
#define MPOL_INTERLEAVE	3
#define MPOL_F_NODE	(1 << 0)
#define MPOL_F_ADDR	(1 << 1)

static long set_policy(int mode, unsigned long nodes)
{
	return syscall(SYS_set_mempolicy, mode, mode ? &nodes : NULL,
		       mode ? 8 * sizeof(nodes) : 0);
}

/* Node of the page at @p, or -1. */
static int node_of(void *p)
{
	int node = -1;

	if (syscall(SYS_get_mempolicy, &node, NULL, 0, p,
		    MPOL_F_NODE | MPOL_F_ADDR))
		return -1;
	return node;
}

/*
 * Faults NPAGES fresh pages under the current policy; returns how many
 * landed on @want_node.
 */
static int fault_pages(int want_node)
{
	unsigned char *p = mmap(NULL, NPAGES * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int i, on = 0;

	if (p == MAP_FAILED)
		tap_bail("mmap");
	madvise(p, NPAGES * PAGE, MADV_NOHUGEPAGE);
	for (i = 0; i < NPAGES; i++) {
		p[i * PAGE] = 1;
		on += node_of(p + i * PAGE) == want_node;
	}
	munmap(p, NPAGES * PAGE);
	return on;
}

struct counts {
	uint64_t node[2], policy;
};

static void snap(struct counts *c)
{
	c->node[0] = zp_get("pool/node0/transparent_pages");
	c->node[1] = zp_get("pool/node1/transparent_pages");
	c->policy = zp_get("pool/transparent_fallthrough_policy");
}

/* Faults under @mode/@nodes on @cpu; checks node and who served them. */
static void check(const char *what, int cpu, int mode, unsigned long nodes,
		  int want_node, int served_node)
{
	struct counts a, b;
	int on;

	zp_run_on_cpu(cpu);
	if (set_policy(mode, nodes))
		tap_bail("set_mempolicy(%d)", mode);
	snap(&a);
	on = fault_pages(want_node);
	snap(&b);
	set_policy(MPOL_DEFAULT, 0);
	tap_ok(on == NPAGES, "%s: every page on node%d (%d of %d)", what,
	       want_node, on, NPAGES);
	if (served_node >= 0)
		tap_ok(b.node[served_node] - a.node[served_node] >= NPAGES,
		       "%s: served from node%d's pool (%llu)", what, served_node,
		       (unsigned long long)(b.node[served_node] - a.node[served_node]));
	else
		tap_ok(b.policy - a.policy >= NPAGES &&
		       b.node[0] == a.node[0] && b.node[1] == a.node[1],
		       "%s: left to the allocator, counted under fallthrough_policy",
		       what);
}

int main(int argc, char **argv)
{
	tap_init(argv[0]);
	if (access("/sys/devices/system/node/node1/meminfo", R_OK) ||
	    sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		tap_skip("one NUMA node (boot with ZP_VM_NUMA=2)");
		return tap_done();
	}
	zp_load_zeropool("max_pages=16384 high_watermark=4096 low_watermark=1024 transparent=all");
	tap_ok(zp_wait_ge("pool/node0/pages", 4000, 60000 * zp_slowdown()) &&
	       zp_wait_ge("pool/node1/pages", 4000, 60000 * zp_slowdown()),
	       "both nodes' pools filled");

	check("default policy on cpu0", 0, MPOL_DEFAULT, 0, 0, 0);
	check("default policy on cpu1", 1, MPOL_DEFAULT, 0, 1, 1);
	check("MPOL_PREFERRED node1 on cpu0", 0, MPOL_PREFERRED, 2, 1, 1);
	check("MPOL_BIND node1 on cpu1", 1, MPOL_BIND, 2, 1, 1);
	check("MPOL_BIND node1 on cpu0", 0, MPOL_BIND, 2, 1, -1);
	check("MPOL_BIND node0 on cpu1", 1, MPOL_BIND, 1, 0, -1);
	zp_run_on_cpu(0);
	if (!set_policy(MPOL_INTERLEAVE, 3)) {
		struct counts a, b;

		snap(&a);
		fault_pages(0);
		snap(&b);
		set_policy(MPOL_DEFAULT, 0);
		tap_ok(b.policy - a.policy >= NPAGES,
		       "MPOL_INTERLEAVE: left to the allocator");
	}
	zp_unload_quiet("zeropool");
	return tap_done();
}
