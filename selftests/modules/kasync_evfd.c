// SPDX-License-Identifier: GPL-2.0
/*
 * Helper module of the kasync_eventfd kselftest: writing "IN OUT" (two
 * eventfd descriptors of the writer) to /sys/kernel/debug/kasync_evfd/watch
 * spawns a task that awaits EPOLLIN on IN with kasync_poll_file() and then
 * signals OUT.  Writing "abort" cancels the task; unloading cancels it too.
 */
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/uaccess.h>
#include <linux/version.h>
#include <kasync.h>

/* eventfd_signal() lost its count argument in 6.8. */
#if KERNEL_VERSION(6, 8, 0) <= LINUX_VERSION_CODE
#define kevfd_signal(ctx)	eventfd_signal(ctx)
#else
#define kevfd_signal(ctx)	eventfd_signal(ctx, 1)
#endif

struct kevfd_task {
	struct kasync_co co;
	struct kasync_pollfd pf;
	struct file *in;
	struct eventfd_ctx *out;
	__poll_t rev;
};

static enum kasync_poll kevfd_poll(struct kasync_task *t, void *p)
{
	struct kevfd_task *s = p;

	KASYNC_BEGIN(&s->co);
	KASYNC_AWAIT(&s->co, kasync_poll_file(t, &s->pf, s->in, EPOLLIN, &s->rev));
	kevfd_signal(s->out);
	KASYNC_RETURN(&s->co, t, s->rev);
	KASYNC_END(&s->co);
}

static void kevfd_drop(void *p)
{
	struct kevfd_task *s = p;

	fput(s->in);
	eventfd_ctx_put(s->out);
}

static const struct kasync_task_ops kevfd_ops = {
	.poll = kevfd_poll,
	.drop = kevfd_drop,
};

static DEFINE_MUTEX(kevfd_lock);
static struct kasync_task *kevfd_handle;	/* kevfd_lock */
static struct dentry *kevfd_dir;

static void kevfd_end(void)
{
	if (!kevfd_handle)
		return;
	kasync_abort(kevfd_handle);
	kasync_join(&kevfd_handle);
}

static ssize_t kevfd_write(struct file *file, const char __user *ubuf,
			   size_t len, loff_t *ppos)
{
	struct kevfd_task s = {};
	struct kasync_task *h;
	char buf[32] = {};	/* GCC: maybe-uninitialized in check_object_size() */
	int in, out, err = 0;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	mutex_lock(&kevfd_lock);
	kevfd_end();
	if (!strncmp(buf, "abort", 5))
		goto unlock;
	if (sscanf(buf, "%d %d", &in, &out) != 2) {
		err = -EINVAL;
		goto unlock;
	}
	s.in = eventfd_fget(in);
	if (IS_ERR(s.in)) {
		err = PTR_ERR(s.in);
		goto unlock;
	}
	s.out = eventfd_ctx_fdget(out);
	if (IS_ERR(s.out)) {
		err = PTR_ERR(s.out);
		goto put_in;
	}
	h = kasync_spawn(NULL, &kevfd_ops, &s, sizeof(s), GFP_KERNEL);
	if (IS_ERR(h)) {
		err = PTR_ERR(h);
		goto put_out;
	}
	kevfd_handle = h;
	goto unlock;

put_out:
	eventfd_ctx_put(s.out);
put_in:
	fput(s.in);
unlock:
	mutex_unlock(&kevfd_lock);
	return err ? err : len;
}

static const struct file_operations kevfd_fops = {
	.owner = THIS_MODULE,
	.write = kevfd_write,
	.llseek = noop_llseek,
};

static int __init kevfd_init(void)
{
	kevfd_dir = debugfs_create_dir("kasync_evfd", NULL);
	debugfs_create_file("watch", 0200, kevfd_dir, NULL, &kevfd_fops);
	return 0;
}

static void __exit kevfd_exit(void)
{
	debugfs_remove_recursive(kevfd_dir);
	mutex_lock(&kevfd_lock);
	kevfd_end();
	mutex_unlock(&kevfd_lock);
}

module_init(kevfd_init);
module_exit(kevfd_exit);
MODULE_DESCRIPTION("kasync kselftest helper: await an eventfd from a task");
MODULE_LICENSE("GPL");
