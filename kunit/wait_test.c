// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite kasync_wait: the async wait_event() (plain and exclusive),
 * lost wakes under stress, abort while waiting, file readiness (two wait
 * queues, wake filtering, POLLFREE), and cancellation at every await
 * point of every wake source (wait queues, files and timers).
 *
 * Files are anonymous inodes with a test ->poll() on up to three wait
 * queues: eventfds cannot be created from a module (no exported
 * constructor), so the eventfd path is left to a kselftest.
 */
#include <kunit/test.h>
#include <linux/anon_inodes.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/wait.h>

#include "kasync_test.h"

/* Entries queued on @wq (counted under its lock). */
static unsigned int kw_queued(struct wait_queue_head *wq)
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

/* ---- wait_event ------------------------------------------------------------ */

struct kw_waiter {
	struct kasync_co co;
	struct kasync_wait w;
	struct wait_queue_head *wq;
	atomic_t *tokens;	/* plain: cond is != 0; exclusive: consumed */
	atomic_t *polls;
	bool exclusive;
	long id;
};

/* Takes a token if there is one. */
static bool kw_take(atomic_t *tokens)
{
	return atomic_dec_if_positive(tokens) >= 0;
}

static enum kasync_poll kw_waiter_poll(struct kasync_task *t, void *p)
{
	struct kw_waiter *s = p;

	atomic_inc(s->polls);
	KASYNC_BEGIN(&s->co);
	if (s->exclusive)
		KASYNC_AWAIT(&s->co, kasync_wait_event_exclusive(t, &s->w, s->wq,
								 kw_take(s->tokens)));
	else
		KASYNC_AWAIT(&s->co, kasync_wait_event(t, &s->w, s->wq,
						       atomic_read(s->tokens)));
	KASYNC_RETURN(&s->co, t, kasync_wait_armed(&s->w) ? -EBUSY : s->id);
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops kw_waiter_ops = { .poll = kw_waiter_poll };

static struct kasync_task *kw_spawn_waiter(struct kunit *test,
					   struct kasync_rt *rt,
					   struct wait_queue_head *wq,
					   atomic_t *tokens, atomic_t *polls,
					   bool excl, long id)
{
	struct kw_waiter s = {
		.wq = wq, .tokens = tokens, .polls = polls,
		.exclusive = excl, .id = id,
	};
	struct kasync_task *h;

	h = kasync_spawn(rt, &kw_waiter_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	return h;
}

/* Queued once, woken, dequeued; the result proves the entry was gone. */
static void kw_wait_basic(struct kunit *test)
{
	DECLARE_WAIT_QUEUE_HEAD_ONSTACK(wq);
	atomic_t tokens = ATOMIC_INIT(0), polls = ATOMIC_INIT(0);
	struct kasync_task *h;

	h = kw_spawn_waiter(test, NULL, &wq, &tokens, &polls, false, 7);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(kw_queued(&wq) == 1, 5000));
	/* A wake with the condition false: polled again, still queued. */
	wake_up(&wq);
	KUNIT_EXPECT_TRUE(test, kt_wait_for(atomic_read(&polls) >= 2, 5000));
	KUNIT_EXPECT_EQ(test, kw_queued(&wq), 1U);
	atomic_set(&tokens, 1);
	wake_up(&wq);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), 7L);
	KUNIT_EXPECT_EQ(test, kw_queued(&wq), 0U);
}

/* A condition already true queues nothing. */
static void kw_wait_ready_now(struct kunit *test)
{
	DECLARE_WAIT_QUEUE_HEAD_ONSTACK(wq);
	atomic_t tokens = ATOMIC_INIT(1), polls = ATOMIC_INIT(0);
	struct kasync_task *h;

	h = kw_spawn_waiter(test, NULL, &wq, &tokens, &polls, false, 3);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), 3L);
	KUNIT_EXPECT_EQ(test, atomic_read(&polls), 1);
	KUNIT_EXPECT_EQ(test, kw_queued(&wq), 0U);
}

