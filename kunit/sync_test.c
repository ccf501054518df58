// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite kasync_sync: the async mutex, counting semaphore and
 * notify.  Basic use and misuse; FIFO fairness of the mutex and of the
 * semaphore (acquire many) under contention, checked exactly with the
 * waits' arrival numbers; a big semaphore request at the head blocking
 * small ones; releases and notifications from hard IRQ (hrtimer) and
 * from a kthread on the other CPU; cancellation at every await point of
 * every primitive (queued, woken, granted; by abort, cancel and
 * timeout); and a lost-wake stress with posters in IRQ and on the other
 * CPU.
 */
#include <kunit/test.h>
#include <linux/err.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/slab.h>
#include <linux/smp.h>

#include "kasync_test.h"

/*
 * kasync_join() that gives up after 10 s (a starved or lost task fails
 * the case instead of hanging the run): aborts the task then.
 */
static long ks_join(struct kasync_task **h)
{
	long r = kasync_join_timeout(h, 10 * HZ);

	if (r == -ETIMEDOUT && *h) {
		kasync_abort(*h);
		kasync_join(h);
	}
	return r;
}

/* ks_join(), and the number of polls a ks_user task took. */
static long ks_join_polls(struct kasync_task **h, int *polls);

/* Waiters queued on @q (counted under its lock). */
static unsigned int ks_queued(struct kasync_syncq *q)
{
	struct kasync_sync_wait *w;
	unsigned long flags;
	unsigned int n = 0;

	spin_lock_irqsave(&q->lock, flags);
	list_for_each_entry(w, &q->waiters, node)
		n++;
	spin_unlock_irqrestore(&q->lock, flags);
	return n;
}

/*
 * FIFO check, made by a waiter right after its await reported READY: no
 * waiter that arrived before it (smaller arrival number) may still be
 * queued.  The queue is in arrival order, so its head tells.
 */
static bool ks_fifo_ok(struct kasync_syncq *q, u32 seq)
{
	struct kasync_sync_wait *head;
	unsigned long flags;
	bool ok;

	spin_lock_irqsave(&q->lock, flags);
	head = list_first_entry_or_null(&q->waiters, struct kasync_sync_wait,
					node);
	ok = !head || (s32)(head->seq - seq) > 0;
	spin_unlock_irqrestore(&q->lock, flags);
	return ok;
}

static bool ks_notify_permit(struct kasync_notify *nf)
{
	unsigned long flags;
	bool p;

	spin_lock_irqsave(&nf->q.lock, flags);
	p = nf->permit;
	spin_unlock_irqrestore(&nf->q.lock, flags);
	return p;
}

/* A CPU other than the current one, if there is one. */
/* The three primitives, one of each. */
struct ks_prims {
	struct kasync_mutex m;
	struct kasync_sem sem;
	struct kasync_notify nf;
};

static struct ks_prims *ks_prims_new(struct kunit *test,
				     unsigned long permits, unsigned long max)
{
	struct ks_prims *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	kasync_mutex_init(&p->m);
	KUNIT_ASSERT_EQ(test, kasync_sem_init(&p->sem, permits, max), 0);
	kasync_notify_init(&p->nf);
	return p;
}

enum ks_prim {
	KS_MUTEX,
	KS_SEM,
	KS_NOTIFY,
};

static enum kasync_poll ks_acquire(struct kasync_task *t, struct ks_prims *p,
				   enum ks_prim prim, unsigned long n,
				   struct kasync_sync_wait *w, long *res)
{
	if (prim == KS_MUTEX)
		return kasync_mutex_lock(t, &p->m, w, res);
	if (prim == KS_SEM)
		return kasync_sem_acquire(t, &p->sem, n, w, res);
	return kasync_notified(t, &p->nf, w, res);
}

static void ks_release(struct ks_prims *p, enum ks_prim prim, unsigned long n)
{
	if (prim == KS_MUTEX)
		kasync_mutex_unlock(&p->m);
	else if (prim == KS_SEM)
		kasync_sem_release(&p->sem, n);
}

/* ---- a task that acquires once ------------------------------------------- */

struct ks_user {
	struct kasync_co co;
	struct kasync_sync_wait w;
	struct ks_prims *p;
	enum ks_prim prim;
	unsigned long n;
	bool release;		/* release what it got before returning */
	atomic_t polls;
	long id;
	long res;
};

static enum kasync_poll ks_user_poll(struct kasync_task *t, void *state)
{
	struct ks_user *s = state;

	atomic_inc(&s->polls);
	KASYNC_BEGIN(&s->co);
	KASYNC_AWAIT(&s->co, ks_acquire(t, s->p, s->prim, s->n, &s->w,
					&s->res));
	if (s->res)
		KASYNC_RETURN(&s->co, t, s->res);
	if (s->release)
		ks_release(s->p, s->prim, s->n);
	KASYNC_RETURN(&s->co, t, s->id);
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops ks_user_ops = { .poll = ks_user_poll };

static struct kasync_task *ks_spawn_user(struct kunit *test,
					 struct kasync_rt *rt,
					 struct ks_prims *p, enum ks_prim prim,
					 unsigned long n, bool release, long id)
{
	struct ks_user s = {
		.p = p, .prim = prim, .n = n, .release = release, .id = id,
	};
	struct kasync_task *h;

	h = kasync_spawn(rt, &ks_user_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	return h;
}

static struct ks_user *ks_user_of(struct kasync_task *h)
{
	return kasync_task_state(h);
}

static long ks_join_polls(struct kasync_task **h, int *polls)
{
	struct kasync_task *t = *h;
	long r;

	kasync_task_get(t);	/* keep the state readable after the join */
	r = ks_join(h);
	*polls = atomic_read(&ks_user_of(t)->polls);
	kasync_task_put(t);
	return r;
}

static u8 ks_user_wstate(struct kasync_task *h)
{
	return READ_ONCE(ks_user_of(h)->w.state);
}

/* ---- basics ---------------------------------------------------------------- */

static DEFINE_KASYNC_MUTEX(ks_static_mutex);
static DEFINE_KASYNC_SEM(ks_static_sem, 2, 4);
static DEFINE_KASYNC_NOTIFY(ks_static_notify);

/* The static initializers make working primitives. */
static void ks_static_init(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, kasync_mutex_trylock(&ks_static_mutex));
	KUNIT_EXPECT_TRUE(test, kasync_mutex_is_locked(&ks_static_mutex));
	KUNIT_EXPECT_FALSE(test, kasync_mutex_trylock(&ks_static_mutex));
	kasync_mutex_unlock(&ks_static_mutex);
	KUNIT_EXPECT_FALSE(test, kasync_mutex_is_locked(&ks_static_mutex));

	KUNIT_EXPECT_EQ(test, kasync_sem_available(&ks_static_sem), 2UL);
	KUNIT_EXPECT_EQ(test, kasync_sem_release(&ks_static_sem, 2), 0);
	KUNIT_EXPECT_EQ(test, kasync_sem_try_acquire(&ks_static_sem, 4), 0);
	KUNIT_EXPECT_EQ(test, kasync_sem_try_acquire(&ks_static_sem, 1), -EAGAIN);
	KUNIT_EXPECT_EQ(test, kasync_sem_release(&ks_static_sem, 2), 0);
	KUNIT_EXPECT_EQ(test, kasync_sem_available(&ks_static_sem), 2UL);

	KUNIT_EXPECT_FALSE(test, ks_notify_permit(&ks_static_notify));
	kasync_notify_one(&ks_static_notify);
	KUNIT_EXPECT_TRUE(test, ks_notify_permit(&ks_static_notify));
	kasync_notify_init(&ks_static_notify);	/* leave it as found */
}

/*
 * Lock at once when unlocked (one poll); queue when locked; an unlock
 * hands the mutex over; trylock never overtakes a queued waiter.
 */
static void ks_mutex_basic(struct kunit *test)
{
	struct ks_prims *p = ks_prims_new(test, 1, 1);
	struct kasync_task *a, *b;
	int polls;

	a = ks_spawn_user(test, NULL, p, KS_MUTEX, 1, false, 1);
	KUNIT_EXPECT_EQ(test, ks_join(&a), 1L);
	KUNIT_EXPECT_TRUE(test, kasync_mutex_is_locked(&p->m));	/* a kept it */

	b = ks_spawn_user(test, NULL, p, KS_MUTEX, 1, true, 2);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(ks_queued(&p->m.sem.q) == 1, 5000));
	KUNIT_EXPECT_EQ(test, ks_user_wstate(b), KASYNC_SYNC_QUEUED);
	KUNIT_EXPECT_FALSE(test, kasync_mutex_trylock(&p->m));
	kasync_mutex_unlock(&p->m);		/* a's unlock, handed to b */
	KUNIT_EXPECT_EQ(test, ks_join(&b), 2L);
	KUNIT_EXPECT_FALSE(test, kasync_mutex_is_locked(&p->m));
	KUNIT_EXPECT_EQ(test, ks_queued(&p->m.sem.q), 0U);

