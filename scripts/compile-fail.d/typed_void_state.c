// SPDX-License-Identifier: GPL-2.0
/* expect: kasync_spawn_typed: the state is not of the type */
/* An untyped pointer carries no size: refused. */
#include <linux/module.h>
#include <kasync.h>

struct cf_state {
	int a;
};

static enum kasync_poll cf_poll(struct kasync_task *t, struct cf_state *s)
{
	return KASYNC_READY;
}

KASYNC_TASK_OPS(cf_ops, struct cf_state, cf_poll, NULL);

static int __init cf_init(void)
{
	struct cf_state init = { .a = 1 };
	const void *p = &init;
	struct kasync_task *h;

	h = kasync_spawn_typed(NULL, &cf_ops, p, GFP_KERNEL);
	return IS_ERR(h) ? PTR_ERR(h) : kasync_join(&h);
}

module_init(cf_init);
MODULE_LICENSE("GPL");