/* One wake_up() wakes one exclusive waiter, the first queued. */
static void kw_wait_exclusive(struct kunit *test)
{
	DECLARE_WAIT_QUEUE_HEAD_ONSTACK(wq);
	atomic_t tokens = ATOMIC_INIT(0);
	atomic_t pa = ATOMIC_INIT(0), pb = ATOMIC_INIT(0);
	struct kasync_task *a, *b;

	a = kw_spawn_waiter(test, NULL, &wq, &tokens, &pa, true, 1);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(kw_queued(&wq) == 1, 5000));
	b = kw_spawn_waiter(test, NULL, &wq, &tokens, &pb, true, 2);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(kw_queued(&wq) == 2, 5000));

	atomic_set(&tokens, 1);
	wake_up(&wq);
	KUNIT_EXPECT_EQ(test, kasync_join(&a), 1L);
	msleep(20);
	KUNIT_EXPECT_EQ(test, atomic_read(&pb), 1);	/* never woken */
	KUNIT_EXPECT_EQ(test, kw_queued(&wq), 1U);

	atomic_set(&tokens, 1);
	wake_up(&wq);
	KUNIT_EXPECT_EQ(test, kasync_join(&b), 2L);
	KUNIT_EXPECT_EQ(test, kw_queued(&wq), 0U);
}

/*
 * An exclusive waiter woken and then aborted before its next poll passes
 * the wake on: the second waiter gets the token.
 */
static void kw_wait_exclusive_pass_on(struct kunit *test)
{
	DECLARE_WAIT_QUEUE_HEAD_ONSTACK(wq);
	atomic_t tokens = ATOMIC_INIT(0), in_poll = ATOMIC_INIT(0);
	atomic_t release = ATOMIC_INIT(0);
	atomic_t pa = ATOMIC_INIT(0), pb = ATOMIC_INIT(0);
	struct kt_blocker blk = { .in_poll = &in_poll, .release = &release };
	struct kasync_task *a, *b, *bh;
	struct kasync_rt *rt;

	rt = kasync_rt_create("kw_pass_on", KASYNC_RT_ORDERED);
	KUNIT_ASSERT_FALSE(test, IS_ERR(rt));
	a = kw_spawn_waiter(test, rt, &wq, &tokens, &pa, true, 1);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(kw_queued(&wq) == 1, 5000));
	b = kw_spawn_waiter(test, NULL, &wq, &tokens, &pb, true, 2);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(kw_queued(&wq) == 2, 5000));

	/* Keep a's runtime busy so that a cannot consume its wake. */
	bh = kasync_spawn(rt, &kt_blocker_ops, &blk, sizeof(blk), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(bh));
	KUNIT_ASSERT_TRUE(test, kt_wait_for(atomic_read(&in_poll), 5000));
	atomic_set(&tokens, 1);
	wake_up(&wq);			/* reaches a only */
	KUNIT_EXPECT_EQ(test, atomic_read(&pb), 1);
	KUNIT_EXPECT_EQ(test, kasync_abort(a), 0);
	atomic_set(&release, 1);

	KUNIT_EXPECT_EQ(test, kasync_join(&a), (long)-ECANCELED);
	KUNIT_EXPECT_EQ(test, atomic_read(&pa), 1);
	KUNIT_EXPECT_EQ(test, kasync_join(&b), 2L);	/* got the wake */
	KUNIT_EXPECT_EQ(test, kasync_join(&bh), 0L);
	KUNIT_EXPECT_EQ(test, kw_queued(&wq), 0U);
	kasync_rt_destroy(rt);
}

/* Abort while queued: the entry is removed; later wakes touch nothing. */
static void kw_wait_abort(struct kunit *test)
{
	DECLARE_WAIT_QUEUE_HEAD_ONSTACK(wq);
	atomic_t tokens = ATOMIC_INIT(0), polls = ATOMIC_INIT(0);
	struct kasync_task *h;

	h = kw_spawn_waiter(test, NULL, &wq, &tokens, &polls, false, 1);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(kw_queued(&wq) == 1, 5000));
	KUNIT_EXPECT_EQ(test, kasync_abort(h), 0);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-ECANCELED);
	KUNIT_EXPECT_EQ(test, kw_queued(&wq), 0U);
	atomic_set(&tokens, 1);
	wake_up_all(&wq);	/* KASAN would see a stale entry */
	KUNIT_EXPECT_EQ(test, atomic_read(&polls), 1);
}

