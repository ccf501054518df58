// SPDX-License-Identifier: GPL-2.0
/*
 * kasync scheduler mechanism: worker activation, the one budgeted worker
 * loop, idle and linger, stealing, CPU hotplug moves, kasync_current(),
 * and the two kinds of runtime built on per-CPU queues: work-stealing and
 * per-CPU.  The ordered kind is in ordered.c, the decisions in policy.c.
 *
 * Each runtime has, per CPU, a &struct kasync_cpu: a local queue (queue.h)
 * touched only on that CPU with IRQs disabled ("kasync ordering rules" 2
 * in rules.h).  A CPU's worker is one work item per runtime, queued on
 * that CPU only when the queue goes from idle to busy (rule 3).  Another
 * CPU hands tasks over through the runtime's inject queue (work-stealing)
 * or the queue's remote llist (per-CPU runtimes, and first placement by
 * kasync_spawn_on()).  An idle worker steals half of a busy CPU's ring by
 * sending that CPU an IPI.
 */
#include <linux/interrupt.h>
#include <linux/sched/stat.h>
#include <linux/smp.h>

#include "policy.h"
#include "live_add.h"
#include "sched.h"
#include "trace.h"

/* The ops of the kinds with per-CPU queues, called directly (see below). */
static void kasync_ws_enqueue(struct kasync_task *t, bool spawned);
static void kasync_pcpu_enqueue(struct kasync_task *t, bool spawned);
static void kasync_ws_requeue(struct kasync_worker *w, struct kasync_task *t);
static void kasync_pcpu_requeue(struct kasync_worker *w,
				struct kasync_task *t);
static struct kasync_task *kasync_lq_next(struct kasync_worker *w,
					  unsigned int n, bool *slow);

/*
 * Call a kind's op directly when it is one of the two given, through the
 * table otherwise.  A compare costs less than an indirect call, with or
 * without retpolines, and lets the compiler inline the common kinds' ops
 * into the worker loop and the wake path: the layers cost nothing there.
 */
#define KASYNC_KIND_CALL(op, f1, f2, ...)				\
({									\
	typeof(op) __kk_op = (op);					\
									\
	__kk_op == (f1) ? (f1)(__VA_ARGS__) :				\
	__kk_op == (f2) ? (f2)(__VA_ARGS__) : __kk_op(__VA_ARGS__);	\
})

/* ---- worker activation (rule 3) ---------------------------------------- */

/*
 * Queue @q's worker if it is idle; the caller published its work.
 * Return true if this call queued it.
 */
static __always_inline bool kasync_kick(struct kasync_cpu *q)
{
	if (!kasync_claim(&q->w.active))
		return false;
	queue_work_on(q->cpu, q->rt->wq, &q->w.work);
	return true;
}

/* Kick one idle worker of an online CPU, preferring the current one. */
static void kasync_kick_any(struct kasync_rt *rt, int avoid)
{
	int self = raw_smp_processor_id();
	struct kasync_cpu *q;
	int cpu;

	/*
	 * Rule 3: the pushed work is visible before we read any active;
	 * pairs with smp_mb() in kasync_lq_idle().
	 */
	smp_mb();
	q = kasync_cpu_of(rt, self);
	if (self != avoid && READ_ONCE(q->online) && kasync_kick(q))
		return;
	for_each_online_cpu(cpu) {
		q = kasync_cpu_of(rt, cpu);
		if (cpu != avoid && READ_ONCE(q->online) && kasync_kick(q))
			return;
	}
}

/* Wake an idle worker to steal from @busy, if one more may search. */
static void kasync_kick_stealer(struct kasync_rt *rt, int busy)
{
	if (kasync_search_allowed(atomic_read(&rt->searching) + 1))
		kasync_kick_any(rt, busy);
}

/* @q's ring is @depth deep (@push: after a single push): ask the policy. */
static __always_inline void kasync_deep_kick(struct kasync_cpu *q,
					     unsigned int depth,
			     bool push)
{
	if (kasync_stealer_wanted(q->rt->kind->steals, depth, push))
		kasync_kick_stealer(q->rt, q->cpu);
}

/* The ring depth of @q, read from anywhere (a hint). */
static __always_inline unsigned int
kasync_ring_depth(struct kasync_cpu *q)
{
	return READ_ONCE(q->lq.tail) - READ_ONCE(q->lq.head);
}

/* ---- the local queue with its worker (rule 2) ----------------------------- */

/* Place what a full local queue could not take (kind's choice); cold. */
static noinline void kasync_spill(struct kasync_cpu *q, struct kasync_chain *c)
{
	kasync_stat_inc(q->rt, KASYNC_STAT_OVERFLOWS);
	kasync_trace(overflow, q->rt->name, q->cpu, c->n);
	q->rt->kind->spill(q, c);
}

/* A full ring, or an overflow list to queue behind: out of line. */
static noinline void kasync_lq_push_slow(struct kasync_cpu *q,
					 struct kasync_task *t)
{
	struct kasync_chain spill = {};

	if (lq_push_back(&q->lq, t, &spill))
		kasync_spill(q, &spill);
}

/*
 * Queue @t behind the others in @q (on q's CPU, IRQs off).  The common
 * case, room in the ring and no overflow list, is a store and an index
 * bump: no chain to build, so nothing to zero.
 */
static __always_inline void kasync_lq_push(struct kasync_cpu *q,
					   struct kasync_task *t)
{
	struct kasync_lq *lq = &q->lq;

	lq_assert_local();
	if (likely(!lq->ovf_head && lq_ring_len(lq) < KASYNC_RING_SIZE)) {
		lq->ring[lq->tail & KASYNC_RING_MASK] = t;
		WRITE_ONCE(lq->tail, lq->tail + 1);
		return;
	}
	kasync_lq_push_slow(q, t);
}

