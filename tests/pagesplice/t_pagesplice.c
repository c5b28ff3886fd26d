// SPDX-License-Identifier: GPL-2.0
/*
 * pagesplice.ko in the guest: GET_INFO, data by reference/copy/zero page,
 * completion ranges and flags, bad inputs with no pin left behind, buffer
 * reuse only after completion, splice completing on pipe release, FORWARD,
 * SHUTDOWN/EOF, close with data queued, unmap and fork after submission,
 * memlock accounting, signals, and unload refused while a ring is open.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/psring.h"
#include "../lib/zptest.h"

#define PS "pagesplice/"

static long pg;

static uint64_t pins_acq(void)
{
	return zp_vmstat("nr_foll_pin_acquired");
}

static uint64_t pins_rel(void)
{
	return zp_vmstat("nr_foll_pin_released");
}

static bool pins_balanced(uint64_t a0, uint64_t r0)
{
	return zp_pins_balanced_since(a0, r0, 3000);
}

static unsigned char pat(uint64_t k, size_t i)
{
	uint64_t x = (k + 1) * 0x9E3779B97F4A7C15ULL + i * 0xBF58476D1CE4E5B9ULL;

	return (unsigned char)(x >> 29);
}

static void fill(unsigned char *p, size_t len, uint64_t k)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = pat(k, i);
}

static bool check(const unsigned char *p, size_t len, uint64_t k)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != pat(k, i))
			return false;
	return true;
}

static void *map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		tap_bail("mmap: %s", strerror(errno));
	return p;
}

static int submitv(int fd, struct pagesplice_buf *b, unsigned int nr,
		   uint32_t flags)
{
	struct pagesplice_submit s = {
		.bufs = (uintptr_t)b, .nr = nr, .flags = flags,
	};

	return ioctl(fd, PAGESPLICE_IOC_SUBMIT, &s) < 0 ? -errno : 0;
}

static void test_info(int fd)
{
	struct pagesplice_info info = { 0 };
	int err = psr_info(fd, &info);

	tap_ok(!err && info.abi_version == PAGESPLICE_ABI_VERSION &&
	       info.page_size == pg && info.max_vec == PAGESPLICE_MAX_VEC,
	       "pagesplice: GET_INFO abi %u page %u", info.abi_version,
	       info.page_size);
	tap_ok((info.features & 0x3f) == 0x3f && info.copy_threshold == 16384,
	       "pagesplice: features %#llx, copy threshold %llu",
	       (unsigned long long)info.features,
	       (unsigned long long)info.copy_threshold);
}

/* Three unaligned buffers by reference, one copied, one of zero pages. */
static void test_basic(int fd)
{
	struct pagesplice_completion c[8];
	unsigned char *a = map(1 << 20), *out = map(1 << 20);
	unsigned char *z = map(16 * pg);
	size_t lens[3] = { 100000, 5000, 40000 }, offs[3] = { 3, 200001, 700123 };
	uint64_t seq[3], s, copied0 = zp_get(PS "bytes_copied");
	uint64_t zero0 = zp_get(PS "zero_segments");
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT | POLLPRI };
	bool ok = true;
	int i, n;

	/*
	 * Without this, z merges with the VMAs around it and a read fault in
	 * a THP range maps the huge zero page, which a module can't tell from
	 * an ordinary compound page: a pinned segment, not a zero segment.
	 */
	if (madvise(z, 16 * pg, MADV_NOHUGEPAGE))
		tap_bail("madvise: %s", strerror(errno));

	poll(&pfd, 1, 0);
	tap_ok(pfd.revents == POLLOUT, "pagesplice: empty ring polls POLLOUT only (%#x)",
	       pfd.revents);
	for (i = 0; i < 3; i++) {
		fill(a + offs[i], lens[i], i);
		ok &= !psr_submit(fd, a + offs[i], lens[i], 7,
				  PAGESPLICE_SUBMIT_NOCOPY, &seq[i]);
	}
	tap_ok(ok && seq[1] == seq[0] + 1 && seq[2] == seq[1] + 1,
	       "pagesplice: 3 unaligned buffers queued by reference, seq %llu..%llu",
	       (unsigned long long)seq[0], (unsigned long long)seq[2]);
	tap_ok(zp_get(PS "pages_pinned") >= 30, "pagesplice: pages_pinned %llu",
	       (unsigned long long)zp_get(PS "pages_pinned"));
	poll(&pfd, 1, 0);
	tap_ok((pfd.revents & (POLLIN | POLLPRI)) == POLLIN,
	       "pagesplice: POLLIN and no POLLPRI before consumption");
	tap_ok(psr_reap(fd, c, 8, 0) == 0, "pagesplice: nothing to reap yet");

	n = psr_read_full(fd, out, lens[0] + lens[1] + lens[2]);
	tap_ok(n == (int)(lens[0] + lens[1] + lens[2]) &&
	       check(out, lens[0], 0) && check(out + lens[0], lens[1], 1) &&
	       check(out + lens[0] + lens[1], lens[2], 2),
	       "pagesplice: read returns the three buffers in order");
	poll(&pfd, 1, 0);
	tap_ok(pfd.revents & POLLPRI, "pagesplice: POLLPRI with completions");
	n = psr_reap(fd, c, 8, 0);
	tap_ok(n == 1 && c[0].seq_first == seq[0] && c[0].seq_last == seq[2] &&
	       c[0].user_tag == 7 && c[0].flags == 0 &&
	       c[0].bytes == lens[0] + lens[1] + lens[2],
	       "pagesplice: one merged completion %llu..%llu, %llu bytes, flags %#x",
	       (unsigned long long)c[0].seq_first,
	       (unsigned long long)c[0].seq_last,
	       (unsigned long long)c[0].bytes, c[0].flags);

	/* small: copied and complete before anybody reads */
	fill(a, 1000, 9);
	tap_ok(!psr_submit(fd, a, 1000, 8, 0, &s),
	       "pagesplice: 1000-byte buffer submitted");
	n = psr_reap(fd, c, 8, 0);
	tap_ok(n == 1 && c[0].seq_first == s &&
	       c[0].flags == PAGESPLICE_COMP_COPIED && c[0].bytes == 1000,
	       "pagesplice: small buffer completed at once, flagged copied");
	memset(a, 0, 1000);
	tap_ok(psr_read_full(fd, out, 1000) == 1000 && check(out, 1000, 9),
	       "pagesplice: copied buffer reads its original bytes");
	tap_ok(zp_get(PS "bytes_copied") - copied0 == 1000,
	       "pagesplice: bytes_copied counted");

	/* never-written anonymous memory: the zero page, no pin */
	tap_ok(!psr_submit(fd, z + 5, 15 * pg, 9, PAGESPLICE_SUBMIT_NOCOPY, &s),
	       "pagesplice: untouched memory submitted");
	tap_ok(zp_get(PS "zero_segments") - zero0 == 1,
	       "pagesplice: queued as a zero segment");
	memset(out, 0xff, 15 * pg);
	ok = psr_read_full(fd, out, 15 * pg) == 15 * pg;
	for (i = 0; ok && i < 15 * pg; i++)
		ok = !out[i];
	tap_ok(ok, "pagesplice: zero segment reads as zeroes");
	n = psr_reap(fd, c, 8, 0);
	tap_ok(n == 1 && c[0].flags == PAGESPLICE_COMP_ZERO,
	       "pagesplice: zero segment completion flagged zero");

	/* readv scatters one buffer over several iovecs */
	{
		struct iovec iov[3] = {
			{ out, 1000 }, { out + 5000, 3000 }, { out + 9000, 6000 },
		};

		fill(a + 17, 10000, 13);
		psr_submit(fd, a + 17, 10000, 10, PAGESPLICE_SUBMIT_NOCOPY,
			   NULL);
		n = readv(fd, iov, 3);
		tap_ok(n == 10000 && !memcmp(out, a + 17, 1000) &&
		       !memcmp(out + 5000, a + 17 + 1000, 3000) &&
		       !memcmp(out + 9000, a + 17 + 4000, 6000),
		       "pagesplice: readv scatters the data in order");
		psr_reap(fd, c, 8, 0);
	}
	munmap(a, 1 << 20);
	munmap(out, 1 << 20);
	munmap(z, 16 * pg);
}

