// SPDX-License-Identifier: GPL-2.0
/*
 * Processes and signals: a one-shot timer that ends any call left waiting
 * (so a full or empty ring costs 5 ms and an EINTR, never a hang), a
 * fault catcher for our own touches of mapped memory, and forked children
 * that share the rings and objects and fuzz them for a few steps, some of
 * them unprivileged with a small RLIMIT_MEMLOCK.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/zptest.h"
#include "fuzz.h"

#define FZ_CHILDREN	4
#define FZ_GUARD_US	5000

static pid_t fz_kids[FZ_CHILDREN];
static sigjmp_buf fz_touch_jmp;
static int fz_touching;		/* atomic: read by the fault handler */
static int fz_fault;		/* what the handler caught */

static void fz_on_alarm(int sig)
{
}

static void fz_on_fault(int sig, siginfo_t *si, void *uc)
{
	if (__atomic_load_n(&fz_touching, __ATOMIC_SEQ_CST)) {
		fz_fault = sig << 16 | (si->si_code & 0xffff);
		siglongjmp(fz_touch_jmp, 1);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

void fz_signals_init(void)
{
	/* no SA_RESTART: the wait ends with EINTR */
	struct sigaction sa = { .sa_handler = fz_on_alarm };

	sigaction(SIGALRM, &sa, NULL);
	sa.sa_sigaction = fz_on_fault;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/*
 * Every FZ_GUARD_US until fz_guard_off(), not once: a single alarm that
 * fires before the call has gone to sleep (the vCPU descheduled between
 * setitimer and the syscall, as under a loaded TCG host) is handled in
 * user space and leaves the call blocked for good.
 */
void fz_guard_on(void)
{
	struct itimerval it = {
		.it_value = { 0, FZ_GUARD_US },
		.it_interval = { 0, FZ_GUARD_US },
	};

	setitimer(ITIMER_REAL, &it, NULL);
}

void fz_guard_off(void)
{
	struct itimerval it = { 0 };
	int err = errno;

	setitimer(ITIMER_REAL, &it, NULL);
	errno = err;
}

int fz_ioctl(int fd, unsigned int cmd, void *arg)
{
	int ret;

	fz_guard_on();
	ret = ioctl(fd, cmd, arg);
	fz_guard_off();
	return ret;
}

/* Atomic accesses: the compiler must neither drop nor move them. */
int fz_touch(unsigned char *p, bool write, unsigned char *val)
{
	if (sigsetjmp(fz_touch_jmp, 1)) {
		__atomic_store_n(&fz_touching, 0, __ATOMIC_SEQ_CST);
		return fz_fault;
	}
	__atomic_store_n(&fz_touching, 1, __ATOMIC_SEQ_CST);
	if (write)
		__atomic_store_n(p, *val, __ATOMIC_SEQ_CST);
	else
		*val = __atomic_load_n(p, __ATOMIC_SEQ_CST);
	__atomic_store_n(&fz_touching, 0, __ATOMIC_SEQ_CST);
	return 0;
}

static void fz_child(uint64_t seed, int steps, bool unprivileged)
{
	fz.child = true;
	fz_seed(seed);
	if (unprivileged) {
		struct rlimit rl = { 64 << 10, 64 << 10 };

		/* pins now count against a memlock limit: ENOMEM paths */
		if (setrlimit(RLIMIT_MEMLOCK, &rl) || setgid(65534) ||
		    setuid(65534))
			_exit(3);
	}
	while (steps--)
		fz_step();
	_exit(0);
}

void fz_op_fork(void)
{
	uint64_t seed = fz_rand();
	int steps = 1 + fz_below(32), i;
	bool unprivileged = fz_one_in(4);
	pid_t pid;

	fz_children_reap(false);
	for (i = 0; i < FZ_CHILDREN && fz_kids[i]; i++)
		;
	if (i == FZ_CHILDREN)
		return;
	pid = fork();
	if (!fz_check(FZ_FORK, pid, "%d steps", steps) || pid < 0)
		return;
	if (!pid)
		fz_child(seed, steps, unprivileged);
	fz_kids[i] = pid;
}

static void fz_child_status(pid_t pid, int st)
{
	if (WIFSIGNALED(st) && WTERMSIG(st) != SIGKILL)
		fz_fail("child %d killed by signal %d", pid, WTERMSIG(st));
	else if (WIFEXITED(st) && WEXITSTATUS(st))
		fz_fail("child %d exited with status %d", pid,
			WEXITSTATUS(st));
}

int fz_children_reap(bool all)
{
	int i, st, waited, stuck = 0, limit_ms = 10000 * zp_slowdown();

	for (i = 0; i < FZ_CHILDREN; i++) {
		pid_t pid = fz_kids[i];

		if (!pid)
			continue;
		for (waited = 0; ; waited += 10) {
			pid_t got = waitpid(pid, &st, WNOHANG);

			if (got == pid || (got < 0 && errno != EINTR)) {
				if (got == pid)
					fz_child_status(pid, st);
				fz_kids[i] = 0;
				break;
			}
			if (!all)
				break;
			if (waited == limit_ms) {
				fz_fail("child %d still running after %d s",
					pid, limit_ms / 1000);
				kill(pid, SIGKILL);
				stuck++;
			}
			zp_sleep_ms(10);
		}
	}
	return stuck;
}
