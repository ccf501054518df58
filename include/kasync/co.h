/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kasync resumable functions.
 *
 * A poll function written with these macros reads top to bottom and
 * resumes where it left off:
 *
 *	struct echo {
 *		struct kasync_co co;
 *		struct kasync_task *child;
 *		long res;
 *	};
 *
 *	static enum kasync_poll echo_poll(struct kasync_task *t, void *p)
 *	{
 *		struct echo *s = p;
 *
 *		KASYNC_BEGIN(&s->co);
 *		KASYNC_AWAIT(&s->co, kasync_join_poll(t, &s->child, &s->res));
 *		KASYNC_YIELD(&s->co);
 *		KASYNC_RETURN(&s->co, t, s->res + 1);
 *		KASYNC_END(&s->co);
 *	}
 *
 * The resume point is kept in &struct kasync_co, an int holding the source
 * line of the last await (the switch/__LINE__ technique; computed goto is
 * avoided because objtool rejects it on retpoline and IBT kernels).
 *
 * Rules:
 *
 * - Local variables do not survive an await or a yield: the function
 *   returns and is called again.  Keep everything that must live across
 *   one in the state, next to the &struct kasync_co.
 * - Do not await or yield inside a switch statement of your own: the
 *   macros' case labels would belong to it.  if/else and loops are fine.
 *   A resume that finds no case of its own (this mistake, a helper that
 *   returned without KASYNC_DONE(), a state overwritten) is reported,
 *   naming the task, and the task is cancelled with the result -EILSEQ
 *   (kasync_co_lost()).
 * - A local variable used across an await is uninitialised on resume;
 *   ``-Wmaybe-uninitialized`` (which kasync's own Kbuild files enable)
 *   reports it: build modules that use these macros with it.  GCC misses
 *   a local assigned a constant before the await (it folds the constant
 *   into the resumed path); clang's ``-Wsometimes-uninitialized`` does
 *   not.
 * - At most one await, yield or return per source line.
 * - A helper composes like a task: it takes the task and a state of its
 *   own, embeds its own &struct kasync_co, begins with KASYNC_BEGIN(),
 *   finishes with KASYNC_DONE() and KASYNC_END(), and returns
 *   &enum kasync_poll.  The caller awaits it with
 *   ``KASYNC_AWAIT(&s->co, helper(t, &s->h))``; helpers nest to any depth.
 *   A finished helper's co is reset, so the same state can be awaited again.
 * - KASYNC_AWAIT(co, expr) re-evaluates @expr on every resume until it
 *   yields %KASYNC_READY; @expr must arrange a wake before it reports
 *   %KASYNC_PENDING.
 * - An await that has an outcome (kasync_join_poll() above, a socket
 *   receive, a lock, ...) reports it through a long *res, its last
 *   parameter, in the state: written only when the await reports
 *   %KASYNC_READY, a value (bytes, a task's result, 0) or a negative
 *   errno (Documentation/primitives.rst, "What an await reports").
 *   KASYNC_AWAIT_TIMEOUT() adds a long *res of its own: 0, or -ETIMEDOUT.
 * - break and continue outside a loop of your own end the function.
 *
 * checkpatch flags the macros that return ("Macros with flow control
 * statements"): returning is what they are for.
 */
#ifndef _KASYNC_CO_H
#define _KASYNC_CO_H

#include <linux/percpu.h>

#include <kasync/types.h>
#include <kasync/task.h>

/**
 * struct kasync_co - resume point of a resumable function
 * @line: source line to resume at; 0 = start
 */
struct kasync_co {
	int line;
};

enum kasync_poll kasync_co_lost(struct kasync_co *co, const char *func);

/*
 * Where an await waits, for the task view and the detectors' reports:
 * one static const per await, recorded when it reports %KASYNC_PENDING.
 */
#define __KASYNC_SITE(name)						\
	static const struct kasync_site name = { __func__, __LINE__ }

/*
 * The innermost await site of the poll running on this CPU: the worker
 * empties it before each poll and takes it after (dropping it if another
 * worker used the CPU meanwhile: @owner), so an await records its site
 * with a per-CPU load and store, no call and no atomic.
 */
struct kasync_await_slot {
	const struct kasync_site *site;
	const void *owner;
};

DECLARE_PER_CPU(struct kasync_await_slot, kasync_await_slot);

/**
 * kasync_await_at - record where the task being polled awaits
 * @site: the await's place in the source
 *
 * Called by KASYNC_AWAIT() and KASYNC_YIELD() when they report
 * %KASYNC_PENDING; the first (innermost) site of a poll is kept, for the
 * task view and the detectors' reports.
 *
 * Context: a poll function.
 */
static __always_inline void kasync_await_at(const struct kasync_site *site)
{
	if (!this_cpu_read(kasync_await_slot.site))
		this_cpu_write(kasync_await_slot.site, site);
}

/**
 * KASYNC_BEGIN - open the body of a resumable function
 * @co: its &struct kasync_co
 */
#define KASYNC_BEGIN(co)						\
	do {								\
		switch ((co)->line) {					\
		default:						\
			return kasync_co_lost(co, __func__);		\
		case 0:

/**
 * KASYNC_AWAIT - wait until an expression reports %KASYNC_READY
 * @co: the function's &struct kasync_co
 * @expr: evaluated now and on every resume; an &enum kasync_poll
 */
#define KASYNC_AWAIT(co, expr)						\
	do {								\
		(co)->line = __LINE__;					\
		fallthrough;						\
	case __LINE__:							\
		if ((expr) != KASYNC_READY) {				\
			__KASYNC_SITE(__kasync_site);			\
									\
			kasync_await_at(&__kasync_site);		\
			return KASYNC_PENDING;				\
		}							\
	} while (0)

/**
 * KASYNC_YIELD - let the other queued tasks run, then resume here
 * @co: the function's &struct kasync_co
 *
 * The task is re-queued at the back of its run queue (never the LIFO slot).
 */
#define KASYNC_YIELD(co)						\
	do {								\
		__KASYNC_SITE(__kasync_site);				\
									\
		(co)->line = __LINE__;					\
		kasync_await_at(&__kasync_site);			\
		kasync_wake(kasync_current());				\
		return KASYNC_PENDING;					\
	case __LINE__:							\
		;							\
	} while (0)

/**
 * KASYNC_DONE - finish a helper: reset @co and report %KASYNC_READY
 * @co: the helper's &struct kasync_co
 */
#define KASYNC_DONE(co)							\
	do {								\
		(co)->line = 0;						\
		return KASYNC_READY;					\
	} while (0)

/**
 * KASYNC_RETURN - finish a task with a result
 * @co: the poll function's &struct kasync_co
 * @task: the task being polled
 * @val: result handed to the joiner
 */
#define KASYNC_RETURN(co, task, val)					\
	do {								\
		kasync_set_result(task, val);				\
		KASYNC_DONE(co);					\
	} while (0)

/**
 * KASYNC_END - close the body opened by KASYNC_BEGIN()
 * @co: the function's &struct kasync_co
 *
 * Falling off the end finishes the function (result 0 for a task).  The
 * "case -1" arm is never resumed; it ends the switch opened by
 * KASYNC_BEGIN(), which also opened a do-while so that both macros keep
 * a shape checkpatch accepts.
 */
#define KASYNC_END(co)							\
		case -1:						\
			;						\
		}							\
	} while (0);							\
	KASYNC_DONE(co)

#endif /* _KASYNC_CO_H */
