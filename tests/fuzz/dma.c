// SPDX-License-Identifier: GPL-2.0
/*
 * A DMA engine for bte_offload to zero pool pages with: the tests'
 * software provider (tests/modules/zp_soft_dma.ko, built with
 * ZP_TEST_MODULES=1), with its faults switched on and off at random
 * (delays, error completions that leave 0xa5 garbage, lost completions,
 * completions from hard IRQ).
 * Pages given back to the pool are then re-zeroed through the offload
 * path, and every page a new /dev/zeropool object maps must still read
 * zero.  Without the provider bte_offload runs with no channel.
 */
#include <errno.h>
#include <stdio.h>

#include "../lib/bte_test.h"
#include "../lib/zptest.h"
#include "fuzz.h"

static bool fz_dma;

bool fz_dma_load(void)
{
	int err = zp_mod_load(BTE_PROVIDER_DIR, BTE_PROVIDER, NULL);

	fz_dma = !err;
	if (err)
		tap_diag("%s not loaded (%d): bte_offload runs without a channel",
			 BTE_PROVIDER, err);
	return fz_dma;
}

static void fz_dma_set(const char *param, unsigned int val)
{
	char buf[16];
	int err;

	snprintf(buf, sizeof(buf), "%u", val);
	err = bte_modparam_set(BTE_PROVIDER, param, buf);
	errno = -err;
	fz_check(FZ_MODPARAM, err, "%s=%s", param, buf);
}

void fz_op_dma_faults(void)
{
	static const unsigned int delays[] = { 0, 0, 1, 5, 20 };

	if (!fz_dma)
		return;
	/* faults mostly off: max_failures of them in a row drop the channel */
	switch (fz_below(8)) {
	case 0:
		fz_dma_set("lose_completion", fz_one_in(4));
		break;
	case 1:
	case 2:
		fz_dma_set("error_status", fz_one_in(4));
		break;
	case 3:
		/* callbacks from hard-IRQ context, as most engines do */
		fz_dma_set("irq_complete", fz_one_in(2));
		break;
	default:
		fz_dma_set("delay_ms", FZ_PICK(delays));
	}
}

void fz_dma_quiet(void)
{
	if (!fz_dma)
		return;
	fz_dma_set("lose_completion", 0);
	fz_dma_set("error_status", 0);
	fz_dma_set("delay_ms", 0);
}
