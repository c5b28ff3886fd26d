// SPDX-License-Identifier: GPL-2.0
/*
 * A software dmaengine provider for bte_offload's tests: one channel on a
 * platform device, registered with dma_async_device_register(), offering
 * DMA_MEMSET and DMA_MEMCPY (caps=memset,memcpy) or DMA_MEMCPY only
 * (caps=memcpy, like Intel DSA).  Descriptors run in a workqueue with the
 * CPU: the "engine" writes through phys_to_virt() of the DMA address, which
 * is only right because the device's DMA mapping is 1:1 (QEMU's x86
 * machines have no IOMMU here; probe checks it and refuses otherwise).
 *
 * Fault injection, writable at run time in
 * /sys/module/zp_soft_dma/parameters/ (load time only where marked):
 *   delay_ms         every descriptor completes this long after issue
 *   lose_completion  descriptors run but their callback is held back
 *                    until deliver_lost is written (or never)
 *   deliver_lost     write 1: the held-back callbacks come now
 *   error_status     descriptors scribble 0xa5 and report WRITE_FAILED
 *   late_pattern     descriptors write this byte (1..255) instead of what
 *                    was asked: with delay_ms past the client's timeout,
 *                    the write that lands after the client gave up
 *   irq_complete     callbacks come from hard-IRQ context (irq_work)
 *   queue_depth      prep sleeps while this many descriptors are
 *                    outstanding, like idxd's full queue (at most
 *                    ZSD_PREP_WAIT_MS, then counted in prep_timeouts)
 *   no_terminate     (load time) no device_terminate_all and no
 *                    device_synchronize, like 6.1's ioatdma and idxd
 *   max_seg_kb       (load time) dma_set_max_seg_size(), 64 KiB by
 *                    default as on PCI
 *   unplug           write 1: hot removal, the device's driver is unbound
 *                    (bus notifiers first), then dma_async_device_unregister()
 *                    and the channel freed, whether a client holds it or
 *                    not; queued descriptors are aborted (DMA_TRANS_ABORTED),
 *                    or silently dropped when lose_completion is set.
 * Read-only: interrupts (descriptors run with DMA_PREP_INTERRUPT),
 * prep_timeouts, outstanding (descriptors not yet completed or dropped).
 * dmaengine has no notification of removal for clients on 6.1 or 6.12: a
 * client must listen on the device's bus (BUS_NOTIFY_UNBIND_DRIVER) and
 * give its channel back before the driver frees it.
 *
 * Test-only: built with ZP_TEST_MODULES=1, never installed by DKMS.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/dma-mapping.h>
#include <linux/dmaengine.h>
#include <linux/irq_work.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#define ZSD_NAME	"zp_soft_dma"
#define ZSD_STEP	SZ_64K	/* bytes written between cond_resched() */
#define ZSD_PREP_WAIT_MS 10000	/* longest sleep in prep for queue room */

static char *caps = "memset,memcpy";
module_param(caps, charp, 0444);
MODULE_PARM_DESC(caps, "Capabilities offered: memset,memcpy (default), memcpy or memset");

static unsigned int delay_ms;
module_param(delay_ms, uint, 0644);
MODULE_PARM_DESC(delay_ms, "Completion delay of every descriptor after issue_pending");

static bool lose_completion;
module_param(lose_completion, bool, 0644);
MODULE_PARM_DESC(lose_completion, "Run descriptors but never call their callback");

static bool error_status;
module_param(error_status, bool, 0644);
MODULE_PARM_DESC(error_status, "Write garbage (0xa5) and report DMA_TRANS_WRITE_FAILED");

static unsigned int late_pattern;
module_param(late_pattern, uint, 0644);
MODULE_PARM_DESC(late_pattern, "Write this byte (1..255) instead of what was asked; 0: off");

static bool irq_complete;
module_param(irq_complete, bool, 0644);
MODULE_PARM_DESC(irq_complete, "Call the callbacks from hard-IRQ context");

static unsigned int queue_depth;
module_param(queue_depth, uint, 0644);
MODULE_PARM_DESC(queue_depth, "Prep sleeps while this many descriptors are outstanding (0: never)");

static bool no_terminate;
module_param(no_terminate, bool, 0444);
MODULE_PARM_DESC(no_terminate, "Offer no device_terminate_all (like 6.1's ioatdma and idxd)");

static unsigned int max_seg_kb = 64;
module_param(max_seg_kb, uint, 0444);
MODULE_PARM_DESC(max_seg_kb, "The device's max segment size in KiB (default 64, as on PCI)");

