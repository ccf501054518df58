/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kasync timers: sleeps, deadlines, timeouts and intervals on hrtimers.
 *
 * A &struct kasync_timer lives in the task's state (zeroed at first).  Its
 * hrtimer runs on CLOCK_MONOTONIC; the callback (hard IRQ, or softirq on
 * PREEMPT_RT) only marks the timer fired and calls kasync_wake().  The
 * timer is cancelled with hrtimer_cancel() when the await completes, when
 * kasync_timer_cancel() is called, and, through a cleanup hook, when the
 * task is aborted.
 *
 *	KASYNC_AWAIT(&s->co, kasync_sleep(t, &s->tm, 10 * NSEC_PER_MSEC));
 *
 *	KASYNC_AWAIT_TIMEOUT(&s->co, t, &s->tm, 50 * NSEC_PER_MSEC,
 *			     kasync_wait_event(t, &s->w, &wq, cond),
 *			     kasync_wait_cancel(t, &s->w), &s->res);
 */
#ifndef _KASYNC_TIME_H
#define _KASYNC_TIME_H

#include <linux/errno.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/types.h>

#include <kasync/types.h>
#include <kasync/task.h>
#include <kasync/co.h>
#include <kasync/wait.h>

struct kasync_task;

/**
 * struct kasync_timer - a one-shot timer in a task's state
 * @hrt: the hrtimer
 * @task: the task to wake
 * @cleanup: cancels @hrt if the task ends while armed
 * @armed: started and not yet completed or cancelled
 * @fired: the callback ran
 */
struct kasync_timer {
	struct hrtimer hrt;
	struct kasync_task *task;
	struct kasync_cleanup cleanup;
	bool armed;
	bool fired;
};

void kasync_timer_start(struct kasync_task *task, struct kasync_timer *tm,
			ktime_t deadline, u64 slack_ns);
enum kasync_poll kasync_timer_poll(struct kasync_task *task,
				   struct kasync_timer *tm);
void kasync_timer_cancel(struct kasync_task *task, struct kasync_timer *tm);
void kasync_timeout_start(struct kasync_task *task, struct kasync_timer *tm,
			  u64 ns);
enum kasync_poll kasync_sleep_until(struct kasync_task *task,
				    struct kasync_timer *tm, ktime_t deadline);
enum kasync_poll kasync_sleep(struct kasync_task *task,
			      struct kasync_timer *tm, u64 ns);
enum kasync_poll kasync_sleep_range(struct kasync_task *task,
				    struct kasync_timer *tm, u64 ns,
				    u64 slack_ns);

/**
 * kasync_timer_expired - has the armed timer fired?
 * @tm: the timer
 *
 * Context: the task's poll function.
 * Return: true if @tm is armed and its callback ran.
 */
static inline bool kasync_timer_expired(const struct kasync_timer *tm)
{
	/* Wake-source rule W1 (kasync/wait.c) orders it before our poll. */
	return tm->armed && READ_ONCE(tm->fired);
}

/**
 * kasync_timer_armed - is the timer started and not yet completed?
 * @tm: the timer
 *
 * Context: the task's poll function (or its drop callback).
 * Return: true between kasync_timer_start() and completion/cancellation.
 */
static inline bool kasync_timer_armed(const struct kasync_timer *tm)
{
	return tm->armed;
}

/**
 * KASYNC_NO_TIMEOUT - the time limit that never runs out
 *
 * For every time limit kasync takes in nanoseconds: KASYNC_AWAIT_TIMEOUT()
 * (which then is a plain KASYNC_AWAIT()), kasync_timeout_start() and
 * kasync_sock_connect().  No timer is armed for it, ever.  A limit of 0,
 * by contrast, is no time at all: it runs out as soon as the operation
 * has to wait.
 */
#define KASYNC_NO_TIMEOUT	U64_MAX

/* @ns from now (CLOCK_MONOTONIC), saturating at KTIME_MAX */
static inline ktime_t kasync_deadline_ns(u64 ns)
{
	return ktime_add_safe(ktime_get(),
			      ns_to_ktime(min_t(u64, ns, KTIME_MAX)));
}

