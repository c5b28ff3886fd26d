// SPDX-License-Identifier: GPL-2.0
/*
 * The per-user records of include/zeropool/users.h and their directory,
 * /sys/kernel/zeropool/users/, from the first reference to a user's record
 * to the removal of its users/<uid>/ directory after the last one.
 *
 * References are dropped from any context (a page's last user may go in
 * softirq), but removing a sysfs directory sleeps: the last put unhashes
 * the record under a spinlock and leaves the directory to a work item on
 * zp_users_wq.  A new record of the same uid waits for that queue before
 * it adds its directory, so two directories of one uid never coexist.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include <zeropool/users.h>

#include "core.h"

struct zp_user {
	struct kobject kobj;		/* users/<uid>/; freed by its release */
	struct hlist_node hash;		/* in zp_users while ref > 0 */
	kuid_t uid;
	refcount_t ref;
	atomic_long_t count[ZP_USER_NR_COUNTERS];
	struct work_struct remove_work;
};

#define ZP_USERS_HASH_BITS	6

/*
 * zp_users_lock (irq-safe: puts come from any context) protects the hash
 * table and the drop of a record's last reference; zp_users_mutex
 * serialises the creation of records so that one uid gets one record.
 */
static DEFINE_HASHTABLE(zp_users, ZP_USERS_HASH_BITS);
static DEFINE_SPINLOCK(zp_users_lock);
static DEFINE_MUTEX(zp_users_mutex);
static struct workqueue_struct *zp_users_wq;
static struct kobject *zp_users_dir;

static const char * const zp_user_counter_names[ZP_USER_NR_COUNTERS] = {
	[ZP_USER_DEV_PAGES] = "dev_pages",
	[ZP_USER_DEV_UNMAPPED] = "dev_unmapped_pages",
	[ZP_USER_PS_PINNED] = "pagesplice_pinned_pages",
	[ZP_USER_PS_COPIED] = "pagesplice_copied_pages",
	[ZP_USER_PS_ZERO] = "pagesplice_zero_pages",
};

struct zp_user_attr {
	struct kobj_attribute kattr;
	enum zp_user_counter counter;
};

static ssize_t zp_user_attr_show(struct kobject *kobj,
				 struct kobj_attribute *kattr, char *buf)
{
	struct zp_user *user = container_of(kobj, struct zp_user, kobj);
	struct zp_user_attr *attr =
		container_of(kattr, struct zp_user_attr, kattr);

	return sysfs_emit(buf, "%lu\n", zp_user_read(user, attr->counter));
}

static struct zp_user_attr zp_user_attrs[ZP_USER_NR_COUNTERS];
static struct attribute *zp_user_attr_attrs[ZP_USER_NR_COUNTERS + 1];
ATTRIBUTE_GROUPS(zp_user_attr);

/* The names live in one table; the attributes are made from it at init. */
static void zp_user_attrs_init(void)
{
	int i;

	for (i = 0; i < ZP_USER_NR_COUNTERS; i++) {
		struct zp_user_attr *attr = &zp_user_attrs[i];

		sysfs_attr_init(&attr->kattr.attr);
		attr->kattr.attr.name = zp_user_counter_names[i];
		attr->kattr.attr.mode = 0444;
		attr->kattr.show = zp_user_attr_show;
		attr->counter = i;
		zp_user_attr_attrs[i] = &attr->kattr.attr;
	}
}

static void zp_user_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct zp_user, kobj));
}

static const struct kobj_type zp_user_ktype = {
	.release = zp_user_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = zp_user_attr_groups,
};

static void zp_user_remove_work(struct work_struct *work)
{
	struct zp_user *user = container_of(work, struct zp_user, remove_work);
	int i;

	for (i = 0; i < ZP_USER_NR_COUNTERS; i++)
		WARN_ONCE(atomic_long_read(&user->count[i]),
			  "uid %u: %s is %ld at its last put\n",
			  from_kuid(&init_user_ns, user->uid),
			  zp_user_counter_names[i],
			  atomic_long_read(&user->count[i]));
	kobject_del(&user->kobj);
	kobject_put(&user->kobj);
}

/* Caller holds zp_users_lock. */
static struct zp_user *zp_user_find(kuid_t uid)
{
	struct zp_user *user;

	hash_for_each_possible(zp_users, user, hash, __kuid_val(uid))
		if (uid_eq(user->uid, uid))
			return user;
	return NULL;
}

static struct zp_user *zp_user_lookup(kuid_t uid)
{
	struct zp_user *user;
	unsigned long flags;

