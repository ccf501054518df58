// SPDX-License-Identifier: GPL-2.0
/*
 * kasync_bench: tokio's scheduler workloads and kasync's primitives on
 * kasync, compared by scripts/bench with kasync_baseline_bench
 * (workqueues, kthreads, kfifo, struct mutex, the slab floor) and with
 * tokio itself, in the same VM boot.
 *
 * ======================  =============  ==================================
 * benchmark               variant        one operation
 * ======================  =============  ==================================
 * spawn_many              kasync         a no-op task spawned from inside a
 *                                        task and joined by it (10,000)
 * spawn_many              kasync_remote  the same, spawned and joined from
 *                                        process context (10,000)
 * chained_spawn           kasync         one link of a chain of 1,000 tasks,
 *                                        each spawning the next
 * ping_pong               kasync         one round trip between a task and
 *                                        the task it spawned (1,000 pairs)
 * yield_many              kasync         one KASYNC_YIELD (200 tasks x
 *                                        1,000)
 * memory                  kasync         slab growth per task parked on
 *                                        nothing (100,000 tasks), bytes
 * chan_1p                 kasync         one u64 through a kasync channel
 *                                        of 128 from one producer task to
 *                                        a consumer task (100,000)
 * chan_mp                 kasync         the same with 4 producer tasks
 * mutex_handoff           kasync         one lock/unlock of a kasync_mutex
 *                                        contended by 4 tasks (10,000
 *                                        each)
 * sleepers                kasync         sleepers= tasks (100,000) in
 *                                        kasync_sleep_until() one
 *                                        deadline; rows sleep_memory,
 *                                        sleep_start, sleep_finish (per
 *                                        sleeper, see kbench.h)
 * wake_latency            kasync         wake_up() to the next poll of a
 *                                        task in kasync_wait_event(), for
 *                                        10,000 wakes; rows
 *                                        wake_latency_p50 and _p99 (ns)
 * ======================  =============  ==================================
 *
 * Everything runs from module init on the default runtime and is freed
 * before init returns.  Parameters (runs=, bench=) and output ("kbench
 * <benchmark> <variant> <run> <value>") are described in kbench.h.
 */

#include <linux/completion.h>
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/vmstat.h>

#include <kasync.h>

#include "kbench.h"

#define KB_SPAWN_TASKS		10000
#define KB_CHAIN_LINKS		1000
#define KB_PING_PAIRS		1000
#define KB_YIELD_TASKS		200
#define KB_YIELDS		1000
#define KB_IDLE_TASKS		100000

/* ---- spawn_many --------------------------------------------------------- */

static enum kasync_poll kb_noop_poll(struct kasync_task *t, void *p)
{
	return KASYNC_READY;
}

static const struct kasync_task_ops kb_noop_ops = { .poll = kb_noop_poll };

struct kb_spawner {
	struct kasync_co co;
	struct kasync_task **hs;
	unsigned int n;
	unsigned int i;
	long res;
	int err;
};

static enum kasync_poll kb_spawner_poll(struct kasync_task *t, void *p)
{
	struct kb_spawner *s = p;