static unsigned long interrupts;
module_param(interrupts, ulong, 0444);
MODULE_PARM_DESC(interrupts, "Descriptors run with DMA_PREP_INTERRUPT");

static unsigned long prep_timeouts;
module_param(prep_timeouts, ulong, 0444);
MODULE_PARM_DESC(prep_timeouts, "Preps that waited ZSD_PREP_WAIT_MS for queue room in vain");

enum zsd_op { ZSD_MEMSET, ZSD_MEMCPY };

struct zsd_desc {
	struct dma_async_tx_descriptor tx;
	struct list_head node;
	enum zsd_op op;
	dma_addr_t dst;
	dma_addr_t src;
	size_t len;
	int value;
	unsigned long due;		/* jiffies */
	enum dmaengine_tx_result result;
};

struct zsd {
	struct platform_device *pdev;
	struct dma_device dma;
	struct dma_chan *chan;		/* freed on removal, as drivers do */
	struct workqueue_struct *wq;
	struct delayed_work work;

	/*
	 * Protects the lists, the channel's cookies and unplugged.  A
	 * descriptor lives on exactly one list, or none while it runs.
	 */
	spinlock_t lock;
	struct list_head prepared;	/* prepped, not submitted */
	struct list_head submitted;	/* submitted, not issued */
	struct list_head issued;	/* waiting for the worker */
	struct list_head done;		/* run, callback due from irq_work */
	struct list_head lost;		/* run, callback held back */
	unsigned int outstanding;	/* prepared and not yet freed */
	bool unplugged;
	wait_queue_head_t room;		/* outstanding went down */
	struct irq_work irq_work;	/* calls the callbacks of done */

	bool registered;
	struct completion released;	/* device_release() ran */
};

static struct zsd *zsd;

/* drivers/dma/dmaengine.h is not in the headers package: its helpers. */
static void zsd_cookie_init(struct dma_chan *chan)
{
	chan->cookie = DMA_MIN_COOKIE;
	chan->completed_cookie = DMA_MIN_COOKIE;
}

static dma_cookie_t zsd_cookie_assign(struct dma_async_tx_descriptor *tx)
{
	struct dma_chan *chan = tx->chan;
	dma_cookie_t cookie = chan->cookie + 1;

	if (cookie < DMA_MIN_COOKIE)
		cookie = DMA_MIN_COOKIE;
	tx->cookie = cookie;
	chan->cookie = cookie;
	return cookie;
}

static void zsd_cookie_complete(struct dma_async_tx_descriptor *tx)
{
	tx->chan->completed_cookie = tx->cookie;
	tx->cookie = 0;
}

static void zsd_callback(struct dma_async_tx_descriptor *tx,
			 enum dmaengine_tx_result result)
{
	struct dmaengine_result res = { .result = result };

	if (tx->callback_result)
		tx->callback_result(tx->callback_param, &res);
	else if (tx->callback)
		tx->callback(tx->callback_param);
}

/* A descriptor leaves the "queue": room for the next prep. */
static void zsd_desc_free(struct zsd_desc *d)
{
	unsigned long flags;

	kfree(d);
	spin_lock_irqsave(&zsd->lock, flags);
	zsd->outstanding--;
	spin_unlock_irqrestore(&zsd->lock, flags);
	wake_up(&zsd->room);
}

static void zsd_free_list(struct list_head *list)
{
	struct zsd_desc *d, *tmp;

	list_for_each_entry_safe(d, tmp, list, node) {
		list_del(&d->node);
		zsd_desc_free(d);
	}
}

static bool zsd_room(void)
{
	unsigned int depth = READ_ONCE(queue_depth);
	bool room;

	spin_lock_irq(&zsd->lock);
	room = !depth || zsd->outstanding < depth || zsd->unplugged;
	spin_unlock_irq(&zsd->lock);
	return room;
}

/* Like idxd's prep on a full queue: sleeps until a descriptor is freed. */
static void zsd_wait_room(void)
{
	if (!wait_event_timeout(zsd->room, zsd_room(),
				msecs_to_jiffies(ZSD_PREP_WAIT_MS)))
		WRITE_ONCE(prep_timeouts, prep_timeouts + 1);
}

