/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by kasync's KUnit suites (static inline, no
 * exports): tasks that finish at once, tasks that wait forever, a
 * bounded wait for a condition, and the posters of the lost-wake stress
 * cases.
 */
#ifndef _KASYNC_KUNIT_TEST_H
#define _KASYNC_KUNIT_TEST_H

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/sched/task.h>
#include <kunit/test.h>
#include <kasync.h>
#include <kasync/testing.h>

#include "../kasync/compat.h"

/* kasync's test-only exports (<kasync/testing.h>) are for KUnit only. */
KASYNC_MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

/* KUnit marks slow cases since 6.6; on older kernels they are plain. */
#ifndef KUNIT_CASE_SLOW
#define KUNIT_CASE_SLOW(test_name) KUNIT_CASE(test_name)
#endif
#ifdef KUNIT_CASE_PARAM_ATTR
#define KT_CASE_PARAM_SLOW(test_name, gen)				\
	KUNIT_CASE_PARAM_ATTR(test_name, gen, { .speed = KUNIT_SPEED_SLOW })
#else
#define KT_CASE_PARAM_SLOW(test_name, gen) KUNIT_CASE_PARAM(test_name, gen)
#endif

/* Sleep-poll until @cond or @ms milliseconds passed; evaluates to @cond. */
#define kt_wait_for(cond, ms)						\
({									\
	unsigned long __end = jiffies + msecs_to_jiffies(ms);		\
	bool __ok;							\
									\
	while (!(__ok = (cond)) && time_before(jiffies, __end))		\
		usleep_range(100, 200);					\
	__ok;								\
})

/* Busy work standing in for a poll's CPU time (polls must not sleep). */
static inline void kt_spin_us(unsigned int us)
{
	u64 end = ktime_get_ns() + (u64)us * NSEC_PER_USEC;

	while (ktime_get_ns() < end)
		cpu_relax();
}

/* Pass a poll's result on, counting it in *@pending (if set) if PENDING. */
static inline enum kasync_poll kt_count_pending(enum kasync_poll r,
						atomic_t *pending)
{
	if (r == KASYNC_PENDING && pending)
		atomic_inc(pending);
	return r;
}

/* Holds an ordered runtime's only poll slot until released (or 5 s). */
struct kt_blocker {
	atomic_t *in_poll;	/* set once it polls */
	atomic_t *release;
};

static inline enum kasync_poll kt_blocker_poll(struct kasync_task *t, void *p)
{
	struct kt_blocker *s = p;
	unsigned long end = jiffies + 5 * HZ;

	atomic_set(s->in_poll, 1);
	while (!atomic_read(s->release) && time_before(jiffies, end))
		cpu_relax();
	return KASYNC_READY;
}

static const struct kasync_task_ops kt_blocker_ops __maybe_unused = {
	.poll = kt_blocker_poll,
};

/* State of the helper tasks below. */
struct kt_simple {
	long result;		/* returned by kt_ready_ops */
	atomic_t *polls;	/* counts polls, if set */
	atomic_t *drops;	/* counts drops, if set */
};

static inline void kt_simple_drop(void *p)
{
	struct kt_simple *s = p;

	if (s->drops)
		atomic_inc(s->drops);
}

static inline enum kasync_poll kt_ready_poll(struct kasync_task *t, void *p)
{
	struct kt_simple *s = p;

	if (s->polls)
		atomic_inc(s->polls);
	kasync_set_result(t, s->result);
	return KASYNC_READY;
}

/* Waits for a wake that never comes: ends only by cancellation. */
/*
 * An await that only the test ends (with kasync_abort() or the owner's
 * unload): it says so, as an await with a waker of its own must, or the
 * "no waker" detector would report the task.
 */
static inline enum kasync_poll kt_until_aborted(struct kasync_task *t)
{
	kasync_task_waits(t, KASYNC_WAIT_OTHER);
	return KASYNC_PENDING;
}

static inline enum kasync_poll kt_never_poll(struct kasync_task *t, void *p)
{
	struct kt_simple *s = p;

	if (s->polls)
		atomic_inc(s->polls);
	/* Woken, or aborted, by the test. */
	kasync_task_waits(t, KASYNC_WAIT_OTHER);
	return KASYNC_PENDING;
}

static const struct kasync_task_ops kt_ready_ops __maybe_unused = {
	.poll = kt_ready_poll,
	.drop = kt_simple_drop,
};

static const struct kasync_task_ops kt_never_ops __maybe_unused = {
	.poll = kt_never_poll,
	.drop = kt_simple_drop,
};

/* An online CPU other than @cpu, if there is one. */
static inline unsigned int kt_other_cpu(unsigned int cpu)
{
	unsigned int next = cpumask_next(cpu, cpu_online_mask);

	return next < nr_cpu_ids ? next : cpumask_first(cpu_online_mask);
}

