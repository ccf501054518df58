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
 *
 * The ops table must outlive the task; keep it ``static const`` in the
 * spawning module.
 */
struct kasync_task_ops {
	enum kasync_poll (*poll)(struct kasync_task *task, void *state);
	void (*drop)(void *state);
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
