// SPDX-License-Identifier: GPL-2.0
/*
 * kasync join-all and task groups (select is all macro: group.h).
 *
 * A group spawns each member with kasync's own ops, kasync_member_ops,
 * whose state is a &struct kasync_member header followed by the caller's
 * state: the wrapper's poll calls the caller's poll on that state; the
 * wrapper's drop, which the finalizer runs exactly once after the cleanup
 * hooks with the task's result set (-ECANCELED if it was cancelled), calls
 * the caller's drop and then files the result with the group.  The task
 * keeps the caller's module as its owner, so unloading that module still
 * cancels the members.
 *
 * Fields, in the legend of rules.h (N: kasync_group.lock, an irq-safe
 * spinlock):
 *
 *   kasync_group      rt, flags, lock, wq I; ref A; live, done, waiters,
 *                     nr_live, nr_done, closed, destroyed N
 *   kasync_member     g, ops I; node, result N;
 *                     data: the caller's state, P (the task's own)
 *   kasync_group_wait node N; g, task, cleanup, err, armed P
 *
 * Lifetime.  The group is reference counted: the creator holds one until
 * kasync_group_destroy(), each member one from the start of its spawn to
 * the end of its drop, each armed kasync_group_wait one.  The last put
 * frees it, from whichever of those contexts; none of them sleeps.
 *
 * A member's handle (the reference kasync_spawn() returns) belongs to the
 * group.  It keeps the task's memory, and so &struct kasync_member with
 * its list node and result, alive while the member is on a list: live
 * (spawned, running), then done (finished, result not yet collected).  It
 * is put when the result is collected (next, join_all, wait), discarded
 * (destroy), or, for a member that finishes after destroy, by its drop.
 *
 * Ordering.  Everything a waiter checks (the done list, nr_live) is
 * written under g->lock, and a drop wakes the waiters under the same
 * lock section in which it filed its result; a waiter checks and arms
 * under one lock section.  So either the check sees the result, or the
 * waiter is listed when the drop walks the list: no wake is lost, and no
 * barrier beyond the lock is needed.  A listed waiter's task memory is
 * valid because its cleanup hook unlinks it under g->lock before the task
 * can be freed (as wake-source rule W3 for wait queues).
 *
 * Lock order: g->lock -> the scheduler's locks (kasync_wake() and
 * kasync_abort() take only irq-safe leaf locks) and g->wq's lock.
 */
#include <linux/err.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "fail.h"
#include "misuse.h"
#include "task_access.h"

/* Members aborted per lock section by kasync_group_abort_members(). */
#define KASYNC_GROUP_BATCH	32

/*
 * struct kasync_group - a set of tasks (legend above)
 */
struct kasync_group {
	spinlock_t lock;		/* I */
	refcount_t ref;			/* A */
	struct kasync_rt *rt;		/* I: NULL = default runtime */
	unsigned int flags;		/* I: KASYNC_GROUP_* */
	struct list_head live;		/* N: running members */
	struct list_head done;		/* N: finished, not collected */
	struct list_head waiters;	/* N: armed kasync_group_wait */
	unsigned int nr_live;		/* N: spawning or running */
	unsigned int nr_done;		/* N: on done */
	bool closed;			/* N: cancelled: no more spawns */
	bool destroyed;			/* N: results are discarded */
	wait_queue_head_t wq;		/* I: kasync_group_wait() */
};

/*
 * struct kasync_member - header of a member's state (legend above)
 */
struct kasync_member {
	struct list_head node;		/* N: on live, then on done */
	struct kasync_group *g;		/* I */
	const struct kasync_task_ops *ops;	/* I: the caller's */
	long result;			/* N: set by the drop */
	u64 data[];			/* P: the caller's state */
};

static_assert(sizeof(struct kasync_member) <=
	      KASYNC_STATE_MAX - KASYNC_GROUP_STATE_MAX);

static struct kasync_task *kasync_member_task(struct kasync_member *m)
{
	return kasync_task_of(m);
}