static dma_cookie_t zsd_tx_submit(struct dma_async_tx_descriptor *tx)
{
	struct zsd_desc *d = container_of(tx, struct zsd_desc, tx);
	unsigned long flags;
	dma_cookie_t cookie;

	spin_lock_irqsave(&zsd->lock, flags);
	cookie = zsd_cookie_assign(tx);
	list_move_tail(&d->node, &zsd->submitted);
	spin_unlock_irqrestore(&zsd->lock, flags);
	return cookie;
}

static struct dma_async_tx_descriptor *
zsd_prep(struct dma_chan *chan, enum zsd_op op, dma_addr_t dst,
	 dma_addr_t src, int value, size_t len, unsigned long flags)
{
	unsigned long irqflags;
	struct zsd_desc *d;

	if (!len)
		return NULL;
	zsd_wait_room();
	d = kzalloc(sizeof(*d), GFP_NOWAIT);
	if (!d)
		return NULL;
	d->op = op;
	d->dst = dst;
	d->src = src;
	d->value = value;
	d->len = len;
	dma_async_tx_descriptor_init(&d->tx, chan);
	d->tx.flags = flags;
	d->tx.tx_submit = zsd_tx_submit;

	spin_lock_irqsave(&zsd->lock, irqflags);
	if (zsd->unplugged) {
		spin_unlock_irqrestore(&zsd->lock, irqflags);
		kfree(d);
		return NULL;
	}
	zsd->outstanding++;
	list_add_tail(&d->node, &zsd->prepared);
	spin_unlock_irqrestore(&zsd->lock, irqflags);
	return &d->tx;
}

static struct dma_async_tx_descriptor *
zsd_prep_memset(struct dma_chan *chan, dma_addr_t dst, int value, size_t len,
		unsigned long flags)
{
	return zsd_prep(chan, ZSD_MEMSET, dst, 0, value, len, flags);
}

static struct dma_async_tx_descriptor *
zsd_prep_memcpy(struct dma_chan *chan, dma_addr_t dst, dma_addr_t src,
		size_t len, unsigned long flags)
{
	return zsd_prep(chan, ZSD_MEMCPY, dst, src, 0, len, flags);
}

static void zsd_issue_pending(struct dma_chan *chan)
{
	unsigned long due = jiffies + msecs_to_jiffies(READ_ONCE(delay_ms));
	struct zsd_desc *d;
	unsigned long flags;
	int cpu, engine;

	spin_lock_irqsave(&zsd->lock, flags);
	list_for_each_entry(d, &zsd->submitted, node)
		d->due = due;
	list_splice_tail_init(&zsd->submitted, &zsd->issued);
	spin_unlock_irqrestore(&zsd->lock, flags);
	/*
	 * The "engine" runs on another CPU than the submitter, as hardware
	 * would: waking it here would preempt the submitting thread.
	 */
	cpu = get_cpu();
	engine = cpumask_any_but(cpu_online_mask, cpu);
	put_cpu();
	if (engine >= nr_cpu_ids)
		engine = cpu;
	mod_delayed_work_on(engine, zsd->wq, &zsd->work, 0);
}

/* The "engine": the DMA address is the physical address (see top). */
static void zsd_execute(struct zsd_desc *d, bool fail)
{
	unsigned int late = READ_ONCE(late_pattern) & 0xff;
	void *dst = phys_to_virt(d->dst);
	size_t off, n;

	if (d->tx.flags & DMA_PREP_INTERRUPT)
		WRITE_ONCE(interrupts, interrupts + 1);
	for (off = 0; off < d->len; off += n) {
		n = min_t(size_t, d->len - off, ZSD_STEP);
		if (fail)
			memset(dst + off, 0xa5, n);
		else if (late)
			memset(dst + off, late, n);
		else if (d->op == ZSD_MEMSET)
			memset(dst + off, d->value, n);
		else
			memcpy(dst + off, phys_to_virt(d->src + off), n);
		cond_resched();
	}
}

/* Hard-IRQ context: the callbacks of the descriptors on done. */
static void zsd_irq_fn(struct irq_work *work)
{
	struct zsd_desc *d, *tmp;
	LIST_HEAD(done);

	spin_lock(&zsd->lock);
	list_splice_init(&zsd->done, &done);
	spin_unlock(&zsd->lock);
	list_for_each_entry_safe(d, tmp, &done, node) {
		list_del(&d->node);
		zsd_callback(&d->tx, d->result);
		zsd_desc_free(d);
	}
}

