/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The listing step of kasync live lists (live.h, ordering rule 7), inline
 * for the spawn path: sched.c's kasync_spawn_enqueue() lists a new task and
 * queues it in one IRQs-off section.  live.c owns the protocol; this is
 * the part of it that runs on every spawn.
 */
#ifndef _KASYNC_LIVE_ADD_H
#define _KASYNC_LIVE_ADD_H

#include <linux/percpu.h>

#include "sched.h"

/* Task ids: per CPU, in the order tasks are listed (tasks.c relies on it). */
DECLARE_PER_CPU(u64, kasync_id_seq);

/*
 * __kasync_live_add - list @t on @rt's live list of @cpu
 * @cpu: the current CPU; IRQs are off, so that the list and the id
 *	sequence are this CPU's alone (a spawner migrated in between would
 *	take another CPU's sequence, and two tasks could share an id)
 *
 * Return: 0, or -ESHUTDOWN if @rt is being destroyed.
 */
static __always_inline int __kasync_live_add(struct kasync_rt *rt,
					     struct kasync_task *t, int cpu)
{
	struct kasync_live *l = &kasync_cpu_of(rt, cpu)->live;
	int err = 0;

	lockdep_assert_irqs_disabled();
	spin_lock(&l->lock);
	/* Ordering rule 7: destroy sets dying under this lock. */
	if (rt->dying) {
		err = -ESHUTDOWN;
	} else {
		t->live_cpu = cpu;
		t->id = __this_cpu_inc_return(kasync_id_seq) * nr_cpu_ids + cpu;
		list_add_tail(&t->live, &l->tasks);
		l->nr++;
		/*
		 * Counted under the lock: once it is dropped, a task from
		 * kasync_task_alloc() can be cancelled, finalized and reaped,
		 * and @rt freed, without its spawner.
		 */
		kasync_stat_inc(rt, KASYNC_STAT_SPAWNED);
	}
	spin_unlock(&l->lock);
	return err;
}

#endif /* _KASYNC_LIVE_ADD_H */
