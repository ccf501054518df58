/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kasync synchronization: an async mutex, a counting semaphore (acquire
 * many) and a notify (one stored permit), all FIFO-fair and cancel-safe.
 *
 * A task awaits them with a &struct kasync_sync_wait kept in its state
 * (zeroed at first), the same structure for all three:
 *
 *	struct worker {
 *		struct kasync_co co;
 *		struct kasync_sync_wait w;
 *		long res;
 *		bool locked;
 *	};
 *
 *	KASYNC_AWAIT(&s->co, kasync_mutex_lock(t, &dev->lock, &s->w, &s->res));
 *	if (s->res)			(-EINVAL: misuse, not locked)
 *		...
 *	s->locked = true;
 *	...
 *	s->locked = false;
 *	kasync_mutex_unlock(&dev->lock);
 *
 * Every primitive keeps its waiters in arrival order and hands what is
 * released directly to the waiter at the head ("grants" it): nobody, not
 * even a trylock, can take a resource that a queued waiter is owed.  A
 * waiter that goes away after it was granted (its task is aborted, or it
 * calls the *_cancel() function, as KASYNC_AWAIT_TIMEOUT() does) gives
 * the grant back, and it goes to the next waiter.
 *
 * Concurrency contract:
 *
 *   operation                          context
 *   ---------------------------------  ---------------------------------
 *   kasync_mutex_lock(),               the task's poll function
 *   kasync_sem_acquire(),
 *   kasync_notified() and _cancel()
 *   kasync_mutex_unlock(),             any, including hard IRQ (they
 *   kasync_mutex_trylock(),            take the primitive's irq-safe
 *   kasync_sem_release(),              spinlock and call kasync_wake())
 *   kasync_sem_try_acquire(),
 *   kasync_notify_one(), _notify_all()
 *   *_init()                           before first use, not concurrently
 *                                      with anything else on the object
 */
#ifndef _KASYNC_SYNC_H
#define _KASYNC_SYNC_H

#include <linux/limits.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include <kasync/types.h>
#include <kasync/task.h>
#include <kasync/co.h>
#include <kasync/time.h>

struct kasync_task;

/* What a &struct kasync_syncq belongs to; keep 0 unused (not initialised). */
enum {
	KASYNC_SYNCQ_SEM = 1,
	KASYNC_SYNCQ_NOTIFY,
};

/* States of a &struct kasync_sync_wait; 0 is a zeroed wait. */
enum {
	KASYNC_SYNC_IDLE = 0,
	KASYNC_SYNC_QUEUED,
	KASYNC_SYNC_GRANTED,
};

/**
 * struct kasync_syncq - the waiter queue every primitive embeds
 * @lock: irq-safe; protects @waiters, @seq, the primitive's counters and
 *	every queued waiter
 * @waiters: &struct kasync_sync_wait.node, in arrival order
 * @seq: arrival counter: each await takes the next number
 * @kind: %KASYNC_SYNCQ_SEM or %KASYNC_SYNCQ_NOTIFY; 0 if not initialised
 */
struct kasync_syncq {
	spinlock_t lock;	/* guards the queue and the counters */
	struct list_head waiters;
	u32 seq;
	u8 kind;
};

/**
 * struct kasync_sync_wait - a task's place in a mutex, semaphore or notify
 * @node: link in the primitive's &kasync_syncq.waiters while queued
 * @q: the primitive awaited; set by the first poll of an await
 * @task: the task to wake
 * @cleanup: gives the place (or a grant) back if the task ends with it
 * @n: permits asked for (semaphore); for a notify, 1 if the grant came
 *	from kasync_notify_one() (passed on if not consumed), 0 if from
 *	kasync_notify_all()
 * @seq: arrival number (&kasync_syncq.seq), for debugging and tests
 * @state: %KASYNC_SYNC_IDLE, %KASYNC_SYNC_QUEUED or %KASYNC_SYNC_GRANTED
 *
 * Zero it (a zero-filled state does) before the first await.  It can be
 * awaited again, on any primitive, once an await finished or was
 * cancelled.
 */
struct kasync_sync_wait {
	struct list_head node;
	struct kasync_syncq *q;
	struct kasync_task *task;
	struct kasync_cleanup cleanup;
	unsigned long n;
	u32 seq;
	u8 state;
};

/**
 * kasync_sync_waiting - is an await of @w in progress?
 * @w: the wait
 *
 * Context: the task's poll function (or its drop callback).
 * Return: true while @w is queued or granted and not yet consumed; false
 * once the await reported %KASYNC_READY or was cancelled.
 */
static inline bool kasync_sync_waiting(const struct kasync_sync_wait *w)
{
	return READ_ONCE(w->state) != KASYNC_SYNC_IDLE;
}

#define __KASYNC_SYNCQ_INITIALIZER(name, k) {				\
	.lock = __SPIN_LOCK_UNLOCKED(name.lock),			\
	.waiters = LIST_HEAD_INIT(name.waiters),			\
	.kind = (k),							\
}

