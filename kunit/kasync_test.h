/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by kasync's KUnit suites (static inline, no
 * exports): tasks that finish at once, tasks that wait forever, and a
 * bounded wait for a condition.
 */
#ifndef _KASYNC_KUNIT_TEST_H
#define _KASYNC_KUNIT_TEST_H

#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <kunit/test.h>
#include <kasync.h>

/* KUnit marks slow cases since 6.6; on older kernels they are plain. */
#ifndef KUNIT_CASE_SLOW
#define KUNIT_CASE_SLOW(test_name) KUNIT_CASE(test_name)
#endif
#ifdef KUNIT_CASE_PARAM_ATTR
#define KT_CASE_PARAM_SLOW(test_name, gen)				\
	KUNIT_CASE_PARAM_ATTR(test_name, gen, { .speed = KUNIT_SPEED_SLOW })
#else
#define KT_CASE_PARAM_SLOW(test_name, gen) KUNIT_CASE_PARAM(test_name, gen)
#endif

/* Sleep-poll until @cond or @ms milliseconds passed; evaluates to @cond. */
#define kt_wait_for(cond, ms)						\
({									\
	unsigned long __end = jiffies + msecs_to_jiffies(ms);		\
	bool __ok;							\
									\
	while (!(__ok = (cond)) && time_before(jiffies, __end))		\
		usleep_range(100, 200);					\
	__ok;								\
})

/* Busy work standing in for a poll's CPU time (polls must not sleep). */
static inline void kt_spin_us(unsigned int us)
{
	u64 end = ktime_get_ns() + (u64)us * NSEC_PER_USEC;

	while (ktime_get_ns() < end)
		cpu_relax();
}

/* State of the helper tasks below. */
struct kt_simple {
	long result;		/* returned by kt_ready_ops */
	atomic_t *polls;	/* counts polls, if set */
	atomic_t *drops;	/* counts drops, if set */
};

static inline void kt_simple_drop(void *p)
{
	struct kt_simple *s = p;

	if (s->drops)
		atomic_inc(s->drops);
}

static inline enum kasync_poll kt_ready_poll(struct kasync_task *t, void *p)
{
	struct kt_simple *s = p;

	if (s->polls)
		atomic_inc(s->polls);
	kasync_set_result(t, s->result);
	return KASYNC_READY;
}

/* Waits for a wake that never comes: ends only by cancellation. */
static inline enum kasync_poll kt_never_poll(struct kasync_task *t, void *p)
{
	struct kt_simple *s = p;

	if (s->polls)
		atomic_inc(s->polls);
	return KASYNC_PENDING;
}

static const struct kasync_task_ops kt_ready_ops __maybe_unused = {
	.poll = kt_ready_poll,
	.drop = kt_simple_drop,
};

static const struct kasync_task_ops kt_never_ops __maybe_unused = {
	.poll = kt_never_poll,
	.drop = kt_simple_drop,
};

#endif /* _KASYNC_KUNIT_TEST_H */
