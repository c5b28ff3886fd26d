// SPDX-License-Identifier: GPL-2.0
/*
 * Races on shared rings: several processes, several threads each, doing
 * SUBMIT/read/REAP/FORWARD/splice/poll/GET_INFO/SET_EVENTFD/dup+close on
 * the same rings at random, per-user page limits set and lifted, forking children that exec while spliced
 * pages sit in a pipe they inherit, and a thread trying to unload the
 * modules all along.  Nothing may crash or WARN (the harness checks the
 * log), every call gives an errno allowed for it, unloading is always
 * refused while rings exist, and afterwards nothing is pinned or left.
 *
 * usage: t_races [--seconds N] [--seed N] [--ops NAME,...]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../lib/psring.h"
#include "../lib/zptest.h"

#define RINGS		4
#define PROCS		2
#define THREADS		3
#define AREA		(8UL << 20)

enum op { OP_SUBMIT, OP_READ, OP_REAP, OP_FORWARD, OP_SPLICE, OP_POLL,
	  OP_INFO, OP_EVENTFD, OP_DUP, OP_USER_LIMIT, OP_FORK_EXEC, NR_OPS };

static const char * const op_names[NR_OPS] = {
	"submit", "read", "reap", "forward", "splice", "poll", "info",
	"set_eventfd", "dup+close", "user_limit", "fork+exec",
};

/* Per-user limits set, small or none, while the others submit. */
static const char * const user_limits[] = {
	"pagesplice/user_max_pinned_pages", "pagesplice/user_max_copied_pages",
	"pagesplice/user_max_zero_pages",
};

/* Shared with the parent: counts and the first bad errno per op. */
struct tally {
	_Atomic unsigned long calls[NR_OPS];
	_Atomic int bad_errno[NR_OPS];
};

static struct tally *tally;
static int rings[RINGS];
static int seconds = 20;
static unsigned long long seed;
static _Atomic bool stop;
static unsigned int op_mask = (1U << NR_OPS) - 1;	/* --ops */

static uint64_t next_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static bool allowed(enum op op, int err)
{
	switch (err) {
	case 0:
		return true;
	case EAGAIN:
		return op != OP_INFO && op != OP_EVENTFD && op != OP_DUP;
	case ENOBUFS:	/* global or per-user page cap */
		return op == OP_SUBMIT;
	default:
		return false;
	}
}

static void record(enum op op, long ret)
{
	int err = ret < 0 ? (int)-ret : 0;
	int none = 0;

	atomic_fetch_add(&tally->calls[op], 1);
	if (!allowed(op, err))
		atomic_compare_exchange_strong(&tally->bad_errno[op], &none, err);
}

static long do_splice(int ring, int pipefd[2], bool with_exec)
{
	static char sink[1 << 16];
	long n = splice(ring, NULL, pipefd[1], NULL, 1 << 18,
			SPLICE_F_NONBLOCK);
	pid_t pid;

	if (n < 0)
		return -errno;
	if (with_exec) {
		/* The child holds the pipe, and so the segments, across exec. */
		pid = fork();
		if (pid == 0) {
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		if (pid > 0)
			waitpid(pid, NULL, 0);
	}
	while (read(pipefd[0], sink, sizeof(sink)) > 0)
		;
	return n;
}

static void one_op(uint64_t *rs, char *area, int pipefd[2], int efd)
{
	static __thread char buf[1 << 16];
	struct pagesplice_completion c[16];
	struct pagesplice_info info;
	unsigned int idx = next_rand(rs) % RINGS;
	int ring = rings[idx], dup_fd;
	/* fork+exec costs a thousand other calls: draw it rarely. */
	enum op op = next_rand(rs) % 64 ? next_rand(rs) % OP_FORK_EXEC :
		     OP_FORK_EXEC;

	if (!(op_mask & (1U << op)))
		return;
	size_t len, off;
	long ret = 0;

	switch (op) {
	case OP_SUBMIT:
		len = 1 + next_rand(rs) % (256 << 10);
		off = next_rand(rs) % (AREA - len);
		ret = psr_submit(ring, area + off, len, op,
				 PAGESPLICE_SUBMIT_NONBLOCK |
				 (next_rand(rs) & 1 ? PAGESPLICE_SUBMIT_NOCOPY : 0),
				 NULL);
		break;
	case OP_READ:
		ret = read(ring, buf, 1 + next_rand(rs) % sizeof(buf));
		ret = ret < 0 ? -errno : 0;
		break;
	case OP_REAP:
		ret = psr_reap(ring, c, 16, 0);
		break;
	case OP_FORWARD:
		ret = psr_forward(ring,
				  rings[(idx + 1 + next_rand(rs) % (RINGS - 1)) % RINGS],
				  next_rand(rs) % (1 << 20),
				  PAGESPLICE_FORWARD_NONBLOCK);
		break;
	case OP_SPLICE:
	case OP_FORK_EXEC:
		ret = do_splice(ring, pipefd, op == OP_FORK_EXEC);
		break;
	case OP_POLL: {
		struct pollfd pfd = { .fd = ring,
				      .events = POLLIN | POLLOUT | POLLPRI };

		ret = poll(&pfd, 1, 0) < 0 ? -errno : 0;
		break;
	}
	case OP_INFO:
		ret = psr_info(ring, &info);
		break;
	case OP_EVENTFD:
		ret = psr_set_eventfd(ring, next_rand(rs) & 1 ? efd : -1);
		break;
	case OP_DUP:
		dup_fd = dup(ring);
		ret = dup_fd < 0 ? -errno : close(dup_fd);
		break;
	case OP_USER_LIMIT: {
		char v[24];

		/* mostly small, so that SUBMITs meet them; sometimes none */
		snprintf(v, sizeof(v), "%llu", next_rand(rs) % 4 ?
			 (unsigned long long)(next_rand(rs) % 128) : 0ULL);
		ret = zp_write(user_limits[next_rand(rs) % 3], v);
		break;
	}
	default:
		return;
	}
	record(op, ret < 0 ? ret : 0);
}

static void *worker(void *arg)
{
	uint64_t rs = seed ^ (uintptr_t)arg * 0x1234567ULL ^ getpid();
	char *area = mmap(NULL, AREA, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int pipefd[2], efd = eventfd(0, EFD_NONBLOCK);
	time_t end = time(NULL) + seconds;

	if (area == MAP_FAILED || efd < 0 ||
	    pipe2(pipefd, O_NONBLOCK | O_CLOEXEC))
		return (void *)1;
	memset(area, 0x3c, AREA);
	while (!stop && time(NULL) < end) {
		int i;

		for (i = 0; i < 64; i++)
			one_op(&rs, area, pipefd, efd);
	}
	close(pipefd[0]);
	close(pipefd[1]);
	close(efd);
	munmap(area, AREA);
	return NULL;
}

static int run_workers(void)
{
	pthread_t t[THREADS];
	uintptr_t i;
	int failed = 0;

	for (i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)i))
			return 1;
	for (i = 0; i < THREADS; i++) {
		void *ret;

		pthread_join(t[i], &ret);
		failed |= ret != NULL;
	}
	return failed;
}

