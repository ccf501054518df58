// SPDX-License-Identifier: GPL-2.0
/*
 * kasync_baseline_bench: tokio's scheduler workloads done the way a kernel
 * developer would do them today, without kasync.  They are the baselines
 * that kasync's own benchmark module (kasync_bench.ko) is compared with.
 *
 * =============  =============  ==========================================
 * benchmark      variant        one operation
 * =============  =============  ==========================================
 * spawn_many     workqueue      a kmalloc'ed work item with a completion,
 *                               queued, then waited for and freed (10,000)
 * spawn_many     kthread        kthread_create() + wake_up_process() of a
 *                               thread that does nothing, then
 *                               kthread_stop() to reap it; only 1,000
 *                               threads per run, the figure is still ns
 *                               per task
 * spawn_many     floor          kmalloc, an indirect call and kfree: no
 *                               scheduling at all (10,000)
 * chained_spawn  workqueue      one link of a chain of 1,000 work items,
 *                               each allocating and queuing the next
 * ping_pong      workqueue      one round trip of a pair of work items: A
 *                               queues B, B queues A (1,000 pairs)
 * yield_many     workqueue      one re-queue of a work item by itself
 *                               (200 items x 1,000)
 * memory         kthread        bytes of slab and kernel stack per idle
 *                               kthread sleeping on a wait queue (1,000)
 * chan_1p        kfifo          one u64 through a kfifo of 128 under a
 *                               spinlock, with a wait queue per side: one
 *                               producer kthread, one consumer kthread
 *                               (100,000 messages)
 * chan_mp        kfifo          the same with 4 producer kthreads
 * mutex_handoff  kthread        one lock/unlock of a struct mutex
 *                               contended by 4 kthreads (10,000 each)
 * sleepers       kthread        kthread_sleepers= kthreads (10,000) in
 *                               schedule_timeout() until one deadline;
 *                               rows sleep_memory (slab + stacks per
 *                               sleeper, bytes), sleep_start and
 *                               sleep_finish (ns per sleeper, kbench.h)
 * wake_latency   kthread        wake_up() to the woken kthread running,
 *                               for 10,000 wakes; rows wake_latency_p50
 *                               and wake_latency_p99 (ns)
 * wake_latency   kthread_local  the same with the waker and the waiter
 *                               bound to one CPU
 * =============  =============  ==========================================
 *
 * Everything runs from module init, in the insmod process, on a per-CPU
 * workqueue of our own (the same worker pools as system_wq), and is freed
 * before init returns; the module is then removed.  Parameters (runs=,
 * bench=) and output ("kbench <benchmark> <variant> <run> <value>", ns
 * per operation or bytes per task for "memory") are described in kbench.h.
 */

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/jiffies.h>
#include <linux/kfifo.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/vmstat.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "kbench.h"

#define KB_SPAWN_TASKS		10000
#define KB_SPAWN_KTHREADS	1000
#define KB_CHAIN_LINKS		1000
#define KB_PING_PAIRS		1000
#define KB_YIELD_TASKS		200
#define KB_YIELDS		1000
#define KB_IDLE_KTHREADS	1000

/* The workqueue every work item below is queued on; alive during init. */
static struct workqueue_struct *kb_wq;

/* ---- spawn_many ------------------------------------------------------- */

/* A task spawned on the workqueue and joined through its own completion. */
struct kb_work {
	struct work_struct work;
	struct completion done;
};

static void kb_spawn_fn(struct work_struct *work)
{
	struct kb_work *w = container_of(work, struct kb_work, work);

	complete(&w->done);
}

static int kb_spawn_workqueue(u64 *val)
{
	struct kb_work **ws;
	unsigned int i, n;
	int err = 0;
	u64 t0;

	/* the handles, like tokio's Vec of JoinHandles, outside the timing */
	ws = kvmalloc_array(KB_SPAWN_TASKS, sizeof(*ws), GFP_KERNEL);
	if (!ws)
		return -ENOMEM;

	t0 = ktime_get_ns();
	for (n = 0; n < KB_SPAWN_TASKS; n++) {
		struct kb_work *w = kmalloc(sizeof(*w), GFP_KERNEL);

		if (!w) {
			err = -ENOMEM;
			break;
		}
		INIT_WORK(&w->work, kb_spawn_fn);
		init_completion(&w->done);
		queue_work(kb_wq, &w->work);
		ws[n] = w;
	}
	/* complete() is done with @w once the waiter can take its lock */
	for (i = 0; i < n; i++) {
		wait_for_completion(&ws[i]->done);
		kfree(ws[i]);
	}
	*val = ktime_get_ns() - t0;

	kvfree(ws);
	return err;
}