/*
 * The posters of a lost-wake stress case: one event outstanding at a
 * time.  A poster publishes event n + 1 (through @post) only once the
 * task under test acknowledged n by setting @ack to n; they are a kthread
 * bound to another CPU and an hrtimer in hard IRQ.  A lost wake leaves
 * the task asleep with @ack behind @posted, which the kthread counts as a
 * stall after a second and kt_poster_check() reports.
 */
struct kt_poster {
	atomic_t posted;
	atomic_t ack;
	atomic_t pause;		/* posters stop posting */
	atomic_t by_thread;
	atomic_t by_timer;
	atomic_t stalls;	/* the kthread saw no ack for a second */
	void (*post)(struct kt_poster *pp, int n);	/* delivers event n */
	struct hrtimer timer;
	struct task_struct *k;
	unsigned int cpu;	/* the kthread's */
};

static inline bool kt_post(struct kt_poster *pp)
{
	int p = atomic_read(&pp->posted);

	if (atomic_read(&pp->pause) || atomic_read(&pp->ack) != p)
		return false;
	if (atomic_cmpxchg(&pp->posted, p, p + 1) != p)
		return false;
	pp->post(pp, p + 1);
	return true;
}

static inline int kt_poster_thread(void *data)
{
	struct kt_poster *pp = data;
	unsigned long last = jiffies;

	while (!kthread_should_stop()) {
		if (kt_post(pp)) {
			atomic_inc(&pp->by_thread);
			last = jiffies;
		} else if (atomic_read(&pp->ack) == atomic_read(&pp->posted)) {
			last = jiffies;
		} else if (time_after(jiffies, last + HZ)) {
			atomic_inc(&pp->stalls);
			last = jiffies;
		}
		cond_resched();
	}
	return 0;
}

