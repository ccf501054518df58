// SPDX-License-Identifier: GPL-2.0
/*
 * kasync timers: one-shot sleeps on an hrtimer in the task's state,
 * deadlines, coarse sleeps with slack, and intervals.
 *
 * Fields of &struct kasync_timer (legend of rules.h and wait.c):
 *
 *   hrt      the hrtimer core's; started and cancelled by the task only
 *   task     P: set before the timer is started
 *   cleanup  P
 *   armed    P
 *   fired    set by the callback (wake-source rule W1), cleared by the
 *            task before it starts the timer
 *
 * &struct kasync_interval is all P.
 *
 * The callback runs in hard IRQ context (softirq on PREEMPT_RT, as the
 * mode is not _HARD): it only stores fired and calls kasync_wake(), which
 * allocates nothing and takes only irq-safe locks.  The task cancels the
 * timer with hrtimer_cancel() when the sleep completes (a callback that
 * just woke it may still be running: wake-source rule W5), when it
 * abandons the sleep, and from the cleanup hook when it is aborted.
 * hrtimer_cancel() spins on a running callback; it does not sleep on
 * !PREEMPT_RT, and polls and cleanup hooks run in process context.
 */
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <kasync.h>

#include "misuse.h"
#include "task_access.h"

static enum hrtimer_restart kasync_timer_fn(struct hrtimer *hrt)
{
	struct kasync_timer *tm = container_of(hrt, struct kasync_timer, hrt);

	WRITE_ONCE(tm->fired, true);
	kasync_wake(tm->task);
	return HRTIMER_NORESTART;
}

static void kasync_timer_stop(struct kasync_timer *tm)
{
	/* Wake-source rule W5: waits for a callback still running. */
	hrtimer_cancel(&tm->hrt);
	tm->armed = false;
}

static void kasync_timer_cleanup(struct kasync_cleanup *c)
{
	kasync_timer_stop(container_of(c, struct kasync_timer, cleanup));
}

/**
 * kasync_timer_start - arm a task's timer for an absolute deadline
 * @task: the task being polled
 * @tm: the timer, not armed (zeroed, completed or cancelled)
 * @deadline: CLOCK_MONOTONIC expiry time; a past one fires at once
 * @slack_ns: how much later the timer may fire, letting the kernel batch
 *	expiries (hrtimer_set_expires_range_ns()); 0 for precise timers
 *
 * The building block of the sleeps and KASYNC_AWAIT_TIMEOUT(): starts
 * the hrtimer and registers the cleanup hook that cancels it.  Await it
 * with kasync_timer_poll() or test it with kasync_timer_expired().
 * Starting an armed timer is misuse: warns once at the call site and is
 * otherwise ignored.
 *
 * Context: the task's poll function.
 */
