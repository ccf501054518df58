// SPDX-License-Identifier: GPL-2.0
/*
 * kasync scheduler: per-CPU run queues, workers, LIFO slot, budget, the
 * global inject queue, work stealing and CPU hotplug moves.
 *
 * Each runtime has, per CPU, a &struct kasync_cpu: a 256-entry ring, a
 * LIFO slot and (per-CPU runtimes) an overflow list, all CPU-local (C in
 * the legend of internal.h): only code running on that CPU with IRQs
 * disabled touches them, with plain loads and stores ("kasync ordering
 * rules" 2).  A CPU's worker is one work item per runtime, queued on that
 * CPU only when the queue goes from idle to busy (rule 3).  Another CPU
 * hands tasks over through the runtime's inject queue (work-stealing
 * runtimes, G: inject_lock) or the queue's remote llist (per-CPU
 * runtimes, and first placement by kasync_spawn_on()).  An idle worker
 * steals half of a busy CPU's ring by sending that CPU an IPI.
 *
 * An ordered runtime has no per-CPU queues: one FIFO (the inject queue)
 * drained by one work item on an ordered workqueue.
 */
#include <linux/interrupt.h>
#include <linux/rculist.h>
#include <linux/sched/clock.h>
#include <linux/sched/stat.h>
#include <linux/smp.h>

#include "internal.h"

#define KASYNC_RING_MASK	(KASYNC_RING_SIZE - 1)

static void kasync_remote_push(struct kasync_rt *rt, int cpu,
			       struct kasync_task *t);

/* ---- task chains, linked through kasync_task.node ---------------------- */

struct kasync_chain {
	struct kasync_task *first;
	struct kasync_task *last;
	unsigned int n;
};

static void chain_add(struct kasync_chain *c, struct kasync_task *t)
{
	t->node.next = NULL;
	if (c->last)
		c->last->node.next = &t->node;
	else
		c->first = t;
	c->last = t;
	c->n++;
}

/* ---- the inject queue (G) ---------------------------------------------- */

static void kasync_inject_push(struct kasync_rt *rt, struct kasync_chain *c)
{
	unsigned long flags;

	if (!c->n)
		return;
	spin_lock_irqsave(&rt->inject_lock, flags);
	if (rt->inj_tail)
		rt->inj_tail->node.next = &c->first->node;
	else
		rt->inj_head = c->first;
	rt->inj_tail = c->last;
	atomic_add(c->n, &rt->inject_len);
	spin_unlock_irqrestore(&rt->inject_lock, flags);
}

/* Pop up to @max tasks (at least one if any) into @c. */
static void kasync_inject_pop(struct kasync_rt *rt, struct kasync_chain *c,
			      unsigned int max)
{
	unsigned int n = c->n;
	struct kasync_task *t;
	unsigned long flags;

	/* A hint: rule 3 makes a producer kick us if we miss its push. */
	if (!atomic_read(&rt->inject_len))
		return;
	spin_lock_irqsave(&rt->inject_lock, flags);
	while (c->n < max && (t = rt->inj_head)) {
		rt->inj_head = kt_next(t);
		if (!rt->inj_head)
			rt->inj_tail = NULL;
		chain_add(c, t);
	}
	atomic_sub(c->n - n, &rt->inject_len);
	spin_unlock_irqrestore(&rt->inject_lock, flags);
}

/* ---- worker activation (rule 3) ---------------------------------------- */

/*
 * Win the right to queue a worker.  The plain read skips the xchg when the
 * worker is already queued or running: it will re-check its sources
 * before going idle (rule 3).  The xchg is fully ordered.
 */
static bool kasync_claim(atomic_t *active)
{
	return !atomic_read(active) && !atomic_xchg(active, 1);
}

/* Queue @q's worker if it is idle; the caller published its work. */
static void kasync_kick(struct kasync_cpu *q)
{
	if (kasync_claim(&q->active))
		queue_work_on(q->cpu, q->rt->wq, &q->work);
}

/* Kick one idle worker of an online CPU, preferring the current one. */
static void kasync_kick_any(struct kasync_rt *rt, int avoid)
{
	int self = raw_smp_processor_id();
	struct kasync_cpu *q;
	int cpu;

	/*
	 * Rule 3: the pushed work is visible before we read any active;
	 * pairs with smp_mb() in kasync_cpu_idle().
	 */
	smp_mb();
	q = kasync_cpu_of(rt, self);
	if (self != avoid && READ_ONCE(q->online) && kasync_claim(&q->active)) {
		queue_work_on(self, rt->wq, &q->work);
		return;
	}
	for_each_online_cpu(cpu) {
		q = kasync_cpu_of(rt, cpu);
		if (cpu == avoid || !READ_ONCE(q->online))
			continue;
		if (kasync_claim(&q->active)) {
			queue_work_on(cpu, rt->wq, &q->work);
			return;
		}
	}
}

