/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kasync task memory (cache.c): per-CPU caches of freed tasks in front of
 * the slab, for task.c.  The hits are inline: a spawn and a free each
 * take a pointer from or to this CPU's cache with interrupts off.
 */
#ifndef _KASYNC_CACHE_H
#define _KASYNC_CACHE_H

#include <linux/gfp.h>
#include <linux/irqflags.h>
#include <linux/percpu.h>
#include <linux/types.h>

#include "fail.h"

/* Classes of 64 bytes from 192 to 512 (a task header is 160 bytes). */
#define KASYNC_TCACHE_CLASSES	6
#define KASYNC_TCACHE_DEPTH	64
/* Objects one refill takes from, or one flush gives to, the slab. */
#define KASYNC_TCACHE_BATCH	16

struct kasync_tcache {
	unsigned int n[KASYNC_TCACHE_CLASSES];
	void *obj[KASYNC_TCACHE_CLASSES][KASYNC_TCACHE_DEPTH];
};

DECLARE_PER_CPU(struct kasync_tcache, kasync_tcache);

void *kasync_task_mem_alloc_slow(size_t size, gfp_t gfp);
void kasync_task_mem_free_slow(void *obj, size_t size);
int kasync_task_mem_init(void);
void kasync_task_mem_exit(void);

/* The class of @size bytes (0: up to 192, then 64 more each), or -1. */
static __always_inline int kasync_tcache_class(size_t size)
{
	if (size <= 192)
		return 0;
	if (size <= 512)
		return (size - 129) >> 6;
	return -1;
}

/* The bytes of an object of class @c. */
static inline unsigned int kasync_tcache_bytes(int c)
{
	return 192 + 64 * c;
}

/* Take an object of class @c from this CPU's cache, or %NULL. */
static __always_inline void *kasync_tcache_pop(int c)
{
	struct kasync_tcache *tc;
	unsigned long flags;
	void *obj = NULL;

	local_irq_save(flags);
	tc = this_cpu_ptr(&kasync_tcache);
	if (tc->n[c])
		obj = tc->obj[c][--tc->n[c]];
	local_irq_restore(flags);
	return obj;
}

/* Put @obj of class @c on this CPU's cache; false if it is full. */
static __always_inline bool kasync_tcache_push(int c, void *obj)
{
	struct kasync_tcache *tc;
	unsigned long flags;
	bool ok = false;

	local_irq_save(flags);
	tc = this_cpu_ptr(&kasync_tcache);
	if (tc->n[c] < KASYNC_TCACHE_DEPTH) {
		tc->obj[c][tc->n[c]++] = obj;
		ok = true;
	}
	local_irq_restore(flags);
	return ok;
}

/**
 * kasync_task_mem_alloc - memory for a task of @size bytes
 * @size: header and state
 * @gfp: allocation flags, for the slab when the cache is empty
 *
 * Context: any; may sleep if @gfp allows it.
 * Return: the memory (not zeroed), or %NULL.
 */
static __always_inline void *kasync_task_mem_alloc(size_t size, gfp_t gfp)
{
	int c = kasync_tcache_class(size);
	void *obj;

	if (kasync_should_fail(size))
		return NULL;
	/* Under KASAN the poison is checked out of line. */
	if (c >= 0 && !IS_ENABLED(CONFIG_KASAN)) {
		obj = kasync_tcache_pop(c);
		if (obj)
			return obj;
	}
	return kasync_task_mem_alloc_slow(size, gfp);
}

/**
 * kasync_task_mem_free - free task memory from kasync_task_mem_alloc()
 * @obj: the memory
 * @size: the @size it was allocated with
 *
 * Context: any.
 */
static __always_inline void kasync_task_mem_free(void *obj, size_t size)
{
	int c = kasync_tcache_class(size);

	if (c >= 0 && !IS_ENABLED(CONFIG_KASAN) && kasync_tcache_push(c, obj))
		return;
	kasync_task_mem_free_slow(obj, size);
}

#endif /* _KASYNC_CACHE_H */
