// SPDX-License-Identifier: GPL-2.0
/*
 * kasync synchronization: async mutex, counting semaphore, notify.
 *
 * All three are a &struct kasync_syncq (an irq-safe spinlock and a FIFO
 * of waiters) plus a counter: the semaphore's permits (a mutex is a
 * semaphore of one permit) or the notify's stored permit.  A task that
 * cannot have what it asks for at once queues the &struct kasync_sync_wait
 * in its state and returns %KASYNC_PENDING; whoever releases grants the
 * head waiter directly (direct hand-off: unlinks it, marks it GRANTED and
 * wakes its task) while holding the lock, so nothing can overtake a
 * queued waiter.  The waiter's next poll sees GRANTED and reports
 * %KASYNC_READY.  A waiter that leaves (explicit cancel, or the cleanup
 * hook of an aborted task) unlinks itself if queued, or gives its grant
 * back if granted, and the grant goes to the next waiter.
 *
 * Fields, in the legend of rules.h (Y: the &kasync_syncq.lock of the
 * primitive the wait is on; P: the task's poll and its cleanup hook):
 *
 *   struct kasync_syncq
 *     lock      I
 *     waiters   Y
 *     seq       Y
 *     kind      I
 *   struct kasync_sem: permits Y (READ_ONCE() for racy snapshots); max I
 *   struct kasync_notify: permit Y
 *   struct kasync_sync_wait
 *     node      Y
 *     q, task   P: set before the wait is queued; read under Y by grants
 *     cleanup   P
 *     n         P while idle; Y while queued (a notify grant writes it)
 *     seq       Y
 *     state     Y for every write; read without the lock by the task's
 *               own poll only (sync rule S2)
 *
 * ========================== kasync sync rules ==========================
 *
 * They extend the "kasync ordering rules" of rules.h and the
 * wake-source rules of wait.c; comments below cite them as "sync rule N".
 *
 * S1. Who touches a waiter.  Anyone but the waiter's own task touches a
 *     &struct kasync_sync_wait only under Y, and only while it is QUEUED;
 *     that includes the critical section that grants it (unlinks it,
 *     stores GRANTED, calls kasync_wake()).  The task leaves QUEUED and
 *     GRANTED under Y too (consuming a grant, cancelling, cleanup hook).
 *     So once the task has dropped Y with its wait IDLE, nobody reaches
 *     the wait or the task through it: the task's memory may go, as in
 *     wake-source rule W3.  It also makes kasync_wake(w->task) under Y
 *     safe: the task cannot be freed before its cleanup hook, which
 *     waits for Y.
 *
 * S2. No lost grant.  The granter stores GRANTED, then calls
 *     kasync_wake(), whose leading smp_mb() orders that store before its
 *     read of the task's state word (wake-source rule W1, ordering rule
 *     1): the poll that follows sees GRANTED.  A poll that reads QUEUED
 *     without the lock may report %KASYNC_PENDING: a grant it missed
 *     comes with such a wake.
 *
 * S3. Hand-off.  The releaser's critical section precedes its taking of
 *     Y (acquire); the grant is made under Y; the new owner takes Y
 *     (acquire) when it consumes the grant, after the granter released
 *     it.  The releaser's stores thus happen before the new owner's
 *     critical section, as with an uncontended acquire under Y.
 *
 * S4. FIFO.  Under Y: a semaphore with waiters has fewer permits than
 *     its head waiter asks for, and a notify with waiters has no stored
 *     permit.  Every change that can break it (release, a grant given
 *     back, the head unlinked) re-runs the grant before dropping Y, and
 *     an acquire only takes permits at once when nobody is queued.
 * =======================================================================
 */
#include <linux/lockdep.h>
#include <linux/printk.h>
#include <linux/spinlock.h>
#include <kasync.h>

#include "misuse.h"
#include "task_access.h"

static inline struct kasync_sem *kasync_sem_of(struct kasync_syncq *q)
{
	return container_of(q, struct kasync_sem, q);
}

