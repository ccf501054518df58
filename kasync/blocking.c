// SPDX-License-Identifier: GPL-2.0
/*
 * kasync blocking offload: functions that may sleep, run on a bounded pool
 * of unbound kworkers ("kasync_blocking", WQ_UNBOUND, max_active from the
 * blocking_max_active module parameter) and awaited from tasks.
 *
 * A job is a small allocation of its own, not part of the task's state,
 * so that it can outlive an aborted task.  The task keeps a pointer to it
 * in its &struct kasync_blocking and a cleanup hook that abandons it.
 * Abandoning never sleeps (it runs in cleanup hooks): a job that has not
 * started is taken off the queue or marked so that it never runs; a job
 * that is running is orphaned and the pool worker frees it when the
 * function returns.  Module unload waits for every job of the module
 * (kasync_blocking_drain_owner(), from the module notifier).
 *
 * Fields of &struct kasync_blocking_job, in the legend of rules.h:
 *
 *   work     I: queued once; cancel_work() by the task side only before
 *            it gives the job up (rule B2)
 *   fn, discard, arg, owner   I
 *   task     I: the pool side's reference on the task (kasync_task_get())
 *   node     B: on kasync_blocking_jobs from allocation to free
 *   result   written by the pool worker before it sets DONE, read by the
 *            task side after it saw DONE (rule B3)
 *   state    A: KB_* (rule B1)
 *
 * &struct kasync_blocking is P (the task's poll and its cleanup hook).
 * (B: kasync_blocking_lock, a plain spinlock: never taken from IRQ.)
 *
 * ==================== kasync blocking-job rules ========================
 *
 * B1. State.  Every transition of job->state is a cmpxchg; the side whose
 *     cmpxchg fails learns the other side's transition and acts on it:
 *
 *	QUEUED --pool--> RUNNING --pool--> DONE		(task side frees)
 *	QUEUED --task--> CANCELLED			(pool side frees; no fn)
 *	RUNNING --task--> ORPHANED			(pool side frees after fn)
 *
 *     and, before any of these, cancel_work() returning true: the work was
 *     still on the queue and never runs (task side frees, state QUEUED).
 *
 * B2. Ownership.  The job is freed by exactly one side: the task side
 *     after it saw DONE or won cancel_work(), the pool side after it saw
 *     CANCELLED or ORPHANED.  Each side touches the job only before the
 *     transition that hands it over; the pool side keeps what it needs
 *     afterwards (the task pointer) in locals.  A side that frees after a
 *     failed cmpxchg executes smp_acquire__after_ctrl_dep(), so the other
 *     side's earlier accesses (the task side's cancel_work() writes
 *     work->data) happen before the free.
 *
 * B3. Result.  The pool worker stores result, then sets DONE with a fully
 *     ordered cmpxchg, then calls kasync_wake() (wake-source rule W1 in
 *     wait.c).  The poll reads state with atomic_read_acquire(); DONE
 *     means result is visible.
 *
 * B4. Drain.  A job is listed on kasync_blocking_jobs (under B) from its
 *     allocation to its free, and discard() runs before the free, so a
 *     drainer that finds no job of a module listed knows that no code of
 *     it runs or will run for a job.  A job is only listed while its owner
 *     is live, checked under B: module unload sets MODULE_STATE_GOING
 *     before the notifier's drain takes B.  The freeing side removes the
 *     job under B, then wq_has_sleeper() (smp_mb()) pairs with the
 *     set_current_state() of the drainer's wait_event().
 * ======================================================================
 */
#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <kasync/param.h>

#include "fail.h"
#include "misuse.h"
#include "pool.h"
#include "task_access.h"

enum kasync_blocking_state {
	KB_QUEUED,	/* on the pool's queue, or popped and not yet running */
	KB_RUNNING,	/* fn is running */
	KB_DONE,	/* fn returned; result is set; the task side owns it */
	KB_CANCELLED,	/* abandoned before fn started; fn never runs */
	KB_ORPHANED,	/* abandoned while fn ran; the pool side frees it */
};

