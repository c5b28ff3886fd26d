/* SPDX-License-Identifier: GPL-2.0 */
/* bte_offload.ko internals shared between its files. */
#ifndef _BTE_OFFLOAD_H
#define _BTE_OFFLOAD_H

#include <linux/atomic.h>
#include <linux/dmaengine.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include <zeropool/pool.h>

enum bte_cap {
	BTE_CAP_NONE,
	BTE_CAP_MEMSET,		/* device_prep_dma_memset(dst, 0) */
	BTE_CAP_MEMCPY,		/* copy from a pre-zeroed source (DSA) */
};

/* Which capability the module parameter cap= asks for. */
enum bte_cap_pref {
	BTE_PREF_AUTO,		/* MEMSET if a channel has it, else MEMCPY */
	BTE_PREF_MEMSET,
	BTE_PREF_MEMCPY,
};

/* Longest dmaengine channel name we keep, NUL included. */
#define BTE_CHAN_NAME_LEN	32

/*
 * One acquired channel.  channel.c writes the fields up to @users once,
 * at acquisition, and releases the dma_chan when the last user goes;
 * requests.c writes the ones after @reset_lock.
 */
struct bte_chan {
	struct dma_chan *chan;
	/* chan->device->dev, referenced: the DMA API maps against it. */
	struct device *dev;
	/*
	 * The channel's name, copied at acquisition: after a hot removal
	 * the channel's own struct device is gone, so dma_chan_name() must
	 * not be called again.
	 */
	char name[BTE_CHAN_NAME_LEN];
	enum bte_cap cap;
	/*
	 * The device has device_terminate_all: without it (6.1's ioatdma
	 * and idxd) dmaengine_terminate_sync() fails and nothing can take
	 * a request back from the engine.
	 */
	bool can_terminate;
	/* MEMCPY: the pre-zeroed source, mapped once for the device. */
	struct page *zero_src;
	unsigned int zero_order;
	dma_addr_t zero_dma;
	size_t max_chunk;		/* bytes per descriptor */

	/*
	 * bte.ch, each submission running and each request on the engine
	 * hold one: the channel (and the pages mapped for it) is released
	 * only when the engine is done with every request.
	 */
	refcount_t users;
	struct work_struct release_work;
	/*
	 * Held for reading across a submission's prep and issue, for
	 * writing to give the dma_chan back early (its device is being
	 * unbound): then dma_released is set and the engine is not used
	 * again, whoever still holds the bte_chan.
	 */
	struct rw_semaphore prep_sem;
	bool dma_released;

	/* Serialises terminations: one epoch at a time. */
	struct mutex reset_lock;
	spinlock_t lock;		/* protects the fields below */
	struct list_head reqs;		/* accepted, engine not done */
	unsigned int inflight;		/* on reqs, not quarantined */
	unsigned int quarantined;	/* on reqs, given up, engine not done */
	unsigned int failures;		/* consecutive failed requests */
	unsigned int epoch;		/* successful terminations */
	bool retired;			/* no longer bte.ch: take nothing new */
};

/* One accepted zeropool request. */
struct bte_req {
	struct zp_zero_req *zreq;
	struct bte_chan *ch;		/* one of its users */
	struct list_head node;		/* on ch->reqs, under ch->lock */
	dma_addr_t dst;
	size_t len;
	unsigned long deadline;		/* jiffies */
	u64 submitted_ns;		/* for bte_complete's ns; 0 untraced */
	/* Under ch->lock: descriptors not yet reported, first error. */
	unsigned int chunks_left;
	int status;
	/* Under ch->lock: the submitter still preps it; resets skip it. */
	bool preparing;
	/*
	 * Under ch->lock: given up (timeout, reset, removal) while the
	 * engine may still write into it; finished by its last callback.
	 */
	bool quarantined;
	/* Holds a reference on this module (see bte_req_pin_module()). */
	bool module_ref;
};

/* The module's backend state: written by backend.c only. */
struct bte_state {
	/*
	 * Serialises the checks of a submission and channel changes: ch
	 * is only replaced with it held.  Never held across a device's
	 * prep (which can sleep: idxd waits for queue room), so that the
	 * timeout work and unload always get it.
	 */
	struct mutex lock;
	struct bte_chan *ch;		/* NULL: backend = cpu */
	bool stopping;			/* module exit began */
	struct delayed_work timeout_work;

