// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite kasync_spawn: spawning in two steps (alloc, build the state
 * in place, start; or discard), with the runtime destroyed, the owner
 * gone or the task aborted between the steps; a group member in one
 * allocation; and spawning with typed ops (KASYNC_TASK_OPS()).
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <trace/events/kmem.h>
#include <kasync/testing.h>

#include "kasync_test.h"
#include "../kasync/compat.h"

/* ---- alloc, build in place, start ---------------------------------------- */

struct ks_item {
	struct list_head node;
	long val;
};

/* A state that cannot be built on the stack and copied: it points at itself. */
struct ks_inplace {
	struct list_head items;
	struct ks_item item[4];
	struct ks_inplace *self;
	u8 pad[2048];		/* too large for a stack copy, too */
};

static enum kasync_poll ks_inplace_poll(struct kasync_task *t, void *p)
{
	struct ks_inplace *s = p;
	struct ks_item *it;
	long sum = 0;

	/* Every link must point into this copy: nothing was moved. */
	if (s->self != s || s->items.next != &s->item[0].node) {
		kasync_set_result(t, -EFAULT);
		return KASYNC_READY;
	}
	list_for_each_entry(it, &s->items, node)
		sum += it->val;
	kasync_set_result(t, sum);
	return KASYNC_READY;
}

static const struct kasync_task_ops ks_inplace_ops = {
	.poll = ks_inplace_poll,
};

static void ks_alloc_fill_start_join(struct kunit *test)
{
	struct kasync_task *t, *h;
	struct ks_inplace *s;
	int i;

	t = kasync_task_alloc(NULL, &ks_inplace_ops, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	s = kasync_task_state(t);
	/* Zeroed, like kasync_spawn() with a NULL init. */
	KUNIT_EXPECT_NULL(test, memchr_inv(s, 0, sizeof(*s)));
	INIT_LIST_HEAD(&s->items);
	for (i = 0; i < ARRAY_SIZE(s->item); i++) {
		s->item[i].val = 10 * (i + 1);
		list_add_tail(&s->item[i].node, &s->items);
	}
	s->self = s;
	h = kasync_task_start(t);
	KUNIT_ASSERT_PTR_EQ(test, h, t);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), 100L);
}

/* A wake before start does nothing; start queues exactly one poll. */
static void ks_wake_before_start(struct kunit *test)
{
	atomic_t polls = ATOMIC_INIT(0), drops = ATOMIC_INIT(0);
	struct kasync_task *t, *h;
	struct kt_simple *s;
	int i;

	t = kasync_task_alloc(NULL, &kt_never_ops, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	s = kasync_task_state(t);
	s->polls = &polls;
	s->drops = &drops;
	for (i = 0; i < 3; i++)
		kasync_wake(t);
	msleep(20);
	KUNIT_EXPECT_EQ(test, atomic_read(&polls), 0);
	h = kasync_task_start(t);
	KUNIT_ASSERT_PTR_EQ(test, h, t);
	KUNIT_EXPECT_TRUE(test, kt_wait_for(atomic_read(&polls) == 1, 5000));
	msleep(20);
	KUNIT_EXPECT_EQ(test, atomic_read(&polls), 1);
	KUNIT_EXPECT_EQ(test, kasync_abort(h), 0);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-ECANCELED);
	KUNIT_EXPECT_EQ(test, atomic_read(&drops), 1);
}

/* alloc_on(): a per-CPU runtime polls the task on the CPU asked for. */
struct ks_where {
	int cpu;
};

static enum kasync_poll ks_where_poll(struct kasync_task *t, void *p)
{
	struct ks_where *s = p;

	s->cpu = raw_smp_processor_id();
	kasync_set_result(t, s->cpu);
	return KASYNC_READY;
}

static const struct kasync_task_ops ks_where_ops = { .poll = ks_where_poll };

