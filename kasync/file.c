// SPDX-License-Identifier: GPL-2.0
/*
 * kasync file I/O: buffered and direct reads and writes of regular
 * files, awaited from tasks without a thread blocked per read.
 *
 * Paths.  Each await loops until the transfer is complete, the end of the
 * file, or an error, choosing for each step the first path that applies:
 *
 *   0. direct   an %O_DIRECT file whose file system honours %IOCB_NOWAIT:
 *               at most %KASYNC_FILE_CHUNK bytes are submitted from the
 *               poll with %IOCB_DIRECT | %IOCB_NOWAIT through the
 *               request's kiocb and its aligned bounce buffer (the device
 *               writes there, never into the caller's memory).  A result
 *               at once completes in the poll; -EIOCBQUEUED leaves the
 *               task waiting for ->ki_complete(), kasync_file_dio_done(),
 *               and its next poll copies the bounce buffer to the
 *               caller's iov_iter.  -EAGAIN goes to 3, as io_uring's
 *               direct reads go to io-wq.  A short transfer ends the
 *               await.
 *   1. nowait   the file system honours %IOCB_NOWAIT (%FMODE_NOWAIT) and
 *               the file is not %O_DIRECT: a read runs in the poll and
 *               copies what the page cache has; a short result means the
 *               next folio is not cached, and the loop goes on.  A write
 *               runs in the poll where the file system also does
 *               non-blocking buffered writes (%FOP_BUFFER_WASYNC,
 *               %FMODE_BUF_WASYNC before 6.11), taking the file system's
 *               freeze protection with a trylock (-EAGAIN if frozen); an
 *               -EAGAIN goes to 3.
 *   2. folio    the file system also does asynchronous buffered reads
 *               (%FOP_BUFFER_RASYNC, %FMODE_BUF_RASYNC before 6.11): the
 *               read runs again with %IOCB_WAITQ and our wait entry as
 *               kiocb->ki_waitq.  -EIOCBQUEUED means filemap_read() queued
 *               the entry on a locked folio (__folio_lock_async()); the
 *               entry's function, kasync_file_wake(), runs when the folio
 *               is unlocked (its read finished) and wakes the task, whose
 *               next poll goes back to 1.  This is io_uring's
 *               io_rw_should_retry() and io_async_buf_func().
 *   3. pool     otherwise (tmpfs, 9p, ext4's buffered writes, a direct
 *               or non-blocking attempt that said -EAGAIN, and a
 *               %IOCB_WAITQ read that found nothing to wait on):
 *               a synchronous read or write (as kernel_read() or
 *               kernel_write(), over a bvec) of at most
 *               %KASYNC_FILE_CHUNK bytes on the blocking pool, through a
 *               bounce buffer the request owns, as io_uring punts to
 *               io-wq.  The poll copies the bounce buffer to the caller's
 *               iov_iter (reads) or from it before the job (writes).  A
 *               short pool transfer ends the await: a synchronous read of
 *               a regular file is short only at the end of the file.
 *
 * The request.  A nowait read needs nothing but a kiocb on the stack.  An
 * await that has to wait allocates a &struct kasync_file_req, which holds
 * what a late completion touches: the folio wait entry or the direct
 * transfer's kiocb, a reference on the file, the bounce buffer, the task
 * pointer.  The caller's buffer and
 * iov_iter are touched only from the task's polls, so an aborted task's
 * memory is never written after its end.  The task keeps the request in
 * its &struct kasync_file_io from the first wait to the end of the
 * operation, with a cleanup hook that gives it up.
 *
 * Contexts.  The task side (polls, kasync_file_io_cancel(), the cleanup
 * hook) runs in the task's worker.  kasync_file_wake() runs wherever the
 * folio is unlocked (the block layer's completion: hard or soft IRQ, or a
 * task), with the folio wait queue's lock held and interrupts off; it
 * does not sleep and frees an orphaned request there (kfree(), fput()
 * and kasync_task_put() are fine in any context).  So does
 * kasync_file_dio_done(), from wherever the file system completes the
 * transfer (hard IRQ included), without a lock held.  The pool function
 * runs in process context on the pool and may sleep.
 *
 * Fields of &struct kasync_file_req, in the legend of rules.h:
 *
 *   wpq      Q: the entry is on a folio wait queue between the read that
 *            returned -EIOCBQUEUED and kasync_file_wake(); func, private
 *            and the folio key are set by the task side before the read
 *   kiocb, bv, iter     D: set by the task side before a direct
 *            transfer's submission; the file system's from then until
 *            kasync_file_dio_done()
 *   res      D: written by kasync_file_dio_done() before its cmpxchg,
 *            read by the task side after it saw WOKEN
 *   file, owner, task   I (task: referenced while QUEUED, rule F2)
 *   node     F: on kasync_file_reqs from allocation to free
 *   bounce, size        P, or the pool's while handed to it (rule F4)
 *   len, write          P; read by the pool function
 *   pos      P; written by the pool function before its job is DONE
 *            (blocking rule B3 orders it), read by the task after
 *   state    A: KF_* (rule F1)
 *
 * &struct kasync_file_io is P.  (F: kasync_file_lock, an irq-safe
 * spinlock: kasync_file_wake() frees requests in IRQ context.)
 *
 * ======================== kasync file rules ===========================
 *
 * F1. Folio wait, direct transfer.  The same rule holds for a direct
 *     transfer, with kasync_file_dio_done() in the place of
 *     kasync_file_wake() and "returned -EIOCBQUEUED" meaning "will call
 *     ->ki_complete()" (which may run before the submission returns).
 *     The task side sets QUEUED (and takes the task
 *     reference, F2) before the read that may queue the entry.  If the
 *     read returns anything but -EIOCBQUEUED, nothing was queued (a read
 *     that copied data first switches itself to %IOCB_NOWAIT, so it never
 *     returns -EIOCBQUEUED after copying): the task side sets IDLE again
 *     and drops the reference.  Otherwise exactly one of two cmpxchgs on
 *     state wins:
 *
 *	kasync_file_wake(): QUEUED -> WOKEN	the task side owns the request
 *	task abandons:	    QUEUED -> ORPHANED	kasync_file_wake() frees it
 *
 *     kasync_file_wake() unlinks the entry (list_del_init() under the
 *     queue's lock) before its cmpxchg, then touches only its locals (the
 *     task pointer): after WOKEN the task may queue the entry again.  A
 *     task side that lost (it saw WOKEN) executes
 *     smp_acquire__after_ctrl_dep() before it frees or reuses the request.
 *
 * F2. Task reference.  kasync_file_wake() calls kasync_wake() after the
 *     task side may have finished (WOKEN hands the request back, and the
 *     task can end at once): the entry holds a task reference from
 *     QUEUED until kasync_file_wake() dropped it, as the blocking pool's
 *     jobs do.  Wake-source rule W1 (wait.c): the cmpxchg to WOKEN comes
 *     before kasync_wake(), whose smp_mb() makes it visible to the next
 *     poll, which reads state with atomic_read_acquire().
 *
 * F3. Abandon.  Abort and kasync_file_io_cancel() never wait: a QUEUED
 *     request is orphaned (F1) and freed by the folio wake, which always
 *     comes (a locked folio is unlocked when its read ends, even on
 *     error), or by the direct transfer's ->ki_complete(), which the file
 *     system calls for every -EIOCBQUEUED (a write's freeze protection
 *     is dropped there too); a request handed to the pool is given up with
 *     kasync_blocking_cancel() and freed by the job's discard callback
 *     (blocking rules B1, B2); any other is freed by the task side.
 *
 * F4. Pool.  While @io->pool is set, the request belongs to the blocking
 *     job (its argument): the task side touches it again only after
 *     __kasync_blocking() reported %KASYNC_READY, and an abandoned job
 *     frees it in kasync_file_discard().
 *
 * F5. Drain.  Requests are listed on kasync_file_reqs (under F) from
 *     allocation to free, and only while their owner module is live
 *     (checked under F: unload sets MODULE_STATE_GOING before the module
 *     notifier drains).  The notifier (through the blocking pool's drain)
 *     waits until no request of the module is listed; kasync's own exit
 *     waits for all, so no folio wake runs kasync code after it.  The
 *     freeing side unlists under F, then wq_has_sleeper() (smp_mb())
 *     pairs with the set_current_state() of the drainer's wait_event().
 * ======================================================================
 */
