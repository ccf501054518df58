// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite kasync_sched: many tasks, wake storms (hard IRQ and another
 * CPU) without lost wakes, per-CPU placement, stealing, the ordered
 * runtime, LIFO slot, ring overflow, budget, counters and CPU hotplug.
 */
#include <kunit/test.h>
#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "kasync_test.h"

static struct kasync_rt *ks_rt(struct kunit *test, const char *name,
			       unsigned int flags)
{
	struct kasync_rt *rt = kasync_rt_create(name, flags);

	KUNIT_ASSERT_FALSE(test, IS_ERR(rt));
	return rt;
}

/* Two online CPUs, or skip; returns a CPU other than @cpu. */
static int ks_other_cpu(struct kunit *test, int cpu)
{
	int other = cpumask_any_but(cpu_online_mask, cpu);

	if (other >= nr_cpu_ids)
		kunit_skip(test, "needs two online CPUs");
	return other;
}

/* ---- many tasks ------------------------------------------------------------ */

/*
 * 100,000 tasks in eight rounds of 12,500, each round its own case: under
 * KASAN, lockdep and TCG a round takes seconds, and a single case past
 * 30 s would trip the hung-task detector on insmod's wait.
 */
#define KS_MANY		12500
#define KS_BATCH	500

static const int ks_many_rounds[] = { 1, 2, 3, 4, 5, 6, 7, 8 };

static void ks_many_desc(const int *round, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "round %d of %zu", *round,
		 ARRAY_SIZE(ks_many_rounds));
}

KUNIT_ARRAY_PARAM(ks_many, ks_many_rounds, ks_many_desc);

static void ks_many_tasks(struct kunit *test)
{
	struct kt_simple s = {};
	struct kasync_task **h;
	long sum = 0, want = 0;
	u64 start = ktime_get_ns();
	int i, j;

	h = kunit_kcalloc(test, KS_BATCH, sizeof(*h), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, h);
	for (i = 0; i < KS_MANY; i += KS_BATCH) {
		/*
		 * Spawn a batch without being preempted by the worker each
		 * time it wakes, as a spawner running in a task would.
		 */
		preempt_disable();
		for (j = 0; j < KS_BATCH; j++) {
			s.result = i + j;
			want += i + j;
			h[j] = kasync_spawn(NULL, &kt_ready_ops, &s, sizeof(s),
					    GFP_ATOMIC);
			if (IS_ERR(h[j]))
				break;
		}
		preempt_enable();
		KUNIT_ASSERT_EQ(test, j, KS_BATCH);
		for (j = 0; j < KS_BATCH; j++)
			sum += kasync_join(&h[j]);
	}
	KUNIT_EXPECT_EQ(test, sum, want);
	kunit_info(test, "%d tasks spawned and joined in %llu ms\n", KS_MANY,
		   div_u64(ktime_get_ns() - start, NSEC_PER_MSEC));
}

/* ---- wake storms ----------------------------------------------------------- */

/*
 * The task counts the events it observed; producers bump the event count
 * and then wake it.  It finishes after seeing all of them: a lost wake
 * would leave it pending forever.  Each poll lingers so that wakes also
 * land while it is RUNNING.
 */
struct ks_storm {
	atomic_t *events;
	int target;
	int expect_cpu;		/* -1: any */
	int polls;
	int wrong_cpu;
};

static enum kasync_poll ks_storm_poll(struct kasync_task *t, void *p)
{
	struct ks_storm *s = p;
	int seen;

	s->polls++;
	if (s->expect_cpu >= 0 && raw_smp_processor_id() != s->expect_cpu)
		s->wrong_cpu++;
	seen = atomic_read(s->events);
	if (seen >= s->target) {
		kasync_set_result(t, s->wrong_cpu ? -EXDEV : s->polls);
		return KASYNC_READY;
	}
	kt_spin_us(5);
	/* Woken, or aborted, by the test. */
	kasync_task_waits(t, KASYNC_WAIT_OTHER);
	return KASYNC_PENDING;
}

static const struct kasync_task_ops ks_storm_ops = { .poll = ks_storm_poll };

#define KS_TIMER_EVENTS	2000

struct ks_timer_storm {
	struct hrtimer timer;
	struct kasync_task *task;
	atomic_t events;
};

static enum hrtimer_restart ks_timer_fn(struct hrtimer *timer)
{
	struct ks_timer_storm *ts = container_of(timer, struct ks_timer_storm,
						 timer);

