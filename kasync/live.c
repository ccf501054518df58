// SPDX-License-Identifier: GPL-2.0
/*
 * kasync live lists (live.h): the one owner of "kasync ordering rules" 7
 * in rules.h.
 *
 * A task is listed from kasync_live_add(), in its spawn, until
 * kasync_reap(), after its worker finalized it, on the list of the CPU it
 * was spawned on (kasync_task.live_cpu); while listed it holds the
 * runtime's reference.  Destroying a runtime (kasync_live_set_dying(),
 * then kasync_live_drain() of all tasks) and unloading a module
 * (kasync_live_drain() of the module's tasks) cancel what they find on
 * the lists and wait until it has been reaped.
 *
 * Locking: each list, its count and kasync_rt.dying are under the list's
 * kasync_live.lock (L), irq-safe since tasks are spawned from any context.
 * kasync_abort() is called under it: it only queues the task.
 * Order: kasync_rt_mutex -> L -> kasync_rt.inject.lock.
 */
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/wait.h>

#include <kasync/param.h>

#include "detect.h"
#include "live.h"
#include "live_add.h"
#include "sched.h"

/*
 * A drain waits for its tasks with no time limit: a task that never
 * returns from its poll function or drop callback holds it forever.
 * Each time this many seconds pass with none of its tasks reaped, the
 * drain says which task it waits for.  0: never.
 */
static unsigned int kasync_drain_report_s = 10;

/* As kasync's other parameters: -EINVAL, and the old value stays. */
kasync_param_named(drain_report_s, kasync_drain_report_s, uint, 0, 3600, 0644);
MODULE_PARM_DESC(drain_report_s,
		 "report a module unload or runtime destroy waiting this long for a task, in seconds (0..3600, 0: never)");

DEFINE_PER_CPU(u64, kasync_id_seq);

static struct kasync_live *kasync_live_of(struct kasync_rt *rt, int cpu)
{
	return &kasync_cpu_of(rt, cpu)->live;
}

/**
 * kasync_live_init - initialise a new runtime's live lists
 * @rt: runtime being created, its per-CPU state zeroed
 */
void kasync_live_init(struct kasync_rt *rt)
{
	struct kasync_live *l;
	int cpu;

	init_waitqueue_head(&rt->drain_wq);
	for_each_possible_cpu(cpu) {
		l = kasync_live_of(rt, cpu);
		spin_lock_init(&l->lock);
		INIT_LIST_HEAD(&l->tasks);
		l->nr = 0;
	}
}

/**
 * kasync_live_add - list a task being spawned
 * @rt: its runtime
 * @t: the task, not yet queued
 *
 * A task born SCHEDULED is listed by kasync_spawn_enqueue() instead, in
 * the IRQs-off section that queues it.
 *
 * Context: any; takes the current CPU's kasync_live.lock.
 * Return: 0, or -ESHUTDOWN if @rt is being destroyed.
 */
int kasync_live_add(struct kasync_rt *rt, struct kasync_task *t)
{
	unsigned long flags;
	int err;

	/* IRQs off before the CPU is read (see __kasync_live_add()). */
	local_irq_save(flags);
	err = __kasync_live_add(rt, t, smp_processor_id());
	local_irq_restore(flags);
	return err;
}

/**
 * kasync_reap - take finalized tasks off their live lists and release them
 * @rt: the runtime of every task in @r
 * @r: tasks collected by kasync_task_run(); emptied
 *
 * Drops the runtime's reference of each task, which may free it.  Tasks of
 * one live list in a row share one lock section (ordering rule 7).
 *
 * Context: the worker that ran the tasks; takes kasync_live.lock.
 */
void kasync_reap(struct kasync_rt *rt, struct kasync_reap *r)
{
	struct kasync_task *t = r->first, *u, *next;
	struct kasync_live *l;
	unsigned long flags;
	int cpu;

	r->first = NULL;
	r->n = 0;
	while (t) {
		cpu = t->live_cpu;
		l = kasync_live_of(rt, cpu);
		spin_lock_irqsave(&l->lock, flags);
		for (u = t; u && u->live_cpu == cpu; u = kt_next(u)) {
			/* _init: the task view tells a reaped task by it. */
			list_del_init(&u->live);
			l->nr--;
		}
		spin_unlock_irqrestore(&l->lock, flags);
		/* Ordering rule 7: the lock orders this after a drainer's inc. */
		if (atomic_read(&rt->drainers))
			wake_up(&rt->drain_wq);
		for (; t != u; t = next) {
			next = kt_next(t);
			kasync_task_put(t);
		}
	}
}

/* What kasync_live_walk() does under each list's lock. */
enum kasync_live_op {
	KASYNC_LIVE_COUNT,	/* count @owner's tasks */
	KASYNC_LIVE_ABORT,	/* ... and abort them */
	KASYNC_LIVE_DIE,	/* set kasync_rt.dying (rule 7) */
};

/*
 * Visit every live list of @rt under its lock, doing @op to the tasks of
 * @owner (all if %NULL).  Return how many are listed; *@aborted gets how
 * many this call cancelled (KASYNC_LIVE_ABORT).
 */