void kasync_timer_start(struct kasync_task *task, struct kasync_timer *tm,
			ktime_t deadline, u64 slack_ns)
{
	if (kasync_misuse(tm->armed, "of an armed timer"))
		return;
	hrtimer_init(&tm->hrt, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	tm->hrt.function = kasync_timer_fn;
	tm->task = task;
	tm->fired = false;
	tm->armed = true;
	tm->cleanup.fn = kasync_timer_cleanup;
	kasync_cleanup_add(task, &tm->cleanup);
	hrtimer_set_expires_range_ns(&tm->hrt, deadline, slack_ns);
	hrtimer_start_expires(&tm->hrt, HRTIMER_MODE_ABS);
}
EXPORT_SYMBOL_GPL(kasync_timer_start);

/* kasync_timer_poll() without the cooperative budget. */
static enum kasync_poll kasync_timer_ready(struct kasync_task *task,
					   struct kasync_timer *tm)
{
	if (!tm->armed)
		return KASYNC_READY;
	if (!READ_ONCE(tm->fired))
		return kt_pending(task, KASYNC_WAIT_TIMER);
	kasync_timer_cancel(task, tm);
	return KASYNC_READY;
}

/**
 * kasync_timer_poll - await a timer started with kasync_timer_start()
 * @task: the task being polled
 * @tm: the timer
 *
 * Context: the task's poll function.
 * Return: %KASYNC_READY once the timer fired (it is then disarmed and can
 * be started again), or if it is not armed; %KASYNC_PENDING otherwise.
 */
enum kasync_poll kasync_timer_poll(struct kasync_task *task,
				   struct kasync_timer *tm)
{
	return kasync_coop(task, kasync_timer_ready(task, tm));
}
EXPORT_SYMBOL_GPL(kasync_timer_poll);

/**
 * kasync_timer_cancel - disarm a timer
 * @task: the task being polled
 * @tm: the timer; nothing is done if it is not armed
 *
 * Cancels the hrtimer, waiting for its callback if it is running, and
 * unregisters the cleanup hook.  @tm can be started again afterwards.
 *
 * Context: the task's poll function.
 */
void kasync_timer_cancel(struct kasync_task *task, struct kasync_timer *tm)
{
	if (!tm->armed)
		return;
	kasync_cleanup_del(task, &tm->cleanup);
	kasync_timer_stop(tm);
}
EXPORT_SYMBOL_GPL(kasync_timer_cancel);

/**
 * kasync_timeout_start - start a time limit once an await has to wait
 * @task: the task being polled
 * @tm: the limit's timer, not armed
 * @ns: the limit, from now; %KASYNC_NO_TIMEOUT for none
 *
 * The slow path of KASYNC_AWAIT_TIMEOUT() and kasync_sock_connect(), for
 * an operation that reported %KASYNC_PENDING while @tm was not armed:
 * arms @tm @ns from now.  It arms nothing for %KASYNC_NO_TIMEOUT, and
 * nothing when the %KASYNC_PENDING was the cooperative budget's yield
 * (kasync_coop_proceed()) rather than a wait: the task is polled again
 * at once, and an operation kept ready costs no timer operations.  The
 * next evaluation that has to wait starts the limit then (also for an
 * operation that spent the last of the budget and then waited: the
 * task is polled once more first).
 *
 * Context: the task's poll function.
 */
void kasync_timeout_start(struct kasync_task *task, struct kasync_timer *tm,
			  u64 ns)
{
	if (ns == KASYNC_NO_TIMEOUT || !kasync_coop_proceed(task))
		return;
	kasync_timer_start(task, tm, kasync_deadline_ns(ns), 0);
}
EXPORT_SYMBOL_GPL(kasync_timeout_start);

static enum kasync_poll kasync_sleep_common(struct kasync_task *task,
					    struct kasync_timer *tm,
					    ktime_t deadline, u64 slack_ns)
{
	if (!tm->armed) {
		if (ktime_compare(deadline, ktime_get()) <= 0)
			return KASYNC_READY;
		kasync_timer_start(task, tm, deadline, slack_ns);
	}
	return kasync_timer_ready(task, tm);
}

/**
 * kasync_sleep_until - await a CLOCK_MONOTONIC time
 * @task: the task being polled
 * @tm: a &struct kasync_timer in the task's state
 * @deadline: when to wake; the first poll of the await fixes it
 *
 * For KASYNC_AWAIT().  Never reports %KASYNC_READY before @deadline.  A
 * deadline already past completes at once, without a timer.
 *
 * Context: the task's poll function.
 * Return: %KASYNC_READY once @deadline passed, else %KASYNC_PENDING.
 */
enum kasync_poll kasync_sleep_until(struct kasync_task *task,
				    struct kasync_timer *tm, ktime_t deadline)
{
	return kasync_coop(task, kasync_sleep_common(task, tm, deadline, 0));
}
EXPORT_SYMBOL_GPL(kasync_sleep_until);

/**
 * kasync_sleep - await the passing of a duration
 * @task: the task being polled
 * @tm: a &struct kasync_timer in the task's state
 * @ns: nanoseconds, counted from the first poll of the await
 *
 * For KASYNC_AWAIT().  The hrtimer's deadline is fixed when the sleep
 * starts; later polls only check it.
 *
 * Context: the task's poll function.
 * Return: %KASYNC_READY once @ns passed, else %KASYNC_PENDING.
 */
enum kasync_poll kasync_sleep(struct kasync_task *task,
			      struct kasync_timer *tm, u64 ns)
{
	return kasync_coop(task, tm->armed ? kasync_timer_ready(task, tm) :
			   kasync_sleep_common(task, tm, kasync_deadline_ns(ns), 0));
}
EXPORT_SYMBOL_GPL(kasync_sleep);

/**
 * kasync_sleep_range - kasync_sleep() that may end up to @slack_ns late
 * @task: the task being polled
 * @tm: a &struct kasync_timer in the task's state
 * @ns: nanoseconds, at least
 * @slack_ns: tolerated lateness; the kernel fires timers whose ranges
 *	overlap together, saving interrupts (for long timeouts, keepalives)
 *
 * Context: the task's poll function.
 * Return: %KASYNC_READY once the timer fired, else %KASYNC_PENDING.
 */
enum kasync_poll kasync_sleep_range(struct kasync_task *task,
				    struct kasync_timer *tm, u64 ns,
				    u64 slack_ns)
{
	return kasync_coop(task, tm->armed ? kasync_timer_ready(task, tm) :
			   kasync_sleep_common(task, tm, kasync_deadline_ns(ns),
					       slack_ns));
}
EXPORT_SYMBOL_GPL(kasync_sleep_range);

/**
 * kasync_interval_init - set up an interval
 * @iv: the interval, in the task's state; not armed
 * @period_ns: nanoseconds between ticks, at least 1
 * @policy: what to do after missed ticks
 *
 * The first tick is due one period from now.  A poll function may move
 * @iv->next afterwards to choose another phase.
 *
 * Context: any, before the first kasync_interval_tick().
 */
void kasync_interval_init(struct kasync_interval *iv, u64 period_ns,
			  enum kasync_missed policy)
{
	memset(iv, 0, sizeof(*iv));
	iv->period = max_t(u64, period_ns, 1);
	iv->policy = policy;
	iv->next = ktime_add_ns(ktime_get(), iv->period);
}
EXPORT_SYMBOL_GPL(kasync_interval_init);

/* A tick due at iv->next was delivered at @now: schedule the next one. */
static void kasync_interval_advance(struct kasync_interval *iv, ktime_t now)
{
	s64 late = ktime_to_ns(ktime_sub(now, iv->next));
	u64 behind = late > 0 ? div64_u64(late, iv->period) : 0;

	iv->ticks++;
	iv->missed += behind;
	switch (iv->policy) {
	case KASYNC_MISSED_DELAY:
		if (behind)
			iv->next = ktime_add_ns(now, iv->period);
		else
			iv->next = ktime_add_ns(iv->next, iv->period);
		break;
	case KASYNC_MISSED_SKIP:
		iv->next = ktime_add_ns(iv->next, (behind + 1) * iv->period);
		break;
	case KASYNC_MISSED_BURST:
	default:
		iv->next = ktime_add_ns(iv->next, iv->period);
		break;
	}
}

/* kasync_interval_tick() without the cooperative budget. */
static enum kasync_poll kasync_interval_ready(struct kasync_task *task,
					      struct kasync_interval *iv)
{
	if (kasync_sleep_common(task, &iv->tm, iv->next, 0) == KASYNC_PENDING)
		return kt_pending(task, KASYNC_WAIT_TIMER);
	kasync_interval_advance(iv, ktime_get());
	return KASYNC_READY;
}

/**
 * kasync_interval_tick - await the next tick of an interval
 * @task: the task being polled
 * @iv: the interval, set up with kasync_interval_init()
 *
 * For KASYNC_AWAIT(), typically in a loop.  A tick already due completes
 * at once, without a timer (so %KASYNC_MISSED_BURST catches up without
 * sleeping); otherwise the interval's timer is armed for it.  Aborting
 * the task cancels the timer.
 *
 * Context: the task's poll function.
 * Return: %KASYNC_READY when a tick is delivered (@iv->ticks counts it),
 * else %KASYNC_PENDING.
 */
enum kasync_poll kasync_interval_tick(struct kasync_task *task,
				      struct kasync_interval *iv)
{
	return kasync_coop(task, kasync_interval_ready(task, iv));
}
EXPORT_SYMBOL_GPL(kasync_interval_tick);