	atomic_inc(&ts->events);
	kasync_wake(ts->task);
	if (atomic_read(&ts->events) >= KS_TIMER_EVENTS)
		return HRTIMER_NORESTART;
	hrtimer_forward_now(timer, ns_to_ktime(20 * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

static void ks_wake_storm_hrtimer(struct kunit *test)
{
	struct ks_timer_storm *ts;
	struct ks_storm s = { .target = KS_TIMER_EVENTS, .expect_cpu = -1 };
	struct kasync_task *h;
	long ret;

	ts = kunit_kzalloc(test, sizeof(*ts), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ts);
	s.events = &ts->events;
	h = kasync_spawn(NULL, &ks_storm_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	/* The timer holds its own reference across the task's lifetime. */
	kasync_task_get(h);
	ts->task = h;
	hrtimer_init(&ts->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	ts->timer.function = ks_timer_fn;
	hrtimer_start(&ts->timer, ns_to_ktime(20 * NSEC_PER_USEC),
		      HRTIMER_MODE_REL_HARD);
	ret = kasync_join_timeout(&h, 20 * HZ);
	hrtimer_cancel(&ts->timer);
	kasync_task_put(ts->task);
	if (ret == -ETIMEDOUT) {
		kasync_abort(h);
		kasync_join(&h);
	}
	KUNIT_EXPECT_GT(test, ret, 0L);
	KUNIT_EXPECT_LE(test, ret, (long)KS_TIMER_EVENTS + 1);
}

#define KS_THREAD_EVENTS	20000

struct ks_waker {
	struct kasync_task *task;
	atomic_t *events;
	int n;
};

static int ks_waker_fn(void *arg)
{
	struct ks_waker *w = arg;
	int i;

	for (i = 0; i < w->n; i++) {
		atomic_inc(w->events);
		kasync_wake(w->task);
		if (!(i & 15))
			cpu_relax();
	}
	while (!kthread_should_stop())
		usleep_range(100, 200);
	return 0;
}

static void ks_wake_storm_other_cpu(struct kunit *test)
{
	struct ks_storm s = { .target = KS_THREAD_EVENTS };
	struct ks_waker w = { .n = KS_THREAD_EVENTS };
	struct task_struct *k;
	struct kasync_task *h;
	atomic_t events = ATOMIC_INIT(0);
	struct kasync_rt *rt;
	int cpu, other;
	long ret;

	cpu = cpumask_first(cpu_online_mask);
	other = ks_other_cpu(test, cpu);
	rt = ks_rt(test, "ks_storm", KASYNC_RT_PERCPU);
	s.events = &events;
	s.expect_cpu = cpu;
	h = kasync_spawn_on(rt, cpu, &ks_storm_ops, &s, sizeof(s),
			    GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	kasync_task_get(h);
	w.task = h;
	w.events = &events;
	k = kthread_create(ks_waker_fn, &w, "ks_waker");
	if (IS_ERR(k)) {
		kasync_task_put(w.task);
		kasync_abort(h);
		kasync_join(&h);
		kasync_rt_destroy(rt);
		KUNIT_FAIL(test, "kthread_create: %ld", PTR_ERR(k));
		return;
	}
	kthread_bind(k, other);
	wake_up_process(k);
	ret = kasync_join_timeout(&h, 20 * HZ);
	kthread_stop(k);
	kasync_task_put(w.task);
	if (ret == -ETIMEDOUT) {
		kasync_abort(h);
		kasync_join(&h);
	}
	kasync_rt_destroy(rt);
	KUNIT_EXPECT_GT(test, ret, 0L);		/* not lost, not moved */
}

/* ---- placement ------------------------------------------------------------- */

struct ks_yield {
	struct kasync_co co;
	int expect_cpu;
	int rounds;
	int i;
	int wrong;
	unsigned int delay_us;
};

static enum kasync_poll ks_yield_poll(struct kasync_task *t, void *p)
{
	struct ks_yield *s = p;

	KASYNC_BEGIN(&s->co);
	for (s->i = 0; s->i < s->rounds; s->i++) {
		if (s->expect_cpu >= 0 &&
		    raw_smp_processor_id() != s->expect_cpu)
			s->wrong++;
		if (s->delay_us)
			kt_spin_us(s->delay_us);
		KASYNC_YIELD(&s->co);
	}
	KASYNC_RETURN(&s->co, t, s->wrong);
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops ks_yield_ops = { .poll = ks_yield_poll };

#define KS_PER_CPU	4

static void ks_percpu_stays(struct kunit *test)
{
	struct ks_yield y = { .rounds = 20 };
	struct kasync_task **h;
	struct kasync_rt *rt;
	int cpu, i, n = 0;

	h = kunit_kcalloc(test, KS_PER_CPU * nr_cpu_ids, sizeof(*h),
			  GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, h);
	rt = ks_rt(test, "ks_percpu", KASYNC_RT_PERCPU);
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		y.expect_cpu = cpu;
		for (i = 0; i < KS_PER_CPU; i++) {
			h[n] = kasync_spawn_on(rt, cpu, &ks_yield_ops, &y,
					       sizeof(y), GFP_KERNEL);
			KUNIT_EXPECT_FALSE(test, IS_ERR(h[n]));
			if (!IS_ERR(h[n]))
				n++;
		}
	}
	cpus_read_unlock();
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ(test, kasync_join(&h[i]), 0L);
	kasync_rt_destroy(rt);
}

#define KS_STEAL_TASKS	64

static void ks_steal_when_loaded(struct kunit *test)
{
	struct kasync_task *h[KS_STEAL_TASKS];
	struct ks_yield y = { .rounds = 20, .expect_cpu = -1, .delay_us = 50 };
	struct kasync_stats st;
	struct kasync_rt *rt;
	int cpu, i;

	cpu = cpumask_first(cpu_online_mask);
	ks_other_cpu(test, cpu);
	rt = ks_rt(test, "ks_steal", 0);
	for (i = 0; i < KS_STEAL_TASKS; i++) {
		h[i] = kasync_spawn_on(rt, cpu, &ks_yield_ops, &y, sizeof(y),
				       GFP_KERNEL);
		KUNIT_ASSERT_FALSE(test, IS_ERR(h[i]));
	}
	for (i = 0; i < KS_STEAL_TASKS; i++)
		KUNIT_EXPECT_EQ(test, kasync_join(&h[i]), 0L);
	kasync_rt_stats(rt, &st);
	kasync_rt_destroy(rt);
	KUNIT_EXPECT_GT(test, st.steals, 0ULL);
	KUNIT_EXPECT_GE(test, st.stolen, st.steals);
}

/* ---- the ordered runtime --------------------------------------------------- */

#define KS_ORD_TASKS	16

struct ks_ord_log {
	atomic_t running;
	atomic_t overlap;
	atomic_t next;
	int first[KS_ORD_TASKS];
};

struct ks_ord {
	struct kasync_co co;
	struct ks_ord_log *log;
	int id;
	int i;
};

static enum kasync_poll ks_ord_poll(struct kasync_task *t, void *p)
{
	struct ks_ord *s = p;

	if (atomic_inc_return(&s->log->running) > 1)
		atomic_inc(&s->log->overlap);
	kt_spin_us(20);
	atomic_dec(&s->log->running);

	KASYNC_BEGIN(&s->co);
	s->log->first[atomic_inc_return(&s->log->next) - 1] = s->id;
	for (s->i = 0; s->i < 3; s->i++)
		KASYNC_YIELD(&s->co);
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops ks_ord_ops = { .poll = ks_ord_poll };

static void ks_ordered_fifo(struct kunit *test)
{
	struct kasync_task *h[KS_ORD_TASKS];
	struct ks_ord o = {};
	struct ks_ord_log *log;
	struct kasync_rt *rt;
	int i;

	log = kunit_kzalloc(test, sizeof(*log), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, log);
	rt = ks_rt(test, "ks_ordered", KASYNC_RT_ORDERED);
	o.log = log;
	for (i = 0; i < KS_ORD_TASKS; i++) {
		o.id = i;
		h[i] = kasync_spawn(rt, &ks_ord_ops, &o, sizeof(o), GFP_KERNEL);
		KUNIT_ASSERT_FALSE(test, IS_ERR(h[i]));
	}
	for (i = 0; i < KS_ORD_TASKS; i++)
		KUNIT_EXPECT_EQ(test, kasync_join(&h[i]), 0L);
	kasync_rt_destroy(rt);
	KUNIT_EXPECT_EQ(test, atomic_read(&log->overlap), 0);
	for (i = 0; i < KS_ORD_TASKS; i++)
		KUNIT_EXPECT_EQ(test, log->first[i], i);
}

/* ---- LIFO slot, overflow, budget -------------------------------------------- */

struct ks_chain {
	struct kasync_co co;
	struct kasync_rt *rt;
	struct kasync_task *child;
	long res;
	int depth;
};

static enum kasync_poll ks_chain_poll(struct kasync_task *t, void *p);

static void ks_chain_drop(void *p)
{
	struct ks_chain *s = p;

	if (!IS_ERR_OR_NULL(s->child))
		kasync_detach(&s->child);
}

static const struct kasync_task_ops ks_chain_ops = {
	.poll = ks_chain_poll,
	.drop = ks_chain_drop,
};

static enum kasync_poll ks_chain_poll(struct kasync_task *t, void *p)
{
	struct ks_chain *s = p;
	struct ks_chain next = { .rt = s->rt, .depth = s->depth - 1 };

	KASYNC_BEGIN(&s->co);
	if (!s->depth)
		KASYNC_RETURN(&s->co, t, 0);
	s->child = kasync_spawn(s->rt, &ks_chain_ops, &next, sizeof(next),
				GFP_KERNEL);
	if (IS_ERR(s->child))
		KASYNC_RETURN(&s->co, t, PTR_ERR(s->child));
	KASYNC_AWAIT(&s->co, kasync_join_poll(t, &s->child, &s->res));
	KASYNC_RETURN(&s->co, t, s->res + 1);
	KASYNC_END(&s->co);
}

/* A task spawned or woken by the running task runs next, from the slot. */
static void ks_lifo_hits(struct kunit *test)
{
	struct ks_chain c = { .depth = 10 };
	struct kasync_stats st;
	struct kasync_task *h;

	c.rt = ks_rt(test, "ks_lifo", KASYNC_RT_PERCPU);
	h = kasync_spawn(c.rt, &ks_chain_ops, &c, sizeof(c), GFP_KERNEL);
	KUNIT_EXPECT_FALSE(test, IS_ERR(h));
	if (!IS_ERR(h))
		KUNIT_EXPECT_EQ(test, kasync_join(&h), 10L);
	kasync_rt_stats(c.rt, &st);
	kasync_rt_destroy(c.rt);
	KUNIT_EXPECT_GT(test, st.lifo_hits, 0ULL);
}

#define KS_FANOUT	600

struct ks_fan {
	struct kasync_co co;
	struct kasync_rt *rt;
	int i;
	long res;
	long sum;
	struct kasync_task *h[KS_FANOUT];
};

static enum kasync_poll ks_fan_poll(struct kasync_task *t, void *p)
{
	struct ks_fan *s = p;
	struct kt_simple c = {};

	KASYNC_BEGIN(&s->co);
	/* All spawned within one poll: more than a ring's worth. */
	for (s->i = 0; s->i < KS_FANOUT; s->i++) {
		c.result = s->i;
		s->h[s->i] = kasync_spawn(s->rt, &kt_ready_ops, &c, sizeof(c),
					  GFP_KERNEL);
		if (IS_ERR(s->h[s->i]))
			KASYNC_RETURN(&s->co, t, PTR_ERR(s->h[s->i]));
	}
	for (s->i = 0; s->i < KS_FANOUT; s->i++) {
		KASYNC_AWAIT(&s->co, kasync_join_poll(t, &s->h[s->i], &s->res));
		s->sum += s->res;
	}
	KASYNC_RETURN(&s->co, t, s->sum);
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops ks_fan_ops = { .poll = ks_fan_poll };

static void ks_ring_overflow(struct kunit *test)
{
	struct kasync_stats st;
	struct kasync_task *h;
	struct ks_fan *f;

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	f->rt = ks_rt(test, "ks_overflow", KASYNC_RT_PERCPU);
	h = kasync_spawn(f->rt, &ks_fan_ops, f, sizeof(*f), GFP_KERNEL);
	KUNIT_EXPECT_FALSE(test, IS_ERR(h));
	if (!IS_ERR(h))
		KUNIT_EXPECT_EQ(test, kasync_join(&h),
				(long)KS_FANOUT * (KS_FANOUT - 1) / 2);
	kasync_rt_stats(f->rt, &st);
	kasync_rt_destroy(f->rt);
	KUNIT_EXPECT_GT(test, st.overflows, 0ULL);
	KUNIT_EXPECT_EQ(test, st.spawned, (u64)KS_FANOUT + 1);
	KUNIT_EXPECT_EQ(test, st.completed, (u64)KS_FANOUT + 1);
	KUNIT_EXPECT_EQ(test, st.alive, 0ULL);
}

#define KS_BURST	600

/*
 * A burst spawned with IRQs off stays on this CPU's ring (stealers'
 * IPIs wait): a work-stealing runtime moves half a full ring to its
 * global queue, and every task still runs.
 */
static void ks_ring_overflow_global(struct kunit *test)
{
	struct kt_simple s = {};
	struct kasync_task **h;
	struct kasync_stats st;
	struct kasync_rt *rt;
	unsigned long flags;
	long sum = 0;
	int i, n;

	h = kunit_kcalloc(test, KS_BURST, sizeof(*h), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, h);
	rt = ks_rt(test, "ks_overflow_ws", 0);
	local_irq_save(flags);
	for (n = 0; n < KS_BURST; n++) {
		s.result = n;
		h[n] = kasync_spawn(rt, &kt_ready_ops, &s, sizeof(s),
				    GFP_ATOMIC);
		if (IS_ERR(h[n]))
			break;
	}
	local_irq_restore(flags);
	for (i = 0; i < n; i++)
		sum += kasync_join(&h[i]);
	kasync_rt_stats(rt, &st);
	kasync_rt_destroy(rt);
	KUNIT_EXPECT_EQ(test, n, KS_BURST);
	KUNIT_EXPECT_EQ(test, sum, (long)n * (n - 1) / 2);
	KUNIT_EXPECT_GT(test, st.overflows, 0ULL);
	KUNIT_EXPECT_EQ(test, st.completed, (u64)n);
}

#define KS_FAIR_TASKS	600	/* over two rings' worth */
#define KS_FAIR_ROUNDS	8

/* Yields KS_FAIR_ROUNDS times; notes the most polls of others it waited. */
struct ks_fair {
	struct kasync_co co;
	atomic_t *clock;	/* polls of all the tasks */
	int last;
	int i;
	int max_gap;
};

static enum kasync_poll ks_fair_poll(struct kasync_task *t, void *p)
{
	struct ks_fair *s = p;
	int now = atomic_inc_return(s->clock);

	/* From the spawn (clock 0) to the first poll, and between polls. */
	s->max_gap = max(s->max_gap, now - s->last - 1);
	s->last = now;
	KASYNC_BEGIN(&s->co);
	for (s->i = 1; s->i <= KS_FAIR_ROUNDS; s->i++)
		KASYNC_YIELD(&s->co);
	KASYNC_RETURN(&s->co, t, s->max_gap);
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops ks_fair_ops = { .poll = ks_fair_poll };

/*
 * More runnable tasks than the ring holds, all yielding, on one CPU: the
 * queue stays full, and still every task waits about one round of the
 * others between two polls (wake order), not until the ring's tasks are
 * done while the overflowed ones wait behind them.
 */
static void ks_overflow_fifo(struct kunit *test)
{
	struct ks_fair f = {};
	struct kasync_task **h;
	struct kasync_stats st;
	struct kasync_rt *rt;
	atomic_t clock = ATOMIC_INIT(0);
	unsigned long flags;
	long gap, worst = 0;
	int cpu, i, n;

	h = kunit_kcalloc(test, KS_FAIR_TASKS, sizeof(*h), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, h);
	rt = ks_rt(test, "ks_fifo", KASYNC_RT_PERCPU);
	f.clock = &clock;
	/* All queued before the worker runs (as ks_ring_overflow_global). */
	local_irq_save(flags);
	cpu = smp_processor_id();
	for (n = 0; n < KS_FAIR_TASKS; n++) {
		h[n] = kasync_spawn_on(rt, cpu, &ks_fair_ops, &f, sizeof(f),
				       GFP_ATOMIC);
		if (IS_ERR(h[n]))
			break;
	}
	local_irq_restore(flags);
	for (i = 0; i < n; i++) {
		gap = kasync_join(&h[i]);
		worst = max(worst, gap);
	}
	kasync_rt_stats(rt, &st);
	kasync_rt_destroy(rt);
	KUNIT_EXPECT_EQ(test, n, KS_FAIR_TASKS);
	KUNIT_EXPECT_GT(test, st.overflows, 0ULL);
	KUNIT_EXPECT_EQ(test, st.completed, (u64)n);
	/* Round robin: KS_FAIR_TASKS - 1 others; slack for the spawning. */
	KUNIT_EXPECT_LE_MSG(test, worst, 2L * KS_FAIR_TASKS,
			    "a task waited %ld polls of others", worst);
}

#define KS_BUDGET_TASKS	200

/* One CPU, many runnable tasks: the worker stops on its budget. */
static void ks_budget_yields(struct kunit *test)
{
	struct ks_yield y = { .rounds = 3, .expect_cpu = -1 };
	struct kasync_task **h;
	struct kasync_stats st;
	struct kasync_rt *rt;
	int cpu, i, n;

	h = kunit_kcalloc(test, KS_BUDGET_TASKS, sizeof(*h), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, h);
	rt = ks_rt(test, "ks_budget", KASYNC_RT_PERCPU);
	/*
	 * Queue them all before the CPU's worker can run: otherwise a worker
	 * that preempts the spawner after each spawn sees one task at a time
	 * and never reaches its budget.
	 */
	cpu = get_cpu();
	for (n = 0; n < KS_BUDGET_TASKS; n++) {
		h[n] = kasync_spawn_on(rt, cpu, &ks_yield_ops, &y, sizeof(y),
				       GFP_ATOMIC);
		if (IS_ERR(h[n]))
			break;
	}
	put_cpu();
	KUNIT_ASSERT_EQ(test, n, KS_BUDGET_TASKS);
	for (i = 0; i < KS_BUDGET_TASKS; i++)
		KUNIT_EXPECT_EQ(test, kasync_join(&h[i]), 0L);
	kasync_rt_stats(rt, &st);
	kasync_rt_destroy(rt);
	KUNIT_EXPECT_GT(test, st.budget_yields, 0ULL);
	KUNIT_EXPECT_GE(test, st.polls, (u64)KS_BUDGET_TASKS * 4);
}

/* ---- CPU hotplug -------------------------------------------------------------- */

#define KS_HP_TASKS	8

struct ks_hp {
	struct kasync_co co;
	atomic_t *release;
	int cpu_seen;
};

/* Yields until released, then reports the CPU it finished on. */
static enum kasync_poll ks_hp_poll(struct kasync_task *t, void *p)
{
	struct ks_hp *s = p;

	KASYNC_BEGIN(&s->co);
	while (!atomic_read(s->release)) {
		kt_spin_us(20);
		KASYNC_YIELD(&s->co);
	}
	KASYNC_RETURN(&s->co, t, raw_smp_processor_id());
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops ks_hp_ops = { .poll = ks_hp_poll };

static void ks_hotplug_spawn(struct kunit *test, struct kasync_rt *rt,
			     int cpu, atomic_t *release,
			     struct kasync_task **busy,
			     struct kasync_task **idle)
{
	struct ks_hp s = { .release = release };
	struct kt_simple n = {};
	int i;

	for (i = 0; i < KS_HP_TASKS; i++) {
		busy[i] = kasync_spawn_on(rt, cpu, &ks_hp_ops, &s, sizeof(s),
					  GFP_KERNEL);
		KUNIT_ASSERT_FALSE(test, IS_ERR(busy[i]));
		idle[i] = kasync_spawn_on(rt, cpu, &kt_never_ops, &n,
					  sizeof(n), GFP_KERNEL);
		KUNIT_ASSERT_FALSE(test, IS_ERR(idle[i]));
	}
}

/* Aborted idle tasks and released busy ones all finish; none is lost. */
static void ks_hotplug_finish(struct kunit *test, struct kasync_task **busy,
			      struct kasync_task **idle, int gone)
{
	long ret;
	int i;

	for (i = 0; i < KS_HP_TASKS; i++) {
		ret = kasync_join_timeout(&busy[i], 20 * HZ);
		KUNIT_EXPECT_GE(test, ret, 0L);
		KUNIT_EXPECT_NE(test, ret, (long)gone);
		if (ret == -ETIMEDOUT) {
			kasync_abort(busy[i]);
			kasync_join(&busy[i]);
		}
		KUNIT_EXPECT_EQ(test, kasync_abort(idle[i]), 0);
		KUNIT_EXPECT_EQ(test, kasync_join_timeout(&idle[i], 20 * HZ),
				(long)-ECANCELED);
		if (idle[i])
			kasync_join(&idle[i]);
	}
}

static void ks_cpu_hotplug(struct kunit *test)
{
	struct kasync_task *pb[KS_HP_TASKS], *pi[KS_HP_TASKS];
	struct kasync_task *wb[KS_HP_TASKS], *wi[KS_HP_TASKS];
	struct kasync_rt *prt, *wrt;
	atomic_t release = ATOMIC_INIT(0);
	struct kasync_stats st;
	int cpu, ret;
	u64 t0;

	cpu = cpumask_last(cpu_online_mask);
	if (cpu == 0 || num_online_cpus() < 2)
		kunit_skip(test, "needs a second online CPU");
	prt = ks_rt(test, "ks_hp_percpu", KASYNC_RT_PERCPU);
	wrt = ks_rt(test, "ks_hp_steal", 0);
	ks_hotplug_spawn(test, prt, cpu, &release, pb, pi);
	ks_hotplug_spawn(test, wrt, cpu, &release, wb, wi);
	msleep(20);

	t0 = ktime_get_ns();
	ret = remove_cpu(cpu);
	kunit_info(test, "remove_cpu(%d): %d after %llu ms\n", cpu, ret,
		   div_u64(ktime_get_ns() - t0, NSEC_PER_MSEC));
	if (!ret) {
		atomic_set(&release, 1);
		ks_hotplug_finish(test, pb, pi, cpu);
		ks_hotplug_finish(test, wb, wi, cpu);
		kasync_rt_stats(prt, &st);
		KUNIT_EXPECT_GT(test, st.rehomed, 0ULL);
		KUNIT_EXPECT_EQ(test, add_cpu(cpu), 0);
	} else {
		atomic_set(&release, 1);
		ks_hotplug_finish(test, pb, pi, -1);
		ks_hotplug_finish(test, wb, wi, -1);
	}
	kasync_rt_destroy(prt);
	kasync_rt_destroy(wrt);
	if (ret)
		kunit_skip(test, "remove_cpu(%d): %d", cpu, ret);
}

/* After all joins, the counters balance. */
static void ks_stats_balance(struct kunit *test)
{
	struct kt_simple s = {};
	struct kasync_task *h[32];
	struct kasync_stats st;
	struct kasync_rt *rt;
	int i;

	rt = ks_rt(test, "ks_stats", 0);
	for (i = 0; i < ARRAY_SIZE(h); i++) {
		h[i] = kasync_spawn(rt, i & 1 ? &kt_ready_ops : &kt_never_ops,
				    &s, sizeof(s), GFP_KERNEL);
		KUNIT_ASSERT_FALSE(test, IS_ERR(h[i]));
	}
	for (i = 0; i < ARRAY_SIZE(h); i++) {
		if (!(i & 1))
			kasync_abort(h[i]);
		kasync_join(&h[i]);
	}
	kasync_rt_stats(rt, &st);
	kasync_rt_destroy(rt);
	KUNIT_EXPECT_EQ(test, st.spawned, 32ULL);
	KUNIT_EXPECT_EQ(test, st.completed, 16ULL);
	KUNIT_EXPECT_EQ(test, st.cancelled, 16ULL);
	KUNIT_EXPECT_EQ(test, st.alive, 0ULL);
	KUNIT_EXPECT_EQ(test, st.queue_depth, 0ULL);
	/*
	 * Every ready task is polled once; a never-task aborted before its
	 * first poll is finalized without one, and a poll is only a poll.
	 */
	KUNIT_EXPECT_GE(test, st.polls, 16ULL);
	KUNIT_EXPECT_LE(test, st.polls, 32ULL);
}

/* ---- kasync_current() ------------------------------------------------------ */

struct ks_cur {
	struct work_struct work;	/* a work item of someone else's */
	struct hrtimer timer;		/* an interrupt that hits the poll */
	struct kasync_task *in_work;	/* kasync_current() in the work item */
	struct kasync_task *in_irq;	/* ... in the hard IRQ */
	bool irq_ran;
	bool self_ok;			/* ... in the poll: the task itself */
};

static void ks_cur_work(struct work_struct *work)
{
	struct ks_cur *c = container_of(work, struct ks_cur, work);

	c->in_work = kasync_current();
}

static enum hrtimer_restart ks_cur_timer(struct hrtimer *timer)
{
	struct ks_cur *c = container_of(timer, struct ks_cur, timer);

	WRITE_ONCE(c->in_irq, kasync_current());
	WRITE_ONCE(c->irq_ran, true);
	return HRTIMER_NORESTART;
}

struct ks_cur_state {
	struct ks_cur *c;
};

/* Spins until the timer interrupt has hit this poll (or 1 s passed). */
static enum kasync_poll ks_cur_poll(struct kasync_task *t, void *p)
{
	struct ks_cur *c = ((struct ks_cur_state *)p)->c;
	u64 end = ktime_get_ns() + NSEC_PER_SEC;

	c->self_ok = kasync_current() == t;
	hrtimer_start(&c->timer, ns_to_ktime(1000), HRTIMER_MODE_REL_HARD);
	while (!READ_ONCE(c->irq_ran) && ktime_get_ns() < end)
		cpu_relax();
	c->self_ok &= kasync_current() == t;
	return KASYNC_READY;
}

static const struct kasync_task_ops ks_cur_ops = { .poll = ks_cur_poll };

/*
 * kasync_current() names the polled task in every kind of runtime, and is
 * NULL in a hard IRQ that hits the poll, in someone else's work item and
 * in a thread.
 */
static void ks_current_each_kind(struct kunit *test)
{
	static const unsigned int kinds[] = {
		0, KASYNC_RT_PERCPU, KASYNC_RT_ORDERED,
	};
	struct ks_cur_state st;
	struct kasync_task *h;
	struct kasync_rt *rt;
	struct ks_cur *c;
	int i;

	c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	st.c = c;
	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		c->irq_ran = false;
		c->in_irq = NULL;
		c->self_ok = false;
		hrtimer_init(&c->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
		c->timer.function = ks_cur_timer;
		rt = ks_rt(test, "ks_current", kinds[i]);
		h = kasync_spawn(rt, &ks_cur_ops, &st, sizeof(st), GFP_KERNEL);
		KUNIT_ASSERT_FALSE(test, IS_ERR(h));
		KUNIT_EXPECT_EQ(test, kasync_join(&h), 0L);
		hrtimer_cancel(&c->timer);
		KUNIT_EXPECT_TRUE_MSG(test, c->self_ok, "kind %d", i);
		KUNIT_EXPECT_TRUE_MSG(test, c->irq_ran, "kind %d", i);
		KUNIT_EXPECT_NULL_MSG(test, c->in_irq, "kind %d", i);
		kasync_rt_destroy(rt);
	}
	c->in_work = ERR_PTR(-EINVAL);
	INIT_WORK(&c->work, ks_cur_work);
	schedule_work(&c->work);
	flush_work(&c->work);
	KUNIT_EXPECT_NULL(test, c->in_work);
	KUNIT_EXPECT_NULL(test, kasync_current());
}

/* ---- rescue: tasks stuck behind a long poll -------------------------------- */

#define KS_BLOCK_MS	1000
#define KS_BEHIND	8

struct ks_block {
	atomic_t started;
	ktime_t end;			/* the blocking poll returned */
	atomic_t done;
	ktime_t at[KS_BEHIND];		/* each task behind it ran */
};

struct ks_behind {
	struct ks_block *b;
	int i;
};

/* A poll that sleeps for a second: a bug, but a common one. */
static enum kasync_poll ks_blocker_poll(struct kasync_task *t, void *p)
{
	struct ks_block *b = *(struct ks_block **)p;

	atomic_set(&b->started, 1);
	msleep(KS_BLOCK_MS);
	b->end = ktime_get();
	return KASYNC_READY;
}

static const struct kasync_task_ops ks_blocker_ops = {
	.poll = ks_blocker_poll,
};

static enum kasync_poll ks_behind_poll(struct kasync_task *t, void *p)
{
	struct ks_behind *s = p;

	s->b->at[s->i] = ktime_get();
	atomic_inc(&s->b->done);
	return KASYNC_READY;
}

static const struct kasync_task_ops ks_behind_ops = { .poll = ks_behind_poll };

/*
 * KS_BEHIND tasks queued on a CPU whose worker sleeps in one poll: how
 * many of them ran before that poll returned?
 */
static int ks_rescue_run(struct kunit *test, struct kasync_rt *rt, int cpu,
			 struct ks_block *b)
{
	struct kasync_task *blocker, *h[KS_BEHIND];
	struct ks_behind s = { .b = b };
	int i, early = 0;

	memset(b, 0, sizeof(*b));
	blocker = kasync_spawn_on(rt, cpu, &ks_blocker_ops, &b, sizeof(b),
				  GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(blocker));
	KUNIT_ASSERT_TRUE(test, kt_wait_for(atomic_read(&b->started), 5000));
	for (i = 0; i < KS_BEHIND; i++) {
		s.i = i;
		h[i] = kasync_spawn_on(rt, cpu, &ks_behind_ops, &s, sizeof(s),
				       GFP_KERNEL);
		KUNIT_ASSERT_FALSE(test, IS_ERR(h[i]));
	}
	KUNIT_EXPECT_EQ(test, kasync_join(&blocker), 0L);
	for (i = 0; i < KS_BEHIND; i++) {
		KUNIT_EXPECT_EQ(test, kasync_join(&h[i]), 0L);
		if (ktime_before(b->at[i], b->end))
			early++;
	}
	return early;
}

/*
 * A work-stealing runtime's tasks queued behind a poll that blocks run
 * on the other CPU meanwhile (kasync.rescue_us), and without the rescue
 * they would have waited for it.
 */
static void ks_rescue(struct kunit *test)
{
	struct kasync_rt *rt = ks_rt(test, "ks_rescue", 0);
	unsigned int saved = kasync_rescue_us;
	unsigned int long_us = kasync_detect_long_poll_us;
	struct kasync_stats st;
	struct ks_block *b;
	unsigned int seen;
	int cpu = cpumask_first(cpu_online_mask);

	ks_other_cpu(test, cpu);
	b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b);
	/* The sleep detector reports each blocker, once; no long polls. */
	seen = kt_expect_misuse(test);
	kasync_detect_long_poll_us = 0;

	/* Without the rescue, they wait for the blocker. */
	kasync_rescue_us = 0;
	KUNIT_EXPECT_EQ(test, ks_rescue_run(test, rt, cpu, b), 0);
	kasync_rt_stats(rt, &st);
	KUNIT_EXPECT_EQ(test, st.rescued, 0ULL);

	/* With it, every one of them runs meanwhile, elsewhere. */
	kasync_rescue_us = 2000;
	KUNIT_EXPECT_EQ(test, ks_rescue_run(test, rt, cpu, b), KS_BEHIND);
	kasync_rt_stats(rt, &st);
	KUNIT_EXPECT_GE(test, st.rescued, 1ULL);
	KUNIT_EXPECT_LE(test, st.rescued, (u64)KS_BEHIND);
	KT_EXPECT_MISUSE(test, seen, 2);
	kasync_rescue_us = saved;
	kasync_detect_long_poll_us = long_us;
	kasync_rt_destroy(rt);
}

/* ---- idle kick: tasks waiting behind a busy worker --------------------- */

/* Below the ring's steal threshold (32), which would kick on its own. */
#define KS_IDLE_TASKS	30
#define KS_IDLE_POLL_US	2000

struct ks_idle {
	atomic_t *elsewhere;
	int cpu;
};

static enum kasync_poll ks_idle_poll(struct kasync_task *t, void *p)
{
	struct ks_idle *s = p;

	if (raw_smp_processor_id() != s->cpu)
		atomic_inc(s->elsewhere);
	kt_spin_us(KS_IDLE_POLL_US);
	return KASYNC_READY;
}

static const struct kasync_task_ops ks_idle_ops = { .poll = ks_idle_poll };

/* Queue the tasks on @cpu; return how many ran on another CPU. */
static int ks_idle_run(struct kunit *test, struct kasync_rt *rt, int cpu)
{
	struct kasync_task *h[KS_IDLE_TASKS];
	atomic_t elsewhere = ATOMIC_INIT(0);
	struct ks_idle s = { .elsewhere = &elsewhere, .cpu = cpu };
	int i;

	for (i = 0; i < KS_IDLE_TASKS; i++) {
		h[i] = kasync_spawn_on(rt, cpu, &ks_idle_ops, &s, sizeof(s),
				       GFP_KERNEL);
		KUNIT_ASSERT_FALSE(test, IS_ERR(h[i]));
	}
	for (i = 0; i < KS_IDLE_TASKS; i++)
		KUNIT_EXPECT_EQ(test, kasync_join(&h[i]), 0L);
	return atomic_read(&elsewhere);
}

/*
 * 30 tasks of 2 ms each queued on one CPU, fewer than the ring's steal
 * threshold and none stuck: the idle CPU gets some of them from the
 * rescue pass ("balanced"), and without the pass none.
 */
static void ks_balance(struct kunit *test)
{
	struct kasync_rt *rt = ks_rt(test, "ks_balance", 0);
	unsigned int saved = kasync_rescue_us;
	int cpu = cpumask_first(cpu_online_mask);
	struct kasync_stats st;

	ks_other_cpu(test, cpu);
	/* Without the pass, nothing wakes the other CPU's worker. */
	kasync_rescue_us = 0;
	KUNIT_EXPECT_EQ(test, ks_idle_run(test, rt, cpu), 0);
	kasync_rt_stats(rt, &st);
	KUNIT_EXPECT_EQ(test, st.balanced, 0ULL);
	/*
	 * Passes 20 ms apart: no 2 ms poll is taken for stuck, unless the
	 * host held the vCPU in one for 20 ms; the runtime's longest poll,
	 * the rescue's own measure, says whether it did.
	 */
	kasync_rescue_us = 20000;
	KUNIT_EXPECT_GT(test, ks_idle_run(test, rt, cpu), 0);
	kasync_rt_stats(rt, &st);
	KUNIT_EXPECT_GE(test, st.balanced, 1ULL);
	if (st.longest_poll_ns < 20 * NSEC_PER_MSEC)
		KUNIT_EXPECT_EQ(test, st.rescued, 0ULL);
	else
		kunit_info(test, "a poll lasted %llu ns (the host held its vCPU): %llu rescued\n",
			   st.longest_poll_ns, st.rescued);
	KUNIT_EXPECT_LE(test, st.rescued, (u64)KS_IDLE_TASKS);
	kasync_rescue_us = saved;
	kasync_rt_destroy(rt);
}

static struct kunit_case kasync_sched_cases[] = {
	KT_CASE_PARAM_SLOW(ks_many_tasks, ks_many_gen_params),
	KUNIT_CASE(ks_wake_storm_hrtimer),
	KUNIT_CASE(ks_wake_storm_other_cpu),
	KUNIT_CASE(ks_percpu_stays),
	KUNIT_CASE(ks_steal_when_loaded),
	KUNIT_CASE(ks_ordered_fifo),
	KUNIT_CASE(ks_lifo_hits),
	KUNIT_CASE(ks_ring_overflow),
	KUNIT_CASE(ks_ring_overflow_global),
	KUNIT_CASE(ks_overflow_fifo),
	KUNIT_CASE(ks_budget_yields),
	KUNIT_CASE(ks_stats_balance),
	KUNIT_CASE(ks_current_each_kind),
	KUNIT_CASE_SLOW(ks_cpu_hotplug),
	KUNIT_CASE_SLOW(ks_rescue),
	KUNIT_CASE_SLOW(ks_balance),
	{}
};

static struct kunit_suite kasync_sched_suite = {
	.name = "kasync_sched",
	.test_cases = kasync_sched_cases,
};

kunit_test_suite(kasync_sched_suite);

MODULE_DESCRIPTION("KUnit tests for the kasync scheduler");
MODULE_LICENSE("GPL");