static unsigned int kasync_live_walk(struct kasync_rt *rt,
				     struct module *owner,
				     enum kasync_live_op op,
				     unsigned int *aborted)
{
	unsigned int n = 0, listed = 0;
	struct kasync_live *l;
	struct kasync_task *t;
	unsigned long flags;
	int cpu;

	for_each_possible_cpu(cpu) {
		l = kasync_live_of(rt, cpu);
		spin_lock_irqsave(&l->lock, flags);
		/* Ordering rule 7: a spawn either sees dying or is listed. */
		if (op == KASYNC_LIVE_DIE) {
			rt->dying = true;
			goto unlock;
		}
		list_for_each_entry(t, &l->tasks, live) {
			if (owner && t->owner != owner)
				continue;
			listed++;
			/* Listed, so the runtime's reference keeps t alive. */
			if (op == KASYNC_LIVE_ABORT && !kasync_abort(t))
				n++;
		}
unlock:
		spin_unlock_irqrestore(&l->lock, flags);
	}
	if (aborted)
		*aborted = n;
	return listed;
}

/* Where a cancelled task that was not reaped yet is. */
static const char *kasync_drain_where(const struct kasync_task *t)
{
	long s = atomic_long_read(&t->state);

	if (s & KT_FINAL)
		return "finished, being reaped";
	if (s & KT_RUNNING)
		return "in its poll function or drop callback";
	return "queued to be dropped";
}

/*
 * A drain made no progress for kasync.drain_report_s: name the module or
 * runtime, and the task it waits for (one running a poll or drop, which
 * is what holds a drain up, if there is one).
 */
static void kasync_drain_report(struct kasync_rt *rt, struct module *owner,
				unsigned int alive, unsigned int secs)
{
	bool running = false;
	struct kasync_task_desc d;
	const char *where = NULL;
	struct kasync_live *l;
	struct kasync_task *t;
	unsigned long flags;
	int cpu;

	for_each_possible_cpu(cpu) {
		l = kasync_live_of(rt, cpu);
		spin_lock_irqsave(&l->lock, flags);
		list_for_each_entry(t, &l->tasks, live) {
			if (owner && t->owner != owner)
				continue;
			running = atomic_long_read(&t->state) & KT_RUNNING;
			/* Listed, so the runtime's reference keeps t alive. */
			if (!where || running) {
				where = kasync_drain_where(t);
				kasync_task_describe(t, &d);
			}
			if (running)
				break;
		}
		spin_unlock_irqrestore(&l->lock, flags);
		if (running)
			break;
	}
	if (!where)
		return;
	pr_warn("kasync: %s %s: %u task%s of runtime %s not finished after %u s; waiting for task %llu %s (poll %ps, owner %s, %s, await %s:%u %s)\n",
		owner ? "unloading module" : "destroying runtime",
		owner ? owner->name : rt->name, alive, alive == 1 ? "" : "s",
		rt->name, secs, d.id, d.name, d.poll, d.owner, where, d.func,
		d.line, kasync_wait_kind_names[d.kind]);
}

/**
 * kasync_live_drain - cancel tasks of a runtime and wait until they are gone
 * @rt: runtime
 * @owner: cancel this module's tasks, or all if %NULL
 *
 * Waits until their last poll, cleanup hooks and drop callback have
 * returned and they were reaped.  Tasks spawned meanwhile by the ones
 * being cancelled are caught by the next round.
 *
 * Context: process context; sleeps.
 * Return: the number of tasks this call cancelled.
 */
unsigned int kasync_live_drain(struct kasync_rt *rt, struct module *owner)
{
	unsigned int n = 0, alive, aborted, fewest = UINT_MAX, report_s;
	unsigned long start = jiffies, progress = jiffies;

	might_sleep();
	/* Ordering rule 7: before the walks below. */
	atomic_inc(&rt->drainers);
	for (;;) {
		alive = kasync_live_walk(rt, owner, KASYNC_LIVE_ABORT, &aborted);
		n += aborted;
		if (!alive)
			break;
		report_s = READ_ONCE(kasync_drain_report_s);
		if (alive < fewest) {
			fewest = alive;
			progress = jiffies;
		} else if (report_s &&
			   time_after(jiffies, progress + report_s * HZ)) {
			kasync_drain_report(rt, owner, alive,
					    jiffies_to_msecs(jiffies - start) / 1000);
			progress = jiffies;
		}
		wait_event_timeout(rt->drain_wq,
				   !kasync_live_walk(rt, owner, KASYNC_LIVE_COUNT,
						     NULL),
				   HZ / 10);
	}
	atomic_dec(&rt->drainers);
	return n;
}

/**
 * kasync_live_set_dying - make every later spawn on a runtime fail
 * @rt: runtime about to be destroyed
 *
 * On return, a spawn either failed with -ESHUTDOWN or listed its task
 * where kasync_live_drain() will find it (ordering rule 7).
 *
 * Context: any; takes every CPU's kasync_live.lock in turn.
 */
void kasync_live_set_dying(struct kasync_rt *rt)
{
	kasync_live_walk(rt, NULL, KASYNC_LIVE_DIE, NULL);
}

/**
 * kasync_live_count - tasks on one CPU's live list (a racy read)
 * @rt: runtime
 * @cpu: CPU
 *
 * Return: tasks spawned on @cpu and not yet reaped, finalized or not.
 */
unsigned int kasync_live_count(struct kasync_rt *rt, int cpu)
{
	return READ_ONCE(kasync_live_of(rt, cpu)->nr);
}