#include <linux/atomic.h>
#include <linux/blkdev.h>
#include <linux/bvec.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fsnotify.h>
#include <linux/log2.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uio.h>
#include <linux/wait.h>

#include <kasync.h>

#include "compat.h"
#include "fail.h"
#include "misuse.h"
#include "pool.h"
#include "task_access.h"

enum kasync_file_req_state {
	KF_IDLE,	/* no folio wait queued; the task side owns it */
	KF_QUEUED,	/* the entry may be on a folio wait queue */
	KF_WOKEN,	/* kasync_file_wake() ran; the task side owns it */
	KF_ORPHANED,	/* abandoned while QUEUED; kasync_file_wake() frees */
};

struct kasync_file_req {
	struct wait_page_queue wpq;	/* Q */
	struct kiocb kiocb;		/* D */
	struct bio_vec bv;		/* D: @bounce */
	struct iov_iter iter;		/* D: over @bv */
	long res;			/* D: written by kasync_file_dio_done() */
	struct file *file;		/* I: a reference */
	struct kasync_task *task;	/* I: referenced while QUEUED */
	struct module *owner;		/* I */
	struct list_head node;		/* F */
	void *bounce;			/* P, or the pool's (rule F4) */
	size_t size;			/* P: of @bounce */
	size_t len;			/* P: the pool job's bytes */
	loff_t pos;			/* P: the pool job's position */
	bool write;			/* I */
	atomic_t state;			/* A: rule F1 */
};

static DEFINE_SPINLOCK(kasync_file_lock);
static LIST_HEAD(kasync_file_reqs);			/* F: rule F5 */
static unsigned long kasync_file_nr;			/* F; racy reads */
static DECLARE_WAIT_QUEUE_HEAD(kasync_file_drain_wq);

static struct {
	atomic_long_t nowait;
	atomic_long_t folio_waits;
	atomic_long_t folio_wakes;
	atomic_long_t pool;
	atomic_long_t abandoned;
	atomic_long_t direct;
	atomic_long_t direct_waits;
	atomic_long_t nowait_writes;
} kasync_file_st;					/* A */

/* May a read of @file run in the poll with %IOCB_NOWAIT? */
static bool kasync_file_nowait(const struct file *file)
{
	return (file->f_mode & FMODE_NOWAIT) && !(file->f_flags & O_DIRECT);
}

/* May a direct transfer of @file be submitted from the poll? */
static bool kasync_file_direct(const struct file *file)
{
	return (file->f_flags & O_DIRECT) && (file->f_mode & FMODE_NOWAIT);
}

/* May a buffered write to @file run in the poll with %IOCB_NOWAIT? */
static bool kasync_file_nowait_write(const struct file *file)
{
	return (file->f_mode & FMODE_NOWAIT) && !(file->f_flags & O_DIRECT) &&
	       kasync_file_can_async_write(file);
}

/*
 * The alignment %O_DIRECT asks of positions and lengths: the device's
 * logical block size, or 512 bytes without a device.
 */
static unsigned int kasync_file_dio_align(const struct file *file)
{
	struct super_block *sb = file_inode(file)->i_sb;

	return sb->s_bdev ? bdev_logical_block_size(sb->s_bdev) : 512;
}

/* Unlist and free a request; the caller owns it (rules F1, F4). */
static void kasync_file_req_free(struct kasync_file_req *req)
{
	unsigned long flags;

	spin_lock_irqsave(&kasync_file_lock, flags);
	list_del(&req->node);
	WRITE_ONCE(kasync_file_nr, kasync_file_nr - 1);
	spin_unlock_irqrestore(&kasync_file_lock, flags);
	fput(req->file);
	kfree(req->bounce);
	kfree(req);
	/* Rule F5: smp_mb(), pairs with set_current_state() in the drain. */
	if (wq_has_sleeper(&kasync_file_drain_wq))
		wake_up_all(&kasync_file_drain_wq);
}

