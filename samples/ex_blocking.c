// SPDX-License-Identifier: GPL-2.0
/*
 * Documentation/primitives.rst's blocking examples, compiled by the build.
 * Loading the module runs them and fails with -EIO unless they behave as
 * the document says; it then unloads cleanly.
 */
#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <kasync.h>

/* ex-blocking-read-start */
/*
 * kernel_read() may sleep, so a task cannot call it; it offloads it.  The
 * request lives outside the task's state: if the task were aborted while
 * the read runs, the read would go on using it.
 */
struct ex_read_req {
	const char *path;
	char buf[32];
};

static long ex_read_fn(void *arg)
{
	struct ex_read_req *req = arg;
	struct file *f;
	loff_t pos = 0;
	ssize_t n;

	f = filp_open(req->path, O_RDONLY, 0);
	if (IS_ERR(f))
		return PTR_ERR(f);
	n = kernel_read(f, req->buf, sizeof(req->buf) - 1, &pos);
	filp_close(f, NULL);
	if (n >= 0)
		req->buf[n] = '\0';
	return n;
}

struct ex_reader {
	struct kasync_co co;
	struct kasync_blocking b;
	struct ex_read_req *req;
	long n;
};

static enum kasync_poll ex_reader_poll(struct kasync_task *t, void *p)
{
	struct ex_reader *s = p;

	KASYNC_BEGIN(&s->co);
	KASYNC_AWAIT(&s->co, kasync_blocking(t, &s->b, ex_read_fn, s->req,
					     &s->n));
	KASYNC_RETURN(&s->co, t, s->n);	/* bytes read, or -errno */
	KASYNC_END(&s->co);
}

/* ex-blocking-read-end */

static const struct kasync_task_ops ex_reader_ops = { .poll = ex_reader_poll };

/* ex-blocking-timeout-start */
/*
 * A slow operation under a time limit.  With kasync_blocking_owned() the
 * request belongs to the job while the await runs: if the await ends
 * with a result, the task has it back; if it is abandoned (time-out,
 * abort), the discard callback frees it once the function is done with it.
 */
struct ex_slow_req {
	unsigned int ms;
};

static atomic_t ex_discarded = ATOMIC_INIT(0);

static long ex_slow_fn(void *arg)
{
	struct ex_slow_req *req = arg;

	msleep(req->ms);		/* stands for a slow device */
	return req->ms;
}

static void ex_slow_discard(void *arg, long res)
{
	kfree(arg);			/* nobody took the result */
	atomic_inc(&ex_discarded);
}

struct ex_waiter {
	struct kasync_co co;
	struct kasync_blocking b;
	struct kasync_timer tm;
	struct ex_slow_req *req;	/* the task's, unless lent to the job */
	bool lent;
	long res;		/* the function's */
	long err;		/* the time limit's */
};

static enum kasync_poll ex_waiter_poll(struct kasync_task *t, void *p)
{
	struct ex_waiter *s = p;

	KASYNC_BEGIN(&s->co);
	s->lent = true;
	KASYNC_AWAIT_TIMEOUT(&s->co, t, &s->tm, 10 * NSEC_PER_MSEC,
			     kasync_blocking_owned(t, &s->b, ex_slow_fn, s->req,
						   ex_slow_discard, &s->res),
			     kasync_blocking_cancel(t, &s->b), &s->err);
	s->lent = false;
	if (s->err)
		s->req = NULL;		/* abandoned: ex_slow_discard() has it */
	KASYNC_RETURN(&s->co, t, s->err ?: s->res);
	KASYNC_END(&s->co);
}

static void ex_waiter_drop(void *p)
{
	struct ex_waiter *s = p;

	if (!s->lent)			/* aborted while lent: discard frees */
		kfree(s->req);
}

/* ex-blocking-timeout-end */

static const struct kasync_task_ops ex_waiter_ops = {
	.poll = ex_waiter_poll,
	.drop = ex_waiter_drop,
};

/* Read a file that exists on every Linux system through a task. */
static int ex_run_read(void)
{
	struct ex_read_req *req = kzalloc(sizeof(*req), GFP_KERNEL);
	struct ex_reader s = { .req = req };
	struct kasync_task *h;
	int ret = 0;
	long n;

	if (!req)
		return -ENOMEM;
	req->path = "/proc/sys/kernel/ostype";
	h = kasync_spawn(NULL, &ex_reader_ops, &s, sizeof(s), GFP_KERNEL);
	if (IS_ERR(h)) {
		kfree(req);
		return PTR_ERR(h);
	}
	n = kasync_join(&h);
	if (n != 6 || strcmp(req->buf, "Linux\n")) {
		pr_err("kasync_ex_blocking: read %ld bytes \"%s\", expected \"Linux\\n\"\n",
		       n, req->buf);
		ret = -EIO;
	}
	kfree(req);
	return ret;
}

/*
 * A 2 s operation under a 10 ms limit: -ETIMEDOUT, request discarded.
 * (Far apart: on a loaded emulated CPU a 10 ms timer was seen to fire
 * 50 ms late.)
 */
static int ex_run_timeout(void)
{
	struct ex_waiter s = {};
	struct kasync_task *h;
	long res;
	int ret;

	s.req = kzalloc(sizeof(*s.req), GFP_KERNEL);
	if (!s.req)
		return -ENOMEM;
	s.req->ms = 2000;
	h = kasync_spawn(NULL, &ex_waiter_ops, &s, sizeof(s), GFP_KERNEL);
	if (IS_ERR(h)) {
		kfree(s.req);
		return PTR_ERR(h);
	}
	res = kasync_join(&h);
	/* The orphaned msleep() goes on; wait for it before checking. */
	ret = kasync_blocking_drain();
	if (ret)
		return ret;
	if (res != -ETIMEDOUT || atomic_read(&ex_discarded) != 1) {
		pr_err("kasync_ex_blocking: got %ld and %d discards, expected %d and 1\n",
		       res, atomic_read(&ex_discarded), -ETIMEDOUT);
		return -EIO;
	}
	return 0;
}

static int __init ex_blocking_init(void)
{
	int ret;

	ret = ex_run_read();
	if (!ret)
		ret = ex_run_timeout();
	if (ret) {
		pr_err("kasync_ex_blocking: examples failed (%d)\n", ret);
		return -EIO;
	}
	pr_info("kasync_ex_blocking: examples behaved as documented\n");
	return 0;
}

static void __exit ex_blocking_exit(void)
{
	/* Nothing left: the examples joined their tasks and drained. */
}

module_init(ex_blocking_init);
module_exit(ex_blocking_exit);

MODULE_DESCRIPTION("kasync: blocking examples from Documentation/primitives.rst");
MODULE_LICENSE("GPL");
