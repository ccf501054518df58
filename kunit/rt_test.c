// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite kasync_rt: runtime creation errors, flags, -ESHUTDOWN while
 * destroying, destroy with tasks in every state, and the module-unload
 * path (cancel every task of an owner) through kasync_cancel_owner().
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <kasync/testing.h>

#include "kasync_test.h"

static void kr_create_einval(struct kunit *test)
{
	static const char long_name[] = "a-runtime-name-that-is-too-long-for-kasync";

	KUNIT_EXPECT_EQ(test, PTR_ERR(kasync_rt_create(NULL, 0)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(kasync_rt_create("", 0)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(kasync_rt_create(long_name, 0)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(kasync_rt_create("a/b", 0)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(kasync_rt_create("kr", 0x100)), -EINVAL);
	KUNIT_EXPECT_EQ(test,
			PTR_ERR(kasync_rt_create("kr", KASYNC_RT_PERCPU |
						 KASYNC_RT_ORDERED)),
			-EINVAL);
}

static void kr_create_eexist(struct kunit *test)
{
	struct kasync_rt *rt;

	rt = kasync_rt_create("kr_dup", 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(rt));
	KUNIT_EXPECT_EQ(test, PTR_ERR(kasync_rt_create("kr_dup", 0)), -EEXIST);
	KUNIT_EXPECT_EQ(test, PTR_ERR(kasync_rt_create("default", 0)),
			-EEXIST);
	kasync_rt_destroy(rt);
	/* The name is free again. */
	rt = kasync_rt_create("kr_dup", KASYNC_RT_PERCPU);
	KUNIT_ASSERT_FALSE(test, IS_ERR(rt));
	kasync_rt_destroy(rt);
	kasync_rt_destroy(NULL);		/* ignored */
	kasync_rt_destroy(ERR_PTR(-EINVAL));	/* ignored */
}

static const unsigned int kr_flag_sets[] = {
	0,
	KASYNC_RT_PERCPU,
	KASYNC_RT_ORDERED,
	KASYNC_RT_HIGHPRI,
	KASYNC_RT_MEM_RECLAIM,
	KASYNC_RT_PERCPU | KASYNC_RT_HIGHPRI | KASYNC_RT_MEM_RECLAIM,
	KASYNC_RT_ORDERED | KASYNC_RT_HIGHPRI | KASYNC_RT_MEM_RECLAIM,
};

static void kr_flags_desc(const unsigned int *f, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "flags %#x", *f);
}

KUNIT_ARRAY_PARAM(kr_flags, kr_flag_sets, kr_flags_desc);

/* Every flag combination runs tasks to completion. */
static void kr_flags_run(struct kunit *test)
{
	const unsigned int *flags = test->param_value;
	struct kt_simple s = {};
	struct kasync_task *h[8];
	struct kasync_rt *rt;
	int i;

	rt = kasync_rt_create("kr_flags", *flags);
	KUNIT_ASSERT_FALSE(test, IS_ERR(rt));
	for (i = 0; i < ARRAY_SIZE(h); i++) {
		s.result = i;
		h[i] = kasync_spawn(rt, &kt_ready_ops, &s, sizeof(s),
				    GFP_KERNEL);
		KUNIT_EXPECT_FALSE(test, IS_ERR(h[i]));
	}
	for (i = 0; i < ARRAY_SIZE(h); i++) {
		if (!IS_ERR(h[i]))
			KUNIT_EXPECT_EQ(test, kasync_join(&h[i]), (long)i);
	}
	kasync_rt_destroy(rt);
}

/* ---- destroy ----------------------------------------------------------------- */

struct kr_respawn {
	struct kasync_rt *rt;
	long *spawn_err;
};

/* Drop callback of a task cancelled by destroy: spawning must fail. */
static void kr_respawn_drop(void *p)
{
	struct kr_respawn *s = p;
	struct kt_simple c = {};
	struct kasync_task *h;

	h = kasync_spawn(s->rt, &kt_ready_ops, &c, sizeof(c), GFP_ATOMIC);
	*s->spawn_err = PTR_ERR_OR_ZERO(h);
	if (!IS_ERR(h))
		kasync_detach(&h);
}

static enum kasync_poll kr_pending_poll(struct kasync_task *t, void *p)
{
	/* Woken, or aborted, by the test. */
	kasync_task_waits(t, KASYNC_WAIT_OTHER);
	return KASYNC_PENDING;
}

static const struct kasync_task_ops kr_respawn_ops = {
	.poll = kr_pending_poll,
	.drop = kr_respawn_drop,
};

static void kr_spawn_eshutdown(struct kunit *test)
{
	struct kr_respawn s = {};
	struct kasync_task *h;
	long err = 1;

	s.rt = kasync_rt_create("kr_shutdown", 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(s.rt));
	s.spawn_err = &err;
	h = kasync_spawn(s.rt, &kr_respawn_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	kasync_rt_destroy(s.rt);
	KUNIT_EXPECT_EQ(test, err, (long)-ESHUTDOWN);
	/* The handle outlives the runtime. */
	KUNIT_EXPECT_TRUE(test, kasync_task_finished(h));
	KUNIT_EXPECT_EQ(test, kasync_abort(h), -EALREADY);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-ECANCELED);
}

struct kr_state {
	struct kasync_co co;
	struct kasync_cleanup hook;
	atomic_t *drops;
	atomic_t *hooks;
	atomic_t *polling;
	atomic_t *started;
	int mode;
};

enum { KR_DONE, KR_IDLE, KR_YIELD, KR_SPIN };

static void kr_hook(struct kasync_cleanup *c)
{
	struct kr_state *s = container_of(c, struct kr_state, hook);

	atomic_inc(s->hooks);
}

static enum kasync_poll kr_state_poll(struct kasync_task *t, void *p)
{
	struct kr_state *s = p;

	KASYNC_BEGIN(&s->co);
	s->hook.fn = kr_hook;
	kasync_cleanup_add(t, &s->hook);
	atomic_inc(s->started);
	if (s->mode == KR_DONE) {
		kasync_cleanup_del(t, &s->hook);
		KASYNC_RETURN(&s->co, t, 1);
	}
	if (s->mode == KR_IDLE)
		KASYNC_AWAIT(&s->co, kt_until_aborted(t));
	for (;;) {
		if (s->mode == KR_SPIN) {
			atomic_inc(s->polling);
			kt_spin_us(2000);
		}
		KASYNC_YIELD(&s->co);
	}
	KASYNC_END(&s->co);
}

static void kr_state_drop(void *p)
{
	struct kr_state *s = p;

	atomic_inc(s->drops);
}

static const struct kasync_task_ops kr_state_ops = {
	.poll = kr_state_poll,
	.drop = kr_state_drop,
};

#define KR_EACH		4

/*
 * Destroy with tasks completed-unjoined, idle, queued (yielding) and
 * running (a long poll in progress): every drop runs once, every hook of
 * a cancelled task runs, and the handles stay joinable.
 */
static void kr_destroy_every_state(struct kunit *test)
{
	atomic_t drops = ATOMIC_INIT(0), hooks = ATOMIC_INIT(0);
	atomic_t polling = ATOMIC_INIT(0), started = ATOMIC_INIT(0);
	struct kr_state s = { .drops = &drops, .hooks = &hooks,
			      .polling = &polling, .started = &started };
	struct kasync_task *h[4 * KR_EACH];
	struct kasync_rt *rt;
	long ret;
	int i;

	rt = kasync_rt_create("kr_destroy", 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(rt));
	for (i = 0; i < ARRAY_SIZE(h); i++) {
		s.mode = i % 4;
		h[i] = kasync_spawn(rt, &kr_state_ops, &s, sizeof(s),
				    GFP_KERNEL);
		KUNIT_ASSERT_FALSE(test, IS_ERR(h[i]));
	}
	for (i = 0; i < KR_EACH; i++)
		kt_wait_for(kasync_task_finished(h[4 * i]), 5000);
	/* Every task has registered its hook: a slow host must not race. */
	KUNIT_ASSERT_TRUE(test, kt_wait_for(atomic_read(&started) >= 4 * KR_EACH,
					    5000));
	kt_wait_for(atomic_read(&polling) >= KR_EACH, 5000);
	kasync_rt_destroy(rt);
	KUNIT_EXPECT_EQ(test, atomic_read(&drops), 4 * KR_EACH);
	KUNIT_EXPECT_EQ(test, atomic_read(&hooks), 3 * KR_EACH);
	for (i = 0; i < ARRAY_SIZE(h); i++) {
		ret = kasync_join(&h[i]);
		KUNIT_EXPECT_EQ(test, ret, i % 4 == KR_DONE ? 1L :
				(long)-ECANCELED);
	}
}

/* ---- module unload: cancel every task of an owner ------------------------------- */

static void kr_cancel_owner(struct kunit *test)
{
	atomic_t fake_drops = ATOMIC_INIT(0), own_polls = ATOMIC_INIT(0);
	struct kt_simple fs = { .drops = &fake_drops };
	struct kt_simple os = { .polls = &own_polls };
	struct kasync_task *fake_h[6], *own;
	struct kasync_rt *rt;
	struct module *fake;
	int i;

	/* A stand-in module: only its identity and state are used. */
	fake = kunit_kzalloc(test, sizeof(*fake), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fake);
	fake->state = MODULE_STATE_LIVE;
	rt = kasync_rt_create("kr_owner", KASYNC_RT_PERCPU);
	KUNIT_ASSERT_FALSE(test, IS_ERR(rt));
	for (i = 0; i < ARRAY_SIZE(fake_h); i++) {
		fake_h[i] = __kasync_spawn_on(i & 1 ? rt : NULL, -1,
					      &kt_never_ops, &fs, sizeof(fs),
					      GFP_KERNEL, fake);
		KUNIT_ASSERT_FALSE(test, IS_ERR(fake_h[i]));
	}
	own = kasync_spawn(rt, &kt_never_ops, &os, sizeof(os), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(own));

	KUNIT_EXPECT_EQ(test, kasync_cancel_owner(fake),
			(unsigned int)ARRAY_SIZE(fake_h));
	/* On return every drop of the owner's tasks has run. */
	KUNIT_EXPECT_EQ(test, atomic_read(&fake_drops),
			(int)ARRAY_SIZE(fake_h));
	KUNIT_EXPECT_EQ(test, kasync_cancel_owner(fake), 0U);
	for (i = 0; i < ARRAY_SIZE(fake_h); i++)
		KUNIT_EXPECT_EQ(test, kasync_join(&fake_h[i]),
				(long)-ECANCELED);
	/* Tasks of other owners are untouched. */
	KUNIT_EXPECT_FALSE(test, kasync_task_finished(own));
	KUNIT_EXPECT_EQ(test, kasync_abort(own), 0);
	KUNIT_EXPECT_EQ(test, kasync_join(&own), (long)-ECANCELED);

	/* A departing owner cannot spawn. */
	fake->state = MODULE_STATE_GOING;
	own = __kasync_spawn_on(NULL, -1, &kt_never_ops, &fs, sizeof(fs),
				GFP_KERNEL, fake);
	KUNIT_EXPECT_EQ(test, PTR_ERR(own), -ESHUTDOWN);
	kasync_rt_destroy(rt);
}

static struct kunit_case kasync_rt_cases[] = {
	KUNIT_CASE(kr_create_einval),
	KUNIT_CASE(kr_create_eexist),
	KUNIT_CASE_PARAM(kr_flags_run, kr_flags_gen_params),
	KUNIT_CASE(kr_spawn_eshutdown),
	KUNIT_CASE(kr_destroy_every_state),
	KUNIT_CASE(kr_cancel_owner),
	{}
};

static struct kunit_suite kasync_rt_suite = {
	.name = "kasync_rt",
	.test_cases = kasync_rt_cases,
};

kunit_test_suite(kasync_rt_suite);

MODULE_DESCRIPTION("KUnit tests for kasync runtimes");
MODULE_LICENSE("GPL");
/* kasync_cancel_owner() */
