// SPDX-License-Identifier: GPL-2.0
/*
 * kasync tasks: allocation, the state word, wakes, abort, join handles,
 * cleanup hooks and finalization.
 *
 * Locking and ordering: fields are tagged with the legend of rules.h; every state-word
 * transition follows "kasync ordering rules" 1, 4 and 5 there.  The live
 * lists (rule 7) are live.c's.  Nothing here sleeps except the
 * kasync_join*() family.
 */
#include <linux/err.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/wait_bit.h>

#include <kasync/co.h>

#include "cache.h"
#include "detect.h"
#include "misuse.h"
#include "rt.h"
#include "sched.h"
#include "task_access.h"
#include "trace.h"

static inline long kt_refs(long state)
{
	return state >> KT_REF_SHIFT;
}

/*
 * The header's budget: 104 bytes run the task, 56 name and account for
 * it (identity, await site, poll counts and times: the task view, the
 * tracepoints and the detectors).
 */
static_assert(sizeof(struct kasync_task) <= 160);
static_assert(KT_REF_ONE > KT_FLAGS);

/**
 * kasync_task_get - take a reference on a task
 * @task: task, kept alive by a reference the caller already holds
 *
 * For wakers that keep a bare task pointer: the task's memory stays valid
 * (kasync_wake() stays safe to call) until the matching kasync_task_put().
 *
 * Context: any.
 */
void kasync_task_get(struct kasync_task *task)
{
	long old = atomic_long_fetch_add_relaxed(KT_REF_ONE, &task->state);

	WARN_ON_ONCE(kt_refs(old) <= 0);
}
EXPORT_SYMBOL_GPL(kasync_task_get);

/**
 * kasync_task_put - drop a reference taken with kasync_task_get()
 * @task: task
 *
 * Frees the task if this was its last reference.
 *
 * Context: any.
 */
void kasync_task_put(struct kasync_task *task)
{
	long old = atomic_long_fetch_sub_release(KT_REF_ONE, &task->state);

	if (WARN_ON_ONCE(kt_refs(old) <= 0))
		return;
	if (kt_refs(old) != 1)
		return;
	/* Pairs with the release above in every other put. */
	smp_acquire__after_ctrl_dep();
	/* Only the finalizer drops the runtime's reference (after FINAL). */
	WARN_ON_ONCE(!(old & KT_FINAL));
	kasync_task_mem_free(task, sizeof(*task) + task->size);
}
EXPORT_SYMBOL_GPL(kasync_task_put);

/**
 * kasync_task_state - the task's state
 * @task: task
 *
 * Return: pointer to the task's copy of the state passed to kasync_spawn(),
 * aligned to at least 8 bytes.
 *
 * Context: any; the caller holds a reference.
 */
void *kasync_task_state(struct kasync_task *task)
{
	return task->data;
}
EXPORT_SYMBOL_GPL(kasync_task_state);

/**
 * kasync_set_result - set the value a finishing task hands its joiner
 * @task: the task being polled
 * @result: the value kasync_join() will return
 *
 * Context: the task's own poll function, before it returns %KASYNC_READY.
 */
void kasync_set_result(struct kasync_task *task, long result)
{
	task->result = result;
}
EXPORT_SYMBOL_GPL(kasync_set_result);

/**
 * kasync_task_set_name - name a task for the task view, traces and reports
 * @task: a handle, or the task being polled
 * @name: a string literal or other string that outlives the task (the
 *	owner's unload cancels its tasks first), without spaces; %NULL
 *	goes back to the default, &kasync_task_ops.name or the poll
 *	function's symbol
 *
 * Costs one store; the name is never copied.
 *
 * Context: any.
 */
void kasync_task_set_name(struct kasync_task *task, const char *name)
{
	WRITE_ONCE(task->name, name);
}
EXPORT_SYMBOL_GPL(kasync_task_set_name);

/**
 * kasync_task_id - a task's id
 * @task: a handle, or the task being polled
 *
 * Unique among the tasks of all runtimes since kasync was loaded; the
 * first column of the task view and the ``task=`` field of every task
 * tracepoint.
 *
 * Context: any.
 * Return: the id.
 */
u64 kasync_task_id(const struct kasync_task *task)
{
	return task->id;
}
EXPORT_SYMBOL_GPL(kasync_task_id);

/**
 * kasync_task_waits - record the kind of wake source a poll armed
 * @task: the task being polled
 * @kind: what will wake it
 *
 * kasync's own awaits call this when they report %KASYNC_PENDING.  An
 * await of your own whose waker is not one of kasync's (a callback of
 * another subsystem that calls kasync_wake()) calls it with
 * %KASYNC_WAIT_OTHER, or the "no waker" detector reports the task.  The
 * first kind recorded in a poll is kept.
 *
 * Context: @task's poll function.
 */
void kasync_task_waits(struct kasync_task *task, enum kasync_wait_kind kind)
{
	kt_waits(task, kind);
}
EXPORT_SYMBOL_GPL(kasync_task_waits);

DEFINE_PER_CPU(struct kasync_await_slot, kasync_await_slot);
EXPORT_PER_CPU_SYMBOL_GPL(kasync_await_slot);

/**
 * kasync_co_lost - a <kasync/co.h> function resumed at no known line
 * @co: its resume point
 * @func: the function
 *
 * Called by the ``default`` arm of KASYNC_BEGIN(): @co->line matches no
 * case of the function's switch, because an await sits inside a switch
 * of the user's own, or a helper returned without KASYNC_DONE(), or the
 * state was overwritten.  Reports the task being polled (once), counts it
 * (&kasync_stats.co_lost) and cancels it: its cleanup hooks and drop
 * run, and its joiner gets -EILSEQ.
 *
 * Context: a poll function.
 * Return: %KASYNC_PENDING (the task is cancelled; never polled again).
 */