static void ks_alloc_on_cpu(struct kunit *test)
{
	unsigned int cpu = kt_other_cpu(raw_smp_processor_id());
	struct kasync_task *t, *h;
	struct kasync_rt *rt;

	rt = kasync_rt_create("ks_on", KASYNC_RT_PERCPU);
	KUNIT_ASSERT_FALSE(test, IS_ERR(rt));
	t = kasync_task_alloc_on(rt, cpu, &ks_where_ops,
				 sizeof(struct ks_where), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	h = kasync_task_start(t);
	KUNIT_ASSERT_PTR_EQ(test, h, t);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)cpu);
	kasync_rt_destroy(rt);
}

static void ks_alloc_einval(struct kunit *test)
{
	static const struct kasync_task_ops no_poll = {};
	atomic_t polls = ATOMIC_INIT(0);
	struct kasync_task *t, *h;
	unsigned int misuse;
	struct kt_simple *s;

	t = kasync_task_alloc(NULL, NULL, 8, GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(t), -EINVAL);
	t = kasync_task_alloc(NULL, &no_poll, 8, GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(t), -EINVAL);
	t = kasync_task_alloc(NULL, &kt_ready_ops, KASYNC_STATE_MAX + 1,
			      GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(t), -EINVAL);
	t = kasync_task_alloc_on(NULL, nr_cpu_ids, &kt_ready_ops, 8,
				 GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(t), -EINVAL);
	t = kasync_task_alloc_on(NULL, -2, &kt_ready_ops, 8, GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(t), -EINVAL);

	/* Unwinding may discard what alloc returned, unchecked. */
	kasync_task_discard(NULL);
	kasync_task_discard(ERR_PTR(-ENOMEM));

	misuse = kt_expect_misuse(test);
	KUNIT_EXPECT_EQ(test, PTR_ERR(kasync_task_start(NULL)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(kasync_task_start(ERR_PTR(-ENOMEM))),
			-EINVAL);
	KT_EXPECT_MISUSE(test, misuse, 2U);

	/* Started twice, or discarded once started: refused, task intact. */
	t = kasync_task_alloc(NULL, &kt_ready_ops, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	s = kasync_task_state(t);
	s->result = 3;
	s->polls = &polls;
	h = kasync_task_start(t);
	KUNIT_ASSERT_PTR_EQ(test, h, t);
	KUNIT_EXPECT_EQ(test, PTR_ERR(kasync_task_start(t)), -EINVAL);
	kasync_task_discard(t);
	KT_EXPECT_MISUSE(test, misuse, 4U);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), 3L);
	KUNIT_EXPECT_EQ(test, atomic_read(&polls), 1);
}

/* ---- discard --------------------------------------------------------------- */

#define KS_N	16

/* Nothing of a discarded task runs, and the runtime counts it gone. */
static void ks_alloc_discard(struct kunit *test)
{
	atomic_t polls = ATOMIC_INIT(0), drops = ATOMIC_INIT(0);
	struct kasync_task *t[KS_N];
	struct kasync_stats st;
	struct kasync_rt *rt;
	struct kt_simple *s;
	int i;

	rt = kasync_rt_create("ks_discard", 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(rt));
	for (i = 0; i < KS_N; i++) {
		t[i] = kasync_task_alloc(rt, &kt_ready_ops, sizeof(*s),
					 GFP_KERNEL);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t[i]));
		s = kasync_task_state(t[i]);
		s->polls = &polls;
		s->drops = &drops;
	}
	kasync_rt_stats(rt, &st);
	KUNIT_EXPECT_EQ(test, st.alive, (u64)KS_N);
	for (i = 0; i < KS_N; i++)
		kasync_task_discard(t[i]);
	/* Freed from the worker once off the live list: wait for that. */
	KUNIT_EXPECT_TRUE(test, kt_wait_for((kasync_rt_stats(rt, &st),
					     st.alive == 0), 5000));
	KUNIT_EXPECT_EQ(test, st.spawned, (u64)KS_N);
	KUNIT_EXPECT_EQ(test, st.cancelled, (u64)KS_N);
	KUNIT_EXPECT_EQ(test, st.completed, 0ULL);
	/* (st.polls counts the worker's runs, the finalizing one too.) */
	KUNIT_EXPECT_EQ(test, atomic_read(&polls), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&drops), 0);
	kasync_rt_destroy(rt);
}

