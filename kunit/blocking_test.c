// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite kasync_blocking: functions that sleep (msleep, mutex_lock,
 * completions) offloaded to the blocking pool and awaited from tasks; the
 * pool's bound; cancellation before a function starts (it never runs),
 * while it runs (the task ends at once, the result is discarded when the
 * function returns) and after it returned (the result is discarded); time
 * limits with kasync_blocking_cancel(); module-unload draining; and abort
 * at every await point as a table.
 *
 * Functions get their argument from kunit-allocated memory: an orphaned
 * function outlives its task, so its argument must not be in the task's
 * state.  A cleanup action releases and waits for every job, so a failed
 * assertion does not leave a function blocked on freed memory.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "kasync_test.h"

#define KB_WAIT_MS	10000	/* a function's longest wait for release */
#define KB_FAR		(10ULL * NSEC_PER_SEC)	/* time limits nobody hits */

/* ---- functions run on the pool ------------------------------------------ */

/* What the functions of one test share. */
struct kb_ctx {
	struct completion release;	/* lets waiting functions return */
	struct mutex lock;		/* taken by functions with ->lock */
	atomic_t running;		/* functions inside kb_fn() now */
	atomic_t peak;			/* the most at once */
};

/* One job's argument: what kb_fn() does, and what happened to it. */
struct kb_arg {
	struct kb_ctx *ctx;
	long ret;			/* kb_fn()'s return value */
	unsigned int spin_us;		/* busy first */
	unsigned int sleep_ms;		/* then msleep() */
	bool lock;			/* then take and drop ctx->lock */
	bool wait;			/* then wait for ctx->release */
	bool drain;			/* return kasync_blocking_drain() */
	atomic_t ran;			/* kb_fn() entered */
	atomic_t done;			/* kb_fn() about to return */
	atomic_t discards;		/* kb_discard() calls */
	long discard_res;
};

static void kb_note_running(struct kb_ctx *c)
{
	int now = atomic_inc_return(&c->running);
	int peak = atomic_read(&c->peak);

	while (now > peak && !atomic_try_cmpxchg(&c->peak, &peak, now))
		;
}

static long kb_fn(void *p)
{
	struct kb_arg *a = p;
	struct kb_ctx *c = a->ctx;
	long ret = a->ret;

	atomic_inc(&a->ran);
	kb_note_running(c);
	if (a->spin_us)
		kt_spin_us(a->spin_us);
	if (a->sleep_ms)
		msleep(a->sleep_ms);
	if (a->lock) {
		mutex_lock(&c->lock);
		mutex_unlock(&c->lock);
	}
	if (a->wait &&
	    !wait_for_completion_timeout(&c->release,
					 msecs_to_jiffies(KB_WAIT_MS)))
		ret = -ETIME;
	if (a->drain)
		ret = kasync_blocking_drain();
	atomic_dec(&c->running);
	atomic_inc(&a->done);
	return ret;
}

/* Runs in a task's worker or the pool's: records, does not sleep. */
static void kb_discard(void *p, long res)
{
	struct kb_arg *a = p;

	a->discard_res = res;
	atomic_inc(&a->discards);
}

static u64 kb_in_flight(void)
{
	struct kasync_blocking_stats st;

	kasync_blocking_stats(&st);
	return st.in_flight;
}

static unsigned int kb_max_active(void)
{
	struct kasync_blocking_stats st;

	kasync_blocking_stats(&st);
	return st.max_active;
}

/* Release every function and wait for their jobs (also on failures). */
static void kb_ctx_cleanup(void *p)
{
	struct kb_ctx *c = p;

	complete_all(&c->release);
	kt_wait_for(kb_in_flight() == 0, KB_WAIT_MS);
}

static struct kb_ctx *kb_ctx_new(struct kunit *test)
{
	struct kb_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	init_completion(&c->release);
	mutex_init(&c->lock);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, kb_ctx_cleanup, c), 0);
	return c;
}

static struct kb_arg *kb_args(struct kunit *test, struct kb_ctx *c,
			      unsigned int n)
{
	struct kb_arg *a = kunit_kcalloc(test, n, sizeof(*a), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, a);
	for (i = 0; i < n; i++)
		a[i].ctx = c;
	return a;
}

/* ---- the awaiting task -------------------------------------------------- */

enum kb_mode {
	KB_ONE,		/* await @arg */
	KB_PLAIN,	/* await @arg with kasync_blocking() (no discard) */
	KB_TWO,		/* await @first, then @arg with the same struct */
	KB_TIMEOUT,	/* await @arg with a time limit, then @again */
};

/* What a task reports to the test (the state itself is the task's). */
struct kb_out {
	atomic_t pending;	/* PENDING polls at the watched await */
	atomic_t drops;
	atomic_t taken;		/* the watched await reported READY */
	int armed_at_drop;	/* 1: the await, 2: the timer */
	long err;		/* KASYNC_AWAIT_TIMEOUT()'s */
	long res2;		/* @again's result */
};

struct kb_waiter {
	struct kasync_co co;
	struct kasync_blocking b;
	struct kasync_timer tm;
	enum kb_mode mode;
	struct kb_arg *first;
	struct kb_arg *arg;
	struct kb_arg *again;
	u64 timeout_ns;
	struct kb_out *out;
	bool watched;		/* at the await of @arg */
	long res;
	long err;
};

