// SPDX-License-Identifier: GPL-2.0
/*
 * Loading and unloading through libkmod, and what each errno means to
 * the user: the kernel answers init_module() and delete_module() with
 * bare errnos, so every one the users meet gets a sentence and a hint.
 * Installed modules (DKMS puts them in /lib/modules/$(uname -r)/updates/
 * dkms) are loaded the way modprobe loads them: their dependencies and
 * softdeps, the options and blacklists of /etc/modprobe.d.  A build tree
 * (--from) is loaded file by file, as insmod would.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libkmod.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "zpctl.h"

#define ZP_MOK_HINT \
	"DKMS signs the modules it builds with its MOK key: enroll it with 'mokutil --import /var/lib/dkms/mok.pub', reboot, confirm in the MOK manager, then 'dkms install zeropool/<version>'"

struct zp_kmod {
	struct kmod_ctx *ctx;
	const char *from;
	bool verbose;
	bool dry_run;		/* say what would be inserted, insert nothing */
};

static void zp_kmod_log(void *data, int priority, const char *file, int line,
			const char *fn, const char *format, va_list args)
{
	struct zp_kmod *k = data;

	if (!k->verbose)
		return;
	fprintf(stderr, "%s: libkmod: ", zp_prog);
	vfprintf(stderr, format, args);
}

struct zp_kmod *zp_kmod_open(const char *from, bool verbose)
{
	struct zp_kmod *k = zp_xmalloc(sizeof(*k));

	const char *dir = getenv("ZPCTL_MODULES_DIR");
	const char *conf = getenv("ZPCTL_MODPROBE_D");
	const char *confs[] = { conf, NULL };

	k->from = from;
	k->verbose = verbose;
	/* the tests point libkmod at a fake module tree and modprobe.d */
	k->ctx = kmod_new(dir && *dir ? dir : NULL,
			  conf && *conf ? confs : NULL);
	if (!k->ctx) {
		zp_err("libkmod: cannot create a context: %s", strerror(errno));
		free(k);
		return NULL;
	}
	kmod_set_log_fn(k->ctx, zp_kmod_log, k);
	return k;
}

void zp_kmod_set_dry_run(struct zp_kmod *k, bool dry_run)
{
	k->dry_run = dry_run;
}

void zp_kmod_close(struct zp_kmod *k)
{
	if (!k)
		return;
	kmod_unref(k->ctx);
	free(k);
}

static const char *zp_errname(int err)
{
	const char *name = strerrorname_np(err);

	return name ? name : "?";
}

/* The .ko for @name under --from DIR: DIR/<name>/<name>.ko or DIR/<name>.ko. */
static char *zp_from_path(const char *from, const char *name)
{
	char *path = zp_xasprintf("%s/%s/%s.ko", from, name, name);

	if (access(path, F_OK) == 0)
		return path;
	free(path);
	path = zp_xasprintf("%s/%s.ko", from, name);
	if (access(path, F_OK) == 0)
		return path;
	free(path);
	return NULL;
}

/* A module object for @name, or NULL (not found: *path says where looked). */
static struct kmod_module *zp_kmod_find(struct zp_kmod *k, const char *name,
					char **path)
{
	struct kmod_list *list = NULL, *l;
	struct kmod_module *mod = NULL;

	*path = NULL;
	if (k->from) {
		*path = zp_from_path(k->from, name);
		if (!*path) {
			*path = zp_xasprintf("%s/%s/%s.ko", k->from, name, name);
			return NULL;
		}
		if (kmod_module_new_from_path(k->ctx, *path, &mod) < 0)
			return NULL;
		return mod;
	}
	if (kmod_module_new_from_lookup(k->ctx, name, &list) < 0)
		return NULL;
	kmod_list_foreach(l, list) {
		struct kmod_module *m = kmod_module_get_module(l);

		if (!mod && !strcmp(kmod_module_get_name(m), name) &&
		    kmod_module_get_path(m)) {
			mod = m;
			*path = zp_xstrdup(kmod_module_get_path(m));
		} else {
			kmod_module_unref(m);
		}
	}
	kmod_module_unref_list(list);
	return mod;
}

bool zp_kmod_available(struct zp_kmod *k, const char *name)
{
	char *path;
	struct kmod_module *mod = zp_kmod_find(k, name, &path);

	free(path);
	if (!mod)
		return false;
	kmod_module_unref(mod);
	return true;
}

static void zp_read_mod_attr(const char *name, const char *attr, char *buf,
			     size_t len)
{
	char *path = zp_xasprintf("%s/%s/%s", zp_sysmod_root, name, attr);

	if (zp_read_file(path, buf, len))
		snprintf(buf, len, "-");
	free(path);
}

