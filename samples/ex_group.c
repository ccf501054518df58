// SPDX-License-Identifier: GPL-2.0
/*
 * Documentation/primitives-group.rst's examples, compiled by the build:
 * select, join-all and task groups.  Loading the module runs them and
 * fails with -EIO if one does not behave as the document says; a group
 * of background jobs stays until the module is unloaded.
 */
#include <linux/err.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/wait.h>
#include <kasync.h>

/* doc:select */
struct ex_conn {
	struct wait_queue_head wq;
	bool stopping;		/* shutdown requested */
	bool data;		/* a request arrived */
};

struct ex_server {
	struct kasync_co co;
	struct kasync_wait stop_w;
	struct kasync_wait data_w;
	struct kasync_timer idle;
	struct ex_conn *conn;
	int won;
};

/*
 * Branch 0: shutdown; 1: data; 2: 10 ms without either.  Biased: when a
 * shutdown and data are both there, the shutdown wins.
 */
static enum kasync_poll ex_next_event(struct kasync_task *t,
				      struct ex_server *s)
{
	struct ex_conn *c = s->conn;

	return kasync_select(&s->won,
			     KASYNC_BRANCH(kasync_wait_event(t, &s->stop_w, &c->wq,
							     READ_ONCE(c->stopping)),
					   kasync_wait_cancel(t, &s->stop_w));
			     KASYNC_BRANCH(kasync_wait_event(t, &s->data_w, &c->wq,
							     READ_ONCE(c->data)),
					   kasync_wait_cancel(t, &s->data_w));
			     KASYNC_BRANCH(kasync_sleep(t, &s->idle, 10 * NSEC_PER_MSEC),
					   kasync_timer_cancel(t, &s->idle)));
}

static enum kasync_poll ex_server_poll(struct kasync_task *t, void *p)
{
	static const long outcome[] = { -ESHUTDOWN, 0, -ETIMEDOUT };
	struct ex_server *s = p;

	KASYNC_BEGIN(&s->co);
	KASYNC_AWAIT(&s->co, ex_next_event(t, s));
	/* Only the winner completed: nothing else is queued or armed. */
	KASYNC_RETURN(&s->co, t, outcome[s->won]);
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops ex_server_ops = {
	.poll = ex_server_poll,
};

/* doc:select-end */

static long ex_run_server(bool stopping, bool data)
{
	struct ex_conn conn = { .stopping = stopping, .data = data };
	struct ex_server s = { .conn = &conn };
	struct kasync_task *h;

	init_waitqueue_head(&conn.wq);
	h = kasync_spawn(NULL, &ex_server_ops, &s, sizeof(s), GFP_KERNEL);
	if (IS_ERR(h))
		return PTR_ERR(h);
	return kasync_join(&h);
}

/* doc:join-all */
#define EX_CHILDREN	4

struct ex_square {
	long x;
};

static enum kasync_poll ex_square_poll(struct kasync_task *t, void *p)
{
	struct ex_square *s = p;

	kasync_set_result(t, s->x * s->x);
	return KASYNC_READY;
}

static const struct kasync_task_ops ex_square_ops = {
	.poll = ex_square_poll,
};

struct ex_fanout {
	struct kasync_co co;
	struct kasync_task *h[EX_CHILDREN];
	long res[EX_CHILDREN];
	long sum;
	int i;
};

static enum kasync_poll ex_fanout_poll(struct kasync_task *t, void *p)
{
	struct ex_fanout *s = p;
	struct ex_square sq;

	KASYNC_BEGIN(&s->co);
	for (s->i = 0; s->i < EX_CHILDREN; s->i++) {
		sq.x = s->i + 1;
		s->h[s->i] = kasync_spawn(NULL, &ex_square_ops, &sq, sizeof(sq),
					  GFP_NOWAIT);
		if (IS_ERR(s->h[s->i])) {
			s->h[s->i] = NULL;
			KASYNC_RETURN(&s->co, t, -ENOMEM);	/* drop cleans up */
		}
	}
	KASYNC_AWAIT(&s->co, kasync_join_all(t, s->h, EX_CHILDREN, s->res));
	for (s->i = 0; s->i < EX_CHILDREN; s->i++)
		s->sum += s->res[s->i];
	KASYNC_RETURN(&s->co, t, s->sum);	/* 1 + 4 + 9 + 16 */
	KASYNC_END(&s->co);
}

/* Aborted (or failed) while holding children: release them. */
static void ex_fanout_drop(void *p)
{
	struct ex_fanout *s = p;

	kasync_join_all_cancel(s->h, EX_CHILDREN);
}

static const struct kasync_task_ops ex_fanout_ops = {
	.poll = ex_fanout_poll,
	.drop = ex_fanout_drop,
};

/* doc:join-all-end */

/* doc:group */
struct ex_job {
	struct kasync_co co;
	struct kasync_timer tm;
	long ms;		/* sleep this long, then return it; < 0: fail */
};

static enum kasync_poll ex_job_poll(struct kasync_task *t, void *p)
{
	struct ex_job *s = p;

	KASYNC_BEGIN(&s->co);
	if (s->ms < 0)
		KASYNC_RETURN(&s->co, t, -EINVAL);
	KASYNC_AWAIT(&s->co, kasync_sleep(t, &s->tm, s->ms * NSEC_PER_MSEC));
	KASYNC_RETURN(&s->co, t, s->ms);
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops ex_job_ops = {
	.poll = ex_job_poll,
};

/* Owns the group: collects every result, destroys the group when done. */
struct ex_collector {
	struct kasync_co co;
	struct kasync_group_wait gw;
	struct kasync_group *g;
	long res, sum;
};

static enum kasync_poll ex_collector_poll(struct kasync_task *t, void *p)
{
	struct ex_collector *s = p;

