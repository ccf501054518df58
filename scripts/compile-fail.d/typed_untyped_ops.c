// SPDX-License-Identifier: GPL-2.0
/* expect: has no member named 'typed_state' */
/* kasync_spawn_typed() needs ops from KASYNC_TASK_OPS(): no type, no spawn. */
#include <linux/module.h>
#include <kasync.h>

struct cf_state {
	int a;
};

static enum kasync_poll cf_poll(struct kasync_task *t, void *s)
{
	return KASYNC_READY;
}

static const struct kasync_task_ops cf_ops = { .poll = cf_poll };

static int __init cf_init(void)
{
	struct cf_state init = { .a = 1 };
	struct kasync_task *h;

	h = kasync_spawn_typed(NULL, &cf_ops, &init, GFP_KERNEL);
	return IS_ERR(h) ? PTR_ERR(h) : kasync_join(&h);
}

module_init(cf_init);
MODULE_LICENSE("GPL");
