// SPDX-License-Identifier: GPL-2.0
/*
 * kasync_topload - steady load for the kasync_top kselftest.
 *
 * Its init spawns, on the default runtime, @spinners tasks that keep
 * running: each round yields 10 times, then sleeps 10 ms, so that they
 * are the busiest tasks without hogging the workers (the test's
 * kasync-top needs the CPUs too); and @sleepers tasks that sleep 100 ms
 * in a loop (a timer wait).  They run until the module is unloaded, which aborts and joins
 * them all.  The task view names them topload_spin and topload_sleep.
 */
#include <linux/module.h>
#include <linux/slab.h>

#include <kasync.h>

static unsigned int spinners = 4;
module_param(spinners, uint, 0444);
MODULE_PARM_DESC(spinners, "busy tasks (1..64)");

static unsigned int sleepers = 16;
module_param(sleepers, uint, 0444);
MODULE_PARM_DESC(sleepers, "sleeping tasks (0..1000)");

struct topload_state {
	struct kasync_co co;
	struct kasync_timer tm;
	unsigned int i;
};

static enum kasync_poll topload_spin(struct kasync_task *t,
				     struct topload_state *s)
{
	KASYNC_BEGIN(&s->co);
	for (;;) {
		for (s->i = 0; s->i < 10; s->i++)
			KASYNC_YIELD(&s->co);
		KASYNC_AWAIT(&s->co, kasync_sleep(t, &s->tm, 10 * NSEC_PER_MSEC));
	}
	KASYNC_END(&s->co);
}

KASYNC_TASK_OPS(topload_spin_ops, struct topload_state, topload_spin, NULL);

static enum kasync_poll topload_sleep(struct kasync_task *t,
				      struct topload_state *s)
{
	KASYNC_BEGIN(&s->co);
	for (;;)
		KASYNC_AWAIT(&s->co, kasync_sleep(t, &s->tm, 100 * NSEC_PER_MSEC));
	KASYNC_END(&s->co);
}

KASYNC_TASK_OPS(topload_sleep_ops, struct topload_state, topload_sleep, NULL);

static struct kasync_task **topload_tasks;
static unsigned int topload_nr;

static void topload_stop(void)
{
	unsigned int i;

	for (i = 0; i < topload_nr; i++) {
		kasync_abort(topload_tasks[i]);
		kasync_join(&topload_tasks[i]);
	}
	kfree(topload_tasks);
}

static int __init kasync_topload_init(void)
{
	struct topload_state s = {};
	struct kasync_task *h;
	unsigned int i;

	if (!spinners || spinners > 64 || sleepers > 1000)
		return -EINVAL;
	topload_tasks = kcalloc(spinners + sleepers, sizeof(*topload_tasks),
				GFP_KERNEL);
	if (!topload_tasks)
		return -ENOMEM;
	for (i = 0; i < spinners + sleepers; i++) {
		if (i < spinners)
			h = kasync_spawn_typed(NULL, &topload_spin_ops, &s,
					       GFP_KERNEL);
		else
			h = kasync_spawn_typed(NULL, &topload_sleep_ops, &s,
					       GFP_KERNEL);
		if (IS_ERR(h)) {
			topload_stop();
			return PTR_ERR(h);
		}
		topload_tasks[topload_nr++] = h;
	}
	return 0;
}

static void __exit kasync_topload_exit(void)
{
	topload_stop();
}

module_init(kasync_topload_init);
module_exit(kasync_topload_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kasync test helper: steady busy and sleeping tasks");