	/* Unlocked and nobody queued: one poll, nothing queued. */
	a = ks_spawn_user(test, NULL, p, KS_MUTEX, 1, true, 3);
	KUNIT_EXPECT_EQ(test, ks_join_polls(&a, &polls), 3L);
	KUNIT_EXPECT_EQ(test, polls, 1);
	KUNIT_EXPECT_FALSE(test, kasync_mutex_is_locked(&p->m));
}

/*
 * Misuse is reported (a warning at the call site, counted here) as
 * -EINVAL and changes nothing.
 */

struct ks_reuse {
	struct kasync_co co;
	struct kasync_sync_wait w;
	struct ks_prims *p;
	atomic_t polls;
	long res;
	long second;		/* res after the second await */
	u8 state_after;		/* w's state after the second await */
};

/* Queues on the mutex, then (wrongly) awaits the notify with the same w. */
static enum kasync_poll ks_reuse_poll(struct kasync_task *t, void *state)
{
	struct ks_reuse *s = state;

	if (atomic_inc_return(&s->polls) > 1) {
		/* Woken, or aborted, by the test. */
		kasync_task_waits(t, KASYNC_WAIT_OTHER);
		return KASYNC_PENDING;
	}
	if (kasync_mutex_lock(t, &s->p->m, &s->w, &s->res) != KASYNC_PENDING)
		return KASYNC_READY;
	if (kasync_notified(t, &s->p->nf, &s->w, &s->res) == KASYNC_READY)
		s->second = s->res;
	/* Publishes second: pairs with the test's smp_load_acquire(). */
	smp_store_release(&s->state_after, READ_ONCE(s->w.state));
	/* Woken, or aborted, by the test. */
	kasync_task_waits(t, KASYNC_WAIT_OTHER);
	return KASYNC_PENDING;
}

static const struct kasync_task_ops ks_reuse_ops = { .poll = ks_reuse_poll };