static int kb_spawn_kthread_fn(void *data)
{
	kb_group_put(data);
	return 0;
}

static int kb_spawn_kthread(u64 *val)
{
	struct task_struct **ts;
	struct kb_group g;
	unsigned int i, n;
	int err = 0;
	u64 t0;

	ts = kvmalloc_array(KB_SPAWN_KTHREADS, sizeof(*ts), GFP_KERNEL);
	if (!ts)
		return -ENOMEM;

	kb_group_init(&g);
	t0 = ktime_get_ns();
	for (n = 0; n < KB_SPAWN_KTHREADS; n++) {
		struct task_struct *t;

		t = kthread_create(kb_spawn_kthread_fn, &g, "kbench/%u", n);
		if (IS_ERR(t)) {
			err = PTR_ERR(t);
			break;
		}
		/* kthread_stop() needs the task even after it has exited */
		get_task_struct(t);
		kb_group_get(&g);
		wake_up_process(t);
		ts[n] = t;
	}
	/* every thread has run its function; now reap them */
	kb_group_join(&g);
	for (i = 0; i < n; i++) {
		kthread_stop(ts[i]);
		put_task_struct(ts[i]);
	}
	*val = ktime_get_ns() - t0;

	kvfree(ts);
	return err;
}

/* The task the floor "runs": nothing, like kb_spawn_fn() minus the wake-up. */
static void kb_floor_task(struct work_struct *work)
{
}

/* Never written: READ_ONCE() keeps the compiler from calling it directly. */
static work_func_t kb_floor_fn = kb_floor_task;

static int kb_spawn_floor(u64 *val)
{
	unsigned int n;
	u64 t0;

	t0 = ktime_get_ns();
	for (n = 0; n < KB_SPAWN_TASKS; n++) {
		struct kb_work *w = kmalloc(sizeof(*w), GFP_KERNEL);

		if (!w)
			return -ENOMEM;
		READ_ONCE(kb_floor_fn)(&w->work);
		kfree(w);
	}
	*val = ktime_get_ns() - t0;
	return 0;
}

/* ---- chained_spawn ---------------------------------------------------- */

struct kb_link {
	struct work_struct work;
	unsigned int left;		/* links still to spawn after this one */
	struct kb_group *g;
};

static void kb_chain_fn(struct work_struct *work)
{
	struct kb_link *l = container_of(work, struct kb_link, work);
	struct kb_group *g = l->g;
	struct kb_link *next;

	if (l->left) {
		next = kmalloc(sizeof(*next), GFP_KERNEL);
		if (next) {
			INIT_WORK(&next->work, kb_chain_fn);
			next->left = l->left - 1;
			next->g = g;
			kfree(l);
			queue_work(kb_wq, &next->work);
			return;
		}
		kb_group_fail(g, -ENOMEM);
	}
	kfree(l);
	kb_group_put(g);
}

static int kb_chain_workqueue(u64 *val)
{
	struct kb_group g;
	struct kb_link *l;
	u64 t0;

	kb_group_init(&g);
	t0 = ktime_get_ns();
	l = kmalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		return -ENOMEM;
	INIT_WORK(&l->work, kb_chain_fn);
	l->left = KB_CHAIN_LINKS - 1;
	l->g = &g;
	kb_group_get(&g);
	queue_work(kb_wq, &l->work);
	if (kb_group_join(&g))
		return -ENOMEM;
	*val = ktime_get_ns() - t0;
	return 0;
}

/* ---- ping_pong -------------------------------------------------------- */

struct kb_pair {
	struct work_struct ping;	/* A: sends, then receives the reply */
	struct work_struct pong;	/* B: replies */
	bool replied;			/* written by A before queuing B */
	struct kb_group *g;
};

