/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kasync's basic types: what a poll function reports, a task's ops and
 * cleanup hook, and the opaque task and runtime.  Every kasync header
 * includes this one.
 */
#ifndef _KASYNC_TYPES_H
#define _KASYNC_TYPES_H

#include <linux/types.h>

struct kasync_task;
struct kasync_rt;

/**
 * enum kasync_poll - what a poll function reports
 * @KASYNC_PENDING: not finished; some party will call kasync_wake()
 * @KASYNC_READY: finished; the result was set with kasync_set_result()
 */
enum kasync_poll {
	KASYNC_PENDING = 0,
	KASYNC_READY = 1,
};

/**
 * struct kasync_task_ops - what a task does
 * @poll: advance the task; called with @state pointing at the task's copy
 *	of the initial state.  Must not sleep for long: it runs on a shared
 *	per-CPU worker (like a work item) with a budget of polls per run.
 * @drop: optional; called exactly once, after the last poll, when the task
 *	completes or is cancelled.  Release what @state owns here (including
 *	handles of other tasks: detach or join them).  Must not sleep.
 * @name: optional; what the task view, the tracepoints and the detectors'
 *	reports call the tasks of this table (a string literal, no spaces).
 *	%NULL names them after @poll's symbol; kasync_task_set_name()
 *	names one task.
 *
 * The ops table must outlive the task; keep it ``static const`` in the
 * spawning module.
 */
struct kasync_task_ops {
	enum kasync_poll (*poll)(struct kasync_task *task, void *state);
	void (*drop)(void *state);
	const char *name;
};

/**
 * enum kasync_wait_kind - the kind of wake source a pending task armed
 * @KASYNC_WAIT_NONE: none (yet) in this poll
 * @KASYNC_WAIT_TIMER: a timer or sleep
 * @KASYNC_WAIT_WAITQ: a wait queue (kasync_wait_arm(), kasync_wait_event())
 * @KASYNC_WAIT_FILE: file readiness (kasync_poll_file())
 * @KASYNC_WAIT_SOCKET: a socket
 * @KASYNC_WAIT_SYNC: a mutex, semaphore or notify
 * @KASYNC_WAIT_CHAN: a channel or oneshot
 * @KASYNC_WAIT_JOIN: another task (kasync_join_poll())
 * @KASYNC_WAIT_GROUP: a task group
 * @KASYNC_WAIT_BLOCKING: a blocking offload
 * @KASYNC_WAIT_OTHER: a waker of the task's own (kasync_task_waits())
 * @KASYNC_WAIT_NR: number of kinds
 *
 * kasync's awaits record the kind themselves when they report
 * %KASYNC_PENDING; the task view shows it, and a task that reports
 * %KASYNC_PENDING with none recorded (and no wake during its poll) is
 * reported by the "no waker" detector.
 */
enum kasync_wait_kind {
	KASYNC_WAIT_NONE,
	KASYNC_WAIT_TIMER,
	KASYNC_WAIT_WAITQ,
	KASYNC_WAIT_FILE,
	KASYNC_WAIT_SOCKET,
	KASYNC_WAIT_SYNC,
	KASYNC_WAIT_CHAN,
	KASYNC_WAIT_JOIN,
	KASYNC_WAIT_GROUP,
	KASYNC_WAIT_BLOCKING,
	KASYNC_WAIT_OTHER,
	KASYNC_WAIT_NR
};

/**
 * struct kasync_site - a place in the source where a task awaits
 * @func: the function
 * @line: the line
 *
 * The macros of <kasync/co.h> define one ``static const`` per await.
 */
struct kasync_site {
	const char *func;
	unsigned int line;
};

/**
 * struct kasync_cleanup - a hook run when a task ends with it registered
 * @node: kasync's link; do not touch
 * @fn: called once, from the task's worker, before the drop callback and
 *	before the task's memory can be freed.  Must not sleep.
 *
 * Primitives that register callbacks pointing into a task's state (wait
 * queue entries, hrtimers, socket callbacks) embed one of these in the
 * state and register it with kasync_cleanup_add(), so that cancelling the
 * task unregisters them synchronously.
 */
struct kasync_cleanup {
	struct hlist_node node;
	void (*fn)(struct kasync_cleanup *c);
};

#endif /* _KASYNC_TYPES_H */