	KASYNC_BEGIN(&s->co);
	for (;;) {
		KASYNC_AWAIT(&s->co, kasync_group_next(t, s->g, &s->gw,
						       &s->res));
		if (s->res == -ECHILD)	/* every result collected */
			break;
		if (s->res < 0)		/* a job failed */
			KASYNC_RETURN(&s->co, t, s->res);
		s->sum += s->res;	/* in order of completion */
	}
	KASYNC_RETURN(&s->co, t, s->sum);
	KASYNC_END(&s->co);
}

/* Also runs if the collector is aborted: the members are cancelled. */
static void ex_collector_drop(void *p)
{
	struct ex_collector *s = p;

	kasync_group_destroy(s->g);
}

static const struct kasync_task_ops ex_collector_ops = {
	.poll = ex_collector_poll,
	.drop = ex_collector_drop,
};

static long ex_collect(const long *ms, int n)
{
	struct ex_collector s = {};
	struct kasync_task *h;
	struct ex_job job = {};
	int i, err;

	s.g = kasync_group_new(NULL, 0, GFP_KERNEL);
	if (IS_ERR(s.g))
		return PTR_ERR(s.g);
	for (i = 0; i < n; i++) {
		job.ms = ms[i];
		err = kasync_group_spawn(s.g, &ex_job_ops, &job, sizeof(job),
					 GFP_KERNEL);
		if (err) {
			kasync_group_destroy(s.g);
			return err;
		}
	}
	h = kasync_spawn(NULL, &ex_collector_ops, &s, sizeof(s), GFP_KERNEL);
	if (IS_ERR(h)) {
		kasync_group_destroy(s.g);
		return PTR_ERR(h);
	}
	return kasync_join(&h);
}

/* doc:group-end */

/* doc:group-error */
/*
 * From process context: the failing job cancels the one-minute job, and
 * kasync_group_wait() returns the failure at once.
 */
static long ex_fail_fast(void)
{
	struct ex_job slow = { .ms = 60 * MSEC_PER_SEC }, bad = { .ms = -1 };
	struct kasync_group *g;
	long err;

	g = kasync_group_new(NULL, KASYNC_GROUP_CANCEL_ON_ERROR, GFP_KERNEL);
	if (IS_ERR(g))
		return PTR_ERR(g);
	err = kasync_group_spawn(g, &ex_job_ops, &slow, sizeof(slow),
				 GFP_KERNEL);
	if (!err)
		err = kasync_group_spawn(g, &ex_job_ops, &bad, sizeof(bad),
					 GFP_KERNEL);
	if (err)
		kasync_group_cancel(g);
	err = kasync_group_wait(g) ?: err;	/* -EINVAL */
	kasync_group_destroy(g);
	return err;
}

/* doc:group-error-end */

/* doc:group-exit */
/* Background jobs live as long as the module. */
static struct kasync_group *ex_background;

static int ex_background_start(void)
{
	struct ex_job job = { .ms = 3600 * MSEC_PER_SEC };

	ex_background = kasync_group_new(NULL, 0, GFP_KERNEL);
	if (IS_ERR(ex_background))
		return PTR_ERR(ex_background);
	return kasync_group_spawn(ex_background, &ex_job_ops, &job,
				  sizeof(job), GFP_KERNEL);
}

static void ex_background_stop(void)
{
	kasync_group_cancel(ex_background);
	/* Every drop has run: no code of this module runs for the jobs. */
	if (kasync_group_wait(ex_background) != -ECANCELED)
		pr_err("kasync_ex_group: background job not cancelled\n");
	kasync_group_destroy(ex_background);
}

/* doc:group-exit-end */

static int __init ex_group_init(void)
{
	static const long ms[] = { 3, 1, 2 };
	struct ex_fanout f = {};
	struct kasync_task *h;
	ktime_t t0;
	long r;

	r = ex_run_server(true, true);
	if (r != -ESHUTDOWN) {
		pr_err("kasync_ex_group: shutdown+data gave %ld\n", r);
		return -EIO;
	}
	r = ex_run_server(false, true);
	if (r) {
		pr_err("kasync_ex_group: data gave %ld\n", r);
		return -EIO;
	}
	r = ex_run_server(false, false);
	if (r != -ETIMEDOUT) {
		pr_err("kasync_ex_group: idle gave %ld\n", r);
		return -EIO;
	}

	h = kasync_spawn(NULL, &ex_fanout_ops, &f, sizeof(f), GFP_KERNEL);
	r = IS_ERR(h) ? PTR_ERR(h) : kasync_join(&h);
	if (r != 30) {
		pr_err("kasync_ex_group: join-all gave %ld\n", r);
		return -EIO;
	}

	r = ex_collect(ms, ARRAY_SIZE(ms));
	if (r != 6) {
		pr_err("kasync_ex_group: group collected %ld\n", r);
		return -EIO;
	}

	t0 = ktime_get();
	r = ex_fail_fast();
	if (r != -EINVAL || ktime_ms_delta(ktime_get(), t0) > 10 * MSEC_PER_SEC) {
		pr_err("kasync_ex_group: cancel-on-error gave %ld\n", r);
		return -EIO;
	}

	r = ex_background_start();
	if (r) {
		if (!IS_ERR(ex_background))
			kasync_group_destroy(ex_background);
		pr_err("kasync_ex_group: background start: %ld\n", r);
		return -EIO;
	}
	pr_info("kasync_ex_group: select, join-all and groups behave as documented\n");
	return 0;
}

static void __exit ex_group_exit(void)
{
	ex_background_stop();
}

module_init(ex_group_init);
module_exit(ex_group_exit);

MODULE_DESCRIPTION("kasync: group examples from Documentation/primitives.rst");
MODULE_LICENSE("GPL");