static inline struct kasync_notify *kasync_notify_of(struct kasync_syncq *q)
{
	return container_of(q, struct kasync_notify, q);
}

static void kasync_syncq_init(struct kasync_syncq *q, u8 kind)
{
	spin_lock_init(&q->lock);
	INIT_LIST_HEAD(&q->waiters);
	q->seq = 0;
	q->kind = kind;
}

/* An initialised primitive of the expected kind?  Else misuse of @fn. */
static bool kasync_syncq_ok(const struct kasync_syncq *q, u8 kind,
			    const char *fn)
{
	return !__kasync_misuse(q->kind != kind || !q->waiters.next, fn,
				"on an uninitialised primitive");
}

static bool kasync_sem_ok(struct kasync_sem *sem, unsigned long n,
			  const char *fn)
{
	/* &sem->q is sem itself: q is the first member. */
	if (!kasync_syncq_ok(&sem->q, KASYNC_SYNCQ_SEM, fn))
		return false;
	return !__kasync_misuse(!n || n > sem->max, fn,
				"of %lu permits (the semaphore has %lu)",
				n, sem->max);
}

/* Hand the resource to a queued waiter (sync rules S1, S2). */
static void kasync_sync_grant(struct kasync_sync_wait *w)
{
	lockdep_assert_held(&w->q->lock);
	list_del_init(&w->node);
	WRITE_ONCE(w->state, KASYNC_SYNC_GRANTED);
	/* Sync rule S2: its smp_mb() orders the store above (W1). */
	kasync_wake(w->task);
}

/* Grant head waiters while they fit (sync rule S4). */
static void kasync_sem_grant(struct kasync_sem *sem)
{
	struct kasync_sync_wait *w, *tmp;

	lockdep_assert_held(&sem->q.lock);
	list_for_each_entry_safe(w, tmp, &sem->q.waiters, node) {
		if (w->n > sem->permits)
			break;	/* nobody passes a waiter that does not fit */
		WRITE_ONCE(sem->permits, sem->permits - w->n);
		kasync_sync_grant(w);
	}
}

static void __kasync_notify_one(struct kasync_notify *nf)
{
	struct kasync_sync_wait *w;

	lockdep_assert_held(&nf->q.lock);
	w = list_first_entry_or_null(&nf->q.waiters, struct kasync_sync_wait,
				     node);
	if (!w) {
		nf->permit = true;
		return;
	}
	w->n = 1;	/* a notify_one grant: passed on if not consumed */
	kasync_sync_grant(w);
}

/* Take what @n asks for at once, if no waiter is owed it first. */
static bool kasync_syncq_take(struct kasync_syncq *q, unsigned long n)
{
	struct kasync_notify *nf;
	struct kasync_sem *sem;

	lockdep_assert_held(&q->lock);
	if (q->kind == KASYNC_SYNCQ_NOTIFY) {
		nf = kasync_notify_of(q);
		if (!nf->permit)
			return false;
		nf->permit = false;
		return true;
	}
	sem = kasync_sem_of(q);
	/* Sync rule S4: queued waiters come first. */
	if (!list_empty(&q->waiters) || sem->permits < n)
		return false;
	WRITE_ONCE(sem->permits, sem->permits - n);
	return true;
}

/*
 * Leave the primitive: unlink a queued wait, or give a grant back so that
 * it goes to the next waiter.  The wait is IDLE afterwards (sync rule S1).
 */
static void kasync_sync_abandon(struct kasync_sync_wait *w)
{
	struct kasync_syncq *q = w->q;
	struct kasync_sem *sem = NULL;
	unsigned long flags;

	if (q->kind == KASYNC_SYNCQ_SEM)
		sem = kasync_sem_of(q);
	spin_lock_irqsave(&q->lock, flags);
	if (w->state == KASYNC_SYNC_QUEUED) {
		list_del_init(&w->node);
		/* Sync rule S4: a new head may fit now. */
		if (sem)
			kasync_sem_grant(sem);
	} else if (w->state == KASYNC_SYNC_GRANTED) {
		if (sem) {
			WRITE_ONCE(sem->permits, sem->permits + w->n);
			kasync_sem_grant(sem);
		} else if (w->n) {
			__kasync_notify_one(kasync_notify_of(q));
		}
	}
	WRITE_ONCE(w->state, KASYNC_SYNC_IDLE);
	spin_unlock_irqrestore(&q->lock, flags);
}

