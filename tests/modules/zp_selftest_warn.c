// SPDX-License-Identifier: GPL-2.0
/*
 * Harness self-test: a module that WARNs on load.  tests/run boots a guest
 * that loads it and expects scripts/vm to reject the run, proving that a
 * kernel warning fails the suite.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bug.h>
#include <linux/module.h>

static int __init zp_selftest_warn_init(void)
{
	WARN(1, "deliberate warning: the harness must reject this run\n");
	return 0;
}

static void __exit zp_selftest_warn_exit(void)
{
}

module_init(zp_selftest_warn_init);
module_exit(zp_selftest_warn_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("zeropool harness self-test: warns on load");