	KASYNC_BEGIN(&s->co);
	for (s->n = 0; s->n < KB_SPAWN_TASKS; s->n++) {
		s->hs[s->n] = kasync_spawn(NULL, &kb_noop_ops, NULL, 0,
					   GFP_KERNEL);
		if (IS_ERR(s->hs[s->n])) {
			s->err = PTR_ERR(s->hs[s->n]);
			break;
		}
	}
	for (s->i = 0; s->i < s->n; s->i++)
		KASYNC_AWAIT(&s->co, kasync_join_poll(t, &s->hs[s->i], &s->res));
	KASYNC_RETURN(&s->co, t, s->err);
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops kb_spawner_ops = { .poll = kb_spawner_poll };

static int kb_spawn_local(u64 *val)
{
	struct kb_spawner s = {};
	struct kasync_task *h;
	long err;
	u64 t0;

	s.hs = kvmalloc_array(KB_SPAWN_TASKS, sizeof(*s.hs), GFP_KERNEL);
	if (!s.hs)
		return -ENOMEM;
	t0 = ktime_get_ns();
	h = kasync_spawn(NULL, &kb_spawner_ops, &s, sizeof(s), GFP_KERNEL);
	err = IS_ERR(h) ? PTR_ERR(h) : kasync_join(&h);
	*val = ktime_get_ns() - t0;
	kvfree(s.hs);
	return err;
}

static int kb_spawn_remote(u64 *val)
{
	struct kasync_task **hs;
	unsigned int i, n;
	int err = 0;
	u64 t0;

	hs = kvmalloc_array(KB_SPAWN_TASKS, sizeof(*hs), GFP_KERNEL);
	if (!hs)
		return -ENOMEM;
	t0 = ktime_get_ns();
	for (n = 0; n < KB_SPAWN_TASKS; n++) {
		hs[n] = kasync_spawn(NULL, &kb_noop_ops, NULL, 0, GFP_KERNEL);
		if (IS_ERR(hs[n])) {
			err = PTR_ERR(hs[n]);
			break;
		}
	}
	for (i = 0; i < n; i++)
		kasync_join(&hs[i]);
	*val = ktime_get_ns() - t0;
	kvfree(hs);
	return err;
}

/* ---- chained_spawn ------------------------------------------------------ */

struct kb_link {
	struct kb_group *g;
	unsigned int left;
};

static const struct kasync_task_ops kb_link_ops;

static enum kasync_poll kb_link_poll(struct kasync_task *t, void *p)
{
	struct kb_link *l = p;
	struct kb_link next = { .g = l->g, .left = l->left - 1 };
	struct kasync_task *h;

	if (!next.left) {
		kb_group_put(l->g);
		return KASYNC_READY;
	}
	h = kasync_spawn(NULL, &kb_link_ops, &next, sizeof(next), GFP_KERNEL);
	if (IS_ERR(h)) {
		kb_group_fail(l->g, PTR_ERR(h));
		kb_group_put(l->g);
		return KASYNC_READY;
	}
	kasync_detach(&h);
	return KASYNC_READY;
}

static const struct kasync_task_ops kb_link_ops = { .poll = kb_link_poll };

static int kb_chain(u64 *val)
{
	struct kb_link l;
	struct kasync_task *h;
	struct kb_group g;
	int err;
	u64 t0;

	kb_group_init(&g);
	l.g = &g;
	l.left = KB_CHAIN_LINKS;
	t0 = ktime_get_ns();
	/* the chain's last link puts this reference */
	kb_group_get(&g);
	h = kasync_spawn(NULL, &kb_link_ops, &l, sizeof(l), GFP_KERNEL);
	if (IS_ERR(h))
		return PTR_ERR(h);
	kasync_detach(&h);
	err = kb_group_join(&g);
	*val = ktime_get_ns() - t0;
	return err;
}

/* ---- ping_pong ---------------------------------------------------------- */

/*
 * A pinger spawns a ponger, sends it a ping and awaits the pong; the ponger
 * awaits the ping and answers.  Each side publishes its flag with a release
 * store before waking the other, which reads it with an acquire load.
 */
struct kb_pair {
	struct kasync_task *pinger;
	struct kasync_task *ponger;
	int ping;
	int pong;
};

/* Has the ponger answered?  Its kasync_wake() is the waker: say so. */
static enum kasync_poll kb_ponged(struct kasync_task *t, struct kb_pair *pr)
{
	/* pairs with the release of @pong in kb_pong_poll() */
	if (smp_load_acquire(&pr->pong))
		return KASYNC_READY;
	kasync_task_waits(t, KASYNC_WAIT_OTHER);
	return KASYNC_PENDING;
}

static enum kasync_poll kb_pong_poll(struct kasync_task *t, void *p)
{
	struct kb_pair *pr = *(struct kb_pair **)p;