/*
 * The folio wait entry's function: the folio was unlocked (rule F1).  Runs
 * under the folio wait queue's lock, with interrupts off.
 */
static int kasync_file_wake(struct wait_queue_entry *wait, unsigned int mode,
			    int sync, void *key)
{
	struct wait_page_queue *wpq =
		container_of(wait, struct wait_page_queue, wait);
	struct kasync_file_req *req = wait->private;
	struct kasync_task *task = req->task;

	if (!wake_page_match(wpq, key))
		return 0;
	list_del_init(&wait->entry);
	/* Rule F1: fully ordered; pairs with the task side's ORPHANED. */
	if (atomic_cmpxchg(&req->state, KF_QUEUED, KF_WOKEN) == KF_QUEUED) {
		/* The request is the task's now: locals only (rule F2). */
		atomic_long_inc(&kasync_file_st.folio_wakes);
		kasync_wake(task);	/* wake-source rule W1 */
	} else {
		/* ORPHANED: ours to free. */
		smp_acquire__after_ctrl_dep();
		kasync_file_req_free(req);
	}
	kasync_task_put(task);		/* rule F2 */
	return 1;
}

/* Allocate and list the request of @io; 0 or -errno. */
static int kasync_file_req_new(struct kasync_task *task,
			       struct kasync_file_io *io)
{
	struct kasync_file_req *req;

	/* Polls must not sleep: no reclaim. */
	req = kasync_kzalloc(sizeof(*req), GFP_NOWAIT | __GFP_NOWARN);
	if (!req)
		return -ENOMEM;
	req->file = io->file;
	req->task = task;
	req->owner = io->owner;
	req->write = io->write;
	atomic_set(&req->state, KF_IDLE);

	spin_lock_irq(&kasync_file_lock);
	/* Rule F5: the unload notifier's drain takes this lock after GOING. */
	if (io->owner && !module_is_live(io->owner)) {
		spin_unlock_irq(&kasync_file_lock);
		kfree(req);
		return -ESHUTDOWN;
	}
	list_add_tail(&req->node, &kasync_file_reqs);
	WRITE_ONCE(kasync_file_nr, kasync_file_nr + 1);
	spin_unlock_irq(&kasync_file_lock);

	get_file(req->file);
	io->req = req;
	kasync_cleanup_add(task, &io->cleanup);
	return 0;
}

/* Give the request of @io up (rule F3); the task side's half of F1. */
static void kasync_file_abandon(struct kasync_file_io *io)
{
	struct kasync_file_req *req = io->req;

	io->req = NULL;
	if (io->pool) {
		/* Rule F4: the job's discard callback frees it, if it has not. */
		io->pool = false;
		atomic_long_inc(&kasync_file_st.abandoned);
		kasync_blocking_cancel(io->task, &io->b);
		return;
	}
	if (atomic_cmpxchg(&req->state, KF_QUEUED, KF_ORPHANED) == KF_QUEUED) {
		/* Rule F1: kasync_file_wake() frees it. */
		atomic_long_inc(&kasync_file_st.abandoned);
		return;
	}
	/* IDLE or WOKEN: ours. */
	smp_acquire__after_ctrl_dep();
	kasync_file_req_free(req);
}

static void kasync_file_cleanup(struct kasync_cleanup *c)
{
	kasync_file_abandon(container_of(c, struct kasync_file_io, cleanup));
}

/* Report the operation's outcome: bytes moved win over a later error. */
static enum kasync_poll kasync_file_finish(struct kasync_task *task,
					   struct kasync_file_io *io,
					   long ret, long *res)
{
	if (io->req) {
		kasync_cleanup_del(task, &io->cleanup);
		kasync_file_abandon(io);
	}
	if (io->done) {
		ret = io->done;
		if (io->fpos)
			io->file->f_pos = io->pos;
	}
	io->started = false;
	*res = ret;
	return KASYNC_READY;
}

/* One read attempt in the poll: @flags %IOCB_NOWAIT or %IOCB_WAITQ. */
static ssize_t kasync_file_try_read(struct kasync_file_io *io, int flags,
				    struct wait_page_queue *wpq)
{
	struct iov_iter saved = *io->iter;
	struct kiocb kiocb;
	ssize_t ret;

	init_sync_kiocb(&kiocb, io->file);
	kiocb.ki_pos = io->pos;
	kiocb.ki_flags |= flags;
	kiocb.ki_waitq = wpq;
	ret = vfs_iocb_iter_read(io->file, &kiocb, io->iter);
	/*
	 * As io_uring: trust the result, not what the file did to the iter
	 * (iov_iter_restore() is not exported; a copy of a kernel-memory
	 * iter is its saved state).
	 */
	*io->iter = saved;
	if (ret > 0) {
		iov_iter_advance(io->iter, ret);
		io->pos = kiocb.ki_pos;
		io->done += ret;
	}
	return ret;
}

/*
 * Path 2: read with the folio wait armed.  Returns -EIOCBQUEUED if the
 * entry is queued (the task waits for kasync_file_wake()), else what the
 * read returned, with nothing queued.
 */
static ssize_t kasync_file_read_waitq(struct kasync_task *task,
				      struct kasync_file_io *io)
{
	struct kasync_file_req *req = io->req;
	ssize_t ret;

	init_waitqueue_func_entry(&req->wpq.wait, kasync_file_wake);
	req->wpq.wait.private = req;
	kasync_task_get(task);				/* rule F2 */
	atomic_set(&req->state, KF_QUEUED);		/* rule F1 */
	ret = kasync_file_try_read(io, IOCB_WAITQ, &req->wpq);
	if (ret == -EIOCBQUEUED) {
		atomic_long_inc(&kasync_file_st.folio_waits);
		return ret;
	}
	/* Nothing was queued: no wake will come (rule F1). */
	atomic_set(&req->state, KF_IDLE);
	kasync_task_put(task);
	return ret;
}