static void ks_misuse(struct kunit *test)
{
	struct ks_prims *p = ks_prims_new(test, 1, 2);
	struct kasync_sem bad = {};
	struct ks_reuse r = { .p = p }, *rs;
	struct kasync_task *h;
	unsigned int misuse = kt_expect_misuse(test);

	/* Unlocking an unlocked mutex: reported, ignored. */
	kasync_mutex_unlock(&p->m);
	KT_EXPECT_MISUSE(test, misuse, 1U);
	KUNIT_EXPECT_FALSE(test, kasync_mutex_is_locked(&p->m));
	KUNIT_EXPECT_TRUE(test, kasync_mutex_trylock(&p->m));
	KUNIT_EXPECT_FALSE(test, kasync_mutex_trylock(&p->m));
	kasync_mutex_unlock(&p->m);

	/* Bad sizes and over-release. */
	KUNIT_EXPECT_EQ(test, kasync_sem_try_acquire(&p->sem, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, kasync_sem_try_acquire(&p->sem, 3), -EINVAL);
	KUNIT_EXPECT_EQ(test, kasync_sem_release(&p->sem, 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, kasync_sem_release(&p->sem, 0), -EINVAL);
	KT_EXPECT_MISUSE(test, misuse, 5U);
	KUNIT_EXPECT_EQ(test, kasync_sem_available(&p->sem), 1UL);
	KUNIT_EXPECT_EQ(test, kasync_sem_release(&p->sem, 1), 0);
	KUNIT_EXPECT_EQ(test, kasync_sem_available(&p->sem), 2UL);
	h = ks_spawn_user(test, NULL, p, KS_SEM, 3, false, 1);
	KUNIT_EXPECT_EQ(test, ks_join(&h), (long)-EINVAL);
	KT_EXPECT_MISUSE(test, misuse, 6U);
	KUNIT_EXPECT_EQ(test, kasync_sem_available(&p->sem), 2UL);

	/* Bad init: the semaphore refuses everything. */
	KUNIT_EXPECT_EQ(test, kasync_sem_init(&bad, 3, 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, kasync_sem_init(&bad, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, kasync_sem_try_acquire(&bad, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, kasync_sem_release(&bad, 1), -EINVAL);
	KT_EXPECT_MISUSE(test, misuse, 10U);

	/* A wait queued on one primitive cannot await another. */
	KUNIT_ASSERT_TRUE(test, kasync_mutex_trylock(&p->m));
	h = kasync_spawn(NULL, &ks_reuse_ops, &r, sizeof(r), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	rs = kasync_task_state(h);
	/* Pairs with the task's smp_store_release() of state_after. */
	KUNIT_ASSERT_TRUE(test, kt_wait_for(smp_load_acquire(&rs->state_after),
					    5000));
	KUNIT_EXPECT_EQ(test, rs->state_after, KASYNC_SYNC_QUEUED);
	KUNIT_EXPECT_EQ(test, rs->second, (long)-EINVAL);
	KT_EXPECT_MISUSE(test, misuse, 11U);
	KUNIT_EXPECT_EQ(test, ks_queued(&p->m.sem.q), 1U);
	KUNIT_EXPECT_EQ(test, ks_queued(&p->nf.q), 0U);
	KUNIT_EXPECT_EQ(test, kasync_abort(h), 0);
	KUNIT_EXPECT_EQ(test, ks_join(&h), (long)-ECANCELED);
	KUNIT_EXPECT_EQ(test, ks_queued(&p->m.sem.q), 0U);
	kasync_mutex_unlock(&p->m);
	KUNIT_EXPECT_FALSE(test, kasync_mutex_is_locked(&p->m));
}

/* ---- fairness under contention ---------------------------------------------- */

#define KS_TASKS	16
#define KS_ROUNDS	40

struct ks_race {
	struct ks_prims *p;
	struct kasync_notify gate;	/* everybody starts together */
	atomic_t in_cs;			/* tasks (mutex) or permits (sem) held */
	atomic_t excl_bad;		/* more held than allowed */
	atomic_t fifo_bad;		/* granted while an earlier one waited */
	atomic_t done;			/* acquisitions */
	unsigned int nlog;		/* mutex only: written in the CS */
	u32 log_seq[KS_TASKS * KS_ROUNDS];
	u8 log_id[KS_TASKS * KS_ROUNDS];
};

struct ks_racer {
	struct kasync_co co;
	struct kasync_sync_wait w;
	struct ks_race *r;
	enum ks_prim prim;
	unsigned long n;
	long res;
	int round;
	u8 id;
};

static enum kasync_poll ks_racer_poll(struct kasync_task *t, void *state)
{
	struct ks_racer *s = state;
	struct ks_race *r = s->r;
	int held;

	KASYNC_BEGIN(&s->co);
	KASYNC_AWAIT(&s->co, kasync_notified(t, &r->gate, &s->w, &s->res));
	for (s->round = 0; s->round < KS_ROUNDS; s->round++) {
		KASYNC_AWAIT(&s->co, ks_acquire(t, r->p, s->prim, s->n, &s->w,
						&s->res));
		held = atomic_add_return(s->n, &r->in_cs);
		if (held > (s->prim == KS_MUTEX ? 1 : (int)r->p->sem.max))
			atomic_inc(&r->excl_bad);
		if (!ks_fifo_ok(s->w.q, s->w.seq))
			atomic_inc(&r->fifo_bad);
		if (s->prim == KS_MUTEX && r->nlog < ARRAY_SIZE(r->log_seq)) {
			r->log_seq[r->nlog] = s->w.seq;
			r->log_id[r->nlog++] = s->id;
		}
		KASYNC_YIELD(&s->co);	/* hold it while others queue */
		atomic_sub(s->n, &r->in_cs);
		atomic_inc(&r->done);
		ks_release(r->p, s->prim, s->n);
	}
	KASYNC_RETURN(&s->co, t, s->round);
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops ks_racer_ops = { .poll = ks_racer_poll };

/* Spawn the racers, open the gate when all wait at it, join them. */
static void ks_race_run(struct kunit *test, struct ks_race *r,
			enum ks_prim prim)
{
	struct kasync_task *h[KS_TASKS];
	struct ks_racer s = { .r = r, .prim = prim };
	int i;

	kasync_notify_init(&r->gate);
	for (i = 0; i < KS_TASKS; i++) {
		s.id = i;
		s.n = prim == KS_SEM ? 1 + i % 4 : 1;
		h[i] = kasync_spawn(NULL, &ks_racer_ops, &s, sizeof(s),
				    GFP_KERNEL);
		KUNIT_ASSERT_FALSE(test, IS_ERR(h[i]));
	}
	KUNIT_ASSERT_TRUE(test, kt_wait_for(ks_queued(&r->gate.q) == KS_TASKS,
					    5000));
	kasync_notify_all(&r->gate);
	for (i = 0; i < KS_TASKS; i++)
		KUNIT_EXPECT_EQ(test, ks_join(&h[i]), (long)KS_ROUNDS);
	KUNIT_EXPECT_EQ(test, atomic_read(&r->done), KS_TASKS * KS_ROUNDS);
	KUNIT_EXPECT_EQ(test, atomic_read(&r->excl_bad), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&r->fifo_bad), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&r->in_cs), 0);
	KUNIT_EXPECT_FALSE(test, ks_notify_permit(&r->gate));
}

/*
 * 16 tasks lock, hold across a yield, unlock, 40 times each.  Exclusive;
 * every acquisition in arrival order (the logged arrival numbers only
 * grow, and nobody who arrived earlier is still queued); counts exact.
 * The largest gap between two acquisitions of one task is reported: 16
 * unless a task was preempted between its unlock and its next lock.
 */
static void ks_mutex_fifo_contention(struct kunit *test)
{
	struct ks_race *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	unsigned int i, j, last[KS_TASKS], gap_max = 0, order_bad = 0;

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->p = ks_prims_new(test, 1, 1);
	ks_race_run(test, r, KS_MUTEX);

	KUNIT_ASSERT_EQ(test, r->nlog, (unsigned int)(KS_TASKS * KS_ROUNDS));
	for (j = 0; j < KS_TASKS; j++)
		last[j] = UINT_MAX;
	for (i = 0; i < r->nlog; i++) {
		if (i && (s32)(r->log_seq[i] - r->log_seq[i - 1]) <= 0)
			order_bad++;
		j = r->log_id[i];
		if (last[j] != UINT_MAX)
			gap_max = max(gap_max, i - last[j]);
		last[j] = i;
	}
	KUNIT_EXPECT_EQ(test, order_bad, 0U);
	KUNIT_EXPECT_FALSE(test, kasync_mutex_is_locked(&r->p->m));
	KUNIT_EXPECT_EQ(test, ks_queued(&r->p->m.sem.q), 0U);
	kunit_info(test, "%u acquisitions, largest gap %u\n", r->nlog, gap_max);
}

/*
 * 16 tasks take 1..4 of 4 permits (4 of them take all), hold across a
 * yield, release, 40 times each: never more than 4 held, every grant in
 * arrival order, nobody starved, all permits back.
 */
static void ks_sem_fifo_contention(struct kunit *test)
{
	struct ks_race *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->p = ks_prims_new(test, 4, 4);
	ks_race_run(test, r, KS_SEM);
	KUNIT_EXPECT_EQ(test, kasync_sem_available(&r->p->sem), 4UL);
	KUNIT_EXPECT_EQ(test, ks_queued(&r->p->sem.q), 0U);
}

/*
 * A request for 5 at the head blocks requests for 1 and 2 behind it (and
 * try_acquire) although they would fit; releases grant in order.
 */
static void ks_sem_acquire_many_fifo(struct kunit *test)
{
	struct ks_prims *p = ks_prims_new(test, 0, 8);
	struct kasync_task *a, *b, *c;
	unsigned int misuse;

	a = ks_spawn_user(test, NULL, p, KS_SEM, 5, false, 1);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(ks_queued(&p->sem.q) == 1, 5000));
	b = ks_spawn_user(test, NULL, p, KS_SEM, 1, false, 2);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(ks_queued(&p->sem.q) == 2, 5000));
	c = ks_spawn_user(test, NULL, p, KS_SEM, 2, false, 3);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(ks_queued(&p->sem.q) == 3, 5000));

	KUNIT_EXPECT_EQ(test, kasync_sem_release(&p->sem, 3), 0);
	msleep(20);
	KUNIT_EXPECT_EQ(test, kasync_sem_available(&p->sem), 3UL);
	KUNIT_EXPECT_EQ(test, ks_queued(&p->sem.q), 3U);
	KUNIT_EXPECT_EQ(test, ks_user_wstate(b), KASYNC_SYNC_QUEUED);
	KUNIT_EXPECT_EQ(test, kasync_sem_try_acquire(&p->sem, 1), -EAGAIN);

	KUNIT_EXPECT_EQ(test, kasync_sem_release(&p->sem, 2), 0);
	KUNIT_EXPECT_EQ(test, ks_join(&a), 1L);
	KUNIT_EXPECT_EQ(test, kasync_sem_available(&p->sem), 0UL);
	KUNIT_EXPECT_EQ(test, ks_queued(&p->sem.q), 2U);

	/* 2 permits: b (1) fits, c (2) then does not: b only. */
	KUNIT_EXPECT_EQ(test, kasync_sem_release(&p->sem, 2), 0);
	KUNIT_EXPECT_EQ(test, ks_join(&b), 2L);
	KUNIT_EXPECT_EQ(test, kasync_sem_available(&p->sem), 1UL);
	KUNIT_EXPECT_EQ(test, ks_user_wstate(c), KASYNC_SYNC_QUEUED);
	KUNIT_EXPECT_EQ(test, kasync_sem_release(&p->sem, 1), 0);
	KUNIT_EXPECT_EQ(test, ks_join(&c), 3L);
	KUNIT_EXPECT_EQ(test, kasync_sem_available(&p->sem), 0UL);
	KUNIT_EXPECT_EQ(test, ks_queued(&p->sem.q), 0U);
	/* The tasks kept 5 + 1 + 2 = 8: all of them. */
	KUNIT_EXPECT_EQ(test, kasync_sem_release(&p->sem, 8), 0);
	misuse = kt_expect_misuse(test);
	KUNIT_EXPECT_EQ(test, kasync_sem_release(&p->sem, 1), -EINVAL);
	KT_EXPECT_MISUSE(test, misuse, 1U);
}

/* ---- releases from hard IRQ and from the other CPU -------------------------- */

#define KS_IRQ_ROUNDS	30	/* the task takes 3 permits per round */

struct ks_remote {
	struct ks_prims *p;
	struct hrtimer timer;
	atomic_t by_timer;
	atomic_t by_thread;
	atomic_t not_hardirq;	/* timer callbacks outside hard IRQ */
	int quota;		/* permits each releaser gives */
};

struct ks_taker {
	struct kasync_co co;
	struct kasync_sync_wait w;
	struct ks_prims *p;
	long res;
	int round;
};

static enum kasync_poll ks_taker_poll(struct kasync_task *t, void *state)
{
	struct ks_taker *s = state;

	KASYNC_BEGIN(&s->co);
	for (s->round = 0; s->round < KS_IRQ_ROUNDS; s->round++) {
		KASYNC_AWAIT(&s->co, kasync_sem_acquire(t, &s->p->sem, 3, &s->w,
							&s->res));
		if (s->res)
			KASYNC_RETURN(&s->co, t, s->res);
	}
	KASYNC_RETURN(&s->co, t, s->round);
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops ks_taker_ops = { .poll = ks_taker_poll };

static enum hrtimer_restart ks_remote_timer(struct hrtimer *timer)
{
	struct ks_remote *rm = container_of(timer, struct ks_remote, timer);

	if (!in_hardirq())
		atomic_inc(&rm->not_hardirq);
	if (kasync_sem_release(&rm->p->sem, 1) == 0 &&
	    atomic_inc_return(&rm->by_timer) >= rm->quota)
		return HRTIMER_NORESTART;
	hrtimer_forward_now(timer, ns_to_ktime(300 * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

static int ks_remote_thread(void *data)
{
	struct ks_remote *rm = data;

	while (!kthread_should_stop()) {
		if (atomic_read(&rm->by_thread) < rm->quota &&
		    kasync_sem_release(&rm->p->sem, 1) == 0)
			atomic_inc(&rm->by_thread);
		usleep_range(200, 400);
	}
	return 0;
}

/*
 * A task takes 3 permits at a time, 30 times; an hrtimer (hard IRQ) and
 * a kthread on the other CPU release them one by one, 45 each.
 */
static void ks_sem_release_irq_and_remote(struct kunit *test)
{
	struct ks_remote *rm = kunit_kzalloc(test, sizeof(*rm), GFP_KERNEL);
	struct ks_taker s = {};
	struct task_struct *k;
	struct kasync_task *h;
	unsigned int cpu;

	KUNIT_ASSERT_NOT_NULL(test, rm);
	rm->p = ks_prims_new(test, 0, KASYNC_SEM_MAX);
	rm->quota = KS_IRQ_ROUNDS * 3 / 2;
	s.p = rm->p;
	h = kasync_spawn(NULL, &ks_taker_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));

	cpu = kt_other_cpu(raw_smp_processor_id());
	k = kthread_create(ks_remote_thread, rm, "ks_release/%u", cpu);
	KUNIT_ASSERT_FALSE(test, IS_ERR(k));
	kthread_bind(k, cpu);
	get_task_struct(k);
	wake_up_process(k);
	hrtimer_init(&rm->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	rm->timer.function = ks_remote_timer;
	hrtimer_start(&rm->timer, ns_to_ktime(300 * NSEC_PER_USEC),
		      HRTIMER_MODE_REL_HARD);

	KUNIT_EXPECT_EQ(test, kasync_join_timeout(&h, 10 * HZ),
			(long)KS_IRQ_ROUNDS);
	hrtimer_cancel(&rm->timer);
	kthread_stop(k);
	put_task_struct(k);
	if (h) {		/* timed out: do not leave it waiting */
		kasync_abort(h);
		ks_join(&h);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&rm->by_timer), rm->quota);
	KUNIT_EXPECT_EQ(test, atomic_read(&rm->by_thread), rm->quota);
	KUNIT_EXPECT_EQ(test, atomic_read(&rm->not_hardirq), 0);
	KUNIT_EXPECT_EQ(test, kasync_sem_available(&rm->p->sem), 0UL);
	KUNIT_EXPECT_EQ(test, ks_queued(&rm->p->sem.q), 0U);
}

/* ---- notify ---------------------------------------------------------------- */

/*
 * notify_one with nobody waiting stores one permit (not two), which the
 * next waiter consumes at once; with waiters it picks the first only.
 */
static void ks_notify_one_permit(struct kunit *test)
{
	struct ks_prims *p = ks_prims_new(test, 1, 1);
	struct kasync_task *a, *b;

	kasync_notify_one(&p->nf);
	kasync_notify_one(&p->nf);
	KUNIT_EXPECT_TRUE(test, ks_notify_permit(&p->nf));
	a = ks_spawn_user(test, NULL, p, KS_NOTIFY, 1, false, 1);
	KUNIT_EXPECT_EQ(test, ks_join(&a), 1L);
	KUNIT_EXPECT_FALSE(test, ks_notify_permit(&p->nf));

	a = ks_spawn_user(test, NULL, p, KS_NOTIFY, 1, false, 2);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(ks_queued(&p->nf.q) == 1, 5000));
	b = ks_spawn_user(test, NULL, p, KS_NOTIFY, 1, false, 3);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(ks_queued(&p->nf.q) == 2, 5000));
	kasync_notify_one(&p->nf);
	KUNIT_EXPECT_EQ(test, ks_join(&a), 2L);
	msleep(20);
	KUNIT_EXPECT_EQ(test, ks_user_wstate(b), KASYNC_SYNC_QUEUED);
	KUNIT_EXPECT_EQ(test, atomic_read(&ks_user_of(b)->polls), 1);
	kasync_notify_one(&p->nf);
	KUNIT_EXPECT_EQ(test, ks_join(&b), 3L);
	KUNIT_EXPECT_FALSE(test, ks_notify_permit(&p->nf));
	KUNIT_EXPECT_EQ(test, ks_queued(&p->nf.q), 0U);
}

/* notify_all wakes every waiter and stores nothing for later ones. */
static void ks_notify_all(struct kunit *test)
{
	struct ks_prims *p = ks_prims_new(test, 1, 1);
	struct kasync_task *h[3], *late;
	int i;

	kasync_notify_all(&p->nf);		/* nobody: no permit */
	KUNIT_EXPECT_FALSE(test, ks_notify_permit(&p->nf));
	for (i = 0; i < 3; i++) {
		h[i] = ks_spawn_user(test, NULL, p, KS_NOTIFY, 1, false, i);
		KUNIT_ASSERT_TRUE(test, kt_wait_for(ks_queued(&p->nf.q) == i + 1,
						    5000));
	}
	kasync_notify_all(&p->nf);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, ks_join(&h[i]), (long)i);
	KUNIT_EXPECT_FALSE(test, ks_notify_permit(&p->nf));

	late = ks_spawn_user(test, NULL, p, KS_NOTIFY, 1, false, 9);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(ks_queued(&p->nf.q) == 1, 5000));
	KUNIT_EXPECT_EQ(test, ks_user_wstate(late), KASYNC_SYNC_QUEUED);
	kasync_notify_one(&p->nf);
	KUNIT_EXPECT_EQ(test, ks_join(&late), 9L);
	KUNIT_EXPECT_EQ(test, ks_queued(&p->nf.q), 0U);
}

struct ks_irq_notify {
	struct hrtimer timer;
	struct kasync_notify *nf;
	bool hardirq;
};

static enum hrtimer_restart ks_irq_notify_fn(struct hrtimer *timer)
{
	struct ks_irq_notify *in = container_of(timer, struct ks_irq_notify,
						timer);

	in->hardirq = in_hardirq();
	kasync_notify_all(in->nf);	/* the two waiters */
	kasync_notify_one(in->nf);	/* nobody left: the permit */
	return HRTIMER_NORESTART;
}

/* notify_all and notify_one from an hrtimer callback in hard IRQ. */
static void ks_notify_from_irq(struct kunit *test)
{
	struct ks_prims *p = ks_prims_new(test, 1, 1);
	struct ks_irq_notify *in = kunit_kzalloc(test, sizeof(*in), GFP_KERNEL);
	struct kasync_task *a, *b, *c;
	int polls;

	KUNIT_ASSERT_NOT_NULL(test, in);
	in->nf = &p->nf;

	a = ks_spawn_user(test, NULL, p, KS_NOTIFY, 1, false, 1);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(ks_queued(&p->nf.q) == 1, 5000));
	b = ks_spawn_user(test, NULL, p, KS_NOTIFY, 1, false, 2);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(ks_queued(&p->nf.q) == 2, 5000));
	hrtimer_init(&in->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	in->timer.function = ks_irq_notify_fn;
	hrtimer_start(&in->timer, ns_to_ktime(NSEC_PER_MSEC),
		      HRTIMER_MODE_REL_HARD);
	KUNIT_EXPECT_EQ(test, ks_join(&a), 1L);
	KUNIT_EXPECT_EQ(test, ks_join(&b), 2L);
	hrtimer_cancel(&in->timer);
	KUNIT_EXPECT_TRUE(test, in->hardirq);
	KUNIT_EXPECT_TRUE(test, ks_notify_permit(&p->nf));
	c = ks_spawn_user(test, NULL, p, KS_NOTIFY, 1, false, 3);
	KUNIT_EXPECT_EQ(test, ks_join_polls(&c, &polls), 3L);
	KUNIT_EXPECT_EQ(test, polls, 1);	/* consumed the permit at once */
	KUNIT_EXPECT_FALSE(test, ks_notify_permit(&p->nf));
}

