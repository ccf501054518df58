// SPDX-License-Identifier: GPL-2.0
/*
 * Documentation/primitives.rst's channel examples, compiled by the build.
 *
 * Loading the module runs every example (spawn, join) and fails with -EIO
 * if one does not behave as the document says; nothing is left running,
 * so it unloads at once.
 */
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/hrtimer.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <kasync.h>

/* ex-chan-tasks-begin */
/* Sends 1..n; owns a sender reference, released by its drop callback. */
struct producer {
	struct kasync_co co;
	struct kasync_chan_wait w;
	struct kasync_chan *tx;
	u32 next;
	u32 n;
	long res;
};

static enum kasync_poll producer_poll(struct kasync_task *t, void *p)
{
	struct producer *s = p;

	KASYNC_BEGIN(&s->co);
	for (s->next = 1; s->next <= s->n; s->next++) {
		/* Waits while the channel is full (backpressure). */
		KASYNC_AWAIT(&s->co, kasync_chan_send(t, s->tx, &s->w, &s->next,
						      &s->res));
		if (s->res)	/* -EPIPE: the receiver is gone */
			break;
	}
	KASYNC_RETURN(&s->co, t, s->res);
	KASYNC_END(&s->co);
}

/* Runs however the task ended, also when aborted at the await. */
static void producer_drop(void *p)
{
	struct producer *s = p;

	kasync_chan_sender_drop(&s->tx);
}

static const struct kasync_task_ops producer_ops = {
	.poll = producer_poll,
	.drop = producer_drop,
};

/* Sums what it receives (at most limit items, if set); owns the receiver. */
struct consumer {
	struct kasync_co co;
	struct kasync_chan_wait w;
	struct kasync_chan *rx;
	u32 item;
	u32 count;
	u32 limit;
	long sum;
	long res;
};

static enum kasync_poll consumer_poll(struct kasync_task *t, void *p)
{
	struct consumer *s = p;

	KASYNC_BEGIN(&s->co);
	while (!s->limit || s->count < s->limit) {
		KASYNC_AWAIT(&s->co, kasync_chan_recv(t, s->rx, &s->w, &s->item,
						      &s->res));
		if (s->res)	/* -EPIPE: drained, and every sender is gone */
			break;
		s->sum += s->item;
		s->count++;
	}
	KASYNC_RETURN(&s->co, t, s->sum);
	KASYNC_END(&s->co);
}

static void consumer_drop(void *p)
{
	struct consumer *s = p;

	/* Senders get -EPIPE from now on; nothing is left buffered here. */
	kasync_chan_rx_drop(&s->rx);
}

static const struct kasync_task_ops consumer_ops = {
	.poll = consumer_poll,
	.drop = consumer_drop,
};

/* Two producers, one consumer: returns what the consumer summed. */
static long chan_pipeline(void)
{
	struct kasync_task *c, *p[2] = {};
	struct producer ps = { .n = 100 };
	struct consumer cs = {};
	struct kasync_chan *tx;
	int i;

	tx = kasync_chan_new(sizeof(u32), 4, NULL, GFP_KERNEL);
	if (IS_ERR(tx))
		return PTR_ERR(tx);
	cs.rx = tx;		/* the consumer takes the receiver */
	c = kasync_spawn(NULL, &consumer_ops, &cs, sizeof(cs), GFP_KERNEL);
	if (IS_ERR(c)) {
		kasync_chan_rx_drop(&cs.rx);
		kasync_chan_sender_drop(&tx);
		return PTR_ERR(c);
	}
	for (i = 0; i < 2; i++) {
		if (kasync_chan_sender_clone(tx))
			break;
		ps.tx = tx;	/* each producer takes a sender of its own */
		p[i] = kasync_spawn(NULL, &producer_ops, &ps, sizeof(ps),
				    GFP_KERNEL);
		if (IS_ERR(p[i])) {
			kasync_chan_sender_drop(&ps.tx);
			p[i] = NULL;
			break;
		}
	}
	/* Ours goes now: the stream ends when both producers are done. */
	kasync_chan_sender_drop(&tx);
	for (i = 0; i < 2; i++)
		if (p[i])
			kasync_join(&p[i]);
	return kasync_join(&c);
}

