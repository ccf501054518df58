// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of kasync under allocation failure (suite kasync_fail).
 *
 * Each case runs one operation with the n-th fault point of its thread
 * failing (current->fail_nth = n), for n = 1, 2, ... until the operation
 * passes fewer than n fault points and so runs unharmed.  Every run whose
 * injection made the operation fail must report a clean error and leave
 * nothing behind: the runtime's spawned and alive counts as before, no
 * group member, no blocking job, the listener still accepting; a run that
 * absorbed the failure must work.  kmemleak (scripts/vm-run scans before
 * power-off) and the VM log check catch leaks and splats.
 *
 * The fault points are kasync's own (fail_kasync, kasync/fail.c) and,
 * when failslab is set up as scripts/vm-tests does (verbose 0,
 * ignore-gfp-wait 0: probability stays 0, so only a thread with fail_nth
 * set sees a failure), every slab allocation of the kernel too: socket
 * creation, accept and connect allocate mostly there.  fail_nth counts
 * every fault attribute, so n walks through both.
 *
 * An operation that reaches no fault point at n = 1 fails its case: the
 * injection would not reach it, and the case would prove nothing.  An
 * operation run from a task (blocking offload, accept, connect) is armed
 * on the worker thread, around the first call of its await only.
 */
#include <linux/fault-inject.h>
#include <linux/in.h>
#include <linux/net.h>
#include <linux/sched.h>
#include <net/inet_connection_sock.h>
#include <net/net_namespace.h>

#include "kasync_test.h"

/* More fault points than any operation passes: the loop's bound. */
#define KT_FAIL_MAX	64

/* Make the n-th fault point this thread passes fail. */
static void kt_fail_arm(unsigned int n)
{
	WRITE_ONCE(current->fail_nth, n);
}

/* Disarm; true if the armed fault point was reached (it failed). */
static bool kt_fail_disarm(void)
{
	bool fired = !READ_ONCE(current->fail_nth);

	WRITE_ONCE(current->fail_nth, 0);
	return fired;
}

/*
 * Does failslab reach the kernel's own GFP_KERNEL allocations, as set up
 * by scripts/vm-tests (ignore-gfp-wait off, and verbose 0 so that an
 * injected failure does not dump the stack)?  Probed with one allocation
 * that may not warn (failslab then never prints).
 */
static bool kt_failslab_ready(void)
{
	void *p;
	bool fired;

	kt_fail_arm(1);
	p = kmalloc(8, GFP_KERNEL | __GFP_NOWARN);
	fired = kt_fail_disarm();
	kfree(p);
	return fired && !p;
}

/* An error an allocation failure may be reported as. */
static bool kt_fail_errno_ok(int err, bool net)
{
	if (err == -ENOMEM)
		return true;
	/* The socket layer's own reports of an allocation failure. */
	return net && (err == -ENOBUFS || err == -ENFILE);
}

/*
 * One operation under injection.  run() performs it with the n-th fault
 * point failing and sets *fired if that point was reached; after() checks
 * what it left (err: run()'s result) and cleans up, not armed.
 */
struct kt_fail_op {
	const char *name;
	bool net;	/* errors of the socket layer allowed */
	int (*run)(struct kunit *test, void *ctx, unsigned int n, bool *fired);
	void (*after)(struct kunit *test, void *ctx, int err);
};

/*
 * Run @op for n = 1, 2, ... until it no longer reaches its n-th fault
 * point; returns the number of fault points it passes.
 */
static unsigned int kt_fail_each(struct kunit *test,
				 const struct kt_fail_op *op, void *ctx)
{
	unsigned int n, failed = 0, absorbed = 0;
	bool fired = false;
	int err;

	for (n = 1; n <= KT_FAIL_MAX; n++) {
		fired = false;
		err = op->run(test, ctx, n, &fired);
		if (n == 1)
			KUNIT_EXPECT_TRUE_MSG(test, fired,
					      "%s: no fault point reached", op->name);
		if (err) {
			failed++;
			KUNIT_EXPECT_TRUE_MSG(test, fired,
					      "%s: error %d without an injected failure",
					      op->name, err);
			KUNIT_EXPECT_TRUE_MSG(test, kt_fail_errno_ok(err, op->net),
					      "%s: error %d for failure %u",
					      op->name, err, n);
		} else if (fired) {
			absorbed++;
		}
		op->after(test, ctx, err);
		if (!fired)
			break;
	}
	KUNIT_EXPECT_FALSE_MSG(test, fired, "%s: still failing after %u points",
			       op->name, KT_FAIL_MAX);
	KUNIT_EXPECT_GT_MSG(test, failed, 0u, "%s: no failure reached the caller",
			    op->name);
	kunit_info(test, "%s: %u fault points, %u failed it, %u absorbed\n",
		   op->name, n - 1, failed, absorbed);
	return n - 1;
}