static struct kasync_member *kasync_task_member(struct kasync_task *t)
{
	return kasync_task_state(t);
}

/*
 * The last reference is gone: no member runs and no task waits, and
 * destroy emptied done (a member that finishes after it files nothing).
 */
static void kasync_group_free(struct kasync_group *g)
{
	WARN_ON_ONCE(!list_empty(&g->live) || !list_empty(&g->done) ||
		     !list_empty(&g->waiters));
	kfree(g);
}

static void kasync_group_put(struct kasync_group *g)
{
	/*
	 * Release on every put, acquire on the last (refcount_t's own
	 * ordering): every holder's accesses to g precede the free.
	 */
	if (refcount_dec_and_test(&g->ref))
		kasync_group_free(g);
}

/* Wake every task armed on @g: their entries are valid while listed. */
static void kasync_group_wake_waiters(struct kasync_group *g)
{
	struct kasync_group_wait *w;

	lockdep_assert_held(&g->lock);
	list_for_each_entry(w, &g->waiters, node)
		kasync_wake(w->task);
}

/*
 * Abort every member on the live list, a batch per lock section so that
 * IRQs are not off for the whole walk of a large group.  Each member is
 * moved to the private list @aborted (its drop unlinks it from there as
 * from live) and a task reference taken, so that the abort is safe after
 * the lock is dropped even if the member finishes and is collected.
 */
static void kasync_group_abort_members(struct kasync_group *g)
{
	struct kasync_task *batch[KASYNC_GROUP_BATCH];
	struct kasync_member *m;
	unsigned long flags;
	unsigned int i, n;
	LIST_HEAD(aborted);

	do {
		n = 0;
		spin_lock_irqsave(&g->lock, flags);
		while (n < KASYNC_GROUP_BATCH && !list_empty(&g->live)) {
			m = list_first_entry(&g->live, struct kasync_member, node);
			list_move_tail(&m->node, &aborted);
			batch[n] = kasync_member_task(m);
			kasync_task_get(batch[n++]);
		}
		if (n < KASYNC_GROUP_BATCH)
			list_splice(&aborted, &g->live);
		spin_unlock_irqrestore(&g->lock, flags);
		for (i = 0; i < n; i++) {
			kasync_abort(batch[i]);
			kasync_task_put(batch[i]);
		}
	} while (n == KASYNC_GROUP_BATCH);
}

static enum kasync_poll kasync_member_poll(struct kasync_task *t, void *p)
{
	struct kasync_member *m = p;

	return m->ops->poll(t, m->data);
}

/*
 * Runs once per member, in its worker, after its cleanup hooks and with
 * its result final (ordering rule 4 has the finalizer store it first).
 */
static void kasync_member_drop(void *p)
{
	struct kasync_member *m = p;
	struct kasync_task *t = kasync_member_task(m);
	struct kasync_group *g = m->g;
	bool put_handle = false, abort = false, empty;
	unsigned long flags;
	long res;

	if (m->ops->drop)
		m->ops->drop(m->data);
	/* P: the finalizer wrote it before calling us, on this CPU. */
	res = kasync_task_result(t);

	spin_lock_irqsave(&g->lock, flags);
	/* Spawn linked it before starting it (or destroy's abort moved it). */
	list_del(&m->node);
	m->result = res;
	g->nr_live--;
	if (g->destroyed) {
		put_handle = true;	/* nobody will collect it */
	} else {
		list_add_tail(&m->node, &g->done);
		g->nr_done++;
	}
	if (res < 0 && (g->flags & KASYNC_GROUP_CANCEL_ON_ERROR) &&
	    !g->closed) {
		g->closed = true;
		abort = true;
	}
	kasync_group_wake_waiters(g);
	empty = !g->nr_live;
	spin_unlock_irqrestore(&g->lock, flags);

	if (abort)
		kasync_group_abort_members(g);
	if (empty)
		wake_up_all(&g->wq);
	/* The runtime's reference keeps t until the finalizer returns. */
	if (put_handle)
		kasync_task_put(t);
	kasync_group_put(g);
}

