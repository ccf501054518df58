/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kasync scheduler internals: workers, per-CPU queues, runtimes and the
 * runtime kinds.  Fields are tagged with the legend of rules.h.
 *
 * Files: queue.h (the queues as data structures), policy.h and policy.c
 * (every decision: where a wake goes, when to look elsewhere, whom to
 * steal from, whether to kick a stealer), sched.c (the mechanism: worker
 * activation, the one budgeted worker loop, idle and linger, stealing,
 * hotplug, and the work-stealing and per-CPU kinds), ordered.c (the
 * ordered kind).  task.c and rt.c use the declarations at the end.
 */
#ifndef _KASYNC_SCHED_H
#define _KASYNC_SCHED_H

#include <linux/llist.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "clock.h"
#include "core.h"
#include "live.h"
#include "queue.h"
#include "stats.h"

#define KASYNC_NAME_MAX		24	/* "kasync-" + name fits WQ_NAME_LEN */

struct kasync_worker;
struct kasync_cpu;

/*
 * struct kasync_worker - one work item that polls tasks
 *
 * Each CPU of a work-stealing or per-CPU runtime has one, bound to that
 * CPU; an ordered runtime has one, on its ordered workqueue.  It is
 * queued only when it is idle and work arrives (ordering rule 3) and
 * re-queues itself when its budget is spent.
 */
struct kasync_worker {
	struct work_struct work;	/* I */
	atomic_t active;		/* A: queued or running (rule 3) */
	struct kasync_task *cur;	/* W: task being polled */
	struct task_struct *poller;	/* W: kworker running it */
	u64 since;			/* W: kasync_clock() as the poll of
					 * cur began; read racily by the
					 * rescue (sched.c)
					 */
	struct kasync_reap reap;	/* W: finalized, still listed */
	struct kasync_rt *rt;		/* I */
	int cpu;			/* I: its CPU, or -1 (ordered) */
};

/*
 * struct kasync_rt_kind - what makes a kind of runtime (work-stealing,
 * per-CPU, ordered): the scheduler calls these instead of testing flags
 * @name: shown in debugfs
 * @steals: idle workers steal from busy CPUs; a deep ring kicks one
 * @enqueue: queue a woken task (@spawned: a new one, t->cpu is where
 *	kasync_spawn_on() asked for it, or -1); the caller owns queueing
 *	it (rule 1); any context
 * @requeue: queue @t behind the others after its poll (woken or yielded)
 * @spill: place the chain a full local queue of @q could not take (on
 *	q's CPU, IRQs off)
 * @next: the next task for @w to poll, its @n-th of this run; *@slow is
 *	set if it came from farther than the local queue
 * @remote_pending: work for @q published from other CPUs (rule 3)
 * @idle: @w found nothing: go idle unless work arrived (true: stop)
 * @resume: @w spent its budget: queue it again
 * @cpu_down: move @rt's queued tasks off @cpu, which is going offline
 * @cpu_up: let @rt use @cpu again
 *
 * @spill and @remote_pending are called only for kinds with per-CPU
 * queues; the others leave them %NULL.
 */
struct kasync_rt_kind {
	const char *name;
	bool steals;
	void (*enqueue)(struct kasync_task *t, bool spawned);
	void (*requeue)(struct kasync_worker *w, struct kasync_task *t);
	void (*spill)(struct kasync_cpu *q, struct kasync_chain *c);
	struct kasync_task *(*next)(struct kasync_worker *w, unsigned int n,
				    bool *slow);
	bool (*remote_pending)(struct kasync_cpu *q);
	bool (*idle)(struct kasync_worker *w, u64 start);
	void (*resume)(struct kasync_worker *w);
	void (*cpu_down)(struct kasync_rt *rt, int cpu);
	void (*cpu_up)(struct kasync_rt *rt, int cpu);
};

extern const struct kasync_rt_kind kasync_kind_ws;
extern const struct kasync_rt_kind kasync_kind_pcpu;
extern const struct kasync_rt_kind kasync_kind_ordered;

/*
 * struct kasync_cpu - one runtime's state on one CPU
 */
