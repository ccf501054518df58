// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite kasync_timer: sleeps never end early, past deadlines and
 * reuse, coarse sleeps, the timeout combinator (expiring, completing in
 * time, and the hrtimers it starts, counted), intervals under each
 * missed-tick policy, and many sleepers at once.  Cancelling each timer
 * await point is in kasync_wait's kw_cancel_every_await table, with the
 * other wake sources.
 */
#include <kunit/test.h>
#include <linux/err.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/wait.h>

#include "kasync_test.h"
#include "kt_hrtimers.h"

/* ---- sleeps --------------------------------------------------------------- */

struct kt_sleeper {
	struct kasync_co co;
	struct kasync_timer tm;
	u64 ns;
	u64 slack;
	ktime_t deadline;	/* absolute, if set */
	ktime_t t0;
	int rounds;
	int i;
	atomic_t *polls;
};

/* Sleeps @rounds times; returns the elapsed time in microseconds. */
static enum kasync_poll kt_sleeper_poll(struct kasync_task *t, void *p)
{
	struct kt_sleeper *s = p;

	atomic_inc(s->polls);
	KASYNC_BEGIN(&s->co);
	s->t0 = ktime_get();
	for (s->i = 0; s->i < s->rounds; s->i++) {
		if (s->deadline)
			KASYNC_AWAIT(&s->co, kasync_sleep_until(t, &s->tm,
								s->deadline));
		else if (s->slack)
			KASYNC_AWAIT(&s->co, kasync_sleep_range(t, &s->tm, s->ns,
								s->slack));
		else
			KASYNC_AWAIT(&s->co, kasync_sleep(t, &s->tm, s->ns));
	}
	if (kasync_timer_armed(&s->tm))
		KASYNC_RETURN(&s->co, t, -EBUSY);
	KASYNC_RETURN(&s->co, t,
		      ktime_us_delta(ktime_get(), s->t0));
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops kt_sleeper_ops = {
	.poll = kt_sleeper_poll,
};

static long kt_run_sleeper(struct kunit *test, struct kt_sleeper *s)
{
	struct kasync_task *h;

	h = kasync_spawn(NULL, &kt_sleeper_ops, s, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	return kasync_join(&h);
}

/* Never before the deadline; woken by the timer, not polled in between. */
static void kt_sleep_not_early(struct kunit *test)
{
	static const u64 ms[] = { 1, 5, 20 };
	atomic_t polls = ATOMIC_INIT(0);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ms); i++) {
		struct kt_sleeper s = {
			.ns = ms[i] * NSEC_PER_MSEC, .rounds = 1,
			.polls = &polls,
		};
		long us;

		atomic_set(&polls, 0);
		us = kt_run_sleeper(test, &s);
		KUNIT_EXPECT_GE(test, us, (long)(ms[i] * USEC_PER_MSEC));
		KUNIT_EXPECT_LT(test, us, (long)(ms[i] * USEC_PER_MSEC + USEC_PER_SEC));
		/* One poll, or two if the timer beat the first one's end. */
		KUNIT_EXPECT_LE(test, atomic_read(&polls), 2);
	}
}

static void kt_sleep_until_deadline(struct kunit *test)
{
	atomic_t polls = ATOMIC_INIT(0);
	struct kt_sleeper s = { .rounds = 1, .polls = &polls };

	s.deadline = ktime_add_ms(ktime_get(), 15);
	KUNIT_EXPECT_GE(test, kt_run_sleeper(test, &s), 0L);
	KUNIT_EXPECT_GE(test, ktime_compare(ktime_get(), s.deadline), 0);
}

/* A deadline in the past completes in the first poll, without a timer. */
static void kt_sleep_past_deadline(struct kunit *test)
{
	atomic_t polls = ATOMIC_INIT(0);
	struct kt_sleeper s = { .rounds = 3, .polls = &polls };

	s.deadline = ktime_sub_ms(ktime_get(), 1);
	KUNIT_EXPECT_GE(test, kt_run_sleeper(test, &s), 0L);
	KUNIT_EXPECT_EQ(test, atomic_read(&polls), 1);
}

/* One timer reused for consecutive sleeps. */
static void kt_sleep_reuse(struct kunit *test)
{
	atomic_t polls = ATOMIC_INIT(0);
	struct kt_sleeper s = {
		.ns = 2 * NSEC_PER_MSEC, .rounds = 5, .polls = &polls,
	};

	KUNIT_EXPECT_GE(test, kt_run_sleeper(test, &s), 10L * USEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, atomic_read(&polls), 6);
}

