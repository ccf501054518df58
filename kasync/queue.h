/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kasync run queues as data structures: task chains, the CPU-local queue
 * (ring, LIFO slot, overflow list) and the runtime's inject FIFO.
 *
 * Nothing here decides or kicks: a helper that cannot take a task reports
 * it to its caller (the scheduler), which decides where the task goes.
 * CPU-local helpers run on the queue's CPU with IRQs off ("kasync ordering
 * rules" 2 in rules.h) and assert it; the FIFO takes its own lock (G).
 */
#ifndef _KASYNC_QUEUE_H
#define _KASYNC_QUEUE_H

#include <linux/lockdep.h>
#include <linux/spinlock.h>

#include "core.h"

#define KASYNC_RING_SIZE	256	/* power of two */
#define KASYNC_RING_MASK	(KASYNC_RING_SIZE - 1)

/* A chain of tasks linked through kasync_task.node, oldest first. */
struct kasync_chain {
	struct kasync_task *first;
	struct kasync_task *last;
	unsigned int n;
};

static __always_inline void chain_add(struct kasync_chain *c,
				      struct kasync_task *t)
{
	t->node.next = NULL;
	if (c->last)
		c->last->node.next = &t->node;
	else
		c->first = t;
	c->last = t;
	c->n++;
}

/*
 * struct kasync_lq - a CPU-local run queue (all C, rule 2)
 *
 * The ring holds the CPU's runnable tasks; the LIFO slot the task the
 * running task woke last; the overflow list, used by per-CPU runtimes
 * only, what a full ring could not take.  Remote readers use READ_ONCE()
 * on head, tail, lifo and ovf_len, for hints only.
 */
struct kasync_lq {
	unsigned int head;		/* C: ring consumer index */
	unsigned int tail;		/* C: ring producer index */
	struct kasync_task *lifo;	/* C: woken by the running task */
	struct kasync_task *ovf_head;	/* C: per-CPU runtime overflow */
	struct kasync_task *ovf_tail;	/* C */
	unsigned int ovf_len;		/* C */
	struct kasync_task *ring[KASYNC_RING_SIZE];	/* C */
};

/* Rule 2: the CPU-local queue is touched on its CPU with IRQs off. */
static inline void lq_assert_local(void)
{
	lockdep_assert_irqs_disabled();
}

static __always_inline unsigned int
lq_ring_len(const struct kasync_lq *lq)
{
	return lq->tail - lq->head;
}

/* Tasks in the queue?  Exact on its CPU with IRQs off; elsewhere a hint. */
static __always_inline bool lq_pending(const struct kasync_lq *lq)
{
	return READ_ONCE(lq->tail) != READ_ONCE(lq->head) ||
	       READ_ONCE(lq->lifo) || READ_ONCE(lq->ovf_head);
}

/* Ring tasks or a LIFO task, as a stealer sees them (a hint). */
static inline bool lq_stealable(const struct kasync_lq *lq)
{
	return READ_ONCE(lq->tail) != READ_ONCE(lq->head) || READ_ONCE(lq->lifo);
}

/* Tasks waiting in the queue (a racy hint from elsewhere). */
static inline unsigned int lq_depth(const struct kasync_lq *lq)
{
	return (u32)(READ_ONCE(lq->tail) - READ_ONCE(lq->head)) +
	       READ_ONCE(lq->ovf_len) + !!READ_ONCE(lq->lifo);
}

static __always_inline struct kasync_task *
lq_ring_pop(struct kasync_lq *lq)
{
	struct kasync_task *t;

	lq_assert_local();
	if (lq->head == lq->tail)
		return NULL;
	t = lq->ring[lq->head & KASYNC_RING_MASK];
	WRITE_ONCE(lq->head, lq->head + 1);
	return t;
}

static inline void lq_ovf_append(struct kasync_lq *lq, struct kasync_chain *c)
{
	lq_assert_local();
	if (lq->ovf_tail)
		lq->ovf_tail->node.next = &c->first->node;
	else
		lq->ovf_head = c->first;
	lq->ovf_tail = c->last;
	WRITE_ONCE(lq->ovf_len, lq->ovf_len + c->n);
}

static inline struct kasync_task *lq_ovf_pop(struct kasync_lq *lq)
{
	struct kasync_task *t = lq->ovf_head;

	lq_assert_local();
	if (!t)
		return NULL;
	lq->ovf_head = kt_next(t);
	if (!lq->ovf_head)
		lq->ovf_tail = NULL;
	WRITE_ONCE(lq->ovf_len, lq->ovf_len - 1);
	return t;
}

/* Take the @k newest tasks off the ring into @c, oldest first. */
static inline void lq_take_newest(struct kasync_lq *lq, struct kasync_chain *c,
				  unsigned int k)
{
	unsigned int i, from = lq->tail - k;

	lq_assert_local();
	for (i = from; i != lq->tail; i++)
		chain_add(c, lq->ring[i & KASYNC_RING_MASK]);
	WRITE_ONCE(lq->tail, from);
}