enum kasync_poll kasync_co_lost(struct kasync_co *co, const char *func)
{
	struct kasync_task *t = kasync_current();
	char what[160];

	if (!t) {
		pr_warn("kasync: WARNING: %s() resumed at line %d, which no KASYNC_ case matches, outside a task\n",
			func, co->line);
		return KASYNC_PENDING;
	}
	snprintf(what, sizeof(what),
		 "%s() resumed at line %d, which no KASYNC_ case matches (an await inside a switch of its own?); cancelled with -EILSEQ",
		 func, co->line);
	kasync_detected(t, KT_REPORTED_CO, KASYNC_STAT_CO_LOST, what);
	kasync_abort(t);
	return KASYNC_PENDING;
}
EXPORT_SYMBOL_GPL(kasync_co_lost);

/*
 * The tracepoints of the hot paths, out of line: behind the static
 * branch, a call that keeps its arguments and registers off the caller's
 * path (a tracepoint's arguments are computed before its key is tested).
 */
#ifdef KASYNC_NO_TRACE
static inline void kasync_trace_wake(struct kasync_task *t) { }
static inline void kasync_trace_poll_start(struct kasync_task *t) { }
static inline void kasync_trace_poll_end(struct kasync_task *t,
					 enum kasync_poll ret, u64 ns) { }
#else
/* Who is calling kasync_wake(), for its tracepoint. */
static int kasync_waker(void)
{
	if (in_hardirq() || in_nmi())
		return KASYNC_WAKER_HARDIRQ;
	if (in_serving_softirq())
		return KASYNC_WAKER_SOFTIRQ;
	return kasync_current() ? KASYNC_WAKER_POLL : KASYNC_WAKER_THREAD;
}

static noinline void kasync_trace_wake(struct kasync_task *t)
{
	kasync_trace(wake, t->id, kasync_waker(), raw_smp_processor_id(),
		     READ_ONCE(t->cpu));
}

static noinline void kasync_trace_poll_start(struct kasync_task *t)
{
	kasync_trace(poll_start, t->id, t->polls);
}

static noinline void kasync_trace_poll_end(struct kasync_task *t,
					   enum kasync_poll ret, u64 ns)
{
	kasync_trace(poll_end, t->id, ret == KASYNC_READY, ns, t->wait_kind);
}
#endif

/**
 * kasync_task_finished - has the task finished and run its drop callback?
 * @task: task
 *
 * Context: any; the caller holds a reference.
 * Return: true once the task completed or was cancelled and its drop
 * callback returned.
 */
bool kasync_task_finished(struct kasync_task *task)
{
	/* Ordering rule 4: acquire FINAL before reading result. */
	return atomic_long_read_acquire(&task->state) & KT_FINAL;
}
EXPORT_SYMBOL_GPL(kasync_task_finished);

/**
 * kasync_task_of - the task whose state @state is
 * @state: what kasync_task_state() returned, or the @state argument of
 *	the task's poll or drop function
 *
 * For kasync's primitives that keep a task's state (a group member's
 * bookkeeping), not its handle.
 *
 * Return: the task.
 */
struct kasync_task *kasync_task_of(void *state)
{
	return container_of((u64 *)state, struct kasync_task, data[0]);
}

/**
 * kasync_task_result - the result of a task that finished
 * @task: task whose poll returned %KASYNC_READY or that was cancelled,
 *	from its drop callback or after kasync_task_finished() (ordering
 *	rule 4)
 *
 * Return: the value kasync_join() hands its joiner, before -ECANCELED is
 * substituted for a cancelled task.
 */
long kasync_task_result(struct kasync_task *task)
{
	return task->result;
}

/*
 * Spawning.  kasync_spawn() is one call; kasync_task_alloc(), then
 * kasync_task_start() or kasync_task_discard(), are the same in two
 * steps, for a state that must be built in place.  Both list the task at
 * once (ordering rule 7), so a runtime's destroy and an owner's unload
 * find it.
 *
 * A one-call spawn is born SCHEDULED and not queued (ordering rule 1: it
 * owns queueing it): a cancel walk that finds it in between only sets
 * CANCELLED, and the worker finalizes it once queued.
 *
 * A two-step task is born NEW instead, and stays out of every run queue
 * until started: kasync_wake() ignores it (the first poll, which start
 * queues, subsumes any wake), and only the first kasync_abort() queues
 * it, as it queues an idle task.  So no poll runs while the state is
 * built.  Each of these ends the NEW phase with one RMW of the state word:
 *
 *   kasync_task_start()        clears NEW; sets SCHEDULED and queues the
 *                              task, unless an abort queued it already
 *   finalizer, task still NEW  sets FINAL, NEW kept (kasync_task_orphan()):
 *                              no drop, since the state may be half built;
 *                              then reaped like any task, so destroy and
 *                              the owner drain never wait for the builder
 *
 * Start and the finalizer of an aborted NEW task race only on NEW, and
 * the first RMW decides: if start clears it first, the finalizer sees a
 * started, cancelled task and runs its drop; if the finalizer sets FINAL
 * first, the runtime may be gone by the time start runs, and start runs
 * the drop itself, touching nothing of the runtime.  Either way the drop
 * runs once, on a complete state, and the joiner gets -ECANCELED.
 * kasync_task_discard() is an abort that nobody starts: no drop, ever.
 *
 * A NEW task counts as spawned from alloc (in kasync_live_add(): its row
 * of the live list counts it anyway); its finalizer counts it cancelled.
 */