#define __kasync_timeout(task, tm, ns, expr, cancel, res)		\
({									\
	struct kasync_task *__kt_t = (task);				\
	struct kasync_timer *__kt_tm = (tm);				\
	u64 __kt_ns = (ns);						\
	long *__kt_res = (res);						\
	enum kasync_poll __kt_r = KASYNC_READY;				\
									\
	if ((expr) == KASYNC_READY) {					\
		/* Ready at once: a flag test, no call */		\
		if (kasync_timer_armed(__kt_tm))			\
			kasync_timer_cancel(__kt_t, __kt_tm);		\
		*__kt_res = 0;						\
	} else if (kasync_timer_expired(__kt_tm)) {			\
		cancel;							\
		kasync_timer_cancel(__kt_t, __kt_tm);			\
		*__kt_res = -ETIMEDOUT;					\
	} else {							\
		/* Armed once @expr waits, and never for no limit */	\
		if (!kasync_timer_armed(__kt_tm) &&			\
		    __kt_ns != KASYNC_NO_TIMEOUT)			\
			kasync_timeout_start(__kt_t, __kt_tm, __kt_ns);	\
		__kt_r = KASYNC_PENDING;				\
	}								\
	__kt_r;								\
})

/**
 * KASYNC_AWAIT_TIMEOUT - await an operation for at most @ns nanoseconds
 * @co: the function's &struct kasync_co
 * @task: the task being polled
 * @tm: a &struct kasync_timer in the state, not armed when the await
 *	starts (it is armed when @expr first has to wait, and disarmed at
 *	the end)
 * @ns: the time limit in nanoseconds, from the first evaluation that has
 *	to wait; %KASYNC_NO_TIMEOUT for none (no timer is ever armed); 0
 *	runs out as soon as @expr has to wait
 * @expr: the awaited operation, an &enum kasync_poll expression
 * @cancel: a statement that abandons @expr cleanly, such as
 *	kasync_wait_cancel(task, &s->w) or kasync_pollfd_cancel(task, &s->p)
 *	(a helper's state must also get its co reset)
 * @res: a long pointer, in the task's state, for the time limit's own
 *	result: 0 if @expr finished (@expr's result, if it has one, is
 *	wherever @expr put it), -ETIMEDOUT if the time ran out (then @cancel
 *	was executed, @expr is not queued anywhere and its own result was
 *	not set).  Give it a variable of its own: not @expr's result, which
 *	it would overwrite with 0.
 *
 * @expr is tried first on every resume, so an operation ready at the same
 * time as the deadline counts as done, and one that finishes without
 * waiting never touches the timer: not even when the cooperative budget
 * makes it report %KASYNC_PENDING once (kasync_timeout_start()).
 * Aborting the task cancels the timer and (through its own hook) the
 * operation.  *@res is written only when the await reports
 * %KASYNC_READY, as for every kasync await.
 */
#define KASYNC_AWAIT_TIMEOUT(co, task, tm, ns, expr, cancel, res)	\
	KASYNC_AWAIT(co, __kasync_timeout(task, tm, ns, expr, cancel, res))

/**
 * enum kasync_missed - what an interval does after missed ticks
 * @KASYNC_MISSED_BURST: fire the missed ticks back to back until caught
 *	up; the schedule keeps its phase (tokio's Burst)
 * @KASYNC_MISSED_DELAY: the next tick comes one period after the late one
 *	was delivered; the schedule shifts (tokio's Delay)
 * @KASYNC_MISSED_SKIP: drop the missed ticks; the next tick is the next
 *	point of the original schedule (tokio's Skip)
 *
 * A tick counts as missed when it is delivered a whole period or more
 * after its due time.
 */
enum kasync_missed {
	KASYNC_MISSED_BURST,
	KASYNC_MISSED_DELAY,
	KASYNC_MISSED_SKIP,
};

/**
 * struct kasync_interval - a periodic tick in a task's state
 * @tm: the timer of the next tick
 * @next: due time of the next tick (CLOCK_MONOTONIC)
 * @period: nanoseconds between ticks
 * @policy: what to do after missed ticks
 * @ticks: ticks delivered
 * @missed: ticks that were missed (delivered late or skipped)
 */
struct kasync_interval {
	struct kasync_timer tm;
	ktime_t next;
	u64 period;
	enum kasync_missed policy;
	u64 ticks;
	u64 missed;
};

void kasync_interval_init(struct kasync_interval *iv, u64 period_ns,
			  enum kasync_missed policy);
enum kasync_poll kasync_interval_tick(struct kasync_task *task,
				      struct kasync_interval *iv);

#endif /* _KASYNC_TIME_H */
