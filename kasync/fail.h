/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kasync's fault point (fail.c): kasync_should_fail() at each allocation
 * of kasync's own, so that tests can make it fail.
 */
#ifndef _KASYNC_FAIL_H
#define _KASYNC_FAIL_H

#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/types.h>

#ifdef CONFIG_FAULT_INJECTION
#include <linux/fault-inject.h>

extern struct fault_attr kasync_fail_attr;

void kasync_fail_init(void);
void kasync_fail_exit(void);

/*
 * Should the allocation of @size bytes that follows fail?  True for the
 * n-th call on a task whose fail_nth is n, and at random as
 * /sys/kernel/debug/fail_kasync says.  Called even where the memory
 * comes from kasync's own cache, which the slab's failslab never sees.
 */
static __always_inline bool kasync_should_fail(size_t size)
{
	return should_fail(&kasync_fail_attr, size);
}
#else
static inline void kasync_fail_init(void) { }
static inline void kasync_fail_exit(void) { }
static __always_inline bool kasync_should_fail(size_t size) { return false; }
#endif

/* kasync's allocations: the fault point, then the allocator. */
static __always_inline void *kasync_kmalloc(size_t size, gfp_t gfp)
{
	return kasync_should_fail(size) ? NULL : kmalloc(size, gfp);
}

static __always_inline void *kasync_kzalloc(size_t size, gfp_t gfp)
{
	return kasync_should_fail(size) ? NULL : kzalloc(size, gfp);
}

static __always_inline void *kasync_kmem_cache_alloc(struct kmem_cache *s,
						     gfp_t gfp)
{
	return kasync_should_fail(kmem_cache_size(s)) ? NULL :
	       kmem_cache_alloc(s, gfp);
}

#define kasync_alloc_percpu(type)					\
	(kasync_should_fail(sizeof(type)) ? NULL : alloc_percpu(type))

#endif /* _KASYNC_FAIL_H */