/* Work piles up on @busy: wake an idle worker to steal, if allowed. */
static void kasync_kick_stealer(struct kasync_rt *rt, int busy)
{
	if (atomic_read(&rt->searching) * 2 >= num_online_cpus())
		return;
	kasync_kick_any(rt, busy);
}

static bool kasync_ws(const struct kasync_rt *rt)
{
	return !kasync_rt_is(rt, KASYNC_RT_PERCPU | KASYNC_RT_ORDERED);
}

/* ---- CPU-local queue operations: on q's CPU, IRQs off (rule 2) --------- */

static inline unsigned int ring_len(const struct kasync_cpu *q)
{
	return q->tail - q->head;
}

static void ring_push(struct kasync_cpu *q, struct kasync_task *t)
{
	q->ring[q->tail & KASYNC_RING_MASK] = t;
	WRITE_ONCE(q->tail, q->tail + 1);
}

static struct kasync_task *ring_pop(struct kasync_cpu *q)
{
	struct kasync_task *t;

	if (q->head == q->tail)
		return NULL;
	t = q->ring[q->head & KASYNC_RING_MASK];
	WRITE_ONCE(q->head, q->head + 1);
	return t;
}

static void ovf_append(struct kasync_cpu *q, struct kasync_chain *c)
{
	if (q->ovf_tail)
		q->ovf_tail->node.next = &c->first->node;
	else
		q->ovf_head = c->first;
	q->ovf_tail = c->last;
	WRITE_ONCE(q->ovf_len, q->ovf_len + c->n);
}

/* Take the @k newest tasks off @q's ring into @c, oldest first. */
static void ring_take_newest(struct kasync_cpu *q, struct kasync_chain *c,
			     unsigned int k)
{
	unsigned int i, from = q->tail - k;

	for (i = from; i != q->tail; i++)
		chain_add(c, q->ring[i & KASYNC_RING_MASK]);
	WRITE_ONCE(q->tail, from);
}

static struct kasync_task *ovf_pop(struct kasync_cpu *q)
{
	struct kasync_task *t = q->ovf_head;

	if (!t)
		return NULL;
	q->ovf_head = kt_next(t);
	if (!q->ovf_head)
		q->ovf_tail = NULL;
	WRITE_ONCE(q->ovf_len, q->ovf_len - 1);
	return t;
}

/*
 * The ring is full: move its newer half and @t to the inject queue (or,
 * for a per-CPU runtime, to the back of this CPU's overflow list).  The
 * older half stays to be polled first: sending the tasks that have
 * waited longest to the back of a queue that is only looked at now and
 * then would starve them for as long as the ring keeps filling.
 */
static void ring_overflow(struct kasync_cpu *q, struct kasync_task *t)
{
	struct kasync_chain c = {};

	ring_take_newest(q, &c, KASYNC_RING_SIZE / 2);
	chain_add(&c, t);
	this_cpu_inc(q->rt->cpus->st.overflows);
	if (!kasync_ws(q->rt)) {
		ovf_append(q, &c);
		return;
	}
	kasync_inject_push(q->rt, &c);
	kasync_kick_any(q->rt, q->cpu);
}

/*
 * Queue @t behind everything in @q's local queue: the ring, or, while a
 * per-CPU runtime's overflow list holds tasks, behind those (wake order).
 */
static void ring_push_or_overflow(struct kasync_cpu *q, struct kasync_task *t)
{
	struct kasync_chain c = {};

	if (!kasync_ws(q->rt) && q->ovf_head) {
		chain_add(&c, t);
		ovf_append(q, &c);
	} else if (ring_len(q) < KASYNC_RING_SIZE) {
		ring_push(q, t);
	} else {
		ring_overflow(q, t);
	}
}

/*
 * Put the chain @t (@n tasks, oldest first) at the front of @q's ring,
 * to be polled before what is there: tasks taken from the inject queue,
 * which waited longer than the ring's.  Room is made by moving the
 * ring's newest tasks to the inject queue's back.  @q's CPU, IRQs off.
 */
static void ring_push_front(struct kasync_cpu *q, struct kasync_task *t,
			    unsigned int n)
{
	struct kasync_chain c = {};
	unsigned int i, room = KASYNC_RING_SIZE - ring_len(q);

	if (n > room)
		ring_take_newest(q, &c, n - room);
	i = q->head - n;
	WRITE_ONCE(q->head, i);
	for (; t; t = kt_next(t))
		q->ring[i++ & KASYNC_RING_MASK] = t;
	if (c.first) {
		kasync_inject_push(q->rt, &c);
		kasync_kick_any(q->rt, q->cpu);
	}
}