static void kasync_sync_cleanup(struct kasync_cleanup *c)
{
	kasync_sync_abandon(container_of(c, struct kasync_sync_wait, cleanup));
}

/*
 * The poll side of every await: consume a grant, keep waiting, or start:
 * take at once or queue.  @n was validated by the caller.
 */
static enum kasync_poll kasync_sync_await(struct kasync_task *t,
					  struct kasync_syncq *q,
					  unsigned long n,
					  struct kasync_sync_wait *w)
{
	unsigned long flags;
	u8 st;

	/* Sync rule S2: a QUEUED read here is re-checked after the wake. */
	st = READ_ONCE(w->state);
	if (st == KASYNC_SYNC_QUEUED)
		return kt_pending(t, KASYNC_WAIT_SYNC);
	if (st == KASYNC_SYNC_GRANTED) {
		/* Sync rules S1 and S3: the granter is done with us. */
		spin_lock_irqsave(&q->lock, flags);
		WRITE_ONCE(w->state, KASYNC_SYNC_IDLE);
		spin_unlock_irqrestore(&q->lock, flags);
		kasync_cleanup_del(t, &w->cleanup);
		return KASYNC_READY;
	}

	w->q = q;
	w->task = t;
	w->n = n;
	spin_lock_irqsave(&q->lock, flags);
	w->seq = q->seq++;
	if (kasync_syncq_take(q, n)) {
		spin_unlock_irqrestore(&q->lock, flags);
		return KASYNC_READY;
	}
	list_add_tail(&w->node, &q->waiters);
	WRITE_ONCE(w->state, KASYNC_SYNC_QUEUED);
	spin_unlock_irqrestore(&q->lock, flags);
	/*
	 * Cleanup hooks run only between polls (task.c), so registering
	 * after queueing leaves no window: a grant made meanwhile is given
	 * back by the hook if the task ends before consuming it.
	 */
	w->cleanup.fn = kasync_sync_cleanup;
	kasync_cleanup_add(t, &w->cleanup);
	return kt_pending(t, KASYNC_WAIT_SYNC);
}

/*
 * Misuse checks shared by the awaits.  Return: false (with *@res set to
 * -EINVAL) if the await must report READY without acquiring.
 */
static bool kasync_sync_check(struct kasync_task *t, struct kasync_syncq *q,
			      struct kasync_sync_wait *w, long *res,
			      const char *fn)
{
	/* In use: leave it be, its own cleanup hook still covers it. */
	if (__kasync_misuse(kasync_sync_waiting(w) &&
			    (w->q != q || w->task != t), fn,
			    "with a wait in use by another await")) {
		*res = -EINVAL;
		return false;
	}
	return true;
}

/*
 * The await proper, under the cooperative budget: what it reports, with
 * *@res = 0 when that is %KASYNC_READY (the only outcome once the checks
 * passed).
 */
static enum kasync_poll kasync_sync_finish(struct kasync_task *t,
					   struct kasync_syncq *q,
					   unsigned long n,
					   struct kasync_sync_wait *w,
					   long *res)
{
	enum kasync_poll r = kasync_coop(t, kasync_sync_await(t, q, n, w));

	if (r == KASYNC_READY)
		*res = 0;
	return r;
}

static void kasync_sync_cancel(struct kasync_task *t, struct kasync_syncq *q,
			       struct kasync_sync_wait *w, const char *fn)
{
	if (!kasync_sync_waiting(w))
		return;
	if (__kasync_misuse(w->q != q || w->task != t, fn,
			    "of a wait that is not on it"))
		return;
	kasync_cleanup_del(t, &w->cleanup);
	kasync_sync_abandon(w);
}