/* ---- lost-wake stress ------------------------------------------------------- */

/*
 * The posters of kasync_test.h (struct kt_poster) post events as wake-ups
 * of a wait queue; a lost wake leaves the task asleep with ack behind
 * posted, which the checks below catch.
 */
struct kw_stress {
	struct wait_queue_head wq;
	struct kt_poster pp;
	atomic_t stop;		/* the task returns */
};

static void kw_stress_post(struct kt_poster *pp, int n)
{
	wake_up(&container_of(pp, struct kw_stress, pp)->wq);
}

struct kw_stress_task {
	struct kasync_co co;
	struct kasync_wait w;
	struct kw_stress *sh;
	int seen;
};

/* An event not yet seen, or the end. */
static bool kw_stress_cond(struct kw_stress_task *s)
{
	return atomic_read(&s->sh->pp.posted) != s->seen ||
	       atomic_read(&s->sh->stop);
}

static enum kasync_poll kw_stress_poll(struct kasync_task *t, void *p)
{
	struct kw_stress_task *s = p;
	struct kw_stress *sh = s->sh;

	KASYNC_BEGIN(&s->co);
	while (!atomic_read(&sh->stop)) {
		KASYNC_AWAIT(&s->co, kasync_wait_event(t, &s->w, &sh->wq, kw_stress_cond(s)));
		s->seen = atomic_read(&sh->pp.posted);
		atomic_set(&sh->pp.ack, s->seen);
	}
	KASYNC_RETURN(&s->co, t, s->seen);
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops kw_stress_ops = { .poll = kw_stress_poll };

static void kw_wait_lost_wake_stress(struct kunit *test)
{
	struct kw_stress *sh = kunit_kzalloc(test, sizeof(*sh), GFP_KERNEL);
	struct kw_stress_task s = {};
	struct kasync_task *h;
	long seen;

	KUNIT_ASSERT_NOT_NULL(test, sh);
	init_waitqueue_head(&sh->wq);
	sh->pp.post = kw_stress_post;
	s.sh = sh;
	h = kasync_spawn(NULL, &kw_stress_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));

	kt_poster_start(test, &sh->pp, "kw_waker");
	msleep(2000);
	kt_poster_stop(&sh->pp);
	/* Every event posted was seen: the task caught up. */
	KUNIT_EXPECT_TRUE(test, kt_wait_for(atomic_read(&sh->pp.ack) ==
					    atomic_read(&sh->pp.posted), 2000));
	atomic_set(&sh->stop, 1);
	wake_up(&sh->wq);
	seen = kasync_join(&h);
	KUNIT_EXPECT_EQ(test, seen, (long)atomic_read(&sh->pp.posted));
	kt_poster_check(test, &sh->pp);
	KUNIT_EXPECT_EQ(test, kw_queued(&sh->wq), 0U);
}

/* ---- file readiness --------------------------------------------------------- */

struct kw_file {
	struct wait_queue_head wq[3];
	unsigned int nq;	/* queues ->poll() registers */
	atomic_t mask;		/* what ->poll() reports */
	atomic_t polls;
};

static __poll_t kw_file_poll(struct file *file, poll_table *pt)
{
	struct kw_file *kf = file->private_data;
	unsigned int i;

	atomic_inc(&kf->polls);
	for (i = 0; i < kf->nq; i++)
		poll_wait(file, &kf->wq[i], pt);
	return atomic_read(&kf->mask);
}

static const struct file_operations kw_fops = {
	.owner = THIS_MODULE,
	.poll = kw_file_poll,
	.llseek = noop_llseek,
};

static void kw_fput(void *file)
{
	__fput_sync(file);
}

