/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kasync combinators and task groups: select, join-all and groups (the
 * kernel's JoinSet).
 *
 * Select polls several awaits at once; the first to complete wins and the
 * others are cancelled on the spot:
 *
 *	KASYNC_AWAIT(&s->co, kasync_select(&s->won,
 *		KASYNC_BRANCH(kasync_sleep(t, &s->tm, 10 * NSEC_PER_MSEC),
 *			      kasync_timer_cancel(t, &s->tm));
 *		KASYNC_BRANCH(kasync_wait_event(t, &s->w, &wq, cond),
 *			      kasync_wait_cancel(t, &s->w))));
 *
 * Join-all awaits an array of task handles.  A group owns its member
 * tasks, hands out their results in order of completion, cancels them
 * all on request, on destruction, or (with %KASYNC_GROUP_CANCEL_ON_ERROR)
 * when one fails:
 *
 *	g = kasync_group_new(NULL, 0, GFP_KERNEL);
 *	kasync_group_spawn(g, &worker_ops, &init, sizeof(init), GFP_KERNEL);
 *	...
 *	KASYNC_AWAIT(&s->co, kasync_group_next(t, g, &s->gw, &s->res));
 *	(s->res: a member's result, or -ECHILD once none is left)
 *
 * Concurrency contract of a group (g->lock orders everything):
 *
 *   operation                       context          may race with
 *   ------------------------------  ---------------  ----------------------
 *   kasync_group_spawn()            any (gfp)        all but destroy
 *   kasync_group_next()/_join_all() a task's poll    all but destroy [1]
 *   kasync_group_cancel(), _len()   any              all but destroy
 *   kasync_group_wait()             process, sleeps  all but destroy
 *   kasync_group_destroy()          any, no sleep    member polls and drops
 *
 *   [1] a task armed in next()/join_all() holds a reference on the group,
 *       so a destroy that races with it is safe; a call that starts after
 *       destroy is a use-after-free.
 */
#ifndef _KASYNC_GROUP_H
#define _KASYNC_GROUP_H

#include <linux/list.h>
#include <linux/types.h>

#include <kasync/types.h>
#include <kasync/task.h>
#include <kasync/co.h>
#include <kasync/wait.h>
#include <kasync/time.h>

struct kasync_task;
struct kasync_group;

/* ---- select ------------------------------------------------------------- */

/*
 * One pass over the branches; __ks_pass says what KASYNC_BRANCH() does:
 * poll the branches from __ks_from on, poll those before it, or cancel
 * every branch but the winner.
 */
#define __KASYNC_SEL_TAIL	0
#define __KASYNC_SEL_HEAD	1
#define __KASYNC_SEL_CANCEL	2

/**
 * KASYNC_BRANCH - one branch of kasync_select()
 * @expr: an await expression (&enum kasync_poll), as for KASYNC_AWAIT()
 * @cancel: a statement that abandons @expr and leaves it unarmed, such as
 *	kasync_timer_cancel(t, &s->tm); a no-op when @expr is not armed.
 *	A helper with its own &struct kasync_co must also reset that co.
 *
 * Only valid inside kasync_select() or kasync_select_fair(); branches are
 * separated by semicolons.  A branch is numbered by its position, from 0.
 */
#define KASYNC_BRANCH(expr, cancel)					\
	do {								\
		if (__ks_pass == __KASYNC_SEL_CANCEL) {			\
			if (__ks_i != __ks_won) {			\
				cancel;					\
			}						\
		} else if (__ks_won < 0 &&				\
			   (__ks_pass == __KASYNC_SEL_TAIL) ==		\
			   (__ks_i >= __ks_from) &&			\
			   (expr) == KASYNC_READY) {			\
			__ks_won = __ks_i;				\
		}							\
		__ks_i++;						\
	} while (0)

#define __kasync_select(won, from, ...)					\
({									\
	int *__ks_out = (won);						\
	int __ks_won = -1, __ks_i = 0, __ks_from = (from);		\
	int __ks_pass = __KASYNC_SEL_TAIL;				\
									\
	__VA_ARGS__;							\
	if (__ks_won < 0 && __ks_from > 0) {				\
		__ks_pass = __KASYNC_SEL_HEAD;				\
		__ks_i = 0;						\
		__VA_ARGS__;						\
	}								\
	if (__ks_won >= 0) {						\
		__ks_pass = __KASYNC_SEL_CANCEL;			\
		__ks_i = 0;						\
		__VA_ARGS__;						\
		*__ks_out = __ks_won;					\
	}								\
	__ks_won >= 0 ? KASYNC_READY : KASYNC_PENDING;			\
})

/**
 * kasync_select - await the first of several awaits; cancel the others
 * @won: int pointer, in the task's state: the winning branch's index
 * @...: KASYNC_BRANCH() statements, separated by semicolons
 *
 * For KASYNC_AWAIT().  Biased, like tokio's ``select! { biased; ... }``:
 * every poll evaluates the branches in order and stops at the first one
 * that reports %KASYNC_READY; branches after it are not evaluated in that
 * poll.  Then every other branch's cancel statement runs, those after the
 * winner included (they may be armed by an earlier poll), so that when the
 * select reports %KASYNC_READY only the winner completed and no branch is
 * armed.  An early branch that is always ready starves the later ones; use
 * kasync_select_fair() where that matters.
 *
 * Aborting the task needs nothing from the select: each armed branch has
 * its own cleanup hook.
 *
 * Context: the task's poll function.
 * Return: %KASYNC_READY with *@won set, or %KASYNC_PENDING.
 */
#define kasync_select(won, ...)						\
	__kasync_select(won, 0, __VA_ARGS__)

/**
 * kasync_select_fair - kasync_select() that rotates the first branch
 * @won: int pointer, in the task's state: the winning branch's index
 * @next: unsigned int pointer, in the task's state (zeroed at first): the
 *	branch to evaluate first; set to the one after the winner
 * @...: KASYNC_BRANCH() statements, separated by semicolons
 *
 * Evaluates the branches from *@next to the last, then from the first to
 * *@next - 1, stopping at the first ready one, and cancels the others.
 * A loop selecting over always-ready branches thus serves them in turn
 * (round robin) instead of starving the later ones.
 *
 * Context: the task's poll function.
 * Return: %KASYNC_READY with *@won set, or %KASYNC_PENDING.
 */
#define kasync_select_fair(won, next, ...)				\
({									\
	unsigned int *__ks_next = (next);				\
	int __ks_w = -1;						\
	enum kasync_poll __ks_r;					\
									\
	__ks_r = __kasync_select(&__ks_w, *__ks_next, __VA_ARGS__);	\
	if (__ks_r == KASYNC_READY) {					\
		*__ks_next = __ks_w + 1;				\
		*(won) = __ks_w;					\
	}								\
	__ks_r;								\
})

/* ---- join-all ----------------------------------------------------------- */

enum kasync_poll kasync_join_all(struct kasync_task *self,
				 struct kasync_task **handles, unsigned int n,
				 long *results);
unsigned int kasync_join_all_cancel(struct kasync_task **handles,
				    unsigned int n);

/* ---- groups ------------------------------------------------------------- */

/* Flags of kasync_group_new(). */
#define KASYNC_GROUP_CANCEL_ON_ERROR	0x1u	/* a failure cancels the rest */
#define KASYNC_GROUP_ALL_FLAGS		0x1u

/* Largest state kasync_group_spawn() accepts: a header goes before it. */
#define KASYNC_GROUP_STATE_MAX		(KASYNC_STATE_MAX - 64u)

/**
 * struct kasync_group_wait - a task awaiting a group, kept in its state
 * @node: on the group's waiter list while armed
 * @g: the group awaited while armed (holding a reference on it)
 * @task: the task to wake
 * @cleanup: unlinks @node if the task ends while armed
 * @err: kasync_group_join_all()'s first error so far
 * @armed: @node is on @g's list
 *
 * Zero it (a zero-filled state does) before the first await.  It can be
 * awaited again once an await finished or was cancelled.
 */
struct kasync_group_wait {
	struct list_head node;
	struct kasync_group *g;
	struct kasync_task *task;
	struct kasync_cleanup cleanup;
	long err;
	bool armed;
};

/**
 * kasync_group_wait_armed - is the task registered with a group?
 * @w: the wait
 *
 * Context: the task's poll function (or its drop callback).
 * Return: true while kasync_group_next() or kasync_group_join_all() is
 * pending on @w.
 */
static inline bool kasync_group_wait_armed(const struct kasync_group_wait *w)
{
	return w->armed;
}

struct kasync_group *kasync_group_new(struct kasync_rt *rt,
				      unsigned int flags, gfp_t gfp);
int __kasync_group_spawn(struct kasync_group *g,
			 const struct kasync_task_ops *ops, const void *init,
			 size_t size, gfp_t gfp, struct module *owner);

/**
 * kasync_group_spawn - start a task owned by a group
 * @g: the group
 * @ops: the task's poll and drop functions
 * @init: initial state to copy, or %NULL to zero it
 * @size: bytes of state, at most %KASYNC_GROUP_STATE_MAX
 * @gfp: allocation flags (%GFP_ATOMIC in atomic context)
 *
 * See __kasync_group_spawn(); the task is owned by the calling module.
 */
#define kasync_group_spawn(g, ops, init, size, gfp)			\
	__kasync_group_spawn(g, ops, init, size, gfp, THIS_MODULE)

enum kasync_poll kasync_group_next(struct kasync_task *self,
				   struct kasync_group *g,
				   struct kasync_group_wait *w, long *res);
enum kasync_poll kasync_group_join_all(struct kasync_task *self,
				       struct kasync_group *g,
				       struct kasync_group_wait *w, long *res);
void kasync_group_wait_cancel(struct kasync_task *self,
			      struct kasync_group_wait *w);
void kasync_group_cancel(struct kasync_group *g);
unsigned int kasync_group_len(struct kasync_group *g);
long kasync_group_wait(struct kasync_group *g);
void kasync_group_destroy(struct kasync_group *g);

#endif /* _KASYNC_GROUP_H */
