// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite kasync_group: select (each side winning with the loser
 * disarmed, two branches ready in one poll, biased against fair), join-all
 * (results in order, abort while pending), task groups (next() in order
 * of completion, join_all, cancel, destroy from process context and from
 * a drop callback, cancel-on-error, ten thousand members), misuse, and
 * cancellation at every await point of the three combinators.
 */
#include <kunit/test.h>
#include <linux/err.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/wait.h>

#include "kasync_test.h"

static unsigned int kg_many = 10000;
module_param(kg_many, uint, 0444);
MODULE_PARM_DESC(kg_many, "members of kg_group_many_* (default 10000)");

/* Entries queued on @wq (counted under its lock). */
static unsigned int kg_queued(struct wait_queue_head *wq)
{
	struct wait_queue_entry *e;
	unsigned long flags;
	unsigned int n = 0;

	spin_lock_irqsave(&wq->lock, flags);
	list_for_each_entry(e, &wq->head, entry)
		n++;
	spin_unlock_irqrestore(&wq->lock, flags);
	return n;
}

/* Anything of a timer or wait left armed, as bits (0: nothing). */
static int kg_armed(struct kasync_timer *tm, const struct kasync_wait *w,
		    int nw)
{
	int i, bits = 0;

	if (kasync_timer_armed(tm))
		bits |= 1;
	/* (hrtimer_is_queued() only reads the state: fine on a zeroed one) */
	if (hrtimer_is_queued(&tm->hrt))
		bits |= 2;
	for (i = 0; i < nw; i++)
		if (kasync_wait_armed(&w[i]))
			bits |= 4 << i;
	return bits;
}

/* ---- select ------------------------------------------------------------- */

struct kg_sel {
	struct kasync_co co;
	struct kasync_timer tm;
	struct kasync_wait w[2];
	struct wait_queue_head *wq[2];
	atomic_t *cond[2];
	u64 sleep_ns;		/* 0: select over the two waits */
	atomic_t *pending;	/* if set: counts the polls that parked */
	int won;
};

static enum kasync_poll kg_sel_timer_or_wait(struct kasync_task *t,
					     struct kg_sel *s)
{
	return kasync_select(&s->won,
			     KASYNC_BRANCH(kasync_sleep(t, &s->tm, s->sleep_ns),
					   kasync_timer_cancel(t, &s->tm));
			     KASYNC_BRANCH(kasync_wait_event(t, &s->w[0], s->wq[0],
							     atomic_read(s->cond[0])),
					   kasync_wait_cancel(t, &s->w[0])));
}

static enum kasync_poll kg_sel_two_waits(struct kasync_task *t,
					 struct kg_sel *s)
{
	return kasync_select(&s->won,
			     KASYNC_BRANCH(kasync_wait_event(t, &s->w[0], s->wq[0],
							     atomic_read(s->cond[0])),
					   kasync_wait_cancel(t, &s->w[0]));
			     KASYNC_BRANCH(kasync_wait_event(t, &s->w[1], s->wq[1],
							     atomic_read(s->cond[1])),
					   kasync_wait_cancel(t, &s->w[1])));
}

static enum kasync_poll kg_sel_poll(struct kasync_task *t, void *p)
{
	struct kg_sel *s = p;

	KASYNC_BEGIN(&s->co);
	if (s->sleep_ns)
		KASYNC_AWAIT(&s->co, kg_sel_timer_or_wait(t, s));
	else
		KASYNC_AWAIT(&s->co, kt_count_pending(kg_sel_two_waits(t, s),
						      s->pending));
	/* The winner's index, and what is still armed (must be nothing). */
	KASYNC_RETURN(&s->co, t, s->won * 100 + kg_armed(&s->tm, s->w, 2));
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops kg_sel_ops = { .poll = kg_sel_poll };

static struct kasync_task *kg_spawn_sel(struct kunit *test, struct kg_sel *s)
{
	struct kasync_task *h;

	h = kasync_spawn(NULL, &kg_sel_ops, s, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	return h;
}

/* The timer fires first: branch 0 wins, the wait entry is dequeued. */
static void kg_select_timer_wins(struct kunit *test)
{
	DECLARE_WAIT_QUEUE_HEAD_ONSTACK(wq);
	atomic_t cond = ATOMIC_INIT(0);
	struct kg_sel s = {
		.wq = { &wq }, .cond = { &cond },
		.sleep_ns = 10 * NSEC_PER_MSEC,
	};
	struct kasync_task *h = kg_spawn_sel(test, &s);

	KUNIT_EXPECT_EQ(test, kasync_join(&h), 0L);
	KUNIT_EXPECT_EQ(test, kg_queued(&wq), 0U);
}

/* The wait queue is woken first: branch 1 wins, the timer is cancelled. */
static void kg_select_wait_wins(struct kunit *test)
{
	DECLARE_WAIT_QUEUE_HEAD_ONSTACK(wq);
	atomic_t cond = ATOMIC_INIT(0);
	struct kg_sel s = {
		.wq = { &wq }, .cond = { &cond },
		.sleep_ns = 5 * NSEC_PER_SEC,
	};
	struct kasync_task *h = kg_spawn_sel(test, &s);
	ktime_t t0 = ktime_get();

	KUNIT_ASSERT_TRUE(test, kt_wait_for(kg_queued(&wq) == 1, 5000));
	atomic_set(&cond, 1);
	wake_up(&wq);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), 100L);
	KUNIT_EXPECT_EQ(test, kg_queued(&wq), 0U);
	/* It did not wait for the timer. */
	KUNIT_EXPECT_LT(test, ktime_ms_delta(ktime_get(), t0), 4000LL);
}

/*
 * Both waits armed, both conditions made true before either wake: the
 * poll that follows finds both ready; the first branch wins and the
 * second, still queued from the earlier poll, is cancelled.  The first
 * poll must have parked first: while it is still between arming the
 * second wait and checking its condition again, it would find the
 * second ready and the first not.
 */