static struct file *kw_file_new(struct kunit *test, unsigned int nq,
				struct kw_file **out)
{
	struct kw_file *kf = kunit_kzalloc(test, sizeof(*kf), GFP_KERNEL);
	struct file *file;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, kf);
	for (i = 0; i < ARRAY_SIZE(kf->wq); i++)
		init_waitqueue_head(&kf->wq[i]);
	kf->nq = nq;
	file = anon_inode_getfile("[kasync-test]", &kw_fops, kf, O_RDWR);
	KUNIT_ASSERT_FALSE(test, IS_ERR(file));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, kw_fput, file), 0);
	*out = kf;
	return file;
}

struct kw_poller {
	struct kasync_co co;
	struct kasync_pollfd p;
	struct file *file;
	__poll_t events;
	atomic_t *polls;
};

static enum kasync_poll kw_poller_poll(struct kasync_task *t, void *p)
{
	struct kw_poller *s = p;
	__poll_t rev = 0;

	atomic_inc(s->polls);
	KASYNC_BEGIN(&s->co);
	KASYNC_AWAIT(&s->co, kasync_poll_file(t, &s->p, s->file, s->events,
					      &rev));
	KASYNC_RETURN(&s->co, t, kasync_pollfd_armed(&s->p) ? -EBUSY : rev);
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops kw_poller_ops = { .poll = kw_poller_poll };

static struct kasync_task *kw_spawn_poller(struct kunit *test,
					   struct file *file, __poll_t events,
					   atomic_t *polls)
{
	struct kw_poller s = { .file = file, .events = events, .polls = polls };
	struct kasync_task *h;

	h = kasync_spawn(NULL, &kw_poller_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	return h;
}

/* Already readable: no entry stays queued. */
static void kw_poll_ready_now(struct kunit *test)
{
	atomic_t polls = ATOMIC_INIT(0);
	struct kw_file *kf;
	struct file *file = kw_file_new(test, 1, &kf);
	struct kasync_task *h;

	atomic_set(&kf->mask, EPOLLOUT | EPOLLWRNORM);
	h = kw_spawn_poller(test, file, EPOLLOUT, &polls);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)EPOLLOUT);
	KUNIT_EXPECT_EQ(test, kw_queued(&kf->wq[0]), 0U);
}

/*
 * A file on two wait queues: wakes for other events are filtered, a
 * keyless spurious wake re-polls and stays armed, a wake on the second
 * queue completes, and both entries are gone afterwards.
 */
static void kw_poll_two_queues(struct kunit *test)
{
	atomic_t polls = ATOMIC_INIT(0);
	struct kw_file *kf;
	struct file *file = kw_file_new(test, 2, &kf);
	struct kasync_task *h;

	h = kw_spawn_poller(test, file, EPOLLIN, &polls);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(kw_queued(&kf->wq[1]) == 1, 5000));
	KUNIT_EXPECT_EQ(test, kw_queued(&kf->wq[0]), 1U);

	wake_up_poll(&kf->wq[0], EPOLLOUT);	/* not awaited: filtered */
	msleep(20);
	KUNIT_EXPECT_EQ(test, atomic_read(&polls), 1);
	wake_up(&kf->wq[0]);			/* no key: spurious re-poll */
	KUNIT_EXPECT_TRUE(test, kt_wait_for(atomic_read(&polls) == 2, 5000));
	KUNIT_EXPECT_EQ(test, kw_queued(&kf->wq[0]), 1U);
	KUNIT_EXPECT_EQ(test, kw_queued(&kf->wq[1]), 1U);

	atomic_set(&kf->mask, EPOLLIN | EPOLLRDNORM);
	wake_up_poll(&kf->wq[1], EPOLLIN);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)EPOLLIN);
	KUNIT_EXPECT_EQ(test, kw_queued(&kf->wq[0]), 0U);
	KUNIT_EXPECT_EQ(test, kw_queued(&kf->wq[1]), 0U);
}

