// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/zeropool/ptshare/: the per-fork records, the log2
 * histograms, the probes and the lazy-sharing summary, as text.  Readers
 * copy one record at a time out of the ring (records.c), so reading never
 * holds off a fork for long.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "ptshare.h"

static struct dentry *pts_dbg_root;	/* zeropool/, if we made it */
static struct dentry *pts_dbg_dir;

static void pts_show_record(struct seq_file *m, const struct pts_record *r)
{
	seq_printf(m,
		   "seq=%llu start_ns=%llu pid=%d tgid=%d child=%d fork_ns=%llu dup_ns=%llu copy_ns=%llu copy_calls=%u vmas_copied=%u vmas_skipped=%u pgtable_bytes=%llu pte_tables=%u parent_anon_kb=%llu cow_parent=%u cow_child=%u written_parent=%u written_child=%u written_union=%u set_full=%u window_ns=%llu end=%s est_privatized=%u est_saved_tables=%u est_saved_bytes=%llu est_saved_pct=%u est_fork_ns=%llu tracer_ns=%llu complete=%u saturated=%u misses=%u comm=%s\n",
		   r->seq, r->start_ns, r->parent_pid, r->parent_tgid,
		   r->child_pid, r->fork_ns, r->dup_ns, r->cpr_ns,
		   r->cpr_calls, r->vmas_copied, r->vmas_skipped,
		   r->pgtable_bytes, r->pte_tables, r->parent_anon_kb,
		   r->cow_parent, r->cow_child, r->written_parent,
		   r->written_child, r->written_union, r->set_full,
		   r->window_ns,
		   r->end < PTS_END_NR ? pts_end_names[r->end] : "?",
		   r->est_privatized, r->est_saved_tables, r->est_saved_bytes,
		   r->est_saved_pct, r->est_fork_ns, r->tracer_ns,
		   !r->misses && !r->saturated, r->saturated, r->misses,
		   r->comm);
}

static int pts_records_show(struct seq_file *m, void *v)
{
	u64 seq = pts_ring_first(), end = pts_ring_next_seq();
	struct pts_record *r = kmalloc(sizeof(*r), GFP_KERNEL);

	if (!r)
		return -ENOMEM;
	seq_printf(m, "# records %llu..%llu dropped %llu\n", seq, end - 1,
		   pts_ring_dropped());
	for (; seq < end; seq++)
		if (pts_ring_copy(seq, r))
			pts_show_record(m, r);
	kfree(r);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pts_records);

/* In the style of BCC's funclatency. */
static void pts_show_hist(struct seq_file *m, atomic64_t *hist,
			  const char *what)
{
	u64 v[PTS_HIST_BUCKETS], max = 0, total = 0;
	int i, lo = -1, hi = -1, stars, s;

	for (i = 0; i < PTS_HIST_BUCKETS; i++) {
		v[i] = atomic64_read(&hist[i]);
		total += v[i];
		max = max(max, v[i]);
		if (v[i] && lo < 0)
			lo = i;
		if (v[i])
			hi = i;
	}
	seq_printf(m, "# %s, %llu forks\n", what, total);
	seq_printf(m, "%24s : %-10s distribution\n", "ns", "count");
	if (lo < 0)
		return;
	for (i = lo; i <= hi; i++) {
		stars = div64_u64(v[i] * 40, max);
		seq_printf(m, "%10llu -> %-10llu : %-10llu |", i ? 1ULL << i : 0,
			   (2ULL << i) - 1, v[i]);
		for (s = 0; s < 40; s++)
			seq_putc(m, s < stars ? '*' : ' ');
		seq_puts(m, "|\n");
	}
}

static int pts_hist_fork_show(struct seq_file *m, void *v)
{
	pts_show_hist(m, pts_hist_fork, "total fork time (fork-level probe)");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pts_hist_fork);

static int pts_hist_copy_show(struct seq_file *m, void *v)
{
	pts_show_hist(m, pts_hist_cpr,
		      "page-table copy time (copy_page_range summed per fork)");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pts_hist_copy);

static int pts_probes_file_show(struct seq_file *m, void *v)
{
	pts_probes_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pts_probes_file);

#define PTS_PROCS	16

/* Per-parent totals over the records the ring holds. */
struct pts_proc {
	pid_t tgid;
	char comm[PTS_COMM_LEN];
	u64 forks, fork_ns, cpr_ns, bytes, saved, est_ns;
};

