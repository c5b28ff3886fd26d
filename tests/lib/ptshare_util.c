// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the ptshare tests and tests/bench/forkbench.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ptshare_util.h"
#include "zptest.h"

char *pts_u_slurp(const char *path)
{
	size_t len = 0, cap = 65536, n;
	FILE *f = fopen(path, "re");
	char *buf, *nb;

	if (!f)
		return NULL;
	buf = malloc(cap);
	while (buf) {
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (len < cap - 1)
			break;
		cap *= 2;
		nb = realloc(buf, cap);
		if (!nb)
			free(buf);
		buf = nb;
	}
	fclose(f);
	if (buf)
		buf[len] = '\0';
	return buf;
}

bool pts_u_field(const char *line, const char *key, uint64_t *val)
{
	const char *p, *eol = strchr(line, '\n');
	char pat[64];

	snprintf(pat, sizeof(pat), " %s=", key);
	if (!strncmp(line, pat + 1, strlen(pat + 1))) {
		p = line + strlen(pat + 1);
	} else {
		p = strstr(line, pat);
		if (p)
			p += strlen(pat);
	}
	if (!p || (eol && p > eol))
		return false;
	*val = strtoull(p, NULL, 10);
	return true;
}

static const char * const pts_u_syms[] = {
	"kernel_clone", "copy_process", "dup_mmap", "copy_page_range",
	"handle_mm_fault", "wp_page_copy", "do_wp_page", "exit_mmap", NULL,
};

/* Does @line name @sym the way @path lists it? */
static bool pts_u_names(const char *line, const char *sym, bool kprobes)
{
	size_t n = strlen(sym);
	const char *p;

	if (!kprobes)	/* enabled_functions: "sym (refs) flags..." */
		return !strncmp(line, sym, n) && line[n] == ' ';
	/* kprobes/list: "addr  k  sym+off ..." */
	for (p = strstr(line, sym); p; p = strstr(p + 1, sym))
		if (p[n] == '+' && (p == line || p[-1] == ' '))
			return true;
	return false;
}

bool pts_u_find_line(const char *path, const char *sym, char *out,
		     size_t len)
{
	bool kprobes = strstr(path, "kprobes/list");
	char *list = pts_u_slurp(path), *line, *save = NULL;
	bool found = false;

	if (!list)
		return false;
	for (line = strtok_r(list, "\n", &save); line && !found;
	     line = strtok_r(NULL, "\n", &save))
		if (pts_u_names(line, sym, kprobes)) {
			snprintf(out, len, "%s", line);
			found = true;
		}
	free(list);
	return found;
}

static int pts_u_count(const char *path)
{
	char *list = pts_u_slurp(path), *line, *save = NULL;
	bool kprobes = strstr(path, "kprobes/list");
	int n = 0, i;

	if (!list)
		return -1;
	for (line = strtok_r(list, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		for (i = 0; pts_u_syms[i]; i++)
			if (pts_u_names(line, pts_u_syms[i], kprobes))
				n++;
	free(list);
	return n;
}

int pts_u_probes(void)
{
	int k = pts_u_count(PTS_U_KPROBES), f = pts_u_count(PTS_U_FTRACE);

	return k < 0 || f < 0 ? -1 : k + f;
}

int pts_u_wait_closed(int timeout_ms)
{
	return zp_wait_eq("ptshare/windows_open", 0, timeout_ms) ?
	       0 : -ETIMEDOUT;
}

bool pts_u_record_of(pid_t child, char *out, size_t len)
{
	char *all = pts_u_slurp(PTS_U_DEBUGFS "/records");
	char *line, *save = NULL;
	bool found = false;
	uint64_t v;

	if (!all)
		return false;
	for (line = strtok_r(all, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || !pts_u_field(line, "child", &v) ||
		    v != (uint64_t)child)
			continue;
		snprintf(out, len, "%s", line);
		found = true;
	}
	free(all);
	return found;
}

/*
 * Forks @n children that exit at once, one after the other; returns the
 * last one's pid.
 */
pid_t pts_u_fork_n(int n)
{
	int i, status;
	pid_t pid = 0;

	for (i = 0; i < n; i++) {
		pid = fork();
		if (pid < 0)
			tap_bail("fork: %s", strerror(errno));
		if (!pid)
			_exit(0);
		waitpid(pid, &status, 0);
	}
	return pid;
}
