// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite kasync_chan: the bounded mpsc channel and the oneshot.
 *
 * Order (one producer, several, grants to blocked senders in FIFO order),
 * backpressure at capacities 1 to 4, producers in hard IRQ context
 * (hrtimer callbacks with try_send) and in a kthread (send_wait, also
 * interrupted by a signal), the end of the stream, the receiver's drop
 * (blocked senders get -EPIPE, buffered items go to drop_item), the
 * oneshot, misuse, cancellation at every await point, and a lost-wake
 * stress with the producers on the other CPU.
 *
 * Items that own memory are pointers to kc_item_new() buffers; the suite
 * counts live ones, so a lost or doubly freed item fails the case even
 * before kmemleak or KASAN notice.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/err.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "kasync_test.h"

#define KC_PRODUCERS_MAX	8
#define KC_JOIN_TIMEOUT		(10 * HZ)

/* ---- owned items ----------------------------------------------------------- */

static atomic_t kc_items_live = ATOMIC_INIT(0);
static atomic_t kc_items_dropped = ATOMIC_INIT(0);

static void *kc_item_new(void)
{
	void *p = kmalloc(32, GFP_KERNEL);

	if (p)
		atomic_inc(&kc_items_live);
	return p;
}

static void kc_item_free(void *p)
{
	if (!p)
		return;
	atomic_dec(&kc_items_live);
	kfree(p);
}

/* drop_item of channels of kc_item_new() pointers. */
static void kc_drop_ptr(void *item)
{
	atomic_inc(&kc_items_dropped);
	kc_item_free(*(void **)item);
}

static int kc_init(struct kunit *test)
{
	atomic_set(&kc_items_live, 0);
	atomic_set(&kc_items_dropped, 0);
	return 0;
}

static void kc_exit(struct kunit *test)
{
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&kc_items_live), 0,
			    "items leaked or freed twice");
}

static struct kasync_chan_info kc_info(struct kunit *test,
				       struct kasync_chan *ch)
{
	struct kasync_chan_info in = {};

	KUNIT_EXPECT_EQ(test, kasync_chan_info(ch, &in), 0);
	return in;
}

/* ---- producer and consumer tasks ------------------------------------------- */

static u64 kc_item(u32 id, u32 seq)
{
	return ((u64)id << 32) | seq;
}

/* Sends id:0, id:1, ... n items, or until *stop; owns a sender. */
struct kc_prod {
	struct kasync_co co;
	struct kasync_chan_wait w;
	struct kasync_chan *tx;
	atomic_t *stop;
	u64 item;
	u32 id;
	u32 seq;
	u32 n;
	unsigned int yield_every;
	long res;
};

static enum kasync_poll kc_prod_poll(struct kasync_task *t, void *p)
{
	struct kc_prod *s = p;

	KASYNC_BEGIN(&s->co);
	while (s->stop ? !atomic_read(s->stop) : s->seq < s->n) {
		s->item = kc_item(s->id, s->seq);
		KASYNC_AWAIT(&s->co, kasync_chan_send(t, s->tx, &s->w, &s->item,
						      &s->res));
		if (s->res)
			break;
		s->seq++;
		if (s->yield_every && !(s->seq % s->yield_every))
			KASYNC_YIELD(&s->co);
	}
	KASYNC_RETURN(&s->co, t, s->res ?: s->seq);
	KASYNC_END(&s->co);
}

/* The rule of the docs: the drop callback releases the channel reference. */
static void kc_prod_drop(void *p)
{
	struct kc_prod *s = p;

	if (s->tx)
		kasync_chan_sender_drop(&s->tx);
}

static const struct kasync_task_ops kc_prod_ops = {
	.poll = kc_prod_poll,
	.drop = kc_prod_drop,
};

/* Spawn a producer holding a new sender reference of @ch. */
static struct kasync_task *kc_spawn_prod(struct kunit *test, int cpu,
					 struct kasync_chan *ch, u32 id, u32 n,
					 atomic_t *stop)
{
	struct kc_prod s = { .tx = ch, .id = id, .n = n, .stop = stop,
			     .yield_every = 5 };
	struct kasync_task *h;

	KUNIT_ASSERT_EQ(test, kasync_chan_sender_clone(ch), 0);
	h = kasync_spawn_on(NULL, cpu, &kc_prod_ops, &s, sizeof(s),
			    GFP_KERNEL);
	if (IS_ERR(h))
		kasync_chan_sender_drop(&s.tx);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	return h;
}

/* What a consumer saw; lives in the test, outlives the task. */
struct kc_seen {
	long count;
	long bad;		/* out of order, or an unknown producer */
	long err;		/* what ended the stream */
	u32 next[KC_PRODUCERS_MAX];
};

/* Receives until the end of the stream, checking per-producer order. */
struct kc_cons {
	struct kasync_co co;
	struct kasync_chan_wait w;
	struct kasync_chan *rx;
	bool own_rx;		/* drop the receiver in the drop callback */
	struct kc_seen *seen;
	atomic_t *pending;	/* polls that returned PENDING, if set */
	u64 item;
	unsigned int yield_every;
	long res;
};

static void kc_account(struct kc_seen *seen, u64 item)
{
	u32 id = item >> 32, seq = (u32)item;

	if (id >= KC_PRODUCERS_MAX || seq != seen->next[id])
		seen->bad++;
	else
		seen->next[id]++;
	seen->count++;
}

static enum kasync_poll kc_cons_body(struct kasync_task *t, struct kc_cons *s)
{
	KASYNC_BEGIN(&s->co);
	for (;;) {
		KASYNC_AWAIT(&s->co, kasync_chan_recv(t, s->rx, &s->w, &s->item,
						      &s->res));
		if (s->res)
			break;
		kc_account(s->seen, s->item);
		if (s->yield_every && !(s->seen->count % s->yield_every))
			KASYNC_YIELD(&s->co);
	}
	s->seen->err = s->res;
	KASYNC_RETURN(&s->co, t, s->seen->count);
	KASYNC_END(&s->co);
}

static enum kasync_poll kc_cons_poll(struct kasync_task *t, void *p)
{
	struct kc_cons *s = p;

	return kt_count_pending(kc_cons_body(t, s), s->pending);
}

static void kc_cons_drop(void *p)
{
	struct kc_cons *s = p;

	if (s->own_rx && s->rx)
		kasync_chan_rx_drop(&s->rx);
}

static const struct kasync_task_ops kc_cons_ops = {
	.poll = kc_cons_poll,
	.drop = kc_cons_drop,
};

