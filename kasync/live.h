/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kasync live lists: each task of a runtime is listed, from its spawn
 * until its worker reaps it, on the list of the CPU it was spawned on, so
 * that destroying the runtime or unloading the task's module can find
 * and cancel it (ordering rule 7 in rules.h).  live.c owns the protocol:
 * add, reap, the cancel walk, drain, dying, count.  Fields are tagged
 * with the legend of rules.h.
 */
#ifndef _KASYNC_LIVE_H
#define _KASYNC_LIVE_H

#include <linux/list.h>
#include <linux/spinlock.h>

struct kasync_rt;
struct kasync_task;
struct module;

/*
 * struct kasync_live - one runtime's live list on one CPU
 *
 * kasync_rt.dying, .drainers and .drain_wq are the runtime's half of the
 * protocol, also live.c's.
 */
struct kasync_live {
	spinlock_t lock;		/* I: the L of rules.h, irq-safe */
	struct list_head tasks;		/* L: tasks spawned on this CPU */
	unsigned int nr;		/* L: listed, finalized or not */
};

void kasync_live_init(struct kasync_rt *rt);
int kasync_live_add(struct kasync_rt *rt, struct kasync_task *t);
void kasync_live_set_dying(struct kasync_rt *rt);
unsigned int kasync_live_drain(struct kasync_rt *rt, struct module *owner);
unsigned int kasync_live_count(struct kasync_rt *rt, int cpu);
/* kasync_reap() is declared in core.h, beside struct kasync_reap. */

/*
 * The task view (tasks.c) is the lists' one reader outside live.c: it
 * walks them under their lock, a page of output at a time.
 */
struct dentry;
void kasync_tasks_add_debugfs(struct kasync_rt *rt, struct dentry *dir);

#endif /* _KASYNC_LIVE_H */
