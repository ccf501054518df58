// SPDX-License-Identifier: GPL-2.0
/*
 * Documentation/files.rst's example, compiled by the build.  Loading the
 * module runs it and fails with -EIO unless it behaves as the document
 * says; it then unloads cleanly.
 */
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/string.h>
#include <kasync.h>

/* ex-file-read-start */
/*
 * A task reads a whole file, a few bytes at a time, at explicit
 * positions.  filp_open() may sleep, so it runs on the blocking pool; the
 * reads are awaited.  The buffers may be in the task's state: a read in
 * flight when the task is aborted completes into kasync's own request.
 */
struct ex_cat {
	struct kasync_co co;
	struct kasync_blocking b;
	struct kasync_file_io io;
	const char *path;
	struct file *file;		/* ours once opened; put by the drop */
	loff_t pos;
	long res;
	char chunk[4];			/* one read's worth */
	char *text;			/* the caller's: the file's start */
	size_t size;			/* its size, NUL included */
};

static long ex_open_fn(void *arg)	/* on the pool: may sleep */
{
	return (long)filp_open(arg, O_RDONLY, 0);
}

/* The open was abandoned (the task ended): close what it opened. */
static void ex_open_discard(void *arg, long res)
{
	if (!IS_ERR_VALUE(res))
		fput((struct file *)res);
}

static enum kasync_poll ex_cat_poll(struct kasync_task *t, void *p)
{
	struct ex_cat *s = p;

	KASYNC_BEGIN(&s->co);
	KASYNC_AWAIT(&s->co, kasync_blocking_owned(t, &s->b, ex_open_fn,
						   (void *)s->path,
						   ex_open_discard, &s->res));
	if (IS_ERR_VALUE(s->res))
		KASYNC_RETURN(&s->co, t, s->res);
	s->file = (struct file *)s->res;
	for (;;) {
		KASYNC_AWAIT(&s->co, kasync_file_read(t, &s->io, s->file,
						      s->chunk, sizeof(s->chunk),
						      s->pos, &s->res));
		if (s->res <= 0)	/* 0: the end of the file; or -errno */
			break;
		/* Fewer bytes than asked only at the end of the file. */
		if (s->pos + s->res < s->size)
			memcpy(s->text + s->pos, s->chunk, s->res);
		s->pos += s->res;
	}
	KASYNC_RETURN(&s->co, t, s->res < 0 ? s->res : s->pos);
	KASYNC_END(&s->co);
}

static void ex_cat_drop(void *p)
{
	struct ex_cat *s = p;

	if (s->file)
		fput(s->file);
}

/* ex-file-read-end */

static const struct kasync_task_ops ex_cat_ops = {
	.poll = ex_cat_poll,
	.drop = ex_cat_drop,
};

/* Read a file that exists on every Linux system through a task. */
static int ex_run_cat(void)
{
	char text[64] = "";
	struct ex_cat s = {
		.path = "/proc/sys/kernel/ostype",
		.text = text,
		.size = sizeof(text),
	};
	struct kasync_task *h;
	long n;

	h = kasync_spawn(NULL, &ex_cat_ops, &s, sizeof(s), GFP_KERNEL);
	if (IS_ERR(h))
		return PTR_ERR(h);
	n = kasync_join(&h);
	if (n != 6 || strcmp(text, "Linux\n")) {
		pr_err("kasync_ex_file: read %ld bytes \"%s\", expected \"Linux\\n\"\n",
		       n, text);
		return -EIO;
	}
	return 0;
}

/* A file that is not there: the open's error is the task's result. */
static int ex_run_missing(void)
{
	struct ex_cat s = { .path = "/nonexistent/kasync_ex_file" };
	struct kasync_task *h;
	long n;

	h = kasync_spawn(NULL, &ex_cat_ops, &s, sizeof(s), GFP_KERNEL);
	if (IS_ERR(h))
		return PTR_ERR(h);
	n = kasync_join(&h);
	if (n != -ENOENT) {
		pr_err("kasync_ex_file: a missing file gave %ld, expected %d\n",
		       n, -ENOENT);
		return -EIO;
	}
	return 0;
}

static int __init ex_file_init(void)
{
	int ret;

	ret = ex_run_cat();
	if (!ret)
		ret = ex_run_missing();
	if (ret) {
		pr_err("kasync_ex_file: the example failed (%d)\n", ret);
		return -EIO;
	}
	pr_info("kasync_ex_file: the example behaved as documented\n");
	return 0;
}

static void __exit ex_file_exit(void)
{
	/* Nothing left: the tasks were joined, their reads done. */
}

module_init(ex_file_init);
module_exit(ex_file_exit);

MODULE_DESCRIPTION("kasync: the file I/O example of Documentation/files.rst");
MODULE_LICENSE("GPL");