/*
 * The pool's half of path 3: may sleep.  What kernel_read() and
 * kernel_write() do, but over a bvec: before 6.3 a file system's
 * %O_DIRECT path cannot take the pages of their kvec (-EFAULT).
 */
static long kasync_file_pool_fn(void *arg)
{
	struct kasync_file_req *req = arg;
	struct file *file = req->file;
	struct iov_iter iter;
	struct kiocb kiocb;
	struct bio_vec bv;
	ssize_t ret;

	bvec_set_page(&bv, virt_to_page(req->bounce), req->len,
		      offset_in_page(req->bounce));
	iov_iter_bvec(&iter, req->write ? ITER_SOURCE : ITER_DEST, &bv, 1,
		      req->len);
	init_sync_kiocb(&kiocb, file);
	kiocb.ki_pos = req->pos;
	if (!req->write) {
		ret = vfs_iocb_iter_read(file, &kiocb, &iter);
	} else {
		ret = rw_verify_area(WRITE, file, &kiocb.ki_pos, req->len);
		if (ret >= 0) {
			kiocb.ki_flags |= IOCB_WRITE;
			file_start_write(file);
			ret = file->f_op->write_iter(&kiocb, &iter);
			file_end_write(file);
			if (ret > 0)
				fsnotify_modify(file);
		}
	}
	/* A synchronous kiocb: never -EIOCBQUEUED. */
	if (ret > 0)
		req->pos = kiocb.ki_pos;  /* published by the job's DONE (rule B3) */
	return ret;
}

/* An abandoned pool job hands its request back (rule F4). */
static void kasync_file_discard(void *arg, long res)
{
	kasync_file_req_free(arg);
}

/* Await the pool job of @io; the caller checks @io->pool. */
static enum kasync_poll kasync_file_pool_poll(struct kasync_task *task,
					      struct kasync_file_io *io,
					      long *ret)
{
	return __kasync_blocking(task, &io->b, kasync_file_pool_fn, io->req,
				 kasync_file_discard, ret, io->owner);
}

/*
 * Give @req its bounce buffer for @count bytes, if it has none: a power of
 * two of at least 512 bytes and at most %KASYNC_FILE_CHUNK, which kmalloc()
 * aligns to its size, as %O_DIRECT needs (and kmalloc() rounds sizes so
 * anyway).  0 or -ENOMEM.
 */
static int kasync_file_bounce(struct kasync_file_req *req, size_t count)
{
	size_t size = roundup_pow_of_two(clamp_t(size_t, count, 512,
						 KASYNC_FILE_CHUNK));

	if (req->bounce)
		return 0;
	/* No reclaim in a poll; a page is more likely than 64 KiB. */
	req->bounce = kasync_kmalloc(size, GFP_NOWAIT | __GFP_NOWARN);
	if (!req->bounce && size > PAGE_SIZE) {
		size = PAGE_SIZE;
		req->bounce = kasync_kmalloc(size, GFP_NOWAIT | __GFP_NOWARN);
	}
	if (!req->bounce)
		return -ENOMEM;
	req->size = size;
	return 0;
}

/*
 * Path 3: hand the next chunk to the pool.  Reports %KASYNC_PENDING, or
 * %KASYNC_READY with *@ret an error if the job could not be queued.
 */
static enum kasync_poll kasync_file_pool_start(struct kasync_task *task,
					       struct kasync_file_io *io,
					       long *ret)
{
	size_t count = iov_iter_count(io->iter);
	struct kasync_file_req *req = io->req;

	if (kasync_file_bounce(req, count)) {
		*ret = -ENOMEM;
		return KASYNC_READY;
	}
	req->len = min(count, req->size);
	req->pos = io->pos;
	if (io->write &&
	    copy_from_iter(req->bounce, req->len, io->iter) != req->len) {
		*ret = -EFAULT;
		return KASYNC_READY;
	}
	atomic_long_inc(&kasync_file_st.pool);
	io->pool = true;
	if (kasync_file_pool_poll(task, io, ret) == KASYNC_PENDING)
		return KASYNC_PENDING;
	/* Not queued (*ret is the error): the request is ours again. */
	io->pool = false;
	if (io->write)
		iov_iter_revert(io->iter, req->len);
	return KASYNC_READY;
}

/*
 * The pool job of @io returned @ret: move the data, advance.  Returns 1 to
 * go on, or 0 with *@ret the operation's last word.
 */
static int kasync_file_pool_done(struct kasync_file_io *io, long *ret)
{
	struct kasync_file_req *req = io->req;
	size_t n = *ret > 0 ? *ret : 0;

	io->pool = false;
	if (io->write) {
		if (n < req->len)
			iov_iter_revert(io->iter, req->len - n);
	} else if (n && copy_to_iter(req->bounce, n, io->iter) != n) {
		*ret = -EFAULT;
		return 0;
	}
	if (*ret <= 0)
		return 0;
	io->done += n;
	io->pos = req->pos;
	return n == req->len;
}

/* Drop the freeze protection a write took (kiocb_end_write()). */
static void kasync_file_end_write(struct file *file)
{
	struct super_block *sb = file_inode(file)->i_sb;

	/* The protection may come from the submitting context: lockdep. */
	__sb_writers_acquired(sb, SB_FREEZE_WRITE);
	sb_end_write(sb);
}

/*
 * A write through @kiocb from the poll, as vfs_iocb_iter_write() makes it
 * but without sleeping for a frozen file system (-EAGAIN instead), as
 * io_uring's io_kiocb_start_write() does.  A write that returns
 * -EIOCBQUEUED keeps the freeze protection until its ->ki_complete()
 * calls kasync_file_end_write().
 */
static ssize_t kasync_file_write_iocb(struct file *file, struct kiocb *kiocb,
				      struct iov_iter *from)
{
	struct super_block *sb = file_inode(file)->i_sb;
	ssize_t ret;

