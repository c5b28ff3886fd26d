// SPDX-License-Identifier: GPL-2.0
/*
 * Memory pulled away while a SUBMIT pins it: a thread owning one region
 * that, on each kick, waits a random moment and then unmaps and remaps it,
 * makes it PROT_NONE for a while, or drops its pages.  The main thread
 * submits the region right after the kick, so the pin races with the
 * change.  The region is remapped with MAP_FIXED_NOREPLACE: if anything
 * took the hole meanwhile, the racer moves rather than clobber it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>

#include "../lib/zptest.h"
#include "fuzz.h"

#define FZ_RACER_PAGES	64

static pthread_t fz_racer_thread;
static sem_t fz_racer_go;
static uintptr_t fz_racer_base;		/* atomic */
static bool fz_racer_quit;		/* atomic */
static uint64_t fz_racer_rng;
static bool fz_racer_running;
static uint64_t fz_racer_bursts;

static size_t fz_racer_len(void)
{
	return FZ_RACER_PAGES * fz.pg;
}

static void *fz_racer_map(void *hint, int flags)
{
	void *p = mmap(hint, fz_racer_len(), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);

	if (p != MAP_FAILED)
		memset(p, 0x5a, fz_racer_len());
	return p;
}

static void fz_racer_spin(void)
{
	uint64_t i, n = fz_splitmix(&fz_racer_rng) % 50000;

	/* a compiler barrier: the delay loop must stay */
	for (i = 0; i < n; i++)
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

static void fz_racer_burst(void)
{
	void *base = (void *)__atomic_load_n(&fz_racer_base, __ATOMIC_ACQUIRE);
	void *p;

	fz_racer_spin();
	fz_racer_bursts++;
	switch (fz_splitmix(&fz_racer_rng) % 3) {
	case 0:
		munmap(base, fz_racer_len());
		fz_racer_spin();
		p = fz_racer_map(base, MAP_FIXED_NOREPLACE);
		if (p == MAP_FAILED)
			p = fz_racer_map(NULL, 0);
		if (p == MAP_FAILED)
			p = NULL;
		__atomic_store_n(&fz_racer_base, (uintptr_t)p,
				 __ATOMIC_RELEASE);
		break;
	case 1:
		mprotect(base, fz_racer_len(), PROT_NONE);
		fz_racer_spin();
		mprotect(base, fz_racer_len(), PROT_READ | PROT_WRITE);
		break;
	default:
		madvise(base, fz_racer_len(), MADV_DONTNEED);
		fz_racer_spin();
		memset(base, 0xa5, fz_racer_len());
	}
}

static void *fz_racer(void *arg)
{
	for (;;) {
		if (sem_wait(&fz_racer_go) && errno == EINTR)
			continue;
		if (__atomic_load_n(&fz_racer_quit, __ATOMIC_ACQUIRE))
			return NULL;
		if (__atomic_load_n(&fz_racer_base, __ATOMIC_ACQUIRE))
			fz_racer_burst();
	}
}

void fz_racer_start(uint64_t seed)
{
	sigset_t all, old;
	void *p = fz_racer_map(NULL, 0);

	if (p == MAP_FAILED)
		tap_bail("racer mmap: %s", strerror(errno));
	fz_racer_base = (uintptr_t)p;
	fz_racer_rng = seed;
	sem_init(&fz_racer_go, 0, 0);
	/* the guard's SIGALRM is for the main thread's blocking calls */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	if (pthread_create(&fz_racer_thread, NULL, fz_racer, NULL))
		tap_bail("pthread_create failed");
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	fz_racer_running = true;
}

uint64_t fz_racer_kick(size_t *len)
{
	*len = fz_racer_len();
	if (!fz_racer_running || fz.child)
		return 0;
	sem_post(&fz_racer_go);
	return __atomic_load_n(&fz_racer_base, __ATOMIC_ACQUIRE);
}

uint64_t fz_racer_stop(void)
{
	void *base;

	if (!fz_racer_running)
		return 0;
	__atomic_store_n(&fz_racer_quit, true, __ATOMIC_RELEASE);
	sem_post(&fz_racer_go);
	pthread_join(fz_racer_thread, NULL);
	fz_racer_running = false;
	base = (void *)fz_racer_base;
	if (base)
		munmap(base, fz_racer_len());
	return fz_racer_bursts;
}
