// SPDX-License-Identifier: GPL-2.0
/*
 * kasync's clock (clock.h): chooses the time base once, at load.
 */
#include <linux/clocksource.h>
#include <linux/time64.h>

#include "clock.h"

#ifdef CONFIG_X86_TSC
#include <asm/tsc.h>

DEFINE_STATIC_KEY_FALSE(kasync_clock_tsc);
u32 kasync_clock_mult, kasync_clock_shift;

/**
 * kasync_clock_init - choose kasync_clock()'s time base
 *
 * The TSC if the kernel uses it as a clock (it has a frequency and was
 * not marked unstable, e.g. unsynchronised between CPUs), else
 * local_clock().  A TSC marked unstable after this keeps being used: a
 * poll's duration may then be off, never its order.
 *
 * Context: module init.
 */
void kasync_clock_init(void)
{
	if (!boot_cpu_has(X86_FEATURE_TSC) || !tsc_khz || check_tsc_unstable())
		return;
	/* as the kernel's cyc2ns: the product is 96 bits wide, no overflow */
	clocks_calc_mult_shift(&kasync_clock_mult, &kasync_clock_shift,
			       tsc_khz, NSEC_PER_MSEC, 0);
	static_branch_enable(&kasync_clock_tsc);
}
#else
void kasync_clock_init(void)
{
}
#endif
