// SPDX-License-Identifier: GPL-2.0
/* expect: ok */
/*
 * The control case of co_local_across_await.c: the same function keeping
 * its variable in the state compiles without a warning, with
 * -Wmaybe-uninitialized on.
 */
#include <linux/module.h>
#include <kasync.h>

struct cf_co {
	struct kasync_co co;
	struct kasync_timer tm;
	long n;
};

static enum kasync_poll cf_co_poll(struct kasync_task *t, void *p)
{
	struct cf_co *s = p;

	KASYNC_BEGIN(&s->co);
	s->n = jiffies;
	KASYNC_AWAIT(&s->co, kasync_sleep(t, &s->tm, NSEC_PER_MSEC));
	KASYNC_RETURN(&s->co, t, s->n);
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops cf_co_ops = { .poll = cf_co_poll };

static int __init cf_init(void)
{
	struct kasync_task *h = kasync_spawn(NULL, &cf_co_ops, NULL,
					     sizeof(struct cf_co), GFP_KERNEL);

	if (IS_ERR(h))
		return PTR_ERR(h);
	return kasync_join(&h) < 0;
}
module_init(cf_init);
MODULE_LICENSE("GPL");