/* A coarse sleep may end late, never early. */
static void kt_sleep_range_coarse(struct kunit *test)
{
	atomic_t polls = ATOMIC_INIT(0);
	struct kt_sleeper s = {
		.ns = 10 * NSEC_PER_MSEC, .slack = 10 * NSEC_PER_MSEC,
		.rounds = 1, .polls = &polls,
	};

	KUNIT_EXPECT_GE(test, kt_run_sleeper(test, &s), 10L * USEC_PER_MSEC);
}

/* ---- timeouts --------------------------------------------------------------- */

struct kt_timeout {
	struct kasync_co co;
	struct kasync_wait w;
	struct kasync_timer tm;
	struct wait_queue_head *wq;
	atomic_t *flag;
	u64 ns;
	ktime_t t0;
	long *elapsed_us;
	int *left;		/* anything still armed after the await */
	struct kasync_timer **tm_out;	/* optional: where the timer lives */
	long err;
};

static enum kasync_poll kt_timeout_poll(struct kasync_task *t, void *p)
{
	struct kt_timeout *s = p;

	KASYNC_BEGIN(&s->co);
	if (s->tm_out)
		WRITE_ONCE(*s->tm_out, &s->tm);
	s->t0 = ktime_get();
	KASYNC_AWAIT_TIMEOUT(&s->co, t, &s->tm, s->ns,
			     kasync_wait_event(t, &s->w, s->wq,
					       atomic_read(s->flag)),
			     kasync_wait_cancel(t, &s->w), &s->err);
	*s->elapsed_us = ktime_us_delta(ktime_get(), s->t0);
	*s->left = kasync_wait_armed(&s->w) + 2 * kasync_timer_armed(&s->tm) +
		   4 * hrtimer_is_queued(&s->tm.hrt);
	KASYNC_RETURN(&s->co, t, s->err);
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops kt_timeout_ops = {
	.poll = kt_timeout_poll,
};

/* The time runs out: -ETIMEDOUT, the wait entry is gone, not early. */
static void kt_timeout_expires(struct kunit *test)
{
	DECLARE_WAIT_QUEUE_HEAD_ONSTACK(wq);
	atomic_t flag = ATOMIC_INIT(0);
	long elapsed = 0;
	int left = -1;
	struct kt_timeout s = {
		.wq = &wq, .flag = &flag, .ns = 20 * NSEC_PER_MSEC,
		.elapsed_us = &elapsed, .left = &left,
	};
	struct kasync_task *h;

	h = kasync_spawn(NULL, &kt_timeout_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-ETIMEDOUT);
	KUNIT_EXPECT_GE(test, elapsed, 20L * USEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, left, 0);
	KUNIT_EXPECT_FALSE(test, wq_has_sleeper(&wq));
	atomic_set(&flag, 1);
	wake_up_all(&wq);	/* nobody left to wake (KASAN) */
}

/* The operation finishes in time: 0, and the timer is cancelled. */
static void kt_timeout_completes(struct kunit *test)
{
	DECLARE_WAIT_QUEUE_HEAD_ONSTACK(wq);
	atomic_t flag = ATOMIC_INIT(0);
	long elapsed = 0;
	int left = -1;
	struct kt_timeout s = {
		.wq = &wq, .flag = &flag, .ns = 10ULL * NSEC_PER_SEC,
		.elapsed_us = &elapsed, .left = &left,
	};
	struct kasync_task *h;

	h = kasync_spawn(NULL, &kt_timeout_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_ASSERT_TRUE(test, kt_wait_for(wq_has_sleeper(&wq), 5000));
	usleep_range(5000, 6000);
	atomic_set(&flag, 1);
	wake_up(&wq);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), 0L);
	KUNIT_EXPECT_LT(test, elapsed, 5L * USEC_PER_SEC);
	KUNIT_EXPECT_EQ(test, left, 0);
}

/*
 * Ready at the first try: the await never starts its timer (the state's
 * timer is still all zeroes: kasync_timer_start() would have set ->task).
 */