static const struct kasync_task_ops kasync_member_ops = {
	.poll = kasync_member_poll,
	.drop = kasync_member_drop,
};

/**
 * kasync_group_new - create a task group
 * @rt: the runtime members run on, or %NULL for the default runtime; it
 *	must outlive the group's members
 * @flags: 0 or %KASYNC_GROUP_CANCEL_ON_ERROR (a member finishing with a
 *	negative result, -ECANCELED from an outside abort included, cancels
 *	the group as kasync_group_cancel() does)
 * @gfp: allocation flags
 *
 * The creator owns the group and must end with kasync_group_destroy().
 *
 * Context: any; may sleep if @gfp allows it.
 * Return: the group, or ERR_PTR(-EINVAL) for unknown @flags (misuse:
 * warns once at the call site), or ERR_PTR(-ENOMEM).
 */
struct kasync_group *kasync_group_new(struct kasync_rt *rt,
				      unsigned int flags, gfp_t gfp)
{
	struct kasync_group *g;

	if (kasync_misuse(flags & ~KASYNC_GROUP_ALL_FLAGS,
			  "with unknown flags %#x", flags))
		return ERR_PTR(-EINVAL);
	g = kasync_kzalloc(sizeof(*g), gfp);
	if (!g)
		return ERR_PTR(-ENOMEM);
	spin_lock_init(&g->lock);
	refcount_set(&g->ref, 1);
	g->rt = rt;
	g->flags = flags;
	INIT_LIST_HEAD(&g->live);
	INIT_LIST_HEAD(&g->done);
	INIT_LIST_HEAD(&g->waiters);
	init_waitqueue_head(&g->wq);
	return g;
}
EXPORT_SYMBOL_GPL(kasync_group_new);

/**
 * __kasync_group_spawn - start a task owned by a group (use
 *	kasync_group_spawn())
 * @g: the group; the caller keeps it alive (it is the creator, before
 *	kasync_group_destroy(), or a member of @g)
 * @ops: the task's poll and (optional) drop functions, as for
 *	kasync_spawn(); @ops->poll gets a pointer to the task's copy of
 *	@init, @ops->drop runs before the result is filed with the group
 * @init: initial state, copied; %NULL zero-fills it
 * @size: bytes of state, at most %KASYNC_GROUP_STATE_MAX
 * @gfp: allocation flags; %GFP_ATOMIC from atomic context
 * @owner: module whose code @ops points into; its unload cancels the task
 *
 * There is no handle: the group collects the result (kasync_group_next(),
 * kasync_group_join_all(), kasync_group_wait()), or discards it when
 * destroyed.  The task's result is what its poll passed to
 * kasync_set_result(), or -ECANCELED if it was cancelled.
 *
 * Context: any; may sleep if @gfp allows it.
 * Return: 0; -EINVAL for a %NULL poll function or @size too large
 * (misuse: warns once at the call site);
 * -ESHUTDOWN if @g was cancelled or destroyed, or the runtime is going
 * away; -ENOMEM if an allocation failed.
 */
