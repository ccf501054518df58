/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kasync: what the runtime's files share.  Not for users of kasync.
 *
 * Field legend (each field of the structures below is tagged):
 *
 *   I: set before the object is published, then read-only
 *   A: atomic_t / atomic_long_t, or accessed with xchg/cmpxchg
 *   C: CPU-local: touched only on the CPU owning the queue, with IRQs
 *      disabled (which includes the steal IPI running on that CPU)
 *   W: touched only by the worker that owns the queue (one at a time: a
 *      work item does not run concurrently with itself on one workqueue)
 *   P: serialised with polls: written by the poll function or by the
 *      worker around it, never concurrently
 *   L: kasync_cpu.live_lock (irq-safe spinlock)
 *   G: kasync_rt.inject_lock (irq-safe spinlock)
 *   M: kasync_rt_mutex
 *   S: per-CPU statistics, this_cpu_*() on the owning CPU, racy reads
 *
 * Lock order: kasync_rt_mutex -> kasync_cpu.live_lock -> inject_lock.
 * No kasync lock is held across a poll, a drop or a cleanup hook.
 *
 * ======================== kasync ordering rules ========================
 *
 * Other comments cite these rules by number ("ordering rule 3").
 *
 * 1. Task state word.  Every transition of kasync_task.state is a fully
 *    ordered read-modify-write (cmpxchg, fetch_or, fetch_andnot).  The party
 *    whose transition sets SCHEDULED on a task that is neither SCHEDULED
 *    nor RUNNING owns queueing it, exactly once.  The worker whose
 *    transition clears SCHEDULED and sets RUNNING owns polling it.  A task
 *    sits in exactly one run queue iff SCHEDULED && !RUNNING && !FINAL.
 *    A wake that finds RUNNING only sets SCHEDULED; the worker sees it in
 *    its own end-of-poll transition and re-queues.  Hence no lost wakes.
 *    A waker's stores before kasync_wake() are visible to the next poll
 *    that starts after the call: kasync_wake() begins with smp_mb(), so
 *    its read of the state word, or its cmpxchg setting SCHEDULED, is
 *    ordered after those stores and pairs with the worker's cmpxchg
 *    setting RUNNING (fully ordered).  A wake that coalesces with a
 *    SCHEDULED it did not set still gets its stores seen by that poll.
 *
 * 2. Run queues.  A CPU's ring, LIFO slot and overflow list are touched
 *    only on that CPU with IRQs disabled: plain loads and stores, no
 *    read-modify-write.  A stealer never touches them: it sends an IPI to
 *    the victim, whose handler moves tasks into the stealer's buffer; the
 *    completion wait of smp_call_function_single() orders the buffer.
 *    Remote readers use READ_ONCE() on head/tail for hints only.
 *
 * 3. Worker activation.  kasync_cpu.active (and the ordered runtime's
 *    ord_active) is 1 while the worker is queued or running.  A producer
 *    of work the worker must see from another CPU (inject queue, remote
 *    list, steal kick) publishes the work, then executes a full barrier
 *    (the llist_add() cmpxchg, or smp_mb() after the inject lock), then
 *    reads active; if it is 0 it queues the worker after winning
 *    atomic_xchg(&active, 1).  A worker going idle sets active to 0,
 *    executes smp_mb(), then re-checks those sources.  Store-buffering:
 *    either the producer sees 0 and queues, or the worker sees the work.
 *    Local pushes need none of this: they and the worker's idle decision
 *    both run on the CPU with IRQs disabled.
 *
 * 4. Completion.  The finalizer stores result, runs the drop callback,
 *    then sets FINAL with a fully ordered fetch_or.  Readers check FINAL
 *    with atomic_long_read_acquire() before reading result.  A thread
 *    about to sleep in kasync_join*() first sets JOIN_SLEEPER with a
 *    fetch_or; both RMW the state word, so either the joiner sees FINAL
 *    and does not sleep, or the finalizer sees JOIN_SLEEPER and calls
 *    wake_up_var() (nobody else waits on the word: no wake otherwise).
 *    The finalizer's fetch_or is also the barrier wake_up_var() requires,
 *    pairing with set_current_state() inside wait_var_event*().
 *
 * 5. Task joiners.  kasync_join_poll() stores the awaiter, then sets
 *    JOIN_WAKER with fetch_or; the finalizer sets FINAL with fetch_or.
 *    Both RMW the same word, so one sees the other's bit; whoever then
 *    wins xchg(&awaiter, NULL) wakes and releases the awaiter reference.
 *
 * 6. Teardown.  Every path that queues a task or kicks a worker runs in an
 *    RCU read-side section: rcu_read_lock() (kasync_enqueue() and
 *    kasync_requeue() on their remote paths), or IRQs disabled (local
 *    pushes), which synchronize_rcu() waits for as well since the RCU
 *    flavours were consolidated.  kasync_rt_destroy() waits for every
 *    task to be finalized, then synchronize_rcu(), and only then destroys
 *    the workqueue: no late queue_work() can hit a dead one.
 *
 * 7. Live lists.  A task is added to a live list under live_lock after
 *    checking kasync_rt.dying under that lock; destroy sets dying and then
 *    takes every live_lock, so a spawn either sees dying or is seen by the
 *    cancel walk.  A finalized task stays listed (holding the runtime's
 *    reference) until its worker reaps it: kasync_reap() removes it under
 *    the same lock and then reads kasync_rt.drainers: the lock orders it
 *    after a drainer's atomic_inc() that preceded the drainer's own walk.
 *    A worker reaps at most %KASYNC_REAP_MAX tasks late and always before
 *    it returns, so a drain waiting for an empty list is not left waiting.
 *
 * 8. CPU hotplug.  kasync_cpu.online is written on its CPU with IRQs
 *    disabled, so local pushes read it consistently.  A remote waker of a
 *    per-CPU runtime does llist_add() (full barrier) then reads online;
 *    the going-down callback writes online = 0, smp_mb(), then empties the
 *    remote list: either it sees the task or the waker sees offline and
 *    re-routes it itself (llist_del_all() hands each task to one of them).
 * =======================================================================
 */
