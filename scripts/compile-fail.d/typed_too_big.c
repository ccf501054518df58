// SPDX-License-Identifier: GPL-2.0
/* expect: KASYNC_TASK_OPS: struct cf_state is larger than KASYNC_STATE_MAX */
/* A state kasync_spawn() would refuse at run time is refused at build. */
#include <linux/module.h>
#include <kasync.h>

struct cf_state {
	char buf[KASYNC_STATE_MAX + 1];
};

static enum kasync_poll cf_poll(struct kasync_task *t, struct cf_state *s)
{
	return KASYNC_READY;
}

KASYNC_TASK_OPS(cf_ops, struct cf_state, cf_poll, NULL);

MODULE_LICENSE("GPL");
