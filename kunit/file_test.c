// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite kasync_file: reads and writes of regular files from tasks
 * (<kasync/file.h>), on unlinked tmpfs files from shmem_file_setup(), and
 * on the disk of the test VM: ext4 on virtio-blk at /mnt/ext4, a tmpfs
 * at /mnt/tmpfs (see "the test VM's disk" below).
 *
 * tmpfs does not honour %IOCB_NOWAIT (no %FMODE_NOWAIT), so its reads and
 * writes take the blocking-pool path; the cases on it check that they
 * did, with the file counters.  The non-blocking and folio-wait paths
 * need a file system with asynchronous buffered reads: the ext4 cases
 * take them on the real disk, whose reads end when they end; the cases
 * that need a read held in flight until they say so give a tmpfs file
 * the generic page-cache read (generic_file_read_iter(), which is what
 * ext4 and xfs use) and the flags such a file system sets, and stand in
 * for a disk read in flight by holding a folio locked and not up to date,
 * as the page cache does while the read runs.  Unlocking it is the read's
 * completion.  The direct cases do the same with a fake device; the ext4
 * ones send %O_DIRECT transfers to the virtio disk.
 */
#include <kunit/test.h>
#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/completion.h>
#include <linux/fadvise.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hardirq.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/namei.h>
#include <linux/pagemap.h>
#include <linux/shmem_fs.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/vmalloc.h>

#include "kasync_test.h"

#define KF_BUF		8192		/* a task's own buffer, in its state */
#define KF_WAIT_MS	10000

/* The byte at offset @o of the files the cases fill. */
static u8 kf_byte(loff_t o)
{
	return (u8)(o * 131 + (o >> 8) + 7);
}

static bool kf_check(const u8 *p, loff_t pos, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != kf_byte(pos + i))
			return false;
	return true;
}

/* ---- files ------------------------------------------------------------- */

/* A file whose f_op a case replaced: put back before the last fput(). */
struct kf_file {
	struct file *file;
	const struct file_operations *orig;
};

static void kf_file_put(void *p)
{
	struct kf_file *kf = p;

	kf->file->f_op = kf->orig;
	fput(kf->file);
}

/* An unlinked tmpfs file of @size bytes of kf_byte(). */
static struct kf_file *kf_file_new(struct kunit *test, size_t size)
{
	struct kf_file *kf = kunit_kzalloc(test, sizeof(*kf), GFP_KERNEL);
	loff_t pos = 0;
	u8 *data;
	size_t i;

	KUNIT_ASSERT_NOT_NULL(test, kf);
	kf->file = shmem_file_setup("kasync_file_test", 0, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(kf->file));
	kf->orig = kf->file->f_op;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, kf_file_put, kf), 0);
	if (!size)
		return kf;
	data = vmalloc(size);
	KUNIT_ASSERT_NOT_NULL(test, data);
	for (i = 0; i < size; i++)
		data[i] = kf_byte(i);
	KUNIT_EXPECT_EQ(test, kernel_write(kf->file, data, size, &pos),
			(ssize_t)size);
	vfree(data);
	return kf;
}

/* The page-cache read of ext4 and xfs, with and without async reads. */
static const struct file_operations kf_fops_rasync = {
	.read_iter	= generic_file_read_iter,
#ifdef FOP_BUFFER_RASYNC
	.fop_flags	= FOP_BUFFER_RASYNC,
#endif
};

static const struct file_operations kf_fops_nowait = {
	.read_iter	= generic_file_read_iter,
};

/*
 * Make @kf read like ext4: the generic page-cache read, %FMODE_NOWAIT,
 * and, if @rasync, asynchronous buffered reads (a fop flag since 6.11,
 * an f_mode flag before).  The file's folios must all be in the page
 * cache (kf_file_new() wrote them): tmpfs has no ->read_folio for the
 * generic read to fill a hole with.  Only reads use the file afterwards;
 * kf_file_put() puts tmpfs's operations back.
 */
static void kf_file_async(struct kf_file *kf, bool rasync)
{
	kf->file->f_op = rasync ? &kf_fops_rasync : &kf_fops_nowait;
#ifndef FOP_BUFFER_RASYNC
	if (rasync)
		kf->file->f_mode |= FMODE_BUF_RASYNC;
#endif
	kf->file->f_mode |= FMODE_NOWAIT;
}

/* A read in flight: its folio locked and not up to date. */
struct kf_inflight {
	struct page *page;
	bool ended;
};

/* ... and its completion: up to date, unlocked (the folio wake). */
static void kf_read_end(struct kf_inflight *r)
{
	if (r->ended)
		return;
	r->ended = true;
	SetPageUptodate(r->page);
	unlock_page(r->page);
	put_page(r->page);
}

static void kf_read_end_action(void *p)
{
	kf_read_end(p);
}

/*
 * Begin a read of page @index of @kf; it ends by kf_read_end(), or when
 * the case ends (before the file is put, whose truncation locks pages).
 */
static struct kf_inflight *kf_read_begin(struct kunit *test,
					 struct kf_file *kf, pgoff_t index)
{
	struct kf_inflight *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->page = find_lock_page(kf->file->f_mapping, index);
	KUNIT_ASSERT_NOT_NULL(test, r->page);
	ClearPageUptodate(r->page);
	KUNIT_ASSERT_EQ(test,
			kunit_add_action_or_reset(test, kf_read_end_action, r), 0);
	return r;
}

static struct kasync_file_stats kf_stats(void)
{
	struct kasync_file_stats st;

	kasync_file_stats(&st);
	return st;
}

/* ---- the task ---------------------------------------------------------- */

enum kf_op {
	KF_READ,	/* kasync_file_read() into the state's buffer */
	KF_WRITE,	/* kasync_file_write() of out->data */
	KF_READV,	/* kasync_file_read_iter() into out->big, 3 segments */
	KF_READ_NULL,	/* kasync_file_read() of no file */
	KF_READ_SRC,	/* kasync_file_read_iter() with a source iter */
	KF_READ_LIMIT,	/* KF_READ with a 20 ms time limit, then page 1 */
	KF_WRITEV,	/* kasync_file_write_iter() of out->big, 3 segments */
};

/* What a task reports (the state itself is the task's). */
struct kf_out {
	long res;
	atomic_t pending;	/* PENDING polls at the await */
	atomic_t touched;	/* ... that wrote res anyway */
	atomic_t drops;
	int armed_at_drop;
	long err;		/* KF_READ_LIMIT: the time limit's result */
	int armed_after;	/* KF_READ_LIMIT: armed after the limit */
	long res2;		/* KF_READ_LIMIT: the read of page 1 */
	size_t left;		/* KF_READV, KF_WRITEV: the iter's count after */
	u8 *big;		/* KF_READV: the destination; KF_WRITEV: the data */
	u8 data[KF_BUF];	/* KF_READ: what was read; KF_WRITE: the data */
};

struct kf_state {
	struct kasync_co co;
	struct kasync_file_io io;
	struct kasync_timer tm;
	struct file *file;
	struct kf_out *out;
	enum kf_op op;
	loff_t pos;
	size_t len;
	struct kvec kv[3];
	struct iov_iter iter;
	long res;
	long err;
	u8 buf[KF_BUF];
};

static enum kasync_poll kf_watch(enum kasync_poll r, struct kf_state *s)
{
	if (r == KASYNC_PENDING) {
		if (READ_ONCE(s->res) != KT_RES_UNSET)
			atomic_inc(&s->out->touched);
		atomic_inc(&s->out->pending);
	}
	return r;
}

static enum kasync_poll kf_poll(struct kasync_task *t, void *p)
{
	struct kf_state *s = p;
	size_t third;

	KASYNC_BEGIN(&s->co);
	s->res = KT_RES_UNSET;
	if (s->op == KF_WRITE) {
		memcpy(s->buf, s->out->data, s->len);
		KASYNC_AWAIT(&s->co, kf_watch(kasync_file_write(t, &s->io, s->file,
								s->buf, s->len, s->pos,
								&s->res), s));
	} else if (s->op == KF_READV || s->op == KF_READ_SRC ||
		   s->op == KF_WRITEV) {
		third = s->len / 3;
		s->kv[0] = (struct kvec){ s->out->big, third };
		s->kv[1] = (struct kvec){ s->out->big + third, 1 };
		s->kv[2] = (struct kvec){ s->out->big + third + 1,
					  s->len - third - 1 };
		iov_iter_kvec(&s->iter, s->op == KF_READV ? ITER_DEST : ITER_SOURCE,
			      s->kv, 3, s->len);
		if (s->op == KF_WRITEV)
			KASYNC_AWAIT(&s->co,
				     kf_watch(kasync_file_write_iter(t, &s->io, s->file,
								     &s->iter, s->pos,
								     &s->res), s));
		else
			KASYNC_AWAIT(&s->co,
				     kf_watch(kasync_file_read_iter(t, &s->io, s->file,
								    &s->iter, s->pos,
								    &s->res), s));
		s->out->left = iov_iter_count(&s->iter);
	} else if (s->op == KF_READ_LIMIT) {
		KASYNC_AWAIT_TIMEOUT(&s->co, t, &s->tm, 20 * NSEC_PER_MSEC,
				     kf_watch(kasync_file_read(t, &s->io, s->file, s->buf,
							       s->len, s->pos, &s->res), s),
				     kasync_file_io_cancel(t, &s->io), &s->err);
		s->out->err = s->err;
		s->out->armed_after = kasync_file_io_armed(&s->io);
		/* Cancelled: the same struct reads again. */
		KASYNC_AWAIT(&s->co, kasync_file_read(t, &s->io, s->file, s->buf,
						      PAGE_SIZE, PAGE_SIZE, &s->out->res2));
		if (s->out->res2 > 0)
			memcpy(s->out->data, s->buf, s->out->res2);
	} else {
		KASYNC_AWAIT(&s->co,
			     kf_watch(kasync_file_read(t, &s->io,
						       s->op == KF_READ ? s->file : NULL,
						       s->buf, s->len, s->pos, &s->res), s));
		if (s->res > 0)
			memcpy(s->out->data, s->buf, s->res);
	}
	s->out->res = s->res;
	KASYNC_RETURN(&s->co, t, kasync_file_io_armed(&s->io) ? -EBUSY : s->res);
	KASYNC_END(&s->co);
}