/*
 * Push @t on the local queue @q (IRQs off, on q's CPU, q online) and make
 * sure the worker runs.  A task woken by the task being polled here takes
 * the LIFO slot, unless @back (yields and re-queues go to the back).
 */
static __always_inline void kasync_local_push(struct kasync_cpu *q,
					      struct kasync_task *t,
			      bool back)
{
	if (!back && kasync_in_poll_of(q) && q->w.cur != t) {
		t = lq_lifo_swap(&q->lq, t);
		if (!t)
			goto kick;
	}
	kasync_lq_push(q, t);
	kasync_deep_kick(q, lq_ring_len(&q->lq), true);
kick:
	kasync_kick(q);
}

/*
 * Queue @t on the current CPU (IRQs off) if this runtime's queue there is
 * online (and, with @home >= 0, is that CPU); return false (nothing done)
 * otherwise.
 */
static __always_inline bool kasync_push_here(struct kasync_rt *rt,
					     struct kasync_task *t,
					     int home, bool back)
{
	struct kasync_cpu *q = this_cpu_ptr(rt->cpus);

	if (!q->online || (home >= 0 && home != q->cpu))
		return false;
	kasync_local_push(q, t, back);
	return true;
}

/* kasync_push_here() with the IRQs off it needs. */
static __always_inline bool kasync_try_local(struct kasync_rt *rt,
					     struct kasync_task *t,
			     int home, bool back)
{
	unsigned long flags;
	bool ok;

	local_irq_save(flags);
	ok = kasync_push_here(rt, t, home, back);
	local_irq_restore(flags);
	return ok;
}

/* Push a chain on the inject queue and kick a worker to take it. */
static void kasync_inject(struct kasync_rt *rt, struct kasync_chain *c,
			  int avoid)
{
	fifo_push(&rt->inject, c);
	kasync_kick_any(rt, avoid);
}

/* ---- remote lists, homes, hotplug re-homing ------------------------------ */

static void kasync_remote_push(struct kasync_rt *rt, int cpu,
			       struct kasync_task *t);

/* Pick an online CPU other than @from whose queue accepts tasks, or -1. */
static int kasync_pick_cpu(struct kasync_rt *rt, int from)
{
	int cpu;

	for_each_online_cpu(cpu) {
		if (cpu != from && READ_ONCE(kasync_cpu_of(rt, cpu)->online))
			return cpu;
	}
	return -1;
}

/*
 * Another CPU for @t, whose queue on @from is offline; a per-CPU task
 * gets it as its new home.  @from if there is none.
 */
static int kasync_rehome(struct kasync_rt *rt, struct kasync_task *t,
			 int from)
{
	int to = kasync_pick_cpu(rt, from);

	if (to < 0)
		return from;	/* nowhere to go: park until @from is back */
	if (!rt->kind->steals) {
		WRITE_ONCE(t->cpu, to);
		kasync_stat_inc(rt, KASYNC_STAT_REHOMED);
	}
	return to;
}

/* Take back what a remote waker raced into an offline queue (rule 8). */
static void kasync_remote_reroute(struct kasync_cpu *q)
{
	struct llist_node *n = llist_reverse_order(llist_del_all(&q->remote));
	struct kasync_task *t, *tmp;

	llist_for_each_entry_safe(t, tmp, n, node)
		kasync_remote_push(q->rt, kasync_rehome(q->rt, t, q->cpu), t);
}

static void kasync_remote_push(struct kasync_rt *rt, int cpu,
			       struct kasync_task *t)
{
	struct kasync_cpu *q = kasync_cpu_of(rt, cpu);
	int to;

	if (!READ_ONCE(q->online)) {
		to = kasync_rehome(rt, t, cpu);
		if (to != cpu) {
			kasync_remote_push(rt, to, t);
			return;
		}
		/* No other queue: park it; kasync_sched_cpu_up() kicks. */
		llist_add(&t->node, &q->remote);
		return;
	}
	/*
	 * Full barrier (rules 3 and 8): pairs with smp_mb() in
	 * kasync_lq_idle() and with the xchg in kasync_sched_cpu_down().
	 */
	llist_add(&t->node, &q->remote);
	if (likely(READ_ONCE(q->online)))
		kasync_kick(q);
	else if (kasync_pick_cpu(rt, cpu) >= 0)
		kasync_remote_reroute(q);
}

/* ---- filling the local queue from elsewhere ------------------------------- */

/*
 * Move a chain of tasks for this CPU into its local queue, in one
 * IRQs-off section (at most half a ring: a steal or a remote list).
 */
static void kasync_local_fill(struct kasync_worker *w, struct kasync_task *t)
{
	struct kasync_cpu *q = container_of(w, struct kasync_cpu, w);
	const struct kasync_rt_kind *k = q->rt->kind;
	struct kasync_task *next;
	unsigned long flags;

	local_irq_save(flags);
	for (; t && q->online; t = next) {
		next = kt_next(t);
		kasync_lq_push(q, t);
	}
	local_irq_restore(flags);
	/* The queue went offline under us: hand the rest on. */
	for (; t; t = next) {
		next = kt_next(t);
		k->requeue(w, t);
	}
	/* A batch arrived at once: let an idle worker help with it. */
	kasync_deep_kick(q, kasync_ring_depth(q), false);
}

/* Next task from the CPU-local queue: LIFO slot, ring, overflow list. */
static __always_inline struct kasync_task *
kasync_local_pop(struct kasync_cpu *q)
{
	struct kasync_task *t = NULL;
	unsigned long flags;

	local_irq_save(flags);
	if (!q->online)
		goto out;
	t = lq_lifo_swap(&q->lq, NULL);
	if (t) {
		if (kasync_lifo_allowed(q->lifo_run)) {
			q->lifo_run++;
			kasync_stat_inc(q->rt, KASYNC_STAT_LIFO_HITS);
			goto out;
		}
		/* Enough in a row: the LIFO task goes behind the others. */
		kasync_lq_push(q, t);
	}
	q->lifo_run = 0;
	t = lq_ring_pop(&q->lq);
	if (!t)
		t = lq_ovf_pop(&q->lq);
out:
	local_irq_restore(flags);
	return t;
}