/* ---- the runtime or the owner goes away between the steps ---------------- */

/*
 * Destroy does not wait for a task that was allocated and not started: it
 * cancels it.  Start then returns a cancelled handle, having run the drop
 * (the runtime being gone, in this call); discard runs nothing.
 */
static void ks_alloc_destroy_start(struct kunit *test)
{
	atomic_t polls = ATOMIC_INIT(0), drops = ATOMIC_INIT(0);
	atomic_t dpolls = ATOMIC_INIT(0), ddrops = ATOMIC_INIT(0);
	struct kasync_task *t, *d, *h;
	struct kasync_rt *rt;
	struct kt_simple *s;

	rt = kasync_rt_create("ks_destroy", 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(rt));
	t = kasync_task_alloc(rt, &kt_ready_ops, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	d = kasync_task_alloc(rt, &kt_ready_ops, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(d));
	s = kasync_task_state(t);
	s->result = 1;
	s->polls = &polls;
	s->drops = &drops;
	s = kasync_task_state(d);
	s->polls = &dpolls;
	s->drops = &ddrops;

	kasync_rt_destroy(rt);		/* returns: rt is freed */
	KUNIT_EXPECT_EQ(test, atomic_read(&drops), 0);

	h = kasync_task_start(t);
	KUNIT_ASSERT_PTR_EQ(test, h, t);
	/* The drop ran in kasync_task_start(), on the state as built. */
	KUNIT_EXPECT_EQ(test, atomic_read(&drops), 1);
	KUNIT_EXPECT_TRUE(test, kasync_task_finished(h));
	KUNIT_EXPECT_EQ(test, kasync_abort(h), -EALREADY);
	kasync_wake(h);			/* a finished task: nothing to do */
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-ECANCELED);
	KUNIT_EXPECT_EQ(test, atomic_read(&drops), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&polls), 0);

	kasync_task_discard(d);
	KUNIT_EXPECT_EQ(test, atomic_read(&dpolls), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ddrops), 0);
}

/*
 * The owner's unload (kasync_cancel_owner(), what the module notifier
 * runs) cancels an unstarted task without waiting for it; a departing
 * owner cannot allocate.
 */
static void ks_alloc_owner_gone(struct kunit *test)
{
	atomic_t polls = ATOMIC_INIT(0), drops = ATOMIC_INIT(0);
	struct kasync_task *t, *h;
	struct kt_simple *s;
	struct module *fake;

	/* A stand-in module: only its identity and state are used. */
	fake = kunit_kzalloc(test, sizeof(*fake), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fake);
	fake->state = MODULE_STATE_LIVE;
	t = __kasync_task_alloc(NULL, -1, &kt_ready_ops, sizeof(*s),
				GFP_KERNEL, fake);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	s = kasync_task_state(t);
	s->result = 1;
	s->polls = &polls;
	s->drops = &drops;

	KUNIT_EXPECT_EQ(test, kasync_cancel_owner(fake), 1U);
	KUNIT_EXPECT_EQ(test, kasync_cancel_owner(fake), 0U);
	h = kasync_task_start(t);
	KUNIT_ASSERT_PTR_EQ(test, h, t);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-ECANCELED);
	KUNIT_EXPECT_EQ(test, atomic_read(&drops), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&polls), 0);

	fake->state = MODULE_STATE_GOING;
	t = __kasync_task_alloc(NULL, -1, &kt_ready_ops, sizeof(*s),
				GFP_KERNEL, fake);
	KUNIT_EXPECT_EQ(test, PTR_ERR(t), -ESHUTDOWN);
}

/*
 * An abort before start races the worker that finalizes the task with
 * the start that clears NEW: whichever comes first, the task is never
 * polled, its drop runs exactly once and the joiner gets -ECANCELED.
 */