/* ---- cancellation at every await point -------------------------------------- */

enum ks_kind {
	KS_K_MUTEX,		/* a second locker queued behind */
	KS_K_SEM,		/* takes 2 with 1 free; a taker of 1 behind */
	KS_K_NOTIFY_ONE,	/* notify_one; a second waiter behind */
	KS_K_NOTIFY_ALONE,	/* notify_one; nobody behind */
	KS_K_NOTIFY_ALL,	/* notify_all; a second waiter */
};

enum ks_mode {
	KS_ABORT_QUEUED,	/* kasync_abort() while queued */
	KS_ABORT_REWOKEN,	/* ... after a spurious wake and re-poll */
	KS_ABORT_GRANTED,	/* ... after a grant it never polled */
	KS_CANCEL_QUEUED,	/* the *_cancel() function while queued */
	KS_CANCEL_GRANTED,	/* ... after a grant, before consuming it */
	KS_TIMEOUT,		/* KASYNC_AWAIT_TIMEOUT() runs out */
};

struct ks_cancel_case {
	enum ks_kind kind;
	enum ks_mode mode;
};

static const char *const ks_kind_names[] = {
	[KS_K_MUTEX] = "mutex",
	[KS_K_SEM] = "sem",
	[KS_K_NOTIFY_ONE] = "notify_one",
	[KS_K_NOTIFY_ALONE] = "notify_one_alone",
	[KS_K_NOTIFY_ALL] = "notify_all",
};