static inline enum hrtimer_restart kt_poster_timer(struct hrtimer *timer)
{
	struct kt_poster *pp = container_of(timer, struct kt_poster, timer);

	if (kt_post(pp))
		atomic_inc(&pp->by_timer);
	hrtimer_forward_now(timer, ns_to_ktime(200 * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

/* Start the kthread (named @name/<cpu>) on another CPU, and the hrtimer. */
static inline void kt_poster_start(struct kunit *test, struct kt_poster *pp,
				   const char *name)
{
	pp->cpu = kt_other_cpu(raw_smp_processor_id());
	pp->k = kthread_create(kt_poster_thread, pp, "%s/%u", name, pp->cpu);
	KUNIT_ASSERT_FALSE(test, IS_ERR(pp->k));
	kthread_bind(pp->k, pp->cpu);
	get_task_struct(pp->k);
	wake_up_process(pp->k);
	hrtimer_init(&pp->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	pp->timer.function = kt_poster_timer;
	hrtimer_start(&pp->timer, ns_to_ktime(200 * NSEC_PER_USEC),
		      HRTIMER_MODE_REL_HARD);
}

/* Stop both posters; nothing is posted after this returns. */
static inline void kt_poster_stop(struct kt_poster *pp)
{
	atomic_set(&pp->pause, 1);
	hrtimer_cancel(&pp->timer);
	kthread_stop(pp->k);
	put_task_struct(pp->k);
}

/* No stall, and both posters posted. */
static inline void kt_poster_check(struct kunit *test, struct kt_poster *pp)
{
	KUNIT_EXPECT_EQ(test, atomic_read(&pp->stalls), 0);
	KUNIT_EXPECT_GT(test, atomic_read(&pp->by_thread), 0);
	KUNIT_EXPECT_GT(test, atomic_read(&pp->by_timer), 0);
	kunit_info(test, "events: %d by a kthread on CPU %u, %d by an hrtimer\n",
		   atomic_read(&pp->by_thread), pp->cpu,
		   atomic_read(&pp->by_timer));
}

/*
 * The cooperative budget, measured.  A hog task's poll loops over one
 * await whose resource is always ready, counting the awaits each poll
 * finishes, until one reports PENDING (the budget ran out).  It gives up
 * by itself after KT_HOG_LIMIT awaits in one poll, so that a runtime
 * without a budget fails the case instead of hanging a worker.
 */
#define KT_HOG_LIMIT	100000u

/* What a hog measured; written only by its polls (serialised). */
struct kt_hog_stats {
	atomic_t polls;
	unsigned int longest;	/* most awaits finished in one poll */
};

/*
 * A hog's poll: @step (one await over @s's resource) while it finishes,
 * then account the poll in @st.
 */
static inline enum kasync_poll
kt_hog_run(struct kasync_task *t, struct kt_hog_stats *st,
	   enum kasync_poll (*step)(struct kasync_task *t, void *s), void *s)
{
	unsigned int n = 0;

	while (n < KT_HOG_LIMIT && step(t, s) == KASYNC_READY)
		n++;
	if (n > st->longest)
		WRITE_ONCE(st->longest, n);
	atomic_inc(&st->polls);
	if (n >= KT_HOG_LIMIT)
		kasync_wake(t);
	return KASYNC_PENDING;
}

/*
 * Run a hog (@ops, state @state of @size bytes, measuring into @st) on a
 * per-CPU runtime, on a CPU other than the caller's, and check what the
 * budget promises: no poll finishes more than %KASYNC_COOP_BUDGET awaits,
 * the hog is polled again (it was woken when made to yield), the forced
 * yields are counted, and a task queued behind the hog on its CPU runs.
 */
static inline void kt_coop_check(struct kunit *test,
				 const struct kasync_task_ops *ops,
				 const void *state, size_t size,
				 struct kt_hog_stats *st)
{
	unsigned int cpu = kt_other_cpu(raw_smp_processor_id());
	struct kt_simple probe = { .result = 7 };
	struct kasync_task *h, *p;
	struct kasync_stats after;
	struct kasync_rt *rt;

	rt = kasync_rt_create("kt_coop", KASYNC_RT_PERCPU);
	KUNIT_ASSERT_FALSE(test, IS_ERR(rt));
	h = kasync_spawn_on(rt, cpu, ops, state, size, GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_EXPECT_TRUE(test, kt_wait_for(atomic_read(&st->polls) >= 3, 5000));
	p = kasync_spawn_on(rt, cpu, &kt_ready_ops, &probe, sizeof(probe),
			    GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(p));
	KUNIT_EXPECT_EQ(test, kasync_join_timeout(&p, 5 * HZ), 7L);
	if (p) {
		kasync_abort(p);
		kasync_join(&p);
	}
	kasync_rt_stats(rt, &after);
	kasync_abort(h);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-ECANCELED);
	kasync_rt_destroy(rt);
	KUNIT_EXPECT_GT(test, READ_ONCE(st->longest), 0u);
	KUNIT_EXPECT_LE(test, READ_ONCE(st->longest), KASYNC_COOP_BUDGET);
	KUNIT_EXPECT_GT(test, after.coop_yields, 0ULL);
	kunit_info(test, "hog: %d polls, at most %u awaits in one; %llu forced yields\n",
		   atomic_read(&st->polls), READ_ONCE(st->longest),
		   after.coop_yields);
}

static inline void kt_misuse_off(void *unused)
{
	kasync_test_expect_misuse(false);
}

/*
 * The test commits misuse on purpose from here to its end: kasync logs and
 * counts each report instead of warning (a warning would fail the run).
 * Returns the count so far, for KT_EXPECT_MISUSE().
 */
static inline unsigned int kt_expect_misuse(struct kunit *test)
{
	unsigned int seen = kasync_test_misuse_seen();

	kasync_test_expect_misuse(true);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, kt_misuse_off,
							 NULL), 0);
	return seen;
}

/* Exactly @n misuse reports since kt_expect_misuse() returned @before. */
#define KT_EXPECT_MISUSE(test, before, n)				\
	KUNIT_EXPECT_EQ(test, kasync_test_misuse_seen() - (before), (n))


/*
 * The result convention (Documentation/primitives.rst, "What an await
 * reports"): an await writes its long *res only when it reports
 * %KASYNC_READY.  A case sets res to KT_RES_UNSET before each await of
 * a sequence and wraps the await in kt_res_watch(), which counts, per
 * step, the polls that reported %KASYNC_PENDING and those of them that
 * wrote res anyway; the step's result goes to log->res[step] afterwards.
 */
#define KT_RES_UNSET	LONG_MIN
#define KT_RES_STEPS	4

struct kt_res_log {
	atomic_t pending[KT_RES_STEPS];	/* PENDING polls, per step */
	atomic_t touched;		/* PENDING polls that wrote res */
	long res[KT_RES_STEPS];		/* each step's result */
};

static inline enum kasync_poll kt_res_watch(enum kasync_poll r,
					    const long *res,
					    struct kt_res_log *log,
					    unsigned int step)
{
	if (r == KASYNC_PENDING) {
		if (READ_ONCE(*res) != KT_RES_UNSET)
			atomic_inc(&log->touched);
		atomic_inc(&log->pending[step]);
	}
	return r;
}

/* Wait (5 s at most) until step @step of @log has reported PENDING. */
static inline bool kt_res_pending(struct kt_res_log *log, unsigned int step)
{
	return kt_wait_for(atomic_read(&log->pending[step]) > 0, 5000);
}

/*
 * Wake @h, whose step @step waits, and wait until it was polled again:
 * a spurious wake, so that the await's later polls are watched too, not
 * only the one that armed it.  @h is the caller's handle.
 */
static inline bool kt_res_spurious(struct kasync_task *h,
				   struct kt_res_log *log, unsigned int step)
{
	int n = atomic_read(&log->pending[step]);

	kasync_wake(h);
	return kt_wait_for(atomic_read(&log->pending[step]) > n, 5000);
}

#endif /* _KASYNC_KUNIT_TEST_H */