static void kf_drop(void *p)
{
	struct kf_state *s = p;

	/* Cleanup hooks ran before the drop: nothing may be in flight. */
	s->out->armed_at_drop = kasync_file_io_armed(&s->io);
	atomic_inc(&s->out->drops);
}

static const struct kasync_task_ops kf_ops = {
	.poll = kf_poll,
	.drop = kf_drop,
};

static struct kf_out *kf_out_new(struct kunit *test)
{
	struct kf_out *o = kunit_kzalloc(test, sizeof(*o), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, o);
	o->armed_at_drop = -1;
	return o;
}

static struct kasync_task *kf_spawn(struct kunit *test, struct file *file,
				    enum kf_op op, loff_t pos, size_t len,
				    struct kf_out *o)
{
	struct kf_state *s = kzalloc(sizeof(*s), GFP_KERNEL);
	struct kasync_task *h;

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->file = file;
	s->op = op;
	s->pos = pos;
	s->len = len;
	s->out = o;
	h = kasync_spawn(NULL, &kf_ops, s, sizeof(*s), GFP_KERNEL);
	kfree(s);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	return h;
}

/* Spawn, join: the task's result. */
static long kf_run(struct kunit *test, struct file *file, enum kf_op op,
		   loff_t pos, size_t len, struct kf_out *o)
{
	struct kasync_task *h = kf_spawn(test, file, op, pos, len, o);

	return kasync_join_timeout(&h, KF_WAIT_MS / 1000 * HZ);
}

/* ---- the pool path (tmpfs) --------------------------------------------- */

/*
 * A write then a read back, on tmpfs: both on the blocking pool, never in
 * the poll; the data and the file size are what was written; the result
 * is written only when the await finishes.
 */
static void kf_write_read_pool(struct kunit *test)
{
	struct kf_file *kf = kf_file_new(test, 0);
	struct kf_out *w = kf_out_new(test), *r = kf_out_new(test);
	struct kasync_file_stats st0, st1;
	size_t i;

	for (i = 0; i < 5000; i++)
		w->data[i] = kf_byte(100 + i);
	st0 = kf_stats();
	KUNIT_EXPECT_EQ(test, kf_run(test, kf->file, KF_WRITE, 100, 5000, w), 5000L);
	KUNIT_EXPECT_EQ(test, i_size_read(file_inode(kf->file)), 5100LL);
	KUNIT_EXPECT_EQ(test, kf_run(test, kf->file, KF_READ, 100, 5000, r), 5000L);
	KUNIT_EXPECT_TRUE(test, kf_check(r->data, 100, 5000));
	st1 = kf_stats();
	KUNIT_EXPECT_EQ(test, st1.pool - st0.pool, 2ULL);
	KUNIT_EXPECT_EQ(test, st1.nowait - st0.nowait, 0ULL);
	KUNIT_EXPECT_EQ(test, st1.folio_waits - st0.folio_waits, 0ULL);
	KUNIT_EXPECT_EQ(test, st1.in_flight, st0.in_flight);
	/* Each waited for the pool; neither wrote res while it did. */
	KUNIT_EXPECT_GT(test, atomic_read(&w->pending), 0);
	KUNIT_EXPECT_GT(test, atomic_read(&r->pending), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&w->touched) + atomic_read(&r->touched), 0);
	KUNIT_EXPECT_EQ(test, r->armed_at_drop, 0);
}

/* Short reads and the end of the file, as pread(2) reports them. */
static void kf_short_and_eof(struct kunit *test)
{
	struct kf_file *kf = kf_file_new(test, 5000);
	struct kf_out *o = kf_out_new(test);

	KUNIT_EXPECT_EQ(test, kf_run(test, kf->file, KF_READ, 4096, KF_BUF, o), 904L);
	KUNIT_EXPECT_TRUE(test, kf_check(o->data, 4096, 904));
	KUNIT_EXPECT_EQ(test, kf_run(test, kf->file, KF_READ, 4999, 2, o), 1L);
	KUNIT_EXPECT_EQ(test, kf_run(test, kf->file, KF_READ, 5000, 100, o), 0L);
	KUNIT_EXPECT_EQ(test, kf_run(test, kf->file, KF_READ, 1 << 20, 100, o), 0L);
	KUNIT_EXPECT_EQ(test, kf_run(test, kf->file, KF_READ, 0, 0, o), 0L);
}

/*
 * %KASYNC_FILE_POS reads and advances the file position; explicit
 * positions leave it alone.
 */
static void kf_positions(struct kunit *test)
{
	struct kf_file *kf = kf_file_new(test, 0);
	struct kf_out *o = kf_out_new(test);
	struct file *f = kf->file;

	memcpy(o->data, "abc", 3);
	KUNIT_EXPECT_EQ(test, kf_run(test, f, KF_WRITE, KASYNC_FILE_POS, 3, o), 3L);
	KUNIT_EXPECT_EQ(test, f->f_pos, 3LL);
	memcpy(o->data, "def", 3);
	KUNIT_EXPECT_EQ(test, kf_run(test, f, KF_WRITE, KASYNC_FILE_POS, 3, o), 3L);
	KUNIT_EXPECT_EQ(test, f->f_pos, 6LL);
	KUNIT_EXPECT_EQ(test, kf_run(test, f, KF_READ, 2, 3, o), 3L);
	KUNIT_EXPECT_EQ(test, memcmp(o->data, "cde", 3), 0);
	KUNIT_EXPECT_EQ(test, f->f_pos, 6LL);
	/* At the end: 0, the position stays. */
	KUNIT_EXPECT_EQ(test, kf_run(test, f, KF_READ, KASYNC_FILE_POS, 10, o), 0L);
	KUNIT_EXPECT_EQ(test, f->f_pos, 6LL);
	f->f_pos = 1;
	KUNIT_EXPECT_EQ(test, kf_run(test, f, KF_READ, KASYNC_FILE_POS, 10, o), 5L);
	KUNIT_EXPECT_EQ(test, memcmp(o->data, "bcdef", 5), 0);
	KUNIT_EXPECT_EQ(test, f->f_pos, 6LL);
}

/*
 * A vector read (three kvecs, one a single byte) larger than a pool
 * chunk: several pool transfers, the data in order, the iter consumed.
 */
static void kf_vector_chunks(struct kunit *test)
{
	size_t len = KASYNC_FILE_CHUNK + 5000;
	struct kf_file *kf = kf_file_new(test, len + 100);
	struct kf_out *o = kf_out_new(test);
	struct kasync_file_stats st0, st1;

	o->big = kunit_kzalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, o->big);
	st0 = kf_stats();
	KUNIT_EXPECT_EQ(test, kf_run(test, kf->file, KF_READV, 50, len, o), (long)len);
	st1 = kf_stats();
	KUNIT_EXPECT_TRUE(test, kf_check(o->big, 50, len));
	KUNIT_EXPECT_EQ(test, o->left, 0UL);
	/* Two, or more if the 64 KiB bounce buffer fell back to a page. */
	KUNIT_EXPECT_GE(test, st1.pool - st0.pool, 2ULL);
	KUNIT_EXPECT_EQ(test, st1.nowait - st0.nowait, 0ULL);
}

#define KF_MANY		1000
#define KF_MANY_LEN	4096

/*
 * 1,000 tasks read 1,000 pages of one file at once, each its own, into
 * buffers in their states: each gets its page.
 */
static void kf_many_readers(struct kunit *test)
{
	struct kf_file *kf = kf_file_new(test, KF_MANY * KF_MANY_LEN);
	struct kasync_task **h = kunit_kcalloc(test, KF_MANY, sizeof(*h),
					       GFP_KERNEL);
	struct kf_out **o = kunit_kcalloc(test, KF_MANY, sizeof(*o), GFP_KERNEL);
	struct kasync_file_stats st0, st1;
	unsigned int i, bad = 0;

	KUNIT_ASSERT_NOT_NULL(test, h);
	KUNIT_ASSERT_NOT_NULL(test, o);
	st0 = kf_stats();
	for (i = 0; i < KF_MANY; i++) {
		o[i] = kf_out_new(test);
		h[i] = kf_spawn(test, kf->file, KF_READ,
				(loff_t)i * KF_MANY_LEN, KF_MANY_LEN, o[i]);
	}
	for (i = 0; i < KF_MANY; i++) {
		if (kasync_join_timeout(&h[i], 60 * HZ) != KF_MANY_LEN ||
		    !kf_check(o[i]->data, (loff_t)i * KF_MANY_LEN, KF_MANY_LEN))
			bad++;
	}
	st1 = kf_stats();
	KUNIT_EXPECT_EQ(test, bad, 0U);
	KUNIT_EXPECT_EQ(test, st1.pool - st0.pool, (u64)KF_MANY);
	KUNIT_EXPECT_EQ(test, st1.in_flight, st0.in_flight);
}