static enum kasync_poll kb_waiter_body(struct kasync_task *t,
				       struct kb_waiter *s)
{
	KASYNC_BEGIN(&s->co);
	if (s->mode == KB_TWO) {
		KASYNC_AWAIT(&s->co, kasync_blocking_owned(t, &s->b, kb_fn, s->first,
							   kb_discard, &s->res));
		if (s->res != s->first->ret || kasync_blocking_armed(&s->b))
			KASYNC_RETURN(&s->co, t, -EIO);
	}
	s->watched = true;
	if (s->mode == KB_TIMEOUT) {
		KASYNC_AWAIT_TIMEOUT(&s->co, t, &s->tm, s->timeout_ns,
				     kasync_blocking_owned(t, &s->b, kb_fn, s->arg,
							   kb_discard, &s->res),
				     kasync_blocking_cancel(t, &s->b), &s->err);
		s->watched = false;
		s->out->err = s->err;
		if (!s->err)
			KASYNC_RETURN(&s->co, t, s->res);
		if (kasync_blocking_armed(&s->b))
			KASYNC_RETURN(&s->co, t, -EBUSY);
		/* Cancelled: the same struct can be awaited again. */
		if (s->again)
			KASYNC_AWAIT(&s->co, kasync_blocking(t, &s->b, kb_fn, s->again,
							     &s->out->res2));
		KASYNC_RETURN(&s->co, t, s->err);
	}
	if (s->mode == KB_PLAIN)
		KASYNC_AWAIT(&s->co, kasync_blocking(t, &s->b, kb_fn, s->arg,
						     &s->res));
	else
		KASYNC_AWAIT(&s->co, kasync_blocking_owned(t, &s->b, kb_fn, s->arg,
							   kb_discard, &s->res));
	atomic_inc(&s->out->taken);
	KASYNC_RETURN(&s->co, t, kasync_blocking_armed(&s->b) ? -EBUSY : s->res);
	KASYNC_END(&s->co);
}

static enum kasync_poll kb_waiter_poll(struct kasync_task *t, void *p)
{
	struct kb_waiter *s = p;
	enum kasync_poll r = kb_waiter_body(t, s);

	if (r == KASYNC_PENDING && s->watched)
		atomic_inc(&s->out->pending);
	return r;
}

static void kb_waiter_drop(void *p)
{
	struct kb_waiter *s = p;

	/* Cleanup hooks ran before drop: nothing may be armed. */
	s->out->armed_at_drop = kasync_blocking_armed(&s->b) +
				kasync_timer_armed(&s->tm) * 2;
	atomic_inc(&s->out->drops);
}

static const struct kasync_task_ops kb_waiter_ops = {
	.poll = kb_waiter_poll,
	.drop = kb_waiter_drop,
};

static struct kb_out *kb_out_new(struct kunit *test)
{
	struct kb_out *o = kunit_kzalloc(test, sizeof(*o), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, o);
	o->armed_at_drop = -1;
	return o;
}

static struct kasync_task *kb_spawn(struct kunit *test, struct kasync_rt *rt,
				    const struct kb_waiter *init)
{
	struct kasync_task *h;

	h = kasync_spawn(rt, &kb_waiter_ops, init, sizeof(*init), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	return h;
}

/* Fill the pool with functions waiting for @c->release. */
static struct kasync_task **kb_fill_pool(struct kunit *test, struct kb_ctx *c,
					 unsigned int n)
{
	struct kasync_task **h = kunit_kcalloc(test, n, sizeof(*h), GFP_KERNEL);
	struct kb_arg *a = kb_args(test, c, n);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, h);
	for (i = 0; i < n; i++) {
		struct kb_waiter s = {
			.mode = KB_ONE, .arg = &a[i], .out = kb_out_new(test),
		};

		a[i].wait = true;
		a[i].ret = i;
		h[i] = kb_spawn(test, NULL, &s);
	}
	KUNIT_ASSERT_TRUE(test, kt_wait_for(atomic_read(&c->running) == n,
					    KB_WAIT_MS));
	return h;
}

static void kb_join_fillers(struct kunit *test, struct kasync_task **h,
			    unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ(test, kasync_join(&h[i]), (long)i);
}

/* ---- results ------------------------------------------------------------ */

/*
 * A function that sleeps and blocks on a mutex the test holds: the task
 * stays pending (polled once, not spinning) until the function returns,
 * then gets its result; the job is freed.
 */
