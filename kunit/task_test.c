// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite kasync_task: spawning, results, drop callbacks, join
 * handles, abort in every state, cleanup hooks, spawning from atomic
 * context, and tasks awaiting tasks.
 */
#include <kunit/test.h>
#include <linux/err.h>
#include <linux/hrtimer.h>
#include <linux/module.h>
#include <linux/spinlock.h>

#include "kasync_test.h"

/* ---- spawn and join ------------------------------------------------------ */

static void kt_spawn_join_result(struct kunit *test)
{
	struct kt_simple s = { .result = 42 };
	struct kasync_task *h;

	h = kasync_spawn(NULL, &kt_ready_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_EXPECT_EQ(test, kasync_join(&h), 42L);
	KUNIT_EXPECT_NULL(test, h);
}

struct kt_sum {
	int a[8];
	struct kasync_task *self;
	bool self_ok;
};

static enum kasync_poll kt_sum_poll(struct kasync_task *t, struct kt_sum *s)
{
	long sum = 0;
	int i;

	for (i = 0; i < ARRAY_SIZE(s->a); i++)
		sum += s->a[i];
	s->self_ok = kasync_current() == t && kasync_task_state(t) == s;
	kasync_set_result(t, s->self_ok ? sum : -1);
	return KASYNC_READY;
}

KASYNC_TASK_OPS(kt_sum_ops, struct kt_sum, kt_sum_poll, NULL);

/* The state is a copy of @init; kasync_current() names the polled task. */
static void kt_state_copied(struct kunit *test)
{
	struct kt_sum s = { .a = { 1, 2, 3, 4, 5, 6, 7, 8 } };
	struct kasync_task *h;

	h = kasync_spawn_typed(NULL, &kt_sum_ops, &s, GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	memset(&s, 0, sizeof(s));	/* the task has its own copy */
	KUNIT_EXPECT_EQ(test, kasync_join(&h), 36L);
	KUNIT_EXPECT_NULL(test, kasync_current());
}

static void kt_spawn_einval(struct kunit *test)
{
	static const struct kasync_task_ops no_poll = {};
	struct kt_simple s = {};
	struct kasync_task *h;

	h = kasync_spawn(NULL, NULL, &s, sizeof(s), GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(h), -EINVAL);
	h = kasync_spawn(NULL, &no_poll, &s, sizeof(s), GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(h), -EINVAL);
	h = kasync_spawn(NULL, &kt_ready_ops, NULL, KASYNC_STATE_MAX + 1,
			 GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(h), -EINVAL);
	h = kasync_spawn(NULL, &kt_ready_ops, NULL, SIZE_MAX, GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(h), -EINVAL);
	h = kasync_spawn_on(NULL, nr_cpu_ids, &kt_ready_ops, &s, sizeof(s),
			    GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(h), -EINVAL);
	h = kasync_spawn_on(NULL, -2, &kt_ready_ops, &s, sizeof(s),
			    GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(h), -EINVAL);
}

static enum kasync_poll kt_stateless_poll(struct kasync_task *t, void *p)
{
	/* Woken, or aborted, by the test. */
	kasync_task_waits(t, KASYNC_WAIT_OTHER);
	return KASYNC_PENDING;
}

static const struct kasync_task_ops kt_stateless_ops = {
	.poll = kt_stateless_poll,
};

/* A zero-sized state, and a %NULL init zero-filling a larger one. */
static void kt_spawn_sizes(struct kunit *test)
{
	struct kasync_task *h;

	h = kasync_spawn(NULL, &kt_stateless_ops, NULL, 0, GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_EXPECT_EQ(test, kasync_abort(h), 0);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-ECANCELED);

	h = kasync_spawn(NULL, &kt_ready_ops, NULL, 4096, GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_EXPECT_EQ(test, kasync_join(&h), 0L);
}

/* ---- drop callbacks ------------------------------------------------------ */

static void kt_drop_once_complete(struct kunit *test)
{
	atomic_t drops = ATOMIC_INIT(0), polls = ATOMIC_INIT(0);
	struct kt_simple s = { .result = 7, .drops = &drops, .polls = &polls };
	struct kasync_task *h;

	h = kasync_spawn(NULL, &kt_ready_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_EXPECT_EQ(test, kasync_join(&h), 7L);
	KUNIT_EXPECT_EQ(test, atomic_read(&drops), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&polls), 1);
}

static void kt_drop_once_cancel(struct kunit *test)
{
	atomic_t drops = ATOMIC_INIT(0), polls = ATOMIC_INIT(0);
	struct kt_simple s = { .drops = &drops, .polls = &polls };
	struct kasync_task *h;

	h = kasync_spawn(NULL, &kt_never_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	kt_wait_for(atomic_read(&polls) == 1, 2000);
	KUNIT_EXPECT_EQ(test, kasync_abort(h), 0);
	KUNIT_EXPECT_EQ(test, kasync_abort(h), -EALREADY);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-ECANCELED);
	KUNIT_EXPECT_EQ(test, atomic_read(&drops), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&polls), 1);
}

/* ---- join variants and misuse ------------------------------------------- */

static void kt_join_timeout(struct kunit *test)
{
	struct kt_simple s = {};
	struct kasync_task *h;

	h = kasync_spawn(NULL, &kt_never_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_EXPECT_EQ(test, kasync_join_timeout(&h, msecs_to_jiffies(20)),
			(long)-ETIMEDOUT);
	KUNIT_ASSERT_NOT_NULL(test, h);		/* left intact */
	KUNIT_EXPECT_EQ(test, kasync_abort(h), 0);
	KUNIT_EXPECT_EQ(test, kasync_join_timeout(&h, 10 * HZ),
			(long)-ECANCELED);
	KUNIT_EXPECT_NULL(test, h);
}

static void kt_join_killable(struct kunit *test)
{
	struct kt_simple s = { .result = -5 };
	struct kasync_task *h;

	h = kasync_spawn(NULL, &kt_ready_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_EXPECT_EQ(test, kasync_join_killable(&h), -5L);
	KUNIT_EXPECT_NULL(test, h);
}

static void kt_detach_runs_on(struct kunit *test)
{
	atomic_t drops = ATOMIC_INIT(0);
	struct kt_simple s = { .drops = &drops };
	struct kasync_task *h;

	h = kasync_spawn(NULL, &kt_ready_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	kasync_detach(&h);
	KUNIT_EXPECT_NULL(test, h);
	KUNIT_EXPECT_TRUE(test, kt_wait_for(atomic_read(&drops) == 1, 5000));
}

/*
 * Misuse is reported (a warning at the call site, counted here) and
 * returns -EINVAL, the handle left as it was.
 */
static void kt_misuse_handles(struct kunit *test)
{
	struct kt_simple s = { .result = 1 };
	struct kasync_task *h, *t;
	unsigned int misuse;

	h = kasync_spawn(NULL, &kt_ready_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_EXPECT_EQ(test, kasync_join(&h), 1L);
	misuse = kt_expect_misuse(test);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, kasync_join_timeout(&h, 1), (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, kasync_join_killable(&h), (long)-EINVAL);
	KT_EXPECT_MISUSE(test, misuse, 3U);

	h = kasync_spawn(NULL, &kt_ready_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	kasync_detach(&h);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-EINVAL);
	kasync_detach(&h);	/* twice: reported, ignored */
	KT_EXPECT_MISUSE(test, misuse, 5U);

	/* Allocated, never started: refused instead of waiting forever. */
	t = kasync_task_alloc(NULL, &kt_ready_ops, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	h = t;
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, kasync_join_timeout(&h, 1), (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, kasync_join_killable(&h), (long)-EINVAL);
	kasync_detach(&h);
	KUNIT_EXPECT_PTR_EQ(test, h, t);
	KT_EXPECT_MISUSE(test, misuse, 9U);
	kasync_task_discard(t);
	KT_EXPECT_MISUSE(test, misuse, 9U);
}

/*
 * kasync_join*() from a poll: on an ordered runtime the child cannot run
 * until the parent's poll returns, so a join there would wait forever.
 * Each form is refused with -EDEADLK, reported, and leaves the handle for
 * kasync_join_poll().
 */
struct kt_join_seen {
	long res[3];
	bool intact;
};

struct kt_joiner {
	struct kasync_rt *rt;
	struct kt_join_seen *seen;
	struct kasync_task *child;
	long child_res;
	struct kasync_co co;
};

static enum kasync_poll kt_joiner_poll(struct kasync_task *t, void *p)
{
	struct kt_joiner *s = p;
	struct kt_simple c = { .result = 9 };

	KASYNC_BEGIN(&s->co);
	s->child = kasync_spawn(s->rt, &kt_ready_ops, &c, sizeof(c),
				GFP_KERNEL);
	if (IS_ERR(s->child))
		KASYNC_RETURN(&s->co, t, PTR_ERR(s->child));
	s->seen->res[0] = kasync_join(&s->child);
	s->seen->res[1] = kasync_join_timeout(&s->child, HZ);
	s->seen->res[2] = kasync_join_killable(&s->child);
	s->seen->intact = !!s->child;
	KASYNC_AWAIT(&s->co, kasync_join_poll(t, &s->child, &s->child_res));
	KASYNC_RETURN(&s->co, t, s->child_res);
	KASYNC_END(&s->co);
}

static void kt_joiner_drop(void *p)
{
	struct kt_joiner *s = p;

	if (!IS_ERR_OR_NULL(s->child))
		kasync_detach(&s->child);
}

static const struct kasync_task_ops kt_joiner_ops = {
	.poll = kt_joiner_poll,
	.drop = kt_joiner_drop,
};

static void kt_join_from_poll(struct kunit *test)
{
	struct kt_join_seen seen = {};
	struct kt_joiner s = { .seen = &seen };
	struct kasync_task *h;
	unsigned int misuse;
	int i;

	s.rt = kasync_rt_create("kt_join_from_poll", KASYNC_RT_ORDERED);
	KUNIT_ASSERT_FALSE(test, IS_ERR(s.rt));
	misuse = kt_expect_misuse(test);
	h = kasync_spawn(s.rt, &kt_joiner_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_EXPECT_EQ(test, kasync_join_timeout(&h, 30 * HZ), 9L);
	if (h) {
		kasync_abort(h);
		kasync_join(&h);
	}
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, seen.res[i], (long)-EDEADLK);
	KUNIT_EXPECT_TRUE(test, seen.intact);
	KT_EXPECT_MISUSE(test, misuse, 3U);
	kasync_rt_destroy(s.rt);
}

/* ---- abort in every state ----------------------------------------------- */

/* Queued: spawned and aborted by a poll before its worker got to it. */
struct kt_parent {
	struct kasync_rt *rt;
	atomic_t *child_polls;
	atomic_t *child_drops;
	struct kasync_task *child;
	long child_res;
	int abort_ret;
	struct kasync_co co;
};

static enum kasync_poll kt_abort_queued_poll(struct kasync_task *t, void *p)
{
	struct kt_parent *s = p;
	struct kt_simple c = {
		.polls = s->child_polls, .drops = s->child_drops, .result = 1,
	};

	KASYNC_BEGIN(&s->co);
	/* An ordered runtime polls one task at a time: not the child yet. */
	s->child = kasync_spawn(s->rt, &kt_ready_ops, &c, sizeof(c),
				GFP_KERNEL);
	if (IS_ERR(s->child))
		KASYNC_RETURN(&s->co, t, PTR_ERR(s->child));
	s->abort_ret = kasync_abort(s->child);
	KASYNC_AWAIT(&s->co, kasync_join_poll(t, &s->child, &s->child_res));
	KASYNC_RETURN(&s->co, t, s->child_res);
	KASYNC_END(&s->co);
}

static void kt_parent_drop(void *p)
{
	struct kt_parent *s = p;

	if (!IS_ERR_OR_NULL(s->child))
		kasync_detach(&s->child);
}

static const struct kasync_task_ops kt_abort_queued_ops = {
	.poll = kt_abort_queued_poll,
	.drop = kt_parent_drop,
};

static void kt_abort_queued(struct kunit *test)
{
	atomic_t polls = ATOMIC_INIT(0), drops = ATOMIC_INIT(0);
	struct kt_parent s = { .child_polls = &polls, .child_drops = &drops };
	struct kasync_task *h;

	s.rt = kasync_rt_create("kt_abort_queued", KASYNC_RT_ORDERED);
	KUNIT_ASSERT_FALSE(test, IS_ERR(s.rt));
	h = kasync_spawn(s.rt, &kt_abort_queued_ops, &s, sizeof(s),
			 GFP_KERNEL);
	KUNIT_EXPECT_FALSE(test, IS_ERR(h));
	if (!IS_ERR(h))
		KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-ECANCELED);
	KUNIT_EXPECT_EQ(test, atomic_read(&polls), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&drops), 1);
	kasync_rt_destroy(s.rt);
}

/* Running: the task aborts itself, then returns READY anyway. */
static enum kasync_poll kt_self_abort_poll(struct kasync_task *t, void *p)
{
	struct kt_simple *s = p;

	atomic_inc(s->polls);
	kasync_abort(t);
	kasync_set_result(t, 99);
	return KASYNC_READY;
}

static const struct kasync_task_ops kt_self_abort_ops = {
	.poll = kt_self_abort_poll,
	.drop = kt_simple_drop,
};

static void kt_abort_running_self(struct kunit *test)
{
	atomic_t polls = ATOMIC_INIT(0), drops = ATOMIC_INIT(0);
	struct kt_simple s = { .polls = &polls, .drops = &drops };
	struct kasync_task *h;

	h = kasync_spawn(NULL, &kt_self_abort_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-ECANCELED);
	KUNIT_EXPECT_EQ(test, atomic_read(&polls), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&drops), 1);
}

/* Running: aborted from elsewhere while the poll spins. */
struct kt_spin {
	atomic_t *in_poll;
	atomic_t *release;
	atomic_t *polls;
	atomic_t *drops;
};

static enum kasync_poll kt_spin_poll(struct kasync_task *t, void *p)
{
	struct kt_spin *s = p;
	unsigned long end = jiffies + 5 * HZ;

	atomic_inc(s->polls);
	atomic_set(s->in_poll, 1);
	while (!atomic_read(s->release) && time_before(jiffies, end))
		cpu_relax();
	kasync_set_result(t, 5);
	return KASYNC_READY;
}

static void kt_spin_drop(void *p)
{
	struct kt_spin *s = p;

	atomic_inc(s->drops);
}

static const struct kasync_task_ops kt_spin_ops = {
	.poll = kt_spin_poll,
	.drop = kt_spin_drop,
};

static void kt_abort_running_other(struct kunit *test)
{
	atomic_t in_poll = ATOMIC_INIT(0), release = ATOMIC_INIT(0);
	atomic_t polls = ATOMIC_INIT(0), drops = ATOMIC_INIT(0);
	struct kt_spin s = {
		.in_poll = &in_poll, .release = &release,
		.polls = &polls, .drops = &drops,
	};
	struct kasync_task *h;

	h = kasync_spawn(NULL, &kt_spin_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_EXPECT_TRUE(test, kt_wait_for(atomic_read(&in_poll), 5000));
	KUNIT_EXPECT_EQ(test, kasync_abort(h), 0);
	/* The poll in progress finishes first; drop has not run yet. */
	KUNIT_EXPECT_EQ(test, atomic_read(&drops), 0);
	atomic_set(&release, 1);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-ECANCELED);
	KUNIT_EXPECT_EQ(test, atomic_read(&polls), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&drops), 1);
}

/* Waiting for a wake. */
static void kt_abort_waiting(struct kunit *test)
{
	atomic_t polls = ATOMIC_INIT(0), drops = ATOMIC_INIT(0);
	struct kt_simple s = { .polls = &polls, .drops = &drops };
	struct kasync_task *h;

	h = kasync_spawn(NULL, &kt_never_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_ASSERT_TRUE(test, kt_wait_for(atomic_read(&polls) == 1, 5000));
	KUNIT_EXPECT_EQ(test, kasync_abort(h), 0);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-ECANCELED);
	KUNIT_EXPECT_EQ(test, atomic_read(&polls), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&drops), 1);
	/* A wake after the end does nothing. */
}

struct kt_timer_abort {
	struct hrtimer timer;
	struct kasync_task *task;
	int ret;
	atomic_t fired;
};

static enum hrtimer_restart kt_timer_abort_fn(struct hrtimer *timer)
{
	struct kt_timer_abort *ta = container_of(timer, struct kt_timer_abort,
						 timer);

	ta->ret = kasync_abort(ta->task);
	atomic_set_release(&ta->fired, 1);
	return HRTIMER_NORESTART;
}

/* Waiting, aborted from a hard-IRQ hrtimer callback. */
static void kt_abort_from_hardirq(struct kunit *test)
{
	atomic_t polls = ATOMIC_INIT(0), drops = ATOMIC_INIT(0);
	struct kt_simple s = { .polls = &polls, .drops = &drops };
	struct kt_timer_abort ta = { .ret = 1 };
	struct kasync_task *h;

	h = kasync_spawn(NULL, &kt_never_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	kt_wait_for(atomic_read(&polls) == 1, 5000);
	ta.task = h;
	hrtimer_init_on_stack(&ta.timer, CLOCK_MONOTONIC,
			      HRTIMER_MODE_REL_HARD);
	ta.timer.function = kt_timer_abort_fn;
	hrtimer_start(&ta.timer, ns_to_ktime(100 * NSEC_PER_USEC),
		      HRTIMER_MODE_REL_HARD);
	kt_wait_for(atomic_read_acquire(&ta.fired), 5000);
	hrtimer_cancel(&ta.timer);
	destroy_hrtimer_on_stack(&ta.timer);
	if (!atomic_read_acquire(&ta.fired))
		kasync_abort(h);
	KUNIT_EXPECT_EQ(test, ta.ret, 0);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-ECANCELED);
	KUNIT_EXPECT_EQ(test, atomic_read(&drops), 1);
}

/* Completed: abort does nothing; the result survives. */
static void kt_abort_completed(struct kunit *test)
{
	atomic_t drops = ATOMIC_INIT(0);
	struct kt_simple s = { .result = 3, .drops = &drops };
	struct kasync_task *h;

	h = kasync_spawn(NULL, &kt_ready_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_ASSERT_TRUE(test, kt_wait_for(kasync_task_finished(h), 5000));
	KUNIT_EXPECT_EQ(test, kasync_abort(h), -EALREADY);
	kasync_wake(h);		/* also nothing */
	KUNIT_EXPECT_EQ(test, kasync_join(&h), 3L);
	KUNIT_EXPECT_EQ(test, atomic_read(&drops), 1);
}

/* ---- cleanup hooks -------------------------------------------------------- */

struct kt_hooked {
	struct kasync_cleanup c1;
	struct kasync_cleanup c2;
	struct kasync_cleanup c3;	/* added, then deleted */
	atomic_t *seq;
	atomic_t *polled;
	int c1_at, c2_at, drop_at, c3_at;
	int *out;			/* c1_at, c2_at, drop_at, c3_at */
};

static void kt_hook1(struct kasync_cleanup *c)
{
	struct kt_hooked *s = container_of(c, struct kt_hooked, c1);

	s->c1_at = atomic_inc_return(s->seq);
}

static void kt_hook2(struct kasync_cleanup *c)
{
	struct kt_hooked *s = container_of(c, struct kt_hooked, c2);

	s->c2_at = atomic_inc_return(s->seq);
}

static void kt_hook3(struct kasync_cleanup *c)
{
	struct kt_hooked *s = container_of(c, struct kt_hooked, c3);

	s->c3_at = atomic_inc_return(s->seq);
}

static enum kasync_poll kt_hooked_poll(struct kasync_task *t, void *p)
{
	struct kt_hooked *s = p;

	s->c1.fn = kt_hook1;
	s->c2.fn = kt_hook2;
	s->c3.fn = kt_hook3;
	kasync_cleanup_add(t, &s->c1);
	kasync_cleanup_add(t, &s->c2);
	kasync_cleanup_add(t, &s->c3);
	kasync_cleanup_del(t, &s->c3);
	atomic_inc(s->polled);
	/* Woken, or aborted, by the test. */
	kasync_task_waits(t, KASYNC_WAIT_OTHER);
	return KASYNC_PENDING;
}

static void kt_hooked_drop(void *p)
{
	struct kt_hooked *s = p;

	s->drop_at = atomic_inc_return(s->seq);
	s->out[0] = s->c1_at;
	s->out[1] = s->c2_at;
	s->out[2] = s->drop_at;
	s->out[3] = s->c3_at;
}

static const struct kasync_task_ops kt_hooked_ops = {
	.poll = kt_hooked_poll,
	.drop = kt_hooked_drop,
};

static void kt_cleanup_before_drop(struct kunit *test)
{
	atomic_t seq = ATOMIC_INIT(0), polled = ATOMIC_INIT(0);
	int out[4] = {};
	struct kt_hooked s = { .seq = &seq, .polled = &polled, .out = out };
	struct kasync_task *h;

	h = kasync_spawn(NULL, &kt_hooked_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	kt_wait_for(atomic_read(&polled), 5000);
	KUNIT_EXPECT_EQ(test, kasync_abort(h), 0);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-ECANCELED);
	KUNIT_EXPECT_EQ(test, atomic_read(&seq), 3);
	KUNIT_EXPECT_GE(test, out[0], 1);
	KUNIT_EXPECT_GE(test, out[1], 1);
	KUNIT_EXPECT_EQ(test, out[2], 3);	/* drop last */
	KUNIT_EXPECT_EQ(test, out[3], 0);	/* deleted hook never ran */
}

/* ---- spawning from atomic context ---------------------------------------- */

static void kt_spawn_under_spinlock(struct kunit *test)
{
	static DEFINE_SPINLOCK(lock);
	struct kt_simple s = { .result = 11 };
	struct kasync_task *h;
	unsigned long flags;

	spin_lock_irqsave(&lock, flags);
	h = kasync_spawn(NULL, &kt_ready_ops, &s, sizeof(s), GFP_ATOMIC);
	spin_unlock_irqrestore(&lock, flags);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_EXPECT_EQ(test, kasync_join(&h), 11L);
}

struct kt_timer_spawn {
	struct hrtimer timer;
	struct kasync_task *h;
	atomic_t fired;
};

static enum hrtimer_restart kt_timer_spawn_fn(struct hrtimer *timer)
{
	struct kt_timer_spawn *ts = container_of(timer, struct kt_timer_spawn,
						 timer);
	struct kt_simple s = { .result = 12 };

	ts->h = kasync_spawn(NULL, &kt_ready_ops, &s, sizeof(s), GFP_ATOMIC);
	atomic_set_release(&ts->fired, 1);
	return HRTIMER_NORESTART;
}

static void kt_spawn_from_hrtimer(struct kunit *test)
{
	struct kt_timer_spawn ts = {};

	hrtimer_init_on_stack(&ts.timer, CLOCK_MONOTONIC,
			      HRTIMER_MODE_REL_HARD);
	ts.timer.function = kt_timer_spawn_fn;
	hrtimer_start(&ts.timer, ns_to_ktime(100 * NSEC_PER_USEC), HRTIMER_MODE_REL_HARD);
	kt_wait_for(atomic_read_acquire(&ts.fired), 5000);
	hrtimer_cancel(&ts.timer);
	destroy_hrtimer_on_stack(&ts.timer);
	KUNIT_ASSERT_TRUE(test, atomic_read_acquire(&ts.fired));
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(ts.h));
	KUNIT_EXPECT_EQ(test, kasync_join(&ts.h), 12L);
}

/* ---- a task awaiting a task ----------------------------------------------- */

struct kt_awaiter {
	struct kasync_co co;
	struct kasync_task *child;
	long res;
	int depth;
};

static enum kasync_poll kt_awaiter_poll(struct kasync_task *t, void *p);

static void kt_awaiter_drop(void *p)
{
	struct kt_awaiter *s = p;

	if (!IS_ERR_OR_NULL(s->child))
		kasync_detach(&s->child);
}

static const struct kasync_task_ops kt_awaiter_ops = {
	.poll = kt_awaiter_poll,
	.drop = kt_awaiter_drop,
};

/* Each level spawns the next and returns its result + 1. */
static enum kasync_poll kt_awaiter_poll(struct kasync_task *t, void *p)
{
	struct kt_awaiter *s = p;
	struct kt_awaiter next = { .depth = s->depth - 1 };

	KASYNC_BEGIN(&s->co);
	if (!s->depth)
		KASYNC_RETURN(&s->co, t, 100);
	s->child = kasync_spawn(NULL, &kt_awaiter_ops, &next, sizeof(next),
				GFP_KERNEL);
	if (IS_ERR(s->child))
		KASYNC_RETURN(&s->co, t, PTR_ERR(s->child));
	KASYNC_AWAIT(&s->co, kasync_join_poll(t, &s->child, &s->res));
	KASYNC_RETURN(&s->co, t, s->res + 1);
	KASYNC_END(&s->co);
}

static void kt_task_awaits_task(struct kunit *test)
{
	struct kt_awaiter s = { .depth = 20 };
	struct kasync_task *h;

	h = kasync_spawn(NULL, &kt_awaiter_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_EXPECT_EQ(test, kasync_join(&h), 120L);
}

static struct kunit_case kasync_task_cases[] = {
	KUNIT_CASE(kt_spawn_join_result),
	KUNIT_CASE(kt_state_copied),
	KUNIT_CASE(kt_spawn_einval),
	KUNIT_CASE(kt_spawn_sizes),
	KUNIT_CASE(kt_drop_once_complete),
	KUNIT_CASE(kt_drop_once_cancel),
	KUNIT_CASE(kt_join_timeout),
	KUNIT_CASE(kt_join_killable),
	KUNIT_CASE(kt_detach_runs_on),
	KUNIT_CASE(kt_misuse_handles),
	KUNIT_CASE(kt_join_from_poll),
	KUNIT_CASE(kt_abort_queued),
	KUNIT_CASE(kt_abort_running_self),
	KUNIT_CASE(kt_abort_running_other),
	KUNIT_CASE(kt_abort_waiting),
	KUNIT_CASE(kt_abort_from_hardirq),
	KUNIT_CASE(kt_abort_completed),
	KUNIT_CASE(kt_cleanup_before_drop),
	KUNIT_CASE(kt_spawn_under_spinlock),
	KUNIT_CASE(kt_spawn_from_hrtimer),
	KUNIT_CASE(kt_task_awaits_task),
	{}
};

static struct kunit_suite kasync_task_suite = {
	.name = "kasync_task",
	.test_cases = kasync_task_cases,
};

kunit_test_suite(kasync_task_suite);

MODULE_DESCRIPTION("KUnit tests for kasync tasks");
MODULE_LICENSE("GPL");
