/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kasync tasks and runtimes: spawn, wake, abort, join, cleanup hooks, the
 * cooperative budget, runtimes and their counters.
 *
 * A task is one allocation: a small header owned by kasync followed by the
 * caller's state, copied in at spawn (or built in place between
 * kasync_task_alloc() and kasync_task_start()).  kasync calls the task's
 * poll function from a per-CPU workqueue item until the poll returns
 * %KASYNC_READY; a poll that cannot make progress returns %KASYNC_PENDING
 * after arranging for kasync_wake() to be called when it can.  Polls
 * never run concurrently with themselves, with the drop callback or with
 * cancellation hooks.
 *
 * Handles: kasync_spawn() returns the task pointer carrying one reference,
 * the "handle".  Operations that consume the handle (kasync_join*(),
 * kasync_detach(), kasync_join_poll() once it returns %KASYNC_READY) take
 * the address of the caller's handle variable and set it to NULL, so that a
 * second use is caught as misuse (a warning naming the caller, then
 * -EINVAL) instead of becoming a use-after-free; so is joining or
 * detaching a task from kasync_task_alloc() that was never started.
 *
 * Contexts at a glance:
 *
 *   kasync_spawn()            any context (GFP_ATOMIC when atomic)
 *   kasync_task_alloc()       any context (GFP_ATOMIC when atomic)
 *   kasync_task_start/discard any context
 *   kasync_wake(), _abort()   any context, including hard IRQ
 *   kasync_task_get()/_put()  any context
 *   kasync_join*()            process context, may sleep
 *   kasync_join_poll()        only from a task's poll function
 *   kasync_cleanup_add/_del() only from the task's own poll function
 *   kasync_rt_create/destroy  process context, may sleep
 */
#ifndef _KASYNC_TASK_H
#define _KASYNC_TASK_H

#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/types.h>

#include <kasync/types.h>

/**
 * struct kasync_stats - totals of a runtime's counters
 * @spawned: tasks spawned
 * @completed: tasks whose poll returned %KASYNC_READY
 * @cancelled: tasks that ended by cancellation
 * @polls: calls of poll functions
 * @wakes: kasync_wake() calls that queued the task (coalesced wakes and
 *	wakes of finished tasks are not counted)
 * @steals: successful steal operations
 * @stolen: tasks moved by steals
 * @overflows: times a full local ring moved half of itself to the global
 *	queue (or, for per-CPU runtimes, to the CPU's overflow list)
 * @budget_yields: times a worker stopped on its budget and re-queued itself
 * @lifo_hits: polls of a task taken from the LIFO slot
 * @queue_depth: tasks waiting in run queues now (approximate)
 * @alive: tasks spawned and not yet finished
 * @longest_poll_ns: the longest single poll seen
 * @rehomed: tasks moved off a CPU going offline
 * @idles: times a worker ran out of tasks and went idle (polls / idles is
 *	how many tasks one wake-up of a worker served)
 * @lingers: times a worker out of tasks found more while it lingered
 *	(kasync.linger_us) instead of going idle
 * @coop_yields: polls that spent their cooperative budget
 *	(%KASYNC_COOP_BUDGET) and were made to yield: each is a task whose
 *	resources stayed ready and that would otherwise have held its CPU
 * @long_polls: polls longer than kasync.detect_long_poll_us
 * @slept_polls: polls that slept (kasync.detect_sleep)
 * @context_leaks: polls that returned holding a lock, inside an RCU read
 *	section, with preemption or interrupts disabled, or with the preempt
 *	count changed (kasync.detect_context); each cancels its task
 * @no_waker: polls that reported %KASYNC_PENDING with no wake source
 *	armed and no wake during the poll (kasync.detect_no_waker)
 * @co_lost: resumes of a <kasync/co.h> function at a line no case
 *	matches; each cancels its task with -EILSEQ
 * @rescued: tasks taken from a CPU whose worker was stuck in one poll
 *	for longer than kasync.rescue_us, for the other CPUs' workers
 *	(work-stealing runtimes)
 * @balanced: tasks taken from a CPU whose ring held tasks behind its busy
 *	worker at two looks of the rescue pass in a row, for the other
 *	CPUs' workers (work-stealing runtimes)
 *
 * Documentation/observability.rst says what the detectors report.
 */