static void ks_abort_then_start(struct kunit *test)
{
	atomic_t polls = ATOMIC_INIT(0), drops = ATOMIC_INIT(0);
	struct kasync_task *t, *h;
	struct kt_simple *s;
	int i, fails = 0;

	for (i = 0; i < 200; i++) {
		t = kasync_task_alloc(NULL, &kt_ready_ops, sizeof(*s),
				      GFP_KERNEL);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
		s = kasync_task_state(t);
		s->result = 1;
		s->polls = &polls;
		s->drops = &drops;
		KUNIT_EXPECT_EQ(test, kasync_abort(t), 0);
		if (i & 1)
			kt_spin_us(i % 50);	/* let the worker get there first */
		h = kasync_task_start(t);
		KUNIT_ASSERT_PTR_EQ(test, h, t);
		fails += kasync_join(&h) != -ECANCELED;
	}
	KUNIT_EXPECT_EQ(test, fails, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&polls), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&drops), 200);
}

/* Destroy a runtime from another thread while its tasks are started. */
struct ks_destroyer {
	struct kasync_rt *rt;
	struct completion go;
	struct completion done;
};

static int ks_destroy_thread(void *p)
{
	struct ks_destroyer *d = p;

	wait_for_completion(&d->go);
	kasync_rt_destroy(d->rt);
	complete(&d->done);
	return 0;
}

#define KS_ROUNDS	20

/*
 * Start (or discard) tasks while their runtime is destroyed: every start
 * gives a handle that completes (polled before the cancel walk) or is
 * cancelled, each drop of a started task runs once, discarded ones run
 * nothing, and destroy returns.
 */
static void ks_start_races_destroy(struct kunit *test)
{
	atomic_t polls = ATOMIC_INIT(0), drops = ATOMIC_INIT(0);
	struct kasync_task *t[KS_N];
	struct ks_destroyer d;
	struct task_struct *k;
	int r, i, started = 0, bad = 0;
	struct kt_simple *s;
	long ret;

	for (r = 0; r < KS_ROUNDS; r++) {
		d.rt = kasync_rt_create("ks_race", r & 1 ? KASYNC_RT_PERCPU : 0);
		KUNIT_ASSERT_FALSE(test, IS_ERR(d.rt));
		init_completion(&d.go);
		init_completion(&d.done);
		for (i = 0; i < KS_N; i++) {
			t[i] = kasync_task_alloc(d.rt, &kt_ready_ops,
						 sizeof(*s), GFP_KERNEL);
			KUNIT_ASSERT_FALSE(test, IS_ERR(t[i]));
			s = kasync_task_state(t[i]);
			s->result = 1;
			s->polls = &polls;
			s->drops = &drops;
		}
		k = kthread_run(ks_destroy_thread, &d, "ks_destroy");
		KUNIT_ASSERT_FALSE(test, IS_ERR(k));
		complete(&d.go);
		for (i = 0; i < KS_N; i++) {
			if ((i + r) % 4 == 3) {
				kasync_task_discard(t[i]);
				t[i] = NULL;
				continue;
			}
			t[i] = kasync_task_start(t[i]);
			started++;
			if (r & 2)
				kt_spin_us(20);
		}
		wait_for_completion(&d.done);
		for (i = 0; i < KS_N; i++) {
			if (!t[i])
				continue;
			ret = kasync_join(&t[i]);
			bad += ret != 1 && ret != -ECANCELED;
		}
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&drops), started);
	KUNIT_EXPECT_LE(test, atomic_read(&polls), started);
	kunit_info(test, "%d started, %d polled before the cancel walk\n",
		   started, atomic_read(&polls));
}

/* ---- a group member is one allocation --------------------------------------- */

/* kmalloc() calls of one thread, seen by the kmalloc tracepoint. */
struct ks_allocs {
	struct task_struct *who;
	unsigned int n;
	const void *ptr;
	size_t bytes;
};