/*
 * Is the current context the worker of @q, in the middle of a poll?  On
 * q's CPU with IRQs off: a task that preempted the worker is not @poller,
 * and an interrupt that hit it is not in_task().
 */
static bool kasync_in_poll_of(struct kasync_cpu *q)
{
	return q->cur && in_task() && READ_ONCE(q->poller) == current;
}

/*
 * Push @t on the local queue @q (IRQs off, on q's CPU, q online) and make
 * sure the worker runs.  A task woken by the task being polled here takes
 * the LIFO slot, unless @back (yields and re-queues go to the back).
 */
static void kasync_local_push(struct kasync_cpu *q, struct kasync_task *t,
			      bool back)
{
	struct kasync_task *prev;

	lockdep_assert_irqs_disabled();
	if (!back && kasync_in_poll_of(q) && q->cur != t) {
		prev = q->lifo;
		WRITE_ONCE(q->lifo, t);
		if (!prev)
			goto kick;
		t = prev;
	}
	ring_push_or_overflow(q, t);
	if (kasync_ws(q->rt) && ring_len(q) >= KASYNC_STEAL_KICK &&
	    !(ring_len(q) & (KASYNC_STEAL_KICK - 1)))
		kasync_kick_stealer(q->rt, q->cpu);
kick:
	kasync_kick(q);
}

/*
 * Queue @t on the current CPU if this runtime's queue there is online;
 * return false (nothing done) otherwise.
 */
static bool kasync_try_local(struct kasync_rt *rt, struct kasync_task *t,
			     bool back)
{
	struct kasync_cpu *q;
	unsigned long flags;
	bool ok;

	local_irq_save(flags);
	q = this_cpu_ptr(rt->cpus);
	ok = q->online;
	if (ok && kasync_rt_is(rt, KASYNC_RT_PERCPU))
		ok = READ_ONCE(t->cpu) == q->cpu;
	if (ok)
		kasync_local_push(q, t, back);
	local_irq_restore(flags);
	return ok;
}

/* ---- per-CPU runtimes: homes, remote lists, hotplug re-homing ---------- */

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

static int kasync_rehome(struct kasync_rt *rt, struct kasync_task *t,
			 int from)
{
	int to = kasync_pick_cpu(rt, from);

	if (to < 0)
		return from;	/* nowhere to go: park until @from is back */
	if (kasync_rt_is(rt, KASYNC_RT_PERCPU)) {
		WRITE_ONCE(t->cpu, to);
		this_cpu_inc(rt->cpus->st.rehomed);
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
	 * kasync_cpu_idle() and with the xchg in kasync_sched_cpu_down().
	 */
	llist_add(&t->node, &q->remote);
	if (likely(READ_ONCE(q->online)))
		kasync_kick(q);
	else if (kasync_pick_cpu(rt, cpu) >= 0)
		kasync_remote_reroute(q);
}

/* ---- enqueue: the single entry point for queueing a task --------------- */

/*
 * Will this CPU go on with other work after the wake?  In an interrupt,
 * softirq or BH-disabled section, unless it interrupted the idle task;
 * in a thread, if other threads are runnable here.  A hint.
 */
static bool kasync_waker_busy(void)
{
	if (in_interrupt())
		return !is_idle_task(current);
	return !single_task_running();
}

/* CPUs an outside wake looks at for a running worker (see below). */
#define KASYNC_WAKE_SCAN	4

/* Is @cpu's worker of @rt queued or running (or lingering)? */
static bool kasync_worker_on(struct kasync_rt *rt, int cpu)
{
	struct kasync_cpu *q = kasync_cpu_of(rt, cpu);

	return READ_ONCE(q->online) && atomic_read(&q->active);
}

/*
 * Where a wake queues a task of a work-stealing runtime that was last
 * polled on @last: that CPU, another one, or -1 for this one.
 *
 * A wake from a poll on this CPU stays here (task to task: the waker's
 * data is hot, and the woken task takes the LIFO slot).  A wake from
 * outside a poll, when this CPU has other work, goes elsewhere: a
 * socket's softirq runs on the CPU of the thread that sent the data, and
 * that thread should keep its CPU rather than share it with the worker.
 * It goes back to @last, where the task's state is hot, or, if @last is
 * this CPU, to a CPU whose worker is running anyway (no IPI to pay).  A
 * wake when this CPU is free (a thread about to wait for the task, an
 * idle CPU's interrupt) stays here, the cheapest place, unless @last's
 * worker is running.  Stealing rebalances the rest.
 */
static int kasync_outside_cpu(struct kasync_rt *rt, int last)
{
	int self = raw_smp_processor_id(), cpu, n = 0;

	if (kasync_in_poll_of(raw_cpu_ptr(rt->cpus)))
		return -1;
	if (!kasync_waker_busy())
		return last != self && kasync_worker_on(rt, last) ? last : -1;
	if (last != self)
		return last;
	/* The next online CPUs after this one (it comes last: stop there). */
	for_each_cpu_wrap(cpu, cpu_online_mask, (self + 1) % nr_cpu_ids) {
		if (cpu == self || n++ == KASYNC_WAKE_SCAN)
			break;
		if (kasync_worker_on(rt, cpu))
			return cpu;
	}
	return -1;
}

/*
 * Queue @t, a new task (@spawned: t->cpu is where kasync_spawn_on() asked
 * for it, or -1) or a woken one.
 */
static void __kasync_enqueue(struct kasync_task *t, bool spawned)
{
	struct kasync_rt *rt = t->rt;
	struct kasync_chain c = {};
	int cpu = READ_ONCE(t->cpu);

	if (kasync_rt_is(rt, KASYNC_RT_ORDERED)) {
		chain_add(&c, t);
		rcu_read_lock();
		kasync_inject_push(rt, &c);
		/*
		 * Rule 3: the push is visible before we read ord_active;
		 * pairs with smp_mb() in kasync_ord_work().
		 */
		smp_mb();
		if (kasync_claim(&rt->ord_active))
			queue_work(rt->wq, &rt->ord_work);
		rcu_read_unlock();
		return;
	}
	if (kasync_ws(rt) && cpu >= 0) {
		if (!spawned)
			cpu = kasync_outside_cpu(rt, cpu);
		else if (cpu == raw_smp_processor_id())
			cpu = -1;
	}
	/* A per-CPU runtime's kasync_try_local() checks the home itself. */
	if ((cpu < 0 || !kasync_ws(rt)) && kasync_try_local(rt, t, false))
		return;

	rcu_read_lock();
	if (cpu >= 0) {
		kasync_remote_push(rt, cpu, t);
	} else {
		chain_add(&c, t);
		kasync_inject_push(rt, &c);
		kasync_kick_any(rt, -1);
	}
	rcu_read_unlock();
}

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
	__kasync_enqueue(t, false);
}