struct kasync_stats {
	u64 spawned;
	u64 completed;
	u64 cancelled;
	u64 polls;
	u64 wakes;
	u64 steals;
	u64 stolen;
	u64 overflows;
	u64 budget_yields;
	u64 lifo_hits;
	u64 queue_depth;
	u64 alive;
	u64 longest_poll_ns;
	u64 rehomed;
	u64 idles;
	u64 lingers;
	u64 coop_yields;
	u64 long_polls;
	u64 slept_polls;
	u64 context_leaks;
	u64 no_waker;
	u64 co_lost;
	u64 rescued;
	u64 balanced;
};

/* Runtime flags for kasync_rt_create(). */
#define KASYNC_RT_PERCPU	0x1u	/* thread per core: no stealing */
#define KASYNC_RT_ORDERED	0x2u	/* one FIFO, one poll at a time */
#define KASYNC_RT_HIGHPRI	0x4u	/* WQ_HIGHPRI workers */
#define KASYNC_RT_MEM_RECLAIM	0x8u	/* WQ_MEM_RECLAIM: has a rescuer */
#define KASYNC_RT_ALL_FLAGS	0xfu

/*
 * The cooperative budget: awaits that one poll may finish before the
 * awaits report %KASYNC_PENDING and the task yields (kasync_coop_proceed()).
 */
#define KASYNC_COOP_BUDGET	128

/* The largest state kasync_spawn() accepts, in bytes. */
#define KASYNC_STATE_MAX	(64u * 1024)

struct kasync_task *__kasync_spawn_on(struct kasync_rt *rt, int cpu,
				      const struct kasync_task_ops *ops,
				      const void *init, size_t size, gfp_t gfp,
				      struct module *owner);

/**
 * kasync_spawn - start a task
 * @rt: runtime, or %NULL for the default runtime
 * @ops: poll and drop functions
 * @init: initial state to copy, or %NULL to zero it
 * @size: bytes of state
 * @gfp: allocation flags (%GFP_ATOMIC in atomic context)
 *
 * See __kasync_spawn_on(); the task is owned by the calling module.
 */
#define kasync_spawn(rt, ops, init, size, gfp) \
	__kasync_spawn_on(rt, -1, ops, init, size, gfp, THIS_MODULE)

/**
 * kasync_spawn_on - start a task on a given CPU
 * @rt: runtime, or %NULL for the default runtime
 * @cpu: CPU to queue the task on first; a per-CPU runtime keeps it there
 * @ops: poll and drop functions
 * @init: initial state to copy, or %NULL to zero it
 * @size: bytes of state
 * @gfp: allocation flags
 */
#define kasync_spawn_on(rt, cpu, ops, init, size, gfp) \
	__kasync_spawn_on(rt, cpu, ops, init, size, gfp, THIS_MODULE)

struct kasync_task *__kasync_task_alloc(struct kasync_rt *rt, int cpu,
					const struct kasync_task_ops *ops,
					size_t size, gfp_t gfp,
					struct module *owner);
struct kasync_task *kasync_task_start(struct kasync_task *task);
void kasync_task_discard(struct kasync_task *task);

/**
 * kasync_task_alloc - allocate a task, to build its state in place
 * @rt: runtime, or %NULL for the default runtime
 * @ops: poll and drop functions
 * @size: bytes of state, zeroed
 * @gfp: allocation flags (%GFP_ATOMIC in atomic context)
 *
 * kasync_spawn() in two steps, as kthread_create() and wake_up_process():
 * fill kasync_task_state() of the returned task, then kasync_task_start()
 * it (or kasync_task_discard() it).  See __kasync_task_alloc(); the task
 * is owned by the calling module. ::
 *
 *	t = kasync_task_alloc(NULL, &my_ops, sizeof(*s), GFP_KERNEL);
 *	if (IS_ERR(t))
 *		return PTR_ERR(t);
 *	s = kasync_task_state(t);
 *	INIT_LIST_HEAD(&s->items);
 *	h = kasync_task_start(t);
 */
#define kasync_task_alloc(rt, ops, size, gfp) \
	__kasync_task_alloc(rt, -1, ops, size, gfp, THIS_MODULE)

/**
 * kasync_task_alloc_on - kasync_task_alloc() for a given CPU
 * @rt: runtime, or %NULL for the default runtime
 * @cpu: CPU to queue the task on first; a per-CPU runtime keeps it there
 * @ops: poll and drop functions
 * @size: bytes of state, zeroed
 * @gfp: allocation flags
 */