static void kg_select_both_ready(struct kunit *test)
{
	DECLARE_WAIT_QUEUE_HEAD_ONSTACK(wq0);
	DECLARE_WAIT_QUEUE_HEAD_ONSTACK(wq1);
	atomic_t c0 = ATOMIC_INIT(0), c1 = ATOMIC_INIT(0);
	atomic_t pending = ATOMIC_INIT(0);
	struct kg_sel s = { .wq = { &wq0, &wq1 }, .cond = { &c0, &c1 },
			    .pending = &pending };
	struct kasync_task *h = kg_spawn_sel(test, &s);

	KUNIT_ASSERT_TRUE(test, kt_wait_for(kg_queued(&wq0) == 1 &&
					    kg_queued(&wq1) == 1 &&
					    atomic_read(&pending) == 1, 5000));
	atomic_set(&c0, 1);
	atomic_set(&c1, 1);
	wake_up(&wq1);		/* the second branch's queue wakes it */
	wake_up(&wq0);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), 0L);
	KUNIT_EXPECT_EQ(test, kg_queued(&wq0), 0U);
	KUNIT_EXPECT_EQ(test, kg_queued(&wq1), 0U);
}

#define KG_RR_BRANCHES	3
#define KG_RR_ROUNDS	6

/* What the always-ready branches of kg_rr saw. */
struct kg_rr_count {
	int evals[KG_RR_BRANCHES];
	int wins[KG_RR_BRANCHES];
	int cancels[KG_RR_BRANCHES];
};

struct kg_rr {
	struct kasync_co co;
	struct kg_rr_count *c;
	unsigned int next;
	int won, round;
	bool fair;
};

static enum kasync_poll kg_rr_ready(struct kg_rr_count *c, int i)
{
	c->evals[i]++;
	return KASYNC_READY;
}

/* Three always-ready branches; each loser counts its cancel. */
static enum kasync_poll kg_rr_select(struct kg_rr *s)
{
	struct kg_rr_count *c = s->c;

	if (s->fair)
		return kasync_select_fair(&s->won, &s->next,
					  KASYNC_BRANCH(kg_rr_ready(c, 0), c->cancels[0]++);
					  KASYNC_BRANCH(kg_rr_ready(c, 1), c->cancels[1]++);
					  KASYNC_BRANCH(kg_rr_ready(c, 2), c->cancels[2]++));
	return kasync_select(&s->won,
			     KASYNC_BRANCH(kg_rr_ready(c, 0), c->cancels[0]++);
			     KASYNC_BRANCH(kg_rr_ready(c, 1), c->cancels[1]++);
			     KASYNC_BRANCH(kg_rr_ready(c, 2), c->cancels[2]++));
}

static enum kasync_poll kg_rr_poll(struct kasync_task *t, void *p)
{
	struct kg_rr *s = p;