static struct kasync_task *kc_spawn_cons(struct kunit *test, int cpu,
					 struct kasync_chan *rx, bool own,
					 struct kc_seen *seen, atomic_t *pending,
					 unsigned int yield_every)
{
	struct kc_cons s = { .rx = rx, .own_rx = own, .seen = seen,
			     .pending = pending, .yield_every = yield_every };
	struct kasync_task *h;

	h = kasync_spawn_on(NULL, cpu, &kc_cons_ops, &s, sizeof(s),
			    GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	return h;
}

/* Join, or abort and report a task that did not finish in time. */
static long kc_join(struct kunit *test, struct kasync_task **h)
{
	long r = kasync_join_timeout(h, KC_JOIN_TIMEOUT);

	if (r == -ETIMEDOUT) {
		KUNIT_FAIL(test, "task did not finish (lost wake?)");
		kasync_abort(*h);
		r = kasync_join(h);
	}
	return r;
}

/* ---- order ------------------------------------------------------------------ */

/* One producer: every item arrives, in order, then the end of the stream. */
static void kc_fifo_one_producer(struct kunit *test)
{
	struct kasync_chan *tx = kasync_chan_new(sizeof(u64), 4, NULL,
						 GFP_KERNEL);
	struct kc_seen seen = {};
	struct kasync_task *c, *p;

	KUNIT_ASSERT_FALSE(test, IS_ERR(tx));
	c = kc_spawn_cons(test, -1, tx, true, &seen, NULL, 0);
	p = kc_spawn_prod(test, -1, tx, 0, 500, NULL);
	kasync_chan_sender_drop(&tx);	/* the producer's clone remains */
	KUNIT_EXPECT_PTR_EQ(test, tx, NULL);
	KUNIT_EXPECT_EQ(test, kc_join(test, &p), 500L);
	KUNIT_EXPECT_EQ(test, kc_join(test, &c), 500L);
	KUNIT_EXPECT_EQ(test, seen.bad, 0L);
	KUNIT_EXPECT_EQ(test, seen.next[0], 500U);
	KUNIT_EXPECT_EQ(test, seen.err, -EPIPE);
}

/* Several producer tasks: per-producer order kept, total exact. */
static void kc_many_producers(struct kunit *test)
{
	struct kasync_chan *tx = kasync_chan_new(sizeof(u64), 4, NULL,
						 GFP_KERNEL);
	struct kasync_task *p[KC_PRODUCERS_MAX], *c;
	struct kc_seen seen = {};
	long total = 0;
	unsigned int i;

	KUNIT_ASSERT_FALSE(test, IS_ERR(tx));
	c = kc_spawn_cons(test, -1, tx, true, &seen, NULL, 3);
	for (i = 0; i < KC_PRODUCERS_MAX; i++)
		p[i] = kc_spawn_prod(test, -1, tx, i, 150 + i, NULL);
	kasync_chan_sender_drop(&tx);
	for (i = 0; i < KC_PRODUCERS_MAX; i++) {
		KUNIT_EXPECT_EQ(test, kc_join(test, &p[i]), 150L + i);
		total += 150 + i;
	}
	KUNIT_EXPECT_EQ(test, kc_join(test, &c), total);
	KUNIT_EXPECT_EQ(test, seen.bad, 0L);
	for (i = 0; i < KC_PRODUCERS_MAX; i++)
		KUNIT_EXPECT_EQ(test, seen.next[i], 150U + i);
	KUNIT_EXPECT_EQ(test, seen.err, -EPIPE);
}

/*
 * Blocked senders get freed slots in the order they blocked: the receiver
 * (this thread, with try_recv) sees S1, S2, S3 after the item that filled
 * the channel, and a slot goes back to try_send only when nobody is queued.
 */
static void kc_grant_fifo(struct kunit *test)
{
	struct kasync_chan *tx = kasync_chan_new(sizeof(u64), 1, NULL,
						 GFP_KERNEL), *rx = tx;
	struct kasync_task *p[3];
	u64 v = kc_item(7, 0), got = 0;
	unsigned int i;

	KUNIT_ASSERT_FALSE(test, IS_ERR(tx));
	KUNIT_ASSERT_EQ(test, kasync_chan_try_send(tx, &v), 0);
	for (i = 0; i < 3; i++) {
		p[i] = kc_spawn_prod(test, -1, tx, i + 1, 1, NULL);
		KUNIT_ASSERT_TRUE(test, kt_wait_for(kc_info(test, rx).send_waiters
						    == i + 1, 5000));
	}
	KUNIT_EXPECT_EQ(test, kasync_chan_try_send(tx, &v), -EAGAIN);
	KUNIT_EXPECT_EQ(test, kasync_chan_try_recv(rx, &got), 0);
	KUNIT_EXPECT_EQ(test, got, kc_item(7, 0));
	for (i = 0; i < 3; i++) {
		/* The slot is p[i]'s even before p[i] fills it. */
		KUNIT_EXPECT_EQ(test, kasync_chan_try_send(tx, &v), -EAGAIN);
		KUNIT_ASSERT_TRUE(test, kt_wait_for(kc_info(test, rx).len == 1,
						    5000));
		KUNIT_EXPECT_EQ(test, kasync_chan_try_recv(rx, &got), 0);
		KUNIT_EXPECT_EQ(test, got, kc_item(i + 1, 0));
		KUNIT_EXPECT_EQ(test, kc_join(test, &p[i]), 1L);
	}
	KUNIT_EXPECT_EQ(test, kc_info(test, rx).reserved, 0U);
	KUNIT_EXPECT_EQ(test, kasync_chan_try_send(tx, &v), 0);
	KUNIT_EXPECT_EQ(test, kasync_chan_try_recv(rx, &got), 0);
	KUNIT_EXPECT_EQ(test, kasync_chan_try_recv(rx, &got), -EAGAIN);
	kasync_chan_sender_drop(&tx);
	KUNIT_EXPECT_EQ(test, kasync_chan_try_recv(rx, &got), -EPIPE);
	kasync_chan_rx_drop(&rx);
}

/* ---- backpressure ----------------------------------------------------------- */

static const unsigned int kc_caps[] = { 1, 2, 3, 4 };

static void kc_cap_desc(const unsigned int *cap, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "capacity_%u", *cap);
}

KUNIT_ARRAY_PARAM(kc_cap, kc_caps, kc_cap_desc);

/*
 * More senders than slots and no receiver yet: the channel fills and every
 * producer blocks (each has more items than fit), none finishes.  Then a
 * receiver drains it all: every sender resumed, no item lost or doubled.
 */
static void kc_backpressure(struct kunit *test)
{
	const unsigned int cap = *(const unsigned int *)test->param_value;
	const unsigned int np = cap + 3, n = cap + 1;
	struct kasync_chan *tx = kasync_chan_new(sizeof(u64), cap, NULL,
						 GFP_KERNEL), *rx = tx;
	struct kasync_task *p[KC_PRODUCERS_MAX], *c;
	struct kc_seen seen = {};
	struct kasync_chan_info in;
	unsigned int i;

	KUNIT_ASSERT_FALSE(test, IS_ERR(tx));
	for (i = 0; i < np; i++)
		p[i] = kc_spawn_prod(test, -1, tx, i, n, NULL);
	kasync_chan_sender_drop(&tx);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(kc_info(test, rx).send_waiters
					    == np, 5000));
	msleep(20);
	in = kc_info(test, rx);
	KUNIT_EXPECT_EQ(test, in.len, cap);
	KUNIT_EXPECT_EQ(test, in.send_waiters, np);
	KUNIT_EXPECT_EQ(test, in.reserved, 0U);
	KUNIT_EXPECT_EQ(test, in.senders, np);
	for (i = 0; i < np; i++)
		KUNIT_EXPECT_FALSE(test, kasync_task_finished(p[i]));

	c = kc_spawn_cons(test, -1, rx, false, &seen, NULL, 0);
	for (i = 0; i < np; i++)
		KUNIT_EXPECT_EQ(test, kc_join(test, &p[i]), (long)n);
	KUNIT_EXPECT_EQ(test, kc_join(test, &c), (long)(np * n));
	KUNIT_EXPECT_EQ(test, seen.bad, 0L);
	KUNIT_EXPECT_EQ(test, seen.err, -EPIPE);
	in = kc_info(test, rx);
	KUNIT_EXPECT_EQ(test, in.len, 0U);
	KUNIT_EXPECT_EQ(test, in.senders, 0U);
	KUNIT_EXPECT_EQ(test, in.send_waiters, 0U);
	KUNIT_EXPECT_EQ(test, in.reserved, 0U);
	KUNIT_EXPECT_FALSE(test, in.rx_waiting);
	kasync_chan_rx_drop(&rx);
}

/* ---- producers in hard IRQ context ------------------------------------------ */

#define KC_IRQ_PERIOD_NS	(100 * NSEC_PER_USEC)

struct kc_irq {
	struct hrtimer timer;
	struct kasync_chan *tx;	/* held until the timer is cancelled */
	atomic_t *stop;
	u32 id;
	u32 seq;		/* next item; advances on success only */
	atomic_t ok;
	atomic_t again;
	atomic_t other;
	atomic_t in_hardirq;
};

