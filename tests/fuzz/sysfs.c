// SPDX-License-Identifier: GPL-2.0
/*
 * Every file under /sys/kernel/zeropool/ (whatever modules are loaded):
 * writable ones get numbers, negatives, huge values, hex, names, garbage,
 * empty and over-long writes; read-only ones must refuse an open for
 * writing.  Defaults are read first and put back at the end, so later
 * tests start from a fresh module's settings.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/zptest.h"
#include "fuzz.h"

#define FZ_FILES	160
#define FZ_LONG		5000	/* more than a page: sysfs cuts it */

struct fz_sysfile {
	char rel[96];
	bool writable;
	char dflt[128];
};

static struct fz_sysfile fz_files[FZ_FILES];
static int fz_nfiles, fz_nwritable;

static void fz_walk(const char *rel)
{
	char path[1024], sub[512];
	struct dirent *d;
	struct stat st;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/%s", ZP_SYSFS, rel);
	dir = opendir(path);
	if (!dir)
		tap_bail("opendir %s: %s", path, strerror(errno));
	while ((d = readdir(dir)) && fz_nfiles < FZ_FILES) {
		struct fz_sysfile *f = &fz_files[fz_nfiles];

		if (d->d_name[0] == '.')
			continue;
		if (snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "",
			     d->d_name) >= (int)sizeof(f->rel))
			continue;
		snprintf(path, sizeof(path), "%s/%s", ZP_SYSFS, sub);
		if (lstat(path, &st))
			continue;
		if (S_ISDIR(st.st_mode)) {
			fz_walk(sub);
			continue;
		}
		if (!S_ISREG(st.st_mode))
			continue;
		memcpy(f->rel, sub, strlen(sub) + 1);
		f->writable = st.st_mode & 0200;
		if (f->writable && zp_read_str(f->rel, f->dflt, sizeof(f->dflt)))
			tap_bail("read %s", f->rel);
		fz_nwritable += f->writable;
		fz_nfiles++;
	}
	closedir(dir);
}

int fz_sysfs_init(void)
{
	int i;

	fz_walk("");
	if (!fz_nwritable)
		tap_bail("no tunable under %s", ZP_SYSFS);
	tap_diag("%s: %d files, %d writable", ZP_SYSFS, fz_nfiles,
		 fz_nwritable);
	for (i = 0; i < fz_nfiles; i++)
		if (fz_files[i].writable)
			tap_diag("tunable %s = %s", fz_files[i].rel,
				 fz_files[i].dflt);
	return fz_nfiles;
}

/* A value for @f: boundary numbers, names, garbage; returns its length. */
static size_t fz_value(const struct fz_sysfile *f, char *buf, size_t size)
{
	static const char * const words[] = {
		"", "\n", " ", "0", "1", "2", "-1", "-0", "+1", "0x10", "010",
		"1e3", "1 2", "18446744073709551615", "18446744073709551616",
		"99999999999999999999999", "zero_page", "alloc", "cpu", "nt",
		"offload", "auto", "none", "any", "memset", "memcpy",
		"dma0chan0", "zero_page\n", "alloc\n\n", " cpu", "4096",
		"1073741824", "1048576", "65536", "262144", "16384",
	};
	unsigned long long v;
	char cur[128];
	size_t i, len;

	switch (fz_below(8)) {
	case 0:
	case 1:
		len = snprintf(buf, size, "%s", FZ_PICK(words));
		break;
	case 2:
		len = snprintf(buf, size, "%llu",
			       (unsigned long long)fz_interesting());
		break;
	case 3:
		len = snprintf(buf, size, "%lld",
			       -(long long)fz_below(1ULL << fz_below(64)));
		break;
	case 4:
		/* near the value in force or the default: the cross rules */
		if (zp_read_str(f->rel, cur, sizeof(cur)))
			snprintf(cur, sizeof(cur), "%s", f->dflt);
		v = strtoull(fz_one_in(2) ? cur : f->dflt, NULL, 0);
		v = fz_one_in(3) ? v * 2 : fz_one_in(2) ? v / 2 :
		    v + fz_below(5) - 2;
		len = snprintf(buf, size, "%llu", v);
		break;
	case 5:
		len = fz_below(32);
		for (i = 0; i < len; i++)
			buf[i] = (char)fz_rand();
		break;
	case 6:
		len = fz_below(FZ_LONG);
		memset(buf, fz_one_in(2) ? '9' : 'a', len);
		break;
	default:
		len = snprintf(buf, size, "%#llx",
			       (unsigned long long)fz_interesting());
	}
	if (len < size - 1 && fz_one_in(3))
		buf[len++] = '\n';
	return len;
}