	KASYNC_BEGIN(&s->co);
	for (s->round = 0; s->round < KG_RR_ROUNDS; s->round++) {
		KASYNC_AWAIT(&s->co, kg_rr_select(s));
		s->c->wins[s->won]++;
	}
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops kg_rr_ops = { .poll = kg_rr_poll };

static void kg_rr_run(struct kunit *test, bool fair, struct kg_rr_count *c)
{
	struct kg_rr s = { .c = c, .fair = fair };
	struct kasync_task *h;

	h = kasync_spawn(NULL, &kg_rr_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_ASSERT_EQ(test, kasync_join(&h), 0L);
}

/*
 * Biased: the first always-ready branch wins every round, the others are
 * never evaluated, and their cancel statements run every round.
 */
static void kg_select_biased_order(struct kunit *test)
{
	struct kg_rr_count c = {};

	kg_rr_run(test, false, &c);
	KUNIT_EXPECT_EQ(test, c.wins[0], KG_RR_ROUNDS);
	KUNIT_EXPECT_EQ(test, c.evals[0], KG_RR_ROUNDS);
	KUNIT_EXPECT_EQ(test, c.evals[1] + c.evals[2], 0);
	KUNIT_EXPECT_EQ(test, c.cancels[0], 0);
	KUNIT_EXPECT_EQ(test, c.cancels[1], KG_RR_ROUNDS);
	KUNIT_EXPECT_EQ(test, c.cancels[2], KG_RR_ROUNDS);
}

/* Fair: the first branch rotates; always-ready branches win in turn. */
static void kg_select_fair_rotates(struct kunit *test)
{
	struct kg_rr_count c = {};
	int i, per = KG_RR_ROUNDS / KG_RR_BRANCHES;

	kg_rr_run(test, true, &c);
	for (i = 0; i < KG_RR_BRANCHES; i++) {
		KUNIT_EXPECT_EQ(test, c.wins[i], per);
		KUNIT_EXPECT_EQ(test, c.evals[i], per);
		KUNIT_EXPECT_EQ(test, c.cancels[i], KG_RR_ROUNDS - per);
	}
}

/* ---- tasks that the join-all and group cases run ---------------------- */

enum kg_mode {
	KG_READY,	/* return at once */
	KG_TURN,	/* wait until sh->turn == id */
	KG_NEVER,	/* wait for a wake that never comes */
	KG_YIELD,	/* yield once, then return */
	KG_SLEEP,	/* sleep ns, then return */
	KG_SPAWN,	/* spawn id KG_READY members into g, then return */
};

struct kg_shared {
	struct wait_queue_head wq;
	atomic_t turn;
	atomic_t polls;
	atomic_t drops;
	atomic_t armed_at_drop;	/* members with something armed in drop */
};

struct kg_member {
	struct kasync_co co;
	struct kasync_wait w;
	struct kasync_timer tm;
	struct kg_shared *sh;
	struct kasync_group *g;
	enum kg_mode mode;
	u64 ns;
	long id;
	long result;
};

static const struct kasync_task_ops kg_member_ops;

/* Members spawned by a KG_SPAWN member, from its poll (no sleeping). */
static long kg_spawn_children(struct kg_member *s)
{
	struct kg_member c = { .sh = s->sh, .mode = KG_READY, .result = 1 };
	long i;

	for (i = 0; i < s->id; i++)
		if (kasync_group_spawn(s->g, &kg_member_ops, &c, sizeof(c),
				       GFP_NOWAIT))
			break;
	return i;
}

static enum kasync_poll kg_member_poll(struct kasync_task *t, void *p)
{
	struct kg_member *s = p;
	struct kg_shared *sh = s->sh;

	atomic_inc(&sh->polls);
	KASYNC_BEGIN(&s->co);
	if (s->mode == KG_TURN)
		KASYNC_AWAIT(&s->co, kasync_wait_event(t, &s->w, &sh->wq,
						       atomic_read(&sh->turn) == s->id));
	else if (s->mode == KG_NEVER)
		KASYNC_AWAIT(&s->co, kt_until_aborted(t));
	else if (s->mode == KG_YIELD)
		KASYNC_YIELD(&s->co);
	else if (s->mode == KG_SLEEP)
		KASYNC_AWAIT(&s->co, kasync_sleep(t, &s->tm, s->ns));
	else if (s->mode == KG_SPAWN)
		s->result = kg_spawn_children(s);
	KASYNC_RETURN(&s->co, t, s->result);
	KASYNC_END(&s->co);
}

static void kg_member_drop(void *p)
{
	struct kg_member *s = p;

	if (kg_armed(&s->tm, &s->w, 1))
		atomic_inc(&s->sh->armed_at_drop);
	atomic_inc(&s->sh->drops);
}

static const struct kasync_task_ops kg_member_ops = {
	.poll = kg_member_poll,
	.drop = kg_member_drop,
};

static struct kg_shared *kg_shared_new(struct kunit *test)
{
	struct kg_shared *sh = kunit_kzalloc(test, sizeof(*sh), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, sh);
	init_waitqueue_head(&sh->wq);
	atomic_set(&sh->turn, -1);
	return sh;
}

static struct kasync_task *kg_spawn_task(struct kunit *test,
					 struct kg_shared *sh,
					 enum kg_mode mode, long id, long result,
					 u64 ns)
{
	struct kg_member m = {
		.sh = sh, .mode = mode, .id = id, .result = result, .ns = ns,
	};
	struct kasync_task *h;

	h = kasync_spawn(NULL, &kg_member_ops, &m, sizeof(m), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	return h;
}

static void kg_spawn_member(struct kunit *test, struct kasync_group *g,
			    struct kg_shared *sh, enum kg_mode mode, long id,
			    long result)
{
	struct kg_member m = {
		.sh = sh, .mode = mode, .id = id, .result = result,
	};

	KUNIT_ASSERT_EQ(test, kasync_group_spawn(g, &kg_member_ops, &m,
						 sizeof(m), GFP_KERNEL), 0);
}

/* A member that returns at once, or the reason it was refused. */
static int kg_try_spawn(struct kasync_group *g, struct kg_shared *sh)
{
	struct kg_member m = { .sh = sh, .mode = KG_READY };

	return kasync_group_spawn(g, &kg_member_ops, &m, sizeof(m), GFP_KERNEL);
}

/* ---- join-all ------------------------------------------------------------ */

#define KG_JOIN_N	8

struct kg_joiner {
	struct kasync_co co;
	struct kasync_task *h[KG_JOIN_N];
	long res[KG_JOIN_N];
	long *out;		/* results, copied when done */
	atomic_t *progress;	/* handles consumed at the last pending poll */
	int *released;		/* kasync_join_all_cancel() in drop */
};

static enum kasync_poll kg_joiner_body(struct kasync_task *t,
				       struct kg_joiner *s)
{
	int i;

	KASYNC_BEGIN(&s->co);
	KASYNC_AWAIT(&s->co, kasync_join_all(t, s->h, KG_JOIN_N, s->res));
	for (i = 0; i < KG_JOIN_N; i++) {
		if (s->h[i])
			KASYNC_RETURN(&s->co, t, -EBUSY);	/* not consumed */
		s->out[i] = s->res[i];
	}
	KASYNC_END(&s->co);
}

static enum kasync_poll kg_joiner_poll(struct kasync_task *t, void *p)
{
	struct kg_joiner *s = p;
	enum kasync_poll r = kg_joiner_body(t, s);
	int i, n = 0;

	if (r == KASYNC_PENDING) {
		for (i = 0; i < KG_JOIN_N; i++)
			n += !s->h[i];
		atomic_set(s->progress, n);
	}
	return r;
}

static void kg_joiner_drop(void *p)
{
	struct kg_joiner *s = p;

	*s->released = kasync_join_all_cancel(s->h, KG_JOIN_N);
}

static const struct kasync_task_ops kg_joiner_ops = {
	.poll = kg_joiner_poll,
	.drop = kg_joiner_drop,
};

/*
 * Children finishing in reverse order (sleeps of 8..1 ms): the results
 * still come back by index, every handle consumed.
 */
static void kg_join_all_results(struct kunit *test)
{
	struct kg_shared *sh = kg_shared_new(test);
	atomic_t progress = ATOMIC_INIT(0);
	long out[KG_JOIN_N] = {};
	struct kg_joiner s = { .out = out, .progress = &progress };
	struct kasync_task *h;
	int i, released = -1;

	s.released = &released;
	for (i = 0; i < KG_JOIN_N; i++)
		s.h[i] = kg_spawn_task(test, sh, KG_SLEEP, i, 10 * i + 1,
				       (KG_JOIN_N - i) * NSEC_PER_MSEC);
	h = kasync_spawn(NULL, &kg_joiner_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_EXPECT_EQ(test, kasync_join(&h), 0L);
	for (i = 0; i < KG_JOIN_N; i++)
		KUNIT_EXPECT_EQ(test, out[i], 10L * i + 1);
	KUNIT_EXPECT_EQ(test, released, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&sh->drops), KG_JOIN_N);
	KUNIT_EXPECT_EQ(test, atomic_read(&sh->armed_at_drop), 0);
}

/*
 * The joiner is aborted after joining the two children that finished:
 * its drop aborts and detaches the six still running, which end with
 * -ECANCELED and are freed (kmemleak), nothing queued.
 */
static void kg_join_all_abort(struct kunit *test)
{
	struct kg_shared *sh = kg_shared_new(test);
	atomic_t progress = ATOMIC_INIT(0);
	long out[KG_JOIN_N] = {};
	struct kg_joiner s = { .out = out, .progress = &progress };
	struct kasync_task *h;
	int i, released = -1;

	s.released = &released;
	for (i = 0; i < KG_JOIN_N; i++)
		s.h[i] = kg_spawn_task(test, sh, i < 2 ? KG_READY : KG_TURN,
				       i, i, 0);
	h = kasync_spawn(NULL, &kg_joiner_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_ASSERT_TRUE(test, kt_wait_for(atomic_read(&progress) == 2 &&
					    kg_queued(&sh->wq) == 6, 5000));
	KUNIT_EXPECT_EQ(test, kasync_abort(h), 0);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-ECANCELED);
	KUNIT_EXPECT_EQ(test, released, KG_JOIN_N - 2);
	KUNIT_EXPECT_TRUE(test, kt_wait_for(atomic_read(&sh->drops) ==
					    KG_JOIN_N, 5000));
	KUNIT_EXPECT_EQ(test, kg_queued(&sh->wq), 0U);
	KUNIT_EXPECT_EQ(test, atomic_read(&sh->armed_at_drop), 0);
}

/* ---- groups -------------------------------------------------------------- */

struct kg_collector {
	struct kasync_co co;
	struct kasync_group_wait gw;
	struct kasync_group *g;
	long res;
	long first_error;
	long sum;
	bool join_all;		/* await join_all instead of next() */
	bool destroy_in_drop;
	long *order;		/* results in the order next() gave them */
	unsigned int max;	/* room in order */
	atomic_t *got;		/* results collected */
	atomic_t *pending;	/* polls that returned PENDING */
	int *armed_at_drop;
};

static enum kasync_poll kg_collector_body(struct kasync_task *t,
					  struct kg_collector *s)
{
	int n;

	KASYNC_BEGIN(&s->co);
	if (s->join_all) {
		KASYNC_AWAIT(&s->co, kasync_group_join_all(t, s->g, &s->gw,
							   &s->first_error));
		KASYNC_RETURN(&s->co, t, s->first_error);
	}
	for (;;) {
		KASYNC_AWAIT(&s->co, kasync_group_next(t, s->g, &s->gw,
						       &s->res));
		/*
		 * The members here return a value, -EIO or -ECANCELED: any
		 * other errno is the group's own (-ECHILD at the end) and
		 * ends the loop, also one that next() should not report.
		 */
		if (s->res < 0 && s->res != -EIO && s->res != -ECANCELED)
			break;
		n = atomic_read(s->got);
		if (n < s->max)
			s->order[n] = s->res;
		s->sum += s->res;
		/* Publishes order[n] to the test, which reads got first. */
		atomic_set_release(s->got, n + 1);
	}
	/* -ECHILD ends the loop: report the sum, or the surprise. */
	KASYNC_RETURN(&s->co, t, s->res == -ECHILD ? s->sum : s->res);
	KASYNC_END(&s->co);
}

static enum kasync_poll kg_collector_poll(struct kasync_task *t, void *p)
{
	struct kg_collector *s = p;

	return kt_count_pending(kg_collector_body(t, s), s->pending);
}

static void kg_collector_drop(void *p)
{
	struct kg_collector *s = p;

	if (s->armed_at_drop)
		*s->armed_at_drop = kasync_group_wait_armed(&s->gw);
	if (s->destroy_in_drop)
		kasync_group_destroy(s->g);
}

static const struct kasync_task_ops kg_collector_ops = {
	.poll = kg_collector_poll,
	.drop = kg_collector_drop,
};

static struct kasync_task *kg_spawn_collector(struct kunit *test,
					      struct kg_collector *s)
{
	struct kasync_task *h;

	h = kasync_spawn(NULL, &kg_collector_ops, s, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	return h;
}

static struct kasync_group *kg_group(struct kunit *test, unsigned int flags)
{
	struct kasync_group *g = kasync_group_new(NULL, flags, GFP_KERNEL);

	KUNIT_ASSERT_FALSE(test, IS_ERR(g));
	return g;
}

#define KG_ORDER_N	6

/*
 * KG_ORDER_N members waiting for their turn (their id), each returning
 * its id but member 0, which returns @first.
 */
static void kg_spawn_turns(struct kunit *test, struct kasync_group *g,
			   struct kg_shared *sh, long first)
{
	int i;

	for (i = 0; i < KG_ORDER_N; i++)
		kg_spawn_member(test, g, sh, KG_TURN, i, i ? i : first);
}

/*
 * Members finish one at a time in a chosen order; next() hands out their
 * results in that order, each once, then reports -ECHILD.
 */
static void kg_group_next_order(struct kunit *test)
{
	static const int perm[KG_ORDER_N] = { 3, 0, 5, 1, 4, 2 };
	struct kg_shared *sh = kg_shared_new(test);
	struct kasync_group *g = kg_group(test, 0);
	atomic_t got = ATOMIC_INIT(0);
	long order[KG_ORDER_N] = {};
	struct kg_collector s = {
		.g = g, .order = order, .max = KG_ORDER_N, .got = &got,
	};
	struct kasync_task *h;
	long sum = 0;
	int i;

	for (i = 0; i < KG_ORDER_N; i++)
		kg_spawn_member(test, g, sh, KG_TURN, i, 100 + i);
	KUNIT_EXPECT_EQ(test, kasync_group_len(g), (unsigned int)KG_ORDER_N);
	h = kg_spawn_collector(test, &s);
	for (i = 0; i < KG_ORDER_N; i++) {
		atomic_set(&sh->turn, perm[i]);
		wake_up_all(&sh->wq);
		KUNIT_ASSERT_TRUE(test, kt_wait_for(atomic_read_acquire(&got) ==
						    i + 1, 5000));
		KUNIT_EXPECT_EQ(test, order[i], 100L + perm[i]);
		sum += 100 + perm[i];
	}
	KUNIT_EXPECT_EQ(test, kasync_join(&h), sum);
	KUNIT_EXPECT_EQ(test, kasync_group_len(g), 0U);
	KUNIT_EXPECT_EQ(test, atomic_read(&sh->drops), KG_ORDER_N);
	KUNIT_EXPECT_EQ(test, kg_queued(&sh->wq), 0U);
	kasync_group_destroy(g);
}

/*
 * join_all on an empty group is ready at once; with members it waits for
 * all and reports the failing one's error.
 */
static void kg_group_join_all(struct kunit *test)
{
	struct kg_shared *sh = kg_shared_new(test);
	struct kasync_group *g = kg_group(test, 0);
	struct kg_collector s = { .g = g, .join_all = true };
	struct kasync_task *h;
	int i;

	h = kg_spawn_collector(test, &s);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), 0L);
	for (i = 0; i < KG_JOIN_N; i++)
		kg_spawn_member(test, g, sh, i == 5 ? KG_TURN : KG_YIELD, i,
				i == 5 ? -EIO : i);
	h = kg_spawn_collector(test, &s);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(atomic_read(&sh->drops) ==
					    KG_JOIN_N - 1, 5000));
	msleep(20);
	KUNIT_EXPECT_FALSE(test, kasync_task_finished(h));
	atomic_set(&sh->turn, 5);
	wake_up_all(&sh->wq);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-EIO);
	KUNIT_EXPECT_EQ(test, kasync_group_len(g), 0U);
	KUNIT_EXPECT_EQ(test, atomic_read(&sh->drops), KG_JOIN_N);
	kasync_group_destroy(g);
}

