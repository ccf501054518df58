// SPDX-License-Identifier: GPL-2.0
/*
 * kasync_stuck - a kasync user whose task never ends, for
 * kasync_unload_test.
 *
 * Its init spawns one task on the default runtime whose poll function
 * blocks (a bug: a poll must not sleep) until @release is set, and its
 * exit function does nothing about it.  Unloading the module therefore
 * waits in kasync's drain for as long as the task stays in its poll: the
 * test checks that only this unload waits (CPU hotplug and other modules'
 * runtimes go on), and that kasync says which task it waits for.
 */
#include <linux/delay.h>
#include <linux/module.h>

#include <kasync.h>

static bool release;
module_param(release, bool, 0644);
MODULE_PARM_DESC(release, "let the stuck task's poll return");

static int stuck_cpu = -1;
module_param(stuck_cpu, int, 0444);
MODULE_PARM_DESC(stuck_cpu, "CPU whose worker the task is stuck on (read-only; -1 before its poll)");

struct kstuck_state {
	struct kasync_co co;
};

static enum kasync_poll kstuck_poll(struct kasync_task *t, struct kstuck_state *s)
{
	KASYNC_BEGIN(&s->co);
	WRITE_ONCE(stuck_cpu, raw_smp_processor_id());
	while (!READ_ONCE(release))
		msleep(20);
	KASYNC_YIELD(&s->co);
	KASYNC_END(&s->co);
}

KASYNC_TASK_OPS(kstuck_ops, struct kstuck_state, kstuck_poll, NULL);

static int __init kasync_stuck_init(void)
{
	struct kstuck_state s = {};
	struct kasync_task *h;

	h = kasync_spawn_typed(NULL, &kstuck_ops, &s, GFP_KERNEL);
	if (IS_ERR(h))
		return PTR_ERR(h);
	kasync_detach(&h);
	return 0;
}

static void __exit kasync_stuck_exit(void)
{
	/* deliberately leaves its task to kasync */
}

module_init(kasync_stuck_init);
module_exit(kasync_stuck_exit);
MODULE_DESCRIPTION("kasync selftest helper: a task that never ends");
MODULE_LICENSE("GPL");
