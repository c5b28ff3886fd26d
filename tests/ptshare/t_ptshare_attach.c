// SPDX-License-Identifier: GPL-2.0
/*
 * ptshare.ko attaches the cheapest way the kernel offers and says so:
 * ptshare/attach is "fprobe" where the running kernel is built with
 * CONFIG_FPROBE, else "kretprobe", ptshare/attach_entry is "ftrace", and
 * each is what the kernel's own lists show registered.  A fork that the
 * filters reject moves forks_seen and forks_filtered only: no shared
 * counter, slot, window or record.  Runs with single-threaded TCG
 * (tests/run): it patches kernel text.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/ptshare_util.h"
#include "../lib/zptest.h"

#define P "ptshare/"
#define FORKS 50

/* Counters a traced fork moves and an untraced one must not. */
static const char * const shared[] = {
	"forks_traced", "forks_busy", "forks_failed", "nmi_lock_misses",
	"fork_ns_total", "dup_ns_total", "copy_ns_total", "copy_calls",
	"vmas_copied", "vmas_skipped", "pgtable_bytes_copied",
	"pte_tables_copied", "windows_closed", "windows_open",
	"records_dropped", NULL,
};

static bool kernel_has_fprobe(void)
{
	char path[300], *cfg;
	struct utsname u;
	bool yes;

	uname(&u);
	snprintf(path, sizeof(path), "/boot/config-%s", u.release);
	cfg = pts_u_slurp(path);
	/* a kernel booted from its build tree (the debug lane) */
	if (!cfg && getenv("ZP_VM_KERNEL_DIR")) {
		snprintf(path, sizeof(path), "%s/.config",
			 getenv("ZP_VM_KERNEL_DIR"));
		cfg = pts_u_slurp(path);
	}
	if (!cfg)
		tap_bail("cannot read the kernel's config (%s)", path);
	yes = strstr(cfg, "\nCONFIG_FPROBE=y\n");
	free(cfg);
	return yes;
}

static void test_attach(void)
{
	char kind[32], line[512], kline[512];
	bool in_kprobes, in_ftrace;

	if (zp_read_str(P "attach", kind, sizeof(kind)))
		snprintf(kind, sizeof(kind), "(no attach file)");
	tap_ok(!strcmp(kind, kernel_has_fprobe() ? "fprobe" : "kretprobe"),
	       "ptshare: attach is %s on a kernel %s CONFIG_FPROBE",
	       kind, kernel_has_fprobe() ? "with" : "without");
	in_kprobes = pts_u_find_line(PTS_U_KPROBES, "copy_page_range", kline,
				     sizeof(kline));
	if (in_kprobes)
		tap_diag("kprobes/list: %s", kline);
	in_ftrace = pts_u_find_line(PTS_U_FTRACE, "copy_page_range", line,
				    sizeof(line));
	if (in_ftrace)
		tap_diag("enabled_functions: %s", line);
	if (!strcmp(kind, "fprobe"))
		tap_ok(!in_kprobes && in_ftrace && strstr(line, "fprobe"),
		       "ptshare: copy_page_range is an fprobe in enabled_functions, not a kprobe");
	else
		tap_ok(in_kprobes && strstr(kline, " r "),
		       "ptshare: copy_page_range is a kretprobe in kprobes/list");

	if (zp_read_str(P "attach_entry", kind, sizeof(kind)))
		snprintf(kind, sizeof(kind), "(no attach_entry file)");
	tap_ok(!strcmp(kind, "ftrace"), "ptshare: attach_entry is ftrace (%s)",
	       kind);
	in_kprobes = pts_u_find_line(PTS_U_KPROBES, "exit_mmap", kline,
				     sizeof(kline));
	in_ftrace = pts_u_find_line(PTS_U_FTRACE, "exit_mmap", line,
				    sizeof(line));
	if (in_ftrace)
		tap_diag("enabled_functions: %s", line);
	tap_ok(!in_kprobes && in_ftrace && strstr(line, "[ptshare]"),
	       "ptshare: exit_mmap runs ptshare's own ftrace_ops, no kprobe");
}

static uint64_t shared_get(int i)
{
	char rel[64];

	snprintf(rel, sizeof(rel), P "%s", shared[i]);
	return zp_get(rel);
}

/* Lines in the records file: one per record held. */
static int records_held(void)
{
	char *all = pts_u_slurp(PTS_U_DEBUGFS "/records"), *p;
	int n = 0;

	if (!all)
		tap_bail("read %s/records", PTS_U_DEBUGFS);
	for (p = all; *p; p++)
		n += *p == '\n';
	free(all);
	return n;
}

static void test_untraced(void)
{
	uint64_t before[32], seen, filtered;
	int next;
	int i, moved = 0;

	/* No task is called this: every fork is filtered out. */
	zp_set(P "filter_comm", "zp-no-such-comm");
	if (pts_u_wait_closed(5000))
		tap_diag("windows still open after 5 s");
	for (i = 0; shared[i]; i++)
		before[i] = shared_get(i);
	seen = zp_get(P "forks_seen");
	filtered = zp_get(P "forks_filtered");
	next = records_held();
	pts_u_fork_n(FORKS);
	seen = zp_get(P "forks_seen") - seen;
	filtered = zp_get(P "forks_filtered") - filtered;
	tap_ok(seen >= FORKS && filtered == seen,
	       "ptshare: %d untraced forks seen (%llu) and all filtered (%llu)",
	       FORKS, (unsigned long long)seen, (unsigned long long)filtered);
	for (i = 0; shared[i]; i++) {
		uint64_t now = shared_get(i);

		if (now != before[i]) {
			tap_diag("%s moved: %llu -> %llu", shared[i],
				 (unsigned long long)before[i],
				 (unsigned long long)now);
			moved++;
		}
	}
	tap_ok(!moved, "ptshare: untraced forks moved no shared counter (%d moved)",
	       moved);
	tap_ok(records_held() == next,
	       "ptshare: untraced forks left no record");
	zp_set(P "filter_comm", "\n");
}

int main(int argc, char **argv)
{
	int base, err;

	tap_init(argv[0]);
	zp_unload_quiet("zeropool");	/* ptshare needs only the tree */
	base = pts_u_probes();
	tap_ok(base >= 0, "ptshare: kprobes and ftrace lists readable");
	err = zp_mod_load("ptshare", "ptshare", "");
	if (err)
		tap_bail("load ptshare.ko: %s", strerror(-err));
	test_attach();
	test_untraced();
	zp_unload_quiet("ptshare");
	tap_ok(pts_u_probes() == base, "ptshare: no probe left after unload");
	return tap_done();
}
