// SPDX-License-Identifier: GPL-2.0
/*
 * kasync file readiness: await EPOLLIN/EPOLLOUT/... on any pollable file.
 *
 * The first poll of an await calls vfs_poll() with a poll table whose
 * queue procedure queues one entry per wait queue the file registers (at
 * most %KASYNC_POLLFD_QUEUES, like io_uring's double poll).  The entries
 * stay queued across polls: a wake whose key carries none of the awaited
 * events is filtered in the wake function, any other wake makes the task
 * poll the file again with vfs_poll(file, NULL) (no re-queueing), and a
 * spurious wake simply leaves the entries armed.  The poll that finds an
 * awaited event removes them.
 *
 * Fields of &struct kasync_pollfd (legend of rules.h and wait.c):
 *
 *   pt, file, task, cleanup, events, nr, armed, overflow   P
 *   e[].entry   Q: on e[].head's list under its lock
 *   e[].head    Q+A: cleared under the queue's lock, by the task or by a
 *               POLLFREE wake (smp_store_release, wake-source rule W4)
 *   e[].pfd     P
 *   freed       Q: set by a POLLFREE wake (wake-source rule W1)
 *
 * Locking: the file's wait queue locks (irq-safe), taken inside
 * rcu_read_lock() when removing (rule W4).  Nothing here sleeps, except
 * what the file's own ->poll() does (->poll() must not sleep).
 */
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <kasync.h>

#include "misuse.h"
#include "task_access.h"

static int kasync_pollfd_wake(struct wait_queue_entry *entry,
			      unsigned int mode, int flags, void *key)
{
	struct kasync_pollfd_entry *e =
		container_of(entry, struct kasync_pollfd_entry, entry);
	struct kasync_pollfd *p = e->pfd;
	__poll_t mask = key_to_poll(key);

	if (unlikely(mask & POLLFREE)) {
		WRITE_ONCE(p->freed, true);
		kasync_wake(p->task);
		list_del_init(&entry->entry);
		/*
		 * Wake-source rule W4: the last access to @e; pairs with
		 * smp_load_acquire() in kasync_pollfd_remove().  The task's
		 * memory may be gone right after it.
		 */
		smp_store_release(&e->head, NULL);
		return 0;
	}
	/* A key of 0 says nothing about the events: wake to be safe. */
	if (mask && !(mask & p->events))
		return 0;
	kasync_wake(p->task);
	return 1;
}

static void kasync_pollfd_queue(struct file *file, wait_queue_head_t *head,
				poll_table *pt)
{
	struct kasync_pollfd *p = container_of(pt, struct kasync_pollfd, pt);
	struct kasync_pollfd_entry *e;
	int i;

	/* The same queue twice (io_uring ignores it too). */
	for (i = 0; i < p->nr; i++)
		if (p->e[i].head == head)
			return;
	if (p->nr == KASYNC_POLLFD_QUEUES) {
		p->overflow = true;
		return;
	}
	e = &p->e[p->nr++];
	e->pfd = p;
	e->head = head;
	init_waitqueue_func_entry(&e->entry, kasync_pollfd_wake);
	add_wait_queue(head, &e->entry);
}

/* Unlink every entry still queued (wake-source rule W4). */
static void kasync_pollfd_remove(struct kasync_pollfd *p)
{
	struct wait_queue_head *head;
	unsigned long flags;
	int i;

	/*
	 * Hold rcu_read_lock() as long as a queue lock is held: once our
	 * entry is off a queue that wake_up_pollfree() empties, only RCU
	 * keeps the queue's memory alive.
	 */
	rcu_read_lock();
	for (i = 0; i < p->nr; i++) {
		/* Pairs with smp_store_release() in kasync_pollfd_wake(). */
		head = smp_load_acquire(&p->e[i].head);
		if (!head)
			continue;
		spin_lock_irqsave(&head->lock, flags);
		list_del_init(&p->e[i].entry.entry);
		WRITE_ONCE(p->e[i].head, NULL);
		spin_unlock_irqrestore(&head->lock, flags);
	}
	rcu_read_unlock();
	p->nr = 0;
	p->armed = false;
}

