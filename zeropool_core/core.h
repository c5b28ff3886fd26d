/* SPDX-License-Identifier: GPL-2.0 */
/* zeropool_core.ko internals shared between its files. */
#ifndef _ZEROPOOL_CORE_H
#define _ZEROPOOL_CORE_H

#include <zeropool/stats.h>

/* attr.c: the one place a written value is parsed and stored */
int zp_attr_parse(const struct zp_attr *attr, const char *buf, u64 *val);
void zp_attr_store_value(const struct zp_attr *attr, u64 val);

/* tree.c */
int zp_tree_init(void);
void zp_tree_exit(void);

/* users.c */
int zp_users_init(void);
void zp_users_exit(void);

#endif /* _ZEROPOOL_CORE_H */
