// SPDX-License-Identifier: GPL-2.0
/*
 * kasync detectors: the slow half (detect.h has the checks the scheduler
 * inlines around every poll).  Each detector has a module parameter, a
 * counter, and a report that names the task once.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>
#include <linux/string.h>

#include <kasync/param.h>
#include <kasync/testing.h>

#include "compat.h"
#include "detect.h"
#include "misuse.h"
#include "sched.h"

/*
 * The detectors' parameters refuse a value they would misread, at load or
 * written to /sys/module/kasync/parameters/: -EINVAL, the old value kept.
 */

/* detect_long_poll_us: 0 (off) to a minute, past any soft lockup report. */
#define KASYNC_LONG_POLL_US_MAX	60000000U

/*
 * The on/off switches take a whole word (kasync_param_set_bool()): the
 * kernel's bool parameter looks at the first character only.
 */

/*
 * kasync.detect_long_poll_us: a poll that runs longer delays every task
 * queued behind it on its CPU.  10 ms, as the workqueue's CPU-hog report
 * (workqueue.cpu_intensive_thresh_us) uses; 0: off.
 */
unsigned int kasync_detect_long_poll_us = 10000;
EXPORT_SYMBOL_IF_KUNIT(kasync_detect_long_poll_us);
kasync_param_named(detect_long_poll_us, kasync_detect_long_poll_us, uint, 0,
		   KASYNC_LONG_POLL_US_MAX, 0644);
MODULE_PARM_DESC(detect_long_poll_us, "report a task whose poll runs longer than this many microseconds (0: off; up to 60000000)");

bool kasync_detect_sleep = true;
kasync_param_bool_named(detect_sleep, kasync_detect_sleep, 0644);
MODULE_PARM_DESC(detect_sleep, "report a task whose poll slept");

bool kasync_detect_context = true;
kasync_param_bool_named(detect_context, kasync_detect_context, 0644);
MODULE_PARM_DESC(detect_context, "report, and cancel, a task whose poll returns holding a lock, in an RCU read section, or with preemption or interrupts disabled");

bool kasync_detect_no_waker = true;
kasync_param_bool_named(detect_no_waker, kasync_detect_no_waker, 0644);
MODULE_PARM_DESC(detect_no_waker, "report a task whose poll reports PENDING with no wake source armed");

const char *const kasync_wait_kind_names[KASYNC_WAIT_NR] = {
	[KASYNC_WAIT_NONE]	= "none",
	[KASYNC_WAIT_TIMER]	= "timer",
	[KASYNC_WAIT_WAITQ]	= "waitqueue",
	[KASYNC_WAIT_FILE]	= "file",
	[KASYNC_WAIT_SOCKET]	= "socket",
	[KASYNC_WAIT_SYNC]	= "sync",
	[KASYNC_WAIT_CHAN]	= "channel",
	[KASYNC_WAIT_JOIN]	= "join",
	[KASYNC_WAIT_GROUP]	= "group",
	[KASYNC_WAIT_BLOCKING]	= "blocking",
	[KASYNC_WAIT_OTHER]	= "other",
};

/**
 * kasync_task_name - the name the task view and the reports give a task
 * @t: the task, ours for the call
 * @buf: where to write it
 * @len: size of @buf
 *
 * kasync_task_set_name()'s, else &kasync_task_ops.name, else the poll
 * function's symbol (without its module: the owner is shown apart).
 */
void kasync_task_name(const struct kasync_task *t, char *buf, size_t len)
{
	const char *name = kasync_task_label(t);
	char *sp;

	if (name) {
		strscpy(buf, name, len);
		return;
	}
	snprintf(buf, len, "%ps", t->ops->poll);
	sp = strchr(buf, ' ');
	if (sp)
		*sp = '\0';
}

/**
 * kasync_task_describe - copy what a report says of a task
 * @t: the task, ours for the call (being polled, or listed under a lock)
 * @d: filled in
 */
void kasync_task_describe(const struct kasync_task *t,
			  struct kasync_task_desc *d)
{
	const struct kasync_site *site = READ_ONCE(t->site);
	u8 kind = READ_ONCE(t->wait_kind);

	d->id = t->id;
	d->poll = t->ops->poll;
	kasync_task_name(t, d->name, sizeof(d->name));
	strscpy(d->owner, t->owner ? t->owner->name : "-", sizeof(d->owner));
	strscpy(d->rt, t->rt->name, sizeof(d->rt));
	strscpy(d->func, site ? site->func : "-", sizeof(d->func));
	d->line = site ? site->line : 0;
	d->kind = kind < KASYNC_WAIT_NR ? kind : KASYNC_WAIT_NONE;
}