static void kb_ping_fn(struct work_struct *work)
{
	struct kb_pair *p = container_of(work, struct kb_pair, ping);
	struct kb_group *g = p->g;

	/*
	 * The second run is ordered after the first by queue_work() of B and
	 * B's queue_work() of A (each a full barrier when it queues).
	 */
	if (!p->replied) {
		p->replied = true;
		queue_work(kb_wq, &p->pong);
		return;
	}
	kfree(p);
	kb_group_put(g);
}

static void kb_pong_fn(struct work_struct *work)
{
	struct kb_pair *p = container_of(work, struct kb_pair, pong);

	queue_work(kb_wq, &p->ping);
}

static int kb_ping_workqueue(u64 *val)
{
	struct kb_group g;
	unsigned int n;
	int err = 0;
	u64 t0;

	kb_group_init(&g);
	t0 = ktime_get_ns();
	for (n = 0; n < KB_PING_PAIRS; n++) {
		struct kb_pair *p = kmalloc(sizeof(*p), GFP_KERNEL);

		if (!p) {
			err = -ENOMEM;
			break;
		}
		INIT_WORK(&p->ping, kb_ping_fn);
		INIT_WORK(&p->pong, kb_pong_fn);
		p->replied = false;
		p->g = &g;
		kb_group_get(&g);
		queue_work(kb_wq, &p->ping);
	}
	kb_group_join(&g);
	*val = ktime_get_ns() - t0;
	return err;
}

/* ---- yield_many ------------------------------------------------------- */

struct kb_yielder {
	struct work_struct work;
	unsigned int left;		/* yields still to do */
	struct kb_group *g;
};

static void kb_yield_fn(struct work_struct *work)
{
	struct kb_yielder *y = container_of(work, struct kb_yielder, work);

	if (y->left) {
		y->left--;
		queue_work(kb_wq, work);
		return;
	}
	kb_group_put(y->g);
}

static int kb_yield_workqueue(u64 *val)
{
	struct kb_yielder *ys;
	struct kb_group g;
	unsigned int n;
	u64 t0;

	kb_group_init(&g);
	t0 = ktime_get_ns();
	ys = kmalloc_array(KB_YIELD_TASKS, sizeof(*ys), GFP_KERNEL);
	if (!ys)
		return -ENOMEM;
	for (n = 0; n < KB_YIELD_TASKS; n++) {
		INIT_WORK(&ys[n].work, kb_yield_fn);
		ys[n].left = KB_YIELDS;
		ys[n].g = &g;
		kb_group_get(&g);
		queue_work(kb_wq, &ys[n].work);
	}
	kb_group_join(&g);
	*val = ktime_get_ns() - t0;

	kfree(ys);
	return 0;
}

/* ---- memory ----------------------------------------------------------- */

static DECLARE_WAIT_QUEUE_HEAD(kb_idle_wq);

static int kb_idle_fn(void *data)
{
	kb_group_put(data);
	/* nothing wakes the queue: only kthread_stop() ends the wait */
	wait_event_interruptible(kb_idle_wq, kthread_should_stop());
	return 0;
}

/*
 * kb_kernel_bytes() is off by up to a few pages per CPU: ~1 KiB per
 * thread at worst over 1,000 threads.
 */
static int kb_memory_kthread(u64 *val)
{
	struct task_struct **ts;
	struct kb_group g;
	unsigned int i, n;
	int err = 0;
	s64 before;

	ts = kvmalloc_array(KB_IDLE_KTHREADS, sizeof(*ts), GFP_KERNEL);
	if (!ts)
		return -ENOMEM;

	/* let the task_structs of earlier runs go back (delayed by RCU) */
	rcu_barrier();
	before = kb_kernel_bytes();
	kb_group_init(&g);
	for (n = 0; n < KB_IDLE_KTHREADS; n++) {
		struct task_struct *t;

		t = kthread_create(kb_idle_fn, &g, "kbench-idle/%u", n);
		if (IS_ERR(t)) {
			err = PTR_ERR(t);
			break;
		}
		get_task_struct(t);
		kb_group_get(&g);
		wake_up_process(t);
		ts[n] = t;
	}
	/* every thread is on its way to sleep (or asleep) */
	kb_group_join(&g);
	*val = max_t(s64, kb_kernel_bytes() - before, 0);

	for (i = 0; i < n; i++) {
		kthread_stop(ts[i]);
		put_task_struct(ts[i]);
	}
	kvfree(ts);
	return err;
}