/* Copy 8 to 16 bytes as two overlapping 8-byte moves. */
static __always_inline void kasync_copy_8_16(void *dst, const void *src,
					     size_t n)
{
	u64 a, b;

	memcpy(&a, src, 8);
	memcpy(&b, src + n - 8, 8);
	memcpy(dst, &a, 8);
	memcpy(dst + n - 8, &b, 8);
}

/*
 * Allocate, fill and list a task whose state word starts as @state (and
 * queue it, if born SCHEDULED).
 * Context and errors: as __kasync_spawn_on(); @init %NULL zero-fills.
 */
static __always_inline struct kasync_task *
kasync_task_new(struct kasync_rt *rt, int cpu, const struct kasync_task_ops *ops,
		const void *init, size_t size, gfp_t gfp, struct module *owner,
		long state)
{
	struct kasync_task *t;
	int err;

	might_sleep_if(gfpflags_allow_blocking(gfp));
	if (!ops || !ops->poll || size > KASYNC_STATE_MAX)
		return ERR_PTR(-EINVAL);
	if (cpu != -1 &&
	    (cpu < 0 || cpu >= (int)nr_cpu_ids || !cpu_possible(cpu)))
		return ERR_PTR(-EINVAL);
	if (!rt)
		rt = READ_ONCE(kasync_default_rt);
	if (!rt || (owner && !module_is_live(owner)))
		return ERR_PTR(-ESHUTDOWN);

	t = kasync_task_mem_alloc(sizeof(*t) + size, gfp);
	if (!t)
		return ERR_PTR(-ENOMEM);
	if (!init)
		memset(t->data, 0, size);
	else if (size >= 8 && size <= 16)
		/* Small states, the common case: two loads, not a call. */
		kasync_copy_8_16(t->data, init, size);
	else
		memcpy(t->data, init, size);
	/* Two references: the handle's and the runtime's. */
	atomic_long_set(&t->state, state);
	t->node.next = NULL;
	t->ops = ops;
	t->rt = rt;
	t->owner = owner;
	INIT_HLIST_HEAD(&t->cleanups);
	t->awaiter = NULL;
	t->result = 0;
	t->size = size;
	t->cpu = cpu;
	t->wait_kind = KASYNC_WAIT_NONE;
	t->name = NULL;
	t->site = NULL;
	t->busy_ns = 0;
	t->last_ns = 0;
	t->born = (u32)jiffies;
	t->polls = 0;
	t->longest_ns = 0;
	t->reported = 0;

	/*
	 * Last: a cancel walk may find it from here on (rule 7).  A task
	 * born SCHEDULED is queued in the same step.
	 */
	if (state & KT_SCHEDULED)
		err = kasync_spawn_enqueue(t);
	else
		err = kasync_live_add(rt, t);
	if (err) {
		kasync_task_mem_free(t, sizeof(*t) + size);
		return ERR_PTR(err);
	}
	if (!(state & KT_SCHEDULED))
		kasync_trace(spawn, t->id, ops->name ?: "", ops->poll, rt->name,
			     cpu);
	return t;
}

/**
 * __kasync_spawn_on - start a task (use kasync_spawn() or kasync_spawn_on())
 * @rt: runtime, or %NULL for the default runtime
 * @cpu: CPU to queue the task on first, or -1 for the current one.  A
 *	per-CPU runtime keeps the task on that CPU (unless it goes offline).
 * @ops: the task's poll and (optional) drop functions
 * @init: initial state, copied into the task; %NULL zero-fills it
 * @size: bytes of state, at most %KASYNC_STATE_MAX
 * @gfp: allocation flags; %GFP_ATOMIC from atomic context
 * @owner: module whose code @ops points into; its unload cancels the task
 *
 * Allocates the task (one allocation: header and state), queues it and
 * returns its handle: __kasync_task_alloc(), a copy of @init and
 * kasync_task_start() in one call.  The handle must eventually be
 * consumed by kasync_join(), kasync_join_timeout(), kasync_join_killable(),
 * kasync_join_poll() or kasync_detach().
 *
 * Context: any; may sleep if @gfp allows it.
 * Return: the task handle, or an ERR_PTR(): -EINVAL for a NULL @ops or
 * poll, @size above %KASYNC_STATE_MAX or an impossible @cpu; -ESHUTDOWN if
 * the runtime is being destroyed, there is no default runtime, or @owner
 * is being unloaded; -ENOMEM if the allocation failed.
 */
struct kasync_task *__kasync_spawn_on(struct kasync_rt *rt, int cpu,
				      const struct kasync_task_ops *ops,
				      const void *init, size_t size, gfp_t gfp,
				      struct module *owner)
{
	/*
	 * Born SCHEDULED, not NEW: no window, so no RMW to end one; listed
	 * and queued by kasync_task_new().
	 */
	return kasync_task_new(rt, cpu, ops, init, size, gfp, owner,
			       2 * KT_REF_ONE | KT_SCHEDULED);
}
EXPORT_SYMBOL_GPL(__kasync_spawn_on);