/* Arguments a caller can get wrong: an error, never a crash. */
static void kf_bad_args(struct kunit *test)
{
	struct kf_file *kf = kf_file_new(test, 100);
	struct kf_out *o = kf_out_new(test);
	struct file *wo, *ro;
	unsigned int misuse;

	wo = dentry_open(&kf->file->f_path, O_WRONLY, current_cred());
	KUNIT_ASSERT_FALSE(test, IS_ERR(wo));
	ro = dentry_open(&kf->file->f_path, O_RDONLY, current_cred());
	if (IS_ERR(ro))
		fput(wo);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ro));

	KUNIT_EXPECT_EQ(test, kf_run(test, wo, KF_READ, 0, 10, o), (long)-EBADF);
	KUNIT_EXPECT_EQ(test, kf_run(test, ro, KF_WRITE, 0, 10, o), (long)-EBADF);
	KUNIT_EXPECT_EQ(test, kf_run(test, ro, KF_READ, -2, 10, o), (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, kf_run(test, kf->file, KF_WRITE, LLONG_MIN, 10, o),
			(long)-EINVAL);
	/* Still usable after all that. */
	KUNIT_EXPECT_EQ(test, kf_run(test, ro, KF_READ, 0, 10, o), 10L);
	fput(wo);
	fput(ro);

	misuse = kt_expect_misuse(test);
	KUNIT_EXPECT_EQ(test, kf_run(test, NULL, KF_READ_NULL, 0, 10, o), (long)-EINVAL);
	o->big = kunit_kzalloc(test, 30, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, o->big);
	KUNIT_EXPECT_EQ(test, kf_run(test, kf->file, KF_READ_SRC, 0, 30, o),
			(long)-EINVAL);
	KT_EXPECT_MISUSE(test, misuse, 2U);
}

/* ---- the non-blocking and folio-wait paths ------------------------------ */

/* Cached data is read in the poll: no wait, no pool. */
static void kf_nowait_cached(struct kunit *test)
{
	struct kf_file *kf = kf_file_new(test, 3 * PAGE_SIZE);
	struct kf_out *o = kf_out_new(test);
	struct kasync_file_stats st0, st1;

	kf_file_async(kf, true);
	st0 = kf_stats();
	KUNIT_EXPECT_EQ(test, kf_run(test, kf->file, KF_READ, 10, KF_BUF, o),
			(long)KF_BUF);
	KUNIT_EXPECT_EQ(test, kf_run(test, kf->file, KF_READ, 3 * PAGE_SIZE, 10, o),
			0L);
	st1 = kf_stats();
	KUNIT_EXPECT_GE(test, st1.nowait - st0.nowait, 2ULL);
	KUNIT_EXPECT_EQ(test, st1.pool - st0.pool, 0ULL);
	KUNIT_EXPECT_EQ(test, st1.folio_waits - st0.folio_waits, 0ULL);
	KUNIT_EXPECT_EQ(test, atomic_read(&o->pending), 0);
	KUNIT_EXPECT_EQ(test, st1.in_flight, st0.in_flight);
}

/*
 * A read of a folio being read waits for it without a thread: the task
 * is pending with a folio wait queued and no pool job; the folio's
 * unlock wakes it; it reads the rest of the file in its poll.
 */
static void kf_folio_wait(struct kunit *test)
{
	struct kf_file *kf = kf_file_new(test, 2 * PAGE_SIZE);
	struct kf_out *o = kf_out_new(test);
	struct kasync_file_stats st0, st1;
	struct kasync_task *h;
	struct kf_inflight *rd;

	kf_file_async(kf, true);
	rd = kf_read_begin(test, kf, 0);
	st0 = kf_stats();
	h = kf_spawn(test, kf->file, KF_READ, 0, 2 * PAGE_SIZE, o);
	KUNIT_EXPECT_TRUE(test, kt_wait_for(atomic_read(&o->pending) > 0, KF_WAIT_MS));
	msleep(20);
	st1 = kf_stats();
	KUNIT_EXPECT_FALSE(test, kasync_task_finished(h));
	KUNIT_EXPECT_EQ(test, st1.folio_waits - st0.folio_waits, 1ULL);
	KUNIT_EXPECT_EQ(test, st1.pool - st0.pool, 0ULL);
	KUNIT_EXPECT_EQ(test, st1.in_flight - st0.in_flight, 1ULL);

	kf_read_end(rd);
	KUNIT_EXPECT_EQ(test, kasync_join_timeout(&h, KF_WAIT_MS / 1000 * HZ),
			(long)(2 * PAGE_SIZE));
	KUNIT_EXPECT_TRUE(test, kf_check(o->data, 0, 2 * PAGE_SIZE));
	st1 = kf_stats();
	KUNIT_EXPECT_EQ(test, st1.folio_waits - st0.folio_waits, 1ULL);
	KUNIT_EXPECT_EQ(test, st1.folio_wakes - st0.folio_wakes, 1ULL);
	KUNIT_EXPECT_EQ(test, st1.pool - st0.pool, 0ULL);
	KUNIT_EXPECT_GE(test, st1.nowait - st0.nowait, 1ULL);
	KUNIT_EXPECT_EQ(test, st1.in_flight, st0.in_flight);
	KUNIT_EXPECT_EQ(test, atomic_read(&o->touched), 0);
}

/*
 * A file system with %IOCB_NOWAIT but no asynchronous buffered reads: the
 * uncached read goes to the pool, whose read waits for the folio.
 */
static void kf_nowait_then_pool(struct kunit *test)
{
	struct kf_file *kf = kf_file_new(test, 2 * PAGE_SIZE);
	struct kf_out *o = kf_out_new(test);
	struct kasync_file_stats st0, st1;
	struct kasync_task *h;
	struct kf_inflight *rd;

	kf_file_async(kf, false);
	rd = kf_read_begin(test, kf, 1);
	st0 = kf_stats();
	h = kf_spawn(test, kf->file, KF_READ, 0, 2 * PAGE_SIZE, o);
	KUNIT_EXPECT_TRUE(test, kt_wait_for(atomic_read(&o->pending) > 0, KF_WAIT_MS));
	msleep(20);
	KUNIT_EXPECT_FALSE(test, kasync_task_finished(h));
	kf_read_end(rd);
	KUNIT_EXPECT_EQ(test, kasync_join_timeout(&h, KF_WAIT_MS / 1000 * HZ),
			(long)(2 * PAGE_SIZE));
	KUNIT_EXPECT_TRUE(test, kf_check(o->data, 0, 2 * PAGE_SIZE));
	st1 = kf_stats();
	/* Page 0 in the poll, page 1 on the pool. */
	KUNIT_EXPECT_EQ(test, st1.nowait - st0.nowait, 1ULL);
	KUNIT_EXPECT_EQ(test, st1.pool - st0.pool, 1ULL);
	KUNIT_EXPECT_EQ(test, st1.folio_waits - st0.folio_waits, 0ULL);
	KUNIT_EXPECT_EQ(test, st1.in_flight, st0.in_flight);
}

/*
 * Abort while a read is in flight, on each path that waits: the task ends
 * at once, with nothing armed at its drop; the request outlives it and is
 * freed when the read completes (KASAN would see a completion touching
 * the task's freed state or buffer).
 */
static void kf_abort_in_flight(struct kunit *test)
{
	bool folio = *(const bool *)test->param_value;
	struct kf_file *kf = kf_file_new(test, 2 * PAGE_SIZE);
	struct kf_out *o = kf_out_new(test);
	struct kasync_file_stats st0, st1;
	struct kasync_task *h;
	struct kf_inflight *rd;

	kf_file_async(kf, folio);
	rd = kf_read_begin(test, kf, 0);
	st0 = kf_stats();
	h = kf_spawn(test, kf->file, KF_READ, 0, 2 * PAGE_SIZE, o);
	KUNIT_EXPECT_TRUE(test, kt_wait_for(atomic_read(&o->pending) > 0, KF_WAIT_MS));
	msleep(20);
	KUNIT_EXPECT_EQ(test, kasync_abort(h), 0);
	KUNIT_EXPECT_EQ(test, kasync_join_timeout(&h, KF_WAIT_MS / 1000 * HZ),
			(long)-ECANCELED);
	KUNIT_EXPECT_EQ(test, atomic_read(&o->drops), 1);
	KUNIT_EXPECT_EQ(test, o->armed_at_drop, 0);
	st1 = kf_stats();
	KUNIT_EXPECT_EQ(test, st1.abandoned - st0.abandoned, 1ULL);
	KUNIT_EXPECT_EQ(test, st1.folio_waits - st0.folio_waits, folio ? 1ULL : 0ULL);
	KUNIT_EXPECT_EQ(test, st1.pool - st0.pool, folio ? 0ULL : 1ULL);
	/* The orphaned request waits for the read. */
	KUNIT_EXPECT_EQ(test, st1.in_flight - st0.in_flight, 1ULL);

	kf_read_end(rd);
	KUNIT_EXPECT_TRUE(test, kt_wait_for(kf_stats().in_flight == st0.in_flight,
					    KF_WAIT_MS));
	st1 = kf_stats();
	KUNIT_EXPECT_EQ(test, st1.folio_wakes - st0.folio_wakes, 0ULL);
}

/*
 * A time limit runs out while a read is in flight, on each path that
 * waits: kasync_file_io_cancel() gives the request up without waiting,
 * the result stays unset, and the same &struct kasync_file_io reads again
 * at once; the orphan is freed when the read it waits for completes.
 */
static void kf_limit_cancel(struct kunit *test)
{
	bool folio = *(const bool *)test->param_value;
	struct kf_file *kf = kf_file_new(test, 2 * PAGE_SIZE);
	struct kf_out *o = kf_out_new(test);
	struct kasync_file_stats st0, st1;
	struct kf_inflight *rd;

	kf_file_async(kf, folio);
	rd = kf_read_begin(test, kf, 0);
	st0 = kf_stats();
	KUNIT_EXPECT_EQ(test, kf_run(test, kf->file, KF_READ_LIMIT, 0, PAGE_SIZE, o),
			(long)KT_RES_UNSET);
	KUNIT_EXPECT_EQ(test, o->err, (long)-ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, o->armed_after, 0);
	KUNIT_EXPECT_EQ(test, o->res2, (long)PAGE_SIZE);
	KUNIT_EXPECT_TRUE(test, kf_check(o->data, PAGE_SIZE, PAGE_SIZE));
	st1 = kf_stats();
	KUNIT_EXPECT_EQ(test, st1.abandoned - st0.abandoned, 1ULL);
	KUNIT_EXPECT_EQ(test, st1.in_flight - st0.in_flight, 1ULL);
	kf_read_end(rd);
	KUNIT_EXPECT_TRUE(test, kt_wait_for(kf_stats().in_flight == st0.in_flight,
					    KF_WAIT_MS));
}