static void kasync_pollfd_cleanup(struct kasync_cleanup *c)
{
	kasync_pollfd_remove(container_of(c, struct kasync_pollfd, cleanup));
}

/* kasync_poll_file() without the cooperative budget. */
static enum kasync_poll kasync_poll_file_once(struct kasync_task *task,
					      struct kasync_pollfd *p, struct file *file,
					      __poll_t events, __poll_t *revents)
{
	__poll_t mask;

	if (!p->armed) {
		p->file = file;
		p->task = task;
		p->events = events | EPOLLERR | EPOLLHUP;
		p->nr = 0;
		p->overflow = false;
		p->freed = false;
		init_poll_funcptr(&p->pt, kasync_pollfd_queue);
		p->pt._key = p->events;
		p->armed = true;
		p->cleanup.fn = kasync_pollfd_cleanup;
		kasync_cleanup_add(task, &p->cleanup);
		/* ->poll() queues, then reads its state: no lost wake. */
		mask = vfs_poll(file, &p->pt);
	} else if (READ_ONCE(p->freed)) {
		mask = EPOLLHUP;
	} else {
		/* Armed by another await: polled as armed. */
		(void)__kasync_misuse(p->file != file || p->task != task,
				      "kasync_poll_file",
				      "with a pollfd armed for another file or task");
		mask = vfs_poll(file, NULL);
	}
	mask &= p->events;
	if (unlikely(p->overflow))
		mask |= EPOLLNVAL;
	if (!mask)
		return kt_pending(task, KASYNC_WAIT_FILE);
	kasync_pollfd_cancel(task, p);
	*revents = mask;
	return KASYNC_READY;
}

/**
 * kasync_poll_file - await readiness of a file
 * @task: the task being polled
 * @p: its &struct kasync_pollfd, in the task's state
 * @file: the file; the caller keeps its reference until the await ends
 * @events: EPOLLIN, EPOLLOUT, EPOLLPRI, ... (EPOLLERR and EPOLLHUP are
 *	always reported)
 * @revents: where the ready events go
 *
 * For KASYNC_AWAIT().  The first poll queues @p on the file's wait queues
 * through vfs_poll(); later polls re-check with vfs_poll() until one of
 * @events (or an error or hang-up) is ready.  Wakes for other events are
 * filtered in the wake function.  Aborting the task removes the entries
 * before its memory is freed.
 *
 * Two situations end the await with a mask the file did not report:
 * %EPOLLHUP if a wait queue of the file went away (POLLFREE, as when a
 * signalfd's owner exits; io_uring cancels its poll then), and
 * %EPOLLNVAL if the file's ->poll() registers more than
 * %KASYNC_POLLFD_QUEUES wait queues (which would risk lost wakes).
 *
 * Context: the task's poll function; calls the file's ->poll() and takes
 * its wait queue locks.
 * Return: %KASYNC_READY with *@revents set (@p no longer queued), or
 * %KASYNC_PENDING.
 */
enum kasync_poll kasync_poll_file(struct kasync_task *task,
				  struct kasync_pollfd *p, struct file *file,
				  __poll_t events, __poll_t *revents)
{
	return kasync_coop(task, kasync_poll_file_once(task, p, file, events, revents));
}
EXPORT_SYMBOL_GPL(kasync_poll_file);

/**
 * kasync_pollfd_cancel - abandon a readiness await
 * @task: the task being polled
 * @p: the pollfd; nothing is done if it is not armed
 *
 * Removes @p's entries from the file's wait queues (safe against a
 * concurrent POLLFREE) and unregisters its cleanup hook.  @p can be
 * awaited again afterwards.
 *
 * Context: the task's poll function; takes the file's wait queue locks.
 */
void kasync_pollfd_cancel(struct kasync_task *task, struct kasync_pollfd *p)
{
	if (!p->armed)
		return;
	kasync_cleanup_del(task, &p->cleanup);
	kasync_pollfd_remove(p);
}
EXPORT_SYMBOL_GPL(kasync_pollfd_cancel);