int __kasync_group_spawn(struct kasync_group *g,
			 const struct kasync_task_ops *ops, const void *init,
			 size_t size, gfp_t gfp, struct module *owner)
{
	struct kasync_member *m;
	struct kasync_task *t;
	unsigned long flags;
	int err = 0;

	might_sleep_if(gfpflags_allow_blocking(gfp));
	/* A NULL poll would oops in a worker, far from the caller: report. */
	if (kasync_misuse(!ops->poll, "without a poll function") ||
	    kasync_misuse(size > KASYNC_GROUP_STATE_MAX,
			  "with a %zu-byte state", size))
		return -EINVAL;

	spin_lock_irqsave(&g->lock, flags);
	if (g->closed) {
		err = -ESHUTDOWN;
	} else {
		/* Counted at once, so that join_all waits for this spawn. */
		g->nr_live++;
		refcount_inc(&g->ref);	/* the member's, put by its drop */
	}
	spin_unlock_irqrestore(&g->lock, flags);
	if (err)
		return err;

	/*
	 * One allocation: the task, its member header, the caller's state.
	 * Built in place and linked before it starts, so it cannot have
	 * finished yet; our handle keeps m valid while it is on a list.
	 */
	t = __kasync_task_alloc(g->rt, -1, &kasync_member_ops,
				sizeof(*m) + size, gfp, owner);
	if (IS_ERR(t)) {
		err = PTR_ERR(t);
		goto undo;
	}
	m = kasync_task_member(t);	/* zeroed */
	m->g = g;
	m->ops = ops;
	if (init)
		memcpy(m->data, init, size);

	spin_lock_irqsave(&g->lock, flags);
	list_add_tail(&m->node, &g->live);
	/* A cancel that ran since our check did not see it. */
	if (g->closed)
		kasync_abort(t);
	spin_unlock_irqrestore(&g->lock, flags);
	/*
	 * A member aborted before this (by that cancel, destroy, or the
	 * runtime's or owner's end) starts cancelled: its drop files it.
	 * The handle is the group's: t is not touched after.
	 */
	kasync_task_start(t);
	return 0;

undo:
	spin_lock_irqsave(&g->lock, flags);
	if (!--g->nr_live)
		kasync_group_wake_waiters(g);
	spin_unlock_irqrestore(&g->lock, flags);
	wake_up_all(&g->wq);
	kasync_group_put(g);	/* not the last: the caller keeps g alive */
	return err;
}
EXPORT_SYMBOL_GPL(__kasync_group_spawn);

/* Take the oldest finished member off done; its handle goes to the caller. */
static struct kasync_member *kasync_group_pop(struct kasync_group *g)
{
	struct kasync_member *m;

	lockdep_assert_held(&g->lock);
	m = list_first_entry_or_null(&g->done, struct kasync_member, node);
	if (m) {
		list_del(&m->node);
		g->nr_done--;
	}
	return m;
}

static void kasync_group_wait_unlink(struct kasync_group_wait *w)
{
	struct kasync_group *g = w->g;
	unsigned long flags;

	spin_lock_irqsave(&g->lock, flags);
	list_del(&w->node);
	spin_unlock_irqrestore(&g->lock, flags);
	/* From here on no drop wakes w->task through w. */
	w->armed = false;
	w->g = NULL;
	kasync_group_put(g);	/* the waiter's; may free g */
}

static void kasync_group_wait_cleanup(struct kasync_cleanup *c)
{
	kasync_group_wait_unlink(container_of(c, struct kasync_group_wait,
					      cleanup));
}

/**
 * kasync_group_wait_cancel - abandon kasync_group_next() or _join_all()
 * @self: the task being polled
 * @w: its wait; nothing is done if it is not armed
 *
 * For a select branch or a timeout: unregisters @self from the group and
 * forgets the first error kasync_group_join_all() gathered.  The results
 * already collected by a pending join_all stay collected (discarded).
 * @w can be awaited again afterwards.
 *
 * Context: @self's poll function; takes the group's lock (irq-safe).
 */
void kasync_group_wait_cancel(struct kasync_task *self,
			      struct kasync_group_wait *w)
{
	w->err = 0;
	if (!w->armed)
		return;
	kasync_cleanup_del(self, &w->cleanup);
	kasync_group_wait_unlink(w);
}
EXPORT_SYMBOL_GPL(kasync_group_wait_cancel);

/* Under g->lock: make sure w is listed, so that the next drop wakes self. */
static bool kasync_group_wait_arm(struct kasync_task *self,
				  struct kasync_group *g,
				  struct kasync_group_wait *w)
{
	lockdep_assert_held(&g->lock);
	if (w->armed) {
		WARN_ON_ONCE(w->g != g || w->task != self);
		return false;
	}
	w->g = g;
	w->task = self;
	w->armed = true;
	list_add_tail(&w->node, &g->waiters);
	refcount_inc(&g->ref);	/* the waiter's */
	return true;
}

