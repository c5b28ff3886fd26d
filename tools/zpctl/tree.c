// SPDX-License-Identifier: GPL-2.0
/*
 * The stats tree (/sys/kernel/zeropool): read it whole, print it as one
 * table per directory or as nested JSON objects, and flatten it into
 * snapshots whose differences are the counters' deltas.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "zpctl.h"

#define ZP_VALUE_MAX 4096

static int zp_cmp_name(const void *a, const void *b)
{
	/* version order: node2 before node10, order9 before order10 */
	return strverscmp(*(char * const *)a, *(char * const *)b);
}

static void zp_read_one(const char *path, struct zp_file *f, mode_t mode)
{
	char buf[ZP_VALUE_MAX];
	int err;

	f->writable = mode & 0222;
	err = zp_read_file(path, buf, sizeof(buf));
	if (err) {
		f->err = -err;
		return;
	}
	f->value = zp_xstrdup(buf);
}

int zp_tree_read(const char *root, const char *rel, struct zp_dir *dir)
{
	char *path = *rel ? zp_xasprintf("%s/%s", root, rel) : zp_xstrdup(root);
	char **names = NULL;
	struct dirent *de;
	int n = 0, i, err = 0;
	DIR *d;

	memset(dir, 0, sizeof(*dir));
	dir->rel = zp_xstrdup(rel);
	dir->name = zp_xstrdup(strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel);
	d = opendir(path);
	if (!d) {
		err = -errno;
		goto out_free_path;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		names = zp_xrealloc(names, (n + 1) * sizeof(char *));
		names[n++] = zp_xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(char *), zp_cmp_name);

	for (i = 0; i < n; i++) {
		char *fpath = zp_xasprintf("%s/%s", path, names[i]);
		struct stat st;

		if (lstat(fpath, &st)) {
			/* gone since readdir (an unload): skip it */
		} else if (S_ISREG(st.st_mode)) {
			struct zp_file *f;

			dir->files = zp_xrealloc(dir->files, (dir->nfiles + 1) *
						 sizeof(*dir->files));
			f = &dir->files[dir->nfiles++];
			memset(f, 0, sizeof(*f));
			f->name = zp_xstrdup(names[i]);
			zp_read_one(fpath, f, st.st_mode);
		} else if (S_ISDIR(st.st_mode)) {
			char *srel = *rel ? zp_xasprintf("%s/%s", rel, names[i]) :
					    zp_xstrdup(names[i]);

			dir->subs = zp_xrealloc(dir->subs, (dir->nsubs + 1) *
						sizeof(*dir->subs));
			/* a directory vanishing under us (unload) is empty */
			zp_tree_read(root, srel, &dir->subs[dir->nsubs++]);
			free(srel);
		}
		free(fpath);
		free(names[i]);
	}
	free(names);
out_free_path:
	free(path);
	return err;
}

void zp_tree_free(struct zp_dir *dir)
{
	int i;

	for (i = 0; i < dir->nfiles; i++) {
		free(dir->files[i].name);
		free(dir->files[i].value);
	}
	for (i = 0; i < dir->nsubs; i++)
		zp_tree_free(&dir->subs[i]);
	free(dir->files);
	free(dir->subs);
	free(dir->rel);
	free(dir->name);
	memset(dir, 0, sizeof(*dir));
}

static void zp_snap_add(struct zp_snap *s, const char *path,
			const char *value, bool writable)
{
	s->path = zp_xrealloc(s->path, (s->n + 1) * sizeof(char *));
	s->value = zp_xrealloc(s->value, (s->n + 1) * sizeof(char *));
	s->writable = zp_xrealloc(s->writable, (s->n + 1) * sizeof(bool));
	s->path[s->n] = zp_xstrdup(path);
	s->value[s->n] = value ? zp_xstrdup(value) : NULL;
	s->writable[s->n] = writable;
	s->n++;
}

static void zp_snap_walk(const struct zp_dir *dir, struct zp_snap *s)
{
	int i;

	for (i = 0; i < dir->nfiles; i++) {
		const struct zp_file *f = &dir->files[i];
		char *p = *dir->rel ? zp_xasprintf("%s/%s", dir->rel, f->name) :
				      zp_xstrdup(f->name);

		zp_snap_add(s, p, f->value, f->writable);
		free(p);
	}
	for (i = 0; i < dir->nsubs; i++)
		zp_snap_walk(&dir->subs[i], s);
}

void zp_snap_from_tree(const struct zp_dir *dir, struct zp_snap *s)
{
	memset(s, 0, sizeof(*s));
	zp_snap_walk(dir, s);
}

int zp_snap_read(const char *root, struct zp_snap *s)
{
	struct zp_dir dir;
	int err = zp_tree_read(root, "", &dir);

	zp_snap_from_tree(&dir, s);
	zp_tree_free(&dir);
	return err;
}

const char *zp_snap_get(const struct zp_snap *s, const char *path)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->path[i], path))
			return s->value[i];
	return NULL;
}

void zp_snap_free(struct zp_snap *s)
{
	int i;

	for (i = 0; i < s->n; i++) {
		free(s->path[i]);
		free(s->value[i]);
	}
	free(s->path);
	free(s->value);
	free(s->writable);
	memset(s, 0, sizeof(*s));
}

bool zp_snap_delta(const char *before, const char *after, int64_t *delta)
{
	unsigned long long a, b;

	if (!before || !after || !zp_is_int(before) || !zp_is_int(after) ||
	    *before == '-' || *after == '-')
		return false;
	b = strtoull(before, NULL, 10);
	a = strtoull(after, NULL, 10);
	*delta = (int64_t)(a - b);
	return true;
}

static void zp_dir_print(const struct zp_dir *dir, FILE *f)
{
	struct zp_table *t;
	int i;

	if (dir->nfiles) {
		/* value last: a long text value widens nothing else */
		t = zp_table_new(3, "file", "mode", "value");
		for (i = 0; i < dir->nfiles; i++) {
			const struct zp_file *file = &dir->files[i];
			char *v = file->value ? zp_xstrdup(file->value) :
				  zp_xasprintf("(%s)", strerror(file->err));
			char *nl;

			while ((nl = strchr(v, '\n')))
				*nl = ' ';
			zp_table_row(t);
			zp_table_cell(t, "%s", file->name);
			zp_table_cell(t, "%s", file->writable ? "rw" : "ro");
			zp_table_cell(t, "%s", v);
			free(v);
		}
		fprintf(f, "%s/%s%s\n", zp_sysfs_root, dir->rel,
			*dir->rel ? "/" : "");
		zp_table_print(t, f, "  ");
		zp_table_free(t);
		fputc('\n', f);
	}
	for (i = 0; i < dir->nsubs; i++)
		zp_dir_print(&dir->subs[i], f);
}

void zp_tree_print(const struct zp_dir *dir, FILE *f)
{
	zp_dir_print(dir, f);
}

void zp_tree_json(const struct zp_dir *dir, struct zp_json *j,
		  const char *key)
{
	int i;

	zp_json_obj(j, key);
	for (i = 0; i < dir->nfiles; i++)
		zp_json_auto(j, dir->files[i].name, dir->files[i].value);
	for (i = 0; i < dir->nsubs; i++)
		zp_tree_json(&dir->subs[i], j, dir->subs[i].name);
	zp_json_end_obj(j);
}