	/* pairs with the release of @ping in kb_ping_poll() */
	if (!smp_load_acquire(&pr->ping)) {
		/* kb_ping_poll() wakes it. */
		kasync_task_waits(t, KASYNC_WAIT_OTHER);
		return KASYNC_PENDING;
	}
	/* pairs with the acquire of @pong in kb_ping_poll() */
	smp_store_release(&pr->pong, 1);
	kasync_wake(pr->pinger);
	return KASYNC_READY;
}

static const struct kasync_task_ops kb_pong_ops = { .poll = kb_pong_poll };

struct kb_pinger {
	struct kasync_co co;
	struct kb_group *g;
	struct kb_pair pair;
	struct kb_pair *pp;
	long res;
};

static enum kasync_poll kb_ping_poll(struct kasync_task *t, void *p)
{
	struct kb_pinger *s = p;

	KASYNC_BEGIN(&s->co);
	s->pp = &s->pair;
	s->pair.pinger = t;
	s->pair.ponger = kasync_spawn(NULL, &kb_pong_ops, &s->pp,
				      sizeof(s->pp), GFP_KERNEL);
	if (IS_ERR(s->pair.ponger)) {
		kb_group_fail(s->g, PTR_ERR(s->pair.ponger));
		kb_group_put(s->g);
		KASYNC_RETURN(&s->co, t, 0);
	}
	/* pairs with the acquire of @ping in kb_pong_poll() */
	smp_store_release(&s->pair.ping, 1);
	kasync_wake(s->pair.ponger);
	/* pairs with the release of @pong in kb_pong_poll() */
	KASYNC_AWAIT(&s->co, kb_ponged(t, &s->pair));
	/* the ponger is done or about to be: reap it */
	KASYNC_AWAIT(&s->co, kasync_join_poll(t, &s->pair.ponger, &s->res));
	kb_group_put(s->g);
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops kb_ping_ops = { .poll = kb_ping_poll };

static int kb_ping_pong(u64 *val)
{
	struct kb_pinger s = {};
	struct kasync_task *h;
	struct kb_group g;
	unsigned int i;
	int err;
	u64 t0;

	kb_group_init(&g);
	s.g = &g;
	t0 = ktime_get_ns();
	for (i = 0; i < KB_PING_PAIRS; i++) {
		/* the pinger puts this reference when its round trip ends */
		kb_group_get(&g);
		h = kasync_spawn(NULL, &kb_ping_ops, &s, sizeof(s), GFP_KERNEL);
		if (IS_ERR(h)) {
			kb_group_fail(&g, PTR_ERR(h));
			kb_group_put(&g);
			break;
		}
		kasync_detach(&h);
	}
	err = kb_group_join(&g);
	*val = ktime_get_ns() - t0;
	return err;
}

/* ---- yield_many --------------------------------------------------------- */

struct kb_yielder {
	struct kasync_co co;
	unsigned int left;
};

static enum kasync_poll kb_yield_poll(struct kasync_task *t, void *p)
{
	struct kb_yielder *y = p;

