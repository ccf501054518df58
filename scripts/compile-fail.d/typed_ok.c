// SPDX-License-Identifier: GPL-2.0
/* expect: ok */
/*
 * The control case: every typed and two-step form used as documented
 * compiles without a warning, so the failures of the other snippets come
 * from their one mistake, not from the setup.
 */
#include <linux/module.h>
#include <kasync.h>

struct cf_state {
	int a;
	char tail[3];
};

static enum kasync_poll cf_poll(struct kasync_task *t, struct cf_state *s)
{
	kasync_set_result(t, s->a);
	return KASYNC_READY;
}

static void cf_drop(struct cf_state *s)
{
	s->a = 0;
}

KASYNC_TASK_OPS(cf_ops, struct cf_state, cf_poll, cf_drop);
KASYNC_TASK_OPS(cf_nodrop_ops, struct cf_state, cf_poll, NULL);

static int __init cf_init(void)
{
	const struct cf_state cinit = { .a = 2 };
	struct cf_state init = { .a = 1 };
	struct kasync_task *h[5], *t;
	int i;

	h[0] = kasync_spawn_typed(NULL, &cf_ops, &init, GFP_KERNEL);
	h[1] = kasync_spawn_typed_on(NULL, 0, &cf_nodrop_ops, &cinit,
				     GFP_KERNEL);
	h[2] = kasync_spawn(NULL, &cf_ops.ops, &init, sizeof(init),
			    GFP_KERNEL);
	t = kasync_task_alloc_typed(NULL, &cf_ops, GFP_KERNEL);
	h[3] = IS_ERR(t) ? t : kasync_task_start(t);
	t = kasync_task_alloc(NULL, &cf_ops.ops, sizeof(init), GFP_KERNEL);
	kasync_task_discard(t);
	h[4] = NULL;
	for (i = 0; i < ARRAY_SIZE(h); i++)
		if (!IS_ERR_OR_NULL(h[i]))
			kasync_join(&h[i]);
	return 0;
}

module_init(cf_init);
MODULE_LICENSE("GPL");