static void test_bad_inputs(int fd)
{
	struct pagesplice_buf b[2] = { 0 };
	unsigned char *a = map(4 * pg), *none;
	uint64_t a0 = pins_acq(), r0 = pins_rel();
	struct pagesplice_info info;
	static struct pagesplice_buf many[PAGESPLICE_MAX_VEC + 1];
	int n;

	psr_info(fd, &info);
	none = mmap(NULL, 4 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	tap_ok(psr_submit(fd, a, 0, 0, 0, NULL) == -EINVAL,
	       "pagesplice: len 0 gives EINVAL");
	tap_ok(submitv(fd, b, 0, 0) == -EINVAL, "pagesplice: nr 0 gives EINVAL");
	tap_ok(psr_submit(fd, a, 10, 0, 0x80, NULL) == -EINVAL,
	       "pagesplice: unknown flag gives EINVAL");
	tap_ok(submitv(fd, many, PAGESPLICE_MAX_VEC + 1, 0) == -E2BIG,
	       "pagesplice: nr > max_vec gives E2BIG");
	tap_ok(psr_submit(fd, a, info.max_bytes + 1, 0, 0, NULL) == -E2BIG,
	       "pagesplice: len > max_bytes gives E2BIG");
	tap_ok(psr_submit(fd, (void *)-4096L, 8192, 0, 0, NULL) == -EFAULT,
	       "pagesplice: addr + len wrapping gives EFAULT");
	tap_ok(psr_submit(fd, (char *)(1UL << 47) - 4096, 8192, 0,
			  PAGESPLICE_SUBMIT_NOCOPY, NULL) == -EFAULT,
	       "pagesplice: range past user space gives EFAULT");
	tap_ok(psr_submit(fd, none, 4 * pg, 0, PAGESPLICE_SUBMIT_NOCOPY,
			  NULL) == -EFAULT,
	       "pagesplice: PROT_NONE gives EFAULT");
	tap_ok(psr_submit(fd, none, 100, 0, 0, NULL) == -EFAULT,
	       "pagesplice: PROT_NONE gives EFAULT on the copy path too");
	munmap(none, 4 * pg);
	tap_ok(psr_submit(fd, none, 4 * pg, 0, PAGESPLICE_SUBMIT_NOCOPY,
			  NULL) == -EFAULT,
	       "pagesplice: unmapped range gives EFAULT");
	/* half mapped: the pinned half must be let go */
	munmap(a + 2 * pg, 2 * pg);
	tap_ok(psr_submit(fd, a, 4 * pg, 0, PAGESPLICE_SUBMIT_NOCOPY,
			  NULL) == -EFAULT,
	       "pagesplice: partly unmapped range gives EFAULT");
	tap_ok(ioctl(fd, PAGESPLICE_IOC_SUBMIT, (void *)8) < 0 &&
	       errno == EFAULT, "pagesplice: bad SUBMIT pointer gives EFAULT");
	b[0].addr = (uintptr_t)a;
	b[0].len = 10;
	tap_ok(submitv(fd, (void *)8, 1, 0) == -EFAULT,
	       "pagesplice: bad vector pointer gives EFAULT");
	tap_ok(psr_reap(fd, (void *)8, 0, 0) == -EINVAL &&
	       psr_reap(fd, (void *)8, 5000, 0) == -E2BIG,
	       "pagesplice: REAP nr 0 / too big gives EINVAL / E2BIG");
	tap_ok(ioctl(fd, _IO(PAGESPLICE_IOC_MAGIC, 0x7f)) < 0 &&
	       errno == ENOTTY, "pagesplice: unknown ioctl gives ENOTTY");
	tap_ok(psr_forward(fd, 0, 0, 0) == -EINVAL &&
	       psr_forward(fd, fd, 0, 0) == -EINVAL &&
	       psr_forward(fd, -1, 0, 0) == -EBADF,
	       "pagesplice: FORWARD to a non-ring/itself/bad fd: EINVAL/EINVAL/EBADF");
	psr_info(fd, &info);
	tap_ok(info.queued_bufs == 0 && info.inflight_bufs == 0,
	       "pagesplice: nothing queued after the bad inputs");
	tap_ok(pins_balanced(a0, r0),
	       "pagesplice: pins balanced after bad inputs (+%llu/+%llu)",
	       (unsigned long long)(pins_acq() - a0),
	       (unsigned long long)(pins_rel() - r0));
	n = munmap(a, 2 * pg);
	(void)n;
}

/*
 * Two producer threads and one producer process, each submitting to its
 * own ring that a relay process FORWARDs into one shared ring, and one
 * consumer process reading that.  Buffers have random sizes and
 * alignments and are reused only after their completion.  Each buffer
 * starts with a header naming it and its bytes are a function of
 * (producer, generation): an early reuse shows as bad bytes.
 */
struct hdr {
	uint32_t producer, len;
	uint64_t gen;
};

struct prod {
	uint32_t id;
	int fd;
	int errs;
};

#define NBUF 4
#define ROUNDS 150
#define SLOT (1 << 18)

static uint64_t key(uint32_t producer, uint64_t gen)
{
	return ((uint64_t)producer << 32) | gen;
}

static void *producer(void *arg)
{
	struct prod *pr = arg;
	unsigned char *area = map(NBUF * SLOT);
	uint64_t gen = 0, seqs[NBUF];
	unsigned int seed = pr->id * 7919 + 1;
	bool busy[NBUF] = { 0 };
	int r, i;

	for (r = 0; r < ROUNDS; r++) {
		int slot = r % NBUF;
		size_t off = rand_r(&seed) % 4096;
		size_t len = sizeof(struct hdr) + rand_r(&seed) % 200000;
		unsigned char *p = area + slot * SLOT + off;
		struct hdr h;

		while (busy[slot]) {
			struct pagesplice_completion c[16];
			int n = psr_reap(pr->fd, c, 16, PAGESPLICE_REAP_WAIT);
			int j;

			if (n <= 0) {
				pr->errs++;
				return NULL;
			}
			for (j = 0; j < n; j++)
				for (i = 0; i < NBUF; i++)
					if (busy[i] && seqs[i] >= c[j].seq_first &&
					    seqs[i] <= c[j].seq_last)
						busy[i] = false;
		}
		h.producer = pr->id;
		h.len = len;
		h.gen = ++gen;
		memcpy(p, &h, sizeof(h));
		fill(p + sizeof(h), len - sizeof(h), key(pr->id, gen));
		if (psr_submit(pr->fd, p, len, pr->id, 0, &seqs[slot]))
			pr->errs++;
		busy[slot] = true;
	}
	return NULL;
}

static void consumer(int fd)
{
	unsigned char *buf = map(SLOT);
	uint64_t last[4] = { 0 };
	int errs = 0, total = 0;
	struct hdr h;

	for (;;) {
		ssize_t n = psr_read_full(fd, &h, sizeof(h));

		if (n == 0)
			break;
		if (n != sizeof(h) || h.producer < 1 || h.producer > 3 ||
		    h.len > SLOT || h.len < sizeof(h) ||
		    h.gen != last[h.producer] + 1) {
			errs++;
			break;
		}
		last[h.producer] = h.gen;
		n = psr_read_full(fd, buf, h.len - sizeof(h));
		if (n != (ssize_t)(h.len - sizeof(h)) ||
		    !check(buf, n, key(h.producer, h.gen)))
			errs++;
		total++;
	}
	_exit(errs || total != 3 * ROUNDS);
}

static void test_integrity(void)
{
	struct prod pr[4] = { { 0 } };
	int fd = psr_open(0), st, i, relays_ok = 1;
	pthread_t th[3];
	pid_t cons, proc, relay[4];

	tap_ok(fd >= 0, "pagesplice: shared ring for the integrity run");
	cons = fork();
	if (cons == 0)
		consumer(fd);
	for (i = 1; i <= 3; i++) {
		pr[i].id = i;
		pr[i].fd = psr_open(0);
		relay[i] = fork();
		if (relay[i] == 0) {
			long n;

			while ((n = psr_forward(pr[i].fd, fd, 0, 0)) > 0)
				;
			_exit(n != 0);
		}
	}
	proc = fork();
	if (proc == 0) {
		producer(&pr[3]);
		_exit(pr[3].errs != 0);
	}
	for (i = 1; i <= 2; i++)
		pthread_create(&th[i], NULL, producer, &pr[i]);
	for (i = 1; i <= 2; i++)
		pthread_join(th[i], NULL);
	waitpid(proc, &st, 0);
	tap_ok(!pr[1].errs && !pr[2].errs && WIFEXITED(st) && !WEXITSTATUS(st),
	       "pagesplice: producer threads and process saw no errors");
	for (i = 1; i <= 3; i++) {
		ioctl(pr[i].fd, PAGESPLICE_IOC_SHUTDOWN);
		waitpid(relay[i], &st, 0);
		relays_ok &= WIFEXITED(st) && !WEXITSTATUS(st);
	}
	tap_ok(relays_ok, "pagesplice: FORWARD relays ended with EOF");
	ioctl(fd, PAGESPLICE_IOC_SHUTDOWN);
	waitpid(cons, &st, 0);
	tap_ok(WIFEXITED(st) && !WEXITSTATUS(st),
	       "pagesplice: consumer saw %d buffers intact, in order, never reused early",
	       3 * ROUNDS);
	for (i = 1; i <= 3; i++)
		close(pr[i].fd);
	close(fd);
}

/* splice(): completion only once the pipe lets go of the pages. */
static void test_splice(void)
{
	int fd = psr_open(0), p[2];
	unsigned char *a = map(64 * pg), *out = map(64 * pg);
	struct pagesplice_completion c[4];
	uint64_t s;
	ssize_t n;
	bool ok;

	fill(a + 100, 20 * pg, 42);
	if (pipe(p))
		tap_bail("pipe: %s", strerror(errno));
	ok = !psr_submit(fd, a + 100, 20 * pg, 5, 0, &s);
	n = splice(fd, NULL, p[1], NULL, 20 * pg, 0);
	tap_ok(ok && n > 0, "pagesplice: splice into a pipe moved %zd bytes", n);
	tap_ok(psr_reap(fd, c, 4, 0) == 0,
	       "pagesplice: no completion while the pipe holds the pages");
	/* the pipe holds references, not copies: a write shows through */
	a[100] ^= 0xff;
	ok = read(p[0], out, 1) == 1 && out[0] == a[100];
	a[100] ^= 0xff;
	tap_ok(ok, "pagesplice: pipe buffers reference the producer's pages");
	n = 1;
	while (n < 20 * pg) {
		ssize_t r = splice(fd, NULL, p[1], NULL, 20 * pg, SPLICE_F_NONBLOCK);
		ssize_t m = read(p[0], out + n, 64 * pg - n);

		if (m <= 0 || (r < 0 && errno != EAGAIN))
			break;
		n += m;
	}
	out[0] = a[100];
	tap_ok(n == 20 * pg && !memcmp(out, a + 100, 20 * pg),
	       "pagesplice: the whole buffer came through the pipe intact");
	tap_ok(psr_reap(fd, c, 4, PAGESPLICE_REAP_WAIT) == 1 &&
	       c[0].seq_first == s && !c[0].flags,
	       "pagesplice: completion after the pipe was drained");

	/* a pipe buffer outliving the ring keeps the module pinned */
	fill(a, 8 * pg, 1);
	psr_submit(fd, a, 8 * pg, 6, 0, &s);
	n = splice(fd, NULL, p[1], NULL, 8 * pg, 0);
	close(fd);
	tap_ok(n > 0 && zp_mod_unload("pagesplice") != 0,
	       "pagesplice: unload refused while a pipe holds ring pages");
	n = psr_read_full(p[0], out, n);
	close(p[0]);
	close(p[1]);
	tap_ok(n > 0 && !memcmp(out, a, n),
	       "pagesplice: pages read after the ring closed are intact");
	munmap(a, 64 * pg);
	munmap(out, 64 * pg);
}

/* FORWARD, SHUTDOWN, close with data queued (error completions). */
static void test_forward_close(void)
{
	int a = psr_open(0), b = psr_open(0), n;
	unsigned char *buf = map(16 * pg), *out = map(16 * pg);
	struct pagesplice_completion c[4];
	uint64_t s0, s1;
	long moved;

	fill(buf, 16 * pg, 3);
	psr_submit(a, buf, 8 * pg, 1, 0, &s0);
	psr_submit(a, buf + 8 * pg, 8 * pg, 1, 0, &s1);
	moved = psr_forward(a, b, 0, PAGESPLICE_FORWARD_NONBLOCK);
	tap_ok(moved == 16 * pg, "pagesplice: FORWARD moved %ld bytes", moved);
	tap_ok(psr_forward(a, b, 0, PAGESPLICE_FORWARD_NONBLOCK) == -EAGAIN,
	       "pagesplice: FORWARD from an empty ring gives EAGAIN");
	tap_ok(psr_read_full(b, out, 8 * pg) == 8 * pg &&
	       check(out, 8 * pg, 3),
	       "pagesplice: forwarded data reads back from the second ring");
	n = psr_reap(a, c, 4, 0);
	tap_ok(n == 1 && c[0].seq_first == s0 && c[0].seq_last == s0,
	       "pagesplice: completion lands on the submitting ring");
	close(b);
	n = psr_reap(a, c, 4, 0);
	tap_ok(n == 1 && c[0].seq_first == s1 &&
	       c[0].flags == PAGESPLICE_COMP_ERROR,
	       "pagesplice: closing the relay's ring completes the rest with an error");

	ioctl(a, PAGESPLICE_IOC_SHUTDOWN);
	tap_ok(psr_submit(a, buf, 8 * pg, 1, 0, NULL) == -EPIPE,
	       "pagesplice: SUBMIT after SHUTDOWN gives EPIPE");
	tap_ok(read(a, out, 10) == 0, "pagesplice: drained ring reads EOF");
	close(a);

	/* close with data queued: every pin released */
	a = psr_open(0);
	psr_submit(a, buf, 16 * pg, 1, PAGESPLICE_SUBMIT_NOCOPY, NULL);
	tap_ok(zp_get(PS "pages_pinned") == 16, "pagesplice: 16 pages pinned");
	close(a);
	tap_ok(zp_get(PS "pages_pinned") == 0,
	       "pagesplice: close with data queued unpins everything");
	munmap(buf, 16 * pg);
	munmap(out, 16 * pg);
}

/* Unmap and fork after submission. */
static void test_unmap_fork(void)
{
	int fd = psr_open(0), st;
	unsigned char *a = map(32 * pg), *out = map(32 * pg);
	pid_t pid;

	fill(a, 32 * pg, 11);
	psr_submit(fd, a, 32 * pg, 1, 0, NULL);
	munmap(a, 32 * pg);
	a = map(32 * pg);
	memset(a, 0x5a, 32 * pg);
	tap_ok(psr_read_full(fd, out, 32 * pg) == 32 * pg &&
	       check(out, 32 * pg, 11),
	       "pagesplice: buffer unmapped after SUBMIT delivers its bytes");

	fill(a, 32 * pg, 12);
	psr_submit(fd, a, 32 * pg, 1, 0, NULL);
	pid = fork();
	if (pid == 0) {
		memset(a, 0xee, 32 * pg);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	tap_ok(psr_read_full(fd, out, 32 * pg) == 32 * pg &&
	       check(out, 32 * pg, 12),
	       "pagesplice: a forked child's writes do not reach the consumer");
	close(fd);
	munmap(a, 32 * pg);
	munmap(out, 32 * pg);
}

static void test_memlock(void)
{
	uint64_t ref0 = zp_get(PS "memlock_refusals");
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		struct rlimit rl = { 64 * 1024, 64 * 1024 };
		unsigned char *a = map(1 << 20);
		int fd = psr_open(0), e1, e2;

		memset(a, 1, 1 << 20);
		if (setrlimit(RLIMIT_MEMLOCK, &rl) || setgid(65534) ||
		    setuid(65534))
			_exit(3);
		e1 = psr_submit(fd, a, 1 << 20, 0, 0, NULL);
		e2 = psr_submit(fd, a, 32 * 1024, 0, PAGESPLICE_SUBMIT_NOCOPY,
				NULL);
		/* charged to the user's locked_vm, not this mm's VmPin */
		_exit(e1 == -ENOMEM && e2 == 0 && zp_status_kb("VmPin") == 0 ?
		      0 : 1);
	}
	waitpid(pid, &st, 0);
	tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "pagesplice: unprivileged 1 MiB over a 64 KiB memlock limit gives ENOMEM, 32 KiB passes, charged to the user, not VmPin (status %d)",
	       WEXITSTATUS(st));
	tap_ok(zp_get(PS "memlock_refusals") > ref0,
	       "pagesplice: memlock refusal counted");
}

