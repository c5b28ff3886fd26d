// SPDX-License-Identifier: GPL-2.0
/*
 * The backend zeropool calls: which channel is in use (none: backend =
 * cpu), our registration with zeropool, the submit entry point with its
 * limits, and the timeout that resets a channel whose oldest request is
 * overdue.  bte.lock covers the checks and the channel pointer only: the
 * submission itself (whose prep may sleep) and resets run outside it,
 * holding a user of the channel.
 *
 * This file alone writes struct bte_state (bte) and the channel_losses
 * counter; see the locking notes in struct bte_state.  It calls channel.c
 * to take and give back a channel and requests.c for what is on it;
 * neither calls back, and sysfs.c and main.c call in here.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/string.h>

#include "bte.h"
#include "trace.h"

struct bte_state bte;
/* What cap= asked for; set once by bte_backend_init(). */
static enum bte_cap_pref bte_pref;

static void bte_register_locked(void)
{
	int err;

	lockdep_assert_held(&bte.reg_lock);
	if (bte.registered)
		return;
	err = zp_register_zero_backend(&bte.backend);
	if (err)
		pr_warn("cannot register with zeropool (%d): backend=cpu\n", err);
	else
		bte.registered = true;
}

/*
 * zeropool's unregistration waits for every request we accepted: with
 * some quarantined that may be forever, so it waits for the quarantine to
 * drain (whose end schedules reg_work) unless @force (module exit, once
 * every channel was released).
 */
static void bte_unregister_locked(bool force)
{
	lockdep_assert_held(&bte.reg_lock);
	if (!bte.registered)
		return;
	if (!force && atomic64_read(&bte_cnt.quarantined_pages))
		return;
	zp_unregister_zero_backend(&bte.backend);
	bte.registered = false;
}

/*
 * Fails what is on @ch back to the CPU (or quarantines it) and drops
 * bte.ch's use of it; dmaengine gets it back when the engine is done.
 * bte.lock held.
 */
static void bte_release_locked(struct bte_chan *ch)
{
	bte_reqs_retire(ch);
	bte_chan_put(ch);
}

/* Caller holds bte.lock.  The channel is gone for good: backend = cpu. */
static void bte_drop_channel_locked(const char *why)
{
	struct bte_chan *ch = bte.ch;

	lockdep_assert_held(&bte.lock);
	if (!ch)
		return;
	WRITE_ONCE(bte.ch, NULL);
	atomic64_inc(&bte_cnt.channel_losses);
	pr_warn("dropping %s: %s; backend=cpu\n", ch->name, why);
	bte_release_locked(ch);
	if (!bte.stopping)
		schedule_work(&bte.reg_work);
}

/* After a channel loss: zeropool's auto method should stop asking us. */
static void bte_reg_fn(struct work_struct *work)
{
	bool have;

	mutex_lock(&bte.reg_lock);
	mutex_lock(&bte.lock);
	have = bte.ch;
	mutex_unlock(&bte.lock);
	if (!have)
		bte_unregister_locked(false);
	mutex_unlock(&bte.reg_lock);
}

/*
 * The bus of @dev tells us that its driver is being unbound (before the
 * driver's remove frees the channels: dmaengine itself tells clients
 * nothing), then that it was (after remove: the device does no more
 * DMA).  Before: the channel is dropped and given back at once, what it
 * held terminated or quarantined.  After: what stayed quarantined is
 * handed back.
 */
static int bte_bus_event(struct notifier_block *nb, unsigned long action,
			 void *data)
{
	struct device *dev = data;
	struct bte_chan *ch = NULL;

	mutex_lock(&bte.lock);
	if (action == BUS_NOTIFY_UNBIND_DRIVER && bte.ch &&
	    bte.ch->dev == dev && !bte.unbinding) {
		ch = bte.ch;
		WRITE_ONCE(bte.ch, NULL);
		atomic64_inc(&bte_cnt.channel_losses);
		pr_warn("dropping %s: its device is being unbound; backend=cpu\n",
			ch->name);
		bte_reqs_retire(ch);
		bte_chan_release_dma(ch);
		/* bte.ch's use of it passes to unbinding */
		bte.unbinding = ch;
		if (!bte.stopping)
			schedule_work(&bte.reg_work);
		ch = NULL;
	} else if ((action == BUS_NOTIFY_UNBOUND_DRIVER ||
		    action == BUS_NOTIFY_DRIVER_NOT_BOUND) &&
		   bte.unbinding && bte.unbinding->dev == dev) {
		ch = bte.unbinding;
		bte.unbinding = NULL;
	}
	mutex_unlock(&bte.lock);
	if (ch) {
		bte_reqs_orphan(ch);
		bte_chan_put(ch);
	}
	return NOTIFY_DONE;
}

