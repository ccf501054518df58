// SPDX-License-Identifier: GPL-2.0
/* expect: KASYNC_TASK_OPS: cf_drop must take (struct cf_state *) or be NULL */
/* The drop function takes another state type than the table declares. */
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

static void cf_drop(struct cf_other *s)
{
}

KASYNC_TASK_OPS(cf_ops, struct cf_state, cf_poll, cf_drop);

MODULE_LICENSE("GPL");
