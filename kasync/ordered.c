// SPDX-License-Identifier: GPL-2.0
/*
 * The ordered kind of runtime (%KASYNC_RT_ORDERED): no per-CPU queues,
 * one FIFO (the runtime's inject queue) drained by one worker on an
 * ordered workqueue, so tasks are polled one at a time in wake order.
 * Its worker runs the same loop as the others (kasync_worker_fn()).
 */
#include <linux/sched/clock.h>

#include "sched.h"

static void kasync_ord_enqueue(struct kasync_task *t, bool spawned)
{
	struct kasync_rt *rt = t->rt;
	struct kasync_chain c = {};

	chain_add(&c, t);
	rcu_read_lock();
	fifo_push(&rt->inject, &c);
	/*
	 * Rule 3: the push is visible before we read active; pairs with
	 * smp_mb() in kasync_ord_idle().
	 */
	smp_mb();
	if (kasync_claim(&rt->ord.active))
		queue_work(rt->wq, &rt->ord.work);
	rcu_read_unlock();
}

/* Woken or yielded: to the back of the single FIFO. */
static void kasync_ord_requeue(struct kasync_worker *w, struct kasync_task *t)
{
	struct kasync_chain c = {};

	chain_add(&c, t);
	fifo_push(&w->rt->inject, &c);
}

/* The FIFO's head; the inject lock may have been contended: slow. */
static struct kasync_task *kasync_ord_next(struct kasync_worker *w,
					   unsigned int n, bool *slow)
{
	struct kasync_chain c = {};

	*slow = true;
	fifo_pop(&w->rt->inject, &c, 1);
	return c.first;
}

static bool kasync_ord_idle(struct kasync_worker *w, u64 start)
{
	atomic_set(&w->active, 0);
	/* Rule 3: pairs with the barrier in kasync_ord_enqueue(). */
	smp_mb();
	return !fifo_len(&w->rt->inject) || atomic_xchg(&w->active, 1);
}

static void kasync_ord_resume(struct kasync_worker *w)
{
	queue_work(w->rt->wq, &w->work);
}

/* No per-CPU queues: nothing to move. */
static void kasync_ord_cpu(struct kasync_rt *rt, int cpu)
{
}

const struct kasync_rt_kind kasync_kind_ordered = {
	.name = "ordered",
	.enqueue = kasync_ord_enqueue,
	.requeue = kasync_ord_requeue,
	.next = kasync_ord_next,
	.idle = kasync_ord_idle,
	.resume = kasync_ord_resume,
	.cpu_down = kasync_ord_cpu,
	.cpu_up = kasync_ord_cpu,
};
