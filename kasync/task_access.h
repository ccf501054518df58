/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What kasync's primitives may know of a task beyond the public API: its
 * header stays private to task.c and the scheduler (core.h).
 */
#ifndef _KASYNC_TASK_ACCESS_H
#define _KASYNC_TASK_ACCESS_H

#include <kasync.h>

struct kasync_task *kasync_task_of(void *state);
long kasync_task_result(struct kasync_task *task);

/*
 * An await reports PENDING having armed a wake source of @kind: recorded
 * for the task view and the "no waker" detector (kasync_task_waits()).
 */
static inline enum kasync_poll kt_pending(struct kasync_task *task,
					  enum kasync_wait_kind kind)
{
	kasync_task_waits(task, kind);
	return KASYNC_PENDING;
}

#endif /* _KASYNC_TASK_ACCESS_H */