/* The runtime the cases spawn on; its counts must not move on a failure. */
struct kt_fail_rt {
	struct kasync_rt *rt;
	struct kasync_stats before;
};

static void kt_fail_rt_destroy(void *rt)
{
	kasync_rt_destroy(rt);
}

static struct kasync_rt *kt_fail_rt_new(struct kunit *test, const char *name)
{
	struct kasync_rt *rt = kasync_rt_create(name, 0);
	int err;

	KUNIT_ASSERT_FALSE(test, IS_ERR(rt));
	err = kunit_add_action_or_reset(test, kt_fail_rt_destroy, rt);
	KUNIT_ASSERT_EQ(test, err, 0);
	return rt;
}

/* The runtime's tasks all finished and were counted as they were before. */
static bool kt_fail_rt_settled(struct kasync_rt *rt,
			       const struct kasync_stats *before)
{
	struct kasync_stats now;

	kasync_rt_stats(rt, &now);
	return now.alive == before->alive &&
	       now.spawned == now.completed + now.cancelled + now.alive;
}

/* Wait (5 s at most) until kt_fail_rt_settled(). */
static bool kt_fail_rt_wait(struct kasync_rt *rt,
			    const struct kasync_stats *before)
{
	return kt_wait_for(kt_fail_rt_settled(rt, before), 5000);
}

static void kt_fail_rt_expect_unchanged(struct kunit *test,
					struct kasync_rt *rt,
					const struct kasync_stats *before)
{
	struct kasync_stats now;

	kasync_rt_stats(rt, &now);
	KUNIT_EXPECT_EQ(test, now.spawned, before->spawned);
	KUNIT_EXPECT_EQ(test, now.alive, before->alive);
}

/* ---- spawn and its variants ---- */

enum kt_spawn_kind {
	KT_SPAWN, KT_SPAWN_ON, KT_SPAWN_ATOMIC, KT_SPAWN_LARGE,
	KT_TASK_ALLOC, KT_SPAWN_DEFAULT_RT,
};

struct kt_spawn_param {
	const char *name;
	enum kt_spawn_kind kind;
};

static const struct kt_spawn_param kt_spawn_params[] = {
	{ "kasync_spawn", KT_SPAWN },
	{ "kasync_spawn_on", KT_SPAWN_ON },
	{ "kasync_spawn GFP_ATOMIC", KT_SPAWN_ATOMIC },
	{ "kasync_spawn of a kmalloc-sized state", KT_SPAWN_LARGE },
	{ "kasync_task_alloc", KT_TASK_ALLOC },
	{ "kasync_spawn on the default runtime", KT_SPAWN_DEFAULT_RT },
};

