/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Counting the hrtimers kasync starts, for the KUnit suites that check
 * that a time limit arms none when nothing waits (kasync_timer,
 * kasync_net): a probe on the kernel's hrtimer_start tracepoint (not
 * exported to modules: found by name) keeps the starts whose callback is
 * kasync's, learned from a helper task.
 */
#ifndef _KASYNC_KT_HRTIMERS_H
#define _KASYNC_KT_HRTIMERS_H

#include <linux/tracepoint.h>
#include <trace/events/timer.h>

#include "kasync_test.h"

struct kt_hrtimers {
	struct tracepoint *tp;
	enum hrtimer_restart (*fn)(struct hrtimer *hrt);
	atomic_t n;
};

static inline void kt_hrtimers_probe(void *data, struct hrtimer *hrt,
				     enum hrtimer_mode mode, bool was_armed)
{
	struct kt_hrtimers *a = data;

	if (READ_ONCE(hrt->function) == a->fn)
		atomic_inc(&a->n);
}

static inline void kt_hrtimers_find(struct tracepoint *tp, void *priv)
{
	struct kt_hrtimers *a = priv;

	if (!strcmp(tp->name, "hrtimer_start"))
		a->tp = tp;
}

/* Reports the callback kasync_timer_start() gives its hrtimers. */
struct kt_hrtimers_fn {
	struct kasync_timer tm;
	struct kt_hrtimers *a;
};

static inline enum kasync_poll kt_hrtimers_fn_poll(struct kasync_task *t,
						   void *p)
{
	struct kt_hrtimers_fn *s = p;

	kasync_timer_start(t, &s->tm, KTIME_MAX, 0);
	s->a->fn = s->tm.hrt.function;
	kasync_timer_cancel(t, &s->tm);
	return KASYNC_READY;
}

/* Start counting; nothing may assert until kt_hrtimers_stop(). */
static inline void kt_hrtimers_start(struct kunit *test,
				     struct kt_hrtimers *a)
{
	static const struct kasync_task_ops ops = {
		.poll = kt_hrtimers_fn_poll,
	};
	struct kt_hrtimers_fn s = { .a = a };
	struct kasync_task *h;

	/* The probe's type is checked against the kernel's tracepoint. */
	check_trace_callback_type_hrtimer_start(kt_hrtimers_probe);
	h = kasync_spawn(NULL, &ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_ASSERT_EQ(test, kasync_join(&h), 0L);
	KUNIT_ASSERT_NOT_NULL(test, a->fn);
	for_each_kernel_tracepoint(kt_hrtimers_find, a);
	KUNIT_ASSERT_NOT_NULL(test, a->tp);
	atomic_set(&a->n, 0);
	KUNIT_ASSERT_EQ(test, tracepoint_probe_register(a->tp,
							(void *)kt_hrtimers_probe,
							a), 0);
}

/* Stop counting; returns the kasync hrtimers started meanwhile. */
static inline int kt_hrtimers_stop(struct kt_hrtimers *a)
{
	tracepoint_probe_unregister(a->tp, (void *)kt_hrtimers_probe, a);
	tracepoint_synchronize_unregister();
	return atomic_read(&a->n);
}

#endif /* _KASYNC_KT_HRTIMERS_H */