	KASYNC_BEGIN(&y->co);
	for (y->left = KB_YIELDS; y->left; y->left--)
		KASYNC_YIELD(&y->co);
	KASYNC_END(&y->co);
}

static const struct kasync_task_ops kb_yield_ops = { .poll = kb_yield_poll };

static int kb_yield_many(u64 *val)
{
	struct kasync_task *hs[KB_YIELD_TASKS];
	unsigned int i, n;
	int err = 0;
	u64 t0;

	t0 = ktime_get_ns();
	for (n = 0; n < KB_YIELD_TASKS; n++) {
		hs[n] = kasync_spawn(NULL, &kb_yield_ops, NULL,
				     sizeof(struct kb_yielder), GFP_KERNEL);
		if (IS_ERR(hs[n])) {
			err = PTR_ERR(hs[n]);
			break;
		}
	}
	for (i = 0; i < n; i++)
		kasync_join(&hs[i]);
	*val = ktime_get_ns() - t0;
	return err;
}

/* ---- memory per idle task ---------------------------------------------- */

static enum kasync_poll kb_idle_poll(struct kasync_task *t, void *p)
{
	/* Woken, or aborted, by its spawner. */
	kasync_task_waits(t, KASYNC_WAIT_OTHER);
	return KASYNC_PENDING;		/* nobody will wake it: aborted later */
}

static const struct kasync_task_ops kb_idle_ops = { .poll = kb_idle_poll };

static unsigned long kb_slab_bytes(void)
{
	return (global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B) +
		global_node_page_state_pages(NR_SLAB_RECLAIMABLE_B)) << PAGE_SHIFT;
}

static int kb_memory(u64 *val)
{
	struct kasync_task **hs;
	unsigned long before, after;
	unsigned int i, n;
	u64 state = 0;
	int err = 0;

	hs = kvmalloc_array(KB_IDLE_TASKS, sizeof(*hs), GFP_KERNEL);
	if (!hs)
		return -ENOMEM;
	before = kb_slab_bytes();
	for (n = 0; n < KB_IDLE_TASKS; n++) {
		/* an 8-byte state: the smallest useful task */
		hs[n] = kasync_spawn(NULL, &kb_idle_ops, &state, sizeof(state),
				     GFP_KERNEL);
		if (IS_ERR(hs[n])) {
			err = PTR_ERR(hs[n]);
			break;
		}
	}
	after = kb_slab_bytes();
	*val = after > before ? after - before : 0;
	for (i = 0; i < n; i++)
		kasync_abort(hs[i]);
	for (i = 0; i < n; i++)
		kasync_join(&hs[i]);
	kvfree(hs);
	return err;
}

/* ---- chan_1p, chan_mp: a kasync channel between tasks ----------------- */

/*
 * One consumer task and 1 or %KB_CHAN_PRODUCERS producer tasks share a
 * kasync channel of %KB_CHAN_CAP u64 items, as the kthreads share their
 * kfifo; the figure is the time from the first spawn to the consumer's
 * last item, checked by the count and the sum of the values.  Each task
 * owns its channel reference and releases it in its drop callback if it
 * ends early (kasync_chan_*_drop() set the pointer to NULL).
 */
struct kb_chan_res {
	unsigned int got;		/* the consumer's, read after its join */
	u64 sum;
	u64 end_ns;			/* when the last item arrived */
};

struct kb_producer {
	struct kasync_co co;
	struct kasync_chan_wait w;
	struct kasync_chan *tx;		/* a sender reference */
	unsigned int n;			/* items to send: 0..n-1 */
	u64 item;
	long err;
};

static enum kasync_poll kb_producer_poll(struct kasync_task *t, void *p)
{
	struct kb_producer *s = p;

	KASYNC_BEGIN(&s->co);
	for (s->item = 0; s->item < s->n; s->item++) {
		KASYNC_AWAIT(&s->co, kasync_chan_send(t, s->tx, &s->w, &s->item,
						      &s->err));
		if (s->err)
			KASYNC_RETURN(&s->co, t, s->err);
	}
	/* this sender's end of the stream, as soon as it is done */
	kasync_chan_sender_drop(&s->tx);
	KASYNC_END(&s->co);
}

static void kb_producer_drop(void *p)
{
	struct kb_producer *s = p;

	if (s->tx)
		kasync_chan_sender_drop(&s->tx);
}

static const struct kasync_task_ops kb_producer_ops = {
	.poll = kb_producer_poll,
	.drop = kb_producer_drop,
};

struct kb_consumer {
	struct kasync_co co;
	struct kasync_chan_wait w;
	struct kasync_chan *rx;		/* the receiver */
	struct kb_chan_res *res;
	unsigned int total;
	unsigned int got;
	u64 sum;
	u64 item;
	long err;
};

static enum kasync_poll kb_consumer_poll(struct kasync_task *t, void *p)
{
	struct kb_consumer *s = p;