/* Next task from @q's remote list; the rest of the list goes local. */
static struct kasync_task *kasync_remote_pop(struct kasync_cpu *q)
{
	struct llist_node *n;
	struct kasync_task *t;

	if (llist_empty(&q->remote))
		return NULL;
	n = llist_reverse_order(llist_del_all(&q->remote));
	if (!n)
		return NULL;
	t = llist_entry(n, struct kasync_task, node);
	kasync_local_fill(&q->w, kt_next(t));
	return t;
}

/*
 * Take a fair share of the inject queue, at most what the ring has room
 * for (plus the one returned), or only the one returned if @one (the
 * worker's periodic look, while its own queue has tasks).  They waited
 * longer than the ring's tasks, so they go to its front.  A ring that
 * filled since the room was read spills its newest to the inject queue's
 * back.  Room and @one keep a burst of spawns from churning between the
 * two queues: a share taken into a busy ring would be spilled back by
 * the next pushes.
 */
static struct kasync_task *kasync_inject_pop(struct kasync_cpu *q, bool one)
{
	struct kasync_chain c = {}, spill = {};
	unsigned int share, room;
	struct kasync_task *t, *next;
	unsigned long flags;

	share = one ? 1 : kasync_inject_share(fifo_len(&q->rt->inject));
	room = KASYNC_RING_SIZE - kasync_ring_depth(q);
	fifo_pop(&q->rt->inject, &c, min(share, room + 1));
	if (!c.first)
		return NULL;
	t = kt_next(c.first);
	local_irq_save(flags);
	if (q->online && t) {
		if (lq_push_front(&q->lq, t, c.n - 1, &spill))
			kasync_inject(q->rt, &spill, q->cpu);
		t = NULL;
	}
	local_irq_restore(flags);
	for (; t; t = next) {
		next = kt_next(t);
		q->rt->kind->requeue(&q->w, t);
	}
	kasync_deep_kick(q, kasync_ring_depth(q), false);
	return c.first;
}

/* ---- stealing -------------------------------------------------------------- */

struct kasync_steal_req {
	struct kasync_cpu *victim;
	struct kasync_task **buf;
	unsigned int n;
};

/* IPI handler on the victim's CPU, IRQs off: rule 2. */
static void kasync_steal_ipi(void *arg)
{
	struct kasync_steal_req *req = arg;
	struct kasync_cpu *v = req->victim;

	/* Unlike tokio's, the LIFO slot can be stolen. */
	req->n = v->online ? lq_steal_half(&v->lq, req->buf) : 0;
}

static bool kasync_victim_busy(struct kasync_cpu *v)
{
	return READ_ONCE(v->online) && lq_stealable(&v->lq);
}

/* Link @n tasks of @buf into a chain; return its first task. */
static struct kasync_task *kasync_link(struct kasync_task **buf,
				       unsigned int n)
{
	unsigned int i;

	for (i = 1; i < n; i++)
		buf[i - 1]->node.next = &buf[i]->node;
	buf[n - 1]->node.next = NULL;
	return buf[0];
}

/* Steal half of a busy CPU's ring into ours; return one task. */
static struct kasync_task *kasync_steal(struct kasync_cpu *q)
{
	struct kasync_rt *rt = q->rt;
	struct kasync_steal_req req = { .buf = q->steal_buf };
	struct kasync_task *t;
	unsigned int i;
	int cpu;

	if (!kasync_steal_allowed())
		return NULL;
	if (!kasync_search_allowed(atomic_inc_return(&rt->searching))) {
		atomic_dec(&rt->searching);
		return NULL;
	}
	cpu = kasync_victim_first(q);
	for (i = 0; i < nr_cpu_ids; i++, cpu = (cpu + 1) % nr_cpu_ids) {
		if (cpu == q->cpu || !cpu_online(cpu))
			continue;
		req.victim = kasync_cpu_of(rt, cpu);
		if (!kasync_victim_busy(req.victim))
			continue;
		/* Waits for the handler: orders req.buf (rule 2). */
		if (smp_call_function_single(cpu, kasync_steal_ipi, &req, 1) ||
		    !req.n)
			continue;
		/* No longer searching: the kicks below count the others. */
		atomic_dec(&rt->searching);
		kasync_stat_inc(rt, KASYNC_STAT_STEALS);
		kasync_stat_add(rt, KASYNC_STAT_STOLEN, req.n);
		kasync_trace(steal, rt->name, cpu, q->cpu, req.n);
		t = kasync_link(req.buf, req.n);
		kasync_local_fill(&q->w, kt_next(t));
		/* Found work: let the next searcher ramp up if more is left. */
		if (kasync_victim_busy(req.victim))
			kasync_kick_stealer(rt, cpu);
		return t;
	}
	atomic_dec(&rt->searching);
	return NULL;
}

/* ---- idle and linger --------------------------------------------------------- */

/*
 * Nothing left: go idle unless work arrived.  Return true if the worker
 * must stop, false if it claimed itself back and must go on.
 */
static bool kasync_lq_idle(struct kasync_cpu *q)
{
	unsigned long flags;

	local_irq_save(flags);
	if (!q->online) {
		/* The hotplug callback owns the queue and keeps active = 1. */
		local_irq_restore(flags);
		return true;
	}
	if (lq_pending(&q->lq)) {
		local_irq_restore(flags);
		return false;
	}
	atomic_set(&q->w.active, 0);
	local_irq_restore(flags);
	/*
	 * Rule 3: pairs with smp_mb() in kasync_kick_any() (inject queue)
	 * and with llist_add() in kasync_remote_push() (remote list).
	 */
	smp_mb();
	if (!q->rt->kind->remote_pending(q))
		return true;
	return atomic_xchg(&q->w.active, 1);
}