/*
 * A member spawns five more into its own group from its poll: join_all
 * waits for those too (it returns only after all six drops ran).
 */
static void kg_group_join_all_nested(struct kunit *test)
{
	struct kg_shared *sh = kg_shared_new(test);
	struct kasync_group *g = kg_group(test, 0);
	struct kg_collector s = { .g = g, .join_all = true };
	struct kg_member m = { .sh = sh, .g = g, .mode = KG_SPAWN, .id = 5 };
	struct kasync_task *h;

	KUNIT_ASSERT_EQ(test, kasync_group_spawn(g, &kg_member_ops, &m,
						 sizeof(m), GFP_KERNEL), 0);
	h = kg_spawn_collector(test, &s);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), 0L);
	KUNIT_EXPECT_EQ(test, atomic_read(&sh->drops), 6);
	KUNIT_EXPECT_EQ(test, kasync_group_len(g), 0U);
	kasync_group_destroy(g);
}

/*
 * cancel(): every running member ends with -ECANCELED, next() hands out
 * all those results, the group refuses new members.
 */
static void kg_group_cancel(struct kunit *test)
{
	struct kg_shared *sh = kg_shared_new(test);
	struct kasync_group *g = kg_group(test, 0);
	atomic_t got = ATOMIC_INIT(0);
	long order[KG_ORDER_N] = {};
	struct kg_collector s = {
		.g = g, .order = order, .max = KG_ORDER_N, .got = &got,
	};
	struct kasync_task *h;
	int i;

	kg_spawn_turns(test, g, sh, 0);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(kg_queued(&sh->wq) == KG_ORDER_N,
					    5000));
	h = kg_spawn_collector(test, &s);
	kasync_group_cancel(g);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-ECANCELED * KG_ORDER_N);
	for (i = 0; i < KG_ORDER_N; i++)
		KUNIT_EXPECT_EQ(test, order[i], (long)-ECANCELED);
	KUNIT_EXPECT_EQ(test, kg_try_spawn(g, sh), -ESHUTDOWN);
	KUNIT_EXPECT_EQ(test, kg_queued(&sh->wq), 0U);
	KUNIT_EXPECT_EQ(test, atomic_read(&sh->armed_at_drop), 0);
	KUNIT_EXPECT_EQ(test, kasync_group_len(g), 0U);
	kasync_group_destroy(g);
}