static void pts_proc_add(struct pts_proc *procs, int *n,
			 const struct pts_record *r)
{
	struct pts_proc *p = NULL;
	int i;

	for (i = 0; i < *n; i++)
		if (procs[i].tgid == r->parent_tgid &&
		    !strncmp(procs[i].comm, r->comm, PTS_COMM_LEN))
			p = &procs[i];
	if (!p && *n < PTS_PROCS) {
		p = &procs[(*n)++];
		p->tgid = r->parent_tgid;
		memcpy(p->comm, r->comm, PTS_COMM_LEN);
	}
	if (!p)
		p = &procs[PTS_PROCS];	/* everyone else */
	p->forks++;
	p->fork_ns += r->fork_ns;
	p->cpr_ns += r->cpr_ns;
	p->bytes += r->pgtable_bytes;
	p->saved += r->est_saved_bytes;
	p->est_ns += r->est_fork_ns;
}

static void pts_proc_show(struct seq_file *m, const struct pts_proc *p)
{
	seq_printf(m, "%8d %-16s %8llu %12llu %12llu %14llu %6llu%% %12llu\n",
		   p->tgid, p->comm[0] ? p->comm : "(others)", p->forks,
		   div64_u64(p->fork_ns, p->forks * 1000),
		   div64_u64(p->cpr_ns, p->forks * 1000),
		   div64_u64(p->bytes, p->forks),
		   p->bytes ? div64_u64(p->saved * 100, p->bytes) : 0,
		   div64_u64(p->est_ns, p->forks * 1000));
}

static int pts_summary_show(struct seq_file *m, void *v)
{
	u64 forks = atomic64_read(&pts_cnt.windows_closed);
	u64 bytes = atomic64_read(&pts_cnt.pgtable_bytes);
	u64 saved = atomic64_read(&pts_cnt.est_saved_bytes);
	struct pts_record *r;
	struct pts_proc *procs;
	int n = 0, i;
	u64 seq, end;

	seq_printf(m, "forks_traced %llu\n",
		   (u64)atomic64_read(&pts_cnt.forks_traced));
	seq_printf(m, "forks_closed %llu\n", forks);
	seq_printf(m, "pgtable_bytes_copied %llu\n", bytes);
	seq_printf(m, "est_bytes_saved %llu\n", saved);
	seq_printf(m, "fork_ns_total %llu\n",
		   (u64)atomic64_read(&pts_cnt.fork_ns));
	seq_printf(m, "est_fork_ns_total %llu\n",
		   (u64)atomic64_read(&pts_cnt.est_fork_ns));
	seq_printf(m, "entry_cost_pct %llu\n",
		   READ_ONCE(pts_tun.entry_cost_pct));

	r = kmalloc(sizeof(*r), GFP_KERNEL);
	procs = kcalloc(PTS_PROCS + 1, sizeof(*procs), GFP_KERNEL);
	if (!r || !procs)
		goto out_free;
	end = pts_ring_next_seq();
	for (seq = pts_ring_first(); seq < end; seq++)
		if (pts_ring_copy(seq, r))
			pts_proc_add(procs, &n, r);
	seq_puts(m, "# per parent, over the records held; times are means in us\n");
	seq_printf(m, "%8s %-16s %8s %12s %12s %14s %7s %12s\n", "tgid",
		   "comm", "forks", "fork_us", "copy_us", "pgtable_bytes",
		   "saved", "est_fork_us");
	for (i = 0; i < n; i++)
		pts_proc_show(m, &procs[i]);
	if (procs[PTS_PROCS].forks)
		pts_proc_show(m, &procs[PTS_PROCS]);
out_free:
	kfree(procs);
	kfree(r);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pts_summary);

/* Failures only cost the debug files: the tracer works without them. */
void pts_debugfs_init(void)
{
	struct dentry *root = debugfs_lookup("zeropool", NULL);

	if (!root) {
		root = debugfs_create_dir("zeropool", NULL);
		if (IS_ERR(root))
			return;
		pts_dbg_root = root;
	} else {
		dput(root);
	}
	pts_dbg_dir = debugfs_create_dir("ptshare", root);
	debugfs_create_file("records", 0400, pts_dbg_dir, NULL,
			    &pts_records_fops);
	debugfs_create_file("hist_fork_ns", 0400, pts_dbg_dir, NULL,
			    &pts_hist_fork_fops);
	debugfs_create_file("hist_copy_ns", 0400, pts_dbg_dir, NULL,
			    &pts_hist_copy_fops);
	debugfs_create_file("probes", 0400, pts_dbg_dir, NULL,
			    &pts_probes_file_fops);
	debugfs_create_file("summary", 0400, pts_dbg_dir, NULL,
			    &pts_summary_fops);
}

void pts_debugfs_exit(void)
{
	debugfs_remove(pts_dbg_dir);
	pts_dbg_dir = NULL;
	debugfs_remove(pts_dbg_root);
	pts_dbg_root = NULL;
}