/*
 * Linger before going idle (kasync.linger_us), within the run's budget
 * that started at @start.  Return true if work arrived: poll on.
 */
static bool kasync_lq_linger(struct kasync_cpu *q, u64 start)
{
	const struct kasync_rt_kind *k = q->rt->kind;
	u64 now = kasync_clock();
	u64 end = min(now + kasync_linger_ns(), start + kasync_tune.budget_ns);

	while (now < end && single_task_running() && !need_resched()) {
		if (lq_pending(&q->lq) || k->remote_pending(q)) {
			kasync_stat_inc(q->rt, KASYNC_STAT_LINGERS);
			return true;
		}
		cpu_relax();
		now = kasync_clock();
	}
	return false;
}

static bool kasync_lq_idle_or_linger(struct kasync_worker *w, u64 start)
{
	struct kasync_cpu *q = container_of(w, struct kasync_cpu, w);

	if (kasync_lq_linger(q, start))
		return false;
	kasync_stat_inc(q->rt, KASYNC_STAT_IDLES);
	return kasync_lq_idle(q);
}

/* Budget spent: go to the back of the CPU's queue of work items. */
static void kasync_lq_resume(struct kasync_worker *w)
{
	struct kasync_cpu *q = container_of(w, struct kasync_cpu, w);

	if (!READ_ONCE(q->online))
		return;
	kasync_deep_kick(q, kasync_ring_depth(q), false);
	queue_work_on(q->cpu, q->rt->wq, &w->work);
}

/* ---- rescue: tasks stuck behind a long poll --------------------------------- */

/*
 * A worker polls its CPU's tasks one at a time, so a poll that runs long
 * (blocks, or computes) holds up every task queued behind it, and a wake
 * from outside sends more of them there (to the remote list).  Stealing
 * does not help: it takes tasks only when a worker looks for work, and a
 * worker kicked to steal from a CPU shared with other threads declines.
 * So while workers of a work-stealing runtime run, a rescue pass (a
 * delayed work item of its own, on the unbound workqueue: the stuck CPU's
 * pool may be the one held up) looks at them every kasync.rescue_us.  A
 * worker in the same poll for that long gets its remote list and half of
 * its ring (by the steal IPI) taken into the inject queue, and an idle
 * worker elsewhere is kicked to take them.  An active worker that is not
 * stuck but had tasks waiting in its ring at two passes in a row (it is
 * busy, or queued behind other threads) has the same done to it, for one
 * such CPU a pass ("balanced"): the ring's own kicks come only at every
 * kasync_tune.steal_kick tasks, and a worker kicked to steal declines
 * while its CPU has other threads to run, and is not asked again once
 * that CPU goes idle.  The inject queue has no such test: whichever
 * worker is idle takes them, and the busy one takes them back at its
 * next look there if none is.  A worker arms the pass as it starts a
 * poll if none is armed; the pass re-arms while any CPU has tasks queued
 * or a worker is in a poll (tasks queued behind a poll that already runs
 * arm nothing themselves), and stops when neither: a runtime with nothing
 * to do costs nothing.
 */

/*
 * Queue the rescue pass unless it is queued; from the worker's loop, which
 * reads rt->rescuing before calling (the xchg below settles a race).
 */
static void kasync_rescue_arm(struct kasync_rt *rt)
{
	u64 ns = kasync_rescue_ns();

	if (!ns || num_online_cpus() < 2)
		return;
	/* Rule 6: destroy sets rescue_off, then waits for this section. */
	rcu_read_lock();
	if (!READ_ONCE(rt->rescue_off) && !atomic_xchg(&rt->rescuing, 1))
		queue_delayed_work(system_unbound_wq, &rt->rescue,
				   max(nsecs_to_jiffies(ns), 1UL));
	rcu_read_unlock();
}

/*
 * Move @q's remote list and half its ring to the inject queue, counted as
 * @item (RESCUED: behind a stuck poll; BALANCED: behind a busy worker).
 */
static unsigned int kasync_rescue_cpu(struct kasync_rt *rt,
				      struct kasync_cpu *q,
				      enum kasync_stat_item item)
{
	struct kasync_steal_req req = { .victim = q, .buf = rt->rescue_buf };
	struct llist_node *n = llist_del_all(&q->remote);
	struct kasync_chain c = {};
	struct kasync_task *t, *tmp;

	/* Another consumer of the list may only race us for it: del_all. */
	llist_for_each_entry_safe(t, tmp, llist_reverse_order(n), node)
		chain_add(&c, t);
	if (lq_stealable(&q->lq) &&
	    !smp_call_function_single(q->cpu, kasync_steal_ipi, &req, 1) &&
	    req.n) {
		t = kasync_link(req.buf, req.n);
		for (; t; t = tmp) {
			tmp = kt_next(t);
			chain_add(&c, t);
		}
	}
	if (!c.n)
		return 0;
	kasync_stat_add(rt, item, c.n);
	kasync_trace(steal, rt->name, q->cpu, -1, c.n);
	/* Rule 6, as every kick. */
	rcu_read_lock();
	kasync_inject(rt, &c, q->cpu);
	rcu_read_unlock();
	return c.n;
}