static void fz_write_file(const struct fz_sysfile *f)
{
	static char buf[FZ_LONG + 2];
	char path[256];
	size_t len = fz_value(f, buf, sizeof(buf));
	enum fz_call call = strstr(f->rel, "bte_offload/channel") ?
			    FZ_SYSFS_CHANNEL :
			    strstr(f->rel, "pool/transparent_cgroup") ?
			    FZ_SYSFS_CGROUP : FZ_SYSFS_WRITE;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", ZP_SYSFS, f->rel);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (!fz_check(call, fd, "open %s", f->rel) || fd < 0)
		return;
	n = fz_one_in(8) ? pwrite(fd, buf, len, fz_below(8)) :
	    write(fd, buf, len);
	fz_check(call, n, "%s <- \"%.*s\" (%zu bytes)", f->rel,
		 len > 40 ? 40 : (int)len, buf, len);
	close(fd);
	if (strstr(f->rel, "pagesplice/") && n > 0) {
		zp_read_u64("pagesplice/ring_max_bytes", &fz.max_bytes);
		zp_read_u64("pagesplice/copy_threshold", &fz.copy_threshold);
	}
}

/* A file of the tree; with @tunable mostly a writable one (the fewer). */
static const struct fz_sysfile *fz_file_pick(bool tunable)
{
	const struct fz_sysfile *f = &fz_files[fz_below(fz_nfiles)];

	while (tunable && !f->writable && fz_nwritable && !fz_one_in(8))
		f = &fz_files[fz_below(fz_nfiles)];
	return f;
}

void fz_op_sysfs_write(void)
{
	const struct fz_sysfile *f = fz_file_pick(true);
	char path[256];
	int fd;

	if (f->writable) {
		fz_write_file(f);
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", ZP_SYSFS, f->rel);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fz_check(FZ_SYSFS_RO, fd, "%s", f->rel) && fd >= 0) {
		fz_fail("read-only %s opened for writing", f->rel);
		close(fd);
	}
}

void fz_op_sysfs_read(void)
{
	const struct fz_sysfile *f = fz_file_pick(false);
	char buf[4096];
	int err = zp_read_str(f->rel, buf, sizeof(buf));

	errno = -err;
	fz_check(FZ_SYSFS_READ, err, "%s", f->rel);
}

/*
 * Cross-file rules (low < high <= max) can refuse a default while another
 * file is still off its own: a few passes settle them.
 */
static bool fz_is_default(const struct fz_sysfile *f, char *cur, size_t len)
{
	return !zp_read_str(f->rel, cur, len) && !strcmp(cur, f->dflt);
}

int fz_sysfs_restore(void)
{
	char cur[128];
	int pass, i, left = 0;

	for (pass = 0; pass < 5; pass++)
		for (i = 0; i < fz_nfiles; i++)
			if (fz_files[i].writable &&
			    !fz_is_default(&fz_files[i], cur, sizeof(cur)))
				zp_write(fz_files[i].rel, fz_files[i].dflt);
	for (i = 0; i < fz_nfiles; i++) {
		struct fz_sysfile *f = &fz_files[i];

		if (f->writable && !fz_is_default(f, cur, sizeof(cur))) {
			tap_diag("%s is %s, default %s", f->rel, cur, f->dflt);
			left++;
		}
	}
	return left;
}