/* "a, b" from /sys/module/<name>/holders/, or "" */
static void zp_holders(const char *name, char *buf, size_t len)
{
	char *path = zp_xasprintf("%s/%s/holders", zp_sysmod_root, name);
	struct dirent *de;
	DIR *d = opendir(path);

	buf[0] = '\0';
	free(path);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (buf[0])
			strncat(buf, ", ", len - strlen(buf) - 1);
		strncat(buf, de->d_name, len - strlen(buf) - 1);
	}
	closedir(d);
}

/* The bracketed word of /sys/kernel/security/lockdown, or NULL. */
static const char *zp_lockdown(char *buf, size_t len)
{
	char *open, *close;

	if (zp_read_file("/sys/kernel/security/lockdown", buf, len))
		return NULL;
	open = strchr(buf, '[');
	close = open ? strchr(open, ']') : NULL;
	if (!open || !close)
		return NULL;
	*close = '\0';
	return strcmp(open + 1, "none") ? open + 1 : NULL;
}

void zp_explain_load_error(const char *name, const char *path, int err)
{
	char buf[256];
	const char *lock;

	switch (err) {
	case EEXIST:
		zp_read_mod_attr(name, "version", buf, sizeof(buf));
		zp_err("%s: already loaded (version %s)", name, buf);
		zp_hint("'zpctl unload %s' first to load it again", name);
		break;
	case ENOENT:
		zp_err("%s: unknown symbol in module (ENOENT from init_module), see dmesg",
		       name);
		zp_hint("modules depending on zeropool need the zeropool.ko from the same build loaded first");
		break;
	case EPERM:
		if (geteuid() != 0) {
			zp_err("%s: permission denied: loading modules needs root (CAP_SYS_MODULE)",
			       name);
			break;
		}
		lock = zp_lockdown(buf, sizeof(buf));
		if (lock) {
			zp_err("%s: refused by kernel lockdown (%s, e.g. Secure Boot): the module is not signed with a trusted key (EPERM)",
			       name, lock);
			zp_hint("%s", ZP_MOK_HINT);
			break;
		}
		if (!zp_read_file("/proc/sys/kernel/modules_disabled", buf,
				  sizeof(buf)) && !strcmp(buf, "1")) {
			zp_err("%s: module loading is disabled (kernel.modules_disabled=1) (EPERM)",
			       name);
			break;
		}
		zp_err("%s: operation not permitted (EPERM), see dmesg", name);
		break;
	case EKEYREJECTED:
	case ENOKEY:
		zp_err("%s: signature rejected (%s): the kernel enforces module signatures and does not trust this module's key",
		       name, zp_errname(err));
		zp_hint("%s", ZP_MOK_HINT);
		break;
	case ENOEXEC:
		zp_err("%s: invalid module format (ENOEXEC): built for another kernel or damaged, see dmesg",
		       name);
		if (path)
			zp_hint("compare 'modinfo -F vermagic %s' with 'uname -r'",
				path);
		break;
	case EINVAL:
		zp_err("%s: invalid parameters (EINVAL), see dmesg", name);
		zp_hint("'modinfo -p %s' lists the parameters", path ? path : name);
		break;
	default:
		zp_err("%s: load failed: %s (%s), see dmesg", name,
		       strerror(err), zp_errname(err));
	}
}

void zp_explain_unload_error(const char *name, int err)
{
	char holders[512], refcnt[32];

	switch (err) {
	case ENOENT:
		zp_err("%s: not loaded", name);
		break;
	case EPERM:
		zp_err("%s: permission denied: unloading modules needs root (CAP_SYS_MODULE)",
		       name);
		break;
	case EBUSY:
	case EAGAIN:
		zp_holders(name, holders, sizeof(holders));
		zp_read_mod_attr(name, "refcnt", refcnt, sizeof(refcnt));
		zp_err("%s: in use (refcount %s, holders: %s)", name, refcnt,
		       holders[0] ? holders : "none");
		if (holders[0])
			zp_hint("unload the holders first, or everything with 'zpctl unload'");
		else
			zp_hint("a process holds one of its files open, e.g. 'fuser -v /dev/%s'",
				name);
		break;
	default:
		zp_err("%s: unload failed: %s (%s)", name, strerror(err),
		       zp_errname(err));
	}
}

static void zp_not_found(const char *name, const char *path)
{
	struct utsname u;

	if (path) {
		zp_err("%s: module not found: no %s", name, path);
		zp_hint("build it with 'make kernels', or check the --from directory");
		return;
	}
	uname(&u);
	zp_err("%s: module not found: not installed for kernel %s", name,
	       u.release);
	zp_hint("install it with 'dkms install zeropool/<version>', or load it from a build tree with '--from build/%s'",
		u.release);
}