/*
 * destroy() from process context with members running (and results not
 * collected): all are cancelled and dropped, the wait entries are gone,
 * the private runtime has no task left; the group itself is freed by the
 * last drop (kmemleak checks it at the end of the run).
 */
static void kg_group_destroy_running(struct kunit *test)
{
	struct kg_shared *sh = kg_shared_new(test);
	struct kasync_rt *rt = kasync_rt_create("kg_destroy", 0);
	struct kasync_stats st;
	struct kasync_group *g;
	int i;

	KUNIT_ASSERT_FALSE(test, IS_ERR(rt));
	g = kasync_group_new(rt, 0, GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(g));
	for (i = 0; i < KG_ORDER_N; i++)
		kg_spawn_member(test, g, sh, i < 2 ? KG_READY : KG_TURN, i, i);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(kg_queued(&sh->wq) == KG_ORDER_N - 2 &&
					    atomic_read(&sh->drops) == 2, 5000));
	kasync_group_destroy(g);
	KUNIT_EXPECT_TRUE(test, kt_wait_for(atomic_read(&sh->drops) ==
					    KG_ORDER_N, 5000));
	KUNIT_EXPECT_EQ(test, kg_queued(&sh->wq), 0U);
	KUNIT_EXPECT_EQ(test, atomic_read(&sh->armed_at_drop), 0);
	KUNIT_EXPECT_TRUE(test, kt_wait_for((kasync_rt_stats(rt, &st),
					     st.alive == 0), 5000));
	KUNIT_EXPECT_EQ(test, st.cancelled, (u64)KG_ORDER_N - 2);
	kasync_rt_destroy(rt);
}

/*
 * The task awaiting next() owns the group and destroys it in its drop
 * callback: aborting the task unregisters it first (cleanup hook), then
 * the drop cancels the members, without sleeping.
 */
static void kg_group_destroy_from_drop(struct kunit *test)
{
	struct kg_shared *sh = kg_shared_new(test);
	struct kasync_group *g = kg_group(test, 0);
	atomic_t got = ATOMIC_INIT(0), pending = ATOMIC_INIT(0);
	int armed_at_drop = -1;
	struct kg_collector s = {
		.g = g, .got = &got, .pending = &pending,
		.armed_at_drop = &armed_at_drop, .destroy_in_drop = true,
	};
	struct kasync_task *h;

	kg_spawn_turns(test, g, sh, 0);
	h = kg_spawn_collector(test, &s);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(kg_queued(&sh->wq) == KG_ORDER_N &&
					    atomic_read(&pending) >= 1, 5000));
	KUNIT_EXPECT_EQ(test, kasync_abort(h), 0);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-ECANCELED);
	KUNIT_EXPECT_EQ(test, armed_at_drop, 0);
	KUNIT_EXPECT_TRUE(test, kt_wait_for(atomic_read(&sh->drops) ==
					    KG_ORDER_N, 5000));
	KUNIT_EXPECT_EQ(test, kg_queued(&sh->wq), 0U);
	KUNIT_EXPECT_EQ(test, atomic_read(&got), 0);
}

/*
 * KASYNC_GROUP_CANCEL_ON_ERROR: one member failing cancels the others;
 * join_all reports the failure (not -ECANCELED); the group is closed.
 */
static void kg_group_cancel_on_error(struct kunit *test)
{
	struct kg_shared *sh = kg_shared_new(test);
	struct kasync_group *g = kg_group(test, KASYNC_GROUP_CANCEL_ON_ERROR);
	struct kg_collector s = { .g = g, .join_all = true };
	struct kasync_task *h;

	kg_spawn_turns(test, g, sh, -EIO);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(kg_queued(&sh->wq) == KG_ORDER_N,
					    5000));
	h = kg_spawn_collector(test, &s);
	atomic_set(&sh->turn, 0);	/* member 0 fails */
	wake_up_all(&sh->wq);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-EIO);
	KUNIT_EXPECT_EQ(test, atomic_read(&sh->drops), KG_ORDER_N);
	KUNIT_EXPECT_EQ(test, kg_queued(&sh->wq), 0U);
	KUNIT_EXPECT_EQ(test, kg_try_spawn(g, sh), -ESHUTDOWN);
	kasync_group_destroy(g);
}