static void ks_kmalloc_probe(void *data, unsigned long call_site,
			     const void *ptr, size_t bytes_req,
			     size_t bytes_alloc, gfp_t gfp, int node)
{
	struct ks_allocs *a = data;

	if (!in_task() || current != a->who)
		return;
	if (!a->n++) {
		a->ptr = ptr;
		a->bytes = bytes_alloc;
	}
}

struct ks_member {
	long val;
	atomic_t *sum;
	struct kasync_task **self;	/* where the task writes itself */
	const void **state;		/* and its state's address */
	/*
	 * Past the 512 bytes of kasync's task memory caches: the memory
	 * of such a task comes from kmalloc, one call each, so the probe
	 * below sees every allocation.
	 */
	char pad[400];
};

static enum kasync_poll ks_member_poll(struct kasync_task *t, void *p)
{
	struct ks_member *s = p;

	if (s->self) {
		WRITE_ONCE(*s->self, t);
		WRITE_ONCE(*s->state, p);
	}
	atomic_add(s->val, s->sum);
	kasync_set_result(t, s->val);
	return KASYNC_READY;
}

static const struct kasync_task_ops ks_member_ops = {
	.poll = ks_member_poll,
};

/*
 * kasync_group_spawn() allocates exactly once per member, and that one
 * allocation is the task, holding the caller's state: counted with a
 * probe on the kmalloc tracepoint around each spawn.  (Spawning through
 * a temporary copy, as before the two-step spawn, counts two.)  The
 * member's state is large enough that its task bypasses kasync's caches
 * of task memory, which would otherwise serve it without a kmalloc.
 */
static void ks_group_one_alloc(struct kunit *test)
{
	struct ks_allocs a = { .who = current };
	struct kasync_task *self = NULL;
	atomic_t sum = ATOMIC_INIT(0);
	const void *state = NULL;
	struct ks_member m = { .sum = &sum, .state = &state };
	struct kasync_group *g;
	unsigned int n[3];
	int i, err;

	g = kasync_group_new(NULL, 0, GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(g));
	KUNIT_ASSERT_EQ(test, register_trace_kmalloc(ks_kmalloc_probe, &a), 0);
	for (i = 0; i < ARRAY_SIZE(n); i++) {
		a.n = 0;
		m.val = i + 1;
		/* The last member reports where it lives. */
		m.self = i == ARRAY_SIZE(n) - 1 ? &self : NULL;
		err = kasync_group_spawn(g, &ks_member_ops, &m, sizeof(m),
					 GFP_KERNEL);
		n[i] = a.n;
		KUNIT_EXPECT_EQ(test, err, 0);
	}
	unregister_trace_kmalloc(ks_kmalloc_probe, &a);
	tracepoint_synchronize_unregister();

	for (i = 0; i < ARRAY_SIZE(n); i++)
		KUNIT_EXPECT_EQ_MSG(test, n[i], 1U, "member %d", i);
	/* The group works as before: all results in, none lost. */
	KUNIT_EXPECT_EQ(test, kasync_group_wait(g), 0L);
	KUNIT_EXPECT_EQ(test, atomic_read(&sum), 1 + 2 + 3);
	KUNIT_EXPECT_EQ(test, kasync_group_len(g), 0U);
	kasync_group_destroy(g);
	/*
	 * The last member's one allocation is its task, and the state its
	 * poll got lies inside it.  (The task is freed by now: only the
	 * addresses are compared.)
	 */
	KUNIT_ASSERT_NOT_NULL(test, self);
	KUNIT_EXPECT_PTR_EQ(test, (const void *)self, a.ptr);
	KUNIT_EXPECT_TRUE(test, state > a.ptr &&
			  (const char *)state + sizeof(m) <=
			  (const char *)a.ptr + a.bytes);
}

/* ---- typed ops ------------------------------------------------------------ */

struct ks_typed {
	int a;
	long b;
	char tail[13];		/* an odd size: the whole state is copied */
	atomic_t *drops;
};

static const char ks_tail[13] = "typed-state!";