/* A /dev/kmsg reader placed at the end of the log, or -1. */
static int zp_kmsg_mark(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/*
 * Prints the kernel's messages about @name logged since the mark, and
 * lockdown's, which name the process ("Lockdown: zpctl: unsigned module
 * loading is restricted") rather than the module.
 */
static void zp_kmsg_show(int fd, const char *name)
{
	char rec[2048], *msg;
	ssize_t n;

	if (fd < 0)
		return;
	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: skip them */
		if (n <= 0)
			break;
		rec[n] = '\0';
		/* "prio,seq,usec,flags;text\n" */
		msg = strchr(rec, ';');
		if (!msg || (!strstr(msg, name) && !strstr(msg, "Lockdown:")))
			continue;
		msg++;
		msg[strcspn(msg, "\n")] = '\0';
		fprintf(stderr, "%s: kernel: %s\n", zp_prog, msg);
	}
}

static struct zp_kmod *zp_kmod_printing;	/* for the callback below */

/*
 * libkmod's "insmod PATH OPTIONS" of every step, as modprobe -v prints.
 * A dry run inserts nothing, so each module's dependencies come again
 * with the next one: each is said once.
 */
static void zp_kmod_action(struct kmod_module *m, bool install,
			   const char *options)
{
	static char said[16][64];
	static int nsaid;
	const char *path = kmod_module_get_path(m);
	size_t olen = options ? strlen(options) : 0;
	int i;

	for (i = 0; i < nsaid; i++)
		if (!strcmp(said[i], kmod_module_get_name(m)))
			return;
	if (nsaid < 16)
		snprintf(said[nsaid++], sizeof(said[0]), "%s",
			 kmod_module_get_name(m));
	while (olen && options[olen - 1] == ' ')
		olen--;
	if (install)
		printf("%s: would run its install command: %s\n",
		       kmod_module_get_name(m), options);
	else
		printf("%s%s %s%s%.*s\n",
		       zp_kmod_printing && zp_kmod_printing->dry_run ?
		       "would insert " : "inserting ", kmod_module_get_name(m),
		       path ? path : "(built in)", olen ? " " : "", (int)olen,
		       options ? options : "");
}

/*
 * Installed: modprobe's way.  Returns 0, -errno, or -EPERM for a module
 * blacklisted in modprobe.d (after saying so).
 */
static int zp_kmod_probe(struct zp_kmod *k, struct kmod_module *mod,
			 const char *name, const char *params)
{
	unsigned int flags = KMOD_PROBE_APPLY_BLACKLIST;
	int err;

	if (k->dry_run)
		flags |= KMOD_PROBE_DRY_RUN;
	zp_kmod_printing = k;
	err = kmod_module_probe_insert_module(mod, flags, params, NULL, NULL,
					      k->dry_run || k->verbose ?
					      zp_kmod_action : NULL);
	zp_kmod_printing = NULL;
	if (err == KMOD_PROBE_APPLY_BLACKLIST) {
		zp_err("%s: blacklisted in modprobe.d ('blacklist %s'): not loaded",
		       name, name);
		zp_hint("remove that line from /etc/modprobe.d, or load a build tree with '--from DIR'");
		return -EPERM;
	}
	return err > 0 ? -EINVAL : err;
}

static int zp_kmod_insert(struct zp_kmod *k, const char *name,
			  const char *params)
{
	struct kmod_module *mod;
	int err, kmsg;
	char *path;

	mod = zp_kmod_find(k, name, &path);
	if (!mod) {
		zp_not_found(name, path);
		free(path);
		return -ENOENT;
	}
	if (!k->from) {
		kmsg = k->dry_run ? -1 : zp_kmsg_mark();
		err = zp_kmod_probe(k, mod, name, params ? params : "");
		kmod_module_unref(mod);
		if (err < 0 && err != -EPERM) {
			zp_explain_load_error(name, path, -err);
			zp_kmsg_show(kmsg, name);
		}
		if (kmsg >= 0)
			close(kmsg);
		free(path);
		return err;
	}
	if (k->verbose || k->dry_run)
		printf("%s %s %s%s%s\n", k->dry_run ? "would insert" : "inserting",
		       name, path, params && *params ? " " : "",
		       params ? params : "");
	if (k->dry_run) {
		kmod_module_unref(mod);
		free(path);
		return 0;
	}
	kmsg = zp_kmsg_mark();
	err = kmod_module_insert_module(mod, 0, params ? params : "");
	kmod_module_unref(mod);
	if (err < 0) {
		zp_explain_load_error(name, path, -err);
		zp_kmsg_show(kmsg, name);
	}
	if (kmsg >= 0)
		close(kmsg);
	free(path);
	return err < 0 ? err : 0;
}

/*
 * Every module of the set registers with zeropool_core, which owns the
 * stats tree: it comes in before the first of them, quietly (as modprobe
 * loads a dependency), and goes out after the last (as modprobe -r does).
 */