/* Without the flag a failure is just a result: the others keep running. */
static void kg_group_error_keeps_others(struct kunit *test)
{
	struct kg_shared *sh = kg_shared_new(test);
	struct kasync_group *g = kg_group(test, 0);
	atomic_t got = ATOMIC_INIT(0);
	long order[KG_ORDER_N] = {};
	struct kg_collector s = {
		.g = g, .order = order, .max = KG_ORDER_N, .got = &got,
	};
	struct kasync_task *h;

	kg_spawn_turns(test, g, sh, -EIO);
	h = kg_spawn_collector(test, &s);
	atomic_set(&sh->turn, 0);
	wake_up_all(&sh->wq);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(atomic_read_acquire(&got) == 1,
					    5000));
	KUNIT_EXPECT_EQ(test, order[0], (long)-EIO);
	msleep(20);
	KUNIT_EXPECT_EQ(test, atomic_read(&sh->drops), 1);
	KUNIT_EXPECT_EQ(test, kasync_group_len(g), KG_ORDER_N - 1U);
	KUNIT_EXPECT_EQ(test, kg_queued(&sh->wq), KG_ORDER_N - 1U);
	kasync_group_cancel(g);
	KUNIT_EXPECT_EQ(test, kasync_join(&h),
			-EIO - (long)ECANCELED * (KG_ORDER_N - 1));
	kasync_group_destroy(g);
}

/*
 * kasync_group_wait(), the process-context join: after cancel, it returns
 * once every member was dropped, with the first error.
 */
static void kg_group_wait_process(struct kunit *test)
{
	struct kg_shared *sh = kg_shared_new(test);
	struct kasync_group *g = kg_group(test, 0);

	kg_spawn_turns(test, g, sh, 0);
	KUNIT_EXPECT_EQ(test, kasync_group_len(g), (unsigned int)KG_ORDER_N);
	kasync_group_cancel(g);
	KUNIT_EXPECT_EQ(test, kasync_group_wait(g), (long)-ECANCELED);
	KUNIT_EXPECT_EQ(test, atomic_read(&sh->drops), KG_ORDER_N);
	KUNIT_EXPECT_EQ(test, kasync_group_len(g), 0U);
	kasync_group_destroy(g);
}

/*
 * kg_many members (10,000) that yield once: next() collects every result.
 * Spawn, wake and collect are O(1) per member; the time is printed.
 */
static void kg_group_many_next(struct kunit *test)
{
	struct kg_shared *sh = kg_shared_new(test);
	struct kasync_group *g = kg_group(test, 0);
	atomic_t got = ATOMIC_INIT(0);
	struct kg_collector s = { .g = g, .got = &got };
	struct kasync_task *h;
	ktime_t t0 = ktime_get(), t1;
	unsigned int i;

	for (i = 0; i < kg_many; i++)
		kg_spawn_member(test, g, sh, KG_YIELD, i, 1);
	t1 = ktime_get();
	h = kg_spawn_collector(test, &s);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)kg_many);
	kunit_info(test, "%u members: spawned in %lld ms, collected %lld ms later\n",
		   kg_many, ktime_ms_delta(t1, t0), ktime_ms_delta(ktime_get(), t1));
	KUNIT_EXPECT_EQ(test, atomic_read(&got), (int)kg_many);
	KUNIT_EXPECT_EQ(test, kasync_group_len(g), 0U);
	KUNIT_EXPECT_EQ(test, atomic_read(&sh->drops), (int)kg_many);
	kasync_group_destroy(g);
}

/* kg_many waiting members, destroyed: all cancelled, batch by batch. */
static void kg_group_many_destroy(struct kunit *test)
{
	struct kg_shared *sh = kg_shared_new(test);
	struct kasync_group *g = kg_group(test, 0);
	ktime_t t0;
	unsigned int i;

	t0 = ktime_get();
	for (i = 0; i < kg_many; i++)
		kg_spawn_member(test, g, sh, KG_NEVER, i, 1);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(atomic_read(&sh->polls) >=
					    (int)kg_many, 30000));
	kunit_info(test, "%u members spawned and polled in %lld ms\n", kg_many,
		   ktime_ms_delta(ktime_get(), t0));
	t0 = ktime_get();
	kasync_group_destroy(g);
	KUNIT_EXPECT_TRUE(test, kt_wait_for(atomic_read(&sh->drops) ==
					    (int)kg_many, 30000));
	kunit_info(test, "%u members cancelled in %lld ms\n", kg_many,
		   ktime_ms_delta(ktime_get(), t0));
}

/*
 * Misuse is reported (a warning at the call site, counted here) and
 * refused, the group left as it was.
 */