static void kt_spawn_desc(const struct kt_spawn_param *p, char *desc)
{
	strscpy(desc, p->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(kt_spawn, kt_spawn_params, kt_spawn_desc);

/* A state past the largest task cache class: task memory from kmalloc. */
struct kt_large {
	struct kt_simple s;
	char pad[600];
};

struct kt_spawn_ctx {
	enum kt_spawn_kind kind;
	struct kasync_rt *rt;		/* NULL: the default runtime */
	struct kasync_stats before;
	struct kasync_task *h;
};

static struct kasync_task *kt_spawn_one(struct kt_spawn_ctx *c)
{
	static struct kt_large large = { .s.result = 7 };
	struct kt_simple s = { .result = 7 };
	struct kasync_task *t;
	unsigned long flags;

	switch (c->kind) {
	case KT_SPAWN_ON:
		return kasync_spawn_on(c->rt, raw_smp_processor_id(),
				       &kt_ready_ops, &s, sizeof(s), GFP_KERNEL);
	case KT_SPAWN_ATOMIC:
		local_irq_save(flags);
		t = kasync_spawn(c->rt, &kt_ready_ops, &s, sizeof(s), GFP_ATOMIC);
		local_irq_restore(flags);
		return t;
	case KT_SPAWN_LARGE:
		return kasync_spawn(c->rt, &kt_ready_ops, &large, sizeof(large),
				    GFP_KERNEL);
	case KT_TASK_ALLOC:
		t = kasync_task_alloc(c->rt, &kt_ready_ops, sizeof(s), GFP_KERNEL);
		if (IS_ERR(t))
			return t;
		memcpy(kasync_task_state(t), &s, sizeof(s));
		return kasync_task_start(t);
	default:
		return kasync_spawn(c->rt, &kt_ready_ops, &s, sizeof(s),
				    GFP_KERNEL);
	}
}

static int kt_spawn_run(struct kunit *test, void *ctx, unsigned int n,
			bool *fired)
{
	struct kt_spawn_ctx *c = ctx;

	if (c->rt)
		kasync_rt_stats(c->rt, &c->before);
	kt_fail_arm(n);
	c->h = kt_spawn_one(c);
	*fired = kt_fail_disarm();
	return PTR_ERR_OR_ZERO(c->h);
}

static void kt_spawn_after(struct kunit *test, void *ctx, int err)
{
	struct kt_spawn_ctx *c = ctx;

	/* The default runtime's counts are other modules' too. */
	if (err) {
		if (c->rt)
			kt_fail_rt_expect_unchanged(test, c->rt, &c->before);
		return;
	}
	KUNIT_EXPECT_EQ(test, kasync_join(&c->h), 7L);
	if (c->rt)
		KUNIT_EXPECT_TRUE(test, kt_fail_rt_wait(c->rt, &c->before));
}

static void kt_fail_spawn(struct kunit *test)
{
	const struct kt_spawn_param *p = test->param_value;
	struct kt_spawn_ctx c = { .kind = p->kind };
	const struct kt_fail_op op = {
		.name = p->name,
		.run = kt_spawn_run,
		.after = kt_spawn_after,
	};
	bool fired;

	if (p->kind != KT_SPAWN_DEFAULT_RT)
		c.rt = kt_fail_rt_new(test, "kt_fail_spawn");
	/* Warm the task cache: the first run takes its hit, not the slab. */
	kt_spawn_run(test, &c, KT_FAIL_MAX + 1, &fired);
	kt_spawn_after(test, &c, PTR_ERR_OR_ZERO(c.h));
	kt_fail_each(test, &op, &c);
}

/* ---- group create and spawn into a group ---- */

struct kt_group_ctx {
	struct kasync_rt *rt;
	struct kasync_group *g;
	struct kasync_stats before;
};

static int kt_group_new_run(struct kunit *test, void *ctx, unsigned int n,
			    bool *fired)
{
	struct kt_group_ctx *c = ctx;

	kt_fail_arm(n);
	c->g = kasync_group_new(c->rt, 0, GFP_KERNEL);
	*fired = kt_fail_disarm();
	return PTR_ERR_OR_ZERO(c->g);
}

static void kt_group_new_after(struct kunit *test, void *ctx, int err)
{
	struct kt_group_ctx *c = ctx;
	struct kt_simple s = { .result = 3 };

	if (err)
		return;
	/* A group created after failures works. */
	KUNIT_EXPECT_EQ(test, kasync_group_spawn(c->g, &kt_ready_ops, &s,
						 sizeof(s), GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, kasync_group_wait(c->g), 0L);
	KUNIT_EXPECT_EQ(test, kasync_group_len(c->g), 0u);
	kasync_group_destroy(c->g);
}

static void kt_fail_group_new(struct kunit *test)
{
	struct kt_group_ctx c = { };
	const struct kt_fail_op op = {
		.name = "kasync_group_new",
		.run = kt_group_new_run,
		.after = kt_group_new_after,
	};

	c.rt = kt_fail_rt_new(test, "kt_fail_group");
	kt_fail_each(test, &op, &c);
}

static int kt_group_spawn_run(struct kunit *test, void *ctx, unsigned int n,
			      bool *fired)
{
	struct kt_group_ctx *c = ctx;
	struct kt_simple s = { .result = 5 };
	int err;

	kasync_rt_stats(c->rt, &c->before);
	kt_fail_arm(n);
	err = kasync_group_spawn(c->g, &kt_ready_ops, &s, sizeof(s),
				 GFP_KERNEL);
	*fired = kt_fail_disarm();
	return err;
}

static void kt_group_spawn_after(struct kunit *test, void *ctx, int err)
{
	struct kt_group_ctx *c = ctx;

	if (err) {
		/* Nothing registered: no member, live or done (or no wait ends). */
		KUNIT_ASSERT_EQ(test, kasync_group_len(c->g), 0u);
		kt_fail_rt_expect_unchanged(test, c->rt, &c->before);
		return;
	}
	KUNIT_EXPECT_EQ(test, kasync_group_len(c->g), 1u);
	KUNIT_EXPECT_EQ(test, kasync_group_wait(c->g), 0L);
	KUNIT_EXPECT_EQ(test, kasync_group_len(c->g), 0u);
	KUNIT_EXPECT_TRUE(test, kt_fail_rt_wait(c->rt, &c->before));
}

static void kt_fail_group_spawn(struct kunit *test)
{
	struct kt_group_ctx c = { };
	const struct kt_fail_op op = {
		.name = "kasync_group_spawn",
		.run = kt_group_spawn_run,
		.after = kt_group_spawn_after,
	};
	bool fired;
	int err;

	c.rt = kt_fail_rt_new(test, "kt_fail_group");
	c.g = kasync_group_new(c.rt, 0, GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(c.g));
	kt_fail_each(test, &op, &c);
	/* The group still works after the failed spawns. */
	err = kt_group_spawn_run(test, &c, KT_FAIL_MAX + 1, &fired);
	KUNIT_EXPECT_EQ(test, err, 0);
	kt_group_spawn_after(test, &c, err);
	kasync_group_destroy(c.g);
}

/* ---- runtime create ---- */

static const unsigned int kt_rt_flags[] = {
	0, KASYNC_RT_PERCPU, KASYNC_RT_ORDERED,
	KASYNC_RT_PERCPU | KASYNC_RT_MEM_RECLAIM,
};

static void kt_rt_flags_desc(const unsigned int *f, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "flags %#x", *f);
}

KUNIT_ARRAY_PARAM(kt_rt_flags, kt_rt_flags, kt_rt_flags_desc);

struct kt_rt_ctx {
	unsigned int flags;
	struct kasync_rt *rt;
};

static int kt_rt_run(struct kunit *test, void *ctx, unsigned int n,
		     bool *fired)
{
	struct kt_rt_ctx *c = ctx;

	kt_fail_arm(n);
	c->rt = kasync_rt_create("kt_fail_rt", c->flags);
	*fired = kt_fail_disarm();
	return PTR_ERR_OR_ZERO(c->rt);
}

static void kt_rt_after(struct kunit *test, void *ctx, int err)
{
	struct kt_rt_ctx *c = ctx;
	struct kt_simple s = { .result = 9 };
	struct kasync_task *h;

	/* Nothing registered: the name is free again (-EEXIST otherwise). */
	if (err)
		return;
	h = kasync_spawn(c->rt, &kt_ready_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_EXPECT_FALSE(test, IS_ERR(h));
	if (!IS_ERR(h))
		KUNIT_EXPECT_EQ(test, kasync_join(&h), 9L);
	kasync_rt_destroy(c->rt);
}

static void kt_fail_rt_create(struct kunit *test)
{
	struct kt_rt_ctx c = { .flags = *(const unsigned int *)test->param_value };
	const struct kt_fail_op op = {
		.name = "kasync_rt_create",
		.run = kt_rt_run,
		.after = kt_rt_after,
	};

	kt_fail_each(test, &op, &c);
}

/* ---- channels ---- */

struct kt_chan_ctx {
	bool oneshot;
	struct kasync_chan *ch;
	struct kasync_oneshot *os;
};

static int kt_chan_run(struct kunit *test, void *ctx, unsigned int n,
		       bool *fired)
{
	struct kt_chan_ctx *c = ctx;
	int err;

	kt_fail_arm(n);
	if (c->oneshot) {
		c->os = kasync_oneshot_new(sizeof(u64), NULL, GFP_KERNEL);
		err = PTR_ERR_OR_ZERO(c->os);
	} else {
		c->ch = kasync_chan_new(sizeof(u64), 4, NULL, GFP_KERNEL);
		err = PTR_ERR_OR_ZERO(c->ch);
	}
	*fired = kt_fail_disarm();
	return err;
}

static void kt_chan_after(struct kunit *test, void *ctx, int err)
{
	struct kt_chan_ctx *c = ctx;
	struct kasync_oneshot *rx;
	struct kasync_chan *tx;
	u64 v = 42, got = 0;
	bool fired;

	if (err)
		return;
	/* Sending allocates nothing: no fault point, never -ENOMEM. */
	if (c->oneshot) {
		rx = c->os;
		kt_fail_arm(1);
		KUNIT_EXPECT_EQ(test, kasync_oneshot_send(&c->os, &v), 0);
		fired = kt_fail_disarm();
		KUNIT_EXPECT_FALSE(test, fired);
		KUNIT_EXPECT_EQ(test, kasync_oneshot_try_recv(rx, &got), 0);
		kasync_oneshot_rx_drop(&rx);
	} else {
		kt_fail_arm(1);
		KUNIT_EXPECT_EQ(test, kasync_chan_try_send(c->ch, &v), 0);
		KUNIT_EXPECT_EQ(test, kasync_chan_send_wait(c->ch, &v), 0);
		fired = kt_fail_disarm();
		KUNIT_EXPECT_FALSE(test, fired);
		KUNIT_EXPECT_EQ(test, kasync_chan_try_recv(c->ch, &got), 0);
		KUNIT_EXPECT_EQ(test, kasync_chan_try_recv(c->ch, &got), 0);
		tx = c->ch;
		kasync_chan_sender_drop(&tx);
		kasync_chan_rx_drop(&c->ch);
	}
	KUNIT_EXPECT_EQ(test, got, 42ULL);
}

static void kt_fail_chan_new(struct kunit *test)
{
	struct kt_chan_ctx c = { };
	const struct kt_fail_op op = {
		.name = "kasync_chan_new and send",
		.run = kt_chan_run,
		.after = kt_chan_after,
	};

	kt_fail_each(test, &op, &c);
}

static void kt_fail_oneshot_new(struct kunit *test)
{
	struct kt_chan_ctx c = { .oneshot = true };
	const struct kt_fail_op op = {
		.name = "kasync_oneshot_new and send",
		.run = kt_chan_run,
		.after = kt_chan_after,
	};

	kt_fail_each(test, &op, &c);
}

/* ---- blocking offload: armed on the worker, around the first poll ---- */

/* The shared part of the task-armed cases: the test's side of a run. */
struct kt_armed {
	unsigned int n;		/* the fault point to fail */
	bool fired;		/* it was reached */
	bool first_done;	/* the armed first call was made */
};

static atomic_t kt_blk_runs = ATOMIC_INIT(0);

static long kt_blk_fn(void *arg)
{
	atomic_inc(&kt_blk_runs);
	return 42;
}

struct kt_blk_task {
	struct kasync_blocking b;
	struct kt_armed *arm;
	long res;
};

static enum kasync_poll kt_blk_poll(struct kasync_task *t, void *p)
{
	struct kt_blk_task *s = p;
	enum kasync_poll r;

	if (!s->arm->first_done) {
		s->arm->first_done = true;
		kt_fail_arm(s->arm->n);
		r = kasync_blocking(t, &s->b, kt_blk_fn, NULL, &s->res);
		s->arm->fired = kt_fail_disarm();
	} else {
		r = kasync_blocking(t, &s->b, kt_blk_fn, NULL, &s->res);
	}
	if (r == KASYNC_PENDING)
		return r;
	kasync_set_result(t, s->res);
	return KASYNC_READY;
}

static const struct kasync_task_ops kt_blk_ops = {
	.poll = kt_blk_poll,
};

struct kt_blk_ctx {
	struct kasync_rt *rt;
	struct kt_armed arm;
	struct kasync_blocking_stats before;
	int runs_before;
};

static int kt_blk_run(struct kunit *test, void *ctx, unsigned int n,
		      bool *fired)
{
	struct kt_blk_ctx *c = ctx;
	struct kt_blk_task s = { .arm = &c->arm };
	struct kasync_task *h;
	long res;

	c->arm = (struct kt_armed){ .n = n };
	kasync_blocking_stats(&c->before);
	c->runs_before = atomic_read(&kt_blk_runs);
	h = kasync_spawn(c->rt, &kt_blk_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	res = kasync_join(&h);
	*fired = c->arm.fired;
	return res == 42 ? 0 : res;
}

static void kt_blk_after(struct kunit *test, void *ctx, int err)
{
	struct kt_blk_ctx *c = ctx;
	struct kasync_blocking_stats now;

	kasync_blocking_stats(&now);
	if (err) {
		/* Not queued, never run, nothing in flight. */
		KUNIT_EXPECT_EQ(test, now.queued, c->before.queued);
		KUNIT_EXPECT_EQ(test, now.in_flight, c->before.in_flight);
		KUNIT_EXPECT_EQ(test, atomic_read(&kt_blk_runs), c->runs_before);
		return;
	}
	KUNIT_EXPECT_EQ(test, now.queued, c->before.queued + 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&kt_blk_runs), c->runs_before + 1);
}

static void kt_fail_blocking(struct kunit *test)
{
	struct kt_blk_ctx c = { };
	const struct kt_fail_op op = {
		.name = "kasync_blocking",
		.run = kt_blk_run,
		.after = kt_blk_after,
	};

	c.rt = kt_fail_rt_new(test, "kt_fail_blk");
	kt_fail_each(test, &op, &c);
}

/* ---- sockets ---- */

struct kt_sock_ctx {
	int type;
	struct kasync_sock *ks;
};

static int kt_sock_run(struct kunit *test, void *ctx, unsigned int n,
		       bool *fired)
{
	struct kt_sock_ctx *c = ctx;

	kt_fail_arm(n);
	c->ks = kasync_sock_create(NULL, AF_INET, c->type, 0);
	*fired = kt_fail_disarm();
	return PTR_ERR_OR_ZERO(c->ks);
}

static void kt_sock_after(struct kunit *test, void *ctx, int err)
{
	struct kt_sock_ctx *c = ctx;
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	if (err)
		return;
	KUNIT_EXPECT_EQ(test, kasync_sock_bind(c->ks, (struct sockaddr *)&a,
					       sizeof(a)), 0);
	kasync_sock_close(c->ks);
}

static void kt_fail_sock_create(struct kunit *test)
{
	struct kt_sock_ctx c = { .type = SOCK_STREAM };
	struct kt_fail_op op = {
		.name = "kasync_sock_create TCP",
		.net = true,
		.run = kt_sock_run,
		.after = kt_sock_after,
	};
	unsigned int points;

	points = kt_fail_each(test, &op, &c);
	if (!kt_failslab_ready())
		kunit_info(test, "failslab not set up: kasync's own fault point only\n");
	c.type = SOCK_DGRAM;
	op.name = "kasync_sock_create UDP";
	points += kt_fail_each(test, &op, &c);
	KUNIT_EXPECT_GT(test, points, 0u);
}

/* A listener of the kasync or the plain kind on 127.0.0.1, any port. */
static struct socket *kt_plain_listener(struct kunit *test,
					struct sockaddr_in *a)
{
	struct socket *s;
	int len = sizeof(*a);

	*a = (struct sockaddr_in){ .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	KUNIT_ASSERT_EQ(test, sock_create_kern(&init_net, AF_INET, SOCK_STREAM,
					       IPPROTO_TCP, &s), 0);
	KUNIT_ASSERT_EQ(test, kernel_bind(s, (struct sockaddr *)a, len), 0);
	KUNIT_ASSERT_EQ(test, kernel_listen(s, 16), 0);
	KUNIT_ASSERT_EQ(test, kernel_getsockname(s, (struct sockaddr *)a), len);
	return s;
}

static bool kt_accept_queued(struct socket *ls)
{
	return !reqsk_queue_empty(&inet_csk(ls->sk)->icsk_accept_queue);
}

/* A connection to @a from a plain kernel socket, queued on its listener. */
static struct socket *kt_plain_connect(struct kunit *test,
				       struct sockaddr_in *a)
{
	struct socket *s;

	KUNIT_ASSERT_EQ(test, sock_create_kern(&init_net, AF_INET, SOCK_STREAM,
					       IPPROTO_TCP, &s), 0);
	KUNIT_ASSERT_EQ(test, kernel_connect(s, (struct sockaddr *)a,
					     sizeof(*a), 0), 0);
	return s;
}

struct kt_accept_task {
	struct kasync_sock_op op;
	struct kasync_sock *ls, *nks;
	struct kasync_sock **out;
	struct kt_armed *arm;
	long res;
};

static enum kasync_poll kt_accept_poll(struct kasync_task *t, void *p)
{
	struct kt_accept_task *s = p;
	enum kasync_poll r;

	if (!s->arm->first_done) {
		s->arm->first_done = true;
		kt_fail_arm(s->arm->n);
		r = kasync_sock_accept(t, s->ls, &s->op, &s->nks, &s->res);
		s->arm->fired = kt_fail_disarm();
	} else {
		r = kasync_sock_accept(t, s->ls, &s->op, &s->nks, &s->res);
	}
	if (r == KASYNC_PENDING)
		return r;
	if (!s->res)
		*s->out = s->nks;
	kasync_set_result(t, s->res);
	return KASYNC_READY;
}

static const struct kasync_task_ops kt_accept_ops = {
	.poll = kt_accept_poll,
};

struct kt_accept_ctx {
	struct kasync_rt *rt;
	struct kasync_sock *ls;
	struct sockaddr_in addr;
	struct kt_armed arm;
	struct socket *client;
	struct kasync_sock *nks;
};

static int kt_accept_run(struct kunit *test, void *ctx, unsigned int n,
			 bool *fired)
{
	struct kt_accept_ctx *c = ctx;
	struct kt_accept_task s = { .ls = c->ls, .out = &c->nks,
				    .arm = &c->arm };
	struct kasync_task *h;
	long res;

	/* A connection an earlier failure left queued is accepted now. */
	if (!c->client)
		c->client = kt_plain_connect(test, &c->addr);
	/* Queued before the task polls: its first poll accepts. */
	KUNIT_ASSERT_TRUE(test, kt_wait_for(kt_accept_queued(kasync_sock_socket(c->ls)),
					    5000));
	c->arm = (struct kt_armed){ .n = n };
	c->nks = NULL;
	h = kasync_spawn(c->rt, &kt_accept_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	res = kasync_join_timeout(&h, 5 * HZ);
	if (h) {
		kasync_abort(h);
		kasync_join(&h);
		KUNIT_FAIL(test, "accept of a queued connection waits");
	}
	*fired = c->arm.fired;
	return res;
}

static void kt_accept_after(struct kunit *test, void *ctx, int err)
{
	struct kt_accept_ctx *c = ctx;
	char b;
	struct kvec iov = { .iov_base = &b, .iov_len = 1 };
	struct msghdr msg = { };
	int r;

	if (!err) {
		KUNIT_EXPECT_NOT_NULL(test, c->nks);
		kasync_sock_close(c->nks);
	} else if (kt_accept_queued(kasync_sock_socket(c->ls))) {
		/* Failed before taking it: it stays for the next accept. */
		return;
	}
	/* Taken off the queue: the client sees the end, EOF or a reset. */
	c->client->sk->sk_rcvtimeo = 5 * HZ;
	r = kernel_recvmsg(c->client, &msg, &iov, 1, 1, 0);
	KUNIT_EXPECT_TRUE_MSG(test, r == 0 || r == -ECONNRESET,
			      "client read %d after the accept", r);
	sock_release(c->client);
	c->client = NULL;
}

static void kt_fail_accept(struct kunit *test)
{
	struct kt_accept_ctx c = { };
	struct sockaddr_storage ss;
	const struct kt_fail_op op = {
		.name = "kasync_sock_accept",
		.net = true,
		.run = kt_accept_run,
		.after = kt_accept_after,
	};
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	c.rt = kt_fail_rt_new(test, "kt_fail_net");
	c.ls = kasync_sock_create(NULL, AF_INET, SOCK_STREAM, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(c.ls));
	KUNIT_ASSERT_EQ(test, kasync_sock_bind(c.ls, (struct sockaddr *)&a,
					       sizeof(a)), 0);
	KUNIT_ASSERT_EQ(test, kasync_sock_listen(c.ls, 16), 0);
	KUNIT_ASSERT_EQ(test, kasync_sock_local_addr(c.ls, &ss),
			(int)sizeof(c.addr));
	memcpy(&c.addr, &ss, sizeof(c.addr));
	kt_fail_each(test, &op, &c);
	if (c.client)
		sock_release(c.client);
	kasync_sock_close(c.ls);
}

struct kt_connect_task {
	struct kasync_sock_connect c;
	struct kasync_sock *ks;
	struct sockaddr_in addr;
	struct kt_armed *arm;
	long res;
};

static enum kasync_poll kt_connect_poll(struct kasync_task *t, void *p)
{
	struct kt_connect_task *s = p;
	enum kasync_poll r;

	if (!s->arm->first_done) {
		s->arm->first_done = true;
		kt_fail_arm(s->arm->n);
		r = kasync_sock_connect(t, s->ks, &s->c,
					(struct sockaddr *)&s->addr,
					sizeof(s->addr), 5 * NSEC_PER_SEC,
					&s->res);
		s->arm->fired = kt_fail_disarm();
	} else {
		r = kasync_sock_connect(t, s->ks, &s->c,
					(struct sockaddr *)&s->addr,
					sizeof(s->addr), 5 * NSEC_PER_SEC,
					&s->res);
	}
	if (r == KASYNC_PENDING)
		return r;
	kasync_set_result(t, s->res);
	return KASYNC_READY;
}

static const struct kasync_task_ops kt_connect_ops = {
	.poll = kt_connect_poll,
};

struct kt_connect_ctx {
	struct kasync_rt *rt;
	struct socket *ls;
	struct sockaddr_in addr;
	struct kt_armed arm;
	struct kasync_sock *ks;
};

static int kt_connect_run(struct kunit *test, void *ctx, unsigned int n,
			  bool *fired)
{
	struct kt_connect_ctx *c = ctx;
	struct kt_connect_task s = { .addr = c->addr, .arm = &c->arm };
	struct kasync_task *h;
	long res;

	c->ks = kasync_sock_create(NULL, AF_INET, SOCK_STREAM, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(c->ks));
	s.ks = c->ks;
	c->arm = (struct kt_armed){ .n = n };
	h = kasync_spawn(c->rt, &kt_connect_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	res = kasync_join(&h);
	*fired = c->arm.fired;
	return res;
}

static void kt_connect_after(struct kunit *test, void *ctx, int err)
{
	struct kt_connect_ctx *c = ctx;
	struct socket *ns;

	if (!err) {
		/* The listener got the connection. */
		KUNIT_EXPECT_TRUE(test, kt_wait_for(kt_accept_queued(c->ls), 5000));
	}
	while (!kernel_accept(c->ls, &ns, O_NONBLOCK))
		sock_release(ns);
	kasync_sock_close(c->ks);
}

static void kt_fail_connect(struct kunit *test)
{
	struct kt_connect_ctx c = { };
	const struct kt_fail_op op = {
		.name = "kasync_sock_connect",
		.net = true,
		.run = kt_connect_run,
		.after = kt_connect_after,
	};

	/* connect allocates nothing of kasync's: only failslab reaches it. */
	if (!kt_failslab_ready())
		kunit_skip(test, "failslab not set up as scripts/vm-tests does");
	c.rt = kt_fail_rt_new(test, "kt_fail_net");
	c.ls = kt_plain_listener(test, &c.addr);
	kt_fail_each(test, &op, &c);
	sock_release(c.ls);
}

static struct kunit_case kasync_fail_cases[] = {
	KUNIT_CASE_PARAM(kt_fail_spawn, kt_spawn_gen_params),
	KUNIT_CASE(kt_fail_group_new),
	KUNIT_CASE(kt_fail_group_spawn),
	KT_CASE_PARAM_SLOW(kt_fail_rt_create, kt_rt_flags_gen_params),
	KUNIT_CASE(kt_fail_chan_new),
	KUNIT_CASE(kt_fail_oneshot_new),
	KUNIT_CASE(kt_fail_blocking),
	KUNIT_CASE(kt_fail_sock_create),
	KUNIT_CASE(kt_fail_accept),
	KUNIT_CASE(kt_fail_connect),
	{}
};

static struct kunit_suite kasync_fail_suite = {
	.name = "kasync_fail",
	.test_cases = kasync_fail_cases,
};

kunit_test_suite(kasync_fail_suite);

MODULE_DESCRIPTION("KUnit tests of kasync under allocation failure");
MODULE_LICENSE("GPL");