/**
 * kasync_enqueue_spawned - queue a new task, on the CPU it was spawned on
 * @t: task, just spawned (SCHEDULED)
 *
 * Context: as kasync_enqueue().
 */
void kasync_enqueue_spawned(struct kasync_task *t)
{
	__kasync_enqueue(t, true);
}

/* Re-queue @t behind the others after its poll (woken or yielded). */
static void kasync_requeue(struct kasync_cpu *q, struct kasync_task *t)
{
	struct kasync_chain c = {};

	/* Rule 6: the local push runs with IRQs off. */
	if (kasync_try_local(q->rt, t, true))
		return;
	rcu_read_lock();
	if (kasync_rt_is(q->rt, KASYNC_RT_PERCPU)) {
		kasync_remote_push(q->rt, READ_ONCE(t->cpu), t);
		goto out;
	}
	chain_add(&c, t);
	kasync_inject_push(q->rt, &c);
	kasync_kick_any(q->rt, q->cpu);
out:
	rcu_read_unlock();
}

/* ---- the worker --------------------------------------------------------- */

/* A batch arrived at once: let an idle worker help with it. */
static void kasync_batch_kick(struct kasync_cpu *q)
{
	if (kasync_ws(q->rt) &&
	    READ_ONCE(q->tail) - READ_ONCE(q->head) >= KASYNC_STEAL_KICK)
		kasync_kick_stealer(q->rt, q->cpu);
}

/*
 * Move a chain of tasks for this CPU into its local queue, in one
 * IRQs-off section (at most half a ring: a steal or a global pop).
 */
static void kasync_local_fill(struct kasync_cpu *q, struct kasync_task *t)
{
	struct kasync_task *next;
	unsigned long flags;

	local_irq_save(flags);
	for (; t && q->online; t = next) {
		next = kt_next(t);
		ring_push_or_overflow(q, t);
	}
	local_irq_restore(flags);
	/* The queue went offline under us: hand the rest on. */
	for (; t; t = next) {
		next = kt_next(t);
		kasync_requeue(q, t);
	}
	kasync_batch_kick(q);
}