static void on_alarm(int sig)
{
}

static int intr_errno(int restart, int what)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { .it_value = { 0, 200000 } };
	unsigned char *a = map(4 * pg);
	struct pagesplice_completion c;
	int fd = psr_open(0), ret;
	char buf[16];

	sa.sa_flags = restart ? SA_RESTART : 0;
	sigaction(SIGALRM, &sa, NULL);
	if (what >= 1) {
		/* ring of one buffer, full; or one buffer in flight */
		psr_submit(fd, a, 2 * pg, 0, PAGESPLICE_SUBMIT_NOCOPY, NULL);
	}
	setitimer(ITIMER_REAL, &it, NULL);
	if (what == 0)
		ret = read(fd, buf, sizeof(buf)) < 0 ? errno : 0;
	else if (what == 1)
		ret = -psr_submit(fd, a, 2 * pg, 0, PAGESPLICE_SUBMIT_NOCOPY,
				  NULL);
	else
		ret = -psr_reap(fd, &c, 1, PAGESPLICE_REAP_WAIT);
	close(fd);
	return ret;
}

static void test_signals(void)
{
	static const char * const what[] = { "read", "SUBMIT on a full ring",
					       "REAP WAIT" };
	int i, st;

	zp_set(PS "ring_max_bufs", "1");
	for (i = 0; i < 3; i++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(intr_errno(0, i));
		waitpid(pid, &st, 0);
		tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == EINTR,
		       "pagesplice: blocking %s interrupted by a signal gives EINTR (%d)",
		       what[i], WEXITSTATUS(st));
	}
	/* with SA_RESTART the read restarts: data arriving later ends it */
	{
		int fd = psr_open(0), p;
		unsigned char *a = map(pg);
		pid_t pid;

		memset(a, 7, pg);
		pid = fork();
		if (pid == 0) {
			struct sigaction sa = { .sa_handler = on_alarm,
						.sa_flags = SA_RESTART };
			struct itimerval it = { .it_value = { 0, 100000 } };
			char b[8];
			ssize_t n;

			sigaction(SIGALRM, &sa, NULL);
			setitimer(ITIMER_REAL, &it, NULL);
			n = read(fd, b, sizeof(b));
			_exit(n == sizeof(b) && b[0] == 7 ? 0 : 1);
		}
		zp_sleep_ms(400);
		p = psr_submit(fd, a, 8, 0, 0, NULL);
		waitpid(pid, &st, 0);
		tap_ok(!p && WIFEXITED(st) && !WEXITSTATUS(st),
		       "pagesplice: with SA_RESTART the read restarts and gets the data");
		close(fd);
		munmap(a, pg);
	}
	/* non-blocking */
	{
		int fd = psr_open(O_NONBLOCK);
		unsigned char *a = map(4 * pg);
		char b[8];

		tap_ok(read(fd, b, sizeof(b)) < 0 && errno == EAGAIN,
		       "pagesplice: O_NONBLOCK read of an empty ring gives EAGAIN");
		psr_submit(fd, a, 2 * pg, 0, PAGESPLICE_SUBMIT_NOCOPY, NULL);
		tap_ok(psr_submit(fd, a, 2 * pg, 0, 0, NULL) == -EAGAIN,
		       "pagesplice: SUBMIT on a full O_NONBLOCK ring gives EAGAIN");
		close(fd);
		fd = psr_open(0);
		psr_submit(fd, a, 2 * pg, 0, PAGESPLICE_SUBMIT_NOCOPY, NULL);
		tap_ok(psr_submit(fd, a, 2 * pg, 0, PAGESPLICE_SUBMIT_NONBLOCK,
				  NULL) == -EAGAIN,
		       "pagesplice: SUBMIT_NONBLOCK on a full ring gives EAGAIN");
		close(fd);
		munmap(a, 4 * pg);
	}
	zp_set(PS "ring_max_bufs", "256");
}

