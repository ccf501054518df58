// SPDX-License-Identifier: GPL-2.0
/* expect: kasync_spawn_typed: the state is not of the type */
/* The initial state is of another type than the ops' state. */
#include <linux/module.h>
#include <kasync.h>

struct cf_state {
	int a;
};

struct cf_other {
	int a;
};

static enum kasync_poll cf_poll(struct kasync_task *t, struct cf_state *s)
{
	return KASYNC_READY;
}

KASYNC_TASK_OPS(cf_ops, struct cf_state, cf_poll, NULL);

static int __init cf_init(void)
{
	struct cf_other init = { .a = 1 };
	struct kasync_task *h;

	h = kasync_spawn_typed(NULL, &cf_ops, &init, GFP_KERNEL);
	return IS_ERR(h) ? PTR_ERR(h) : kasync_join(&h);
}

module_init(cf_init);
MODULE_LICENSE("GPL");