/* ---- semaphore ------------------------------------------------------------ */

/* The largest semaphore: permits + n never overflows an unsigned long. */
#define KASYNC_SEM_MAX		((unsigned long)LONG_MAX)

/**
 * struct kasync_sem - a FIFO counting semaphore
 * @q: waiters
 * @permits: available now (under @q.lock)
 * @max: the capacity: at most this many permits exist; a request for
 *	more is -EINVAL, a release beyond it is -EINVAL
 */
struct kasync_sem {
	struct kasync_syncq q;
	unsigned long permits;
	unsigned long max;
};

#define __KASYNC_SEM_INITIALIZER(name, p, m) {				\
	.q = __KASYNC_SYNCQ_INITIALIZER(name.q, KASYNC_SYNCQ_SEM),	\
	.permits = (p),							\
	.max = (m),							\
}

/**
 * DEFINE_KASYNC_SEM - define and initialise a semaphore
 * @name: the variable
 * @permits: available at first
 * @max: capacity, 1 .. %KASYNC_SEM_MAX, at least @permits
 */
#define DEFINE_KASYNC_SEM(name, permits, max)				\
	struct kasync_sem name = __KASYNC_SEM_INITIALIZER(name, permits, max)

int kasync_sem_init(struct kasync_sem *sem, unsigned long permits,
		    unsigned long max);
enum kasync_poll kasync_sem_acquire(struct kasync_task *task,
				    struct kasync_sem *sem, unsigned long n,
				    struct kasync_sync_wait *w, long *res);
void kasync_sem_acquire_cancel(struct kasync_task *task,
			       struct kasync_sem *sem,
			       struct kasync_sync_wait *w);
int kasync_sem_try_acquire(struct kasync_sem *sem, unsigned long n);
int kasync_sem_release(struct kasync_sem *sem, unsigned long n);

/**
 * kasync_sem_available - permits available now
 * @sem: the semaphore
 *
 * A snapshot, for statistics and tests: permits owed to a queued waiter
 * are never counted as available.
 *
 * Context: any.
 * Return: the number of available permits.
 */
static inline unsigned long kasync_sem_available(const struct kasync_sem *sem)
{
	return READ_ONCE(sem->permits);
}

/* ---- mutex ---------------------------------------------------------------- */

/**
 * struct kasync_mutex - a FIFO async mutex
 * @sem: a semaphore of one permit
 *
 * Not owned by a task: any context may unlock it, which hands it to the
 * first waiter.
 */
struct kasync_mutex {
	struct kasync_sem sem;
};

/**
 * DEFINE_KASYNC_MUTEX - define and initialise an unlocked mutex
 * @name: the variable
 */
#define DEFINE_KASYNC_MUTEX(name)					\
	struct kasync_mutex name = {					\
		.sem = __KASYNC_SEM_INITIALIZER(name.sem, 1, 1),	\
	}

void kasync_mutex_init(struct kasync_mutex *m);
enum kasync_poll kasync_mutex_lock(struct kasync_task *task,
				   struct kasync_mutex *m,
				   struct kasync_sync_wait *w, long *res);
void kasync_mutex_lock_cancel(struct kasync_task *task,
			      struct kasync_mutex *m,
			      struct kasync_sync_wait *w);
bool kasync_mutex_trylock(struct kasync_mutex *m);
void kasync_mutex_unlock(struct kasync_mutex *m);

/**
 * kasync_mutex_is_locked - is the mutex held (or owed to a waiter)?
 * @m: the mutex
 *
 * Context: any.
 * Return: a snapshot: true if it is locked.
 */
static inline bool kasync_mutex_is_locked(const struct kasync_mutex *m)
{
	return !kasync_sem_available(&m->sem);
}

/* ---- notify --------------------------------------------------------------- */

/**
 * struct kasync_notify - wake one or all waiting tasks (tokio's Notify)
 * @q: waiters
 * @permit: a kasync_notify_one() found nobody waiting; the next
 *	kasync_notified() consumes it (under @q.lock)
 */
struct kasync_notify {
	struct kasync_syncq q;
	bool permit;
};

/**
 * DEFINE_KASYNC_NOTIFY - define and initialise a notify without a permit
 * @name: the variable
 */
#define DEFINE_KASYNC_NOTIFY(name)					\
	struct kasync_notify name = {					\
		.q = __KASYNC_SYNCQ_INITIALIZER(name.q, KASYNC_SYNCQ_NOTIFY), \
	}

void kasync_notify_init(struct kasync_notify *nf);
enum kasync_poll kasync_notified(struct kasync_task *task,
				 struct kasync_notify *nf,
				 struct kasync_sync_wait *w, long *res);
void kasync_notified_cancel(struct kasync_task *task,
			    struct kasync_notify *nf,
			    struct kasync_sync_wait *w);
void kasync_notify_one(struct kasync_notify *nf);
void kasync_notify_all(struct kasync_notify *nf);

#endif /* _KASYNC_SYNC_H */
