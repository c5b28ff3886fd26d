// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/pagesplice: one ring per open file; the file operations and ioctls.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/uaccess.h>

#include "ps.h"

static const struct file_operations ps_fops;

struct ps_ring *ps_ring_from_file(struct file *file)
{
	return file->f_op == &ps_fops ? file->private_data : NULL;
}

static int ps_open(struct inode *inode, struct file *file)
{
	struct ps_ring *ring = ps_ring_alloc();

	if (!ring)
		return -ENOMEM;
	file->private_data = ring;
	return stream_open(inode, file);
}

static int ps_release(struct inode *inode, struct file *file)
{
	struct ps_ring *ring = file->private_data;

	/*
	 * Nobody can read or reap any more.  Completions stop first, so the
	 * segments the queue drops complete (with an error) on no record.
	 */
	ps_cq_close(ring);
	ps_queue_close(ring);
	ps_ring_put(ring);
	return 0;
}

static ssize_t ps_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct file *file = iocb->ki_filp;

	return ps_read(file->private_data, to,
		       (file->f_flags & O_NONBLOCK) ||
		       (iocb->ki_flags & IOCB_NOWAIT));
}

/*
 * EPOLLIN: data queued, or EOF after SHUTDOWN; EPOLLOUT: room for a
 * buffer; EPOLLPRI: completions to REAP; EPOLLHUP: shut down and drained.
 */
static __poll_t ps_poll(struct file *file, poll_table *wait)
{
	struct ps_ring *ring = file->private_data;
	__poll_t mask = 0;

	poll_wait(file, &ring->wq, wait);
	spin_lock(&ring->lock);
	if (!list_empty(&ring->queue) || ring->shutdown)
		mask |= EPOLLIN | EPOLLRDNORM;
	if (ring->shutdown && list_empty(&ring->queue))
		mask |= EPOLLHUP;
	/* room for the smallest buffer, one byte */
	if (!ring->shutdown && ps_ring_has_room_locked(ring, 1))
		mask |= EPOLLOUT | EPOLLWRNORM;
	if (ring->nr_cqe)
		mask |= EPOLLPRI;
	spin_unlock(&ring->lock);
	return mask;
}

static long ps_get_info(struct ps_ring *ring, void __user *argp)
{
	struct pagesplice_info info = {
		.abi_version = PAGESPLICE_ABI_VERSION,
		.page_size = PAGE_SIZE,
		.features = PAGESPLICE_FEAT_READ | PAGESPLICE_FEAT_SPLICE |
			    PAGESPLICE_FEAT_FORWARD | PAGESPLICE_FEAT_COPY |
			    PAGESPLICE_FEAT_ZERO_SEG | PAGESPLICE_FEAT_EVENTFD,
		.max_bufs = READ_ONCE(ps_ring_max_bufs),
		.max_vec = PAGESPLICE_MAX_VEC,
		.max_bytes = READ_ONCE(ps_ring_max_bytes),
		.copy_threshold = READ_ONCE(ps_copy_threshold),
	};

	spin_lock(&ring->lock);
	info.queued_bytes = ring->queued_bytes;
	info.queued_bufs = ring->queued_segs;
	info.inflight_bufs = ring->inflight_segs;
	info.pending_completions = ring->nr_cqe;
	info.flags = ring->shutdown ? PAGESPLICE_INFO_SHUTDOWN : 0;
	info.next_seq = ring->seq;
	spin_unlock(&ring->lock);
	return copy_to_user(argp, &info, sizeof(info)) ? -EFAULT : 0;
}

static int ps_submit_one(struct ps_ring *ring,
			 struct pagesplice_buf __user *ubuf, u32 flags,
			 bool nonblock)
{
	struct pagesplice_buf b;
	struct ps_seg *seg;
	bool copy;
	u64 seq;
	int ret;

	if (copy_from_user(&b, ubuf, sizeof(b)))
		return -EFAULT;
	/* the sequence number must be deliverable before anything queues */
	if (put_user(0ULL, &ubuf->seq))
		return -EFAULT;
	if (!b.len)
		return -EINVAL;
	if (b.len > READ_ONCE(ps_ring_max_bytes))
		return -E2BIG;
	if (b.addr + b.len < b.addr ||
	    !access_ok(u64_to_user_ptr(b.addr), b.len))
		return -EFAULT;
	copy = !(flags & PAGESPLICE_SUBMIT_NOCOPY) &&
	       b.len < READ_ONCE(ps_copy_threshold);

	ret = ps_ring_reserve(ring, b.len, nonblock);
	if (ret)
		return ret;
	seg = ps_seg_from_user(ring, b.addr, b.len, b.user_tag, copy);
	if (IS_ERR(seg)) {
		ps_ring_unreserve(ring, b.len);
		return PTR_ERR(seg);
	}
	ps_queue_enqueue(ring, seg, &seq);
	/* queued now: a failure here cannot be undone, nor reported */
	if (put_user(seq, &ubuf->seq))
		pr_debug("seq %llu not written back\n", seq);
	return 0;
}

/* Returns how many buffers were queued, or an error for the first one. */
static long ps_submit(struct ps_ring *ring, struct file *file,
		      void __user *argp)
{
	struct pagesplice_buf __user *ubufs;
	struct pagesplice_submit args;
	bool nonblock;
	u32 i;
	int ret = 0;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	if (args.flags & ~(PAGESPLICE_SUBMIT_NONBLOCK |
			   PAGESPLICE_SUBMIT_NOCOPY) || !args.nr)
		return -EINVAL;
	if (args.nr > PAGESPLICE_MAX_VEC)
		return -E2BIG;
	nonblock = (args.flags & PAGESPLICE_SUBMIT_NONBLOCK) ||
		   (file->f_flags & O_NONBLOCK);
	ubufs = u64_to_user_ptr(args.bufs);
	for (i = 0; i < args.nr; i++) {
		ret = ps_submit_one(ring, &ubufs[i], args.flags, nonblock);
		if (ret)
			break;
	}
	return i ? i : ret;
}

static long ps_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct ps_ring *ring = file->private_data;
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case PAGESPLICE_IOC_GET_INFO:
		return ps_get_info(ring, argp);
	case PAGESPLICE_IOC_SUBMIT:
		return ps_submit(ring, file, argp);
	case PAGESPLICE_IOC_REAP: {
		struct pagesplice_reap args;

		if (copy_from_user(&args, argp, sizeof(args)))
			return -EFAULT;
		return ps_cq_reap(ring, &args);
	}
	case PAGESPLICE_IOC_SHUTDOWN:
		ps_queue_shutdown(ring);
		return 0;
	case PAGESPLICE_IOC_FORWARD: {
		struct pagesplice_forward args;

		if (copy_from_user(&args, argp, sizeof(args)))
			return -EFAULT;
		return ps_forward(ring, &args);
	}
	case PAGESPLICE_IOC_SET_EVENTFD: {
		__s32 fd;

		if (get_user(fd, (__s32 __user *)argp))
			return -EFAULT;
		return ps_ring_set_eventfd(ring, fd);
	}
	}
	return -ENOTTY;
}

static const struct file_operations ps_fops = {
	.owner = THIS_MODULE,
	.open = ps_open,
	.release = ps_release,
	.read_iter = ps_read_iter,
	.splice_read = ps_splice_read,
	.poll = ps_poll,
	.unlocked_ioctl = ps_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice ps_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "pagesplice",
	.fops = &ps_fops,
	.mode = 0666,
};

int ps_dev_init(void)
{
	return misc_register(&ps_miscdev);
}

void ps_dev_exit(void)
{
	misc_deregister(&ps_miscdev);
}
