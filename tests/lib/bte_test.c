// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bte_test.h"
#include "zpdev.h"
#include "zptest.h"

int bte_modparam_set(const char *mod, const char *param, const char *val)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s", mod,
		 param);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	n = n < 0 ? -errno : 0;
	close(fd);
	return n;
}

void bte_dirty_memory(size_t mb)
{
	size_t len = mb << 20;
	void *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	memset(p, 0x5a, len);
	munmap(p, len);
}

const char *bte_text(const char *rel, char *buf, size_t len)
{
	if (zp_read_str(rel, buf, len))
		buf[0] = '\0';
	return buf;
}

bool bte_wait_text(const char *rel, const char *want, int timeout_ms)
{
	char buf[64];

	for (; timeout_ms > 0; timeout_ms -= 50) {
		if (!strcmp(bte_text(rel, buf, sizeof(buf)), want))
			return true;
		zp_sleep_ms(50);
	}
	return !strcmp(bte_text(rel, buf, sizeof(buf)), want);
}

static void bte_rel(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "bte_offload/%s", name);
}

uint64_t bte_get(const char *name)
{
	char rel[128];

	bte_rel(rel, sizeof(rel), name);
	return zp_get(rel);
}

uint64_t bte_get_or_0(const char *name)
{
	char rel[128];
	uint64_t v;

	bte_rel(rel, sizeof(rel), name);
	return zp_read_u64(rel, &v) ? 0 : v;
}

void bte_set(const char *name, const char *val)
{
	char rel[128];

	bte_rel(rel, sizeof(rel), name);
	zp_set(rel, val);
}

void bte_load(const char *params)
{
	int err = zp_mod_load("bte_offload", "bte_offload", params);

	if (err)
		tap_bail("cannot load bte_offload (%s): %s", params,
			 strerror(-err));
}

void bte_load_provider(const char *params)
{
	int err = zp_mod_load(BTE_PROVIDER_DIR, BTE_PROVIDER, params);

	if (err)
		tap_bail("cannot load %s (%s): %s", BTE_PROVIDER, params,
			 strerror(-err));
}

void bte_provider_set(const char *param, const char *val)
{
	if (bte_modparam_set(BTE_PROVIDER, param, val))
		tap_bail("cannot set %s=%s on %s", param, val, BTE_PROVIDER);
}

uint64_t bte_provider_get(const char *param)
{
	unsigned long long v;
	char path[256];
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s",
		 BTE_PROVIDER, param);
	f = fopen(path, "re");
	if (!f)
		tap_bail("cannot read %s: %s", path, strerror(errno));
	n = fscanf(f, "%llu", &v);
	fclose(f);
	if (n != 1)
		tap_bail("%s: not a number", path);
	return v;
}

bool bte_provider_wait(const char *param, uint64_t want, int timeout_ms)
{
	for (; timeout_ms > 0; timeout_ms -= 50) {
		if (bte_provider_get(param) == want)
			return true;
		zp_sleep_ms(50);
	}
	return bte_provider_get(param) == want;
}

size_t bte_count_pattern(size_t npages, unsigned char byte)
{
	struct zp_map m;
	size_t i, j, found = 0;

	zp_map_open(&m, npages);
	for (i = 0; i < m.npages; i++) {
		const unsigned char *p = m.addr + i * m.page_size;

		for (j = 0; j < (size_t)m.page_size; j++) {
			if (p[j] == byte) {
				found++;
				break;
			}
		}
	}
	zp_map_close(&m);
	return found;
}

void bte_check_balance(const char *what)
{
	uint64_t sub = bte_get("submissions"), ok = bte_get("blocks_dma");
	uint64_t bad = bte_get("errors") + bte_get("timeouts") +
		       bte_get("cancelled");

	tap_ok(bte_get("in_flight") == 0 && sub == ok + bad,
	       "%s: nothing in flight, submissions %llu = dma %llu + failed %llu",
	       what, (unsigned long long)sub, (unsigned long long)ok,
	       (unsigned long long)bad);
}

void bte_start_refill(void)
{
	zp_set("scrub/enabled", "0");
	zp_set("pool/drain", "1");
	bte_dirty_memory(256);
	zp_set("scrub/zero_method", "offload");
	zp_set("scrub/enabled", "1");
}