/**
 * kasync_detect_report - print a detector's report on a task
 * @d: the task, from kasync_task_describe()
 * @fmt: what it did, printk format (no newline)
 *
 * A "kasync: WARNING:" line, or an info line if a test expects reports.
 */
void kasync_detect_report(const struct kasync_task_desc *d, const char *fmt,
			  ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	if (kasync_report_expected())
		pr_info("kasync: task %llu %s (poll %ps, owner %s, runtime %s, await %s:%u %s) %pV [expected by a test]\n",
			d->id, d->name, d->poll, d->owner, d->rt, d->func,
			d->line, kasync_wait_kind_names[d->kind], &vaf);
	else
		pr_warn("kasync: WARNING: task %llu %s (poll %ps, owner %s, runtime %s, await %s:%u %s) %pV\n",
			d->id, d->name, d->poll, d->owner, d->rt, d->func,
			d->line, kasync_wait_kind_names[d->kind], &vaf);
	va_end(args);
}

/**
 * kasync_detected - count a detector's finding, report its task once
 * @t: the task being polled
 * @bit: the detector's KT_REPORTED_* bit
 * @item: its counter
 * @what: what the task did, for the report
 */
void kasync_detected(struct kasync_task *t, u8 bit,
			    enum kasync_stat_item item, const char *what)
{
	struct kasync_task_desc d;

	kasync_stat_inc(t->rt, item);
	if (t->reported & bit)
		return;
	t->reported |= bit;
	kasync_task_describe(t, &d);
	kasync_detect_report(&d, "%s", what);
}

/**
 * kasync_detect_poll - check a poll that changed the worker's context or
 *	ran long
 * @t: the task, still RUNNING
 * @c: the context saved before the poll
 * @ns: how long the poll ran
 *
 * Return: true if @t must be cancelled (a context leak).
 */
bool kasync_detect_poll(struct kasync_task *t, const struct kasync_ctx *c,
			u64 ns)
{
	bool leak;
	char what[128];

	if (kasync_poll_too_long(ns)) {
		snprintf(what, sizeof(what),
			 "ran %llu us in one poll (detect_long_poll_us=%u): every task queued behind it waited",
			 div_u64(ns, NSEC_PER_USEC),
			 READ_ONCE(kasync_detect_long_poll_us));
		kasync_detected(t, KT_REPORTED_LONG, KASYNC_STAT_LONG_POLLS,
				what);
	}
	if (current->nvcsw != c->nvcsw && READ_ONCE(kasync_detect_sleep))
		kasync_detected(t, KT_REPORTED_SLEEP, KASYNC_STAT_SLEPT_POLLS,
				"slept in its poll: a poll must not block");
	if (!READ_ONCE(kasync_detect_context))
		return false;

	/* RCU first: under lockdep, rcu_read_lock() is a lock as well. */
	leak = true;
	if (rcu_preempt_depth() != c->rcu)
		snprintf(what, sizeof(what),
			 "returned inside an RCU read-side section; cancelled");
	else if (lockdep_depth(current) != c->locks)
		snprintf(what, sizeof(what),
			 "returned holding %d lock(s) more than it was polled with; cancelled",
			 lockdep_depth(current) - c->locks);
	else if (irqs_disabled())
		snprintf(what, sizeof(what),
			 "returned with interrupts disabled; cancelled");
	else if (preempt_count() != c->preempt)
		snprintf(what, sizeof(what),
			 "returned with the preempt count changed (%#x, polled with %#x); cancelled",
			 preempt_count(), c->preempt);
	else
		leak = false;
	if (leak)
		kasync_detected(t, KT_REPORTED_CONTEXT,
				KASYNC_STAT_CONTEXT_LEAKS, what);
	return leak;
}

/**
 * kasync_detect_fixup - after a leaking task was finalized
 * @c: the context saved before its poll
 *
 * Its cleanup hooks and drop ran and may have undone the leak.  What is
 * left, the workqueue's own check reports when the worker returns
 * ("workqueue leaked atomic, lock or RCU"); but interrupts left disabled
 * it does not check, and every later poll of this worker would run with
 * them off: enable them again.
 */
void kasync_detect_fixup(const struct kasync_ctx *c)
{
	if (irqs_disabled() && !c->preempt &&
	    lockdep_depth(current) == c->locks) {
		if (kasync_report_expected())
			pr_info("kasync: a cancelled task left interrupts disabled; enabling them [expected by a test]\n");
		else
			pr_warn("kasync: WARNING: a cancelled task left interrupts disabled; enabling them\n");
		local_irq_enable();
	}
}
