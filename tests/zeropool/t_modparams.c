// SPDX-License-Identifier: GPL-2.0
/* Bad module parameters fail the load (EINVAL) and leave nothing behind. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../lib/zptest.h"

static void bad(const char *params)
{
	struct stat st;
	int err = zp_mod_load("zeropool", "zeropool", params);

	tap_ok(err == -EINVAL && !zp_mod_loaded("zeropool") &&
	       stat(ZP_SYSFS "/pool", &st) < 0,
	       "load with \"%s\" fails with EINVAL (%s), no pool/ left", params,
	       err ? strerror(-err) : "loaded");
	zp_unload_quiet("zeropool");
}

/* /sys/module/zeropool/parameters/@name holds @want. */
static bool param_is(const char *name, const char *want)
{
	char path[256], buf[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/zeropool/parameters/%s",
		 name);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return !strcmp(buf, want);
}

int main(int argc, char **argv)
{
	char val[32];

	tap_init(argv[0]);
	zp_unload_quiet("zeropool");

	bad("zero_method=gpu");
	bad("read_fault=maybe");
	bad("scrub_order=11");
	bad("max_pages=100 high_watermark=200");
	bad("low_watermark=300 high_watermark=200 max_pages=400");
	bad("offload_timeout_ms=0");
	bad("fault_around_pages=6");
	bad("max_pages=999999999999");
	bad("user_unmapped_max_pages=999999999999");	/* above RAM */

	zp_load_zeropool("max_pages=3000 high_watermark=1500 low_watermark=100 scrub_order=4 zero_method=cpu read_fault=alloc scrub_enabled=0 fault_around_pages=8 user_unmapped_max_pages=0 user_max_pages=100000");
	tap_ok(zp_get("pool/max_pages") == 3000, "max_pages parameter applied");
	tap_ok(zp_get("pool/high_watermark") == 1500 &&
	       zp_get("pool/low_watermark") == 100, "watermark parameters applied");
	tap_ok(zp_get("scrub/scrub_order") == 4 && zp_get("scrub/enabled") == 0,
	       "scrub parameters applied");
	tap_ok(!zp_read_str("scrub/zero_method", val, sizeof(val)) &&
	       !strcmp(val, "cpu"), "zero_method parameter applied");
	tap_ok(!zp_read_str("pool/read_fault", val, sizeof(val)) &&
	       !strcmp(val, "alloc"), "read_fault parameter applied");
	tap_ok(zp_get("pool/fault_around_pages") == 8,
	       "fault_around_pages parameter applied");
	tap_ok(zp_get("pool/user_unmapped_max_pages") == 0 &&
	       zp_get("pool/user_max_pages") == 100000,
	       "user_unmapped_max_pages and user_max_pages parameters applied");
	/* one declaration: the parameter reads what the file holds now */
	tap_ok(zp_write("pool/max_pages", "2500") == 0 &&
	       param_is("max_pages", "2500"),
	       "parameters/max_pages reads 2500 after pool/max_pages was written");
	zp_unload_quiet("zeropool");

	zp_load_zeropool("scrub_enabled=n read_fault=alloc");
	tap_ok(zp_get("scrub/enabled") == 0 && param_is("scrub_enabled", "0"),
	       "scrub_enabled=n is taken as 0, as the file takes n");
	zp_unload_quiet("zeropool");
	return tap_done();
}