/* Listens on the bus of @dev (NULL: none).  Under reg_lock, not lock. */
static void bte_listen_locked(struct device *dev)
{
	lockdep_assert_held(&bte.reg_lock);
	if (bte.nb_dev && dev && bte.nb_dev->bus == dev->bus)
		return;
	if (bte.nb_dev) {
		bus_unregister_notifier(bte.nb_dev->bus, &bte.bus_nb);
		put_device(bte.nb_dev);
		bte.nb_dev = NULL;
	}
	if (!dev || !dev->bus)
		return;
	if (bus_register_notifier(dev->bus, &bte.bus_nb)) {
		pr_warn("cannot listen on the bus of %s: its unbinding is not seen\n",
			dev_name(dev));
		return;
	}
	bte.nb_dev = get_device(dev);
}

/* Takes the channel named @name, or NULL (the reason is logged). */
static struct bte_chan *bte_acquire(const char *name)
{
	struct bte_chan *ch;

	if (!strcmp(name, "none"))
		return NULL;
	ch = bte_chan_acquire(name, bte_pref);
	if (IS_ERR(ch)) {
		pr_info("no dmaengine channel%s%s with %s (%ld): channel=none, backend=cpu\n",
			*name ? " named " : "", name,
			bte_pref == BTE_PREF_MEMSET ? "DMA_MEMSET" :
			bte_pref == BTE_PREF_MEMCPY ? "DMA_MEMCPY" :
			"DMA_MEMSET or DMA_MEMCPY", PTR_ERR(ch));
		return ch;
	}
	bte_reqs_init(ch);
	return ch;
}

/*
 * Replaces the channel with the one named @name ("" or "any": any that
 * can zero; "none": no channel).  Returns 0 or -ENODEV when no channel
 * was found (then backend = cpu).
 */
int bte_attach(const char *name)
{
	struct bte_chan *ch;
	int err = 0;

	if (!strcmp(name, "any"))
		name = "";
	mutex_lock(&bte.reg_lock);
	mutex_lock(&bte.lock);
	if (bte.ch) {
		bte_release_locked(bte.ch);
		WRITE_ONCE(bte.ch, NULL);
	}
	mutex_unlock(&bte.lock);
	bte_chan_wait_idle();

	ch = bte_acquire(name);
	if (IS_ERR(ch)) {
		err = PTR_ERR(ch);
		ch = NULL;
	}
	if (ch) {
		/* Listening before the channel is in use: no unbind missed. */
		bte_listen_locked(ch->dev);
		mutex_lock(&bte.lock);
		WRITE_ONCE(bte.ch, ch);
		mutex_unlock(&bte.lock);
		bte_register_locked();
	} else {
		bte_unregister_locked(false);
	}
	mutex_unlock(&bte.reg_lock);
	return err;
}

static void bte_arm_timeout(void)
{
	unsigned long delay = msecs_to_jiffies(READ_ONCE(bte_tun.timeout_ms));

	/* No-op while armed: the handler re-arms for the oldest request. */
	schedule_delayed_work(&bte.timeout_work, delay);
}

/*
 * The limits.  Returns 0 with a user of bte.ch taken in *@chp, or the
 * errno of a refusal.  Caller holds bte.lock.
 */
