// SPDX-License-Identifier: GPL-2.0
/*
 * kasync wait queues: the async wait_event().
 *
 * A &struct kasync_wait lives in a task's state.  The first poll that has
 * to wait queues its entry (plain or exclusive) with a wake function that
 * only calls kasync_wake(); the entry stays queued across polls, each poll
 * re-evaluates the condition, and the poll that finds it true removes the
 * entry.  A cleanup hook removes it if the task ends while it is queued.
 *
 * Fields of &struct kasync_wait, in the legend of rules.h:
 *
 *   entry    Q: on head's list under head->lock; func/flags P
 *   head     P: written by the task's poll and its cleanup hook only
 *   task     P
 *   cleanup  P
 *   woken    Q: set by the wake function under head->lock; cleared by
 *            the poll with WRITE_ONCE() (a lost clear is a spare wake)
 *
 * (Q: the wait queue head's lock, an irq-safe spinlock.)
 *
 * ==================== kasync wake-source rules ========================
 *
 * These extend the "kasync ordering rules" of rules.h; poll.c and
 * timer.c cite them as "wake-source rule N".
 *
 * W1. Waking.  A wake function or timer callback stores what it learned
 *     (woken, fired, freed), then calls kasync_wake(), whose leading
 *     smp_mb() orders that store before its read of the task's state
 *     word, even when the wake coalesces (ordering rule 1):
 *
 *	waker				worker
 *	WRITE_ONCE(w->woken, true)	cmpxchg(state: ~SCHEDULED|RUNNING)
 *	kasync_wake(): smp_mb()		poll: reads cond / woken
 *	read state: SCHEDULED?
 *
 *     Either the waker sees SCHEDULED still set, and the poll that follows
 *     the worker's cmpxchg sees the store, or it sees the cmpxchg and sets
 *     SCHEDULED itself (the worker re-polls, rule 1).  The same holds for
 *     the waker's own condition stores made before wake_up().
 *
 * W2. Arming.  The entry is added under head->lock, then smp_mb(), then
 *     the condition is checked again, exactly like set_current_state()
 *     after prepare_to_wait(): it pairs with the smp_mb() of wakers that
 *     test wq_has_sleeper() without the lock; wakers that take the lock
 *     are ordered by it.  A wake before the add is seen by the re-check,
 *     a wake after it finds the entry.
 *
 * W3. Removal.  Wake functions run under head->lock, so once the task
 *     removed its entry under that lock and dropped it, no wake function
 *     runs on the entry: the task's memory may go.  Cleanup hooks run
 *     before the task's drop callback and before its memory is freed
 *     (task.c), so abort needs nothing more.
 *
 * W4. POLLFREE (poll.c).  A queue about to be freed calls its entries
 *     with POLLFREE under its lock; the wake function unlinks the entry
 *     and, as its last access, stores head = NULL with smp_store_release().
 *     The remover reads head with smp_load_acquire() inside
 *     rcu_read_lock(): NULL means the entry is gone; non-NULL means the
 *     queue's memory is still there (wake_up_pollfree() users RCU-delay
 *     the free) and taking its lock waits out a wake function in flight.
 *     This is io_poll_wake()/io_poll_remove_entries() and
 *     ep_poll_callback()/ep_remove_wait_queue().
 *
 * W5. Timers (timer.c).  hrtimer_cancel() returns only after a running
 *     callback finished, so the callback's accesses to the timer, which
 *     the hrtimer core continues after it returns, end before the task's
 *     memory can be freed: the task calls it on completion too.
 * ======================================================================
 */
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <kasync.h>

#include "misuse.h"

static int kasync_wait_wake(struct wait_queue_entry *entry, unsigned int mode,
			    int flags, void *key)
{
	struct kasync_wait *w = container_of(entry, struct kasync_wait, entry);

	WRITE_ONCE(w->woken, true);
	kasync_wake(w->task);
	/* Counts as the one exclusive wake when queued exclusive. */
	return 1;
}

