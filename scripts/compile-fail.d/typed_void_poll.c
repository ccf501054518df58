// SPDX-License-Identifier: GPL-2.0
/* expect: KASYNC_TASK_OPS: cf_poll must take */
/* An untyped poll function belongs in a plain struct kasync_task_ops. */
#include <linux/module.h>
#include <kasync.h>

struct cf_state {
	int a;
};

static enum kasync_poll cf_poll(struct kasync_task *t, void *s)
{
	return KASYNC_READY;
}

KASYNC_TASK_OPS(cf_ops, struct cf_state, cf_poll, NULL);

MODULE_LICENSE("GPL");