/* ring_push_front() with IRQs off; hands the tasks on if @q went offline. */
static void kasync_local_front(struct kasync_cpu *q, struct kasync_task *t,
			       unsigned int n)
{
	struct kasync_task *next;
	unsigned long flags;

	local_irq_save(flags);
	if (q->online && n) {
		ring_push_front(q, t, n);
		t = NULL;
	}
	local_irq_restore(flags);
	for (; t; t = next) {
		next = kt_next(t);
		kasync_requeue(q, t);
	}
	kasync_batch_kick(q);
}

/* Next task from the CPU-local queue: LIFO slot, ring, overflow list. */
static struct kasync_task *kasync_local_pop(struct kasync_cpu *q)
{
	struct kasync_task *t;
	unsigned long flags;

	local_irq_save(flags);
	t = NULL;
	if (!q->online)
		goto out;
	t = q->lifo;
	if (t) {
		WRITE_ONCE(q->lifo, NULL);
		if (q->lifo_run < KASYNC_LIFO_MAX) {
			q->lifo_run++;
			this_cpu_inc(q->rt->cpus->st.lifo_hits);
			goto out;
		}
		/* Three in a row: the LIFO task goes behind the others. */
		ring_push_or_overflow(q, t);
	}
	q->lifo_run = 0;
	t = ring_pop(q);
	if (!t)
		t = ovf_pop(q);
out:
	local_irq_restore(flags);
	return t;
}

/* Next task from outside the local queue: remote list, then inject. */
static struct kasync_task *kasync_global_pop(struct kasync_cpu *q)
{
	struct kasync_chain c = {};
	struct llist_node *n;
	struct kasync_task *t;
	unsigned int max;

	if (!llist_empty(&q->remote)) {
		n = llist_reverse_order(llist_del_all(&q->remote));
		if (n) {
			t = llist_entry(n, struct kasync_task, node);
			kasync_local_fill(q, kt_next(t));
			return t;
		}
	}
	if (!kasync_ws(q->rt))
		return NULL;
	/*
	 * Take a fair share of the inject queue, at most half a ring.  They
	 * waited longer than the ring's tasks, so they go to its front, and
	 * a full ring's newest make room at the inject queue's back.  Not
	 * exact wake order: a task can be sent back more than once.
	 */
	max = atomic_read(&q->rt->inject_len) / num_online_cpus() + 1;
	max = min_t(unsigned int, max, KASYNC_RING_SIZE / 2);
	kasync_inject_pop(q->rt, &c, max);
	if (!c.first)
		return NULL;
	kasync_local_front(q, kt_next(c.first), c.n - 1);
	return c.first;
}

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
	unsigned int i, n;

	req->n = 0;
	if (!v->online)
		return;
	n = ring_len(v);
	n -= n / 2;
	for (i = 0; i < n; i++)
		req->buf[i] = ring_pop(v);
	if (!n && v->lifo) {
		/* Unlike tokio's, the LIFO slot can be stolen. */
		req->buf[n++] = v->lifo;
		WRITE_ONCE(v->lifo, NULL);
	}
	req->n = n;
}

static bool kasync_victim_busy(struct kasync_cpu *v)
{
	return READ_ONCE(v->online) &&
	       (READ_ONCE(v->tail) != READ_ONCE(v->head) || READ_ONCE(v->lifo));
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

static u32 kasync_rng(struct kasync_cpu *q)
{
	u32 x = q->rng;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	q->rng = x;
	return x;
}

/* Steal half of a random busy CPU's ring into ours; return one task. */
static struct kasync_task *kasync_steal(struct kasync_cpu *q)
{
	struct kasync_rt *rt = q->rt;
	struct kasync_steal_req req = { .buf = q->steal_buf };
	unsigned int nr = num_online_cpus(), i;
	struct kasync_task *t = NULL;
	int cpu;

	/*
	 * Pull work only to a CPU with nothing else to run: where other
	 * threads are runnable (a user-space client, say), stolen tasks
	 * would only compete with them, while their own CPU serves them.
	 */
	if (nr < 2 || !single_task_running())
		return NULL;
	if (atomic_inc_return(&rt->searching) * 2 > nr)
		goto out;
	cpu = kasync_rng(q) % nr_cpu_ids;
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
		this_cpu_inc(rt->cpus->st.steals);
		this_cpu_add(rt->cpus->st.stolen, req.n);
		t = kasync_link(req.buf, req.n);
		kasync_local_fill(q, kt_next(t));
		/* Found work: let the next searcher ramp up if more is left. */
		if (kasync_victim_busy(req.victim))
			kasync_kick_stealer(rt, cpu);
		break;
	}
out:
	atomic_dec(&rt->searching);
	return t;
}

/*
 * Next task to poll.  *@slow is set when it did not come from the local
 * queue: the search may have taken a while (locks, a steal IPI).
 */