static void kb_sleep_and_mutex(struct kunit *test)
{
	struct kb_ctx *c = kb_ctx_new(test);
	struct kb_arg *a = kb_args(test, c, 1);
	struct kb_out *o = kb_out_new(test);
	struct kasync_blocking_stats st0, st1;
	struct kb_waiter s = { .mode = KB_ONE, .arg = a, .out = o };
	struct kasync_task *h;

	a->sleep_ms = 5;
	a->lock = true;
	a->ret = 4242;
	kasync_blocking_stats(&st0);
	mutex_lock(&c->lock);
	h = kb_spawn(test, NULL, &s);
	KUNIT_EXPECT_TRUE(test, kt_wait_for(atomic_read(&a->ran) == 1, 5000));
	msleep(50);		/* the function sleeps on the mutex */
	KUNIT_EXPECT_FALSE(test, kasync_task_finished(h));
	KUNIT_EXPECT_EQ(test, atomic_read(&o->pending), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->done), 0);
	mutex_unlock(&c->lock);

	KUNIT_EXPECT_EQ(test, kasync_join(&h), 4242L);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->done), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->discards), 0);
	KUNIT_EXPECT_EQ(test, o->armed_at_drop, 0);
	kasync_blocking_stats(&st1);
	KUNIT_EXPECT_EQ(test, st1.queued - st0.queued, 1ULL);
	KUNIT_EXPECT_EQ(test, st1.run - st0.run, 1ULL);
	KUNIT_EXPECT_EQ(test, st1.in_flight, st0.in_flight);
}

/* Two awaits in a row on the same struct, both with results. */
static void kb_await_twice(struct kunit *test)
{
	struct kb_ctx *c = kb_ctx_new(test);
	struct kb_arg *a = kb_args(test, c, 2);
	struct kb_out *o = kb_out_new(test);
	struct kb_waiter s = {
		.mode = KB_TWO, .first = &a[0], .arg = &a[1], .out = o,
	};
	struct kasync_task *h;

	a[0].ret = 1;
	a[1].ret = -ENOENT;	/* errors are results like any other */
	a[1].sleep_ms = 2;
	h = kb_spawn(test, NULL, &s);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-ENOENT);
	KUNIT_EXPECT_EQ(test, atomic_read(&a[0].ran), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&a[1].ran), 1);
	KUNIT_EXPECT_EQ(test, o->armed_at_drop, 0);
	KUNIT_EXPECT_EQ(test, kb_in_flight(), 0ULL);
}

#define KB_MANY	64

/*
 * Many tasks offload at once: each gets its own function's result, and
 * no more functions run at once than the pool's bound.
 */
static void kb_many_bounded(struct kunit *test)
{
	struct kb_ctx *c = kb_ctx_new(test);
	struct kb_arg *a = kb_args(test, c, KB_MANY);
	struct kasync_task **h;
	struct kasync_blocking_stats st0, st1;
	unsigned int i, max = kb_max_active();

	h = kunit_kcalloc(test, KB_MANY, sizeof(*h), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, h);
	kasync_blocking_stats(&st0);
	for (i = 0; i < KB_MANY; i++) {
		struct kb_waiter s = {
			.mode = KB_PLAIN, .arg = &a[i], .out = kb_out_new(test),
		};

		a[i].ret = 1000 + i;
		a[i].sleep_ms = 20;
		h[i] = kb_spawn(test, NULL, &s);
	}
	for (i = 0; i < KB_MANY; i++)
		KUNIT_EXPECT_EQ(test, kasync_join(&h[i]), 1000L + i);
	kasync_blocking_stats(&st1);
	kunit_info(test, "%d functions at most at once, bound %u\n",
		   atomic_read(&c->peak), max);
	KUNIT_EXPECT_LE(test, atomic_read(&c->peak), (int)max);
	KUNIT_EXPECT_GT(test, atomic_read(&c->peak), 1);
	KUNIT_EXPECT_EQ(test, st1.run - st0.run, (u64)KB_MANY);
	KUNIT_EXPECT_EQ(test, st1.in_flight, st0.in_flight);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->running), 0);
}

/* ---- cancellation ------------------------------------------------------- */

/*
 * The pool full of functions waiting for a completion: exactly the bound
 * runs, one more job waits in the queue.  Aborting its task takes it off
 * the queue: once the pool is released, the function still never ran,
 * and discard got its argument with -ECANCELED.
 */
static void kb_cancel_before_start(struct kunit *test)
{
	struct kb_ctx *fill = kb_ctx_new(test), *c = kb_ctx_new(test);
	struct kb_arg *a = kb_args(test, c, 1);
	struct kb_out *o = kb_out_new(test);
	struct kb_waiter s = { .mode = KB_ONE, .arg = a, .out = o };
	unsigned int max = kb_max_active();
	struct kasync_blocking_stats st0, st1;
	struct kasync_task **fh, *h;

	kasync_blocking_stats(&st0);
	fh = kb_fill_pool(test, fill, max);
	h = kb_spawn(test, NULL, &s);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(atomic_read(&o->pending) == 1, 5000));
	msleep(50);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->ran), 0);	/* the bound holds */
	KUNIT_EXPECT_EQ(test, atomic_read(&fill->peak), (int)max);

	KUNIT_EXPECT_EQ(test, kasync_abort(h), 0);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-ECANCELED);
	KUNIT_EXPECT_EQ(test, o->armed_at_drop, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->discards), 1);
	KUNIT_EXPECT_EQ(test, a->discard_res, (long)-ECANCELED);

	complete_all(&fill->release);
	kb_join_fillers(test, fh, max);
	KUNIT_EXPECT_EQ(test, kasync_blocking_drain(), 0);
	msleep(20);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->ran), 0);
	kasync_blocking_stats(&st1);
	KUNIT_EXPECT_EQ(test, st1.cancelled - st0.cancelled, 1ULL);
	KUNIT_EXPECT_EQ(test, st1.run - st0.run, (u64)max);
	KUNIT_EXPECT_EQ(test, st1.in_flight, st0.in_flight);
}