static enum hrtimer_restart kc_irq_fn(struct hrtimer *timer)
{
	struct kc_irq *q = container_of(timer, struct kc_irq, timer);
	u64 v = kc_item(q->id, q->seq);
	int r;

	if (atomic_read(q->stop))
		return HRTIMER_NORESTART;
	if (in_hardirq())
		atomic_inc(&q->in_hardirq);
	r = kasync_chan_try_send(q->tx, &v);
	if (!r) {
		q->seq++;
		atomic_inc(&q->ok);
	} else if (r == -EAGAIN) {
		atomic_inc(&q->again);
	} else {
		atomic_inc(&q->other);
	}
	hrtimer_forward_now(timer, ns_to_ktime(KC_IRQ_PERIOD_NS));
	return HRTIMER_RESTART;
}

/*
 * Two hrtimer callbacks (hard IRQ) try_send every 100 us.  For the first
 * 100 ms nobody receives, so the channel fills and they see -EAGAIN; then
 * a task drains.  The task receives exactly the successful sends, in each
 * producer's order, then the end of the stream.
 */
static void kc_irq_producers(struct kunit *test)
{
	struct kasync_chan *tx = kasync_chan_new(sizeof(u64), 8, NULL,
						 GFP_KERNEL), *rx = tx;
	struct kc_irq *q = kunit_kcalloc(test, 2, sizeof(*q), GFP_KERNEL);
	atomic_t stop = ATOMIC_INIT(0);
	struct kc_seen seen = {};
	struct kasync_task *c;
	long ok = 0;
	int i;

	KUNIT_ASSERT_FALSE(test, IS_ERR(tx));
	KUNIT_ASSERT_NOT_NULL(test, q);
	for (i = 0; i < 2; i++) {
		KUNIT_ASSERT_EQ(test, kasync_chan_sender_clone(tx), 0);
		q[i].tx = tx;
		q[i].id = i;
		q[i].stop = &stop;
		hrtimer_init(&q[i].timer, CLOCK_MONOTONIC,
			     HRTIMER_MODE_REL_HARD);
		q[i].timer.function = kc_irq_fn;
	}
	kasync_chan_sender_drop(&tx);
	for (i = 0; i < 2; i++)
		hrtimer_start(&q[i].timer, ns_to_ktime(KC_IRQ_PERIOD_NS),
			      HRTIMER_MODE_REL_HARD);
	msleep(100);
	c = kc_spawn_cons(test, -1, rx, true, &seen, NULL, 0);
	msleep(400);
	atomic_set(&stop, 1);
	for (i = 0; i < 2; i++) {
		hrtimer_cancel(&q[i].timer);
		/* Chan rule C2: the callback can no longer run. */
		kasync_chan_sender_drop(&q[i].tx);
		ok += atomic_read(&q[i].ok);
		KUNIT_EXPECT_GT(test, atomic_read(&q[i].again), 0);
		KUNIT_EXPECT_EQ(test, atomic_read(&q[i].other), 0);
		KUNIT_EXPECT_EQ(test, atomic_read(&q[i].in_hardirq),
				atomic_read(&q[i].ok) + atomic_read(&q[i].again));
	}
	KUNIT_EXPECT_EQ(test, kc_join(test, &c), ok);
	for (i = 0; i < 2; i++)
		KUNIT_EXPECT_EQ(test, seen.next[i], q[i].seq);
	KUNIT_EXPECT_GT(test, ok, 8L);
	KUNIT_EXPECT_EQ(test, seen.bad, 0L);
	KUNIT_EXPECT_EQ(test, seen.err, -EPIPE);
	kunit_info(test, "IRQ sends: %ld ok, %d + %d -EAGAIN\n", ok,
		   atomic_read(&q[0].again), atomic_read(&q[1].again));
}

/* ---- producers in process context ------------------------------------------- */

/* A kthread that send_wait()s n items, or one owned pointer; owns a sender. */
struct kc_thread {
	struct kasync_chan *tx;
	atomic_t *stop;		/* send until set, instead of n items */
	void *ptr;		/* if set: send this one kc_item_new() */
	u32 id;
	u32 n;
	long sent;
	int err;
	struct completion done;
	struct task_struct *k;
};

static int kc_thread_fn(void *data)
{
	struct kc_thread *kt = data;
	u64 v;

	allow_signal(SIGUSR1);
	if (kt->ptr) {
		kt->err = kasync_chan_send_wait(kt->tx, &kt->ptr);
		if (!kt->err) {
			kt->ptr = NULL;	/* the channel's now */
			kt->sent++;
		}
	} else {
		while (kt->stop ? !atomic_read(kt->stop) : kt->sent < kt->n) {
			v = kc_item(kt->id, kt->sent);
			kt->err = kasync_chan_send_wait(kt->tx, &v);
			if (kt->err)
				break;
			kt->sent++;
		}
	}
	kc_item_free(kt->ptr);
	kt->ptr = NULL;
	kasync_chan_sender_drop(&kt->tx);
	complete_all(&kt->done);	/* waited for more than once */
	return 0;
}

static void kc_thread_start(struct kunit *test, struct kc_thread *kt,
			    struct kasync_chan *ch, int cpu)
{
	KUNIT_ASSERT_EQ(test, kasync_chan_sender_clone(ch), 0);
	kt->tx = ch;
	init_completion(&kt->done);
	kt->k = kthread_create(kc_thread_fn, kt, "kc_sender/%u", kt->id);
	KUNIT_ASSERT_FALSE(test, IS_ERR(kt->k));
	if (cpu >= 0)
		kthread_bind(kt->k, cpu);
	get_task_struct(kt->k);
	wake_up_process(kt->k);
}

/* Reap the thread; false if it did not finish in time. */
static bool kc_thread_finish(struct kc_thread *kt, unsigned long timeout)
{
	bool done = wait_for_completion_timeout(&kt->done, timeout);

	if (done) {
		kthread_stop(kt->k);
		put_task_struct(kt->k);
	}
	return done;
}

/* A thread sends with send_wait() into a tiny channel, a task drains it. */
static void kc_kthread_send_wait(struct kunit *test)
{
	struct kasync_chan *tx = kasync_chan_new(sizeof(u64), 2, NULL,
						 GFP_KERNEL);
	struct kc_thread kt = { .id = 0, .n = 300 };
	struct kc_seen seen = {};
	struct kasync_task *c;

	KUNIT_ASSERT_FALSE(test, IS_ERR(tx));
	c = kc_spawn_cons(test, -1, tx, true, &seen, NULL, 7);
	kc_thread_start(test, &kt, tx, -1);
	kasync_chan_sender_drop(&tx);
	KUNIT_ASSERT_TRUE(test, kc_thread_finish(&kt, KC_JOIN_TIMEOUT));
	KUNIT_EXPECT_EQ(test, kt.err, 0);
	KUNIT_EXPECT_EQ(test, kt.sent, 300L);
	KUNIT_EXPECT_EQ(test, kc_join(test, &c), 300L);
	KUNIT_EXPECT_EQ(test, seen.bad, 0L);
	KUNIT_EXPECT_EQ(test, seen.err, -EPIPE);
}