static void test_tunables(void)
{
	unsigned char *a = map(32 * pg);
	uint64_t cap0 = zp_get(PS "cap_refusals");
	int fd = psr_open(0);

	memset(a, 1, 32 * pg);
	tap_ok(zp_write(PS "copy_threshold", "1048577") == -EINVAL &&
	       zp_write(PS "ring_max_bufs", "0") == -EINVAL &&
	       zp_write(PS "ring_max_bytes", "100") == -EINVAL &&
	       zp_write(PS "max_pinned_pages", "0") == -EINVAL &&
	       zp_write(PS "copy_threshold", "x") == -EINVAL,
	       "pagesplice: tunables refuse out-of-range values with EINVAL");
	zp_set(PS "max_pinned_pages", "8");
	tap_ok(psr_submit(fd, a, 16 * pg, 0, PAGESPLICE_SUBMIT_NOCOPY,
			  NULL) == -ENOBUFS,
	       "pagesplice: 16 pages over a global cap of 8 give ENOBUFS");
	zp_set(PS "max_pinned_pages", "2");
	tap_ok(psr_submit(fd, a, 3 * pg, 0, 0, NULL) == -ENOBUFS,
	       "pagesplice: copies count against the global cap too");
	tap_ok(zp_get(PS "cap_refusals") - cap0 == 2,
	       "pagesplice: cap refusals counted");
	zp_set(PS "max_pinned_pages", "262144");
	zp_set(PS "copy_threshold", "0");
	tap_ok(!psr_submit(fd, a, 100, 0, 0, NULL) &&
	       zp_get(PS "pages_pinned") == 1,
	       "pagesplice: copy_threshold 0 passes even 100 bytes by reference");
	zp_set(PS "copy_threshold", "16384");
	close(fd);
	tap_ok(zp_get(PS "pages_pinned") == 0 && zp_get(PS "pages_copied") == 0,
	       "pagesplice: nothing pinned or copied is left after close");
	munmap(a, 32 * pg);
}