/* ---- semaphore ------------------------------------------------------------ */

/**
 * kasync_sem_init - initialise a semaphore
 * @sem: the semaphore
 * @permits: permits available at first
 * @max: capacity: requests for more are refused, and so are releases
 *	that would make more available; 1 .. %KASYNC_SEM_MAX
 *
 * Context: any; not concurrently with other uses of @sem.
 * Return: 0; -EINVAL if @max is 0 or above %KASYNC_SEM_MAX, or @permits
 * is above @max (misuse: warns once at the call site; @sem is then
 * unusable: every operation on it is misuse too and fails with -EINVAL).
 */
int kasync_sem_init(struct kasync_sem *sem, unsigned long permits,
		    unsigned long max)
{
	kasync_syncq_init(&sem->q, KASYNC_SYNCQ_SEM);
	sem->permits = permits;
	sem->max = max;
	if (kasync_misuse(!max || max > KASYNC_SEM_MAX || permits > max,
			  "of %lu permits, at most %lu", permits, max)) {
		sem->q.kind = 0;
		return -EINVAL;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(kasync_sem_init);

/**
 * kasync_sem_acquire - await @n permits of a semaphore
 * @task: the task being polled
 * @sem: the semaphore
 * @n: permits wanted, 1 .. @sem's maximum
 * @w: the task's wait, in its state: idle (zeroed, finished or cancelled)
 *	when the await starts
 * @res: the result, set only when this reports %KASYNC_READY: 0 once the
 *	permits are the task's; -EINVAL, acquiring nothing, on misuse
 *
 * For KASYNC_AWAIT().  Takes the permits at once if nobody is queued and
 * enough are available; else queues @w and reports %KASYNC_PENDING until
 * a release grants them.  Strictly FIFO: a waiter asking for more than
 * is available blocks those queued behind it, even if they ask for less,
 * so big requests are never starved.  If the task is aborted meanwhile,
 * @w is unlinked, or its permits (if already granted) are given back and
 * go to the next waiters, before the task's memory is freed; an aborted
 * task that held permits must release them in its drop callback.
 *
 * Context: the task's poll function; takes @sem's spinlock (irq-safe).
 * Return: %KASYNC_READY with *@res = 0 once the permits are the task's;
 * %KASYNC_READY with *@res = -EINVAL, acquiring nothing, on misuse
 * (warns once at the call site): @sem uninitialised, @n 0 or above the
 * maximum, or @w in use by another await;
 * %KASYNC_PENDING otherwise, *@res untouched.
 */
enum kasync_poll kasync_sem_acquire(struct kasync_task *task,
				    struct kasync_sem *sem, unsigned long n,
				    struct kasync_sync_wait *w, long *res)
{
	struct kasync_syncq *q = &sem->q;

	if (!kasync_sync_check(task, q, w, res, __func__))
		return KASYNC_READY;
	if (!kasync_sync_waiting(w) && !kasync_sem_ok(sem, n, __func__)) {
		*res = -EINVAL;
		return KASYNC_READY;
	}
	return kasync_sync_finish(task, q, n, w, res);
}
EXPORT_SYMBOL_GPL(kasync_sem_acquire);

/**
 * kasync_sem_acquire_cancel - abandon kasync_sem_acquire() (timeouts, select)
 * @task: the task being polled
 * @sem: the semaphore
 * @w: the wait; nothing is done if no await of it is in progress
 *
 * Unlinks @w; if the permits were granted but the await has not reported
 * %KASYNC_READY yet, gives them back: they go to the next waiters.  @w
 * can be awaited again afterwards.
 *
 * Context: the task's poll function; takes @sem's spinlock (irq-safe).
 */
void kasync_sem_acquire_cancel(struct kasync_task *task,
			       struct kasync_sem *sem,
			       struct kasync_sync_wait *w)
{
	kasync_sync_cancel(task, &sem->q, w, __func__);
}
EXPORT_SYMBOL_GPL(kasync_sem_acquire_cancel);

/**
 * kasync_sem_try_acquire - take @n permits if that needs no waiting
 * @sem: the semaphore
 * @n: permits wanted, 1 .. @sem's maximum
 *
 * Fails if any waiter is queued, even one asking for more than is
 * available: queued waiters are never overtaken.
 *
 * Context: any, including hard IRQ; takes @sem's spinlock (irq-safe).
 * Return: 0 if the permits were taken; -EAGAIN if not; -EINVAL on misuse
 * (warns once at the call site): @sem uninitialised, or @n 0 or above the
 * maximum.
 */
int kasync_sem_try_acquire(struct kasync_sem *sem, unsigned long n)
{
	unsigned long flags;
	bool ok;

	if (!kasync_sem_ok(sem, n, __func__))
		return -EINVAL;
	spin_lock_irqsave(&sem->q.lock, flags);
	ok = kasync_syncq_take(&sem->q, n);
	spin_unlock_irqrestore(&sem->q.lock, flags);
	return ok ? 0 : -EAGAIN;
}
EXPORT_SYMBOL_GPL(kasync_sem_try_acquire);

static int __kasync_sem_release(struct kasync_sem *sem, unsigned long n,
				const char *fn)
{
	unsigned long flags, avail;

	if (!kasync_sem_ok(sem, n, fn))
		return -EINVAL;
	spin_lock_irqsave(&sem->q.lock, flags);
	avail = sem->permits;
	if (n > sem->max - avail) {
		spin_unlock_irqrestore(&sem->q.lock, flags);
		if (sem->max == 1)	/* a mutex */
			(void)__kasync_misuse(true, fn, "while unlocked");
		else
			(void)__kasync_misuse(true, fn,
					      "of %lu with %lu of %lu permits free: more than was acquired",
					n, avail, sem->max);
		return -EINVAL;
	}
	WRITE_ONCE(sem->permits, avail + n);
	kasync_sem_grant(sem);
	spin_unlock_irqrestore(&sem->q.lock, flags);
	return 0;
}

/**
 * kasync_sem_release - return @n permits to a semaphore
 * @sem: the semaphore
 * @n: permits, 1 .. @sem's maximum
 *
 * Grants queued waiters in order for as long as the head one's request
 * fits, waking their tasks.  The permits need not have been acquired by
 * the caller (a semaphore can count events), but the available permits
 * never exceed the maximum.
 *
 * Context: any, including hard IRQ; takes @sem's spinlock (irq-safe).
 * Return: 0; -EINVAL (releasing nothing) on misuse (warns once at the
 * call site): @sem uninitialised, @n 0 or above the maximum, or the
 * available permits would exceed the maximum.
 */
int kasync_sem_release(struct kasync_sem *sem, unsigned long n)
{
	return __kasync_sem_release(sem, n, __func__);
}
EXPORT_SYMBOL_GPL(kasync_sem_release);

/* ---- mutex ---------------------------------------------------------------- */

/**
 * kasync_mutex_init - initialise an unlocked mutex
 * @m: the mutex
 *
 * Context: any; not concurrently with other uses of @m.
 */
void kasync_mutex_init(struct kasync_mutex *m)
{
	kasync_sem_init(&m->sem, 1, 1);
}
EXPORT_SYMBOL_GPL(kasync_mutex_init);

/**
 * kasync_mutex_lock - await a mutex
 * @task: the task being polled
 * @m: the mutex
 * @w: the task's wait, in its state: idle when the await starts
 * @res: the result, set only when this reports %KASYNC_READY: 0 once the
 *	task holds @m; -EINVAL, locking nothing, on misuse
 *
 * For KASYNC_AWAIT().  Locks @m at once if it is unlocked (then nobody
 * is queued); else queues @w and reports %KASYNC_PENDING until an unlock
 * hands @m over.  Waiters get the mutex in arrival order.  If the task is
 * aborted meanwhile, @w is unlinked, or the mutex (if already handed
 * over) goes to the next waiter or is unlocked, before the task's memory
 * is freed.  A task aborted while holding the mutex must unlock it in its
 * drop callback: keep a flag in the state.
 *
 * Context: the task's poll function; takes @m's spinlock (irq-safe).
 * Return: %KASYNC_READY with *@res = 0 once the task holds @m;
 * %KASYNC_READY with *@res = -EINVAL, locking nothing, on misuse (warns
 * once at the call site): @m uninitialised, or @w in use by another
 * await; %KASYNC_PENDING otherwise, *@res untouched.
 */
enum kasync_poll kasync_mutex_lock(struct kasync_task *task,
				   struct kasync_mutex *m,
				   struct kasync_sync_wait *w, long *res)
{
	struct kasync_syncq *q = &m->sem.q;

	if (!kasync_sync_check(task, q, w, res, __func__))
		return KASYNC_READY;
	if (!kasync_sync_waiting(w) &&
	    !kasync_sem_ok(&m->sem, 1, __func__)) {
		*res = -EINVAL;
		return KASYNC_READY;
	}
	return kasync_sync_finish(task, q, 1, w, res);
}
EXPORT_SYMBOL_GPL(kasync_mutex_lock);

/**
 * kasync_mutex_lock_cancel - abandon kasync_mutex_lock() (timeouts, select)
 * @task: the task being polled
 * @m: the mutex
 * @w: the wait; nothing is done if no await of it is in progress
 *
 * Unlinks @w; if the mutex had been handed over but the await has not
 * reported %KASYNC_READY yet, passes it to the next waiter (or unlocks
 * it).  @w can be awaited again afterwards.
 *
 * Context: the task's poll function; takes @m's spinlock (irq-safe).
 */
void kasync_mutex_lock_cancel(struct kasync_task *task,
			      struct kasync_mutex *m,
			      struct kasync_sync_wait *w)
{
	kasync_sync_cancel(task, &m->sem.q, w, __func__);
}
EXPORT_SYMBOL_GPL(kasync_mutex_lock_cancel);

/**
 * kasync_mutex_trylock - lock a mutex if that needs no waiting
 * @m: the mutex
 *
 * Context: any, including hard IRQ; takes @m's spinlock (irq-safe).
 * Return: true if the caller now holds @m; false if it is locked, or
 * owed to a queued waiter, or @m is uninitialised (misuse: warns once).
 */
bool kasync_mutex_trylock(struct kasync_mutex *m)
{
	return !kasync_sem_try_acquire(&m->sem, 1);
}
EXPORT_SYMBOL_GPL(kasync_mutex_trylock);

/**
 * kasync_mutex_unlock - unlock a mutex, handing it to the first waiter
 * @m: the mutex, locked
 *
 * The mutex has no owner: any context may unlock it on the holder's
 * behalf.  If tasks are waiting, the first one gets the mutex (it stays
 * locked) and is woken.  Unlocking an unlocked mutex is misuse: it warns
 * once at the call site and is otherwise ignored.
 *
 * Context: any, including hard IRQ; takes @m's spinlock (irq-safe).
 */
void kasync_mutex_unlock(struct kasync_mutex *m)
{
	__kasync_sem_release(&m->sem, 1, __func__);
}
EXPORT_SYMBOL_GPL(kasync_mutex_unlock);

/* ---- notify --------------------------------------------------------------- */

/**
 * kasync_notify_init - initialise a notify without a stored permit
 * @nf: the notify
 *
 * Context: any; not concurrently with other uses of @nf.
 */
void kasync_notify_init(struct kasync_notify *nf)
{
	kasync_syncq_init(&nf->q, KASYNC_SYNCQ_NOTIFY);
	nf->permit = false;
}
EXPORT_SYMBOL_GPL(kasync_notify_init);

/**
 * kasync_notified - await a notification
 * @task: the task being polled
 * @nf: the notify
 * @w: the task's wait, in its state: idle when the await starts
 * @res: the result, set only when this reports %KASYNC_READY: 0 once
 *	notified; -EINVAL on misuse
 *
 * For KASYNC_AWAIT().  Consumes the stored permit if there is one;
 * else queues @w until kasync_notify_one() picks it (waiters are picked
 * in arrival order) or kasync_notify_all() wakes every waiter.  If the
 * task is aborted meanwhile, @w is unlinked; a kasync_notify_one() grant
 * it had not consumed goes to the next waiter, or is stored as the
 * permit if there is none; a kasync_notify_all() grant is dropped.
 *
 * Context: the task's poll function; takes @nf's spinlock (irq-safe).
 * Return: %KASYNC_READY with *@res = 0 once notified; %KASYNC_READY with
 * *@res = -EINVAL on misuse (warns once at the call site): @nf
 * uninitialised, or @w in use by another await;
 * %KASYNC_PENDING otherwise, *@res untouched.
 */
enum kasync_poll kasync_notified(struct kasync_task *task,
				 struct kasync_notify *nf,
				 struct kasync_sync_wait *w, long *res)
{
	struct kasync_syncq *q = &nf->q;

	if (!kasync_sync_check(task, q, w, res, __func__))
		return KASYNC_READY;
	if (!kasync_sync_waiting(w) &&
	    !kasync_syncq_ok(q, KASYNC_SYNCQ_NOTIFY, __func__)) {
		*res = -EINVAL;
		return KASYNC_READY;
	}
	return kasync_sync_finish(task, q, 1, w, res);
}
EXPORT_SYMBOL_GPL(kasync_notified);

/**
 * kasync_notified_cancel - abandon kasync_notified() (timeouts, select)
 * @task: the task being polled
 * @nf: the notify
 * @w: the wait; nothing is done if no await of it is in progress
 *
 * Unlinks @w; an unconsumed kasync_notify_one() grant goes to the next
 * waiter or back to the stored permit.  @w can be awaited again.
 *
 * Context: the task's poll function; takes @nf's spinlock (irq-safe).
 */
void kasync_notified_cancel(struct kasync_task *task,
			    struct kasync_notify *nf,
			    struct kasync_sync_wait *w)
{
	kasync_sync_cancel(task, &nf->q, w, __func__);
}
EXPORT_SYMBOL_GPL(kasync_notified_cancel);

/**
 * kasync_notify_one - notify the first waiter, or store a permit
 * @nf: the notify
 *
 * Grants the longest-waiting task and wakes it; if nobody waits, stores
 * one permit for the next kasync_notified() (at most one: notifications
 * made while a permit is stored coalesce).
 *
 * Context: any, including hard IRQ; takes @nf's spinlock (irq-safe).
 */
void kasync_notify_one(struct kasync_notify *nf)
{
	unsigned long flags;

	if (!kasync_syncq_ok(&nf->q, KASYNC_SYNCQ_NOTIFY, __func__))
		return;
	spin_lock_irqsave(&nf->q.lock, flags);
	__kasync_notify_one(nf);
	spin_unlock_irqrestore(&nf->q.lock, flags);
}
EXPORT_SYMBOL_GPL(kasync_notify_one);

/**
 * kasync_notify_all - notify every task waiting now
 * @nf: the notify
 *
 * Grants and wakes every queued waiter; stores no permit, so a task that
 * starts waiting afterwards waits for the next notification.  A task
 * that is aborted or cancels before consuming such a grant does not pass
 * it on.
 *
 * Context: any, including hard IRQ; takes @nf's spinlock (irq-safe), for
 * a time proportional to the number of waiters.
 */
void kasync_notify_all(struct kasync_notify *nf)
{
	struct kasync_sync_wait *w, *tmp;
	unsigned long flags;

	if (!kasync_syncq_ok(&nf->q, KASYNC_SYNCQ_NOTIFY, __func__))
		return;
	spin_lock_irqsave(&nf->q.lock, flags);
	list_for_each_entry_safe(w, tmp, &nf->q.waiters, node) {
		w->n = 0;	/* not passed on if not consumed */
		kasync_sync_grant(w);
	}
	spin_unlock_irqrestore(&nf->q.lock, flags);
}
EXPORT_SYMBOL_GPL(kasync_notify_all);