static struct kasync_task *kasync_next(struct kasync_cpu *q, unsigned int n,
				       bool *slow)
{
	struct kasync_task *t;

	*slow = true;
	/* At the start of each run and every 61 polls: others first. */
	if (!(n % KASYNC_GLOBAL_INTERVAL)) {
		t = kasync_global_pop(q);
		if (t)
			return t;
	}
	t = kasync_local_pop(q);
	if (t) {
		*slow = false;
		return t;
	}
	t = kasync_global_pop(q);
	if (!t && kasync_ws(q->rt))
		t = kasync_steal(q);
	return t;
}

/*
 * Account a poll that started at @start.  Return the clock reading taken
 * here, which the worker reuses for its budget and as the next poll's
 * start: one local_clock() per poll.
 */
static u64 kasync_account_poll(struct kasync_rt *rt, u64 start)
{
	u64 now = local_clock(), d = now - start;

	this_cpu_inc(rt->cpus->st.polls);
	/* Racy max, but only this CPU's workers write it. */
	if (d > this_cpu_read(rt->cpus->st.longest_poll_ns))
		this_cpu_write(rt->cpus->st.longest_poll_ns, d);
	return now;
}

/*
 * Tasks in @q's local queue (ring, LIFO slot, overflow list)?  Exact on
 * q's CPU with IRQs off; elsewhere a hint.
 */
static bool kasync_local_pending(const struct kasync_cpu *q)
{
	return READ_ONCE(q->tail) != READ_ONCE(q->head) || READ_ONCE(q->lifo) ||
	       READ_ONCE(q->ovf_head);
}

static bool kasync_remote_pending(struct kasync_cpu *q)
{
	return !llist_empty(&q->remote) ||
	       (kasync_ws(q->rt) && atomic_read(&q->rt->inject_len));
}

/*
 * Nothing left: go idle unless work arrived.  Return true if the worker
 * must stop, false if it claimed itself back and must go on.
 */
static bool kasync_cpu_idle(struct kasync_cpu *q)
{
	unsigned long flags;

	local_irq_save(flags);
	if (!q->online) {
		/* The hotplug callback owns the queue and keeps active = 1. */
		local_irq_restore(flags);
		return true;
	}
	if (kasync_local_pending(q)) {
		local_irq_restore(flags);
		return false;
	}
	atomic_set(&q->active, 0);
	local_irq_restore(flags);
	/*
	 * Rule 3: pairs with smp_mb() in kasync_kick_any() (inject queue)
	 * and with llist_add() in kasync_remote_push() (remote list).
	 */
	smp_mb();
	if (!kasync_remote_pending(q))
		return true;
	return atomic_xchg(&q->active, 1);
}

/*
 * kasync.linger_us: how long a worker out of tasks keeps looking for more
 * before it goes idle, while its CPU has nothing else to run.  Work that
 * arrives meanwhile (a socket's softirq waking tasks from another CPU, a
 * burst of timers) is served at once, without the queue_work(), IPI and
 * context switch of waking an idle worker: halt-polling, as KVM's
 * halt_poll_ns does it for vCPUs, and for the same reason.  0: never.
 */
static unsigned int kasync_linger_us = 50;
module_param_named(linger_us, kasync_linger_us, uint, 0644);
MODULE_PARM_DESC(linger_us, "microseconds an idle worker polls for more work while its CPU has nothing else to run (0: never)");

/*
 * Linger before going idle (kasync.linger_us), within the run's budget
 * that started at @start.  Return true if work arrived: poll on.
 */
static bool kasync_cpu_linger(struct kasync_cpu *q, u64 start)
{
	u64 now = local_clock();
	u64 end = now + (u64)READ_ONCE(kasync_linger_us) * NSEC_PER_USEC;

	end = min(end, start + KASYNC_BUDGET_NS);
	while (now < end && single_task_running() && !need_resched()) {
		if (kasync_local_pending(q) || kasync_remote_pending(q)) {
			this_cpu_inc(q->rt->cpus->st.lingers);
			return true;
		}
		cpu_relax();
		now = local_clock();
	}
	return false;
}

/* The worker ran where its queue is not online: hand remote work on. */
static void kasync_cpu_rescue(struct kasync_cpu *q)
{
	if (READ_ONCE(q->online) && cpu_online(q->cpu)) {
		/* Queued from a CPU's short offline window; run it there. */
		queue_work_on(q->cpu, q->rt->wq, &q->work);
		return;
	}
	kasync_remote_reroute(q);
	if (kasync_ws(q->rt) && atomic_read(&q->rt->inject_len))
		kasync_kick_any(q->rt, q->cpu);
}

