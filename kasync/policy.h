/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kasync scheduling policy: every decision of the scheduler, and the one
 * set of tunables they use.  The mechanism (sched.c, ordered.c) asks;
 * nothing here queues, kicks or locks.  To change how wakes are placed,
 * when a worker looks beyond its own queue, whom it steals from or when a
 * stealer is woken, change this file and policy.c.
 */
#ifndef _KASYNC_POLICY_H
#define _KASYNC_POLICY_H

#include <linux/cpumask.h>
#include <linux/kernel.h>
#include <linux/sched/stat.h>

#include "queue.h"

struct kasync_rt;
struct kasync_cpu;

/*
 * struct kasync_tunables - the scheduler's constants
 * @budget_polls: polls per worker run ...
 * @budget_ns: ... or this long, whichever comes first; then the worker
 *	re-queues itself behind the CPU's other work items
 * @global_interval: every this many polls (and at the start of each
 *	run) a worker looks at the remote list and inject queue first
 * @lifo_max: polls in a row from the LIFO slot before it yields to the
 *	ring
 * @steal_kick: ring depth at which (and at each multiple of which, for
 *	pushes) an idle worker is woken to steal
 * @wake_scan: CPUs an outside wake looks at for a running worker
 * @reap_max: finalized tasks a worker batches before reaping them
 *	(ordering rule 7)
 *
 * A static const object: each user sees the values as constants.
 */
struct kasync_tunables {
	unsigned int budget_polls;
	u64 budget_ns;
	unsigned int global_interval;
	unsigned int lifo_max;
	unsigned int steal_kick;
	unsigned int wake_scan;
	unsigned int reap_max;
};

static const struct kasync_tunables kasync_tune __maybe_unused = {
	.budget_polls = 128,
	.budget_ns = NSEC_PER_MSEC,
	.global_interval = 61,
	.lifo_max = 3,
	.steal_kick = 32,	/* power of two */
	.wake_scan = 4,
	.reap_max = 32,
};

/* kasync.linger_us, see policy.c. */
u64 kasync_linger_ns(void);
u64 kasync_rescue_ns(void);

/* Does the worker's @n-th poll of this run look beyond its queue first? */
static inline bool kasync_global_due(unsigned int n)
{
	return !(n % kasync_tune.global_interval);
}

/* May the LIFO task be polled, after @run LIFO polls in a row? */
static inline bool kasync_lifo_allowed(unsigned int run)
{
	return run < kasync_tune.lifo_max;
}

/* How many inject-queue tasks one worker takes: a fair share. */
static inline unsigned int kasync_inject_share(unsigned int len)
{
	return min_t(unsigned int, len / num_online_cpus() + 1,
		     KASYNC_RING_SIZE / 2);
}

/*
 * May one more worker search for work to steal, making it @n searchers?
 * At most half the online CPUs search at once.
 */
static inline bool kasync_search_allowed(unsigned int n)
{
	return n * 2 <= num_online_cpus();
}

/*
 * Is this CPU worth pulling work to?  Only with another CPU to take it
 * from, and nothing else runnable here: where other threads are runnable
 * (a user-space client, say), stolen tasks would only compete with them,
 * while their own CPU serves them.
 */
static inline bool kasync_steal_allowed(void)
{
	return num_online_cpus() >= 2 && single_task_running();
}

/*
 * Should a ring @depth tasks deep wake an idle worker to steal?  After a
 * single push (@push), only at each multiple of the threshold, so that a
 * filling ring does not kick at every task; after a batch or a run, at
 * any depth above it.
 */
static __always_inline bool kasync_stealer_wanted(bool steals, unsigned int depth,
					 bool push)
{
	if (!steals || depth < kasync_tune.steal_kick)
		return false;
	return !push || !(depth & (kasync_tune.steal_kick - 1));
}

int kasync_wake_cpu(struct kasync_rt *rt, int last);
int kasync_victim_first(struct kasync_cpu *q);

#endif /* _KASYNC_POLICY_H */
