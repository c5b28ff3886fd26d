// SPDX-License-Identifier: GPL-2.0
/*
 * The fuzzer's randomness: splitmix64, so that a run is a function of its
 * seed (and of what the kernel answered), whatever libc's rand() does.
 */
#include "fuzz.h"

static uint64_t fz_rng;

uint64_t fz_splitmix(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

void fz_seed(uint64_t seed)
{
	fz_rng = seed;
}

uint64_t fz_rand(void)
{
	return fz_splitmix(&fz_rng);
}

uint64_t fz_below(uint64_t n)
{
	return n ? fz_rand() % n : 0;
}

bool fz_one_in(unsigned int n)
{
	return fz_below(n) == 0;
}

/* Where range checks go wrong: zero, one, edges of powers of two, -1. */
uint64_t fz_interesting(void)
{
	uint64_t p = 1ULL << fz_below(64);

	switch (fz_below(8)) {
	case 0:
		return fz_below(3);
	case 1:
		return p - 1;
	case 2:
		return p + 1;
	case 3:
		return p;
	case 4:
		return -p;
	case 5:
		return (uint64_t)-1 - fz_below(2);
	case 6:
		return fz_below(1 << 20);
	default:
		return fz_rand();
	}
}