	ret = rw_verify_area(WRITE, file, &kiocb->ki_pos, iov_iter_count(from));
	if (ret < 0)
		return ret;
	if (!sb_start_write_trylock(sb))
		return -EAGAIN;
	/* As kiocb_start_write(): the completion may run elsewhere. */
	__sb_writers_release(sb, SB_FREEZE_WRITE);
	kiocb->ki_flags |= IOCB_WRITE;
	ret = file->f_op->write_iter(kiocb, from);
	if (ret != -EIOCBQUEUED)
		kasync_file_end_write(file);
	if (ret > 0)
		fsnotify_modify(file);
	return ret;
}

/* Path 1 of a write: a buffered write with %IOCB_NOWAIT, in the poll. */
static ssize_t kasync_file_try_write(struct kasync_file_io *io)
{
	struct iov_iter saved = *io->iter;
	struct kiocb kiocb;
	ssize_t ret;

	init_sync_kiocb(&kiocb, io->file);
	kiocb.ki_pos = io->pos;
	kiocb.ki_flags |= IOCB_NOWAIT;
	ret = kasync_file_write_iocb(io->file, &kiocb, io->iter);
	*io->iter = saved;
	if (ret > 0) {
		iov_iter_advance(io->iter, ret);
		io->pos = kiocb.ki_pos;
		io->done += ret;
		atomic_long_inc(&kasync_file_st.nowait_writes);
	}
	return ret;
}

/*
 * ->ki_complete() of a direct transfer (rule F1): any context, hard IRQ
 * included.  The file system calls it once, after its ->read_iter() or
 * ->write_iter() returned -EIOCBQUEUED or even before.
 */
static void kasync_file_dio_done(struct kiocb *kiocb, long res)
{
	struct kasync_file_req *req =
		container_of(kiocb, struct kasync_file_req, kiocb);
	struct kasync_task *task = req->task;

	if (req->write)
		kasync_file_end_write(req->file);
	req->res = res;
	/* Rule F1: fully ordered, after @res; pairs with the task side. */
	if (atomic_cmpxchg(&req->state, KF_QUEUED, KF_WOKEN) == KF_QUEUED) {
		kasync_wake(task);	/* wake-source rule W1 */
	} else {
		/* ORPHANED: ours to free; the data goes with the bounce. */
		smp_acquire__after_ctrl_dep();
		kasync_file_req_free(req);
	}
	kasync_task_put(task);		/* rule F2 */
}

/*
 * Path 0: submit the next chunk of a direct transfer through the
 * request's kiocb and bounce buffer.  Returns -EIOCBQUEUED if it is in
 * flight (the task waits for kasync_file_dio_done()), else its result,
 * for kasync_file_dio_end().
 */
static ssize_t kasync_file_dio_submit(struct kasync_task *task,
				      struct kasync_file_io *io)
{
	struct kasync_file_req *req = io->req;
	size_t count = iov_iter_count(io->iter);
	struct kiocb *kiocb = &req->kiocb;
	ssize_t ret;

	req->len = 0;
	if (kasync_file_bounce(req, count))
		return -ENOMEM;
	req->len = min(count, req->size);
	if (io->write &&
	    copy_from_iter(req->bounce, req->len, io->iter) != req->len) {
		iov_iter_revert(io->iter, req->len);
		req->len = 0;
		return -EFAULT;
	}
	/* kmalloc() memory is physically contiguous: one bvec. */
	bvec_set_page(&req->bv, virt_to_page(req->bounce), req->len,
		      offset_in_page(req->bounce));
	iov_iter_bvec(&req->iter, io->write ? ITER_SOURCE : ITER_DEST,
		      &req->bv, 1, req->len);
	init_sync_kiocb(kiocb, io->file);
	kiocb->ki_pos = io->pos;
	kiocb->ki_flags |= IOCB_DIRECT | IOCB_NOWAIT;
	kiocb->ki_complete = kasync_file_dio_done;

	atomic_long_inc(&kasync_file_st.direct);
	kasync_task_get(task);				/* rule F2 */
	atomic_set(&req->state, KF_QUEUED);		/* rule F1 */
	if (io->write)
		ret = kasync_file_write_iocb(io->file, kiocb, &req->iter);
	else
		ret = vfs_iocb_iter_read(io->file, kiocb, &req->iter);
	if (ret == -EIOCBQUEUED) {
		io->dio = true;
		atomic_long_inc(&kasync_file_st.direct_waits);
		return ret;
	}
	/* Done at once: no ->ki_complete() will come (rule F1). */
	atomic_set(&req->state, KF_IDLE);
	kasync_task_put(task);
	return ret;
}

/*
 * A direct transfer of @io ended with *@ret: move the data, advance.
 * Returns 1 to go on, or 0 with *@ret the operation's last word (a short
 * transfer: the end of the file, or a short write).
 */
static int kasync_file_dio_end(struct kasync_file_io *io, long *ret)
{
	struct kasync_file_req *req = io->req;
	size_t n = *ret > 0 ? min_t(size_t, *ret, req->len) : 0;

	if (io->write) {
		if (n < req->len)
			iov_iter_revert(io->iter, req->len - n);
	} else if (n && copy_to_iter(req->bounce, n, io->iter) != n) {
		*ret = -EFAULT;
		return 0;
	}
	if (*ret <= 0)
		return 0;
	io->done += n;
	io->pos += n;
	return n == req->len;
}

/* Is @err what a non-blocking read says when it would have to wait? */
static bool kasync_file_again(ssize_t err)
{
	/* Some file systems say -EOPNOTSUPP; io_uring retries both. */
	return err == -EAGAIN || err == -EOPNOTSUPP;
}

/* The operation's loop, from a poll with nothing in flight. */
static enum kasync_poll kasync_file_run(struct kasync_task *task,
					struct kasync_file_io *io, long *res)
{
	struct file *file = io->file;
	long ret = 0;
	int err;

