/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers for bte_offload's tests and benchmark. */
#ifndef _BTE_TEST_H
#define _BTE_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* bte_offload/<name> of the stats tree, or bails out. */
uint64_t bte_get(const char *name);
/* The same, 0 when the file is missing or unreadable. */
uint64_t bte_get_or_0(const char *name);
/* Writes bte_offload/<name>, or bails out. */
void bte_set(const char *name, const char *val);
/* Loads bte_offload.ko / the software provider with @params, or bails out. */
void bte_load(const char *params);
void bte_load_provider(const char *params);
/* Writes / reads a parameter of the software provider, or bails out. */
void bte_provider_set(const char *param, const char *val);
uint64_t bte_provider_get(const char *param);
/* Polls a provider parameter until it reads @want. */
bool bte_provider_wait(const char *param, uint64_t want, int timeout_ms);
/*
 * One line: nothing in flight and every accepted request was completed
 * exactly once (submissions = blocks_dma + errors + timeouts + cancelled).
 */
void bte_check_balance(const char *what);
/*
 * Empties the pool, dirties memory so that new blocks are not zero, and
 * lets the scrubber refill the pool through the offload backend.
 */
void bte_start_refill(void);
/*
 * Maps @npages of /dev/zeropool and counts the pages holding @byte
 * anywhere: pages the pool hands out that an engine wrote into late.
 */
size_t bte_count_pattern(size_t npages, unsigned char byte);

#endif /* _BTE_TEST_H */