/* Misuse of @fn: @w armed by another await (another group or task). */
static bool kasync_group_misuse(struct kasync_task *self,
				struct kasync_group *g,
				struct kasync_group_wait *w, const char *fn)
{
	return __kasync_misuse(w->armed && (w->g != g || w->task != self), fn,
			       "with a wait in use by another await");
}

/* kasync_group_next() without the cooperative budget. */
static enum kasync_poll kasync_group_next_once(struct kasync_task *self,
					       struct kasync_group *g,
					       struct kasync_group_wait *w,
					       long *res)
{
	struct kasync_member *m;
	unsigned long flags;
	bool armed;

	if (kasync_group_misuse(self, g, w, "kasync_group_next")) {
		*res = -EINVAL;
		return KASYNC_READY;
	}
	spin_lock_irqsave(&g->lock, flags);
	m = kasync_group_pop(g);
	if (!m && g->nr_live) {
		armed = kasync_group_wait_arm(self, g, w);
		spin_unlock_irqrestore(&g->lock, flags);
		if (armed) {
			w->cleanup.fn = kasync_group_wait_cleanup;
			kasync_cleanup_add(self, &w->cleanup);
		}
		return kt_pending(self, KASYNC_WAIT_GROUP);
	}
	spin_unlock_irqrestore(&g->lock, flags);

	kasync_group_wait_cancel(self, w);
	if (!m) {
		*res = -ECHILD;		/* as waitpid() without children */
		return KASYNC_READY;
	}
	*res = m->result;	/* N: written before the drop's unlock */
	kasync_task_put(kasync_member_task(m));
	return KASYNC_READY;
}

/**
 * kasync_group_next - await the next result of a group
 * @self: the task being polled
 * @g: the group
 * @w: a &struct kasync_group_wait in @self's state
 * @res: the result, set only when this reports %KASYNC_READY: the next
 *	member's result (its kasync_set_result() value, or -ECANCELED if it
 *	was cancelled); -ECHILD when the group has no member left (nothing
 *	running, every result collected); -EINVAL on misuse (@w in use by
 *	another await: warns once at the call site)
 *
 * For KASYNC_AWAIT().  Results come in order of completion, each once.
 * While pending, @self is registered with @g (holding a reference on it)
 * and woken when a member finishes; aborting @self unregisters it through
 * a cleanup hook, and a result not yet handed out stays with the group.
 *
 * A member's result and kasync's errors share *@res, as a task's result
 * and -ECANCELED share kasync_join()'s return value: a member that
 * returns -ECHILD cannot be told from the end of the group, nor one that
 * returns -ECANCELED from a cancelled one.  Members whose awaiter must
 * tell them apart do not return those errnos.
 *
 * Context: @self's poll function; takes the group's lock (irq-safe).
 * Return: %KASYNC_READY with *@res set (misuse included); %KASYNC_PENDING
 * while members run and no result is waiting, *@res untouched.
 */
enum kasync_poll kasync_group_next(struct kasync_task *self,
				   struct kasync_group *g,
				   struct kasync_group_wait *w, long *res)
{
	return kasync_coop(self, kasync_group_next_once(self, g, w, res));
}
EXPORT_SYMBOL_GPL(kasync_group_next);

/* Collect every filed result; return the first error among them, or @err. */
static long kasync_group_drain(struct kasync_group *g, long err)
{
	struct kasync_member *m;
	unsigned long flags;

	for (;;) {
		spin_lock_irqsave(&g->lock, flags);
		m = kasync_group_pop(g);
		spin_unlock_irqrestore(&g->lock, flags);
		if (!m)
			return err;
		if (!err && m->result < 0)
			err = m->result;
		kasync_task_put(kasync_member_task(m));
	}
}