	KASYNC_BEGIN(&s->co);
	for (;;) {
		KASYNC_AWAIT(&s->co, kasync_chan_recv(t, s->rx, &s->w, &s->item,
						      &s->err));
		if (s->err)
			break;
		s->sum += s->item;
		if (++s->got == s->total)
			s->res->end_ns = ktime_get_ns();
	}
	/* published to the joiner by the task's completion (ordering rule 4) */
	s->res->got = s->got;
	s->res->sum = s->sum;
	kasync_chan_rx_drop(&s->rx);
	/* every sender gone and the ring drained is the normal end */
	KASYNC_RETURN(&s->co, t, s->err == -EPIPE ? 0 : s->err);
	KASYNC_END(&s->co);
}

static void kb_consumer_drop(void *p)
{
	struct kb_consumer *s = p;

	if (s->rx)
		kasync_chan_rx_drop(&s->rx);
}

static const struct kasync_task_ops kb_consumer_ops = {
	.poll = kb_consumer_poll,
	.drop = kb_consumer_drop,
};

static int kb_chan(unsigned int producers, u64 *val)
{
	struct kasync_task *hs[1 + KB_CHAN_PRODUCERS];
	struct kasync_chan *tx, *rx, *clone;
	struct kb_producer pr = {};
	struct kb_consumer c = {};
	struct kb_chan_res res = {};
	unsigned int i, n;
	int err = 0;
	u64 t0, want;
	long r;

	tx = kasync_chan_new(sizeof(u64), KB_CHAN_CAP, NULL, GFP_KERNEL);
	if (IS_ERR(tx))
		return PTR_ERR(tx);
	rx = tx;			/* the same channel: the receiver */
	pr.n = KB_CHAN_MSGS / producers;
	c.total = pr.n * producers;
	c.res = &res;

	t0 = ktime_get_ns();
	c.rx = rx;
	hs[0] = kasync_spawn(NULL, &kb_consumer_ops, &c, sizeof(c), GFP_KERNEL);
	if (IS_ERR(hs[0])) {
		kasync_chan_rx_drop(&rx);
		kasync_chan_sender_drop(&tx);
		return PTR_ERR(hs[0]);
	}
	/* the consumer task owns the receiver now */
	for (n = 1; n <= producers; n++) {
		err = kasync_chan_sender_clone(tx);
		if (err)
			break;
		pr.tx = tx;
		hs[n] = kasync_spawn(NULL, &kb_producer_ops, &pr, sizeof(pr),
				     GFP_KERNEL);
		if (IS_ERR(hs[n])) {
			err = PTR_ERR(hs[n]);
			clone = tx;
			kasync_chan_sender_drop(&clone);
			break;
		}
	}
	/* the loader's own sender: the stream ends with the producers */
	kasync_chan_sender_drop(&tx);
	for (i = 0; i < n; i++) {
		r = kasync_join(&hs[i]);
		err = err ?: r;
	}
	*val = res.end_ns - t0;
	want = (u64)producers * pr.n * (pr.n - 1) / 2;
	if (!err && (res.got != c.total || res.sum != want)) {
		pr_err("kbench chan kasync: %u items, sum %llu; expected %u, %llu\n",
		       res.got, res.sum, c.total, want);
		err = -EIO;
	}
	return err;
}

static int kb_chan_1p(u64 *val)
{
	return kb_chan(1, val);
}

static int kb_chan_mp(u64 *val)
{
	return kb_chan(KB_CHAN_PRODUCERS, val);
}

/* ---- mutex_handoff: a kasync_mutex between tasks ---------------------- */

/*
 * %KB_MUTEX_TASKS tasks each take and release one kasync_mutex
 * %KB_MUTEX_ITERS times around an increment, as the kthreads do with a
 * struct mutex; checked by the count.  The critical section has no await,
 * so a task cannot be aborted while it holds the mutex and needs no drop
 * callback to unlock it.
 */
struct kb_kmutex {
	struct kasync_mutex lock;
	u64 count;			/* under @lock */
};

struct kb_locker {
	struct kasync_co co;
	struct kasync_sync_wait w;
	struct kb_kmutex *m;
	long res;
	unsigned int i;
};

static enum kasync_poll kb_locker_poll(struct kasync_task *t, void *p)
{
	struct kb_locker *s = p;

