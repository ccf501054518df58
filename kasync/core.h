/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kasync core: the task header and its state word, shared by task.c and the
 * scheduler.  Not for users of kasync, nor for kasync's primitives (they
 * use task_access.h).
 *
 * The one inherent cycle of kasync's files: a task queues itself through
 * the scheduler (kasync_wake() -> kasync_enqueue()), and the scheduler
 * polls tasks (the worker -> kasync_task_run()).  Everything else is
 * layered: the primitives over task_access.h and rt.h, the scheduler over
 * policy.h and queue.h.  Fields are tagged with the legend of rules.h.
 */
#ifndef _KASYNC_CORE_H
#define _KASYNC_CORE_H

#include <linux/atomic.h>
#include <linux/llist.h>
#include <linux/list.h>
#include <kasync.h>

#include "rules.h"

struct kasync_rt;

/* kasync_task.state bits; the reference count lives above them. */
#define KT_SCHEDULED		BIT(0)	/* queued, or re-queue after poll */
#define KT_RUNNING		BIT(1)	/* a worker is polling it */
#define KT_COMPLETED		BIT(2)	/* poll returned READY */
#define KT_CANCELLED		BIT(3)	/* aborted; never polled again */
#define KT_JOIN_SLEEPER		BIT(4)	/* a thread waits in kasync_join*() */
#define KT_JOIN_WAKER		BIT(5)	/* a task awaits it (join_poll) */
#define KT_FINAL		BIT(6)	/* drop done, result published */
#define KT_NEW			BIT(7)	/* allocated, not started (task.c) */
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
	u8 wait_kind;			/* P: enum kasync_wait_kind armed by
					 * this poll's awaits
					 */
	/*
	 * Identity and accounting, for the task view, the tracepoints and
	 * the detectors (kasync/detect.h).  Plain stores by the poll's
	 * owner, no atomics; the task view reads them racily.
	 */
	u64 id;				/* I: kasync_live_add(), unique */
	const char *name;		/* P: kasync_task_set_name(), or NULL */
	const struct kasync_site *site;	/* P: innermost await that reported
					 * PENDING in the last poll, or NULL
					 */
	u64 busy_ns;			/* P: time spent in polls */
	u64 last_ns;			/* P: kasync_clock() after the last poll */
	u32 born;			/* I: jiffies at spawn */
	u32 polls;			/* P: polls so far */
	u32 longest_ns;			/* P: longest poll, saturating */
	u8 reported;			/* P: KT_REPORTED_* detectors fired */
	u64 data[];			/* caller's state */
};

/* kasync_task.reported: each detector reports a task once. */
#define KT_REPORTED_LONG	BIT(0)
#define KT_REPORTED_SLEEP	BIT(1)
#define KT_REPORTED_CONTEXT	BIT(2)
#define KT_REPORTED_NO_WAKER	BIT(3)
#define KT_REPORTED_CO		BIT(4)

/*
 * struct kasync_reap - finalized tasks a worker has yet to take off their
 * live lists (ordering rule 7), linked through kasync_task.node
 */
struct kasync_reap {
	struct kasync_task *first;
	unsigned int n;
};

/* The first wake source kind a poll records is kept (kasync_task_waits()). */
static __always_inline void kt_waits(struct kasync_task *t,
				     enum kasync_wait_kind kind)
{
	if (t->wait_kind == KASYNC_WAIT_NONE)
		t->wait_kind = kind;
}

static __always_inline struct kasync_task *kt_next(struct kasync_task *t)
{
	return t->node.next ?
		llist_entry(t->node.next, struct kasync_task, node) : NULL;
}

/* Outcome of one poll, for the scheduler. */
enum kasync_run {
	KASYNC_RUN_IDLE,	/* pending, waits for a wake */
	KASYNC_RUN_REQUEUE,	/* pending and woken: queue at the back */
	KASYNC_RUN_DONE,	/* finalized; do not touch again */
};

enum kasync_run kasync_task_run(struct kasync_task *t, struct kasync_reap *r,
				u64 *clock);
void kasync_reap(struct kasync_rt *rt, struct kasync_reap *r);

#endif /* _KASYNC_CORE_H */