#define kasync_task_alloc_on(rt, cpu, ops, size, gfp) \
	__kasync_task_alloc(rt, cpu, ops, size, gfp, THIS_MODULE)

/**
 * KASYNC_TASK_OPS - define an ops table whose functions take a typed state
 * @table: the table to define: a ``static const`` object
 * @type: the state's type, such as ``struct my_state``
 * @poll_fn: ``enum kasync_poll poll_fn(struct kasync_task *t, type *s)``
 * @drop_fn: ``void drop_fn(type *s)``, or %NULL
 *
 * Defines @table, holding @table.ops (a &struct kasync_task_ops, for the
 * untyped calls) whose poll and drop are thunks that hand @poll_fn and
 * @drop_fn the state as a @type pointer: no ``void *`` to cast, and a
 * call through a function pointer of the right type (as kCFI requires).
 * Compilation fails if @poll_fn or @drop_fn takes anything but a @type
 * pointer, or if @type is larger than %KASYNC_STATE_MAX.  Spawn with
 * kasync_spawn_typed(), which takes the size from @type and fails to
 * compile for an initial state of any other type.  The tasks are named
 * after @poll_fn (&kasync_task_ops.name). ::
 *
 *	static enum kasync_poll my_poll(struct kasync_task *t,
 *					struct my_state *s);
 *	KASYNC_TASK_OPS(my_ops, struct my_state, my_poll, NULL);
 *	...
 *	h = kasync_spawn_typed(NULL, &my_ops, &init, GFP_KERNEL);
 *
 * A poll function that spawns tasks of @table is declared before the
 * macro, as above, and defined after it.
 */
