// SPDX-License-Identifier: GPL-2.0
/* expect: KASYNC_TASK_OPS: cf_poll must take */
/* The poll function takes another state type than the table declares. */
#include <linux/module.h>
#include <kasync.h>

struct cf_state {
	int a;
};

struct cf_other {
	int a;
};

static enum kasync_poll cf_poll(struct kasync_task *t, struct cf_other *s)
{
	return KASYNC_READY;
}

KASYNC_TASK_OPS(cf_ops, struct cf_state, cf_poll, NULL);

MODULE_LICENSE("GPL");
