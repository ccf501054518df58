/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kasync statistics: per-runtime, per-CPU counters.
 */
#ifndef _KASYNC_STATS_H
#define _KASYNC_STATS_H

#include <linux/types.h>

struct kasync_rt;

/*
 * struct kasync_pcpu_stats - one CPU's counters of one runtime (all S)
 */
struct kasync_pcpu_stats {
	u64 spawned;
	u64 completed;
	u64 cancelled;
	u64 polls;
	u64 wakes;
	u64 steals;
	u64 stolen;
	u64 overflows;
	u64 budget_yields;
	u64 lifo_hits;
	u64 longest_poll_ns;
	u64 rehomed;
	u64 idles;
	u64 lingers;
	u64 coop_yields;
};

int kasync_stats_init(void);
void kasync_stats_exit(void);
void kasync_stats_add_rt(struct kasync_rt *rt);
void kasync_stats_del_rt(struct kasync_rt *rt);

#endif /* _KASYNC_STATS_H */