struct kasync_blocking_job {
	struct work_struct work;		/* I */
	long (*fn)(void *arg);			/* I */
	void (*discard)(void *arg, long res);	/* I */
	void *arg;				/* I */
	struct kasync_task *task;		/* I: pool side's reference */
	struct module *owner;			/* I */
	struct list_head node;			/* B */
	long result;				/* rule B3 */
	atomic_t state;				/* A: rule B1 */
};

/*
 * blocking_max_active: 0 (4 per possible CPU) to what the workqueue takes,
 * WQ_UNBOUND_MAX_ACTIVE; a load with another value fails with -EINVAL.
 */
static unsigned int kasync_blocking_max_active;
kasync_param_named(blocking_max_active, kasync_blocking_max_active, uint, 0,
		   WQ_UNBOUND_MAX_ACTIVE, 0444);
MODULE_PARM_DESC(blocking_max_active,
		 "blocking functions running at once (0 = 4 per possible CPU; up to WQ_UNBOUND_MAX_ACTIVE, 512)");

static struct workqueue_struct *kasync_blocking_wq;	/* I */
static struct kmem_cache *kasync_blocking_cache;	/* I */
static DEFINE_SPINLOCK(kasync_blocking_lock);
static LIST_HEAD(kasync_blocking_jobs);			/* B: rule B4 */
static unsigned long kasync_blocking_nr;		/* B: listed; racy reads */
static DECLARE_WAIT_QUEUE_HEAD(kasync_blocking_drain_wq);

static struct {
	atomic_long_t queued;
	atomic_long_t run;
	atomic_long_t cancelled;
	atomic_long_t orphaned;
	atomic_long_t discarded;
} kasync_blocking_st;					/* A */

/* Unlist and free a job; the caller owns it (rule B2). */
static void kasync_blocking_free(struct kasync_blocking_job *job)
{
	spin_lock(&kasync_blocking_lock);
	list_del(&job->node);
	WRITE_ONCE(kasync_blocking_nr, kasync_blocking_nr - 1);
	spin_unlock(&kasync_blocking_lock);
	kmem_cache_free(kasync_blocking_cache, job);
	/* Rule B4: smp_mb(), pairs with set_current_state() in the drain. */
	if (wq_has_sleeper(&kasync_blocking_drain_wq))
		wake_up_all(&kasync_blocking_drain_wq);
}

/* Hand @arg to the job's discard callback, if it has one. */
static void kasync_blocking_discard(struct kasync_blocking_job *job, long res)
{
	if (job->discard)
		job->discard(job->arg, res);
}

static void kasync_blocking_work(struct work_struct *work)
{
	struct kasync_blocking_job *job =
		container_of(work, struct kasync_blocking_job, work);
	struct kasync_task *task = job->task;

	/* Rule B1: pairs with the task side's QUEUED -> CANCELLED. */
	if (atomic_cmpxchg(&job->state, KB_QUEUED, KB_RUNNING) != KB_QUEUED) {
		/* Rule B2: CANCELLED, the job is ours. */
		smp_acquire__after_ctrl_dep();
		kasync_blocking_discard(job, -ECANCELED);
		kasync_blocking_free(job);
		kasync_task_put(task);
		return;
	}
	atomic_long_inc(&kasync_blocking_st.run);
	job->result = job->fn(job->arg);

	/* Rule B3: fully ordered, publishes result; pairs with the acquire. */
	if (atomic_cmpxchg(&job->state, KB_RUNNING, KB_DONE) == KB_RUNNING) {
		/* Rule B2: the job is the task's now; only locals from here. */
		kasync_wake(task);	/* wake-source rule W1 */
		kasync_task_put(task);
		return;
	}
	/* Rule B2: ORPHANED while fn ran, the job is ours. */
	smp_acquire__after_ctrl_dep();
	kasync_blocking_discard(job, job->result);
	kasync_blocking_free(job);
	kasync_task_put(task);
}

/*
 * Give up the job of @b (armed): the task side's half of rule B1.  Runs in
 * the task's poll or its cleanup hook, so it must not sleep: cancel_work()
 * does not wait for a running function.
 */