static void kt_timeout_fast_path(struct kunit *test)
{
	DECLARE_WAIT_QUEUE_HEAD_ONSTACK(wq);
	atomic_t flag = ATOMIC_INIT(1);
	struct kasync_timer *tm = NULL;
	long elapsed = 0;
	int left = -1;
	struct kt_timeout s = {
		.wq = &wq, .flag = &flag, .ns = 10ULL * NSEC_PER_SEC,
		.elapsed_us = &elapsed, .left = &left, .tm_out = &tm,
	};
	struct kasync_task *h;

	h = kasync_spawn(NULL, &kt_timeout_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	/* Not joined yet: the state, and so *tm, is still there. */
	KUNIT_ASSERT_TRUE(test, kt_wait_for(left >= 0, 5000));
	KUNIT_ASSERT_NOT_NULL(test, tm);
	KUNIT_EXPECT_NULL(test, READ_ONCE(tm->task));
	KUNIT_EXPECT_EQ(test, kasync_join(&h), 0L);
	KUNIT_EXPECT_EQ(test, left, 0);
}

/*
 * KASYNC_NO_TIMEOUT: the await waits as long as it takes, with no timer
 * armed meanwhile, and finishes when the operation does.
 */
static void kt_timeout_none(struct kunit *test)
{
	DECLARE_WAIT_QUEUE_HEAD_ONSTACK(wq);
	atomic_t flag = ATOMIC_INIT(0);
	struct kasync_timer *tm = NULL;
	long elapsed = 0;
	int left = -1;
	struct kt_timeout s = {
		.wq = &wq, .flag = &flag, .ns = KASYNC_NO_TIMEOUT,
		.elapsed_us = &elapsed, .left = &left, .tm_out = &tm,
	};
	struct kasync_task *h;

	h = kasync_spawn(NULL, &kt_timeout_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_ASSERT_TRUE(test, kt_wait_for(wq_has_sleeper(&wq), 5000));
	KUNIT_ASSERT_NOT_NULL(test, tm);
	msleep(20);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(tm->armed));
	KUNIT_EXPECT_NULL(test, READ_ONCE(tm->task));
	KUNIT_EXPECT_EQ(test, left, -1);	/* still waiting */
	atomic_set(&flag, 1);
	wake_up(&wq);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), 0L);
	KUNIT_EXPECT_GE(test, elapsed, 20L * USEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, left, 0);
}

/* ---- armed hrtimers, counted (kt_hrtimers.h) ---------------------------------- */

#define KT_ROUNDS	1000

/* KT_ROUNDS awaits with a time limit, one after the other. */
struct kt_rounds {
	struct kasync_co co;
	struct kasync_wait w;
	struct kasync_timer tm;
	struct wait_queue_head *wq;
	atomic_t *posted;	/* rounds the test let finish */
	atomic_t *done;		/* rounds finished */
	atomic_t *waited;	/* rounds that reported PENDING */
	u64 ns;
	bool pend;		/* this round did */
	int i;
	long err;
};

/* Round s->i waits until the test posted it; notes a PENDING. */
static enum kasync_poll kt_rounds_wait(struct kasync_task *t,
				       struct kt_rounds *s)
{
	enum kasync_poll r;

	r = kasync_wait_event(t, &s->w, s->wq, atomic_read(s->posted) > s->i);
	if (r == KASYNC_PENDING)
		s->pend = true;
	return r;
}

static enum kasync_poll kt_rounds_poll(struct kasync_task *t, void *p)
{
	struct kt_rounds *s = p;

