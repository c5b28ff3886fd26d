// SPDX-License-Identifier: GPL-2.0
/*
 * The sweeper: delayed work that closes the windows whose window_ms ran
 * out, and gives back the big range buffers of slots long free.  Kept
 * apart from the slot table so that slots.c never schedules work: the
 * fork probe arms the sweeper after pts_fork_done() opened a window, and
 * the sweeper asks slots.c to close what has expired and to trim.
 *
 * Also the one deferral probe handlers need: a wake_up() asked for in NMI
 * context (a handler that fired through int3) runs from an irq_work.
 */
#include <linux/irq_work.h>
#include <linux/hardirq.h>
#include <linux/jiffies.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "ptshare.h"

static void pts_sweep_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(pts_sweep, pts_sweep_fn);

static void pts_sweep_fn(struct work_struct *work)
{
	u64 now = pts_now_ns();
	u64 next = min(pts_slots_expire(now), pts_slots_trim(now));

	if (next != U64_MAX)
		schedule_delayed_work(&pts_sweep,
				      nsecs_to_jiffies(next - now) + 1);
}

/* A window of @window_ms opened.  From probe handlers. */
void pts_sweeper_arm(u64 window_ms)
{
	/* No-op while pending; the sweeper re-arms for the rest. */
	schedule_delayed_work(&pts_sweep, msecs_to_jiffies(window_ms) + 1);
}

static struct wait_queue_head *pts_wake_wq;	/* set before queueing */

static void pts_wake_fn(struct irq_work *work)
{
	wake_up(READ_ONCE(pts_wake_wq));
}

static DEFINE_IRQ_WORK(pts_wake_work, pts_wake_fn);

/* wake_up(@wq), from any context: one waitqueue only (unload's drain). */
void pts_wake_up_nmi_safe(struct wait_queue_head *wq)
{
	if (!in_nmi()) {
		wake_up(wq);
		return;
	}
	WRITE_ONCE(pts_wake_wq, wq);
	irq_work_queue(&pts_wake_work);
}

/* After the probes are gone, before the slots are emptied. */
void pts_sweeper_stop(void)
{
	cancel_delayed_work_sync(&pts_sweep);
	irq_work_sync(&pts_wake_work);
}