/**
 * __kasync_task_alloc - allocate a task to start later (use
 *	kasync_task_alloc() or kasync_task_alloc_on())
 * @rt: runtime, or %NULL for the default runtime
 * @cpu: CPU to queue the task on first, or -1 for the one that starts it
 *	(which a per-CPU runtime makes the task's home)
 * @ops: the task's poll and (optional) drop functions
 * @size: bytes of state, at most %KASYNC_STATE_MAX
 * @gfp: allocation flags; %GFP_ATOMIC from atomic context
 * @owner: module whose code @ops points into; its unload cancels the task
 *
 * The first half of kasync_spawn(), for a state that must be built where
 * it will live: one holding a list head, a wait queue entry or pointers
 * into itself, or too large to build on the stack and copy.  The task is
 * allocated with its state zeroed (kasync_task_state()) and not queued:
 * nothing of it runs, and kasync_wake() does nothing to it, until
 * kasync_task_start().  Fill the state, then call kasync_task_start(), or
 * kasync_task_discard() to give up.  One of the two must follow, and
 * nothing else may be done with the task before it: it is not a handle
 * yet.
 *
 * The task already belongs to @rt: kasync_rt_destroy() of @rt, or the
 * unload of @owner, cancels it without waiting for the caller, and the
 * task then starts cancelled (see kasync_task_start()).  @rt may thus be
 * destroyed between the two steps.
 *
 * Context: any; may sleep if @gfp allows it.
 * Return: the task, or an ERR_PTR(): -EINVAL for a NULL @ops or poll,
 * @size above %KASYNC_STATE_MAX or an impossible @cpu; -ESHUTDOWN if the
 * runtime is being destroyed, there is no default runtime, or @owner is
 * being unloaded; -ENOMEM if the allocation failed.
 */
struct kasync_task *__kasync_task_alloc(struct kasync_rt *rt, int cpu,
					const struct kasync_task_ops *ops,
					size_t size, gfp_t gfp,
					struct module *owner)
{
	return kasync_task_new(rt, cpu, ops, NULL, size, gfp, owner,
			       2 * KT_REF_ONE | KT_NEW);
}
EXPORT_SYMBOL_GPL(__kasync_task_alloc);

/**
 * kasync_task_start - queue a task from kasync_task_alloc()
 * @task: the task, its state filled in
 *
 * The second half of kasync_spawn(): the task is queued and polled as if
 * just spawned, and the returned handle must be consumed as a handle of
 * kasync_spawn() is.  Start never fails for a task that was allocated and
 * not yet started or discarded.
 *
 * If the task was cancelled before this call (kasync_rt_destroy() of its
 * runtime, the unload of its owner, or kasync_abort()), it is never
 * polled: its drop callback runs once on the state as built, and its
 * joiner gets -ECANCELED.  That drop may run in the worker or, if the
 * runtime already let go of the task, in this call; it must not take a
 * lock the caller holds.
 *
 * Context: any.
 * Return: the handle (@task itself), or ERR_PTR(-EINVAL) for a %NULL or
 * ERR_PTR() @task or one already started (misuse: warns once at the call
 * site; a started task is left alone).
 */
struct kasync_task *kasync_task_start(struct kasync_task *task)
{
	long old, new;

	if (kasync_misuse(IS_ERR_OR_NULL(task), "on a NULL or error task"))
		return ERR_PTR(-EINVAL);
	old = atomic_long_read(&task->state);
	do {
		if (kasync_misuse(!(old & KT_NEW), "on a started task"))
			return ERR_PTR(-EINVAL);
		new = old & ~KT_NEW;
		/* Ordering rule 1: not SCHEDULED (NEW), so we own queueing. */
		if (!(old & KT_CANCELLED))
			new |= KT_SCHEDULED;
		/* Publishes the state built in place: fully ordered (rule 1). */
	} while (!atomic_long_try_cmpxchg(&task->state, &old, new));

	if (old & KT_FINAL) {
		/*
		 * Finalized while NEW: no drop ran, and the runtime may be
		 * gone (its reference is, or is about to be).  A group
		 * member's drop may release the handle: @task is not touched
		 * after it.
		 */
		if (task->ops->drop)
			task->ops->drop(task->data);
		return task;
	}
	/* Cancelled and queued already: its worker runs the drop. */
	if (old & KT_CANCELLED)
		return task;
	/* Listed, SCHEDULED and not queued: @rt cannot go away before this. */
	kasync_enqueue_spawned(task);
	return task;
}
EXPORT_SYMBOL_GPL(kasync_task_start);

/**
 * kasync_task_discard - free a task from kasync_task_alloc() unstarted
 * @task: the task; %NULL and ERR_PTR() are ignored, and so is a started
 *	task (misuse: warns once at the call site)
 *
 * Nothing of the task runs: no poll, no cleanup hook, no drop callback.
 * Release what the caller put in the state before calling this.  The
 * memory is freed once the task is off its runtime's live list, shortly
 * after, from its worker; the runtime's counters show it as spawned and
 * cancelled.
 *
 * Context: any.
 */
void kasync_task_discard(struct kasync_task *task)
{
	if (IS_ERR_OR_NULL(task))
		return;
	/* Only the caller clears NEW, so this read is not a race. */
	if (kasync_misuse(!(atomic_long_read(&task->state) & KT_NEW),
			  "on a started task"))
		return;
	/* -EALREADY if destroy or the owner drain cancelled it first. */
	kasync_abort(task);
	kasync_task_put(task);	/* the would-be handle's */
}
EXPORT_SYMBOL_GPL(kasync_task_discard);

/**
 * kasync_wake - make a task runnable
 * @task: task; the caller holds a reference (a handle, kasync_task_get(),
 *	or it is the task being polled)
 *
 * Queues the task unless it is already queued, in which case the wakes
 * coalesce.  Waking a task during its poll makes the worker poll it again
 * afterwards.  Waking a finished or cancelled task does nothing, and so
 * does waking one from kasync_task_alloc() not yet started: its first
 * poll, after kasync_task_start(), sees the waker's stores.
 * Allocates nothing.
 *
 * Context: any, including hard IRQ.
 */