static void kasync_rescue_fn(struct work_struct *work)
{
	struct kasync_rt *rt = container_of(to_delayed_work(work),
					    struct kasync_rt, rescue);
	u64 ns = kasync_rescue_ns(), since;
	struct kasync_cpu *q, *busy = NULL;
	bool again = false, waiting;
	int cpu;

	rcu_read_lock();
	for_each_online_cpu(cpu) {
		q = kasync_cpu_of(rt, cpu);
		since = READ_ONCE(q->w.since);
		/*
		 * Look again while a poll runs, even with nothing queued
		 * yet: tasks queued behind it later arm nothing themselves.
		 */
		if (since)
			again = true;
		if (!READ_ONCE(q->online) ||
		    (!lq_depth(&q->lq) && llist_empty(&q->remote))) {
			q->waited = false;
			continue;
		}
		again = true;
		/* The IPI waits for the handler: not with RCU held. */
		if (ns && since && (s64)(kasync_clock() - since) >= (s64)ns) {
			rcu_read_unlock();
			kasync_rescue_cpu(rt, q, KASYNC_STAT_RESCUED);
			rcu_read_lock();
			q->waited = false;
			continue;
		}
		/* Queued behind an active worker since the last pass? */
		waiting = atomic_read(&q->w.active) && lq_stealable(&q->lq);
		if (waiting && q->waited && !busy)
			busy = q;
		q->waited = waiting;
	}
	if (busy) {
		rcu_read_unlock();
		kasync_rescue_cpu(rt, busy, KASYNC_STAT_BALANCED);
		rcu_read_lock();
		busy->waited = false;
	}
	/* Rule 6: destroy sets rescue_off, then waits for this section. */
	atomic_set(&rt->rescuing, 0);
	smp_mb__after_atomic();
	if (again && ns && !READ_ONCE(rt->rescue_off) &&
	    !atomic_xchg(&rt->rescuing, 1))
		queue_delayed_work(system_unbound_wq, &rt->rescue,
				   max(nsecs_to_jiffies(ns), 1UL));
	rcu_read_unlock();
}

/**
 * kasync_sched_stop - stop a runtime's rescue pass for good
 * @rt: runtime being destroyed, its tasks drained
 *
 * Context: process context; sleeps.
 */
void kasync_sched_stop(struct kasync_rt *rt)
{
	WRITE_ONCE(rt->rescue_off, true);
	/* Rule 6: no worker arms it after this. */
	synchronize_rcu();
	cancel_delayed_work_sync(&rt->rescue);
}

/* ---- the worker ------------------------------------------------------------------ */

/* The worker ran where its queue is not online: hand remote work on. */
static void kasync_lq_rescue(struct kasync_cpu *q)
{
	if (READ_ONCE(q->online) && cpu_online(q->cpu)) {
		/* Queued from a CPU's short offline window; run it there. */
		queue_work_on(q->cpu, q->rt->wq, &q->w.work);
		return;
	}
	kasync_remote_reroute(q);
	if (q->rt->kind->steals && fifo_len(&q->rt->inject))
		kasync_kick_any(q->rt, q->cpu);
}

/* May @w poll here?  A per-CPU worker only on its CPU, queue online. */
static bool kasync_worker_claim(struct kasync_worker *w)
{
	struct kasync_cpu *q;
	unsigned long flags;
	bool ok;

	if (w->cpu < 0)
		return true;
	q = container_of(w, struct kasync_cpu, w);
	local_irq_save(flags);
	ok = q->online && smp_processor_id() == q->cpu;
	local_irq_restore(flags);
	if (!ok)
		kasync_lq_rescue(q);
	return ok;
}

/**
 * kasync_worker_fn - a runtime's worker: the one budgeted poll loop
 * @work: &kasync_worker.work
 *
 * Polls up to kasync_tune.budget_polls tasks or for kasync_tune.budget_ns,
 * then re-queues itself (the kind's resume) so that other work items get
 * their turn.  Where the tasks come from, where a woken one goes back to
 * and how the worker goes idle are the runtime kind's.
 *
 * Context: workqueue worker: bound to the queue's CPU, or the ordered
 * runtime's single worker.
 */
void kasync_worker_fn(struct work_struct *work)
{
	struct kasync_worker *w = container_of(work, struct kasync_worker, work);
	struct kasync_rt *rt = w->rt;
	const struct kasync_rt_kind *k = rt->kind;
	struct kasync_task *t;
	enum kasync_run r;
	unsigned int n = 0;
	u64 start, now;
	bool slow;

	if (!kasync_worker_claim(w))
		return;
	if (w->cpu >= 0)
		container_of(w, struct kasync_cpu, w)->lifo_run = 0;
	WRITE_ONCE(w->poller, current);
	kasync_trace(worker_start, rt->name, w->cpu);
	start = kasync_clock();
	now = start;
	while (n < kasync_tune.budget_polls &&
	       now - start < kasync_tune.budget_ns) {
		t = KASYNC_KIND_CALL(k->next, kasync_lq_next, kasync_lq_next,
				     w, n, &slow);
		if (!t) {
			/* Rule 7: a drain may wait for these. */
			if (w->reap.first)
				kasync_reap(rt, &w->reap);
			if (k->idle(w, start)) {
				kasync_trace(worker_idle, rt->name, w->cpu, n);
				goto out;
			}
			now = kasync_clock();
			continue;
		}
		if (slow)
			now = kasync_clock();
		w->cur = t;
		WRITE_ONCE(w->since, now);
		if (k->steals) {
			/* Where its next outside wake goes (a hint). */
			WRITE_ONCE(t->cpu, w->cpu);
			/*
			 * Any poll may block: a rescue pass must be armed
			 * while one runs.  The pass stops when it finds
			 * nothing polled or queued, as a worker between two
			 * tasks can show it, so the test is here and not at
			 * the worker's start: a read of a line written once
			 * a pass.  since is written first; only a pass
			 * ending within a store's flight of this read can
			 * miss the poll, and then the next poll of any of
			 * the runtime's workers arms it again.
			 */
			if (unlikely(!atomic_read(&rt->rescuing)))
				kasync_rescue_arm(rt);
		}
		r = kasync_task_run(t, &w->reap, &now);
		WRITE_ONCE(w->since, 0);
		w->cur = NULL;
		if (r == KASYNC_RUN_REQUEUE)
			KASYNC_KIND_CALL(k->requeue, kasync_ws_requeue,
					 kasync_pcpu_requeue, w, t);
		else if (w->reap.n >= kasync_tune.reap_max)
			kasync_reap(rt, &w->reap);
		n++;
	}
	if (w->reap.first)
		kasync_reap(rt, &w->reap);
	/* Budget spent: stay active and go to the back of the queue. */
	kasync_stat_inc(rt, KASYNC_STAT_BUDGET_YIELDS);
	WRITE_ONCE(w->poller, NULL);
	k->resume(w);
	return;
out:
	WRITE_ONCE(w->poller, NULL);
}