/**
 * kasync_group_join_all - await every member of a group
 * @self: the task being polled
 * @g: the group
 * @w: a &struct kasync_group_wait in @self's state
 * @res: the result, set only when this reports %KASYNC_READY: the first
 *	negative result in order of completion among the results this
 *	await collected, or 0; -EINVAL on misuse (@w in use by another
 *	await: warns once at the call site)
 *
 * For KASYNC_AWAIT().  Collects and discards results as members finish,
 * until none is running; members spawned meanwhile are awaited too.  The
 * results already collected are not returned if @self is aborted.
 *
 * Context: @self's poll function; takes the group's lock (irq-safe).
 * Return: %KASYNC_READY with *@res set once no member runs (at once for
 * an empty group; also on misuse, with -EINVAL); %KASYNC_PENDING
 * otherwise, *@res untouched.
 */
enum kasync_poll kasync_group_join_all(struct kasync_task *self,
				       struct kasync_group *g,
				       struct kasync_group_wait *w,
				       long *res)
{
	unsigned long flags;
	bool armed = false, running;

	if (kasync_group_misuse(self, g, w, __func__)) {
		*res = -EINVAL;
		return KASYNC_READY;
	}
	w->err = kasync_group_drain(g, w->err);
	spin_lock_irqsave(&g->lock, flags);
	running = g->nr_live;
	if (running)
		armed = kasync_group_wait_arm(self, g, w);
	spin_unlock_irqrestore(&g->lock, flags);
	if (armed) {
		w->cleanup.fn = kasync_group_wait_cleanup;
		kasync_cleanup_add(self, &w->cleanup);
	}
	if (running)
		return kt_pending(self, KASYNC_WAIT_GROUP);
	/* Members that finished after the drain above and before the check. */
	*res = kasync_group_drain(g, w->err);
	kasync_group_wait_cancel(self, w);	/* also resets w->err */
	return KASYNC_READY;
}
EXPORT_SYMBOL_GPL(kasync_group_join_all);

/**
 * kasync_group_cancel - cancel every member of a group
 * @g: the group
 *
 * Aborts the running members (each ends with -ECANCELED unless it already
 * completed) and closes the group: later spawns fail with -ESHUTDOWN.
 * Results stay with the group until collected.  Returns without waiting
 * for the members' drops; await kasync_group_join_all() or call
 * kasync_group_wait() for that.
 *
 * Context: any; takes the group's lock (irq-safe).
 */
void kasync_group_cancel(struct kasync_group *g)
{
	unsigned long flags;

	spin_lock_irqsave(&g->lock, flags);
	g->closed = true;
	spin_unlock_irqrestore(&g->lock, flags);
	kasync_group_abort_members(g);
}
EXPORT_SYMBOL_GPL(kasync_group_cancel);

/**
 * kasync_group_len - how many members a group holds
 * @g: the group
 *
 * Context: any; takes the group's lock (irq-safe).
 * Return: members running or being spawned plus finished members whose
 * results were not collected yet (tokio's JoinSet::len()); 0 for %NULL.
 */
unsigned int kasync_group_len(struct kasync_group *g)
{
	unsigned long flags;
	unsigned int n;

	if (!g)
		return 0;
	spin_lock_irqsave(&g->lock, flags);
	n = g->nr_live + g->nr_done;
	spin_unlock_irqrestore(&g->lock, flags);
	return n;
}
EXPORT_SYMBOL_GPL(kasync_group_len);

static bool kasync_group_idle(struct kasync_group *g)
{
	unsigned long flags;
	bool idle;

	spin_lock_irqsave(&g->lock, flags);
	idle = !g->nr_live;
	spin_unlock_irqrestore(&g->lock, flags);
	return idle;
}

/**
 * kasync_group_wait - wait, sleeping, until no member of a group runs
 * @g: the group
 *
 * The process-context kasync_group_join_all(), for module exit paths
 * (typically after kasync_group_cancel()): collects and discards every
 * result, including those of members spawned while waiting.
 *
 * Context: process context; sleeps.  Not from a task's poll function.
 * Return: the first negative result collected, in order of completion, or
 * 0.
 */
