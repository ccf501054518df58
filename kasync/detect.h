/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kasync detectors: what a poll must not do, checked around every poll.
 *
 * The scheduler saves the worker's context before a poll
 * (kasync_ctx_save()) and compares after it (kasync_ctx_changed()): a
 * handful of loads and compares.  Only when something changed, or the
 * poll ran longer than kasync.detect_long_poll_us, does it call
 * kasync_detect_poll(), out of line, which counts and reports:
 *
 *   long poll      longer than detect_long_poll_us; keeps polling
 *   slept          the thread switched out voluntarily; keeps polling
 *   context leak   a lock (lockdep), an RCU read section, preemption or
 *                  interrupts held across the return; cancels the task,
 *                  whose cleanup hooks and drop run at once, in this
 *                  worker, and may undo it
 *   no waker       PENDING, nothing armed, no wake (kasync_detect_idle())
 *   co lost        a resume no case of <kasync/co.h> matches (task.c)
 *
 * Each report names the task and is printed once per task and detector;
 * the counters (stat_items.h) count every occurrence.  A report is a
 * "kasync: WARNING:" line, which the test kernels' splat check catches,
 * unless a test said it expects one (kasync_test_expect_misuse()).
 */
#ifndef _KASYNC_DETECT_H
#define _KASYNC_DETECT_H

#include <linux/irqflags.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>

#include "core.h"
#include "stats.h"

extern unsigned int kasync_detect_long_poll_us;
extern bool kasync_detect_sleep;
extern bool kasync_detect_context;
extern bool kasync_detect_no_waker;

/* The worker's context around a poll. */
struct kasync_ctx {
	unsigned long nvcsw;
	unsigned int preempt;
	int rcu;
	int locks;
};

static __always_inline void kasync_ctx_save(struct kasync_ctx *c)
{
	c->nvcsw = current->nvcsw;
	c->preempt = preempt_count();
	c->rcu = rcu_preempt_depth();
	c->locks = lockdep_depth(current);
}

static __always_inline bool kasync_ctx_changed(const struct kasync_ctx *c)
{
	return current->nvcsw != c->nvcsw || preempt_count() != c->preempt ||
	       rcu_preempt_depth() != c->rcu ||
	       lockdep_depth(current) != c->locks || irqs_disabled();
}

static __always_inline bool kasync_poll_too_long(u64 ns)
{
	unsigned int us = READ_ONCE(kasync_detect_long_poll_us);

	return us && ns > (u64)us * NSEC_PER_USEC;
}

bool kasync_detect_poll(struct kasync_task *t, const struct kasync_ctx *c,
			u64 ns);
void kasync_detect_fixup(const struct kasync_ctx *c);

/*
 * What a report says of its task, copied while the task is ours: the
 * report may be printed after the task, and its module, are gone.
 */
struct kasync_task_desc {
	u64 id;
	const void *poll;
	char name[32];
	char owner[MODULE_NAME_LEN];
	char rt[24];
	char func[48];
	unsigned int line;
	u8 kind;
};

void kasync_task_name(const struct kasync_task *t, char *buf, size_t len);
void kasync_task_describe(const struct kasync_task *t,
			  struct kasync_task_desc *d);
void kasync_detected(struct kasync_task *t, u8 bit,
		     enum kasync_stat_item item, const char *what);
void kasync_detect_report(const struct kasync_task_desc *d, const char *fmt,
			  ...) __printf(2, 3);

extern const char *const kasync_wait_kind_names[KASYNC_WAIT_NR];

/* The name the task view and the reports give @t. */
static inline const char *kasync_task_label(const struct kasync_task *t)
{
	const char *name = READ_ONCE(t->name);

	return name ? name : t->ops->name;
}

#endif /* _KASYNC_DETECT_H */
