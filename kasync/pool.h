/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The blocking pool (blocking.c) as the module and the runtimes see it.
 */
#ifndef _KASYNC_POOL_H
#define _KASYNC_POOL_H

#include <linux/module.h>

int kasync_blocking_init(void);
void kasync_blocking_exit(void);
void kasync_blocking_drain_owner(struct module *owner);
void kasync_file_drain_owner(struct module *owner);	/* file.c */

#endif /* _KASYNC_POOL_H */