	while (iov_iter_count(io->iter)) {
		if (kasync_file_direct(file)) {
			/* Path 0. */
			if (!io->req) {
				err = kasync_file_req_new(task, io);
				if (err)
					return kasync_file_finish(task, io, err, res);
			}
			ret = kasync_file_dio_submit(task, io);
			if (ret == -EIOCBQUEUED)
				return kt_pending(task, KASYNC_WAIT_FILE);
			if (kasync_file_dio_end(io, &ret))
				continue;
			if (!kasync_file_again(ret))
				break;
		} else if (io->write && kasync_file_nowait_write(file)) {
			/* Path 1 of a write. */
			ret = kasync_file_try_write(io);
			if (ret > 0)
				continue;
			if (!kasync_file_again(ret))
				break;
		} else if (!io->write && kasync_file_nowait(file)) {
			/* Path 1. */
			ret = kasync_file_try_read(io, IOCB_NOWAIT, NULL);
			if (ret >= 0)
				atomic_long_inc(&kasync_file_st.nowait);
			if (ret > 0)
				continue;
			if (!kasync_file_again(ret))
				break;
			/* Path 2. */
			if (kasync_file_can_async_read(file)) {
				if (!io->req) {
					err = kasync_file_req_new(task, io);
					if (err)
						return kasync_file_finish(task, io, err, res);
				}
				ret = kasync_file_read_waitq(task, io);
				if (ret == -EIOCBQUEUED)
					return kt_pending(task, KASYNC_WAIT_FILE);
				if (ret > 0)
					continue;
				if (!kasync_file_again(ret))
					break;
			}
		}
		/* Path 3. */
		if (!io->req) {
			err = kasync_file_req_new(task, io);
			if (err)
				return kasync_file_finish(task, io, err, res);
		}
		if (kasync_file_pool_start(task, io, &ret) == KASYNC_PENDING)
			return KASYNC_PENDING;
		break;
	}
	return kasync_file_finish(task, io, ret, res);
}

/* An operation in progress: see what its request says, then go on. */
static enum kasync_poll kasync_file_resume(struct kasync_task *task,
					   struct kasync_file_io *io,
					   long *res)
{
	struct kasync_file_req *req = io->req;
	long ret;

	if (req && io->pool) {
		if (kasync_file_pool_poll(task, io, &ret) == KASYNC_PENDING)
			return KASYNC_PENDING;
		if (!kasync_file_pool_done(io, &ret))
			return kasync_file_finish(task, io, ret, res);
	} else if (req) {
		/* Rule F2: pairs with kasync_file_wake()'s cmpxchg. */
		switch (atomic_read_acquire(&req->state)) {
		case KF_QUEUED:
			return kt_pending(task, KASYNC_WAIT_FILE);
		case KF_WOKEN:
			atomic_set(&req->state, KF_IDLE);
			if (!io->dio)
				break;
			/* Path 0's completion: @res is published (rule F1). */
			io->dio = false;
			ret = req->res;
			if (kasync_file_dio_end(io, &ret))
				break;
			if (!kasync_file_again(ret))
				return kasync_file_finish(task, io, ret, res);
			/* Asked to retry from a blocking context: the pool. */
			if (kasync_file_pool_start(task, io, &ret) ==
			    KASYNC_PENDING)
				return KASYNC_PENDING;
			return kasync_file_finish(task, io, ret, res);
		default:
			break;
		}
	}
	return kasync_file_run(task, io, res);
}

/* The first poll: check the arguments, start. */
static int kasync_file_start(struct kasync_task *task,
			     struct kasync_file_io *io, struct file *file,
			     struct iov_iter *iter, loff_t pos, bool write,
			     struct module *owner, const char *fn)
{
	if (__kasync_misuse(IS_ERR_OR_NULL(file), fn, "without a file") ||
	    __kasync_misuse(!iter || user_backed_iter(iter), fn,
			    "without a kernel iov_iter") ||
	    __kasync_misuse(iov_iter_rw(iter) != (write ? WRITE : READ), fn,
			    "with an iov_iter of the other direction"))
		return -EINVAL;
	if (!(file->f_mode & (write ? FMODE_WRITE : FMODE_READ)))
		return -EBADF;
	/* What vfs_iocb_iter_read() and kernel_read() need. */
	if (!S_ISREG(file_inode(file)->i_mode) ||
	    !(file->f_mode & (write ? FMODE_CAN_WRITE : FMODE_CAN_READ)) ||
	    !(write ? file->f_op->write_iter : file->f_op->read_iter))
		return -EINVAL;
	if (pos < 0 && pos != KASYNC_FILE_POS)
		return -EINVAL;
	/* As the file system would; the bounce buffer is aligned. */
	if (file->f_flags & O_DIRECT) {
		unsigned int mask = kasync_file_dio_align(file) - 1;

		if (((pos == KASYNC_FILE_POS ? file->f_pos : pos) & mask) ||
		    (iov_iter_count(iter) & mask))
			return -EINVAL;
	}

	io->task = task;
	io->file = file;
	io->iter = iter;
	io->owner = owner;
	io->write = write;
	io->fpos = pos == KASYNC_FILE_POS;
	io->pos = io->fpos ? file->f_pos : pos;
	io->done = 0;
	io->pool = false;
	io->dio = false;
	io->cleanup.fn = kasync_file_cleanup;
	io->started = true;
	return 0;
}

/* One poll of an operation: start it on the first. */
static enum kasync_poll kasync_file_step(struct kasync_task *task,
					 struct kasync_file_io *io,
					 struct file *file,
					 struct iov_iter *iter, loff_t pos,
					 bool write, long *res,
					 struct module *owner, const char *fn)
{
	int err;

	if (io->started)
		return kasync_file_resume(task, io, res);
	err = kasync_file_start(task, io, file, iter, pos, write, owner, fn);
	if (err) {
		*res = err;
		return KASYNC_READY;
	}
	return kasync_file_run(task, io, res);
}

static enum kasync_poll kasync_file_io(struct kasync_task *task,
				       struct kasync_file_io *io,
				       struct file *file, struct iov_iter *iter,
				       loff_t pos, bool write, long *res,
				       struct module *owner, const char *fn)
{
	if (__kasync_misuse(io->started && io->task != task, fn,
			    "on another task's await")) {
		*res = -EINVAL;
		return KASYNC_READY;
	}
	return kasync_coop(task, kasync_file_step(task, io, file, iter, pos,
						  write, res, owner, fn));
}