	/* Serialises zeropool (un)registration; never taken by submit. */
	struct mutex reg_lock;
	bool registered;
	struct work_struct reg_work;	/* unregisters after a channel loss */

	/*
	 * A device (referenced) on whose bus bus_nb listens, so that our
	 * channel is given back before its driver frees it; (un)registered
	 * under reg_lock, never under lock (the bus holds its notifier
	 * lock while calling us, and we take lock).
	 */
	struct device *nb_dev;
	struct notifier_block bus_nb;
	/* Under lock: the channel whose device is being unbound. */
	struct bte_chan *unbinding;

	struct zp_zero_backend backend;
};

extern struct bte_state bte;

/*
 * Tunables, read with READ_ONCE: set from the module parameters by main.c
 * at load, then written by the stats framework (sysfs) under
 * zp_tunables_lock.
 */
/* Tunables (tunables.c); READ_ONCE where they may change. */
struct bte_tunables {
	u64 timeout_ms;		/* per request, before terminate + fallback */
	u64 max_inflight;	/* requests on the engine at once */
	u64 max_failures;	/* consecutive failures before dropping (0: never) */
	u64 chunk_kb;		/* largest descriptor; load time only */
	unsigned int cap;	/* enum bte_cap_pref; load time only */
};

extern struct bte_tunables bte_tun;
extern struct attribute *bte_tunable_attrs[];	/* the tunable files */
const char *bte_channel_param(void);

/*
 * Counters; see ABI-bte_offload.md.  channel_losses is written by
 * backend.c, every other one by requests.c.
 */
struct bte_counters {
	atomic64_t submissions;		/* requests accepted */
	atomic64_t descriptors;		/* descriptors submitted */
	atomic64_t blocks_dma;		/* requests completed zeroed by DMA */
	atomic64_t bytes_dma;
	atomic64_t errors;		/* engine reported an error */
	atomic64_t timeouts;		/* our timeout fired */
	atomic64_t cancelled;		/* terminated: reset, removal, unload */
	atomic64_t rejected;		/* submit refused: block zeroed by CPU */
	atomic64_t cpu_fallbacks;	/* blocks handed back to the CPU path */
	atomic64_t resets;		/* dmaengine_terminate_sync() calls */
	atomic64_t channel_losses;	/* channels dropped after failures */
	atomic64_t submit_ns;		/* submitting thread, inside submit */
	atomic64_t submit_bytes;	/* bytes of the accepted requests */
	atomic64_t terminate_failures;	/* dmaengine_terminate_sync() failed */
	atomic64_t quarantined;		/* requests given up, engine not done */
	atomic64_t quarantined_pages;	/* gauge: their pages, now */
};

extern struct bte_counters bte_cnt;
extern u64 bte_cpu_ref_ns_per_mib;

/* channel.c */
int bte_chan_init(void);
void bte_chan_exit(void);
struct bte_chan *bte_chan_acquire(const char *name, enum bte_cap_pref pref);
void bte_chan_get(struct bte_chan *ch);
void bte_chan_put(struct bte_chan *ch);
void bte_chan_release_dma(struct bte_chan *ch);
void bte_chan_wait_idle(void);
void bte_chan_wait_released(void);
const char *bte_cap_name(enum bte_cap cap);

/* requests.c */
void bte_reqs_init(struct bte_chan *ch);
int bte_reqs_submit(struct bte_chan *ch, struct zp_zero_req *zreq);
void bte_reqs_reset(struct bte_chan *ch, bool timing_out);
void bte_reqs_retire(struct bte_chan *ch);
bool bte_reqs_refused(struct bte_chan *ch);
void bte_reqs_orphan(struct bte_chan *ch);
bool bte_reqs_oldest(struct bte_chan *ch, unsigned long *deadline);
void bte_reqs_count_submit(int err, u64 ns);

/* backend.c */
void bte_backend_init(enum bte_cap_pref pref);
void bte_backend_exit(void);
int bte_attach(const char *name);

/* sysfs.c */
int bte_sysfs_init(void);
void bte_sysfs_exit(void);

#endif /* _BTE_OFFLOAD_H */