struct kf_drainer {
	struct completion done;
	int ret;
};

static int kf_drain_thread(void *p)
{
	struct kf_drainer *d = p;

	d->ret = kasync_file_drain();
	complete(&d->done);
	return 0;
}

/*
 * What module unload does after cancelling a module's tasks: the drain
 * waits for an orphaned folio wait, and returns once the read completed.
 */
static void kf_drain_waits_for_orphans(struct kunit *test)
{
	struct kf_file *kf = kf_file_new(test, PAGE_SIZE);
	struct kf_drainer *d = kunit_kzalloc(test, sizeof(*d), GFP_KERNEL);
	struct kf_out *o = kf_out_new(test);
	struct kf_inflight *rd;
	struct task_struct *k;
	struct kasync_task *h;

	KUNIT_ASSERT_NOT_NULL(test, d);
	init_completion(&d->done);
	kf_file_async(kf, true);
	rd = kf_read_begin(test, kf, 0);
	h = kf_spawn(test, kf->file, KF_READ, 0, PAGE_SIZE, o);
	KUNIT_EXPECT_TRUE(test, kt_wait_for(atomic_read(&o->pending) > 0, KF_WAIT_MS));
	KUNIT_EXPECT_EQ(test, kasync_abort(h), 0);
	KUNIT_EXPECT_EQ(test, kasync_join_timeout(&h, KF_WAIT_MS / 1000 * HZ),
			(long)-ECANCELED);

	k = kthread_run(kf_drain_thread, d, "kf_drain");
	KUNIT_ASSERT_FALSE(test, IS_ERR(k));
	msleep(50);
	KUNIT_EXPECT_FALSE(test, completion_done(&d->done));
	kf_read_end(rd);
	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&d->done, 5 * HZ));
	KUNIT_EXPECT_EQ(test, d->ret, 0);
}

/* ---- direct I/O: a fake device ------------------------------------------ */

/*
 * A device whose transfers end when the case says so (the ext4 cases
 * below use the real disk).  The direct cases give a
 * tmpfs file %O_DIRECT, %FMODE_NOWAIT and the operations below, which act
 * as a disk driver under iomap's direct I/O would: a direct kiocb with
 * ->ki_complete() is kept and -EIOCBQUEUED returned, and the case ends
 * the transfer later (kf_dev_complete(), from the case's thread or from a
 * hard-IRQ hrtimer), moving the data between the disk image and the
 * kiocb's iov_iter (the request's bounce buffer) only then.  A synchronous
 * kiocb (the pool's kernel_read()) is served at once.
 */
#define KF_DEV_SIZE	(64 * 1024)

struct kf_dev {
	u8 *disk;
	bool hold;		/* keep async kiocbs, else complete at once */
	bool again;		/* say -EAGAIN to %IOCB_NOWAIT */
	struct kiocb *kiocb;	/* the kept kiocb */
	struct iov_iter iter;	/* ... its data */
	bool write;
	atomic_t submits;	/* direct kiocbs seen with ->ki_complete() */
	atomic_t sync;		/* synchronous kiocbs (the pool) */
	struct hrtimer timer;
	long timer_res;
	bool in_irq;		/* the timer's completion ran in hard IRQ */
	atomic_t fired;
};

static struct kf_dev *kf_dev;	/* the case's (cases run one at a time) */

static size_t kf_dev_move(struct kf_dev *d, loff_t pos, size_t n,
			  struct iov_iter *it, bool write)
{
	if (pos >= KF_DEV_SIZE)
		return 0;
	n = min_t(size_t, n, KF_DEV_SIZE - pos);
	return write ? copy_from_iter(d->disk + pos, n, it) :
		       copy_to_iter(d->disk + pos, n, it);
}

static ssize_t kf_dev_rw(struct kiocb *iocb, struct iov_iter *it, bool write)
{
	struct kf_dev *d = kf_dev;
	size_t n;

	if (is_sync_kiocb(iocb)) {
		atomic_inc(&d->sync);
		n = kf_dev_move(d, iocb->ki_pos, iov_iter_count(it), it, write);
		iocb->ki_pos += n;
		return n;
	}
	/* What an O_DIRECT file system would refuse. */
	if (!(iocb->ki_flags & IOCB_DIRECT) || (iocb->ki_pos & 511) ||
	    (iov_iter_count(it) & 511))
		return -EINVAL;
	atomic_inc(&d->submits);
	if (d->again && (iocb->ki_flags & IOCB_NOWAIT))
		return -EAGAIN;
	if (!d->hold) {
		n = kf_dev_move(d, iocb->ki_pos, iov_iter_count(it), it, write);
		iocb->ki_pos += n;
		return n;
	}
	d->iter = *it;
	d->write = write;
	/* Published last: pairs with the acquire in kf_dev_submitted(). */
	smp_store_release(&d->kiocb, iocb);
	return -EIOCBQUEUED;
}

static ssize_t kf_dev_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	return kf_dev_rw(iocb, to, false);
}

static ssize_t kf_dev_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	return kf_dev_rw(iocb, from, true);
}

static const struct file_operations kf_fops_dev = {
	.read_iter	= kf_dev_read_iter,
	.write_iter	= kf_dev_write_iter,
};

/* End the kept transfer with @res (bytes moved, or -errno): any context. */
static void kf_dev_complete(struct kf_dev *d, long res)
{
	struct kiocb *iocb = xchg(&d->kiocb, NULL);

	if (!iocb)
		return;
	if (res > 0) {
		res = kf_dev_move(d, iocb->ki_pos, res, &d->iter, d->write);
		iocb->ki_pos += res;
	}
	iocb->ki_complete(iocb, res);
}

static enum hrtimer_restart kf_dev_timer_fn(struct hrtimer *t)
{
	struct kf_dev *d = container_of(t, struct kf_dev, timer);

	d->in_irq = in_hardirq();
	kf_dev_complete(d, d->timer_res);
	atomic_inc(&d->fired);
	return HRTIMER_NORESTART;
}

static bool kf_dev_submitted(struct kf_dev *d)
{
	/* Pairs with the release in kf_dev_rw(): d->iter is set. */
	return smp_load_acquire(&d->kiocb);
}

static void kf_dev_put(void *p)
{
	struct kf_dev *d = p;

	hrtimer_cancel(&d->timer);
	/* A case that failed half-way: no kiocb is left in flight. */
	kf_dev_complete(d, -EIO);
	kf_dev = NULL;
}

/* An %O_DIRECT file on the fake device, its disk filled with kf_byte(). */
static struct kf_file *kf_dev_file(struct kunit *test, struct kf_dev **dp)
{
	struct kf_file *kf = kf_file_new(test, 0);
	struct kf_dev *d = kunit_kzalloc(test, sizeof(*d), GFP_KERNEL);
	size_t i;

	KUNIT_ASSERT_NOT_NULL(test, d);
	d->disk = kunit_kzalloc(test, KF_DEV_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, d->disk);
	for (i = 0; i < KF_DEV_SIZE; i++)
		d->disk[i] = kf_byte(i);
	hrtimer_init(&d->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	d->timer.function = kf_dev_timer_fn;
	kf_dev = d;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, kf_dev_put, d), 0);
	kf->file->f_op = &kf_fops_dev;
	kf->file->f_mode |= FMODE_NOWAIT;
	kf->file->f_flags |= O_DIRECT;
	*dp = d;
	return kf;
}

struct kf_dio_case {
	const char *name;
	long res;		/* the device's completion */
	long want;		/* the await's result */
};

static const struct kf_dio_case kf_dio_cases[] = {
	{ "complete", 8192, 8192 },
	{ "short", 1024, 1024 },
	{ "error", -EIO, -EIO },
};

static void kf_dio_desc(const struct kf_dio_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(kf_dio, kf_dio_cases, kf_dio_desc);

/*
 * A direct read in flight: the task waits without a thread and without
 * the pool, the result unwritten; the device's completion (all, short,
 * or an error) wakes it, and the next poll copies what the device put in
 * the bounce buffer: the await's result is the completion's.
 */
static void kf_dio_read(struct kunit *test)
{
	const struct kf_dio_case *c = test->param_value;
	struct kf_out *o = kf_out_new(test);
	struct kasync_file_stats st0, st1;
	struct kasync_task *h;
	struct kf_file *kf;
	struct kf_dev *d;

	kf = kf_dev_file(test, &d);
	d->hold = true;
	st0 = kf_stats();
	h = kf_spawn(test, kf->file, KF_READ, 4096, 8192, o);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(kf_dev_submitted(d), KF_WAIT_MS));
	msleep(20);
	st1 = kf_stats();
	KUNIT_EXPECT_FALSE(test, kasync_task_finished(h));
	KUNIT_EXPECT_EQ(test, st1.direct_waits - st0.direct_waits, 1ULL);
	KUNIT_EXPECT_EQ(test, st1.in_flight - st0.in_flight, 1ULL);

	kf_dev_complete(d, c->res);
	KUNIT_EXPECT_EQ(test, kasync_join_timeout(&h, KF_WAIT_MS / 1000 * HZ),
			c->want);
	if (c->want > 0)
		KUNIT_EXPECT_TRUE(test, kf_check(o->data, 4096, c->want));
	st1 = kf_stats();
	KUNIT_EXPECT_EQ(test, st1.direct - st0.direct, 1ULL);
	KUNIT_EXPECT_EQ(test, st1.pool - st0.pool, 0ULL);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->submits), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->sync), 0);
	KUNIT_EXPECT_EQ(test, st1.in_flight, st0.in_flight);
	KUNIT_EXPECT_GT(test, atomic_read(&o->pending), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&o->touched), 0);
	KUNIT_EXPECT_EQ(test, o->armed_at_drop, 0);
}