/* Errors and hang-ups are reported even when not asked for. */
static void kw_poll_hup(struct kunit *test)
{
	atomic_t polls = ATOMIC_INIT(0);
	struct kw_file *kf;
	struct file *file = kw_file_new(test, 1, &kf);
	struct kasync_task *h;

	h = kw_spawn_poller(test, file, EPOLLIN, &polls);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(kw_queued(&kf->wq[0]) == 1, 5000));
	atomic_set(&kf->mask, EPOLLHUP | EPOLLOUT);
	wake_up_poll(&kf->wq[0], EPOLLHUP | EPOLLOUT);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)EPOLLHUP);
}

/* A queue freed under the await: POLLFREE detaches, the await ends. */
static void kw_poll_pollfree(struct kunit *test)
{
	atomic_t polls = ATOMIC_INIT(0);
	struct kw_file *kf;
	struct file *file = kw_file_new(test, 2, &kf);
	struct kasync_task *h;

	h = kw_spawn_poller(test, file, EPOLLIN, &polls);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(kw_queued(&kf->wq[1]) == 1, 5000));
	wake_up_pollfree(&kf->wq[0]);	/* warns if an entry stays queued */
	KUNIT_EXPECT_EQ(test, kw_queued(&kf->wq[0]), 0U);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)EPOLLHUP);
	KUNIT_EXPECT_EQ(test, kw_queued(&kf->wq[1]), 0U);
	kf->nq = 0;		/* the file no longer has that queue */
	synchronize_rcu();	/* what wake_up_pollfree() users owe */
}

/* More wait queues than kasync keeps: reported, not silently missed. */
static void kw_poll_too_many_queues(struct kunit *test)
{
	atomic_t polls = ATOMIC_INIT(0);
	struct kw_file *kf;
	struct file *file = kw_file_new(test, 3, &kf);
	struct kasync_task *h;

	h = kw_spawn_poller(test, file, EPOLLIN, &polls);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)EPOLLNVAL);
	KUNIT_EXPECT_EQ(test, kw_queued(&kf->wq[0]), 0U);
	KUNIT_EXPECT_EQ(test, kw_queued(&kf->wq[1]), 0U);
	KUNIT_EXPECT_EQ(test, kw_queued(&kf->wq[2]), 0U);
}

/* ---- cancellation at every await point ------------------------------------- */

enum kw_kind {
	KW_WAIT,
	KW_WAIT_EXCL,
	KW_POLL1,
	KW_POLL2,
	KW_SLEEP,
	KW_SLEEP_UNTIL,
	KW_SLEEP_RANGE,
	KW_INTERVAL,
	KW_TIMEOUT_WAIT,
	KW_TIMEOUT_POLL,
};

struct kw_cancel_case {
	const char *name;
	enum kw_kind kind;
	bool spurious;		/* abort after a spurious wake and re-poll */
};

static const struct kw_cancel_case kw_cancel_cases[] = {
	{ "wait_event", KW_WAIT, false },
	{ "wait_event_rewoken", KW_WAIT, true },
	{ "wait_event_exclusive", KW_WAIT_EXCL, false },
	{ "wait_event_exclusive_rewoken", KW_WAIT_EXCL, true },
	{ "poll_file_one_queue", KW_POLL1, false },
	{ "poll_file_two_queues", KW_POLL2, false },
	{ "poll_file_two_queues_rewoken", KW_POLL2, true },
	{ "sleep", KW_SLEEP, false },
	{ "sleep_rewoken", KW_SLEEP, true },
	{ "sleep_until", KW_SLEEP_UNTIL, false },
	{ "sleep_range", KW_SLEEP_RANGE, false },
	{ "interval_tick", KW_INTERVAL, false },
	{ "interval_tick_rewoken", KW_INTERVAL, true },
	{ "timeout_wait_event", KW_TIMEOUT_WAIT, false },
	{ "timeout_wait_event_rewoken", KW_TIMEOUT_WAIT, true },
	{ "timeout_poll_file", KW_TIMEOUT_POLL, false },
};