/*
 * Abort while the function sleeps: the task ends at once (its drop ran
 * while the function was still sleeping); the function runs to the end,
 * its result goes to discard, and the job is freed.
 */
static void kb_cancel_after_start(struct kunit *test)
{
	struct kb_ctx *c = kb_ctx_new(test);
	struct kb_arg *a = kb_args(test, c, 1);
	struct kb_out *o = kb_out_new(test);
	struct kb_waiter s = { .mode = KB_ONE, .arg = a, .out = o };
	struct kasync_blocking_stats st0, st1;
	struct kasync_task *h;

	a->wait = true;
	a->ret = 77;
	kasync_blocking_stats(&st0);
	h = kb_spawn(test, NULL, &s);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(atomic_read(&a->ran) == 1, 5000));
	KUNIT_EXPECT_EQ(test, kasync_abort(h), 0);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-ECANCELED);
	/* The drop did not wait for the function. */
	KUNIT_EXPECT_EQ(test, atomic_read(&o->drops), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->done), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->discards), 0);
	KUNIT_EXPECT_EQ(test, o->armed_at_drop, 0);
	KUNIT_EXPECT_EQ(test, kb_in_flight(), st0.in_flight + 1);

	complete_all(&c->release);
	KUNIT_EXPECT_EQ(test, kasync_blocking_drain(), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->done), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->discards), 1);
	KUNIT_EXPECT_EQ(test, a->discard_res, 77L);
	kasync_blocking_stats(&st1);
	KUNIT_EXPECT_EQ(test, st1.orphaned - st0.orphaned, 1ULL);
	KUNIT_EXPECT_EQ(test, st1.in_flight, st0.in_flight);
}

/*
 * A time limit: the function outlives it, so KASYNC_AWAIT_TIMEOUT()
 * cancels the await with kasync_blocking_cancel() and reports
 * -ETIMEDOUT; the struct is then awaited again with a quick function.
 */
static void kb_timeout_cancel(struct kunit *test)
{
	struct kb_ctx *c = kb_ctx_new(test);
	struct kb_arg *a = kb_args(test, c, 2);
	struct kb_out *o = kb_out_new(test);
	struct kb_waiter s = {
		.mode = KB_TIMEOUT, .arg = &a[0], .again = &a[1],
		.timeout_ns = 20 * NSEC_PER_MSEC, .out = o,
	};
	struct kasync_blocking_stats st0, st1;
	struct kasync_task *h;

	a[0].wait = true;
	a[0].ret = 5;
	a[1].ret = 6;
	kasync_blocking_stats(&st0);
	h = kb_spawn(test, NULL, &s);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, o->err, (long)-ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, o->res2, 6L);
	KUNIT_EXPECT_EQ(test, o->armed_at_drop, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a[0].done), 0);

	complete_all(&c->release);
	KUNIT_EXPECT_EQ(test, kasync_blocking_drain(), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a[0].discards), 1);
	KUNIT_EXPECT_EQ(test, a[0].discard_res, 5L);
	kasync_blocking_stats(&st1);
	KUNIT_EXPECT_EQ(test, st1.orphaned - st0.orphaned, 1ULL);
	KUNIT_EXPECT_EQ(test, st1.run - st0.run, 2ULL);
	KUNIT_EXPECT_EQ(test, st1.in_flight, st0.in_flight);
}

struct kb_drainer {
	struct completion done;
	int ret;
};

static int kb_drain_thread(void *p)
{
	struct kb_drainer *d = p;

	d->ret = kasync_blocking_drain();
	complete(&d->done);
	return 0;
}

/*
 * What module unload does after cancelling a module's tasks: the drain
 * waits for an orphaned function still running, and returns once it did.
 */
static void kb_drain_waits_for_orphans(struct kunit *test)
{
	struct kb_ctx *c = kb_ctx_new(test);
	struct kb_arg *a = kb_args(test, c, 1);
	struct kb_out *o = kb_out_new(test);
	struct kb_waiter s = { .mode = KB_ONE, .arg = a, .out = o };
	struct kb_drainer *d = kunit_kzalloc(test, sizeof(*d), GFP_KERNEL);
	struct task_struct *k;
	struct kasync_task *h;

	KUNIT_ASSERT_NOT_NULL(test, d);
	init_completion(&d->done);
	a->wait = true;
	h = kb_spawn(test, NULL, &s);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(atomic_read(&a->ran) == 1, 5000));
	KUNIT_EXPECT_EQ(test, kasync_abort(h), 0);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-ECANCELED);

	k = kthread_run(kb_drain_thread, d, "kb_drain");
	KUNIT_ASSERT_FALSE(test, IS_ERR(k));
	msleep(50);
	KUNIT_EXPECT_FALSE(test, completion_done(&d->done));
	complete_all(&c->release);
	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&d->done, 5 * HZ));
	KUNIT_EXPECT_EQ(test, d->ret, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->done), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->discards), 1);
}