/*
 * A direct write in flight: the device reads the data at its completion,
 * from the request's bounce buffer; then the await reports it written.
 */
static void kf_dio_write(struct kunit *test)
{
	struct kf_out *o = kf_out_new(test);
	struct kasync_task *h;
	struct kf_file *kf;
	struct kf_dev *d;
	size_t i;

	kf = kf_dev_file(test, &d);
	d->hold = true;
	for (i = 0; i < 4096; i++)
		o->data[i] = ~kf_byte(512 + i);
	h = kf_spawn(test, kf->file, KF_WRITE, 512, 4096, o);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(kf_dev_submitted(d), KF_WAIT_MS));
	KUNIT_EXPECT_TRUE(test, kf_check(d->disk + 512, 512, 4096));
	kf_dev_complete(d, 4096);
	KUNIT_EXPECT_EQ(test, kasync_join_timeout(&h, KF_WAIT_MS / 1000 * HZ),
			4096L);
	KUNIT_EXPECT_EQ(test, memcmp(d->disk + 512, o->data, 4096), 0);
	KUNIT_EXPECT_TRUE(test, kf_check(d->disk, 0, 512));
	KUNIT_EXPECT_TRUE(test, kf_check(d->disk + 4608, 4608, 4096));
}

/*
 * A device that completes at once: the transfer ends in the poll, the
 * task never waits.  -EAGAIN to %IOCB_NOWAIT: the pool's synchronous
 * transfer.  Unaligned positions or lengths: -EINVAL, as the file system
 * says, with nothing submitted.
 */
static void kf_dio_sync_again_align(struct kunit *test)
{
	struct kf_out *o = kf_out_new(test);
	struct kasync_file_stats st0, st1;
	struct kf_file *kf;
	struct kf_dev *d;

	kf = kf_dev_file(test, &d);
	st0 = kf_stats();
	KUNIT_EXPECT_EQ(test, kf_run(test, kf->file, KF_READ, 1024, 2048, o), 2048L);
	KUNIT_EXPECT_TRUE(test, kf_check(o->data, 1024, 2048));
	KUNIT_EXPECT_EQ(test, atomic_read(&o->pending), 0);
	/* At the end of the device: short, then nothing. */
	KUNIT_EXPECT_EQ(test, kf_run(test, kf->file, KF_READ, KF_DEV_SIZE - 512,
				     KF_BUF, o), 512L);
	KUNIT_EXPECT_EQ(test, kf_run(test, kf->file, KF_READ, KF_DEV_SIZE, 512, o),
			0L);
	st1 = kf_stats();
	KUNIT_EXPECT_EQ(test, st1.direct - st0.direct, 3ULL);
	KUNIT_EXPECT_EQ(test, st1.direct_waits - st0.direct_waits, 0ULL);
	KUNIT_EXPECT_EQ(test, st1.pool - st0.pool, 0ULL);

	d->again = true;
	st0 = kf_stats();
	KUNIT_EXPECT_EQ(test, kf_run(test, kf->file, KF_READ, 8192, 4096, o), 4096L);
	KUNIT_EXPECT_TRUE(test, kf_check(o->data, 8192, 4096));
	st1 = kf_stats();
	KUNIT_EXPECT_EQ(test, st1.pool - st0.pool, 1ULL);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->sync), 1);

	atomic_set(&d->submits, 0);
	KUNIT_EXPECT_EQ(test, kf_run(test, kf->file, KF_READ, 100, 512, o),
			(long)-EINVAL);
	KUNIT_EXPECT_EQ(test, kf_run(test, kf->file, KF_READ, 512, 1000, o),
			(long)-EINVAL);
	KUNIT_EXPECT_EQ(test, kf_run(test, kf->file, KF_WRITE, 0, 100, o),
			(long)-EINVAL);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->submits), 0);
}

/*
 * Abort while a direct read is in flight: the task ends at once with
 * nothing armed; the device completes into the orphaned request's bounce
 * buffer afterwards (KASAN watches the task's freed state and buffer),
 * and the completion frees the request.
 */
static void kf_dio_abort(struct kunit *test)
{
	struct kf_out *o = kf_out_new(test);
	struct kasync_file_stats st0, st1;
	struct kasync_task *h;
	struct kf_file *kf;
	struct kf_dev *d;

	kf = kf_dev_file(test, &d);
	d->hold = true;
	st0 = kf_stats();
	h = kf_spawn(test, kf->file, KF_READ, 0, 8192, o);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(kf_dev_submitted(d), KF_WAIT_MS));
	KUNIT_EXPECT_EQ(test, kasync_abort(h), 0);
	KUNIT_EXPECT_EQ(test, kasync_join_timeout(&h, KF_WAIT_MS / 1000 * HZ),
			(long)-ECANCELED);
	KUNIT_EXPECT_EQ(test, o->armed_at_drop, 0);
	st1 = kf_stats();
	KUNIT_EXPECT_EQ(test, st1.abandoned - st0.abandoned, 1ULL);
	KUNIT_EXPECT_EQ(test, st1.in_flight - st0.in_flight, 1ULL);

	kf_dev_complete(d, 8192);
	KUNIT_EXPECT_EQ(test, kf_stats().in_flight, st0.in_flight);
}

static const bool kf_dio_irq_params[] = { false, true };

static void kf_dio_irq_desc(const bool *p, char *desc)
{
	strscpy(desc, *p ? "orphan" : "waiting", KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(kf_dio_irq, kf_dio_irq_params, kf_dio_irq_desc);

/*
 * ->ki_complete() in hard IRQ (a block driver's completion), for a
 * waiting task (woken, it gets the data) and for an orphaned request
 * (freed there).
 */
static void kf_dio_irq(struct kunit *test)
{
	bool orphan = *(const bool *)test->param_value;
	struct kf_out *o = kf_out_new(test);
	struct kasync_file_stats st0;
	struct kasync_task *h;
	struct kf_file *kf;
	struct kf_dev *d;

	kf = kf_dev_file(test, &d);
	d->hold = true;
	d->timer_res = 4096;
	st0 = kf_stats();
	h = kf_spawn(test, kf->file, KF_READ, 4096, 4096, o);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(kf_dev_submitted(d), KF_WAIT_MS));
	if (orphan) {
		KUNIT_EXPECT_EQ(test, kasync_abort(h), 0);
		KUNIT_EXPECT_EQ(test, kasync_join_timeout(&h, KF_WAIT_MS / 1000 * HZ),
				(long)-ECANCELED);
	}
	hrtimer_start(&d->timer, ms_to_ktime(5), HRTIMER_MODE_REL_HARD);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(atomic_read(&d->fired), KF_WAIT_MS));
	KUNIT_EXPECT_TRUE(test, d->in_irq);
	if (!orphan) {
		KUNIT_EXPECT_EQ(test, kasync_join_timeout(&h, KF_WAIT_MS / 1000 * HZ),
				4096L);
		KUNIT_EXPECT_TRUE(test, kf_check(o->data, 4096, 4096));
	}
	KUNIT_EXPECT_EQ(test, kf_stats().in_flight, st0.in_flight);
}

/* ---- non-blocking buffered writes --------------------------------------- */

/*
 * A write that honours %IOCB_NOWAIT as xfs does: -EAGAIN where the page
 * is not cached (it would have to be allocated), else the generic write.
 */
static ssize_t kf_nowait_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct page *page;

	if (iocb->ki_flags & IOCB_NOWAIT) {
		page = find_get_page(iocb->ki_filp->f_mapping,
				     iocb->ki_pos >> PAGE_SHIFT);
		if (!page)
			return -EAGAIN;
		put_page(page);
	}
	return generic_file_write_iter(iocb, from);
}

static const struct file_operations kf_fops_wnowait = {
	.read_iter	= generic_file_read_iter,
	.write_iter	= kf_nowait_write_iter,
#ifdef FOP_BUFFER_WASYNC
	.fop_flags	= FOP_BUFFER_WASYNC,
#endif
};

static void kf_file_wnowait(struct kf_file *kf)
{
	kf->file->f_op = &kf_fops_wnowait;
#ifndef FOP_BUFFER_WASYNC
	kf->file->f_mode |= FMODE_BUF_WASYNC;
#endif
	kf->file->f_mode |= FMODE_NOWAIT;
}

/*
 * A write into a cached page runs in the poll: no pool, no wait; one past
 * the cache says -EAGAIN and goes to the pool.  The file has what was
 * written either way.
 */
static void kf_nowait_write(struct kunit *test)
{
	struct kf_file *kf = kf_file_new(test, 2 * PAGE_SIZE);
	struct kf_out *w = kf_out_new(test), *r = kf_out_new(test);
	struct kasync_file_stats st0, st1;
	size_t i;

	kf_file_wnowait(kf);
	for (i = 0; i < 1000; i++)
		w->data[i] = ~kf_byte(100 + i);
	st0 = kf_stats();
	KUNIT_EXPECT_EQ(test, kf_run(test, kf->file, KF_WRITE, 100, 1000, w), 1000L);
	st1 = kf_stats();
	KUNIT_EXPECT_EQ(test, st1.nowait_writes - st0.nowait_writes, 1ULL);
	KUNIT_EXPECT_EQ(test, st1.pool - st0.pool, 0ULL);
	KUNIT_EXPECT_EQ(test, atomic_read(&w->pending), 0);

	st0 = st1;
	KUNIT_EXPECT_EQ(test, kf_run(test, kf->file, KF_WRITE, 3 * PAGE_SIZE, 1000, w),
			1000L);
	st1 = kf_stats();
	KUNIT_EXPECT_EQ(test, st1.nowait_writes - st0.nowait_writes, 0ULL);
	KUNIT_EXPECT_EQ(test, st1.pool - st0.pool, 1ULL);
	KUNIT_EXPECT_GT(test, atomic_read(&w->pending), 0);
	KUNIT_EXPECT_EQ(test, i_size_read(file_inode(kf->file)),
			(loff_t)(3 * PAGE_SIZE + 1000));

	KUNIT_EXPECT_EQ(test, kf_run(test, kf->file, KF_READ, 100, 1000, r), 1000L);
	KUNIT_EXPECT_EQ(test, memcmp(r->data, w->data, 1000), 0);
	KUNIT_EXPECT_EQ(test, kf_run(test, kf->file, KF_READ, 3 * PAGE_SIZE, 1000, r),
			1000L);
	KUNIT_EXPECT_EQ(test, memcmp(r->data, w->data, 1000), 0);
}