/**
 * kasync_worker_init - initialise a worker
 * @w: the worker
 * @rt: its runtime
 * @cpu: its CPU, or -1 for an ordered runtime's worker
 */
void kasync_worker_init(struct kasync_worker *w, struct kasync_rt *rt,
			int cpu)
{
	memset(w, 0, sizeof(*w));
	INIT_WORK(&w->work, kasync_worker_fn);
	w->rt = rt;
	w->cpu = cpu;
}

/**
 * kasync_current - the task being polled by the calling context
 *
 * The workqueue knows which work item the calling kworker runs; if it is
 * a kasync worker, that worker's current task is the answer.
 *
 * Context: any; returns %NULL outside a poll function (and in interrupts
 * that hit one).
 * Return: the task whose poll function is running in this context, or
 * %NULL.
 */
struct kasync_task *kasync_current(void)
{
	struct kasync_worker *w = kasync_on_worker();

	/* W: only this worker writes it, and we are the worker. */
	return w ? w->cur : NULL;
}
EXPORT_SYMBOL_GPL(kasync_current);

/**
 * kasync_on_worker - the kasync worker the calling context runs in
 *
 * Whether it is polling a task, running a drop callback or a cleanup
 * hook, or between tasks: anything that sleeps here holds up every task
 * queued behind it.
 *
 * Context: any.
 * Return: the worker, or %NULL if the caller is not a kasync worker (or
 * is an interrupt that hit one).
 */
struct kasync_worker *kasync_on_worker(void)
{
	struct work_struct *work;

	if (!in_task() || !(current->flags & PF_WQ_WORKER))
		return NULL;
	work = current_work();
	if (!work || work->func != kasync_worker_fn)
		return NULL;
	return container_of(work, struct kasync_worker, work);
}

/* ---- enqueue: the single entry point for queueing a task ------------------ */

/**
 * kasync_enqueue - queue a woken task whose SCHEDULED bit the caller set
 * @t: task; by ordering rule 1 the caller owns queueing it
 *
 * Context: any.  The local push runs with IRQs off and the other paths
 * under rcu_read_lock(): both are RCU read-side sections (ordering
 * rule 6).
 */
void kasync_enqueue(struct kasync_task *t)
{
	const struct kasync_rt_kind *k = t->rt->kind;

	KASYNC_KIND_CALL(k->enqueue, kasync_ws_enqueue, kasync_pcpu_enqueue,
			 t, false);
}

/**
 * kasync_enqueue_spawned - queue a new task, on the CPU it was spawned on
 * @t: task, just spawned (SCHEDULED)
 *
 * Context: as kasync_enqueue().
 */
void kasync_enqueue_spawned(struct kasync_task *t)
{
	const struct kasync_rt_kind *k = t->rt->kind;

	KASYNC_KIND_CALL(k->enqueue, kasync_ws_enqueue, kasync_pcpu_enqueue,
			 t, true);
}

/**
 * kasync_spawn_enqueue - list a task just spawned and queue it
 * @t: task, born SCHEDULED, not yet listed
 *
 * kasync_live_add() then kasync_enqueue_spawned(), with the common case,
 * a work-stealing or per-CPU runtime queueing the task on this CPU, in
 * one IRQs-off section: one interrupt save and restore and one call
 * instead of two.  Listing comes first (ordering rule 7: a cancel walk
 * may find the task from then on; it is SCHEDULED, so an abort only
 * marks it, and its worker finalizes it).
 *
 * Context: as kasync_enqueue().
 * Return: 0, or -ESHUTDOWN if @t's runtime is being destroyed (nothing
 * listed or queued).
 */
int kasync_spawn_enqueue(struct kasync_task *t)
{
	struct kasync_rt *rt = t->rt;
	const struct kasync_rt_kind *k = rt->kind;
	int home = READ_ONCE(t->cpu);
	unsigned long flags;
	int cpu, err;

	local_irq_save(flags);
	cpu = smp_processor_id();
	err = __kasync_live_add(rt, t, cpu);
	if (err)
		goto out;
	kasync_trace(spawn, t->id, t->ops->name ?: "", t->ops->poll, rt->name,
		     home);
	if (k->enqueue != kasync_ws_enqueue && k->enqueue != kasync_pcpu_enqueue)
		goto far;
	/* A per-CPU runtime's task spawned without a CPU lives here. */
	if (home < 0 && !k->steals) {
		home = cpu;
		WRITE_ONCE(t->cpu, cpu);
	}
	if (!kasync_push_here(rt, t, home, false))
		goto far;
out:
	local_irq_restore(flags);
	return err;
far:
	local_irq_restore(flags);
	kasync_enqueue_spawned(t);
	return 0;
}

/* ---- the work-stealing kind -------------------------------------------------- */

/* A task for another CPU's remote list (@cpu), or the inject queue (-1). */
static noinline void kasync_ws_enqueue_far(struct kasync_rt *rt,
					   struct kasync_task *t, int cpu)
{
	struct kasync_chain c = {};

