/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers for bte_offload's tests and benchmark. */
#ifndef _BTE_TEST_H
#define _BTE_TEST_H

#include <stdbool.h>
#include <stddef.h>

#define BTE_PROVIDER	"zp_soft_dma"
#define BTE_PROVIDER_DIR "tests/modules"

/* Writes /sys/module/<mod>/parameters/<param>; 0 or -errno. */
int bte_modparam_set(const char *mod, const char *param, const char *val);
/* Fills @mb MiB of anonymous memory with a pattern and frees it. */
void bte_dirty_memory(size_t mb);
/* Reads a text file of the stats tree; "" on error. */
const char *bte_text(const char *rel, char *buf, size_t len);
/* Polls a text file of the stats tree until it reads @want. */
bool bte_wait_text(const char *rel, const char *want, int timeout_ms);

#endif /* _BTE_TEST_H */