	KASYNC_BEGIN(&s->co);
	for (s->i = 0; s->i < KB_MUTEX_ITERS; s->i++) {
		KASYNC_AWAIT(&s->co, kasync_mutex_lock(t, &s->m->lock, &s->w,
						       &s->res));
		if (s->res)
			KASYNC_RETURN(&s->co, t, s->res);
		s->m->count++;
		kasync_mutex_unlock(&s->m->lock);
	}
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops kb_locker_ops = { .poll = kb_locker_poll };

static int kb_mutex(u64 *val)
{
	struct kasync_task *hs[KB_MUTEX_TASKS];
	struct kb_locker init = {};
	struct kb_kmutex m;
	unsigned int i, n;
	int err = 0;
	long res;
	u64 t0;

	kasync_mutex_init(&m.lock);
	m.count = 0;
	init.m = &m;
	t0 = ktime_get_ns();
	for (n = 0; n < KB_MUTEX_TASKS; n++) {
		hs[n] = kasync_spawn(NULL, &kb_locker_ops, &init, sizeof(init),
				     GFP_KERNEL);
		if (IS_ERR(hs[n])) {
			err = PTR_ERR(hs[n]);
			break;
		}
	}
	for (i = 0; i < n; i++) {
		res = kasync_join(&hs[i]);
		err = err ?: res;
	}
	*val = ktime_get_ns() - t0;
	if (!err && m.count != (u64)KB_MUTEX_TASKS * KB_MUTEX_ITERS) {
		pr_err("kbench mutex_handoff kasync: count %llu\n", m.count);
		err = -EIO;
	}
	return err;
}

/* ---- sleepers: tasks in kasync_sleep_until() -------------------------- */

struct kb_sleeper {
	struct kasync_co co;
	struct kasync_timer tm;
	struct kb_sleep *sh;
	bool counted;
};

/* kasync_sleep_until(), counting the sleeper in once its timer is armed */
static enum kasync_poll kb_sleep_step(struct kasync_task *t,
				      struct kb_sleeper *s)
{
	enum kasync_poll r;

	r = kasync_sleep_until(t, &s->tm, ns_to_ktime(s->sh->deadline_ns));
	if (!s->counted) {
		s->counted = true;
		kb_sleep_started(s->sh, r == KASYNC_READY);
	}
	return r;
}

static enum kasync_poll kb_sleeper_poll(struct kasync_task *t, void *p)
{
	struct kb_sleeper *s = p;

	KASYNC_BEGIN(&s->co);
	KASYNC_AWAIT(&s->co, kb_sleep_step(t, s));
	kb_sleep_woke(s->sh);
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops kb_sleeper_ops = {
	.poll = kb_sleeper_poll,
};

/*
 * sleepers= tasks, spawned from process context, each sleeping on its own
 * hrtimer until the common deadline, then joined one by one.  Memory is
 * the slab growth (kb_kernel_bytes(), as for the kthreads), which holds
 * the task and its state with the timer.
 */
static int kb_sleepers_once(struct kb_sleep *s, u64 prev_ns, u64 *vals)
{
	struct kb_sleeper init = {};
	struct kasync_task **hs;
	unsigned int i, n;
	u64 t0, started;
	int err = 0;
	s64 bytes;

	hs = kvmalloc_array(sleepers, sizeof(*hs), GFP_KERNEL);
	if (!hs)
		return -ENOMEM;
	/* the same start as the kthreads' (kasync frees without RCU) */
	rcu_barrier();
	bytes = -kb_kernel_bytes();
	t0 = ktime_get_ns();
	kb_sleep_init(s, t0, prev_ns);
	init.sh = s;
	for (n = 0; n < sleepers; n++) {
		kb_sleep_get(s);
		hs[n] = kasync_spawn(NULL, &kb_sleeper_ops, &init, sizeof(init),
				     GFP_KERNEL);
		if (IS_ERR(hs[n])) {
			err = PTR_ERR(hs[n]);
			kb_sleep_put(s);
			break;
		}
	}
	kb_sleep_wait_started(s);
	started = ktime_get_ns();
	bytes += kb_kernel_bytes();
	kb_sleep_wait_ended(s);
	for (i = 0; i < n; i++)
		kasync_join(&hs[i]);
	err = err ?: kb_sleep_report(s, n, bytes, t0, started, ktime_get_ns(),
				     vals);
	kvfree(hs);
	return err;
}

/* The previous run's start-up time, which sets this run's deadline. */
static u64 kb_sleep_prev_ns;

static int kb_sleepers(u64 *vals)
{
	return kb_sleepers_run("kasync", sleepers, &kb_sleep_prev_ns,
			       kb_sleepers_once, vals);
}

/* ---- wake_latency: wake_up() to the task's next poll ------------------- */

struct kb_waiter {
	struct kasync_co co;
	struct kasync_wait w;
	struct kb_lat *l;
	unsigned int i;
};

static enum kasync_poll kb_waiter_poll(struct kasync_task *t, void *p)
{
	u64 now = ktime_get_ns();	/* the first action of every poll */
	struct kb_waiter *s = p;