/* A descriptor ran: its callback, from the worker or hard-IRQ context. */
static void zsd_complete(struct zsd_desc *d)
{
	unsigned long flags;

	if (!READ_ONCE(irq_complete)) {
		zsd_callback(&d->tx, d->result);
		zsd_desc_free(d);
		return;
	}
	spin_lock_irqsave(&zsd->lock, flags);
	list_add_tail(&d->node, &zsd->done);
	spin_unlock_irqrestore(&zsd->lock, flags);
	irq_work_queue(&zsd->irq_work);
}

static void zsd_work_fn(struct work_struct *work)
{
	bool fail, lose;
	struct zsd_desc *d;

	for (;;) {
		spin_lock_irq(&zsd->lock);
		d = list_first_entry_or_null(&zsd->issued, struct zsd_desc,
					     node);
		if (d && time_before(jiffies, d->due)) {
			mod_delayed_work(zsd->wq, &zsd->work, d->due - jiffies);
			d = NULL;
		}
		if (d)
			list_del_init(&d->node);
		spin_unlock_irq(&zsd->lock);
		if (!d)
			return;

		fail = READ_ONCE(error_status);
		lose = READ_ONCE(lose_completion);
		zsd_execute(d, fail);
		d->result = fail ? DMA_TRANS_WRITE_FAILED : DMA_TRANS_NOERROR;
		spin_lock_irq(&zsd->lock);
		zsd_cookie_complete(&d->tx);
		if (lose)
			list_add_tail(&d->node, &zsd->lost);
		spin_unlock_irq(&zsd->lock);
		if (!lose)
			zsd_complete(d);
	}
}

static enum dma_status zsd_tx_status(struct dma_chan *chan,
				     dma_cookie_t cookie,
				     struct dma_tx_state *state)
{
	dma_cookie_t used, complete;
	unsigned long flags;

	spin_lock_irqsave(&zsd->lock, flags);
	used = chan->cookie;
	complete = chan->completed_cookie;
	spin_unlock_irqrestore(&zsd->lock, flags);
	if (state) {
		state->last = complete;
		state->used = used;
		state->residue = 0;
		state->in_flight_bytes = 0;
	}
	return dma_async_is_complete(cookie, complete, used);
}

/* Drops every queued descriptor without a callback (dmaengine's rule). */
static int zsd_terminate_all(struct dma_chan *chan)
{
	LIST_HEAD(dead);

	spin_lock_irq(&zsd->lock);
	list_splice_init(&zsd->submitted, &dead);
	list_splice_init(&zsd->issued, &dead);
	list_splice_init(&zsd->lost, &dead);
	spin_unlock_irq(&zsd->lock);
	zsd_free_list(&dead);
	return 0;
}

/* After this no descriptor runs and no callback comes. */
static void zsd_synchronize(struct dma_chan *chan)
{
	flush_delayed_work(&zsd->work);
	irq_work_sync(&zsd->irq_work);
}

static int zsd_alloc_chan_resources(struct dma_chan *chan)
{
	zsd_cookie_init(chan);
	return 0;
}

static void zsd_free_chan_resources(struct dma_chan *chan)
{
	LIST_HEAD(dead);

	zsd_terminate_all(chan);
	zsd_synchronize(chan);
	spin_lock_irq(&zsd->lock);
	list_splice_init(&zsd->prepared, &dead);
	spin_unlock_irq(&zsd->lock);
	zsd_free_list(&dead);
}

/* The last reference to the device went: memory is freed at exit. */
static void zsd_device_release(struct dma_device *dma)
{
	complete(&zsd->released);
}

/*
 * The driver goes away (unplug, or module exit): a devres action, so it
 * runs after the bus told its listeners (BUS_NOTIFY_UNBIND_DRIVER) and
 * before BUS_NOTIFY_UNBOUND_DRIVER.  Like a real driver it stops the
 * engine, unregisters and frees its channel, whether a client still holds
 * it or not.
 */
static void zsd_remove(void *unused)
{
	struct zsd_desc *d, *tmp;
	LIST_HEAD(dead);

	spin_lock_irq(&zsd->lock);
	zsd->unplugged = true;
	list_splice_init(&zsd->submitted, &dead);
	list_splice_init(&zsd->issued, &dead);
	list_splice_init(&zsd->lost, &dead);
	spin_unlock_irq(&zsd->lock);
	wake_up(&zsd->room);
	flush_delayed_work(&zsd->work);
	irq_work_sync(&zsd->irq_work);

	pr_info("removal: unregistering with %s queued descriptors, %s\n",
		list_empty(&dead) ? "no" : "some",
		zsd->chan->client_count ? "channel still held" :
					  "channel released");
	dma_async_device_unregister(&zsd->dma);
	list_for_each_entry_safe(d, tmp, &dead, node) {
		list_del(&d->node);
		if (!READ_ONCE(lose_completion))
			zsd_callback(&d->tx, DMA_TRANS_ABORTED);
		zsd_desc_free(d);
	}
	kfree(zsd->chan);
	zsd->chan = NULL;
}