/**
 * __kasync_file_read_iter - await a read of a regular file
 * @task: the task being polled
 * @io: its &struct kasync_file_io, in the task's state; zeroed, or
 *	finished or cancelled, when no operation is in progress
 * @file: the file, open for reading, regular; the caller keeps its
 *	reference until the await reports %KASYNC_READY or is cancelled
 * @iter: the destination, %ITER_DEST over kernel memory (kvec, bvec,
 *	xarray); it and what it points to stay valid and untouched by
 *	others until then (they may be in the task's state); advanced by
 *	the bytes read
 * @pos: the file offset, or %KASYNC_FILE_POS to read at the file
 *	position and advance it (when this reports %KASYNC_READY)
 * @res: the result, set only when this reports %KASYNC_READY
 * @owner: the module whose unload waits for the operation's request
 *
 * Use kasync_file_read_iter() or kasync_file_read(), for KASYNC_AWAIT().
 * The arguments but @task, @io and @res are read on the first poll only.
 * Reads the page cache in the poll with %IOCB_NOWAIT where the file
 * system allows it; waits for a folio being read (%IOCB_WAITQ) where the
 * file system supports asynchronous buffered reads; submits an %O_DIRECT
 * read from the poll (%IOCB_DIRECT | %IOCB_NOWAIT) into a bounce buffer
 * of its own and waits for its completion, where the file system honours
 * %IOCB_NOWAIT; runs the read on the blocking pool through a bounce
 * buffer elsewhere (see the notes at the top of this file).
 * A read is complete unless it reached the end of the file or an error:
 * the result is the kernel's, as read(2) reports it for a regular file.
 * A finished operation is charged to the task's cooperative budget.
 *
 * Abandoning the await (kasync_file_io_cancel(), kasync_abort(), the task
 * ending) never waits: a folio wait, direct transfer or pool transfer in
 * flight completes into the request kasync allocated, which is then
 * freed (a device never writes into @iter's memory); @iter and the
 * file position are not touched again.  What was read into @iter so far
 * stays there.  Module unload waits for the module's requests.
 *
 * Context: the task's poll function; does not sleep, save for the short
 * waits a non-blocking page-cache read may take (an atime update), as
 * io_uring's submission does.
 * Return: %KASYNC_PENDING (*@res untouched), or %KASYNC_READY with *@res
 * set: the bytes read (0 at or past the end of the file; fewer than asked
 * only at the end of the file or before an error), or a negative errno
 * when nothing was read: the file system's (-EIO, ...), -EBADF (@file not
 * open for reading), -EINVAL (@file not a regular file or one without
 * ->read_iter(), @pos negative and not %KASYNC_FILE_POS, an %O_DIRECT
 * @file with @pos or @iter's length not a multiple of the device's logical
 * block size (512 bytes without a device), or misuse, which
 * warns once at the call site: no @file, no or a user-memory or write
 * @iter, @io in use by another task),
 * -ENOMEM (the request or its bounce buffer could not be allocated without
 * sleeping), -ESHUTDOWN (@owner is being unloaded).
 */
enum kasync_poll __kasync_file_read_iter(struct kasync_task *task,
					 struct kasync_file_io *io,
					 struct file *file,
					 struct iov_iter *iter, loff_t pos,
					 long *res, struct module *owner)
{
	return kasync_file_io(task, io, file, iter, pos, false, res, owner,
			      __func__);
}
EXPORT_SYMBOL_GPL(__kasync_file_read_iter);

/**
 * __kasync_file_write_iter - await a write to a regular file
 * @task: the task being polled
 * @io: its &struct kasync_file_io, in the task's state
 * @file: the file, open for writing, regular; referenced by the caller
 *	until the await reports %KASYNC_READY or is cancelled
 * @iter: the data, %ITER_SOURCE over kernel memory; valid and untouched by
 *	others until then; advanced by the bytes written
 * @pos: the file offset, or %KASYNC_FILE_POS for the file position;
 *	%O_APPEND files append either way, as pwrite(2) does
 * @res: the result, set only when this reports %KASYNC_READY
 * @owner: the module whose unload waits for the operation's request
 *
 * Use kasync_file_write_iter() or kasync_file_write(), for KASYNC_AWAIT().
 * A buffered write runs in the poll with %IOCB_NOWAIT where the file
 * system does non-blocking buffered writes (xfs) and is not frozen, as
 * far as it goes without blocking.  An %O_DIRECT write is submitted from
 * the poll from a bounce buffer, as an %O_DIRECT read is.  Otherwise
 * (and after -EAGAIN) the write runs on the blocking pool, in chunks of
 * at most %KASYNC_FILE_CHUNK bytes copied first to a bounce buffer: a
 * long write is not one write(2) for concurrent %O_APPEND writers.  It
 * goes on until all is written, the file system writes less than asked
 * (a direct or pool chunk), or an error.
 *
 * Abandoning the await never waits: a chunk in flight is written or not
 * (the file's content there is unspecified); @iter is not touched again.
 *
 * Context: the task's poll function; does not sleep, save for the short
 * waits a non-blocking write may take (the inode lock), as io_uring's
 * submission does.
 * Return: %KASYNC_PENDING (*@res untouched), or %KASYNC_READY with *@res
 * set: the bytes written, or a negative errno when none were: the file
 * system's (-ENOSPC, -EFBIG, ...), -EBADF (@file not open for writing),
 * -EINVAL (as for __kasync_file_read_iter(), with a read @iter and
 * ->write_iter()), -ENOMEM,
 * -ESHUTDOWN.
 */
enum kasync_poll __kasync_file_write_iter(struct kasync_task *task,
					  struct kasync_file_io *io,
					  struct file *file,
					  struct iov_iter *iter, loff_t pos,
					  long *res, struct module *owner)
{
	return kasync_file_io(task, io, file, iter, pos, true, res, owner,
			      __func__);
}
EXPORT_SYMBOL_GPL(__kasync_file_write_iter);