	rcu_read_lock();
	if (cpu >= 0) {
		kasync_remote_push(rt, cpu, t);
	} else {
		chain_add(&c, t);
		kasync_inject(rt, &c, -1);
	}
	rcu_read_unlock();
}

static __always_inline void kasync_ws_enqueue(struct kasync_task *t,
					      bool spawned)
{
	struct kasync_rt *rt = t->rt;
	int cpu = READ_ONCE(t->cpu);

	if (cpu >= 0) {
		/*
		 * kasync_wake_cpu()'s first case, task to task on this
		 * CPU, is tested here, not there: the call's frame cost
		 * more than the test.
		 */
		if (!spawned)
			cpu = kasync_in_poll_of(raw_cpu_ptr(rt->cpus)) ? -1 :
			      kasync_wake_cpu(rt, cpu);
		else if (cpu == raw_smp_processor_id())
			cpu = -1;
	}
	if (cpu < 0 && kasync_try_local(rt, t, -1, false))
		return;
	kasync_ws_enqueue_far(rt, t, cpu);
}

static __always_inline void kasync_ws_requeue(struct kasync_worker *w,
					      struct kasync_task *t)
{
	struct kasync_chain c = {};

	/* Rule 6: the local push runs with IRQs off. */
	if (kasync_try_local(w->rt, t, -1, true))
		return;
	rcu_read_lock();
	chain_add(&c, t);
	kasync_inject(w->rt, &c, w->cpu);
	rcu_read_unlock();
}

/* A full ring's newer half goes to the inject queue, for any CPU. */
static void kasync_ws_spill(struct kasync_cpu *q, struct kasync_chain *c)
{
	kasync_inject(q->rt, c, q->cpu);
}

/*
 * Next task to poll.  *@slow is set when it did not come from the local
 * queue: the search may have taken a while (locks, a steal IPI).
 */
static __always_inline struct kasync_task *
kasync_lq_next(struct kasync_worker *w, unsigned int n, bool *slow)
{
	struct kasync_cpu *q = container_of(w, struct kasync_cpu, w);
	bool steals = q->rt->kind->steals;
	struct kasync_task *t;

	*slow = true;
	/* At the start of each run and now and then: others first. */
	if (kasync_global_due(n)) {
		t = kasync_remote_pop(q);
		if (!t && steals)
			t = kasync_inject_pop(q, n && lq_pending(&q->lq));
		if (t)
			return t;
	}
	t = kasync_local_pop(q);
	if (t) {
		*slow = false;
		return t;
	}
	t = kasync_remote_pop(q);
	if (!t && steals)
		t = kasync_inject_pop(q, false);
	if (!t && steals)
		t = kasync_steal(q);
	return t;
}

static bool kasync_ws_remote_pending(struct kasync_cpu *q)
{
	return !llist_empty(&q->remote) || fifo_len(&q->rt->inject);
}

/* Queued tasks of a CPU going offline go to the inject queue. */
static void kasync_ws_cpu_down(struct kasync_rt *rt, int cpu)
{
	struct kasync_cpu *q = kasync_cpu_of(rt, cpu);
	struct kasync_chain c = {};

	local_irq_disable();
	lq_drain(&q->lq, &c);
	local_irq_enable();

	rcu_read_lock();
	fifo_push(&rt->inject, &c);
	kasync_remote_reroute(q);
	kasync_kick_any(rt, cpu);
	rcu_read_unlock();
}

/* ---- the per-CPU kind ------------------------------------------------------------ */

static __always_inline void kasync_pcpu_enqueue(struct kasync_task *t,
						bool spawned)
{
	struct kasync_rt *rt = t->rt;
	int cpu = READ_ONCE(t->cpu);

	/* A task spawned without a CPU makes this one its home. */
	if (cpu < 0) {
		cpu = raw_smp_processor_id();
		WRITE_ONCE(t->cpu, cpu);
	}
	if (kasync_try_local(rt, t, cpu, false))
		return;
	rcu_read_lock();
	kasync_remote_push(rt, cpu, t);
	rcu_read_unlock();
}

static __always_inline void kasync_pcpu_requeue(struct kasync_worker *w,
						struct kasync_task *t)
{
	/* Rule 6: the local push runs with IRQs off. */
	if (kasync_try_local(w->rt, t, READ_ONCE(t->cpu), true))
		return;
	rcu_read_lock();
	kasync_remote_push(w->rt, READ_ONCE(t->cpu), t);
	rcu_read_unlock();
}

/* A full ring's newer half waits on this CPU's overflow list. */
static void kasync_pcpu_spill(struct kasync_cpu *q, struct kasync_chain *c)
{
	lq_ovf_append(&q->lq, c);
}

static bool kasync_pcpu_remote_pending(struct kasync_cpu *q)
{
	return !llist_empty(&q->remote);
}

/* Queued tasks of a CPU going offline get new homes. */
static void kasync_pcpu_cpu_down(struct kasync_rt *rt, int cpu)
{
	struct kasync_cpu *q = kasync_cpu_of(rt, cpu);
	struct kasync_chain c = {};
	struct kasync_task *t;

	local_irq_disable();
	lq_drain(&q->lq, &c);
	local_irq_enable();

	rcu_read_lock();
	for (t = c.first; t; t = c.first) {
		c.first = kt_next(t);
		kasync_remote_push(rt, kasync_rehome(rt, t, cpu), t);
	}
	kasync_remote_reroute(q);
	rcu_read_unlock();
}

/* ---- hotplug, shared by the kinds with per-CPU queues ---------------------- */

/*
 * Close @cpu's queue of @rt and move its tasks elsewhere (the kind's
 * @move).  Runs on @cpu, from its hotplug thread.
 */
