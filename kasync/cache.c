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
 * class (a worker reaps 32 at a time, and a chain of spawns needs one
 * more), 132 KiB at most.  An empty cache
 * refills, and a full one gives back, KASYNC_TCACHE_BATCH objects in one
 * bulk call to the slab: a spawner that keeps thousands of tasks alive
 * misses the cache on every spawn, and the bulk calls cut what the slab
 * costs it by a third.  The caches are emptied at module unload.
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

/*
 * An empty cache takes KASYNC_TCACHE_BATCH objects from the slab in one
 * call, and a full one gives as many back in one: the slab's bulk calls
 * take its locks and its hooks once per batch, and free the objects of
 * one slab page together.  Both need interrupts on.  Return one of the
 * objects, or %NULL if the slab had none.
 */
static void *kasync_tcache_refill(int c, gfp_t gfp)
{
	void *objs[KASYNC_TCACHE_BATCH];
	struct kasync_tcache *tc;
	unsigned long flags;
	unsigned int i = 1;

	if (!kmem_cache_alloc_bulk(kasync_task_slab[c], gfp, ARRAY_SIZE(objs),
				   objs))
		return NULL;
	local_irq_save(flags);
	/* This CPU's, or the one we moved to: either cache will do. */
	tc = this_cpu_ptr(&kasync_tcache);
	while (i < ARRAY_SIZE(objs) && tc->n[c] < KASYNC_TCACHE_DEPTH)
		tc->obj[c][tc->n[c]++] = objs[i++];
	local_irq_restore(flags);
	if (i < ARRAY_SIZE(objs))
		kmem_cache_free_bulk(kasync_task_slab[c], ARRAY_SIZE(objs) - i,
				     &objs[i]);
	return objs[0];
}

/* Cache @obj, first giving up to a batch of the cache back to the slab. */
static void kasync_tcache_flush(int c, void *obj)
{
	void *objs[KASYNC_TCACHE_BATCH];
	struct kasync_tcache *tc;
	unsigned long flags;
	unsigned int n = 0;

	local_irq_save(flags);
	tc = this_cpu_ptr(&kasync_tcache);
	while (n < ARRAY_SIZE(objs) && tc->n[c])
		objs[n++] = tc->obj[c][--tc->n[c]];
	tc->obj[c][tc->n[c]++] = obj;
	local_irq_restore(flags);
	kmem_cache_free_bulk(kasync_task_slab[c], n, objs);
}

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
	} else if (!irqs_disabled()) {
		obj = kasync_tcache_refill(c, gfp);
		if (obj)
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
	} else if (!irqs_disabled()) {
		kasync_tcache_flush(c, obj);
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