static bool kasync_cpu_claim(struct kasync_cpu *q)
{
	unsigned long flags;
	bool ok;

	local_irq_save(flags);
	ok = q->online && smp_processor_id() == q->cpu;
	local_irq_restore(flags);
	return ok;
}

/**
 * kasync_cpu_work - a runtime's worker for one CPU
 * @work: &kasync_cpu.work
 *
 * Polls up to %KASYNC_BUDGET_POLLS tasks or for %KASYNC_BUDGET_NS, then
 * re-queues itself so that other work items of the CPU get their turn.
 *
 * Context: workqueue worker bound to the queue's CPU.
 */
void kasync_cpu_work(struct work_struct *work)
{
	struct kasync_cpu *q = container_of(work, struct kasync_cpu, work);
	struct kasync_rt *rt = q->rt;
	struct kasync_task *t;
	enum kasync_run r;
	unsigned int n = 0;
	u64 start, now;
	bool slow;

	if (!kasync_cpu_claim(q)) {
		kasync_cpu_rescue(q);
		return;
	}
	q->lifo_run = 0;
	WRITE_ONCE(q->poller, current);
	start = local_clock();
	now = start;
	while (n < KASYNC_BUDGET_POLLS && now - start < KASYNC_BUDGET_NS) {
		t = kasync_next(q, n, &slow);
		if (!t) {
			/* Rule 7: a drain may wait for these. */
			if (q->reap.first)
				kasync_reap(rt, &q->reap);
			if (kasync_cpu_linger(q, start))
				continue;
			this_cpu_inc(rt->cpus->st.idles);
			if (kasync_cpu_idle(q))
				goto out;
			now = local_clock();
			continue;
		}
		if (slow)
			now = local_clock();
		q->cur = t;
		if (kasync_ws(rt))	/* where its next outside wake goes */
			WRITE_ONCE(t->cpu, q->cpu);
		r = kasync_task_run(t, &q->reap);
		q->cur = NULL;
		now = kasync_account_poll(rt, now);
		if (r == KASYNC_RUN_REQUEUE)
			kasync_requeue(q, t);
		else if (q->reap.n >= KASYNC_REAP_MAX)
			kasync_reap(rt, &q->reap);
		n++;
	}
	if (q->reap.first)
		kasync_reap(rt, &q->reap);
	/* Budget spent: stay active and go to the back of the CPU's queue. */
	this_cpu_inc(rt->cpus->st.budget_yields);
	WRITE_ONCE(q->poller, NULL);
	if (!READ_ONCE(q->online))
		return;
	if (kasync_ws(rt) && READ_ONCE(q->tail) - READ_ONCE(q->head) >= KASYNC_STEAL_KICK)
		kasync_kick_stealer(rt, q->cpu);
	queue_work_on(q->cpu, rt->wq, work);
	return;
out:
	WRITE_ONCE(q->poller, NULL);
}

/**
 * kasync_ord_work - the worker of an ordered runtime
 * @work: &kasync_rt.ord_work
 *
 * Polls tasks one at a time in strict FIFO order from the inject queue.
 *
 * Context: ordered workqueue worker.
 */
void kasync_ord_work(struct work_struct *work)
{
	struct kasync_rt *rt = container_of(work, struct kasync_rt, ord_work);
	struct kasync_chain c;
	enum kasync_run r;
	unsigned int n = 0;
	u64 start, now, t0;

	WRITE_ONCE(rt->ord_poller, current);
	start = local_clock();
	now = start;
	while (n < KASYNC_BUDGET_POLLS && now - start < KASYNC_BUDGET_NS) {
		c = (struct kasync_chain){};
		kasync_inject_pop(rt, &c, 1);
		if (!c.first) {
			atomic_set(&rt->ord_active, 0);
			/* Rule 3: pairs with the barrier in kasync_enqueue(). */
			smp_mb();
			if (!atomic_read(&rt->inject_len) ||
			    atomic_xchg(&rt->ord_active, 1))
				goto out;
			now = local_clock();
			continue;
		}
		/* The inject lock may have been contended: a fresh start. */
		t0 = local_clock();
		rt->ord_cur = c.first;
		r = kasync_task_run(c.first, NULL);
		rt->ord_cur = NULL;
		now = kasync_account_poll(rt, t0);
		/* Woken or yielded: to the back of the single FIFO. */
		if (r == KASYNC_RUN_REQUEUE)
			kasync_inject_push(rt, &c);
		n++;
	}
	this_cpu_inc(rt->cpus->st.budget_yields);
	WRITE_ONCE(rt->ord_poller, NULL);
	queue_work(rt->wq, work);
	return;
out:
	WRITE_ONCE(rt->ord_poller, NULL);
}