struct kasync_cpu {
	struct kasync_lq lq;		/* C: the local queue (rule 2) */
	bool online;			/* C: queue accepts tasks (rule 8) */
	struct llist_head remote;	/* A: wakes from afar (rule 8) */
	struct kasync_worker w;		/* the CPU's worker */
	unsigned int lifo_run;		/* W: LIFO polls in a row */
	u32 rng;			/* W: victim choice */
	bool waited;			/* the rescue pass's: tasks were
					 * queued behind the worker at its
					 * last look
					 */
	int cpu;			/* I */
	struct kasync_rt *rt;		/* I */
	struct kasync_live live;	/* tasks spawned here (live.c) */
	struct kasync_pcpu_stats st;	/* S */
	struct kasync_task *steal_buf[KASYNC_RING_SIZE / 2];	/* W */
};

/*
 * struct kasync_rt - a runtime
 */
struct kasync_rt {
	char name[KASYNC_NAME_MAX];	/* I */
	unsigned int flags;		/* I: KASYNC_RT_* */
	const struct kasync_rt_kind *kind;	/* I */
	struct workqueue_struct *wq;	/* I */
	struct kasync_cpu __percpu *cpus;	/* I */
	struct kasync_fifo inject;	/* G: global FIFO */
	atomic_t searching;		/* A: workers stealing now */
	struct kasync_worker ord;	/* ordered runtimes' worker */
	struct delayed_work rescue;	/* I: the rescue pass (sched.c) */
	atomic_t rescuing;		/* A: rescue queued or running */
	bool rescue_off;		/* rule 6: set by destroy, read
					 * under rcu_read_lock()
					 */
	struct kasync_task *rescue_buf[KASYNC_RING_SIZE / 2];	/* rescue
					 * pass only (one at a time)
					 */
	bool dying;			/* L: every CPU's, to set (live.c) */
	atomic_t drainers;		/* A: waiters on drain_wq (rule 7) */
	wait_queue_head_t drain_wq;	/* I: live.c's */
	struct list_head node;		/* M: kasync_rt_list */
	unsigned int pins;		/* M: owner drains on it (rt.c) */
	struct dentry *dbg;		/* I */
};

static inline struct kasync_cpu *kasync_cpu_of(struct kasync_rt *rt, int cpu)
{
	return per_cpu_ptr(rt->cpus, cpu);
}

/*
 * Is the current context the worker of @q, in the middle of a poll?  On
 * q's CPU with IRQs off: a task that preempted the worker is not its
 * poller, and an interrupt that hit it is not in_task().
 */
static __always_inline bool kasync_in_poll_of(struct kasync_cpu *q)
{
	return q->w.cur && in_task() && READ_ONCE(q->w.poller) == current;
}

/* Is @cpu's worker of @rt queued or running (or lingering)? */
static inline bool kasync_worker_on(struct kasync_rt *rt, int cpu)
{
	struct kasync_cpu *q = kasync_cpu_of(rt, cpu);

	return READ_ONCE(q->online) && atomic_read(&q->w.active);
}

/* sched.c: for task.c */
void kasync_enqueue(struct kasync_task *t);
void kasync_enqueue_spawned(struct kasync_task *t);
int kasync_spawn_enqueue(struct kasync_task *t);

/* sched.c: for rt.c and stats.c */
const struct kasync_rt_kind *kasync_kind_of(unsigned int flags);
void kasync_sched_init(struct kasync_rt *rt);
void kasync_sched_cpu_down(struct kasync_rt *rt, int cpu);
void kasync_sched_cpu_up(struct kasync_rt *rt, int cpu);
u64 kasync_cpu_depth(struct kasync_rt *rt, int cpu);
void kasync_sched_stop(struct kasync_rt *rt);

/* sched.c: for the kinds */
void kasync_worker_fn(struct work_struct *work);
struct kasync_worker *kasync_on_worker(void);
void kasync_worker_init(struct kasync_worker *w, struct kasync_rt *rt,
			int cpu);

/**
 * kasync_claim - win the right to queue a worker
 * @active: the worker's &kasync_worker.active
 *
 * The plain read skips the xchg when the worker is already queued or
 * running: it will re-check its sources before going idle (rule 3).  The
 * xchg is fully ordered.  Inline: every local push asks it.
 *
 * Return: true if the caller must queue the worker.
 */
static __always_inline bool kasync_claim(atomic_t *active)
{
	return !atomic_read(active) && !atomic_xchg(active, 1);
}

#endif /* _KASYNC_SCHED_H */
