// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the cooperative budget (kasync_coop_proceed()): a task
 * whose await finds its resource ready every time must still leave its
 * poll after %KASYNC_COOP_BUDGET awaits, be polled again, and let the
 * tasks queued behind it on its CPU run.  One case per kind of await
 * that can be ready again and again; the socket and file-readiness cases
 * are in the net and wait suites, next to their fixtures.
 */
#include <linux/slab.h>

#include "kasync_test.h"

enum kc_kind {
	KC_WAIT,
	KC_SEM,
	KC_MUTEX,
	KC_NOTIFY,
	KC_CHAN,
	KC_SLEEP,
	KC_INTERVAL,
	KC_JOIN_ALL,
};

#define KC_JOINS	(3 * KASYNC_COOP_BUDGET)

/* The resources the hog awaits, always ready. */
struct kc_objs {
	struct wait_queue_head wq;
	struct kasync_sem sem;
	struct kasync_mutex mutex;
	struct kasync_notify nf;
	struct kasync_chan *ch;
	struct kasync_task *handles[KC_JOINS];	/* finished tasks */
	long results[KC_JOINS];
};

struct kc_hog {
	enum kc_kind kind;
	struct kc_objs *o;
	struct kt_hog_stats *st;
	struct kasync_wait w;
	struct kasync_sync_wait sw;
	struct kasync_chan_wait tx, rx;
	struct kasync_timer tm;
	struct kasync_interval iv;
	unsigned int joined;
	bool sent;
	u64 item;
	long res;
};

/* One await of @p's kind; it finds its resource ready. */
static enum kasync_poll kc_step(struct kasync_task *t, void *p)
{
	struct kc_hog *s = p;
	struct kc_objs *o = s->o;
	enum kasync_poll r;

	switch (s->kind) {
	case KC_WAIT:
		return kasync_wait_event(t, &s->w, &o->wq, true);
	case KC_SEM:
		r = kasync_sem_acquire(t, &o->sem, 1, &s->sw, &s->res);
		if (r == KASYNC_READY)
			kasync_sem_release(&o->sem, 1);
		return r;
	case KC_MUTEX:
		r = kasync_mutex_lock(t, &o->mutex, &s->sw, &s->res);
		if (r == KASYNC_READY)
			kasync_mutex_unlock(&o->mutex);
		return r;
	case KC_NOTIFY:
		kasync_notify_one(&o->nf);	/* stored as the permit */
		return kasync_notified(t, &o->nf, &s->sw, &s->res);
	case KC_CHAN:
		/* A round trip through a channel of our own: two awaits. */
		if (!s->sent) {
			r = kasync_chan_send(t, o->ch, &s->tx, &s->item, &s->res);
			s->sent = r == KASYNC_READY;
			return r;
		}
		r = kasync_chan_recv(t, o->ch, &s->rx, &s->item, &s->res);
		s->sent = r != KASYNC_READY;
		return r;
	case KC_SLEEP:
		return kasync_sleep(t, &s->tm, 0);
	case KC_INTERVAL:
		return kasync_interval_tick(t, &s->iv);
	case KC_JOIN_ALL:
		/* Finished tasks: joining each one is ready at once. */
		if (s->joined == KC_JOINS)
			return kasync_sleep(t, &s->tm, 0);
		r = kasync_join_poll(t, &o->handles[s->joined],
				     &o->results[s->joined]);
		s->joined += r == KASYNC_READY;
		return r;
	}
	return KASYNC_READY;
}

static enum kasync_poll kc_hog_poll(struct kasync_task *t, void *p)
{
	struct kc_hog *s = p;

	return kt_hog_run(t, s->st, kc_step, s);
}

static const struct kasync_task_ops kc_hog_ops = {
	.poll = kc_hog_poll,
};

struct kc_param {
	enum kc_kind kind;
	const char *name;
};

static const struct kc_param kc_params[] = {
	{ KC_WAIT, "wait_event" },
	{ KC_SEM, "semaphore" },
	{ KC_MUTEX, "mutex" },
	{ KC_NOTIFY, "notify" },
	{ KC_CHAN, "channel" },
	{ KC_SLEEP, "sleep_0" },
	{ KC_INTERVAL, "interval_behind" },
	{ KC_JOIN_ALL, "join_finished" },
};

static void kc_param_desc(const struct kc_param *p, char *desc)
{
	strscpy(desc, p->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(kc, kc_params, kc_param_desc);

/*
 * A hog over an always-ready resource of each kind yields within the
 * budget and lets a task queued behind it run.
 */
static void kc_budget(struct kunit *test)
{
	const struct kc_param *prm = test->param_value;
	struct kt_simple done = { .result = 1 };
	struct kt_hog_stats st = {};
	struct kasync_chan *rx;
	struct kc_objs *o;
	struct kc_hog *s;
	unsigned int i;

	o = kunit_kzalloc(test, sizeof(*o), GFP_KERNEL);
	s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, o);
	KUNIT_ASSERT_NOT_NULL(test, s);
	init_waitqueue_head(&o->wq);
	KUNIT_ASSERT_EQ(test, kasync_sem_init(&o->sem, 1, 1), 0);
	kasync_mutex_init(&o->mutex);
	kasync_notify_init(&o->nf);
	o->ch = kasync_chan_new(sizeof(u64), 4, NULL, GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(o->ch));
	if (prm->kind == KC_JOIN_ALL) {
		for (i = 0; i < KC_JOINS; i++) {
			o->handles[i] = kasync_spawn(NULL, &kt_ready_ops, &done,
						     sizeof(done), GFP_KERNEL);
			KUNIT_ASSERT_FALSE(test, IS_ERR(o->handles[i]));
		}
		for (i = 0; i < KC_JOINS; i++)
			KUNIT_ASSERT_TRUE(test, kt_wait_for(kasync_task_finished(o->handles[i]),
							    5000));
	}
	s->kind = prm->kind;
	s->o = o;
	s->st = &st;
	/* One tick every nanosecond, never caught up. */
	kasync_interval_init(&s->iv, 1, KASYNC_MISSED_BURST);

	kt_coop_check(test, &kc_hog_ops, s, sizeof(*s), &st);

	if (prm->kind == KC_JOIN_ALL) {
		/* The hog was polled again and again until all were joined. */
		for (i = 0; i < KC_JOINS; i++) {
			KUNIT_EXPECT_NULL(test, o->handles[i]);
			KUNIT_EXPECT_EQ(test, o->results[i], 1L);
		}
		kasync_join_all_cancel(o->handles, KC_JOINS);
	}
	rx = o->ch;
	kasync_chan_sender_drop(&o->ch);
	kasync_chan_rx_drop(&rx);
}

static struct kunit_case kasync_coop_cases[] = {
	KUNIT_CASE_PARAM(kc_budget, kc_gen_params),
	{}
};

static struct kunit_suite kasync_coop_suite = {
	.name = "kasync_coop",
	.test_cases = kasync_coop_cases,
};

kunit_test_suite(kasync_coop_suite);

MODULE_DESCRIPTION("KUnit tests for kasync's cooperative budget");
MODULE_LICENSE("GPL");
