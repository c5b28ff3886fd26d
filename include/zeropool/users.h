/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What each user (kuid) holds through the modules of the set, counted in
 * one record per user owned by zeropool_core.ko (zeropool_core/users.c)
 * and shown as /sys/kernel/zeropool/users/<uid>/<counter>.
 *
 * A module takes a reference on the record of the user it charges when it
 * creates what it charges (an object, a ring's segment), keeps it there,
 * and charges and uncharges through it: the user is then charged for as
 * long as the memory lives, whichever process made it and whether or not
 * that process still exists.  Limits belong to the module that charges;
 * the record only counts, atomically, and refuses a charge past the limit
 * it is given.
 */
#ifndef _ZEROPOOL_USERS_H
#define _ZEROPOOL_USERS_H

#include <linux/types.h>
#include <linux/uidgid.h>

enum zp_user_counter {
	ZP_USER_DEV_PAGES,	/* pages of /dev/zeropool objects the user opened */
	ZP_USER_DEV_UNMAPPED,	/* of those, pages no mapping covers */
	ZP_USER_PS_PINNED,	/* user pages pagesplice holds pinned */
	ZP_USER_PS_COPIED,	/* copy pages pagesplice holds for the user */
	ZP_USER_PS_ZERO,	/* zero-segment pages the user has queued */
	ZP_USER_NR_COUNTERS
};

struct zp_user;

/*
 * Takes a reference on the record of @uid, creating it and its directory
 * if needed (may sleep).  NULL when out of memory.
 */
struct zp_user *zp_user_get(kuid_t uid);
/* zp_user_get(current_uid()) */
struct zp_user *zp_user_get_current(void);
/*
 * Drops a reference, from any context: the last one removes the record
 * (its directory goes from a work item).  Every charge must have been
 * uncharged before.  NULL is a no-op.
 */
void zp_user_put(struct zp_user *user);

/*
 * Adds @n to @counter unless the sum would pass @limit (0: no limit).
 * Returns true when charged, false (nothing charged) when over the limit.
 * Any context.
 */
bool zp_user_charge(struct zp_user *user, enum zp_user_counter counter,
		    unsigned long n, unsigned long limit);
void zp_user_uncharge(struct zp_user *user, enum zp_user_counter counter,
		      unsigned long n);
unsigned long zp_user_read(const struct zp_user *user,
			   enum zp_user_counter counter);
kuid_t zp_user_uid(const struct zp_user *user);

#endif /* _ZEROPOOL_USERS_H */
