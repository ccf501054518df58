// SPDX-License-Identifier: GPL-2.0
/*
 * kasync task memory: slab caches in 64-byte steps, with per-CPU caches
 * in front of them (cache.h).
 *
 * A task is one allocation, header and state, freed when its last
 * reference goes.
 *
 * Size: the kmalloc classes jump from 256 to 512 bytes, so a task of 260
 * bytes (a 160-byte header and a state with a timer in it) would take
 * 512.  Tasks of up to 512 bytes come from kasync's own slab caches
 * instead, one per 64 bytes (192, 256, 320, 384, 448, 512): at most 63
 * bytes of slack.  Larger tasks use kmalloc.
 *
 * Speed: a server spawns and reaps tasks at the rate it takes requests.
 * The slab's own per-CPU fast path is not the cost: an object freed on
 * another CPU, or into a slab that is no longer the CPU's, takes its slow
 * path, and debug builds add hooks to each call.  So a freed task goes on
 * its CPU's cache of its class, and the next spawn of that class on that
 * CPU takes it back: a pointer pop with interrupts off, inline
 * (cache.h).  Each CPU keeps at most KASYNC_TCACHE_DEPTH objects of each
 * class (a worker reaps 32 at a time), 66 KiB at most; a full cache frees
 * to the slab.  The caches are emptied at module unload.
 *
 * Use-after-free: KASAN cannot watch a cached object (its mempool hooks
 * are not exported to modules).  In a kernel with KASAN the cache poisons
 * each object it takes (POISON_FREE) and checks the poison when it gives
 * the object out again: a write after the free is reported (once) and the
 * object goes back to the slab instead of being reused.
 */
#include <linux/percpu.h>
#include <linux/poison.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "cache.h"

static struct kmem_cache *kasync_task_slab[KASYNC_TCACHE_CLASSES];

DEFINE_PER_CPU(struct kasync_tcache, kasync_tcache);

#ifdef CONFIG_KASAN
static void kasync_tcache_poison(void *obj, int c)
{
	memset(obj, POISON_FREE, kasync_tcache_bytes(c));
}

/* Intact poison, or a write after the free: then the slab gets it back. */
static bool kasync_tcache_intact(void *obj, int c)
{
	if (!memchr_inv(obj, POISON_FREE, kasync_tcache_bytes(c)))
		return true;
	WARN_ONCE(1, "kasync: task memory %p written after it was freed\n", obj);
	kmem_cache_free(kasync_task_slab[c], obj);
	return false;
}
#else
static inline void kasync_tcache_poison(void *obj, int c) { }
static inline bool kasync_tcache_intact(void *obj, int c) { return true; }
#endif

/**
 * kasync_task_mem_alloc_slow - kasync_task_mem_alloc() past its inline hit
 * @size: header and state
 * @gfp: allocation flags
 *
 * Under KASAN the cache, which the inline part leaves to this function;
 * then the slab.
 *
 * Context: any; may sleep if @gfp allows it.
 * Return: the memory (not zeroed), or %NULL.
 */
void *kasync_task_mem_alloc_slow(size_t size, gfp_t gfp)
{
	int c = kasync_tcache_class(size);
	void *obj;

	if (c < 0)
		return kmalloc(size, gfp);
	if (IS_ENABLED(CONFIG_KASAN)) {
		obj = kasync_tcache_pop(c);
		if (obj && kasync_tcache_intact(obj, c))
			return obj;
	}
	return kmem_cache_alloc(kasync_task_slab[c], gfp);
}

/**
 * kasync_task_mem_free_slow - kasync_task_mem_free() past its inline hit
 * @obj: the memory
 * @size: the @size it was allocated with
 *
 * Under KASAN the cache, poisoning the object; then the slab.
 *
 * Context: any.
 */
void kasync_task_mem_free_slow(void *obj, size_t size)
{
	int c = kasync_tcache_class(size);

	if (c < 0) {
		kfree(obj);
		return;
	}
	if (IS_ENABLED(CONFIG_KASAN)) {
		kasync_tcache_poison(obj, c);
		if (kasync_tcache_push(c, obj))
			return;
	}
	kmem_cache_free(kasync_task_slab[c], obj);
}

/**
 * kasync_task_mem_exit - free the cached task memory and the slab caches
 *
 * Context: module unload, after the last task was freed.
 */
void kasync_task_mem_exit(void)
{
	struct kasync_tcache *tc;
	int cpu, c;

	for_each_possible_cpu(cpu) {
		tc = per_cpu_ptr(&kasync_tcache, cpu);
		for (c = 0; c < KASYNC_TCACHE_CLASSES; c++) {
			while (tc->n[c])
				kmem_cache_free(kasync_task_slab[c],
						tc->obj[c][--tc->n[c]]);
		}
	}
	for (c = 0; c < KASYNC_TCACHE_CLASSES; c++) {
		kmem_cache_destroy(kasync_task_slab[c]);
		kasync_task_slab[c] = NULL;
	}
}

/**
 * kasync_task_mem_init - create the slab caches of task memory
 *
 * Context: module init.
 * Return: 0, or -ENOMEM.
 */
int kasync_task_mem_init(void)
{
	char name[24];
	int c;

	for (c = 0; c < KASYNC_TCACHE_CLASSES; c++) {
		snprintf(name, sizeof(name), "kasync_task_%u",
			 kasync_tcache_bytes(c));
		kasync_task_slab[c] = kmem_cache_create(name,
							kasync_tcache_bytes(c),
							sizeof(u64), 0, NULL);
		if (!kasync_task_slab[c]) {
			kasync_task_mem_exit();
			return -ENOMEM;
		}
	}
	return 0;
}