/**
 * __kasync_file_read - await a read of a regular file into a buffer
 * @task: the task being polled
 * @io: its &struct kasync_file_io, in the task's state
 * @file: the file, open for reading
 * @buf: where the data goes; may be in the task's state
 * @len: bytes to read
 * @pos: the file offset, or %KASYNC_FILE_POS for the file position
 * @res: the result, set only when this reports %KASYNC_READY
 * @owner: the module whose unload waits for the operation's request
 *
 * __kasync_file_read_iter() over @buf (@io keeps the iov_iter).  Use
 * kasync_file_read().
 *
 * Context: as __kasync_file_read_iter().
 * Return: as __kasync_file_read_iter().
 */
enum kasync_poll __kasync_file_read(struct kasync_task *task,
				    struct kasync_file_io *io,
				    struct file *file, void *buf, size_t len,
				    loff_t pos, long *res, struct module *owner)
{
	if (!io->started) {
		io->kv.iov_base = buf;
		io->kv.iov_len = len;
		iov_iter_kvec(&io->own, ITER_DEST, &io->kv, 1, len);
	}
	return kasync_file_io(task, io, file, &io->own, pos, false, res,
			      owner, __func__);
}
EXPORT_SYMBOL_GPL(__kasync_file_read);

/**
 * __kasync_file_write - await a write of a buffer to a regular file
 * @task: the task being polled
 * @io: its &struct kasync_file_io, in the task's state
 * @file: the file, open for writing
 * @buf: the data; may be in the task's state
 * @len: bytes to write
 * @pos: the file offset, or %KASYNC_FILE_POS for the file position
 * @res: the result, set only when this reports %KASYNC_READY
 * @owner: the module whose unload waits for the operation's request
 *
 * __kasync_file_write_iter() over @buf.  Use kasync_file_write().
 *
 * Context: as __kasync_file_write_iter().
 * Return: as __kasync_file_write_iter().
 */
enum kasync_poll __kasync_file_write(struct kasync_task *task,
				     struct kasync_file_io *io,
				     struct file *file, const void *buf,
				     size_t len, loff_t pos, long *res,
				     struct module *owner)
{
	if (!io->started) {
		io->kv.iov_base = (void *)buf;
		io->kv.iov_len = len;
		iov_iter_kvec(&io->own, ITER_SOURCE, &io->kv, 1, len);
	}
	return kasync_file_io(task, io, file, &io->own, pos, true, res,
			      owner, __func__);
}
EXPORT_SYMBOL_GPL(__kasync_file_write);

/**
 * kasync_file_io_cancel - abandon a file operation (for timeouts)
 * @task: the task being polled
 * @io: the operation; nothing is done if none is in progress
 *
 * Without waiting: a folio wait or pool transfer in flight completes into
 * kasync's request, which is then freed.  The operation's iov_iter and
 * the file position are not touched again; what a read copied so far is
 * in the iov_iter; what a write wrote is in the file.  @io can be used for
 * another operation afterwards.
 *
 * Context: the task's poll function; does not sleep.
 */
void kasync_file_io_cancel(struct kasync_task *task, struct kasync_file_io *io)
{
	if (!io->started)
		return;
	if (kasync_misuse(io->task != task, "on another task's await"))
		return;
	if (io->req) {
		kasync_cleanup_del(task, &io->cleanup);
		kasync_file_abandon(io);
	}
	io->started = false;
}
EXPORT_SYMBOL_GPL(kasync_file_io_cancel);

/**
 * kasync_file_stats - read the counters of kasync's file I/O
 * @out: filled in; the counters are read one by one, without a snapshot
 *
 * Context: any; takes no lock.
 */
void kasync_file_stats(struct kasync_file_stats *out)
{
	out->nowait = atomic_long_read(&kasync_file_st.nowait);
	out->folio_waits = atomic_long_read(&kasync_file_st.folio_waits);
	out->folio_wakes = atomic_long_read(&kasync_file_st.folio_wakes);
	out->pool = atomic_long_read(&kasync_file_st.pool);
	out->abandoned = atomic_long_read(&kasync_file_st.abandoned);
	out->direct = atomic_long_read(&kasync_file_st.direct);
	out->direct_waits = atomic_long_read(&kasync_file_st.direct_waits);
	out->nowait_writes = atomic_long_read(&kasync_file_st.nowait_writes);
	out->in_flight = READ_ONCE(kasync_file_nr);
}
EXPORT_SYMBOL_GPL(kasync_file_stats);

/* Is a request of @owner (of anyone, for %NULL) listed (rule F5)? */
static bool kasync_file_busy(struct module *owner)
{
	struct kasync_file_req *req;
	bool busy = false;

	spin_lock_irq(&kasync_file_lock);
	list_for_each_entry(req, &kasync_file_reqs, node) {
		if (!owner || req->owner == owner) {
			busy = true;
			break;
		}
	}
	spin_unlock_irq(&kasync_file_lock);
	return busy;
}

/**
 * __kasync_file_drain - wait until no file request of a module is left
 * @owner: the module (use kasync_file_drain() for the calling one)
 *
 * Waits until every request @owner's operations allocated was freed:
 * its folio wait or pool transfer completed, and with it its reference
 * on the file.  For a module's exit function after it ended its tasks
 * (their orphaned requests may still wait), before it unmounts what its
 * files are on.  Module unload does this again on its own after the exit
 * function.
 *
 * Context: process context; sleeps.  Not from a task's poll function, nor
 * from a blocking job (a request may wait for the pool behind it).
 * Return: 0; -EDEADLK if called from a task's poll function (misuse:
 * warns once at the call site; nothing is done).
 */
int __kasync_file_drain(struct module *owner)
{
	if (kasync_misuse(kasync_current(), "from a poll"))
		return -EDEADLK;
	might_sleep();
	wait_event(kasync_file_drain_wq, !kasync_file_busy(owner));
	return 0;
}
EXPORT_SYMBOL_GPL(__kasync_file_drain);

/*
 * The module notifier, after it cancelled @owner's tasks (through the
 * blocking pool's drain), and kasync's exit, for every request (@owner
 * %NULL): no folio wake runs kasync's code afterwards.
 */
void kasync_file_drain_owner(struct module *owner)
{
	__kasync_file_drain(owner);
}