/* ---- the test VM's disk: ext4 on virtio-blk, and a tmpfs mount ----------- */

/*
 * scripts/vm-run gives every test VM a fresh ext4 file system on a
 * virtio-blk disk and a tmpfs, which scripts/vm-init mounts at /mnt/ext4
 * and /mnt/tmpfs where kernel threads (these cases) find them.  The cases
 * make unlinked files there (%O_TMPFILE), written back to the disk, and
 * drop their page cache where a read must go to the device.  Without the
 * mounts they fail: the scripts always provide them.  Elsewhere, load the
 * module with ext4_dir= and tmpfs_dir= (empty: skip those cases).
 */
static char *ext4_dir = "/mnt/ext4";
module_param(ext4_dir, charp, 0444);
MODULE_PARM_DESC(ext4_dir, "ext4 mount on a disk for the ext4 cases (empty: skip them)");
static char *tmpfs_dir = "/mnt/tmpfs";
module_param(tmpfs_dir, charp, 0444);
MODULE_PARM_DESC(tmpfs_dir, "tmpfs mount for the tmpfs cases (empty: skip them)");

/* Fail the case unless @dir is the root of a mount of file system @fs. */
static void kf_mount_require(struct kunit *test, const char *dir,
			     const char *fs, bool disk)
{
	struct path path;
	bool ok;
	int err;

	if (!dir || !*dir)
		kunit_skip(test, "no %s directory given", fs);
	err = kern_path(dir, LOOKUP_FOLLOW, &path);
	KUNIT_ASSERT_EQ_MSG(test, err, 0, "%s: no such directory (scripts/vm-init mounts %s there)",
			    dir, fs);
	ok = path.dentry == path.mnt->mnt_root &&
	     !strcmp(path.dentry->d_sb->s_type->name, fs) &&
	     (!disk || path.dentry->d_sb->s_bdev);
	path_put(&path);
	KUNIT_ASSERT_TRUE_MSG(test, ok, "%s is not a mount of %s%s (scripts/vm-init mounts one)",
			      dir, fs, disk ? " on a disk" : "");
}

/*
 * An unlinked file in a mounted file system, and an %O_DIRECT twin, both
 * %O_NOATIME: on ext4 the first read after a write updates the access
 * time from the read's ->read_iter(), in the poll, through the journal,
 * which can sleep (the sleep detector caught one in a direct read).
 * These cases are about the read paths; that sleep is not theirs.
 */
struct kf_efile {
	struct file *file;
	struct file *direct;
};

static void kf_efile_put(void *p)
{
	struct kf_efile *e = p;

	if (e->direct)
		fput(e->direct);
	fput(e->file);
}

/*
 * A new unlinked file in @dir of @size bytes of kf_byte(), written back
 * to the disk; @direct: also opened %O_DIRECT (e->direct).
 */
static struct kf_efile *kf_mount_file(struct kunit *test, const char *dir,
				      size_t size, bool direct)
{
	struct kf_efile *e = kunit_kzalloc(test, sizeof(*e), GFP_KERNEL);
	size_t i, n, done = 0;
	loff_t pos = 0;
	u8 *data;

	KUNIT_ASSERT_NOT_NULL(test, e);
	e->file = filp_open(dir, O_TMPFILE | O_RDWR | O_LARGEFILE | O_NOATIME, 0600);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(e->file), "O_TMPFILE in %s: %ld", dir,
			       PTR_ERR(e->file));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, kf_efile_put, e), 0);
	if (size) {
		data = vmalloc(SZ_1M);
		KUNIT_ASSERT_NOT_NULL(test, data);
		while (done < size) {
			n = min_t(size_t, size - done, SZ_1M);
			for (i = 0; i < n; i++)
				data[i] = kf_byte(done + i);
			if (kernel_write(e->file, data, n, &pos) != (ssize_t)n)
				break;
			done += n;
		}
		vfree(data);
		KUNIT_ASSERT_EQ(test, done, size);
	}
	KUNIT_ASSERT_EQ(test, vfs_fsync(e->file, 0), 0);
	if (direct) {
		e->direct = dentry_open(&e->file->f_path,
					O_RDWR | O_DIRECT | O_LARGEFILE | O_NOATIME,
					current_cred());
		KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(e->direct), "O_DIRECT: %ld",
				       PTR_ERR(e->direct));
	}
	return e;
}

/*
 * Fail the case unless ext4_dir is an ext4 mount on a disk.  The file
 * awaits may sleep briefly in ext4's non-blocking paths, as their
 * documentation says: a direct write updates the file's times through the
 * journal from ->write_iter(), and the sleep detector caught polls
 * sleeping in a direct read (6.12) and a direct write (6.1) here, now and
 * then.  So that sleep is reported as expected (a counted line of
 * information) in the ext4 cases, not as a warning.
 */
static void kf_ext4_require(struct kunit *test)
{
	kf_mount_require(test, ext4_dir, "ext4", true);
	kt_expect_misuse(test);
}

static struct kf_efile *kf_ext4_file(struct kunit *test, size_t size,
				     bool direct)
{
	kf_ext4_require(test);
	return kf_mount_file(test, ext4_dir, size, direct);
}

/*
 * Write @f back and drop its page cache: its next read goes to the disk.
 * Fails the case if a page stays cached.
 */
static void kf_drop_cache(struct kunit *test, struct file *f)
{
	int i;

	KUNIT_ASSERT_EQ(test, vfs_fsync(f, 0), 0);
	/*
	 * Folios still in a per-CPU LRU batch, or locked for a read (an
	 * earlier readahead), are skipped: retry for up to a second.
	 */
	for (i = 0; i < 50 && READ_ONCE(f->f_mapping->nrpages); i++) {
		if (i)
			msleep(20);
		KUNIT_ASSERT_EQ(test, vfs_fadvise(f, 0, 0, POSIX_FADV_DONTNEED), 0);
	}
	KUNIT_ASSERT_EQ(test, READ_ONCE(f->f_mapping->nrpages), 0UL);
}

/*
 * Hold the disk's requests before its driver, as a busy disk would: the
 * block layer takes them (submission does not block) but dispatches none
 * (blk_mq_quiesce_queue()) until kf_disk_release() or the case's end.  A
 * read submitted meanwhile is in flight for sure, however fast the disk;
 * released, it goes to the virtio disk and completes as any read does.
 * Nothing the case's own thread does while it holds may wait for the disk.
 */
struct kf_disk {
	struct request_queue *q;
	bool held;
};

static void kf_disk_release(struct kf_disk *d)
{
	if (!d->held)
		return;
	d->held = false;
	blk_mq_unquiesce_queue(d->q);
}

static void kf_disk_release_action(void *p)
{
	kf_disk_release(p);
}

static struct kf_disk *kf_disk_hold(struct kunit *test, struct file *f)
{
	struct kf_disk *d = kunit_kzalloc(test, sizeof(*d), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, d);
	d->q = bdev_get_queue(file_inode(f)->i_sb->s_bdev);
	KUNIT_ASSERT_TRUE(test, queue_is_mq(d->q));
	blk_mq_quiesce_queue(d->q);
	d->held = true;
	/* Runs before the file's put, registered earlier. */
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, kf_disk_release_action, d), 0);
	return d;
}

#define KF_EXT4_LEN	(256 * 1024)

/*
 * ext4, buffered: a write goes to the pool (ext4 has no non-blocking
 * buffered writes), in 64 KiB chunks; a read of what is cached runs in
 * the poll; a read of what is not (the page cache dropped) queues folio
 * waits for the disk's reads, without the pool, and gets the data.
 */