#ifndef _KASYNC_INTERNAL_H
#define _KASYNC_INTERNAL_H

#include <linux/atomic.h>
#include <linux/llist.h>
#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <kasync.h>

#define KASYNC_NAME_MAX		24	/* "kasync-" + name fits WQ_NAME_LEN */
#define KASYNC_RING_SIZE	256	/* power of two */
#define KASYNC_BUDGET_POLLS	128	/* polls per worker run ... */
#define KASYNC_BUDGET_NS	NSEC_PER_MSEC	/* ... or this long */
#define KASYNC_GLOBAL_INTERVAL	61	/* check global queues every N polls */
#define KASYNC_LIFO_MAX		3	/* LIFO polls in a row */
#define KASYNC_STEAL_KICK	32	/* ring depth that kicks a stealer */
#define KASYNC_REAP_MAX		32	/* finalized tasks a worker batches */

/* kasync_task.state bits; the reference count lives above them. */
#define KT_SCHEDULED		BIT(0)	/* queued, or re-queue after poll */
#define KT_RUNNING		BIT(1)	/* a worker is polling it */
#define KT_COMPLETED		BIT(2)	/* poll returned READY */
#define KT_CANCELLED		BIT(3)	/* aborted; never polled again */
#define KT_JOIN_SLEEPER		BIT(4)	/* a thread waits in kasync_join*() */
#define KT_JOIN_WAKER		BIT(5)	/* a task awaits it (join_poll) */
#define KT_FINAL		BIT(6)	/* drop done, result published */
#define KT_REF_SHIFT		8
#define KT_REF_ONE		BIT(KT_REF_SHIFT)
#define KT_FLAGS		(KT_REF_ONE - 1)
#define KT_DONE			(KT_COMPLETED | KT_CANCELLED)

/*
 * struct kasync_task - task header, followed by the caller's state
 *
 * Lifetime: two references at spawn, the handle's and the runtime's.  The
 * runtime's is dropped by the finalizer, after the task left its live
 * list; the last kasync_task_put() frees the memory.
 */
struct kasync_task {
	atomic_long_t state;		/* A: KT_* flags + refcount */
	struct llist_node node;		/* C/G: run queue link (rule 1) */
	const struct kasync_task_ops *ops;	/* I */
	struct kasync_rt *rt;		/* I: not used after FINAL */
	struct module *owner;		/* I */
	struct list_head live;		/* L: runtime's live list (rule 7) */
	struct hlist_head cleanups;	/* P: kasync_cleanup hooks */
	struct kasync_task *awaiter;	/* A: task in kasync_join_poll() */
	long result;			/* P: published by FINAL (rule 4) */
	unsigned int size;		/* I: bytes of state */
	int cpu;			/* A: per-CPU runtime: home CPU; work
					 * stealing: CPU of the last poll (a hint)
					 */
	int live_cpu;			/* I: whose live list holds it */
	u16 budget;			/* P: operations left in this poll */
	bool coop_yielded;		/* P: this poll ran out of budget */
	u64 data[];			/* caller's state */
};

/*
 * struct kasync_reap - finalized tasks a worker has yet to take off their
 * live lists (ordering rule 7), linked through kasync_task.node
 */
struct kasync_reap {
	struct kasync_task *first;
	unsigned int n;
};

static inline struct kasync_task *kt_next(struct kasync_task *t)
{
	return t->node.next ?
		llist_entry(t->node.next, struct kasync_task, node) : NULL;
}

/*
 * struct kasync_pcpu_stats - one CPU's counters of one runtime (all S)
 */
