// SPDX-License-Identifier: GPL-2.0
/* Every tunable rejects nonsense with EINVAL and keeps its value. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../lib/zptest.h"

/* @val as it may be printed on one TAP line. */
static const char *shown(const char *val)
{
	static char buf[64];
	size_t i, o = 0;

	for (i = 0; val[i] && o < sizeof(buf) - 3; i++) {
		if (val[i] == '\n') {
			buf[o++] = '\\';
			buf[o++] = 'n';
		} else {
			buf[o++] = val[i];
		}
	}
	buf[o] = '\0';
	return buf;
}

static void reject(const char *rel, const char *val)
{
	char before[64], after[64];
	int err;

	if (zp_read_str(rel, before, sizeof(before)))
		tap_bail("read %s", rel);
	err = zp_write(rel, val);
	zp_read_str(rel, after, sizeof(after));
	tap_ok(err == -EINVAL && !strcmp(before, after),
	       "%s rejects \"%s\" (%s), value stays %s", rel, shown(val),
	       err ? strerror(-err) : "accepted", after);
}

static void accept(const char *rel, const char *val, const char *readback)
{
	char got[64] = "";
	int err = zp_write(rel, val);

	zp_read_str(rel, got, sizeof(got));
	tap_ok(!err && !strcmp(got, readback), "%s accepts \"%s\" (reads %s)",
	       rel, shown(val), got);
}

int main(int argc, char **argv)
{
	char big[32];

	tap_init(argv[0]);
	zp_load_zeropool("max_pages=4096 high_watermark=1024 low_watermark=256 scrub_enabled=0");

	reject("pool/max_pages", "abc");
	reject("pool/max_pages", "\n");
	reject("pool/max_pages", "-1");
	reject("pool/max_pages", "1000");	/* below high_watermark */
	reject("pool/max_pages", "99999999999999999999999");
	reject("pool/high_watermark", "256");	/* not above low */
	reject("pool/high_watermark", "4097");	/* above max */
	reject("pool/high_watermark", "12x");
	reject("pool/low_watermark", "1024");	/* not below high */
	reject("pool/read_fault", "sometimes");
	reject("scrub/zero_method", "gpu");
	reject("scrub/enabled", "2");
	reject("scrub/scrub_order", "11");
	reject("scrub/offload_timeout_ms", "0");
	reject("pool/drain", "7");
	reject("pool/fault_around_pages", "0");
	reject("pool/fault_around_pages", "3");		/* not a power of 2 */
	reject("pool/fault_around_pages", "32");	/* above 16 */
	snprintf(big, sizeof(big), "%llu", 1ULL << 62);
	reject("pool/max_pages", big);		/* above half of RAM */
	reject("pool/user_unmapped_max_pages", big);	/* above RAM */
	reject("pool/user_unmapped_max_pages", "-1");
	reject("pool/user_max_pages", big);		/* above RAM */
	tap_ok(zp_write("pool/hits", "0") == -EACCES,
	       "counters are read-only (EACCES)");

	accept("pool/max_pages", "8192", "8192");
	accept("pool/high_watermark", "2048", "2048");
	accept("pool/low_watermark", "0x10", "16");
	accept("pool/read_fault", "alloc", "alloc");
	accept("pool/read_fault", "zero_page\n", "zero_page");
	accept("scrub/zero_method", "cpu", "cpu");
	accept("scrub/scrub_order", "0", "0");
	accept("pool/fault_around_pages", "16", "16");
	accept("pool/fault_around_pages", "1", "1");
	accept("scrub/offload_timeout_ms", "250", "250");
	accept("pool/user_unmapped_max_pages", "0", "0");
	accept("pool/user_unmapped_max_pages", "1024", "1024");
	accept("pool/user_max_pages", "4096", "4096");
	accept("pool/user_max_pages", "0", "0");

	zp_unload_quiet("zeropool");
	return tap_done();
}