/* ex-chan-tasks-end */

/* ex-chan-thread-begin */
/* A thread feeds 1..n to a task; sleeps while the channel is full. */
static int feed_from_thread(struct kasync_chan *tx, u32 n)
{
	u32 i;
	int err;

	for (i = 1; i <= n; i++) {
		err = kasync_chan_send_wait(tx, &i);
		if (err)	/* -EPIPE, or -ERESTARTSYS on a signal */
			return err;
	}
	return 0;
}

/* ex-chan-thread-end */

static long chan_thread(void)
{
	struct consumer cs = {};
	struct kasync_chan *tx;
	struct kasync_task *c;
	long sum;
	int err;

	tx = kasync_chan_new(sizeof(u32), 2, NULL, GFP_KERNEL);
	if (IS_ERR(tx))
		return PTR_ERR(tx);
	cs.rx = tx;
	c = kasync_spawn(NULL, &consumer_ops, &cs, sizeof(cs), GFP_KERNEL);
	if (IS_ERR(c)) {
		kasync_chan_rx_drop(&cs.rx);
		kasync_chan_sender_drop(&tx);
		return PTR_ERR(c);
	}
	err = feed_from_thread(tx, 100);
	kasync_chan_sender_drop(&tx);
	sum = kasync_join(&c);
	return err ?: sum;
}

/* ex-chan-irq-begin */
/* An hrtimer (hard IRQ) sends its tick count every millisecond. */
struct ticker {
	struct hrtimer timer;
	struct kasync_chan *tx;	/* kept until hrtimer_cancel() returned */
	u32 ticks;
	u32 full;		/* ticks lost because the channel was full */
	bool receiver_gone;
};

static enum hrtimer_restart ticker_fn(struct hrtimer *timer)
{
	struct ticker *tk = container_of(timer, struct ticker, timer);
	int err;

	tk->ticks++;
	err = kasync_chan_try_send(tk->tx, &tk->ticks);
	if (err == -EAGAIN) {
		tk->full++;
	} else if (err) {	/* -EPIPE: nobody listens, stop ticking */
		WRITE_ONCE(tk->receiver_gone, true);
		return HRTIMER_NORESTART;
	}
	hrtimer_forward_now(timer, ms_to_ktime(1));
	return HRTIMER_RESTART;
}

/* ex-chan-irq-end */

