// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite kasync_co: the resumable-function macros of <kasync/co.h>:
 * await/resume, nested helpers three deep, re-awaiting a helper, and the
 * order in which yielding tasks take turns.
 */
#include <kunit/test.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/spinlock.h>

#include "kasync_test.h"

/* ---- await re-evaluates its expression until READY ----------------------- */

struct kc_count {
	struct kasync_co co;
	int ticks;		/* polls of the await expression */
	int trail[4];		/* the order in which steps ran */
	int n;
};

/* PENDING twice (waking itself), then READY. */
static enum kasync_poll kc_tick(struct kasync_task *t, struct kc_count *s)
{
	if (++s->ticks < 3) {
		kasync_wake(t);
		return KASYNC_PENDING;
	}
	return KASYNC_READY;
}

static enum kasync_poll kc_count_poll(struct kasync_task *t, void *p)
{
	struct kc_count *s = p;

	KASYNC_BEGIN(&s->co);
	s->trail[s->n++] = 1;
	KASYNC_AWAIT(&s->co, kc_tick(t, s));
	s->trail[s->n++] = 2;
	KASYNC_YIELD(&s->co);
	s->trail[s->n++] = 3;
	KASYNC_RETURN(&s->co, t, s->ticks * 100 + s->trail[0] * 10 +
		      s->trail[2]);
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops kc_count_ops = { .poll = kc_count_poll };

static void kc_await_resumes(struct kunit *test)
{
	struct kc_count s = {};
	struct kasync_task *h;

	h = kasync_spawn(NULL, &kc_count_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	/* 3 ticks, steps 1 and 3 each ran once, in order. */
	KUNIT_EXPECT_EQ(test, kasync_join(&h), 313L);
}

/* Falling off KASYNC_END() completes with result 0. */
static enum kasync_poll kc_fall_poll(struct kasync_task *t, void *p)
{
	struct kc_count *s = p;

	KASYNC_BEGIN(&s->co);
	KASYNC_YIELD(&s->co);
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops kc_fall_ops = { .poll = kc_fall_poll };

static void kc_end_returns_zero(struct kunit *test)
{
	struct kc_count s = {};
	struct kasync_task *h;

	h = kasync_spawn(NULL, &kc_fall_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_EXPECT_EQ(test, kasync_join(&h), 0L);
}

/* ---- helpers nested three deep -------------------------------------------- */

struct kc_h3 {
	struct kasync_co co;
	int i;
	int sum;
};

struct kc_h2 {
	struct kasync_co co;
	struct kc_h3 h3;
	int rounds;
};

struct kc_h1 {
	struct kasync_co co;
	struct kc_h2 h2;
	int steps;
};

struct kc_nest {
	struct kasync_co co;
	struct kc_h1 h1;
	int loops;
};

/* Innermost: yields three times, adding its counter each time. */
static enum kasync_poll kc_helper3(struct kasync_task *t, struct kc_h3 *s)
{
	KASYNC_BEGIN(&s->co);
	for (s->i = 1; s->i <= 3; s->i++) {
		s->sum += s->i;
		KASYNC_YIELD(&s->co);
	}
	KASYNC_DONE(&s->co);
	KASYNC_END(&s->co);
}

/* Awaits helper3 twice (its state is reset when it finishes). */
static enum kasync_poll kc_helper2(struct kasync_task *t, struct kc_h2 *s)
{
	KASYNC_BEGIN(&s->co);
	KASYNC_AWAIT(&s->co, kc_helper3(t, &s->h3));
	s->rounds++;
	s->h3.i = 0;
	KASYNC_AWAIT(&s->co, kc_helper3(t, &s->h3));
	s->rounds++;
	KASYNC_END(&s->co);
}

static enum kasync_poll kc_helper1(struct kasync_task *t, struct kc_h1 *s)
{
	KASYNC_BEGIN(&s->co);
	s->steps++;
	KASYNC_AWAIT(&s->co, kc_helper2(t, &s->h2));
	s->steps++;
	KASYNC_END(&s->co);
}

static enum kasync_poll kc_nest_poll(struct kasync_task *t, void *p)
{
	struct kc_nest *s = p;

	KASYNC_BEGIN(&s->co);
	while (s->loops < 2) {
		KASYNC_AWAIT(&s->co, kc_helper1(t, &s->h1));
		s->loops++;
	}
	/* sum: 2 loops x 2 rounds x (1+2+3); rounds 4; steps 4 */
	KASYNC_RETURN(&s->co, t, s->h1.h2.h3.sum * 100 +
		      s->h1.h2.rounds * 10 + s->h1.steps);
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops kc_nest_ops = { .poll = kc_nest_poll };

static void kc_nested_helpers(struct kunit *test)
{
	struct kc_nest s = {};
	struct kasync_task *h;

	h = kasync_spawn(NULL, &kc_nest_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_EXPECT_EQ(test, kasync_join(&h), 24L * 100 + 4 * 10 + 4);
}

/* ---- yield ordering --------------------------------------------------------- */

#define KC_YIELDERS	4
#define KC_ROUNDS	5

struct kc_log {
	atomic_t started;	/* tasks polled at least once */
	spinlock_t lock;
	int n;
	int who[KC_YIELDERS * KC_ROUNDS];
};

struct kc_yielder {
	struct kasync_co co;
	struct kc_log *log;
	int id;
	int round;
};

static enum kasync_poll kc_yielder_poll(struct kasync_task *t, void *p)
{
	struct kc_yielder *s = p;
	unsigned long flags;

	KASYNC_BEGIN(&s->co);
	/* Take turns with the others only once all of them are queued. */
	atomic_inc(&s->log->started);
	while (atomic_read(&s->log->started) < KC_YIELDERS)
		KASYNC_YIELD(&s->co);
	for (s->round = 0; s->round < KC_ROUNDS; s->round++) {
		spin_lock_irqsave(&s->log->lock, flags);
		if (s->log->n < ARRAY_SIZE(s->log->who))
			s->log->who[s->log->n++] = s->id;
		spin_unlock_irqrestore(&s->log->lock, flags);
		KASYNC_YIELD(&s->co);
	}
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops kc_yielder_ops = {
	.poll = kc_yielder_poll,
};

/* Strict turns: every task once, then the same order again, and again. */
static void kc_check_turns(struct kunit *test, struct kc_log *log)
{
	int i, seen = 0;

	KUNIT_ASSERT_EQ(test, log->n, KC_YIELDERS * KC_ROUNDS);
	for (i = 0; i < KC_YIELDERS; i++)
		seen |= BIT(log->who[i]);
	KUNIT_EXPECT_EQ(test, seen, (int)BIT(KC_YIELDERS) - 1);
	for (i = KC_YIELDERS; i < log->n; i++)
		KUNIT_EXPECT_EQ(test, log->who[i], log->who[i % KC_YIELDERS]);
}

/*
 * On an ordered runtime a yield goes to the back of the single FIFO, so
 * the tasks take strict turns: A B C D A B C D ...
 */
static void kc_yield_round_robin(struct kunit *test)
{
	struct kasync_task *h[KC_YIELDERS];
	struct kc_yielder y = {};
	struct kasync_rt *rt;
	struct kc_log *log;
	int i;

	log = kunit_kzalloc(test, sizeof(*log), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, log);
	spin_lock_init(&log->lock);
	rt = kasync_rt_create("kc_yield", KASYNC_RT_ORDERED);
	KUNIT_ASSERT_FALSE(test, IS_ERR(rt));
	y.log = log;
	for (i = 0; i < KC_YIELDERS; i++) {
		y.id = i;
		h[i] = kasync_spawn(rt, &kc_yielder_ops, &y, sizeof(y),
				    GFP_KERNEL);
		KUNIT_EXPECT_FALSE(test, IS_ERR(h[i]));
	}
	for (i = 0; i < KC_YIELDERS; i++) {
		if (!IS_ERR(h[i]))
			KUNIT_EXPECT_EQ(test, kasync_join(&h[i]), 0L);
	}
	kasync_rt_destroy(rt);
	kc_check_turns(test, log);
}

/*
 * On a per-CPU runtime the tasks of one CPU also take turns: a yield is
 * never served from the LIFO slot.
 */
static void kc_yield_percpu_fair(struct kunit *test)
{
	struct kasync_task *h[KC_YIELDERS];
	struct kc_yielder y = {};
	struct kasync_rt *rt;
	struct kc_log *log;
	int i;

	log = kunit_kzalloc(test, sizeof(*log), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, log);
	spin_lock_init(&log->lock);
	rt = kasync_rt_create("kc_yield_pcpu", KASYNC_RT_PERCPU);
	KUNIT_ASSERT_FALSE(test, IS_ERR(rt));
	y.log = log;
	for (i = 0; i < KC_YIELDERS; i++) {
		y.id = i;
		h[i] = kasync_spawn_on(rt, cpumask_first(cpu_online_mask),
				       &kc_yielder_ops, &y, sizeof(y),
				       GFP_KERNEL);
		KUNIT_EXPECT_FALSE(test, IS_ERR(h[i]));
	}
	for (i = 0; i < KC_YIELDERS; i++) {
		if (!IS_ERR(h[i]))
			KUNIT_EXPECT_EQ(test, kasync_join(&h[i]), 0L);
	}
	kasync_rt_destroy(rt);
	kc_check_turns(test, log);
}

static struct kunit_case kasync_co_cases[] = {
	KUNIT_CASE(kc_await_resumes),
	KUNIT_CASE(kc_end_returns_zero),
	KUNIT_CASE(kc_nested_helpers),
	KUNIT_CASE(kc_yield_round_robin),
	KUNIT_CASE(kc_yield_percpu_fair),
	{}
};

static struct kunit_suite kasync_co_suite = {
	.name = "kasync_co",
	.test_cases = kasync_co_cases,
};

kunit_test_suite(kasync_co_suite);

MODULE_DESCRIPTION("KUnit tests for kasync resumable functions");
MODULE_LICENSE("GPL");