static enum kasync_poll ks_typed_poll(struct kasync_task *t, struct ks_typed *s)
{
	bool ok = !memcmp(s->tail, ks_tail, sizeof(ks_tail)) &&
		  kasync_task_state(t) == s;

	kasync_set_result(t, ok ? s->a + s->b : -EFAULT);
	return KASYNC_READY;
}

static void ks_typed_drop(struct ks_typed *s)
{
	if (s->drops)
		atomic_inc(s->drops);
}

KASYNC_TASK_OPS(ks_typed_ops, struct ks_typed, ks_typed_poll, ks_typed_drop);
KASYNC_TASK_OPS(ks_typed_nodrop_ops, struct ks_typed, ks_typed_poll, NULL);

static void ks_typed_spawn(struct kunit *test)
{
	atomic_t drops = ATOMIC_INIT(0);
	struct ks_typed init = { .a = 40, .b = 2, .drops = &drops };
	struct kasync_task *h;

	memcpy(init.tail, ks_tail, sizeof(ks_tail));
	h = kasync_spawn_typed(NULL, &ks_typed_ops, &init, GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	memset(&init, 0, sizeof(init));		/* the task has its copy */
	KUNIT_EXPECT_EQ(test, kasync_join(&h), 42L);
	KUNIT_EXPECT_EQ(test, atomic_read(&drops), 1);
}

/* A %NULL drop gives an ops table without one. */
static void ks_typed_no_drop(struct kunit *test)
{
	struct ks_typed init = { .a = 1, .b = 2 };
	struct kasync_task *h;

	KUNIT_EXPECT_NULL(test, ks_typed_nodrop_ops.ops.drop);
	memcpy(init.tail, ks_tail, sizeof(ks_tail));
	h = kasync_spawn_typed_on(NULL, raw_smp_processor_id(),
				  &ks_typed_nodrop_ops, &init, GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_EXPECT_EQ(test, kasync_join(&h), 3L);
}

/* The typed two-step form: a zeroed state of the table's type. */
static void ks_typed_alloc(struct kunit *test)
{
	atomic_t drops = ATOMIC_INIT(0);
	struct kasync_task *t, *h;
	struct ks_typed *s;

	t = kasync_task_alloc_typed(NULL, &ks_typed_ops, GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	s = kasync_task_state(t);
	KUNIT_EXPECT_NULL(test, memchr_inv(s, 0, sizeof(*s)));
	s->a = 5;
	s->b = 6;
	s->drops = &drops;
	memcpy(s->tail, ks_tail, sizeof(ks_tail));
	h = kasync_task_start(t);
	KUNIT_ASSERT_PTR_EQ(test, h, t);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), 11L);
	KUNIT_EXPECT_EQ(test, atomic_read(&drops), 1);
}

static struct kunit_case kasync_spawn_cases[] = {
	KUNIT_CASE(ks_alloc_fill_start_join),
	KUNIT_CASE(ks_wake_before_start),
	KUNIT_CASE(ks_alloc_on_cpu),
	KUNIT_CASE(ks_alloc_einval),
	KUNIT_CASE(ks_alloc_discard),
	KUNIT_CASE(ks_alloc_destroy_start),
	KUNIT_CASE(ks_alloc_owner_gone),
	KUNIT_CASE(ks_abort_then_start),
	KUNIT_CASE_SLOW(ks_start_races_destroy),
	KUNIT_CASE(ks_group_one_alloc),
	KUNIT_CASE(ks_typed_spawn),
	KUNIT_CASE(ks_typed_no_drop),
	KUNIT_CASE(ks_typed_alloc),
	{}
};

static struct kunit_suite kasync_spawn_suite = {
	.name = "kasync_spawn",
	.test_cases = kasync_spawn_cases,
};

kunit_test_suite(kasync_spawn_suite);

MODULE_DESCRIPTION("KUnit tests for kasync's two-step and typed spawn");
MODULE_LICENSE("GPL");
/* kasync_cancel_owner() */
KASYNC_MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