/* A signal ends a blocked send_wait(): nothing sent, nothing left queued. */
static void kc_send_wait_signal(struct kunit *test)
{
	struct kasync_chan *tx = kasync_chan_new(sizeof(u64), 1, NULL,
						 GFP_KERNEL), *rx = tx;
	struct kc_thread kt = { .id = 1, .n = 1 };
	struct kasync_chan_info in;
	u64 v = 5;

	KUNIT_ASSERT_FALSE(test, IS_ERR(tx));
	KUNIT_ASSERT_EQ(test, kasync_chan_try_send(tx, &v), 0);
	kc_thread_start(test, &kt, tx, -1);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(kc_info(test, rx).send_waiters
					    == 1, 5000));
	send_sig(SIGUSR1, kt.k, 0);
	KUNIT_ASSERT_TRUE(test, kc_thread_finish(&kt, KC_JOIN_TIMEOUT));
	KUNIT_EXPECT_EQ(test, kt.err, -ERESTARTSYS);
	KUNIT_EXPECT_EQ(test, kt.sent, 0L);
	in = kc_info(test, rx);
	KUNIT_EXPECT_EQ(test, in.send_waiters, 0U);
	KUNIT_EXPECT_EQ(test, in.len, 1U);
	KUNIT_EXPECT_EQ(test, in.senders, 1U);
	KUNIT_EXPECT_EQ(test, kasync_chan_try_recv(rx, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 5ULL);
	kasync_chan_sender_drop(&tx);
	KUNIT_EXPECT_EQ(test, kasync_chan_try_recv(rx, &v), -EPIPE);
	kasync_chan_rx_drop(&rx);
}

/* ---- closing ---------------------------------------------------------------- */

/*
 * The receiver sees the end only when every sender is gone: a task blocked
 * on the empty channel stays blocked while one of three senders remains,
 * gets the buffered items first, and is woken by the last drop.
 */
static void kc_end_of_stream(struct kunit *test)
{
	struct kasync_chan *tx = kasync_chan_new(sizeof(u64), 4, NULL,
						 GFP_KERNEL), *rx = tx;
	struct kasync_chan *tx2 = tx, *tx3 = tx;
	atomic_t pending = ATOMIC_INIT(0);
	struct kc_seen seen = {};
	struct kasync_task *c;
	u64 v;

	KUNIT_ASSERT_FALSE(test, IS_ERR(tx));
	KUNIT_ASSERT_EQ(test, kasync_chan_sender_clone(tx), 0);
	KUNIT_ASSERT_EQ(test, kasync_chan_sender_clone(tx), 0);
	c = kc_spawn_cons(test, -1, rx, false, &seen, &pending, 0);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(kc_info(test, rx).rx_waiting,
					    5000));
	v = kc_item(0, 0);
	KUNIT_EXPECT_EQ(test, kasync_chan_try_send(tx, &v), 0);
	kasync_chan_sender_drop(&tx);
	v = kc_item(1, 0);
	KUNIT_EXPECT_EQ(test, kasync_chan_try_send(tx2, &v), 0);
	kasync_chan_sender_drop(&tx2);
	KUNIT_EXPECT_TRUE(test, kt_wait_for(seen.count == 2 &&
					    kc_info(test, rx).rx_waiting, 5000));
	msleep(20);
	KUNIT_EXPECT_FALSE(test, kasync_task_finished(c));
	KUNIT_EXPECT_EQ(test, seen.err, 0);

	/* Buffered items come before the end. */
	v = kc_item(2, 0);
	KUNIT_EXPECT_EQ(test, kasync_chan_try_send(tx3, &v), 0);
	kasync_chan_sender_drop(&tx3);
	KUNIT_EXPECT_EQ(test, kc_join(test, &c), 3L);
	KUNIT_EXPECT_EQ(test, seen.err, -EPIPE);
	KUNIT_EXPECT_EQ(test, seen.bad, 0L);
	KUNIT_EXPECT_EQ(test, kasync_chan_try_recv(rx, &v), -EPIPE);
	KUNIT_EXPECT_FALSE(test, kc_info(test, rx).rx_waiting);
	kasync_chan_rx_drop(&rx);
}

/* Sends one kc_item_new() pointer; owns it until sent, and a sender. */
struct kc_ptr_prod {
	struct kasync_co co;
	struct kasync_chan_wait w;
	struct kasync_chan *tx;
	void *buf;
	long res;
};

static enum kasync_poll kc_ptr_prod_poll(struct kasync_task *t, void *p)
{
	struct kc_ptr_prod *s = p;

	KASYNC_BEGIN(&s->co);
	KASYNC_AWAIT(&s->co, kasync_chan_send(t, s->tx, &s->w, &s->buf,
					      &s->res));
	if (!s->res)
		s->buf = NULL;	/* the channel owns it now */
	KASYNC_RETURN(&s->co, t, s->res ?: 1);
	KASYNC_END(&s->co);
}

static void kc_ptr_prod_drop(void *p)
{
	struct kc_ptr_prod *s = p;

	kc_item_free(s->buf);	/* not sent: still ours */
	if (s->tx)
		kasync_chan_sender_drop(&s->tx);
}

static const struct kasync_task_ops kc_ptr_prod_ops = {
	.poll = kc_ptr_prod_poll,
	.drop = kc_ptr_prod_drop,
};

static struct kasync_task *kc_spawn_ptr_prod(struct kunit *test,
					     struct kasync_rt *rt,
					     struct kasync_chan *ch)
{
	struct kc_ptr_prod s = { .tx = ch };
	struct kasync_task *h;

	s.buf = kc_item_new();
	KUNIT_ASSERT_NOT_NULL(test, s.buf);
	KUNIT_ASSERT_EQ(test, kasync_chan_sender_clone(ch), 0);
	h = kasync_spawn(rt, &kc_ptr_prod_ops, &s, sizeof(s), GFP_KERNEL);
	if (IS_ERR(h)) {
		kc_item_free(s.buf);
		kasync_chan_sender_drop(&s.tx);
	}
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	return h;
}

/*
 * Dropping the receiver: the items it never took go to drop_item (they own
 * memory: a leak or a double free shows), blocked senders (tasks and a
 * thread) are woken with -EPIPE and keep their items, later sends fail.
 */
static void kc_rx_drop(struct kunit *test)
{
	struct kasync_chan *tx = kasync_chan_new(sizeof(void *), 3,
						 kc_drop_ptr, GFP_KERNEL);
	struct kasync_chan *rx = tx;
	struct kc_thread kt = { .id = 2 };
	struct kasync_task *p[5];
	void *nothing = NULL;
	int sent = 0, pipe = 0;
	unsigned int i;
	long r;

	KUNIT_ASSERT_FALSE(test, IS_ERR(tx));
	for (i = 0; i < ARRAY_SIZE(p); i++)
		p[i] = kc_spawn_ptr_prod(test, NULL, tx);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(kc_info(test, rx).send_waiters
					    == 2, 5000));
	kt.ptr = kc_item_new();
	KUNIT_ASSERT_NOT_NULL(test, kt.ptr);
	kc_thread_start(test, &kt, tx, -1);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(kc_info(test, rx).send_waiters
					    == 3, 5000));
	KUNIT_EXPECT_EQ(test, kc_info(test, rx).len, 3U);

	kasync_chan_rx_drop(&rx);
	KUNIT_EXPECT_PTR_EQ(test, rx, NULL);
	KUNIT_EXPECT_EQ(test, atomic_read(&kc_items_dropped), 3);
	for (i = 0; i < ARRAY_SIZE(p); i++) {
		r = kc_join(test, &p[i]);
		if (r == 1)
			sent++;
		else if (r == -EPIPE)
			pipe++;
	}
	KUNIT_EXPECT_EQ(test, sent, 3);
	KUNIT_EXPECT_EQ(test, pipe, 2);
	KUNIT_ASSERT_TRUE(test, kc_thread_finish(&kt, KC_JOIN_TIMEOUT));
	KUNIT_EXPECT_EQ(test, kt.err, -EPIPE);
	KUNIT_EXPECT_EQ(test, kasync_chan_try_send(tx, &nothing), -EPIPE);
	KUNIT_EXPECT_EQ(test, kc_info(test, tx).senders, 1U);
	kasync_chan_sender_drop(&tx);	/* the last reference: freed */
}

/* ---- oneshot ---------------------------------------------------------------- */