/* ---- kthreads of the primitives' baselines ------------------------------ */

/*
 * Start a kthread running @fn(@data), on @cpu only unless it is -1,
 * holding a reference to it so that kb_kthread_reap() works even after
 * @fn returned.
 */
static struct task_struct *kb_kthread_start_on(int (*fn)(void *), void *data,
					       int cpu, const char *name,
					       unsigned int i)
{
	struct task_struct *t;

	t = kthread_create(fn, data, "%s/%u", name, i);
	if (IS_ERR(t))
		return t;
	if (cpu >= 0)
		kthread_bind(t, cpu);
	get_task_struct(t);
	wake_up_process(t);
	return t;
}

static struct task_struct *kb_kthread_start(int (*fn)(void *), void *data,
					    const char *name, unsigned int i)
{
	return kb_kthread_start_on(fn, data, -1, name, i);
}

/* Wait for the kthread to end (or stop it before @fn ran) and drop it. */
static void kb_kthread_reap(struct task_struct *t)
{
	kthread_stop(t);
	put_task_struct(t);
}

/* ---- chan_1p, chan_mp: kfifo + spinlock + wait queues ------------------ */

/*
 * A bounded channel of u64 the way drivers build one: a kfifo under a
 * spinlock, a wait queue for the consumer (not_empty) and one for the
 * producers (not_full).  Each side wakes the other only when it has a
 * sleeper: wq_has_sleeper()'s smp_mb() pairs with the set_current_state()
 * in the other side's wait_event(), after its entry is queued, so that
 * either the waker sees the entry or the sleeper sees the new fifo state.
 * The fifo's lockless reads in the wait_event() conditions are hints; the
 * put and get that decide are under the lock.
 *
 * Fields: lock-protected: fifo; I: per_producer, total; go-ordered: abort
 * (written before complete_all(&go), read after waiting for it);
 * done-ordered: sum, end_ns.
 */
struct kb_fifo_chan {
	spinlock_t lock;		/* protects fifo */
	DECLARE_KFIFO(fifo, u64, KB_CHAN_CAP);
	wait_queue_head_t not_empty;
	wait_queue_head_t not_full;
	struct completion go;		/* releases every thread at once */
	bool abort;			/* a thread failed to start: do nothing */
	unsigned int per_producer;
	unsigned int total;
	u64 sum;			/* of the values received */
	u64 end_ns;			/* when the last message arrived */
	struct completion done;		/* the consumer has all of them */
};

static int kb_fifo_producer(void *data)
{
	struct kb_fifo_chan *c = data;
	unsigned int i;
	bool ok;

	wait_for_completion(&c->go);
	if (READ_ONCE(c->abort))
		return 0;
	for (i = 0; i < c->per_producer; i++) {
		for (;;) {
			spin_lock(&c->lock);
			ok = kfifo_put(&c->fifo, (u64)i);
			spin_unlock(&c->lock);
			if (ok)
				break;
			wait_event(c->not_full, !kfifo_is_full(&c->fifo));
		}
		if (wq_has_sleeper(&c->not_empty))
			wake_up(&c->not_empty);
	}
	return 0;
}

static int kb_fifo_consumer(void *data)
{
	struct kb_fifo_chan *c = data;
	unsigned int got = 0;
	u64 v, sum = 0;
	bool ok;

	wait_for_completion(&c->go);
	if (READ_ONCE(c->abort))
		return 0;
	while (got < c->total) {
		wait_event(c->not_empty, !kfifo_is_empty(&c->fifo));
		spin_lock(&c->lock);
		ok = kfifo_get(&c->fifo, &v);
		spin_unlock(&c->lock);
		if (!ok)
			continue;
		got++;
		sum += v;
		if (wq_has_sleeper(&c->not_full))
			wake_up(&c->not_full);
	}
	c->end_ns = ktime_get_ns();
	c->sum = sum;
	complete(&c->done);
	return 0;
}

