/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kasync blocking offload: run a function that may sleep (file I/O,
 * mutex_lock(), msleep()) on a bounded pool of unbound kworkers and await
 * its result from a task.
 *
 *	static long read_cfg(void *arg)		(runs on the pool; may sleep)
 *	{
 *		struct my_cfg *cfg = arg;
 *		...
 *	}
 *
 *	struct loader {
 *		struct kasync_co co;
 *		struct kasync_blocking b;
 *		struct my_cfg *cfg;		(NOT in this state: see below)
 *		long res;
 *	};
 *
 *	KASYNC_AWAIT(&s->co, kasync_blocking(t, &s->b, read_cfg, s->cfg,
 *					     &s->res));
 *
 * The job lives in an allocation of its own, not in the task's state, so
 * that it can outlive an aborted task.  Abandoning the await (abort, end of
 * the task, kasync_blocking_cancel()) never sleeps: a job that has not
 * started never runs; a job that is running is orphaned, runs to the end,
 * and its result is discarded.  Hence @arg, which the function keeps using,
 * must not point into the task's state.
 *
 * Concurrency contract (task side: the task's own poll or cleanup hook):
 *
 *   task side                         pool side
 *   -------------------------------   ------------------------------------
 *   first poll: allocate, queue       fn(arg) in process context, may sleep
 *   later polls: read state (acquire) store result, DONE, kasync_wake()
 *   abandon QUEUED: fn never runs     -
 *   abandon RUNNING: orphan, return   fn returns: discard(), free
 *   abandon DONE: discard(), free     -
 */
#ifndef _KASYNC_BLOCKING_H
#define _KASYNC_BLOCKING_H

#include <linux/types.h>

#include <kasync/types.h>
#include <kasync/task.h>
#include <kasync/co.h>

struct kasync_task;
struct kasync_blocking_job;
struct module;

/**
 * struct kasync_blocking - awaiting a blocking job, kept in a task's state
 * @job: the job in flight, or %NULL when not armed
 * @cleanup: abandons @job if the task ends while armed
 *
 * Zero it (a zero-filled state does) before the first await.
 */
struct kasync_blocking {
	struct kasync_blocking_job *job;
	struct kasync_cleanup cleanup;
};

/**
 * struct kasync_blocking_stats - counters of the blocking pool
 * @queued: jobs queued on the pool
 * @run: jobs whose function was called
 * @cancelled: jobs abandoned before their function started (it never ran)
 * @orphaned: jobs abandoned while their function ran (result discarded)
 * @discarded: jobs abandoned after their function returned, before the
 *	task took the result (result discarded)
 * @in_flight: jobs allocated now (queued, running, or with a result not
 *	yet taken)
 * @max_active: the pool's bound on concurrently running functions
 */
struct kasync_blocking_stats {
	u64 queued;
	u64 run;
	u64 cancelled;
	u64 orphaned;
	u64 discarded;
	u64 in_flight;
	unsigned int max_active;
};

enum kasync_poll __kasync_blocking(struct kasync_task *task,
				   struct kasync_blocking *b,
				   long (*fn)(void *arg), void *arg,
				   void (*discard)(void *arg, long res),
				   long *res, struct module *owner);
void kasync_blocking_cancel(struct kasync_task *task,
			    struct kasync_blocking *b);
int __kasync_blocking_drain(struct module *owner);
void kasync_blocking_stats(struct kasync_blocking_stats *out);

/**
 * kasync_blocking - await a function run on the blocking pool
 * @task: the task being polled
 * @b: its &struct kasync_blocking, in the task's state
 * @fn: the function; may sleep; returns the result
 * @arg: passed to @fn; must stay valid until @fn returns, which can be
 *	after the task ended: never a pointer into the task's state
 * @res: the result, set only when this reports %KASYNC_READY: @fn's
 *	return value, or kasync's error
 *
 * See __kasync_blocking(); the job is owned by the calling module, whose
 * unload waits for it.  For KASYNC_AWAIT().
 *
 * Context: the task's poll function; does not sleep.
 * Return: %KASYNC_PENDING (*@res untouched), or %KASYNC_READY with *@res
 * set: @fn's return value, or -ENOMEM, -ESHUTDOWN or -EINVAL if @fn was
 * not queued.
 */
#define kasync_blocking(task, b, fn, arg, res) \
	__kasync_blocking(task, b, fn, arg, NULL, res, THIS_MODULE)

/**
 * kasync_blocking_owned - kasync_blocking() that hands @arg back if abandoned
 * @task: the task being polled
 * @b: its &struct kasync_blocking
 * @fn: the function; may sleep
 * @arg: passed to @fn and, if the await is abandoned, to @discard
 * @discard: called once, instead of the result reaching the task, when the
 *	await is abandoned: with @fn's return value, or with -ECANCELED if
 *	@fn never ran.  Releases @arg (and whatever @fn's result owns).  Must
 *	not sleep.
 * @res: the result, set only when this reports %KASYNC_READY: @fn's
 *	return value, or kasync's error
 *
 * For results that own memory or references: exactly one of the task
 * (when this reports %KASYNC_READY) and @discard gets @arg back.
 *
 * Context: the task's poll function; does not sleep.
 * Return: as kasync_blocking().
 */
#define kasync_blocking_owned(task, b, fn, arg, discard, res) \
	__kasync_blocking(task, b, fn, arg, discard, res, THIS_MODULE)

/**
 * kasync_blocking_drain - wait until no blocking job of this module is left
 *
 * See __kasync_blocking_drain().  For a module's exit function, after it
 * ended its tasks and before it frees what orphaned jobs may still use.
 *
 * Context: process context; sleeps.
 * Return: 0, or -EDEADLK from a task's poll function or a blocking job.
 */
#define kasync_blocking_drain() __kasync_blocking_drain(THIS_MODULE)

/**
 * kasync_blocking_armed - is a job in flight for this await?
 * @b: the await
 *
 * Context: the task's poll function (or its drop callback).
 * Return: true from the poll that queued the job until the await
 * reported %KASYNC_READY or was cancelled.
 */
static inline bool kasync_blocking_armed(const struct kasync_blocking *b)
{
	return b->job;
}

#endif /* _KASYNC_BLOCKING_H */