int zp_kmod_load(struct zp_kmod *k, const char *name, const char *params)
{
	struct kmod_module *mod;
	bool core_added = false;
	char *path;
	int err;

	if (zp_module_loaded(name)) {
		zp_explain_load_error(name, NULL, EEXIST);
		return -EEXIST;
	}
	/* the module asked for is the one to report missing */
	mod = zp_kmod_find(k, name, &path);
	if (!mod) {
		zp_not_found(name, path);
		free(path);
		return -ENOENT;
	}
	kmod_module_unref(mod);
	free(path);
	/* installed modules: modprobe's way brings the dependencies */
	if (k->from && strcmp(name, ZP_CORE_MODULE) &&
	    !zp_module_loaded(ZP_CORE_MODULE)) {
		err = zp_kmod_insert(k, ZP_CORE_MODULE, NULL);
		if (err)
			return err;
		core_added = !k->dry_run;
	}
	err = zp_kmod_insert(k, name, params);
	if (err && core_added)
		zp_kmod_unload_core_if_unused(k);
	return err;
}

int zp_kmod_unload(struct zp_kmod *k, const char *name)
{
	struct kmod_module *mod;
	char refcnt[32], holders[8];
	int err, tries;

	if (!zp_module_loaded(name)) {
		zp_explain_unload_error(name, ENOENT);
		return -ENOENT;
	}
	err = kmod_module_new_from_name(k->ctx, name, &mod);
	if (err < 0) {
		zp_explain_unload_error(name, -err);
		return err;
	}
	for (tries = 0;; tries++) {
		err = kmod_module_remove_module(mod, KMOD_REMOVE_NOLOG);
		if (err != -EBUSY && err != -EAGAIN)
			break;
		/* a file closed just now may still hold a reference briefly */
		zp_read_mod_attr(name, "refcnt", refcnt, sizeof(refcnt));
		zp_holders(name, holders, sizeof(holders));
		if (tries >= 20 || strcmp(refcnt, "0") || holders[0])
			break;
		usleep(100000);
	}
	kmod_module_unref(mod);
	if (err < 0) {
		zp_explain_unload_error(name, -err);
		return err;
	}
	if (strcmp(name, ZP_CORE_MODULE))
		zp_kmod_unload_core_if_unused(k);
	return 0;
}

void zp_kmod_unload_core_if_unused(struct zp_kmod *k)
{
	struct kmod_module *mod;
	char refcnt[32], holders[8];
	int err;

	if (!zp_module_loaded(ZP_CORE_MODULE))
		return;
	zp_read_mod_attr(ZP_CORE_MODULE, "refcnt", refcnt, sizeof(refcnt));
	zp_holders(ZP_CORE_MODULE, holders, sizeof(holders));
	if (strcmp(refcnt, "0") || holders[0])
		return;
	if (kmod_module_new_from_name(k->ctx, ZP_CORE_MODULE, &mod) < 0)
		return;
	err = kmod_module_remove_module(mod, KMOD_REMOVE_NOLOG);
	if (err < 0 && k->verbose)
		zp_note("%s: left loaded: %s", ZP_CORE_MODULE, strerror(-err));
	kmod_module_unref(mod);
}

/*
 * Where the loaded @name came from: the installed module (modules.dep,
 * e.g. DKMS's updates/dkms) when its srcversion is the loaded one's.
 */
const char *zp_module_source(const char *name, const char *srcversion,
			     char *path, size_t len)
{
	struct kmod_ctx *ctx = kmod_new(getenv("ZPCTL_MODULES_DIR"), NULL);
	struct kmod_list *list = NULL, *info = NULL, *l;
	struct kmod_module *mod = NULL;
	const char *kind = "not installed";

	path[0] = '\0';
	if (!ctx)
		return "unknown";
	kmod_set_log_priority(ctx, 0);
	if (kmod_module_new_from_lookup(ctx, name, &list) >= 0) {
		kmod_list_foreach(l, list) {
			struct kmod_module *m = kmod_module_get_module(l);

			if (!mod && kmod_module_get_path(m))
				mod = m;
			else
				kmod_module_unref(m);
		}
		kmod_module_unref_list(list);
	}
	if (mod) {
		snprintf(path, len, "%s", kmod_module_get_path(mod));
		kind = "other file";	/* installed, but not what is loaded */
		if (kmod_module_get_info(mod, &info) >= 0) {
			kmod_list_foreach(l, info) {
				if (!strcmp(kmod_module_info_get_key(l), "srcversion") &&
				    srcversion && !strcmp(kmod_module_info_get_value(l),
							  srcversion))
					kind = "installed";
			}
			kmod_module_info_free_list(info);
		}
		kmod_module_unref(mod);
	}
	kmod_unref(ctx);
	return kind;
}
