/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kasync's clock for the poll accounting, the worker's budget and the
 * detectors: nanoseconds, on one time base for every CPU, read once per
 * poll.
 *
 * Where the kernel trusts the TSC (x86 with a TSC not marked unstable),
 * it is rdtsc() scaled by one multiply and shift computed at load, the
 * arithmetic sched_clock() itself does.  That skips local_clock()'s
 * per-CPU scale read under a sequence count and the sched_clock offset:
 * about 30 instructions less per poll.  Its origin is not local_clock()'s,
 * so its values are compared only with each other.  Elsewhere it is
 * local_clock().
 */
#ifndef _KASYNC_CLOCK_H
#define _KASYNC_CLOCK_H

#include <linux/jump_label.h>
#include <linux/math64.h>
#include <linux/sched/clock.h>
#include <linux/types.h>
#ifdef CONFIG_X86_TSC
#include <asm/msr.h>
#endif

#ifdef CONFIG_X86_TSC
DECLARE_STATIC_KEY_FALSE(kasync_clock_tsc);
extern u32 kasync_clock_mult, kasync_clock_shift;
#endif

void kasync_clock_init(void);

/**
 * kasync_clock - nanoseconds on kasync's time base
 *
 * Context: any.
 * Return: the time; compare it only with other kasync_clock() values.
 */
static __always_inline u64 kasync_clock(void)
{
#ifdef CONFIG_X86_TSC
	if (static_branch_likely(&kasync_clock_tsc))
		return mul_u64_u32_shr(rdtsc(), kasync_clock_mult,
				       kasync_clock_shift);
#endif
	return local_clock();
}

#endif /* _KASYNC_CLOCK_H */
