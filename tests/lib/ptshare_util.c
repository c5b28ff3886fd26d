// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the ptshare tests and tests/bench/forkbench.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

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

int pts_u_kprobes(void)
{
	static const char * const syms[] = {
		"kernel_clone+", "copy_process+", "dup_mmap+",
		"copy_page_range+", "handle_mm_fault+",
		"wp_page_copy+", "do_wp_page+", "exit_mmap+", NULL,
	};
	char *list = pts_u_slurp("/sys/kernel/debug/kprobes/list");
	char *line, *save = NULL;
	int n = 0;
	int i;

	if (!list)
		return -1;
	for (line = strtok_r(list, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		for (i = 0; syms[i]; i++)
			if (strstr(line, syms[i]))
				n++;
	free(list);
	return n;
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