/*
 * One run: the consumer and @producers producers are started first and
 * released together; the figure is the time from the release to the
 * consumer's last message, checked by the sum of the values.
 */
static int kb_chan_kfifo(unsigned int producers, u64 *val)
{
	struct task_struct *ts[1 + KB_CHAN_PRODUCERS];
	struct kb_fifo_chan *c;
	unsigned int i, n = 0;
	int err = 0;
	u64 t0, want;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	spin_lock_init(&c->lock);
	INIT_KFIFO(c->fifo);
	init_waitqueue_head(&c->not_empty);
	init_waitqueue_head(&c->not_full);
	init_completion(&c->go);
	init_completion(&c->done);
	c->per_producer = KB_CHAN_MSGS / producers;
	c->total = c->per_producer * producers;

	for (n = 0; n < 1 + producers; n++) {
		ts[n] = kb_kthread_start(n ? kb_fifo_producer : kb_fifo_consumer,
					 c, "kbench-chan", n);
		if (IS_ERR(ts[n])) {
			err = PTR_ERR(ts[n]);
			c->abort = true;
			goto release;
		}
	}
	t0 = ktime_get_ns();
	complete_all(&c->go);
	wait_for_completion_state(&c->done, TASK_IDLE);
	*val = c->end_ns - t0;
	want = (u64)producers * c->per_producer * (c->per_producer - 1) / 2;
	if (c->sum != want) {
		pr_err("kbench chan kfifo: sum %llu, expected %llu\n",
		       c->sum, want);
		err = -EIO;
	}
release:
	complete_all(&c->go);
	for (i = 0; i < n; i++)
		kb_kthread_reap(ts[i]);
	kfree(c);
	return err;
}

static int kb_chan_1p_kfifo(u64 *val)
{
	return kb_chan_kfifo(1, val);
}

static int kb_chan_mp_kfifo(u64 *val)
{
	return kb_chan_kfifo(KB_CHAN_PRODUCERS, val);
}

/* ---- mutex_handoff: struct mutex between kthreads ---------------------- */

/*
 * %KB_MUTEX_TASKS kthreads, released together, each take and release one
 * struct mutex %KB_MUTEX_ITERS times around an increment; the figure is
 * ns per lock/unlock pair until the last one is done, checked by the
 * count.  Fields: lock-protected: count; go-ordered: abort.
 */
struct kb_mutex_run {
	struct mutex lock;		/* the contended lock; protects count */
	u64 count;
	struct completion go;
	bool abort;
	struct kb_group g;		/* one reference per released thread */
};

static int kb_mutex_fn(void *data)
{
	struct kb_mutex_run *m = data;
	unsigned int i;

	wait_for_completion(&m->go);
	for (i = 0; i < KB_MUTEX_ITERS && !READ_ONCE(m->abort); i++) {
		mutex_lock(&m->lock);
		m->count++;
		mutex_unlock(&m->lock);
	}
	kb_group_put(&m->g);
	return 0;
}

static int kb_mutex_kthread(u64 *val)
{
	struct task_struct *ts[KB_MUTEX_TASKS];
	struct kb_mutex_run *m;
	unsigned int i, n;
	int err = 0;
	u64 t0;

	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	mutex_init(&m->lock);
	init_completion(&m->go);
	kb_group_init(&m->g);
	for (n = 0; n < KB_MUTEX_TASKS; n++) {
		kb_group_get(&m->g);
		ts[n] = kb_kthread_start(kb_mutex_fn, m, "kbench-mutex", n);
		if (IS_ERR(ts[n])) {
			err = PTR_ERR(ts[n]);
			m->abort = true;
			goto release;
		}
	}
	t0 = ktime_get_ns();
	complete_all(&m->go);
	kb_group_join(&m->g);
	*val = ktime_get_ns() - t0;
	if (m->count != (u64)KB_MUTEX_TASKS * KB_MUTEX_ITERS) {
		pr_err("kbench mutex_handoff kthread: count %llu\n", m->count);
		err = -EIO;
	}
release:
	complete_all(&m->go);
	for (i = 0; i < n; i++)
		kb_kthread_reap(ts[i]);
	mutex_destroy(&m->lock);
	kfree(m);
	return err;
}