#define KB_STRESS_BATCH		64
#define KB_STRESS_MIN_ROUNDS	4

/* Let task @i reach the point where the stress test aborts it. */
static void kb_stress_advance(struct kasync_task *h, struct kb_arg *a,
			      struct kb_out *o, unsigned int phase)
{
	if (phase == 1)		/* its job was queued */
		kt_wait_for(atomic_read(&o->pending) || kasync_task_finished(h),
			    1000);
	else if (phase == 2)	/* its function started */
		kt_wait_for(atomic_read(&a->ran) || kasync_task_finished(h),
			    1000);
	else if (phase == 3)	/* its function returned */
		kt_wait_for(atomic_read(&a->done) || kasync_task_finished(h),
			    1000);
	kt_spin_us(get_random_u32_below(20));
}

/*
 * Aborts racing the pool: batches of tasks offload short functions and
 * are aborted, each at a random phase (at once, once its job is queued,
 * once its function started, once it returned) plus a random delay, so
 * that aborts land before the first poll, with the job queued, in the
 * window where a worker took the job off the queue but did not start it,
 * while the function runs, after it returned, and during the poll that
 * takes the result.  Every argument must come back exactly once: to the
 * task (its await reported READY) or to discard, with -ECANCELED if the
 * function never ran, else with its result; or never leave the task, if
 * it was aborted before its first poll.  The counters must agree and no
 * job may be left.  Runs for a second, and at least 4 rounds.
 */
static void kb_abort_stress(struct kunit *test)
{
	struct kb_ctx *c = kb_ctx_new(test);
	struct kasync_task **h;
	struct kb_out **o;
	unsigned int *phase;
	unsigned long end = jiffies + HZ;
	struct kasync_blocking_stats st0, st1;
	unsigned int got = 0, never = 0, dropped = 0, unsent = 0, rounds = 0;
	unsigned int i;
	struct kb_arg *a;
	long r;

	h = kunit_kcalloc(test, KB_STRESS_BATCH, sizeof(*h), GFP_KERNEL);
	o = kunit_kcalloc(test, KB_STRESS_BATCH, sizeof(*o), GFP_KERNEL);
	phase = kunit_kcalloc(test, KB_STRESS_BATCH, sizeof(*phase), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, h && o && phase);
	kasync_blocking_stats(&st0);
	a = kb_args(test, c, KB_STRESS_BATCH);
	while (rounds < KB_STRESS_MIN_ROUNDS || time_before(jiffies, end)) {
		memset(a, 0, KB_STRESS_BATCH * sizeof(*a));
		for (i = 0; i < KB_STRESS_BATCH; i++) {
			struct kb_waiter s = { .mode = KB_ONE, .arg = &a[i] };

			phase[i] = get_random_u32_below(4);
			o[i] = kb_out_new(test);
			s.out = o[i];
			a[i].ctx = c;
			a[i].ret = i + 1;
			a[i].spin_us = phase[i] == 2 ? 300 : get_random_u32_below(50);
			h[i] = kb_spawn(test, NULL, &s);
		}
		for (i = 0; i < KB_STRESS_BATCH; i++) {
			kb_stress_advance(h[i], &a[i], o[i], phase[i]);
			kasync_abort(h[i]);	/* -EALREADY if it finished */
		}
		for (i = 0; i < KB_STRESS_BATCH; i++) {
			r = kasync_join(&h[i]);
			KUNIT_EXPECT_TRUE(test, r == i + 1 || r == -ECANCELED);
		}
		KUNIT_ASSERT_EQ(test, kasync_blocking_drain(), 0);
		for (i = 0; i < KB_STRESS_BATCH; i++) {
			int ran = atomic_read(&a[i].ran);
			int discards = atomic_read(&a[i].discards);
			int taken = atomic_read(&o[i]->taken);

			KUNIT_EXPECT_EQ(test, atomic_read(&a[i].done), ran);
			KUNIT_EXPECT_LE(test, taken + discards, 1);
			if (taken) {
				KUNIT_EXPECT_EQ(test, ran, 1);
				got++;
			} else if (!discards) {
				KUNIT_EXPECT_EQ(test, ran, 0);
				unsent++;
			} else if (a[i].discard_res == -ECANCELED) {
				KUNIT_EXPECT_EQ(test, ran, 0);
				never++;
			} else {
				KUNIT_EXPECT_EQ(test, a[i].discard_res, i + 1L);
				KUNIT_EXPECT_EQ(test, ran, 1);
				dropped++;
			}
		}
		rounds++;
	}
	kasync_blocking_stats(&st1);
	kunit_info(test, "%u rounds: %u taken, %u never ran, %u discarded after running, %u aborted before queueing\n",
		   rounds, got, never, dropped, unsent);
	KUNIT_EXPECT_EQ(test, got + never + dropped + unsent,
			rounds * KB_STRESS_BATCH);
	KUNIT_EXPECT_EQ(test, st1.queued - st0.queued,
			(u64)(got + never + dropped));
	KUNIT_EXPECT_EQ(test, st1.cancelled - st0.cancelled, (u64)never);
	KUNIT_EXPECT_EQ(test, (st1.orphaned - st0.orphaned) +
			(st1.discarded - st0.discarded), (u64)dropped);
	KUNIT_EXPECT_EQ(test, st1.run - st0.run, (u64)(got + dropped));
	KUNIT_EXPECT_EQ(test, st1.in_flight, st0.in_flight);
}