static const char *const ks_mode_names[] = {
	[KS_ABORT_QUEUED] = "abort_queued",
	[KS_ABORT_REWOKEN] = "abort_rewoken",
	[KS_ABORT_GRANTED] = "abort_granted",
	[KS_CANCEL_QUEUED] = "cancel_queued",
	[KS_CANCEL_GRANTED] = "cancel_granted",
	[KS_TIMEOUT] = "timeout",
};

/* Every primitive at every await point. */
static const struct ks_cancel_case ks_cancel_cases[] = {
	{ KS_K_MUTEX, KS_ABORT_QUEUED },
	{ KS_K_MUTEX, KS_ABORT_REWOKEN },
	{ KS_K_MUTEX, KS_ABORT_GRANTED },
	{ KS_K_MUTEX, KS_CANCEL_QUEUED },
	{ KS_K_MUTEX, KS_CANCEL_GRANTED },
	{ KS_K_MUTEX, KS_TIMEOUT },
	{ KS_K_SEM, KS_ABORT_QUEUED },
	{ KS_K_SEM, KS_ABORT_REWOKEN },
	{ KS_K_SEM, KS_ABORT_GRANTED },
	{ KS_K_SEM, KS_CANCEL_QUEUED },
	{ KS_K_SEM, KS_CANCEL_GRANTED },
	{ KS_K_SEM, KS_TIMEOUT },
	{ KS_K_NOTIFY_ONE, KS_ABORT_QUEUED },
	{ KS_K_NOTIFY_ONE, KS_ABORT_REWOKEN },
	{ KS_K_NOTIFY_ONE, KS_ABORT_GRANTED },
	{ KS_K_NOTIFY_ONE, KS_CANCEL_QUEUED },
	{ KS_K_NOTIFY_ONE, KS_CANCEL_GRANTED },
	{ KS_K_NOTIFY_ONE, KS_TIMEOUT },
	{ KS_K_NOTIFY_ALONE, KS_ABORT_QUEUED },
	{ KS_K_NOTIFY_ALONE, KS_ABORT_REWOKEN },
	{ KS_K_NOTIFY_ALONE, KS_ABORT_GRANTED },
	{ KS_K_NOTIFY_ALONE, KS_CANCEL_QUEUED },
	{ KS_K_NOTIFY_ALONE, KS_CANCEL_GRANTED },
	{ KS_K_NOTIFY_ALONE, KS_TIMEOUT },
	{ KS_K_NOTIFY_ALL, KS_ABORT_QUEUED },
	{ KS_K_NOTIFY_ALL, KS_ABORT_REWOKEN },
	{ KS_K_NOTIFY_ALL, KS_ABORT_GRANTED },
	{ KS_K_NOTIFY_ALL, KS_CANCEL_QUEUED },
	{ KS_K_NOTIFY_ALL, KS_CANCEL_GRANTED },
	{ KS_K_NOTIFY_ALL, KS_TIMEOUT },
};