void kasync_wake(struct kasync_task *task)
{
	long old, new;

	/*
	 * Ordering rule 1: a coalesced wake returns after a plain read, so
	 * order the caller's stores before it.  Without this barrier the
	 * read could pass a store still in this CPU's store buffer: we see
	 * SCHEDULED, the worker clears it and polls without our store, and
	 * the wake is lost.  Pairs with the cmpxchg that sets RUNNING.
	 */
	smp_mb();
	old = atomic_long_read(&task->state);
	do {
		/* NEW: kasync_task_start() queues the first poll anyway. */
		if (old & (KT_DONE | KT_SCHEDULED | KT_NEW))
			return;	/* coalesced, or nothing left to run */
		new = old | KT_SCHEDULED;
		/* Ordering rule 1: pairs with the cmpxchg setting RUNNING. */
	} while (!atomic_long_try_cmpxchg(&task->state, &old, new));

	kasync_stat_inc(task->rt, KASYNC_STAT_WAKES);
	if (kasync_trace_enabled(wake))
		kasync_trace_wake(task);
	/* Ordering rule 1: RUNNING means the worker re-queues it. */
	if (!(old & KT_RUNNING))
		kasync_enqueue(task);
}
EXPORT_SYMBOL_GPL(kasync_wake);

/**
 * kasync_coop_proceed - may an await that could finish go on in this poll?
 * @task: the task being polled
 *
 * The cooperative budget.  An await whose resource is ready finishes
 * without leaving the poll, so a task whose socket always has data, or
 * whose channel always has items, could hold its CPU's worker forever.
 * Each poll therefore may finish at most %KASYNC_COOP_BUDGET awaits
 * (each charged with kasync_coop_charge()).  Once they are spent, this
 * wakes @task, counts a forced yield (&kasync_stats.coop_yields, once per
 * poll) and returns false: the await reports %KASYNC_PENDING without
 * doing anything, the poll returns, and the task is polled again after
 * the tasks queued behind it, with a fresh budget.  Awaits that only wait
 * cost nothing.
 *
 * Every await of kasync (sockets, channels, wait queues, file readiness,
 * mutexes, semaphores, notify, timers, joins) does this already.  An
 * await of your own over a resource that can be ready again and again
 * does it too::
 *
 *	return kasync_coop(task, my_try(task, ...));
 *
 * Context: @task's poll function.
 * Return: true if the await may go on; false if the budget is spent and
 * the await must report %KASYNC_PENDING, changing nothing.
 */
bool kasync_coop_proceed(struct kasync_task *task)
{
	if (likely(!task || task->budget))
		return true;
	if (!task->coop_yielded) {
		task->coop_yielded = true;
		kasync_stat_inc(task->rt, KASYNC_STAT_COOP_YIELDS);
		/* Running: only sets SCHEDULED; re-queued behind the others. */
		kasync_wake(task);
	}
	return false;
}
EXPORT_SYMBOL_GPL(kasync_coop_proceed);

/**
 * kasync_coop_charge - count a finished await against the budget
 * @task: the task being polled
 *
 * See kasync_coop_proceed(); kasync_coop_done() calls this for an await
 * that reports %KASYNC_READY.
 *
 * Context: @task's poll function.
 */
void kasync_coop_charge(struct kasync_task *task)
{
	if (task && task->budget)
		task->budget--;
}
EXPORT_SYMBOL_GPL(kasync_coop_charge);

/**
 * kasync_abort - cancel a task
 * @task: task handle (not consumed)
 *
 * The task is never polled again; a poll in progress (even the caller's,
 * if a task aborts itself) finishes first, and its result is discarded.
 * Then, in the task's worker, its cleanup hooks and drop callback run and
 * its joiner gets -ECANCELED.  A task from kasync_task_alloc() not yet
 * started is never polled; kasync_task_start() starts it cancelled.
 *
 * Context: any, including hard IRQ.
 * Return: 0 if the task will be cancelled; -EALREADY if it had already
 * completed or been cancelled (nothing is done).
 */
int kasync_abort(struct kasync_task *task)
{
	long old, new;

	old = atomic_long_read(&task->state);
	do {
		if (old & KT_DONE)
			return -EALREADY;
		new = old | KT_CANCELLED;
		if (!(old & (KT_SCHEDULED | KT_RUNNING)))
			new |= KT_SCHEDULED;
	} while (!atomic_long_try_cmpxchg(&task->state, &old, new));

	/* Ordering rule 1: idle task, we own queueing it to its worker. */
	if (!(old & (KT_SCHEDULED | KT_RUNNING)))
		kasync_enqueue(task);
	return 0;
}
EXPORT_SYMBOL_GPL(kasync_abort);

/**
 * kasync_cleanup_add - register a hook to run if the task ends with it
 * @task: the task being polled
 * @c: hook, embedded in @task's state, with @c->fn set
 *
 * Context: the task's own poll function.
 */
void kasync_cleanup_add(struct kasync_task *task, struct kasync_cleanup *c)
{
	hlist_add_head(&c->node, &task->cleanups);
}
EXPORT_SYMBOL_GPL(kasync_cleanup_add);

/**
 * kasync_cleanup_del - unregister a hook added with kasync_cleanup_add()
 * @task: the task being polled
 * @c: hook; deleting one that is not registered (but was zeroed or
 *	registered before) is a no-op
 *
 * Context: the task's own poll function.
 */
void kasync_cleanup_del(struct kasync_task *task, struct kasync_cleanup *c)
{
	if (!hlist_unhashed(&c->node))
		hlist_del_init(&c->node);
}
EXPORT_SYMBOL_GPL(kasync_cleanup_del);

