// SPDX-License-Identifier: GPL-2.0
/*
 * ptshare.ko unloads cleanly while many threads fork (and children write,
 * so COW-fault probes fire) and a reader reads debugfs: twice, with no
 * probe left behind; windows still open at unload are discarded.  scripts/vm fails the run on any kernel BUG/Oops.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/ptshare_util.h"
#include "../lib/zptest.h"

#define FORKERS		16
#define MEM		(4UL << 20)

static atomic_int stop;
static atomic_long forks;
static char *mem;

static void *forker(void *arg)
{
	long id = (long)arg, i;
	int status;
	pid_t pid;

	while (!atomic_load(&stop)) {
		pid = fork();
		if (pid < 0) {
			zp_sleep_ms(1);
			continue;
		}
		if (!pid) {
			/* A few COW faults in the child's own slice. */
			for (i = 0; i < 8; i++)
				mem[(id * 8 + i) * 4096] = 2;
			/* Keeps windows open across the unload. */
			usleep(20000);
			_exit(0);
		}
		waitpid(pid, &status, 0);
		atomic_fetch_add(&forks, 1);
	}
	return NULL;
}

static void *reader(void *arg)
{
	static const char * const files[] = {
		PTS_U_DEBUGFS "/records", PTS_U_DEBUGFS "/hist_fork_ns",
		PTS_U_DEBUGFS "/summary", PTS_U_DEBUGFS "/probes",
	};
	unsigned int i = 0;
	char *text;

	while (!atomic_load(&stop)) {
		text = pts_u_slurp(files[i++ % 4]);	/* may vanish: fine */
		free(text);
		zp_sleep_ms(5);
	}
	return NULL;
}

static void storm_round(int round)
{
	long before = atomic_load(&forks);
	uint64_t traced, missed;
	int err, tries;

	err = zp_mod_load("ptshare", "ptshare", "maxactive=64");
	if (err)
		tap_bail("load ptshare.ko: %s", strerror(-err));
	zp_set("ptshare/window_ms", "60000");
	zp_sleep_ms(1500);
	traced = zp_get("ptshare/forks_traced");
	missed = zp_get("ptshare/probe_misses");
	tap_diag("round %d: %llu forks traced, %llu busy, %llu probe misses, %llu events dropped in NMI context",
		 round, (unsigned long long)traced,
		 (unsigned long long)zp_get("ptshare/forks_busy"),
		 (unsigned long long)missed,
		 (unsigned long long)zp_get("ptshare/nmi_lock_misses"));
	tap_ok(traced > 0, "ptshare: round %d: forks traced during the storm",
	       round);
	/*
	 * An open debugfs file holds a module reference: EAGAIN, retry
	 * between the reader's reads (slower ones under KASAN).
	 */
	for (tries = 0; tries < 200 * zp_slowdown(); tries++) {
		err = zp_mod_unload("ptshare");
		if (err != -EAGAIN && err != -EBUSY)
			break;
		zp_sleep_ms(2 * zp_slowdown());
	}
	tap_ok(!err, "ptshare: round %d: unload during the fork storm (%s)",
	       round, err ? strerror(-err) : "ok");
	zp_sleep_ms(500);
	tap_ok(atomic_load(&forks) > before,
	       "ptshare: round %d: forks continued (%ld)", round,
	       atomic_load(&forks) - before);
}

int main(int argc, char **argv)
{
	pthread_t th[FORKERS + 1];
	int base, i;

	tap_init(argv[0]);
	mem = mmap(NULL, MEM, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		tap_bail("mmap: %s", strerror(errno));
	memset(mem, 1, MEM);
	zp_unload_quiet("zeropool");	/* ptshare needs only the tree */
	base = pts_u_probes();
	for (i = 0; i < FORKERS; i++)
		if (pthread_create(&th[i], NULL, forker, (void *)(long)i))
			tap_bail("pthread_create");
	if (pthread_create(&th[FORKERS], NULL, reader, NULL))
		tap_bail("pthread_create");
	storm_round(1);
	storm_round(2);
	atomic_store(&stop, 1);
	for (i = 0; i <= FORKERS; i++)
		pthread_join(th[i], NULL);
	tap_ok(pts_u_probes() == base, "ptshare: no probe left after the storms");
	zp_unload_quiet("ptshare");
	zp_unload_quiet("zeropool");
	return tap_done();
}