	spin_lock_irqsave(&zp_users_lock, flags);
	user = zp_user_find(uid);
	if (user)
		refcount_inc(&user->ref);
	spin_unlock_irqrestore(&zp_users_lock, flags);
	return user;
}

/* Caller holds zp_users_mutex. */
static struct zp_user *zp_user_create(kuid_t uid)
{
	struct zp_user *user;
	unsigned long flags;
	int err;

	user = kzalloc(sizeof(*user), GFP_KERNEL);
	if (!user)
		return NULL;
	user->uid = uid;
	refcount_set(&user->ref, 1);
	INIT_WORK(&user->remove_work, zp_user_remove_work);
	/* A dying record of this uid must have left sysfs first. */
	flush_workqueue(zp_users_wq);
	err = kobject_init_and_add(&user->kobj, &zp_user_ktype, zp_users_dir,
				   "%u", from_kuid(&init_user_ns, uid));
	if (err) {
		pr_warn("users/%u: %d\n", from_kuid(&init_user_ns, uid), err);
		kobject_put(&user->kobj);
		return NULL;
	}
	spin_lock_irqsave(&zp_users_lock, flags);
	hash_add(zp_users, &user->hash, __kuid_val(uid));
	spin_unlock_irqrestore(&zp_users_lock, flags);
	return user;
}

struct zp_user *zp_user_get(kuid_t uid)
{
	struct zp_user *user;

	might_sleep();
	user = zp_user_lookup(uid);
	if (user)
		return user;
	mutex_lock(&zp_users_mutex);
	user = zp_user_lookup(uid);
	if (!user)
		user = zp_user_create(uid);
	mutex_unlock(&zp_users_mutex);
	return user;
}
EXPORT_SYMBOL_GPL(zp_user_get);

struct zp_user *zp_user_get_current(void)
{
	return zp_user_get(current_uid());
}
EXPORT_SYMBOL_GPL(zp_user_get_current);

void zp_user_put(struct zp_user *user)
{
	unsigned long flags;

	if (!user)
		return;
	/*
	 * Under the lock: a lookup never finds a record at zero references,
	 * and the removal of its directory is queued before a get that no
	 * longer finds it can create the next one (which flushes the queue
	 * first: the name must be free again).
	 */
	spin_lock_irqsave(&zp_users_lock, flags);
	if (refcount_dec_and_test(&user->ref)) {
		hash_del(&user->hash);
		queue_work(zp_users_wq, &user->remove_work);
	}
	spin_unlock_irqrestore(&zp_users_lock, flags);
}
EXPORT_SYMBOL_GPL(zp_user_put);

bool zp_user_charge(struct zp_user *user, enum zp_user_counter counter,
		    unsigned long n, unsigned long limit)
{
	atomic_long_t *count = &user->count[counter];
	long old = atomic_long_read(count);

	do {
		if (limit && (unsigned long)old + n > limit)
			return false;
	} while (!atomic_long_try_cmpxchg(count, &old, old + n));
	return true;
}
EXPORT_SYMBOL_GPL(zp_user_charge);

void zp_user_uncharge(struct zp_user *user, enum zp_user_counter counter,
		      unsigned long n)
{
	WARN_ON_ONCE(atomic_long_sub_return(n, &user->count[counter]) < 0);
}
EXPORT_SYMBOL_GPL(zp_user_uncharge);

unsigned long zp_user_read(const struct zp_user *user,
			   enum zp_user_counter counter)
{
	return atomic_long_read(&user->count[counter]);
}
EXPORT_SYMBOL_GPL(zp_user_read);

kuid_t zp_user_uid(const struct zp_user *user)
{
	return user->uid;
}
EXPORT_SYMBOL_GPL(zp_user_uid);

int zp_users_init(void)
{
	int err;

	zp_user_attrs_init();
	zp_users_wq = alloc_ordered_workqueue("zeropool_users", 0);
	if (!zp_users_wq)
		return -ENOMEM;
	zp_users_dir = zp_stats_dir_create(NULL, "users", NULL);
	if (IS_ERR(zp_users_dir)) {
		err = PTR_ERR(zp_users_dir);
		goto out_destroy_wq;
	}
	return 0;

out_destroy_wq:
	zp_users_dir = NULL;
	destroy_workqueue(zp_users_wq);
	return err;
}

/* Every module that charges depends on this one: no record is left. */
void zp_users_exit(void)
{
	destroy_workqueue(zp_users_wq);
	zp_stats_dir_destroy(zp_users_dir);
	zp_users_dir = NULL;
}