static void kasync_blocking_abandon(struct kasync_blocking *b)
{
	struct kasync_blocking_job *job = b->job;
	struct kasync_task *task = job->task;
	int old, new;

	b->job = NULL;
	if (cancel_work(&job->work)) {
		/* Still queued (possibly held back by max_active): never runs. */
		atomic_long_inc(&kasync_blocking_st.cancelled);
		kasync_blocking_discard(job, -ECANCELED);
		kasync_blocking_free(job);
		kasync_task_put(task);	/* the pool side's, which never ran */
		return;
	}
	/*
	 * Popped by a worker (the workqueue clears PENDING before it calls
	 * kasync_blocking_work()) or further: race the worker on the state
	 * word (rule B1).
	 */
	for (;;) {
		/* Rule B3: pairs with the worker's cmpxchg setting DONE. */
		old = atomic_read_acquire(&job->state);
		if (old == KB_DONE)
			break;
		new = old == KB_QUEUED ? KB_CANCELLED : KB_ORPHANED;
		if (WARN_ON_ONCE(old != KB_QUEUED && old != KB_RUNNING))
			return;
		if (atomic_cmpxchg(&job->state, old, new) != old)
			continue;	/* the worker moved first; look again */
		/* Rule B2: the worker frees it and drops its reference. */
		if (new == KB_CANCELLED)
			atomic_long_inc(&kasync_blocking_st.cancelled);
		else
			atomic_long_inc(&kasync_blocking_st.orphaned);
		return;
	}
	/* DONE: fn returned and nobody took the result (rule B2: ours). */
	atomic_long_inc(&kasync_blocking_st.discarded);
	kasync_blocking_discard(job, job->result);
	kasync_blocking_free(job);
}

static void kasync_blocking_cleanup(struct kasync_cleanup *c)
{
	kasync_blocking_abandon(container_of(c, struct kasync_blocking, cleanup));
}

/* Allocate, list and queue a job; 0 or -errno. */
static int kasync_blocking_submit(struct kasync_task *task,
				  struct kasync_blocking *b,
				  long (*fn)(void *arg), void *arg,
				  void (*discard)(void *arg, long res),
				  struct module *owner)
{
	struct kasync_blocking_job *job;

	/* Polls must not sleep: no reclaim (see the kernel-doc). */
	job = kasync_kmem_cache_alloc(kasync_blocking_cache,
				       GFP_NOWAIT | __GFP_NOWARN);
	if (!job)
		return -ENOMEM;
	INIT_WORK(&job->work, kasync_blocking_work);
	job->fn = fn;
	job->discard = discard;
	job->arg = arg;
	job->task = task;
	job->owner = owner;
	job->result = 0;
	atomic_set(&job->state, KB_QUEUED);

	spin_lock(&kasync_blocking_lock);
	/* Rule B4: the unload notifier's drain takes this lock after GOING. */
	if (owner && !module_is_live(owner)) {
		spin_unlock(&kasync_blocking_lock);
		kmem_cache_free(kasync_blocking_cache, job);
		return -ESHUTDOWN;
	}
	list_add_tail(&job->node, &kasync_blocking_jobs);
	WRITE_ONCE(kasync_blocking_nr, kasync_blocking_nr + 1);
	spin_unlock(&kasync_blocking_lock);

	kasync_task_get(task);		/* the pool side's reference */
	b->job = job;
	b->cleanup.fn = kasync_blocking_cleanup;
	kasync_cleanup_add(task, &b->cleanup);
	atomic_long_inc(&kasync_blocking_st.queued);
	queue_work(kasync_blocking_wq, &job->work);
	return 0;
}

