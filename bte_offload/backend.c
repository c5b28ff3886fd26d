// SPDX-License-Identifier: GPL-2.0
/*
 * The backend zeropool calls: which channel is in use (none: backend =
 * cpu), our registration with zeropool, the submit entry point with its
 * limits, and the timeout that resets a channel whose oldest request is
 * overdue.
 *
 * This file alone writes struct bte_state (bte) and the channel_losses
 * counter; see the locking notes in struct bte_state.  It calls channel.c
 * to take and give back a channel and requests.c for what is on it;
 * neither calls back, and sysfs.c and main.c call in here.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/string.h>

#include "bte.h"

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

static void bte_unregister_locked(void)
{
	lockdep_assert_held(&bte.reg_lock);
	if (!bte.registered)
		return;
	zp_unregister_zero_backend(&bte.backend);
	bte.registered = false;
}

/* Fails what is on @ch back to the CPU and gives it back.  bte.lock held. */
static void bte_release_locked(struct bte_chan *ch)
{
	bte_reqs_reset(ch, false);
	bte_chan_release(ch);
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
		bte_unregister_locked();
	mutex_unlock(&bte.reg_lock);
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

	ch = bte_acquire(name);
	if (IS_ERR(ch)) {
		err = PTR_ERR(ch);
		ch = NULL;
	}
	if (ch) {
		mutex_lock(&bte.lock);
		WRITE_ONCE(bte.ch, ch);
		mutex_unlock(&bte.lock);
		bte_register_locked();
	} else {
		bte_unregister_locked();
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

/* The limits, then the engine.  Caller holds bte.lock. */
static int bte_submit_locked(struct bte_chan *ch, struct zp_zero_req *zreq)
{
	u64 max_failures = READ_ONCE(bte_tun.max_failures);
	int ret;

	if (max_failures && READ_ONCE(ch->failures) >= max_failures) {
		bte_drop_channel_locked("too many consecutive failures");
		return -ENODEV;
	}
	if (READ_ONCE(ch->inflight) >= READ_ONCE(bte_tun.max_inflight))
		return -EBUSY;
	ret = bte_reqs_submit(ch, zreq);
	if (ret <= 0)
		return ret;
	bte_arm_timeout();
	return 0;
}

static int bte_submit(struct zp_zero_backend *backend,
		      struct zp_zero_req *zreq)
{
	u64 start = ktime_get_ns();
	int err = -ENODEV;

	mutex_lock(&bte.lock);
	if (bte.ch && !bte.stopping)
		err = bte_submit_locked(bte.ch, zreq);
	mutex_unlock(&bte.lock);
	bte_reqs_count_submit(err, ktime_get_ns() - start);
	return err;
}

/*
 * Runs timeout_ms after a submission: if the oldest request is overdue,
 * the engine is stopped and everything it held falls back to the CPU;
 * otherwise it re-arms for the oldest one.
 */
static void bte_timeout_fn(struct work_struct *work)
{
	unsigned long next;
	struct bte_chan *ch;

	mutex_lock(&bte.lock);
	ch = bte.ch;
	if (!ch || !bte_reqs_oldest(ch, &next))
		goto out_unlock;
	if (time_after_eq(jiffies, next)) {
		pr_warn_ratelimited("%s: request timed out, terminating the channel\n",
				    ch->name);
		bte_reqs_reset(ch, true);
	} else {
		schedule_delayed_work(&bte.timeout_work,
				      max_t(long, (long)(next - jiffies), 1));
	}
out_unlock:
	mutex_unlock(&bte.lock);
}

void bte_backend_init(enum bte_cap_pref pref)
{
	bte_pref = pref;
	mutex_init(&bte.lock);
	mutex_init(&bte.reg_lock);
	INIT_DELAYED_WORK(&bte.timeout_work, bte_timeout_fn);
	INIT_WORK(&bte.reg_work, bte_reg_fn);
	bte.backend.name = KBUILD_MODNAME;
	bte.backend.owner = THIS_MODULE;
	bte.backend.submit = bte_submit;
}

/* Module exit: no new submission, every request back, unregistered. */
void bte_backend_exit(void)
{
	mutex_lock(&bte.lock);
	bte.stopping = true;
	mutex_unlock(&bte.lock);
	/* Completes every request still on the engine with -ECANCELED. */
	bte_attach("none");
	cancel_delayed_work_sync(&bte.timeout_work);
	cancel_work_sync(&bte.reg_work);
	mutex_lock(&bte.reg_lock);
	bte_unregister_locked();
	mutex_unlock(&bte.reg_lock);
}
