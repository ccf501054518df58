/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kasync - an async task runtime for kernel modules: everything.
 *
 * One header per topic, each of which compiles on its own:
 *
 *   <kasync/types.h>     enum kasync_poll, task ops, cleanup hooks
 *   <kasync/task.h>      tasks, handles, the cooperative budget, runtimes
 *   <kasync/co.h>        resumable functions (KASYNC_BEGIN, KASYNC_AWAIT)
 *   <kasync/wait.h>      wait queues and file readiness
 *   <kasync/time.h>      timers, sleeps, deadlines, intervals
 *   <kasync/sync.h>      mutex, semaphore, notify
 *   <kasync/chan.h>      channels and oneshots
 *   <kasync/group.h>     join_all, task groups, select
 *   <kasync/blocking.h>  the blocking pool
 *   <kasync/net.h>       TCP and UDP sockets (stubs without CONFIG_NET)
 */
#ifndef _KASYNC_H
#define _KASYNC_H

#include <kasync/types.h>
#include <kasync/task.h>
#include <kasync/co.h>
#include <kasync/wait.h>
#include <kasync/time.h>
#include <kasync/sync.h>
#include <kasync/chan.h>
#include <kasync/group.h>
#include <kasync/blocking.h>
#include <kasync/file.h>
#include <kasync/net.h>

#endif /* _KASYNC_H */