long kasync_group_wait(struct kasync_group *g)
{
	long err = 0;

	might_sleep();
	do {
		err = kasync_group_drain(g, err);
		/* The drop that empties the group wakes g->wq after unlock. */
		wait_event(g->wq, kasync_group_idle(g));
	} while (kasync_group_len(g));
	return err;
}
EXPORT_SYMBOL_GPL(kasync_group_wait);

/**
 * kasync_group_destroy - cancel a group's members and release it
 * @g: the group; not to be used by the caller afterwards
 *
 * Closes the group, aborts the running members, discards every result
 * (collected or not yet filed) and drops the creator's reference.  Does
 * not wait: members finish in their workers, and the last one's drop
 * frees the group.  A task still awaiting the group (next or join_all)
 * keeps it alive and gets -ECHILD / its first error once the members are
 * gone; it must not await it again.
 * Destroying a group twice is misuse: warns once at the call site.
 *
 * Context: any (a drop callback included); does not sleep.
 */
void kasync_group_destroy(struct kasync_group *g)
{
	struct kasync_member *m, *tmp;
	unsigned long flags;
	LIST_HEAD(done);

	if (!g)
		return;
	spin_lock_irqsave(&g->lock, flags);
	if (kasync_misuse(g->destroyed, "called twice")) {
		spin_unlock_irqrestore(&g->lock, flags);
		return;
	}
	g->closed = true;
	g->destroyed = true;
	list_splice_init(&g->done, &done);
	g->nr_done = 0;
	spin_unlock_irqrestore(&g->lock, flags);

	kasync_group_abort_members(g);
	list_for_each_entry_safe(m, tmp, &done, node)
		kasync_task_put(kasync_member_task(m));
	kasync_group_put(g);	/* the creator's */
}
EXPORT_SYMBOL_GPL(kasync_group_destroy);

/**
 * kasync_join_all - await every task of an array of handles
 * @self: the task being polled (the awaiter)
 * @handles: the handles; each is consumed (set to %NULL) as its task is
 *	joined.  %NULL entries count as joined already.
 * @n: number of handles
 * @results: @n results; results[i] gets handles[i]'s result once joined
 *	(-ECANCELED if it was cancelled)
 *
 * For KASYNC_AWAIT().  Built on kasync_join_poll(): each poll joins the
 * handles in index order up to the first task still running, and waits
 * for that one only.  Each poll is O(@n); for many tasks use a group.  If
 * @self is aborted while pending, its drop callback must release the
 * remaining handles with kasync_join_all_cancel() (or detach them).
 *
 * Context: @self's poll function.
 * Return: %KASYNC_READY once every handle is consumed; %KASYNC_PENDING
 * otherwise.
 */
enum kasync_poll kasync_join_all(struct kasync_task *self,
				 struct kasync_task **handles, unsigned int n,
				 long *results)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (handles[i] &&
		    kasync_join_poll(self, &handles[i], &results[i]) !=
		    KASYNC_READY)
			return kt_pending(self, KASYNC_WAIT_JOIN);
	}
	return KASYNC_READY;
}
EXPORT_SYMBOL_GPL(kasync_join_all);

/**
 * kasync_join_all_cancel - abort and release the handles a join-all holds
 * @handles: the handles; every non-%NULL one is aborted and detached
 *	(set to %NULL)
 * @n: number of handles
 *
 * For the drop callback of a task aborted in kasync_join_all(), or as the
 * cancel statement of a select branch or a timeout.  The tasks end with
 * -ECANCELED unless they already finished; their results are discarded.
 *
 * Context: any; does not sleep.
 * Return: the number of handles released.
 */
unsigned int kasync_join_all_cancel(struct kasync_task **handles,
				    unsigned int n)
{
	unsigned int i, k = 0;

	for (i = 0; i < n; i++) {
		if (!handles[i])
			continue;
		kasync_abort(handles[i]);
		kasync_detach(&handles[i]);
		k++;
	}
	return k;
}
EXPORT_SYMBOL_GPL(kasync_join_all_cancel);