int main(int argc, char **argv)
{
	uint64_t a0, r0;
	int fd, err;

	tap_init("t_pagesplice");
	pg = sysconf(_SC_PAGESIZE);
	zp_load_on_zeropool("pagesplice", "pagesplice");
	a0 = pins_acq();
	r0 = pins_rel();

	fd = psr_open(0);
	if (fd < 0)
		tap_bail("open %s: %s", PAGESPLICE_DEVICE, strerror(errno));
	test_info(fd);
	test_basic(fd);
	test_bad_inputs(fd);
	err = zp_mod_unload("pagesplice");
	tap_ok(err == -EWOULDBLOCK || err == -EBUSY,
	       "pagesplice: unload refused while a ring is open (%s)",
	       strerror(-err));
	close(fd);
	test_integrity();
	test_splice();
	test_forward_close();
	test_unmap_fork();
	test_memlock();
	test_signals();
	test_tunables();

	tap_ok(zp_get(PS "pages_pinned") == 0 &&
	       zp_get(PS "pages_copied") == 0 && zp_get(PS "rings") == 0,
	       "pagesplice: no pages pinned and no ring left");
	tap_ok(pins_balanced(a0, r0),
	       "pagesplice: nr_foll_pin_acquired == nr_foll_pin_released over the test (+%llu/+%llu)",
	       (unsigned long long)(pins_acq() - a0),
	       (unsigned long long)(pins_rel() - r0));
	err = zp_mod_unload("pagesplice");
	tap_ok(!err, "pagesplice: unload once every ring is closed (%s)",
	       strerror(-err));
	zp_unload_quiet("pagesplice");
	zp_unload_quiet("zeropool");
	return tap_done();
}