static void kf_ext4_buffered(struct kunit *test)
{
	struct kf_efile *e = kf_ext4_file(test, 0, false);
	struct kf_out *w = kf_out_new(test), *r = kf_out_new(test);
	struct kf_out *c = kf_out_new(test);
	struct kasync_file_stats st0, st1;
	size_t i, len = KF_EXT4_LEN;
	struct kasync_task *h;
	struct kf_disk *dk;

	w->big = kunit_kmalloc(test, len, GFP_KERNEL);
	r->big = kunit_kzalloc(test, len, GFP_KERNEL);
	c->big = kunit_kzalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w->big);
	KUNIT_ASSERT_NOT_NULL(test, r->big);
	KUNIT_ASSERT_NOT_NULL(test, c->big);
	for (i = 0; i < len; i++)
		w->big[i] = kf_byte(100 + i);

	st0 = kf_stats();
	KUNIT_EXPECT_EQ(test, kf_run(test, e->file, KF_WRITEV, 100, len, w), (long)len);
	st1 = kf_stats();
	KUNIT_EXPECT_EQ(test, w->left, 0UL);
	KUNIT_EXPECT_EQ(test, i_size_read(file_inode(e->file)), (loff_t)(100 + len));
	KUNIT_EXPECT_GE(test, st1.pool - st0.pool, (u64)(len / KASYNC_FILE_CHUNK));
	KUNIT_EXPECT_EQ(test, st1.nowait_writes - st0.nowait_writes, 0ULL);
	KUNIT_EXPECT_GT(test, atomic_read(&w->pending), 0);

	/* Cached: in the poll. */
	st0 = kf_stats();
	KUNIT_EXPECT_EQ(test, kf_run(test, e->file, KF_READV, 100, len, r), (long)len);
	st1 = kf_stats();
	KUNIT_EXPECT_TRUE(test, kf_check(r->big, 100, len));
	KUNIT_EXPECT_GE(test, st1.nowait - st0.nowait, 1ULL);
	KUNIT_EXPECT_EQ(test, st1.pool - st0.pool, 0ULL);
	KUNIT_EXPECT_EQ(test, st1.folio_waits - st0.folio_waits, 0ULL);
	KUNIT_EXPECT_EQ(test, atomic_read(&r->pending), 0);

	/*
	 * Cold: from the disk, waiting for its folios.  The disk is held
	 * until the task waits: a fast disk (the host's page cache) may
	 * otherwise finish a read before the poll looks at its folio.
	 */
	kf_drop_cache(test, e->file);
	st0 = kf_stats();
	dk = kf_disk_hold(test, e->file);
	h = kf_spawn(test, e->file, KF_READV, 100, len, c);
	KUNIT_EXPECT_TRUE(test, kt_wait_for(atomic_read(&c->pending) > 0, KF_WAIT_MS));
	msleep(20);
	st1 = kf_stats();
	KUNIT_EXPECT_FALSE(test, kasync_task_finished(h));
	KUNIT_EXPECT_EQ(test, st1.folio_waits - st0.folio_waits, 1ULL);
	KUNIT_EXPECT_EQ(test, st1.in_flight - st0.in_flight, 1ULL);
	kf_disk_release(dk);
	KUNIT_EXPECT_EQ(test, kasync_join_timeout(&h, KF_WAIT_MS / 1000 * HZ), (long)len);
	st1 = kf_stats();
	KUNIT_EXPECT_TRUE(test, kf_check(c->big, 100, len));
	KUNIT_EXPECT_EQ(test, c->left, 0UL);
	KUNIT_EXPECT_GE(test, st1.folio_waits - st0.folio_waits, 1ULL);
	KUNIT_EXPECT_EQ(test, st1.folio_wakes - st0.folio_wakes,
			st1.folio_waits - st0.folio_waits);
	KUNIT_EXPECT_EQ(test, st1.pool - st0.pool, 0ULL);
	KUNIT_EXPECT_GT(test, atomic_read(&c->pending), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->touched), 0);
	KUNIT_EXPECT_EQ(test, st1.in_flight, st0.in_flight);
	KUNIT_EXPECT_EQ(test, c->armed_at_drop, 0);
}

#define KF_EXT4_DIO	(1024 * 1024)

/*
 * ext4, %O_DIRECT: a 1 MiB read (16 chunks, into three unaligned
 * segments) goes to the disk from the poll and waits for the device's
 * completions (->ki_complete()), without the pool; an overwrite lands in
 * the file (read back through the page cache), its neighbours intact; a
 * direct write that extends the file, which ext4 does not do without
 * blocking (-EAGAIN), goes to the pool and extends it.
 */
static void kf_ext4_direct(struct kunit *test)
{
	size_t i, len = KF_EXT4_DIO, wlen = KF_EXT4_LEN;
	struct kf_efile *e = kf_ext4_file(test, len + 8192, true);
	struct kf_out *r = kf_out_new(test), *w = kf_out_new(test);
	struct kf_out *b = kf_out_new(test), *x = kf_out_new(test);
	struct kasync_file_stats st0, st1;

	r->big = kunit_kzalloc(test, len, GFP_KERNEL);
	w->big = kunit_kmalloc(test, wlen, GFP_KERNEL);
	b->big = kunit_kzalloc(test, len + 8192, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r->big);
	KUNIT_ASSERT_NOT_NULL(test, w->big);
	KUNIT_ASSERT_NOT_NULL(test, b->big);
	kf_drop_cache(test, e->file);

	st0 = kf_stats();
	KUNIT_EXPECT_EQ(test, kf_run(test, e->direct, KF_READV, 4096, len, r), (long)len);
	st1 = kf_stats();
	KUNIT_EXPECT_TRUE(test, kf_check(r->big, 4096, len));
	KUNIT_EXPECT_GE(test, st1.direct - st0.direct, (u64)(len / KASYNC_FILE_CHUNK));
	KUNIT_EXPECT_GE(test, st1.direct_waits - st0.direct_waits, 1ULL);
	KUNIT_EXPECT_EQ(test, st1.pool - st0.pool, 0ULL);
	KUNIT_EXPECT_EQ(test, st1.nowait - st0.nowait, 0ULL);
	KUNIT_EXPECT_EQ(test, st1.folio_waits - st0.folio_waits, 0ULL);
	KUNIT_EXPECT_GT(test, atomic_read(&r->pending), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&r->touched), 0);
	/* Direct reads do not fill the page cache. */
	KUNIT_EXPECT_EQ(test, READ_ONCE(e->file->f_mapping->nrpages), 0UL);

	/* An overwrite, then the whole file through the page cache. */
	for (i = 0; i < wlen; i++)
		w->big[i] = ~kf_byte(65536 + i);
	st0 = kf_stats();
	KUNIT_EXPECT_EQ(test, kf_run(test, e->direct, KF_WRITEV, 65536, wlen, w),
			(long)wlen);
	st1 = kf_stats();
	KUNIT_EXPECT_EQ(test, w->left, 0UL);
	/* Each chunk is offered to the disk from the poll first. */
	KUNIT_EXPECT_GE(test, st1.direct - st0.direct, (u64)(wlen / KASYNC_FILE_CHUNK));
	KUNIT_EXPECT_EQ(test, kf_run(test, e->file, KF_READV, 0, len + 8192, b),
			(long)(len + 8192));
	KUNIT_EXPECT_TRUE(test, kf_check(b->big, 0, 65536));
	KUNIT_EXPECT_EQ(test, memcmp(b->big + 65536, w->big, wlen), 0);
	KUNIT_EXPECT_TRUE(test, kf_check(b->big + 65536 + wlen, 65536 + wlen,
					 len + 8192 - 65536 - wlen));

	/* Extending: ext4 says -EAGAIN to the poll; the pool writes it. */
	for (i = 0; i < 8192; i++)
		x->data[i] = kf_byte(i);
	st0 = kf_stats();
	KUNIT_EXPECT_EQ(test, kf_run(test, e->direct, KF_WRITE, len + 8192, 8192, x),
			8192L);
	st1 = kf_stats();
	KUNIT_EXPECT_GE(test, st1.direct - st0.direct, 1ULL);
	KUNIT_EXPECT_GE(test, st1.pool - st0.pool, 1ULL);
	KUNIT_EXPECT_EQ(test, i_size_read(file_inode(e->file)), (loff_t)(len + 16384));
	KUNIT_EXPECT_EQ(test, kf_run(test, e->direct, KF_READ, len + 8192, 8192, r),
			8192L);
	KUNIT_EXPECT_EQ(test, memcmp(r->data, x->data, 8192), 0);
	/* Not a multiple of the disk's logical block size: refused. */
	KUNIT_EXPECT_EQ(test, kf_run(test, e->direct, KF_READ, 100, 512, r),
			(long)-EINVAL);
	KUNIT_EXPECT_EQ(test, kf_stats().in_flight, st0.in_flight);
}

/*
 * 1,000 tasks read 1,000 pages of a 4 MB ext4 file whose page cache was
 * dropped, each its own page, at once: each gets its page, the reads
 * waited for the disk (folio waits), and no request is left.
 */
static void kf_ext4_many_readers(struct kunit *test)
{
	struct kf_efile *e = kf_ext4_file(test, KF_MANY * KF_MANY_LEN, false);
	struct kasync_task **h = kunit_kcalloc(test, KF_MANY, sizeof(*h),
					       GFP_KERNEL);
	struct kf_out **o = kunit_kcalloc(test, KF_MANY, sizeof(*o), GFP_KERNEL);
	struct kasync_file_stats st0, st1;
	unsigned int i, bad = 0;
	struct kf_disk *dk;

	KUNIT_ASSERT_NOT_NULL(test, h);
	KUNIT_ASSERT_NOT_NULL(test, o);
	for (i = 0; i < KF_MANY; i++)
		o[i] = kf_out_new(test);
	kf_drop_cache(test, e->file);
	st0 = kf_stats();
	/* Held until a reader waits for a folio (kf_ext4_buffered). */
	dk = kf_disk_hold(test, e->file);
	for (i = 0; i < KF_MANY; i++)
		h[i] = kf_spawn(test, e->file, KF_READ,
				(loff_t)i * KF_MANY_LEN, KF_MANY_LEN, o[i]);
	KUNIT_EXPECT_TRUE(test, kt_wait_for(kf_stats().folio_waits > st0.folio_waits,
					    KF_WAIT_MS));
	kf_disk_release(dk);
	for (i = 0; i < KF_MANY; i++) {
		if (kasync_join_timeout(&h[i], 60 * HZ) != KF_MANY_LEN ||
		    !kf_check(o[i]->data, (loff_t)i * KF_MANY_LEN, KF_MANY_LEN))
			bad++;
	}
	st1 = kf_stats();
	KUNIT_EXPECT_EQ(test, bad, 0U);
	KUNIT_EXPECT_GE(test, st1.folio_waits - st0.folio_waits, 1ULL);
	KUNIT_EXPECT_EQ(test, st1.in_flight, st0.in_flight);
}

struct kf_eabort_case {
	const char *name;
	enum kf_op op;		/* KF_READV or KF_WRITEV */
	bool direct;		/* on the %O_DIRECT file */
	bool cold;		/* drop the page cache first */
};

static const struct kf_eabort_case kf_eabort_cases[] = {
	{ "folio_wait", KF_READV, false, true },
	{ "direct_read", KF_READV, true, true },
	{ "direct_write", KF_WRITEV, true, false },
	{ "pool_write", KF_WRITEV, false, false },
};