/**
 * __kasync_blocking - await a function run on the blocking pool
 * @task: the task being polled
 * @b: its &struct kasync_blocking, in the task's state; zeroed, or
 *	finished or cancelled, when not armed
 * @fn: the function: runs in process context on an unbound kworker and
 *	may sleep; must not wait for other blocking jobs (the pool is
 *	bounded), and must return: nothing interrupts it
 * @arg: passed to @fn; must stay valid until @fn returns, which can be
 *	after the task ended: never a pointer into the task's state
 * @discard: optional; if the await is abandoned, called once with @arg and
 *	@fn's return value (-ECANCELED if @fn never ran) instead of the
 *	result reaching the task.  Must not sleep.
 * @res: the result, set only when this reports %KASYNC_READY: @fn's
 *	return value, or kasync's error if @fn was not queued (below)
 * @owner: module whose code @fn and @discard are; its unload waits for
 *	the job
 *
 * Use kasync_blocking() or kasync_blocking_owned(), for KASYNC_AWAIT().
 * The first poll allocates a job with %GFP_NOWAIT (polls must not sleep,
 * so there is no reclaim: under memory pressure this can fail, reported
 * as -ENOMEM), queues it on the pool, registers a cleanup hook and
 * reports %KASYNC_PENDING; @fn, @arg and @discard are read then only.
 * The pool runs at most blocking_max_active functions at once (per NUMA
 * node on 6.9+ kernels, which split the bound between nodes); further jobs
 * wait in FIFO order.  When @fn returned, the task is woken and the next
 * poll reports %KASYNC_READY with *@res set and @b unarmed.
 *
 * Abandoning the await (kasync_blocking_cancel(), kasync_abort(), or the
 * task ending) never waits for @fn: if it has not started it never runs;
 * if it is running, its result is discarded when it returns.  Either way
 * @discard, if set, gets @arg.
 *
 * Context: the task's poll function; does not sleep.
 * Return: %KASYNC_PENDING while the job is in flight (*@res untouched);
 * %KASYNC_READY with *@res set to @fn's return value, or to -ENOMEM (the
 * job could not be allocated), -ESHUTDOWN (@owner is being unloaded) or
 * -EINVAL (misuse, warns once at the call site: %NULL @fn, or @b armed
 * by another task); then @fn did not run and @discard is not called.  @fn's own
 * result shares the range: one that returns those errnos cannot be told
 * from them.
 */
enum kasync_poll __kasync_blocking(struct kasync_task *task,
				   struct kasync_blocking *b,
				   long (*fn)(void *arg), void *arg,
				   void (*discard)(void *arg, long res),
				   long *res, struct module *owner)
{
	struct kasync_blocking_job *job;
	int err;

	/* A NULL @fn would oops in a worker, far from the caller: report. */
	if (kasync_misuse(!fn, "without a function") ||
	    kasync_misuse(b->job && b->job->task != task,
			  "on another task's await")) {
		*res = -EINVAL;
		return KASYNC_READY;
	}
	job = b->job;
	if (!job) {
		err = kasync_blocking_submit(task, b, fn, arg, discard, owner);
		if (!err)
			return kt_pending(task, KASYNC_WAIT_BLOCKING);
		*res = err;
		return KASYNC_READY;
	}
	/* Rule B3: pairs with the worker's cmpxchg setting DONE. */
	if (atomic_read_acquire(&job->state) != KB_DONE)
		return kt_pending(task, KASYNC_WAIT_BLOCKING);
	/* Rule B2: DONE, the job is ours. */
	*res = job->result;
	kasync_cleanup_del(task, &b->cleanup);
	b->job = NULL;
	kasync_blocking_free(job);
	return KASYNC_READY;
}
EXPORT_SYMBOL_GPL(__kasync_blocking);

/**
 * kasync_blocking_cancel - abandon a blocking await (for timeouts)
 * @task: the task being polled
 * @b: the await; nothing is done if it is not armed
 *
 * Without waiting: a job that has not started never runs; a running one
 * runs to the end and its result is discarded.  The job's discard
 * callback, if any, gets its argument.  Unregisters the cleanup hook; @b
 * can be awaited again afterwards.
 *
 * Context: the task's poll function; does not sleep.
 */
void kasync_blocking_cancel(struct kasync_task *task, struct kasync_blocking *b)
{
	if (!b->job)
		return;
	if (kasync_misuse(b->job->task != task, "on another task's await"))
		return;
	kasync_cleanup_del(task, &b->cleanup);
	kasync_blocking_abandon(b);
}
EXPORT_SYMBOL_GPL(kasync_blocking_cancel);