static void kasync_lq_cpu_down(struct kasync_rt *rt, int cpu,
			       void (*move)(struct kasync_rt *rt, int cpu))
{
	struct kasync_cpu *q = kasync_cpu_of(rt, cpu);

	WARN_ON_ONCE(raw_smp_processor_id() != cpu);
	local_irq_disable();
	WRITE_ONCE(q->online, false);
	local_irq_enable();
	/*
	 * Rule 8: full barrier between online = 0 and emptying the remote
	 * list, pairing with llist_add() in kasync_remote_push().  Also:
	 * active stays 1 while offline, so no one queues the worker.
	 */
	atomic_xchg(&q->w.active, 1);
	flush_work(&q->w.work);
	move(rt, cpu);
}

static void kasync_ws_down(struct kasync_rt *rt, int cpu)
{
	kasync_lq_cpu_down(rt, cpu, kasync_ws_cpu_down);
}

static void kasync_pcpu_down(struct kasync_rt *rt, int cpu)
{
	kasync_lq_cpu_down(rt, cpu, kasync_pcpu_cpu_down);
}

static void kasync_lq_cpu_up(struct kasync_rt *rt, int cpu)
{
	struct kasync_cpu *q = kasync_cpu_of(rt, cpu);

	WARN_ON_ONCE(raw_smp_processor_id() != cpu);
	/* A rescue run queued while offline must not race with the worker. */
	flush_work(&q->w.work);
	local_irq_disable();
	atomic_set(&q->w.active, 0);
	WRITE_ONCE(q->online, true);
	local_irq_enable();
	/* Rule 3: as a worker going idle; pairs as in kasync_lq_idle(). */
	smp_mb();
	if (rt->kind->remote_pending(q))
		kasync_kick(q);
}

/*
 * The kinds with per-CPU queues: their own placement (kasync_<p>_*()),
 * the worker's side shared.
 */
#define KASYNC_LQ_KIND(p, kind_name, does_steal)			\
const struct kasync_rt_kind kasync_kind_##p = {				\
	.name = kind_name,						\
	.steals = does_steal,						\
	.enqueue = kasync_##p##_enqueue,				\
	.requeue = kasync_##p##_requeue,				\
	.spill = kasync_##p##_spill,					\
	.remote_pending = kasync_##p##_remote_pending,			\
	.cpu_down = kasync_##p##_down,					\
	.next = kasync_lq_next,						\
	.idle = kasync_lq_idle_or_linger,				\
	.resume = kasync_lq_resume,					\
	.cpu_up = kasync_lq_cpu_up,					\
}

KASYNC_LQ_KIND(ws, "work-stealing", true);
KASYNC_LQ_KIND(pcpu, "per-cpu", false);

/* ---- setup --------------------------------------------------------------------- */

/**
 * kasync_kind_of - the kind of runtime that kasync_rt_create() flags ask for
 * @flags: valid %KASYNC_RT_* flags
 *
 * Return: the kind's ops table.
 */
const struct kasync_rt_kind *kasync_kind_of(unsigned int flags)
{
	if (flags & KASYNC_RT_ORDERED)
		return &kasync_kind_ordered;
	if (flags & KASYNC_RT_PERCPU)
		return &kasync_kind_pcpu;
	return &kasync_kind_ws;
}

/**
 * kasync_sched_init - initialise a new runtime's queues and workers
 * @rt: runtime being created, with its kind set
 *
 * Context: under cpus_read_lock(), so that each queue's online flag
 * matches its CPU.
 */
void kasync_sched_init(struct kasync_rt *rt)
{
	bool queues = rt->kind != &kasync_kind_ordered;
	struct kasync_cpu *q;
	bool on;
	int cpu;

	BUILD_BUG_ON(!is_power_of_2(kasync_tune.steal_kick));
	fifo_init(&rt->inject);
	kasync_worker_init(&rt->ord, rt, -1);
	INIT_DELAYED_WORK(&rt->rescue, kasync_rescue_fn);
	atomic_set(&rt->rescuing, 0);
	rt->rescue_off = false;
	for_each_possible_cpu(cpu) {
		q = kasync_cpu_of(rt, cpu);
		on = queues && cpu_online(cpu);
		memset(q, 0, sizeof(*q));
		u64_stats_init(&q->st.syncp);
		q->cpu = cpu;
		q->rt = rt;
		q->online = on;
		kasync_worker_init(&q->w, rt, cpu);
		/* An offline queue keeps active = 1 so that nobody kicks it. */
		atomic_set(&q->w.active, !on);
		init_llist_head(&q->remote);
		q->rng = 0x9e3779b9u ^ (cpu * 0x85ebca6bu);
	}
}

/**
 * kasync_sched_cpu_down - move a runtime's queued tasks off a CPU
 * @rt: runtime
 * @cpu: CPU going offline; the caller runs on it (CPUHP_AP_ONLINE_DYN)
 *
 * Context: CPU hotplug thread of @cpu; sleeps.
 */
void kasync_sched_cpu_down(struct kasync_rt *rt, int cpu)
{
	rt->kind->cpu_down(rt, cpu);
}

/**
 * kasync_sched_cpu_up - let a runtime use a CPU again
 * @rt: runtime
 * @cpu: CPU coming online; the caller runs on it
 *
 * Context: CPU hotplug thread of @cpu; sleeps.
 */
void kasync_sched_cpu_up(struct kasync_rt *rt, int cpu)
{
	rt->kind->cpu_up(rt, cpu);
}

/**
 * kasync_cpu_depth - tasks waiting in a CPU's queue (a racy hint)
 * @rt: runtime
 * @cpu: CPU
 *
 * Return: ring, LIFO slot and overflow tasks of @rt on @cpu.
 */
u64 kasync_cpu_depth(struct kasync_rt *rt, int cpu)
{
	return lq_depth(&kasync_cpu_of(rt, cpu)->lq);
}