/* ---- sleepers: kthreads in schedule_timeout() -------------------------- */

struct kb_kt_sleep {
	struct kb_sleep *s;		/* I */
	unsigned long deadline;		/* I: s->deadline_ns in jiffies */
};

static int kb_sleeper_fn(void *data)
{
	struct kb_kt_sleep *k = data;

	kb_sleep_started(k->s, !time_before(jiffies, k->deadline));
	while (time_before(jiffies, k->deadline))
		schedule_timeout_interruptible(k->deadline - jiffies);
	kb_sleep_woke(k->s);
	return 0;
}

/*
 * kthread_sleepers= kthreads, each created, woken and left to sleep in
 * schedule_timeout() until the common deadline, then reaped with
 * kthread_stop() (which waits for the exit).
 */
static int kb_sleepers_kthread_once(struct kb_sleep *s, u64 prev_ns,
				    u64 *vals)
{
	struct task_struct **ts;
	struct kb_kt_sleep k;
	unsigned int i, n;
	u64 t0, started;
	int err = 0;
	s64 bytes;

	ts = kvmalloc_array(kthread_sleepers, sizeof(*ts), GFP_KERNEL);
	if (!ts)
		return -ENOMEM;
	/* let the task_structs of earlier runs go back (delayed by RCU) */
	rcu_barrier();
	bytes = -kb_kernel_bytes();
	t0 = ktime_get_ns();
	kb_sleep_init(s, t0, prev_ns);
	k.s = s;
	k.deadline = jiffies + nsecs_to_jiffies(s->deadline_ns - t0);
	for (n = 0; n < kthread_sleepers; n++) {
		kb_sleep_get(s);
		ts[n] = kb_kthread_start(kb_sleeper_fn, &k, "kbench-sleep", n);
		if (IS_ERR(ts[n])) {
			err = PTR_ERR(ts[n]);
			kb_sleep_put(s);
			break;
		}
	}
	kb_sleep_wait_started(s);
	started = ktime_get_ns();
	bytes += kb_kernel_bytes();
	kb_sleep_wait_ended(s);
	for (i = 0; i < n; i++)
		kb_kthread_reap(ts[i]);
	err = err ?: kb_sleep_report(s, n, bytes, t0, started, ktime_get_ns(),
				     vals);
	kvfree(ts);
	return err;
}

/* The previous run's start-up time, which sets this run's deadline. */
static u64 kb_kt_sleep_prev_ns;

static int kb_sleepers_kthread(u64 *vals)
{
	return kb_sleepers_run("kthread", kthread_sleepers,
			       &kb_kt_sleep_prev_ns, kb_sleepers_kthread_once,
			       vals);
}

/* ---- wake_latency: wake_up() to a kthread running ---------------------- */

static int kb_lat_fn(void *data)
{
	struct kb_lat *l = data;
	unsigned int i;

	for (i = 0; i < KB_LAT_SAMPLES; i++) {
		wait_event_interruptible(l->wq, kb_lat_ready(l, i));
		if (!kb_lat_take(l, i, ktime_get_ns()))
			break;
	}
	return 0;
}

static int kb_lat_kthread(u64 *vals)
{
	struct task_struct *t;
	struct kb_lat l;
	int err;

	err = kb_lat_init(&l);
	if (err)
		return err;
	t = kb_kthread_start(kb_lat_fn, &l, "kbench-lat", 0);
	if (IS_ERR(t)) {
		err = PTR_ERR(t);
		goto free;
	}
	err = kb_lat_drive(&l, "kthread", vals);
	kb_kthread_reap(t);
free:
	kb_lat_free(&l);
	return err;
}

/*
 * The same with the waiter and the waker both bound to one CPU: the
 * scheduler puts a woken kthread on an idle CPU when it can, which costs
 * an IPI (and, under TCG, waking the host thread of a halted vCPU), while
 * kasync queues a woken task on the waking CPU.  This variant shows the
 * kthread's latency without the CPU crossing.
 */