/* Is a job of @owner listed (rule B4)? */
static bool kasync_blocking_busy(struct module *owner)
{
	struct kasync_blocking_job *job;
	bool busy = false;

	spin_lock(&kasync_blocking_lock);
	list_for_each_entry(job, &kasync_blocking_jobs, node) {
		if (job->owner == owner) {
			busy = true;
			break;
		}
	}
	spin_unlock(&kasync_blocking_lock);
	return busy;
}

/**
 * __kasync_blocking_drain - wait until no blocking job of a module is left
 * @owner: the module (use kasync_blocking_drain() for the calling one)
 *
 * Waits until every job @owner queued was freed: its function returned
 * or will never run, its discard callback returned, and its result, if
 * any, was taken or discarded.  For a module's exit function after it
 * ended its tasks (their orphaned jobs may still run), before it frees
 * what those jobs use.  Module unload does this again on its own after
 * the exit function, to keep the module's code in place.
 *
 * Context: process context; sleeps.  Not from a task's poll function or a
 * blocking job, which could be what it waits for.
 * Return: 0; -EDEADLK if called from a task's poll function or from a
 * blocking job (misuse: warns once at the call site; nothing is done).
 */
int __kasync_blocking_drain(struct module *owner)
{
	struct work_struct *w = current_work();

	if (kasync_misuse(kasync_current() ||
			  (w && w->func == kasync_blocking_work),
			  "from a poll or a blocking job"))
		return -EDEADLK;
	might_sleep();
	wait_event(kasync_blocking_drain_wq, !kasync_blocking_busy(owner));
	return 0;
}
EXPORT_SYMBOL_GPL(__kasync_blocking_drain);

/**
 * kasync_blocking_stats - read the blocking pool's counters
 * @out: filled in; the counters are read one by one, without a snapshot
 *
 * Context: any; takes no lock.
 */
void kasync_blocking_stats(struct kasync_blocking_stats *out)
{
	out->queued = atomic_long_read(&kasync_blocking_st.queued);
	out->run = atomic_long_read(&kasync_blocking_st.run);
	out->cancelled = atomic_long_read(&kasync_blocking_st.cancelled);
	out->orphaned = atomic_long_read(&kasync_blocking_st.orphaned);
	out->discarded = atomic_long_read(&kasync_blocking_st.discarded);
	out->in_flight = READ_ONCE(kasync_blocking_nr);
	out->max_active = kasync_blocking_max_active;
}
EXPORT_SYMBOL_GPL(kasync_blocking_stats);

/* The module notifier, after it cancelled @owner's tasks (rt.c). */
void kasync_blocking_drain_owner(struct module *owner)
{
	__kasync_blocking_drain(owner);
	/* File requests ride on the pool, or wait for folios (file.c). */
	kasync_file_drain_owner(owner);
}

int kasync_blocking_init(void)
{
	unsigned int n = kasync_blocking_max_active;

	if (!n)
		n = 4 * num_possible_cpus();
	/* What alloc_workqueue() would clamp to, with a warning. */
	kasync_blocking_max_active = clamp_t(unsigned int, n, 1,
					     WQ_UNBOUND_MAX_ACTIVE);

	kasync_blocking_cache = KMEM_CACHE(kasync_blocking_job, 0);
	if (!kasync_blocking_cache)
		return -ENOMEM;
	kasync_blocking_wq = alloc_workqueue("kasync_blocking", WQ_UNBOUND,
					     kasync_blocking_max_active);
	if (!kasync_blocking_wq)
		goto destroy_cache;
	return 0;

destroy_cache:
	kmem_cache_destroy(kasync_blocking_cache);
	return -ENOMEM;
}

void kasync_blocking_exit(void)
{
	/* Waits for queued and running jobs; modules drained theirs already. */
	destroy_workqueue(kasync_blocking_wq);
	WARN_ON_ONCE(!list_empty(&kasync_blocking_jobs));
	/* And for folio wakes of file requests, which run kasync's code. */
	kasync_file_drain_owner(NULL);
	kmem_cache_destroy(kasync_blocking_cache);
}