/* ---- misuse ------------------------------------------------------------- */

struct kb_misuse_out {
	long res[1];
	int drain;
	bool armed;
};

struct kb_misuser {
	struct kasync_blocking b;
	struct kb_misuse_out *out;
};

/* Every call below is a misuse that must be reported, never queued. */
static enum kasync_poll kb_misuser_poll(struct kasync_task *t, void *p)
{
	struct kb_misuser *s = p;
	struct kb_misuse_out *o = s->out;

	kasync_blocking_cancel(t, &s->b);	/* not armed: a no-op */
	kasync_blocking(t, &s->b, NULL, NULL, &o->res[0]);
	o->drain = kasync_blocking_drain();	/* would sleep in a poll */
	o->armed = kasync_blocking_armed(&s->b);
	return KASYNC_READY;
}

static const struct kasync_task_ops kb_misuser_ops = {
	.poll = kb_misuser_poll,
};

/*
 * A missing function is reported (a warning at the call site, counted
 * here) as -EINVAL without queueing anything; a drain from a poll or from
 * a blocking function is reported as -EDEADLK instead of hanging.
 */
static void kb_misuse(struct kunit *test)
{
	struct kb_misuse_out *o = kunit_kzalloc(test, sizeof(*o), GFP_KERNEL);
	struct kb_ctx *c = kb_ctx_new(test);
	struct kb_arg *a = kb_args(test, c, 1);
	struct kb_waiter w = { .mode = KB_ONE, .arg = a, .out = kb_out_new(test) };
	struct kb_misuser s = { .out = o };
	struct kasync_blocking_stats st0, st1;
	struct kasync_task *h;
	unsigned int misuse;

	KUNIT_ASSERT_NOT_NULL(test, o);
	misuse = kt_expect_misuse(test);
	kasync_blocking_stats(&st0);
	h = kasync_spawn(NULL, &kb_misuser_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_EXPECT_EQ(test, kasync_join(&h), 0L);
	KUNIT_EXPECT_EQ(test, o->res[0], (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, o->drain, -EDEADLK);
	KT_EXPECT_MISUSE(test, misuse, 2U);
	KUNIT_EXPECT_FALSE(test, o->armed);
	kasync_blocking_stats(&st1);
	KUNIT_EXPECT_EQ(test, st1.queued, st0.queued);

	a->drain = true;
	h = kb_spawn(test, NULL, &w);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-EDEADLK);
	KT_EXPECT_MISUSE(test, misuse, 3U);
}

/* ---- abort at every await point ----------------------------------------- */

enum kb_at {
	KB_AT_QUEUED,	/* held back by a full pool */
	KB_AT_RUNNING,	/* the function sleeps */
	KB_AT_DONE,	/* the function returned; the task not yet polled */
};

struct kb_cancel_case {
	const char *name;
	enum kb_mode mode;
	enum kb_at at;
	bool rewoken;	/* abort after a spurious wake and re-poll */
};

static const struct kb_cancel_case kb_cancel_cases[] = {
	{ "first_queued", KB_ONE, KB_AT_QUEUED, false },
	{ "first_queued_rewoken", KB_ONE, KB_AT_QUEUED, true },
	{ "first_running", KB_ONE, KB_AT_RUNNING, false },
	{ "first_running_rewoken", KB_ONE, KB_AT_RUNNING, true },
	{ "first_done_unpolled", KB_ONE, KB_AT_DONE, false },
	{ "second_queued", KB_TWO, KB_AT_QUEUED, false },
	{ "second_running", KB_TWO, KB_AT_RUNNING, false },
	{ "second_done_unpolled", KB_TWO, KB_AT_DONE, false },
	{ "timeout_queued", KB_TIMEOUT, KB_AT_QUEUED, false },
	{ "timeout_running", KB_TIMEOUT, KB_AT_RUNNING, false },
	{ "timeout_running_rewoken", KB_TIMEOUT, KB_AT_RUNNING, true },
	{ "timeout_done_unpolled", KB_TIMEOUT, KB_AT_DONE, false },
};

static void kb_cancel_desc(const struct kb_cancel_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(kb_cancel, kb_cancel_cases, kb_cancel_desc);

/* Holds an ordered runtime's only poll slot until released. */
struct kb_blocker {
	atomic_t in_poll;
	atomic_t release;
};

static enum kasync_poll kb_blocker_poll(struct kasync_task *t, void *p)
{
	struct kb_blocker *b = *(struct kb_blocker **)p;
	unsigned long end = jiffies + 5 * HZ;

	atomic_set(&b->in_poll, 1);
	while (!atomic_read(&b->release) && time_before(jiffies, end))
		cpu_relax();
	return KASYNC_READY;
}

static const struct kasync_task_ops kb_blocker_ops = {
	.poll = kb_blocker_poll,
};

/* Occupy @rt's poll slot; returns once the blocker is in its poll. */
static struct kasync_task *kb_hold(struct kunit *test, struct kasync_rt *rt,
				   struct kb_blocker **blk)
{
	struct kasync_task *h;

	*blk = kunit_kzalloc(test, sizeof(**blk), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, *blk);
	h = kasync_spawn(rt, &kb_blocker_ops, blk, sizeof(*blk), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_ASSERT_TRUE(test, kt_wait_for(atomic_read(&(*blk)->in_poll), 5000));
	return h;
}

static u64 kb_rt_wakes(struct kasync_rt *rt)
{
	struct kasync_stats st;

	kasync_rt_stats(rt, &st);
	return st.wakes;
}

/*
 * Let the function of @a return while @rt's poll slot is held, so that
 * the task it wakes is not polled: the job stays DONE with its result.
 */
static struct kasync_task *kb_finish_unpolled(struct kunit *test,
					      struct kasync_rt *rt,
					      struct kb_arg *a,
					      struct kb_blocker **blk)
{
	struct kasync_task *bh = kb_hold(test, rt, blk);
	u64 wakes = kb_rt_wakes(rt);

	complete_all(&a->ctx->release);
	KUNIT_EXPECT_TRUE(test, kt_wait_for(atomic_read(&a->done) == 1, 5000));
	/* The pool's wake after DONE queued the task behind the blocker. */
	KUNIT_EXPECT_TRUE(test, kt_wait_for(kb_rt_wakes(rt) == wakes + 1, 5000));
	return bh;
}

/*
 * The task awaits on an ordered runtime (one poll at a time), so that a
 * blocker task can keep it from being polled when it is woken.  Abort it
 * with its job queued behind a full pool, running, or done but not yet
 * taken, at the first await, at a second await on the same struct, and
 * under a time limit; optionally after a spurious wake and re-poll.
 * Checks: nothing armed when the drop ran; the drop did not wait for a
 * running function; a queued function never runs; no job was queued
 * twice; discard got the argument once, with -ECANCELED or the function's
 * result; the counters say which path was taken; no job is left.
 */
static void kb_cancel_every_await(struct kunit *test)
{
	const struct kb_cancel_case *cc = test->param_value;
	struct kb_ctx *fill = kb_ctx_new(test), *c = kb_ctx_new(test);
	struct kb_ctx *c1 = kb_ctx_new(test);
	struct kb_arg *a = kb_args(test, c, 1), *a1 = kb_args(test, c1, 1);
	struct kb_out *o = kb_out_new(test);
	struct kb_waiter s = {
		.mode = cc->mode, .first = a1, .arg = a,
		.timeout_ns = KB_FAR, .out = o,
	};
	unsigned int max = kb_max_active(), nfill = 0;
	struct kasync_task **fh = NULL, *h, *bh;
	bool queued = cc->at == KB_AT_QUEUED;
	struct kasync_blocking_stats st0, st1;
	struct kb_blocker *blk;
	struct kasync_rt *rt;

	a->wait = true;
	a->ret = 300;
	a1->ret = 1;		/* KB_TWO's first await */
	a1->wait = queued && cc->mode == KB_TWO;
	rt = kasync_rt_create("kb_cancel", KASYNC_RT_ORDERED);
	KUNIT_ASSERT_FALSE(test, IS_ERR(rt));
	kasync_blocking_stats(&st0);
	if (queued) {
		nfill = max;
		if (cc->mode != KB_TWO)
			fh = kb_fill_pool(test, fill, nfill);
	}
	h = kb_spawn(test, rt, &s);
	if (queued && cc->mode == KB_TWO) {
		/*
		 * Fill the pool between the two awaits: the first function
		 * returns while the task cannot be polled, so the second job
		 * is only queued once the pool is full.
		 */
		KUNIT_ASSERT_TRUE(test, kt_wait_for(atomic_read(&a1->ran), 5000));
		bh = kb_finish_unpolled(test, rt, a1, &blk);
		fh = kb_fill_pool(test, fill, nfill);
		atomic_set(&blk->release, 1);
		KUNIT_EXPECT_EQ(test, kasync_join(&bh), 0L);
	}
	KUNIT_ASSERT_TRUE(test, kt_wait_for(atomic_read(&o->pending) >= 1, 5000));
	if (!queued)
		KUNIT_ASSERT_TRUE(test, kt_wait_for(atomic_read(&a->ran), 5000));
	if (cc->rewoken) {
		kasync_wake(h);
		KUNIT_ASSERT_TRUE(test, kt_wait_for(atomic_read(&o->pending) == 2,
						    5000));
	}

	bh = NULL;
	if (cc->at == KB_AT_DONE)
		bh = kb_finish_unpolled(test, rt, a, &blk);
	KUNIT_EXPECT_EQ(test, kasync_abort(h), 0);
	if (bh)
		atomic_set(&blk->release, 1);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-ECANCELED);
	KUNIT_EXPECT_EQ(test, o->armed_at_drop, 0);
	if (cc->at == KB_AT_RUNNING)
		KUNIT_EXPECT_EQ(test, atomic_read(&a->done), 0);
	if (bh)
		KUNIT_EXPECT_EQ(test, kasync_join(&bh), 0L);

	complete_all(&fill->release);
	complete_all(&c->release);
	if (fh)
		kb_join_fillers(test, fh, nfill);
	KUNIT_EXPECT_EQ(test, kasync_blocking_drain(), 0);
	msleep(20);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->ran), (int)!queued);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->discards), 1);
	KUNIT_EXPECT_EQ(test, a->discard_res, queued ? (long)-ECANCELED : 300L);
	KUNIT_EXPECT_EQ(test, atomic_read(&a1->discards), 0);
	kasync_blocking_stats(&st1);
	KUNIT_EXPECT_EQ(test, st1.queued - st0.queued,
			(u64)nfill + 1 + (cc->mode == KB_TWO));
	KUNIT_EXPECT_EQ(test, st1.cancelled - st0.cancelled, (u64)queued);
	KUNIT_EXPECT_EQ(test, st1.orphaned - st0.orphaned,
			(u64)(cc->at == KB_AT_RUNNING));
	KUNIT_EXPECT_EQ(test, st1.discarded - st0.discarded,
			(u64)(cc->at == KB_AT_DONE));
	KUNIT_EXPECT_EQ(test, st1.in_flight, st0.in_flight);
	kasync_rt_destroy(rt);
}

