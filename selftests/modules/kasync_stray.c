// SPDX-License-Identifier: GPL-2.0
/*
 * kasync_stray - a badly behaved kasync user, for kasync_unload_test.
 *
 * Its init spawns @tasks tasks on the default runtime and forgets them:
 * half park forever (nobody will wake them), half yield forever (they are
 * running or queued at any moment).  Its exit function does nothing, so
 * kasync must cancel and drain them when the module goes away, before its
 * code and data are freed; each drop callback checks the task's state for
 * a poison value that only a use-after-free would show.
 */
#include <linux/module.h>

#include <kasync.h>

static unsigned int tasks = 1000;
module_param(tasks, uint, 0444);
MODULE_PARM_DESC(tasks, "tasks left running at unload (1..100000)");

#define KS_MAGIC	0x6b737472u

struct ks_state {
	struct kasync_co co;
	u32 magic;
	bool busy;
};

static enum kasync_poll ks_until_unload(struct kasync_task *t)
{
	kasync_task_waits(t, KASYNC_WAIT_OTHER);
	return KASYNC_PENDING;
}

static enum kasync_poll ks_poll(struct kasync_task *t, void *p)
{
	struct ks_state *s = p;

	KASYNC_BEGIN(&s->co);
	while (s->busy)
		KASYNC_YIELD(&s->co);
	/* Until the unload cancels it: a waker of its own, so to speak. */
	KASYNC_AWAIT(&s->co, ks_until_unload(t));
	KASYNC_END(&s->co);
}

static void ks_drop(void *p)
{
	struct ks_state *s = p;

	WARN_ON_ONCE(s->magic != KS_MAGIC);
	s->magic = 0;
}

static const struct kasync_task_ops ks_ops = {
	.poll = ks_poll,
	.drop = ks_drop,
};

static int __init kasync_stray_init(void)
{
	struct ks_state s = { .magic = KS_MAGIC };
	struct kasync_task *h;
	unsigned int i;

	if (!tasks || tasks > 100000)
		return -EINVAL;
	for (i = 0; i < tasks; i++) {
		s.busy = i & 1;
		h = kasync_spawn(NULL, &ks_ops, &s, sizeof(s), GFP_KERNEL);
		if (IS_ERR(h))
			return PTR_ERR(h);	/* kasync drains those spawned */
		kasync_detach(&h);
	}
	return 0;
}

static void __exit kasync_stray_exit(void)
{
	/* deliberately leaves its tasks to kasync */
}

module_init(kasync_stray_init);
module_exit(kasync_stray_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kasync test helper: a module unloaded with live tasks");