/* A consumer takes 20 ticks and ends; the ticker then stops by itself. */
static long chan_irq(void)
{
	struct consumer cs = { .limit = 20 };
	struct kasync_task *c;
	struct ticker *tk;
	long ret = 0;
	int i;

	tk = kzalloc(sizeof(*tk), GFP_KERNEL);
	if (!tk)
		return -ENOMEM;
	tk->tx = kasync_chan_new(sizeof(u32), 4, NULL, GFP_KERNEL);
	if (IS_ERR(tk->tx)) {
		ret = PTR_ERR(tk->tx);
		goto free_tk;
	}
	cs.rx = tk->tx;
	c = kasync_spawn(NULL, &consumer_ops, &cs, sizeof(cs), GFP_KERNEL);
	if (IS_ERR(c)) {
		kasync_chan_rx_drop(&cs.rx);
		ret = PTR_ERR(c);
		goto drop_tx;
	}
	hrtimer_init(&tk->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	tk->timer.function = ticker_fn;
	hrtimer_start(&tk->timer, ms_to_ktime(1), HRTIMER_MODE_REL_HARD);
	/* 20 increasing tick numbers sum to at least 1 + 2 + ... + 20. */
	if (kasync_join(&c) < 210)
		ret = -EIO;
	for (i = 0; i < 1000 && !READ_ONCE(tk->receiver_gone); i++)
		usleep_range(1000, 2000);
	if (!READ_ONCE(tk->receiver_gone))
		ret = -EIO;
	hrtimer_cancel(&tk->timer);
drop_tx:
	kasync_chan_sender_drop(&tk->tx);
free_tk:
	kfree(tk);
	return ret;
}

/* ex-oneshot-begin */
/* Replies with the square of x over a oneshot; owns its sender. */
struct squarer {
	struct kasync_oneshot *tx;
	u64 x;
};

static enum kasync_poll squarer_poll(struct kasync_task *t, void *p)
{
	struct squarer *s = p;
	u64 y = s->x * s->x;

	/* Never blocks; consumes the sender (s->tx becomes NULL). */
	kasync_set_result(t, kasync_oneshot_send(&s->tx, &y));
	return KASYNC_READY;
}

static void squarer_drop(void *p)
{
	struct squarer *s = p;

	if (s->tx)	/* ended without replying: the asker gets -EPIPE */
		kasync_oneshot_sender_drop(&s->tx);
}

static const struct kasync_task_ops squarer_ops = {
	.poll = squarer_poll,
	.drop = squarer_drop,
};

/* Awaits the reply; owns the receiver. */
struct asker {
	struct kasync_co co;
	struct kasync_chan_wait w;
	struct kasync_oneshot *rx;
	u64 answer;
	long res;
};

static enum kasync_poll asker_poll(struct kasync_task *t, void *p)
{
	struct asker *s = p;

	KASYNC_BEGIN(&s->co);
	KASYNC_AWAIT(&s->co, kasync_oneshot_recv(t, s->rx, &s->w, &s->answer,
						 &s->res));
	KASYNC_RETURN(&s->co, t, s->res ?: (long)s->answer);
	KASYNC_END(&s->co);
}

static void asker_drop(void *p)
{
	struct asker *s = p;

	kasync_oneshot_rx_drop(&s->rx);
}

static const struct kasync_task_ops asker_ops = {
	.poll = asker_poll,
	.drop = asker_drop,
};

/* ex-oneshot-end */

/* Asks a squarer task for 12 * 12, or (@x == 0) gets no reply at all. */
static long oneshot_ask(u64 x)
{
	struct asker as = {};
	struct squarer sq = { .x = x };
	struct kasync_oneshot *os;
	struct kasync_task *a, *s;

	os = kasync_oneshot_new(sizeof(u64), NULL, GFP_KERNEL);
	if (IS_ERR(os))
		return PTR_ERR(os);
	as.rx = os;
	sq.tx = os;
	a = kasync_spawn(NULL, &asker_ops, &as, sizeof(as), GFP_KERNEL);
	if (IS_ERR(a)) {
		kasync_oneshot_rx_drop(&as.rx);
		kasync_oneshot_sender_drop(&sq.tx);
		return PTR_ERR(a);
	}
	if (!x) {
		kasync_oneshot_sender_drop(&sq.tx);
		return kasync_join(&a);
	}
	s = kasync_spawn(NULL, &squarer_ops, &sq, sizeof(sq), GFP_KERNEL);
	if (IS_ERR(s))
		kasync_oneshot_sender_drop(&sq.tx);
	else
		kasync_join(&s);
	return kasync_join(&a);
}

static int __init ex_chan_init(void)
{
	long r;

	r = chan_pipeline();
	if (r != 2 * 5050) {
		pr_err("ex_chan: the pipeline summed %ld, not 10100\n", r);
		return -EIO;
	}
	r = chan_thread();
	if (r != 5050) {
		pr_err("ex_chan: the thread's items summed %ld, not 5050\n", r);
		return -EIO;
	}
	r = chan_irq();
	if (r) {
		pr_err("ex_chan: the IRQ ticker example failed: %ld\n", r);
		return -EIO;
	}
	r = oneshot_ask(12);
	if (r != 144) {
		pr_err("ex_chan: the oneshot replied %ld, not 144\n", r);
		return -EIO;
	}
	r = oneshot_ask(0);
	if (r != -EPIPE) {
		pr_err("ex_chan: an unused oneshot gave %ld, not -EPIPE\n", r);
		return -EIO;
	}
	pr_info("ex_chan: every example behaved as documented\n");
	return 0;
}

static void __exit ex_chan_exit(void)
{
}

module_init(ex_chan_init);
module_exit(ex_chan_exit);

MODULE_DESCRIPTION("kasync: chan examples from Documentation/primitives.rst");
MODULE_LICENSE("GPL");
