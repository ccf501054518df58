/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kasync file I/O: read and write regular files from tasks without a
 * thread blocked per read.
 *
 *	struct loader {
 *		struct kasync_co co;
 *		struct kasync_file_io io;
 *		struct file *file;		(the caller's reference)
 *		char buf[4096];
 *		long res;
 *	};
 *
 *	KASYNC_AWAIT(&s->co, kasync_file_read(t, &s->io, s->file, s->buf,
 *					      sizeof(s->buf), 0, &s->res));
 *	if (s->res < 0)			(bytes; fewer at end of file; or -errno)
 *		...
 *
 * A buffered read first tries the page cache with %IOCB_NOWAIT, in the
 * poll.  If the data is not cached and the file system can say when it
 * is (%FMODE_NOWAIT and asynchronous buffered reads, as io_uring needs
 * them: ext4, xfs, btrfs, block devices), the read queues a wait entry on
 * the page-cache folio being read (%IOCB_WAITQ) and the task sleeps until
 * the folio is unlocked; the next poll copies the data.  A buffered write
 * runs in the poll with %IOCB_NOWAIT where the file system does
 * non-blocking buffered writes (xfs).  A file opened with %O_DIRECT (on
 * a file system that honours %IOCB_NOWAIT) has its transfer submitted
 * from the poll through a bounce buffer of the request's own, aligned for
 * the device, and the task sleeps until the file system completes it;
 * positions and lengths must be multiples of the device's logical block
 * size (else -EINVAL), the caller's buffer need not be aligned.  Where the
 * file system offers none of that (tmpfs, 9p, ext4's buffered writes), or
 * says -EAGAIN, the transfer runs on kasync's blocking pool
 * (<kasync/blocking.h>) through the request's bounce buffer.
 *
 * What the await owns: the request it allocates when it has to wait (the
 * folio wait entry or the direct transfer's kiocb, a file reference, the
 * bounce buffer) lives until the wait, the direct transfer or the pool
 * job completes, even if the task is aborted first, so
 * nothing that completes late touches the task's memory or the caller's
 * buffer.  The caller's buffer (or iov_iter and the segments it points
 * to) is used only from the task's polls: it must stay valid, and the
 * iov_iter unmodified by anyone else, until the await reports
 * %KASYNC_READY or is cancelled, and no longer.  It may be in the task's
 * state.
 *
 * Concurrency contract:
 *
 *   who                          may call
 *   ---------------------------  -----------------------------------------
 *   a task (its poll function)   the awaits and kasync_file_io_cancel(),
 *                                each with its own &struct kasync_file_io;
 *                                several tasks may use one file at once
 *                                with explicit positions
 *   any context                  kasync_file_stats()
 *   process context              kasync_file_drain()
 *
 * With %KASYNC_FILE_POS the file position is read when the operation
 * starts and written when it reports %KASYNC_READY: the caller makes sure
 * that no two operations on the file's position overlap, as the kernel's
 * own kernel_read() callers do.
 */
#ifndef _KASYNC_FILE_H
#define _KASYNC_FILE_H

#include <linux/fs.h>
#include <linux/types.h>
#include <linux/uio.h>

#include <kasync/types.h>
#include <kasync/task.h>
#include <kasync/co.h>
#include <kasync/blocking.h>

struct kasync_task;
struct kasync_file_req;
struct module;

/* @pos value: use and advance the file position (io_uring's -1). */
#define KASYNC_FILE_POS		((loff_t)-1)

/**
 * struct kasync_file_io - one file operation in progress, in a task's state
 * @req: the request allocated to wait (folio wait, direct transfer or pool
 *	job), or %NULL
 * @b: the blocking-pool await of the fallback path
 * @cleanup: gives @req up if the task ends while it is set
 * @task: the task that started the operation
 * @file: the file (the caller's reference)
 * @iter: the data: the caller's iov_iter, or @own
 * @own: kasync_file_read() and kasync_file_write(): the iov_iter over @kv
 * @kv: kasync_file_read() and kasync_file_write(): the caller's buffer
 * @owner: the module that started the operation; its unload waits for @req
 * @pos: the position of the next byte
 * @done: bytes transferred so far
 * @started: an operation is in progress (between its first poll and
 *	%KASYNC_READY or kasync_file_io_cancel())
 * @write: the operation is a write
 * @fpos: the operation uses the file position (%KASYNC_FILE_POS)
 * @pool: @req is handed to the blocking pool (@b is armed)
 * @dio: @req waits for a direct transfer's completion
 *
 * Zero it (a zero-filled state does) before the first await.  After an
 * await reported %KASYNC_READY, or after kasync_file_io_cancel(), it can
 * be used for another operation, on any file.
 */
struct kasync_file_io {
	struct kasync_file_req *req;
	struct kasync_blocking b;
	struct kasync_cleanup cleanup;
	struct kasync_task *task;
	struct file *file;
	struct iov_iter *iter;
	struct iov_iter own;
	struct kvec kv;
	struct module *owner;
	loff_t pos;
	size_t done;
	bool started;
	bool write;
	bool fpos;
	bool pool;
	bool dio;
};

/**
 * struct kasync_file_stats - counters of kasync's file I/O
 * @nowait: %IOCB_NOWAIT reads that moved data or found the end of the
 *	file, in the poll, without waiting
 * @folio_waits: reads that queued a wait on a page-cache folio
 *	(%IOCB_WAITQ) and left the task waiting for it
 * @folio_wakes: folio wakes that woke a waiting task
 * @pool: transfers (of at most %KASYNC_FILE_CHUNK bytes) run on the
 *	blocking pool: file systems without asynchronous buffered reads or
 *	writes or without %IOCB_NOWAIT, and -EAGAIN retries
 * @abandoned: requests given up (abort, cancel) while a folio wait, a
 *	direct transfer or a pool transfer was in flight; they are freed
 *	when it completes
 * @in_flight: requests allocated now
 * @direct: direct (%O_DIRECT) transfers submitted from the poll, of at
 *	most %KASYNC_FILE_CHUNK bytes each
 * @direct_waits: of those, the ones the file system completed later
 *	(-EIOCBQUEUED), the task waiting without a thread
 * @nowait_writes: buffered writes that moved data in the poll
 *	(%IOCB_NOWAIT), without the pool
 */
struct kasync_file_stats {
	u64 nowait;
	u64 folio_waits;
	u64 folio_wakes;
	u64 pool;
	u64 abandoned;
	u64 in_flight;
	u64 direct;
	u64 direct_waits;
	u64 nowait_writes;
};

/* The largest transfer one blocking-pool job makes (its bounce buffer). */
#define KASYNC_FILE_CHUNK	(64 * 1024)

enum kasync_poll __kasync_file_read(struct kasync_task *task,
				    struct kasync_file_io *io,
				    struct file *file, void *buf, size_t len,
				    loff_t pos, long *res, struct module *owner);
enum kasync_poll __kasync_file_write(struct kasync_task *task,
				     struct kasync_file_io *io,
				     struct file *file, const void *buf,
				     size_t len, loff_t pos, long *res,
				     struct module *owner);
enum kasync_poll __kasync_file_read_iter(struct kasync_task *task,
					 struct kasync_file_io *io,
					 struct file *file,
					 struct iov_iter *iter, loff_t pos,
					 long *res, struct module *owner);
enum kasync_poll __kasync_file_write_iter(struct kasync_task *task,
					  struct kasync_file_io *io,
					  struct file *file,
					  struct iov_iter *iter, loff_t pos,
					  long *res, struct module *owner);
void kasync_file_io_cancel(struct kasync_task *task,
			   struct kasync_file_io *io);
void kasync_file_stats(struct kasync_file_stats *out);
int __kasync_file_drain(struct module *owner);

/**
 * kasync_file_read - await a read of a regular file into a buffer
 * @task: the task being polled
 * @io: its &struct kasync_file_io, in the task's state
 * @file: the file, open for reading; the caller keeps its reference until
 *	the await reports %KASYNC_READY or is cancelled
 * @buf: where the data goes; may be in the task's state
 * @len: bytes to read
 * @pos: the file offset, or %KASYNC_FILE_POS for the file position
 * @res: the result, set only when this reports %KASYNC_READY
 *
 * See __kasync_file_read_iter(); @file, @buf, @len and @pos are read on
 * the first poll only.  For KASYNC_AWAIT().
 *
 * Context: the task's poll function; does not sleep, save for the short
 * waits a non-blocking page-cache read may take (a mutex the file system
 * holds briefly, an atime update), as io_uring's submission does.
 * Return: as __kasync_file_read_iter().
 */
#define kasync_file_read(task, io, file, buf, len, pos, res) \
	__kasync_file_read(task, io, file, buf, len, pos, res, THIS_MODULE)

/**
 * kasync_file_write - await a write of a buffer to a regular file
 * @task: the task being polled
 * @io: its &struct kasync_file_io, in the task's state
 * @file: the file, open for writing; the caller keeps its reference until
 *	the await reports %KASYNC_READY or is cancelled
 * @buf: the data; may be in the task's state
 * @len: bytes to write
 * @pos: the file offset, or %KASYNC_FILE_POS for the file position
 *	(%O_APPEND files append either way, as pwrite() does)
 * @res: the result, set only when this reports %KASYNC_READY
 *
 * See __kasync_file_write_iter(); @file, @buf, @len and @pos are read on
 * the first poll only.  For KASYNC_AWAIT().
 *
 * Context: the task's poll function; does not sleep.
 * Return: as __kasync_file_write_iter().
 */
#define kasync_file_write(task, io, file, buf, len, pos, res) \
	__kasync_file_write(task, io, file, buf, len, pos, res, THIS_MODULE)

/**
 * kasync_file_read_iter - await a read of a regular file into an iov_iter
 * @task: the task being polled
 * @io: its &struct kasync_file_io, in the task's state
 * @file: the file, open for reading
 * @iter: the destination (%ITER_DEST: kvec, bvec, folio queue or xarray;
 *	never user memory); advanced by the bytes read
 * @pos: the file offset, or %KASYNC_FILE_POS for the file position
 * @res: the result, set only when this reports %KASYNC_READY
 *
 * See __kasync_file_read_iter().  For KASYNC_AWAIT().
 *
 * Context: as kasync_file_read().
 * Return: as __kasync_file_read_iter().
 */
#define kasync_file_read_iter(task, io, file, iter, pos, res) \
	__kasync_file_read_iter(task, io, file, iter, pos, res, THIS_MODULE)

/**
 * kasync_file_write_iter - await a write of an iov_iter to a regular file
 * @task: the task being polled
 * @io: its &struct kasync_file_io, in the task's state
 * @file: the file, open for writing
 * @iter: the data (%ITER_SOURCE, never user memory); advanced by the
 *	bytes written
 * @pos: the file offset, or %KASYNC_FILE_POS for the file position
 * @res: the result, set only when this reports %KASYNC_READY
 *
 * See __kasync_file_write_iter().  For KASYNC_AWAIT().
 *
 * Context: the task's poll function; does not sleep.
 * Return: as __kasync_file_write_iter().
 */
#define kasync_file_write_iter(task, io, file, iter, pos, res) \
	__kasync_file_write_iter(task, io, file, iter, pos, res, THIS_MODULE)

/**
 * kasync_file_drain - wait until no file request of this module is left
 *
 * See __kasync_file_drain().  For a module's exit function, after it
 * ended its tasks, before it unmounts what their files are on.
 *
 * Context: process context; sleeps.
 * Return: 0, or -EDEADLK from a task's poll function.
 */
#define kasync_file_drain() __kasync_file_drain(THIS_MODULE)

/**
 * kasync_file_io_armed - is a request of @io in flight?
 * @io: the operation
 *
 * Context: the task's poll function (or its drop callback).
 * Return: true while the operation has a request: it waits for a folio,
 * a direct transfer or the blocking pool, or has waited and goes on.
 */
static inline bool kasync_file_io_armed(const struct kasync_file_io *io)
{
	return io->req;
}

#endif /* _KASYNC_FILE_H */