struct kasync_pcpu_stats {
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
	u64 longest_poll_ns;
	u64 rehomed;
	u64 idles;
	u64 lingers;
	u64 coop_yields;
};

/*
 * struct kasync_cpu - one runtime's state on one CPU
 */
struct kasync_cpu {
	unsigned int head;		/* C: ring consumer index */
	unsigned int tail;		/* C: ring producer index */
	struct kasync_task *lifo;	/* C: woken by the running task */
	struct kasync_task *ovf_head;	/* C: per-CPU runtime overflow */
	struct kasync_task *ovf_tail;	/* C */
	unsigned int ovf_len;		/* C */
	bool online;			/* C: queue accepts tasks (rule 8) */
	atomic_t active;		/* A: worker queued/running (rule 3) */
	struct llist_head remote;	/* A: per-CPU rt wakes from afar */
	struct kasync_task *cur;	/* W: task being polled */
	struct task_struct *poller;	/* W: kworker running the worker */
	struct kasync_reap reap;	/* W: finalized, still listed */
	unsigned int lifo_run;		/* W: LIFO polls in a row */
	u32 rng;			/* W: victim choice */
	int cpu;			/* I */
	struct kasync_rt *rt;		/* I */
	struct work_struct work;	/* I */
	spinlock_t live_lock;		/* I */
	struct list_head live;		/* L: tasks spawned here */
	unsigned int nr_live;		/* L: listed, reaped or not */
	struct kasync_pcpu_stats st;	/* S */
	struct kasync_task *ring[KASYNC_RING_SIZE];	/* C */
	struct kasync_task *steal_buf[KASYNC_RING_SIZE / 2];	/* W */
};

/*
 * struct kasync_rt - a runtime
 */
struct kasync_rt {
	char name[KASYNC_NAME_MAX];	/* I */
	unsigned int flags;		/* I: KASYNC_RT_* */
	struct workqueue_struct *wq;	/* I */
	struct kasync_cpu __percpu *cpus;	/* I */
	spinlock_t inject_lock;		/* I */
	struct kasync_task *inj_head;	/* G: global FIFO */
	struct kasync_task *inj_tail;	/* G */
	atomic_t inject_len;		/* A: hint, exact under G */
	atomic_t searching;		/* A: workers stealing now */
	struct work_struct ord_work;	/* I: KASYNC_RT_ORDERED worker */
	atomic_t ord_active;		/* A: ord_work queued/running */
	struct kasync_task *ord_cur;	/* W: ord_work's current task */
	struct task_struct *ord_poller;	/* W: kworker running ord_work */
	bool dying;			/* L: all live_locks to set */
	atomic_t drainers;		/* A: waiters on drain_wq (rule 7) */
	wait_queue_head_t drain_wq;	/* I */
	struct list_head node;		/* M: kasync_rt_list */
	struct dentry *dbg;		/* I */
};

/* Outcome of one poll, for the scheduler. */
enum kasync_run {
	KASYNC_RUN_IDLE,	/* pending, waits for a wake */
	KASYNC_RUN_REQUEUE,	/* pending and woken: queue at the back */
	KASYNC_RUN_DONE,	/* finalized; do not touch again */
};

static inline struct kasync_cpu *kasync_cpu_of(struct kasync_rt *rt, int cpu)
{
	return per_cpu_ptr(rt->cpus, cpu);
}

static inline bool kasync_rt_is(const struct kasync_rt *rt, unsigned int f)
{
	return rt->flags & f;
}

/* task.c */
enum kasync_run kasync_task_run(struct kasync_task *t, struct kasync_reap *r);
void kasync_reap(struct kasync_rt *rt, struct kasync_reap *r);

/* sched.c */
void kasync_enqueue(struct kasync_task *t);
void kasync_enqueue_spawned(struct kasync_task *t);
void kasync_cpu_init(struct kasync_rt *rt, struct kasync_cpu *q, int cpu);
void kasync_cpu_work(struct work_struct *work);
void kasync_ord_work(struct work_struct *work);
void kasync_sched_cpu_down(struct kasync_rt *rt, int cpu);
void kasync_sched_cpu_up(struct kasync_rt *rt, int cpu);
u64 kasync_cpu_depth(struct kasync_rt *rt, int cpu);

/* rt.c */
extern struct kasync_rt *kasync_default_rt;
extern struct list_head kasync_rt_list;
int kasync_rt_init(void);
void kasync_rt_exit(void);
unsigned int kasync_cancel_owner(struct module *owner);

/* blocking.c */
int kasync_blocking_init(void);
void kasync_blocking_exit(void);
void kasync_blocking_drain_owner(struct module *owner);

/* stats.c */
int kasync_stats_init(void);
void kasync_stats_exit(void);
void kasync_stats_add_rt(struct kasync_rt *rt);
void kasync_stats_del_rt(struct kasync_rt *rt);

#endif /* _KASYNC_INTERNAL_H */