	KASYNC_BEGIN(&s->co);
	for (s->i = 0; s->i < KT_ROUNDS; s->i++) {
		s->pend = false;
		KASYNC_AWAIT_TIMEOUT(&s->co, t, &s->tm, s->ns,
				     kt_rounds_wait(t, s),
				     kasync_wait_cancel(t, &s->w), &s->err);
		if (s->err)
			KASYNC_RETURN(&s->co, t, s->err);
		atomic_add(s->pend, s->waited);
		atomic_inc(s->done);
	}
	KASYNC_RETURN(&s->co, t, s->i);
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops kt_rounds_ops = {
	.poll = kt_rounds_poll,
};

struct kt_arms_case {
	const char *name;
	u64 ns;
	bool wait;	/* every round waits, else every one is ready at once */
};

static const struct kt_arms_case kt_arms_cases[] = {
	{ "no_limit_waits", KASYNC_NO_TIMEOUT, true },
	{ "limit_waits", 10ULL * NSEC_PER_SEC, true },
	{ "limit_ready", 10ULL * NSEC_PER_SEC, false },
};

static void kt_arms_desc(const struct kt_arms_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(kt_arms, kt_arms_cases, kt_arms_desc);

/*
 * The hrtimers a time limit costs, counted: one per await that has to
 * wait, none for %KASYNC_NO_TIMEOUT however long the awaits wait, and
 * none for awaits ready at once, even when the cooperative budget makes
 * every 128th of them report PENDING once (limit_ready runs past it).
 * In the waiting cases each round is let go only once the task is
 * queued in it (a round let go just before the task's re-check of its
 * condition finishes without reporting PENDING: rounds are counted).
 */
static void kt_timeout_arms(struct kunit *test)
{
	const struct kt_arms_case *c = test->param_value;
	DECLARE_WAIT_QUEUE_HEAD_ONSTACK(wq);
	atomic_t posted = ATOMIC_INIT(c->wait ? 0 : KT_ROUNDS);
	atomic_t done = ATOMIC_INIT(0), waited = ATOMIC_INIT(0);
	struct kt_rounds s = {
		.wq = &wq, .posted = &posted, .done = &done,
		.waited = &waited, .ns = c->ns,
	};
	struct kt_hrtimers a = {};
	struct kasync_task *h;
	int i, arms;
	long r;

	kt_hrtimers_start(test, &a);
	h = kasync_spawn(NULL, &kt_rounds_ops, &s, sizeof(s), GFP_KERNEL);
	if (IS_ERR(h)) {
		kt_hrtimers_stop(&a);
		KUNIT_FAIL(test, "spawn: %ld", PTR_ERR(h));
		return;
	}
	for (i = 0; c->wait && i < KT_ROUNDS; i++) {
		if (!kt_wait_for(atomic_read(&done) == i && wq_has_sleeper(&wq),
				 5000))
			break;
		atomic_set(&posted, i + 1);
		wake_up(&wq);
	}
	atomic_set(&posted, KT_ROUNDS);		/* whatever happened */
	wake_up(&wq);
	r = kasync_join(&h);
	arms = kt_hrtimers_stop(&a);

	KUNIT_EXPECT_EQ(test, r, (long)KT_ROUNDS);
	if (c->wait) {
		KUNIT_EXPECT_EQ(test, i, KT_ROUNDS);
		/* Most rounds waited (generous: all but a few do). */
		KUNIT_EXPECT_GE(test, atomic_read(&waited), KT_ROUNDS / 2);
	} else {
		/* The budget ran out: some rounds reported PENDING. */
		KUNIT_EXPECT_GE(test, atomic_read(&waited),
				KT_ROUNDS / KASYNC_COOP_BUDGET);
	}
	KUNIT_EXPECT_EQ(test, arms,
			c->wait && c->ns != KASYNC_NO_TIMEOUT ?
			atomic_read(&waited) : 0);
	kunit_info(test, "%d rounds, %d of them PENDING, %d kasync hrtimers started\n",
		   atomic_read(&done), atomic_read(&waited), arms);
}

/* ---- intervals -------------------------------------------------------------- */

#define KT_PERIOD	(20 * NSEC_PER_MSEC)
#define KT_TICKS	5

struct kt_iv_out {
	ktime_t origin;		/* due time of the first tick */
	ktime_t start;
	ktime_t at[KT_TICKS];
	ktime_t next[KT_TICKS];
	u64 missed;
};

struct kt_iv {
	struct kasync_co co;
	struct kasync_interval iv;
	enum kasync_missed policy;
	struct kt_iv_out *out;
	int i;
};

/* The first tick is due 3.5 periods ago: three and a half ticks late. */
static enum kasync_poll kt_iv_poll(struct kasync_task *t, void *p)
{
	struct kt_iv *s = p;
	struct kt_iv_out *o = s->out;

	KASYNC_BEGIN(&s->co);
	kasync_interval_init(&s->iv, KT_PERIOD, s->policy);
	o->start = ktime_get();
	o->origin = ktime_sub_ns(o->start, 7 * KT_PERIOD / 2);
	s->iv.next = o->origin;
	for (s->i = 0; s->i < KT_TICKS; s->i++) {
		KASYNC_AWAIT(&s->co, kasync_interval_tick(t, &s->iv));
		o->at[s->i] = ktime_get();
		o->next[s->i] = s->iv.next;
	}
	o->missed = s->iv.missed;
	KASYNC_RETURN(&s->co, t, s->iv.ticks);
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops kt_iv_ops = { .poll = kt_iv_poll };

static const enum kasync_missed kt_policies[] = {
	KASYNC_MISSED_BURST, KASYNC_MISSED_DELAY, KASYNC_MISSED_SKIP,
};

static void kt_policy_desc(const enum kasync_missed *p, char *desc)
{
	static const char * const names[] = { "burst", "delay", "skip" };

	strscpy(desc, names[*p], KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(kt_policy, kt_policies, kt_policy_desc);

/* Nanoseconds from the schedule's origin, and whether on its phase. */
static s64 kt_since(const struct kt_iv_out *o, ktime_t t)
{
	return ktime_to_ns(ktime_sub(t, o->origin));
}

static bool kt_on_phase(const struct kt_iv_out *o, ktime_t t)
{
	u64 rem;

	div64_u64_rem(kt_since(o, t), KT_PERIOD, &rem);
	return rem == 0;
}

static void kt_interval_policy(struct kunit *test)
{
	const enum kasync_missed *pol = test->param_value;
	struct kt_iv_out *o = kunit_kzalloc(test, sizeof(*o), GFP_KERNEL);
	struct kt_iv s = { .policy = *pol };
	struct kasync_task *h;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, o);
	s.out = o;
	h = kasync_spawn(NULL, &kt_iv_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_ASSERT_EQ(test, kasync_join(&h), (long)KT_TICKS);
	/* Ticks are never early: each comes at or after its due time. */
	for (i = 1; i < KT_TICKS; i++)
		KUNIT_EXPECT_GE(test, ktime_compare(o->at[i], o->next[i - 1]), 0);

	switch (*pol) {
	case KASYNC_MISSED_BURST:
		/* Four overdue ticks at once, then back on the schedule. */
		KUNIT_EXPECT_LT(test, ktime_to_ns(ktime_sub(o->at[3], o->start)),
				(s64)KT_PERIOD / 2);
		for (i = 0; i < KT_TICKS; i++)
			KUNIT_EXPECT_EQ(test, kt_since(o, o->next[i]),
					(s64)(i + 1) * KT_PERIOD);
		KUNIT_EXPECT_EQ(test, o->missed, 6ULL);
		break;
	case KASYNC_MISSED_DELAY:
		/* One overdue tick, then a period after each delivery. */
		KUNIT_EXPECT_GE(test, o->missed, 3ULL);
		KUNIT_EXPECT_GE(test, ktime_to_ns(ktime_sub(o->next[0], o->start)),
				(s64)KT_PERIOD);
		KUNIT_EXPECT_LE(test, ktime_to_ns(ktime_sub(o->next[0], o->at[0])),
				(s64)KT_PERIOD);
		for (i = 1; i < KT_TICKS; i++)
			KUNIT_EXPECT_GE(test,
					ktime_to_ns(ktime_sub(o->at[i], o->start)),
					(s64)i * KT_PERIOD);
		break;
	case KASYNC_MISSED_SKIP:
		/* One overdue tick, the rest dropped, the phase kept. */
		KUNIT_EXPECT_GE(test, o->missed, 3ULL);
		KUNIT_EXPECT_EQ(test, kt_since(o, o->next[0]), 4LL * KT_PERIOD);
		for (i = 0; i < KT_TICKS; i++) {
			KUNIT_EXPECT_TRUE(test, kt_on_phase(o, o->next[i]));
			KUNIT_EXPECT_GT(test, ktime_compare(o->next[i], o->at[i]), 0);
		}
		break;
	}
}

/* ---- many sleepers ---------------------------------------------------------- */

static unsigned int kt_sleepers = 100000;
module_param(kt_sleepers, uint, 0444);
MODULE_PARM_DESC(kt_sleepers, "tasks of kt_many_sleepers");

struct kt_many {
	atomic_t sleeping;
	atomic_t done;
	atomic_t early;
	ktime_t deadline;
};

struct kt_many_task {
	struct kasync_co co;
	struct kasync_timer tm;
	struct kt_many *m;
};

static enum kasync_poll kt_many_poll(struct kasync_task *t, void *p)
{
	struct kt_many_task *s = p;

	KASYNC_BEGIN(&s->co);
	atomic_inc(&s->m->sleeping);
	KASYNC_AWAIT(&s->co, kasync_sleep_until(t, &s->tm, s->m->deadline));
	if (ktime_before(ktime_get(), s->m->deadline))
		atomic_inc(&s->m->early);
	atomic_dec(&s->m->sleeping);
	atomic_inc(&s->m->done);
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops kt_many_ops = { .poll = kt_many_poll };

/* Tasks spawned per second here and now (KASAN and TCG vary it ~10x). */
static unsigned int kt_spawn_rate(struct kunit *test)
{
	struct kt_simple s = {};
	struct kasync_task *h;
	ktime_t t0 = ktime_get();
	unsigned int i;
	s64 us;

	for (i = 0; i < 2000; i++) {
		h = kasync_spawn(NULL, &kt_ready_ops, &s, sizeof(s), GFP_KERNEL);
		KUNIT_ASSERT_FALSE(test, IS_ERR(h));
		kasync_detach(&h);
	}
	us = max_t(s64, ktime_us_delta(ktime_get(), t0), 1);
	return max_t(u64, 2000ULL * USEC_PER_SEC / us, 100);
}

/*
 * kt_sleepers tasks (module parameter, 100,000) all asleep at once on one
 * deadline, then all woken.  The deadline is set from a measured spawn
 * rate, with a 10x margin, so that every task is armed before it fires
 * even on a KASAN kernel under TCG; if spawning still overran it, the
 * case is reported as skipped rather than passed.  The rate is measured
 * on 2,000 tasks that finish at once, whose memory the per-CPU task
 * cache recycles; 100,000 sleepers alive together take new slab pages
 * (KASAN shadow, kmemleak objects) and hrtimers in a deep tree, and were
 * seen to spawn 6.5 times slower than that (8,500/s against 55,600/s),
 * which a 3x margin turned into a skip on every run.
 */
static void kt_many_sleepers(struct kunit *test)
{
	struct kt_many *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	struct kt_many_task s = {};
	struct kasync_task *h;
	unsigned int i, n = kt_sleepers, rate;
	bool together = false;
	ktime_t t0;

	KUNIT_ASSERT_NOT_NULL(test, m);
	rate = kt_spawn_rate(test);
	t0 = ktime_get();
	m->deadline = ktime_add_ms(t0, 2000 + 10ULL * n * MSEC_PER_SEC / rate);
	s.m = m;
	for (i = 0; i < n; i++) {
		h = kasync_spawn(NULL, &kt_many_ops, &s, sizeof(s), GFP_KERNEL);
		if (IS_ERR(h))
			break;
		kasync_detach(&h);
		if (!(i % 1024))
			cond_resched();
	}
	KUNIT_EXPECT_EQ(test, i, n);
	n = i;
	KUNIT_EXPECT_TRUE(test, kt_wait_for(atomic_read(&m->sleeping) +
					    atomic_read(&m->done) == n, 60000));
	/* All asleep together before the deadline. */
	if (ktime_before(ktime_get(), m->deadline)) {
		KUNIT_EXPECT_EQ(test, atomic_read(&m->sleeping), (int)n);
		together = true;
	}
	kunit_info(test, "%u sleepers spawned in %lld ms (%u/s measured before)\n",
		   n, ktime_ms_delta(ktime_get(), t0), rate);
	/* Detached tasks point at @m: wait for all of them, however long. */
	while (!kt_wait_for(atomic_read(&m->done) == n, 60000))
		kunit_err(test, "%d sleepers left\n", n - atomic_read(&m->done));
	KUNIT_EXPECT_EQ(test, atomic_read(&m->early), 0);
	kunit_info(test, "all woken %lld ms after the deadline\n",
		   ktime_ms_delta(ktime_get(), m->deadline));
	if (!together)
		kunit_skip(test, "spawning overran the deadline: not all %u were asleep at once", n);
}

/* ---- the result convention ------------------------------------------------ */

/* Two awaits with a time limit, its res watched (kt_res_watch()). */
struct kt_res_to {
	struct kasync_co co;
	struct kasync_wait w;
	struct kasync_timer tm;
	struct kasync_sync_wait sw;
	struct kasync_sem *sem;		/* no permit: the acquire waits */
	struct wait_queue_head *wq;
	atomic_t *flag;
	struct kt_res_log *log;
	long res;			/* the time limit's */
	long op_res;			/* the acquire's own */
};

/* KASYNC_AWAIT_TIMEOUT()'s expression, for kt_res_watch() to wrap. */
static enum kasync_poll kt_res_to_event(struct kasync_task *t,
					struct kt_res_to *s)
{
	return __kasync_timeout(t, &s->tm, 10ULL * NSEC_PER_SEC,
				kasync_wait_event(t, &s->w, s->wq,
						  atomic_read(s->flag)),
				kasync_wait_cancel(t, &s->w), &s->res);
}

static enum kasync_poll kt_res_to_acquire(struct kasync_task *t,
					  struct kt_res_to *s)
{
	return __kasync_timeout(t, &s->tm, 20 * NSEC_PER_MSEC,
				kasync_sem_acquire(t, s->sem, 1, &s->sw,
						   &s->op_res),
				kasync_sem_acquire_cancel(t, s->sem, &s->sw),
				&s->res);
}

static enum kasync_poll kt_res_to_poll(struct kasync_task *t, void *p)
{
	struct kt_res_to *s = p;

	KASYNC_BEGIN(&s->co);
	s->res = KT_RES_UNSET;		/* finishes: the test sets the flag */
	KASYNC_AWAIT(&s->co, kt_res_watch(kt_res_to_event(t, s), &s->res,
					  s->log, 0));
	s->log->res[0] = s->res;
	s->res = KT_RES_UNSET;		/* runs out */
	s->op_res = KT_RES_UNSET;
	KASYNC_AWAIT(&s->co, kt_res_watch(kt_res_to_acquire(t, s), &s->res,
					  s->log, 1));
	s->log->res[1] = s->res;
	s->log->res[2] = s->op_res;
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops kt_res_to_ops = { .poll = kt_res_to_poll };

/*
 * A time limit writes its res only when the await finishes: 0 when the
 * operation did, -ETIMEDOUT when the time ran out; then the operation's
 * own res is not written either.
 */
static void kt_res_convention(struct kunit *test)
{
	DECLARE_WAIT_QUEUE_HEAD_ONSTACK(wq);
	atomic_t flag = ATOMIC_INIT(0);
	struct kt_res_log log = {};
	struct kasync_sem sem;
	struct kt_res_to s = { .sem = &sem, .wq = &wq, .flag = &flag,
			       .log = &log };
	struct kasync_task *h;

	KUNIT_ASSERT_EQ(test, kasync_sem_init(&sem, 0, 1), 0);
	h = kasync_spawn(NULL, &kt_res_to_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_EXPECT_TRUE(test, kt_res_pending(&log, 0));
	KUNIT_EXPECT_TRUE(test, kt_res_spurious(h, &log, 0));
	atomic_set(&flag, 1);
	wake_up(&wq);
	KUNIT_EXPECT_EQ(test, kasync_join_timeout(&h, 10 * HZ), 0L);
	KUNIT_EXPECT_EQ(test, log.res[0], 0L);
	KUNIT_EXPECT_EQ(test, log.res[1], (long)-ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, log.res[2], KT_RES_UNSET);
	KUNIT_EXPECT_GT(test, atomic_read(&log.pending[1]), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&log.touched), 0);
	KUNIT_EXPECT_EQ(test, kasync_sem_available(&sem), 0UL);
	if (h) {
		kasync_abort(h);
		kasync_join(&h);
	}
}

static struct kunit_case kasync_timer_cases[] = {
	KUNIT_CASE(kt_sleep_not_early),
	KUNIT_CASE(kt_sleep_until_deadline),
	KUNIT_CASE(kt_sleep_past_deadline),
	KUNIT_CASE(kt_sleep_reuse),
	KUNIT_CASE(kt_sleep_range_coarse),
	KUNIT_CASE(kt_timeout_expires),
	KUNIT_CASE(kt_timeout_completes),
	KUNIT_CASE(kt_timeout_fast_path),
	KUNIT_CASE(kt_timeout_none),
	KUNIT_CASE_PARAM(kt_timeout_arms, kt_arms_gen_params),
	KUNIT_CASE_PARAM(kt_interval_policy, kt_policy_gen_params),
	KUNIT_CASE_SLOW(kt_many_sleepers),
	KUNIT_CASE(kt_res_convention),
	{}
};

static struct kunit_suite kasync_timer_suite = {
	.name = "kasync_timer",
	.test_cases = kasync_timer_cases,
};

kunit_test_suite(kasync_timer_suite);

MODULE_DESCRIPTION("KUnit tests for kasync timers");
MODULE_LICENSE("GPL");
