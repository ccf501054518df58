// SPDX-License-Identifier: GPL-2.0
/*
 * kasync_baseline_bench: tokio's scheduler workloads done the way a kernel
 * developer would do them today, without kasync.  They are the baselines
 * that kasync's own benchmark module (kasync_bench.ko) is compared with.
 *
 * ============  ===========  ==============================================
 * benchmark     variant      one operation
 * ============  ===========  ==============================================
 * spawn_many    workqueue    a kmalloc'ed work item with a completion,
 *                            queued, then waited for and freed (10,000)
 * spawn_many    kthread      kthread_create() + wake_up_process() of a
 *                            thread that does nothing, then kthread_stop()
 *                            to reap it; only 1,000 threads per run, the
 *                            figure is still ns per task
 * spawn_many    floor        kmalloc, an indirect call and kfree: no
 *                            scheduling at all (10,000)
 * chained_spawn workqueue    one link of a chain of 1,000 work items, each
 *                            allocating and queuing the next
 * ping_pong     workqueue    one round trip of a pair of work items: A
 *                            queues B, B queues A (1,000 pairs)
 * yield_many    workqueue    one re-queue of a work item by itself
 *                            (200 items x 1,000)
 * memory        kthread      bytes of slab and kernel stack per idle
 *                            kthread sleeping on a wait queue (1,000)
 * ============  ===========  ==============================================
 *
 * Everything runs from module init, in the insmod process, on a per-CPU
 * workqueue of our own (the same worker pools as system_wq), and is freed
 * before init returns; the module is then removed.  Parameters (runs=,
 * bench=) and output ("kbench <benchmark> <variant> <run> <value>", ns
 * per operation or bytes per task for "memory") are described in kbench.h.
 */

#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
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

/* Bytes of slab (both kinds) and kernel stacks in use, system-wide. */
static s64 kb_kernel_bytes(void)
{
	return (s64)global_node_page_state(NR_KERNEL_STACK_KB) * 1024 +
	       (s64)(global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B) +
		     global_node_page_state_pages(NR_SLAB_RECLAIMABLE_B)) *
	       PAGE_SIZE;
}

/*
 * The vmstat counters are summed lazily from per-CPU deltas, so the figure
 * is off by up to a few pages per CPU: ~1 KiB per thread at worst over
 * 1,000 threads.
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
