/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kasync wake sources: wait queues and file readiness.
 *
 * Both keep a wait queue entry in the task's state, armed by the first
 * poll that has to wait and removed when the await finishes, when it is
 * cancelled with kasync_wait_cancel() / kasync_pollfd_cancel(), or, if the
 * task is aborted, by a cleanup hook that runs before the task's memory
 * can be freed.  The structures start zeroed (a zero-filled state) and can
 * be awaited again once an await finished or was cancelled.
 *
 *	struct reader {
 *		struct kasync_co co;
 *		struct kasync_wait w;
 *		struct my_dev *dev;
 *	};
 *
 *	KASYNC_AWAIT(&s->co, kasync_wait_event(t, &s->w, &s->dev->wq,
 *					       s->dev->ready));
 *
 * Concurrency contract (the task side is always the task's own poll):
 *
 *   waker side                          task side
 *   ---------------------------------   ------------------------------------
 *   wake_up*(head) from any context     kasync_wait_event*() re-checks the
 *   after making the condition true     condition after arming: no lost wake
 *   (the usual wait_event contract)     kasync_wait_cancel(): under head lock
 *   wake_up_pollfree(head)              kasync_pollfd_cancel(): RCU + lock
 */
#ifndef _KASYNC_WAIT_H
#define _KASYNC_WAIT_H

#include <linux/poll.h>
#include <linux/types.h>
#include <linux/wait.h>

#include <kasync/types.h>
#include <kasync/task.h>
#include <kasync/co.h>

struct kasync_task;

/**
 * struct kasync_wait - an async wait queue entry, kept in a task's state
 * @entry: the entry queued on @head; its wake function wakes @task
 * @head: the queue @entry is on, or %NULL when not armed
 * @task: the task to wake
 * @cleanup: removes @entry if the task ends while armed
 * @woken: a wake reached @entry since the task last checked its condition
 *
 * Zero it (a zero-filled state does) before the first await.
 */
struct kasync_wait {
	struct wait_queue_entry entry;
	struct wait_queue_head *head;
	struct kasync_task *task;
	struct kasync_cleanup cleanup;
	bool woken;
};

bool kasync_wait_arm(struct kasync_task *task, struct kasync_wait *w,
		     struct wait_queue_head *head, bool exclusive);
void kasync_wait_finish(struct kasync_task *task, struct kasync_wait *w);
void kasync_wait_cancel(struct kasync_task *task, struct kasync_wait *w);

/**
 * kasync_wait_armed - is the entry on a wait queue?
 * @w: the wait
 *
 * Context: the task's poll function (or its drop callback).
 * Return: true between arming and finish/cancel.
 */
static inline bool kasync_wait_armed(const struct kasync_wait *w)
{
	return w->head;
}

/* Start of a check: forget wakes that the check below will account for. */
static inline void __kasync_wait_begin(struct kasync_wait *w)
{
	if (w->head)
		WRITE_ONCE(w->woken, false);
}

/*
 * The wait itself, without the cooperative budget: for awaits that charge
 * the budget for their own operation (kasync's sockets).
 */
#define __kasync_wait_cond(task, w, wq_head, excl, cond)		\
({									\
	struct kasync_task *__kw_t = (task);				\
	struct kasync_wait *__kw_w = (w);				\
	enum kasync_poll __kw_r = KASYNC_READY;				\
									\
	__kasync_wait_begin(__kw_w);					\
	if (!(cond) &&							\
	    (!kasync_wait_arm(__kw_t, __kw_w, wq_head, excl) || !(cond))) \
		__kw_r = KASYNC_PENDING;				\
	if (__kw_r == KASYNC_READY)					\
		kasync_wait_finish(__kw_t, __kw_w);			\
	__kw_r;								\
})

/* With the budget: a spent one reports PENDING before @cond is read. */
#define __kasync_wait_event(task, w, wq_head, excl, cond)		\
({									\
	struct kasync_task *__kb_t = (task);				\
									\
	kasync_coop(__kb_t, __kasync_wait_cond(__kb_t, w, wq_head,	\
					       excl, cond));		\
})

/**
 * kasync_wait_event - await a condition signalled on a wait queue
 * @task: the task being polled
 * @w: its &struct kasync_wait, in the task's state
 * @wq_head: the wait queue the condition's wakers wake
 * @cond: C expression; evaluated on every poll, after arming again
 *
 * The async wait_event(): for KASYNC_AWAIT().  Reports %KASYNC_READY as
 * soon as @cond is true (without queueing anything if it already is); else
 * queues @w on @wq_head (once; it stays queued across polls), re-checks
 * @cond so that a wake between the two checks is not lost, and reports
 * %KASYNC_PENDING.  When it reports %KASYNC_READY, @w is off the queue.
 * Aborting the task removes @w before the task's memory is freed.  A
 * finished wait is charged to the task's cooperative budget; once that is
 * spent, it reports %KASYNC_PENDING without reading @cond and the task is
 * polled again soon (kasync_coop_proceed()).
 *
 * Context: the task's poll function.
 * Return: %KASYNC_READY or %KASYNC_PENDING.
 */
#define kasync_wait_event(task, w, wq_head, cond)			\
	__kasync_wait_event(task, w, wq_head, false, cond)

/**
 * kasync_wait_event_exclusive - kasync_wait_event() as an exclusive waiter
 * @task: the task being polled
 * @w: its &struct kasync_wait
 * @wq_head: the wait queue
 * @cond: C expression
 *
 * Queues @w with add_wait_queue_exclusive() semantics: wake_up() wakes
 * all non-exclusive waiters and one exclusive one.  A wake that reached
 * @w is passed on to the next exclusive waiter if the task does not get
 * to check @cond again (it is aborted, or kasync_wait_cancel() is called
 * before the next poll).  If the next poll finds @cond false (another
 * waiter consumed the event), @w stays queued and waits for a new wake.
 *
 * Context: the task's poll function.
 * Return: %KASYNC_READY or %KASYNC_PENDING.
 */
#define kasync_wait_event_exclusive(task, w, wq_head, cond)		\
	__kasync_wait_event(task, w, wq_head, true, cond)

/* ---- file readiness ------------------------------------------------------ */

/* Wait queues one file may register in its ->poll(); io_uring also has 2. */
#define KASYNC_POLLFD_QUEUES	2

struct kasync_pollfd;

/**
 * struct kasync_pollfd_entry - one wait queue a polled file registered
 * @entry: the entry on @head
 * @head: the queue, or %NULL (never armed, removed, or freed by POLLFREE);
 *	written with smp_store_release() under the queue's lock
 * @pfd: the owner
 */
struct kasync_pollfd_entry {
	struct wait_queue_entry entry;
	struct wait_queue_head *head;
	struct kasync_pollfd *pfd;
};

/**
 * struct kasync_pollfd - awaiting readiness of a &struct file
 * @pt: poll table handed to vfs_poll() while arming
 * @e: the file's wait queues
 * @file: the file being polled (the caller holds its reference)
 * @task: the task to wake
 * @cleanup: removes the entries if the task ends while armed
 * @events: the events awaited, plus EPOLLERR and EPOLLHUP
 * @nr: entries in use
 * @armed: entries are (or were, before a POLLFREE) queued
 * @overflow: ->poll() used more than %KASYNC_POLLFD_QUEUES queues
 * @freed: a queue went away (POLLFREE)
 *
 * Zero it before the first await.
 */
struct kasync_pollfd {
	struct poll_table_struct pt;
	struct kasync_pollfd_entry e[KASYNC_POLLFD_QUEUES];
	struct file *file;
	struct kasync_task *task;
	struct kasync_cleanup cleanup;
	__poll_t events;
	u8 nr;
	bool armed;
	bool overflow;
	bool freed;
};

enum kasync_poll kasync_poll_file(struct kasync_task *task,
				  struct kasync_pollfd *p, struct file *file,
				  __poll_t events, __poll_t *revents);
void kasync_pollfd_cancel(struct kasync_task *task, struct kasync_pollfd *p);

/**
 * kasync_pollfd_armed - are entries of @p queued?
 * @p: the pollfd
 *
 * Context: the task's poll function (or its drop callback).
 * Return: true between arming and the end or cancellation of the await.
 */
static inline bool kasync_pollfd_armed(const struct kasync_pollfd *p)
{
	return p->armed;
}

#endif /* _KASYNC_WAIT_H */