static void ks_cancel_desc(const struct ks_cancel_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s_%s", ks_kind_names[c->kind],
		 ks_mode_names[c->mode]);
}

KUNIT_ARRAY_PARAM(ks_cancel, ks_cancel_cases, ks_cancel_desc);

/* The timeout mode's limit: long enough to queue the waiter behind. */
#define KS_SHORT	(500 * NSEC_PER_MSEC)
#define KS_CANCELLED	100			/* + the state cancelled in */

static enum ks_prim ks_kind_prim(enum ks_kind kind)
{
	if (kind == KS_K_MUTEX)
		return KS_MUTEX;
	return kind == KS_K_SEM ? KS_SEM : KS_NOTIFY;
}

struct ks_victim {
	struct kasync_co co;
	struct kasync_sync_wait w;
	struct kasync_timer tm;
	struct ks_prims *p;
	enum ks_prim prim;
	enum ks_mode mode;
	atomic_t *pending;	/* polls that returned PENDING */
	atomic_t *cancel_now;	/* call the *_cancel() function */
	int *armed_at_drop;
	long err;		/* the time limit's */
	long res;		/* the acquire's */
};

static void ks_victim_cancel(struct kasync_task *t, struct ks_victim *s)
{
	if (s->prim == KS_MUTEX)
		kasync_mutex_lock_cancel(t, &s->p->m, &s->w);
	else if (s->prim == KS_SEM)
		kasync_sem_acquire_cancel(t, &s->p->sem, &s->w);
	else
		kasync_notified_cancel(t, &s->p->nf, &s->w);
}

static enum kasync_poll ks_victim_body(struct kasync_task *t,
				       struct ks_victim *s)
{
	u8 st = READ_ONCE(s->w.state);

	if (atomic_read(s->cancel_now) && kasync_sync_waiting(&s->w)) {
		ks_victim_cancel(t, s);
		kasync_set_result(t, KS_CANCELLED + st);
		return KASYNC_READY;
	}
	KASYNC_BEGIN(&s->co);
	if (s->mode == KS_TIMEOUT)
		KASYNC_AWAIT_TIMEOUT(&s->co, t, &s->tm, KS_SHORT,
				     ks_acquire(t, s->p, s->prim, 2, &s->w,
						&s->res),
				     ks_victim_cancel(t, s), &s->err);
	else
		KASYNC_AWAIT(&s->co, ks_acquire(t, s->p, s->prim, 2, &s->w,
						&s->res));
	/* Got it: not expected in any mode; report it without releasing. */
	KASYNC_RETURN(&s->co, t, s->err ?: s->res ?: 1);
	KASYNC_END(&s->co);
}

static enum kasync_poll ks_victim_poll(struct kasync_task *t, void *state)
{
	struct ks_victim *s = state;

	return kt_count_pending(ks_victim_body(t, s), s->pending);
}

static void ks_victim_drop(void *state)
{
	struct ks_victim *s = state;

	/* Cleanup hooks ran before drop: nothing may be left armed. */
	*s->armed_at_drop = kasync_sync_waiting(&s->w) +
			    kasync_timer_armed(&s->tm) * 2 +
			    hrtimer_is_queued(&s->tm.hrt) * 4;
}

static const struct kasync_task_ops ks_victim_ops = {
	.poll = ks_victim_poll,
	.drop = ks_victim_drop,
};

/* Give what the victim (at the head) waits for. */
static void ks_grant(struct ks_prims *p, enum ks_kind kind)
{
	if (kind == KS_K_MUTEX)
		kasync_mutex_unlock(&p->m);	/* the test's hold */
	else if (kind == KS_K_SEM)
		kasync_sem_release(&p->sem, 1);	/* 2 free: the victim's 2 */
	else if (kind == KS_K_NOTIFY_ALL)
		kasync_notify_all(&p->nf);
	else
		kasync_notify_one(&p->nf);
}

/*
 * What a cancel case shares with its tasks, in KUnit memory so that a
 * failed assertion (which ends the test thread) leaves no task pointing
 * at a dead stack: the action below reaps whatever is still running.
 */
struct ks_cancel_ctx {
	atomic_t pending;
	atomic_t cancel_now;
	atomic_t in_poll;
	atomic_t release;
	int armed_at_drop;
	struct kasync_task *a, *b, *bh;
	struct kasync_rt *rt;
};

static void ks_cancel_ctx_end(void *data)
{
	struct ks_cancel_ctx *x = data;
	struct kasync_task **h[] = { &x->bh, &x->a, &x->b };
	unsigned int i;

	atomic_set(&x->release, 1);
	for (i = 0; i < ARRAY_SIZE(h); i++) {
		if (*h[i]) {
			kasync_abort(*h[i]);
			kasync_join(h[i]);
		}
	}
	if (x->rt)
		kasync_rt_destroy(x->rt);
}