/* Awaits a oneshot's value; owns the receiver unless told otherwise. */
struct kc_os_recv {
	struct kasync_co co;
	struct kasync_chan_wait w;
	struct kasync_oneshot *rx;
	bool own_rx;
	atomic_t *pending;
	u64 got;
	long res;
};

static enum kasync_poll kc_os_recv_body(struct kasync_task *t,
					struct kc_os_recv *s)
{
	KASYNC_BEGIN(&s->co);
	KASYNC_AWAIT(&s->co, kasync_oneshot_recv(t, s->rx, &s->w, &s->got,
						 &s->res));
	KASYNC_RETURN(&s->co, t, s->res ?: (long)s->got);
	KASYNC_END(&s->co);
}

static enum kasync_poll kc_os_recv_poll(struct kasync_task *t, void *p)
{
	struct kc_os_recv *s = p;

	return kt_count_pending(kc_os_recv_body(t, s), s->pending);
}

static void kc_os_recv_drop(void *p)
{
	struct kc_os_recv *s = p;

	if (s->own_rx && s->rx)
		kasync_oneshot_rx_drop(&s->rx);
}

static const struct kasync_task_ops kc_os_recv_ops = {
	.poll = kc_os_recv_poll,
	.drop = kc_os_recv_drop,
};

static struct kasync_task *kc_spawn_os_recv(struct kunit *test,
					    struct kasync_oneshot *rx,
					    atomic_t *pending)
{
	struct kc_os_recv s = { .rx = rx, .own_rx = true, .pending = pending };
	struct kasync_task *h;

	h = kasync_spawn(NULL, &kc_os_recv_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	return h;
}

struct kc_os_timer {
	struct hrtimer timer;
	struct kasync_oneshot *tx;
	u64 val;
	int ret;
	bool hardirq;
};

static enum hrtimer_restart kc_os_timer_fn(struct hrtimer *timer)
{
	struct kc_os_timer *o = container_of(timer, struct kc_os_timer, timer);

	o->hardirq = in_hardirq();
	o->ret = kasync_oneshot_send(&o->tx, &o->val);
	return HRTIMER_NORESTART;
}

/*
 * A task awaits the value, which a hard IRQ sends; and a value sent before
 * the await is there at once.  try_recv: -EAGAIN, the value, then -EPIPE.
 */
static void kc_oneshot_send_recv(struct kunit *test)
{
	struct kasync_oneshot *os = kasync_oneshot_new(sizeof(u64), NULL,
						       GFP_KERNEL);
	struct kc_os_timer *o = kunit_kzalloc(test, sizeof(*o), GFP_KERNEL);
	atomic_t pending = ATOMIC_INIT(0);
	struct kasync_oneshot *tx, *rx;
	struct kasync_task *h;
	u64 v = 0;

	KUNIT_ASSERT_FALSE(test, IS_ERR(os));
	KUNIT_ASSERT_NOT_NULL(test, o);
	h = kc_spawn_os_recv(test, os, &pending);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(atomic_read(&pending) == 1, 5000));
	o->tx = os;
	o->val = 0x1234;
	hrtimer_init(&o->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	o->timer.function = kc_os_timer_fn;
	hrtimer_start(&o->timer, ns_to_ktime(NSEC_PER_MSEC),
		      HRTIMER_MODE_REL_HARD);
	KUNIT_EXPECT_EQ(test, kc_join(test, &h), 0x1234L);
	hrtimer_cancel(&o->timer);
	KUNIT_EXPECT_EQ(test, o->ret, 0);
	KUNIT_EXPECT_TRUE(test, o->hardirq);
	KUNIT_EXPECT_PTR_EQ(test, o->tx, NULL);

	tx = kasync_oneshot_new(sizeof(u64), NULL, GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(tx));
	rx = tx;
	KUNIT_EXPECT_EQ(test, kasync_oneshot_try_recv(rx, &v), -EAGAIN);
	v = 99;
	KUNIT_EXPECT_EQ(test, kasync_oneshot_send(&tx, &v), 0);
	KUNIT_EXPECT_PTR_EQ(test, tx, NULL);
	v = 0;
	KUNIT_EXPECT_EQ(test, kasync_oneshot_try_recv(rx, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 99ULL);
	KUNIT_EXPECT_EQ(test, kasync_oneshot_try_recv(rx, &v), -EPIPE);
	kasync_oneshot_rx_drop(&rx);

	/* Sent before the await: no waiting at all. */
	tx = kasync_oneshot_new(sizeof(u64), NULL, GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(tx));
	v = 7;
	rx = tx;
	KUNIT_EXPECT_EQ(test, kasync_oneshot_send(&tx, &v), 0);
	atomic_set(&pending, 0);
	h = kc_spawn_os_recv(test, rx, &pending);
	KUNIT_EXPECT_EQ(test, kc_join(test, &h), 7L);
	KUNIT_EXPECT_EQ(test, atomic_read(&pending), 0);
}

/* The sender dropped without sending: the waiting receiver gets -EPIPE. */
static void kc_oneshot_sender_dropped(struct kunit *test)
{
	struct kasync_oneshot *tx = kasync_oneshot_new(sizeof(u64), NULL,
						       GFP_KERNEL);
	atomic_t pending = ATOMIC_INIT(0);
	struct kasync_task *h;

	KUNIT_ASSERT_FALSE(test, IS_ERR(tx));
	h = kc_spawn_os_recv(test, tx, &pending);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(atomic_read(&pending) == 1, 5000));
	kasync_oneshot_sender_drop(&tx);
	KUNIT_EXPECT_PTR_EQ(test, tx, NULL);
	KUNIT_EXPECT_EQ(test, kc_join(test, &h), (long)-EPIPE);
}

/*
 * The receiver dropped: a later send fails and the value stays the
 * sender's; a value sent and never received goes to drop_item.
 */
static void kc_oneshot_rx_dropped(struct kunit *test)
{
	struct kasync_oneshot *tx = kasync_oneshot_new(sizeof(void *),
						       kc_drop_ptr, GFP_KERNEL);
	struct kasync_oneshot *rx = tx;
	void *buf = kc_item_new();

	KUNIT_ASSERT_FALSE(test, IS_ERR(tx));
	KUNIT_ASSERT_NOT_NULL(test, buf);
	kasync_oneshot_rx_drop(&rx);
	KUNIT_EXPECT_EQ(test, kasync_oneshot_send(&tx, &buf), -EPIPE);
	KUNIT_EXPECT_PTR_EQ(test, tx, NULL);	/* consumed all the same */
	KUNIT_EXPECT_EQ(test, atomic_read(&kc_items_dropped), 0);

	/* Still ours: send it through a second oneshot nobody receives. */
	tx = kasync_oneshot_new(sizeof(void *), kc_drop_ptr, GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(tx));
	rx = tx;
	KUNIT_EXPECT_EQ(test, kasync_oneshot_send(&tx, &buf), 0);
	kasync_oneshot_rx_drop(&rx);
	KUNIT_EXPECT_EQ(test, atomic_read(&kc_items_dropped), 1);
}

/* ---- misuse ----------------------------------------------------------------- */

/*
 * Bad sizes, double drops, a second receiver: misuse, reported (a warning
 * at the call site, counted here) as -EINVAL, nothing else done.
 */
static void kc_misuse(struct kunit *test)
{
	struct kasync_chan *tx, *rx, *copy, *none = NULL;
	struct kasync_oneshot *os, *os_rx, *os_copy;
	atomic_t pending = ATOMIC_INIT(0);
	struct kc_seen seen = {}, seen2 = {};
	struct kasync_task *a, *b;
	unsigned int misuse;
	u64 v = 1;

	misuse = kt_expect_misuse(test);
	KUNIT_EXPECT_EQ(test, PTR_ERR(kasync_chan_new(0, 4, NULL, GFP_KERNEL)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(kasync_chan_new(8, 0, NULL, GFP_KERNEL)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(kasync_chan_new(KASYNC_CHAN_ITEM_MAX + 1,
						      4, NULL, GFP_KERNEL)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(kasync_chan_new(8, KASYNC_CHAN_CAP_MAX + 1,
						      NULL, GFP_KERNEL)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(kasync_oneshot_new(0, NULL, GFP_KERNEL)),
			-EINVAL);
	KT_EXPECT_MISUSE(test, misuse, 5U);
	kasync_chan_sender_drop(&none);
	kasync_chan_rx_drop(&none);
	KT_EXPECT_MISUSE(test, misuse, 7U);

	tx = kasync_chan_new(sizeof(u64), 2, NULL, GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(tx));
	rx = tx;

	/* A second receiving task is refused; the first is unaffected. */
	a = kc_spawn_cons(test, -1, rx, false, &seen, &pending, 0);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(kc_info(test, rx).rx_waiting,
					    5000));
	b = kc_spawn_cons(test, -1, rx, false, &seen2, NULL, 0);
	KUNIT_EXPECT_EQ(test, kc_join(test, &b), 0L);
	KUNIT_EXPECT_EQ(test, seen2.err, -EINVAL);
	KT_EXPECT_MISUSE(test, misuse, 8U);
	KUNIT_EXPECT_TRUE(test, kc_info(test, rx).rx_waiting);
	KUNIT_EXPECT_EQ(test, kasync_chan_try_send(tx, &v), 0);

	/* A double drop through a copy is caught, not counted twice. */
	copy = tx;
	kasync_chan_sender_drop(&tx);
	KUNIT_EXPECT_EQ(test, kc_join(test, &a), 1L);
	KUNIT_EXPECT_EQ(test, seen.err, -EPIPE);
	kasync_chan_sender_drop(&copy);
	KUNIT_EXPECT_EQ(test, kasync_chan_sender_clone(rx), -EINVAL);
	KUNIT_EXPECT_EQ(test, kasync_chan_try_send(rx, &v), -EINVAL);
	KT_EXPECT_MISUSE(test, misuse, 11U);
	kasync_chan_rx_drop(&rx);	/* frees: no sender either */

	os = kasync_oneshot_new(sizeof(u64), NULL, GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(os));
	os_rx = os;
	os_copy = os;
	KUNIT_EXPECT_EQ(test, kasync_oneshot_send(&os, &v), 0);
	KUNIT_EXPECT_EQ(test, kasync_oneshot_send(&os, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, kasync_oneshot_send(&os_copy, &v), -EINVAL);
	KT_EXPECT_MISUSE(test, misuse, 13U);
	KUNIT_EXPECT_EQ(test, kasync_oneshot_try_recv(os_rx, &v), 0);
	kasync_oneshot_rx_drop(&os_rx);
}

/* ---- cancellation at every await point ------------------------------------- */

enum kc_op {
	KC_SEND,	/* kasync_chan_send() on a full channel */
	KC_RECV,	/* kasync_chan_recv() on an empty one */
	KC_ONESHOT,	/* kasync_oneshot_recv() before the value */
};

/* When the task is aborted; the last two before it polls after the wake. */
enum kc_when {
	KC_BLOCKED,	/* while blocked */
	KC_REWOKEN,	/* after a spurious wake and re-poll */
	KC_WOKEN,	/* woken with a slot, an item or the value */
	KC_ENDED,	/* woken by the other side's drop */
};

struct kc_cancel_case {
	const char *name;
	enum kc_op op;
	enum kc_when when;
};

static const struct kc_cancel_case kc_cancel_cases[] = {
	{ "send_blocked", KC_SEND, KC_BLOCKED },
	{ "send_blocked_rewoken", KC_SEND, KC_REWOKEN },
	{ "send_granted_unpolled", KC_SEND, KC_WOKEN },
	{ "send_closed_unpolled", KC_SEND, KC_ENDED },
	{ "recv_blocked", KC_RECV, KC_BLOCKED },
	{ "recv_blocked_rewoken", KC_RECV, KC_REWOKEN },
	{ "recv_item_unpolled", KC_RECV, KC_WOKEN },
	{ "recv_end_unpolled", KC_RECV, KC_ENDED },
	{ "oneshot_recv_blocked", KC_ONESHOT, KC_BLOCKED },
	{ "oneshot_recv_rewoken", KC_ONESHOT, KC_REWOKEN },
	{ "oneshot_value_unpolled", KC_ONESHOT, KC_WOKEN },
	{ "oneshot_end_unpolled", KC_ONESHOT, KC_ENDED },
};

static void kc_cancel_desc(const struct kc_cancel_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(kc_cancel, kc_cancel_cases, kc_cancel_desc);

struct kc_canceller {
	struct kasync_co co;
	struct kasync_chan_wait w;
	enum kc_op op;
	struct kasync_chan *ch;		/* owned sender, or borrowed rx */
	struct kasync_oneshot *os;	/* the test's receiver, borrowed */
	void *buf;			/* KC_SEND: owned until sent */
	void *got;			/* received (never: aborted first) */
	atomic_t *pending;
	int *armed_at_drop;
	long res;
};

static enum kasync_poll kc_canceller_body(struct kasync_task *t,
					  struct kc_canceller *s)
{
	KASYNC_BEGIN(&s->co);
	if (s->op == KC_SEND) {
		KASYNC_AWAIT(&s->co, kasync_chan_send(t, s->ch, &s->w, &s->buf,
						      &s->res));
		if (!s->res)
			s->buf = NULL;
	} else if (s->op == KC_RECV) {
		KASYNC_AWAIT(&s->co, kasync_chan_recv(t, s->ch, &s->w, &s->got,
						      &s->res));
	} else {
		KASYNC_AWAIT(&s->co, kasync_oneshot_recv(t, s->os, &s->w,
							 &s->got, &s->res));
	}
	KASYNC_RETURN(&s->co, t, -EINVAL);	/* never: aborted first */
	KASYNC_END(&s->co);
}

static enum kasync_poll kc_canceller_poll(struct kasync_task *t, void *p)
{
	struct kc_canceller *s = p;

	return kt_count_pending(kc_canceller_body(t, s), s->pending);
}

static void kc_canceller_drop(void *p)
{
	struct kc_canceller *s = p;

	/* Cleanup hooks ran before drop: the wait must be unlinked. */
	*s->armed_at_drop = kasync_chan_wait_armed(&s->w);
	kc_item_free(s->buf);
	kc_item_free(s->got);
	if (s->op == KC_SEND && s->ch)
		kasync_chan_sender_drop(&s->ch);
}

static const struct kasync_task_ops kc_canceller_ops = {
	.poll = kc_canceller_poll,
	.drop = kc_canceller_drop,
};

/* What the test holds: channel or oneshot ends, a second sender. */
struct kc_ends {
	struct kasync_chan *tx, *rx;
	struct kasync_oneshot *os_tx, *os_rx;
	struct kasync_task *s2;
};

/* The wake that KC_WOKEN / KC_ENDED abort the task after. */
static void kc_cancel_wake(struct kunit *test, const struct kc_cancel_case *c,
			   struct kc_ends *e)
{
	void *item = NULL;

	if (c->op == KC_SEND && c->when == KC_WOKEN) {
		/* Frees the slot: granted to the task, which cannot poll. */
		KUNIT_EXPECT_EQ(test, kasync_chan_try_recv(e->rx, &item), 0);
		kc_item_free(item);
		KUNIT_EXPECT_EQ(test, kc_info(test, e->rx).reserved, 1U);
		KUNIT_EXPECT_EQ(test, kc_info(test, e->rx).send_waiters, 1U);
	} else if (c->op == KC_SEND) {
		kasync_chan_rx_drop(&e->rx);	/* the task is closed */
		KUNIT_EXPECT_EQ(test, atomic_read(&kc_items_dropped), 1);
	} else if (c->op == KC_RECV && c->when == KC_WOKEN) {
		item = kc_item_new();
		KUNIT_ASSERT_NOT_NULL(test, item);
		KUNIT_EXPECT_EQ(test, kasync_chan_try_send(e->tx, &item), 0);
	} else if (c->op == KC_RECV) {
		kasync_chan_sender_drop(&e->tx);
	} else if (c->when == KC_WOKEN) {
		item = kc_item_new();
		KUNIT_ASSERT_NOT_NULL(test, item);
		KUNIT_EXPECT_EQ(test, kasync_oneshot_send(&e->os_tx, &item), 0);
	} else {
		kasync_oneshot_sender_drop(&e->os_tx);
	}
}

/* Send one new item and receive it: the channel still works. */
static void kc_chan_roundtrip(struct kunit *test, struct kc_ends *e)
{
	void *item = kc_item_new(), *got = NULL;

	KUNIT_ASSERT_NOT_NULL(test, item);
	KUNIT_EXPECT_EQ(test, kasync_chan_try_send(e->tx, &item), 0);
	KUNIT_EXPECT_EQ(test, kasync_chan_try_recv(e->rx, &got), 0);
	KUNIT_EXPECT_PTR_EQ(test, got, item);
	kc_item_free(got);
}

/* After the abort: consistent, nothing lost, usable; then release it. */
static void kc_cancel_check(struct kunit *test, const struct kc_cancel_case *c,
			    struct kc_ends *e)
{
	struct kasync_chan_info in;
	void *got = NULL;

	if (c->op == KC_SEND && c->when == KC_ENDED) {
		KUNIT_EXPECT_EQ(test, kasync_chan_try_send(e->tx, &got), -EPIPE);
		KUNIT_EXPECT_EQ(test, kc_info(test, e->tx).senders, 1U);
		KUNIT_EXPECT_EQ(test, kc_info(test, e->tx).reserved, 0U);
	} else if (c->op == KC_SEND) {
		/* The slot granted to the aborted task reached s2. */
		if (e->s2)
			KUNIT_EXPECT_EQ(test, kc_join(test, &e->s2), 1L);
		in = kc_info(test, e->rx);
		KUNIT_EXPECT_EQ(test, in.send_waiters, 0U);
		KUNIT_EXPECT_EQ(test, in.reserved, 0U);
		KUNIT_EXPECT_EQ(test, in.senders, 1U);
		KUNIT_EXPECT_EQ(test, in.len, 1U);
		/*
		 * Blocked cases: the filler; granted: s2's item.  Never the
		 * aborted task's, which its drop callback freed.
		 */
		KUNIT_EXPECT_EQ(test, kasync_chan_try_recv(e->rx, &got), 0);
		kc_item_free(got);
		kc_chan_roundtrip(test, e);
	} else if (c->op == KC_RECV) {
		KUNIT_EXPECT_FALSE(test, kc_info(test, e->rx).rx_waiting);
		if (c->when == KC_WOKEN) {	/* the item stayed */
			KUNIT_EXPECT_EQ(test, kasync_chan_try_recv(e->rx, &got), 0);
			KUNIT_EXPECT_NOT_NULL(test, got);
			kc_item_free(got);
		} else if (c->when == KC_ENDED) {
			KUNIT_EXPECT_EQ(test, kasync_chan_try_recv(e->rx, &got),
					-EPIPE);
		} else {
			kc_chan_roundtrip(test, e);
		}
	} else {
		if (c->when == KC_BLOCKED || c->when == KC_REWOKEN) {
			got = kc_item_new();
			KUNIT_ASSERT_NOT_NULL(test, got);
			KUNIT_EXPECT_EQ(test, kasync_oneshot_send(&e->os_tx, &got),
					0);
			got = NULL;
		}
		if (c->when == KC_ENDED) {
			KUNIT_EXPECT_EQ(test, kasync_oneshot_try_recv(e->os_rx, &got),
					-EPIPE);
		} else {	/* the value stayed, or came now */
			KUNIT_EXPECT_EQ(test, kasync_oneshot_try_recv(e->os_rx, &got),
					0);
			KUNIT_EXPECT_NOT_NULL(test, got);
			kc_item_free(got);
		}
	}
	if (e->tx)
		kasync_chan_sender_drop(&e->tx);
	if (e->rx)
		kasync_chan_rx_drop(&e->rx);
	if (e->os_tx)
		kasync_oneshot_sender_drop(&e->os_tx);
	if (e->os_rx)
		kasync_oneshot_rx_drop(&e->os_rx);
}

/*
 * Abort a sender or receiver at every point of its await.  The drop
 * callback finds the wait unlinked; the channel has no stale waiter (the
 * sends and receives that follow would wake freed memory: KASAN), no lost
 * slot (a slot granted to the aborted task reaches the next sender), no
 * lost item, and works afterwards; every owned item is freed once.
 */
static void kc_cancel_every_await(struct kunit *test)
{
	const struct kc_cancel_case *c = test->param_value;
	atomic_t pending = ATOMIC_INIT(0), in_poll = ATOMIC_INIT(0);
	atomic_t release = ATOMIC_INIT(0);
	struct kt_blocker blk = { .in_poll = &in_poll, .release = &release };
	int armed_at_drop = -1;
	struct kc_canceller s = {
		.op = c->op, .pending = &pending,
		.armed_at_drop = &armed_at_drop,
	};
	struct kasync_task *h, *bh = NULL;
	struct kc_ends e = {};
	struct kasync_rt *rt;
	void *filler;

	rt = kasync_rt_create("kc_cancel", KASYNC_RT_ORDERED);
	KUNIT_ASSERT_FALSE(test, IS_ERR(rt));
	if (c->op == KC_ONESHOT) {
		e.os_tx = kasync_oneshot_new(sizeof(void *), kc_drop_ptr,
					     GFP_KERNEL);
		KUNIT_ASSERT_FALSE(test, IS_ERR(e.os_tx));
		e.os_rx = e.os_tx;
		s.os = e.os_rx;
	} else {
		e.tx = kasync_chan_new(sizeof(void *), 1, kc_drop_ptr,
				       GFP_KERNEL);
		KUNIT_ASSERT_FALSE(test, IS_ERR(e.tx));
		e.rx = e.tx;
		s.ch = e.rx;
	}
	if (c->op == KC_SEND) {
		filler = kc_item_new();
		KUNIT_ASSERT_NOT_NULL(test, filler);
		KUNIT_ASSERT_EQ(test, kasync_chan_try_send(e.tx, &filler), 0);
		s.buf = kc_item_new();
		KUNIT_ASSERT_NOT_NULL(test, s.buf);
		KUNIT_ASSERT_EQ(test, kasync_chan_sender_clone(e.tx), 0);
	}
	h = kasync_spawn(rt, &kc_canceller_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_ASSERT_TRUE(test, kt_wait_for(atomic_read(&pending) == 1, 5000));
	if (c->op == KC_SEND)
		KUNIT_EXPECT_EQ(test, kc_info(test, e.rx).send_waiters, 1U);
	else if (c->op == KC_RECV)
		KUNIT_EXPECT_TRUE(test, kc_info(test, e.rx).rx_waiting);
	if (c->op == KC_SEND && c->when == KC_WOKEN) {
		/* Queued behind the task: the granted slot must reach it. */
		e.s2 = kc_spawn_ptr_prod(test, NULL, e.tx);
		KUNIT_ASSERT_TRUE(test, kt_wait_for(kc_info(test, e.rx).send_waiters
						    == 2, 5000));
	}

	if (c->when == KC_REWOKEN) {
		kasync_wake(h);
		KUNIT_ASSERT_TRUE(test, kt_wait_for(atomic_read(&pending) == 2,
						    5000));
	} else if (c->when == KC_WOKEN || c->when == KC_ENDED) {
		/* Keep h's runtime busy so that h cannot take its wake. */
		bh = kasync_spawn(rt, &kt_blocker_ops, &blk, sizeof(blk),
				  GFP_KERNEL);
		KUNIT_ASSERT_FALSE(test, IS_ERR(bh));
		KUNIT_ASSERT_TRUE(test, kt_wait_for(atomic_read(&in_poll), 5000));
		kc_cancel_wake(test, c, &e);
	}
	KUNIT_EXPECT_EQ(test, kasync_abort(h), 0);
	atomic_set(&release, 1);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-ECANCELED);
	if (bh)
		KUNIT_EXPECT_EQ(test, kasync_join(&bh), 0L);
	KUNIT_EXPECT_EQ(test, armed_at_drop, 0);
	/* The woken task was never polled again: the abort came first. */
	KUNIT_EXPECT_EQ(test, atomic_read(&pending),
			c->when == KC_REWOKEN ? 2 : 1);
	kc_cancel_check(test, c, &e);
	kasync_rt_destroy(rt);
}

/* ---- lost-wake stress ------------------------------------------------------- */

/*
 * For 1.5 s, two producer tasks spawned on the other CPU and a kthread
 * bound to it (send_wait) push sequence numbers through a channel of two
 * slots to a task on this CPU: every send and receive blocks and wakes
 * across CPUs.  A lost wake leaves someone blocked for good, which the
 * joins with a timeout catch; the receiver must see every item, in each
 * producer's order.
 */
static void kc_lost_wake_stress(struct kunit *test)
{
	struct kasync_chan *tx = kasync_chan_new(sizeof(u64), 2, NULL,
						 GFP_KERNEL);
	struct kc_thread kt = { .id = 2 };
	atomic_t stop = ATOMIC_INIT(0);
	struct kc_seen seen = {};
	struct kasync_task *p[2], *c;
	unsigned int cpu, here, i;
	long sent[2], total = 0;
	bool done;

	KUNIT_ASSERT_FALSE(test, IS_ERR(tx));
	here = raw_smp_processor_id();
	cpu = kt_other_cpu(here);
	c = kc_spawn_cons(test, here, tx, true, &seen, NULL, 0);
	for (i = 0; i < 2; i++)
		p[i] = kc_spawn_prod(test, cpu, tx, i, 0, &stop);
	kt.stop = &stop;
	kc_thread_start(test, &kt, tx, cpu);
	kasync_chan_sender_drop(&tx);

	msleep(1500);
	atomic_set(&stop, 1);
	for (i = 0; i < 2; i++) {
		sent[i] = kc_join(test, &p[i]);
		KUNIT_EXPECT_GT(test, sent[i], 0L);
		total += sent[i];
	}
	done = wait_for_completion_timeout(&kt.done, KC_JOIN_TIMEOUT);
	KUNIT_EXPECT_TRUE(test, done);
	/* If the thread is stuck, aborting the receiver releases it. */
	KUNIT_EXPECT_EQ(test, kc_join(test, &c), total + (done ? kt.sent : 0));
	wait_for_completion(&kt.done);
	kthread_stop(kt.k);
	put_task_struct(kt.k);
	KUNIT_EXPECT_EQ(test, kt.err, 0);
	KUNIT_EXPECT_GT(test, kt.sent, 0L);
	KUNIT_EXPECT_EQ(test, seen.bad, 0L);
	KUNIT_EXPECT_EQ(test, seen.err, -EPIPE);
	for (i = 0; i < 2; i++)
		KUNIT_EXPECT_EQ(test, (long)seen.next[i], sent[i]);
	KUNIT_EXPECT_EQ(test, (long)seen.next[2], kt.sent);
	kunit_info(test, "items: %ld + %ld by tasks, %ld by a kthread on CPU %u\n",
		   sent[0], sent[1], kt.sent, cpu);
}

/* ---- the result convention ------------------------------------------------ */

/* Receives twice into res, watched (kt_res_watch()); borrows the receiver. */
struct kc_res {
	struct kasync_co co;
	struct kasync_chan_wait w;
	struct kasync_chan *rx;
	struct kt_res_log *log;
	u64 item;
	long res;
};

static enum kasync_poll kc_res_poll(struct kasync_task *t, void *p)
{
	struct kc_res *s = p;

	KASYNC_BEGIN(&s->co);
	s->res = KT_RES_UNSET;
	KASYNC_AWAIT(&s->co, kt_res_watch(kasync_chan_recv(t, s->rx, &s->w,
							   &s->item, &s->res),
					  &s->res, s->log, 0));
	s->log->res[0] = s->res;
	s->res = KT_RES_UNSET;
	KASYNC_AWAIT(&s->co, kt_res_watch(kasync_chan_recv(t, s->rx, &s->w,
							   &s->item, &s->res),
					  &s->res, s->log, 1));
	s->log->res[1] = s->res;
	KASYNC_RETURN(&s->co, t, s->item);
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops kc_res_ops = {
	.poll = kc_res_poll,
};

/*
 * A receive writes its res only when it finishes: untouched while it
 * waits, 0 with an item, -EPIPE once every sender is gone.
 */
static void kc_res_convention(struct kunit *test)
{
	struct kt_res_log log = {};
	struct kc_res s = { .log = &log };
	struct kasync_chan *ch, *tx;
	struct kasync_task *h;
	u64 item = 42;

	ch = kasync_chan_new(sizeof(u64), 1, NULL, GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ch));
	s.rx = ch;
	h = kasync_spawn(NULL, &kc_res_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_EXPECT_TRUE(test, kt_res_pending(&log, 0));
	KUNIT_EXPECT_TRUE(test, kt_res_spurious(h, &log, 0));
	KUNIT_EXPECT_EQ(test, kasync_chan_try_send(ch, &item), 0);
	KUNIT_EXPECT_TRUE(test, kt_res_pending(&log, 1));
	tx = ch;
	kasync_chan_sender_drop(&tx);	/* the end of the stream */
	KUNIT_EXPECT_EQ(test, kc_join(test, &h), 42L);
	KUNIT_EXPECT_EQ(test, log.res[0], 0L);
	KUNIT_EXPECT_EQ(test, log.res[1], (long)-EPIPE);
	KUNIT_EXPECT_EQ(test, atomic_read(&log.touched), 0);
	kasync_chan_rx_drop(&ch);
}

static struct kunit_case kasync_chan_cases[] = {
	KUNIT_CASE(kc_fifo_one_producer),
	KUNIT_CASE(kc_many_producers),
	KUNIT_CASE(kc_grant_fifo),
	KUNIT_CASE_PARAM(kc_backpressure, kc_cap_gen_params),
	KUNIT_CASE_SLOW(kc_irq_producers),
	KUNIT_CASE(kc_kthread_send_wait),
	KUNIT_CASE(kc_send_wait_signal),
	KUNIT_CASE(kc_end_of_stream),
	KUNIT_CASE(kc_rx_drop),
	KUNIT_CASE(kc_oneshot_send_recv),
	KUNIT_CASE(kc_oneshot_sender_dropped),
	KUNIT_CASE(kc_oneshot_rx_dropped),
	KUNIT_CASE(kc_misuse),
	KUNIT_CASE_PARAM(kc_cancel_every_await, kc_cancel_gen_params),
	KUNIT_CASE_SLOW(kc_lost_wake_stress),
	KUNIT_CASE(kc_res_convention),
	{}
};

static struct kunit_suite kasync_chan_suite = {
	.name = "kasync_chan",
	.init = kc_init,
	.exit = kc_exit,
	.test_cases = kasync_chan_cases,
};

kunit_test_suite(kasync_chan_suite);

MODULE_DESCRIPTION("KUnit tests for kasync channels and oneshots");
MODULE_LICENSE("GPL");