static void kasync_run_cleanups(struct kasync_task *t)
{
	struct kasync_cleanup *c;

	while (!hlist_empty(&t->cleanups)) {
		c = hlist_entry(t->cleanups.first, struct kasync_cleanup, node);
		hlist_del_init(&c->node);
		c->fn(c);
	}
}

/* Hand the awaiter reference to whoever wins the xchg (rule 5). */
static void kasync_release_awaiter(struct kasync_task *t, bool wake)
{
	struct kasync_task *a = xchg(&t->awaiter, NULL);

	if (!a)
		return;
	if (wake)
		kasync_wake(a);
	kasync_task_put(a);
}

/*
 * A cancelled task about to be finalized: if it was never started, make
 * it FINAL before kasync_task_start() can start it (see "Spawning").
 */
static bool kasync_task_orphan(struct kasync_task *t)
{
	long old = atomic_long_read(&t->state);

	do {
		if (!(old & KT_NEW))
			return false;
		/* Ordering rule 1: fully ordered against start's cmpxchg. */
	} while (!atomic_long_try_cmpxchg(&t->state, &old, old | KT_FINAL));
	return true;
}

/*
 * Finish a task: runs in the worker that owns it (rule 1), so it is
 * serialised with polls.  After the drop callback no code of the owner
 * module runs for this task.  The task keeps its live-list entry and the
 * runtime's reference until kasync_reap() (ordering rule 7): it goes on
 * @r, or is reaped at once if @r is %NULL.
 */
static __always_inline void kasync_task_finalize(struct kasync_task *t,
						 bool cancelled,
						 struct kasync_reap *r)
{
	struct kasync_reap one = {};
	struct kasync_rt *rt = t->rt;
	long old;

	if (unlikely(!hlist_empty(&t->cleanups)))
		kasync_run_cleanups(t);
	if (cancelled)
		t->result = (t->reported & KT_REPORTED_CO) ? -EILSEQ : -ECANCELED;
	if (unlikely(cancelled && kasync_task_orphan(t))) {
		/* No handle yet, so no joiner to wake; start runs the drop. */
		kasync_stat_inc(rt, KASYNC_STAT_CANCELLED);
		goto reap;
	}
	if (t->ops->drop)
		t->ops->drop(t->data);
	if (cancelled) {
		kasync_stat_inc(rt, KASYNC_STAT_CANCELLED);
		kasync_trace(cancel, t->id, t->polls);
	} else {
		kasync_stat_inc(rt, KASYNC_STAT_COMPLETED);
		kasync_trace(complete, t->id, t->result, t->polls, t->busy_ns);
	}

	/* Ordering rule 4: publishes result; full barrier for wake_up_var. */
	old = atomic_long_fetch_or(KT_FINAL, &t->state);
	if (old & KT_JOIN_WAKER)
		kasync_release_awaiter(t, true);
	if (old & KT_JOIN_SLEEPER)
		wake_up_var(&t->state);
reap:
	/* t is DONE: nobody queues it again, its node is free (rule 1). */
	if (!r)
		r = &one;
	t->node.next = r->first ? &r->first->node : NULL;
	r->first = t;
	r->n++;
	if (r == &one)
		kasync_reap(rt, r);
}

/* The poll's account, kept on the task for the task view. */
static __always_inline void kasync_task_account(struct kasync_task *t,
						u64 now, u64 ns)
{
	t->polls++;
	t->busy_ns += ns;
	t->last_ns = now;
	if (unlikely(ns > t->longest_ns))
		t->longest_ns = min_t(u64, ns, U32_MAX);
}

/*
 * After the poll: clear RUNNING and settle what comes next.  @leak: a
 * detector cancelled @t for leaking @ctx (kasync_detect_poll()).
 */
static __always_inline enum kasync_run
kasync_task_settle(struct kasync_task *t, enum kasync_poll ret,
		   struct kasync_reap *r, bool leak,
		   const struct kasync_ctx *ctx)
{
	long old, new;

	old = atomic_long_read(&t->state);
	do {
		new = old & ~KT_RUNNING;
		if (old & KT_CANCELLED)
			new &= ~KT_SCHEDULED;
		else if (ret == KASYNC_READY)
			new = (new & ~KT_SCHEDULED) | KT_COMPLETED;
	} while (!atomic_long_try_cmpxchg(&t->state, &old, new));

	if (new & KT_DONE) {
		kasync_task_finalize(t, new & KT_CANCELLED, r);
		if (unlikely(leak))
			kasync_detect_fixup(ctx);
		return KASYNC_RUN_DONE;
	}
	return (new & KT_SCHEDULED) ? KASYNC_RUN_REQUEUE : KASYNC_RUN_IDLE;
}

/*
 * The "no waker" detector: @t reported PENDING, armed nothing and was not
 * woken during its poll.  If no wake comes before RUNNING is cleared,
 * nothing will ever poll it again (unless a waker of its own, which says
 * so with kasync_task_waits()).  What the report says is copied first:
 * once RUNNING is cleared, another worker may poll, finalize and free
 * @t.  Out of line: the common path keeps a small frame.
 */
static noinline enum kasync_run kasync_task_settle_unarmed(struct kasync_task *t,
							   struct kasync_reap *r)
{
	bool report = !(t->reported & KT_REPORTED_NO_WAKER);
	struct kasync_rt *rt = t->rt;
	struct kasync_task_desc d;
	enum kasync_run run;

	if (report)
		kasync_task_describe(t, &d);
	t->reported |= KT_REPORTED_NO_WAKER;
	run = kasync_task_settle(t, KASYNC_PENDING, r, false, NULL);
	if (run != KASYNC_RUN_IDLE)
		return run;
	kasync_stat_inc(rt, KASYNC_STAT_NO_WAKER);
	if (report)
		kasync_detect_report(&d, "reported PENDING with no wake source armed and no wake: nothing will poll it again");
	return run;
}