#define KASYNC_TASK_OPS(table, type, poll_fn, drop_fn)			\
	static_assert(sizeof(type) <= KASYNC_STATE_MAX,			\
		      "KASYNC_TASK_OPS: " #type				\
		      " is larger than KASYNC_STATE_MAX");		\
	static_assert(__same_type(poll_fn, enum kasync_poll		\
				  (struct kasync_task *, type *)),	\
		      "KASYNC_TASK_OPS: " #poll_fn " must take "	\
		      "(struct kasync_task *, " #type " *)");		\
	static_assert(__same_type(drop_fn, void (type *)) ||		\
		      __same_type(drop_fn, void *),			\
		      "KASYNC_TASK_OPS: " #drop_fn " must take ("	\
		      #type " *) or be NULL");				\
	static enum kasync_poll __kasync_poll_##table(struct kasync_task *t, \
						     void *s)		\
	{								\
		return poll_fn(t, s);					\
	}								\
	static void __kasync_drop_##table(void *s)			\
	{								\
		void (*drop)(type *) = drop_fn;				\
									\
		if (drop)						\
			drop(s);					\
	}								\
	static const struct {						\
		struct kasync_task_ops ops;				\
		type *typed_state;	/* only its type is used */	\
	} table = {							\
		.ops = {						\
			.poll = __kasync_poll_##table,			\
			.drop = __same_type(drop_fn, void *) ?		\
				NULL : __kasync_drop_##table,		\
			.name = #poll_fn,				\
		},							\
	}

#define __kasync_spawn_typed(rt, cpu, typed_ops, init, gfp)		\
({									\
	typeof(typed_ops) __kst_ops = (typed_ops);			\
	typeof(init) __kst_init = (init);				\
									\
	static_assert(__same_type(*__kst_init, *__kst_ops->typed_state), \
		      "kasync_spawn_typed: the state is not of the "	\
		      "type given to KASYNC_TASK_OPS()");		\
	__kasync_spawn_on(rt, cpu, &__kst_ops->ops, __kst_init,		\
			  sizeof(*__kst_ops->typed_state), gfp,		\
			  THIS_MODULE);					\
})

/**
 * kasync_spawn_typed - start a task whose ops come from KASYNC_TASK_OPS()
 * @rt: runtime, or %NULL for the default runtime
 * @typed_ops: address of a table defined with KASYNC_TASK_OPS()
 * @init: pointer to the initial state, copied; of the table's type
 * @gfp: allocation flags (%GFP_ATOMIC in atomic context)
 *
 * kasync_spawn() with the size taken from the table's state type.  An
 * @init of any other type (``void *`` included), or a @typed_ops not
 * from KASYNC_TASK_OPS(), fails to compile.
 *
 * Context: as kasync_spawn().
 * Return: as kasync_spawn().
 */
#define kasync_spawn_typed(rt, typed_ops, init, gfp)			\
	__kasync_spawn_typed(rt, -1, typed_ops, init, gfp)

/**
 * kasync_spawn_typed_on - kasync_spawn_typed() on a given CPU
 * @rt: runtime, or %NULL for the default runtime
 * @cpu: CPU to queue the task on first; a per-CPU runtime keeps it there
 * @typed_ops: address of a table defined with KASYNC_TASK_OPS()
 * @init: pointer to the initial state, copied; of the table's type
 * @gfp: allocation flags
 */
#define kasync_spawn_typed_on(rt, cpu, typed_ops, init, gfp)		\
	__kasync_spawn_typed(rt, cpu, typed_ops, init, gfp)

/**
 * kasync_task_alloc_typed - kasync_task_alloc() for KASYNC_TASK_OPS() ops
 * @rt: runtime, or %NULL for the default runtime
 * @typed_ops: address of a table defined with KASYNC_TASK_OPS()
 * @gfp: allocation flags
 *
 * Allocates a zeroed state of the table's type.
 */
#define kasync_task_alloc_typed(rt, typed_ops, gfp)			\
({									\
	typeof(typed_ops) __kst_ops = (typed_ops);			\
									\
	__kasync_task_alloc(rt, -1, &__kst_ops->ops,			\
			    sizeof(*__kst_ops->typed_state), gfp,	\
			    THIS_MODULE);				\
})

void kasync_wake(struct kasync_task *task);
int kasync_abort(struct kasync_task *task);
void kasync_task_get(struct kasync_task *task);
void kasync_task_put(struct kasync_task *task);
void *kasync_task_state(struct kasync_task *task);
struct kasync_task *kasync_current(void);
void kasync_set_result(struct kasync_task *task, long result);
bool kasync_task_finished(struct kasync_task *task);
void kasync_task_set_name(struct kasync_task *task, const char *name);
u64 kasync_task_id(const struct kasync_task *task);
void kasync_task_waits(struct kasync_task *task, enum kasync_wait_kind kind);
bool kasync_coop_proceed(struct kasync_task *task);
void kasync_coop_charge(struct kasync_task *task);

/**
 * kasync_coop_done - charge an await's outcome to the cooperative budget
 * @task: the task being polled
 * @r: what the await reports
 *
 * For awaits built on kasync_coop_proceed(): charges @task's budget if @r
 * is %KASYNC_READY.
 *
 * Context: @task's poll function.
 * Return: @r.
 */
static inline enum kasync_poll kasync_coop_done(struct kasync_task *task,
						enum kasync_poll r)
{
	if (r == KASYNC_READY)
		kasync_coop_charge(task);
	return r;
}

/**
 * kasync_coop - evaluate an await under the cooperative budget
 * @task: the task being polled
 * @expr: the await, an &enum kasync_poll expression; not evaluated when
 *	the budget is spent
 *
 * kasync_coop_proceed(), then @expr, then kasync_coop_done().
 *
 * Context: @task's poll function.
 * Return: @expr's value, or %KASYNC_PENDING if the budget was spent.
 */
#define kasync_coop(task, expr)						\
({									\
	struct kasync_task *__kc_t = (task);				\
	enum kasync_poll __kc_r = KASYNC_PENDING;			\
									\
	if (kasync_coop_proceed(__kc_t))				\
		__kc_r = kasync_coop_done(__kc_t, (expr));		\
	__kc_r;								\
})

long kasync_join(struct kasync_task **handle);
long kasync_join_timeout(struct kasync_task **handle, unsigned long timeout);
long kasync_join_killable(struct kasync_task **handle);
void kasync_detach(struct kasync_task **handle);
enum kasync_poll kasync_join_poll(struct kasync_task *self,
				  struct kasync_task **handle, long *res);

void kasync_cleanup_add(struct kasync_task *task, struct kasync_cleanup *c);
void kasync_cleanup_del(struct kasync_task *task, struct kasync_cleanup *c);

struct kasync_rt *kasync_rt_create(const char *name, unsigned int flags);
void kasync_rt_destroy(struct kasync_rt *rt);
void kasync_rt_stats(struct kasync_rt *rt, struct kasync_stats *out);

#endif /* _KASYNC_TASK_H */