/* Unlink @w; hand an unconsumed exclusive wake to the next waiter. */
static void kasync_wait_remove(struct kasync_wait *w, bool pass_on)
{
	struct wait_queue_head *head = w->head;
	unsigned long flags;

	spin_lock_irqsave(&head->lock, flags);
	__remove_wait_queue(head, &w->entry);
	if (pass_on && (w->entry.flags & WQ_FLAG_EXCLUSIVE) && w->woken)
		__wake_up_locked_key(head, TASK_NORMAL, NULL);
	spin_unlock_irqrestore(&head->lock, flags);
	/* Wake-source rule W3: no wake function runs on @w from here on. */
	w->head = NULL;
}

static void kasync_wait_cleanup(struct kasync_cleanup *c)
{
	kasync_wait_remove(container_of(c, struct kasync_wait, cleanup), true);
}

/**
 * kasync_wait_arm - queue a task's wait entry, once
 * @task: the task being polled
 * @w: its wait; zeroed, finished or cancelled if not armed
 * @head: the wait queue
 * @exclusive: queue as an exclusive waiter
 *
 * The building block of kasync_wait_event(): queues @w on @head unless it
 * is already queued, and registers the cleanup hook that removes it if
 * the task ends.  The caller must check its condition again after a call
 * that returned true (wake-source rule W2; executes the barrier itself).
 *
 * Context: the task's poll function; takes @head's lock (irq-safe).
 * Return: true if @w was queued now; false if it already was (also if it
 * is queued on another queue or by another task: misuse, warns once at
 * the call site).
 */
bool kasync_wait_arm(struct kasync_task *task, struct kasync_wait *w,
		     struct wait_queue_head *head, bool exclusive)
{
	kasync_task_waits(task, KASYNC_WAIT_WAITQ);
	if (w->head) {
		/* Armed by another await: left as it is. */
		(void)kasync_misuse(w->head != head || w->task != task,
				    "with a wait armed on another queue or task");
		return false;
	}
	init_waitqueue_func_entry(&w->entry, kasync_wait_wake);
	w->task = task;
	w->woken = false;
	w->head = head;
	w->cleanup.fn = kasync_wait_cleanup;
	kasync_cleanup_add(task, &w->cleanup);
	if (exclusive)
		add_wait_queue_exclusive(head, &w->entry);
	else
		add_wait_queue(head, &w->entry);
	smp_mb();	/* wake-source rule W2: pairs with wq_has_sleeper() */
	return true;
}
EXPORT_SYMBOL_GPL(kasync_wait_arm);

/**
 * kasync_wait_finish - dequeue a wait whose condition was met
 * @task: the task being polled
 * @w: the wait; nothing is done if it is not queued
 *
 * Called by kasync_wait_event() when it reports %KASYNC_READY.  A wake
 * that reached @w is considered consumed.
 *
 * Context: the task's poll function; takes the queue's lock (irq-safe).
 */
void kasync_wait_finish(struct kasync_task *task, struct kasync_wait *w)
{
	if (!w->head)
		return;
	kasync_cleanup_del(task, &w->cleanup);
	kasync_wait_remove(w, false);
}
EXPORT_SYMBOL_GPL(kasync_wait_finish);

/**
 * kasync_wait_cancel - abandon a wait (for timeouts and select-like code)
 * @task: the task being polled
 * @w: the wait; nothing is done if it is not queued
 *
 * Dequeues @w and unregisters its cleanup hook.  If @w was an exclusive
 * waiter and a wake reached it since the task last checked the
 * condition, one exclusive waiter of the queue is woken in its place, as
 * the kernel's own wait_event_*_exclusive() do when a signal interrupts
 * them.  @w can be awaited again afterwards.
 *
 * Context: the task's poll function; takes the queue's lock (irq-safe).
 */
void kasync_wait_cancel(struct kasync_task *task, struct kasync_wait *w)
{
	if (!w->head)
		return;
	kasync_cleanup_del(task, &w->cleanup);
	kasync_wait_remove(w, true);
}
EXPORT_SYMBOL_GPL(kasync_wait_cancel);