/* Hot removal: the device's driver is unbound while in use. */
static void zsd_unplug(void)
{
	device_release_driver(&zsd->pdev->dev);
}

/* The held-back callbacks come now. */
static int zsd_deliver_set(const char *val, const struct kernel_param *kp)
{
	struct zsd_desc *d, *tmp;
	LIST_HEAD(lost);
	bool on;
	int err;

	err = kstrtobool(val, &on);
	if (err)
		return err;
	if (!on)
		return -EINVAL;
	if (!zsd)
		return 0;
	spin_lock_irq(&zsd->lock);
	list_splice_init(&zsd->lost, &lost);
	spin_unlock_irq(&zsd->lock);
	list_for_each_entry_safe(d, tmp, &lost, node) {
		list_del(&d->node);
		zsd_complete(d);
	}
	return 0;
}

static const struct kernel_param_ops zsd_deliver_ops = {
	.set = zsd_deliver_set,
	.get = param_get_bool,
};

static bool deliver_lost;
module_param_cb(deliver_lost, &zsd_deliver_ops, &deliver_lost, 0644);
MODULE_PARM_DESC(deliver_lost, "Write 1: the callbacks held back by lose_completion come now");

static int zsd_unplug_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int err;

	err = kstrtobool(val, &on);
	if (err)
		return err;
	if (!on)
		return -EINVAL;
	if (zsd)
		zsd_unplug();
	return 0;
}

static int zsd_unplug_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", zsd && READ_ONCE(zsd->unplugged));
}

/* Descriptors prepared and not yet freed: 0 once the engine is idle. */
static int zsd_outstanding_get(char *buf, const struct kernel_param *kp)
{
	unsigned int n = 0;

	if (zsd) {
		spin_lock_irq(&zsd->lock);
		n = zsd->outstanding;
		spin_unlock_irq(&zsd->lock);
	}
	return sysfs_emit(buf, "%u\n", n);
}

static const struct kernel_param_ops zsd_outstanding_ops = {
	.get = zsd_outstanding_get,
};
module_param_cb(outstanding, &zsd_outstanding_ops, NULL, 0444);
MODULE_PARM_DESC(outstanding, "Descriptors prepared and not yet completed or dropped");

static const struct kernel_param_ops zsd_unplug_ops = {
	.set = zsd_unplug_set,
	.get = zsd_unplug_get,
};
module_param_cb(unplug, &zsd_unplug_ops, NULL, 0644);
MODULE_PARM_DESC(unplug, "Write 1: hot removal of the device while in use");

/* The engine writes through phys_to_virt(): only with a 1:1 mapping. */
static int zsd_check_identity(struct device *dev)
{
	struct page *page = alloc_page(GFP_KERNEL);
	dma_addr_t addr;
	int err = 0;

	if (!page)
		return -ENOMEM;
	addr = dma_map_page(dev, page, 0, PAGE_SIZE, DMA_FROM_DEVICE);
	if (dma_mapping_error(dev, addr)) {
		err = -EIO;
		goto out_free;
	}
	if (addr != page_to_phys(page)) {
		dev_err(dev, "DMA addresses are not physical addresses (IOMMU?): refusing\n");
		err = -ENODEV;
	}
	dma_unmap_page(dev, addr, PAGE_SIZE, DMA_FROM_DEVICE);
out_free:
	__free_page(page);
	return err;
}