static void kg_misuse(struct kunit *test)
{
	static const struct kasync_task_ops no_poll = {};
	struct kasync_group_wait w = {};
	struct kasync_group *g;
	struct kg_member m = {};
	unsigned int misuse;
	long res = 1;

	g = kg_group(test, 0);
	misuse = kt_expect_misuse(test);
	KUNIT_EXPECT_EQ(test, PTR_ERR(kasync_group_new(NULL, 0x80, GFP_KERNEL)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, kasync_group_spawn(g, &no_poll, &m, sizeof(m),
						 GFP_KERNEL), -EINVAL);
	KUNIT_EXPECT_EQ(test, kasync_group_spawn(g, &kg_member_ops, NULL,
						 KASYNC_GROUP_STATE_MAX + 1,
						 GFP_KERNEL), -EINVAL);
	KT_EXPECT_MISUSE(test, misuse, 3U);
	/* A wait armed by another await (of another group). */
	w.armed = true;
	KUNIT_EXPECT_EQ(test, kasync_group_join_all(NULL, g, &w, &res),
			KASYNC_READY);
	KUNIT_EXPECT_EQ(test, res, (long)-EINVAL);
	KT_EXPECT_MISUSE(test, misuse, 4U);
	w.armed = false;
	KUNIT_EXPECT_EQ(test, kasync_group_len(g), 0U);
	KUNIT_EXPECT_EQ(test, kasync_group_wait(g), 0L);
	kasync_group_destroy(g);
	KT_EXPECT_MISUSE(test, misuse, 4U);
}

/* ---- cancellation at every await point ---------------------------------- */

enum kg_kind {
	KG_C_SELECT,
	KG_C_SELECT_FAIR,
	KG_C_JOIN_ALL,
	KG_C_GROUP_NEXT,
	KG_C_GROUP_JOIN_ALL,
	KG_C_GROUP_SELECT,
};

struct kg_cancel_case {
	const char *name;
	enum kg_kind kind;
	bool spurious;		/* abort after a spurious wake and re-poll */
	bool partial;		/* two children/members finished first */
};

static const struct kg_cancel_case kg_cancel_cases[] = {
	{ "select_timer_or_wait", KG_C_SELECT, false, false },
	{ "select_timer_or_wait_rewoken", KG_C_SELECT, true, false },
	{ "select_fair", KG_C_SELECT_FAIR, false, false },
	{ "join_all", KG_C_JOIN_ALL, false, false },
	{ "join_all_partly_joined", KG_C_JOIN_ALL, false, true },
	{ "join_all_rewoken", KG_C_JOIN_ALL, true, false },
	{ "group_next", KG_C_GROUP_NEXT, false, false },
	{ "group_next_rewoken", KG_C_GROUP_NEXT, true, false },
	{ "group_join_all", KG_C_GROUP_JOIN_ALL, false, false },
	{ "group_join_all_partly_collected", KG_C_GROUP_JOIN_ALL, false, true },
	{ "select_group_next_or_timer", KG_C_GROUP_SELECT, false, false },
};

static void kg_cancel_desc(const struct kg_cancel_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(kg_cancel, kg_cancel_cases, kg_cancel_desc);

#define KG_FAR		(500 * NSEC_PER_MSEC)	/* deadlines the abort beats */
#define KG_CN		4			/* children / members */

struct kg_canceller {
	struct kasync_co co;
	struct kasync_timer tm;
	struct kasync_wait w;
	struct kasync_group_wait gw;
	struct kasync_task *h[KG_CN];
	long res[KG_CN];
	struct wait_queue_head *wq;
	struct kasync_group *g;
	enum kg_kind kind;
	unsigned int next;
	int won;
	long gres;
	atomic_t *pending;	/* polls that returned PENDING */
	int *armed_at_drop;	/* anything still armed when drop ran */
	int *released;		/* handles kasync_join_all_cancel() freed */
};

static enum kasync_poll kg_canceller_select(struct kasync_task *t,
					    struct kg_canceller *s)
{
	if (s->kind == KG_C_SELECT)
		return kasync_select(&s->won,
				     KASYNC_BRANCH(kasync_sleep(t, &s->tm, KG_FAR),
						   kasync_timer_cancel(t, &s->tm));
				     KASYNC_BRANCH(kasync_wait_event(t, &s->w, s->wq, false),
						   kasync_wait_cancel(t, &s->w)));
	if (s->kind == KG_C_SELECT_FAIR)
		return kasync_select_fair(&s->won, &s->next,
					  KASYNC_BRANCH(kasync_sleep(t, &s->tm, KG_FAR),
							kasync_timer_cancel(t, &s->tm));
					  KASYNC_BRANCH(kasync_wait_event(t, &s->w, s->wq, false),
							kasync_wait_cancel(t, &s->w)));
	return kasync_select(&s->won,
			     KASYNC_BRANCH(kasync_group_next(t, s->g, &s->gw,
							     &s->gres),
					   kasync_group_wait_cancel(t, &s->gw));
			     KASYNC_BRANCH(kasync_sleep(t, &s->tm, KG_FAR),
					   kasync_timer_cancel(t, &s->tm)));
}

static enum kasync_poll kg_canceller_body(struct kasync_task *t,
					  struct kg_canceller *s)
{
	KASYNC_BEGIN(&s->co);
	if (s->kind == KG_C_JOIN_ALL)
		KASYNC_AWAIT(&s->co, kasync_join_all(t, s->h, KG_CN, s->res));
	else if (s->kind == KG_C_GROUP_NEXT)
		KASYNC_AWAIT(&s->co, kasync_group_next(t, s->g, &s->gw,
						       &s->gres));
	else if (s->kind == KG_C_GROUP_JOIN_ALL)
		KASYNC_AWAIT(&s->co, kasync_group_join_all(t, s->g, &s->gw,
							   &s->gres));
	else
		KASYNC_AWAIT(&s->co, kg_canceller_select(t, s));
	KASYNC_RETURN(&s->co, t, -EINVAL);	/* never: nothing finishes */
	KASYNC_END(&s->co);
}

static enum kasync_poll kg_canceller_poll(struct kasync_task *t, void *p)
{
	struct kg_canceller *s = p;

	return kt_count_pending(kg_canceller_body(t, s), s->pending);
}

static void kg_canceller_drop(void *p)
{
	struct kg_canceller *s = p;

	/* Cleanup hooks ran before drop: nothing may be armed. */
	*s->armed_at_drop = kg_armed(&s->tm, &s->w, 1) |
			    kasync_group_wait_armed(&s->gw) << 4;
	*s->released = kasync_join_all_cancel(s->h, KG_CN);
}

static const struct kasync_task_ops kg_canceller_ops = {
	.poll = kg_canceller_poll,
	.drop = kg_canceller_drop,
};

static void kg_cancel_every_await(struct kunit *test)
{
	const struct kg_cancel_case *c = test->param_value;
	struct kg_shared *sh = kg_shared_new(test);
	bool group = c->kind >= KG_C_GROUP_NEXT;
	atomic_t pending = ATOMIC_INIT(0);
	int armed_at_drop = -1, released = -1;
	struct kg_canceller s = {
		.kind = c->kind, .pending = &pending,
		.armed_at_drop = &armed_at_drop, .released = &released,
	};
	DECLARE_WAIT_QUEUE_HEAD_ONSTACK(wq);
	unsigned int nready = c->partial ? 2 : 0, i;
	struct kasync_task *h;
	int p;

	s.wq = &wq;
	if (group) {
		s.g = kg_group(test, 0);
		for (i = 0; i < KG_CN; i++)
			kg_spawn_member(test, s.g, sh,
					i < nready ? KG_READY : KG_TURN, i, i);
	} else if (c->kind == KG_C_JOIN_ALL) {
		for (i = 0; i < KG_CN; i++)
			s.h[i] = kg_spawn_task(test, sh,
					       i < nready ? KG_READY : KG_TURN,
					       i, i, 0);
	}
	if (group || c->kind == KG_C_JOIN_ALL)
		KUNIT_ASSERT_TRUE(test,
				  kt_wait_for(kg_queued(&sh->wq) == KG_CN - nready &&
					      atomic_read(&sh->drops) == nready,
					      5000));
	h = kasync_spawn(NULL, &kg_canceller_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_ASSERT_TRUE(test, kt_wait_for(atomic_read(&pending) >= 1, 5000));
	if (c->spurious) {
		p = atomic_read(&pending);
		if (c->kind == KG_C_SELECT)
			wake_up(&wq);
		else
			kasync_wake(h);
		KUNIT_ASSERT_TRUE(test,
				  kt_wait_for(atomic_read(&pending) > p, 5000));
	}
	KUNIT_EXPECT_EQ(test, kasync_abort(h), 0);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-ECANCELED);
	KUNIT_EXPECT_EQ(test, armed_at_drop, 0);
	KUNIT_EXPECT_EQ(test, kg_queued(&wq), 0U);
	if (c->kind == KG_C_JOIN_ALL)
		KUNIT_EXPECT_EQ(test, released, KG_CN - (int)nready);
	else
		KUNIT_EXPECT_EQ(test, released, 0);
	if (group) {
		/* The results not handed out stay with the group. */
		KUNIT_EXPECT_EQ(test, kasync_group_len(s.g),
				c->kind == KG_C_GROUP_NEXT ? KG_CN :
				KG_CN - nready);
		kasync_group_destroy(s.g);
	}
	KUNIT_EXPECT_TRUE(test, kt_wait_for(atomic_read(&sh->drops) == KG_CN ||
					    (!group && c->kind != KG_C_JOIN_ALL),
					    5000));
	KUNIT_EXPECT_EQ(test, kg_queued(&sh->wq), 0U);
	KUNIT_EXPECT_EQ(test, atomic_read(&sh->armed_at_drop), 0);
	/* A timer left armed would now fire into freed memory (KASAN). */
	if (c->kind == KG_C_SELECT || c->kind == KG_C_SELECT_FAIR ||
	    c->kind == KG_C_GROUP_SELECT)
		msleep(KG_FAR / NSEC_PER_MSEC + 20);
}

/* ---- the result convention ------------------------------------------------ */

/* next() three times, then join_all(), each into res, watched. */
struct kg_res {
	struct kasync_co co;
	struct kasync_group_wait gw;
	struct kasync_group *g;
	struct kt_res_log *log;
	long res;
	int i;
};

static enum kasync_poll kg_res_poll(struct kasync_task *t, void *p)
{
	struct kg_res *s = p;

	KASYNC_BEGIN(&s->co);
	for (s->i = 0; s->i < 3; s->i++) {
		s->res = KT_RES_UNSET;
		KASYNC_AWAIT(&s->co, kt_res_watch(kasync_group_next(t, s->g, &s->gw,
								    &s->res),
						  &s->res, s->log, s->i));
		s->log->res[s->i] = s->res;
	}
	s->res = KT_RES_UNSET;
	KASYNC_AWAIT(&s->co, kt_res_watch(kasync_group_join_all(t, s->g, &s->gw,
								&s->res),
					  &s->res, s->log, 3));
	s->log->res[3] = s->res;
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops kg_res_ops = { .poll = kg_res_poll };

/*
 * next() writes its res only when it finishes: untouched while members
 * run, then a member's result (a value, or its negative errno), then
 * -ECHILD once none is left; join_all() of the empty group reports 0.
 */
static void kg_res_convention(struct kunit *test)
{
	struct kg_shared *sh = kg_shared_new(test);
	struct kasync_group *g = kg_group(test, 0);
	struct kt_res_log log = {};
	struct kg_res s = { .g = g, .log = &log };
	struct kasync_task *h;

	kg_spawn_member(test, g, sh, KG_TURN, 0, 7);
	kg_spawn_member(test, g, sh, KG_TURN, 1, -EIO);
	h = kasync_spawn(NULL, &kg_res_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_EXPECT_TRUE(test, kt_res_pending(&log, 0));
	KUNIT_EXPECT_TRUE(test, kt_res_spurious(h, &log, 0));
	atomic_set(&sh->turn, 0);
	wake_up_all(&sh->wq);
	KUNIT_EXPECT_TRUE(test, kt_res_pending(&log, 1));
	atomic_set(&sh->turn, 1);
	wake_up_all(&sh->wq);
	KUNIT_EXPECT_EQ(test, kasync_join_timeout(&h, 10 * HZ), 0L);
	KUNIT_EXPECT_EQ(test, log.res[0], 7L);
	KUNIT_EXPECT_EQ(test, log.res[1], (long)-EIO);
	KUNIT_EXPECT_EQ(test, log.res[2], (long)-ECHILD);
	KUNIT_EXPECT_EQ(test, log.res[3], 0L);
	KUNIT_EXPECT_EQ(test, atomic_read(&log.touched), 0);
	if (h) {
		kasync_abort(h);
		kasync_join(&h);
	}
	kasync_group_destroy(g);
}

static struct kunit_case kasync_group_cases[] = {
	KUNIT_CASE(kg_select_timer_wins),
	KUNIT_CASE(kg_select_wait_wins),
	KUNIT_CASE(kg_select_both_ready),
	KUNIT_CASE(kg_select_biased_order),
	KUNIT_CASE(kg_select_fair_rotates),
	KUNIT_CASE(kg_join_all_results),
	KUNIT_CASE(kg_join_all_abort),
	KUNIT_CASE(kg_group_next_order),
	KUNIT_CASE(kg_group_join_all),
	KUNIT_CASE(kg_group_join_all_nested),
	KUNIT_CASE(kg_group_cancel),
	KUNIT_CASE(kg_group_destroy_running),
	KUNIT_CASE(kg_group_destroy_from_drop),
	KUNIT_CASE(kg_group_cancel_on_error),
	KUNIT_CASE(kg_group_error_keeps_others),
	KUNIT_CASE(kg_group_wait_process),
	KUNIT_CASE_SLOW(kg_group_many_next),
	KUNIT_CASE_SLOW(kg_group_many_destroy),
	KUNIT_CASE(kg_misuse),
	KUNIT_CASE_PARAM(kg_cancel_every_await, kg_cancel_gen_params),
	KUNIT_CASE(kg_res_convention),
	{}
};

static struct kunit_suite kasync_group_suite = {
	.name = "kasync_group",
	.test_cases = kasync_group_cases,
};

kunit_test_suite(kasync_group_suite);

MODULE_DESCRIPTION("KUnit tests for kasync select, join-all and task groups");
MODULE_LICENSE("GPL");