/**
 * kasync_current - the task being polled by the calling context
 *
 * Context: any; returns %NULL outside a poll function (and in interrupts
 * that hit one).
 * Return: the task whose poll function is running in this context, or
 * %NULL.
 */
struct kasync_task *kasync_current(void)
{
	struct task_struct *me = current;
	struct kasync_task *t = NULL;
	struct kasync_cpu *q;
	struct kasync_rt *rt;

	if (!in_task() || !(me->flags & PF_WQ_WORKER))
		return NULL;
	/*
	 * A worker only sets its poller field to itself while it runs, and
	 * a per-CPU worker stays on its CPU, so this_cpu_ptr() finds its
	 * queue.  Preemption is off: synchronize_rcu() in
	 * kasync_rt_destroy() waits for this walk too.
	 */
	rcu_read_lock_sched();
	list_for_each_entry_rcu(rt, &kasync_rt_list, node) {
		if (READ_ONCE(rt->ord_poller) == me) {
			t = rt->ord_cur;
			break;
		}
		q = this_cpu_ptr(rt->cpus);
		if (READ_ONCE(q->poller) == me) {
			t = q->cur;
			break;
		}
	}
	rcu_read_unlock_sched();
	return t;
}
EXPORT_SYMBOL_GPL(kasync_current);

/* ---- setup and hotplug --------------------------------------------------- */

/**
 * kasync_cpu_init - initialise a runtime's queue for one CPU
 * @rt: runtime being created
 * @q: its queue for @cpu
 * @cpu: the CPU
 *
 * Context: under cpus_read_lock(), so that @q->online matches the CPU.
 */
void kasync_cpu_init(struct kasync_rt *rt, struct kasync_cpu *q, int cpu)
{
	bool on = cpu_online(cpu) && !kasync_rt_is(rt, KASYNC_RT_ORDERED);

	memset(q, 0, sizeof(*q));
	q->cpu = cpu;
	q->rt = rt;
	q->online = on;
	/* An offline queue keeps active = 1 so that nobody kicks it. */
	atomic_set(&q->active, !on);
	init_llist_head(&q->remote);
	q->rng = 0x9e3779b9u ^ (cpu * 0x85ebca6bu);
	INIT_WORK(&q->work, kasync_cpu_work);
	spin_lock_init(&q->live_lock);
	INIT_LIST_HEAD(&q->live);
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
	struct kasync_cpu *q = kasync_cpu_of(rt, cpu);
	struct kasync_chain c = {};
	struct kasync_task *t;

	if (kasync_rt_is(rt, KASYNC_RT_ORDERED))
		return;
	WARN_ON_ONCE(raw_smp_processor_id() != cpu);
	local_irq_disable();
	WRITE_ONCE(q->online, false);
	local_irq_enable();
	/*
	 * Rule 8: full barrier between online = 0 and emptying the remote
	 * list, pairing with llist_add() in kasync_remote_push().  Also:
	 * active stays 1 while offline, so no one queues the worker.
	 */
	atomic_xchg(&q->active, 1);
	flush_work(&q->work);

	local_irq_disable();
	t = q->lifo;
	WRITE_ONCE(q->lifo, NULL);
	if (t)
		chain_add(&c, t);
	while ((t = ring_pop(q)))
		chain_add(&c, t);
	while ((t = ovf_pop(q)))
		chain_add(&c, t);
	local_irq_enable();

	rcu_read_lock();
	if (kasync_ws(rt)) {
		kasync_inject_push(rt, &c);
		kasync_remote_reroute(q);
		kasync_kick_any(rt, cpu);
	} else {
		for (t = c.first; t; t = c.first) {
			c.first = kt_next(t);
			kasync_remote_push(rt, kasync_rehome(rt, t, cpu), t);
		}
		kasync_remote_reroute(q);
	}
	rcu_read_unlock();
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
	struct kasync_cpu *q = kasync_cpu_of(rt, cpu);

	if (kasync_rt_is(rt, KASYNC_RT_ORDERED))
		return;
	WARN_ON_ONCE(raw_smp_processor_id() != cpu);
	/* A rescue run queued while offline must not race with the worker. */
	flush_work(&q->work);
	local_irq_disable();
	atomic_set(&q->active, 0);
	WRITE_ONCE(q->online, true);
	local_irq_enable();
	/* Rule 3: as a worker going idle; pairs as in kasync_cpu_idle(). */
	smp_mb();
	if (kasync_remote_pending(q))
		kasync_kick(q);
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
	struct kasync_cpu *q = kasync_cpu_of(rt, cpu);

	return (u32)(READ_ONCE(q->tail) - READ_ONCE(q->head)) +
	       READ_ONCE(q->ovf_len) + !!READ_ONCE(q->lifo);
}