/* ---- the result convention ------------------------------------------------ */

/* Three awaits into res, watched (kt_res_watch()). */
struct kb_res {
	struct kasync_co co;
	struct kasync_blocking b;
	struct kb_arg *args;		/* [0] waits for release, [1] fails */
	struct kt_res_log *log;
	long res;
};

static enum kasync_poll kb_res_poll(struct kasync_task *t, void *p)
{
	struct kb_res *s = p;

	KASYNC_BEGIN(&s->co);
	s->res = KT_RES_UNSET;
	KASYNC_AWAIT(&s->co, kt_res_watch(kasync_blocking(t, &s->b, kb_fn,
							  &s->args[0], &s->res),
					  &s->res, s->log, 0));
	s->log->res[0] = s->res;
	s->res = KT_RES_UNSET;		/* no function: misuse */
	KASYNC_AWAIT(&s->co, kt_res_watch(kasync_blocking(t, &s->b, NULL,
							  &s->args[1], &s->res),
					  &s->res, s->log, 1));
	s->log->res[1] = s->res;
	s->res = KT_RES_UNSET;
	KASYNC_AWAIT(&s->co, kt_res_watch(kasync_blocking(t, &s->b, kb_fn,
							  &s->args[1], &s->res),
					  &s->res, s->log, 2));
	s->log->res[2] = s->res;
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops kb_res_ops = { .poll = kb_res_poll };

/*
 * The await writes its res only when it finishes: untouched while the
 * function runs, then its return value, a value or a negative errno
 * alike; -EINVAL for a missing function, which never ran.
 */
static void kb_res_convention(struct kunit *test)
{
	struct kb_ctx *c = kb_ctx_new(test);
	struct kb_arg *a = kb_args(test, c, 2);
	struct kt_res_log log = {};
	struct kb_res s = { .args = a, .log = &log };
	struct kasync_task *h;
	unsigned int misuse = kt_expect_misuse(test);

	a[0].wait = true;
	a[0].ret = 11;
	a[1].ret = -EIO;
	h = kasync_spawn(NULL, &kb_res_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_EXPECT_TRUE(test, kt_res_pending(&log, 0));
	KUNIT_EXPECT_TRUE(test, kt_res_spurious(h, &log, 0));
	complete_all(&c->release);
	KUNIT_EXPECT_EQ(test, kasync_join_timeout(&h, 10 * HZ), 0L);
	KUNIT_EXPECT_EQ(test, log.res[0], 11L);
	KUNIT_EXPECT_EQ(test, log.res[1], (long)-EINVAL);
	KT_EXPECT_MISUSE(test, misuse, 1U);
	KUNIT_EXPECT_EQ(test, log.res[2], (long)-EIO);
	KUNIT_EXPECT_GT(test, atomic_read(&log.pending[2]), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&log.touched), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a[1].ran), 1);
	if (h) {
		kasync_abort(h);
		kasync_join(&h);
	}
}

static struct kunit_case kasync_blocking_cases[] = {
	KUNIT_CASE(kb_sleep_and_mutex),
	KUNIT_CASE(kb_await_twice),
	KUNIT_CASE_SLOW(kb_many_bounded),
	KUNIT_CASE(kb_cancel_before_start),
	KUNIT_CASE(kb_cancel_after_start),
	KUNIT_CASE(kb_timeout_cancel),
	KUNIT_CASE(kb_drain_waits_for_orphans),
	KUNIT_CASE_SLOW(kb_abort_stress),
	KUNIT_CASE(kb_misuse),
	KUNIT_CASE_PARAM(kb_cancel_every_await, kb_cancel_gen_params),
	KUNIT_CASE(kb_res_convention),
	{}
};

static struct kunit_suite kasync_blocking_suite = {
	.name = "kasync_blocking",
	.test_cases = kasync_blocking_cases,
};

kunit_test_suite(kasync_blocking_suite);

MODULE_DESCRIPTION("KUnit tests for kasync blocking offload");
MODULE_LICENSE("GPL");