/* Tries to unload both modules until told to stop; every try must fail. */
static void *unloader(void *arg)
{
	unsigned long *tries = arg;

	while (!stop) {
		if (!zp_mod_unload("pagesplice") || !zp_mod_unload("zeropool"))
			return (void *)1;
		(*tries)++;
		zp_sleep_ms(5);
	}
	return NULL;
}

static void parse(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'r' },
		{ "ops", required_argument, NULL, 'o' },
		{ }
	};
	char *name;
	int c, i;

	seed = time(NULL);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 's')
			seconds = atoi(optarg);
		else if (c == 'r')
			seed = strtoull(optarg, NULL, 0);
		else if (c != 'o')
			exit(2);
		if (c != 'o')
			continue;
		op_mask = 0;
		for (name = strtok(optarg, ","); name; name = strtok(NULL, ","))
			for (i = 0; i < NR_OPS; i++)
				if (!strcmp(name, op_names[i]))
					op_mask |= 1U << i;
	}
}

int main(int argc, char **argv)
{
	uint64_t acq0 = zp_vmstat("nr_foll_pin_acquired");
	uint64_t rel0 = zp_vmstat("nr_foll_pin_released");
	unsigned long tries = 0, total = 0;
	pid_t pids[PROCS];
	pthread_t unl;
	void *unl_ret;
	int i, st, workers_failed = 0;

	parse(argc, argv);
	tap_init("t_races");
	tap_diag("seed %llu, %d s, %d processes x %d threads on %d rings",
		 seed, seconds, PROCS, THREADS, RINGS);
	zp_load_on_zeropool("pagesplice", "pagesplice");
	tally = mmap(NULL, sizeof(*tally), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (tally == MAP_FAILED)
		tap_bail("mmap: %s", strerror(errno));
	for (i = 0; i < RINGS; i++) {
		rings[i] = psr_open(O_NONBLOCK);
		if (rings[i] < 0)
			tap_bail("open %s: %s", PAGESPLICE_DEVICE, strerror(errno));
	}

	pthread_create(&unl, NULL, unloader, &tries);
	for (i = 0; i < PROCS; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(run_workers());
	}
	for (i = 0; i < PROCS; i++)
		if (waitpid(pids[i], &st, 0) != pids[i] || !WIFEXITED(st) ||
		    WEXITSTATUS(st))
			workers_failed++;
	stop = true;
	pthread_join(unl, &unl_ret);

	tap_ok(!workers_failed, "races: every worker process finished");
	for (i = 0; i < NR_OPS; i++) {
		total += tally->calls[i];
		tap_ok(!tally->bad_errno[i], "races: %s x %lu, only allowed errnos (first bad: %s)",
		       op_names[i], (unsigned long)tally->calls[i],
		       tally->bad_errno[i] ? strerror(tally->bad_errno[i]) : "none");
	}
	tap_ok(!unl_ret && tries > 0,
	       "races: %lu unload attempts during the run, all refused", tries);
	tap_diag("race iterations: %lu calls in %d s", total, seconds);

	for (i = 0; i < 3; i++)
		zp_set(user_limits[i], "0");
	for (i = 0; i < RINGS; i++)
		close(rings[i]);
	tap_ok(zp_wait_eq("pagesplice/rings", 0, 5000) &&
	       zp_wait_eq("pagesplice/pages_pinned", 0, 5000) &&
	       zp_get("pagesplice/pages_copied") == 0,
	       "races: no ring, pinned page or copy page left");
	tap_ok(zp_pins_balanced_since(acq0, rel0, 3000),
	       "races: nr_foll_pin_acquired == nr_foll_pin_released");
	tap_ok(!zp_mod_unload("pagesplice") && !zp_mod_unload("zeropool"),
	       "races: both modules unload afterwards");
	return tap_done();
}
