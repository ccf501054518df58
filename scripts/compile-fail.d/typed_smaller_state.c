// SPDX-License-Identifier: GPL-2.0
/* expect: kasync_spawn_typed: the state is not of the type */
/*
 * A state of the wrong size: a struct the ops' type begins with, whose
 * copy would leave the rest of the task's state uninitialized.
 */
#include <linux/module.h>
#include <kasync.h>

struct cf_head {
	int a;
};

struct cf_state {
	struct cf_head head;
	long more[4];
};

static enum kasync_poll cf_poll(struct kasync_task *t, struct cf_state *s)
{
	return KASYNC_READY;
}

KASYNC_TASK_OPS(cf_ops, struct cf_state, cf_poll, NULL);

static int __init cf_init(void)
{
	struct cf_head init = { .a = 1 };
	struct kasync_task *h;

	h = kasync_spawn_typed(NULL, &cf_ops, &init, GFP_KERNEL);
	return IS_ERR(h) ? PTR_ERR(h) : kasync_join(&h);
}

module_init(cf_init);
MODULE_LICENSE("GPL");
