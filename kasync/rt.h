/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kasync runtimes as the rest of kasync sees them: the registry, module
 * and CPU hotplug hooks, and deferred work on the runtime's workqueue.
 */
#ifndef _KASYNC_RT_H
#define _KASYNC_RT_H

#include <linux/list.h>
#include <linux/module.h>
#include <linux/workqueue.h>

struct kasync_rt;

extern struct kasync_rt *kasync_default_rt;
extern struct list_head kasync_rt_list;

int kasync_rt_init(void);
void kasync_rt_exit(void);
unsigned int kasync_cancel_owner(struct module *owner);
bool kasync_defer(struct work_struct *work);

#endif /* _KASYNC_RT_H */
