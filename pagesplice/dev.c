// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/pagesplice: one ring per open file; the file operations and the
 * ioctl dispatch.  The only file that knows a struct file is a ring, so
 * the ways in and out below take rings, never files of their own finding.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/splice.h>
#include <linux/uaccess.h>

#include "ps.h"

static const struct file_operations ps_fops;

static struct ps_ring *ps_ring_from_file(struct file *file)
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

static ssize_t ps_splice_read(struct file *in, loff_t *ppos,
			      struct pipe_inode_info *pipe, size_t len,
			      unsigned int flags)
{
	return ps_splice_out(in->private_data, in, pipe, len,
			     (in->f_flags & O_NONBLOCK) ||
			     (flags & SPLICE_F_NONBLOCK));
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

/*
 * Resolves the destination ring here, where the file operations are
 * known: the file reference keeps dst's release (and its close) away
 * while FORWARD runs.
 */
static long ps_forward_ioctl(struct ps_ring *src, void __user *argp)
{
	struct pagesplice_forward args;
	struct ps_ring *dst;
	struct file *file;
	long ret = -EINVAL;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	if (args.flags & ~PAGESPLICE_FORWARD_NONBLOCK)
		return -EINVAL;
	file = fget(args.dst_fd);
	if (!file)
		return -EBADF;
	dst = ps_ring_from_file(file);
	if (dst && dst != src)
		ret = ps_forward(src, dst, args.max_bytes,
				 args.flags & PAGESPLICE_FORWARD_NONBLOCK);
	fput(file);
	return ret;
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
	case PAGESPLICE_IOC_FORWARD:
		return ps_forward_ioctl(ring, argp);
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
	.mode = 0600,
};

int ps_dev_init(void)
{
	return misc_register(&ps_miscdev);
}

void ps_dev_exit(void)
{
	misc_deregister(&ps_miscdev);
}
