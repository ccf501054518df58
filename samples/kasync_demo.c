// SPDX-License-Identifier: GPL-2.0
/*
 * kasync_demo - a module that uses kasync the way an outside developer
 * would: only <kasync.h>.
 *
 * On load it runs a small "fan-out, fan-in" job on the default runtime:
 * one coordinator task spawns @workers worker tasks, 64 per poll; each
 * worker yields @yields times (letting the others run, and giving idle
 * CPUs something to steal) and returns a value; the coordinator awaits
 * every worker's result and returns their sum.  The loading process joins the
 * coordinator and prints what happened, with the runtime's counters.
 * Then it aborts a task parked on an event that never comes and joins it.
 */
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/slab.h>

#include <kasync.h>

#include <kasync/param.h>

/*
 * The load waits for the whole job: the ranges (checked at load,
 * <kasync/param.h>) keep it to seconds, 10^8 polls at the most.
 */
static unsigned int workers = 2000;
kasync_param(workers, uint, 1, 100000, 0444);
MODULE_PARM_DESC(workers, "worker tasks the coordinator spawns (1..100000)");

static unsigned int yields = 10;
kasync_param(yields, uint, 0, 1000, 0444);
MODULE_PARM_DESC(yields, "times each worker yields before returning (0..1000)");

struct worker {
	struct kasync_co co;
	unsigned int id;
	unsigned int left;
};

static enum kasync_poll worker_poll(struct kasync_task *t, struct worker *w)
{
	KASYNC_BEGIN(&w->co);
	for (w->left = yields; w->left; w->left--)
		KASYNC_YIELD(&w->co);
	KASYNC_RETURN(&w->co, t, w->id);
	KASYNC_END(&w->co);
}

/* Typed: worker_poll() takes a struct worker, and spawns must pass one. */
KASYNC_TASK_OPS(worker_ops, struct worker, worker_poll, NULL);

struct coord {
	struct kasync_co co;
	struct kasync_task **handles;
	unsigned int n;
	unsigned int i;
	long res;
	long sum;
};

static enum kasync_poll coord_poll(struct kasync_task *t, struct coord *c)
{
	struct worker w = {};

	KASYNC_BEGIN(&c->co);
	for (c->i = 0; c->i < c->n; c->i++) {
		w.id = c->i;
		c->handles[c->i] = kasync_spawn_typed(NULL, &worker_ops, &w,
						      GFP_KERNEL);
		if (IS_ERR(c->handles[c->i])) {
			c->res = PTR_ERR(c->handles[c->i]);
			c->handles[c->i] = NULL;
			c->n = c->i;
			break;
		}
		/* Spawn in batches: a poll must not hog its worker. */
		if (c->i % 64 == 63)
			KASYNC_YIELD(&c->co);
	}
	for (c->i = 0; c->i < c->n; c->i++) {
		KASYNC_AWAIT(&c->co, kasync_join_poll(t, &c->handles[c->i],
						      &c->res));
		c->sum += c->res;
	}
	KASYNC_RETURN(&c->co, t, c->sum);
	KASYNC_END(&c->co);
}

/* Runs once, however the coordinator ended: joins what it did not. */
static void coord_drop(struct coord *c)
{
	unsigned int i;

	for (i = 0; i < c->n; i++)
		if (c->handles[i])
			kasync_detach(&c->handles[i]);
	kfree(c->handles);
}

KASYNC_TASK_OPS(coord_ops, struct coord, coord_poll, coord_drop);

/* A task that waits for an event that never comes, until aborted. */
static enum kasync_poll parked_poll(struct kasync_task *t, void *p)
{
	/* Woken, or aborted, by its spawner. */
	kasync_task_waits(t, KASYNC_WAIT_OTHER);
	return KASYNC_PENDING;
}

static const struct kasync_task_ops parked_ops = {
	.poll = parked_poll,
};

/* Abort a parked task and show what its joiner gets. */
static int kasync_demo_abort(void)
{
	struct kasync_task *h;
	long res;
	int err;

	h = kasync_spawn(NULL, &parked_ops, NULL, 0, GFP_KERNEL);
	if (IS_ERR(h))
		return PTR_ERR(h);
	err = kasync_abort(h);
	res = kasync_join(&h);
	pr_info("kasync_demo: aborted a parked task: kasync_abort() = %d, kasync_join() = %ld (-ECANCELED is %d)\n",
		err, res, -ECANCELED);
	return res == -ECANCELED ? 0 : -EINVAL;
}

static int __init kasync_demo_init(void)
{
	struct kasync_stats st;
	struct kasync_task *h;
	struct coord c = {};
	u64 t0, ns;
	long sum;

	c.n = workers;
	c.handles = kcalloc(workers, sizeof(*c.handles), GFP_KERNEL);
	if (!c.handles)
		return -ENOMEM;

	t0 = ktime_get_ns();
	h = kasync_spawn_typed(NULL, &coord_ops, &c, GFP_KERNEL);
	if (IS_ERR(h)) {
		kfree(c.handles);
		return PTR_ERR(h);
	}
	sum = kasync_join(&h);
	ns = ktime_get_ns() - t0;

	pr_info("kasync_demo: %u workers x %u yields joined in %llu us; sum of results %ld (expected %llu)\n",
		workers, yields, ns / 1000, sum,
		(u64)workers * (workers - 1) / 2);
	kasync_rt_stats(NULL, &st);
	pr_info("kasync_demo: default runtime: spawned %llu completed %llu polls %llu wakes %llu steals %llu (tasks stolen %llu) lifo %llu budget-yields %llu alive %llu\n",
		st.spawned, st.completed, st.polls, st.wakes, st.steals,
		st.stolen, st.lifo_hits, st.budget_yields, st.alive);
	return kasync_demo_abort();
}

static void __exit kasync_demo_exit(void)
{
}

module_init(kasync_demo_init);
module_exit(kasync_demo_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kasync demo: fan-out/fan-in of yielding tasks");