static int zsd_probe(struct platform_device *pdev)
{
	struct dma_device *dma = &zsd->dma;
	struct device *dev = &pdev->dev;
	int err;

	err = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64));
	if (err)
		return err;
	dma_set_max_seg_size(dev, max_seg_kb * SZ_1K);
	err = zsd_check_identity(dev);
	if (err)
		return err;

	dma->dev = dev;
	INIT_LIST_HEAD(&dma->channels);
	dma_cap_zero(dma->cap_mask);
	/* Never handed to async_tx or other public users. */
	dma_cap_set(DMA_PRIVATE, dma->cap_mask);
	if (strstr(caps, "memset")) {
		dma_cap_set(DMA_MEMSET, dma->cap_mask);
		dma->device_prep_dma_memset = zsd_prep_memset;
	}
	if (strstr(caps, "memcpy")) {
		dma_cap_set(DMA_MEMCPY, dma->cap_mask);
		dma->device_prep_dma_memcpy = zsd_prep_memcpy;
	}
	dma->device_alloc_chan_resources = zsd_alloc_chan_resources;
	dma->device_free_chan_resources = zsd_free_chan_resources;
	dma->device_issue_pending = zsd_issue_pending;
	dma->device_tx_status = zsd_tx_status;
	if (!no_terminate) {
		dma->device_terminate_all = zsd_terminate_all;
		dma->device_synchronize = zsd_synchronize;
	}
	dma->device_release = zsd_device_release;

	zsd->chan = kzalloc(sizeof(*zsd->chan), GFP_KERNEL);
	if (!zsd->chan)
		return -ENOMEM;
	zsd->chan->device = dma;
	list_add_tail(&zsd->chan->device_node, &dma->channels);
	err = dma_async_device_register(dma);
	if (err)
		goto out_free_chan;
	err = devm_add_action_or_reset(dev, zsd_remove, NULL);
	if (err)
		return err;
	zsd->registered = true;
	return 0;

out_free_chan:
	kfree(zsd->chan);
	zsd->chan = NULL;
	return err;
}

static struct platform_driver zsd_driver = {
	.probe = zsd_probe,
	.driver = {
		.name = ZSD_NAME,
	},
};

static int __init zsd_init(void)
{
	int err;

	if (!strstr(caps, "memset") && !strstr(caps, "memcpy")) {
		pr_err("caps=%s offers neither memset nor memcpy\n", caps);
		return -EINVAL;
	}
	if (max_seg_kb < 4 || max_seg_kb > SZ_4M / SZ_1K) {
		pr_err("max_seg_kb=%u is not in 4..4096\n", max_seg_kb);
		return -EINVAL;
	}
	zsd = kzalloc(sizeof(*zsd), GFP_KERNEL);
	if (!zsd)
		return -ENOMEM;
	spin_lock_init(&zsd->lock);
	INIT_LIST_HEAD(&zsd->prepared);
	INIT_LIST_HEAD(&zsd->submitted);
	INIT_LIST_HEAD(&zsd->issued);
	INIT_LIST_HEAD(&zsd->done);
	INIT_LIST_HEAD(&zsd->lost);
	init_waitqueue_head(&zsd->room);
	zsd->irq_work = IRQ_WORK_INIT_HARD(zsd_irq_fn);
	INIT_DELAYED_WORK(&zsd->work, zsd_work_fn);
	init_completion(&zsd->released);
	zsd->wq = alloc_workqueue(ZSD_NAME, 0, 0);
	if (!zsd->wq) {
		err = -ENOMEM;
		goto out_free;
	}
	err = platform_driver_register(&zsd_driver);
	if (err)
		goto out_destroy_wq;
	zsd->pdev = platform_device_register_simple(ZSD_NAME, -1, NULL, 0);
	if (IS_ERR(zsd->pdev)) {
		err = PTR_ERR(zsd->pdev);
		goto out_unregister_driver;
	}
	if (!zsd->registered) {
		err = -ENODEV;
		goto out_unregister_pdev;
	}
	pr_info("registered %s with caps=%s\n", dma_chan_name(zsd->chan),
		caps);
	return 0;

out_unregister_pdev:
	platform_device_unregister(zsd->pdev);
out_unregister_driver:
	platform_driver_unregister(&zsd_driver);
out_destroy_wq:
	destroy_workqueue(zsd->wq);
out_free:
	kfree(zsd);
	zsd = NULL;
	return err;
}

static void __exit zsd_exit(void)
{
	/*
	 * No client holds the channel (dmaengine holds our module then):
	 * unbinding, if unplug did not, runs zsd_remove().
	 */
	platform_device_unregister(zsd->pdev);
	wait_for_completion(&zsd->released);
	cancel_delayed_work_sync(&zsd->work);
	irq_work_sync(&zsd->irq_work);
	platform_driver_unregister(&zsd_driver);
	destroy_workqueue(zsd->wq);
	kfree(zsd);
}

module_init(zsd_init);
module_exit(zsd_exit);
MODULE_DESCRIPTION("zeropool tests: software dmaengine provider with fault injection");
MODULE_LICENSE("GPL");