struct kb_lat_loader {
	struct kb_lat *l;
	u64 *vals;
	int err;			/* ordered by @done */
	struct completion done;
};

static int kb_lat_loader_fn(void *data)
{
	struct kb_lat_loader *d = data;

	d->err = kb_lat_drive(d->l, "kthread_local", d->vals);
	complete(&d->done);
	return 0;
}

static int kb_lat_kthread_local(u64 *vals)
{
	struct kb_lat_loader d;
	struct task_struct *t, *ld;
	int cpu = cpumask_first(cpu_online_mask);
	struct kb_lat l;
	int err;

	err = kb_lat_init(&l);
	if (err)
		return err;
	t = kb_kthread_start_on(kb_lat_fn, &l, cpu, "kbench-lat", 1);
	if (IS_ERR(t)) {
		err = PTR_ERR(t);
		goto free;
	}
	d.l = &l;
	d.vals = vals;
	init_completion(&d.done);
	ld = kb_kthread_start_on(kb_lat_loader_fn, &d, cpu, "kbench-latw", 1);
	if (IS_ERR(ld)) {
		err = PTR_ERR(ld);
		/* the waiter ends when told the run is off */
		WRITE_ONCE(l.abort, true);
		/* pairs with kb_lat_ready() */
		smp_store_release(&l.seq, UINT_MAX);
		wake_up(&l.wq);
		goto reap;
	}
	wait_for_completion_state(&d.done, TASK_IDLE);
	err = d.err;
	kb_kthread_reap(ld);
reap:
	kb_kthread_reap(t);
free:
	kb_lat_free(&l);
	return err;
}

/* ---- driver ----------------------------------------------------------- */

static const struct kb_bench kb_benches[] = {
	{ "spawn_many", "workqueue", KB_SPAWN_TASKS, kb_spawn_workqueue },
	{ "spawn_many", "kthread", KB_SPAWN_KTHREADS, kb_spawn_kthread },
	{ "spawn_many", "floor", KB_SPAWN_TASKS, kb_spawn_floor },
	{ "chained_spawn", "workqueue", KB_CHAIN_LINKS, kb_chain_workqueue },
	{ "ping_pong", "workqueue", KB_PING_PAIRS, kb_ping_workqueue },
	{ "yield_many", "workqueue", KB_YIELD_TASKS * KB_YIELDS,
	  kb_yield_workqueue },
	{ "memory", "kthread", KB_IDLE_KTHREADS, kb_memory_kthread },
	{ "chan_1p", "kfifo", KB_CHAN_MSGS, kb_chan_1p_kfifo },
	{ "chan_mp", "kfifo", KB_CHAN_MSGS, kb_chan_mp_kfifo },
	{ "mutex_handoff", "kthread", KB_MUTEX_TASKS * KB_MUTEX_ITERS,
	  kb_mutex_kthread },
	/* each run takes ~1.5 x 5 ms per kthread under TCG: 3 runs */
	{ "sleepers", "kthread", 0, kb_sleepers_kthread,
	  { "sleep_memory", "sleep_start", "sleep_finish" },
	  .nr = &kthread_sleepers, .max_runs = 3 },
	{ "wake_latency", "kthread", 1, kb_lat_kthread,
	  { "wake_latency_p50", "wake_latency_p99" } },
	{ "wake_latency", "kthread_local", 1, kb_lat_kthread_local,
	  { "wake_latency_p50", "wake_latency_p99" } },
};

static int __init kb_init(void)
{
	int err;

	/* per-CPU and concurrency-managed, like system_wq */
	kb_wq = alloc_workqueue("kasync_baseline", 0, 0);
	if (!kb_wq)
		return -ENOMEM;
	err = kb_main(kb_benches, ARRAY_SIZE(kb_benches));
	destroy_workqueue(kb_wq);
	return err;
}

/* Nothing to undo: init has freed everything before returning. */
static void __exit kb_exit(void)
{
}

module_init(kb_init);
module_exit(kb_exit);

MODULE_DESCRIPTION("Workqueue, kthread and slab baselines for kasync's benchmarks");
MODULE_LICENSE("GPL");