static int bte_submit_check_locked(struct bte_chan **chp)
{
	u64 max_failures = READ_ONCE(bte_tun.max_failures);
	struct bte_chan *ch = bte.ch;

	if (!ch || bte.stopping)
		return -ENODEV;
	if (max_failures && READ_ONCE(ch->failures) >= max_failures) {
		bte_drop_channel_locked("too many consecutive failures");
		return -ENODEV;
	}
	if (READ_ONCE(ch->inflight) >= READ_ONCE(bte_tun.max_inflight) ||
	    bte_reqs_refused(ch))
		return -EBUSY;
	bte_chan_get(ch);
	*chp = ch;
	return 0;
}

static int bte_submit(struct zp_zero_backend *backend,
		      struct zp_zero_req *zreq)
{
	/* @zreq may be completed and gone once submitted */
	unsigned int order = zreq->order;
	u64 start = ktime_get_ns(), ns;
	int nid = zreq->nid;
	struct bte_chan *ch;
	int err;

	mutex_lock(&bte.lock);
	err = bte_submit_check_locked(&ch);
	mutex_unlock(&bte.lock);
	if (!err) {
		/* Outside bte.lock: the device's prep may sleep. */
		err = bte_reqs_submit(ch, zreq);
		if (err > 0)
			bte_arm_timeout();
		err = min(err, 0);
		bte_chan_put(ch);
	}
	ns = ktime_get_ns() - start;
	bte_reqs_count_submit(err, ns);
	trace_bte_submit(nid, order, err, ns);
	if (err)
		trace_bte_fallback(PAGE_SIZE << order, err);
	return err;
}

/*
 * Runs timeout_ms after a submission: if the oldest request is overdue,
 * the engine is stopped and everything it held falls back to the CPU (or
 * is quarantined when it cannot be stopped); otherwise it re-arms for the
 * oldest one.  The reset runs outside bte.lock.
 */
static void bte_timeout_fn(struct work_struct *work)
{
	struct bte_chan *ch;
	unsigned long next;

	mutex_lock(&bte.lock);
	ch = bte.ch;
	if (ch)
		bte_chan_get(ch);
	mutex_unlock(&bte.lock);
	if (!ch)
		return;
	if (!bte_reqs_oldest(ch, &next)) {
		/* nothing to watch */
	} else if (time_after_eq(jiffies, next)) {
		pr_warn_ratelimited("%s: request timed out, terminating the channel\n",
				    ch->name);
		trace_bte_timeout(jiffies_to_msecs(jiffies - next));
		bte_reqs_reset(ch, true);
	} else {
		schedule_delayed_work(&bte.timeout_work,
				      max_t(long, (long)(next - jiffies), 1));
	}
	bte_chan_put(ch);
}

void bte_backend_init(enum bte_cap_pref pref)
{
	bte_pref = pref;
	mutex_init(&bte.lock);
	mutex_init(&bte.reg_lock);
	INIT_DELAYED_WORK(&bte.timeout_work, bte_timeout_fn);
	INIT_WORK(&bte.reg_work, bte_reg_fn);
	bte.bus_nb.notifier_call = bte_bus_event;
	bte.backend.name = KBUILD_MODNAME;
	bte.backend.owner = THIS_MODULE;
	bte.backend.submit = bte_submit;
}

/*
 * Module exit: no new submission, every request back, every channel
 * released, unregistered.  No request is quarantined here (each holds a
 * module reference), unless the termination below fails: then this
 * waits for the engine to complete them.
 */
void bte_backend_exit(void)
{
	mutex_lock(&bte.lock);
	bte.stopping = true;
	mutex_unlock(&bte.lock);
	/* Completes every request still on the engine with -ECANCELED. */
	bte_attach("none");
	cancel_delayed_work_sync(&bte.timeout_work);
	mutex_lock(&bte.reg_lock);
	bte_listen_locked(NULL);
	mutex_unlock(&bte.reg_lock);
	/* An unbind between its two events: its driver is gone by now. */
	if (bte.unbinding) {
		bte_reqs_orphan(bte.unbinding);
		bte_chan_put(bte.unbinding);
		bte.unbinding = NULL;
	}
	bte_chan_wait_released();
	cancel_work_sync(&bte.reg_work);
	mutex_lock(&bte.reg_lock);
	bte_unregister_locked(true);
	mutex_unlock(&bte.reg_lock);
}