static void ks_cancel_every_await(struct kunit *test)
{
	const struct ks_cancel_case *c = test->param_value;
	bool granted = c->mode == KS_ABORT_GRANTED ||
		       c->mode == KS_CANCEL_GRANTED;
	bool behind = c->kind != KS_K_NOTIFY_ALONE;
	struct ks_prims *p = ks_prims_new(test, 3, 3);
	struct ks_cancel_ctx *x = kunit_kzalloc(test, sizeof(*x), GFP_KERNEL);
	struct kt_blocker blk;
	struct ks_victim s = {
		.p = p, .prim = ks_kind_prim(c->kind), .mode = c->mode,
	};
	struct kasync_syncq *q;
	unsigned long held = 0;
	long want;

	KUNIT_ASSERT_NOT_NULL(test, x);
	/* Runs before p is freed: actions run in reverse order. */
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, ks_cancel_ctx_end,
							x), 0);
	x->armed_at_drop = -1;
	s.pending = &x->pending;
	s.cancel_now = &x->cancel_now;
	s.armed_at_drop = &x->armed_at_drop;
	blk.in_poll = &x->in_poll;
	blk.release = &x->release;

	/* Take what the victim wants, so that it has to queue. */
	if (c->kind == KS_K_MUTEX) {
		KUNIT_ASSERT_TRUE(test, kasync_mutex_trylock(&p->m));
		q = &p->m.sem.q;
	} else if (c->kind == KS_K_SEM) {
		KUNIT_ASSERT_EQ(test, kasync_sem_try_acquire(&p->sem, 2), 0);
		held = 2;
		q = &p->sem.q;
	} else {
		q = &p->nf.q;
	}

	if (c->mode == KS_ABORT_GRANTED) {
		x->rt = kasync_rt_create("ks_cancel", KASYNC_RT_ORDERED);
		if (IS_ERR(x->rt))
			x->rt = NULL;
		KUNIT_ASSERT_NOT_NULL(test, x->rt);
	}
	x->a = kasync_spawn(x->rt, &ks_victim_ops, &s, sizeof(s), GFP_KERNEL);
	if (IS_ERR(x->a))
		x->a = NULL;
	KUNIT_ASSERT_NOT_NULL(test, x->a);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(atomic_read(&x->pending) == 1,
					    5000));
	KUNIT_EXPECT_EQ(test, ks_queued(q), 1U);
	if (behind) {
		/* The semaphore's taker of 1 fits, but must not pass. */
		x->b = ks_spawn_user(test, NULL, p, s.prim, 1, true, 7);
		KUNIT_ASSERT_TRUE(test, kt_wait_for(ks_queued(q) == 2, 5000));
	}

	switch (c->mode) {
	case KS_ABORT_REWOKEN:
		kasync_wake(x->a);
		KUNIT_ASSERT_TRUE(test, kt_wait_for(atomic_read(&x->pending) == 2,
						    5000));
		fallthrough;
	case KS_ABORT_QUEUED:
		KUNIT_EXPECT_EQ(test, kasync_abort(x->a), 0);
		want = -ECANCELED;
		break;
	case KS_ABORT_GRANTED:
		/* Keep the victim's runtime busy: it cannot poll the grant. */
		x->bh = kasync_spawn(x->rt, &kt_blocker_ops, &blk, sizeof(blk),
				     GFP_KERNEL);
		if (IS_ERR(x->bh))
			x->bh = NULL;
		KUNIT_ASSERT_NOT_NULL(test, x->bh);
		KUNIT_ASSERT_TRUE(test, kt_wait_for(atomic_read(&x->in_poll),
						    5000));
		ks_grant(p, c->kind);
		KUNIT_EXPECT_EQ(test, READ_ONCE(((struct ks_victim *)
				kasync_task_state(x->a))->w.state),
				KASYNC_SYNC_GRANTED);
		KUNIT_EXPECT_EQ(test, kasync_abort(x->a), 0);
		atomic_set(&x->release, 1);
		want = -ECANCELED;
		break;
	case KS_CANCEL_QUEUED:
		atomic_set(&x->cancel_now, 1);
		kasync_wake(x->a);
		want = KS_CANCELLED + KASYNC_SYNC_QUEUED;
		break;
	case KS_CANCEL_GRANTED:
		atomic_set(&x->cancel_now, 1);
		ks_grant(p, c->kind);		/* its wake polls the victim */
		want = KS_CANCELLED + KASYNC_SYNC_GRANTED;
		break;
	default:
		want = -ETIMEDOUT;
		break;
	}
	KUNIT_EXPECT_EQ(test, ks_join(&x->a), want);
	KUNIT_EXPECT_EQ(test, x->armed_at_drop, 0);
	if (x->bh)
		KUNIT_EXPECT_EQ(test, ks_join(&x->bh), 0L);

	/*
	 * The victim is gone.  If it had been granted, the grant went on:
	 * to the waiter behind (which then finishes and releases), or back.
	 */
	if (c->kind == KS_K_SEM) {
		/* Cancel unblocked the taker of 1 (it fit), or the grant went on. */
		KUNIT_EXPECT_EQ(test, ks_join(&x->b), 7L);
		held -= granted ? 1 : 0;	/* the test released 1 to grant */
		KUNIT_EXPECT_EQ(test, kasync_sem_available(&p->sem), 3 - held);
		KUNIT_EXPECT_EQ(test, kasync_sem_release(&p->sem, held), 0);
		KUNIT_EXPECT_EQ(test, kasync_sem_try_acquire(&p->sem, 3), 0);
		KUNIT_EXPECT_EQ(test, kasync_sem_release(&p->sem, 3), 0);
	} else if (c->kind == KS_K_MUTEX) {
		if (!granted) {
			msleep(20);
			KUNIT_EXPECT_EQ(test, ks_queued(q), 1U);
			kasync_mutex_unlock(&p->m);	/* the test's hold */
		}
		KUNIT_EXPECT_EQ(test, ks_join(&x->b), 7L);
		KUNIT_EXPECT_FALSE(test, kasync_mutex_is_locked(&p->m));
		KUNIT_EXPECT_TRUE(test, kasync_mutex_trylock(&p->m));
		kasync_mutex_unlock(&p->m);
	} else if (c->kind == KS_K_NOTIFY_ALONE) {
		/* An unconsumed notify_one grant is stored again. */
		KUNIT_EXPECT_EQ(test, ks_notify_permit(&p->nf), granted);
	} else {
		/* notify_one passes on; notify_all had granted b already. */
		if (!granted) {
			msleep(20);
			KUNIT_EXPECT_EQ(test, ks_queued(q), 1U);
			ks_grant(p, c->kind);
		}
		KUNIT_EXPECT_EQ(test, ks_join(&x->b), 7L);
		KUNIT_EXPECT_FALSE(test, ks_notify_permit(&p->nf));
	}
	KUNIT_EXPECT_EQ(test, ks_queued(q), 0U);
}

/* ---- lost-wake stress ------------------------------------------------------- */

/*
 * One event outstanding at a time, rotating over the primitives: event k
 * is a semaphore release (k % 3 == 0), a notify_one (1), or an unlock of
 * the mutex that the task holds since the last mutex event (2), posted
 * by the posters of kasync_test.h (struct kt_poster).  A lost wake leaves
 * the task asleep with ack behind posted, which the checks catch.
 */
struct ks_stress {
	struct ks_prims *p;
	struct kt_poster pp;
	atomic_t stop;
};

static void ks_post_event(struct ks_stress *sh, int k)
{
	if (k % 3 == 0)
		kasync_sem_release(&sh->p->sem, 1);
	else if (k % 3 == 1)
		kasync_notify_one(&sh->p->nf);
	else
		kasync_mutex_unlock(&sh->p->m);
}

static void ks_stress_post(struct kt_poster *pp, int n)
{
	ks_post_event(container_of(pp, struct ks_stress, pp), n);
}

struct ks_stress_task {
	struct kasync_co co;
	struct kasync_sync_wait w;
	struct ks_stress *sh;
	long res;
	int seen;
};

static enum kasync_poll ks_stress_poll(struct kasync_task *t, void *state)
{
	struct ks_stress_task *s = state;
	struct ks_prims *p = s->sh->p;