	KASYNC_BEGIN(&s->co);
	for (s->i = 0; s->i < KB_LAT_SAMPLES; s->i++) {
		KASYNC_AWAIT(&s->co, kasync_wait_event(t, &s->w, &s->l->wq,
						       kb_lat_ready(s->l, s->i)));
		/* @now is the start of the poll that saw the wake */
		if (!kb_lat_take(s->l, s->i, now))
			break;
	}
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops kb_waiter_ops = { .poll = kb_waiter_poll };

static int kb_lat(u64 *vals)
{
	struct kb_waiter init = {};
	struct kasync_task *h;
	struct kb_lat l;
	int err;

	err = kb_lat_init(&l);
	if (err)
		return err;
	init.l = &l;
	h = kasync_spawn(NULL, &kb_waiter_ops, &init, sizeof(init), GFP_KERNEL);
	if (IS_ERR(h)) {
		err = PTR_ERR(h);
		goto free;
	}
	err = kb_lat_drive(&l, "kasync", vals);
	/* a waiter that stopped answering was told to end; make sure */
	if (err)
		kasync_abort(h);
	kasync_join(&h);
free:
	kb_lat_free(&l);
	return err;
}

/* ---- driver ------------------------------------------------------------- */

static const struct kb_bench kb_benches[] = {
	{ "spawn_many", "kasync", KB_SPAWN_TASKS, kb_spawn_local },
	{ "spawn_many", "kasync_remote", KB_SPAWN_TASKS, kb_spawn_remote },
	{ "chained_spawn", "kasync", KB_CHAIN_LINKS, kb_chain },
	{ "ping_pong", "kasync", KB_PING_PAIRS, kb_ping_pong },
	{ "yield_many", "kasync", KB_YIELD_TASKS * KB_YIELDS, kb_yield_many },
	{ "memory", "kasync", KB_IDLE_TASKS, kb_memory },
	{ "chan_1p", "kasync", KB_CHAN_MSGS, kb_chan_1p },
	{ "chan_mp", "kasync", KB_CHAN_MSGS, kb_chan_mp },
	{ "mutex_handoff", "kasync", KB_MUTEX_TASKS * KB_MUTEX_ITERS, kb_mutex },
	{ "sleepers", "kasync", 0, kb_sleepers,
	  { "sleep_memory", "sleep_start", "sleep_finish" }, .nr = &sleepers },
	{ "wake_latency", "kasync", 1, kb_lat,
	  { "wake_latency_p50", "wake_latency_p99" } },
};

static int __init kasync_bench_init(void)
{
	return kb_main(kb_benches, ARRAY_SIZE(kb_benches));
}

/* Nothing to undo: init has freed everything before returning. */
static void __exit kasync_bench_exit(void)
{
}

module_init(kasync_bench_init);
module_exit(kasync_bench_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kasync benchmarks: tokio's scheduler workloads on kasync");