/**
 * kasync_task_run - poll a task the caller popped from a run queue
 * @t: task, SCHEDULED and not RUNNING (ordering rule 1)
 * @r: where a finalized @t goes for kasync_reap(), or %NULL to reap it
 *	at once
 * @clock: in: kasync_clock() when the worker took @t; out: after the poll
 *
 * Return: what the scheduler must do with @t next.
 */
enum kasync_run kasync_task_run(struct kasync_task *t, struct kasync_reap *r,
				u64 *clock)
{
	struct kasync_rt *rt = t->rt;
	const struct kasync_site *site;
	struct kasync_ctx ctx __uninitialized;
	enum kasync_poll ret;
	bool leak = false;
	long old, new;
	u64 now, ns;

	old = atomic_long_read(&t->state);
	do {
		if (WARN_ON_ONCE(!(old & KT_SCHEDULED) ||
				 (old & (KT_RUNNING | KT_FINAL))))
			return KASYNC_RUN_DONE;
		new = old & ~KT_SCHEDULED;
		if (!(old & KT_CANCELLED))
			new |= KT_RUNNING;
	} while (!atomic_long_try_cmpxchg(&t->state, &old, new));

	if (old & KT_CANCELLED) {
		kasync_task_finalize(t, true, r);
		*clock = kasync_clock();
		return KASYNC_RUN_DONE;
	}

	t->budget = KASYNC_COOP_BUDGET;
	t->coop_yielded = false;
	t->wait_kind = KASYNC_WAIT_NONE;
	this_cpu_write(kasync_await_slot.site, NULL);
	this_cpu_write(kasync_await_slot.owner, current);
	if (kasync_trace_enabled(poll_start))
		kasync_trace_poll_start(t);
	kasync_ctx_save(&ctx);
	ret = t->ops->poll(t, t->data);
	site = this_cpu_read(kasync_await_slot.site);
	t->site = this_cpu_read(kasync_await_slot.owner) == current ? site : NULL;
	now = kasync_clock();
	ns = now - *clock;
	*clock = now;
	kasync_task_account(t, now, ns);
	kasync_stat_inc(rt, KASYNC_STAT_POLLS);
	kasync_stat_max(rt, KASYNC_STAT_LONGEST_POLL_NS, ns);
	if (kasync_trace_enabled(poll_end))
		kasync_trace_poll_end(t, ret, ns);
	if (unlikely(kasync_ctx_changed(&ctx) || kasync_poll_too_long(ns))) {
		leak = kasync_detect_poll(t, &ctx, ns);
		if (leak)
			kasync_abort(t);
	}
	if (unlikely(ret == KASYNC_PENDING &&
		     t->wait_kind == KASYNC_WAIT_NONE &&
		     !(atomic_long_read(&t->state) &
		       (KT_SCHEDULED | KT_CANCELLED)) &&
		     READ_ONCE(kasync_detect_no_waker)))
		return kasync_task_settle_unarmed(t, r);
	return kasync_task_settle(t, ret, r, leak, &ctx);
}

/*
 * Misuse of a handle: consumed already (%NULL), or a task from
 * kasync_task_alloc() never started, whose join would wait forever.  Only
 * the handle's owner clears NEW (kasync_task_start()), so reading it here
 * is not a race.  A macro, so that the report names the API function.
 */
#define kasync_handle_misused(t)					\
({									\
	struct kasync_task *__kt = (t);					\
									\
	kasync_misuse(!__kt, "on a consumed handle") ||			\
	kasync_misuse(atomic_long_read(&__kt->state) & KT_NEW,		\
		      "on a task that was never started");		\
})

/*
 * kasync_join*() on a kasync worker (in a poll, a drop callback or a
 * cleanup hook) would sleep in the worker that may be the one to run the
 * awaited task: refused, naming the caller.
 */
#define kasync_join_on_worker(fn)					\
	__kasync_misuse(kasync_on_worker(), fn,				\
			"from a kasync worker (caller %pS): %s",	\
			__builtin_return_address(0),			\
			"it would block the tasks queued behind it; use kasync_join_poll()")

/* Take the result and release the handle; the task is FINAL. */
static long kasync_consume(struct kasync_task **h)
{
	struct kasync_task *t = *h;
	long res = t->result;	/* after FINAL was read with acquire */

	*h = NULL;
	kasync_task_put(t);
	return res;
}

/*
 * About to wait for @t in kasync_join*(): tell its finalizer to wake us.
 * Return: true if @t is already FINAL (ordering rule 4).
 */
static bool kasync_join_prepare(struct kasync_task *t)
{
	if (kasync_task_finished(t))
		return true;
	return atomic_long_fetch_or(KT_JOIN_SLEEPER, &t->state) & KT_FINAL;
}

/**
 * kasync_join - wait for a task to finish and consume its handle
 * @handle: address of the handle; set to %NULL
 *
 * Waits uninterruptibly until the task completed or was cancelled and its
 * drop callback returned.
 *
 * Context: process context; sleeps.  Not from a task's poll function (use
 * kasync_join_poll() there), drop callback or cleanup hook.
 * Return: the task's result; -ECANCELED if it was cancelled; -EINVAL if
 * *@handle is %NULL (already consumed) or is a task from
 * kasync_task_alloc() never started; -EDEADLK if called from a kasync
 * worker (a poll function, drop callback or cleanup hook), where the wait
 * could block the very worker that would run the task (misuse: each
 * warns once at the call site, naming the caller; the handle is left as
 * it was).
 */