static void kw_cancel_desc(const struct kw_cancel_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(kw_cancel, kw_cancel_cases, kw_cancel_desc);

#define KW_FAR	(200 * NSEC_PER_MSEC)	/* deadlines the abort beats */

struct kw_canceller {
	struct kasync_co co;
	struct kasync_wait w;
	struct kasync_pollfd p;
	struct kasync_timer tm;
	struct kasync_interval iv;
	enum kw_kind kind;
	struct wait_queue_head *wq;
	struct file *file;
	ktime_t deadline;	/* for KW_SLEEP_UNTIL */
	atomic_t *pending;	/* polls that returned PENDING */
	int *armed_at_drop;	/* anything still armed when drop ran */
	__poll_t rev;
	long err;
};

static enum kasync_poll kw_canceller_body(struct kasync_task *t,
					  struct kw_canceller *s)
{
	KASYNC_BEGIN(&s->co);
	if (s->kind == KW_WAIT)
		KASYNC_AWAIT(&s->co, kasync_wait_event(t, &s->w, s->wq, false));
	else if (s->kind == KW_WAIT_EXCL)
		KASYNC_AWAIT(&s->co, kasync_wait_event_exclusive(t, &s->w, s->wq, false));
	else if (s->kind == KW_POLL1 || s->kind == KW_POLL2)
		KASYNC_AWAIT(&s->co, kasync_poll_file(t, &s->p, s->file,
						      EPOLLIN, &s->rev));
	else if (s->kind == KW_SLEEP)
		KASYNC_AWAIT(&s->co, kasync_sleep(t, &s->tm, KW_FAR));
	else if (s->kind == KW_SLEEP_UNTIL)
		KASYNC_AWAIT(&s->co, kasync_sleep_until(t, &s->tm, s->deadline));
	else if (s->kind == KW_SLEEP_RANGE)
		KASYNC_AWAIT(&s->co, kasync_sleep_range(t, &s->tm, KW_FAR,
							KW_FAR));
	else if (s->kind == KW_INTERVAL)
		KASYNC_AWAIT(&s->co, kasync_interval_tick(t, &s->iv));
	else if (s->kind == KW_TIMEOUT_WAIT)
		KASYNC_AWAIT_TIMEOUT(&s->co, t, &s->tm, KW_FAR,
				     kasync_wait_event(t, &s->w, s->wq, false),
				     kasync_wait_cancel(t, &s->w), &s->err);
	else
		KASYNC_AWAIT_TIMEOUT(&s->co, t, &s->tm, KW_FAR,
				     kasync_poll_file(t, &s->p, s->file, EPOLLIN,
						      &s->rev),
				     kasync_pollfd_cancel(t, &s->p), &s->err);
	KASYNC_RETURN(&s->co, t, -EINVAL);	/* never: everything is far */
	KASYNC_END(&s->co);
}

static enum kasync_poll kw_canceller_poll(struct kasync_task *t, void *p)
{
	struct kw_canceller *s = p;

	return kt_count_pending(kw_canceller_body(t, s), s->pending);
}

static void kw_canceller_drop(void *p)
{
	struct kw_canceller *s = p;

	/* Cleanup hooks ran before drop: nothing may be armed. */
	*s->armed_at_drop = kasync_wait_armed(&s->w) +
			    kasync_pollfd_armed(&s->p) * 2 +
			    kasync_timer_armed(&s->tm) * 4 +
			    kasync_timer_armed(&s->iv.tm) * 8;
	/* (hrtimer_is_queued() only reads the state: fine on a zeroed one) */
	if (hrtimer_is_queued(&s->tm.hrt))
		*s->armed_at_drop |= 16;
	if (hrtimer_is_queued(&s->iv.tm.hrt))
		*s->armed_at_drop |= 32;
}

static const struct kasync_task_ops kw_canceller_ops = {
	.poll = kw_canceller_poll,
	.drop = kw_canceller_drop,
};

static void kw_cancel_every_await(struct kunit *test)
{
	const struct kw_cancel_case *c = test->param_value;
	atomic_t pending = ATOMIC_INIT(0);
	int armed_at_drop = -1;
	struct kw_canceller s = {
		.kind = c->kind, .pending = &pending,
		.armed_at_drop = &armed_at_drop,
	};
	DECLARE_WAIT_QUEUE_HEAD_ONSTACK(wq);
	struct kasync_task *h;
	struct kw_file *kf;
	unsigned int i;

	s.wq = &wq;
	s.deadline = ktime_add_ns(ktime_get(), KW_FAR);
	s.file = kw_file_new(test, c->kind == KW_POLL1 ? 1 : 2, &kf);
	kasync_interval_init(&s.iv, KW_FAR, KASYNC_MISSED_BURST);
	h = kasync_spawn(NULL, &kw_canceller_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_ASSERT_TRUE(test, kt_wait_for(atomic_read(&pending) == 1, 5000));
	if (c->spurious) {
		if (c->kind == KW_WAIT || c->kind == KW_WAIT_EXCL ||
		    c->kind == KW_TIMEOUT_WAIT)
			wake_up(&wq);
		else if (c->kind == KW_POLL2)
			wake_up(&kf->wq[1]);
		else
			kasync_wake(h);
		KUNIT_ASSERT_TRUE(test,
				  kt_wait_for(atomic_read(&pending) == 2, 5000));
	}
	KUNIT_EXPECT_EQ(test, kasync_abort(h), 0);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-ECANCELED);
	KUNIT_EXPECT_EQ(test, armed_at_drop, 0);
	KUNIT_EXPECT_EQ(test, kw_queued(&wq), 0U);
	for (i = 0; i < ARRAY_SIZE(kf->wq); i++)
		KUNIT_EXPECT_EQ(test, kw_queued(&kf->wq[i]), 0U);
	/* A timer left armed would now fire into freed memory (KASAN). */
	if (c->kind >= KW_SLEEP)
		msleep(KW_FAR / NSEC_PER_MSEC + 20);
}

/* Awaits a file that is always readable, again and again. */
struct kw_hog {
	struct kasync_pollfd p;
	struct file *file;
	struct kt_hog_stats *st;
};

static enum kasync_poll kw_hog_step(struct kasync_task *t, void *p)
{
	struct kw_hog *s = p;
	__poll_t rev;

	return kasync_poll_file(t, &s->p, s->file, EPOLLIN, &rev);
}

static enum kasync_poll kw_hog_poll(struct kasync_task *t, void *p)
{
	struct kw_hog *s = p;

	return kt_hog_run(t, s->st, kw_hog_step, s);
}

static const struct kasync_task_ops kw_hog_ops = { .poll = kw_hog_poll };

/* File readiness spends from the cooperative budget. */
static void kw_poll_coop_budget(struct kunit *test)
{
	struct kt_hog_stats st = {};
	struct kw_hog s = { .st = &st };
	struct kw_file *kf;

	s.file = kw_file_new(test, 1, &kf);
	atomic_set(&kf->mask, EPOLLIN);
	kt_coop_check(test, &kw_hog_ops, &s, sizeof(s), &st);
}

static struct kunit_case kasync_wait_cases[] = {
	KUNIT_CASE(kw_wait_basic),
	KUNIT_CASE(kw_wait_ready_now),
	KUNIT_CASE(kw_wait_exclusive),
	KUNIT_CASE(kw_wait_exclusive_pass_on),
	KUNIT_CASE(kw_wait_abort),
	KUNIT_CASE_SLOW(kw_wait_lost_wake_stress),
	KUNIT_CASE(kw_poll_ready_now),
	KUNIT_CASE(kw_poll_two_queues),
	KUNIT_CASE(kw_poll_hup),
	KUNIT_CASE(kw_poll_pollfree),
	KUNIT_CASE(kw_poll_too_many_queues),
	KUNIT_CASE(kw_poll_coop_budget),
	KUNIT_CASE_PARAM(kw_cancel_every_await, kw_cancel_gen_params),
	{}
};

static struct kunit_suite kasync_wait_suite = {
	.name = "kasync_wait",
	.test_cases = kasync_wait_cases,
};

kunit_test_suite(kasync_wait_suite);

MODULE_DESCRIPTION("KUnit tests for kasync wait queues, file readiness and cancellation");
MODULE_LICENSE("GPL");