/*
 * Queue @t behind everything in the queue: the ring, or, while the
 * overflow list holds tasks, behind those (wake order).  A full ring
 * takes nothing: its newer half and @t go into @spill, for the caller to
 * place, and the function returns true.  The older half stays to be
 * polled first: sending the tasks that have waited longest to the back of
 * a queue that is only looked at now and then would starve them for as
 * long as the ring keeps filling.
 */
static __always_inline bool lq_push_back(struct kasync_lq *lq,
					 struct kasync_task *t,
				struct kasync_chain *spill)
{
	struct kasync_chain c = {};

	lq_assert_local();
	if (lq->ovf_head) {
		chain_add(&c, t);
		lq_ovf_append(lq, &c);
		return false;
	}
	if (lq_ring_len(lq) < KASYNC_RING_SIZE) {
		lq->ring[lq->tail & KASYNC_RING_MASK] = t;
		WRITE_ONCE(lq->tail, lq->tail + 1);
		return false;
	}
	lq_take_newest(lq, spill, KASYNC_RING_SIZE / 2);
	chain_add(spill, t);
	return true;
}

/*
 * Put the chain @t (@n tasks, oldest first) at the front of the ring, to
 * be polled before what is there: tasks that waited longer than the
 * ring's.  Room is made by moving the ring's newest tasks into @spill;
 * return true if it did.
 */
static inline bool lq_push_front(struct kasync_lq *lq, struct kasync_task *t,
				 unsigned int n, struct kasync_chain *spill)
{
	unsigned int i, room = KASYNC_RING_SIZE - lq_ring_len(lq);

	lq_assert_local();
	if (n > room)
		lq_take_newest(lq, spill, n - room);
	i = lq->head - n;
	WRITE_ONCE(lq->head, i);
	for (; t; t = kt_next(t))
		lq->ring[i++ & KASYNC_RING_MASK] = t;
	return spill->n;
}

/*
 * Take the LIFO slot for @t; return the task it held (or NULL), which
 * the caller queues behind the others.
 */
static __always_inline struct kasync_task *
lq_lifo_swap(struct kasync_lq *lq,
	     struct kasync_task *t)
{
	struct kasync_task *prev = lq->lifo;

	lq_assert_local();
	WRITE_ONCE(lq->lifo, t);
	return prev;
}

/*
 * Empty the queue into @c: the LIFO task first, then the ring, then the
 * overflow list (a CPU going offline).
 */
static inline void lq_drain(struct kasync_lq *lq, struct kasync_chain *c)
{
	struct kasync_task *t;

	t = lq_lifo_swap(lq, NULL);
	if (t)
		chain_add(c, t);
	while ((t = lq_ring_pop(lq)))
		chain_add(c, t);
	while ((t = lq_ovf_pop(lq)))
		chain_add(c, t);
}

/*
 * Half the ring (at least one task), or the LIFO task if the ring is
 * empty, into @buf: the victim's side of a steal.  Return the count.
 */
static inline unsigned int lq_steal_half(struct kasync_lq *lq,
					 struct kasync_task **buf)
{
	unsigned int i, n = lq_ring_len(lq);

	lq_assert_local();
	n -= n / 2;
	for (i = 0; i < n; i++)
		buf[i] = lq_ring_pop(lq);
	if (!n && lq->lifo)
		buf[n++] = lq_lifo_swap(lq, NULL);
	return n;
}

/*
 * struct kasync_fifo - a runtime's inject queue: tasks any CPU may take
 * (work-stealing runtimes) or the one queue (ordered runtimes)
 */
struct kasync_fifo {
	spinlock_t lock;		/* I */
	struct kasync_task *head;	/* G */
	struct kasync_task *tail;	/* G */
	atomic_t len;			/* A: hint, exact under G */
};

static inline void fifo_init(struct kasync_fifo *f)
{
	spin_lock_init(&f->lock);
	f->head = NULL;
	f->tail = NULL;
	atomic_set(&f->len, 0);
}

/* A hint: ordering rule 3 makes a producer kick us if we miss its push. */
static inline unsigned int fifo_len(struct kasync_fifo *f)
{
	return atomic_read(&f->len);
}

static inline void fifo_push(struct kasync_fifo *f, struct kasync_chain *c)
{
	unsigned long flags;

	if (!c->n)
		return;
	spin_lock_irqsave(&f->lock, flags);
	if (f->tail)
		f->tail->node.next = &c->first->node;
	else
		f->head = c->first;
	f->tail = c->last;
	atomic_add(c->n, &f->len);
	spin_unlock_irqrestore(&f->lock, flags);
}

/* Pop up to @max tasks (at least one if any) into @c. */
static inline void fifo_pop(struct kasync_fifo *f, struct kasync_chain *c,
			    unsigned int max)
{
	unsigned int n = c->n;
	struct kasync_task *t;
	unsigned long flags;

	if (!fifo_len(f))
		return;
	spin_lock_irqsave(&f->lock, flags);
	while (c->n < max && (t = f->head)) {
		f->head = kt_next(t);
		if (!f->head)
			f->tail = NULL;
		chain_add(c, t);
	}
	atomic_sub(c->n - n, &f->len);
	spin_unlock_irqrestore(&f->lock, flags);
}

#endif /* _KASYNC_QUEUE_H */