long kasync_join(struct kasync_task **handle)
{
	struct kasync_task *t = *handle;

	if (kasync_join_on_worker("kasync_join"))
		return -EDEADLK;
	if (kasync_handle_misused(t))
		return -EINVAL;
	/* Our handle reference keeps t alive while we wait. */
	if (!kasync_join_prepare(t))
		wait_var_event(&t->state, kasync_task_finished(t));
	return kasync_consume(handle);
}
EXPORT_SYMBOL_GPL(kasync_join);

/**
 * kasync_join_timeout - kasync_join() with a time limit
 * @handle: address of the handle; set to %NULL unless the wait timed out
 * @timeout: longest wait, in jiffies
 *
 * Context: process context; sleeps.  Not from a kasync worker, as
 * kasync_join().
 * Return: as kasync_join(), or -ETIMEDOUT if the task had not finished in
 * time (the handle is left intact).
 */
long kasync_join_timeout(struct kasync_task **handle, unsigned long timeout)
{
	struct kasync_task *t = *handle;

	if (kasync_join_on_worker("kasync_join_timeout"))
		return -EDEADLK;
	if (kasync_handle_misused(t))
		return -EINVAL;
	if (!kasync_join_prepare(t) &&
	    !wait_var_event_timeout(&t->state, kasync_task_finished(t),
				    timeout))
		return -ETIMEDOUT;
	return kasync_consume(handle);
}
EXPORT_SYMBOL_GPL(kasync_join_timeout);

/**
 * kasync_join_killable - kasync_join() that a fatal signal interrupts
 * @handle: address of the handle; set to %NULL unless interrupted
 *
 * Context: process context; sleeps.  Not from a kasync worker, as
 * kasync_join().
 * Return: as kasync_join(), or -EINTR if a fatal signal arrived first (the
 * handle is left intact).
 */
long kasync_join_killable(struct kasync_task **handle)
{
	struct kasync_task *t = *handle;

	if (kasync_join_on_worker("kasync_join_killable"))
		return -EDEADLK;
	if (kasync_handle_misused(t))
		return -EINVAL;
	if (!kasync_join_prepare(t) &&
	    wait_var_event_killable(&t->state, kasync_task_finished(t)))
		return -EINTR;
	return kasync_consume(handle);
}
EXPORT_SYMBOL_GPL(kasync_join_killable);

/**
 * kasync_detach - let a task run on without a handle
 * @handle: address of the handle; set to %NULL
 *
 * The task keeps running; its result is discarded.  A consumed (%NULL)
 * handle, or a task from kasync_task_alloc() never started (discard it
 * with kasync_task_discard()), is misuse: warns once at the call site and
 * is otherwise ignored.
 *
 * Context: any.
 */
void kasync_detach(struct kasync_task **handle)
{
	struct kasync_task *t = *handle;

	if (kasync_handle_misused(t))
		return;
	*handle = NULL;
	kasync_task_put(t);
}
EXPORT_SYMBOL_GPL(kasync_detach);

/* kasync_join_poll() without the cooperative budget. */
static enum kasync_poll kasync_join_once(struct kasync_task *self,
					 struct kasync_task **handle, long *res)
{
	struct kasync_task *t = *handle;
	long old;

	if (kasync_task_finished(t))
		goto done;
	if (READ_ONCE(t->awaiter) == self)
		return kt_pending(self, KASYNC_WAIT_JOIN);	/* registered by an earlier poll */

	kasync_task_get(self);
	if (__kasync_misuse(cmpxchg(&t->awaiter, NULL, self),
			    "kasync_join_poll",
			    "on a handle another task awaits")) {
		kasync_task_put(self);
		*res = -EINVAL;
		return KASYNC_READY;
	}
	/* Ordering rule 5: one of this and the finalizer sees the other. */
	old = atomic_long_fetch_or(KT_JOIN_WAKER, &t->state);
	if (!(old & KT_FINAL))
		return kt_pending(self, KASYNC_WAIT_JOIN);
done:
	kasync_release_awaiter(t, false);
	*res = kasync_consume(handle);
	return KASYNC_READY;
}

/**
 * kasync_join_poll - await another task from inside a task
 * @self: the task being polled (the awaiter)
 * @handle: address of the awaited task's handle; set to %NULL once this
 *	returns %KASYNC_READY
 * @res: the result, set only when this reports %KASYNC_READY: the
 *	awaited task's result, -ECANCELED if it was cancelled (a task that
 *	returns -ECANCELED itself cannot be told from that, as with
 *	kasync_join()), -EINVAL for a consumed (%NULL) handle, a task
 *	never started or one another task awaits (misuse: warns once at
 *	the call site)
 *
 * Registers @self to be woken when the task finishes (holding a reference
 * on @self until then).  Meant for KASYNC_AWAIT().  @self may be polled
 * once more than needed; polls must tolerate such spurious wakes.  If
 * @self is cancelled while waiting, its drop callback must detach the
 * handle.
 *
 * Context: @self's poll function.
 * Return: %KASYNC_READY with *@res set once the task finished (also for
 * a misused handle, with -EINVAL); %KASYNC_PENDING otherwise,
 * *@res untouched.
 */
enum kasync_poll kasync_join_poll(struct kasync_task *self,
				  struct kasync_task **handle, long *res)
{
	if (kasync_handle_misused(*handle)) {
		*res = -EINVAL;
		return KASYNC_READY;
	}
	return kasync_coop(self, kasync_join_once(self, handle, res));
}
EXPORT_SYMBOL_GPL(kasync_join_poll);
