/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kasync task memory (cache.c): per-CPU caches of freed tasks in front of
 * the slab, for task.c.
 */
#ifndef _KASYNC_CACHE_H
#define _KASYNC_CACHE_H

#include <linux/gfp.h>
#include <linux/types.h>

#define KASYNC_TCACHE_CLASSES	3

void *kasync_task_mem_alloc(size_t size, gfp_t gfp);
void kasync_task_mem_free(void *obj, size_t size);
void kasync_task_mem_exit(void);

#endif /* _KASYNC_CACHE_H */