static void kf_eabort_desc(const struct kf_eabort_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(kf_eabort, kf_eabort_cases, kf_eabort_desc);

#define KF_EABORT_TRIES	20

/*
 * Abort a 1 MiB transfer on ext4 as it waits at its await, its disk I/O
 * in flight (the disk held, kf_disk_hold()): a folio wait, a direct
 * read, a direct write (ext4 sends it to the pool, whose write waits for
 * the disk), a buffered write on the pool.  The task ends at once with
 * nothing armed; a read's orphaned request stays until the disk is
 * released and its read completes, then is freed (KASAN watches the
 * freed task state and caller buffer); the file system is fine
 * afterwards.  A write's pool job may finish between two polls: up to
 * %KF_EABORT_TRIES tries, until an abort finds a request in flight.
 */
static void kf_ext4_abort(struct kunit *test)
{
	const struct kf_eabort_case *c = test->param_value;
	size_t len = KF_EXT4_DIO;
	struct kf_efile *e = kf_ext4_file(test, len, c->direct);
	struct file *f = c->direct ? e->direct : e->file;
	struct kasync_file_stats st0, a0, a1;
	struct kf_out *r = kf_out_new(test);
	unsigned int tries, hits = 0;
	struct kasync_task *h;
	struct kf_disk *dk;
	struct kf_out *o;
	long res;
	int ab;

	st0 = kf_stats();
	for (tries = 0; tries < KF_EABORT_TRIES && !hits; tries++) {
		if (c->cold)
			kf_drop_cache(test, e->file);
		o = kf_out_new(test);
		/* Freed right after the task ends: KASAN sees a late write. */
		o->big = kmalloc(len, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, o->big);
		memset(o->big, 0x5a, len);
		a0 = kf_stats();
		dk = kf_disk_hold(test, e->file);
		h = kf_spawn(test, f, c->op, 0, len, o);
		KUNIT_EXPECT_TRUE(test, kt_wait_for(atomic_read(&o->pending) ||
						    kasync_task_finished(h), KF_WAIT_MS));
		ab = kasync_abort(h);
		res = kasync_join_timeout(&h, KF_WAIT_MS / 1000 * HZ);
		kfree(o->big);
		a1 = kf_stats();
		if (ab == 0) {
			KUNIT_EXPECT_EQ(test, res, (long)-ECANCELED);
			KUNIT_EXPECT_EQ(test, atomic_read(&o->drops), 1);
			KUNIT_EXPECT_EQ(test, o->armed_at_drop, 0);
		} else {
			/* It finished first. */
			KUNIT_EXPECT_EQ(test, res, (long)len);
		}
		if (a1.abandoned != a0.abandoned) {
			hits++;
			/* A read's request waits for the held disk. */
			if (c->op == KF_READV)
				KUNIT_EXPECT_EQ(test, a1.in_flight - a0.in_flight, 1ULL);
		}
		kf_disk_release(dk);
		/* Each orphan is freed when its I/O completes. */
		KUNIT_EXPECT_TRUE(test, kt_wait_for(kf_stats().in_flight == st0.in_flight,
						    KF_WAIT_MS));
	}
	KUNIT_EXPECT_EQ(test, hits, 1U);
	/* With the disk held, a read is in flight at the first abort. */
	if (c->op == KF_READV)
		KUNIT_EXPECT_EQ(test, tries, 1U);
	kunit_info(test, "%u tries", tries);
	/* The file reads back whole; untouched by a read's abort. */
	r->big = kunit_kzalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r->big);
	KUNIT_EXPECT_EQ(test, kf_run(test, e->file, KF_READV, 0, len, r), (long)len);
	if (c->op == KF_READV)
		KUNIT_EXPECT_TRUE(test, kf_check(r->big, 0, len));
}

/*
 * A real device error: the disk fails reads of the first block of
 * kasync-eio (scripts/vm-run, QEMU's blkdebug).  A direct read of it
 * waits for the device and completes with -EIO (->ki_complete()), not
 * retried on the pool; of its second block, with the data; a buffered
 * read of the first says -EIO too.  Nothing is left in flight.
 */
static void kf_ext4_eio(struct kunit *test)
{
	struct kf_efile *e = kunit_kzalloc(test, sizeof(*e), GFP_KERNEL);
	char *name = kunit_kzalloc(test, PATH_MAX, GFP_KERNEL);
	struct kf_out *o = kf_out_new(test);
	struct kasync_file_stats st0, st1;
	struct kasync_task *h;
	struct kf_disk *dk;

	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_ASSERT_NOT_NULL(test, name);
	kf_ext4_require(test);
	snprintf(name, PATH_MAX, "%s/kasync-eio", ext4_dir);
	e->file = filp_open(name, O_RDONLY | O_LARGEFILE | O_NOATIME, 0);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(e->file), "%s (scripts/vm-run makes it): %ld",
			       name, PTR_ERR(e->file));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, kf_efile_put, e), 0);
	e->direct = dentry_open(&e->file->f_path,
				O_RDONLY | O_DIRECT | O_LARGEFILE | O_NOATIME,
				current_cred());
	KUNIT_ASSERT_FALSE(test, IS_ERR(e->direct));

	/* Held until the read waits for the disk (kf_ext4_buffered). */
	st0 = kf_stats();
	dk = kf_disk_hold(test, e->file);
	h = kf_spawn(test, e->direct, KF_READ, 0, 4096, o);
	KUNIT_EXPECT_TRUE(test, kt_wait_for(atomic_read(&o->pending) > 0, KF_WAIT_MS));
	kf_disk_release(dk);
	KUNIT_EXPECT_EQ(test, kasync_join_timeout(&h, KF_WAIT_MS / 1000 * HZ),
			(long)-EIO);
	st1 = kf_stats();
	KUNIT_EXPECT_EQ(test, st1.direct - st0.direct, 1ULL);
	KUNIT_EXPECT_EQ(test, st1.direct_waits - st0.direct_waits, 1ULL);
	KUNIT_EXPECT_EQ(test, st1.pool - st0.pool, 0ULL);
	KUNIT_EXPECT_EQ(test, atomic_read(&o->touched), 0);

	KUNIT_EXPECT_EQ(test, kf_run(test, e->direct, KF_READ, 4096, 4096, o), 4096L);
	KUNIT_EXPECT_NULL(test, memchr_inv(o->data, 'k', 4096));
	KUNIT_EXPECT_EQ(test, kf_run(test, e->file, KF_READ, 0, 4096, o), (long)-EIO);
	KUNIT_EXPECT_EQ(test, kf_stats().in_flight, st0.in_flight);
}

/*
 * A real tmpfs mount: no %IOCB_NOWAIT, so writes and reads go to the
 * pool, with the data intact.
 */
static void kf_tmpfs_mount(struct kunit *test)
{
	struct kf_out *w = kf_out_new(test), *r = kf_out_new(test);
	struct kasync_file_stats st0, st1;
	struct kf_efile *e;
	size_t i;

	kf_mount_require(test, tmpfs_dir, "tmpfs", false);
	e = kf_mount_file(test, tmpfs_dir, 0, false);
	for (i = 0; i < KF_BUF; i++)
		w->data[i] = kf_byte(7 + i);
	st0 = kf_stats();
	KUNIT_EXPECT_EQ(test, kf_run(test, e->file, KF_WRITE, 7, KF_BUF, w),
			(long)KF_BUF);
	KUNIT_EXPECT_EQ(test, kf_run(test, e->file, KF_READ, 7, KF_BUF, r),
			(long)KF_BUF);
	st1 = kf_stats();
	KUNIT_EXPECT_TRUE(test, kf_check(r->data, 7, KF_BUF));
	KUNIT_EXPECT_EQ(test, st1.pool - st0.pool, 2ULL);
	KUNIT_EXPECT_EQ(test, st1.nowait - st0.nowait, 0ULL);
}

static const bool kf_abort_params[] = { true, false };

static void kf_abort_desc(const bool *p, char *desc)
{
	strscpy(desc, *p ? "folio wait" : "pool", KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(kf_abort, kf_abort_params, kf_abort_desc);

static struct kunit_case kasync_file_cases[] = {
	KUNIT_CASE(kf_write_read_pool),
	KUNIT_CASE(kf_short_and_eof),
	KUNIT_CASE(kf_positions),
	KUNIT_CASE(kf_vector_chunks),
	KUNIT_CASE_SLOW(kf_many_readers),
	KUNIT_CASE(kf_bad_args),
	KUNIT_CASE(kf_nowait_cached),
	KUNIT_CASE(kf_folio_wait),
	KUNIT_CASE(kf_nowait_then_pool),
	KUNIT_CASE_PARAM(kf_abort_in_flight, kf_abort_gen_params),
	KUNIT_CASE_PARAM(kf_limit_cancel, kf_abort_gen_params),
	KUNIT_CASE(kf_drain_waits_for_orphans),
	KUNIT_CASE_PARAM(kf_dio_read, kf_dio_gen_params),
	KUNIT_CASE(kf_dio_write),
	KUNIT_CASE(kf_dio_sync_again_align),
	KUNIT_CASE(kf_dio_abort),
	KUNIT_CASE_PARAM(kf_dio_irq, kf_dio_irq_gen_params),
	KUNIT_CASE(kf_nowait_write),
	KUNIT_CASE(kf_ext4_buffered),
	KUNIT_CASE(kf_ext4_direct),
	KUNIT_CASE_SLOW(kf_ext4_many_readers),
	KUNIT_CASE_PARAM(kf_ext4_abort, kf_eabort_gen_params),
	KUNIT_CASE(kf_ext4_eio),
	KUNIT_CASE(kf_tmpfs_mount),
	{}
};

static struct kunit_suite kasync_file_suite = {
	.name = "kasync_file",
	.test_cases = kasync_file_cases,
};

kunit_test_suite(kasync_file_suite);

MODULE_DESCRIPTION("KUnit tests for kasync file I/O");
MODULE_LICENSE("GPL");