	KASYNC_BEGIN(&s->co);
	while (!atomic_read(&s->sh->stop)) {
		if ((s->seen + 1) % 3 == 0)
			KASYNC_AWAIT(&s->co, kasync_sem_acquire(t, &p->sem, 1, &s->w,
								&s->res));
		else if ((s->seen + 1) % 3 == 1)
			KASYNC_AWAIT(&s->co, kasync_notified(t, &p->nf, &s->w,
							     &s->res));
		else
			KASYNC_AWAIT(&s->co, kasync_mutex_lock(t, &p->m, &s->w,
							       &s->res));
		if (s->res)
			KASYNC_RETURN(&s->co, t, s->res);
		atomic_set(&s->sh->pp.ack, ++s->seen);
	}
	KASYNC_RETURN(&s->co, t, s->seen);
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops ks_stress_ops = { .poll = ks_stress_poll };

static void ks_lost_wake_stress(struct kunit *test)
{
	struct ks_stress *sh = kunit_kzalloc(test, sizeof(*sh), GFP_KERNEL);
	struct ks_stress_task s = {};
	struct kasync_task *h;
	long seen;

	KUNIT_ASSERT_NOT_NULL(test, sh);
	sh->p = ks_prims_new(test, 0, 1);
	KUNIT_ASSERT_TRUE(test, kasync_mutex_trylock(&sh->p->m));
	sh->pp.post = ks_stress_post;
	s.sh = sh;
	h = kasync_spawn(NULL, &ks_stress_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));

	kt_poster_start(test, &sh->pp, "ks_poster");
	msleep(1500);
	kt_poster_stop(&sh->pp);
	/* Every event posted was seen: the task caught up. */
	KUNIT_EXPECT_TRUE(test, kt_wait_for(atomic_read(&sh->pp.ack) ==
					    atomic_read(&sh->pp.posted), 2000));
	/* One last event, posted here, lets the task see stop. */
	atomic_set(&sh->stop, 1);
	atomic_inc(&sh->pp.posted);
	ks_post_event(sh, atomic_read(&sh->pp.posted));
	seen = kasync_join_timeout(&h, 5 * HZ);
	KUNIT_EXPECT_EQ(test, seen, (long)atomic_read(&sh->pp.posted));
	if (h) {
		kasync_abort(h);
		ks_join(&h);
	}
	kt_poster_check(test, &sh->pp);
	/* Every permit and notification consumed; the mutex held once. */
	KUNIT_EXPECT_EQ(test, kasync_sem_available(&sh->p->sem), 0UL);
	KUNIT_EXPECT_FALSE(test, ks_notify_permit(&sh->p->nf));
	KUNIT_EXPECT_TRUE(test, kasync_mutex_is_locked(&sh->p->m));
	kasync_mutex_unlock(&sh->p->m);
	KUNIT_EXPECT_FALSE(test, kasync_mutex_is_locked(&sh->p->m));
	KUNIT_EXPECT_EQ(test, ks_queued(&sh->p->sem.q), 0U);
	KUNIT_EXPECT_EQ(test, ks_queued(&sh->p->nf.q), 0U);
	KUNIT_EXPECT_EQ(test, ks_queued(&sh->p->m.sem.q), 0U);
}

/* ---- the result convention ------------------------------------------------ */

/* One await of each primitive into res, watched (kt_res_watch()). */
struct ks_res {
	struct kasync_co co;
	struct kasync_sync_wait w;
	struct ks_prims *p;
	struct kt_res_log *log;
	long res;
};

static enum kasync_poll ks_res_poll(struct kasync_task *t, void *state)
{
	struct ks_res *s = state;
	struct ks_prims *p = s->p;

	KASYNC_BEGIN(&s->co);
	s->res = KT_RES_UNSET;		/* waits for the test's release */
	KASYNC_AWAIT(&s->co, kt_res_watch(kasync_sem_acquire(t, &p->sem, 2, &s->w,
							     &s->res),
					  &s->res, s->log, 0));
	s->log->res[0] = s->res;
	if (!s->res)
		kasync_sem_release(&p->sem, 2);
	s->res = KT_RES_UNSET;		/* more than the maximum */
	KASYNC_AWAIT(&s->co, kt_res_watch(kasync_sem_acquire(t, &p->sem, 3, &s->w,
							     &s->res),
					  &s->res, s->log, 1));
	s->log->res[1] = s->res;
	s->res = KT_RES_UNSET;		/* no permits */
	KASYNC_AWAIT(&s->co, kt_res_watch(kasync_sem_acquire(t, &p->sem, 0, &s->w,
							     &s->res),
					  &s->res, s->log, 2));
	s->log->res[2] = s->res;
	s->res = KT_RES_UNSET;		/* waits for the test's notify */
	KASYNC_AWAIT(&s->co, kt_res_watch(kasync_notified(t, &p->nf, &s->w,
							  &s->res),
					  &s->res, s->log, 3));
	s->log->res[3] = s->res;
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops ks_res_ops = { .poll = ks_res_poll };

/*
 * The awaits write their res only when they finish: untouched while they
 * wait, 0 once acquired or notified, -EINVAL on misuse (a request above
 * the maximum, zero permits) without acquiring anything.
 */
static void ks_res_convention(struct kunit *test)
{
	struct ks_prims *p = ks_prims_new(test, 0, 2);
	struct kt_res_log log = {};
	struct ks_res s = { .p = p, .log = &log };
	struct kasync_task *h;
	unsigned int misuse = kt_expect_misuse(test);

	h = kasync_spawn(NULL, &ks_res_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_EXPECT_TRUE(test, kt_res_pending(&log, 0));
	KUNIT_EXPECT_TRUE(test, kt_res_spurious(h, &log, 0));
	KUNIT_EXPECT_EQ(test, kasync_sem_release(&p->sem, 2), 0);
	KUNIT_EXPECT_TRUE(test, kt_res_pending(&log, 3));
	kasync_notify_one(&p->nf);
	KUNIT_EXPECT_EQ(test, ks_join(&h), 0L);
	KUNIT_EXPECT_EQ(test, log.res[0], 0L);
	KUNIT_EXPECT_EQ(test, log.res[1], (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, log.res[2], (long)-EINVAL);
	KT_EXPECT_MISUSE(test, misuse, 2U);
	KUNIT_EXPECT_EQ(test, log.res[3], 0L);
	KUNIT_EXPECT_EQ(test, atomic_read(&log.touched), 0);
	KUNIT_EXPECT_EQ(test, kasync_sem_available(&p->sem), 2UL);
	KUNIT_EXPECT_FALSE(test, kasync_mutex_is_locked(&p->m));
}

static struct kunit_case kasync_sync_cases[] = {
	KUNIT_CASE(ks_static_init),
	KUNIT_CASE(ks_mutex_basic),
	KUNIT_CASE(ks_misuse),
	KUNIT_CASE_SLOW(ks_mutex_fifo_contention),
	KUNIT_CASE_SLOW(ks_sem_fifo_contention),
	KUNIT_CASE(ks_sem_acquire_many_fifo),
	KUNIT_CASE(ks_sem_release_irq_and_remote),
	KUNIT_CASE(ks_notify_one_permit),
	KUNIT_CASE(ks_notify_all),
	KUNIT_CASE(ks_notify_from_irq),
	KUNIT_CASE_PARAM(ks_cancel_every_await, ks_cancel_gen_params),
	KUNIT_CASE_SLOW(ks_lost_wake_stress),
	KUNIT_CASE(ks_res_convention),
	{}
};

static struct kunit_suite kasync_sync_suite = {
	.name = "kasync_sync",
	.test_cases = kasync_sync_cases,
};

kunit_test_suite(kasync_sync_suite);

MODULE_DESCRIPTION("KUnit tests for kasync's mutex, semaphore and notify");
MODULE_LICENSE("GPL");
